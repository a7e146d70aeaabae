"""What every page needs: the navigation for the signed-in person's role, and the words the
page's scripts show, in the page's language."""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def script_strings(request) -> dict:
    """The texts static/js writes into pages, translated; base.html hands them over as JSON."""
    return {
        "script_strings": {
            "item": gettext_lazy("Item"),
            "hs_type_more": gettext_lazy("Type at least 6 digits to see the subheading."),
            "hs_unknown": gettext_lazy("Unknown HS code."),
            "copied": gettext_lazy("Copied"),
            "waiting": gettext_lazy("Waiting for a worker…"),
            "lost_contact": gettext_lazy("Lost contact with the server; retrying…"),
        }
    }


def navigation(request) -> dict:
    """The header's links: the navigation chosen by role, and the person's own account links.

    Both are empty for anonymous visitors.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "account_links": []}
    urls = _urls(get_script_prefix(), get_urlconf())
    declarations = urls["declarations:list"]
    links = []
    tokens = (_("API tokens"), urls["api_tokens:list"])
    licences = urls["licensing:list"]
    if user.is_trader:
        links = [
            (_("Declarations"), declarations),
            (_("New declaration"), urls["declarations:new"]),
            (_("Licences"), licences),
            (_("Duties and taxes"), urls["payments:overview"]),
            tokens,
        ]
    elif user.is_officer:
        links = [
            (_("Work queue"), declarations),
            (_("Licences"), licences),
            (_("Duties and taxes"), urls["payments:overview"]),
            tokens,
        ]
    elif user.is_licensing_officer:
        links = [(_("Licence queue"), licences), tokens]
    elif user.is_inspector:
        links = [(_("Inspection queue"), urls["declarations:inspection_queue"]), tokens]
    elif user.is_auditor:
        links = [
            (_("Declarations"), declarations),
            (_("Licences"), licences),
            (_("Duties and taxes"), urls["payments:overview"]),
            (_("Audit"), urls["audit:workspace"]),
            (_("Ledger"), urls["audit:ledger"]),
            (_("Verify"), urls["audit:verify"]),
        ]
    elif user.is_bank:
        links = [
            (_("Presented declarations"), urls["banks:workspace"]),
            (_("Payments"), urls["payments:bank"]),
            (_("Batch check"), urls["banks:check"]),
            (_("Verify"), urls["audit:verify"]),
            tokens,
        ]
    # The link whose URL is the longest prefix of the current path is the current one.
    path = request.path
    matching = [url for _label, url in links if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    # The person's own account, beside their name, whatever the role (a role without a second
    # factor reads there that it needs none).
    security = urls["accounts:security"]
    return {
        "nav_links": [
            {"label": label, "url": url, "current": url == current} for label, url in links
        ],
        "account_links": [
            {"label": _("Sign-in security"), "url": security, "current": path == security}
        ],
    }


NAVIGATION_URLS = (
    "declarations:list",
    "declarations:new",
    "declarations:inspection_queue",
    "licensing:list",
    "api_tokens:list",
    "payments:overview",
    "payments:bank",
    "audit:workspace",
    "audit:ledger",
    "audit:verify",
    "banks:workspace",
    "banks:check",
    "accounts:security",
)


@functools.lru_cache(maxsize=16)
def _urls(prefix: str, urlconf) -> dict[str, str]:
    """The header's addresses, reversed once per script prefix and URLconf, not on every page."""
    return {name: reverse(name, urlconf=urlconf) for name in NAVIGATION_URLS}
