"""The API against its own OpenAPI document: schemathesis generates requests for every
operation (later issues' endpoints are covered automatically) and checks that no answer is a
5xx, that status codes, content types and bodies conform to the document.

Examples are bounded (SCHEMA_EXAMPLES per operation) so the run takes a few minutes at most.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rectify.api import tokens

EXAMPLES = int(os.getenv("SCHEMA_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


from rectify.wsgi import application  # noqa: E402  (Django is set up by pytest-django)

# Fetching the document touches no database: it is generated from the code.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes "old" connections when a request ends; the test client turns that off, but
    schemathesis calls the WSGI application directly, and on PostgreSQL closing the connection
    ends the test's transaction. Turn it off here too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def office_headers(world, settings):
    settings.API_RATE_LIMIT = "100000/min"
    plaintext = tokens.issue(world.office, name="fuzz", scope="write")[1]
    return {"Authorization": f"Bearer {plaintext}"}


def _program(world):
    """A special program with a phase, the first problem and its measure (for /programs/ and
    /phases/ paths)."""
    from rectify.campaigns.programs import services

    program = services.create_program(world.campaign, actor=world.office, name="专项")
    services.add_problems(program, [world.problem], actor=world.office, measures=[world.measure_a])
    phase = services.add_phase(
        program,
        actor=world.office,
        name="阶段",
        starts_on=world.measure_a.deadline,
        ends_on=world.measure_a.deadline,
    )
    return program, phase


def _anchor(case, world) -> None:
    """Point most generated requests at real objects, so they reach past the 404s."""
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = world.campaign.slug
    path = case.operation.path
    if path.startswith(("/programs/", "/phases/")):
        program, phase = _program(world)
        ids = {"programs": program.pk, "phases": phase.pk}
        value = params.get("id")
        if isinstance(value, int) and value % 3 != 0:
            params["id"] = ids[path.split("/")[1]]
    if isinstance(params.get("measure_id"), int) and params["measure_id"] % 3 != 0:
        params["measure_id"] = world.measure_a.pk
    for name in ("id", "number", "pk"):
        value = params.get(name)
        if (
            isinstance(value, int)
            and value % 3 != 0
            and not path.startswith(("/programs/", "/phases/"))
        ):
            params[name] = {
                "number": world.problem.number,
            }.get(name, world.measure_a.pk)
        elif name == "number" and isinstance(value, int) and value % 3 != 0:
            params[name] = world.problem.number


@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms_to_the_document(case, world, office_headers):
    _anchor(case, world)
    case.call_and_validate(headers=office_headers, checks=CHECKS)


@pytest.mark.django_db
def test_the_openapi_document_is_built_once_per_process(client, monkeypatch):
    """Defect 8 of issue 10: it was rebuilt on every request (0.9 s; the docs page 2-4 s)."""
    from rectify.api.api import api

    first = client.get("/api/v1/openapi.json").json()
    built = []
    monkeypatch.setattr(type(api), "_build_schema", lambda self, **kw: built.append(kw))
    assert client.get("/api/v1/openapi.json").json() == first
    assert built == []
