"""A ModelAdmin that saves and deletes only through the model's services."""

from __future__ import annotations

from django.contrib import admin
from django.core import checks
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.forms import ModelForm


class ServiceModelAdmin(admin.ModelAdmin):
    """ModelAdmin whose add, change and delete each call the model's service, one more caller.

    The services own the checks and the ledger entry (``office.updated``, ``user.role_changed``,
    ``risk_rule.created``, ``tariff.deleted``...), so a change made here is refused, or recorded,
    exactly as it would be anywhere else. A subclass says which service to call::

        @admin.register(RiskRule)
        class RiskRuleAdmin(ServiceModelAdmin):
            def create_object(self, request, form):
                return rules.create_risk_rule(actor=request.user, **form.cleaned_data)

            def update_object(self, request, obj, form):
                return rules.update_risk_rule(rule=obj, actor=request.user, **form.cleaned_data)

            def delete_object(self, request, obj):
                rules.delete_risk_rule(rule=obj, actor=request.user)

    The service is called when the form has passed its own checks, while the admin validates it
    (``full_clean``), so a ValidationError from the service is shown on the form beside the field
    it names (on top of the form if the form has no such field) and the page is shown again. The
    service runs in a savepoint of the admin's own transaction: when it refuses, neither the object
    nor a ledger entry is kept; when it succeeds, the admin's history entry commits with it.

    Inlines and list_editable would save rows with the ModelForm machinery, around the service;
    a system check refuses them. The delete page and the "delete selected" action call
    ``delete_object`` once per object, in one transaction.
    """

    def create_object(self, request, form: ModelForm) -> models.Model:
        """Create the object from a valid add form through its service; return it."""
        raise NotImplementedError(f"{type(self).__name__} must say how to create an object")

    def update_object(self, request, obj: models.Model, form: ModelForm) -> models.Model:
        """Change ``obj`` from a valid change form through its service; return it."""
        raise NotImplementedError(f"{type(self).__name__} must say how to change an object")

    def delete_object(self, request, obj: models.Model) -> None:
        """Delete ``obj`` through its service."""
        raise NotImplementedError(f"{type(self).__name__} must say how to delete an object")

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.inlines or self.list_editable:
            errors.append(
                checks.Error(
                    "A ServiceModelAdmin saves only through its services; inlines and "
                    "list_editable would save around them.",
                    obj=type(self),
                    id="eport.E001",
                )
            )
        return errors

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def full_clean(self):
                super().full_clean()
                if self.is_bound and not self.errors:
                    model_admin._save_through_service(request, self, change=change)

        ServiceForm.__name__ = form_class.__name__
        return ServiceForm

    def _save_through_service(self, request, form: ModelForm, *, change: bool) -> None:
        try:
            # A savepoint of its own, so a refusal leaves nothing behind even in a service that
            # forgot to be atomic.
            with transaction.atomic(using=router.db_for_write(self.model)):
                if change:
                    saved = self.update_object(request, form.instance, form)
                else:
                    saved = self.create_object(request, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form.instance = saved

    def save_form(self, request, form, change):
        # The service saved the object while the form was validated.
        return form.instance

    def save_model(self, request, obj, form, change):
        # Saved by the service already, with its ledger entry.
        pass

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are the service's to save (and record); there are no inlines.
        pass

    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(self.model)):
            self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            # Re-selected by primary key: the changelist's queryset may be DISTINCT, which cannot
            # be locked. Each object goes through the service, so each gets its own entry.
            pks = list(queryset.values_list("pk", flat=True))
            for obj in self.model._default_manager.filter(pk__in=pks).select_for_update():
                self.delete_object(request, obj)


def add_service_errors(form: ModelForm, error: ValidationError) -> None:
    """Show a service's ValidationError on ``form``: by field where it has one, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        if field in form.fields and field != NON_FIELD_ERRORS:
            form.add_error(field, messages)
        else:
            form.add_error(None, messages)
