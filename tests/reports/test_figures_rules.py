"""Campaign figures (reports/figures.py) on hand-built campaigns: every count agrees with the
row-level rules of ledger/derived.py, and the calendar warning names the years it lacks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rectify.campaigns.choices import ActivityKind, DeadlineBasis
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import derived, services
from rectify.ledger.choices import DueStatus, MeasureState, ProblemState, Source
from rectify.ledger.models import Measure, Problem, ProblemList
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from rectify.orgs.models import Region
from rectify.reports import figures
from tests.factories import grant, make_campaign, make_unit, make_user
from tests.ledger.test_derived import close, drive, figures_of, pinned, set_basis

D = dt.date
S = MeasureState
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_calendar_warning_names_the_year_the_window_reaches(world):
    set_basis(world.campaign, DeadlineBasis.WORKING)
    assert figures_of(world.campaign, D(2026, 6, 1)).calendar_warning_years == []
    # Five working days after Mon 2026-12-28 reach into 2027.
    assert figures.campaign_figures(
        SYSTEM, world.campaign, D(2026, 12, 28)
    ).calendar_warning_years == [2027]
    # Counting in calendar days needs no holiday calendar at all.
    set_basis(world.campaign, DeadlineBasis.CALENDAR)
    assert figures_of(world.campaign, D(2027, 3, 1)).calendar_warning_years == []


@pytest.fixture
def hand_built(world):
    """A campaign built by hand, with every figure worked out below."""
    office = world.office
    c = make_campaign(world.ministry, slug="fig", due_soon_basis=DeadlineBasis.CALENDAR)
    grant(office, c, Role.OFFICE)

    bj, tj, he = (Region.objects.get(code=code) for code in ("110000", "120000", "130000"))
    cadres = [make_user(f"cadre{i}") for i in range(4)]
    g1 = WorkGroup.objects.create(campaign=c, name="一组", leader=cadres[0])
    g1.members.add(cadres[0], cadres[1])
    g1.regions.add(bj, tj)
    g2 = WorkGroup.objects.create(campaign=c, name="二组")
    g2.members.add(cadres[1], cadres[2])
    g2.regions.add(tj, he)
    WorkGroup.objects.create(campaign=c, name="三组")  # no members, no regions yet
    # The world's own campaign has work groups too; they must not count.
    other_group = WorkGroup.objects.create(campaign=world.campaign, name="别的组")
    other_group.members.add(cadres[3])

    for kind, people in [
        (ActivityKind.SYMPOSIUM, 12),
        (ActivityKind.SYMPOSIUM, 8),
        (ActivityKind.INTERVIEW, 5),
        (ActivityKind.FIELD_VISIT, 0),
    ]:
        ResearchActivity.objects.create(
            campaign=c,
            work_group=g1,
            kind=kind,
            title=kind,
            held_on=D(2026, 4, 1),
            participant_count=people,
        )
    ResearchActivity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.SYMPOSIUM,
        title="别处",
        held_on=D(2026, 4, 1),
        participant_count=99,
    )

    for kind, n in [(FeedbackKind.PROBLEM, 3), (FeedbackKind.SUGGESTION, 2)]:
        for _ in range(n):
            FeedbackItem.objects.create(campaign=c, kind=kind, text="意见", channel=Channel.OTHER)
    FeedbackItem.objects.create(
        campaign=world.campaign, kind=FeedbackKind.PROBLEM, text="别处", channel=Channel.OTHER
    )

    def problem(title, source, prominent=False):
        return services.create_problem(
            c, actor=office, title=title, source=source, is_prominent=prominent
        )

    def measure(p, deadline, unit=world.bureau_a):
        return services.create_measure(
            p, actor=office, content=p.title, responsible_unit=unit, deadline=deadline
        )

    # Inspection feedback: one rectified (two closed measures), one under way, one without.
    insp_done = problem("巡视一", Source.INSPECTION, prominent=True)
    close(measure(insp_done, D(2026, 5, 1)), office)
    close(measure(insp_done, D(2026, 5, 2), world.bureau_b), office)
    insp_open = problem("巡视二", Source.INSPECTION, prominent=True)
    close(measure(insp_open, D(2026, 5, 1)), office)
    drive(measure(insp_open, D(2026, 5, 31)), office, "start")  # overdue on 6-10
    problem("巡视三", Source.INSPECTION)
    # Grassroots problems.
    g_a = problem("基层一", Source.GRASSROOTS)
    measure(g_a, D(2026, 6, 12))  # draft, due soon on 6-10 (calendar, 5 days: to 6-15)
    drive(measure(g_a, D(2026, 6, 15)), office, "start", "request_closure")  # due soon
    drive(measure(g_a, D(2026, 6, 16)), office, "start", "request_closure", "return")  # not yet
    g_b = problem("基层二", Source.GRASSROOTS, prominent=True)
    m = close(measure(g_b, D(2026, 3, 1)), office)
    services.reopen(m, actor=office, reason="反弹")  # reopened and overdue

    lists = {
        "突出问题清单": [insp_done, insp_open, g_b],
        "基层蹲点调研问题清单": [g_a, g_b],
        "空清单": [],
    }
    for order, (name, members) in enumerate(lists.items()):
        pl = ProblemList.objects.create(campaign=c, name=name, order=order)
        pl.problems.set(members)

    # Subordinate units' campaigns roll up into this one; a grandchild does not count here.
    child_a = make_campaign(world.bureau_a, slug="fig-a", parent=c)
    make_campaign(world.bureau_b, slug="fig-b", parent=c)
    make_campaign(world.org_a1, slug="fig-a1", parent=child_a)
    make_campaign(make_unit("丙省民政厅", world.ministry), slug="elsewhere", parent=world.campaign)
    return c


def test_campaign_figures_on_a_hand_built_campaign(hand_built):
    f = figures_of(hand_built, D(2026, 6, 10))
    assert f.as_of == D(2026, 6, 10)
    assert f.work_groups == 3
    assert f.regions == 3  # Beijing, Tianjin, Hebei: Tianjin counted once
    assert f.cadres == 3  # cadre1 is in two groups: counted once
    assert (f.activities, f.symposiums, f.interviewees) == (4, 2, 25)
    assert (f.problems_collected, f.suggestions_collected) == (3, 2)
    assert f.consolidated == 5
    assert f.prominent == 3
    assert (f.inspection_total, f.inspection_rectified) == (3, 1)
    assert f.problems_by_state == {
        ProblemState.NO_MEASURE: 1,
        ProblemState.IN_PROGRESS: 2,
        ProblemState.RECTIFIED: 1,
        ProblemState.PHASE_DONE: 0,
        ProblemState.NOT_FEASIBLE: 0,
        ProblemState.RELAPSED: 1,  # its reopened measure: a relapse, counted apart
    }
    assert f.measures_by_state == {
        S.DRAFT: 1,
        S.IN_PROGRESS: 1,
        S.CLOSURE_REQUESTED: 1,
        S.RETURNED: 1,
        S.CLOSED: 3,
        S.REOPENED: 1,
    }
    assert f.measures_total == 8
    assert (f.overdue, f.due_soon) == (2, 2)
    assert f.subordinate_units == 2
    assert [(pl.name, n) for pl, n in f.lists] == [
        ("突出问题清单", 3),
        ("基层蹲点调研问题清单", 2),
        ("空清单", 0),
    ]
    assert f.calendar_warning_years == []


def test_campaign_figures_agree_with_the_row_by_row_rules(hand_built):
    on = D(2026, 6, 10)
    f = figures_of(hand_built, on)
    measures = list(Measure.objects.filter(campaign=hand_built).select_related("campaign"))
    statuses = [derived.due_status(m, on) for m in measures]
    assert f.overdue == statuses.count(DueStatus.OVERDUE)
    assert f.due_soon == statuses.count(DueStatus.DUE_SOON)
    problems = Problem.objects.filter(campaign=hand_built)
    states = [derived.problem_state(p) for p in problems]
    assert f.problems_by_state == {s: states.count(s) for s in ProblemState.values}


def test_campaign_figures_of_an_empty_campaign_are_zero(world):
    f = figures.campaign_figures(
        SYSTEM, make_campaign(world.ministry, slug="empty"), D(2026, 6, 10)
    )
    assert (f.work_groups, f.regions, f.cadres, f.activities, f.interviewees) == (0, 0, 0, 0, 0)
    assert (f.consolidated, f.measures_total, f.overdue, f.due_soon) == (0, 0, 0, 0)
    assert f.problems_by_state == dict.fromkeys(ProblemState.values, 0)
    assert f.measures_by_state == dict.fromkeys(S.values, 0)
    assert (f.subordinate_units, f.lists) == (0, [])


def test_campaign_figures_default_to_today(hand_built):
    with pinned(D(2026, 6, 10)):
        f = figures_of(hand_built)
    assert f.as_of == D(2026, 6, 10)
    assert (f.overdue, f.due_soon) == (2, 2)
