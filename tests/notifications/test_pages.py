"""The bell, the list, following a notification, marking all read, and the e-mail choices."""

import pytest

from eport.declarations import services
from eport.notifications.models import EmailPreference, Notification
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def queried(people):
    declaration = f.submitted(people.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    return services.raise_query(
        declaration=declaration, actor=people.officer, version=declaration.version, question="Why?"
    )


def test_the_bell_shows_the_unread_count(people, queried, client):
    client.force_login(people.trader)

    page = client.get("/declarations/").content.decode()

    assert 'data-testid="notification-count"' in page
    assert "1 unread" in page


def test_the_list_shows_ones_own_newest_first_and_marks_the_unread(people, queried, client):
    services.reject_declaration(
        declaration=queried, actor=people.officer, version=queried.version, reason="No answer."
    )
    client.force_login(people.trader)

    page = client.get("/notifications/").content.decode()

    assert page.index("rejected declaration") < page.index("raised a query")
    assert page.count("notification--unread") == 2
    client.force_login(people.trader2)
    assert "raised a query" not in client.get("/notifications/").content.decode()


def test_following_a_notification_marks_it_read_and_leads_to_its_subject(people, queried, client):
    notification = Notification.objects.get(recipient=people.trader)
    client.force_login(people.trader)

    response = client.get(f"/notifications/{notification.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/declarations/{queried.uuid}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-testid="notification-count"' not in client.get("/notifications/").content.decode()


def test_someone_elses_notification_does_not_exist(people, queried, client):
    notification = Notification.objects.get(recipient=people.trader)
    client.force_login(people.trader_b)

    assert client.get(f"/notifications/{notification.pk}/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_reads_only_ones_own(people, queried, client):
    client.force_login(people.trader)

    response = client.post("/notifications/read/", follow=True)

    assert "All notifications are marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=people.trader, read_at=None).exists()
    assert Notification.objects.filter(recipient=people.trader_b, read_at=None).exists()


def test_the_list_is_paginated(people, client):
    Notification.objects.bulk_create(
        Notification(
            recipient=people.trader,
            kind="released",
            message="Declaration %(number)s is released: the goods may leave customs.",
            params={"number": f"N{index:03d}"},
            subject_type="declaration",
        )
        for index in range(25)
    )
    client.force_login(people.trader)

    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()

    assert first.count('class="notification ') == 20
    assert second.count('class="notification ') == 5
    assert "Page 2 of 2" in second


def test_the_preferences_page_saves_the_choices_of_the_persons_role(people, client):
    client.force_login(people.officer)
    page = client.get("/notifications/preferences/").content.decode()
    assert "daily digest" in page and "bill to pay" not in page

    response = client.post(
        "/notifications/preferences/", {"digest": "on", "query_answered": ""}, follow=True
    )

    assert "Your e-mail choices are saved." in response.content.decode()
    preference = EmailPreference.objects.get(user=people.officer)
    assert preference.email == {"query_answered": False, "digest": True}


def test_the_pages_need_a_signed_in_person(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/preferences/").status_code == 302
    assert client.post("/notifications/read/").status_code == 302
