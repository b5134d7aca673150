"""Write access through the API: read-only tokens and CSRF on the session."""

import pytest


@pytest.mark.django_db
def test_a_read_token_cannot_write(api, world):
    resp = api(world.office, scope="read").post(f"/measures/{world.measure_a.pk}/start")
    assert resp.status_code == 403
    assert resp.json()["code"] == "read_only_token"


@pytest.mark.django_db
def test_the_browser_session_works_and_needs_csrf_for_writes(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.office)
    assert browser.get("/api/v1/campaigns").status_code == 200
    resp = browser.post(f"/api/v1/measures/{world.measure_a.pk}/start")
    assert resp.status_code in (401, 403)
