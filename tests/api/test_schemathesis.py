"""Property-based tests of the whole API against its own OpenAPI schema, in process.

Every operation gets generated requests as a trader, on real objects of the trader's company, and
the banking operations again as bank staff, on a presented declaration and the bank's financing:
no response may be a server error, and every response must match the documented status codes,
content types and schemas.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from eport.api.tokens import create_token
from tests.api.conftest import draft_body
from tests.banks import factories as bf
from tests.declarations import factories as f
from tests.licensing import factories as lf

# Per operation and generation mode; 24 operations × 2 modes × 10 runs in well under a minute.
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process():
    """Requests served in this process share the test's connection (and its transaction), as
    Django's test client arranges: the handler must not close it after each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, in_process):
    return schemathesis.openapi.from_wsgi("/api/schema/", in_process)


@pytest.fixture
def trader_objects(world):
    """A draft with an invoice, a submitted declaration and a licence application, all of the
    trader's company."""
    draft = f.draft(world.trader, lrn="FUZZ-DRAFT")
    document = f.attach(draft, world.trader, "380")
    submitted = f.submitted(world.trader, lane="yellow", lrn="FUZZ-SUBMITTED")
    licence = lf.apply_licence(world.trader)
    _, secret = create_token(actor=world.trader, name="schemathesis")
    return {
        "declarations": [str(draft.uuid), str(submitted.uuid)],
        "document": str(document.uuid),
        "licence": str(licence.uuid),
        "headers": {"Authorization": f"Bearer {secret}"},
    }


def path_parameters(operation, objects) -> dict:
    if "{uuid}" not in operation.path:
        return {}
    if operation.path.startswith("/api/v1/documents/"):
        return {"uuid": objects["document"]}
    if operation.path.startswith("/api/v1/licences/"):
        return {"uuid": objects["licence"]}
    # Moves meet both a draft and a submitted declaration across the operations.
    index = len(operation.path) % 2
    return {"uuid": objects["declarations"][index]}


def documented_failures(operations, mode, parameters_for, headers) -> list[str]:
    """Every operation's problem with generated requests, collected so one run reports all."""
    failures = []
    for operation in operations:
        strategy = operation.as_strategy(
            generation_mode=mode, path_parameters=parameters_for(operation)
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except Exception as failure:  # collected, so one run reports every operation's problem
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(api_schema, trader_objects, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 24

    failures = documented_failures(
        operations,
        mode,
        lambda operation: path_parameters(operation, trader_objects),
        trader_objects["headers"],
    )
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def bank_objects(world):
    """A declaration released to the trader, presented to a bank, with the bank's financing."""
    bank = bf.bank()
    staff = f.user("bank", "bank", bank=bank)
    declaration = bf.released(world.trader, world.officer, lrn="FUZZ-RELEASED")
    presentation, financing = bf.presented_and_financed(
        declaration, world.trader, staff, bank_reference="FUZZ-1"
    )
    _, secret = create_token(actor=staff, name="schemathesis")
    return {
        "/api/v1/financings/": str(financing.uuid),
        "/api/v1/presentations/": str(presentation.uuid),
        "/api/v1/": str(declaration.uuid),
        "headers": {"Authorization": f"Bearer {secret}"},
    }


BANKING_PATHS = ("/bank/", "/financings/", "/presentations/")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_banking_operations_answer_bank_staff_as_documented(api_schema, bank_objects, mode):
    operations = [
        operation
        for operation in (result.ok() for result in api_schema.get_all_operations())
        if any(part in operation.path for part in BANKING_PATHS)
    ]
    assert len(operations) >= 14

    def parameters_for(operation):
        if "{uuid}" not in operation.path:
            return {}
        prefix = next(p for p in bank_objects if p != "headers" and operation.path.startswith(p))
        return {"uuid": bank_objects[prefix]}

    failures = documented_failures(operations, mode, parameters_for, bank_objects["headers"])
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_licence_operations_answer_a_licensing_officer_as_documented(api_schema, world, mode):
    """The agency's side of licences, on an application waiting for its decision."""
    officer = lf.licensing_officer(username="fuzz_licensing")
    licence = lf.apply_licence(world.trader, agency=officer.agency)
    _, secret = create_token(actor=officer, name="schemathesis")
    operations = [
        operation
        for operation in (result.ok() for result in api_schema.get_all_operations())
        if operation.path.startswith("/api/v1/licences/")
    ]
    assert len(operations) >= 8

    failures = documented_failures(
        operations,
        mode,
        lambda operation: {"uuid": str(licence.uuid)} if "{uuid}" in operation.path else {},
        {"Authorization": f"Bearer {secret}"},
    )
    assert not failures, "\n\n".join(failures)


def test_a_valid_draft_matches_the_documented_response(world, in_process):
    """The fuzzing above mostly meets refusals; this pins one success against the schema too."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", in_process)
    operation = loaded["/api/v1/declarations/"]["POST"]
    case = operation.Case(body=draft_body(lrn="SCHEMA-1"), media_type="application/json")
    _, secret = create_token(actor=world.trader, name="schema")
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    case.validate_response(response, checks=CHECKS)
