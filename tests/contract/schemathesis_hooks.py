"""Schemathesis hooks for the contract run (loaded through schemathesis.toml's ``hooks``).

An integrator sends a new Idempotency-Key with each new operation; schemathesis's generators send
the same few valid values ("0", the schema's example) with requests whose bodies differ, which the
server rightly refuses as a key reused for a different request (422). That a key is new depends on
what the server has stored, which no schema can state; so a valid key is replaced with a fresh one,
as a client would make it. Invalid and missing keys are sent as generated, so the header's own
rules stay under test; the reuse rule is tested in tests/api/test_idempotency.py.

A draft's LRN is the company's own reference, one per filing: the server refuses one already used
(422), again a rule on stored data. A draft that repeats an LRN this run already sent gets a new
one, as a filing system numbers its filings.

A goods item's HS code is 10 digits whose first six are a subheading of the nomenclature the
server holds (some 5,600 of them, reference data the schema cannot list): a schema-valid code whose
first six digits are no subheading gets one of the test's subheadings in their place, as a trader
would look the code up. A code that breaks the stated pattern is sent as generated.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
# What the schema allows: 1 to 255 printable ASCII characters, no space at either end.
VALID = re.compile(r"[!-~]([ -~]{0,253}[!-~])?")
_sent = itertools.count()
_lrns: set[str] = set()
HS_CODE = re.compile(r"[0-9]{10}")
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
    if isinstance(body, dict) and isinstance(body.get("lrn"), str) and body["lrn"].strip():
        if body["lrn"] in _lrns:
            body["lrn"] = f"CONTRACT-{len(_lrns)}"
        _lrns.add(body["lrn"])


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
