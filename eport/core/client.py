"""The address a request came from, for sign-in lockouts and rate limits.

Behind the TLS proxy the README prescribes, ``REMOTE_ADDR`` is the proxy's own address: keyed on
it, one client's failed sign-ins would lock everyone out. ``EPORT_TRUSTED_PROXIES`` says how many
proxies of ours stand in front of the app; each appends the address it received the request from
to ``X-Forwarded-For``, so the client is that many hops from the right. Anything further left was
written by the client and is never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with trusted proxies the hop before them; None
    when the request carries no address at all (one made inside the app, not by a client)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.EPORT_TRUSTED_PROXIES
    if not proxies or remote is None:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()] + [remote]
    address = chain[max(0, len(chain) - 1 - proxies)]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:  # a proxy that wrote no address, or garbage: the nearest we can vouch for
        return remote
