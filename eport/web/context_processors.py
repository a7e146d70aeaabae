"""What every page needs: the navigation for the signed-in person's role, and the words the
page's scripts show, in the page's language."""

from django.urls import reverse
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
    declarations = reverse("declarations:list")
    links = []
    tokens = (_("API tokens"), reverse("api_tokens:list"))
    if user.is_trader:
        links = [
            (_("Declarations"), declarations),
            (_("New declaration"), reverse("declarations:new")),
            (_("Duties and taxes"), reverse("payments:overview")),
            tokens,
        ]
    elif user.is_officer:
        links = [
            (_("Work queue"), declarations),
            (_("Duties and taxes"), reverse("payments:overview")),
            tokens,
        ]
    elif user.is_auditor:
        links = [
            (_("Declarations"), declarations),
            (_("Duties and taxes"), reverse("payments:overview")),
            (_("Audit"), reverse("audit:workspace")),
            (_("Ledger"), reverse("audit:ledger")),
            (_("Verify"), reverse("audit:verify")),
        ]
    elif user.is_bank:
        links = [
            (_("Presented declarations"), reverse("banks:workspace")),
            (_("Payments"), reverse("payments:bank")),
            (_("Batch check"), reverse("banks:check")),
            (_("Verify"), reverse("audit:verify")),
            tokens,
        ]
    # The link whose URL is the longest prefix of the current path is the current one.
    path = request.path
    matching = [url for _label, url in links if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    # The person's own account, beside their name, whatever the role (a role without a second
    # factor reads there that it needs none).
    security = reverse("accounts:security")
    return {
        "nav_links": [
            {"label": label, "url": url, "current": url == current} for label, url in links
        ],
        "account_links": [
            {"label": _("Sign-in security"), "url": security, "current": path == security}
        ],
    }
