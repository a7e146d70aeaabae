"""Changes to a company's saved parties and goods lines; each commits with its ledger entry.

Saved values are checked by the declaration's own validation (``declarations.validation``), so
whatever is saved is what the declaration form would accept for that party or goods line.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from eport.core.actors import Actor
from eport.core.ledgering import (
    delete_and_record,
    model_snapshot,
    record_model_change,
    update_and_record,
)
from eport.declarations import validation

from . import access
from .models import SavedGoodsLine, SavedParty

PARTY_FIELDS = ("name", "country", "party_id")
# A saved party's fields as the declaration names them for its role ("consignor_id", ...).
DECLARATION_PARTY_FIELDS = {"name": "name", "country": "country", "party_id": "id"}
GOODS_LINE_FIELDS = ("hs_code", "description", "origin_country", "unit")


def clean_party(*, role: str, name: str, country: str, party_id: str = "") -> dict:
    """The party's values as the declaration's header check cleans them, or its problems."""
    if role not in SavedParty.Role.values:
        raise ValidationError({"role": _("Choose whether this is a consignor or a consignee.")})
    values = {"name": name, "country": country, "party_id": party_id}
    header = {f"{role}_{DECLARATION_PARTY_FIELDS[key]}": value for key, value in values.items()}
    problems: dict[str, list[str]] = {}
    try:
        validation.clean_header(header)
    except ValidationError as error:
        # The rest of the header is absent, and its problems are not this party's.
        for key, messages in error.message_dict.items():
            field = _party_field(role, key)
            if field is not None:
                problems[field] = messages
    if problems:
        raise ValidationError(problems)
    # Stored as the header stores them: text stripped, codes upper-cased.
    return {
        "name": (name or "").strip(),
        "country": (country or "").strip().upper(),
        "party_id": (party_id or "").strip().upper(),
    }


def _party_field(role: str, key: str) -> str | None:
    for field, suffix in DECLARATION_PARTY_FIELDS.items():
        if key == f"{role}_{suffix}":
            return field
    return None


def clean_goods_line(**values) -> dict:
    """The goods line's values as the declaration's item check cleans them, or its problems."""
    cleaned, found = validation.item_problems(values, 0)
    problems = {}
    for key, messages in found.errors.items():
        field = key.rsplit(".", 1)[-1]
        if field in GOODS_LINE_FIELDS:
            problems[field] = messages
    if problems:
        raise ValidationError(problems)
    return {field: cleaned[field] for field in GOODS_LINE_FIELDS}


def _already_saved(what: str) -> ValidationError:
    return ValidationError(
        {"__all__": [_("Your company has already saved this %(what)s.") % {"what": what}]}
    )


@transaction.atomic
def save_party(
    *, actor: Actor, role: str, name: str, country: str, party_id: str = ""
) -> SavedParty:
    """Save a party for the actor's company, checked as the declaration checks it; ledgered."""
    access.check_may_keep(actor)
    values = clean_party(role=role, name=name, country=country, party_id=party_id)
    party = SavedParty(company=actor.company, role=role, created_by=actor, **values)
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise _already_saved(_("party")) from None
    record_model_change(
        actor=actor, instance=party, action="created", changed=model_snapshot(party)
    )
    return party


@transaction.atomic
def update_party(
    *, party: SavedParty, actor: Actor, name: str, country: str, party_id: str = ""
) -> SavedParty:
    """Change a saved party, checked as the declaration checks it; ledgered if it changed."""
    access.check_may_change(actor, party)
    party = SavedParty.objects.select_for_update().get(pk=party.pk)
    values = clean_party(role=party.role, name=name, country=country, party_id=party_id)
    try:
        with transaction.atomic():
            update_and_record(actor=actor, instance=party, changes=values)
    except IntegrityError:
        raise _already_saved(_("party")) from None
    return party


@transaction.atomic
def delete_party(*, party: SavedParty, actor: Actor) -> None:
    """Forget a saved party (declarations that used it keep their own copies); ledgered."""
    access.check_may_change(actor, party)
    party = SavedParty.objects.select_for_update().get(pk=party.pk)
    delete_and_record(actor=actor, instance=party)


@transaction.atomic
def save_goods_line(
    *, actor: Actor, hs_code: str, description: str, origin_country: str, unit: str
) -> SavedGoodsLine:
    """Save a goods line for the actor's company, checked as a declaration's item; ledgered."""
    access.check_may_keep(actor)
    values = clean_goods_line(
        hs_code=hs_code, description=description, origin_country=origin_country, unit=unit
    )
    line = SavedGoodsLine(company=actor.company, created_by=actor, **values)
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError:
        raise _already_saved(_("goods line")) from None
    record_model_change(actor=actor, instance=line, action="created", changed=model_snapshot(line))
    return line


@transaction.atomic
def update_goods_line(
    *,
    line: SavedGoodsLine,
    actor: Actor,
    hs_code: str,
    description: str,
    origin_country: str,
    unit: str,
) -> SavedGoodsLine:
    """Change a saved goods line, checked as a declaration's item; ledgered if it changed."""
    access.check_may_change(actor, line)
    line = SavedGoodsLine.objects.select_for_update().get(pk=line.pk)
    values = clean_goods_line(
        hs_code=hs_code, description=description, origin_country=origin_country, unit=unit
    )
    try:
        with transaction.atomic():
            update_and_record(actor=actor, instance=line, changes=values)
    except IntegrityError:
        raise _already_saved(_("goods line")) from None
    return line


@transaction.atomic
def delete_goods_line(*, line: SavedGoodsLine, actor: Actor) -> None:
    """Forget a saved goods line; ledgered."""
    access.check_may_change(actor, line)
    line = SavedGoodsLine.objects.select_for_update().get(pk=line.pk)
    delete_and_record(actor=actor, instance=line)
