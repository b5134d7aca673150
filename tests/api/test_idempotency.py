"""Idempotency-Key on feedback intake: a retried POST creates nothing twice and answers the same."""

import threading

import pytest
from django.db import connection
from django.test import Client

from rectify.api import tokens
from rectify.api.models import IdempotentRequest
from rectify.feedback.models import FeedbackItem
from rectify.orgs.choices import Role
from tests.factories import grant, make_user

PATH = "/campaigns/world/feedback"
ITEM = {"kind": "problem", "text": "办事窗口排长队", "channel": "hotline"}


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


@pytest.mark.django_db
def test_the_same_key_twice_makes_one_item_and_the_same_answer(api, world):
    caller = api(world.office)
    first = caller.post(PATH, ITEM, headers=key("retry-1"))
    second = caller.post(PATH, ITEM, headers=key("retry-1"))
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()  # (PostgreSQL's jsonb may reorder the members)
    assert FeedbackItem.objects.count() == 1
    assert IdempotentRequest.objects.get().path == "/api/v1/campaigns/world/feedback"


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_a_422_in_the_error_shape(api, world):
    caller = api(world.office)
    assert caller.post(PATH, ITEM, headers=key("k")).status_code == 201
    resp = caller.post(PATH, {**ITEM, "text": "另一件事"}, headers=key("k"))
    assert resp.status_code == 422
    body = resp.json()
    assert set(body) == {"code", "message", "message_en", "errors"}
    assert body["code"] == "idempotency_key_reused"
    assert "different request" in body["message_en"]
    assert body["message"] != body["message_en"]
    assert FeedbackItem.objects.count() == 1


@pytest.mark.django_db
def test_the_same_body_for_another_campaign_is_a_different_request(api, world):
    from tests.factories import make_campaign

    grant(world.office, make_campaign(world.ministry, slug="other"), Role.OFFICE)
    caller = api(world.office)
    assert caller.post(PATH, ITEM, headers=key("k")).status_code == 201
    resp = caller.post("/campaigns/other/feedback", ITEM, headers=key("k"))
    assert resp.status_code == 422


@pytest.mark.django_db
def test_keys_belong_to_their_user(api, world):
    office2 = make_user("office2")
    grant(office2, world.campaign, Role.OFFICE)
    one = api(world.office).post(PATH, ITEM, headers=key("shared"))
    two = api(office2).post(PATH, ITEM, headers=key("shared"))
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    assert FeedbackItem.objects.count() == 2


@pytest.mark.django_db
def test_without_a_key_each_post_is_new(api, world):
    caller = api(world.office)
    caller.post(PATH, ITEM)
    caller.post(PATH, ITEM)
    assert FeedbackItem.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db
def test_a_refused_request_does_not_use_up_its_key(api, world):
    caller = api(world.office)
    bad = caller.post(PATH, {**ITEM, "region_id": 999999}, headers=key("k"))
    assert bad.status_code == 422
    fixed = caller.post(PATH, ITEM, headers=key("k2"))
    assert fixed.status_code == 201
    again = caller.post(PATH, {**ITEM, "region_id": 999999}, headers=key("k"))
    assert again.status_code == 422 and again.json()["code"] == "invalid"
    assert FeedbackItem.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_after_an_external_id_conflict_answers_the_conflict_again(api, world):
    caller = api(world.office)
    assert caller.post(PATH, {**ITEM, "external_id": "X1"}, headers=key("a")).status_code == 201
    for _ in range(2):
        resp = caller.post(PATH, {**ITEM, "external_id": "X1"}, headers=key("b"))
        assert resp.status_code == 409
    # while a retry with the first key is the first answer
    assert caller.post(PATH, {**ITEM, "external_id": "X1"}, headers=key("a")).status_code == 201
    assert FeedbackItem.objects.count() == 1


@pytest.mark.django_db
def test_a_key_longer_than_200_characters_is_a_422(api, world):
    resp = api(world.office).post(PATH, ITEM, headers=key("k" * 201))
    assert resp.status_code == 422
    assert not FeedbackItem.objects.exists()


# --- concurrent double submission (PostgreSQL: real row locks) -------------------------------


def _submit_together(world, bodies_and_keys) -> list:
    """POST each (body, key) from its own thread and connection, all at the same moment."""
    plaintext = tokens.issue(world.office, name="race", scope="write")[1]
    barrier = threading.Barrier(len(bodies_and_keys))
    answers: list = [None] * len(bodies_and_keys)

    def submit(i, body, idem_key):
        try:
            browser = Client()
            barrier.wait(timeout=10)
            answers[i] = browser.post(
                f"/api/v1{PATH}",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {plaintext}", **key(idem_key)},
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(i, body, k))
        for i, (body, k) in enumerate(bodies_and_keys)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return answers


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("body", [ITEM, {**ITEM, "external_id": "OA-1"}])
def test_a_concurrent_double_submission_with_one_key_makes_one_item(world, body, settings):
    settings.API_RATE_LIMIT = "1000/min"
    answers = _submit_together(world, [(body, "same"), (body, "same"), (body, "same")])
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert FeedbackItem.objects.count() == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_external_id_make_one_item_and_409s(world, settings):
    settings.API_RATE_LIMIT = "1000/min"
    body = {**ITEM, "external_id": "OA-2"}
    answers = _submit_together(world, [(body, "one"), (body, "two"), (body, "three")])
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert FeedbackItem.objects.count() == 1
