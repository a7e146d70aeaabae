"""Saved parties and goods lines: checked as the declaration checks them, per company, ledgered."""

import pytest
from django.core.exceptions import ValidationError

from eport.declarations.errors import NotPermitted
from eport.saved import selectors, services
from eport.saved.models import SavedGoodsLine, SavedParty
from ledger.models import Entry
from tests.declarations import factories as f


def test_a_party_is_saved_normalised_and_ledgered(world):
    party = services.save_party(
        actor=world.trader, role="consignor", name=" Hamburg Exports GmbH ", country="de"
    )

    assert (party.name, party.country, party.party_id) == ("Hamburg Exports GmbH", "DE", "")
    assert party.company == world.alpha
    entry = Entry.objects.get(subject=party.ledger_subject)
    assert entry.action == "saved_party.created"
    assert entry.data["changed"]["name"] == "Hamburg Exports GmbH"


def test_a_chinese_party_needs_a_valid_usci_as_in_the_declaration(world):
    with pytest.raises(ValidationError) as refused:
        services.save_party(
            actor=world.trader,
            role="consignee",
            name="Alpha Trading",
            country="CN",
            party_id="91310000MA1FL00000",
        )

    assert set(refused.value.message_dict) == {"party_id"}
    assert "check character" in " ".join(refused.value.message_dict["party_id"]).lower()
    assert not SavedParty.objects.exists()


def test_a_chinese_party_with_its_usci_is_saved(world):
    usci = f.usci("91310000MA1FL0000")

    party = services.save_party(
        actor=world.trader, role="consignee", name="Alpha", country="CN", party_id=usci
    )

    assert party.party_id == usci


def test_every_problem_of_a_party_is_named_by_its_field(world):
    with pytest.raises(ValidationError) as refused:
        services.save_party(actor=world.trader, role="consignor", name="", country="XX")

    problems = refused.value.message_dict
    assert set(problems) == {"name", "country"}
    assert "Enter the consignor's name." in problems["name"]


def test_a_goods_line_is_checked_as_a_declarations_item(world):
    with pytest.raises(ValidationError) as refused:
        services.save_goods_line(
            actor=world.trader,
            hs_code="9999990000",
            description="",
            origin_country="DE",
            unit="XYZ",
        )

    assert set(refused.value.message_dict) == {"hs_code", "description", "unit"}
    assert not SavedGoodsLine.objects.exists()


def test_a_goods_line_is_saved_with_its_code_normalised(world):
    line = services.save_goods_line(
        actor=world.trader,
        hs_code="8471.30.0000",
        description="Laptops",
        origin_country="cn",
        unit="pce",
    )

    assert (line.hs_code, line.origin_country, line.unit) == ("8471300000", "CN", "PCE")
    assert Entry.objects.get(subject=line.ledger_subject).action == "saved_goods_line.created"


def test_the_same_party_is_saved_once_per_company(world):
    services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")

    with pytest.raises(ValidationError) as refused:
        services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")
    other = services.save_party(actor=world.trader2, role="consignor", name="Hamburg", country="DE")

    assert "already saved" in str(refused.value)
    assert other.company == world.beta


def test_a_change_is_checked_and_ledgered_and_a_bad_one_changes_nothing(world):
    party = services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")

    services.update_party(party=party, actor=world.trader, name="Hamburg GmbH", country="DE")
    with pytest.raises(ValidationError):
        services.update_party(party=party, actor=world.trader, name="Hamburg GmbH", country="ZZ")

    party.refresh_from_db()
    assert (party.name, party.country) == ("Hamburg GmbH", "DE")
    actions = list(
        Entry.objects.filter(subject=party.ledger_subject).values_list("action", flat=True)
    )
    assert actions == ["saved_party.created", "saved_party.updated"]


def test_deleting_is_ledgered(world):
    line = services.save_goods_line(
        actor=world.trader,
        hs_code="8471300000",
        description="Laptops",
        origin_country="CN",
        unit="PCE",
    )

    services.delete_goods_line(line=line, actor=world.trader)

    assert not SavedGoodsLine.objects.exists()
    assert Entry.objects.filter(subject=line.ledger_subject).last().action == (
        "saved_goods_line.deleted"
    )


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_only_traders_keep_saved_parties(world, who):
    with pytest.raises(NotPermitted):
        services.save_party(actor=getattr(world, who), role="consignor", name="X", country="DE")


def test_another_companys_saved_party_cannot_be_changed_or_seen(world):
    party = services.save_party(actor=world.trader, role="consignor", name="Hamburg", country="DE")

    with pytest.raises(NotPermitted):
        services.delete_party(party=party, actor=world.trader2)

    assert list(selectors.parties_for(world.trader2)) == []
    assert list(selectors.parties_for(world.trader)) == [party]
    assert list(selectors.parties_for(world.officer)) == []
