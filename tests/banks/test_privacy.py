"""Privacy between banks, object by object and surface by surface.

Six people (the bank a declaration is presented to, another bank, the declaring trader, another
trader, a customs officer, an auditor) ask for five kinds of object (a presented declaration, a
released declaration presented to no one, a bank's own financing, another bank's financing on a
declaration both banks see, a presentation) through the API, its receipts and the ledger's
entry endpoint. What one may not see answers as if it did not exist, and nothing a bank reads
carries another bank's deal: who, how many or how much.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from eport.api.tokens import create_token
from eport.banks import services
from eport.banks.models import Financing
from ledger import notary
from ledger.selectors import entries_about
from tests.declarations import factories as f
from tests.ledger.notary_support import ledger_keys  # noqa: F401 (fixture)

from . import factories as bf

PEOPLE = ("bank", "bank2", "trader", "trader2", "officer", "auditor")
OWN_AMOUNT = Decimal("321.09")  # bank's financing
OTHER_AMOUNT = Decimal("123.45")  # bank2's financing, on a declaration bank sees too
OTHER_REFERENCE = "BOC-SECRET-7"

_tokens = itertools.count()


@pytest.fixture(autouse=True)
def own_throttle_window(settings):
    settings.EPORT_API_RATE = "100000/minute"


def api(user) -> APIClient:
    client = APIClient()
    _, secret = create_token(actor=user, name=f"privacy client {next(_tokens)}")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finance(user, declaration, amount, reference):
    return services.register_financing(
        declaration=declaration,
        actor=user,
        instrument=Financing.Instrument.INVOICE,
        amount=amount,
        value_date=date(2026, 12, 1),
        maturity_date=date(2027, 3, 1),
        bank_reference=reference,
    )


class Scene:
    """The objects of the matrix, by name."""


@pytest.fixture
def scene(world, ledger_keys):  # noqa: F811
    s = Scene()
    s.presented = bf.released(world.trader, world.officer, lrn="P-1")
    s.presentation = services.present_declaration(
        declaration=s.presented, actor=world.trader, bank=world.icbc
    )
    s.unpresented = bf.released(world.trader, world.officer, lrn="U-1")
    s.shared = bf.released(world.trader, world.officer, lrn="S-1")
    for bank in (world.icbc, world.boc):
        services.present_declaration(declaration=s.shared, actor=world.trader, bank=bank)
    s.own = finance(world.bank, s.shared, OWN_AMOUNT, "ICBC-OWN-1")
    s.other = finance(world.bank2, s.shared, OTHER_AMOUNT, OTHER_REFERENCE)
    s.not_released = f.submitted(world.trader, "yellow", lrn="Y-1")
    s.elsewhere = bf.released(world.trader, world.officer, lrn="E-1")
    services.present_declaration(declaration=s.elsewhere, actor=world.trader, bank=world.boc)
    notary.notarize(cosign="inline")
    return s


def entry_seqs(subject: str) -> list[int]:
    return list(entries_about(subject).values_list("seq", flat=True))


# What each object may be read by, on each surface; everyone else gets a 404 -------------------

SURFACES = [
    ("presented declaration", "/api/v1/bank/declarations/{presented}/", {"bank"}),
    ("presented declaration's receipt", "/api/v1/bank/declarations/{presented}/receipt/", {"bank"}),
    ("unpresented declaration", "/api/v1/bank/declarations/{unpresented}/", set()),
    (
        "unpresented declaration's receipt",
        "/api/v1/bank/declarations/{unpresented}/receipt/",
        set(),
    ),
    ("own financing", "/api/v1/financings/{own}/", {"bank", "trader", "auditor"}),
    ("own financing's receipt", "/api/v1/financings/{own}/receipt/", {"bank", "trader", "auditor"}),
    ("another bank's financing", "/api/v1/financings/{other}/", {"bank2", "trader", "auditor"}),
    (
        "another bank's financing's receipt",
        "/api/v1/financings/{other}/receipt/",
        {"bank2", "trader", "auditor"},
    ),
    ("presentation", "/api/v1/presentations/{presentation}/", {"bank", "trader", "auditor"}),
    (
        "the declaration's presentations",
        "/api/v1/declarations/{presented}/presentations/",
        # The officer sees the declaration, and no presentation of it (checked below).
        {"trader", "auditor", "officer"},
    ),
]


@pytest.mark.parametrize(("name", "path", "readers"), SURFACES, ids=[s[0] for s in SURFACES])
def test_each_api_surface_answers_only_its_readers(world, scene, name, path, readers):
    url = path.format(
        presented=scene.presented.uuid,
        unpresented=scene.unpresented.uuid,
        own=scene.own.uuid,
        other=scene.other.uuid,
        presentation=scene.presentation.uuid,
    )
    answers = {who: api(getattr(world, who)).get(url).status_code for who in PEOPLE}

    assert answers == {who: 200 if who in readers else 404 for who in PEOPLE}


LEDGER = [
    ("own financing", lambda s: s.own.ledger_subject, {"bank", "trader", "auditor"}),
    ("another bank's financing", lambda s: s.other.ledger_subject, {"bank2", "trader", "auditor"}),
    ("presentation", lambda s: s.presentation.ledger_subject, {"bank", "trader", "auditor"}),
    (
        "presented declaration",
        lambda s: s.presented.ledger_subject,
        {"bank", "trader", "officer", "auditor"},
    ),
    (
        "unpresented declaration",
        lambda s: s.unpresented.ledger_subject,
        {"trader", "officer", "auditor"},
    ),
]


@pytest.mark.parametrize(("name", "subject", "readers"), LEDGER, ids=[x[0] for x in LEDGER])
def test_each_ledger_entry_is_read_only_by_its_readers(world, scene, name, subject, readers):
    seqs = entry_seqs(subject(scene))
    assert seqs
    clients = {who: browser(getattr(world, who)) for who in PEOPLE}

    for seq in seqs:
        answers = {
            who: client.get(f"/ledger/entries/{seq}").status_code for who, client in clients.items()
        }
        assert answers == {who: 200 if who in readers else 404 for who in PEOPLE}, seq


def test_the_lists_hold_only_what_each_may_see(world, scene):
    def financings(who):
        page = api(getattr(world, who)).get("/api/v1/financings/").json()
        return sorted(row["bank_reference"] for row in page["results"])

    def presented(who):
        page = api(getattr(world, who)).get("/api/v1/bank/declarations/").json()
        return sorted(row["number"] for row in page["results"])

    both = sorted(["ICBC-OWN-1", OTHER_REFERENCE])
    assert {who: financings(who) for who in PEOPLE} == {
        "bank": ["ICBC-OWN-1"],
        "bank2": [OTHER_REFERENCE],
        "trader": both,
        "trader2": [],
        "officer": [],
        "auditor": both,
    }
    assert {who: presented(who) for who in PEOPLE} == {
        "bank": sorted([scene.presented.number, scene.shared.number]),
        "bank2": sorted([scene.shared.number, scene.elsewhere.number]),
        "trader": [],
        "trader2": [],
        "officer": [],
        "auditor": [],
    }
    officer_view = api(world.officer).get(
        f"/api/v1/declarations/{scene.presented.uuid}/presentations/"
    )
    assert officer_view.json() == []


def test_nothing_a_bank_reads_carries_another_bank_s_deal(world, scene):
    bank = api(world.bank)
    reads = [
        bank.get("/api/v1/bank/declarations/"),
        bank.get(f"/api/v1/bank/declarations/{scene.shared.uuid}/"),
        bank.get(f"/api/v1/bank/declarations/{scene.shared.uuid}/receipt/"),
        bank.get("/api/v1/financings/"),
        bank.get(f"/api/v1/financings/{scene.own.uuid}/"),
        bank.get(f"/api/v1/financings/{scene.own.uuid}/receipt/"),
        bank.post("/api/v1/bank/check/", {"numbers": [scene.shared.number]}, format="json"),
    ]
    assert all(read.status_code == 200 for read in reads)
    ledger = browser(world.bank)
    for subject in (scene.own.ledger_subject, scene.shared.ledger_subject):
        reads += [ledger.get(f"/ledger/entries/{seq}") for seq in entry_seqs(subject)]
    shared = bank.get(f"/api/v1/bank/declarations/{scene.shared.uuid}/").json()
    assert Decimal(shared["financeable"]) == Decimal("1000.00") - OWN_AMOUNT - OTHER_AMOUNT

    secrets = [str(OTHER_AMOUNT), OTHER_REFERENCE, world.boc.bic, str(scene.other.uuid)]
    for read in reads:
        for secret in secrets:
            assert secret.encode() not in read.content, (read.request["PATH_INFO"], secret)


def test_another_bank_s_financing_answers_as_one_that_does_not_exist(world, scene):
    bank = api(world.bank)
    unknown = "00000000-0000-4000-8000-000000000000"
    for suffix in ("", "receipt/", "disburse/", "cancel/"):
        method = bank.post if suffix.endswith(("disburse/", "cancel/")) else bank.get
        body = {"version": 1} if method == bank.post else None
        theirs = method(f"/api/v1/financings/{scene.other.uuid}/{suffix}", body, format="json")
        nothing = method(f"/api/v1/financings/{unknown}/{suffix}", body, format="json")
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json()["detail"] == nothing.json()["detail"]
    assert Financing.objects.get(pk=scene.other.pk).version == 1


def test_the_batch_check_answers_alike_for_every_kind_of_unavailable(world, scene):
    bank = api(world.bank)
    numbers = {
        "does not exist": "310120269999999999",
        "not released": scene.not_released.number,
        "presented to no bank": scene.unpresented.number,
        "presented to another bank": scene.elsewhere.number,
    }
    assert all(len(number) == 18 for number in numbers.values())

    bodies = {}
    for case, number in numbers.items():
        answered = bank.post("/api/v1/bank/check/", {"numbers": [number]}, format="json")
        assert answered.status_code == 200
        bodies[case] = answered.content.replace(number.encode(), b"<number>")

    assert len(set(bodies.values())) == 1, bodies
    assert bodies["does not exist"] == b'{"answers":[{"number":"<number>","available":false}]}'
    together = bank.post(
        "/api/v1/bank/check/",
        {"numbers": [*numbers.values(), scene.presented.number]},
        format="json",
    ).json()["answers"]
    assert [answer["available"] for answer in together] == [False, False, False, False, True]
