"""Who is told of what: the declaring company's traders, the querying officer, a bank's staff."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings

from eport.banks import services as banks
from eport.declarations import services
from eport.notifications.models import Notification
from eport.outbox.models import OutboxMessage
from eport.payments import services as payments
from tests.declarations import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


def told(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(kind=kind) if kind else rows)


def taken(people, lane="yellow", lrn="LRN-1"):
    declaration = f.submitted(people.trader, lane, lrn=lrn)
    return services.take_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )


def test_a_query_tells_every_trader_of_the_declaring_company_and_nobody_else(people):
    declaration = taken(people)

    services.raise_query(
        declaration=declaration,
        actor=people.officer,
        version=declaration.version,
        question="Send the certificate of origin.",
    )

    for trader in (people.trader, people.trader_b):
        [notification] = told(trader)
        assert notification.kind == "query_raised"
        assert notification.subject_uuid == declaration.uuid
        assert notification.text() == (
            f"Customs raised a query on declaration {declaration.number}: "
            "Send the certificate of origin."
        )
        assert notification.target() == f"/declarations/{declaration.uuid}/"
    assert told(people.trader2) == []  # another company
    assert told(people.officer) == [] and told(people.bank) == []


def test_the_answer_to_a_query_tells_the_officer_who_took_it(people):
    declaration = taken(people)
    declaration = services.raise_query(
        declaration=declaration, actor=people.officer, version=declaration.version, question="Q?"
    )

    services.amend_declaration(
        declaration=declaration,
        actor=people.trader,
        header=f.header(),
        items=[f.item(origin_country="VN")],
        answer="Attached.",
        version=declaration.version,
    )

    [notification] = told(people.officer)
    assert notification.kind == "query_answered"
    assert told(people.officer2) == []


def test_an_inspection_and_a_rejection_with_its_reason_tell_the_traders(people):
    declaration = taken(people, "red")
    declaration = services.order_inspection(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    services.reject_declaration(
        declaration=declaration,
        actor=people.officer,
        version=declaration.version,
        reason="Goods do not match the invoice.",
    )

    kinds = [n.kind for n in told(people.trader)]
    assert sorted(kinds) == ["inspection_ordered", "rejected"]
    [rejected] = told(people.trader, "rejected")
    assert rejected.text().endswith(": Goods do not match the invoice.")


def test_an_officers_assessment_tells_the_traders_the_bill_in_their_separators(people):
    declaration = taken(people)

    services.assess_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )

    [notification] = told(people.trader, "assessed")
    declaration.refresh_from_db()
    total = declaration.duty_total + declaration.vat_total
    assert total > Decimal("1000")
    assert notification.params["amount"] == f"{total:.2f}"
    assert f"{total:,.2f} CNY" in notification.text()


def test_a_green_lane_submission_assessed_at_once_tells_of_the_bill(people):
    declaration = f.submitted(people.trader, "green")

    [notification] = told(people.trader, "assessed")
    assert notification.subject_uuid == declaration.uuid
    assert told(people.officer) == []


def test_release_by_an_officer_and_a_green_lane_release_on_payment_tell_the_traders(people):
    bill = pf.assessed(people.trader)  # green: released as soon as it is paid
    payments.record_counter_payment(bill=bill, actor=people.officer, receipt_number="CR-1")
    assert len(told(people.trader, "released")) == 1

    declaration = taken(people, "yellow", lrn="LRN-2")
    declaration = services.assess_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    payments.record_counter_payment(
        bill=declaration.tax_bill, actor=people.officer, receipt_number="CR-2"
    )
    declaration.refresh_from_db()
    assert len(told(people.trader, "released")) == 1  # paid, not released yet
    services.release_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    assert len(told(people.trader, "released")) == 2


def test_moves_that_need_nobody_tell_nobody(people):
    declaration = f.ready(people.trader, lrn="LRN-0")
    services.cancel_declaration(
        declaration=declaration, actor=people.trader, version=declaration.version
    )
    taken(people)

    assert Notification.objects.count() == 0


def test_a_presentation_tells_the_staff_of_that_bank_only(people):
    from tests.banks import factories as bf

    declaration = bf.released(people.trader, people.officer)
    Notification.objects.all().delete()

    banks.present_declaration(declaration=declaration, actor=people.trader, bank=people.icbc)

    [notification] = told(people.bank)
    assert notification.kind == "presented"
    assert notification.text() == (
        f"Alpha Trading Co., Ltd. presented declaration {declaration.number} to your bank."
    )
    assert notification.target() == f"/bank/declarations/{declaration.uuid}/"
    assert told(people.bank2) == [] and told(people.trader) == []


def test_an_agreement_and_a_payment_waiting_for_a_bank_tell_its_staff(people):
    bill = pf.assessed(people.trader)
    asked = payments.request_agreement(
        actor=people.trader, bank=people.icbc, account_number="6222021001000000001"
    )
    [asked_note] = told(people.bank, "agreement_awaiting")
    assert "6222021001000000001" in asked_note.text()

    agreement = payments.confirm_agreement(
        agreement=asked, actor=people.bank, version=asked.version
    )
    assert len(told(people.bank)) == 1  # the bank's own confirmation waits for nobody

    payments.instruct_payment(bill=bill, actor=people.trader, agreement=agreement)
    [waiting] = told(people.bank, "payment_awaiting")
    assert bill.number in waiting.text()
    assert waiting.target() == "/bank/payments/"
    assert told(people.bank2) == []


def test_an_email_waits_in_the_outbox_for_each_recipient_who_wants_it(
    people, django_capture_on_commit_callbacks
):
    people.trader_b.email = ""
    people.trader_b.save(update_fields=["email"])
    declaration = taken(people)

    with django_capture_on_commit_callbacks() as callbacks:
        services.raise_query(
            declaration=declaration, actor=people.officer, version=declaration.version, question="?"
        )

    [to_trader] = told(people.trader)
    [message] = OutboxMessage.objects.filter(task="notifications.send_email")
    assert message.args == [to_trader.pk]  # trader_b has no address: in the app only
    assert callbacks  # sent after the commit
    assert mail.outbox == []  # nothing mailed inside the transaction


@override_settings(LANGUAGE_CODE="en")
def test_the_bell_count_costs_one_query_and_nothing_for_anonymous_visitors(
    people, client, django_assert_num_queries
):
    from django.test import RequestFactory

    from eport.notifications.context_processors import unread

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {}

    declaration = taken(people)
    services.raise_query(
        declaration=declaration, actor=people.officer, version=declaration.version, question="?"
    )
    request.user = people.trader
    context = unread(request)
    with django_assert_num_queries(1):
        assert context["notifications_unread"]() == 1
        assert context["notifications_unread"]() == 1


def test_a_later_move_on_a_released_declaration_does_not_tell_of_the_release_again(people):
    from eport.declarations.signals import moved
    from tests.banks import factories as bf

    declaration = bf.released(people.trader, people.officer)
    assert len(told(people.trader, "released")) == 1

    moved.send(
        sender=type(declaration),
        declaration=declaration,
        move="reassign",
        actor=people.officer,
        reason="",
    )

    assert len(told(people.trader, "released")) == 1
