"""The activity log: append-only, written in the change's own transaction, before → after."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.utils import translation

from rectify.audit import log
from rectify.audit.models import ActivityLog, AppendOnlyError
from rectify.core.errors import PermissionRefused
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import Difficulty, MeasureState, Source
from rectify.ledger.models import Evidence, Measure, Problem, ProblemList, Verification
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import OrgUnit
from tests.factories import add_evidence


class LogBroke(Exception):
    pass


def failing_record(*args, **kwargs):
    """A log write that fails, as a full disk or a lost connection would."""
    raise LogBroke


@pytest.fixture
def broken_log(monkeypatch):
    monkeypatch.setattr(services, "record", failing_record)


def rows_about(obj):
    return list(log.history(obj))


# --- append-only -----------------------------------------------------------------------------


def test_an_entry_cannot_be_changed(world):
    entry = log.history(world.measure_a).get()
    entry.reason = "改写历史"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert log.history(world.measure_a).get().reason == ""


def test_an_entry_cannot_be_deleted(world):
    entry = log.history(world.measure_a).get()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert log.history(world.measure_a).count() == 1


@pytest.mark.parametrize("how", ["update", "delete"])
def test_entries_cannot_be_changed_in_bulk_either(world, how):
    entries = ActivityLog.objects.filter(campaign=world.campaign)
    with pytest.raises(AppendOnlyError):
        if how == "update":
            entries.update(reason="改写历史")
        else:
            entries.delete()


def test_record_refuses_to_run_outside_a_transaction():
    # No database access at all: the check comes before any query.
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        log.record(OrgUnit(name="某单位"), "orgunit.create")


def test_an_anonymous_actor_is_stored_as_nobody(world):
    entry = log.record(world.measure_a, "measure.note", actor=AnonymousUser())
    assert entry.actor is None
    assert entry.campaign == world.campaign
    assert entry.target_repr == str(world.measure_a)


# --- the change and its log entry stand or fall together -------------------------------------


def test_a_transition_is_rolled_back_when_its_log_entry_fails(world, broken_log):
    with pytest.raises(LogBroke):
        services.start(world.measure_a, actor=world.office)
    stored = Measure.objects.get(pk=world.measure_a.pk)
    assert (stored.state, stored.version) == (MeasureState.DRAFT, 1)


def test_a_verification_is_rolled_back_when_its_log_entry_fails(world, monkeypatch):
    m = services.start(world.measure_a, actor=world.office)
    add_evidence(m, world.office)
    m = services.request_closure(m, actor=SYSTEM, reason="整改完成")
    monkeypatch.setattr(services, "record", failing_record)
    with pytest.raises(LogBroke):
        services.verify(m, actor=world.office, reason="同意销号")
    stored = Measure.objects.get(pk=m.pk)
    assert (stored.state, stored.closed_on) == (MeasureState.CLOSURE_REQUESTED, None)
    assert not Verification.objects.filter(measure=m).exists()


def test_an_edit_is_rolled_back_when_its_log_entry_fails(world, broken_log):
    with pytest.raises(LogBroke):
        services.update_measure(
            world.measure_a, actor=world.office, expected_version=1, content="不会保存"
        )
    stored = Measure.objects.get(pk=world.measure_a.pk)
    assert (stored.content, stored.version) == (world.measure_a.content, 1)


def test_creations_are_rolled_back_when_their_log_entry_fails(world, broken_log):
    problems, measures, evidence = (
        Problem.objects.count(),
        Measure.objects.count(),
        Evidence.objects.count(),
    )
    with pytest.raises(LogBroke):
        services.create_problem(world.campaign, actor=world.office, title="新", source=Source.SELF)
    with pytest.raises(LogBroke):
        services.create_measure(
            world.problem, actor=world.office, content="新", responsible_unit=world.bureau_a
        )
    with pytest.raises(LogBroke):
        services.add_evidence(
            world.measure_a, actor=world.liaison, upload=ContentFile(b"x"), name="x.txt"
        )
    assert (Problem.objects.count(), Measure.objects.count(), Evidence.objects.count()) == (
        problems,
        measures,
        evidence,
    )


# --- every write logs exactly once -----------------------------------------------------------


def _item(world):
    return FeedbackItem.objects.create(
        campaign=world.campaign, kind=FeedbackKind.PROBLEM, text="反映", channel=Channel.OTHER
    )


WRITES = {
    "problem.create": lambda w: services.create_problem(
        w.campaign, actor=w.office, title="新问题", source=Source.SELF
    ),
    "problem.update": lambda w: services.update_problem(w.problem, actor=w.office, title="改"),
    "problem.merge": lambda w: services.merge_feedback(w.problem, [_item(w)], actor=w.office),
    "measure.create": lambda w: services.create_measure(
        w.problem, actor=w.office, content="新措施", responsible_unit=w.bureau_a
    ),
    "measure.update": lambda w: services.update_measure(
        w.measure_a, actor=w.liaison, expected_version=1, responsible_person="张三"
    ),
    "measure.start": lambda w: services.start(w.measure_a, actor=w.liaison),
    "milestone.create": lambda w: services.add_milestone(
        w.measure_a, actor=w.liaison, title="完成摸底", due_on=dt.date(2026, 9, 30)
    ),
    "evidence.create": lambda w: add_evidence(w.measure_a, w.liaison),
}


@pytest.mark.parametrize("action", list(WRITES))
def test_every_write_logs_exactly_one_entry(world, action):
    before = ActivityLog.objects.count()
    WRITES[action](world)
    assert ActivityLog.objects.count() == before + 1
    entry = ActivityLog.objects.order_by("-id").first()
    assert entry.action == action
    assert entry.campaign == world.campaign
    assert entry.actor is not None


def test_progress_and_milestones_log_against_the_campaign(world):
    m = services.start(world.measure_a, actor=world.liaison)
    report = services.add_progress_report(
        m, actor=world.liaison, text="已完成一半", percent_done=50
    )
    milestone = services.add_milestone(
        m, actor=world.liaison, title="完成摸底", due_on=dt.date(2026, 9, 30)
    )
    services.complete_milestone(milestone, actor=world.liaison, done_on=dt.date(2026, 9, 28))
    assert [e.action for e in rows_about(report)] == ["progress.create"]
    assert [e.action for e in rows_about(milestone)] == ["milestone.done", "milestone.create"]
    assert {e.campaign for e in rows_about(milestone) + rows_about(report)} == {world.campaign}
    done = rows_about(milestone)[0]
    assert (done.before, done.after) == ({"done_on": None}, {"done_on": "2026-09-28"})


# --- before → after, only what changed -------------------------------------------------------


def test_a_measure_edit_logs_only_the_fields_that_changed(world):
    m = services.update_measure(
        world.measure_a,
        actor=world.office,
        expected_version=1,
        content=world.measure_a.content,  # unchanged
        responsible_person="李四",
        deadline=dt.date(2027, 1, 31),
        responsible_unit=world.org_a1,
        deadline_reason="工作需要调整时限",
    )
    entry = log.history(m).first()
    assert entry.action == "measure.update"
    assert entry.actor == world.office
    assert entry.before == {
        "responsible_person": "",
        "deadline": "2026-12-31",
        "responsible_unit": world.bureau_a.pk,
    }
    assert entry.after == {
        "responsible_person": "李四",
        "deadline": "2027-01-31",
        "responsible_unit": world.org_a1.pk,
    }


def test_an_edit_that_changes_nothing_logs_nothing(world):
    before = log.history(world.measure_a).count()
    m = services.update_measure(
        world.measure_a, actor=world.office, expected_version=1, content=world.measure_a.content
    )
    assert m.version == 1
    assert log.history(world.measure_a).count() == before


def test_a_problem_edit_logs_only_the_fields_that_changed(world):
    p = services.update_problem(
        world.problem,
        actor=world.office,
        expected_version=1,
        title=world.problem.title,  # unchanged
        difficulty=Difficulty.HARD,
        is_prominent=True,
        lead_unit=world.bureau_a,
    )
    assert p.version == 2
    entry = log.history(p).first()
    assert entry.action == "problem.update"
    assert entry.before == {"difficulty": "", "is_prominent": False, "lead_unit": None}
    assert entry.after == {
        "difficulty": "hard",
        "is_prominent": True,
        "lead_unit": world.bureau_a.pk,
    }


def test_a_problem_edit_that_changes_nothing_logs_nothing(world):
    before = log.history(world.problem).count()
    p = services.update_problem(world.problem, actor=world.office, title=world.problem.title)
    assert p.version == 1
    assert log.history(world.problem).count() == before


def test_moving_a_problem_between_lists_logs_the_lists(world):
    first = ProblemList.objects.create(campaign=world.campaign, name="突出问题清单")
    second = ProblemList.objects.create(campaign=world.campaign, name="基层问题清单")
    services.update_problem(world.problem, actor=world.office, lists=[first])
    services.update_problem(world.problem, actor=world.office, lists=[first, second])
    p = services.update_problem(world.problem, actor=world.office, lists=[second, first])  # same
    assert p.version == 3  # a change of lists is an edit of the problem like any other
    entries = [e for e in rows_about(world.problem) if e.action == "problem.lists"]
    assert [(e.before, e.after) for e in reversed(entries)] == [
        ({"lists": []}, {"lists": [first.pk]}),
        ({"lists": [first.pk]}, {"lists": sorted([first.pk, second.pk])}),
    ]


def test_a_problem_edit_of_fields_and_lists_is_one_version(world):
    first = ProblemList.objects.create(campaign=world.campaign, name="突出问题清单")
    p = services.update_problem(
        world.problem, actor=world.office, expected_version=1, title="新标题", lists=[first]
    )
    assert p.version == 2
    assert [e.action for e in rows_about(p)][:2] == ["problem.lists", "problem.update"]


def test_a_problem_edit_refuses_fields_that_are_not_editable(world):
    with pytest.raises(ValueError):
        services.update_problem(world.problem, actor=world.office, number=99)
    assert Problem.objects.get(pk=world.problem.pk).number == world.problem.number


# --- field-level permission ------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("deadline", dt.date(2027, 6, 30)),
        ("responsible_unit", "bureau_b"),
        ("mode", "immediate"),
    ],
)
def test_a_liaison_cannot_change_office_fields(world, field, value):
    value = getattr(world, value) if value == "bureau_b" else value
    before = log.history(world.measure_a).count()
    with pytest.raises(PermissionRefused):
        services.update_measure(
            world.measure_a, actor=world.liaison, expected_version=1, **{field: value}
        )
    stored = Measure.objects.get(pk=world.measure_a.pk)
    assert (stored.deadline, stored.responsible_unit, stored.mode, stored.version) == (
        world.measure_a.deadline,
        world.bureau_a,
        world.measure_a.mode,
        1,
    )
    assert log.history(world.measure_a).count() == before


def test_a_liaison_cannot_slip_an_office_field_in_with_an_allowed_one(world):
    with pytest.raises(PermissionRefused):
        services.update_measure(
            world.measure_a,
            actor=world.liaison,
            expected_version=1,
            responsible_person="张三",
            deadline=dt.date(2027, 6, 30),
            deadline_reason="工作需要调整时限",
        )
    assert Measure.objects.get(pk=world.measure_a.pk).responsible_person == ""


def test_a_liaison_can_change_the_responsible_person_and_the_content(world):
    m = services.update_measure(
        world.measure_a,
        actor=world.liaison,
        expected_version=1,
        responsible_person="张三",
        content="细化后的措施",
    )
    assert (m.responsible_person, m.content, m.version) == ("张三", "细化后的措施", 2)
    entry = log.history(m).first()
    assert entry.actor == world.liaison
    assert entry.after == {"responsible_person": "张三", "content": "细化后的措施"}


def test_the_office_can_change_the_deadline_and_the_unit(world):
    m = services.update_measure(
        world.measure_a,
        actor=world.office,
        expected_version=1,
        deadline=dt.date(2027, 6, 30),
        responsible_unit=world.bureau_b,
        deadline_reason="工作需要调整时限",
    )
    assert (m.deadline, m.responsible_unit) == (dt.date(2027, 6, 30), world.bureau_b)


@pytest.mark.parametrize("who", ["liaison2", "leader", "supervisor", "viewer", "outsider"])
def test_others_cannot_change_a_measure_at_all(world, who):
    with pytest.raises(PermissionRefused):
        services.update_measure(
            world.measure_a,
            actor=world.personas[who],
            expected_version=1,
            responsible_person="张三",
        )
    assert Measure.objects.get(pk=world.measure_a.pk).responsible_person == ""


@pytest.mark.parametrize("field", ["state", "closed_on", "version", "phase_complete"])
def test_nobody_edits_state_fields_directly(world, field):
    value = {"state": "closed", "closed_on": dt.date(2026, 1, 1), "version": 9}.get(field, True)
    with pytest.raises(PermissionRefused):
        services.update_measure(
            world.measure_a, actor=world.office, expected_version=1, **{field: value}
        )
    stored = Measure.objects.get(pk=world.measure_a.pk)
    assert (stored.state, stored.closed_on, stored.version) == (MeasureState.DRAFT, None, 1)


def test_the_refusal_names_the_fields(world):
    with translation.override("en"), pytest.raises(PermissionRefused) as exc:
        services.update_measure(
            world.measure_a,
            actor=world.liaison,
            expected_version=1,
            deadline=dt.date(2027, 1, 1),
            deadline_reason="工作需要调整时限",
        )
    with translation.override("en"):
        assert "deadline" in str(exc.value.message)
