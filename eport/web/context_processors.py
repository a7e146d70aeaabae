"""What every page's header needs: the navigation for the signed-in person's role."""

from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request) -> dict:
    """Navigation links for the header, chosen by role; empty for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
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
    return {
        "nav_links": [
            {"label": label, "url": url, "current": url == current} for label, url in links
        ]
    }
