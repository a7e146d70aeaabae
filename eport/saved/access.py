"""Who may keep a company's saved parties and goods lines: whoever may file its declarations."""

from __future__ import annotations

from django.utils.translation import gettext as _

from eport.declarations import lifecycle
from eport.declarations.errors import NotPermitted


def check_may_keep(user) -> None:
    """Refuse (NotPermitted) anyone who may not file drafts for a company (officers, auditors)."""
    lifecycle.check_role(user, "edit")


def may_keep(user) -> bool:
    try:
        check_may_keep(user)
    except NotPermitted:
        return False
    return True


def check_may_change(user, saved) -> None:
    """Refuse (NotPermitted) a change to a saved party or goods line of another company."""
    check_may_keep(user)
    if saved.company_id != user.company_id:
        raise NotPermitted(_("This belongs to another company."))
