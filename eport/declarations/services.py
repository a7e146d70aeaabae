"""Every change to a declaration: one function per move, one transaction per call.

Each function locks the declaration row (SELECT ... FOR UPDATE), asks ``lifecycle.check_move``
whether this actor may make this move now, refuses a stale ``version``, applies the change with
``save(update_fields=...)``, bumps ``version`` and then, as the very last step, appends the ledger
entries: the ledger's append lock is taken at the end so that it is held only briefly. Each entry's
``data`` holds what changed, the reason when one was given, and ``state``, the digest of the
declaration's snapshot right after that step (``snapshot.state_digest``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.selectors import inspection_agency_for
from eport.core import actors
from eport.core.actors import Actor
from eport.core.ledgering import record_model_change
from eport.core.text import checked_text, control_character_problem, listed
from eport.licensing.clearance import citation_problems, write_off
from eport.licensing.errors import LicenceError
from eport.reference import controls
from eport.reference.models import TariffLine
from eport.web.templatetags.eport import moment
from ledger.services import record

from . import access, assessment, documents, lifecycle, risk, selectors, signals, validation
from .errors import DeclarationError, NotPermitted, StaleError, TransitionError
from .fields import ASSESSED_ITEM_FIELDS, HEADER_VALUE_FIELDS, ITEM_FIELDS
from .lifecycle import allowed_moves  # re-exported: callers find every move here
from .models import (
    Amendment,
    Declaration,
    DeclarationNote,
    Document,
    GoodsItem,
    Inspection,
    PostClearanceReview,
    Query,
    RiskRule,
)
from .numbering import next_number
from .snapshot import current_documents, current_items, snapshot, state_digest

__all__ = [
    "MOVE_SERVICES",
    "MoveOutcome",
    "add_document",
    "add_note",
    "allowed_moves",
    "amend_declaration",
    "assess_declaration",
    "cancel_declaration",
    "copy_declaration",
    "create_draft",
    "fail_inspection",
    "make_move",
    "make_moves",
    "order_inspection",
    "pass_inspection",
    "pick_for_post_clearance",
    "raise_query",
    "reassign_declaration",
    "record_bank_payment",
    "record_guarantee",
    "record_inspection_findings",
    "record_payment",
    "reject_declaration",
    "release_declaration",
    "remove_document",
    "submit_declaration",
    "take_declaration",
    "update_draft",
]

MISSING_TARIFF_RULE = "No tariff line for an item"
INSPECTION_CERTIFICATE_LENGTH = 40  # as Declaration.inspection_certificate stores it
# Where _begin leaves the move it checked (and its actor) on the locked declaration.
_MOVE_IN_HAND = "_move_in_hand"


# --- the shape shared by every move ---------------------------------------------------------


@dataclass
class _Entries:
    """Ledger entries to append at the end of the transaction, each with the state of its step.

    ``items`` and ``documents``, when given, are the declaration's rows as this call holds them,
    kept equal to what it stores, so a step's state needs no read; otherwise it reads them.
    """

    declaration: Declaration
    items: list[GoodsItem] | None = None
    documents: list[Document] | None = None
    pending: list[tuple[Any, str, dict]] = field(default_factory=list)

    def add(self, actor: Any, action: str, data: dict) -> None:
        data = {key: value for key, value in data.items() if value not in ("", None)}
        data["state"] = state_digest(self.declaration, items=self.items, documents=self.documents)
        self.pending.append((actor, action, data))

    def write(self, preceding: Iterable[tuple[Any, str, Any, dict]] = ()) -> None:
        """Append the entries; ``preceding`` (actor, action, subject, data) of the same change
        on other subjects first, so the ledger's append lock is taken once, at the very end."""
        for actor, action, subject, data in preceding:
            record(actor=actor, action=action, subject=subject, data=data)
        subject = self.declaration.ledger_subject
        for actor, action, data in self.pending:
            record(actor=actor, action=action, subject=subject, data=data)
        self._tell_moved()

    def _tell_moved(self) -> None:
        """Send ``signals.moved`` for the move ``_begin`` checked, once, after its entries."""
        made = self.declaration.__dict__.pop(_MOVE_IN_HAND, None)
        if made is None:  # not a move (a new draft), or already told
            return
        move, actor = made
        text = lifecycle.MOVES[move].text_input
        reason = ""
        if text is not None:
            said = (data.get(text.name) for who, _a, data in self.pending if who is actor)
            reason = next((value for value in said if value), "")
        signals.moved.send(
            sender=Declaration, declaration=self.declaration, move=move, actor=actor, reason=reason
        )


def _lock(declaration: Declaration | Any) -> Declaration:
    pk = declaration.pk if isinstance(declaration, Declaration) else declaration
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("company", "office")
        .get(pk=pk)
    )


