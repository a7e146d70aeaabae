"""The schema states the rules the server enforces, and the server keeps to what the schema says.

Each schema fact is checked against the server's behaviour, not against a copy of the schema: the
required fields are those an empty request is refused for, the problem types' URIs answer, the
download's name keeps its extension.
"""

import os
import re
import subprocess
import sys
from html import escape

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from eport.api.problems import TYPES
from eport.reference.choices import DocumentType, TransportMode
from tests.api.conftest import draft_body
from tests.api.test_lifecycle import PDF, file_ready, upload, url

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def test_the_draft_s_required_fields_are_those_an_empty_draft_is_refused_for(world, schema):
    refused = world.client(world.trader).post("/api/v1/declarations/", {}, format="json")
    assert refused.status_code == 422
    draft = component(schema, "DraftInRequest")
    assert set(draft["required"]) == set(refused.json()["errors"])
    for name in draft["required"]:
        assert "nullable" not in draft["properties"][name], name


def test_an_item_s_required_fields_are_those_an_empty_item_is_refused_for(world, schema):
    body = draft_body(items=1)
    body["items"] = [{}]
    refused = world.client(world.trader).post("/api/v1/declarations/", body, format="json")
    assert refused.status_code == 422
    refused_fields = {key.removeprefix("items.0.") for key in refused.json()["errors"]}
    assert set(component(schema, "ItemInRequest")["required"]) == refused_fields


def test_explicit_nulls_for_required_fields_are_refused(world, schema):
    body = draft_body()
    for name in component(schema, "DraftInRequest")["required"]:
        body[name] = None
    refused = world.client(world.trader).post("/api/v1/declarations/", body, format="json")
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == set(component(schema, "DraftInRequest")["required"])


def test_a_valid_draft_keeps_to_every_stated_pattern_and_code_list(schema):
    """The factories' valid draft matches the schema's patterns and enums field by field, so the
    rules stated are not stricter than the server (a pattern that refused a good value would)."""
    body = draft_body()
    draft = component(schema, "DraftInRequest")
    item = component(schema, "ItemInRequest")
    for properties, values in [(draft["properties"], body), (item["properties"], body["items"][0])]:
        for name, value in values.items():
            rule = properties[name]
            if "pattern" in rule:
                assert re.search(rule["pattern"], str(value)), (name, value)
            if "$ref" in rule or "allOf" in rule:
                ref = rule.get("$ref") or rule["allOf"][0]["$ref"]
                enum = component(schema, ref.rsplit("/", 1)[1])["enum"]
                assert value in enum, (name, value)


def test_the_schema_documents_the_api_and_nothing_else(schema):
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])


def test_code_lists_have_member_names(schema):
    modes = component(schema, "TransportModeEnum")
    assert modes["x-enum-varnames"] == TransportMode.names
    assert component(schema, "DocumentTypeEnum")["x-enum-varnames"] == DocumentType.names
    document = component(schema, "DocumentInRequest")["properties"]
    assert document["type"]["allOf"][0]["$ref"].endswith("/DocumentTypeEnum")
    assert "nullable" not in document["issued_on"]


def test_responses_state_their_headers_and_every_status(schema):
    create = schema["paths"]["/api/v1/declarations/"]["post"]
    assert {"Location", "Idempotent-Replayed"} <= set(create["responses"]["201"]["headers"])
    assert "WWW-Authenticate" in create["responses"]["401"]["headers"]
    for code in ("409", "429", "503"):
        assert "Retry-After" in create["responses"][code]["headers"]
    for path in schema["paths"].values():
        for operation in path.values():
            assert {"401", "405", "406", "429", "500", "503"} <= set(operation["responses"])
    idempotency = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert idempotency["schema"]["maxLength"] == 255


