"""What every page's header needs: the navigation for the signed-in person's role."""

from django.urls import NoReverseMatch, reverse


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def navigation(request) -> dict:
    """Navigation links for the header, chosen by role; empty for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    declarations = _url("declarations:list", "/declarations/")
    links = []
    tokens = ("API tokens", _url("api_tokens:list", "/account/tokens/"))
    if user.is_trader:
        links = [
            ("Declarations", declarations),
            ("New declaration", _url("declarations:new", "/declarations/new/")),
            tokens,
        ]
    elif user.is_officer:
        links = [("Work queue", declarations), tokens]
    elif user.is_auditor:
        links = [
            ("Declarations", declarations),
            ("Audit", _url("audit:workspace", "/audit/")),
            ("Ledger", _url("audit:ledger", "/audit/ledger/")),
            ("Verify", _url("audit:verify", "/verify/")),
        ]
    # The link whose URL is the longest prefix of the current path is the current one.
    path = request.path
    matching = [url for _, url in links if path.startswith(url)]
    current = max(matching, key=len) if matching else None
    return {
        "nav_links": [
            {"label": label, "url": url, "current": url == current} for label, url in links
        ]
    }