def _version(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StaleError(
            _(
                "The form did not say which version of the declaration it was made from; reload "
                "the declaration and try again."
            )
        ) from None


def _begin(
    declaration: Declaration, actor: Any, move: str, version: Any = None, *, check_version=True
) -> tuple[Declaration, lifecycle.Transition]:
    locked = _lock(declaration)
    transition = lifecycle.check_move(locked, actor, move)
    if check_version:
        expected = _version(version)
        if expected != locked.version:
            raise StaleError(
                _(
                    "This declaration changed after you opened it (you saw version %(expected)s, "
                    "it is now version %(current)s); reload it to see its current state."
                )
                % {"expected": expected, "current": locked.version}
            )
    # Held for _Entries.write, which tells the domains above (signals.moved) after the entries.
    locked.__dict__[_MOVE_IN_HAND] = (move, actor)
    return locked, transition


def _move(declaration: Declaration, transition: lifecycle.Transition) -> set[str]:
    """Move to the transition's target in memory; the names of the fields that changed."""
    if declaration.status == transition.target:
        return set()
    declaration.status = transition.target
    declaration.status_changed_at = timezone.now()
    return {"status", "status_changed_at"}


def _save(declaration: Declaration, fields=(), *, bump: bool = False) -> None:
    """Save the given fields and ``updated_at`` in one UPDATE; ``bump`` adds the next version."""
    update = set(fields) | {"updated_at"}
    if bump:
        declaration.version += 1
        update.add("version")
    declaration.save(update_fields=sorted(update))


def _apply(
    declaration: Declaration, transition: lifecycle.Transition, fields=(), *, bump: bool = False
) -> None:
    """Move to the transition's target and save the given fields with status (and version)."""
    _save(declaration, set(fields) | _move(declaration, transition), bump=bump)


def _keep(declaration: Declaration, **related: list) -> None:
    """Leave related rows this call holds on the declaration it returns (``selectors.HELD``).

    Only for rows that are exactly what is stored (in their model's order), so whoever shows
    the returned declaration does not read them again.
    """
    for name, rows in related.items():
        setattr(declaration, selectors.HELD[name], list(rows))


def _required(value: Any, name: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({name: [message]})
    return text


def _check_lrn_free(company_id: int, lrn: str, exclude_pk: int | None = None) -> None:
    taken = Declaration.objects.filter(company_id=company_id, lrn=lrn).exclude(pk=exclude_pk)
    other = taken.only("number", "lrn").first()
    if other is not None:
        raise ValidationError(
            {
                "lrn": [
                    _(
                        "Your company already used the LRN %(lrn)s (declaration %(other)s); "
                        "each filing needs its own reference."
                    )
                    % {"lrn": repr(lrn), "other": other}
                ]
            }
        )


def _save_lrn_safely(declaration: Declaration, **save_kwargs) -> None:
    try:
        with transaction.atomic():
            declaration.save(**save_kwargs)
    except IntegrityError:
        # The LRN is taken: by an earlier filing (creating checks nothing first) or by a
        # concurrent one since the check.
        _check_lrn_free(declaration.company_id, declaration.lrn, exclude_pk=declaration.pk)
        raise


def _replace_items(
    declaration: Declaration, items: list[dict], *, new: bool = False
) -> list[GoodsItem]:
    """Store ``items`` as the declaration's goods items (lines 1, 2, ...); the rows stored."""
    if not new:
        GoodsItem.objects.filter(declaration=declaration).delete()
    return GoodsItem.objects.bulk_create(
        GoodsItem(declaration=declaration, line=index, **item)
        for index, item in enumerate(items, start=1)
    )


def _set_header(declaration: Declaration, header: dict) -> None:
    for name in HEADER_VALUE_FIELDS:
        setattr(declaration, name, header[name])
    declaration.office = header["office"]


def diff_snapshots(before: dict, after: dict) -> list[dict]:
    """What changed between two snapshots: header fields, goods items (by line) and documents.

    Each change is ``{"field", "old", "new"}``; goods items add ``"line"``; an added or removed
    item or document has the whole item/document as ``new`` or ``old``.
    """
    changes: list[dict] = []
    for name in ("office", *HEADER_VALUE_FIELDS):
        if before.get(name) != after.get(name):
            changes.append({"field": name, "old": before.get(name), "new": after.get(name)})
    old_items = {item["line"]: item for item in before.get("items", [])}
    new_items = {item["line"]: item for item in after.get("items", [])}
    for line in sorted(set(old_items) | set(new_items)):
        old, new = old_items.get(line), new_items.get(line)
        if old is None or new is None:
            changes.append({"field": "item", "line": line, "old": old, "new": new})
            continue
        for name in ITEM_FIELDS:
            if old.get(name) != new.get(name):
                changes.append(
                    {"field": name, "line": line, "old": old.get(name), "new": new.get(name)}
                )
    old_documents = {doc["uuid"]: doc for doc in before.get("documents", [])}
    new_documents = {doc["uuid"]: doc for doc in after.get("documents", [])}
    for key in [*old_documents, *[key for key in new_documents if key not in old_documents]]:
        old, new = old_documents.get(key), new_documents.get(key)
        if old != new:
            changes.append({"field": "document", "old": old, "new": new})
    return changes


# --- trader: drafts and documents -------------------------------------------------------------


@transaction.atomic
def create_draft(
    *, actor: Actor, header: dict, items: list[dict], copied_from: Declaration | None = None
) -> Declaration:
    """Create a draft of the actor's company from a valid header and items; ledgered.

    ``copied_from`` names the declaration a repeat filing was copied from, for the ledger.
    """
    # A new draft is the first edit: whoever may edit drafts may file one.
    lifecycle.check_role(actor, "edit")
    cleaned, cleaned_items = validation.clean_draft(header, items)
    declaration = Declaration(company=actor.company, created_by=actor)
    _set_header(declaration, cleaned)
    # No look-up first: the unique constraint refuses a used LRN, and only then is the filing
    # that used it looked up to say so.
    _save_lrn_safely(declaration)
    stored = _replace_items(declaration, cleaned_items, new=True)
    entries = _Entries(declaration, items=stored, documents=[])
    entries.add(
        actor,
        "declaration.created",
        {
            "lrn": declaration.lrn,
            "office": declaration.office.code,
            "flow": declaration.flow,
            "items": len(cleaned_items),
            **({"copied_from": str(copied_from.uuid)} if copied_from is not None else {}),
        },
    )
    entries.write()
    _keep(declaration, items=stored, documents=[], queries=[])
    return declaration


def suggest_lrn(*, company_id: int, lrn: str) -> str:
    """A free LRN for a repeat of ``lrn`` in this company: ``<lrn>-2``, ``-3``, ... (35 at most)."""
    stem, dash, counter = lrn.rpartition("-")
    # "PO-7" repeats as "PO-8"-style siblings ("PO-2", "PO-3", ...), not "PO-7-2"; "2026-001"
    # keeps its zero-padded number and becomes "2026-001-2".
    numbered = counter.isdigit() and len(counter) <= 3 and not counter.startswith("0")
    base = stem if dash and stem and numbered else lrn
    taken = Declaration.objects.filter(company_id=company_id)
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = f"{base[: 35 - len(suffix)]}{suffix}"
        if not taken.filter(lrn=candidate).exists():
            return candidate
        number += 1


@transaction.atomic
def copy_declaration(*, declaration: Declaration, actor: Actor, lrn: str = "") -> Declaration:
    """A new draft with the header and goods lines of ``declaration`` (any status), made by
    ``create_draft``: a fresh LRN (``lrn``, or a suggested one), no documents, number or
    assessment."""
    access.check_copy(actor, declaration)
    header = {name: getattr(declaration, name) for name in HEADER_VALUE_FIELDS}
    header["office"] = declaration.office
    header["lrn"] = (lrn or "").strip() or suggest_lrn(
        company_id=declaration.company_id, lrn=declaration.lrn
    )
    items = [
        {name: getattr(item, name) for name in ITEM_FIELDS}
        for item in declaration.items.order_by("line")
    ]
    return create_draft(actor=actor, header=header, items=items, copied_from=declaration)


@transaction.atomic
def update_draft(
    *, declaration: Declaration, actor: Actor, header: dict, items: list[dict], version: int
) -> Declaration:
    """Replace a draft's header and items; records the changes, or nothing if nothing changed."""
    declaration, transition = _begin(declaration, actor, "edit", version)
    cleaned, cleaned_items = validation.clean_draft(header, items)
    _check_lrn_free(declaration.company_id, cleaned["lrn"], exclude_pk=declaration.pk)
    held = current_documents(declaration)
    before = snapshot(declaration, items=current_items(declaration), documents=held)
    _set_header(declaration, cleaned)
    _save_lrn_safely(declaration, update_fields=[*HEADER_VALUE_FIELDS, "office", "updated_at"])
    stored = _replace_items(declaration, cleaned_items)
    changes = diff_snapshots(before, snapshot(declaration, items=stored, documents=held))
    if not changes:
        return declaration
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration, items=stored, documents=held)
    entries.add(actor, "declaration.updated", {"changes": changes})
    entries.write()
    _keep(declaration, items=stored, documents=held)
    return declaration


def _document_problems(type: str, reference: str, issued_on: Any) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if type not in Document.Type.values:
        problems["type"] = [
            _("Choose the document type: %(types)s.")
            % {"types": listed(label for _value, label in Document.Type.choices)}
        ]
    if not reference:
        problems["reference"] = [_("Enter the document's reference (its number).")]
    elif len(reference) > 70:
        problems["reference"] = [_("The document reference has at most 70 characters.")]
    elif problem := control_character_problem(reference):
        problems["reference"] = [problem]
    if issued_on is not None and not isinstance(issued_on, date):
        problems["issued_on"] = [_("Enter the issue date as a date, e.g. 2026-03-31.")]
    elif issued_on is not None and issued_on > timezone.localdate():
        problems["issued_on"] = [_("The issue date is in the future; check the date.")]
    return problems


@transaction.atomic
def add_document(
    *, declaration: Declaration, actor: Actor, type: str, reference: str, issued_on, upload
) -> Document:
    """Attach a PDF/PNG/JPEG (content-checked, size-limited) to a draft or queried declaration."""
    declaration, transition = _begin(declaration, actor, "attach", check_version=False)
    type = str(type or "").strip()
    reference = str(reference or "").strip()
    problems = _document_problems(type, reference, issued_on)
    checked = None
    if upload is None:
        problems["file"] = [_("Choose the file to upload (PDF, PNG or JPEG).")]
    else:
        try:
            checked = documents.check_upload(upload, max_bytes=settings.EPORT_MAX_UPLOAD_BYTES)
        except ValidationError as error:
            problems.update(error.message_dict)
    if problems:
        raise ValidationError(problems)
    document = Document(
        declaration=declaration,
        type=type,
        reference=reference,
        issued_on=issued_on,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        original_name=(getattr(upload, "name", "") or "")[:255],
        uploaded_by=actor,
    )
    # Stored before the row: a rolled-back transaction leaves at most an unreferenced file
    # named by its digest, which a later upload of the same content reuses.
    document.file.name = documents.store(upload, checked)
    document.save(force_insert=True)
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration)
    entries.add(
        actor,
        "declaration.document_added",
        {
            "document": str(document.uuid),
            "type": document.type,
            "reference": document.reference,
            "issued_on": document.issued_on.isoformat() if document.issued_on else None,
            "sha256": document.sha256,
            "size": document.size,
        },
    )
    entries.write()
    return document


