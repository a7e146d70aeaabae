import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def auditor(db):
    return get_user_model().objects.create_user("audra", role="auditor")


@pytest.mark.parametrize(
    "path",
    [
        "/audit/ledger/?actor=%00",
        "/audit/ledger/?subject=a%00b",
        "/declarations/?q=%00",
        "/ledger/proof/inclusion?index=%00&tree_size=1",
        "/verify/?entry=%00",
        "/declarations/?%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request_not_a_server_error(client, auditor, path):
    client.force_login(auditor)

    response = client.get(path)

    assert response.status_code == 400


def test_ordinary_filters_still_work(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/ledger/?actor=system:ledger").status_code == 200


def test_the_api_refuses_a_nul_character_with_problem_details(client, auditor):
    client.force_login(auditor)

    response = client.get("/api/v1/declarations/?status=%00&company=%00")

    assert response.status_code == 422  # the API's status for invalid input
    assert response["Content-Type"] == "application/problem+json"


def test_a_signed_in_persons_pages_are_never_kept_by_caches(client, auditor):
    assert "no-store" not in client.get("/verify/").get("Cache-Control", "")  # public page
    client.force_login(auditor)
    for path in ("/audit/", "/audit/ledger/", "/declarations/", "/api/v1/declarations/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert set(response["Cache-Control"].replace(" ", "").split(",")) >= {
            "private",
            "no-store",
        }, path
    # an answer that says how it may be cached keeps its own words
    assert client.get("/reference/hs/84/").get("Cache-Control") == "max-age=3600, private"
