"""Reads about people and organisations that other apps show: actors' names, agencies' duties."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from eport.core.actors import is_system, system_label

from .models import Agency, CustomsOffice, User


def actor_names(actors: Iterable[str]) -> dict[str, str]:
    """Each ledger actor in words: a person's name (or username), a component's display name."""
    actors = set(actors)
    ids = [int(actor[5:]) for actor in actors if actor.startswith("user:") and actor[5:].isdigit()]
    users = User.objects.filter(pk__in=ids).only("first_name", "last_name", "username")
    names = {f"user:{user.pk}": user.get_full_name() or user.username for user in users}
    return {
        actor: system_label(actor) if is_system(actor) else names.get(actor, actor)
        for actor in actors
    }


def inspection_agency_for(office: CustomsOffice | None) -> Agency | None:
    """The active inspection and quarantine agency that inspects goods cleared at ``office``.

    One agency serves every office for now (the one with the lowest code); this is the one place
    to change when agencies get their own districts. None when there is no active one.
    """
    return Agency.objects.filter(kind=Agency.Kind.INSPECTION, active=True).order_by("code").first()


def licensing_agencies() -> QuerySet[Agency]:
    """The active licensing agencies a trader may apply to, by code."""
    return Agency.objects.filter(kind=Agency.Kind.LICENSING, active=True).order_by("code")
