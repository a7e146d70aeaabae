"""Every time shown to people carries its zone, in one format, inside a <time> for machines."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from eport.audit.models import VerificationRun
from eport.declarations import services
from eport.web.templatetags.eport import moment, time_tag, zone_label
from ledger.models import Checkpoint
from tests.audit.conftest import fresh_cache, released  # noqa: F401
from tests.declarations import factories as f
from tests.declarations.conftest import media_root, world  # noqa: F401
from tests.ledger.notary_support import ledger_keys  # noqa: F401

INSTANT = datetime(2026, 12, 6, 6, 3, 7, tzinfo=UTC)
# A clock time as people read it ("14:03" or "14:03:07"), and the zone that must follow it.
CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
ZONE = re.compile(r"\s+UTC(?:[+-]\d{1,2}(?::\d{2})?)?")


def test_a_zone_is_named_by_its_offset_from_utc():
    assert zone_label(INSTANT) == "UTC"
    assert zone_label(INSTANT.astimezone(timezone(timedelta(hours=8)))) == "UTC+8"
    assert zone_label(INSTANT.astimezone(timezone(-timedelta(hours=3, minutes=30)))) == "UTC-3:30"


def test_a_moment_is_in_eports_zone_or_in_utc_and_always_says_which():
    with translation.override("en"):
        assert moment(INSTANT) == "6 Dec 2026 14:03 UTC+8"
        assert moment(INSTANT, "seconds") == "6 Dec 2026 14:03:07 UTC+8"
        assert moment(INSTANT, "seconds utc") == "6 Dec 2026 06:03:07 UTC"
        assert moment(INSTANT, "utc") == "6 Dec 2026 06:03 UTC"


def test_a_time_tag_gives_machines_the_instant_and_people_the_moment():
    with translation.override("en"):
        assert time_tag(INSTANT) == (
            '<time datetime="2026-12-06T06:03:07Z">6 Dec 2026 14:03 UTC+8</time>'
        )
        assert time_tag(INSTANT, "seconds utc") == (
            '<time datetime="2026-12-06T06:03:07Z">6 Dec 2026 06:03:07 UTC</time>'
        )
    assert time_tag(None) == ""


def unzoned_times(html: str) -> list[str]:
    """Every clock time on the page (text and titles) that no zone label follows."""
    main = html.split("<main", 1)[-1]
    titles = " ".join(re.findall(r'title="([^"]*)"', main))
    text = " ".join(strip_tags(main).split()) + " " + titles
    return [
        text[match.start() : match.end() + 8]
        for match in CLOCK.finditer(text)
        if not ZONE.match(text, match.end())
    ]


def times_shown(html: str) -> list[str]:
    return re.findall(r'<time[^>]*datetime="\d{4}-[^"]+"[^>]*>([^<]*)</time>', html)


def assert_every_time_has_its_zone(client, url: str, *, at_least: int = 1) -> None:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    html = response.content.decode()
    shown = times_shown(html)
    assert len(shown) >= at_least, (url, shown)
    assert all(ZONE.search(time) for time in shown), (url, shown)
    assert unzoned_times(html) == [], url


@pytest.fixture
def queried(world):  # noqa: F811
    declaration = f.submitted(world.trader, lane="yellow", lrn="Q-1")
    declaration = services.take_declaration(
        declaration=declaration, actor=world.officer, version=declaration.version
    )
    return services.raise_query(
        declaration=declaration,
        actor=world.officer,
        question="Send the packing list.",
        version=declaration.version,
    )


def test_the_declaration_pages_label_every_time(client, world, queried):  # noqa: F811
    for person in (world.trader, world.officer):
        client.force_login(person)
        assert_every_time_has_its_zone(
            client, reverse("declarations:detail", args=[queried.uuid]), at_least=3
        )
        assert_every_time_has_its_zone(client, reverse("declarations:list"), at_least=0)
    client.force_login(world.trader)
    assert_every_time_has_its_zone(client, reverse("declarations:edit", args=[queried.uuid]))


def test_the_list_rows_label_their_times(client, world, queried):  # noqa: F811
    client.force_login(world.trader)
    html = client.get(reverse("declarations:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(times_shown(html)) == 1
    assert unzoned_times(html) == []

    client.force_login(world.officer)
    html = client.get(reverse("declarations:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'title="\d{1,2} \w{3} \d{4} \d{2}:\d{2} UTC\+8"', html)


def test_receipts_audit_payments_and_bank_pages_label_every_time(client, world, released):  # noqa: F811
    run = VerificationRun.objects.create(requested_by=world.auditor)
    VerificationRun.objects.filter(pk=run.pk).update(finished_at=INSTANT, status="passed")
    checkpoint = Checkpoint.objects.order_by("-size").first()

    client.force_login(world.trader)
    for url, at_least in (
        (reverse("audit:receipts", args=[released.uuid]), 1),
        (reverse("payments:bill", args=[released.tax_bill.uuid]), 1),
        (reverse("banks:declaration_finance", args=[released.uuid]), 0),
        (reverse("declarations:detail", args=[released.uuid]), 3),
    ):
        assert_every_time_has_its_zone(client, url, at_least=at_least)

    client.force_login(world.auditor)
    for url, at_least in (
        (reverse("audit:ledger"), 5),
        (reverse("audit:checkpoints"), 1),
        (reverse("audit:checkpoint", args=[checkpoint.size]), 1),
        (reverse("audit:verification"), 1),
        (reverse("audit:run", args=[run.pk]), 2),
    ):
        assert_every_time_has_its_zone(client, url, at_least=at_least)
