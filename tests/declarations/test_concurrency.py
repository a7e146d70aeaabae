"""What only concurrent transactions on PostgreSQL can show: numbers and takes never collide."""

import pytest
from django.db import transaction

from eport.declarations import services
from eport.declarations.errors import DeclarationError, TransitionError
from eport.declarations.models import Declaration, NumberSequence
from eport.declarations.numbering import MAX_SEQUENCE, next_number
from ledger.models import Entry
from ledger.verify import verify_chain
from tests.concurrency import run_together

from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_concurrent_submissions_get_numbers_one_to_eight(postgresql, world):
    drafts = [f.ready(world.trader, lrn=f"CONC-{n}") for n in range(8)]

    def submitter(declaration):
        return lambda: (
            services.submit_declaration(
                declaration=declaration, actor=world.trader, version=declaration.version
            ).number
        )

    numbers = run_together([submitter(declaration) for declaration in drafts])

    assert all(isinstance(number, str) for number in numbers), numbers
    assert len(set(numbers)) == 8
    prefix = numbers[0][:9]
    assert all(number[:9] == prefix for number in numbers)
    assert sorted(int(number[9:]) for number in numbers) == list(range(1, 9))
    assert verify_chain().ok


def test_two_officers_taking_at_once_one_wins(postgresql, world):
    declaration = f.submitted(world.trader, "yellow")
    version = declaration.version

    def taker(officer):
        return lambda: services.take_declaration(
            declaration=declaration, actor=officer, version=version
        )

    results = run_together([taker(world.officer), taker(world.officer2)])

    winners = [result for result in results if isinstance(result, Declaration)]
    losers = [result for result in results if isinstance(result, TransitionError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "reload" in str(losers[0])
    assert (
        Entry.objects.filter(subject=declaration.ledger_subject, action="declaration.taken").count()
        == 1
    )
    declaration.refresh_from_db()
    assert declaration.assigned_officer_id == winners[0].assigned_officer_id


def test_a_rolled_back_submission_gives_its_number_back(world):
    first = f.ready(world.trader, lrn="A")
    second = f.ready(world.trader, lrn="B")

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        taken = f.submit(first, world.trader).number
        raise Abandon

    assert Declaration.objects.get(pk=first.pk).number is None
    assert f.submit(second, world.trader).number == taken


def test_numbers_follow_the_office_year_flow_sequence_format(world):
    with transaction.atomic():
        assert next_number(office_code="2201", year=2026, flow="export") == "220120260000000001"
        assert next_number(office_code="2201", year=2026, flow="export") == "220120260000000002"
        assert next_number(office_code="2201", year=2026, flow="import") == "220120261000000001"


def test_an_office_out_of_numbers_is_refused_and_its_counter_stays_at_the_maximum(world):
    NumberSequence.objects.create(office_code="2201", year=2026, flow_digit="1", last=MAX_SEQUENCE)

    with transaction.atomic(), pytest.raises(DeclarationError, match="used all 999,999,999"):
        next_number(office_code="2201", year=2026, flow="import")

    assert NumberSequence.objects.get(office_code="2201", year=2026).last == MAX_SEQUENCE


def test_the_first_number_of_a_year_creates_its_counter(world):
    with transaction.atomic():
        assert next_number(office_code="2201", year=2031, flow="import") == "220120311000000001"

    assert NumberSequence.objects.get(office_code="2201", year=2031, flow_digit="1").last == 1
