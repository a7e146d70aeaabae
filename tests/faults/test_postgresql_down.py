"""PostgreSQL stopped: every page answers 503 with a page, the API 503 problem details, both
with Retry-After, never 500; once it is back filing works and nothing is lost or half-written.
Real PostgreSQL and Redis."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.client import RequestFactory
from django.urls import reverse

from eport.audit.reconcile import reconcile_declarations
from eport.declarations.models import Declaration
from eport.web.views import server_error
from ledger import notary
from tests.api.conftest import draft_body
from tests.api.test_lifecycle import file_ready, move, pay_at_counter
from tests.declarations.test_pages import form_post

from . import servers
from .conftest import reconnect

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_with_postgresql_down_pages_and_the_api_answer_503_and_filing_resumes_after(
    services, world, ledger_keys, var_dir, caplog
):
    trader = world.client(world.trader)
    trader.raise_request_exception = False
    # Signed in with a session, the middleware reads the user before the API's view runs.
    session_trader = world.client(world.trader, token=False)
    session_trader.raise_request_exception = False
    officer = world.client(world.officer)
    pages = signed_in(world.trader)
    before = move(trader, file_ready(trader, lrn="BEFORE", origin="DE"), "submit").json()

    with servers.postgresql_stopped(services):
        # Pages: the middleware reading the session fails first; the answer is the 503 page.
        for response in (
            pages.get(reverse("declarations:list")),
            pages.post(reverse("declarations:new"), form_post(lrn="PAGE-NO-DB")),
        ):
            assert response.status_code == 503
            assert response["Retry-After"] == "5"
            assert response["Content-Type"].startswith("text/html")
            assert "eport is briefly unavailable" in response.content.decode()
        # Pages that read nothing from the database keep answering.
        anonymous = Client(raise_request_exception=False)
        assert anonymous.get("/accounts/login/").status_code == 200
        assert anonymous.get(reverse("audit:verify")).status_code == 200
        # The page follows the reader's language without reading their saved choice.
        chinese = pages.get(reverse("declarations:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert chinese.status_code == 503 and '<html lang="zh-Hans">' in chinese.content.decode()
        # The API: problem details, from its views and from before them alike.
        for response in (
            trader.get("/api/v1/declarations/"),
            trader.post("/api/v1/declarations/", draft_body(lrn="API-NO-DB"), format="json"),
            session_trader.get("/api/v1/declarations/"),
        ):
            assert response.status_code == 503
            assert response["Retry-After"] == "5"
            assert response["Content-Type"] == "application/problem+json"
            problem = response.json()
            assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
            assert "Send the request again in 5 seconds" in problem["detail"]

    assert not [r for r in caplog.records if "Internal Server Error" in r.getMessage()]
    reconnect()
    # Back: filing through the pages and the API works again, and the outage left no trace.
    filed = pages.post(reverse("declarations:new"), form_post(lrn="PAGE-AFTER"))
    assert filed.status_code == 302
    after = move(trader, file_ready(trader, lrn="API-AFTER", origin="DE"), "submit").json()
    assert pay_at_counter(officer, after, "CR-AFTER")["status"] == "released"
    assert pay_at_counter(officer, before, "CR-BEFORE")["status"] == "released"
    assert set(Declaration.objects.values_list("lrn", flat=True)) == {
        "BEFORE",
        "PAGE-AFTER",
        "API-AFTER",
    }
    notary.notarize_pending(cosign="inline")
    call_command("verify_ledger")
    report = reconcile_declarations()
    assert report.ok, report.summary()


def test_a_database_error_outside_the_database_outage_is_still_a_plain_500(db):
    request = RequestFactory().get("/declarations/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_a_restarted_server_does_not_reuse_its_dead_persistent_connection(
    services, settings, world
):
    # As in production: connections kept between requests (CONN_MAX_AGE) and checked first.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()  # the next connection is opened to be kept
    try:
        client = signed_in(world.trader)
        assert client.get(reverse("declarations:list")).status_code == 200
        servers.stop_postgresql(services)
        servers.start_postgresql(services)
        # Django's start-of-request hygiene, which the test client leaves out, then the request.
        connection.close_if_unusable_or_obsolete()
        assert client.get(reverse("declarations:list")).status_code == 200
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        reconnect()
