from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from eport.core.admin import ServiceModelAdmin

from . import services
from .codes import HS_DESCRIPTION_NOTE
from .models import GoodsControl, HsCode, TariffLine


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    """The HS nomenclature is reference data loaded from the shipped file: read-only here."""

    list_display = ["code", "level", "section", "description"]
    list_filter = ["level", "section"]
    search_fields = ["code", "description"]

    def changelist_view(self, request, extra_context=None):
        # The descriptions are the WCO's English text, in every language: say so.
        extra_context = {"subtitle": HS_DESCRIPTION_NOTE, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TariffLine)
class TariffLineAdmin(ServiceModelAdmin):
    """Duty and VAT by HS prefix; every change goes through eport.reference.services."""

    list_display = [
        "hs_prefix",
        "description",
        "duty_rate",
        "vat_rate",
        "rate_status",
        "updated_at",
    ]
    list_filter = ["illustrative", "vat_rate"]
    search_fields = ["hs_prefix", "description"]
    fieldsets = [
        (
            None,
            {
                "fields": ["hs_prefix", "description", "duty_rate", "vat_rate", "illustrative"],
                "description": _(
                    "The longest HS prefix matching a goods item's code applies. Rates shipped "
                    "with eport are ILLUSTRATIVE, not the legal tariff; clear 'illustrative' only "
                    "once a rate has been checked against the published tariff."
                ),
            },
        ),
        (_("Record"), {"fields": ["updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The prefix is the line's identity in the ledger (tariff:<prefix>); another prefix is
        # another line, added on its own.
        return ["hs_prefix", "updated_at"] if obj is not None else ["updated_at"]

    @admin.display(description=_("rate status"), ordering="illustrative")
    def rate_status(self, obj):
        return _("Illustrative") if obj.illustrative else _("Checked")

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_tariff_line(
            actor=request.user,
            hs_prefix=data["hs_prefix"],
            description=data["description"],
            duty_rate=data["duty_rate"],
            vat_rate=data["vat_rate"],
            illustrative=data["illustrative"],
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_tariff_line(
            line=obj,
            actor=request.user,
            description=data["description"],
            duty_rate=data["duty_rate"],
            vat_rate=data["vat_rate"],
            illustrative=data["illustrative"],
        )

    def delete_object(self, request, obj):
        services.delete_tariff_line(line=obj, actor=request.user)


@admin.register(GoodsControl)
class GoodsControlAdmin(ServiceModelAdmin):
    """HS prefixes that need a licence or inspection; every change goes through the services."""

    list_display = ["hs_prefix", "measure", "description", "list_status", "updated_at"]
    list_filter = ["measure", "illustrative"]
    search_fields = ["hs_prefix", "description"]
    fieldsets = [
        (
            None,
            {
                "fields": ["hs_prefix", "measure", "description", "illustrative"],
                "description": _(
                    "A goods item whose HS code starts with the prefix is under the measure: it "
                    "must cite a licence, or wait for inspection before release. Lines shipped "
                    "with eport are ILLUSTRATIVE, not the legal lists; clear 'illustrative' only "
                    "once a line has been checked against the published list."
                ),
            },
        ),
        (_("Record"), {"fields": ["updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Measure and prefix are the control's identity in the ledger
        # (control:<measure>:<prefix>); another pair is another control, added on its own.
        return ["hs_prefix", "measure", "updated_at"] if obj is not None else ["updated_at"]

    @admin.display(description=_("list status"), ordering="illustrative")
    def list_status(self, obj):
        return _("Illustrative") if obj.illustrative else _("Checked")

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_goods_control(
            actor=request.user,
            hs_prefix=data["hs_prefix"],
            measure=data["measure"],
            description=data["description"],
            illustrative=data["illustrative"],
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_goods_control(
            control=obj,
            actor=request.user,
            description=data["description"],
            illustrative=data["illustrative"],
        )

    def delete_object(self, request, obj):
        services.delete_goods_control(control=obj, actor=request.user)
