"""Reads about people that other apps show: the names behind ledger actors."""

from __future__ import annotations

from collections.abc import Iterable

from eport.core.actors import is_system, system_label

from .models import User


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
