"""What the banks' pages share: the bank-staff gate, refusals in words, receipts and downloads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from eport.accounts.selectors import actor_names
from eport.declarations.errors import DeclarationError
from ledger.receipts import ReceiptUnavailable, receipt_bytes, verify_with_trusted_keys
from ledger.verify_receipt import SUBJECT, WITNESSES, Check

INCOMPLETE_FORM = _("The form was incomplete; reload the page and try again.")


def bank_staff_required(view):
    """Signed-in staff of an alliance bank only: others are told whom the pages are for."""

    @login_required
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_bank and user.bank_id):
            return render(
                request,
                "banks/forbidden.html",
                {"message": _("The bank workspace is for the staff of alliance banks.")},
                status=403,
            )
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def report(request: HttpRequest, error: ValidationError | DeclarationError) -> None:
    """Show every problem of a refusal as a message on the next page."""
    if isinstance(error, DeclarationError):
        messages.error(request, str(error))
        return
    if not hasattr(error, "error_dict"):
        for problem in error.messages:
            messages.error(request, problem)
        return
    for key, problems in error.message_dict.items():
        where = "" if key == "__all__" else key.replace("_", " ").capitalize() + ": "
        for problem in problems:
            messages.error(request, where + problem)


@dataclass(frozen=True)
class Verdict:
    """A receipt's check in words: verified, not yet notarized (pending) or failed."""

    state: str  # "verified", "pending" or "failed"
    detail: str = ""
    tree_size: int | None = None
    witnesses: str = ""
    subject_proven: bool = False
    checks: list[Check] = field(default_factory=list)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def verdict_of(make_receipt) -> Verdict:
    """The verdict on the receipt ``make_receipt()`` builds (ReceiptUnavailable: pending)."""
    try:
        receipt = make_receipt()
    except ReceiptUnavailable as problem:
        return Verdict("pending", detail=str(problem))
    checked = verify_with_trusted_keys(receipt_bytes(receipt))
    witnesses = checked.get(WITNESSES)
    subject = checked.get(SUBJECT)
    return Verdict(
        "verified" if checked.valid else "failed",
        tree_size=receipt.get("tree_size"),
        witnesses=witnesses.detail if witnesses is not None else "",
        subject_proven=subject is not None and subject.ok,
        checks=list(checked.checks),
    )


def timeline_rows(entries) -> list[dict]:
    """Ledger entries as a page's timeline shows them, with people's names."""
    people = actor_names(entry.actor for entry in entries)
    # One reverse() for every row: each entry's public page differs only by its number.
    entry_url = reverse("ledger:entry", args=["0"])[:-1]
    return [
        {
            "seq": entry.seq,
            "url": f"{entry_url}{entry.seq}",
            "time": entry.time,
            "actor": people.get(entry.actor, entry.actor),
            "action": entry.action,
            "hash": bytes(entry.hash).hex(),
            "data": entry.data if isinstance(entry.data, dict) else {},
        }
        for entry in entries
    ]


def unavailable(request: HttpRequest, message: str, back: str) -> HttpResponse:
    """The page saying why something cannot be had yet (409), with a way back."""
    return render(request, "banks/unavailable.html", {"message": message, "back": back}, status=409)


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A response the browser saves as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
