"""Derived figures: due status, problem state and the campaign's headline counts.

Each rule is computed twice (in Python for one object, in the database for a queryset); the
tests check both against hand-worked answers and against each other.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rectify.campaigns.choices import DeadlineBasis
from rectify.core.models import CalendarDay
from rectify.ledger import derived, services
from rectify.ledger.choices import DueStatus, MeasureMode, MeasureState, ProblemState, Source
from rectify.ledger.models import Measure, Problem
from rectify.orgs.access import SYSTEM
from rectify.reports import figures
from tests.factories import add_evidence

D = dt.date
S = MeasureState
SHANGHAI = ZoneInfo("Asia/Shanghai")


def figures_of(campaign, on=None):
    """The figures as the office sees them (everything)."""
    return figures.campaign_figures(SYSTEM, campaign, on)


def pinned(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def set_basis(campaign, basis, days=5):
    campaign.due_soon_basis = basis
    campaign.due_soon_days = days
    campaign.save()
    return campaign


def measure_due(world, deadline, *, unit=None, mode=MeasureMode.PHASED, problem=None):
    return services.create_measure(
        problem or world.problem,
        actor=world.office,
        content=f"期限 {deadline}",
        responsible_unit=unit or world.bureau_a,
        mode=mode,
        deadline=deadline,
    )


def drive(measure, office, *names, reason="依程序"):
    """Apply transitions in order, adding fresh evidence before a closure request, which the
    system (not `office`) makes, so that `office` may decide on it."""
    for name in names:
        actor = office
        if name == "request_closure":
            add_evidence(measure, office, content=f"proof {measure.pk} {measure.version}".encode())
            actor = SYSTEM
        measure = services.transition(measure, name, actor=actor, reason=reason)
    return measure


def close(measure, office):
    return drive(measure, office, "start", "request_closure", "verify")


# --- due soon / overdue ----------------------------------------------------------------------


def test_today_is_the_local_date_in_china():
    # 23:30 on Sep 30 in UTC is already Oct 1 in Beijing.
    with time_machine.travel(dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC)):
        assert derived.today() == D(2026, 10, 1)


@pytest.mark.parametrize(
    "basis,deadline,expected",
    [
        # On Wed 2026-09-30, the eve of the National Day holiday (Oct 1–7), 5 days ahead:
        # in working days that is Oct 8, 9, 10 (make-up Saturday), 12, 13.
        (DeadlineBasis.WORKING, D(2026, 9, 29), DueStatus.OVERDUE),
        (DeadlineBasis.WORKING, D(2026, 9, 30), DueStatus.DUE_SOON),  # due today: not late yet
        (DeadlineBasis.WORKING, D(2026, 10, 5), DueStatus.DUE_SOON),
        (DeadlineBasis.WORKING, D(2026, 10, 13), DueStatus.DUE_SOON),
        (DeadlineBasis.WORKING, D(2026, 10, 14), DueStatus.NONE),
        # in calendar days it is Oct 1–5.
        (DeadlineBasis.CALENDAR, D(2026, 9, 29), DueStatus.OVERDUE),
        (DeadlineBasis.CALENDAR, D(2026, 9, 30), DueStatus.DUE_SOON),
        (DeadlineBasis.CALENDAR, D(2026, 10, 5), DueStatus.DUE_SOON),
        (DeadlineBasis.CALENDAR, D(2026, 10, 6), DueStatus.NONE),
        (DeadlineBasis.CALENDAR, D(2026, 10, 13), DueStatus.NONE),
    ],
)
def test_due_status_around_the_national_day_holiday(world, basis, deadline, expected):
    set_basis(world.campaign, basis)
    m = measure_due(world, deadline)
    with pinned(D(2026, 9, 30)):
        assert derived.due_status(m) == expected
        annotated = derived.annotate_due_status(Measure.objects.filter(pk=m.pk), world.campaign)
        assert annotated.get().due_status == expected


def test_due_soon_cutoff_in_both_bases(world):
    on = D(2026, 9, 30)
    assert derived.due_soon_cutoff(set_basis(world.campaign, DeadlineBasis.WORKING), on) == D(
        2026, 10, 13
    )
    assert derived.due_soon_cutoff(set_basis(world.campaign, DeadlineBasis.CALENDAR), on) == D(
        2026, 10, 5
    )
    with pinned(on):
        assert derived.due_soon_cutoff(world.campaign) == D(2026, 10, 5)


def test_a_make_up_workday_counts_in_the_working_day_window(world):
    # Fri 2026-01-02 is New Year's Day off, Sat 3 is off, Sun 4 is a make-up workday.
    set_basis(world.campaign, DeadlineBasis.WORKING, days=1)
    assert derived.due_soon_cutoff(world.campaign, D(2026, 1, 2)) == D(2026, 1, 4)
    on_monday = measure_due(world, D(2026, 1, 5))
    assert derived.due_status(on_monday, D(2026, 1, 2)) == DueStatus.NONE
    on_sunday = measure_due(world, D(2026, 1, 4))
    assert derived.due_status(on_sunday, D(2026, 1, 2)) == DueStatus.DUE_SOON


def test_an_office_declared_2027_holiday_moves_the_window(world):
    # Fri 2027-01-29; the package knows nothing of 2027, so Mon–Fri: Feb 1–5.
    set_basis(world.campaign, DeadlineBasis.WORKING)
    on = D(2027, 1, 29)
    m = measure_due(world, D(2027, 2, 8))
    assert derived.due_soon_cutoff(world.campaign, on) == D(2027, 2, 5)
    assert derived.due_status(m, on) == DueStatus.NONE
    assert figures_of(world.campaign, on).calendar_warning_years == [2027]

    CalendarDay.objects.create(date=D(2027, 2, 1), is_workday=False, name="测试假日")
    assert derived.due_soon_cutoff(world.campaign, on) == D(2027, 2, 8)
    assert derived.due_status(m, on) == DueStatus.DUE_SOON
    assert figures_of(world.campaign, on).calendar_warning_years == []


def test_closed_measures_are_never_overdue(world):
    m = close(measure_due(world, D(2026, 3, 1)), world.office)
    on = D(2026, 9, 30)
    assert derived.due_status(m, on) == DueStatus.NONE
    assert derived.days_overdue(m, on) == 0
    annotated = derived.annotate_due_status(Measure.objects.filter(pk=m.pk), world.campaign, on)
    assert annotated.get().due_status == DueStatus.NONE

    m = services.reopen(m, actor=world.office, reason="回头看发现反弹")
    assert derived.due_status(m, on) == DueStatus.OVERDUE
    assert derived.days_overdue(m, on) == 213


@pytest.mark.parametrize(
    "path", [[], ["start"], ["start", "request_closure"], ["start", "request_closure", "return"]]
)
def test_every_open_state_can_be_overdue(world, path):
    m = drive(measure_due(world, D(2026, 9, 1)), world.office, *path)
    assert derived.due_status(m, D(2026, 9, 30)) == DueStatus.OVERDUE
    assert derived.days_overdue(m, D(2026, 9, 30)) == 29


def test_a_measure_without_deadline_is_never_late(world):
    m = measure_due(world, None, mode=MeasureMode.LONG_TERM)
    assert derived.due_status(m, D(2030, 1, 1)) == DueStatus.NONE
    assert derived.days_overdue(m, D(2030, 1, 1)) == 0


def test_days_overdue_counts_calendar_days(world):
    m = measure_due(world, D(2026, 9, 30))
    assert derived.days_overdue(m, D(2026, 9, 30)) == 0
    assert derived.days_overdue(m, D(2026, 10, 1)) == 1
    assert derived.days_overdue(m, D(2026, 10, 8)) == 8
    with pinned(D(2026, 10, 8)):
        assert derived.days_overdue(m) == 8


# Days chosen to sit on holidays, make-up days, a plain weekend, the year end and in 2027.
SWEEP_DAYS = [
    D(2026, 1, 2),
    D(2026, 2, 13),
    D(2026, 5, 8),
    D(2026, 9, 18),
    D(2026, 9, 30),
    D(2026, 10, 4),
    D(2026, 10, 9),
    D(2026, 3, 6),
    D(2026, 12, 28),
    D(2027, 1, 29),
]


@pytest.mark.parametrize("basis", [DeadlineBasis.WORKING, DeadlineBasis.CALENDAR])
def test_the_database_and_python_rules_agree_for_every_measure(world, basis):
    set_basis(world.campaign, basis)
    problem = services.create_problem(
        world.campaign, actor=world.office, title="期限样本", source=Source.SELF
    )
    deadlines = sorted({d + dt.timedelta(days=k) for d in SWEEP_DAYS for k in (-1, 0, 4, 9, 16)})
    for i, deadline in enumerate(deadlines):
        m = measure_due(world, deadline, problem=problem)
        if i % 5 == 1:
            close(m, world.office)
        elif i % 5 == 2:
            drive(m, world.office, "start")
    measure_due(world, None, mode=MeasureMode.LONG_TERM, problem=problem)

    measures = list(Measure.objects.select_related("campaign"))
    seen = set()
    for on in SWEEP_DAYS:
        in_db = dict(
            derived.annotate_due_status(Measure.objects.all(), world.campaign, on).values_list(
                "pk", "due_status"
            )
        )
        for m in measures:
            assert in_db[m.pk] == derived.due_status(m, on), (on, m.deadline, m.state)
            seen.add(in_db[m.pk])
    assert seen == set(DueStatus.values)


# --- problem state ---------------------------------------------------------------------------


def test_problem_state_rules(world):
    office = world.office
    no_measure = services.create_problem(
        world.campaign, actor=office, title="尚无措施", source=Source.AUDIT
    )
    all_closed = services.create_problem(
        world.campaign, actor=office, title="全部销号", source=Source.AUDIT
    )
    close(measure_due(world, D(2026, 6, 30), problem=all_closed), office)
    close(measure_due(world, D(2026, 6, 30), problem=all_closed, unit=world.bureau_b), office)
    one_open = services.create_problem(
        world.campaign, actor=office, title="一项未完", source=Source.AUDIT
    )
    close(measure_due(world, D(2026, 6, 30), problem=one_open), office)
    measure_due(world, D(2026, 6, 30), problem=one_open)
    reopened = services.create_problem(
        world.campaign, actor=office, title="销号后重新整改", source=Source.AUDIT
    )
    m = close(measure_due(world, D(2026, 6, 30), problem=reopened), office)
    services.reopen(m, actor=office, reason="反弹")
    awaiting = services.create_problem(
        world.campaign, actor=office, title="待验收", source=Source.AUDIT
    )
    drive(measure_due(world, D(2026, 6, 30), problem=awaiting), office, "start", "request_closure")
    reclosed = services.create_problem(
        world.campaign, actor=office, title="反弹后再次销号", source=Source.AUDIT
    )
    m = close(measure_due(world, D(2026, 6, 30), problem=reclosed), office)
    m = services.reopen(m, actor=office, reason="反弹")
    drive(m, office, "request_closure", "verify")
    phase = services.create_problem(
        world.campaign, actor=office, title="长期坚持", source=Source.AUDIT
    )
    close(measure_due(world, D(2026, 6, 30), problem=phase), office)
    long_term = drive(
        measure_due(world, None, problem=phase, mode=MeasureMode.LONG_TERM), office, "start"
    )
    services.mark_phase_complete(long_term, actor=office)
    not_feasible = services.create_problem(
        world.campaign, actor=office, title="暂不具备条件", source=Source.AUDIT
    )
    close(measure_due(world, D(2026, 6, 30), problem=not_feasible), office)
    m = drive(measure_due(world, D(2026, 6, 30), problem=not_feasible), office, "start")
    services.close_not_feasible(m, actor=office, reason="需修订法规")

    expected = {
        no_measure: ProblemState.NO_MEASURE,
        all_closed: ProblemState.RECTIFIED,
        one_open: ProblemState.IN_PROGRESS,
        reopened: ProblemState.RELAPSED,
        reclosed: ProblemState.RELAPSED,  # the relapse stays counted after re-closure
        awaiting: ProblemState.IN_PROGRESS,  # a closure request is not a closure
        phase: ProblemState.PHASE_DONE,  # never counted as rectified
        not_feasible: ProblemState.NOT_FEASIBLE,
        world.problem: ProblemState.IN_PROGRESS,  # two draft measures
    }
    for problem, state in expected.items():
        assert derived.problem_state(problem) == state, problem.title
    in_db = dict(derived.annotate_problem_state(Problem.objects.all()).values_list("pk", "state"))
    for problem in Problem.objects.all():
        assert in_db[problem.pk] == derived.problem_state(problem), problem.title


def row(state, mode=MeasureMode.PHASED, phase_complete=False, closure="", awaiting=False):
    closure = closure or ("rectified" if state == S.CLOSED else "")
    return {
        "state": state,
        "mode": mode,
        "phase_complete": phase_complete,
        "closure": closure,
        "awaiting_confirmation": awaiting,
    }


def test_problem_state_of_the_rule_itself():
    rule = derived.problem_state_of
    assert rule([]) == ProblemState.NO_MEASURE
    assert rule([row(S.CLOSED), row(S.CLOSED)]) == ProblemState.RECTIFIED
    for state in set(S.values) - {S.CLOSED}:
        assert rule([row(S.CLOSED), row(state)]) == ProblemState.IN_PROGRESS
    assert rule([row(S.CLOSED)], relapsed=True) == ProblemState.RELAPSED
    assert rule([row(S.CLOSED, awaiting=True)]) == ProblemState.IN_PROGRESS
    long_done = row(S.IN_PROGRESS, mode=MeasureMode.LONG_TERM, phase_complete=True)
    assert rule([row(S.CLOSED), long_done]) == ProblemState.PHASE_DONE
    assert rule([row(S.CLOSED, closure="not_feasible"), long_done]) == ProblemState.NOT_FEASIBLE
    assert rule([row(S.CLOSED, closure="not_feasible")]) == ProblemState.NOT_FEASIBLE
    # Phase complete only counts for long-term measures.
    assert rule([row(S.IN_PROGRESS, phase_complete=True)]) == ProblemState.IN_PROGRESS


# --- the campaign's headline figures ---------------------------------------------------------
