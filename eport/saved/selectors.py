"""What each person may see of saved parties and goods lines: their own company's, nothing else."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import access
from .models import SavedGoodsLine, SavedParty


def parties_for(user, *, role: str | None = None) -> QuerySet[SavedParty]:
    """The saved parties of the user's company (none for anyone who does not file)."""
    if not access.may_keep(user):
        return SavedParty.objects.none()
    parties = SavedParty.objects.filter(company_id=user.company_id)
    return parties.filter(role=role) if role else parties


def goods_lines_for(user) -> QuerySet[SavedGoodsLine]:
    """The saved goods lines of the user's company (none for anyone who does not file)."""
    if not access.may_keep(user):
        return SavedGoodsLine.objects.none()
    return SavedGoodsLine.objects.filter(company_id=user.company_id)


def _one(queryset: QuerySet, uuid):
    try:
        key = uuid_module.UUID(str(uuid))
    except ValueError:
        raise Http404(_("Not found.")) from None
    found = queryset.filter(uuid=key).first()
    if found is None:
        raise Http404(_("Not found."))
    return found


def get_party_for(user, uuid) -> SavedParty:
    """One saved party of the user's company; Http404 for anything else."""
    return _one(parties_for(user), uuid)


def get_goods_line_for(user, uuid) -> SavedGoodsLine:
    """One saved goods line of the user's company; Http404 for anything else."""
    return _one(goods_lines_for(user), uuid)