@transaction.atomic
def remove_document(*, document: Document, actor: Actor) -> None:
    """Detach a document from a draft or queried declaration (the stored file is kept)."""
    declaration, transition = _begin(
        Declaration(pk=document.declaration_id), actor, "attach", check_version=False
    )
    document = Document.objects.select_for_update().filter(pk=document.pk).first()
    if document is None:
        raise DeclarationError(_("This document was already removed; reload the declaration."))
    facts = {"document": str(document.uuid), "type": document.type, "sha256": document.sha256}
    # The file itself stays: identical content may back another document, and it is evidence.
    document.delete()
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration)
    entries.add(actor, "declaration.document_removed", facts)
    entries.write()


# --- submission: number, risk, automatic assessment -------------------------------------------


def _item_values(items: list[GoodsItem]) -> list[assessment.ItemValue]:
    return [
        assessment.ItemValue(line=item.line, hs_code=item.hs_code, invoice_value=item.invoice_value)
        for item in sorted(items, key=lambda item: item.line)
    ]


def _tariff(hs_codes: list[str]) -> dict[str, assessment.Rate]:
    return {
        line.hs_prefix: assessment.Rate(
            duty_rate=line.duty_rate, vat_rate=line.vat_rate, hs_prefix=line.hs_prefix
        )
        for line in TariffLine.objects.filter(hs_prefix__in=assessment.tariff_prefixes(hs_codes))
    }


def _assess(declaration: Declaration, stored: list[GoodsItem]) -> assessment.Assessment:
    """Assess from the stored items (as held by the caller); raises MissingTariffError."""
    items = _item_values(stored)
    return assessment.assess(
        items=items,
        incoterm=declaration.incoterm,
        exchange_rate=declaration.exchange_rate,
        freight=declaration.freight,
        insurance=declaration.insurance,
        tariff=_tariff([item.hs_code for item in items]),
    )


@dataclass(frozen=True)
class DutyEstimate:
    """What a draft would be assessed at now, or why that cannot be worked out (``problems``)."""

    assessment: assessment.Assessment | None
    items: tuple[GoodsItem, ...]
    problems: tuple[str, ...] = ()

    @property
    def lines(self) -> list[tuple[GoodsItem, assessment.ItemAssessment]]:
        """Each goods item with its estimated amounts, in line order."""
        if self.assessment is None:
            return []
        return list(zip(self.items, self.assessment.items, strict=True))

    @property
    def total_due(self):
        if self.assessment is None:
            return None
        return self.assessment.duty_total + self.assessment.vat_total


def estimate_duties(
    declaration: Declaration, *, items: Iterable[GoodsItem] | None = None
) -> DutyEstimate:
    """The customs value, duty and VAT the assessment would give now, by the officers' own code
    (``_assess``) and tariff; changes nothing. The caller has scoped the declaration and may
    pass its stored goods items."""
    stored = current_items(declaration) if items is None else items
    items = tuple(sorted(stored, key=lambda item: item.line))
    problems = []
    if not items:
        problems.append(_("There are no goods items yet: add at least one to see an estimate."))
    if not declaration.exchange_rate or declaration.exchange_rate <= 0:
        problems.append(
            _("The exchange rate to CNY is missing: enter it to see an estimate in CNY.")
        )
    if problems:
        return DutyEstimate(None, items, tuple(problems))
    try:
        result = _assess(declaration, list(items))
    except assessment.MissingTariffError as error:
        described = "; ".join(
            _("item %(line)s: HS %(code)s") % {"line": line, "code": code}
            for line, code in error.lines
        )
        problem = _(
            "No duty rate is on file for %(items)s, so no estimate can be made. Customs will "
            "assess it after you submit; check the HS code if it looks wrong."
        ) % {"items": described}
        return DutyEstimate(None, items, (problem,))
    return DutyEstimate(result, items)


