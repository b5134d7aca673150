"""The API's fixed points: tokens, the error shape, scoping as on the pages, rate limits."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from rectify.api import tokens
from rectify.api.models import ApiToken
from rectify.reports import figures


@pytest.mark.django_db
def test_the_openapi_document_and_the_offline_docs_page_are_served(client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    assert doc.json()["info"]["version"] == "1"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in html


@pytest.mark.django_db
def test_the_openapi_document_repeats_no_key(client):
    """YAML readers (the docs page's Swagger UI) refuse a JSON object with a repeated key."""
    import json

    repeated = []

    def check(pairs):
        keys = [k for k, _ in pairs]
        repeated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=check)
    assert repeated == []


@pytest.mark.django_db
def test_a_token_acts_as_its_user(api, world):
    resp = api(world.office).get("/campaigns")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1
    assert body["items"][0]["slug"] == "world"
    assert body["items"][0]["roles"] == ["office"]


@pytest.mark.django_db
def test_without_credentials_the_answer_is_401_in_the_error_shape(client, world):
    resp = client.get("/api/v1/campaigns")
    assert resp.status_code == 401
    body = resp.json()
    assert body["code"] == "unauthenticated"
    assert "Bearer" in body["message_en"] and body["message"] != body["message_en"]


@pytest.mark.django_db
def test_tokens_are_stored_hashed(world):
    token, plaintext = tokens.issue(world.office, name="oa")
    assert plaintext.startswith("rct_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert plaintext not in (stored.digest, stored.prefix)
    assert tokens.authenticate(plaintext) == token


@pytest.mark.django_db
def test_expired_and_revoked_tokens_are_refused(client, world):
    _, expiring = tokens.issue(world.office, name="short", days=1)
    token, revoked = tokens.issue(world.office, name="gone")
    tokens.revoke(token, actor=world.office)
    headers = {"Authorization": f"Bearer {expiring}"}
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert client.get("/api/v1/campaigns", headers=headers).status_code == 401
    revoked_headers = {"Authorization": f"Bearer {revoked}"}
    assert client.get("/api/v1/campaigns", headers=revoked_headers).status_code == 401


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after(api, world, settings):
    settings.API_RATE_LIMIT = "3/min"
    caller = api(world.viewer)
    codes = [caller.get("/campaigns").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    resp = caller.get("/campaigns")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_figures_are_the_pages_figures(api, world, client):

    body = api(world.leader).get("/campaigns/world/figures").json()
    seen = figures.campaign_figures(world.leader, world.campaign)
    assert body["consolidated"] == seen.consolidated == 2
    assert body["measures_by_state"] == seen.measures_by_state


@pytest.mark.django_db
def test_a_liaison_gets_no_campaign_wide_figures(api, world):
    assert api(world.liaison).get("/campaigns/world/figures").status_code == 403
    assert api(world.outsider).get("/campaigns/world/figures").status_code == 404


@pytest.mark.django_db
def test_the_api_is_mounted_under_v1():
    assert reverse("api-v1:openapi-json") == "/api/v1/openapi.json"
