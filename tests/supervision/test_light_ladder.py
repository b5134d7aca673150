"""The light ladder: green → yellow → red with time; a red measure goes back to green only by
an approved re-plan (the office moves the deadline with a reason, or grants an extension) and
leaves the ladder only by closure. Reminders, notices and progress reports change nothing."""

import datetime as dt

import pytest

from rectify.core.errors import DomainError, PermissionRefused
from rectify.ledger import derived
from rectify.ledger import services as ledger
from rectify.ledger.choices import Light
from rectify.supervision.reminders import remind
from tests.factories import add_evidence
from tests.supervision.town import at

pytestmark = pytest.mark.django_db

D = dt.date


def light_of(measure):
    measure.refresh_from_db()
    return derived.light(measure.state, derived.due_status(measure))


def red_measure(w, clock):
    m = ledger.start(
        w.measure(w.problem, w.bureau_a, "清理规范各类考核事项", deadline=D(2026, 10, 16)),
        actor=w.office,
    )
    assert light_of(m) == Light.GREEN
    clock.move_to(at(D(2026, 10, 12)))  # 4 working days before: within the 5-day window
    assert light_of(m) == Light.YELLOW
    clock.move_to(at(D(2026, 10, 19)))
    assert light_of(m) == Light.RED
    return m


def test_red_stays_red_through_reminders_notices_and_reports(town, clock):
    w = town
    w.campaign.escalate_after = 1
    w.campaign.save()
    m = red_measure(w, clock)
    remind()
    ledger.add_progress_report(
        m, actor=w.liaison, reported_on=D(2026, 10, 19), text="推进中", percent_done=50
    )
    ledger.request_extension(
        m, actor=w.liaison, requested_deadline=D(2026, 12, 31), reason="需协调"
    )
    assert light_of(m) == Light.RED  # asked, not approved
    with pytest.raises(PermissionRefused):  # the unit cannot move its own deadline
        ledger.update_measure(
            m, actor=w.liaison, expected_version=m.version, deadline=D(2026, 12, 31)
        )
    assert light_of(m) == Light.RED


def test_an_approved_extension_turns_red_to_green(town, clock):
    w = town
    m = red_measure(w, clock)
    extension = ledger.request_extension(
        m, actor=w.liaison, requested_deadline=D(2026, 12, 31), reason="需协调"
    )
    ledger.decide_extension(extension, actor=w.office, grant=True)
    assert light_of(m) == Light.GREEN


def test_the_office_moves_a_deadline_only_with_a_reason(town, clock):
    w = town
    m = red_measure(w, clock)
    with pytest.raises(DomainError):
        ledger.update_measure(
            m, actor=w.office, expected_version=m.version, deadline=D(2026, 12, 31)
        )
    assert light_of(m) == Light.RED
    ledger.update_measure(
        m,
        actor=w.office,
        expected_version=m.version,
        deadline=D(2026, 12, 31),
        deadline_reason="经研究同意调整整改时限",
    )
    assert light_of(m) == Light.GREEN


def test_closure_takes_it_off_the_ladder(town, clock):
    w = town
    m = red_measure(w, clock)
    add_evidence(m, w.liaison)
    ledger.request_closure(m, actor=w.liaison, reason="已完成")
    assert light_of(m) == Light.RED  # a request is not a closure
    ledger.verify(m, actor=w.office, reason="同意销号")
    assert light_of(m) == ""
