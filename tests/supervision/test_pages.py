"""The scoreboard and the unit page, end to end through the client (zh-Hans)."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.supervision import services as supervision_services
from rectify.supervision.choices import SupervisionKind
from tests.helpers import attrs


def rows(response) -> list[str]:
    return [a["data-unit"] for a in attrs(response, "unit-row")]


def test_the_scoreboard_ranks_units_and_marks_small_samples(client, world, ledger):
    client.force_login(world.supervisor)
    response = client.get(reverse("supervision-scoreboard", args=[world.campaign.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert rows(response)[0] == str(world.bureau_a.pk)
    assert set(rows(response)) == {
        str(u.pk) for u in (world.bureau_a, world.bureau_b, world.org_a1)
    }
    too_few = {a["data-unit"] for a in attrs(response, "unit-row") if a["data-enough"] == "0"}
    assert too_few == {str(world.bureau_b.pk), str(world.org_a1.pk)}
    assert len(attrs(response, "too-few")) == 2
    assert "50.0%" in body
    assert reverse("unit-detail", args=[world.campaign.slug, world.bureau_a.pk]) in body
    assert response.context["min_count"] == 3


def test_every_column_sorts_on_the_server(client, world, ledger):
    client.force_login(world.office)
    url = reverse("supervision-scoreboard", args=[world.campaign.slug])
    overdue_first = rows(client.get(url, {"sort": "-overdue"}))
    # bureau_a and org_a1 each have one overdue measure; bureau_b none: last.
    assert overdue_first[-1] == str(world.bureau_b.pk)
    overdue_last = rows(client.get(url, {"sort": "overdue"}))
    assert overdue_last[0] == str(world.bureau_b.pk)
    by_name = client.get(url, {"sort": "unit"})
    names = [r.unit_name for r in by_name.context["rows"]]
    assert names == sorted(names)
    for key in (
        "open",
        "due_soon",
        "closed",
        "on_time_rate",
        "avg_late_days",
        "avg_overdue_days",
        "deadline_moves",
        "returned",
    ):
        for value in (key, f"-{key}"):
            response = client.get(url, {"sort": value})
            assert response.status_code == 200
            assert response.context["rows"][0].unit_id in {
                world.bureau_a.pk,
                world.bureau_b.pk,
                world.org_a1.pk,
            }
            active = [h for h in response.context["headers"] if h.active]
            assert [(h.key, h.descending) for h in active] == [(key, value.startswith("-"))]
    # The header of the sorted column links to the other direction.
    html = client.get(url, {"sort": "-overdue"}).content.decode()
    assert 'href="?sort=overdue" data-testid="sort-overdue"' in html
    assert 'href="?sort=-returned" data-testid="sort-returned"' in html


def test_a_unit_limited_supervisor_sees_only_their_subtree(client, world, ledger):
    client.force_login(ledger.unit_supervisor)
    response = client.get(reverse("supervision-scoreboard", args=[world.campaign.slug]))
    assert set(rows(response)) == {str(world.bureau_a.pk), str(world.org_a1.pk)}
    other = reverse("unit-detail", args=[world.campaign.slug, world.bureau_b.pk])
    assert client.get(other).status_code == 404


def test_a_liaison_is_refused_the_scoreboard_but_opens_their_units_page(client, world, ledger):
    client.force_login(world.liaison)
    assert (
        client.get(reverse("supervision-scoreboard", args=[world.campaign.slug])).status_code == 403
    )
    home = client.get(reverse("campaign-home", args=[world.campaign.slug])).content.decode()
    own = reverse("unit-detail", args=[world.campaign.slug, world.bureau_a.pk])
    assert own in home
    assert "nav-scoreboard" not in home
    response = client.get(own)
    assert response.status_code == 200
    assert list(response.context["history"]) == []  # none about their unit yet


def test_the_unit_page_groups_measures_by_light(client, world, ledger):
    client.force_login(world.leader)
    response = client.get(reverse("unit-detail", args=[world.campaign.slug, world.bureau_a.pk]))
    assert response.status_code == 200
    groups = {
        light or "closed": [m.content for m in ms] for light, ms in response.context["groups"]
    }
    assert list(groups) == ["red", "yellow", "green", "closed"]
    assert groups["red"] == ["A3"]
    assert groups["yellow"] == ["A4"]
    assert groups["green"] == ["清理规范各类考核事项"]
    assert sorted(groups["closed"]) == ["A1", "A2", "A5"]
    body = response.content.decode()
    assert reverse("measure-detail", args=[ledger.a["A3"].pk]) in body
    record = response.context["record"]
    assert (record.overdue, record.returned, record.deadline_moves) == (1, 1, 1)
    assert "红灯" in body and "黄灯" in body and "绿灯" in body


def test_the_unit_page_lists_its_supervision_newest_first(client, world, ledger):
    older = supervision_services.record_action(
        world.campaign,
        actor=world.supervisor,
        kind=SupervisionKind.REMINDER,
        target_unit=world.bureau_a,
        content="请抓紧推进",
        measure=ledger.a["A3"],
    )
    newer = supervision_services.record_action(
        world.campaign,
        actor=world.office,
        kind=SupervisionKind.ONSITE,
        target_unit=world.bureau_a,
        content="上门督导",
    )
    supervision_services.record_action(
        world.campaign,
        actor=world.office,
        kind=SupervisionKind.INTERVIEW,
        target_unit=world.bureau_b,
        content="约谈乙省",
    )
    older.happened_at = newer.happened_at - dt.timedelta(days=1)
    older.save(update_fields=["happened_at"])
    client.force_login(world.supervisor)
    response = client.get(reverse("unit-detail", args=[world.campaign.slug, world.bureau_a.pk]))
    body = response.content.decode()
    assert [a["data-action"] for a in attrs(response, "supervision-action")] == [
        str(newer.pk),
        str(older.pk),
    ]
    assert "约谈乙省" not in body
    assert "催办" in body


def test_a_unit_outside_the_campaign_is_not_found(client, world, ledger):
    from tests.factories import make_unit

    stranger = make_unit("外部单位")
    client.force_login(world.office)
    url = reverse("unit-detail", args=[world.campaign.slug, stranger.pk])
    assert client.get(url).status_code == 404


def test_campaign_readers_have_the_scoreboard_in_the_navigation(client, world):
    client.force_login(world.viewer)
    home = client.get(reverse("campaign-home", args=[world.campaign.slug])).content.decode()
    assert reverse("supervision-scoreboard", args=[world.campaign.slug]) in home


@pytest.fixture(autouse=True)
def _pinned(ledger):
    """Every page here is read on 2026-11-16 (the ledger fixture leaves the clock there)."""


def test_the_pages_queries_do_not_grow_with_units_and_measures(client, world, ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_unit

    client.force_login(world.supervisor)
    board = reverse("supervision-scoreboard", args=[world.campaign.slug])
    unit = reverse("unit-detail", args=[world.campaign.slug, world.bureau_a.pk])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count(board), count(unit)
    for i in range(4):
        extra = make_unit(f"新增单位{i}", world.ministry)
        for j in range(3):
            world.measure(world.problem, extra, f"措施{i}-{j}", deadline=dt.date(2026, 11, 2))
            world.measure(
                world.problem, world.bureau_a, f"甲{i}-{j}", deadline=dt.date(2026, 11, 3)
            )
    assert (count(board), count(unit)) == before
