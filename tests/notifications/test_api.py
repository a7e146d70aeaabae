"""GET /api/v1/notifications/ (one's own only) and marking them read."""

import pytest
from rest_framework.test import APIClient

from eport.api.tokens import create_token
from eport.declarations import services
from eport.notifications.models import Notification
from tests.declarations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_rate(settings):
    settings.EPORT_API_RATE = "100000/minute"


def api(user) -> APIClient:
    client = APIClient()
    _, secret = create_token(actor=user, name="notifications test")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def queried(people):
    declaration = f.submitted(people.trader, "yellow")
    declaration = services.take_declaration(
        declaration=declaration, actor=people.officer, version=declaration.version
    )
    return services.raise_query(
        declaration=declaration, actor=people.officer, version=declaration.version, question="Why?"
    )


def test_the_list_holds_ones_own_notifications_with_their_words_and_link(people, queried):
    response = api(people.trader).get("/api/v1/notifications/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["kind"] == "query_raised"
    assert row["message"] == f"Customs raised a query on declaration {queried.number}: Why?"
    assert row["link"] == f"/declarations/{queried.uuid}/"
    assert row["subject_uuid"] == str(queried.uuid)
    assert row["unread"] is True and row["read_at"] is None
    assert api(people.trader2).get("/api/v1/notifications/").json()["results"] == []


def test_marking_one_read_and_another_persons_is_404(people, queried):
    notification = Notification.objects.get(recipient=people.trader)
    path = f"/api/v1/notifications/{notification.pk}/read/"

    assert api(people.trader_b).post(path).status_code == 404
    response = api(people.trader).post(path)

    assert response.status_code == 200
    assert response.json()["unread"] is False
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_all_read_counts_only_ones_own(people, queried):
    response = api(people.trader).post("/api/v1/notifications/read/")

    assert response.json() == {"marked": 1}
    assert Notification.objects.filter(recipient=people.trader_b, read_at=None).count() == 1


def test_the_api_needs_a_caller(db):
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)
