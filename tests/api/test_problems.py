"""Every error is RFC 9457 problem details, and requests are limited per token."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from eport.api.models import ApiToken
from eport.api.tokens import create_token
from eport.declarations import lifecycle
from eport.declarations.errors import NotPermitted
from tests.api.conftest import draft_body
from tests.api.test_lifecycle import file_ready, move

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    return body


def test_no_credentials_is_401_with_the_scheme_to_use(world):
    body = assert_problem(APIClient().get("/api/v1/declarations/"), 401)
    assert body["instance"] == "/api/v1/declarations/"
    assert APIClient().get("/api/v1/declarations/")["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer eport_000000000000_" + "A" * 43,
        "Bearer a b",
    ],
)
def test_a_bad_token_is_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(client.get("/api/v1/declarations/"), 401)


def test_an_expired_or_revoked_token_is_refused_with_what_to_do(world):
    token, secret = create_token(actor=world.trader, name="ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/declarations/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in assert_problem(client.get("/api/v1/declarations/"), 401)["detail"]
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert "revoked" in assert_problem(client.get("/api/v1/declarations/"), 401)["detail"]


def test_a_token_with_the_wrong_secret_is_refused(world):
    _, secret = create_token(actor=world.trader, name="ERP")
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {wrong}")
    assert_problem(client.get("/api/v1/declarations/"), 401)


def test_unknown_paths_under_api_are_problem_404s(world):
    client = world.client(world.trader)
    assert_problem(client.get("/api/v1/nothing-here/"), 404)
    assert_problem(client.get("/api/v1/declarations/not-a-uuid/"), 404)
    missing = "/api/v1/declarations/00000000-0000-0000-0000-000000000000/"
    assert assert_problem(client.get(missing), 404)["detail"] == "No such declaration."


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/declarations",  # no trailing slash
        "/api/v1/declarations/not-a-uuid/submit/",
        "/api/v1/declarations/%0A/",
        "/api/v1/%0Anowhere",
    ],
)
@pytest.mark.parametrize("session", [False, True])
def test_a_post_to_an_unknown_path_is_a_problem_404_not_a_csrf_page(world, path, session):
    client = world.client(world.trader, token=not session)
    client.handler.enforce_csrf_checks = True  # as a browser or a real client meets it
    assert_problem(client.post(path, {}, format="json"), 404)


def test_a_wrong_method_is_405(world):
    assert_problem(world.client(world.trader).delete("/api/v1/declarations/"), 405)


def test_malformed_json_is_400_naming_the_problem(world):
    response = world.client(world.trader).post(
        "/api/v1/declarations/", "{not json", content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert body["type"] == "/api/problems/malformed-request"
    assert "not valid JSON" in body["detail"]


def test_json_numbers_are_read_as_exact_decimals(world):
    body = json.dumps(draft_body())
    for text, number in (('"1000.00"', "1000.10"), ('"500.00"', "500.05")):
        body = body.replace(text, number)
    response = world.client(world.trader).post(
        "/api/v1/declarations/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["invoice_total"] == "1000.10"
    assert [item["invoice_value"] for item in response.json()["items"]] == ["500.05", "500.05"]


def test_an_unsupported_media_type_is_415(world):
    response = world.client(world.trader).post(
        "/api/v1/declarations/", "lrn=x", content_type="text/plain"
    )
    assert_problem(response, 415)


def test_a_wrongly_typed_field_is_a_422_with_its_key(world):
    body = draft_body()
    body["items"][1]["quantity"] = True
    body["invoice_total"] = ["1000"]
    response = world.client(world.trader).post("/api/v1/declarations/", body, format="json")
    errors = assert_problem(response, 422)["errors"]
    assert set(errors) == {"items.1.quantity", "invoice_total"}


def test_an_unexpected_error_is_a_logged_problem_500(world, monkeypatch, caplog):
    from eport.declarations import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "declarations_for", broken)
    body = assert_problem(world.client(world.trader).get("/api/v1/declarations/"), 500)
    assert "database on fire" not in body["detail"]
    assert "database on fire" in caplog.text


def test_too_many_requests_for_a_token_is_429_with_retry_after(world, settings):
    settings.EPORT_API_RATE = "3/minute"
    client = world.client(world.trader)
    other = world.client(world.trader)
    # Twenty seconds into a minute, with the clock held: the four requests share one window.
    moment = timezone.now().replace(second=20, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        for _ in range(3):
            assert client.get("/api/v1/declarations/").status_code == 200
        limited = client.get("/api/v1/declarations/")
        assert_problem(limited, 429)
        assert int(limited["Retry-After"]) == 40
        assert other.get("/api/v1/declarations/").status_code == 200  # another token, its own


def test_the_schema_and_swagger_ui_are_served_from_this_site(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/declarations/{uuid}/submit/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_a_role_that_may_never_make_a_move_is_refused_with_the_lifecycle_s_sentence(world):
    declaration = file_ready(world.client(world.trader))
    submitted = move(world.client(world.trader), declaration, "submit")
    assert submitted.status_code == 200

    refused = move(world.client(world.trader), submitted.json(), "take")

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    with pytest.raises(NotPermitted) as expected:
        lifecycle.check_role(world.trader, "take")
    assert refused.json()["detail"] == str(expected.value)


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_json_nested_too_deeply_is_400_naming_the_limit(world, depth):
    body = "[" * depth + "]" * depth
    response = world.client(world.trader).post(
        "/api/v1/declarations/", body, content_type="application/json"
    )
    problem = assert_problem(response, 400)
    assert "more than 32 levels deep" in problem["detail"]


def test_json_nested_as_deep_as_allowed_is_read(world):
    body = {"lrn": [[[["x"]]]]}
    response = world.client(world.trader).post(
        "/api/v1/declarations/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422  # read, then refused as a declaration with named problems


@pytest.mark.parametrize(
    ("method", "path", "accept", "status"),
    [
        ("get", "/api/v1/declarations/", "text/html", 406),
        ("get", "/api/schema/", "text/html", 406),
        ("post", "/api/schema/", "*/*", 405),
        ("get", "/api/docs/", "application/json", 406),
        ("trace", "/api/v1/declarations/", "*/*", 405),
        ("get", "/api/v1/documents/00000000-0000-0000-0000-000000000000/file/", "image/png", 404),
    ],
)
@pytest.mark.parametrize("session", [False, True])
def test_every_api_error_is_problem_json_whatever_the_view_renders(
    world, method, path, accept, status, session
):
    """The schema (YAML or JSON), the docs page and a file download answer errors as JSON
    problems too, not in their own format, for bearer and session callers alike."""
    client = world.client(world.trader, token=not session)
    response = client.generic(method.upper(), path, HTTP_ACCEPT=accept)
    body = assert_problem(response, status)
    assert body["instance"] == path


@pytest.mark.parametrize("accept", ["application/pdf", "application/octet-stream", "*/*", None])
def test_a_document_s_file_is_served_to_a_client_asking_for_its_type_or_for_bytes(world, accept):
    client = world.client(world.trader)
    declaration = file_ready(client)
    download = declaration["documents"][0]["download"]
    response = client.get(download, **({"HTTP_ACCEPT": accept} if accept else {}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
