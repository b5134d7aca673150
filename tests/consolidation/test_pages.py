"""The board's pages per persona: office only; actions end in a message, never lose data."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.consolidation import regrouping, services
from rectify.consolidation.board import current_run, unmerged_items
from rectify.consolidation.models import Merge, NotDuplicate, Run
from rectify.ledger.models import Category, Problem, ProblemFeedback
from tests.consolidation.conftest import add_items, group_of

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>油烟扰民'


def login(client, user):
    client.force_login(user)  # (client.login would need a request for django-axes)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("office", 200),
        ("leader", 403),
        ("group", 403),
        ("supervisor", 403),
        ("viewer", 403),
        ("liaison", 403),
        ("outsider", 404),
    ],
)
def test_the_board_is_the_offices(board, client, persona, status):
    login(client, board.personas[persona])
    oil = group_of(board.run, board.oil[0])
    assert client.get(reverse("consolidation-board", args=["world"])).status_code == status
    assert client.get(reverse("consolidation-group", args=[oil.pk])).status_code == status
    response = client.post(
        reverse("consolidation-accept", args=[oil.pk]),
        {"mode": "existing", "problem": "1", "version": oil.version},
    )
    assert response.status_code == (302 if persona == "office" else status)
    assert ProblemFeedback.objects.filter(feedback_item__in=board.oil).exists() == (
        persona == "office"
    )


def test_the_nav_links_the_board_for_the_office_only(board, client):
    home = reverse("feedback-list", args=["world"])
    assert b'data-testid="nav-consolidation"' in login(client, board.office).get(home).content
    client.logout()
    assert b'data-testid="nav-consolidation"' not in login(client, board.leader).get(home).content


def test_the_board_shows_groups_largest_first_with_similarity(board, client):
    response = login(client, board.office).get(reverse("consolidation-board", args=["world"]))
    cards = response.context["cards"]
    assert [len(c["member_ids"]) for c in cards] == [3, 2, 2]
    html = response.content.decode()
    assert html.count('data-testid="similarity"') == 7
    assert "1.00" in html
    singles = client.get(reverse("consolidation-board", args=["world"]), {"show": "singles"})
    assert [len(c["member_ids"]) for c in singles.context["cards"]] == [1, 1]


def test_hostile_text_is_inert_on_the_board(world, client):
    add_items(world.campaign, [HOSTILE, HOSTILE + "！"])
    regrouping.start_regroup(world.campaign, actor=world.office)
    login(client, world.office)
    board_html = client.get(reverse("consolidation-board", args=["world"])).content.decode()
    group = current_run(world.campaign).groups.first()
    detail_html = client.get(reverse("consolidation-group", args=[group.pk])).content.decode()
    for html in (board_html, detail_html):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_accept_into_a_new_problem_from_the_board(board, client):
    category = Category.objects.create(campaign=board.campaign, name="生态环境")
    oil = group_of(board.run, board.oil[0])
    login(client, board.office)
    response = client.post(
        reverse("consolidation-accept", args=[oil.pk]),
        {
            "mode": "new",
            "items": [i.pk for i in board.oil[:2]],
            "title": "幸福小区油烟扰民",
            "source": "grassroots",
            "category": category.pk,
            "reason": "同一餐馆",
            "version": oil.version,
        },
        follow=True,
    )
    problem = Problem.objects.get(title="幸福小区油烟扰民")
    assert problem.category == category
    assert any(str(problem.number) in m for m in messages_of(response))
    assert set(problem.feedback_items.values_list("pk", flat=True)) == {
        board.oil[0].pk,
        board.oil[1].pk,
    }
    # The problem page shows its originals with who, when, why, and offers the undo.
    page = client.get(reverse("problem-detail", args=["world", problem.number]))
    html = page.content.decode()
    assert html.count('data-testid="feedback-item"') == 2
    assert "同一餐馆" in html and 'data-testid="undo"' in html


def test_the_second_of_two_people_gets_a_clear_message(board, client):
    oil = group_of(board.run, board.oil[0])
    seen = oil.version
    services.accept(oil, actor=board.office, items=[board.oil[0]], problem=board.problem)
    login(client, board.office)
    response = client.post(
        reverse("consolidation-accept", args=[oil.pk]),
        {"mode": "existing", "problem": "2. 乙省", "version": seen},
        follow=True,
    )
    assert any("Someone else changed this group" in m or "他人" in m for m in messages_of(response))
    assert board.problem_b_only.merges.count() == 0


def test_move_split_not_duplicate_and_set_aside_from_the_group_page(board, client):
    oil, road = group_of(board.run, board.oil[0]), group_of(board.run, board.road[0])
    login(client, board.office)
    client.post(
        reverse("consolidation-move", args=[oil.pk]),
        {"item": board.oil[2].pk, "to": road.pk, "reason": "归错", "version": oil.version},
    )
    assert group_of(board.run, board.oil[2]) == road
    road.refresh_from_db()
    client.post(
        reverse("consolidation-split", args=[road.pk]),
        {"items": [board.oil[2].pk], "keep_apart": "on", "reason": "拆", "version": road.version},
    )
    assert group_of(board.run, board.oil[2]) not in (oil, road)
    assert NotDuplicate.objects.count() == 2
    oil.refresh_from_db()
    client.post(
        reverse("consolidation-not-duplicate", args=[oil.pk]),
        {"item": board.oil[1].pk, "reason": "不同", "version": oil.version},
    )
    assert group_of(board.run, board.oil[1]) != group_of(board.run, board.oil[0])
    client.post(
        reverse("consolidation-set-aside", args=[board.loners[0].pk]),
        {"reason": "表扬信"},
    )
    assert board.loners[0] not in unmerged_items(board.campaign)
    actions = {e.action for e in history(road)} | {e.action for e in history(oil)}
    assert {"consolidation.move", "consolidation.not_duplicate"} <= actions


def test_undo_from_the_merges_page(board, client):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(oil, actor=board.office, title="油烟", source="grassroots")
    login(client, board.office)
    page = client.get(reverse("consolidation-merges", args=["world"]))
    assert f'data-merge="{merge.pk}"' in page.content.decode()
    client.post(reverse("consolidation-undo", args=[merge.pk]), {"reason": "错并"})
    assert Merge.objects.get(pk=merge.pk).undone_at is not None
    assert not Problem.objects.filter(title="油烟").exists()
    assert client.post(reverse("consolidation-undo", args=[merge.pk])).status_code == 302
    client.logout()
    login(client, board.leader)
    assert client.post(reverse("consolidation-undo", args=[merge.pk])).status_code == 403


def test_regroup_button_and_the_progress_fragment(board, client, settings, monkeypatch):
    login(client, board.office)
    response = client.post(
        reverse("consolidation-regroup", args=["world"]), {"level": "topic"}, follow=True
    )
    assert response.context["run"].level == "topic"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(regrouping, "INLINE_LIMIT", 1)
    client.post(reverse("consolidation-regroup", args=["world"]), {"level": "duplicate"})
    running = Run.objects.get(status=Run.Status.PENDING)
    board_page = client.get(reverse("consolidation-board", args=["world"]))
    assert b'data-testid="progress"' in board_page.content and b"every 2s" in board_page.content
    assert board_page.context["cards"]  # the last finished run stays usable
    fragment = client.get(reverse("consolidation-run-progress", args=[running.pk]))
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    regrouping.run_regroup(running)
    fragment = client.get(reverse("consolidation-run-progress", args=[running.pk]))
    assert fragment["HX-Refresh"] == "true"
