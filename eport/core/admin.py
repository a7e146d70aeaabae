"""A ModelAdmin whose every save and delete is written to the ledger in the same transaction."""

from __future__ import annotations

from django.contrib import admin
from django.db import router, transaction

from .ledgering import (
    changed_values,
    delete_and_record,
    model_snapshot,
    record_model_change,
)


class LedgeredModelAdmin(admin.ModelAdmin):
    """ModelAdmin that records each add, change and delete as one ledger entry.

    Use it for any model whose changes must be traceable (offices, companies, users, tariff
    lines, risk rules)::

        @admin.register(RiskRule)
        class RiskRuleAdmin(LedgeredModelAdmin):
            list_display = ["name", "kind", "lane", "active"]

    What is recorded, with the acting user as ``user:<id>`` and the subject from the model's
    ``ledger_subject`` (else ``<model name>:<pk>``):

    - add: ``<type>.created`` with every snapshot field as ``changed``;
    - change: ``<type>.updated`` with the snapshot fields the form changed and their new values;
      fields outside the snapshot (e.g. a person's email) are listed by name only in
      ``other_fields_changed``; a save that changed nothing records nothing;
    - delete, from the object's page or the "delete selected" action: ``<type>.deleted`` with the
      digest of the last state.

    ``<type>`` is the subject's type with ``-`` as ``_`` (``risk-rule:7`` → ``risk_rule.updated``).
    Every entry carries ``state``, the digest of the snapshot (``eport.core.ledgering``); the
    snapshot fields are ``ledger_fields`` if set here, else the model's ``LEDGER_FIELDS``, else
    all concrete fields but the automatic id, automatic timestamps and secrets. Passwords are
    never recorded.

    Django's admin already runs the change form, list-editable saves and the delete page in a
    transaction; the entry is written inside it, so if anything fails, neither the change nor the
    entry is kept. The bulk delete action runs in a transaction of its own here. Inline formsets
    are saved but not recorded: give an inline model a ledgered admin of its own instead.
    Override ``ledger_action`` to name a change more precisely (e.g. ``user.role_changed``).
    """

    ledger_fields: tuple[str, ...] | None = None

    def ledger_action(self, request, obj, form, change: bool, changed: dict) -> str:
        """The verb of the entry for this save; ``created`` or ``updated`` unless overridden."""
        return "updated" if change else "created"

    def save_model(self, request, obj, form, change):
        with transaction.atomic(using=router.db_for_write(self.model)):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The entry is written after the many-to-many fields are saved, so the state digest and
        # the changed values include them.
        with transaction.atomic(using=router.db_for_write(self.model)):
            super().save_related(request, form, formsets, change)
            self.record_form_change(request, form.instance, form, change)

    def record_form_change(self, request, obj, form, change: bool):
        """Write the ledger entry for a saved admin form; return it, or None if nothing changed."""
        fields = self.ledger_fields
        if change:
            changed, others = changed_values(obj, form.changed_data, fields)
            if not changed and not others:
                return None
        else:
            changed, others = model_snapshot(obj, fields), []
        return record_model_change(
            actor=request.user,
            instance=obj,
            action=self.ledger_action(request, obj, form, change, changed),
            changed=changed,
            fields=fields,
            extra={"other_fields_changed": others} if others else None,
        )

    def delete_model(self, request, obj):
        delete_and_record(actor=request.user, instance=obj, fields=self.ledger_fields)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            # One by one, so each deleted object gets its own entry.
            # Re-selected by primary key: the changelist's queryset may be DISTINCT, which
            # cannot be locked.
            pks = list(queryset.values_list("pk", flat=True))
            for obj in self.model._default_manager.filter(pk__in=pks).select_for_update():
                delete_and_record(actor=request.user, instance=obj, fields=self.ledger_fields)
