"""Adding measures on the problem page: a date or working days from a decision date (official
holidays respected, uncovered years warned about), cooperating units, who may, what is checked,
and "save and add another"."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import chinese_calendar
import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.ledger.models import Measure
from tests.factories import make_unit
from tests.helpers import attrs, messages_of, texts

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(world, problem=None):
    return reverse("measure-create", args=[world.campaign.slug, (problem or world.problem).number])


def data(world, **overrides):
    values = {
        "content": "建立基层考核事项清单",
        "responsible_unit": world.bureau_a.pk,
        "responsible_person": "王五",
        "mode": "phased",
        "deadline_by": "date",
        "deadline": "2026-12-31",
        "decided_on": "",
        "working_days": "",
    }
    values.update(overrides)
    return values


def working_days_after(start: dt.date, n: int) -> dt.date:
    """The reference: chinese_calendar itself, day by day."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def new_measure(world):
    return Measure.objects.filter(problem=world.problem).order_by("-id").first()


@pytest.mark.django_db
def test_the_office_adds_a_measure_with_a_date(client, world):
    client.force_login(world.office)
    response = client.post(url(world), data(world))
    assert response.status_code == 302
    assert response.url == reverse("problem-detail", args=["world", world.problem.number])
    m = new_measure(world)
    assert (m.content, m.responsible_unit, m.responsible_person) == (
        "建立基层考核事项清单",
        world.bureau_a,
        "王五",
    )
    assert (m.mode, m.state, m.deadline, m.original_deadline) == (
        "phased",
        "draft",
        dt.date(2026, 12, 31),
        dt.date(2026, 12, 31),
    )
    assert (m.decided_on, m.working_days) == (None, None)
    assert ActivityLog.objects.filter(action="measure.create", target_id=m.pk).count() == 1


@pytest.mark.django_db
def test_working_days_across_the_national_day_holiday(client, world):
    """2026-09-29 + 5 working days: 30 Sep, then 1–7 Oct off, 8, 9, Saturday 10 Oct (a make-up
    workday) and Monday 12 Oct."""
    client.force_login(world.office)
    decided = dt.date(2026, 9, 29)
    response = client.post(
        url(world),
        data(
            world, deadline_by="days", deadline="", decided_on=decided.isoformat(), working_days=5
        ),
    )
    assert response.status_code == 302
    m = new_measure(world)
    assert m.deadline == working_days_after(decided, 5) == dt.date(2026, 10, 12)
    assert (m.decided_on, m.working_days, m.original_deadline) == (decided, 5, m.deadline)
    after = ActivityLog.objects.get(action="measure.create", target_id=m.pk).after
    assert (after["decided_on"], after["working_days"], after["deadline"]) == (
        "2026-09-29",
        5,
        "2026-10-12",
    )
    # the measure page says how the deadline was set
    page = client.get(reverse("measure-detail", args=[m.pk]))
    assert texts(page, "deadline") == ["2026年10月12日"]
    (basis,) = texts(page, "deadline-basis")
    assert "2026年9月29日" in basis and "5" in basis


@pytest.mark.django_db
def test_working_days_into_2027_count_monday_to_friday_and_say_so(client, world):
    client.force_login(world.office)
    values = data(
        world, deadline_by="days", deadline="", decided_on="2026-12-20", working_days="20"
    )
    # before saving: the preview shows the date and the warning
    preview = client.get(reverse("deadline-preview", args=["world"]), values)
    assert [a["data-deadline"] for a in attrs(preview, "deadline-preview")] == ["2027-01-15"]
    (shown,) = texts(preview, "computed-deadline")
    assert "2027-01-15" in shown and "星期五" in shown
    assert texts(preview, "calendar-warning")[0].startswith("2027年的时限暂按周一至周五计算工作日")
    # a form sent back with an error keeps the preview and the warning
    response = client.post(url(world), {**values, "content": ""})
    assert response.status_code == 400
    assert [a["data-deadline"] for a in attrs(response, "deadline-preview")] == ["2027-01-15"]
    assert len(texts(response, "calendar-warning")) == 1
    response = client.post(url(world), values)
    assert response.status_code == 302
    assert new_measure(world).deadline == dt.date(2027, 1, 15)


