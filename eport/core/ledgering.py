"""Recording changes to ordinary models (offices, companies, users, tariffs, rules) in the ledger.

The ledger spec wants, for each change, the fields that changed with their new values and a
``state`` digest: SHA-256 of the RFC 8785 bytes of the subject's snapshot right after the change.
These helpers build both from a model instance, so every service (and so the admin, which calls
the services) records the same shape of entry:

    {"changed": {"duty_rate": "6.50"}, "state": "<64 hex>", "reason": "..."}   # reason if given

Which fields make up a model's snapshot: the class attribute ``LEDGER_FIELDS`` when the model
defines one (e.g. the user model, to keep personal data out), otherwise every concrete field except
the automatic primary key, ``auto_now``/``auto_now_add`` timestamps and secrets (``password``).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from eport.core.actors import Actor
from ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes
from ledger.models import Entry
from ledger.services import record

# Never part of a snapshot or a ledger entry, whatever a model or caller asks for.
SECRET_FIELDS = frozenset({"password"})


def subject_of(instance: models.Model) -> str:
    """The ledger subject of ``instance``: its ``ledger_subject``, else ``<model name>:<pk>``."""
    subject = getattr(instance, "ledger_subject", None)
    if isinstance(subject, str):
        return subject
    return f"{instance._meta.model_name}:{instance.pk}"


def subject_type(subject: str) -> str:
    """A subject's type as an action prefix: ``risk-rule:7`` → ``risk_rule``."""
    return subject.split(":", 1)[0].replace("-", "_")


def stable_ref(obj: models.Model | None) -> Any:
    """A related object in a snapshot: its ledger subject, else natural key, else primary key."""
    if obj is None:
        return None
    subject = getattr(obj, "ledger_subject", None)
    if isinstance(subject, str):
        return subject
    natural_key = getattr(obj, "natural_key", None)
    if callable(natural_key):
        return ".".join(str(part) for part in natural_key())
    return json_value(obj.pk)


def json_value(value: Any) -> Any:
    """A field value as JSON with exactly one RFC 8785 encoding (no floats, no objects)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        # A float that reaches a snapshot is recorded as the decimal it prints as.
        return str(Decimal(repr(value)))
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # The database hands back UTC; the snapshot must not depend on the session's time zone.
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return stable_ref(value)
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_value(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def snapshot_fields(model: type[models.Model] | models.Model) -> list[str]:
    """The field names that make up ``model``'s snapshot (see the module docstring)."""
    declared = getattr(model, "LEDGER_FIELDS", None)
    if declared is not None:
        return [name for name in declared if name not in SECRET_FIELDS]
    names = []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.name in SECRET_FIELDS:
            continue
        names.append(field.name)
    names.extend(
        field.name for field in model._meta.many_to_many if field.name not in SECRET_FIELDS
    )
    return names


def field_value(instance: models.Model, name: str) -> Any:
    """One field of ``instance`` as a snapshot value: FKs by stable ref, many-to-many sorted."""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        if instance.pk is None:
            return []
        return sorted((stable_ref(obj) for obj in getattr(instance, name).all()), key=str)
    if field.many_to_one or field.one_to_one:
        return stable_ref(getattr(instance, name))
    value = getattr(instance, field.attname)
    if isinstance(field, models.DecimalField) and value is not None:
        # Quantized as the column stores it, so a digest taken before and after a reload agree.
        value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return json_value(value)


def model_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """An RFC 8785-safe dict of ``fields`` (default: the snapshot fields) of ``instance``."""
    names = snapshot_fields(instance) if fields is None else list(fields)
    return {name: field_value(instance, name) for name in names if name not in SECRET_FIELDS}


def state_digest(snapshot: dict) -> str:
    """Lowercase hex SHA-256 of the RFC 8785 bytes of ``snapshot`` (the ledger's ``state``)."""
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


def _action_for(subject: str, action: str) -> str:
    # A bare verb ("updated") is qualified with the subject's type ("tariff.updated").
    return action if "." in action else f"{subject_type(subject)}.{action}"