def _store_assessment(
    declaration: Declaration, result: assessment.Assessment, stored: list[GoodsItem]
) -> dict:
    """Write the assessment to the held items (and the declaration, unsaved); ledger totals."""
    items = {item.line: item for item in stored}
    for line in result.items:
        item = items[line.line]
        item.customs_value, item.duty_rate, item.duty = (
            line.customs_value,
            line.duty_rate,
            line.duty,
        )
        item.vat_rate, item.vat = line.vat_rate, line.vat
    _save_assessed_items(list(items.values()))
    declaration.customs_value = result.customs_value
    declaration.duty_total = result.duty_total
    declaration.vat_total = result.vat_total
    return {
        "customs_value": f"{result.customs_value:.2f}",
        "duty_total": f"{result.duty_total:.2f}",
        "vat_total": f"{result.vat_total:.2f}",
    }


def _previous_needed(rules: list[risk.Rule]) -> int:
    """How far the company's earlier submissions must be counted for these rules to decide.

    Only "first N declarations" rules look at the count, and only at whether it is below N, so
    counting up to the largest N decides them all (and the count is skipped when there are none).
    A rule whose N cannot be read is refused by the risk engine whatever the count.
    """
    needed = 0
    for rule in rules:
        if rule.kind != risk.FIRST_DECLARATIONS:
            continue
        try:
            number = risk.parse_parameter(rule.kind, rule.parameter).number
        except risk.RiskRuleError:
            continue
        needed = max(needed, int(number))
    return needed


