"""The moves of a licence: the one registry, and the one permission check.

A trader applies (``services.apply_for_licence``, not a move: there is no licence yet); then each
move is declared once below, in ``MOVES``: its name and label, who may make it, from which status
to which, the input it takes and the service function that makes it. The pages and the API derive
their buttons, forms and endpoints from it. ``check_move`` is the permission check every caller
goes through: services before they change anything, pages and the API to know what to offer and
to refuse early; ``check_applicant`` is the same for an application.

    submitted --query--> query --answer--> submitted --approve--> approved (final)
    submitted | query --refuse--> refused (final)      (licensing officers of its agency)
    submitted | query --withdraw--> withdrawn (final)  (traders of its company)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eport.core.actors import is_system
from eport.core.moves import LINE, TEXT, Input

from .errors import LicenceNotPermitted, LicenceTransitionError
from .models import Licence

__all__ = [
    "DATE",
    "LINE",
    "MOVES",
    "OFFICER",
    "TEXT",
    "TRADER",
    "TRANSITIONS",
    "Input",
    "Move",
    "Transition",
    "allowed_moves",
    "can",
    "check_applicant",
    "check_move",
    "check_role",
]

Status = Licence.Status

# Who may make a move.
TRADER = "trader"  # a trader of the licence's company
OFFICER = "licensing officer"  # an agency officer of the licence's (licensing) agency

# What kind of input a move takes, besides eport.core.moves.TEXT and LINE.
DATE = "date"  # a calendar date, ISO 8601


@dataclass(frozen=True)
class Move:
    """An action on a licence, declared once.

    ``steps`` maps each status the move may be made from to the status it leads to. ``service``
    names the function of ``services.py`` that makes it; ``endpoint`` is its path under the
    licence in the API.
    """

    name: str
    label: Promise | str
    past: Promise | str  # completes "cannot be ..."
    who: str
    steps: dict[str, str]
    service: str
    summary: Promise | str = ""
    inputs: tuple[Input, ...] = ()
    endpoint: str = ""
    final: bool = False


@dataclass(frozen=True)
class Transition:
    source: str
    move: str
    target: str
    who: str


# THE registry: every move, in the order the pages and the API list them.
MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move(
            "query",
            _("Raise a query"),
            pgettext_lazy("licence move", "queried"),
            OFFICER,
            {Status.SUBMITTED: Status.QUERY},
            service="raise_licence_query",
            summary=_("Ask the applicant a question (licensing officers of the agency)"),
            inputs=(
                Input("question", _("Question to the applicant"), required=True, max_length=5000),
            ),
            endpoint="query/",
        ),
        Move(
            "answer",
            _("Answer the query"),
            pgettext_lazy("licence move", "answered"),
            TRADER,
            {Status.QUERY: Status.SUBMITTED},
            service="answer_licence_query",
            summary=_("Answer the agency's query; the application returns to the agency (traders)"),
            inputs=(
                Input(
                    "answer",
                    _("Your answer to the query"),
                    required=True,
                    max_length=5000,
                    help=_("Your answer to the licensing officer's question."),
                ),
            ),
            endpoint="answer/",
        ),
        Move(
            "approve",
            _("Approve"),
            pgettext_lazy("licence move", "approved"),
            OFFICER,
            {Status.SUBMITTED: Status.APPROVED},
            service="approve_licence",
            summary=_(
                "Grant the licence: it is numbered and its quantity and value can be written off "
                "(licensing officers of the agency)"
            ),
            inputs=(
                Input(
                    "valid_from",
                    _("Valid from"),
                    kind=DATE,
                    help=_("Leave empty to grant the validity applied for; never earlier."),
                ),
                Input(
                    "valid_until",
                    _("Valid until"),
                    kind=DATE,
                    help=_("Leave empty to grant the validity applied for; never later."),
                ),
                Input("note", _("Note to the applicant"), max_length=2000),
            ),
            endpoint="approve/",
            final=True,
        ),
        Move(
            "refuse",
            _("Refuse"),
            pgettext_lazy("licence move", "refused"),
            OFFICER,
            {Status.SUBMITTED: Status.REFUSED, Status.QUERY: Status.REFUSED},
            service="refuse_licence",
            summary=_("Refuse the application, with the reason (licensing officers of the agency)"),
            inputs=(Input("reason", _("Reason"), required=True, max_length=2000),),
            endpoint="refuse/",
            final=True,
        ),
        Move(
            "withdraw",
            _("Withdraw application"),
            pgettext_lazy("licence move", "withdrawn"),
            TRADER,
            {Status.SUBMITTED: Status.WITHDRAWN, Status.QUERY: Status.WITHDRAWN},
            service="withdraw_licence",
            summary=_("Withdraw an application not yet decided (traders)"),
            inputs=(Input("reason", _("Reason"), max_length=2000),),
            endpoint="withdraw/",
            final=True,
        ),
    )
}

# The transition table, read from the registry: (status, move) -> new status, and who.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (source, move.name): Transition(source, move.name, target, move.who)
    for move in MOVES.values()
    for source, target in move.steps.items()
}

_STATUS_PHRASES = {
    Status.SUBMITTED: _("applied for and waiting for the licensing agency"),
    Status.QUERY: _("waiting for the applicant to answer a query"),
    Status.APPROVED: _("approved, which is final"),
    Status.REFUSED: _("refused, which is final"),
    Status.WITHDRAWN: _("withdrawn, which is final"),
}


def _move_named(move_name: str) -> Move:
    move = MOVES.get(move_name)
    if move is None:
        raise LicenceTransitionError(
            gettext("There is no licence move called %(name)r.") % {"name": move_name}
        )
    return move


# A refusal is a function that builds the error with its sentence, so that asking "may they?"
# for every move of a page formats no sentence it will not show.
Refusal = Callable[[], LicenceTransitionError]


def _person_refusal(actor: Any) -> Refusal | None:
    if is_system(actor) or actor is None or not getattr(actor, "is_authenticated", False):
        return lambda: LicenceNotPermitted(gettext("Only a signed-in person can make this move."))
    if actor.is_auditor:
        return lambda: LicenceNotPermitted(
            gettext("Auditors have read-only access and cannot change licences.")
        )
    return None


def _role_refusal(actor: Any, move: Move) -> Refusal | None:
    refusal = _person_refusal(actor)
    if refusal is not None:
        return refusal
    if move.who == TRADER and not (actor.is_trader and actor.company_id):
        return lambda: LicenceNotPermitted(
            gettext("Only the applying company's traders can have a licence %(past)s.")
            % {"past": move.past}
        )
    if move.who == OFFICER:
        if not actor.is_licensing_officer:
            return lambda: LicenceNotPermitted(
                gettext(
                    "Only licensing officers of the licence's agency can have a licence %(past)s."
                )
                % {"past": move.past}
            )
        if not actor.agency.active:
            return lambda: LicenceNotPermitted(
                gettext("Your agency %(code)s is not active in the single window.")
                % {"code": actor.agency.code}
            )
    return None


def _move_refusal(
    licence: Licence, actor: Any, move: Move
) -> tuple[Transition | None, Refusal | None]:
    refusal = _role_refusal(actor, move)
    if refusal is not None:
        return None, refusal
    if move.who == TRADER and actor.company_id != licence.company_id:
        return None, lambda: LicenceNotPermitted(
            gettext("This licence belongs to another company.")
        )
    if move.who == OFFICER and actor.agency_id != licence.agency_id:
        return None, lambda: LicenceNotPermitted(
            gettext(
                "Only licensing officers of the licence's agency can have a licence %(past)s; "
                "this one was applied for at %(agency)s."
            )
            % {"past": move.past, "agency": licence.agency.code}
        )
    transition = TRANSITIONS.get((licence.status, move.name))
    if transition is None:
        return None, lambda: LicenceTransitionError(_wrong_status(licence, move))
    return transition, None


def _wrong_status(licence: Licence, move: Move) -> str:
    phrase = _STATUS_PHRASES.get(licence.status, licence.status)
    return gettext(
        "This licence is %(state)s, so it cannot be %(past)s. Reload to see its current state."
    ) % {"state": phrase, "past": move.past}


def check_applicant(actor: Any) -> None:
    """Refuse (LicenceNotPermitted) anyone but a trader of a company: only they apply."""
    refusal = _person_refusal(actor)
    if refusal is not None:
        raise refusal()
    if not (actor.is_trader and actor.company_id):
        raise LicenceNotPermitted(gettext("Only a company's traders can apply for a licence."))


def check_role(actor: Any, move_name: str) -> Move:
    """Refuse (LicenceNotPermitted) an actor whose role or agency may never make this move.

    The part of the permission check that needs no licence: the API asks it before reading the
    request, the pages before showing a form; ``check_move`` asks it first.
    """
    move = _move_named(move_name)
    refusal = _role_refusal(actor, move)
    if refusal is not None:
        raise refusal()
    return move


def check_move(licence: Licence, actor: Any, move_name: str) -> Transition:
    """Return the transition for this move, or raise LicenceTransitionError saying why not.

    Refusals of the person (role, company, agency) are ``LicenceNotPermitted``.
    """
    transition, refusal = _move_refusal(licence, actor, _move_named(move_name))
    if refusal is not None:
        raise refusal()
    return transition


def can(licence: Licence, actor: Any, move_name: str) -> bool:
    """Whether ``check_move`` would allow this move (without wording its refusal)."""
    return _move_refusal(licence, actor, _move_named(move_name))[1] is None


def allowed_moves(licence: Licence, user: Any) -> list[Move]:
    """The moves this user may make on this licence now, in a stable order."""
    return [move for move in MOVES.values() if _move_refusal(licence, user, move)[1] is None]
