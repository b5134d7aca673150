"""Correcting an item's triage fields on its page (office only) through update_triage: the text
never changes and each correction is visible in the item's activity log."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.feedback.items import services
from rectify.ledger.models import Category
from tests.campaigns import scene as listening
from tests.helpers import attrs, texts

scene, today = listening.scene, listening.today  # fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(scene):
    return services.create_feedback(
        scene.campaign,
        actor=scene.group,
        kind="problem",
        text="低保审批时间过长",
        channel="symposium",
        region=scene.beijing,
        activity=scene.activity_a,
    )


def triage(client, item, **changes):
    data = {
        "kind": item.kind,
        "region": item.region_id or "",
        "category": item.category_id or "",
        "org_unit": item.org_unit_id or "",
        "updated_at": item.updated_at.isoformat(),
        **changes,
    }
    return client.post(reverse("feedback-triage", args=[item.pk]), data)


def test_the_office_corrects_kind_region_category_and_unit(client, scene, item):
    category = Category.objects.create(campaign=scene.campaign, name="社会救助")
    client.force_login(scene.office)
    assert attrs(client.get(reverse("feedback-detail", args=[item.pk])), "triage-form")
    response = triage(
        client,
        item,
        kind="suggestion",
        region=scene.tianjin.pk,
        category=category.pk,
        org_unit=scene.bureau_b.pk,
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.kind, item.region, item.category, item.org_unit) == (
        "suggestion",
        scene.tianjin,
        category,
        scene.bureau_b,
    )
    assert item.text == "低保审批时间过长"
    entry = history(item).first()
    assert entry.action == "feedback.triage" and entry.actor == scene.office
    assert entry.before["region"] == scene.beijing.pk and entry.after["region"] == scene.tianjin.pk
    page = client.get(reverse("feedback-detail", args=[item.pk]))
    log = texts(page, "timeline")[0]
    assert "北京市" in log and "天津市" in log and "社会救助" in log and "乙省民政厅" in log


def test_each_correction_is_its_own_log_entry(client, scene, item):
    client.force_login(scene.office)
    triage(client, item, kind="suggestion")
    item.refresh_from_db()
    triage(client, item, kind="problem")
    assert [e.action for e in history(item)] == [
        "feedback.triage",
        "feedback.triage",
        "feedback.create",
    ]


def test_a_stale_form_saves_nothing(client, scene, item):
    client.force_login(scene.office)
    stale = item.updated_at
    services.update_triage(item, actor=scene.office, region=scene.hebei)
    item.refresh_from_db()
    response = triage(client, item, kind="suggestion", updated_at=stale.isoformat())
    assert response.status_code == 409
    assert texts(response, "form-errors")
    item.refresh_from_db()
    assert item.kind == "problem"


def test_a_category_of_another_campaign_is_a_field_error(client, scene, item):
    from tests.factories import make_campaign

    other = make_campaign(scene.ministry, slug="other")
    foreign = Category.objects.create(campaign=other, name="外")
    client.force_login(scene.office)
    response = triage(client, item, category=foreign.pk)
    assert response.status_code == 400
    assert texts(response, "error-category")


@pytest.mark.parametrize("persona", ["group", "leader", "viewer", "supervisor"])
def test_others_cannot_triage(client, scene, item, persona):
    client.force_login(scene.users[persona])
    assert not attrs(client.get(reverse("feedback-detail", args=[item.pk])), "triage-form")
    assert triage(client, item, kind="suggestion").status_code == 403
    item.refresh_from_db()
    assert item.kind == "problem"


def test_liaisons_and_outsiders_find_no_item(client, scene, item):
    for persona in ("liaison", "outsider"):
        client.force_login(scene.users[persona])
        assert triage(client, item, kind="suggestion").status_code == 404


def test_the_text_cannot_be_sent_along(client, scene, item):
    client.force_login(scene.office)
    triage(client, item, text="改写", kind="suggestion")
    item.refresh_from_db()
    assert item.text == "低保审批时间过长"
