from django.contrib import admin

from eport.core.admin import LedgeredModelAdmin

from .models import HsCode, TariffLine


@admin.register(HsCode)
class HsCodeAdmin(admin.ModelAdmin):
    """The HS nomenclature is reference data loaded from the shipped file: read-only here."""

    list_display = ["code", "level", "section", "description"]
    list_filter = ["level", "section"]
    search_fields = ["code", "description"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TariffLine)
class TariffLineAdmin(LedgeredModelAdmin):
    """Duty and VAT by HS prefix; every change is recorded in the ledger."""

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
    readonly_fields = ["updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": ["hs_prefix", "description", "duty_rate", "vat_rate", "illustrative"],
                "description": (
                    "The longest HS prefix matching a goods item's code applies. Rates shipped "
                    "with eport are ILLUSTRATIVE, not the legal tariff; clear 'illustrative' only "
                    "once a rate has been checked against the published tariff."
                ),
            },
        ),
        ("Record", {"fields": ["updated_at"]}),
    ]

    @admin.display(description="rate status", ordering="illustrative")
    def rate_status(self, obj):
        return "Illustrative" if obj.illustrative else "Checked"