def _save_assessed_items(items: list[GoodsItem]) -> None:
    """Write the items' assessed amounts in one UPDATE."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not items:
        GoodsItem.objects.bulk_update(items, ASSESSED_ITEM_FIELDS)
        return
    # bulk_update's CASE WHEN per field and item took longer to compile than to run.
    rows = ", ".join(
        ["(%s::bigint, %s::numeric, %s::numeric, %s::numeric, %s::numeric, %s::numeric)"]
        * len(items)
    )
    sql = (  # Only placeholders are put into this text; every value is a parameter.
        "UPDATE declarations_goodsitem AS item SET customs_value = v.customs_value, "  # noqa: S608
        "duty_rate = v.duty_rate, duty = v.duty, vat_rate = v.vat_rate, vat = v.vat "
        f"FROM (VALUES {rows}) AS v(id, customs_value, duty_rate, duty, vat_rate, vat) "
        "WHERE item.id = v.id"
    )
    params = [
        value
        for item in items
        for value in (item.pk, *(getattr(item, name) for name in ASSESSED_ITEM_FIELDS))
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _risk_facts(
    declaration: Declaration, stored: list[GoodsItem], rules: list[risk.Rule]
) -> risk.RiskFacts:
    items = [(item.hs_code, item.origin_country) for item in sorted(stored, key=lambda i: i.line)]
    previous = 0
    needed = _previous_needed(rules)
    if needed:
        previous = (
            Declaration.objects.filter(
                company_id=declaration.company_id, submitted_at__isnull=False
            )
            .exclude(pk=declaration.pk)[:needed]
            .count()
        )
    return risk.RiskFacts(
        declaration_uuid=str(declaration.uuid),
        dispatch_country=declaration.dispatch_country,
        origin_countries=frozenset(origin for _, origin in items),
        hs_codes=tuple(hs_code for hs_code, _ in items),
        customs_value=assessment.total_customs_value(
            items=_item_values(stored),
            incoterm=declaration.incoterm,
            exchange_rate=declaration.exchange_rate,
            freight=declaration.freight,
            insurance=declaration.insurance,
        ),
        previous_declarations=previous,
    )


def _risk_rules() -> list[risk.Rule]:
    return [
        risk.Rule(
            name=rule.name,
            kind=rule.kind,
            parameter=rule.parameter,
            lane=rule.lane,
            officer_note=rule.officer_note,
            trader_instruction=rule.trader_instruction,
        )
        for rule in RiskRule.objects.filter(active=True)
    ]


def _agency_controls(
    declaration: Declaration, items: list[GoodsItem]
) -> tuple[list[GoodsItem], list[GoodsItem]]:
    """The items under licence control (or citing a licence), and those on the statutory
    inspection list, in line order."""
    ordered = sorted(items, key=lambda item: item.line)
    licensed = [
        item
        for item in ordered
        if item.licence_number or controls.needs_licence(item.hs_code, declaration.flow)
    ]
    inspected = [item for item in ordered if controls.needs_inspection(item.hs_code)]
    return licensed, inspected


def _set_inspection(
    declaration: Declaration, items: list[GoodsItem], inspected: list[GoodsItem]
) -> set[str]:
    """Mark the items on the statutory inspection list (stored at once) and make the declaration
    wait for its inspection agency; the declaration's fields that changed (unsaved).

    A result already recorded stays; a pending inspection no item needs any more is dropped.
    Refused (DeclarationError) when goods need inspection and no agency inspects at the office.
    """
    flagged = {item.pk for item in inspected}
    changed_items = [item for item in items if item.needs_inspection != (item.pk in flagged)]
    for item in changed_items:
        item.needs_inspection = item.pk in flagged
    if changed_items:
        GoodsItem.objects.bulk_update(changed_items, ["needs_inspection"])
    status = declaration.inspection_status
    if not inspected:
        if status != Declaration.Inspection.PENDING:
            return set()
        declaration.inspection_status, declaration.inspection_agency = "", None
        return {"inspection_status", "inspection_agency"}
    if status:
        return set()
    agency = inspection_agency_for(declaration.office)
    if agency is None:
        raise DeclarationError(
            _(
                "Item %(line)s (HS %(code)s) is on the statutory inspection list, but no "
                "inspection and quarantine agency inspects goods at customs office %(office)s "
                "yet. Customs must set one up before these goods can be cleared; try again "
                "later."
            )
            % {
                "line": inspected[0].line,
                "code": inspected[0].hs_code,
                "office": declaration.office.code,
            }
        )
    declaration.inspection_status = Declaration.Inspection.PENDING
    declaration.inspection_agency = agency
    return {"inspection_status", "inspection_agency"}


def _write_off(declaration: Declaration, items: list[GoodsItem], actor: Any) -> None:
    """Write the released items that cite a licence off it, in the caller's transaction.

    ``write_off`` locks the licences (in pk order) and refuses to overdraw any of them; the
    refusal is the release's, and the caller's transaction changes nothing.
    """
    # write_off skips items citing no licence, and reads nothing when none cites one.
    try:
        write_off(
            company_id=declaration.company_id,
            citations=validation.citations_of(items),
            reference_prefix=declaration.number,
            actor=actor,
        )
    except LicenceError as error:
        raise TransitionError(str(error)) from None


@transaction.atomic
def submit_declaration(*, declaration: Declaration, actor: Actor, version: int) -> Declaration:
    """Submit a complete draft: number it, route it to a lane, and assess it at once if green.

    Ledger entries, in order: ``declaration.submitted`` (the trader), ``declaration.risk_assessed``
    (``system:risk``: lane and matched rule names) and, for the green lane,
    ``declaration.assessed`` (``system:assessment``). If a green declaration cannot be assessed
    because a tariff line is missing, it goes to the yellow lane for an officer instead.
    Goods under another agency's control (a licence, statutory inspection) are at least yellow;
    with goods on the inspection list, the declaration waits for the inspection agency.
    """
    declaration, transition = _begin(declaration, actor, "submit", version)
    # Read once: every step below works on these rows and keeps them equal to what it stores.
    items, held = current_items(declaration), current_documents(declaration)
    now = timezone.now()
    validation.check_ready_to_submit(
        declaration, items=items, documents=held, on=timezone.localdate(now)
    )
    entries = _Entries(declaration, items=items, documents=held)
    licensed, inspected = _agency_controls(declaration, items)
    inspection_changed = _set_inspection(declaration, items, inspected)

    # Routing and assessing need no number, so they are worked out before the office's number
    # counter is taken: it stays locked until the commit, and every submission of the office
    # waits for it. Each step's state is still recorded in order below.
    rules = _risk_rules()
    try:
        lane, matches = risk.assess_risk(
            _risk_facts(declaration, items, rules), rules, seed=settings.EPORT_RISK_SEED
        )
    except risk.RiskRuleError as error:
        raise DeclarationError(
            _("Customs cannot route declarations right now: %(error)s Try again later.")
            % {"error": error}
        ) from None
    # Goods under another agency's control are never assessed and released by eport unseen.
    controlled = risk.agency_controls_match(
        licensed=[(item.line, item.hs_code, item.licence_number) for item in licensed],
        inspected=[(item.line, item.hs_code) for item in inspected],
        inspection_agency=declaration.inspection_agency.code if inspected else "",
    )
    if controlled is not None:
        matches.append(controlled)
        lane = risk.strictest(lane, controlled.lane)
    result = None
    if lane == risk.GREEN:
        try:
            result = _assess(declaration, items)
        except assessment.MissingTariffError as error:
            lane = risk.YELLOW
            matches.append(
                risk.Match(
                    name=MISSING_TARIFF_RULE,
                    lane=risk.YELLOW,
                    reason=str(error),
                    officer_note="Add the missing tariff line, then assess by hand.",
                    trader_instruction="Documentary check",
                )
            )

    if not declaration.number:
        declaration.number = next_number(
            office_code=declaration.office.code,
            year=timezone.localdate(now).year,
            flow=declaration.flow,
        )
    declaration.submitted_at = now
    # The declaration row is written once, at the end: nothing below reads it back.
    changed = {"number", "submitted_at"} | inspection_changed | _move(declaration, transition)
    entries.add(
        actor,
        "declaration.submitted",
        {
            "number": declaration.number,
            "inspection_agency": declaration.inspection_agency.code if inspected else None,
        },
    )

    declaration.lane = lane
    declaration.risk_reasons = [match.as_dict() for match in matches]
    changed |= {"lane", "risk_reasons"}
    entries.add(
        actors.RISK,
        "declaration.risk_assessed",
        {"lane": lane, "rules": [match.name for match in matches]},
    )

    if result is not None:
        system_transition = lifecycle.check_move(declaration, actors.ASSESSMENT, "system_assess")
        totals = _store_assessment(declaration, result, items)
        changed |= {"customs_value", "duty_total", "vat_total"}
        changed |= _move(declaration, system_transition)
        entries.add(actors.ASSESSMENT, "declaration.assessed", totals)
    _save(declaration, changed, bump=True)
    entries.write()
    if result is not None:
        signals.assessed.send(sender=Declaration, declaration=declaration, actor=actors.ASSESSMENT)
    _keep(declaration, items=items, documents=held)
    return declaration


@transaction.atomic
def cancel_declaration(
    *, declaration: Declaration, actor: Actor, version: int, reason: str = ""
) -> Declaration:
    """Withdraw a draft, a declaration waiting for customs, or one under query; final."""
    declaration, transition = _begin(declaration, actor, "cancel", version)
    declaration.decision_reason = str(reason or "").strip()
    _apply(declaration, transition, ["decision_reason"], bump=True)
    entries = _Entries(declaration)
    entries.add(actor, "declaration.cancelled", {"reason": declaration.decision_reason})
    entries.write()
    return declaration


@transaction.atomic
def amend_declaration(
    *,
    declaration: Declaration,
    actor: Actor,
    header: dict,
    items: list[dict],
    answer: str,
    version: int,
) -> Declaration:
    """Answer the open query by amending header and items; the officer gets the diff."""
    declaration, transition = _begin(declaration, actor, "amend", version)
    answer = _required(answer, "answer", _("Write your answer to the officer's question."))
    cleaned, cleaned_items = validation.clean_draft(header, items)
    _check_lrn_free(declaration.company_id, cleaned["lrn"], exclude_pk=declaration.pk)
    query = declaration.queries.filter(answered_at__isnull=True).order_by("-asked_at").first()
    held = current_documents(declaration)
    before = snapshot(declaration, items=current_items(declaration), documents=held)
    if query is not None:
        # Documents attached while the query was open count as part of the amendment.
        added_since = {str(doc.uuid) for doc in held if doc.uploaded_at >= query.asked_at}
        before["documents"] = [doc for doc in before["documents"] if doc["uuid"] not in added_since]
    _set_header(declaration, cleaned)
    _save_lrn_safely(declaration, update_fields=[*HEADER_VALUE_FIELDS, "office", "updated_at"])
    stored = _replace_items(declaration, cleaned_items)
    validation.check_ready_to_submit(declaration, items=stored, documents=held)
    inspection_changed = _set_inspection(
        declaration, stored, _agency_controls(declaration, stored)[1]
    )
    after = snapshot(declaration, items=stored, documents=held)
    changes = diff_snapshots(before, after)
    if query is not None:
        query.answer, query.answered_by, query.answered_at = answer, actor, timezone.now()
        query.save(update_fields=["answer", "answered_by", "answered_at"])
    amendment = Amendment.objects.create(
        declaration=declaration,
        query=query,
        amended_by=actor,
        before=before,
        after=after,
        changes=changes,
    )
    _apply(declaration, transition, inspection_changed, bump=True)
    entries = _Entries(declaration, items=stored, documents=held)
    entries.add(
        actor,
        "declaration.amended",
        {
            "amendment": amendment.pk,
            "query": query.pk if query else None,
            "answer": answer,
            "changes": changes,
        },
    )
    entries.write()
    return declaration


# --- officer moves ----------------------------------------------------------------------------


@transaction.atomic
def take_declaration(*, declaration: Declaration, actor: Actor, version: int) -> Declaration:
    """Take a yellow or red declaration of one's office for review; one officer wins."""
    declaration, transition = _begin(declaration, actor, "take", version)
    declaration.assigned_officer = actor
    _apply(declaration, transition, ["assigned_officer"], bump=True)
    entries = _Entries(declaration)
    entries.add(actor, "declaration.taken", {"officer": f"user:{actor.pk}"})
    entries.write()
    return declaration


