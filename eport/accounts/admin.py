from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import router, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from eport.core.admin import ServiceModelAdmin

from . import second_factor, services
from .models import Agency, Bank, Company, CustomsOffice, User

# django-otp's own pages would show the authenticator secrets and recovery codes and change them
# around the ledger; an administrator resets a person's second factor from the user list instead.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

# Offices, companies, agencies and users are never deleted here. Each is named in the ledger
# (``office:2201``, ``company:<USCI>``, ``agency:SHCOM``, ``user:<id>``) and in declarations and
# licences, whose numbers carry the office or agency code; a customs administration keeps the party
# a past decision refers to. An office or agency that closes is deactivated, a person who leaves is
# deactivated; a company simply stays on record.


@admin.register(CustomsOffice)
class CustomsOfficeAdmin(ServiceModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the office's identity in declaration numbers and the ledger.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_office(
            actor=request.user, code=data["code"], name=data["name"], active=data["active"]
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_office(
            office=obj, actor=request.user, name=data["name"], active=data["active"]
        )


@admin.register(Company)
class CompanyAdmin(ServiceModelAdmin):
    list_display = ["name", "usci", "created_at"]
    search_fields = ["name", "usci"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The USCI is the company's identity in the ledger; a new identifier is a new company.
        return ["usci", "created_at"] if obj is not None else ["created_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_company(
            actor=request.user, usci=data["usci"], name=data["name"], address=data["address"]
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_company(
            company=obj, actor=request.user, name=data["name"], address=data["address"]
        )


@admin.register(Bank)
class BankAdmin(ServiceModelAdmin):
    list_display = ["legal_name", "bic", "cnaps", "witness_key", "active"]
    list_filter = ["active"]
    search_fields = ["legal_name", "bic", "cnaps"]

    def get_readonly_fields(self, request, obj=None):
        # The BIC is the bank's identity in the ledger and in its financings.
        return ["bic"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_bank(
            actor=request.user,
            bic=data["bic"],
            legal_name=data["legal_name"],
            cnaps=data["cnaps"],
            witness_key=data["witness_key"],
            active=data["active"],
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_bank(
            bank=obj,
            actor=request.user,
            legal_name=data["legal_name"],
            cnaps=data["cnaps"],
            witness_key=data["witness_key"],
            active=data["active"],
        )


@admin.register(Agency)
class AgencyAdmin(ServiceModelAdmin):
    list_display = ["code", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the agency's identity in the ledger and in its licence numbers; its kind
        # decides what its officers' past decisions were.
        return ["code", "kind"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_agency(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            active=data["active"],
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        return services.update_agency(
            agency=obj, actor=request.user, name=data["name"], active=data["active"]
        )


@admin.register(User)
class UserAdmin(ServiceModelAdmin, DjangoUserAdmin):
    """Users, with role and organisation; changes to access are ledgered, personal data is not."""

    list_display = [
        "username",
        "role",
        "company",
        "office",
        "bank",
        "agency",
        "is_active",
        "is_staff",
    ]
    list_filter = ["role", "is_active", "is_staff", "office", "bank", "agency"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Role and organisation"), {"fields": ["role", "company", "office", "bank", "agency"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and organisation"), {"fields": ["role", "company", "office", "bank", "agency"]}),
    ]

    actions = ["reset_second_factor"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Reset the second factor of the selected users"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        reset = 0
        with transaction.atomic(using=router.db_for_write(self.model)):
            for user in queryset.order_by("pk"):
                if second_factor.reset_second_factor(user=user, actor=request.user):
                    reset += 1
        self.message_user(
            request,
            ngettext(
                "Second factor reset for %(count)d user: they set it up again at their next "
                "sign-in.",
                "Second factor reset for %(count)d users: they set it up again at their next "
                "sign-in.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )

    def create_object(self, request, form):
        data = form.cleaned_data
        return services.create_user(
            actor=request.user,
            username=data["username"],
            role=data["role"],
            company=data.get("company"),
            office=data.get("office"),
            bank=data.get("bank"),
            agency=data.get("agency"),
            # "Password-based authentication: disabled" creates an account with no password.
            password=data.get("password1") if data.get("set_usable_password", True) else None,
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )

    def update_object(self, request, obj, form):
        data = form.cleaned_data
        organisation = {}
        # Only a role or organisation being set is judged against the rule, so an account's
        # email can be corrected before its organisation is.
        if set(services.ORGANISATION_FIELDS) & set(form.changed_data):
            organisation = {name: data.get(name) for name in services.ORGANISATION_FIELDS}
        access = {
            name: data[name]
            for name in ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
            if name in data
        }
        return services.update_user(
            user=obj,
            actor=request.user,
            **organisation,
            **access,
            personal={name: data[name] for name in services.PERSONAL_FIELDS if name in data},
        )

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
                    services.record_password_change(user=user, actor=request.user)
        return response
