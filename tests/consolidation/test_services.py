"""The board's rules: the machine suggests, a person merges, moves, splits, keeps apart, sets
aside and undoes; provenance and the activity log stay intact throughout."""

import pytest

from rectify.audit.log import history
from rectify.consolidation import regrouping, services
from rectify.consolidation.board import board_groups, current_run, live_members, unmerged_items
from rectify.consolidation.models import Level, Merge, NotDuplicate, Run
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.ledger.choices import Source
from rectify.ledger.models import Problem, ProblemFeedback
from tests.consolidation.conftest import OIL, add_items, group_of


def live(group):
    return [m.feedback_item_id for m in live_members([group])]


def sizes(run):
    return [g.live for g in board_groups(run)]


def test_regroup_suggests_the_planted_groups_largest_first(board):
    run = board.run
    assert run.status == Run.Status.DONE and not run.in_background
    assert run.total == 9
    assert sizes(run) == [3, 2, 2, 1, 1]
    oil = group_of(run, board.oil[0])
    assert set(live(oil)) == {i.pk for i in board.oil}
    sims = {m.feedback_item_id: m.similarity for m in live_members([oil])}
    assert sims[oil.representative_id] == pytest.approx(1.0)
    assert all(0.5 < s <= 1.0 for s in sims.values())
    assert oil.key_terms
    assert history(run).get().action == "consolidation.regroup"


def test_accept_into_a_new_problem_keeps_who_when_why_and_similarity(board):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(
        oil,
        actor=board.office,
        title="幸福小区餐馆油烟扰民",
        source=Source.GRASSROOTS,
        reason="同一餐馆油烟",
        expected_version=oil.version,
    )
    problem = merge.problem
    assert merge.created_problem and problem.title == "幸福小区餐馆油烟扰民"
    links = ProblemFeedback.objects.filter(problem=problem)
    assert {link.feedback_item_id for link in links} == {i.pk for i in board.oil}
    for link in links:
        assert link.merged_by == board.office and link.reason == "同一餐馆油烟"
        assert link.similarity is not None and link.merged_at is not None
    assert [e.action for e in history(problem)] == ["problem.merge", "problem.create"]
    assert history(problem).first().reason == "同一餐馆油烟"
    # Merged items leave the board; the rest stays.
    assert sizes(board.run) == [2, 2, 1, 1]


def test_accept_a_chosen_subset_into_an_existing_problem(board):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(
        oil, actor=board.office, items=board.oil[:2], problem=board.problem, reason="部分"
    )
    assert not merge.created_problem and merge.problem == board.problem
    assert set(board.problem.feedback_items.values_list("pk", flat=True)) == {
        board.oil[0].pk,
        board.oil[1].pk,
    }
    assert live(oil) == [board.oil[2].pk]


def test_nothing_is_merged_without_the_office(board):
    oil = group_of(board.run, board.oil[0])
    for who in (board.leader, board.liaison, board.viewer, board.group, board.outsider):
        with pytest.raises(PermissionRefused):
            services.accept(oil, actor=who, problem=board.problem)
        with pytest.raises(PermissionRefused):
            regrouping.start_regroup(board.campaign, actor=who)
    assert not ProblemFeedback.objects.filter(feedback_item__in=board.oil).exists()


def test_a_stale_version_is_a_conflict_and_saves_nothing(board):
    oil = group_of(board.run, board.oil[0])
    seen = oil.version
    services.split(oil, [board.oil[2]], actor=board.office, expected_version=seen)
    with pytest.raises(ConflictError) as exc:
        services.accept(oil, actor=board.office, problem=board.problem, expected_version=seen)
    assert "Nothing was saved" in exc.value.render("en")
    assert not board.problem.merges.filter(feedback_item__in=board.oil).exists()


def test_an_item_merged_meanwhile_is_a_conflict(board):
    oil = group_of(board.run, board.oil[0])
    services.accept(oil, actor=board.office, items=[board.oil[0]], problem=board.problem)
    with pytest.raises(ConflictError):
        services.accept(oil, actor=board.office, items=board.oil, problem=board.problem)
    assert board.problem.merges.count() == 1


def test_undo_deletes_the_problem_the_merge_created_and_puts_the_items_back(board):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(oil, actor=board.office, title="油烟", source=Source.GRASSROOTS)
    pk, number = merge.problem.pk, merge.problem.number
    services.undo_merge(merge, actor=board.office, reason="合并错了")
    assert not Problem.objects.filter(pk=pk).exists()
    assert not ProblemFeedback.objects.filter(feedback_item__in=board.oil).exists()
    merge.refresh_from_db()
    assert merge.undone_by == board.office and merge.undo_reason == "合并错了"
    assert (merge.problem_number, merge.problem_title) == (number, "油烟")
    assert set(live(oil)) == {i.pk for i in board.oil}
    with pytest.raises(ConflictError):
        services.undo_merge(merge, actor=board.office)
    # The deleted problem's number was cited once: the next problem does not take it again.
    again = services.accept(oil, actor=board.office, title="油烟", source=Source.GRASSROOTS)
    assert again.problem.number == number + 1


