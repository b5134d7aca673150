"""我的任务: the liaison's measures by group, with counts, reasons, one click from reporting; the
liaison lands here after login."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.ledger import services
from rectify.orgs.choices import Role
from tests.factories import PASSWORD, grant
from tests.helpers import attrs, messages_of, texts

from .conftest import started


def url(world):
    return reverse("my-tasks", args=[world.campaign.slug])


def groups(response) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for a in attrs(response, "task"):
        out.setdefault(a["data-group"], []).append(int(a["data-measure"]))
    return out


def chip_counts(response) -> dict[str, int]:
    keys = [a["data-group"] for a in attrs(response, "group-chip")]
    return dict(zip(keys, map(int, texts(response, "chip-count")), strict=True))


@pytest.mark.django_db
def test_the_liaison_sees_their_units_measures_by_group_most_urgent_first(client, world, tasks):
    client.force_login(world.liaison)
    response = client.get(url(world))
    assert response.status_code == 200
    assert groups(response) == {
        "returned": [tasks.returned.pk],
        "overdue": [tasks.late.pk, tasks.overdue.pk],  # the most days late first
        "due_soon": [tasks.due_soon.pk],  # org_a1 is in bureau_a's subtree
        "under_way": [tasks.draft.pk, tasks.under_way.pk],  # the draft waits to be started
        "waiting": [tasks.waiting.pk],
    }
    assert chip_counts(response) == {
        "returned": 1,
        "overdue": 2,
        "due_soon": 1,
        "under_way": 2,
        "waiting": 1,
        "recheck": 0,
    }
    sections = [a["data-group"] for a in attrs(response, "task-group")]
    assert sections == ["returned", "overdue", "due_soon", "under_way", "waiting"]
    assert [int(n) for n in texts(response, "group-count")] == [1, 2, 1, 2, 1]
    # the other unit's measures are not there
    shown = {int(a["data-measure"]) for a in attrs(response, "task")}
    assert world.measure_b.pk not in shown and world.measure_b2.pk not in shown
    assert "精简会议文件" not in response.content.decode()
    # the navigation counts what needs acting on: returned, overdue, due soon
    assert texts(response, "nav-count") == ["4"]


@pytest.mark.django_db
def test_each_task_shows_what_the_unit_needs_and_one_click_to_report(client, world, tasks):
    client.force_login(world.liaison)
    response = client.get(url(world))
    html = response.content.decode()
    ids = [int(a["data-measure"]) for a in attrs(response, "task")]
    cards = dict(zip(ids, texts(response, "task"), strict=True))
    under_way = cards[tasks.under_way.pk]
    assert "进行中的措施" in under_way
    assert "基层减负落实不到位" in under_way and "问题 1" in under_way
    assert "甲省民政厅" in under_way
    assert "2027年5月31日" in under_way
    assert len(texts(response, "deadline-moves")) == 1
    assert "1" in texts(response, "deadline-moves")[0]
    assert "50%" in under_way
    # overdue: days late
    assert "27" in cards[tasks.late.pk]  # 2026-10-20 → 2026-11-16
    # one click from reporting progress: an htmx button, with a plain link underneath
    links = attrs(response, "task-report")
    progress = reverse("measure-progress", args=[tasks.under_way.pk])
    link = next(a for a in links if a["href"].startswith(progress))
    assert link["hx-get"].startswith(progress + "?from=tasks")
    assert link["hx-target"] == f"#task-{tasks.under_way.pk}-slot"
    # the draft has a start button instead, which comes back here
    start = reverse("measure-transition", args=[tasks.draft.pk, "start"])
    assert f'action="{start}"' in html
    assert len(attrs(response, "task-start")) == 1


@pytest.mark.django_db
def test_returned_tasks_show_the_offices_reasons_latest_first(client, world, tasks):
    client.force_login(world.liaison)
    response = client.get(url(world))
    reasons = texts(response, "return-reason")
    assert len(reasons) == 2
    assert "照片不清晰" in reasons[0] and "佐证材料不全" in reasons[1]


@pytest.mark.django_db
def test_starting_a_draft_from_my_tasks_comes_back_to_my_tasks(client, world, tasks):
    client.force_login(world.liaison)
    response = client.post(
        reverse("measure-transition", args=[tasks.draft.pk, "start"]),
        {"version": tasks.draft.version, "next": url(world)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url(world)
    assert messages_of(response)
    assert tasks.draft.pk in groups(response)["under_way"]
    assert attrs(response, "task-start") == []  # no draft left
    world.measure_a.refresh_from_db()
    assert world.measure_a.state == "in_progress"


@pytest.mark.django_db
def test_an_empty_list_reassures(client, world, pinned_today):
    client.force_login(world.liaison2)
    services.start(world.measure_b, actor=world.office)
    services.start(world.measure_b2, actor=world.office)
    services.update_measure(
        world.measure_b,
        actor=world.office,
        expected_version=world.measure_b.version + 1,
        deadline=dt.date(2027, 6, 30),
        deadline_reason="调整",
    )
    response = client.get(url(world))
    assert len(attrs(response, "tasks-empty")) == 0  # two measures under way
    client.force_login(world.leader)
    response = client.get(url(world))
    assert response.status_code == 200
    assert attrs(response, "tasks-not-unit")
    # a liaison of a unit without measures
    grant(world.leader, world.campaign, Role.LIAISON, world.org_a1)
    response = client.get(url(world))
    assert attrs(response, "tasks-empty")
    assert not attrs(response, "task")


@pytest.mark.django_db
def test_a_liaison_lands_on_my_tasks_after_login(client, world):
    response = client.post(
        reverse("login"), {"username": "liaison", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(world)
    assert response.status_code == 200
    # the list of campaigns is still there
    response = client.get(reverse("home") + "?all=1")
    assert response.status_code == 200
    # the office (even one who is also a liaison) lands on the campaign
    grant(world.office, world.campaign, Role.LIAISON, world.bureau_b)
    client.logout()
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert client.get(response.url)["Location"] == reverse("campaign-home", args=["world"])


@pytest.mark.django_db
def test_an_outsider_cannot_open_a_campaigns_tasks(client, world):
    client.force_login(world.outsider)
    assert client.get(url(world)).status_code == 404


@pytest.mark.django_db
def test_a_due_recheck_and_a_calm_list(client, world, tasks):
    services.verify(
        tasks.waiting,
        actor=world.office,
        reason="整改到位",
        recheck_on=dt.date(2026, 11, 18),
    )
    client.force_login(world.liaison)
    response = client.get(url(world))
    assert groups(response)["recheck"] == [tasks.waiting.pk]
    assert "waiting" not in groups(response)
    assert "2026年11月18日" in texts(response, "task")[-1]
    assert not attrs(response, "tasks-calm")  # there is urgent work
    # bureau_b's liaison: two measures under way, nothing urgent
    services.start(world.measure_b2, actor=world.office)
    client.force_login(world.liaison2)
    response = client.get(url(world))
    assert set(groups(response)) == {"under_way"}
    assert attrs(response, "tasks-calm")
    assert texts(response, "nav-count") == []


@pytest.mark.django_db
def test_my_tasks_reads_a_fixed_number_of_queries(
    client, world, tasks, django_assert_max_num_queries
):
    client.force_login(world.liaison)
    with django_assert_max_num_queries(40) as few:
        client.get(url(world))
    for i in range(15):
        m = started(world.measure(world.problem, world.bureau_a, f"措施{i}"), world.office)
        services.add_progress_report(m, actor=world.liaison, text="进展", percent_done=i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(world))
    assert len(attrs(response, "task")) == 7 + 15
