"""ServiceModelAdmin: the admin saves only through services, so it refuses what would not."""

from django.contrib import admin
from django.core import checks

from eport.core.admin import ServiceModelAdmin
from eport.reference.models import HsCode, TariffLine


class TariffLineInline(admin.TabularInline):
    model = TariffLine


def test_an_admin_with_inlines_or_list_editable_fails_the_system_check():
    class WithInlines(ServiceModelAdmin):
        inlines = [TariffLineInline]

    class WithListEditable(ServiceModelAdmin):
        list_display = ["code", "description"]
        list_editable = ["description"]

    site = admin.AdminSite(name="check")
    for admin_class in (WithInlines, WithListEditable):
        errors = admin_class(HsCode, site).check()
        assert "eport.E001" in [error.id for error in errors]


def test_the_registered_admins_pass_the_system_check():
    assert checks.run_checks(tags=[checks.Tags.admin]) == []
