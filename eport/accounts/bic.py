"""Business Identifier Codes (ISO 9362, SWIFT BIC) and CNAPS bank codes."""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Party prefix (4), country (2 letters), location (2), and an optional branch (3).
BIC_PATTERN = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
CNAPS_PATTERN = re.compile(r"^[0-9]{12}$")


def bic_country(bic: str) -> str:
    """The ISO 3166-1 alpha-2 country a BIC names (its fifth and sixth characters)."""
    return bic[4:6]


def validate_bic(value: str) -> None:
    """Raise ValidationError saying exactly what is wrong with a BIC."""
    if not isinstance(value, str) or len(value) not in (8, 11):
        raise ValidationError(
            _("A BIC has 8 or 11 characters; this one has %(length)s."),
            code="bic_length",
            params={"length": len(value) if isinstance(value, str) else 0},
        )
    if not BIC_PATTERN.match(value):
        raise ValidationError(
            _(
                "A BIC is 4 letters or digits for the bank, 2 letters for its country, 2 letters "
                "or digits for its location and optionally 3 for the branch, in capitals; "
                "%(value)s is not."
            ),
            code="bic_format",
            params={"value": value},
        )
    country = bic_country(value)
    if pycountry.countries.get(alpha_2=country) is None:
        raise ValidationError(
            _("%(country)s in the BIC %(value)s is not an ISO 3166 country code."),
            code="bic_country",
            params={"country": country, "value": value},
        )


def validate_cnaps(value: str) -> None:
    """Raise ValidationError unless the CNAPS bank code is 12 digits."""
    if value and not CNAPS_PATTERN.match(value):
        raise ValidationError(
            _("A CNAPS bank code is exactly 12 digits; %(value)s is not."),
            code="cnaps_format",
            params={"value": value},
        )
