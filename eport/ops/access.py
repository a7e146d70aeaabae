"""Who may read /metrics: the operator's Prometheus, by address or by bearer token."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from eport.core.client import client_address


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """EPORT_METRICS_ALLOWED as networks; a clear error naming an entry that is not one."""
    networks = []
    for item in settings.EPORT_METRICS_ALLOWED:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"EPORT_METRICS_ALLOWED: {item!r} is not an IP address or network "
                "(use e.g. 127.0.0.1, ::1 or 10.0.0.0/8)."
            ) from None
    return networks


def may_read_metrics(request) -> bool:
    """True for the configured bearer token, or a client address in EPORT_METRICS_ALLOWED."""
    token = settings.EPORT_METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return True
    address = client_address(request)
    if address is None:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    if getattr(client, "ipv4_mapped", None):
        client = client.ipv4_mapped
    return any(client in network for network in allowed_networks())
