"""The unit's task list and the office's to-do: which measure lands in which group, and the
navigation's one-query counts agree with the lists."""

import datetime as dt

import pytest

from rectify.ledger import services, worklists
from rectify.ledger.choices import RecheckResult
from rectify.ledger.models import ConfirmationRule
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from tests.factories import add_evidence, grant, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")  # 2026-11-16, a Monday
D = dt.date


def keys(worklist) -> dict[str, int]:
    return {g.key: g.count for g in worklist.groups}


def started(world, deadline, unit=None):
    m = world.measure(world.problem, unit or world.bureau_a, f"措施 {deadline}", deadline=deadline)
    return services.start(m, actor=world.office)


def requested(world, m, actor=None):
    add_evidence(m, world.liaison, content=f"proof {m.pk} {m.version}".encode())
    return services.request_closure(m, actor=actor or world.liaison, reason="已完成")


@pytest.fixture
def ledger(world):
    w = world
    w.late = started(w, D(2026, 11, 10))
    w.soon = started(w, D(2026, 11, 18))
    w.later = started(w, D(2027, 3, 1))
    w.waiting = requested(w, started(w, D(2026, 11, 1)))  # overdue, but waiting on the office
    w.returned = services.return_measure(
        requested(w, started(w, D(2026, 12, 20))), actor=w.office, reason="佐证材料不足"
    )
    w.other = started(w, D(2026, 11, 10), unit=w.bureau_b)
    closed = services.verify(requested(w, started(w, D(2026, 11, 30))), actor=w.office, reason="好")
    w.recheck = services.schedule_recheck(closed, actor=w.office, due_on=D(2026, 11, 16))
    w.extension = services.request_extension(
        w.later, actor=w.liaison, requested_deadline=D(2027, 4, 1), reason="需协调"
    )
    return w


def test_the_unit_sees_its_measures_each_in_the_first_group_it_fits(ledger):
    w = ledger
    tasks = worklists.my_tasks(w.liaison, w.campaign)
    assert keys(tasks) == {
        "returned": 1,
        "overdue": 1,
        "due_soon": 1,
        "under_way": 2,  # the later one and the world's draft measure of bureau_a
        "waiting": 1,
        "recheck": 1,
    }
    assert tasks.group("overdue").items == [w.late]
    assert tasks.group("returned").items[0].returns[0].reason == "佐证材料不足"
    assert w.other not in tasks.group("overdue").items  # another unit's
    assert tasks.attention == 1 + 1 + 1 + 1


def test_another_unit_sees_only_its_own(ledger):
    tasks = worklists.my_tasks(ledger.liaison2, ledger.campaign)
    assert tasks.group("overdue").items == [ledger.other]
    assert tasks.group("recheck").items == []


def test_the_office_to_do_lists_requests_extensions_and_rechecks(ledger):
    w = ledger
    todo = worklists.office_todo(w.office, w.campaign)
    assert keys(todo) == {"closure": 1, "extension": 1, "recheck": 1, "confirm": 0}
    assert todo.group("closure").items == [w.waiting]
    assert todo.group("extension").items == [w.extension]
    services.record_recheck(w.recheck, actor=w.office, result=RecheckResult.HELD)
    assert worklists.office_todo(w.office, w.campaign).group("recheck").items == []


def test_readers_without_a_role_have_nothing_to_do(ledger):
    w = ledger
    assert worklists.office_todo(w.viewer, w.campaign).attention == 0
    assert worklists.my_tasks(w.viewer, w.campaign).attention == 0
    assert worklists.attention_counts(w.viewer, w.campaign) == {"tasks": None, "todo": None}


@pytest.mark.parametrize("who", ["office", "liaison", "liaison2", "viewer"])
def test_the_navigation_counts_agree_with_the_lists(ledger, who, django_assert_max_num_queries):
    w = ledger
    user = w.personas[who]
    user.__dict__.pop("_rectify_access", None)
    # The roles, the calendar (a working-day due-soon window), then one query for every count.
    with django_assert_max_num_queries(3):
        counts = worklists.attention_counts(user, w.campaign)
    tasks = worklists.my_tasks(user, w.campaign)
    todo = worklists.office_todo(user, w.campaign)
    is_liaison = who.startswith("liaison")
    assert counts["tasks"] == (tasks.attention if is_liaison else None)
    assert counts["todo"] == (todo.attention if who == "office" else None)


def test_a_confirmer_sees_the_closures_waiting_for_them(world):
    w = world
    confirmer = make_user("inspection_liaison")
    grant(confirmer, w.campaign, Role.VIEWER)
    ConfirmationRule.objects.create(
        campaign=w.campaign, source=w.problem.source, confirmer=confirmer
    )
    m = requested(w, started(w, D(2026, 12, 1)), actor=SYSTEM)
    services.verify(m, actor=w.office, reason="同意")
    todo = worklists.office_todo(confirmer, w.campaign)
    assert todo.group("confirm").items == [m]
    assert worklists.attention_counts(confirmer, w.campaign)["todo"] == 1
