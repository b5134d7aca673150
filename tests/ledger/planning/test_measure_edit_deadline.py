"""Editing a measure's plan: cooperating units, working-day deadlines, and a deadline that moves
only with a reason — the original kept, the moves counted and shown."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.ledger.models import DeadlineChange
from tests.helpers import attrs, texts

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(measure):
    return reverse("measure-edit", args=[measure.pk])


def office_data(measure, **overrides):
    data = {
        "content": measure.content,
        "responsible_unit": measure.responsible_unit_id,
        "responsible_person": measure.responsible_person,
        "mode": measure.mode,
        "deadline_by": "days" if measure.working_days else "date",
        "deadline": measure.deadline.isoformat() if measure.deadline else "",
        "decided_on": measure.decided_on.isoformat() if measure.decided_on else "",
        "working_days": measure.working_days or "",
        "version": measure.version,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_deadline_change_without_a_reason_is_refused(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m, deadline="2027-03-31"))
    assert response.status_code == 200
    assert "deadline_reason" in response.context["form"].errors
    assert texts(response, "error-deadline_reason")
    m.refresh_from_db()
    assert (m.deadline, m.deadline_moves, m.version) == (dt.date(2026, 12, 31), 0, 1)
    assert not DeadlineChange.objects.exists()


@pytest.mark.django_db
def test_a_deadline_change_with_a_reason_is_recorded_and_shown(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(
        url(m), office_data(m, deadline="2027-03-31", deadline_reason="需配合省级立法进度")
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.deadline, m.original_deadline, m.deadline_moves) == (
        dt.date(2027, 3, 31),
        dt.date(2026, 12, 31),
        1,
    )
    change = DeadlineChange.objects.get(measure=m)
    assert (change.old_deadline, change.new_deadline, change.reason, change.changed_by) == (
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
        "需配合省级立法进度",
        world.office,
    )
    entry = ActivityLog.objects.get(action="measure.update", target_id=m.pk)
    assert entry.reason == "需配合省级立法进度"

    # a second move, with its own reason
    client.post(
        url(m), office_data(m, deadline="2027-06-30", deadline_reason="汛期施工受限，顺延一季度")
    )
    m.refresh_from_db()
    assert (m.deadline, m.original_deadline, m.deadline_moves) == (
        dt.date(2027, 6, 30),
        dt.date(2026, 12, 31),
        2,
    )

    # shown on the measure page, the problem page and the edit page
    page = client.get(reverse("measure-detail", args=[m.pk]))
    assert [a["data-moves"] for a in attrs(page, "deadline-moves")] == ["2"]
    assert texts(page, "original-deadline") == ["2026-12-31"]  # (the deadlines card)
    history = " ".join(texts(page, "deadline-change"))
    assert "需配合省级立法进度" in history and "汛期施工受限" in history
    problem = client.get(reverse("problem-detail", args=["world", world.problem.number]))
    assert [a["data-moves"] for a in attrs(problem, "deadline-moves")] == ["2"]
    assert "2026年12月31日" in texts(problem, "measure-original-deadline")[0]
    edit = client.get(url(m))
    assert texts(edit, "original-deadline") == ["2026年12月31日"]
    assert [a["data-moves"] for a in attrs(edit, "deadline-moves")] == ["2"]
    assert "汛期施工受限" in texts(edit, "deadline-changes")[0]


@pytest.mark.django_db
def test_a_measure_that_never_moved_shows_no_count(client, world):
    client.force_login(world.office)
    page = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    assert attrs(page, "deadline-moves") == []
    problem = client.get(reverse("problem-detail", args=["world", world.problem.number]))
    assert attrs(problem, "deadline-moves") == []


@pytest.mark.django_db
def test_saving_other_fields_needs_no_reason(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m, responsible_person="赵六"))
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.responsible_person, m.deadline_moves) == ("赵六", 0)


@pytest.mark.django_db
def test_the_office_changes_cooperating_units(client, world):
    client.force_login(world.office)
    m = world.measure_a
    response = client.post(url(m), office_data(m, cooperating_units=[world.bureau_b.pk]))
    assert response.status_code == 302
    assert list(m.cooperating_units.all()) == [world.bureau_b]
    entry = ActivityLog.objects.get(action="measure.update", target_id=m.pk)
    assert (entry.before["cooperating_units"], entry.after["cooperating_units"]) == (
        [],
        [world.bureau_b.pk],
    )
    form = client.get(url(m)).context["form"]
    assert form["cooperating_units"].value() == [world.bureau_b.pk]
    # the same units again: nothing to save
    m.refresh_from_db()
    client.post(url(m), office_data(m, cooperating_units=[world.bureau_b.pk]))
    assert ActivityLog.objects.filter(action="measure.update", target_id=m.pk).count() == 1


@pytest.mark.django_db
def test_switching_to_working_days_moves_the_deadline_with_a_reason(client, world):
    client.force_login(world.office)
    m = world.measure_a
    values = office_data(m, deadline_by="days", decided_on="2026-09-29", working_days="5")
    response = client.post(url(m), values)
    assert "deadline_reason" in response.context["form"].errors
    response = client.post(url(m), {**values, "deadline_reason": "按党组会议决定重新确定时限"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.deadline, m.decided_on, m.working_days, m.original_deadline, m.deadline_moves) == (
        dt.date(2026, 10, 12),
        dt.date(2026, 9, 29),
        5,
        dt.date(2026, 12, 31),
        1,
    )
    # the edit form comes back in working days; saving it unchanged moves nothing
    form = client.get(url(m)).context["form"]
    assert (form["deadline_by"].value(), form["working_days"].value()) == ("days", 5)
    response = client.post(url(m), office_data(m, responsible_person="孙七"))
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.deadline, m.deadline_moves) == (dt.date(2026, 10, 12), 1)
    # back to a date: the working days are cleared
    response = client.post(
        url(m),
        office_data(m, deadline_by="date", deadline="2026-12-15", deadline_reason="改为固定日期"),
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.deadline, m.decided_on, m.working_days, m.deadline_moves) == (
        dt.date(2026, 12, 15),
        None,
        None,
        2,
    )


@pytest.mark.django_db
def test_the_liaison_sees_no_plan_fields(client, world):
    client.force_login(world.liaison)
    response = client.get(url(world.measure_a))
    assert list(response.context["form"].fields) == [
        "content",
        "responsible_person",
        "remarks",
        "version",
    ]
    assert attrs(response, "deadline-fields") == []


@pytest.mark.django_db
def test_without_deadline_by_the_form_infers_the_way(world):
    """The API sends no `deadline_by`: a new date on a working-day measure is that date; new
    working days are counted."""
    from rectify.ledger import services
    from rectify.ledger.inputs import MeasureForm

    m = services.create_measure(
        world.problem,
        actor=world.office,
        content="按工作日",
        responsible_unit=world.bureau_a,
        decided_on=dt.date(2026, 9, 29),
        working_days=5,
    )
    initial = MeasureForm(measure=m, user=world.office).initial
    assert "deadline_by" not in initial

    form = MeasureForm(
        {**initial, "deadline": "2026-12-01", "deadline_reason": "改期"},
        measure=m,
        user=world.office,
    )
    assert form.is_valid(), form.errors
    assert form.changes() == {
        "deadline": dt.date(2026, 12, 1),
        "decided_on": None,
        "working_days": None,
    }
    assert "deadline_by" not in form.cleaned_data

    form = MeasureForm(
        {**initial, "working_days": 6, "deadline_reason": "多一天"}, measure=m, user=world.office
    )
    assert form.is_valid(), form.errors
    assert form.changes() == {"working_days": 6, "deadline": dt.date(2026, 10, 13)}

    form = MeasureForm({**initial, "content": "改了文字"}, measure=m, user=world.office)
    assert form.is_valid(), form.errors
    assert form.changes() == {"content": "改了文字"}
