"""The financing registry's rules: who may present, register and move a financing, and how a
financing moves (registered → disbursed → repaid, or registered → cancelled).

``check_*`` are the one permission check for the banks' domain: services call them before they
change anything, pages and the API to know what to offer. Refusals are sentences a person can
act on: ``NotPermitted`` for the wrong person (403 in the API), ``TransitionError`` for the
wrong moment (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eport.core.actors import is_system
from eport.declarations.errors import NotPermitted, TransitionError
from eport.declarations.lifecycle import Input
from eport.declarations.models import Declaration

from .models import Financing

Status = Financing.Status


AMOUNT = "amount"  # an Input kind: a money amount in the financing's currency


@dataclass(frozen=True)
class FinancingMove:
    """A move of a financing, made by a person of the bank that registered it.

    ``service`` names the function of ``services.py`` that makes it; ``inputs`` are what it takes
    besides the financing, the actor and the version (the pages and the API ask for them).
    """

    name: str
    label: Promise
    past: Promise
    steps: dict[str, str]
    service: str
    inputs: tuple[Input, ...] = ()
    final: bool = False


MOVES: dict[str, FinancingMove] = {
    move.name: move
    for move in (
        FinancingMove(
            "disburse",
            _("Record disbursement"),
            pgettext_lazy("past participle", "disbursed"),
            {Status.REGISTERED: Status.DISBURSED},
            service="disburse_financing",
            inputs=(
                Input(
                    "amount",
                    _("Amount disbursed"),
                    kind=AMOUNT,
                    help=_("At most the registered amount; leave empty for all of it."),
                ),
            ),
        ),
        FinancingMove(
            "repay",
            _("Record repayment"),
            pgettext_lazy("past participle", "repaid"),
            {Status.DISBURSED: Status.REPAID},
            service="repay_financing",
        ),
        FinancingMove(
            "cancel",
            _("Cancel financing"),
            pgettext_lazy("past participle", "cancelled"),
            {Status.REGISTERED: Status.CANCELLED},
            service="cancel_financing",
            inputs=(Input("reason", _("Reason"), max_length=2000),),
            final=True,
        ),
    )
}

# Financings that still hold their part of the declaration's value open with the bank.
LIVE_STATUSES = (Status.REGISTERED, Status.DISBURSED)


def check_person(actor: Any) -> None:
    """A signed-in person who may change things: not eport itself, not an auditor."""
    if is_system(actor) or actor is None or not getattr(actor, "is_authenticated", False):
        raise NotPermitted(gettext("Only a signed-in person can do this."))
    if actor.is_auditor:
        raise NotPermitted(gettext("Auditors have read-only access and change nothing."))


def check_trader(actor: Any) -> None:
    """Only traders of a company present declarations to banks (the role alone)."""
    check_person(actor)
    if not (actor.is_trader and actor.company_id):
        raise NotPermitted(
            gettext("Only the declaring company's traders present a declaration to banks.")
        )


def check_trader_of(declaration: Declaration, actor: Any) -> None:
    """Only the declaring company's traders present its declarations or withdraw them."""
    check_trader(actor)
    if actor.company_id != declaration.company_id:
        raise NotPermitted(gettext("This declaration belongs to another company."))


def check_presentable(declaration: Declaration) -> None:
    if declaration.status != Declaration.Status.RELEASED:
        raise TransitionError(
            gettext(
                "Only a released declaration can be presented to a bank; this one is %(status)s."
            )
            % {"status": declaration.get_status_display().lower()}
        )


def check_bank_staff(actor: Any, refusal: Promise | None = None) -> None:
    """Only staff of an active alliance bank register and move financings (or, with another
    ``refusal`` sentence, do the other things banks do)."""
    check_person(actor)
    if not (actor.is_bank and actor.bank_id):
        raise NotPermitted(str(refusal or _("Only bank staff register and manage financings.")))
    if not actor.bank.active:
        raise NotPermitted(
            gettext("Your bank %(bic)s is not active in the alliance.") % {"bic": actor.bank.bic}
        )


def check_financing_move(financing: Financing, actor: Any, move_name: str) -> str:
    """The financing's next status for this move, or the refusal saying why not."""
    move = MOVES.get(move_name)
    if move is None:
        raise TransitionError(gettext("There is no move called %(name)r.") % {"name": move_name})
    check_bank_staff(actor)
    if actor.bank_id != financing.bank_id:
        raise NotPermitted(gettext("Only the bank that registered a financing can change it."))
    target = move.steps.get(financing.status)
    if target is None:
        raise TransitionError(
            gettext("This financing is %(status)s, so it cannot be %(past)s.")
            % {"status": financing.get_status_display().lower(), "past": move.past}
        )
    return target


def allowed_financing_moves(financing: Financing, user: Any) -> list[FinancingMove]:
    """The moves this user may make on this financing now."""
    allowed = []
    for move in MOVES.values():
        try:
            check_financing_move(financing, user, move.name)
        except TransitionError:
            continue
        allowed.append(move)
    return allowed
