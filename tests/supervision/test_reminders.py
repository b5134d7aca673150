"""The reminder run's schedule: working days (weekends, official holidays, make-up workdays and
the office's own calendar), calendar days, idempotency, escalation yellow then red."""

import datetime as dt

import pytest
from django.core.management import call_command

from rectify.campaigns.choices import DeadlineBasis
from rectify.ledger import services as ledger
from rectify.ledger.holidays import services as holidays
from rectify.ledger.holidays.notice import Day
from rectify.supervision.choices import NoticeLevel, NotificationKind, SupervisionKind
from rectify.supervision.models import Notification, SupervisionAction
from rectify.supervision.reminders import remind
from tests.supervision.town import at

pytestmark = pytest.mark.django_db

D = dt.date


def days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def run_daily(clock, start, end, *, twice=True):
    """One step each day at 10:00; with `twice`, a second step at 10:05 must write nothing."""
    for day in days(start, end):
        clock.move_to(at(day))
        remind()
        if twice:
            before = (Notification.objects.count(), SupervisionAction.objects.count())
            clock.move_to(at(day).replace(minute=5))
            summary = remind()
            assert summary.reminders == 0 and summary.notices == 0, day
            assert (Notification.objects.count(), SupervisionAction.objects.count()) == before


def reminder_days(measure, user) -> list[tuple[dt.date, str]]:
    rows = Notification.objects.filter(
        measure=measure, recipient=user, kind=NotificationKind.REMINDER
    ).order_by("created_at", "id")
    return [
        (n.created_at.astimezone(at(D(2026, 1, 1)).tzinfo).date(), n.key.split(":")[1])
        for n in rows
    ]


def started_measure(w, unit, deadline, content="规范督查检查考核事项"):
    m = w.measure(w.problem, unit, content, deadline=deadline)
    return ledger.start(m, actor=w.office)


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days(town, clock):
    """National Day 2026: 1–7 October off, Saturday 10 October a make-up workday."""
    w = town
    m = started_measure(w, w.bureau_a, D(2026, 10, 9))
    run_daily(clock, D(2026, 9, 21), D(2026, 10, 31))
    assert reminder_days(m, w.liaison) == [
        (D(2026, 9, 29), "before"),  # 3 working days left: 9/30, 10/8, 10/9
        (D(2026, 10, 9), "due"),
        (D(2026, 10, 10), "overdue"),  # the make-up Saturday is the first overdue day
        (D(2026, 10, 14), "overdue"),  # every 3 working days: 10/12, 10/13, 10/14
        (D(2026, 10, 19), "overdue"),
        (D(2026, 10, 22), "overdue"),
        (D(2026, 10, 27), "overdue"),
        (D(2026, 10, 30), "overdue"),
    ]
    # other units' people hear nothing of it
    assert not Notification.objects.filter(measure=m, recipient=w.liaison2).exists()
    notices = list(SupervisionAction.objects.filter(level__in=NoticeLevel.values).order_by("id"))
    assert [
        (n.level, n.happened_at.astimezone(at(D(2026, 1, 1)).tzinfo).date()) for n in notices
    ] == [
        (NoticeLevel.YELLOW, D(2026, 10, 19)),  # after 3 overdue reminders
        (NoticeLevel.RED, D(2026, 10, 30)),  # after 3 more
    ]
    yellow, red = notices
    assert yellow.kind == SupervisionKind.ESCALATION and yellow.actor is None
    assert list(yellow.items.all()) == [m] and yellow.target_unit == w.bureau_a
    assert yellow.number == "〔2026〕1号" and red.number == "〔2026〕2号"
    assert yellow.required_by == D(2026, 10, 26)  # 5 working days after 10/19
    # the notice goes to the unit it is addressed to (liaison, leader) and its supervisors,
    # not to another unit's people
    told = set(
        Notification.objects.filter(action=yellow).values_list("recipient__username", flat=True)
    )
    assert told == {"liaison", "leader_a", "supervisor"}
    # the notice's own text is the paragraph of the document; the notification carries the
    # items and links (in the app a path on this site, which the notification list follows)
    assert "http" not in yellow.content and "规范督查检查考核事项" not in yellow.content
    told_leader = Notification.objects.get(action=yellow, recipient=w.leader_a)
    assert told_leader.url == f"/c/{w.campaign.slug}/notices/{yellow.pk}/"
    assert "规范督查检查考核事项" in told_leader.body
    assert f"/c/{w.campaign.slug}/notices/{yellow.pk}/" in told_leader.body
    assert Notification.objects.filter(measure=m, kind=NotificationKind.REMINDER).first().url == (
        f"/measures/{m.pk}/"
    )


def test_reminders_begun_late_count_from_their_first_day_no_backlog_of_notices(town, clock):
    """A measure a month overdue when the reminder run first works on the campaign: the first
    run sends one reminder and no notice; the yellow notice follows M reminders later."""
    w = town
    m = started_measure(w, w.bureau_a, D(2026, 9, 21))
    clock.move_to(at(D(2026, 10, 26)))
    assert remind().notices == 0  # one reminder, not a month's backlog of notices
    assert reminder_days(m, w.liaison) == [(D(2026, 10, 26), "overdue")]
    run_daily(clock, D(2026, 10, 27), D(2026, 11, 20))
    sent = [day for day, _reason in reminder_days(m, w.liaison)]
    assert sent[0] == D(2026, 10, 26) and len(sent) >= 6
    notices = SupervisionAction.objects.filter(level__in=NoticeLevel.values).order_by("id")
    assert [
        (n.level, n.happened_at.astimezone(at(D(2026, 1, 1)).tzinfo).date()) for n in notices
    ] == [
        (NoticeLevel.YELLOW, sent[2]),  # with the third reminder sent
        (NoticeLevel.RED, sent[5]),  # three more after the yellow
    ]


