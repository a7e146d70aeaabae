"""Admin: licences are read-only here; they change only through the services and the ledger."""

from django.contrib import admin

from .models import Licence, LicenceUsage


class LicenceUsageInline(admin.TabularInline):
    model = LicenceUsage
    fields = ["reference", "quantity", "value", "created_at"]
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
        return self.fields


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    """Read-only: every change to a licence goes through the services and the ledger."""

    list_display = [
        "number",
        "company",
        "agency",
        "flow",
        "hs_code",
        "status",
        "valid_from",
        "valid_until",
        "remaining_quantity",
        "remaining_value",
    ]
    list_filter = ["status", "flow", "agency"]
    search_fields = ["number", "hs_code", "description", "company__usci", "company__name"]
    list_select_related = ["company", "agency"]
    date_hierarchy = "created_at"
    inlines = [LicenceUsageInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
