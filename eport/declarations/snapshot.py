"""The full snapshot of a declaration and its ``state`` digest (ledger spec section 1).

The snapshot is what an auditor compares with the ledger: every ledger entry about a declaration
carries ``state`` = SHA-256 of the RFC 8785 bytes of this snapshot right after the change. It holds
only JSON strings, integers, null, lists and objects: Decimals are strings with the field's fixed
number of places, dates are ISO 8601, and related rows appear by their stable codes (company USCI,
office code, ``user:<id>``), never by database ids that differ between copies.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ledger.canonical import canonical_bytes

from .fields import ASSESSED_ITEM_FIELDS, ASSESSED_TOTAL_FIELDS, HEADER_VALUE_FIELDS, ITEM_FIELDS
from .models import Declaration, Document, GoodsItem

# What a snapshot holds of the header and of each goods item (the item's line number too).
# Fields that came with agency controls (issue 18) are held only when set, so the state of every
# declaration recorded before them, and of every one they do not concern, digests as it did.
OPTIONAL_ITEM_FIELDS = ("licence_number",)
SNAPSHOT_HEADER_FIELDS = HEADER_VALUE_FIELDS
SNAPSHOT_ITEM_FIELDS = ("line", *(name for name in ITEM_FIELDS if name not in OPTIONAL_ITEM_FIELDS))


@functools.cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def decimal_text(value: Decimal | None, places: int) -> str | None:
    """A Decimal as a string with exactly ``places`` decimals (``None`` stays ``None``)."""
    if value is None:
        return None
    return f"{Decimal(value).quantize(_quantum(places)):f}"


@functools.cache
def _decimal_places(model: type, name: str) -> int | None:
    field = model._meta.get_field(name)
    return field.decimal_places if field.get_internal_type() == "DecimalField" else None


def _plain_value(value: Any) -> Any:
    if type(value) is str:  # most fields: text as it is
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bool | int):
        return value
    return str(value)


@functools.cache
def _converters(model: type, names: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """Each field's name and how its (non-null) value becomes canonical JSON, worked out once
    per model: a snapshot converts a few hundred values, once per ledger entry."""
    converters = []
    for name in names:
        places = _decimal_places(model, name)
        if places is None:
            converters.append((name, _plain_value))
        else:
            converters.append((name, _decimal_converter(_quantum(places))))
    return tuple(converters)


def _decimal_converter(quantum: Decimal):
    def convert(value: Decimal) -> str:  # decimal_text, with its places worked out already
        return f"{Decimal(value).quantize(quantum):f}"

    return convert


def _values(instance: Any, names: tuple[str, ...]) -> dict:
    values = {}
    for name, convert in _converters(type(instance), names):
        value = getattr(instance, name)
        values[name] = None if value is None else convert(value)
    return values


def field_value(instance: Any, name: str) -> Any:
    """One model field's value as canonical JSON (Decimals fixed-place strings, dates ISO)."""
    value = getattr(instance, name)
    if value is None:
        return None
    places = _decimal_places(type(instance), name)
    if places is not None:
        return decimal_text(value, places)
    return _plain_value(value)


_ITEM_NAMES = (*SNAPSHOT_ITEM_FIELDS, *ASSESSED_ITEM_FIELDS)


def item_snapshot(item: GoodsItem) -> dict:
    values = _values(item, _ITEM_NAMES)
    for name in OPTIONAL_ITEM_FIELDS:
        if value := getattr(item, name):
            values[name] = value
    if item.needs_inspection:
        values["needs_inspection"] = True
    return values


def inspection_snapshot(declaration: Declaration) -> dict:
    """Inspection and quarantine by another agency, only what is set (empty: none needed)."""
    if not declaration.inspection_status:
        return {}
    values = {"inspection_status": declaration.inspection_status}
    if declaration.inspection_agency_id:
        values["inspection_agency"] = declaration.inspection_agency.code
    if declaration.inspection_certificate:
        values["inspection_certificate"] = declaration.inspection_certificate
    if declaration.inspection_reason:
        values["inspection_reason"] = declaration.inspection_reason
    if declaration.inspected_by_id:
        values["inspected_by"] = f"user:{declaration.inspected_by_id}"
    return values


def document_snapshot(document: Document) -> dict:
    return {
        "uuid": str(document.uuid),
        "type": document.type,
        "reference": document.reference,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "sha256": document.sha256,
    }


def header_snapshot(declaration: Declaration) -> dict:
    return _values(declaration, SNAPSHOT_HEADER_FIELDS)


# Read through the declaration's related managers, so each row holds this very declaration as
# its ``declaration`` and whoever shows the row (a document's declaration version) reads no more.


def current_items(declaration: Declaration) -> list[GoodsItem]:
    """The declaration's goods items as stored, in line order (the snapshot's order)."""
    return list(declaration.items.order_by("line"))


def current_documents(declaration: Declaration) -> list[Document]:
    """The declaration's documents as stored, oldest first (the snapshot's order)."""
    return list(declaration.documents.order_by("uploaded_at", "id"))


def snapshot(
    declaration: Declaration,
    *,
    items: Iterable[GoodsItem] | None = None,
    documents: Iterable[Document] | None = None,
) -> dict:
    """The declaration's full state as canonical-JSON-safe values.

    Items and documents are read fresh from the database unless the caller passes the ones it
    holds, which must then be exactly what is stored (the services keep them so, to spare a
    read per ledger entry); they are put in the stored order either way.
    """
    if items is None:
        items = current_items(declaration)
    else:
        items = sorted(items, key=lambda item: item.line)
    if documents is None:
        documents = current_documents(declaration)
    else:
        documents = sorted(documents, key=lambda document: (document.uploaded_at, document.pk))
    data = {
        "uuid": str(declaration.uuid),
        "number": declaration.number,
        "company": declaration.company.usci,
        "office": declaration.office.code,
        **header_snapshot(declaration),
        "status": declaration.status,
        "lane": declaration.lane or None,
        "assigned_officer": (
            f"user:{declaration.assigned_officer_id}" if declaration.assigned_officer_id else None
        ),
        "payment_reference": declaration.payment_reference or None,
        "items": [item_snapshot(item) for item in items],
        "documents": [document_snapshot(document) for document in documents],
    }
    data.update(_values(declaration, ASSESSED_TOTAL_FIELDS))
    data.update(inspection_snapshot(declaration))
    return data


def digest_of(snapshot_data: dict) -> str:
    return hashlib.sha256(canonical_bytes(snapshot_data)).hexdigest()


def state_digest(
    declaration: Declaration,
    *,
    items: Iterable[GoodsItem] | None = None,
    documents: Iterable[Document] | None = None,
) -> str:
    """Lowercase hex SHA-256 of the RFC 8785 bytes of ``snapshot(declaration)``."""
    return digest_of(snapshot(declaration, items=items, documents=documents))
