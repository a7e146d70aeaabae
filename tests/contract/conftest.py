"""The API as an outside integrator meets it: over real HTTP, against the app served by
pytest-django's live server on the test database, with objects made through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from eport.api.tokens import create_token
from eport.payments import services as payment_services
from tests.banks import factories as bf
from tests.declarations import factories as f
from tests.declarations.conftest import media_root  # noqa: F401
from tests.payments import factories as pf

ICBC = "ICBKCNBJSHI"
ACCOUNT = "6222021001000000001"


# What the runs found, shown at the end of the session whether they passed or not: the numbers
# the contract is quoted by (schemathesis's counts per role, the generator's output).
FINDINGS: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if FINDINGS:
        terminalreporter.write_sep("=", "the API's contract, from outside")
        for text in FINDINGS:
            terminalreporter.write_line(text)


@pytest.fixture
def contract_summary():
    """Lines for the session's closing summary (see ``pytest_terminal_summary``)."""
    return FINDINGS


@pytest.fixture(autouse=True)
def own_throttle_window(settings):
    # The runs below make thousands of requests with one token each; the limit is not under test.
    settings.EPORT_API_RATE = "1000000/minute"


@dataclass
class Party:
    """A person as an integrator's system knows them: a bearer token."""

    user: object
    token: str

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"


def party(user, name: str) -> Party:
    _, secret = create_token(actor=user, name=name)
    return Party(user=user, token=secret)


@dataclass
class World:
    base_url: str
    trader: Party
    officer: Party
    bank: Party
    objects: dict[str, dict[str, str]] = field(default_factory=dict)


@pytest.fixture
def people(postgresql, live_server):
    """A trader's company, a customs office with an officer, a bank with staff, each with a token;
    the lane rules (origin VN yellow, KP red). ``postgresql`` makes the run promise PostgreSQL."""
    f.load_reference_rows()
    f.lane_rules()
    shanghai = f.office("2201", "Shanghai Customs District")
    alpha = f.company("91310000MA1FL0000", "Alpha Trading Co., Ltd.")
    icbc = bf.bank(ICBC, "Industrial and Commercial Bank of China, Shanghai")
    trader = f.user("trader", "trader", company=alpha)
    officer = f.user("officer", "officer", office=shanghai)
    banker = f.user("banker", "bank", bank=icbc)
    return World(
        base_url=live_server.url,
        trader=party(trader, "integrator (trader)"),
        officer=party(officer, "integrator (officer)"),
        bank=party(banker, "integrator (bank)"),
    )


def objects(people, role: str, account: str) -> dict[str, str]:
    """One object of every kind a path can name, of the trader's company, for one role's run: a
    draft with its invoice, a submitted (yellow) declaration, an assessed one with its bill, a
    payment agreement in force with an instruction waiting on it, a guarantee, and a released
    declaration presented to the bank with the bank's financing."""
    trader, officer, banker = people.trader.user, people.officer.user, people.bank.user
    tag = f"CONTRACT-{role.upper()}"
    draft = f.draft(trader, lrn=f"{tag}-DRAFT", items=[f.item(origin_country="VN")])
    document = f.attach(draft, trader, "380")
    submitted = f.submitted(trader, "yellow", lrn=f"{tag}-SUBMITTED")
    bill = pf.assessed(trader, lrn=f"{tag}-ASSESSED")
    agreement = pf.agreement(trader, banker, account=account)
    instruction = payment_services.instruct_payment(bill=bill, actor=trader, agreement=agreement)
    guarantee = pf.guarantee(banker, trader.company, reference=f"{tag}-G")
    released = bf.released(trader, officer, lrn=f"{tag}-RELEASED")
    presentation, financing = bf.presented_and_financed(
        released, trader, banker, bank_reference=f"{tag}-F"
    )
    return {
        # A trader's moves meet its draft; an officer's the submitted declaration.
        "DECLARATION": str(draft.uuid if role == "trader" else submitted.uuid),
        "DOCUMENT": str(document.uuid),
        "ASSESSED": str(bill.declaration.uuid),
        "BILL": str(bill.uuid),
        "AGREEMENT": str(agreement.uuid),
        "PAYMENT": str(instruction.uuid),
        "GUARANTEE": str(guarantee.uuid),
        "RELEASED": str(released.uuid),
        "PRESENTATION": str(presentation.uuid),
        "FINANCING": str(financing.uuid),
        "VALUE_DATE": date.today().isoformat(),
        # The HS subheadings the test's nomenclature holds (see schemathesis_hooks.py).
        "SUBHEADINGS": ",".join(sorted(f.SUBHEADINGS)),
    }


@pytest.fixture
def world(people):
    """``people`` with a set of objects for each role's run (see ``objects``): the runs go on at
    the same time and each changes its own."""
    people.objects = {
        "trader": objects(people, "trader", ACCOUNT),
        "officer": objects(people, "officer", "6222021001000000003"),
    }
    return people
