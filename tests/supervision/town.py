"""The reminder tests' scene: a World built at a stopped clock, everyone with an address
(its fixtures are registered by conftest.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rectify.orgs.choices import Role
from tests.factories import World, grant, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    """Time stopped at 2026-09-21 09:00 (a Monday, before Mid-autumn and National Day); tests
    move it with clock.move_to(at(day))."""
    time_machine.move_to(at(dt.date(2026, 9, 21), 9), tick=False)
    return time_machine


@pytest.fixture
def town(db, clock):
    """The World built on 2026-09-21, with e-mail addresses and a leader of bureau_a."""
    w = World()
    for user in w.personas.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    w.leader_a = make_user("leader_a", email="leader_a@example.org")
    grant(w.leader_a, w.campaign, Role.LEADER, w.bureau_a)
    return w
