"""Small builders for licence tests; each goes through the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from eport.accounts.models import Agency, User
from eport.licensing import services
from eport.licensing.models import Licence
from eport.reference import codes
from eport.reference.models import HsCode
from tests.accounts.factories import make_agency, make_user

# Subheadings the licences of these tests use: crude petroleum (an import licence on the
# illustrative controls list), computers and beef.
SUBHEADINGS = {
    "270900": "Petroleum oils and oils obtained from bituminous minerals, crude",
    "847130": "Portable automatic data-processing machines",
    "020130": "Meat of bovine animals, fresh or chilled, boneless",
}


def load_subheadings() -> None:
    """The HS 2022 subheadings an application is checked against (tests load no nomenclature)."""
    for code, description in SUBHEADINGS.items():
        HsCode.objects.get_or_create(
            code=code,
            defaults={"level": 6, "section": "V", "parent": code[:4], "description": description},
        )
    codes.clear_caches()


def licensing_agency(code: str = "SHCOM") -> Agency:
    return make_agency(Agency.Kind.LICENSING, code=code)


def licensing_officer(agency: Agency | None = None, **kwargs) -> User:
    """An agency officer of a licensing agency (SHCOM unless another is given)."""
    return make_user(User.Role.AGENCY, agency=agency or licensing_agency(), **kwargs)


def application(**overrides) -> dict:
    """The keyword arguments of an application for crude oil, valid from today for 180 days."""
    today = timezone.localdate()
    data = {
        "flow": Licence.Flow.IMPORT,
        "hs_code": "2709000000",
        "description": "Crude petroleum oil",
        "quantity": Decimal("1000.000"),
        "unit": "KGM",
        "value": Decimal("100000.00"),
        "currency": "USD",
        "counterparty_country": "SA",
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=180),
    }
    data.update(overrides)
    return data


def apply_licence(trader: User, **overrides) -> Licence:
    """An application of the trader's company (to SHCOM unless ``agency`` is given)."""
    load_subheadings()
    if "agency" not in overrides:
        overrides["agency"] = licensing_agency()
    return services.apply_for_licence(actor=trader, **application(**overrides))


def approved_licence(trader: User, officer: User | None = None, **overrides) -> Licence:
    """An approved licence of the trader's company, approved by ``officer`` (of its agency)."""
    licence = apply_licence(trader, **overrides)
    officer = officer or licensing_officer(licence.agency)
    return services.approve_licence(licence=licence, actor=officer, version=licence.version)