@transaction.atomic
def raise_query(
    *, declaration: Declaration, actor: Actor, version: int, question: str
) -> Declaration:
    """Ask the trader a question; the declaration waits for the trader's amendment."""
    declaration, transition = _begin(declaration, actor, "query", version)
    question = _required(question, "question", _("Write the question the trader must answer."))
    query = Query.objects.create(declaration=declaration, asked_by=actor, question=question)
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration)
    entries.add(actor, "declaration.queried", {"query": query.pk, "question": question})
    entries.write()
    return declaration


@transaction.atomic
def order_inspection(
    *, declaration: Declaration, actor: Actor, version: int, instructions: str = ""
) -> Declaration:
    """Send a red-lane declaration to physical inspection."""
    declaration, transition = _begin(declaration, actor, "inspect", version)
    instructions = str(instructions or "").strip()
    inspection = Inspection.objects.create(
        declaration=declaration, ordered_by=actor, instructions=instructions
    )
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration)
    entries.add(
        actor,
        "declaration.inspection_ordered",
        {"inspection": inspection.pk, "instructions": instructions},
    )
    entries.write()
    return declaration


@transaction.atomic
def record_inspection_findings(
    *, declaration: Declaration, actor: Actor, version: int, findings: str
) -> Declaration:
    """Record what the inspection found; the declaration returns to review."""
    declaration, transition = _begin(declaration, actor, "record_findings", version)
    findings = _required(findings, "findings", _("Write what the inspection found."))
    inspection = (
        declaration.inspections.filter(recorded_at__isnull=True).order_by("-ordered_at").first()
    )
    if inspection is None:  # cannot happen through the services; kept as a clear refusal
        raise DeclarationError(_("There is no open inspection to record findings for."))
    inspection.findings, inspection.recorded_by = findings, actor
    inspection.recorded_at = timezone.now()
    inspection.save(update_fields=["findings", "recorded_by", "recorded_at"])
    _apply(declaration, transition, bump=True)
    entries = _Entries(declaration)
    entries.add(
        actor,
        "declaration.inspection_recorded",
        {"inspection": inspection.pk, "findings": findings},
    )
    entries.write()
    return declaration


# --- the inspection agency's moves -------------------------------------------------------------


def _record_inspection(
    declaration: Declaration,
    transition: lifecycle.Transition,
    actor: Actor,
    result: str,
    facts: dict,
) -> Declaration:
    """Store the inspection agency's result (``facts``: the declaration's fields it sets)."""
    for name, value in facts.items():
        setattr(declaration, name, value)
    declaration.inspection_status = result
    declaration.inspected_by = actor
    declaration.inspected_at = timezone.now()
    _apply(
        declaration,
        transition,
        ["inspection_status", "inspected_by", "inspected_at", *facts],
        bump=True,
    )
    entries = _Entries(declaration)
    entries.add(
        actor,
        f"declaration.inspection_{result}",
        {
            "agency": declaration.inspection_agency.code,
            **{name.removeprefix("inspection_"): value for name, value in facts.items()},
        },
    )
    entries.write()
    return declaration


@transaction.atomic
def pass_inspection(
    *, declaration: Declaration, actor: Actor, version: int, certificate: str
) -> Declaration:
    """Record that the inspection agency passed the goods, with its certificate; customs may
    then release them."""
    declaration, transition = _begin(declaration, actor, "pass_inspection", version)
    certificate = _internal_text(
        certificate,
        "certificate",
        _("Enter the number of the inspection certificate."),
        max_length=INSPECTION_CERTIFICATE_LENGTH,
    )
    return _record_inspection(
        declaration,
        transition,
        actor,
        Declaration.Inspection.PASSED,
        {"inspection_certificate": certificate},
    )


@transaction.atomic
def fail_inspection(
    *, declaration: Declaration, actor: Actor, version: int, reason: str
) -> Declaration:
    """Record that the goods failed inspection and quarantine, with the reason; they are never
    released."""
    declaration, transition = _begin(declaration, actor, "fail_inspection", version)
    reason = _internal_text(reason, "reason", _("Give the reason the goods failed inspection."))
    return _record_inspection(
        declaration, transition, actor, Declaration.Inspection.FAILED, {"inspection_reason": reason}
    )


