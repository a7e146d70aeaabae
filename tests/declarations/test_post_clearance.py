"""Picking a released green-lane declaration for post-clearance review: internal to customs."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from eport.declarations import selectors, services
from eport.declarations.errors import DeclarationError, NotPermitted
from eport.declarations.models import PostClearanceReview
from eport.payments import services as payments
from eport.payments.models import TaxBill
from ledger.models import Entry
from ledger.verify import verify_chain

from . import factories as f

REASON = "Unit value of the laptops is 30 % under the market price."


def released_green(world, lrn="PC-1"):
    declaration = f.submitted(world.trader, "green", lrn=lrn)
    bill = TaxBill.objects.get(declaration=declaration)
    payments.record_counter_payment(bill=bill, actor=world.officer, receipt_number=f"CR-{lrn}")
    declaration = f.fresh(declaration)
    assert (declaration.status, declaration.lane) == ("released", "green")
    return declaration


def pick_url(declaration) -> str:
    return reverse("declarations:post_clearance", args=[declaration.uuid])


def detail(declaration) -> str:
    return reverse("declarations:detail", args=[declaration.uuid])


def test_an_officer_picks_a_released_green_declaration_with_a_reason(client, world):
    declaration = released_green(world)
    client.force_login(world.officer)

    response = client.post(pick_url(declaration), {"reason": REASON})

    assert response.status_code == 302 and response["Location"].endswith("#post-clearance")
    review = PostClearanceReview.objects.get()
    assert (review.declaration, review.officer, review.reason) == (
        declaration,
        world.officer,
        REASON,
    )
    entry = Entry.objects.get(subject=review.ledger_subject)
    assert entry.action == "post_clearance.picked"
    assert entry.data["changed"] == {"reason": REASON}
    # Final stays final: still released, same version, nothing new about the declaration.
    after = f.fresh(declaration)
    assert (after.status, after.version) == ("released", declaration.version)
    assert verify_chain().ok


def test_the_pick_is_shown_to_officers_and_auditors_and_never_to_the_trader(client, world):
    declaration = released_green(world)
    services.pick_for_post_clearance(declaration=declaration, actor=world.officer, reason=REASON)

    pages = {}
    for who in (world.officer, world.auditor, world.trader):
        client.force_login(who)
        pages[who.username] = client.get(detail(declaration)).content.decode()
    api = APIClient()
    api.force_login(world.trader)
    body = api.get(f"/api/v1/declarations/{declaration.uuid}/").content.decode()

    assert REASON in pages["officer"] and "data-post-clearance" in pages["officer"]
    assert REASON in pages["auditor"]
    assert REASON not in pages["trader"] and "ost-clearance" not in pages["trader"]
    assert "ost-clearance" not in body and "ost_clearance" not in body
    assert all("post_clearance" not in row.action for row in selectors.timeline(declaration))
    assert selectors.post_clearance_for(world.trader, declaration) is None
    client.force_login(world.trader)
    assert client.post(pick_url(declaration), {"reason": "x"}).status_code == 404


def test_the_pick_form_is_offered_only_where_a_pick_is_allowed(client, world):
    green = released_green(world)
    waiting = f.submitted(world.trader, "yellow", lrn="PC-2")
    client.force_login(world.officer)

    assert pick_url(green) in client.get(detail(green)).content.decode()
    assert pick_url(waiting) not in client.get(detail(waiting)).content.decode()
    client.force_login(world.auditor)
    assert pick_url(green) not in client.get(detail(green)).content.decode()


def test_an_empty_reason_is_refused_with_a_clear_message_and_nothing_is_saved(client, world):
    declaration = released_green(world)
    client.force_login(world.officer)

    response = client.post(pick_url(declaration), {"reason": "  "})

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Reason: Give the reason for picking this declaration for review."
    ]
    assert not PostClearanceReview.objects.exists()
    with pytest.raises(ValidationError):
        services.pick_for_post_clearance(declaration=declaration, actor=world.officer, reason="")


def test_only_released_green_declarations_of_the_office_can_be_picked(world):
    released = released_green(world)
    waiting = f.submitted(world.trader, "yellow", lrn="PC-3")

    with pytest.raises(NotPermitted, match="not released yet"):
        services.pick_for_post_clearance(declaration=waiting, actor=world.officer, reason=REASON)
    with pytest.raises(NotPermitted, match="officers of the declaration's customs office"):
        services.pick_for_post_clearance(
            declaration=released, actor=world.beijing_officer, reason=REASON
        )
    with pytest.raises(NotPermitted):
        services.pick_for_post_clearance(declaration=released, actor=world.auditor, reason=REASON)
    assert not PostClearanceReview.objects.exists()


def test_a_declaration_reviewed_by_an_officer_before_release_is_not_picked(world):
    declaration = f.submitted(world.trader, "yellow")
    # Where the yellow path ends, after an officer's review, assessment, payment and release.
    type(declaration).objects.filter(pk=declaration.pk).update(status="released")

    with pytest.raises(NotPermitted, match="green-lane"):
        services.pick_for_post_clearance(
            declaration=declaration, actor=world.officer, reason=REASON
        )


def test_a_declaration_is_picked_once(world):
    declaration = released_green(world)
    services.pick_for_post_clearance(declaration=declaration, actor=world.officer, reason=REASON)

    # When, in the one format people read times in (with its zone).
    picked_before = r"already picked for post-clearance review on .* UTC\+8"
    with pytest.raises(DeclarationError, match=picked_before):
        services.pick_for_post_clearance(
            declaration=declaration, actor=world.officer2, reason="Again"
        )
    assert PostClearanceReview.objects.count() == 1


def test_the_picks_are_listed_for_the_office_and_auditors_and_for_no_one_else(client, world):
    ours = released_green(world, lrn="PC-L1")
    services.pick_for_post_clearance(declaration=ours, actor=world.officer, reason=REASON)
    beijing_officer2 = f.user("bj_officer2", "officer", office=world.beijing)
    theirs = f.submitted(world.trader, "green", lrn="PC-L2", office_code="0101")
    payments.record_counter_payment(
        bill=TaxBill.objects.get(declaration=theirs), actor=beijing_officer2, receipt_number="B"
    )
    services.pick_for_post_clearance(
        declaration=f.fresh(theirs), actor=beijing_officer2, reason="Beijing's own reason"
    )
    url = reverse("declarations:post_clearance_list")

    pages = {}
    for who in (world.officer, world.auditor):
        client.force_login(who)
        pages[who.username] = client.get(url).content.decode()
    client.force_login(world.trader)
    trader = client.get(url)
    queue = client.get(reverse("declarations:list")).content.decode()

    assert ours.number in pages["officer"] and REASON in pages["officer"]
    assert theirs.number not in pages["officer"]
    assert ours.number in pages["auditor"] and theirs.number in pages["auditor"]
    assert trader.status_code == 404
    assert url not in queue
    client.force_login(world.officer)
    assert url in client.get(reverse("declarations:list")).content.decode()
