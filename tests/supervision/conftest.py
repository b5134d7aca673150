"""A ledger with a known record per unit, built through the services at the dates it happened.

bureau_a (liaison), on 2026-11-16:
  A1 deadline 10-31, closed 10-20            → on time
  A2 deadline 10-31, returned once, closed 11-05 → late by 5 days, 1 return
  A3 deadline 11-10, open                    → overdue by 6 days (红灯)
  A4 deadline 11-20, open                    → due soon (黄灯: 5 working days)
  A5 deadline 10-15 moved to 11-30, closed 11-01 → on time against the deadline in force, 1 move
  World.measure_a deadline 12-31, draft      → green
bureau_b (liaison2): B1 deadline 10-31 closed 10-10 (one quick closure: 样本不足) and
  World.measure_b, measure_b2 (green).
org_a1 (child of bureau_a): C1 deadline 11-01 open → overdue by 15 days.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs.choices import Role
from tests.factories import add_evidence, grant, make_user
from tests.supervision.town import clock, town  # noqa: F401 (fixtures of the reminder tests)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 16)


def at(time_machine, day: dt.date):
    time_machine.move_to(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))


@dataclass
class Ledger:
    a: dict
    b1: object
    c1: object
    unit_supervisor: object


def close(m, liaison, office, time_machine, day, *, returned_on=None):
    m = services.start(m, actor=liaison)
    add_evidence(m, liaison)
    if returned_on:
        m = services.request_closure(m, actor=liaison, reason="已完成")
        at(time_machine, returned_on)
        m = services.return_measure(m, actor=office, reason="材料不全")
        add_evidence(m, liaison, content=b"more proof")
    at(time_machine, day)
    m = services.request_closure(m, actor=liaison, reason="已完成")
    return services.verify(m, actor=office, reason="同意销号")


@pytest.fixture
def ledger(world, time_machine):
    w = world
    at(time_machine, dt.date(2026, 9, 1))
    problem = services.create_problem(
        w.campaign, actor=w.office, title="记分牌问题", source=Source.AUDIT
    )

    def measure(unit, name, deadline):
        return w.measure(problem, unit, name, deadline=deadline)

    a1 = measure(w.bureau_a, "A1", dt.date(2026, 10, 31))
    a2 = measure(w.bureau_a, "A2", dt.date(2026, 10, 31))
    a3 = measure(w.bureau_a, "A3", dt.date(2026, 11, 10))
    a4 = measure(w.bureau_a, "A4", dt.date(2026, 11, 20))
    a5 = measure(w.bureau_a, "A5", dt.date(2026, 10, 15))
    b1 = measure(w.bureau_b, "B1", dt.date(2026, 10, 31))
    c1 = measure(w.org_a1, "C1", dt.date(2026, 11, 1))
    a5 = services.update_measure(
        a5,
        actor=w.office,
        expected_version=a5.version,
        deadline=dt.date(2026, 11, 30),
        deadline_reason="批准延期",
    )
    a1 = close(a1, w.liaison, w.office, time_machine, dt.date(2026, 10, 20))
    b1 = close(b1, w.liaison2, w.office, time_machine, dt.date(2026, 10, 10))
    a2 = close(
        a2,
        w.liaison,
        w.office,
        time_machine,
        dt.date(2026, 11, 5),
        returned_on=dt.date(2026, 10, 25),
    )
    a5 = close(a5, w.liaison, w.office, time_machine, dt.date(2026, 11, 1))
    at(time_machine, TODAY)
    a3 = services.start(a3, actor=w.liaison)
    unit_supervisor = make_user("unit_supervisor")
    grant(unit_supervisor, w.campaign, Role.SUPERVISOR, w.bureau_a)
    return Ledger(
        a={"A1": a1, "A2": a2, "A3": a3, "A4": a4, "A5": a5},
        b1=b1,
        c1=c1,
        unit_supervisor=unit_supervisor,
    )


@pytest.fixture
def supervisor_a(world):
    """A supervisor limited to bureau_a's subtree (bureau_a and org_a1)."""
    user = make_user("supervisor_a")
    grant(user, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return user