def test_a_start_reminder_waits_for_working_days_after_assignment(town, clock):
    """measure_a was assigned on Monday 9/21 and stays in draft; Friday 9/25 is Mid-autumn."""
    w = town
    w.campaign.remind_after_days = 4
    w.campaign.save()
    run_daily(clock, D(2026, 9, 21), D(2026, 10, 2))
    assert reminder_days(w.measure_a, w.liaison) == [(D(2026, 9, 28), "start")]
    # a started measure is not reminded to start
    assert reminder_days(w.measure_b, w.liaison) == []


def test_nothing_is_written_on_a_day_off(town, clock):
    w = town
    m = started_measure(w, w.bureau_a, D(2026, 9, 30))
    clock.move_to(at(D(2026, 10, 3)))  # a Saturday within National Day
    summary = remind()
    assert summary.reminders == 0
    clock.move_to(at(D(2026, 10, 8)))  # first working day after: the first overdue day
    remind()
    assert reminder_days(m, w.liaison) == [(D(2026, 10, 8), "overdue")]


def test_calendar_days_count_weekends(town, clock):
    w = town
    w.campaign.due_soon_basis = DeadlineBasis.CALENDAR
    w.campaign.remind_before_days = 2
    w.campaign.remind_overdue_every = 2
    w.campaign.escalate_after = 0
    w.campaign.save()
    m = started_measure(w, w.bureau_a, D(2026, 10, 5))
    run_daily(clock, D(2026, 9, 28), D(2026, 10, 10), twice=False)
    assert reminder_days(m, w.liaison) == [
        (D(2026, 10, 3), "before"),
        (D(2026, 10, 5), "due"),
        (D(2026, 10, 6), "overdue"),
        (D(2026, 10, 8), "overdue"),
        (D(2026, 10, 10), "overdue"),
    ]
    assert not SupervisionAction.objects.exists()  # escalation off


def test_the_offices_own_calendar_counts_beyond_the_package(town, clock):
    """2027 is beyond the chinese-calendar package: the office enters the State Council's
    notice; a declared make-up Saturday counts, a declared holiday does not."""
    w = town
    holidays.replace_year(
        2027,
        [Day(D(2027, 1, 11), False, "元旦调休"), Day(D(2027, 1, 9), True, "元旦补班")],
        actor=w.office,
    )
    m = started_measure(w, w.bureau_a, D(2027, 1, 8))  # a Friday
    run_daily(clock, D(2027, 1, 8), D(2027, 1, 16), twice=False)
    assert reminder_days(m, w.liaison) == [
        (D(2027, 1, 8), "due"),
        (D(2027, 1, 9), "overdue"),  # Saturday, declared a workday: overdue day 1
        (D(2027, 1, 14), "overdue"),  # 1/11 declared off: 1/12, 1/13, 1/14 are days 2–4
    ]


def test_closed_measures_get_nothing(town, clock):
    w = town
    m = started_measure(w, w.bureau_a, D(2026, 9, 22))
    ledger.close_not_feasible(m, actor=w.office, reason="暂不具备条件")
    run_daily(clock, D(2026, 9, 21), D(2026, 10, 20), twice=False)
    assert reminder_days(m, w.liaison) == []


def test_a_moved_deadline_starts_the_ladder_again(town, clock):
    w = town
    m = started_measure(w, w.bureau_a, D(2026, 9, 22))
    w.campaign.escalate_after = 1
    w.campaign.save()
    clock.move_to(at(D(2026, 9, 23)))
    remind()
    assert SupervisionAction.objects.filter(level=NoticeLevel.YELLOW).count() == 1
    m.refresh_from_db()
    ledger.update_measure(
        m,
        actor=w.office,
        expected_version=m.version,
        deadline=D(2026, 9, 28),
        deadline_reason="协调",
    )
    clock.move_to(at(D(2026, 9, 29)))
    remind()
    # overdue again against the new deadline: a new reminder and a new yellow notice, not red
    assert reminder_days(m, w.liaison)[-1] == (D(2026, 9, 29), "overdue")
    levels = list(SupervisionAction.objects.order_by("id").values_list("level", flat=True))
    assert levels == [NoticeLevel.YELLOW, NoticeLevel.YELLOW]


def test_the_command_runs_one_step_and_says_what_it_did(town, clock, capsys):
    started_measure(town, town.bureau_a, D(2026, 9, 18))
    clock.move_to(at(D(2026, 9, 22)))
    call_command("remind")
    out = capsys.readouterr().out
    assert "reminders written 1" in out and "notices issued 0" in out
    call_command("remind")
    assert "reminders written 0" in capsys.readouterr().out


def test_the_worker_step_enqueues_the_next_one(town, clock, settings):
    from django_tasks_db.models import DBTaskResult

    from rectify.supervision.reminders import remind_and_reschedule, start_schedule

    start_schedule()
    start_schedule()  # a step already waits: no second chain
    assert DBTaskResult.objects.filter(task_path=remind_and_reschedule.module_path).count() == 1
    result = remind_and_reschedule.call()
    assert set(result) == {"reminders", "notices", "mailed", "failed"}
    waiting = DBTaskResult.objects.filter(task_path=remind_and_reschedule.module_path).order_by(
        "-run_after"
    )
    assert waiting.count() == 2
    assert waiting[0].run_after >= at(D(2026, 9, 21), 9) + dt.timedelta(
        seconds=settings.REMIND_INTERVAL
    )
