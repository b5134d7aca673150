"""The scoreboard's figures, each column, from records built at the dates they happened."""

import datetime as dt

import pytest

from rectify.supervision import scoreboard
from tests.supervision.conftest import TODAY


def by_unit(records):
    return {r.unit_name: r for r in records}


@pytest.fixture
def board(ledger, world):
    return by_unit(scoreboard.unit_records(world.campaign, on=TODAY))


def test_open_due_soon_overdue_and_closed_follow_the_lights(board):
    a = board["甲省民政厅"]
    assert (a.total, a.open, a.due_soon, a.overdue, a.closed) == (6, 3, 1, 1, 3)
    assert a.green == 1  # World.measure_a, due 12-31


def test_on_time_is_judged_against_the_deadline_in_force(board):
    a = board["甲省民政厅"]
    # A1 and A5 (closed 11-01, deadline moved 10-15 → 11-30) on time; A2 late; A3 overdue.
    assert (a.on_time, a.late, a.judged) == (2, 1, 4)
    assert a.on_time_rate == 0.5
    assert a.on_time_percent == 50.0


def test_average_delays_of_late_closures_and_of_overdue_measures(board):
    a = board["甲省民政厅"]
    assert a.avg_late_days == 5.0  # A2: deadline 10-31, closed 11-05
    assert a.avg_overdue_days == 6.0  # A3: deadline 11-10, today 11-16
    b = board["乙省民政厅"]
    assert b.avg_late_days is None and b.avg_overdue_days is None


def test_moves_and_returns_are_counted_from_their_records(board):
    a = board["甲省民政厅"]
    assert a.deadline_moves == 1
    assert a.returned == 1
    b = board["乙省民政厅"]
    assert (b.deadline_moves, b.returned) == (0, 0)


def test_overdue_days_grow_with_the_day_judged(ledger, world):
    later = by_unit(scoreboard.unit_records(world.campaign, on=dt.date(2026, 11, 26)))
    # A3 (11-10) 16 days, A4 (11-20) 6 days.
    assert later["甲省民政厅"].overdue == 2
    assert later["甲省民政厅"].avg_overdue_days == 11.0


def test_units_are_not_rolled_up_into_their_parents(board):
    assert board["甲省某协会"].overdue == 1
    assert board["甲省某协会"].avg_overdue_days == 15.0
    assert board["甲省民政厅"].total == 6


def test_one_quick_closure_does_not_top_the_table(ledger, world):
    records = scoreboard.unit_records(world.campaign, on=TODAY)
    names = [r.unit_name for r in records]
    b = by_unit(records)["乙省民政厅"]
    assert b.on_time_rate == 1.0 and b.judged == 1 and not b.enough
    assert b.rank is None
    # bureau_a (4 judged, 50 %) ranks first; org_a1 (1 overdue) and bureau_b lack samples.
    assert names[0] == "甲省民政厅" and records[0].rank == 1
    assert set(names[1:]) == {"乙省民政厅", "甲省某协会"}


def test_the_minimum_count_comes_from_the_setting(ledger, world, settings):
    settings.SCOREBOARD_MIN_COUNT = 1
    records = scoreboard.unit_records(world.campaign, on=TODAY)
    assert [r.unit_name for r in records][0] == "乙省民政厅"  # 100 % over 1
    assert all(r.enough for r in records)
    settings.SCOREBOARD_MIN_COUNT = 5
    assert not any(r.enough for r in scoreboard.unit_records(world.campaign, on=TODAY))


def test_ranking_breaks_equal_rates_by_overdue_count():
    r1 = scoreboard.UnitRecord(1, "甲", "1/", on_time=2, overdue=2, min_count=3)  # 50 %, 2 red
    r2 = scoreboard.UnitRecord(2, "乙", "2/", on_time=3, overdue=3, min_count=3)  # 50 %, 3 red
    r3 = scoreboard.UnitRecord(3, "丙", "3/", on_time=3, overdue=1, min_count=3)  # 75 %
    ranked = scoreboard.rank([r1, r2, r3])
    assert [(r.unit_id, r.rank) for r in ranked] == [(3, 1), (1, 2), (2, 3)]


def test_sorting_by_a_column_both_ways(ledger, world):
    records = scoreboard.unit_records(world.campaign, on=TODAY)
    down = scoreboard.sort_records(records, "overdue", True)
    assert [r.overdue for r in down] == sorted((r.overdue for r in records), reverse=True)
    up = scoreboard.sort_records(records, "unit", False)
    assert [r.unit_name for r in up] == sorted(r.unit_name for r in records)
    # A rate sorted ascending still puts the too-small samples after the others.
    rates = scoreboard.sort_records(records, "on_time_rate", False)
    assert rates[0].unit_name == "甲省民政厅"
    assert scoreboard.parse_sort("-overdue") == ("overdue", True)
    assert scoreboard.parse_sort("nonsense") == ("rank", False)


def test_scoped_to_a_subtree_and_to_one_unit(ledger, world):
    sub = scoreboard.unit_records(world.campaign, paths=(world.bureau_a.path,), on=TODAY)
    assert {r.unit_name for r in sub} == {"甲省民政厅", "甲省某协会"}
    one = scoreboard.unit_record(world.campaign, world.bureau_b, on=TODAY)
    assert (one.unit_name, one.closed, one.open) == ("乙省民政厅", 1, 2)
    empty = scoreboard.unit_record(world.campaign, world.ministry, on=TODAY)
    assert (empty.total, empty.on_time_rate, empty.rank) == (0, None, None)


def test_queries_do_not_grow_with_the_measures(ledger, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        scoreboard.unit_records(world.campaign, on=TODAY)
    for i in range(6):
        world.measure(world.problem, world.bureau_b, f"更多 {i}", deadline=dt.date(2026, 11, 1))
    with django_assert_max_num_queries(4):
        records = scoreboard.unit_records(world.campaign, on=TODAY)
    assert by_unit(records)["乙省民政厅"].overdue == 6
