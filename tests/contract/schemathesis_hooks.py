"""Schemathesis hooks for the contract run (loaded through schemathesis.toml's ``hooks``).

An integrator sends a new Idempotency-Key with each new operation; schemathesis's generators send
the same few valid values ("0", the schema's example) with requests whose bodies differ, which the
server rightly refuses as a key reused for a different request (422). That a key is new depends on
what the server has stored, which no schema can state; so a valid key is replaced with a fresh one,
as a client would make it. Invalid and missing keys are sent as generated, so the header's own
rules stay under test; the reuse rule is tested in tests/api/test_idempotency.py.
"""

from __future__ import annotations

import itertools
import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
# What the schema allows: 1 to 255 printable ASCII characters, no space at either end.
VALID = re.compile(r"[!-~]([ -~]{0,253}[!-~])?")
_sent = itertools.count()


def _valid(value) -> bool:
    return isinstance(value, str) and VALID.fullmatch(value) is not None


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers and _valid(case.headers.get(HEADER)):
        # Reproducible across runs of the same seed, unlike uuid4.
        case.headers[HEADER] = str(uuid.UUID(int=next(_sent) + 1))