def record_model_change(
    *,
    actor: Actor,
    instance: models.Model,
    action: str,
    changed: dict,
    reason: str = "",
    fields: Iterable[str] | None = None,
    extra: dict | None = None,
) -> Entry:
    """Record one ledger entry for a saved change to ``instance``, inside the caller's transaction.

    ``action`` is a bare verb (``created``, ``updated``, ``role_changed``), qualified with the
    subject's type, or a full dotted action. ``changed`` maps field names to their new values;
    secrets are dropped and values are converted as in snapshots. ``data.state`` is the digest of
    the instance's snapshot as it is now. ``extra`` adds further keys to ``data`` (values must
    already be canonical JSON).
    """
    subject = subject_of(instance)
    data: dict[str, Any] = {
        "changed": {
            str(name): json_value(value)
            for name, value in changed.items()
            if name not in SECRET_FIELDS
        },
        "state": state_digest(model_snapshot(instance, fields)),
    }
    if extra:
        data.update(extra)
    if reason:
        data["reason"] = reason
    return record(actor=actor, action=_action_for(subject, action), subject=subject, data=data)


def changed_values(
    instance: models.Model, names: Iterable[str], fields: Iterable[str] | None = None
) -> tuple[dict, list[str]]:
    """Split changed field ``names`` into (snapshot fields with new values, other field names).

    Fields outside the snapshot (e.g. a person's name or email) are only named, never valued, so
    the ledger shows that they changed without holding personal data.
    """
    tracked = set(snapshot_fields(instance) if fields is None else fields)
    values = {}
    others = []
    for name in names:
        if name in SECRET_FIELDS:
            continue
        if name in tracked:
            values[name] = field_value(instance, name)
        else:
            others.append(name)
    return values, sorted(others)


def apply_changes(instance: models.Model, changes: Mapping[str, Any]) -> list[str]:
    """Give a saved, locked ``instance`` the ``changes`` that differ; return the names that did.

    Each changed field is validated (ValidationError keyed by field) and saved with
    ``update_fields``; many-to-many fields take an iterable of objects. Values are compared as the
    snapshot holds them, so ``"6.5"`` for a stored ``6.50`` is no change.
    """
    opts = instance._meta
    many = {name for name in changes if opts.get_field(name).many_to_many}
    before = {name: field_value(instance, name) for name in changes}
    plain = [name for name in changes if name not in many]
    for name in plain:
        setattr(instance, name, changes[name])
    # Only the fields being changed are validated: a change to one field must not be refused
    # for an old value of another.
    instance.full_clean(
        exclude=[field.name for field in opts.fields if field.name not in plain],
        validate_unique=False,
        validate_constraints=False,
    )
    changed = [name for name in plain if field_value(instance, name) != before[name]]
    if changed:
        # auto_now timestamps are written only when named in update_fields.
        stamps = [field.name for field in opts.concrete_fields if getattr(field, "auto_now", False)]
        instance.save(update_fields=[*changed, *stamps])
    for name in sorted(many):
        wanted = list(changes[name])
        if sorted((stable_ref(obj) for obj in wanted), key=str) != before[name]:
            getattr(instance, name).set(wanted)
            changed.append(name)
    return [name for name in changes if name in changed]


def record_update(
    *,
    actor: Actor,
    instance: models.Model,
    names: Iterable[str],
    action: str = "updated",
    reason: str = "",
    fields: Iterable[str] | None = None,
) -> Entry | None:
    """Record the fields ``names`` just changed on ``instance``; None, and no entry, if none did.

    Snapshot fields are recorded with their new values in ``changed``; other fields only by name
    in ``other_fields_changed``.
    """
    changed, others = changed_values(instance, names, fields)
    if not changed and not others:
        return None
    return record_model_change(
        actor=actor,
        instance=instance,
        action=action,
        changed=changed,
        reason=reason,
        fields=fields,
        extra={"other_fields_changed": others} if others else None,
    )


def update_and_record(
    *,
    actor: Actor,
    instance: models.Model,
    changes: Mapping[str, Any],
    action: str = "updated",
    reason: str = "",
) -> list[str]:
    """Apply ``changes`` to a locked ``instance`` and record what changed; return those names."""
    names = apply_changes(instance, changes)
    record_update(actor=actor, instance=instance, names=names, action=action, reason=reason)
    return names


@transaction.atomic
def delete_and_record(
    *,
    actor: Actor,
    instance: models.Model,
    reason: str = "",
    action: str = "deleted",
    fields: Iterable[str] | None = None,
) -> Entry:
    """Delete ``instance`` and record ``<type>.deleted`` with its last state, in one transaction."""
    # Taken before the delete: afterwards the primary key (part of some subjects) is gone.
    subject = subject_of(instance)
    last_state = state_digest(model_snapshot(instance, fields))
    instance.delete()
    data: dict[str, Any] = {"last_state": last_state}
    if reason:
        data["reason"] = reason
    return record(actor=actor, action=_action_for(subject, action), subject=subject, data=data)
