"""Milestones on the measure page: the office and the responsible unit add, edit, complete, undo
and delete them in place (htmx) or by plain posts; others may not."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from rectify.audit.models import ActivityLog
from rectify.ledger import services
from rectify.ledger.models import Milestone
from tests.helpers import attrs, messages_of, texts

pytestmark = pytest.mark.usefixtures("pinned_today")

HTMX = {"HX-Request": "true"}
TODAY = dt.date(2026, 11, 16)


def add_url(measure):
    return reverse("milestone-add", args=[measure.pk])


def make(world, title="摸底排查", due_on=dt.date(2026, 12, 10)):
    return services.add_milestone(world.measure_a, actor=world.office, title=title, due_on=due_on)


def actions(milestone):
    return ActivityLog.objects.filter(target_id=milestone.pk, action__startswith="milestone.")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "liaison"])
def test_add_edit_complete_undo_delete_in_place(client, world, persona):
    client.force_login(world.personas[persona])
    m = world.measure_a
    # add
    response = client.post(
        add_url(m), {"title": "制定考核事项清单", "due_on": "2026-12-01"}, headers=HTMX
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert texts(response, "milestone-title") == ["制定考核事项清单"]
    ms = Milestone.objects.get(measure=m)
    assert (ms.title, ms.due_on, ms.done_on) == ("制定考核事项清单", dt.date(2026, 12, 1), None)
    # edit: the form comes in place, then the saved row
    edit_url = reverse("milestone-edit", args=[ms.pk])
    response = client.get(edit_url, headers=HTMX)
    assert len(attrs(response, "milestone-edit-form")) == 1
    response = client.post(
        edit_url, {"title": "制定并公布考核事项清单", "due_on": "2026-12-05"}, headers=HTMX
    )
    assert texts(response, "milestone-title") == ["制定并公布考核事项清单"]
    ms.refresh_from_db()
    assert (ms.title, ms.due_on) == ("制定并公布考核事项清单", dt.date(2026, 12, 5))
    # complete: today unless a date is given
    done_url = reverse("milestone-done", args=[ms.pk])
    response = client.post(done_url, {}, headers=HTMX)
    ms.refresh_from_db()
    assert ms.done_on == TODAY
    assert [a["data-done"] for a in attrs(response, "milestone")] == ["1"]
    client.post(done_url, {"done_on": "2026-11-12"}, headers=HTMX)
    ms.refresh_from_db()
    assert ms.done_on == dt.date(2026, 11, 12)
    # a completed one cannot be deleted
    response = client.post(reverse("milestone-delete", args=[ms.pk]), headers=HTMX)
    assert response.status_code == 200
    assert len(texts(response, "milestone-error")) == 1
    assert Milestone.objects.filter(pk=ms.pk).exists()
    # undo, then delete
    response = client.post(done_url, {"undo": "1"}, headers=HTMX)
    ms.refresh_from_db()
    assert ms.done_on is None
    response = client.post(reverse("milestone-delete", args=[ms.pk]), headers=HTMX)
    assert texts(response, "milestone") == []
    assert not Milestone.objects.filter(pk=ms.pk).exists()
    logged = list(actions(ms).order_by("id").values_list("action", flat=True))
    assert logged == [
        "milestone.create",
        "milestone.update",
        "milestone.done",
        "milestone.done",
        "milestone.update",
        "milestone.delete",
    ]
    assert set(actions(ms).values_list("actor", flat=True)) == {world.personas[persona].pk}


@pytest.mark.django_db
def test_plain_posts_work_without_javascript(client, world):
    client.force_login(world.liaison)
    m = world.measure_a
    response = client.post(add_url(m), {"title": "完成整改", "due_on": "2026-12-20"})
    assert response.status_code == 302
    assert response.url == reverse("measure-detail", args=[m.pk]) + "#milestones"
    ms = Milestone.objects.get(measure=m)
    # the edit page of its own
    edit_url = reverse("milestone-edit", args=[ms.pk])
    page = client.get(edit_url)
    assert page.status_code == 200 and len(attrs(page, "milestone-edit-form")) == 1
    response = client.post(edit_url, {"title": "", "due_on": "2026-12-20"})
    assert response.status_code == 400
    assert texts(response, "error-title")
    response = client.post(edit_url, {"title": "完成全部整改", "due_on": "2026-12-21"})
    assert response.status_code == 302
    response = client.post(reverse("milestone-done", args=[ms.pk]), {"done_on": "2026-11-15"})
    assert response.status_code == 302
    ms.refresh_from_db()
    assert (ms.title, ms.due_on, ms.done_on) == (
        "完成全部整改",
        dt.date(2026, 12, 21),
        dt.date(2026, 11, 15),
    )
    # a refusal comes back as a message on the measure page
    response = client.post(reverse("milestone-delete", args=[ms.pk]), follow=True)
    with translation.override("zh-hans"):
        refused = translation.gettext("A completed milestone stays on record.")
    assert messages_of(response)[-1] == refused
    assert Milestone.objects.filter(pk=ms.pk).exists()


@pytest.mark.django_db
def test_bad_input_is_shown_in_place_and_saves_nothing(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(add_url(m), {"title": " ", "due_on": "2026-02-30"}, headers=HTMX)
    assert response.status_code == 200
    assert texts(response, "error-title") and texts(response, "error-due_on")
    assert not Milestone.objects.exists()
    ms = make(world)
    response = client.post(
        reverse("milestone-done", args=[ms.pk]), {"done_on": "2026-12-01"}, headers=HTMX
    )  # in the future
    assert len(texts(response, "milestone-error")) == 1
    ms.refresh_from_db()
    assert ms.done_on is None


@pytest.mark.django_db
def test_overdue_open_milestones_are_highlighted(client, world):
    make(world, "已过期未完成", dt.date(2026, 11, 1))
    done = make(world, "已过期已完成", dt.date(2026, 11, 2))
    services.complete_milestone(done, actor=world.office, done_on=dt.date(2026, 11, 2))
    make(world, "未到期", dt.date(2026, 12, 1))
    client.force_login(world.viewer)
    page = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    rows = attrs(page, "milestone")
    assert [(r["data-overdue"], r["data-done"]) for r in rows] == [
        ("1", "0"),
        ("0", "1"),
        ("0", "0"),
    ]
    assert "list-group-item-danger" in rows[0]["class"]
    assert len(texts(page, "milestone-overdue")) == 1
    # a reader sees no buttons
    assert attrs(page, "milestone-add-form") == [] and attrs(page, "milestone-edit") == []


@pytest.mark.django_db
def test_the_page_offers_the_controls_to_those_who_may_use_them(client, world):
    make(world)
    for persona, shown in (("office", 1), ("liaison", 1), ("viewer", 0), ("leader", 0)):
        client.force_login(world.personas[persona])
        page = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
        assert len(attrs(page, "milestone-add-form")) == shown, persona
        assert len(attrs(page, "milestone-complete")) == shown, persona


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [("liaison2", 404), ("viewer", 403)])
def test_others_may_not_touch_milestones(client, world, persona, status):
    """The other unit's liaison does not see the measure at all (404, as on every measure
    page); a reader sees it but may not change it (403)."""
    ms = make(world)
    client.force_login(world.personas[persona])
    m = world.measure_a
    assert client.post(add_url(m), {"title": "x", "due_on": "2026-12-01"}).status_code == status
    assert client.get(reverse("milestone-edit", args=[ms.pk])).status_code == status
    edit = {"title": "篡改", "due_on": "2026-12-01"}
    assert client.post(reverse("milestone-edit", args=[ms.pk]), edit).status_code == status
    assert client.post(reverse("milestone-done", args=[ms.pk])).status_code == status
    assert client.post(reverse("milestone-delete", args=[ms.pk])).status_code == status
    ms.refresh_from_db()
    assert (ms.title, ms.done_on) == ("摸底排查", None)
    assert Milestone.objects.count() == 1


@pytest.mark.django_db
def test_the_other_units_liaison_may_change_their_own_measures_milestones(client, world):
    ms = services.add_milestone(
        world.measure_b, actor=world.office, title="乙省步骤", due_on=dt.date(2026, 12, 1)
    )
    client.force_login(world.liaison)  # bureau_a's liaison: not theirs
    assert client.post(reverse("milestone-done", args=[ms.pk])).status_code == 404
    client.force_login(world.liaison2)
    assert client.post(reverse("milestone-done", args=[ms.pk])).status_code == 302
    ms.refresh_from_db()
    assert ms.done_on == TODAY


@pytest.mark.django_db
def test_the_section_alone_for_cancel(client, world):
    make(world)
    client.force_login(world.viewer)
    response = client.get(add_url(world.measure_a), headers=HTMX)
    assert response.status_code == 200 and texts(response, "milestone-title") == ["摸底排查"]
    response = client.get(add_url(world.measure_a))
    assert response.status_code == 302  # without htmx: the measure page
