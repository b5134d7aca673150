"""The admin: every model's pages render, ledger rows written by services stay read-only there,
and changes made through the admin land in the activity log."""

import pytest
from django.contrib import admin
from django.urls import reverse

from rectify.audit.models import ActivityLog
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
@pytest.mark.parametrize("model", ["measure", "problem", "problemlist", "category"])
def test_ledger_rows_are_read_only_in_the_admin(admin_client_world, world, model):
    """Only the services write ledger rows (versions, field rules, the activity log)."""
    obj = {
        "measure": world.measure_a,
        "problem": world.measure_a.problem,
        "problemlist": world.campaign.problem_lists.first() or _a_list(world),
        "category": _a_category(world),
    }[model]
    change = reverse(f"admin:ledger_{model}_change", args=[obj.pk])
    page = admin_client_world.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client_world.post(change, {}).status_code == 403
    assert admin_client_world.get(reverse(f"admin:ledger_{model}_add")).status_code == 403


@pytest.mark.django_db
def test_verifications_are_read_only_in_the_admin(admin_client_world):
    url = reverse("admin:ledger_verification_add")
    assert admin_client_world.get(url).status_code == 403


@pytest.mark.django_db
def test_an_admin_edit_is_logged(admin_client_world, world):
    url = reverse("admin:core_calendarday_add")
    resp = admin_client_world.post(url, {"date": "2027-01-01", "is_workday": "", "name": "元旦"})
    assert resp.status_code == 302
    entry = ActivityLog.objects.filter(action="admin.add").latest("id")
    assert entry.target_repr == "2027-01-01 元旦"
    assert entry.actor.username == "root"


@pytest.mark.django_db
def test_an_admin_change_logs_before_and_after(admin_client_world, world):
    campaign = world.campaign
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    form = admin_client_world.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="新的名称")
    resp = admin_client_world.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    entry = ActivityLog.objects.filter(action="admin.change", target_id=campaign.pk).latest("id")
    assert entry.before["name"] == campaign.name
    assert entry.after == {"name": "新的名称"}
    assert entry.campaign == campaign


def _a_list(world):
    from rectify.ledger.models import ProblemList

    return ProblemList.objects.create(campaign=world.campaign, name="清单")


def _a_category(world):
    from rectify.ledger.models import Category

    return Category.objects.create(campaign=world.campaign, name="类别")
