from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import router, transaction

from eport.core.admin import LedgeredModelAdmin

from .models import Company, CustomsOffice, User
from .services import record_password_change


@admin.register(CustomsOffice)
class CustomsOfficeAdmin(LedgeredModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the office's identity in declaration numbers and the ledger.
        return ["code"] if obj is not None else []


@admin.register(Company)
class CompanyAdmin(LedgeredModelAdmin):
    list_display = ["name", "usci", "created_at"]
    search_fields = ["name", "usci"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The USCI is the company's identity in the ledger; a new identifier is a new company.
        return ["usci", "created_at"] if obj is not None else ["created_at"]


@admin.register(User)
class UserAdmin(LedgeredModelAdmin, DjangoUserAdmin):
    """Users, with role and organisation; changes to access are ledgered, personal data is not."""

    list_display = ["username", "role", "company", "office", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "office"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Role and organisation", {"fields": ["role", "company", "office"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Role and organisation", {"fields": ["role", "company", "office"]}),
    ]

    def ledger_action(self, request, obj, form, change, changed):
        if change and {"role", "company", "office"} & set(changed):
            return "role_changed"
        return super().ledger_action(request, obj, form, change, changed)

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the password itself; record the fact (never the hash) in the same
        # transaction, when the stored hash actually changed.
        with transaction.atomic(using=router.db_for_write(self.model)):
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    record_password_change(user=user, actor=request.user)
        return response
