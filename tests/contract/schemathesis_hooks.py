"""Schemathesis hooks for the contract run (loaded through schemathesis.toml's ``hooks``).

An integrator sends a new Idempotency-Key with each new operation; schemathesis's generators send
the same few valid values ("0", the schema's example) with requests whose bodies differ, which the
server rightly refuses as a key reused for a different request (422). That a key is new depends on
what the server has stored, which no schema can state; so a valid key is replaced with a fresh one,
as a client would make it. Invalid and missing keys are sent as generated, so the header's own
rules stay under test; the reuse rule is tested in tests/api/test_idempotency.py.

A draft's LRN is the company's own reference, one per filing: the server refuses one already used
(422), again a rule on stored data (and the stateful phase reads used ones back from the lists).
A schema-valid LRN is replaced with a new one, as a filing system numbers its filings; an invalid
one is sent as generated.

A goods item's HS code is 10 digits whose first six are a subheading of the nomenclature the
server holds (some 5,600 of them, reference data the schema cannot list): a schema-valid code whose
first six digits are no subheading gets one of the test's subheadings in their place, as a trader
would look the code up. A code that breaks the stated pattern is sent as generated.

Three rules tie one field to another, which JSON Schema cannot state for decimal strings and
codes; a request whose values are each valid but break one of them gets the values a declarant
would have typed, and the rules themselves are tested in tests/declarations/:
- an item's net mass is at most its gross mass (the two are swapped);
- an invoice in CNY has the exchange rate 1;
- a Chinese party's id is its USCI (a generated id of a Chinese party is left out: it is optional);
- a list search's end date is not before its start date (the two are swapped).
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from decimal import Decimal, InvalidOperation

import schemathesis

HEADER = "Idempotency-Key"
# What the schema allows: 1 to 255 printable ASCII characters, no space at either end.
VALID = re.compile(r"[!-~]([ -~]{0,253}[!-~])?")
_sent = itertools.count()
_filings = itertools.count(1)
# What no text may hold (eport.core.text.REFUSED_CHARACTERS).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HS_CODE = re.compile(r"[0-9]{10}")
DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,6})?")
SUBHEADINGS = sorted(filter(None, os.environ.get("CONTRACT_SUBHEADINGS", "").split(",")))


def _valid(value) -> bool:
    return isinstance(value, str) and VALID.fullmatch(value) is not None


@schemathesis.hook("before_call")
def fresh_idempotency_key(context, case, kwargs):
    if case.headers and _valid(case.headers.get(HEADER)):
        # Reproducible across runs of the same seed, unlike uuid4.
        case.headers[HEADER] = str(uuid.UUID(int=next(_sent) + 1))


@schemathesis.hook("before_call")
def fresh_lrn(context, case, kwargs):
    body = case.body
    lrn = body.get("lrn") if isinstance(body, dict) else None
    if isinstance(lrn, str) and lrn.strip() and len(lrn) <= 35 and not REFUSED.search(lrn):
        body["lrn"] = f"C{os.getpid()}-{next(_filings)}"


@schemathesis.hook("before_call")
def real_subheading(context, case, kwargs):
    body = case.body
    items = body.get("items") if isinstance(body, dict) else None
    if not SUBHEADINGS or not isinstance(items, list):
        return
    for item in items:
        code = item.get("hs_code") if isinstance(item, dict) else None
        if isinstance(code, str) and HS_CODE.fullmatch(code) and code[:6] not in SUBHEADINGS:
            item["hs_code"] = SUBHEADINGS[int(code) % len(SUBHEADINGS)] + code[6:]


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(value) if isinstance(value, str) and DECIMAL.fullmatch(value) else None
    except InvalidOperation:
        return None


@schemathesis.hook("before_call")
def related_fields_agree(context, case, kwargs):
    body = case.body
    if not isinstance(body, dict):
        return
    for item in body.get("items") or []:
        if not isinstance(item, dict):
            continue
        net, gross = _decimal(item.get("net_mass")), _decimal(item.get("gross_mass"))
        if net is not None and gross is not None and net > gross:
            item["net_mass"], item["gross_mass"] = item["gross_mass"], item["net_mass"]
    if body.get("invoice_currency") == "CNY" and _decimal(body.get("exchange_rate")):
        body["exchange_rate"] = "1"
    for party in ("consignor", "consignee"):
        if body.get(f"{party}_country") == "CN" and isinstance(body.get(f"{party}_id"), str):
            body[f"{party}_id"] = ""


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@schemathesis.hook("before_call")
def date_range_in_order(context, case, kwargs):
    query = case.query
    if not isinstance(query, dict):
        return
    start, end = query.get("date_from"), query.get("date_to")
    dates = all(isinstance(day, str) and ISO_DATE.fullmatch(day) for day in (start, end))
    if dates and end < start:
        query["date_from"], query["date_to"] = end, start
