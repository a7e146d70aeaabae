"""The moves of a declaration: the one registry, and the one permission check.

Each move is declared once below, in ``MOVES``: its name and label, who may make it, from which
statuses (and lanes) to which, the input it takes and the service function that makes it. The
transition table, the pages' action panel and POST handling, the API's move endpoints, their
request serializers and the OpenAPI schema are all derived from it (workflow spec, "The
lifecycle"). ``check_move`` is the permission check every caller goes through: services before
they change anything, pages and the API to know what to offer and to refuse early.

Adding a move is one ``Move(...)`` here plus one function in ``services.py`` named by its
``service``; see the README ("Adding a move").

The inspection agency's moves (``pass_inspection``, ``fail_inspection``) are made by an agency
officer of the declaration's inspection agency, whatever customs is doing with it; the moves
whose ``inspections`` say so (release) wait for their result (issue 18).

The payment moves (``via="payments"``) are made only by ``eport.payments`` once it has settled
the declaration's tax bill: a bank's confirmed e-payment, a customs counter's receipt, or a bank
guarantee. They are neither buttons of the declaration page nor endpoints of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eport.core.actors import is_system
from eport.core.moves import LINE, TEXT, Input

from .errors import NotPermitted, TransitionError
from .models import Declaration

__all__ = [
    "ASSIGNED",
    "BANK",
    "INSPECTOR",
    "MOVES",
    "MOVE_WHO",
    "OFFICER",
    "SYSTEM",
    "TRADER",
    "TRANSITIONS",
    "Input",
    "Move",
    "Transition",
    "allowed_moves",
    "can",
    "check_move",
    "check_role",
    "is_system",
]

Status = Declaration.Status
Lane = Declaration.Lane

# Who may make a move.
TRADER = "trader"  # a trader of the declaration's company
OFFICER = "officer"  # any officer of the declaration's office of lodgement
ASSIGNED = "assigned officer"  # the officer of that office who took the declaration
BANK = "bank"  # staff of an alliance bank (which bank: the payments domain checks)
INSPECTOR = "inspector"  # an agency officer of the declaration's inspection agency
SYSTEM = "system"  # eport itself (a SystemActor, "system:<component>")

# What kind of input a move takes, besides eport.core.moves.TEXT and LINE.
CORRECTIONS = "corrections"  # officers' corrections of goods items
DRAFT = "draft"  # a whole header and its goods items
DOCUMENT = "document"  # an uploaded file with its type and reference


@dataclass(frozen=True)
class Move:
    """An action on a declaration, declared once.

    ``steps`` maps each status the move may be made from to the status it leads to; ``lanes``
    limits it to declarations in those lanes (None: any lane), ``inspections`` to declarations in
    those inspection statuses ("": no inspection needed; None: any). ``service`` names the
    function of ``services.py`` that makes it. ``endpoint`` is its path under the declaration in
    the API (with ``method``); ``own_page`` moves have a page of their own rather than a button.
    """

    name: str
    label: Promise | str
    past: Promise | str  # completes "cannot be ..."
    who: str
    steps: dict[str, str]
    service: str
    summary: Promise | str = ""
    lanes: frozenset[str] | None = None
    inspections: frozenset[str] | None = None
    inputs: tuple[Input, ...] = ()
    endpoint: str | None = None
    method: str = "POST"
    own_page: bool = False
    final: bool = False
    via: str = ""
    text_input: Input | None = field(init=False, default=None, compare=False)

    def __post_init__(self):
        # The one free-text input a move's button form asks for, if any.
        texts = [i for i in self.inputs if i.kind in (TEXT, LINE)]
        object.__setattr__(self, "text_input", texts[0] if texts else None)

    @property
    def needs(self) -> str | None:
        """The input a person is asked for (a whole draft is not "asked for")."""
        first = next((i for i in self.inputs if i.kind != DRAFT), None)
        return first.name if first else None

    @property
    def required(self) -> bool:
        first = next((i for i in self.inputs if i.kind != DRAFT), None)
        return bool(first and first.required)

    @property
    def offered(self) -> bool:
        """Whether a person is ever offered this move on the declaration itself.

        eport makes the system's own; ``via`` moves are made through their own domain's pages.
        """
        return self.who != SYSTEM and not self.via


@dataclass(frozen=True)
class Transition:
    source: str
    move: str
    target: str
    who: str
    lanes: frozenset[str] | None = None  # None: any lane


_ACTIVE_LANES = frozenset({Lane.YELLOW, Lane.RED})
_GREEN = frozenset({Lane.GREEN})
Inspection = Declaration.Inspection
# Goods on the statutory inspection list leave only once the inspection agency passed them.
_CLEARED_FOR_RELEASE = frozenset({"", Inspection.PASSED})
_WAITING_FOR_INSPECTION = frozenset({Inspection.PENDING})
# The inspection agency records its result while customs works on the declaration, whatever
# customs' own step: every status after submission that is not final stays as it is.
_INSPECTABLE = {
    status: status
    for status in (
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.QUERY,
        Status.INSPECTION,
        Status.ASSESSED,
        Status.PAID,
    )
}

# THE registry: every move, in the order the pages and the API list them.
MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move(
            "edit",
            _("Edit draft"),
            pgettext_lazy("declaration move", "edited"),
            TRADER,
            {Status.DRAFT: Status.DRAFT},
            service="update_draft",
            inputs=(Input("draft", kind=DRAFT),),
            endpoint="",
            method="PUT",
            own_page=True,
        ),
        Move(
            "attach",
            _("Add or remove documents"),
            pgettext_lazy("declaration move", "given new documents"),
            TRADER,
            {Status.DRAFT: Status.DRAFT, Status.QUERY: Status.QUERY},
            service="add_document",
            inputs=(Input("document", kind=DOCUMENT),),
            endpoint="documents/",
            own_page=True,
        ),
        Move(
            "submit",
            _("Submit"),
            pgettext_lazy("declaration move", "submitted"),
            TRADER,
            {Status.DRAFT: Status.SUBMITTED},
            service="submit_declaration",
            summary=_(
                "Submit a draft (traders): numbered, routed to a lane; green is assessed at once"
            ),
            endpoint="submit/",
        ),
        Move(
            "take",
            _("Take for review"),
            pgettext_lazy("declaration move", "taken for review"),
            OFFICER,
            {Status.SUBMITTED: Status.UNDER_REVIEW},
            lanes=_ACTIVE_LANES,
            service="take_declaration",
            summary=_("Take a yellow or red declaration for review (officers)"),
            endpoint="take/",
        ),
        # The status stays; the reviewing officer changes. The colleague must be an active
        # officer of the same office: reassign_declaration checks it.
        Move(
            "reassign",
            _("Reassign to a colleague"),
            pgettext_lazy("declaration move", "reassigned"),
            OFFICER,
            {
                Status.UNDER_REVIEW: Status.UNDER_REVIEW,
                Status.QUERY: Status.QUERY,
                Status.INSPECTION: Status.INSPECTION,
            },
            service="reassign_declaration",
            summary=_(
                "Hand a declaration under review to another officer of the same office (officers)"
            ),
            inputs=(
                Input(
                    "officer",
                    _("Colleague (user name)"),
                    kind=LINE,
                    required=True,
                    max_length=150,
                    help=_("The user name of an active officer of the same customs office."),
                ),
            ),
            endpoint="reassign/",
        ),
        Move(
            "query",
            _("Raise a query"),
            pgettext_lazy("declaration move", "queried"),
            ASSIGNED,
            {Status.UNDER_REVIEW: Status.QUERY},
            service="raise_query",
            summary=_("Ask the trader a question (the reviewing officer)"),
            inputs=(
                Input("question", _("Question to the trader"), required=True, max_length=5000),
            ),
            endpoint="query/",
        ),
        Move(
            "amend",
            _("Amend and resubmit"),
            pgettext_lazy("declaration move", "amended"),
            TRADER,
            {Status.QUERY: Status.UNDER_REVIEW},
            service="amend_declaration",
            summary=_("Answer a query with an amended header and items, and resubmit (traders)"),
            inputs=(
                Input(
                    "answer",
                    _("Your answer to the query"),
                    required=True,
                    max_length=5000,
                    help=_("Your answer to the officer's question."),
                ),
                Input("draft", kind=DRAFT),
            ),
            endpoint="amend/",
            own_page=True,
        ),
        Move(
            "inspect",
            _("Order inspection"),
            pgettext_lazy("declaration move", "sent to inspection"),
            ASSIGNED,
            {Status.UNDER_REVIEW: Status.INSPECTION},
            lanes=frozenset({Lane.RED}),
            service="order_inspection",
            summary=_(
                "Order a physical inspection of a red-lane declaration (the reviewing officer)"
            ),
            inputs=(Input("instructions", _("Instructions for the inspectors"), max_length=5000),),
            endpoint="inspect/",
        ),
        Move(
            "record_findings",
            _("Record inspection findings"),
            pgettext_lazy("declaration move", "given inspection findings"),
            ASSIGNED,
            {Status.INSPECTION: Status.UNDER_REVIEW},
            service="record_inspection_findings",
            summary=_("Record the inspection findings (the reviewing officer)"),
            inputs=(Input("findings", _("Inspection findings"), required=True, max_length=5000),),
            endpoint="findings/",
        ),
        Move(
            "assess",
            _("Assess duty and VAT"),
            pgettext_lazy("declaration move", "assessed"),
            ASSIGNED,
            {Status.UNDER_REVIEW: Status.ASSESSED},
            service="assess_declaration",
            summary=_("Assess duty and VAT, with corrections if any (the reviewing officer)"),
            inputs=(
                Input("corrections", kind=CORRECTIONS),
                Input(
                    "reason",
                    _("Reason"),
                    max_length=2000,
                    help=_(
                        "Why the corrections were made (for corrections without their own reason)."
                    ),
                ),
            ),
            endpoint="assess/",
        ),
        # Paid: made by eport.payments once the tax bill is settled (see the module's docstring).
        Move(
            "confirm_payment",
            _("Confirm e-payment"),
            pgettext_lazy("declaration move", "marked as paid by a bank's confirmation"),
            BANK,
            {Status.ASSESSED: Status.PAID},
            service="record_bank_payment",
            summary=_("A bank confirmed the debit of the tax bill (made by eport.payments)"),
            inputs=(
                Input("reference", _("Bank reference"), kind=LINE, required=True, max_length=64),
            ),
            via="payments",
        ),
        Move(
            "pay",
            _("Record payment at a customs counter"),
            pgettext_lazy("declaration move", "marked as paid at a customs counter"),
            OFFICER,
            {Status.ASSESSED: Status.PAID},
            service="record_payment",
            summary=_("Record a payment made at a customs counter, with its receipt number"),
            inputs=(
                Input(
                    "reference",
                    _("Counter receipt number"),
                    kind=LINE,
                    required=True,
                    max_length=64,
                ),
            ),
            via="payments",
        ),
        Move(
            "guarantee",
            _("Release against guarantee"),
            pgettext_lazy("declaration move", "secured by a bank guarantee"),
            TRADER,
            {Status.ASSESSED: Status.PAID},
            service="record_guarantee",
            summary=_("Reserve the tax bill against a bank guarantee; the bill is paid later"),
            inputs=(
                Input(
                    "reference", _("Guarantee reference"), kind=LINE, required=True, max_length=64
                ),
            ),
            via="payments",
        ),
        Move(
            "release",
            _("Release goods"),
            pgettext_lazy("declaration move", "released"),
            OFFICER,
            {Status.PAID: Status.RELEASED},
            lanes=_ACTIVE_LANES,
            inspections=_CLEARED_FOR_RELEASE,
            service="release_declaration",
            summary=_("Release the goods of a paid declaration (officers)"),
            inputs=(Input("note", _("Release note"), max_length=2000),),
            endpoint="release/",
        ),
        Move(
            "reject",
            _("Reject"),
            pgettext_lazy("declaration move", "rejected"),
            ASSIGNED,
            {
                Status.UNDER_REVIEW: Status.REJECTED,
                Status.QUERY: Status.REJECTED,
                Status.INSPECTION: Status.REJECTED,
            },
            service="reject_declaration",
            summary=_(
                "Reject a declaration under review, query or inspection (the reviewing officer)"
            ),
            inputs=(Input("reason", _("Reason"), required=True, max_length=2000),),
            endpoint="reject/",
            final=True,
        ),
        Move(
            "cancel",
            _("Cancel declaration"),
            pgettext_lazy("declaration move", "cancelled"),
            TRADER,
            {
                Status.DRAFT: Status.CANCELLED,
                Status.SUBMITTED: Status.CANCELLED,
                Status.QUERY: Status.CANCELLED,
            },
            service="cancel_declaration",
            summary=_("Cancel a draft, a submitted or a queried declaration (traders)"),
            inputs=(Input("reason", _("Reason"), max_length=2000),),
            endpoint="cancel/",
            final=True,
        ),
        Move(
            "pass_inspection",
            _("Pass inspection and quarantine"),
            pgettext_lazy("declaration move", "passed by inspection and quarantine"),
            INSPECTOR,
            _INSPECTABLE,
            inspections=_WAITING_FOR_INSPECTION,
            service="pass_inspection",
            summary=_(
                "Record that the goods passed inspection and quarantine, with the certificate "
                "number (the declaration's inspection agency)"
            ),
            inputs=(
                Input(
                    "certificate",
                    _("Inspection certificate number"),
                    kind=LINE,
                    required=True,
                    max_length=40,
                ),
            ),
            endpoint="inspection/pass/",
        ),
        Move(
            "fail_inspection",
            _("Fail inspection and quarantine"),
            pgettext_lazy("declaration move", "failed by inspection and quarantine"),
            INSPECTOR,
            _INSPECTABLE,
            inspections=_WAITING_FOR_INSPECTION,
            service="fail_inspection",
            summary=_(
                "Record that the goods failed inspection and quarantine, with the reason (the "
                "declaration's inspection agency); they cannot be released"
            ),
            inputs=(Input("reason", _("Why the goods failed"), required=True, max_length=5000),),
            endpoint="inspection/fail/",
        ),
        # Made by eport itself for green-lane declarations, never offered to a person; the
        # submission and payment services make them as their last step.
        Move(
            "system_assess",
            _("Assess automatically"),
            pgettext_lazy("declaration move", "assessed automatically"),
            SYSTEM,
            {Status.SUBMITTED: Status.ASSESSED},
            lanes=_GREEN,
            service="submit_declaration",
        ),
        Move(
            "system_release",
            _("Release automatically"),
            pgettext_lazy("declaration move", "released automatically"),
            SYSTEM,
            {Status.PAID: Status.RELEASED},
            lanes=_GREEN,
            inspections=_CLEARED_FOR_RELEASE,
            service="record_payment",
        ),
    )
}

# The transition table, read from the registry: (status, move) -> new status, and who.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (source, move.name): Transition(source, move.name, target, move.who, move.lanes)
    for move in MOVES.values()
    for source, target in move.steps.items()
}

# The kind of person who makes each move, whatever the status, so a person can be told
# "only officers can ..." before the status is even looked at.
MOVE_WHO: dict[str, str] = {
    name: OFFICER if move.who == ASSIGNED else move.who for name, move in MOVES.items()
}

_STATUS_PHRASES = {
    Status.DRAFT: _("still a draft"),
    Status.SUBMITTED: _("submitted and waiting for customs"),
    Status.UNDER_REVIEW: _("under review by customs"),
    Status.QUERY: _("waiting for the trader to answer a query"),
    Status.INSPECTION: _("waiting for inspection findings"),
    Status.ASSESSED: _("assessed and waiting for payment"),
    Status.PAID: _("paid and waiting for release"),
    Status.RELEASED: _("released, which is final"),
    Status.REJECTED: _("rejected, which is final"),
    Status.CANCELLED: _("cancelled, which is final"),
}


def _move_named(move_name: str) -> Move:
    move = MOVES.get(move_name)
    if move is None:
        raise TransitionError(gettext("There is no move called %(name)r.") % {"name": move_name})
    return move


# A refusal is worked out as a function that builds the error with its sentence, so that asking
# "may they?" for every move of a page formats no sentence it will not show.
Refusal = Callable[[], TransitionError]


def _role_refusal(actor: Any, move: Move) -> Refusal | None:
    kind = MOVE_WHO[move.name]
    if kind == SYSTEM:
        if is_system(actor):
            return None
        return lambda: NotPermitted(
            gettext("Only eport itself makes this move: a green-lane declaration is %(past)s.")
            % {"past": move.past}
        )
    if is_system(actor) or actor is None or not getattr(actor, "is_authenticated", False):
        return lambda: NotPermitted(gettext("Only a signed-in person can make this move."))
    if actor.is_auditor:
        return lambda: NotPermitted(
            gettext("Auditors have read-only access and cannot change declarations.")
        )
    if kind == TRADER and not (actor.is_trader and actor.company_id):
        return lambda: NotPermitted(
            gettext("Only the declaring company's traders can have a declaration %(past)s.")
            % {"past": move.past}
        )
    if kind == OFFICER and not (actor.is_officer and actor.office_id):
        return lambda: NotPermitted(
            gettext("Only customs officers can have a declaration %(past)s.") % {"past": move.past}
        )
    if kind == BANK and not (actor.is_bank and actor.bank_id):
        return lambda: NotPermitted(
            gettext("Only alliance bank staff can have a declaration %(past)s.")
            % {"past": move.past}
        )
    if kind == INSPECTOR and not actor.is_inspector:
        return lambda: NotPermitted(
            gettext(
                "Only officers of an inspection and quarantine agency can have a declaration "
                "%(past)s."
            )
            % {"past": move.past}
        )
    return None


def _move_refusal(
    declaration: Declaration, actor: Any, move: Move
) -> tuple[Transition | None, Refusal | None]:
    refusal = _role_refusal(actor, move)
    if refusal is not None:
        return None, refusal
    kind = MOVE_WHO[move.name]
    if kind == TRADER and actor.company_id != declaration.company_id:
        return None, lambda: NotPermitted(gettext("This declaration belongs to another company."))
    if kind == OFFICER and actor.office_id != declaration.office_id:
        return None, lambda: NotPermitted(
            gettext(
                "This declaration is lodged at customs office %(office)s; you can act only on "
                "your own office's declarations."
            )
            % {"office": declaration.office.code}
        )
    if (
        kind == INSPECTOR
        and declaration.inspection_agency_id
        and declaration.inspection_agency_id != actor.agency_id
    ):
        return None, lambda: NotPermitted(
            gettext(
                "The goods of this declaration are inspected by another agency; you can record "
                "results only of your own agency's inspections."
            )
        )
    transition = TRANSITIONS.get((declaration.status, move.name))
    if transition is None:
        return None, lambda: TransitionError(_wrong_status(declaration, actor, move))
    if transition.who == ASSIGNED and declaration.assigned_officer_id != actor.pk:
        return None, lambda: TransitionError(
            gettext(
                "This declaration is under review by another officer; only the officer who took "
                "it can have it %(past)s."
            )
            % {"past": move.past}
        )
    if transition.lanes is not None and declaration.lane not in transition.lanes:
        return None, lambda: TransitionError(_wrong_lane(declaration, move, transition))
    if move.inspections is not None and declaration.inspection_status not in move.inspections:
        return None, lambda: TransitionError(_wrong_inspection(declaration, move))
    return transition, None


def check_role(actor: Any, move_name: str) -> Move:
    """Refuse (NotPermitted) an actor whose role or organisation may never make this move.

    The part of the permission check that needs no declaration: the API asks it before reading
    the request, the pages before showing a form; ``check_move`` asks it first.
    """
    move = _move_named(move_name)
    refusal = _role_refusal(actor, move)
    if refusal is not None:
        raise refusal()
    return move


def check_move(declaration: Declaration, actor: Any, move_name: str) -> Transition:
    """Return the transition for this move, or raise TransitionError saying why it is refused.

    ``actor`` is a user, or a system actor (``system:<component>``) for the moves eport makes
    itself. Refusals of the person (role, company, office) are ``NotPermitted``.
    """
    transition, refusal = _move_refusal(declaration, actor, _move_named(move_name))
    if refusal is not None:
        raise refusal()
    return transition


def _wrong_status(declaration: Declaration, actor: Any, move: Move) -> str:
    if (
        move.name == "take"
        and declaration.assigned_officer_id
        and declaration.status in (Status.UNDER_REVIEW, Status.QUERY, Status.INSPECTION)
    ):
        if declaration.assigned_officer_id == getattr(actor, "pk", None):
            return gettext("You are already reviewing this declaration.")
        return gettext(
            "This declaration is already under review by another officer; reload to see its "
            "current state."
        )
    phrase = _STATUS_PHRASES.get(declaration.status, declaration.status)
    return gettext(
        "This declaration is %(state)s, so it cannot be %(past)s. Reload to see its current state."
    ) % {"state": phrase, "past": move.past}


def _wrong_lane(declaration: Declaration, move: Move, transition: Transition) -> str:
    if move.name in ("take", "release") and declaration.lane == Lane.GREEN:
        return gettext(
            "Green-lane declarations are assessed and released by eport itself; there is nothing "
            "for an officer to do here (it cannot be %(past)s by hand)."
        ) % {"past": move.past}
    return gettext(
        "Only %(lanes)s-lane declarations can be %(past)s; this one is in the %(lane)s lane."
    ) % {
        "lanes": _lane_words(sorted(transition.lanes)),
        "past": move.past,
        "lane": _lane_words([declaration.lane]) if declaration.lane else gettext("no"),
    }


def _wrong_inspection(declaration: Declaration, move: Move) -> str:
    status = declaration.inspection_status
    if move.inspections == _WAITING_FOR_INSPECTION:  # the inspection agency's own moves
        if status == Inspection.PASSED:
            return gettext(
                "The goods of this declaration already passed inspection and quarantine "
                "(certificate %(certificate)s); the result is recorded."
            ) % {"certificate": declaration.inspection_certificate}
        if status == Inspection.FAILED:
            return gettext(
                "The goods of this declaration already failed inspection and quarantine; the "
                "result is recorded."
            )
        return gettext("No goods of this declaration wait for inspection and quarantine.")
    agency = declaration.inspection_agency.name if declaration.inspection_agency_id else ""
    if status == Inspection.FAILED:
        return gettext(
            "The goods failed inspection and quarantine by %(agency)s (%(reason)s); they cannot "
            "be %(past)s."
        ) % {"agency": agency, "reason": declaration.inspection_reason, "past": move.past}
    return gettext(
        "The goods wait for inspection and quarantine by %(agency)s; they can be %(past)s once "
        "it has passed them."
    ) % {"agency": agency, "past": move.past}


def _lane_words(lanes: list[str]) -> str:
    """Lanes as a phrase: "red", "red or yellow" (in the current language)."""
    words = [str(Lane(lane).label).lower() if lane in Lane.values else lane for lane in lanes]
    if len(words) == 2:
        return gettext("%(first)s or %(second)s") % {"first": words[0], "second": words[1]}
    return " or ".join(words)


def can(declaration: Declaration, actor: Any, move_name: str) -> bool:
    """Whether ``check_move`` would allow this move (without wording its refusal)."""
    return _move_refusal(declaration, actor, _move_named(move_name))[1] is None


def allowed_moves(declaration: Declaration, user: Any) -> list[Move]:
    """The moves this user may make on this declaration now, in a stable order."""
    return [
        move
        for move in MOVES.values()
        if move.offered and _move_refusal(declaration, user, move)[1] is None
    ]
