"""Admin: declarations are read-only here (they change only through the services); risk rules
are edited by officers with the right permission, through eport.declarations.rules."""

from django.contrib import admin

from eport.core.admin import ServiceModelAdmin

from . import rules
from .models import Amendment, Declaration, Document, GoodsItem, Inspection, Query, RiskRule


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


class GoodsItemInline(ReadOnlyInline):
    model = GoodsItem
    fields = [
        "line",
        "hs_code",
        "description",
        "origin_country",
        "quantity",
        "unit",
        "net_mass",
        "gross_mass",
        "invoice_value",
        "customs_value",
        "duty",
        "vat",
    ]


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ["type", "reference", "issued_on", "content_type", "size", "sha256", "uploaded_at"]


class QueryInline(ReadOnlyInline):
    model = Query
    fields = ["asked_by", "question", "asked_at", "answer", "answered_at"]


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["amended_by", "created_at", "changes"]


class InspectionInline(ReadOnlyInline):
    model = Inspection
    fields = ["ordered_by", "instructions", "ordered_at", "findings", "recorded_at"]


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    """Read-only: every change to a declaration goes through the services and the ledger."""

    list_display = ["number", "lrn", "company", "office", "flow", "status", "lane", "submitted_at"]
    list_filter = ["status", "lane", "flow", "office"]
    search_fields = ["number", "lrn", "transport_document", "company__usci", "company__name"]
    list_select_related = ["company", "office"]
    date_hierarchy = "created_at"
    inlines = [GoodsItemInline, DocumentInline, QueryInline, AmendmentInline, InspectionInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskRule)
class RiskRuleAdmin(ServiceModelAdmin):
    """Risk rules; the service checks each one can be read by the engine and ledgers it."""

    fields = [
        "name",
        "kind",
        "parameter",
        "lane",
        "officer_note",
        "trader_instruction",
        "active",
        "updated_at",
    ]
    list_display = ["name", "kind", "parameter", "lane", "active", "updated_at"]
    list_filter = ["kind", "lane", "active"]
    search_fields = ["name", "parameter", "officer_note"]
    readonly_fields = ["updated_at"]

    def create_object(self, request, form):
        return rules.create_risk_rule(actor=request.user, **self._rule_values(form))

    def update_object(self, request, obj, form):
        return rules.update_risk_rule(rule=obj, actor=request.user, **self._rule_values(form))

    def delete_object(self, request, obj):
        rules.delete_risk_rule(rule=obj, actor=request.user)

    def _rule_values(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in self.fields if name != "updated_at"}
