"""The problem page: facts, merged feedback with provenance, visible measures, the timeline."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import Difficulty, Nature
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence
from tests.helpers import attrs, texts

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(number):
    return reverse("problem-detail", args=["world", number])


@pytest.fixture
def detailed(world):
    services.update_problem(
        world.problem,
        actor=world.office,
        description="多头考核、重复填报",
        nature=Nature.STYLE,
        difficulty=Difficulty.HARD,
        is_prominent=True,
    )
    item = FeedbackItem.objects.create(
        campaign=world.campaign,
        kind=FeedbackKind.PROBLEM,
        text="乡镇每月要填二十多张表",
        channel=Channel.SYMPOSIUM,
    )
    services.merge_feedback(world.problem, [item], actor=world.office, reason="同类问题合并")
    services.add_milestone(
        world.measure_a, actor=world.liaison, title="完成清理", due_on=dt.date(2026, 12, 1)
    )
    world.measure_a = services.start(world.measure_a, actor=world.liaison)
    services.add_progress_report(
        world.measure_a, actor=world.liaison, text="已清理考核事项12项", percent_done=40
    )
    return world


@pytest.mark.django_db
def test_it_shows_the_problem_and_its_measures(client, detailed):
    client.force_login(detailed.office)
    response = client.get(url(1))
    assert response.status_code == 200
    html = response.content.decode()
    assert texts(response, "problem-title") == ["基层减负落实不到位"]
    assert "多头考核、重复填报" in html
    assert attrs(response, "problem-state")[0]["data-state"] == "in_progress"
    cards = attrs(response, "measure-card")
    assert [int(c["data-measure"]) for c in cards] == [detailed.measure_a.pk, detailed.measure_b.pk]
    assert "甲省民政厅" in html and "乙省民政厅" in html
    assert "完成清理" in html  # milestone
    assert "已清理考核事项12项" in html  # latest progress
    assert "2026年12月31日" in html  # deadline, Chinese date format
    assert [a["data-state"] for a in attrs(response, "state-badge")] == ["in_progress", "draft"]


@pytest.mark.django_db
def test_it_shows_merged_feedback_with_provenance(client, detailed):
    client.force_login(detailed.office)
    response = client.get(url(1))
    items = texts(response, "feedback-item")
    assert len(items) == 1
    assert "乡镇每月要填二十多张表" in items[0]
    assert "office" in items[0]  # merged by
    assert "同类问题合并" in items[0]  # reason
    assert "2026年11月16日" in items[0]  # when


@pytest.mark.django_db
def test_the_timeline_lists_changes_newest_first(client, detailed):
    client.force_login(detailed.office)
    response = client.get(url(1))
    timeline = response.context["timeline"]
    actions = [e["target"] for e in timeline]
    assert len(timeline) >= 5
    assert timeline == sorted(timeline, key=lambda e: e["at"], reverse=True)
    # the start of measure_a shows before → after states, with the actor
    start = next(e for e in timeline if e["changes"] and e["changes"][0]["after"] == "整改中")
    assert start["actor"] == detailed.liaison
    assert start["changes"][0]["before"] == "拟定"
    assert any("精简会议文件" in a for a in actions)
    merge = next(e for e in timeline if e["reason"] == "同类问题合并")
    assert merge["actor"] == detailed.office


@pytest.mark.django_db
def test_a_liaison_sees_only_their_units_measures_and_no_raw_feedback(client, detailed):
    client.force_login(detailed.liaison)
    response = client.get(url(1))
    assert response.status_code == 200
    html = response.content.decode()
    cards = attrs(response, "measure-card")
    assert [int(c["data-measure"]) for c in cards] == [detailed.measure_a.pk]
    assert "精简会议文件" not in html  # bureau_b's measure, also absent from the timeline
    assert "乡镇每月要填二十多张表" not in html  # raw feedback is not for liaisons


@pytest.mark.django_db
def test_the_other_liaison_sees_theirs(client, detailed):
    client.force_login(detailed.liaison2)
    response = client.get(url(1))
    assert [int(c["data-measure"]) for c in attrs(response, "measure-card")] == [
        detailed.measure_b.pk
    ]
    assert "清理规范各类考核事项" not in response.content.decode()


@pytest.mark.django_db
def test_overdue_and_due_soon_badges(client, world):
    late = world.measure(world.problem, world.bureau_a, "逾期的", deadline=dt.date(2026, 11, 6))
    soon = world.measure(world.problem, world.bureau_a, "临期的", deadline=dt.date(2026, 11, 18))
    client.force_login(world.office)
    response = client.get(url(1))
    dues = {a["data-due"] for a in attrs(response, "due-badge")}
    assert dues == {"overdue", "due_soon"}
    shown = {m.pk: m.due_status for m in response.context["measures"]}
    assert shown[late.pk] == "overdue" and shown[soon.pk] == "due_soon"
    badge = next(t for t in texts(response, "due-badge") if "10" in t)
    assert "10" in badge  # 2026-11-06 → 2026-11-16: ten days late


@pytest.mark.django_db
def test_problem_states_are_derived(client, world):
    client.force_login(world.office)
    empty = services.create_problem(world.campaign, actor=world.office, title="空", source="self")
    response = client.get(url(empty.number))
    assert attrs(response, "problem-state")[0]["data-state"] == "no_measure"
    m = world.measure_b2
    services.start(m, actor=world.office)
    add_evidence(m, world.office)
    services.request_closure(m, actor=SYSTEM, reason="整改完成")
    services.verify(m, actor=world.office, reason="同意销号")
    response = client.get(url(world.problem_b_only.number))
    assert attrs(response, "problem-state")[0]["data-state"] == "rectified"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "problem1", "problem2"),
    [
        ("office", 200, 200),
        ("leader", 200, 200),
        ("group", 200, 200),
        ("supervisor", 200, 200),
        ("viewer", 200, 200),
        ("liaison", 200, 404),  # problem 2 has only a bureau_b measure
        ("liaison2", 200, 200),
        ("outsider", 404, 404),
    ],
)
def test_who_may_open_it(client, world, persona, problem1, problem2):
    client.force_login(world.personas[persona])
    assert client.get(url(1)).status_code == problem1
    assert client.get(url(2)).status_code == problem2


@pytest.mark.django_db
def test_an_unknown_number_is_404(client, world):
    client.force_login(world.office)
    assert client.get(url(999)).status_code == 404
