"""What people are told about: each kind once, with who may receive it and its e-mail default.

A notification keeps its message as the English msgid and its parameters, so it is said in the
language of whoever reads it (the page's, or the recipient's for an e-mail); the msgids are
marked here with ``gettext_noop`` for the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

TRADER, OFFICER, BANK, AGENCY = "trader", "officer", "bank", "agency"
# The kinds of agency (eport.accounts.models.Agency.Kind) whose officers an agency kind is for.
LICENSING, INSPECTION = "licensing", "inspection"


class Kind(models.TextChoices):
    QUERY_RAISED = "query_raised", _("A query on one of your declarations")
    INSPECTION_ORDERED = "inspection_ordered", _("A physical inspection ordered")
    ASSESSED = "assessed", _("An assessment with a bill to pay")
    RELEASED = "released", _("Goods released")
    REJECTED = "rejected", _("A declaration rejected")
    QUERY_ANSWERED = "query_answered", _("A trader's answer to your query")
    DIGEST = "digest", _("A daily digest of declarations waiting in your office")
    PRESENTED = "presented", _("A declaration presented to your bank")
    PAYMENT_AWAITING = "payment_awaiting", _("A payment waiting for your bank's confirmation")
    AGREEMENT_AWAITING = "agreement_awaiting", _("A payment agreement waiting for your bank")
    LICENCE_QUERIED = "licence_queried", _("A query on one of your licence applications")
    LICENCE_APPROVED = "licence_approved", _("A licence granted")
    LICENCE_REFUSED = "licence_refused", _("A licence application refused")
    INSPECTION_PASSED = "inspection_passed", _("Goods passed inspection and quarantine")
    INSPECTION_FAILED = "inspection_failed", _("Goods failed inspection and quarantine")
    LICENCE_APPLIED = "licence_applied", _("A new licence application to your agency")
    LICENCE_ANSWERED = "licence_answered", _("An applicant's answer to your agency's query")
    INSPECTION_WAITING = (
        "inspection_waiting",
        _("A declaration waiting for your agency's inspection"),
    )


@dataclass(frozen=True)
class KindRule:
    role: str  # who may receive it (and choose its e-mail)
    email: bool  # whether it is e-mailed unless the person says otherwise
    agency: str = ""  # for agency officers: the kind of agency whose officers receive it


RULES: dict[str, KindRule] = {
    Kind.QUERY_RAISED: KindRule(TRADER, email=True),
    Kind.INSPECTION_ORDERED: KindRule(TRADER, email=True),
    Kind.ASSESSED: KindRule(TRADER, email=True),
    Kind.RELEASED: KindRule(TRADER, email=True),
    Kind.REJECTED: KindRule(TRADER, email=True),
    Kind.QUERY_ANSWERED: KindRule(OFFICER, email=True),
    # Only officers who choose it get the digest (in the app and by e-mail).
    Kind.DIGEST: KindRule(OFFICER, email=False),
    Kind.PRESENTED: KindRule(BANK, email=True),
    Kind.PAYMENT_AWAITING: KindRule(BANK, email=True),
    Kind.AGREEMENT_AWAITING: KindRule(BANK, email=True),
    Kind.LICENCE_QUERIED: KindRule(TRADER, email=True),
    Kind.LICENCE_APPROVED: KindRule(TRADER, email=True),
    Kind.LICENCE_REFUSED: KindRule(TRADER, email=True),
    Kind.INSPECTION_PASSED: KindRule(TRADER, email=True),
    Kind.INSPECTION_FAILED: KindRule(TRADER, email=True),
    Kind.LICENCE_APPLIED: KindRule(AGENCY, email=True, agency=LICENSING),
    Kind.LICENCE_ANSWERED: KindRule(AGENCY, email=True, agency=LICENSING),
    Kind.INSPECTION_WAITING: KindRule(AGENCY, email=True, agency=INSPECTION),
}


def kinds_for(user) -> list[str]:
    """The kinds this person may receive, in the order the preferences page lists them."""
    role = getattr(user, "role", "")
    agency = user.agency.kind if role == AGENCY and getattr(user, "agency_id", None) else ""
    return [
        kind
        for kind in Kind.values
        if RULES[kind].role == role and RULES[kind].agency in ("", agency)
    ]


# The messages, as msgids (params in %(name)s); "amount" is a CNY amount shown with the
# reader's separators.
QUERY_RAISED = gettext_noop("Customs raised a query on declaration %(number)s: %(question)s")
INSPECTION_ORDERED = gettext_noop(
    "Customs ordered a physical inspection of the goods of declaration %(number)s."
)
ASSESSED = gettext_noop(
    "Declaration %(number)s is assessed: %(amount)s CNY of duty and VAT to pay."
)
RELEASED = gettext_noop("Declaration %(number)s is released: the goods may leave customs.")
REJECTED = gettext_noop("Customs rejected declaration %(number)s: %(reason)s")
QUERY_ANSWERED = gettext_noop(
    "The trader answered your query on declaration %(number)s and resubmitted it."
)
DIGEST = gettext_noop(
    "Declarations waiting in your office for more than %(hours)s hours: %(count)s."
)
PRESENTED = gettext_noop("%(company)s presented declaration %(number)s to your bank.")
PAYMENT_AWAITING = gettext_noop(
    "%(company)s asks your bank to pay bill %(bill)s: %(amount)s CNY from account %(account)s."
)
AGREEMENT_AWAITING = gettext_noop(
    "%(company)s asks your bank to confirm a payment agreement for account %(account)s."
)
LICENCE_QUERIED = gettext_noop(
    "%(agency)s raised a query on your licence application for %(goods)s: %(question)s"
)
LICENCE_APPROVED = gettext_noop(
    "%(agency)s granted licence %(number)s for %(goods)s, valid from %(valid_from)s to "
    "%(valid_until)s."
)
LICENCE_REFUSED = gettext_noop(
    "%(agency)s refused your licence application for %(goods)s: %(reason)s"
)
INSPECTION_PASSED = gettext_noop(
    "%(agency)s passed the goods of declaration %(number)s at inspection and quarantine: "
    "certificate %(certificate)s."
)
INSPECTION_FAILED = gettext_noop(
    "%(agency)s failed the goods of declaration %(number)s at inspection and quarantine: %(reason)s"
)
# An application's message says its flow in words of the reader's language: one msgid per flow.
LICENCE_APPLIED = {
    "import": gettext_noop(
        "%(company)s applied for an import licence for %(goods)s (HS %(hs_code)s)."
    ),
    "export": gettext_noop(
        "%(company)s applied for an export licence for %(goods)s (HS %(hs_code)s)."
    ),
}
LICENCE_ANSWERED = gettext_noop(
    "%(company)s answered the query on its licence application for %(goods)s."
)
INSPECTION_WAITING = gettext_noop(
    "Declaration %(number)s of %(company)s waits for your inspection and quarantine."
)
