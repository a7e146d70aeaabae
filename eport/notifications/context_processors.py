"""The header's bell: the signed-in person's unread count, counted only if a page shows it."""

import logging
from functools import cache

from django.db import DatabaseError

from . import selectors

logger = logging.getLogger(__name__)


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Templates call a callable variable when they use it: one COUNT, at most, per page.
    @cache
    def notifications_unread() -> int | None:
        try:
            return selectors.unread_count(user)
        except DatabaseError as error:  # the page (an error page, perhaps) shows no count
            logger.warning("unread notifications not counted: %s", error)
            return None

    return {"notifications_unread": notifications_unread}
