"""A released declaration's receipt before the next checkpoint: when it will be ready, a page that
refreshes itself (no script needed), and the link once it is ready, never a dead end."""

import json

import pytest
from django.urls import reverse

from eport.audit.receipts import refresh_interval, usual_wait
from ledger import notary
from tests.audit.conftest import release
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def just_released(world, ledger_keys):
    """Released a moment ago: its release entry is in no notarized checkpoint yet."""
    notary.notarize_pending(cosign="inline")  # what came before is notarized; the release is not
    declaration = f.submitted(world.trader, lane="green")
    notary.notarize_pending(cosign="inline")
    return release(declaration, world.officer)


def test_the_wait_comes_from_the_notarization_schedule(settings):
    settings.EPORT_CHECKPOINT_INTERVAL = 20
    settings.EPORT_WITNESS_TIMEOUT = 4.5

    assert usual_wait() == 25
    assert refresh_interval() == 20
    settings.EPORT_CHECKPOINT_INTERVAL = 600
    assert refresh_interval() == 30


def test_the_declaration_page_says_when_the_receipt_will_be_ready(just_released, client, world):
    client.force_login(world.trader)
    page = reverse("declarations:detail", args=[just_released.uuid])

    waiting = client.get(page).content.decode()
    notary.notarize_pending(cosign="inline")
    ready = client.get(page).content.decode()

    assert (
        "The receipt is ready once the ledger's next checkpoint is signed, usually within "
        f"{usual_wait()} seconds." in waiting
    )
    assert 'data-testid="receipts-link"' in waiting
    assert 'data-testid="receipt-pending"' not in ready and 'data-testid="receipts-link"' in ready


def test_the_receipts_page_waits_without_a_dead_link_and_refreshes_itself(
    just_released, client, world
):
    client.force_login(world.trader)
    url = reverse("audit:receipts", args=[just_released.uuid])

    waiting = client.get(url)

    assert waiting.status_code == 200
    assert waiting["Refresh"] == f"{refresh_interval()}; url={url}"
    body = waiting.content.decode()
    assert 'data-testid="receipt-pending"' in body
    assert 'data-testid="release-receipt"' not in body
    assert "This page refreshes itself every" in body and 'href="?refresh=off"' in body


def test_the_refresh_can_be_turned_off(just_released, client, world):
    client.force_login(world.trader)
    url = reverse("audit:receipts", args=[just_released.uuid])

    stopped = client.get(url, {"refresh": "off"})

    assert "Refresh" not in stopped
    assert "This page no longer refreshes itself." in stopped.content.decode()


def test_once_notarized_the_receipts_page_offers_the_receipt_and_stops_refreshing(
    just_released, client, world
):
    client.force_login(world.trader)
    notary.notarize_pending(cosign="inline")

    ready = client.get(reverse("audit:receipts", args=[just_released.uuid]))
    receipt = client.get(reverse("audit:receipt", args=[just_released.uuid]))

    assert "Refresh" not in ready
    assert 'data-testid="release-receipt"' in ready.content.decode()
    assert 'data-testid="receipt-pending"' not in ready.content.decode()
    assert receipt.status_code == 200
    assert json.loads(receipt.content)["format"] == "eport-receipt/v1"


def test_the_receipt_url_asked_early_is_a_page_that_waits_not_a_dead_end(
    just_released, client, world
):
    client.force_login(world.trader)
    receipts = reverse("audit:receipts", args=[just_released.uuid])

    early = client.get(reverse("audit:receipt", args=[just_released.uuid]))

    assert early.status_code == 409
    assert early["Content-Type"].startswith("text/html")
    assert early["Refresh"] == f"{refresh_interval()}; url={receipts}"
    assert early["Retry-After"] == str(refresh_interval())
    body = early.content.decode()
    assert "The receipt is not ready yet" in body
    assert f"usually within {usual_wait()} seconds" in body
    assert f'href="{receipts}"' in body


def test_a_declaration_not_released_still_gets_the_plain_refusal(world, client, ledger_keys):
    declaration = f.submitted(world.trader, lane="green")
    client.force_login(world.trader)

    refused = client.get(reverse("audit:receipt", args=[declaration.uuid]))

    assert refused.status_code == 409
    assert "Refresh" not in refused
    assert "not released" in refused.content.decode()
