"""The admin: every model's pages render, ledger rows written by services stay read-only there,
and changes made through the admin land in the activity log."""

import pytest
from django.contrib import admin
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.ledger.models import Measure
from rectify.orgs.models import User


@pytest.fixture
def admin_client_world(client, world):
    su = User.objects.create_superuser("root", "root@example.invalid", "pw-root-123")
    client.force_login(su)
    return client


@pytest.mark.django_db
def test_every_registered_model_has_working_list_and_add_pages(admin_client_world, world):
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client_world.get(url).status_code == 200, url


@pytest.mark.django_db
def test_measure_state_cannot_be_changed_in_the_admin(admin_client_world, world):
    url = reverse("admin:ledger_measure_change", args=[world.measure_a.pk])
    page = admin_client_world.get(url).content.decode()
    assert 'name="state"' not in page


@pytest.mark.django_db
def test_verifications_are_read_only_in_the_admin(admin_client_world):
    url = reverse("admin:ledger_verification_add")
    assert admin_client_world.get(url).status_code == 403


@pytest.mark.django_db
def test_an_admin_edit_is_logged(admin_client_world, world):
    url = reverse("admin:ledger_problemlist_add")
    resp = admin_client_world.post(
        url, {"campaign": world.campaign.pk, "name": "部党组突出问题清单", "order": 1}
    )
    assert resp.status_code == 302
    entry = ActivityLog.objects.filter(action="admin.add").latest("id")
    assert entry.target_repr == "部党组突出问题清单"
    assert entry.campaign == world.campaign
    assert entry.actor.username == "root"


@pytest.mark.django_db
def test_an_admin_change_logs_before_and_after(admin_client_world, world):
    m = world.measure_a
    url = reverse("admin:ledger_measure_change", args=[m.pk])
    resp = admin_client_world.post(
        url,
        {
            "campaign": m.campaign_id,
            "problem": m.problem_id,
            "content": m.content,
            "responsible_unit": m.responsible_unit_id,
            "responsible_person": "张三",
            "mode": m.mode,
            "deadline": "2026-12-31",
            "milestones-TOTAL_FORMS": 0,
            "milestones-INITIAL_FORMS": 0,
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Measure.objects.get(pk=m.pk).responsible_person == "张三"
    entry = ActivityLog.objects.filter(action="admin.change", target_id=m.pk).latest("id")
    assert entry.before == {"responsible_person": ""}
    assert entry.after == {"responsible_person": "张三"}
