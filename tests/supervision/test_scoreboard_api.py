"""The scoreboard and a unit's summary through the API: the same figures and the same scoping
as the pages."""

import pytest
from django.core.cache import cache

from rectify.api import tokens


@pytest.fixture
def api(client, world):
    cache.clear()

    def get(user, path, **params):
        token = tokens.issue(user, name="test", scope="read")[1]
        return client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {token}"})

    return get


BOARD = "/campaigns/world/scoreboard"


def test_the_scoreboard_has_the_pages_figures(api, world, ledger):
    resp = api(world.leader, BOARD)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["min_count"] == 3 and body["sort"] == "rank" and body["as_of"] == "2026-11-16"
    first = body["rows"][0]
    assert first["unit"] == {"id": world.bureau_a.pk, "name": "甲省民政厅"}
    assert first["rank"] == 1 and first["enough"] is True
    assert (first["open"], first["due_soon"], first["overdue"], first["closed"]) == (3, 1, 1, 3)
    assert (first["on_time"], first["late"], first["judged"]) == (2, 1, 4)
    assert first["on_time_rate"] == 0.5
    assert (first["avg_late_days"], first["avg_overdue_days"]) == (5.0, 6.0)
    assert (first["deadline_moves"], first["returned"]) == (1, 1)
    small = {r["unit"]["id"]: r for r in body["rows"][1:]}
    assert small[world.bureau_b.pk]["rank"] is None
    assert small[world.bureau_b.pk]["on_time_rate"] == 1.0


def test_the_scoreboard_sorts_like_the_page(api, world, ledger):
    rows = api(world.office, BOARD, sort="overdue").json()["rows"]
    assert rows[0]["unit"]["id"] == world.bureau_b.pk
    assert api(world.office, BOARD, sort="-overdue").json()["sort"] == "-overdue"
    assert api(world.office, BOARD, sort="bogus").status_code == 422


def test_scoping_of_the_scoreboard(api, world, ledger):
    rows = api(ledger.unit_supervisor, BOARD).json()["rows"]
    assert {r["unit"]["id"] for r in rows} == {world.bureau_a.pk, world.org_a1.pk}
    assert api(world.liaison, BOARD).status_code == 403
    assert api(world.outsider, BOARD).status_code == 404


def summary(unit):
    return f"/campaigns/world/units/{unit.pk}/summary"


def test_a_units_summary_lists_its_measures_red_first(api, world, ledger):
    resp = api(world.liaison, summary(world.bureau_a))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["record"]["overdue"] == 1 and body["record"]["enough"] is True
    assert body["record"]["rank"] is None  # a place belongs to a table
    assert [m["light"] for m in body["measures"]] == ["red", "yellow", "green", "", "", ""]
    assert body["measures"][0]["id"] == ledger.a["A3"].pk


def test_scoping_of_a_units_summary(api, world, ledger):
    assert api(world.liaison, summary(world.bureau_b)).status_code == 404
    assert api(world.liaison, summary(world.org_a1)).status_code == 200  # their subtree
    assert api(ledger.unit_supervisor, summary(world.bureau_b)).status_code == 404
    assert api(world.viewer, summary(world.bureau_b)).status_code == 200
    assert api(world.outsider, summary(world.bureau_a)).status_code == 404
