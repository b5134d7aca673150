"""The other ledger writes: who may make them and what they refuse."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from rectify.audit.log import history
from rectify.core.errors import PermissionRefused
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode, MeasureState, Source
from rectify.ledger.models import Evidence, Measure, Problem, ProblemList
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from tests.factories import add_evidence, grant, make_campaign

D = dt.date


# --- problems ---------------------------------------------------------------------------------


def test_problems_are_numbered_in_order_within_their_campaign(world):
    p = services.create_problem(world.campaign, actor=world.office, title="三", source=Source.SELF)
    assert p.number == 3
    other = make_campaign(world.ministry, slug="other")
    grant(world.office, other, Role.OFFICE)
    q = services.create_problem(other, actor=world.office, title="一", source=Source.SELF)
    assert q.number == 1


@pytest.mark.parametrize("who", ["liaison", "leader", "supervisor", "viewer", "group", "outsider"])
def test_only_the_office_creates_problems(world, who):
    with pytest.raises(PermissionRefused):
        services.create_problem(
            world.campaign, actor=world.personas[who], title="越权", source=Source.SELF
        )
    assert Problem.objects.filter(title="越权").count() == 0


def test_merging_keeps_the_links_and_logs_each_new_link_once(world):
    item = FeedbackItem.objects.create(
        campaign=world.campaign, kind=FeedbackKind.PROBLEM, text="会多文多", channel=Channel.OTHER
    )
    assert services.merge_feedback(world.problem, [item], actor=world.office, reason="相同") == [
        item.pk
    ]
    assert services.merge_feedback(world.problem, [item], actor=world.office) == []
    assert [e.action for e in history(world.problem)].count("problem.merge") == 1
    link = world.problem.merges.get()
    assert (link.feedback_item, link.merged_by, link.reason) == (item, world.office, "相同")


def test_feedback_of_another_campaign_cannot_be_merged(world):
    other = make_campaign(world.ministry, slug="other")
    item = FeedbackItem.objects.create(
        campaign=other, kind=FeedbackKind.PROBLEM, text="别处的意见", channel=Channel.OTHER
    )
    with pytest.raises(PermissionRefused):
        services.merge_feedback(world.problem, [item], actor=world.office)
    assert not world.problem.merges.exists()


def test_a_problem_cannot_join_another_campaigns_list(world):
    other = make_campaign(world.ministry, slug="other")
    foreign = ProblemList.objects.create(campaign=other, name="别处的清单")
    with pytest.raises(PermissionRefused):
        services.update_problem(world.problem, actor=world.office, lists=[foreign])
    with pytest.raises(PermissionRefused):
        services.create_problem(
            world.campaign, actor=world.office, title="新", source=Source.SELF, lists=[foreign]
        )
    assert not foreign.problems.exists()


# --- measures ---------------------------------------------------------------------------------


def test_a_new_measure_starts_as_a_draft_with_the_given_fields(world):
    m = services.create_measure(
        world.problem,
        actor=world.office,
        content="建立长效机制",
        responsible_unit=world.bureau_a,
        responsible_person="王五",
        mode=MeasureMode.LONG_TERM,
        deadline=None,
    )
    assert (m.state, m.version, m.closed_on, m.phase_complete) == (
        MeasureState.DRAFT,
        1,
        None,
        False,
    )
    assert (m.responsible_person, m.mode, m.campaign) == ("王五", "long_term", world.campaign)


@pytest.mark.parametrize(
    "field,value",
    [
        ("state", MeasureState.CLOSED),
        ("closed_on", D(2026, 1, 1)),
        ("version", 7),
        ("phase_complete", True),
        ("campaign", None),
    ],
)
def test_a_new_measure_cannot_skip_the_state_machine(world, field, value):
    count = Measure.objects.count()
    with pytest.raises(ValueError):
        services.create_measure(
            world.problem,
            actor=world.office,
            content="直接销号",
            responsible_unit=world.bureau_a,
            **{field: value},
        )
    assert Measure.objects.count() == count


def test_only_the_office_creates_measures(world):
    with pytest.raises(PermissionRefused):
        services.create_measure(
            world.problem, actor=world.liaison, content="自拟", responsible_unit=world.bureau_a
        )


def test_an_edit_is_decided_on_the_stored_unit_not_a_stale_copy(world):
    stale = Measure.objects.get(pk=world.measure_a.pk)  # the liaison's page, loaded earlier
    services.update_measure(
        world.measure_a, actor=world.office, expected_version=1, responsible_unit=world.bureau_b
    )
    with pytest.raises(PermissionRefused):
        services.update_measure(
            stale, actor=world.liaison, expected_version=None, responsible_person="张三"
        )
    assert Measure.objects.get(pk=stale.pk).responsible_person == ""


# --- milestones, progress, evidence ------------------------------------------------------------


def test_completing_a_milestone_again_with_the_same_date_logs_nothing(world):
    ms = services.add_milestone(
        world.measure_a, actor=world.liaison, title="摸底", due_on=D(2026, 9, 30)
    )
    services.complete_milestone(ms, actor=world.liaison, done_on=D(2026, 9, 28))
    services.complete_milestone(ms, actor=world.liaison, done_on=D(2026, 9, 28))
    assert [e.action for e in history(ms)] == ["milestone.done", "milestone.create"]


@pytest.mark.parametrize("who", ["liaison2", "viewer", "supervisor"])
def test_only_the_office_and_the_unit_add_milestones_reports_and_evidence(world, who):
    actor = world.personas[who]
    m = services.start(world.measure_a, actor=world.office)
    with pytest.raises(PermissionRefused):
        services.add_milestone(m, actor=actor, title="x", due_on=D(2026, 9, 30))
    with pytest.raises(PermissionRefused):
        services.add_progress_report(m, actor=actor, text="x", percent_done=10)
    with pytest.raises(PermissionRefused):
        add_evidence(m, actor)
    assert not m.milestones.exists()
    assert not m.reports.exists()
    assert not m.evidence.exists()


@pytest.mark.parametrize("path", [[], ["start", "request_closure", "verify"]])
def test_progress_is_reported_only_while_the_measure_is_under_way(world, path):
    m = world.measure_a
    for name in path:
        if name == "request_closure":
            add_evidence(m, world.liaison)
            m = services.transition(m, name, actor=world.liaison, reason="已完成")
        else:
            m = services.transition(m, name, actor=world.office, reason="同意")
    with pytest.raises(PermissionRefused):
        services.add_progress_report(m, actor=world.liaison, text="进展", percent_done=10)


def test_progress_reported_by_the_unit(world):
    m = services.start(world.measure_a, actor=world.liaison)
    report = services.add_progress_report(
        m, actor=world.liaison, text="完成一半", percent_done=50, reported_on=D(2026, 6, 1)
    )
    assert (report.reported_by, report.reported_on, report.percent_done) == (
        world.liaison,
        D(2026, 6, 1),
        50,
    )


def test_progress_is_refused_on_a_measure_closed_since_the_page_was_loaded(world):
    m = services.start(world.measure_a, actor=world.office)
    stale = Measure.objects.get(pk=m.pk)
    add_evidence(m, world.office)
    services.verify(
        services.request_closure(m, actor=SYSTEM, reason="整改完成"),
        actor=world.office,
        reason="同意销号",
    )
    with pytest.raises(PermissionRefused):
        services.add_progress_report(stale, actor=world.liaison, text="迟到的进展", percent_done=90)
    assert not m.reports.exists()


def test_evidence_cannot_be_filed_under_another_measures_report(world):
    b = services.start(world.measure_b, actor=world.office)
    report_b = services.add_progress_report(b, actor=world.liaison2, text="乙", percent_done=10)
    with pytest.raises(PermissionRefused):
        services.add_evidence(
            world.measure_a,
            actor=world.liaison,
            upload=ContentFile(b"x"),
            name="x.txt",
            report=report_b,
        )


def test_the_same_file_twice_is_stored_once_and_listed_twice(world):
    first = add_evidence(world.measure_a, world.liaison, b"same bytes", "a.pdf")
    second = services.add_evidence(
        world.measure_a, actor=world.liaison, upload=ContentFile(b"same bytes"), name="b.pdf"
    )
    assert first.sha256 == second.sha256
    assert first.file.name == second.file.name
    assert first.file.name.endswith(first.sha256)
    assert Evidence.objects.filter(measure=world.measure_a).count() == 2
    assert (second.original_name, second.size) == ("b.pdf", len(b"same bytes"))
