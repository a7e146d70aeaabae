"""OPTIONS on every API operation: the resource and its allowed methods, never a 500."""

import uuid

import pytest
from drf_spectacular.generators import EndpointEnumerator

pytestmark = pytest.mark.django_db


def api_paths() -> list[str]:
    found = {path for path, _regex, _method, _view in EndpointEnumerator().get_api_endpoints()}
    return sorted(found)


def concrete(path: str) -> str:
    return path.replace("{uuid}", str(uuid.uuid4()))


def test_every_operation_is_listed():
    assert len(api_paths()) > 20


@pytest.mark.parametrize("role", ["trader", "officer", "auditor"])
def test_options_answers_every_operation_for_every_role(world, role):
    client = world.client(getattr(world, role))
    for path in api_paths():
        response = client.options(concrete(path))
        assert response.status_code in {200, 401, 403, 404}, (path, response.status_code)
        if response.status_code != 200:
            assert response["Content-Type"] == "application/problem+json", path
            continue
        assert "OPTIONS" in response["Allow"], path
        if path.startswith("/api/v1/"):
            body = response.json()
            assert body["name"] and "renders" in body and body["schema"].endswith("/api/schema/")