def test_the_idempotency_key_s_stated_form_is_what_the_server_accepts(world, schema):
    create = schema["paths"]["/api/v1/declarations/"]["post"]
    rule = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")["schema"]
    client = world.client(world.trader)
    for n, key in enumerate(["k", "a b", "~" * 255, "x" * 256, " ", "é"]):
        stated_valid = bool(re.search(rule["pattern"], key)) and len(key) <= rule["maxLength"]
        response = client.post(
            "/api/v1/declarations/",
            draft_body(lrn=f"KEY-{n}"),
            format="json",
            HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
        )
        assert (response.status_code == 201) == stated_valid, (key, response.content)


@pytest.mark.parametrize("size", ["0", "101", "ten", "-1", "1.5", "٣"])
def test_a_page_size_outside_1_to_100_is_a_422_naming_it(world, size, schema):
    response = world.client(world.trader).get("/api/v1/declarations/", {"page_size": size})
    assert response.status_code == 422
    assert "page_size" in response.json()["errors"]
    parameter = next(
        p
        for p in schema["paths"]["/api/v1/declarations/"]["get"]["parameters"]
        if p["name"] == "page_size"
    )
    assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, 100)


def test_a_page_size_within_bounds_is_used(world):
    client = world.client(world.trader)
    for n in range(3):
        assert client.post("/api/v1/declarations/", draft_body(lrn=f"P-{n}"), format="json")
    page = client.get("/api/v1/declarations/", {"page_size": "2"}).json()
    assert len(page["results"]) == 2 and page["next"]


