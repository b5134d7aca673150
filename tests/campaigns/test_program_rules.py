"""Special programs' rules: who sets them up (the office) and who reads them (every member),
the activity log of every change, progress rolled up from measures (weighted where weights are
set), and what counts as late on the roadmap."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from rectify.audit.log import history
from rectify.campaigns.models import Phase, ProgramWeight
from rectify.campaigns.programs import services
from rectify.campaigns.scoping import can_edit_programs, get_program_for_user, scope_programs
from rectify.core.errors import DomainError, PermissionRefused
from rectify.ledger import services as ledger
from rectify.orgs.access import SYSTEM
from rectify.reports import roadmap
from tests.factories import add_evidence, grant, make_campaign, make_unit, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")
TODAY = dt.date(2026, 11, 16)


def close(world, measure):
    """A measure closed the real way: started, evidence, closure asked, verified."""
    measure = ledger.start(measure, actor=world.office)
    add_evidence(measure, world.office)
    measure = ledger.request_closure(measure, actor=SYSTEM, reason="已完成")
    return ledger.verify(measure, actor=world.office, reason="同意")


@pytest.fixture
def program(world):
    return services.create_program(
        world.campaign, actor=world.office, name="基层减负专项整治", group_label="2"
    )


# --- scoping ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_office_sets_programs_up(world):
    allowed = {
        who for who, user in world.personas.items() if can_edit_programs(user, world.campaign)
    }
    assert allowed == {"office"}
    for who, user in world.personas.items():
        if who == "office":
            continue
        with pytest.raises(PermissionRefused):
            services.create_program(world.campaign, actor=user, name="某专项")


@pytest.mark.django_db
def test_every_member_reads_programs_and_outsiders_none(world, program):
    for who, user in world.personas.items():
        visible = list(scope_programs(user, world.campaign))
        assert visible == ([] if who == "outsider" else [program]), who
    assert get_program_for_user(world.liaison, program.pk) == program


@pytest.mark.django_db
def test_another_campaigns_office_cannot_touch_the_program(world, program):
    other = make_campaign(make_unit("别的部门"), slug="other")
    other_office = make_user("other_office")
    grant(other_office, other, "office")
    with pytest.raises(Http404):
        get_program_for_user(other_office, program.pk)
    with pytest.raises(PermissionDenied):
        get_program_for_user(world.viewer, program.pk, write=True)
    with pytest.raises(PermissionRefused):
        services.update_program(program, actor=other_office, name="改名")


# --- writes and their log --------------------------------------------------------------------


@pytest.mark.django_db
def test_every_change_is_logged(world, program):
    services.update_program(program, actor=world.office, leader="张三", lead_unit=world.bureau_a)
    phase = services.add_phase(
        program,
        actor=world.office,
        name="摸底排查",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 10, 31),
    )
    services.update_phase(phase, actor=world.office, name="调查摸底")
    services.add_problems(
        program, [world.problem], actor=world.office, measures=[world.measure_a, world.measure_b]
    )
    services.set_weight(program, world.measure_a, actor=world.office, weight=3)
    services.remove_measure(program, world.measure_b, actor=world.office)
    services.remove_problem(program, world.problem, actor=world.office, measures=[world.measure_a])
    services.delete_phase(phase, actor=world.office)
    actions = [entry.action for entry in history(program)][::-1]
    assert actions == [
        "program.create",
        "program.update",
        "program.phase_add",
        "program.phase_update",
        "program.add",
        "program.weight",
        "program.remove",
        "program.remove",
        "program.phase_delete",
    ]
    added = history(program).get(action="program.add")
    assert added.after == {
        "problem_numbers": [world.problem.number],
        "measure_ids": sorted([world.measure_a.pk, world.measure_b.pk]),
    }
    assert not ProgramWeight.objects.exists()  # the weight left with its measure
    assert not Phase.objects.exists()


@pytest.mark.django_db
def test_nothing_changed_nothing_logged(world, program):
    services.update_program(program, actor=world.office, name=program.name)
    services.add_problems(program, [], actor=world.office)
    services.remove_measure(program, world.measure_a, actor=world.office)
    assert [e.action for e in history(program)] == ["program.create"]


@pytest.mark.django_db
def test_a_phase_cannot_end_before_it_starts(world, program):
    with pytest.raises(DomainError):
        services.add_phase(
            program,
            actor=world.office,
            name="倒置",
            starts_on=dt.date(2026, 10, 1),
            ends_on=dt.date(2026, 9, 1),
        )


@pytest.mark.django_db
def test_problems_of_another_campaign_are_refused(world, program):
    other = make_campaign(world.ministry, slug="other")
    stranger = ledger.create_problem(other, actor=SYSTEM, title="别处的问题", source="audit")
    with pytest.raises(DomainError):
        services.add_problems(program, [stranger], actor=world.office)


@pytest.mark.django_db
def test_deleting_a_program_keeps_its_problems_and_measures(world, program):
    services.add_problems(program, [world.problem], actor=world.office, measures=[world.measure_a])
    services.delete_program(program, actor=world.office)
    world.measure_a.refresh_from_db()
    assert world.problem.pk and world.measure_a.programs.count() == 0


# --- progress ----------------------------------------------------------------------------------


def test_roll_up_is_a_plain_mean_without_weights():
    assert roadmap.rolled_up([(100, None), (0, None), (50, None)]) == 50
    assert roadmap.rolled_up([]) is None


def test_roll_up_weighs_where_weights_are_set_and_counts_others_one():
    assert roadmap.rolled_up([(100, 3), (0, None)]) == 75
    assert roadmap.rolled_up([(100, 1), (0, 1), (40, 2)]) == 45


@pytest.mark.django_db
def test_a_programs_progress_from_closed_reported_and_silent_measures(world, program):
    services.add_problems(
        program,
        [world.problem, world.problem_b_only],
        actor=world.office,
        measures=[world.measure_a, world.measure_b, world.measure_b2],
    )
    close(world, world.measure_a)  # 100
    ledger.add_progress_report(
        ledger.start(world.measure_b, actor=world.liaison2),
        actor=world.liaison2,
        text="推进中",
        percent_done=30,
    )  # 30; measure_b2 has no report: 0
    assert roadmap.program_progress([program.pk]) == {program.pk: round(130 / 3)}
    services.set_weight(program, world.measure_a, actor=world.office, weight=4)
    assert roadmap.program_progress([program.pk]) == {program.pk: round(430 / 6)}
    services.set_weight(program, world.measure_a, actor=world.office, weight=None)
    assert roadmap.program_progress([program.pk]) == {program.pk: round(130 / 3)}


@pytest.mark.django_db
def test_a_program_without_measures_has_no_progress(world, program):
    assert roadmap.program_progress([program.pk]) == {program.pk: None}


@pytest.mark.django_db
def test_a_weight_is_only_for_a_measure_of_the_program(world, program):
    with pytest.raises(DomainError):
        services.set_weight(program, world.measure_a, actor=world.office, weight=2)


# --- late items on the roadmap -------------------------------------------------------------------


@pytest.mark.django_db
def test_late_measures_and_milestones(world, program):
    late = ledger.create_measure(
        world.problem,
        actor=world.office,
        content="逾期措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 1),
    )
    on_time = world.measure_a  # deadline 2026-12-31
    services.add_problems(program, [world.problem], actor=world.office, measures=[late, on_time])
    past = ledger.add_milestone(
        on_time, actor=world.office, title="过期未完成", due_on=TODAY.replace(day=10)
    )
    done = ledger.add_milestone(
        on_time, actor=world.office, title="已完成", due_on=TODAY.replace(day=5)
    )
    ledger.complete_milestone(done, actor=world.office, done_on=TODAY.replace(day=4))
    ahead = ledger.add_milestone(
        on_time, actor=world.office, title="未到期", due_on=TODAY.replace(day=30)
    )
    data = roadmap.roadmap(world.office, world.campaign, world.campaign.programs.all())
    (shown,) = data["programs"]
    assert data["today"] == TODAY
    assert {m["id"]: m["late"] for m in shown["measures"]} == {late.pk: True, on_time.pk: False}
    assert {m["id"]: m["light"] for m in shown["measures"]} == {late.pk: "red", on_time.pk: "green"}
    assert {s["id"]: s["late"] for s in shown["milestones"]} == {
        past.pk: True,
        done.pk: False,
        ahead.pk: False,
    }
    assert shown["late_count"] == 2


@pytest.mark.django_db
def test_a_closed_measure_and_its_open_steps_are_not_late(world, program):
    m = world.measure(world.problem, world.bureau_a, "已办结", deadline=dt.date(2026, 11, 1))
    ledger.add_milestone(m, actor=world.office, title="步骤", due_on=dt.date(2026, 11, 10))
    services.add_problems(program, [world.problem], actor=world.office, measures=[m])
    data = roadmap.roadmap(world.office, world.campaign, world.campaign.programs.all())
    assert data["programs"][0]["late_count"] == 2  # open: the measure and its step are late
    ledger.complete_milestone(m.milestones.get(), actor=world.office, done_on=dt.date(2026, 11, 10))
    close(world, m)
    data = roadmap.roadmap(world.office, world.campaign, world.campaign.programs.all())
    (row,) = data["programs"][0]["measures"]
    assert (row["late"], row["light"], row["progress"]) == (False, "", 100)
    assert data["programs"][0]["late_count"] == 0


@pytest.mark.django_db
def test_a_liaison_sees_only_their_units_part_of_the_roadmap(world, program):
    services.add_problems(
        program,
        [world.problem],
        actor=world.office,
        measures=[world.measure_a, world.measure_b],
    )
    data = roadmap.roadmap(
        world.liaison, world.campaign, scope_programs(world.liaison, world.campaign)
    )
    assert [m["id"] for m in data["programs"][0]["measures"]] == [world.measure_a.pk]
    assert (
        roadmap.roadmap(
            world.outsider, world.campaign, scope_programs(world.outsider, world.campaign)
        )["programs"]
        == []
    )


@pytest.mark.django_db
def test_groups_keep_the_order_of_1_5_5_2(world):
    for label, name in [("1", "总体"), ("5", "甲"), ("", "其他"), ("5", "乙"), ("2", "丙")]:
        services.create_program(world.campaign, actor=world.office, name=name, group_label=label)
    programs = world.campaign.programs.order_by("id")
    grouped = [(label, [p.name for p in ps]) for label, ps in roadmap.groups(programs)]
    assert grouped == [("1", ["总体"]), ("5", ["甲", "乙"]), ("2", ["丙"]), ("", ["其他"])]
