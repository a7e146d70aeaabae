"""Counting the malformed-input cases each endpoint family met, and what each was answered.

Every probe sends one request through Django's test client and records the family and the
outcome: the status code, with ``saved`` when a ledger entry was written (an accepted input).
A probe fails the test on any 5xx (with the input and the traceback), on a refusal that wrote
anything, and on any change to what was already saved when nothing was ledgered."""

from __future__ import annotations

import logging
import os
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from eport.accounts.models import User
from eport.api.models import ApiToken
from eport.banks.models import Financing, Presentation
from eport.declarations.models import Declaration, Document
from eport.payments.models import Guarantee, PaymentAgreement, PaymentInstruction, TaxBill
from ledger.models import Checkpoint, Entry


@dataclass
class Census:
    outcomes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    accepted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, family: str, outcome: str, label: str, *, saved: bool) -> None:
        self.outcomes[family][outcome] += 1
        if saved:
            self.accepted[family].append(label)

    def table(self) -> str:
        width = max((len(family) for family in self.outcomes), default=10)
        lines = [f"{'endpoint family'.ljust(width)}  cases  outcomes (status × count)"]
        total = 0
        for family, counts in self.outcomes.items():
            cases = sum(counts.values())
            total += cases
            shown = ", ".join(f"{outcome} ×{count}" for outcome, count in sorted(counts.items()))
            lines.append(f"{family.ljust(width)}  {cases:5d}  {shown}")
        lines.append(f"{'all families'.ljust(width)}  {total:5d}")
        lines.append(
            "No 5xx anywhere. 'saved': accepted, with its ledger entry. Every other answer saved "
            "nothing: the pages' 302 without 'saved' returns to the page with the refusal as a "
            "message, the sign-in page's 200 shows the form again with its error, /verify/'s 200 "
            "is the verdict 'not valid', the language switch's 302 goes back to this site."
        )
        for family, labels in self.accepted.items():
            lines.append(f"accepted and saved in {family}: " + "; ".join(labels))
        return "\n".join(lines)

    def write(self) -> Path:
        path = Path(os.environ.get("EPORT_CENSUS_REPORT") or settings.VAR_DIR / "census.txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.table() + "\n")
        return path


CENSUS = Census()


# What is saved, compared before and after each request in one round trip: each table's rows
# hashed together. Tokens leave out when they were last used, people when they last signed in.
SAVED = {
    "entries": (Entry, "t.seq"),
    "checkpoints": (Checkpoint, "t.size"),
    "declarations": (Declaration, "t"),
    "documents": (Document, "t"),
    "tokens": (ApiToken, "(t.id, t.name, t.revoked_at, t.expires_at)"),
    "bills": (TaxBill, "t"),
    "instructions": (PaymentInstruction, "t"),
    "agreements": (PaymentAgreement, "t"),
    "guarantees": (Guarantee, "t"),
    "presentations": (Presentation, "t"),
    "financings": (Financing, "t"),
    "users": (User, "(t.id, t.username, t.password, t.language, t.is_active)"),
}
_FINGERPRINT_SQL = "SELECT " + ", ".join(
    f"(SELECT count(*) || ':' || md5(coalesce(string_agg(({row})::text, '|' "
    f"ORDER BY ({row})::text), '')) FROM {model._meta.db_table} t)"
    for model, row in SAVED.values()
)


def fingerprint() -> dict:
    """What is saved, as the probes compare it before and after a request."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        values = cursor.fetchone()
    return dict(zip(SAVED, values, strict=True))


class _Errors(logging.Handler):
    """Collects the tracebacks logged while one request is served (a 500 the API turned into
    problem+json is logged, not raised)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.tracebacks: list[str] = []

    def emit(self, record):
        if record.exc_info:
            self.tracebacks.append("".join(traceback.format_exception(*record.exc_info)))


@dataclass
class Probe:
    """Sends malformed requests of one endpoint family and checks what they did."""

    family: str
    server_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __call__(
        self,
        label: str,
        send: Callable,
        *,
        refuse: bool = True,
        redirect_refuses: bool = False,
        check: Callable | None = None,
        unsaved: tuple[str, ...] = (),
    ):
        """Send one case. ``refuse``: the input is malformed and must be refused (a 4xx, or a
        redirect that saved nothing where ``redirect_refuses``: the pages' post/redirect/get);
        otherwise it may be accepted. ``unsaved``: parts of the fingerprint this endpoint may
        change without a ledger entry (a preference). Returns the response (None after a 500)."""
        before = fingerprint()
        errors = _Errors()
        logging.getLogger().addHandler(errors)
        try:
            response = send()
        except Exception:  # the test client re-raises what the view raised: a 500
            CENSUS.add(self.family, "500", label, saved=False)
            self.server_errors.append(f"{label}:\n{traceback.format_exc()}")
            return None
        finally:
            logging.getLogger().removeHandler(errors)
        status = response.status_code
        after = fingerprint()
        saved = after["entries"] != before["entries"]
        outcome = str(status) + (" saved" if saved else "")
        CENSUS.add(self.family, outcome, label, saved=saved)
        if status >= 500:
            body = getattr(response, "content", b"")[:500]
            logged = "\n".join(errors.tracebacks[-1:])
            self.server_errors.append(f"{label}: {status} {body!r}\n{logged}")
        elif refuse:
            refused = 400 <= status < 500 or (redirect_refuses and 300 <= status < 400)
            if not refused:
                self.problems.append(f"{label}: answered {status}, expected a refusal")
        changed = [key for key in after if after[key] != before[key] and key not in unsaved]
        if not saved and changed:
            self.problems.append(
                f"{label}: answered {status}, saved nothing, yet {changed} changed"
            )
        if (refuse or 400 <= status < 500) and saved:
            self.problems.append(f"{label}: answered {status} but wrote a ledger entry")
        if check is not None and status < 500:
            problem = check(response)
            if problem:
                self.problems.append(f"{label}: {problem}")
        return response

    def assert_clean(self, minimum: int) -> None:
        cases = sum(CENSUS.outcomes[self.family].values())
        assert not self.server_errors, "\n\n".join(self.server_errors)
        assert not self.problems, "\n".join(self.problems)
        assert cases >= minimum, f"only {cases} cases tried"