def test_a_receipt_s_seq_is_stated_with_its_minimum(schema):
    receipt = schema["paths"]["/api/v1/declarations/{uuid}/receipt/"]["get"]
    seq = next(p for p in receipt["parameters"] if p["name"] == "seq")
    assert seq["schema"]["minimum"] == 0


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_every_problem_type_uri_answers_with_its_explanation(world, kind):
    response = APIClient().get(f"/api/problems/{kind}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert escape(str(TYPES[kind])) in response.content.decode()


def test_the_type_uri_of_a_real_problem_answers(world):
    refused = world.client(world.trader).post("/api/v1/declarations/", {}, format="json")
    assert APIClient().get(refused.json()["type"]).status_code == 200
    assert APIClient().get("/api/problems/").status_code == 200
    unknown = APIClient().get("/api/problems/no-such-kind")
    assert unknown.status_code == 404 and unknown["Content-Type"] == PROBLEM


def test_the_downloaded_file_s_name_keeps_its_extension(world, schema):
    client = world.client(world.trader)
    declaration = file_ready(client)
    invoice = next(d for d in declaration["documents"] if d["type"] == "380")
    response = client.get(invoice["download"])
    assert response.status_code == 200
    assert re.search(r'filename="380-[^"]*\.pdf"', response["Content-Disposition"])
    assert b"".join(response.streaming_content).startswith(PDF)
    download = schema["paths"]["/api/v1/documents/{uuid}/file/"]["get"]["responses"]["200"]
    assert next(iter(download["content"])) == "application/octet-stream"
    assert "Content-Disposition" in download["headers"]


def test_a_multipart_upload_without_a_date_of_issue_is_accepted(world):
    client = world.client(world.trader)
    declaration = client.post("/api/v1/declarations/", draft_body(), format="json").json()
    assert upload(client, declaration, "380").status_code == 201
    response = client.post(
        url(declaration, "documents/"),
        {"type": "271", "reference": "PL-1", "issued_on": "", "file": _pdf()},
        format="multipart",
    )
    assert response.status_code == 201, response.content


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("list.pdf", PDF + b"packing", content_type="application/pdf")


def test_optional_fields_the_schema_marks_nullable_accept_null(world, schema):
    """Every optional draft or item field the schema lets be null is read as left out."""
    body = draft_body(items=1)
    for name, rule in component(schema, "DraftInRequest")["properties"].items():
        if rule.get("nullable"):
            body[name] = None
    for name, rule in component(schema, "ItemInRequest")["properties"].items():
        if rule.get("nullable"):
            body["items"][0][name] = None
    created = world.client(world.trader).post("/api/v1/declarations/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["items"][0]["valuation_method"] == 1


def test_text_the_schema_says_may_not_hold_nul_is_refused_with_it(world, schema):
    parameters = schema["paths"]["/api/v1/declarations/"]["get"]["parameters"]
    q = next(p for p in parameters if p["name"] == "q")["schema"]
    assert not re.search(q["pattern"], "a\x00b")
    refused = world.client(world.trader).get("/api/v1/declarations/", {"q": "a\x00b"})
    assert refused.status_code == 422 and "q" in refused.json()["errors"]


@pytest.mark.parametrize("name", ["invoice_total", "exchange_rate", "freight", "insurance"])
def test_a_decimal_is_accepted_exactly_when_its_stated_pattern_matches(world, schema, name):
    """Zero where the domain wants more than 0, too many places: the pattern and the server
    agree value by value."""
    pattern = component(schema, "DraftInRequest")["properties"][name]["pattern"]
    client = world.client(world.trader)
    for n, value in enumerate(["0", "0.00", "0.01", "12.5", "7.1234567", "-1"]):
        body = draft_body(lrn=f"DEC-{name}-{n}")
        body[name] = value
        response = client.post("/api/v1/declarations/", body, format="json")
        accepted = response.status_code == 201
        assert accepted == bool(re.search(pattern, value)), (name, value, response.json())
        if not accepted:
            assert name in response.json()["errors"], response.json()


@pytest.mark.parametrize("code", ["DEHAM", "CNSHA", "YZGTA", "DEHA1", "XXABC", ""])
def test_a_port_is_accepted_exactly_when_its_stated_pattern_matches(world, schema, code):
    pattern = component(schema, "DraftInRequest")["properties"]["port_of_loading"]["pattern"]
    body = draft_body(lrn=f"PORT-{code}")
    body["port_of_loading"] = code
    response = world.client(world.trader).post("/api/v1/declarations/", body, format="json")
    assert (response.status_code == 201) == bool(re.search(pattern, code)), response.json()


RACE = """
import sys, threading
import django
django.setup()
from django.test import Client
barrier, answers = threading.Barrier(6), []
def fetch():
    barrier.wait()
    answers.append(Client(HTTP_HOST="localhost").get("/api/schema/").status_code)
threads = [threading.Thread(target=fetch) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(answers))
"""


def test_the_first_schema_requests_of_a_fresh_process_arriving_together_all_succeed(tmp_path):
    """A fresh process (drf-spectacular resolves its extensions on first use), six requests at
    once: every one gets the schema, none a 500."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "EPORT_VAR_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [sys.executable, "-c", RACE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == str([200] * 6), run.stderr[-2000:]


def test_a_number_where_the_schema_says_text_is_refused_naming_the_field(world):
    client = world.client(world.trader)
    draft = client.post("/api/v1/declarations/", draft_body(), format="json")
    assert draft.status_code == 201
    copy_url = f"/api/v1/declarations/{draft.json()['uuid']}/copy/"
    refused = client.post(copy_url, {"lrn": 20261206}, format="json")
    assert refused.status_code == 422
    assert "lrn" in refused.json()["errors"]
    refused = client.post("/api/v1/declarations/", draft_body(lrn=20261206), format="json")
    assert refused.status_code == 422 and "lrn" in refused.json()["errors"]
    # The same value as text is an LRN like any other.
    assert client.post(copy_url, {"lrn": "20261206"}, format="json").status_code == 201


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_schema_is_said_wholly_in_the_language_asked_for(world, language):
    # Summaries and descriptions made from the move and step registries at import included.
    answer = APIClient().get(
        "/api/schema/", {"lang": language, "format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 200
    operation = answer.json()["paths"]["/api/v1/declarations/{uuid}/take/"]["post"]
    chinese = re.compile("[\u4e00-\u9fff]")
    if language == "en":
        assert not chinese.findall(answer.content.decode())
    else:
        assert chinese.search(operation["summary"])
