"""Two office users acting on the same group at once: one wins, the other gets a clear
conflict, nothing is lost or merged twice. Real row locks: PostgreSQL only."""

import threading
import time

import pytest
from django.db import connection

from rectify.consolidation import services
from rectify.consolidation.models import Merge, SuggestedGroup
from rectify.core.errors import ConflictError
from rectify.ledger.models import ProblemFeedback
from tests.consolidation.conftest import group_of, make_board
from tests.factories import World

real_record = services.record


def race(*jobs, monkeypatch, hold=0.3):
    def slow_record(*args, **kwargs):
        time.sleep(hold)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(services, "record", slow_record)
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = ("ok", job())
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


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_accepts_of_one_group_merge_it_once(monkeypatch):
    w = make_board(World())
    pk = group_of(w.run, w.oil[0]).pk
    other_office = type(w.office).objects.get(pk=w.office.pk)

    def accept_into(problem, actor):
        def job():
            group = SuggestedGroup.objects.select_related("run__campaign").get(pk=pk)
            return services.accept(group, actor=actor, problem=problem, expected_version=1)

        return job

    outcomes = race(
        accept_into(w.problem, w.office),
        accept_into(w.problem_b_only, other_office),
        monkeypatch=monkeypatch,
    )
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    [refusal] = [v for kind, v in outcomes if kind == "error"]
    assert isinstance(refusal, ConflictError)
    assert "Nothing was saved" in refusal.render("en")
    links = ProblemFeedback.objects.filter(feedback_item__in=w.oil)
    assert links.count() == 3 and len({link.problem_id for link in links}) == 1
    assert Merge.objects.count() == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_split_and_an_accept_at_once_lose_nothing(monkeypatch):
    w = make_board(World())
    pk = group_of(w.run, w.oil[0]).pk

    def split():
        group = SuggestedGroup.objects.select_related("run__campaign").get(pk=pk)
        return services.split(group, [w.oil[2]], actor=w.office, expected_version=1)

    def accept():
        group = SuggestedGroup.objects.select_related("run__campaign").get(pk=pk)
        return services.accept(group, actor=w.office, problem=w.problem, expected_version=1)

    outcomes = race(split, accept, monkeypatch=monkeypatch)
    assert sorted(kind for kind, _ in outcomes) == ["error", "ok"], outcomes
    # Either the split happened (nothing merged) or the merge did (all three merged).
    merged = ProblemFeedback.objects.filter(feedback_item__in=w.oil).count()
    split_off = SuggestedGroup.objects.filter(created_by__isnull=False).count()
    assert (merged, split_off) in ((0, 1), (3, 0))
