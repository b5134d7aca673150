"""The public operations against the OpenAPI document with the page open, so generated requests
reach the service (201, 422, 429) and not only the closed page's 404 (test_schema.py runs every
operation against the demo world, whose public page is closed)."""

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

from rectify.feedback.public import codes, services

EXAMPLES = int(os.getenv("SCHEMA_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

from rectify.wsgi import application  # noqa: E402  (Django is set up by pytest-django)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/public/"
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As in test_schema.py: schemathesis calls the WSGI application directly, and Django's
    closing of old connections at the end of a request would end the test's transaction on
    PostgreSQL."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def opened(world, settings):
    settings.API_RATE_LIMIT = "100000/min"
    settings.PUBLIC_RATE_LIMITS = {
        "submit_per_address": "100000/m",
        "submit_per_campaign": "100000/m",
        "lookup_per_address": "100000/m",
    }
    services.set_public_intake(world.campaign, actor=world.office, enabled=True)
    world.known = services.submit_public(
        world.campaign, text="已知的一条反映", kind="problem", ip="192.0.2.1"
    )
    return world


@schema.parametrize()
@hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_public_operations_conform_to_the_document(case, opened):
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = opened.campaign.slug
    if "code" in params and len(str(params["code"])) % 2:
        params["code"] = codes.format_code(opened.known.receipt_code).lower()
    case.call_and_validate(checks=CHECKS)
