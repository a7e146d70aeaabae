"""``Authorization: Bearer <token>`` for systems; browsers keep their session (with CSRF)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import check_token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with an API token; ``request.auth`` is the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        if not raw or " " in raw:
            raise exceptions.AuthenticationFailed(
                _("Send the token as 'Authorization: Bearer eport_<prefix>_<secret>'.")
            )
        token, why = check_token(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(why)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="eport"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "eport.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token created under Account → API tokens: "
                "`Authorization: Bearer eport_<prefix>_<secret>`."
            ),
        }
