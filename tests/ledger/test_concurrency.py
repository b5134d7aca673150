"""Two people editing the same thing: the version field detects it, the row lock serialises it.

The threaded tests need real concurrent connections and row locks, so they run on PostgreSQL
only; the version check itself is tested on both databases.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import translation

from rectify.audit.log import history
from rectify.core.errors import ConflictError, TransitionRefused
from rectify.ledger import services
from rectify.ledger.choices import MeasureState
from rectify.ledger.models import Measure, Problem, Verification
from rectify.ledger.services import record as real_record
from tests.factories import World, add_evidence

S = MeasureState


def test_a_stale_version_is_refused_and_nothing_changes(world):
    mine = Measure.objects.get(pk=world.measure_a.pk)
    theirs = Measure.objects.get(pk=world.measure_a.pk)
    services.update_measure(theirs, actor=world.liaison, expected_version=1, content="他们的修改")
    logged = history(mine).count()

    with pytest.raises(ConflictError) as exc:
        services.update_measure(mine, actor=world.office, expected_version=1, content="我的修改")
    assert exc.value.code == "conflict"
    stored = Measure.objects.get(pk=mine.pk)
    assert (stored.content, stored.version) == ("他们的修改", 2)
    assert history(mine).count() == logged


def test_the_conflict_message_tells_the_user_what_to_do(world):
    services.update_measure(world.measure_a, actor=world.office, expected_version=1, content="新")
    with pytest.raises(ConflictError) as exc:
        services.update_measure(
            world.measure_a, actor=world.office, expected_version=1, content="x"
        )
    with translation.override("en"):
        message = str(exc.value.message)
    assert "Someone else changed this measure" in message
    assert "Nothing was saved" in message


def test_each_saved_edit_moves_the_version_on(world):
    m = services.update_measure(
        world.measure_a, actor=world.office, expected_version=1, content="一"
    )
    assert m.version == 2
    m = services.update_measure(m, actor=world.office, expected_version=2, content="二")
    assert m.version == 3
    # An edit that changes nothing saves nothing and keeps the version.
    m = services.update_measure(m, actor=world.office, expected_version=3, content="二")
    assert m.version == 3


def test_a_stale_problem_version_is_refused(world):
    services.update_problem(world.problem, actor=world.office, expected_version=1, title="新标题")
    with pytest.raises(ConflictError):
        services.update_problem(world.problem, actor=world.office, expected_version=1, title="旧")
    assert Problem.objects.get(pk=world.problem.pk).title == "新标题"


# --- real concurrency on PostgreSQL ----------------------------------------------------------


def race(*jobs, hold=0.3, monkeypatch):
    """Run each job in its own thread and connection, started together.

    Writing the log entry is slowed down by `hold` seconds, so the first writer keeps its
    transaction (and its row lock) open while the others arrive.
    """

    def slow_record(*args, **kwargs):
        time.sleep(hold)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(services, "record", slow_record)
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(i, job):
        try:
            prepared = job.prepare() if hasattr(job, "prepare") else None
            barrier.wait(timeout=10)
            outcomes[i] = ("ok", job(prepared))
        except Exception as err:  # the outcome is what we test
            outcomes[i] = ("error", err)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


class Edit:
    """Load the measure as a user's form would, then save with the version seen."""

    def __init__(self, pk, actor, content):
        self.pk, self.actor, self.content = pk, actor, content

    def prepare(self):
        return Measure.objects.get(pk=self.pk)

    def __call__(self, seen):
        return services.update_measure(
            seen, actor=self.actor, expected_version=seen.version, content=self.content
        )


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_one_wins_the_other_gets_a_conflict(monkeypatch):
    w = World()
    pk = w.measure_a.pk
    outcomes = race(
        Edit(pk, w.office, "整改办的修改"),
        Edit(pk, w.liaison, "联络员的修改"),
        monkeypatch=monkeypatch,
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    [winner] = [value for kind, value in outcomes if kind == "ok"]
    [loser] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(loser, ConflictError)
    stored = Measure.objects.get(pk=pk)
    assert stored.content == winner.content
    assert stored.version == 2
    assert history(stored).filter(action="measure.update").count() == 1


class Verify:
    def __init__(self, pk, actor, expected_version=None):
        self.pk, self.actor, self.expected_version = pk, actor, expected_version

    def __call__(self, _):
        measure = Measure.objects.get(pk=self.pk)
        return services.verify(
            measure, actor=self.actor, reason="同意销号", expected_version=self.expected_version
        )


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_verifications_close_the_measure_once(monkeypatch):
    w = World()
    m = services.start(w.measure_a, actor=w.liaison)
    add_evidence(m, w.liaison)
    m = services.request_closure(m, actor=w.liaison, reason="整改完成")
    second_office = type(w.office).objects.get(pk=w.office.pk)  # another session, same person

    outcomes = race(Verify(m.pk, w.office), Verify(m.pk, second_office), monkeypatch=monkeypatch)

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    [refusal] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(refusal, TransitionRefused)
    assert refusal.code == "wrong_state"  # the second one sees the measure already closed
    stored = Measure.objects.get(pk=m.pk)
    assert stored.state == S.CLOSED
    assert Verification.objects.filter(measure=stored).count() == 1
    assert history(stored).filter(action="measure.verify").count() == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_verifications_with_versions_give_the_loser_a_conflict(monkeypatch):
    w = World()
    m = services.start(w.measure_a, actor=w.liaison)
    add_evidence(m, w.liaison)
    m = services.request_closure(m, actor=w.liaison, reason="整改完成")

    outcomes = race(
        Verify(m.pk, w.office, m.version),
        Verify(m.pk, type(w.office).objects.get(pk=w.office.pk), m.version),
        monkeypatch=monkeypatch,
    )

    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    [conflict] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(conflict, ConflictError)
    assert Verification.objects.filter(measure_id=m.pk).count() == 1


class CreateProblem:
    def __init__(self, campaign, actor, title):
        self.campaign, self.actor, self.title = campaign, actor, title

    def __call__(self, _):
        return services.create_problem(
            self.campaign, actor=self.actor, title=self.title, source="grassroots"
        )


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_problems_created_at_once_get_different_numbers(monkeypatch):
    w = World()
    outcomes = race(
        CreateProblem(w.campaign, w.office, "同时录入一"),
        CreateProblem(w.campaign, w.office, "同时录入二"),
        monkeypatch=monkeypatch,
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    numbers = sorted(p.number for _, p in outcomes)
    assert numbers == [3, 4]  # the world already has problems 1 and 2


class Impatient:
    """A write that gives up after 200 ms of waiting for a lock (instead of queueing)."""

    def __init__(self, write):
        self.write = write

    def __call__(self, _):
        time.sleep(0.1)  # let the other thread take its locks first
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            return self.write()


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_slow_write_on_one_measure_does_not_hold_up_another_measure(monkeypatch):
    w = World()
    outcomes = race(
        lambda _: services.start(w.measure_a, actor=w.office),
        Impatient(lambda: services.start(w.measure_b, actor=w.liaison2)),
        hold=0.6,
        monkeypatch=monkeypatch,
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_creating_a_problem_does_not_hold_up_measure_edits(monkeypatch):
    w = World()
    outcomes = race(
        CreateProblem(w.campaign, w.office, "录入中"),
        Impatient(
            lambda: services.update_measure(
                w.measure_b, actor=w.liaison2, expected_version=1, responsible_person="赵六"
            )
        ),
        hold=0.6,
        monkeypatch=monkeypatch,
    )
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
