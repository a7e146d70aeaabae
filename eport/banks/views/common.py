"""What the banks' pages share: the bank-staff gate, refusals in words, receipts and downloads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from eport.core.receipt_checks import receipt_problem, shown_checks, translated_detail
from ledger.receipts import ReceiptUnavailable, receipt_bytes, verify_with_trusted_keys
from ledger.verify_receipt import SUBJECT, WITNESSES


def only_for(may_enter: Callable[[Any], bool], message: Callable[[], str]):
    """A view decorator: signed-in people for whom ``may_enter(user)`` holds; anyone else is
    told ``message()`` (whom the pages are for, where their side lives) with a 403."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not may_enter(request.user):
                return render(request, "403.html", {"message": message()}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Signed-in staff of an alliance bank only.
bank_staff_required = only_for(
    lambda user: user.is_bank and user.bank_id,
    lambda: _("The bank workspace is for the staff of alliance banks."),
)


@dataclass(frozen=True)
class Verdict:
    """A receipt's check in words: verified, not yet notarized (pending) or failed."""

    state: str  # "verified", "pending" or "failed"
    detail: str = ""
    tree_size: int | None = None
    witnesses: str = ""
    subject_proven: bool = False
    checks: list[dict] = field(default_factory=list)  # as receipt_checks.shown_checks gives them

    @property
    def failed(self) -> list[dict]:
        return [check for check in self.checks if not check["ok"]]


def verdict_of(make_receipt) -> Verdict:
    """The verdict on the receipt ``make_receipt()`` builds (ReceiptUnavailable: pending)."""
    try:
        receipt = make_receipt()
    except ReceiptUnavailable as problem:
        return Verdict("pending", detail=receipt_problem(problem))
    checked = verify_with_trusted_keys(receipt_bytes(receipt))
    witnesses = checked.get(WITNESSES)
    subject = checked.get(SUBJECT)
    return Verdict(
        "verified" if checked.valid else "failed",
        tree_size=receipt.get("tree_size"),
        witnesses=translated_detail(WITNESSES, witnesses.detail) if witnesses is not None else "",
        subject_proven=subject is not None and subject.ok,
        checks=shown_checks(checked.checks),
    )
