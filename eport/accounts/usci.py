"""Unified Social Credit Identifier (GB 32100-2015) validation."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The 31 characters of the code set: digits and capital letters without I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def usci_check_character(first17: str) -> str:
    """The check character for the first 17 characters (ISO 7064 MOD 31-3 as GB 32100 defines)."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def validate_usci(value: str) -> None:
    """Raise ValidationError saying exactly what is wrong with a USCI."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(
            _("A USCI has exactly 18 characters; this one has %(length)s."),
            code="usci_length",
            params={"length": len(value) if isinstance(value, str) else 0},
        )
    bad = [char for char in value if char not in ALPHABET]
    if bad:
        raise ValidationError(
            _(
                "A USCI uses digits and capital letters except I, O, Z, S and V; "
                "%(bad)r is not allowed."
            ),
            code="usci_character",
            params={"bad": bad[0]},
        )
    expected = usci_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _(
                "The USCI check character is wrong: for %(first17)s it should be %(expected)s, "
                "not %(found)s. Check the number for a typing mistake."
            ),
            code="usci_check",
            params={"first17": value[:17], "expected": expected, "found": value[17]},
        )
