"""阶段性完成 from the measure page, and the holiday-calendar warning on the measure page, my
tasks and the office's to-do (a deadline or due-soon window reaching a year without data)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.campaigns.choices import DeadlineBasis
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode

pytestmark = pytest.mark.usefixtures("pinned_today")


def long_term(world):
    m = world.measure(world.problem, world.bureau_a, "长期坚持的措施", mode=MeasureMode.LONG_TERM)
    return services.start(m, actor=world.liaison)


def detail(client, measure):
    return client.get(reverse("measure-detail", args=[measure.pk]))


@pytest.mark.django_db
def test_the_liaison_marks_a_long_term_measure_phase_complete(client, world):
    m = long_term(world)
    client.force_login(world.liaison)
    page = detail(client, m)
    assert page.context["may_mark_phase_complete"]
    assert b'data-testid="phase-complete"' in page.content
    response = client.post(
        reverse("measure-phase-complete", args=[m.pk]),
        {"reason": "第一阶段已完成", "version": m.version},
        follow=True,
    )
    assert response.status_code == 200
    m.refresh_from_db()
    assert m.phase_complete and m.state == "in_progress"  # it stays open
    assert b'data-testid="phase-complete"' not in response.content  # not offered twice
    entry = [e for e in history(m) if e.action == "measure.phase_complete"][-1]
    assert entry.actor == world.liaison and entry.reason == "第一阶段已完成"


@pytest.mark.django_db
def test_htmx_is_answered_with_a_redirect_to_the_measure(client, world):
    m = long_term(world)
    client.force_login(world.office)
    response = client.post(
        reverse("measure-phase-complete", args=[m.pk]),
        {"version": m.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.headers["HX-Redirect"] == reverse("measure-detail", args=[m.pk])
    m.refresh_from_db()
    assert m.phase_complete


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [("leader", 403), ("liaison2", 404)])
def test_others_are_refused(client, world, persona, status):
    m = long_term(world)
    client.force_login(world.personas[persona])
    assert not detail(client, m).context.get("may_mark_phase_complete", False)
    response = client.post(reverse("measure-phase-complete", args=[m.pk]), {"version": m.version})
    assert response.status_code == status
    m.refresh_from_db()
    assert not m.phase_complete


@pytest.mark.django_db
def test_a_measure_not_long_term_gets_no_button_and_is_refused(client, world):
    m = services.start(world.measure_a, actor=world.liaison)
    client.force_login(world.liaison)
    page = detail(client, m)
    assert b'data-testid="phase-complete"' not in page.content
    response = client.post(
        reverse("measure-phase-complete", args=[m.pk]), {"version": m.version}, follow=True
    )
    m.refresh_from_db()
    assert not m.phase_complete
    assert response.status_code == 200
    assert [str(x) for x in response.context["messages"]] == [
        "只有长期坚持类措施可以标记阶段性完成。"
    ]


# --- the calendar warning ----------------------------------------------------------------------


def warned(response) -> str | None:
    html = response.content.decode()
    if 'data-testid="calendar-warning"' not in html:
        return None
    return html.split('data-years="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
def test_the_measure_page_warns_of_a_deadline_counted_in_2027(client, world):
    m = services.create_measure(
        world.problem,
        actor=world.office,
        content="明年的措施",
        responsible_unit=world.bureau_a,
        decided_on=dt.date(2027, 3, 1),
        working_days=5,
    )
    client.force_login(world.liaison)
    assert warned(detail(client, m)) == "2027"
    assert warned(detail(client, world.measure_a)) is None  # a date given as such: no count


def working_window_into_2027(world, time_machine):
    world.campaign.due_soon_basis = DeadlineBasis.WORKING
    world.campaign.due_soon_days = 5
    world.campaign.save()
    # Five working days after Mon 2026-12-28 reach into 2027.
    time_machine.move_to(dt.datetime(2026, 12, 28, 10, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.mark.django_db
def test_my_tasks_warns_when_the_due_soon_window_reaches_2027(client, world, time_machine):
    client.force_login(world.liaison)
    assert warned(client.get(reverse("my-tasks", args=[world.campaign.slug]))) is None
    working_window_into_2027(world, time_machine)
    client.force_login(world.liaison)  # the session of the day before has expired
    assert warned(client.get(reverse("my-tasks", args=[world.campaign.slug]))) == "2027"


@pytest.mark.django_db
def test_the_office_todo_warns_when_the_due_soon_window_reaches_2027(client, world, time_machine):
    client.force_login(world.office)
    assert warned(client.get(reverse("office-todo", args=[world.campaign.slug]))) is None
    working_window_into_2027(world, time_machine)
    client.force_login(world.office)  # the session of the day before has expired
    assert warned(client.get(reverse("office-todo", args=[world.campaign.slug]))) == "2027"
