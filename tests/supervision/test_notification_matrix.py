"""Every page of notifications and 催办, for every persona, on their own record and another's.

One row per URL pattern of rectify/supervision/notifications/urls.py (a guard fails when a
pattern has none). A notification is its recipient's alone ("own" = addressed to the persona,
"other" = to someone else: 404). A measure is urged by the office and its unit's supervisors
("own" = bureau_a's measure, "other" = bureau_b's; supervisor_a supervises bureau_a only);
others who see the measure are refused (403), whoever cannot see it gets 404, anonymous
visitors are sent to log in.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse

from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import NotificationKind
from rectify.supervision.notifications import urls
from tests.factories import grant, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")

PERSONAS = [
    "office",
    "liaison",
    "liaison2",
    "leader",
    "supervisor",
    "supervisor_a",
    "viewer",
    "group",
    "outsider",
]
EVERYONE = frozenset(PERSONAS)
SEES_MEASURE = {
    "own": {"office", "leader", "supervisor", "supervisor_a", "viewer", "group", "liaison"}
}
SEES_MEASURE["other"] = SEES_MEASURE["own"] - {"liaison", "supervisor_a"} | {"liaison2"}
URGES = {"own": {"office", "supervisor", "supervisor_a"}, "other": {"office", "supervisor"}}


@dataclass(frozen=True)
class Page:
    name: str
    args: str  # none, notification, measure
    method: str = "get"


PAGES = [
    Page("notifications", "none"),
    Page("notification-open", "notification"),
    Page("notifications-read-all", "none", "post"),
    Page("notification-delivery", "none", "post"),
    Page("measure-urge", "measure", "post"),
]


def test_every_page_is_in_the_matrix():
    names = {
        p.name for p in urls.urlpatterns + urls.campaign_urlpatterns if isinstance(p, URLPattern)
    }
    assert names == {p.name for p in PAGES}


@pytest.fixture
def users(world):
    supervisor_a = make_user("supervisor_a")
    grant(supervisor_a, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return {**world.personas, "supervisor_a": supervisor_a}


def notification_for(world, user):
    (n,) = services.notify(
        [user],
        kind=NotificationKind.REMINDER,
        subject="提醒",
        body="请按时完成",
        campaign=world.campaign,
        url=f"/measures/{world.measure_a.pk}/",
    )
    return n


def url_of(p: Page, world, users, who, side) -> str:
    if p.args == "none":
        return reverse(p.name)
    if p.args == "notification":
        owner = users[who] if side == "own" else (world.office if who != "office" else world.leader)
        return reverse(p.name, args=[notification_for(world, owner).pk])
    measure = world.measure_a if side == "own" else world.measure_b
    return reverse(p.name, args=[world.campaign.slug, measure.pk])


def expected(p: Page, who: str, side: str) -> set[int]:
    ok = {200} if p.method == "get" else {200, 302, 303, 400}
    if p.args == "none":
        return ok
    if p.args == "notification":
        return {302} if side == "own" else {404}
    if who in URGES[side]:
        return ok
    return {403} if who in SEES_MEASURE[side] else {404}


CASES = [
    (p, who, side)
    for p in PAGES
    for who in PERSONAS
    for side in (("own", "other") if p.args != "none" else ("own",))
]


@pytest.mark.django_db
@pytest.mark.parametrize("p,who,side", CASES, ids=[f"{p.name}-{w}-{s}" for p, w, s in CASES])
def test_the_matrix(client, world, users, p, who, side):
    url = url_of(p, world, users, who, side)
    client.force_login(users[who])
    data = {"message": "请加快进度", "delivery": "digest"} if p.method == "post" else {}
    response = getattr(client, p.method)(url, data)
    assert response.status_code in expected(p, who, side), (p.name, who, side, url)


@pytest.mark.django_db
@pytest.mark.parametrize("p", PAGES, ids=[p.name for p in PAGES])
def test_anonymous_visitors_are_sent_to_log_in(client, world, users, p):
    response = getattr(client, p.method)(url_of(p, world, users, "office", "own"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