def _clean_corrections(
    stored: list[GoodsItem], corrections: list[dict], reason: str
) -> list[tuple[GoodsItem, dict, str]]:
    items = {item.line: item for item in stored}
    errors: dict[str, list[str]] = {}
    cleaned = []
    for index, correction in enumerate(corrections):
        prefix = f"corrections.{index}."
        try:
            line = int(correction.get("line"))
        except (TypeError, ValueError):
            line = None
        item = items.get(line)
        if item is None:
            errors[f"{prefix}line"] = [
                _("Choose an item line between 1 and %(count)s.") % {"count": len(items)}
            ]
            continue
        probe = {name: getattr(item, name) for name in ITEM_FIELDS}
        corrected = [
            name for name in ("hs_code", "invoice_value") if correction.get(name) not in (None, "")
        ]
        if not corrected:
            errors[f"{prefix}line"] = [
                _("Say what to correct on item %(line)s: its HS code or its invoice value.")
                % {"line": line}
            ]
            continue
        probe.update({name: correction[name] for name in corrected})
        values, problems = validation.item_problems(probe, index)
        # Only the corrected fields are judged here; the rest is what the trader declared.
        relevant = {
            key.rsplit(".", 1)[-1]: messages
            for key, messages in problems.errors.items()
            if key.rsplit(".", 1)[-1] in corrected
        }
        for name, messages in relevant.items():
            errors[f"{prefix}{name}"] = messages
        why = str(correction.get("reason") or reason or "").strip()
        if not why:
            errors[f"{prefix}reason"] = [
                _("Give the reason for correcting item %(line)s.") % {"line": line}
            ]
        if relevant or not why:
            continue
        cleaned.append((item, {name: values[name] for name in corrected}, why))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def assess_declaration(
    *,
    declaration: Declaration,
    actor: Actor,
    version: int,
    corrections: list[dict] | None = None,
    reason: str = "",
) -> Declaration:
    """Apply the officer's corrections (one ledger entry each), then assess duty and VAT.

    A correction is ``{"line": n, "hs_code"?: str, "invoice_value"?: Decimal, "reason"?: str}``;
    a correction without its own reason takes ``reason``; one of them is required.
    """
    declaration, transition = _begin(declaration, actor, "assess", version)
    reason = str(reason or "").strip()
    items = current_items(declaration)
    entries = _Entries(declaration, items=items, documents=current_documents(declaration))
    reclassified: set[int] = set()
    for item, values, why in _clean_corrections(items, corrections or [], reason):
        changes = []
        for name, new in values.items():
            old = getattr(item, name)
            if old == new:
                continue
            setattr(item, name, new)
            changes.append({"field": name, "old": str(old), "new": str(new)})
        if not changes:
            continue
        if any(change["field"] == "hs_code" for change in changes):
            reclassified.add(item.line)
        item.save(update_fields=list(values))
        entries.add(
            actor, "declaration.corrected", {"line": item.line, "changes": changes, "reason": why}
        )
    inspection_changed: set[str] = set()
    if reclassified:
        # A new classification may put goods under another agency's control.
        _check_reclassified_citations(declaration, items, reclassified)
        inspection_changed = _set_inspection(
            declaration, items, _agency_controls(declaration, items)[1]
        )
    try:
        result = _assess(declaration, items)
    except assessment.MissingTariffError as error:
        raise DeclarationError(_missing_tariff_words(error)) from None
    totals = _store_assessment(declaration, result, items)
    _apply(
        declaration,
        transition,
        ["customs_value", "duty_total", "vat_total", *inspection_changed],
        bump=True,
    )
    entries.add(actor, "declaration.assessed", {**totals, "reason": reason})
    entries.write()
    signals.assessed.send(sender=Declaration, declaration=declaration, actor=actor)
    return declaration


def _check_reclassified_citations(
    declaration: Declaration, items: list[GoodsItem], lines: set[int]
) -> None:
    """Refuse a correction that leaves goods under licence control without a licence covering
    them: the trader must cite one (through a query), not the officer."""
    problems = citation_problems(
        company_id=declaration.company_id,
        flow=declaration.flow,
        currency=declaration.invoice_currency,
        citations=validation.citations_of(items),
        on=timezone.localdate(),
    )
    found = [message for line in sorted(lines) for message in problems.get(line, [])]
    if found:
        raise DeclarationError(
            _(
                "With the corrected classification, the goods are not cleared by a licence: "
                "%(problems)s Raise a query so that the trader can cite a licence that covers "
                "them, or correct the classification again."
            )
            % {"problems": " ".join(found)}
        )


def _missing_tariff_words(error: assessment.MissingTariffError) -> str:
    """The refusal an officer reads (the risk reason recorded at submission stays as it is)."""
    described = "; ".join(
        _("item %(line)s: HS %(code)s") % {"line": line, "code": code} for line, code in error.lines
    )
    return _(
        "No tariff line covers %(items)s. Add a tariff line for the chapter, heading or "
        "subheading (Reference › Tariff lines in the admin) or correct the classification, "
        "then assess again."
    ) % {"items": described}


# What each payment move records: its ledger action and what its reference is.
_PAYMENT_ACTIONS = {
    "confirm_payment": "declaration.paid",
    "pay": "declaration.paid",
    "guarantee": "declaration.guaranteed",
}


def _pay(
    declaration: Declaration,
    actor: Actor,
    move: str,
    version: Any,
    reference: str,
    details: dict | None,
    preceding: Iterable[tuple[Any, str, Any, dict]],
) -> Declaration:
    """Move an assessed declaration to paid; a green-lane declaration is then released at once.

    ``details`` (the bill's number and amounts, the bank) go into the ledger entry as given;
    ``version`` is checked when the caller acted on a version of the declaration it saw;
    ``preceding`` are the caller's ledger entries of the same payment, appended first.
    """
    declaration, transition = _begin(
        declaration, actor, move, version, check_version=version is not None
    )
    reference = _required(reference, "reference", _("Enter the payment reference."))
    if len(reference) > 64:
        raise ValidationError(
            {"reference": [_("The payment reference has at most 64 characters.")]}
        )
    if problem := control_character_problem(reference):
        raise ValidationError({"reference": [problem]})
    declaration.payment_reference = reference
    changed = {"payment_reference"} | _move(declaration, transition)
    # Read once for both entries: paying and releasing change neither items nor documents.
    items = current_items(declaration)
    entries = _Entries(declaration, items=items, documents=current_documents(declaration))
    entries.add(
        actor,
        _PAYMENT_ACTIONS[move],
        {"payment_reference": reference, "move": move, **(details or {})},
    )
    if declaration.lane == Declaration.Lane.GREEN:
        release = lifecycle.check_move(declaration, actors.CLEARANCE, "system_release")
        declaration.released_at = timezone.now()
        changed |= {"released_at"} | _move(declaration, release)
        entries.add(actors.CLEARANCE, "declaration.released", {})
        _write_off(declaration, items, actors.CLEARANCE)
    _save(declaration, changed, bump=True)
    entries.write(preceding)
    return declaration


@transaction.atomic
def record_payment(
    *,
    declaration: Declaration,
    actor: Actor,
    reference: str,
    version: int | None = None,
    details: dict | None = None,
    preceding: Iterable[tuple[Any, str, Any, dict]] = (),
) -> Declaration:
    """An officer's record of duty and VAT paid at a customs counter (``reference``: its receipt).

    Made through ``eport.payments``, which writes the tax bill off in the same transaction.
    """
    return _pay(declaration, actor, "pay", version, reference, details, preceding)


@transaction.atomic
def record_bank_payment(
    *,
    declaration: Declaration,
    actor: Actor,
    reference: str,
    version: int | None = None,
    details: dict | None = None,
    preceding: Iterable[tuple[Any, str, Any, dict]] = (),
) -> Declaration:
    """A bank's confirmation that it debited the trader for the bill (``reference``: its own)."""
    return _pay(declaration, actor, "confirm_payment", version, reference, details, preceding)


