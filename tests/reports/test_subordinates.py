"""The subordinate units' rollup: which of them lag behind (the seed's 161 organisations)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from rectify.ledger import services
from rectify.ledger.choices import Source
from rectify.orgs.access import SYSTEM
from rectify.reports import figures
from tests.factories import add_evidence, grant, make_campaign, make_unit

pytestmark = pytest.mark.usefixtures("pinned_today")


def _child(world, name, slug, deadlines, close=0):
    """A subordinate unit's own campaign with measures due on `deadlines`; `close` closed."""
    unit = make_unit(name, world.ministry)
    child = make_campaign(unit, slug=slug, name=f"{name}整改", parent=world.campaign)

    grant(world.office, child, "office")
    problem = services.create_problem(child, actor=world.office, title="问题", source=Source.SELF)
    for i, deadline in enumerate(deadlines):
        m = services.create_measure(
            problem,
            actor=world.office,
            content=f"措施{i}",
            responsible_unit=unit,
            deadline=deadline,
        )
        if i < close:
            m = services.start(m, actor=world.office)
            add_evidence(m, world.office)
            m = services.request_closure(m, actor=SYSTEM, reason="整改完成")
            services.verify(m, actor=world.office, reason="同意销号")
    return child


@pytest.fixture
def children(world):
    late = dt.date(2026, 11, 1)
    later = dt.date(2027, 3, 1)
    return {
        "lagging": _child(world, "中国某基金会", "so-lag", [late, late, later], close=0),
        "done": _child(world, "中国某协会", "so-done", [later, later], close=2),
        "half": _child(world, "中国某学会", "so-half", [later, later], close=1),
    }


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC), tick=False)
def test_laggards_come_first(world, children):
    rows = figures.subordinate_rollup(SYSTEM, world.campaign)
    assert [r.campaign.slug for r in rows] == ["so-lag", "so-half", "so-done"]
    lag, half, done = rows
    assert (lag.measures, lag.closed, lag.overdue) == (3, 0, 2)
    assert (half.closed_percent, done.closed_percent) == (50, 100)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC), tick=False)
def test_the_page_lists_them_for_campaign_readers(client, world, children):
    client.force_login(world.leader)
    resp = client.get(reverse("subordinates", args=[world.campaign.slug]))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.index("中国某基金会") < html.index("中国某学会") < html.index("中国某协会")
    home = client.get(reverse("campaign-home", args=[world.campaign.slug])).content.decode()
    assert reverse("subordinates", args=[world.campaign.slug]) in home


@pytest.mark.django_db
def test_a_unit_liaison_may_not_see_the_rollup(client, world, children):
    client.force_login(world.liaison)
    resp = client.get(reverse("subordinates", args=[world.campaign.slug]))
    assert resp.status_code == 403


@pytest.mark.django_db
def test_outsiders_get_404(client, world, children):
    client.force_login(world.outsider)
    assert client.get(reverse("subordinates", args=[world.campaign.slug])).status_code == 404
