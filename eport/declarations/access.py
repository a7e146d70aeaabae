"""Who may read a ledger entry's bytes (EPORT_LEDGER_ENTRY_ACCESS, spec section 6).

Auditors and customs officers read every entry. A trader reads the entries about its own company's
declarations (documents are recorded under their declaration's subject), its company's licences,
its company and itself; never customs' internal notes and post-clearance picks, which have
subjects of their own. An agency officer reads the entries about the declarations and licences
that concern the agency (``selectors.declarations_for``, ``licensing.selectors.licences_for``),
its agency and itself.

Below: who may add customs' internal records (notes, post-clearance picks) to a declaration.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext

from eport.licensing.selectors import licences_for

from . import lifecycle
from .errors import NotPermitted
from .selectors import declarations_for


def may_see_entry(user, entry) -> bool:
    """True when ``user`` may read this ledger entry."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_auditor or user.is_officer:
        return True
    trader = bool(user.is_trader and user.company_id)
    agency_officer = bool(user.is_agency and user.agency_id)
    if not (trader or agency_officer):
        return False
    kind, _, identifier = entry.subject.partition(":")
    if kind in ("declaration", "licence"):
        try:
            key = uuid.UUID(identifier)
        except ValueError:
            return False
        visible = declarations_for(user) if kind == "declaration" else licences_for(user)
        return visible.filter(uuid=key).exists()
    if kind == "user":
        return identifier == str(user.pk)
    if kind == "company":
        return trader and identifier == user.company.usci
    if kind == "agency":
        return agency_officer and identifier == user.agency.code
    return False


# --- Customs' internal work on a declaration: notes and post-clearance picks ---------------------
# The caller has already found the declaration through ``selectors`` (so it is visible); who may
# read these records is ``selectors.may_see_internal``; these say who may add to them.


def may_write_internal(user, declaration) -> bool:
    """Adding a note or a pick: the officers of the declaration's office (auditors only read)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_officer
        and user.office_id
        and user.office_id == declaration.office_id
    )


def post_clearance_refusal(user, declaration) -> str | None:
    """Why this person may not pick this declaration for post-clearance review, or None."""
    if not may_write_internal(user, declaration):
        return gettext(
            "Only the officers of the declaration's customs office can pick it for "
            "post-clearance review."
        )
    if declaration.status != declaration.Status.RELEASED:
        return gettext(
            "Only released declarations can be picked for post-clearance review; this one is "
            "not released yet."
        )
    if declaration.lane != declaration.Lane.GREEN:
        return gettext(
            "Only green-lane declarations are picked for post-clearance review; this one was "
            "already reviewed by an officer before release."
        )
    return None


def check_copy(user, declaration) -> None:
    """Refuse (NotPermitted) unless ``user`` may file a copy of ``declaration`` as a new draft.

    A copy is a new filing of the declaration's own company, in any status of the original:
    whoever may file that company's drafts may copy its declarations.
    """
    lifecycle.check_role(user, "edit")
    if user.company_id != declaration.company_id:
        raise NotPermitted(gettext("This declaration belongs to another company."))


def may_copy(user, declaration) -> bool:
    """True when ``user`` may copy ``declaration`` as a new draft (``check_copy``)."""
    try:
        check_copy(user, declaration)
    except NotPermitted:
        return False
    return True