@pytest.mark.django_db
def test_cooperating_units_are_saved_logged_and_shown(client, world):
    client.force_login(world.office)
    response = client.post(
        url(world),
        data(world, cooperating_units=[world.bureau_b.pk, world.org_a1.pk, world.bureau_a.pk]),
    )
    assert response.status_code == 302
    m = new_measure(world)
    # the lead unit does not cooperate with itself
    assert set(m.cooperating_units.all()) == {world.bureau_b, world.org_a1}
    after = ActivityLog.objects.get(action="measure.create", target_id=m.pk).after
    assert after["cooperating_units"] == sorted([world.bureau_b.pk, world.org_a1.pk])
    page = client.get(reverse("measure-detail", args=[m.pk]))
    assert texts(page, "cooperating-units") == ["甲省某协会、乙省民政厅"]
    problem_page = client.get(reverse("problem-detail", args=["world", world.problem.number]))
    (shown,) = texts(problem_page, "measure-cooperating")
    assert shown.endswith("甲省某协会、乙省民政厅")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("liaison", 403), ("viewer", 403), ("leader", 403), ("liaison2", 403), ("outsider", 404)],
)
def test_only_the_office_adds_measures(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(url(world)).status_code == status
    assert client.post(url(world), data(world)).status_code == status
    assert not Measure.objects.filter(content="建立基层考核事项清单").exists()


@pytest.mark.django_db
def test_the_add_button_is_for_the_office(client, world):
    problem_url = reverse("problem-detail", args=["world", world.problem.number])
    client.force_login(world.office)
    assert [a["href"] for a in attrs(client.get(problem_url), "add-measure")] == [url(world)]
    for persona in ("liaison", "viewer"):
        client.force_login(world.personas[persona])
        assert attrs(client.get(problem_url), "add-measure") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"content": "  "}, "content", "required"),
        ({"responsible_unit": ""}, "responsible_unit", "required"),
        ({"deadline": ""}, "deadline", "required"),
        ({"deadline": "2025-12-31"}, "deadline", "before_start"),
        ({"deadline_by": "days", "decided_on": "2026-09-01"}, "working_days", "required"),
        ({"deadline_by": "days", "working_days": "10"}, "decided_on", "required"),
        ({"deadline_by": "days", "decided_on": "", "working_days": ""}, "working_days", "required"),
        (
            {"deadline_by": "days", "decided_on": "2025-12-01", "working_days": "5"},
            "working_days",
            "before_start",
        ),
        (
            {"deadline_by": "days", "decided_on": "2026-09-01", "working_days": "0"},
            "working_days",
            "min_value",
        ),
        ({"cooperating_units": ["999999"]}, "cooperating_units", "invalid_choice"),
    ],
)
def test_what_is_checked(client, world, overrides, field, code):
    world.campaign.starts_on = dt.date(2026, 1, 1)
    world.campaign.save()
    client.force_login(world.office)
    response = client.post(url(world), data(world, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()
    assert code in [e.code for e in errors.get(field, [])]
    assert texts(response, f"error-{field}")
    assert Measure.objects.filter(problem=world.problem).count() == 2  # the World's two


@pytest.mark.django_db
def test_a_long_term_measure_may_omit_the_deadline(client, world):
    client.force_login(world.office)
    response = client.post(url(world), data(world, mode="long_term", deadline=""))
    assert response.status_code == 302
    assert (new_measure(world).mode, new_measure(world).deadline) == ("long_term", None)


@pytest.mark.django_db
def test_a_unit_outside_the_campaign_is_refused(client, world):
    client.force_login(world.office)
    stranger = make_unit("无关单位")
    response = client.post(url(world), data(world, responsible_unit=stranger.pk))
    assert response.status_code == 400
    assert "responsible_unit" in response.context["form"].errors


@pytest.mark.django_db
def test_save_and_add_another_keeps_the_unit_mode_and_deadline(client, world):
    client.force_login(world.office)
    response = client.post(
        url(world),
        data(
            world,
            action="another",
            mode="immediate",
            deadline_by="days",
            deadline="",
            decided_on="2026-11-16",
            working_days="10",
        ),
    )
    assert response.status_code == 302
    target = urlparse(response.url)
    assert target.path == url(world)
    assert parse_qs(target.query) == {
        "responsible_unit": [str(world.bureau_a.pk)],
        "responsible_person": ["王五"],
        "mode": ["immediate"],
        "deadline_by": ["days"],
        "decided_on": ["2026-11-16"],
        "working_days": ["10"],
    }
    page = client.get(response.url)
    form = page.context["form"]
    assert form["responsible_unit"].value() == str(world.bureau_a.pk)
    assert form["working_days"].value() == "10"
    assert form["content"].value() in ("", None)
    # the kept deadline is computed at once, and the measures so far are listed
    assert [a["data-deadline"] for a in attrs(page, "deadline-preview")] == ["2026-11-30"]
    assert len(texts(page, "existing-measure")) == 3
    assert len(messages_of(page)) == 1


@pytest.mark.django_db
def test_the_lead_unit_of_the_problem_is_proposed(client, world):
    from rectify.ledger import services

    services.update_problem(world.problem, actor=world.office, lead_unit=world.bureau_b)
    client.force_login(world.office)
    form = client.get(url(world)).context["form"]
    assert form["responsible_unit"].value() == world.bureau_b.pk
