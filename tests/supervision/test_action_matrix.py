"""Every page of the supervision actions and notices, for every persona, on its own unit's
records and another's (a unit-limited supervisor, supervisor_a, supervises bureau_a's subtree
only). One row per URL pattern (the guard over rectify/supervision/urls.py is in
test_scoreboard_matrix.py). Those allowed get 200 (POSTs are not refused); members who may not
are refused with 403; whoever cannot see the record, or is not in the campaign, gets 404;
anonymous visitors are sent to log in."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, reverse

from rectify.ledger import services as ledger_services
from rectify.supervision import services
from rectify.supervision.choices import NoticeLevel, SupervisionKind

pytestmark = pytest.mark.usefixtures("pinned_today")

READERS = {"office", "leader", "supervisor", "viewer", "group"}
SUPERVISORS = {"office", "supervisor"}  # campaign-wide
MEMBERS = READERS | {"supervisor_a", "liaison", "liaison2"}
PERSONAS = [*sorted(MEMBERS), "outsider"]

# What a page asks of its user.
READ = "read"  # a campaign-wide reader (their units' records)
RECORD = "record"  # the office or a supervisor
SUPERVISE = "supervise"  # the office or a supervisor of the record's unit


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # campaign, action, notice
    needs: str
    method: str = "get"


PAGES = [
    Page("supervision-action-list", "campaign", READ),
    Page("supervision-action-create", "campaign", RECORD),
    Page("supervision-action-detail", "action", READ),
    Page("supervision-follow-up", "action", SUPERVISE, "post"),
    Page("notice-list", "campaign", READ),
    Page("notice-create", "campaign", RECORD),
    Page("notice-detail", "notice", READ),
    Page("notice-docx", "notice", READ),
]


def walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p.name


@pytest.fixture
def records(world, supervisor_a):
    """For each side (own = bureau_a, other = bureau_b): an inspection and a notice naming an
    overdue measure of the unit."""
    w = world
    out = {}
    for side, unit, liaison in (("own", w.bureau_a, w.liaison), ("other", w.bureau_b, w.liaison2)):
        late = ledger_services.start(
            w.measure(w.problem, unit, f"{side} 逾期", deadline=dt.date(2026, 11, 2)),
            actor=liaison,
        )
        action = services.record_action(
            w.campaign,
            actor=w.supervisor,
            kind=SupervisionKind.INSPECTION,
            target_unit=unit,
            content=f"{side} 巡察发现",
        )
        notice = services.issue_notice(
            w.campaign,
            actor=w.supervisor,
            unit=unit,
            level=NoticeLevel.YELLOW,
            measures=[late],
            content="请限期整改",
            required_by=dt.date(2026, 11, 23),
        )
        out[side] = {"action": action, "notice": notice}
    return out


def users(world, supervisor_a):
    return {**world.personas, "supervisor_a": supervisor_a}


def args_of(p: Page, records, side):
    if p.args == "campaign":
        return ["world"]
    return ["world", records[side][p.args].pk]


def expected(p: Page, who: str, side: str) -> set[int]:
    own_liaison = (who, side) in {("liaison", "own"), ("liaison2", "other")}
    sees = who in READERS or (who == "supervisor_a" and side == "own") or own_liaison
    if p.needs == READ and p.args != "campaign":
        # a record's page: whoever sees the record, a liaison included (what was sent to them)
        allowed = sees
    elif p.needs == READ:
        allowed = who in READERS | {"supervisor_a"}
    elif p.needs == RECORD:
        allowed = who in SUPERVISORS | {"supervisor_a"}
    else:
        allowed = who in SUPERVISORS or (who == "supervisor_a" and side == "own")
    if allowed:
        return {200} if p.method == "get" else {200, 302, 400}
    if p.needs == READ and p.args != "campaign":
        return {404}  # a record they cannot see is not told to exist
    if who in {"liaison", "liaison2"} or (sees if p.args != "campaign" else who in MEMBERS):
        return {403}  # in the campaign, but not a reader (liaisons) or not allowed here
    return {404}


CASES = [
    (p, who, side)
    for p in PAGES
    for who in PERSONAS
    for side in (("own", "other") if p.args != "campaign" else ("own",))
]


@pytest.mark.parametrize(
    "p,who,side", CASES, ids=[f"{p.name}-{who}-{side}" for p, who, side in CASES]
)
def test_the_matrix(client, world, supervisor_a, records, p, who, side):
    url = reverse(p.name, args=args_of(p, records, side))
    client.force_login(users(world, supervisor_a)[who])
    response = getattr(client, p.method)(url)
    assert response.status_code in expected(p, who, side), (p.name, who, side, url)


@pytest.mark.parametrize("p", PAGES, ids=[p.name for p in PAGES])
def test_anonymous_visitors_are_sent_to_log_in(client, records, p):
    response = getattr(client, p.method)(reverse(p.name, args=args_of(p, records, "own")))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
