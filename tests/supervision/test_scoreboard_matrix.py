"""Every page of the supervision app's scoreboard and unit pages, for every persona, on its own
unit and another's (as tests/ledger/test_page_matrix.py).

One row per URL pattern of rectify/supervision/urls.py, here or in test_action_matrix.py (a
guard fails when a pattern has none).
Personas: those of the World plus `unit_supervisor`, a supervisor limited to bureau_a's subtree.
"own" is bureau_a (liaison's unit, within unit_supervisor's remit), "other" is bureau_b
(liaison2's). Allowed GET = 200; members who may not use a page are refused (403) where they
may know it exists, otherwise 404; anonymous visitors are sent to log in.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, reverse

import rectify.supervision.urls
from rectify.orgs.choices import Role
from tests.factories import grant, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")

PERSONAS = [
    "office",
    "liaison",
    "liaison2",
    "leader",
    "supervisor",
    "unit_supervisor",
    "viewer",
    "group",
    "outsider",
]
CAMPAIGN_READERS = {"office", "leader", "supervisor", "viewer", "group"}
UNIT = "unit"  # the liaison of the unit the URL names
REMIT = "remit"  # a reader limited to a subtree holding the unit (unit_supervisor on bureau_a)


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # "campaign" or "unit"
    allowed: frozenset
    refused: frozenset = frozenset()  # members who get 403 (they know the page exists)


PAGES = [
    Page(
        "supervision-scoreboard",
        "campaign",
        frozenset(CAMPAIGN_READERS | {"unit_supervisor"}),
        frozenset({"liaison", "liaison2"}),
    ),
    Page("unit-detail", "unit", frozenset(CAMPAIGN_READERS | {UNIT, REMIT})),
]


def walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p.name


def test_every_page_of_the_urls_module_is_in_a_matrix():
    """The scoreboard and unit pages are here, the actions and notices in test_action_matrix."""
    from tests.supervision.test_action_matrix import PAGES as ACTION_PAGES

    names = [p.name for p in PAGES + ACTION_PAGES]
    assert sorted(walk(rectify.supervision.urls.urlpatterns)) == sorted(names)


@pytest.fixture
def users(world):
    unit_supervisor = make_user("unit_supervisor")
    grant(unit_supervisor, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return {**world.personas, "unit_supervisor": unit_supervisor}


def url_of(p: Page, w, side: str) -> str:
    if p.args == "campaign":
        return reverse(p.name, args=[w.campaign.slug])
    unit = w.bureau_a if side == "own" else w.bureau_b
    return reverse(p.name, args=[w.campaign.slug, unit.pk])


def expected(p: Page, who: str, side: str) -> int:
    per_unit = p.args == "unit"
    unit_here = per_unit and (
        (side == "own" and who == "liaison") or (side == "other" and who == "liaison2")
    )
    remit_here = per_unit and side == "own" and who == "unit_supervisor"
    if who in p.allowed or (UNIT in p.allowed and unit_here) or (REMIT in p.allowed and remit_here):
        return 200
    if who in p.refused:
        return 403
    return 404


CASES = [
    (p, who, side)
    for p in PAGES
    for who in PERSONAS
    for side in (("own", "other") if p.args == "unit" else ("own",))
]


@pytest.mark.parametrize("p,who,side", CASES, ids=[f"{p.name}-{w}-{s}" for p, w, s in CASES])
def test_the_matrix(client, world, users, p, who, side):
    client.force_login(users[who])
    response = client.get(url_of(p, world, side))
    assert response.status_code == expected(p, who, side), (p.name, who, side)


@pytest.mark.parametrize("p", PAGES, ids=[p.name for p in PAGES])
def test_anonymous_visitors_are_sent_to_log_in(client, world, p):
    response = client.get(url_of(p, world, "own"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