@transaction.atomic
def record_guarantee(
    *,
    declaration: Declaration,
    actor: Actor,
    reference: str,
    version: int | None = None,
    details: dict | None = None,
    preceding: Iterable[tuple[Any, str, Any, dict]] = (),
) -> Declaration:
    """The trader's release against a bank guarantee: the bill is reserved and paid later."""
    return _pay(declaration, actor, "guarantee", version, reference, details, preceding)


@transaction.atomic
def release_declaration(
    *, declaration: Declaration, actor: Actor, version: int, note: str = ""
) -> Declaration:
    """Release the goods of a paid declaration, writing its items off the licences they cite in
    the same transaction; final."""
    declaration, transition = _begin(declaration, actor, "release", version)
    note = str(note or "").strip()
    declaration.released_at = timezone.now()
    declaration.decision_reason = note
    _apply(declaration, transition, ["released_at", "decision_reason"], bump=True)
    items = current_items(declaration)
    entries = _Entries(declaration, items=items)
    entries.add(actor, "declaration.released", {"note": note})
    _write_off(declaration, items, actor)
    entries.write()
    return declaration


@transaction.atomic
def reject_declaration(
    *, declaration: Declaration, actor: Actor, version: int, reason: str
) -> Declaration:
    """Refuse a declaration under review, query or inspection, with the reason; final."""
    declaration, transition = _begin(declaration, actor, "reject", version)
    reason = _required(reason, "reason", _("Give the reason for rejecting the declaration."))
    declaration.decision_reason = reason
    _apply(declaration, transition, ["decision_reason"], bump=True)
    entries = _Entries(declaration)
    entries.add(actor, "declaration.rejected", {"reason": reason})
    entries.write()
    return declaration


@transaction.atomic
def reassign_declaration(
    *, declaration: Declaration, actor: Actor, version: int, officer: str
) -> Declaration:
    """Hand a declaration under review to an active officer of its office; the status stays."""
    declaration, transition = _begin(declaration, actor, "reassign", version)
    name = _required(officer, "officer", _("Choose the colleague to reassign it to."))
    # check_move made sure the actor is an officer of the declaration's office.
    colleague = selectors.colleagues_for(actor).filter(username=name).first()
    if colleague is None:
        raise ValidationError(
            {
                "officer": [
                    _(
                        "%(name)s is not an active officer of customs office %(office)s; choose "
                        "a colleague of this office."
                    )
                    % {"name": name, "office": declaration.office.code}
                ]
            }
        )
    if colleague.pk == declaration.assigned_officer_id:
        raise ValidationError(
            {
                "officer": [
                    _("%(name)s is already reviewing this declaration.")
                    % {"name": colleague.get_full_name() or colleague.username}
                ]
            }
        )
    previous = declaration.assigned_officer_id
    declaration.assigned_officer = colleague
    _apply(declaration, transition, ["assigned_officer"], bump=True)
    entries = _Entries(declaration)
    entries.add(
        actor,
        "declaration.reassigned",
        {"officer": f"user:{colleague.pk}", "previous": f"user:{previous}" if previous else None},
    )
    entries.write()
    return declaration


# --- customs' internal records: notes and post-clearance picks --------------------------------
# Each is recorded under its own ledger subject (never the declaration's), so traders' timelines,
# entry access and receipts never include them (eport.declarations.access).

NOTE_MAX_LENGTH = 5000


def _internal_text(value: Any, name: str, missing: str, max_length: int = NOTE_MAX_LENGTH) -> str:
    return checked_text(value, name, missing=missing, max_length=max_length)


@transaction.atomic
def add_note(*, declaration: Declaration, actor: Actor, text: str) -> DeclarationNote:
    """Add an officer's internal note to a declaration of their office; ledgered, never shown to
    traders."""
    if not access.may_write_internal(actor, declaration):
        raise NotPermitted(
            _("Only the officers of the declaration's customs office can add internal notes.")
        )
    text = _internal_text(text, "text", _("Write the note before adding it."))
    note = DeclarationNote.objects.create(declaration=declaration, author=actor, text=text)
    record_model_change(
        actor=actor, instance=note, action="declaration_note.added", changed={"text": text}
    )
    return note


@transaction.atomic
def pick_for_post_clearance(
    *, declaration: Declaration, actor: Actor, reason: str
) -> PostClearanceReview:
    """Pick a released green-lane declaration for post-clearance review, with the reason; the
    declaration stays released. Once per declaration; ledgered, internal to customs."""
    declaration = _lock(declaration)
    refusal = access.post_clearance_refusal(actor, declaration)
    if refusal is not None:
        raise NotPermitted(refusal)
    reason = _internal_text(
        reason, "reason", _("Give the reason for picking this declaration for review.")
    )
    earlier = PostClearanceReview.objects.filter(declaration=declaration).first()
    if earlier is not None:
        raise DeclarationError(
            _("This declaration was already picked for post-clearance review on %(date)s.")
            % {"date": moment(earlier.created_at)}
        )
    review = PostClearanceReview.objects.create(
        declaration=declaration, officer=actor, reason=reason
    )
    record_model_change(
        actor=actor,
        instance=review,
        action="post_clearance.picked",
        changed={"reason": reason},
    )
    return review


# Every registered move's service, looked up once: a move naming a missing service fails here.
MOVE_SERVICES = {name: globals()[move.service] for name, move in lifecycle.MOVES.items()}


def make_move(move_name: str, *, declaration: Declaration, actor: Actor, **inputs) -> Declaration:
    """Make a registered move through the service the registry names for it."""
    return MOVE_SERVICES[move_name](declaration=declaration, actor=actor, **inputs)


@dataclass(frozen=True)
class MoveOutcome:
    """What became of one declaration of a bulk move: ``error`` is None when the move was made."""

    declaration: Declaration
    error: ValidationError | DeclarationError | None = None

    @property
    def made(self) -> bool:
        return self.error is None


def make_moves(
    move_name: str, *, declarations: Iterable[Declaration], actor: Actor, **inputs
) -> list[MoveOutcome]:
    """Make one move on each declaration, each its own transaction and ledger entry, at the
    version it has now; a refusal of one (moved on, not allowed) does not stop the others."""
    outcomes = []
    for declaration in declarations:
        try:
            moved = make_move(
                move_name,
                declaration=declaration,
                actor=actor,
                version=declaration.version,
                **inputs,
            )
        except (ValidationError, DeclarationError) as error:
            outcomes.append(MoveOutcome(declaration, error))
        else:
            outcomes.append(MoveOutcome(moved))
    return outcomes