def test_undo_into_an_existing_problem_only_removes_its_links(board):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(oil, actor=board.office, problem=board.problem, reason="并入")
    services.undo_merge(merge, actor=board.office)
    assert Problem.objects.filter(pk=board.problem.pk).exists()
    assert not board.problem.merges.exists()
    assert [e.action for e in history(board.problem)][:2] == ["problem.unmerge", "problem.merge"]


def test_undo_is_refused_when_the_new_problem_has_measures(board):
    oil = group_of(board.run, board.oil[0])
    merge = services.accept(oil, actor=board.office, title="油烟", source=Source.GRASSROOTS)
    board.measure(merge.problem, board.bureau_a, "整治油烟")
    with pytest.raises(DomainError) as exc:
        services.undo_merge(merge, actor=board.office)
    assert exc.value.code == "problem_in_use"
    assert "measures" in exc.value.render("en")
    assert merge.problem.merges.count() == 3
    assert Merge.objects.get(pk=merge.pk).undone_at is None


def test_move_an_item_to_another_group(board):
    oil, road = group_of(board.run, board.oil[0]), group_of(board.run, board.road[0])
    services.move(oil, board.oil[2], to=road, actor=board.office, reason="归错了")
    assert board.oil[2].pk in live(road) and board.oil[2].pk not in live(oil)
    entry = history(road).get(action="consolidation.move")
    assert entry.reason == "归错了" and entry.after["feedback_items"] == [board.oil[2].pk]


def test_moving_the_representative_chooses_a_new_one(board):
    oil, road = group_of(board.run, board.oil[0]), group_of(board.run, board.road[0])
    rep = oil.representative
    services.move(oil, rep, to=road, actor=board.office)
    oil.refresh_from_db()
    assert oil.representative_id != rep.pk and oil.representative_id in live(oil)
    sims = {m.feedback_item_id: m.similarity for m in live_members([oil])}
    assert sims[oil.representative_id] == pytest.approx(1.0)


def test_split_with_keep_apart_is_remembered_on_regroup(board):
    oil = group_of(board.run, board.oil[0])
    new = services.split(
        oil, [board.oil[2]], actor=board.office, reason="不同诉求", keep_apart=True
    )
    assert live(new) == [board.oil[2].pk]
    assert NotDuplicate.objects.count() == 2
    assert history(new).get().reason == "不同诉求"
    run = regrouping.start_regroup(board.campaign, actor=board.office)
    assert group_of(run, board.oil[2]) != group_of(run, board.oil[0])
    assert run.kept_apart == 1
    assert group_of(run, board.oil[0]) == group_of(run, board.oil[1])


def test_not_a_duplicate_divides_the_group_and_later_regroupings(board):
    oil = group_of(board.run, board.oil[0])
    new = services.mark_not_duplicate(
        oil, board.oil[1], others=[board.oil[0]], actor=board.office, reason="不是一回事"
    )
    assert len(new) == 1
    assert board.oil[0].pk in live(oil) and board.oil[1].pk not in live(oil)
    run = regrouping.start_regroup(board.campaign, actor=board.office)
    assert group_of(run, board.oil[0]) != group_of(run, board.oil[1])


def test_a_second_regroup_while_one_runs_is_refused(board):
    Run.objects.create(campaign=board.campaign, level=Level.DUPLICATE, threshold=0.6)
    with pytest.raises(ConflictError):
        regrouping.start_regroup(board.campaign, actor=board.office)


def test_topic_level_has_near_duplicate_subgroups(board):
    run = regrouping.start_regroup(board.campaign, actor=board.office, level=Level.TOPIC)
    top = list(board_groups(run))
    assert [g.live for g in top] == [3, 2, 2, 1, 1]
    subs = list(board_groups(run, parent=top[0]))
    assert sum(g.live for g in subs) == 3
    merge = services.accept(top[0], actor=board.office, title="油烟", source=Source.GRASSROOTS)
    assert merge.problem.merges.count() == 3


def test_set_aside_and_restore(board):
    item = board.loners[0]
    with pytest.raises(DomainError):
        services.set_aside(item, actor=board.office, reason=" ")
    services.set_aside(item, actor=board.office, reason="表扬，不是问题")
    assert item not in unmerged_items(board.campaign)
    services.restore(item, actor=board.office)
    assert item in unmerged_items(board.campaign)
    assert [e.action for e in history(item)][:2] == ["feedback.restore", "feedback.set_aside"]


def test_other_campaigns_items_never_join(board):
    from tests.factories import make_campaign

    other = make_campaign(board.ministry, slug="other")
    add_items(other, OIL)
    run = regrouping.start_regroup(board.campaign, actor=board.office)
    assert run.total == 9


def test_the_worker_task_runs_a_large_regroup(board, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        run = regrouping.start_regroup(board.campaign, actor=board.office, background=True)
    assert run.in_background
    run.refresh_from_db()
    assert run.status == Run.Status.DONE and run.percent == 100 and run.group_count == 5


def test_more_than_the_inline_limit_goes_to_the_worker(board, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(regrouping, "INLINE_LIMIT", 5)
    run = regrouping.start_regroup(board.campaign, actor=board.office)
    assert run.in_background and run.status == Run.Status.PENDING
    assert current_run(board.campaign) == board.run  # the board keeps the last one
