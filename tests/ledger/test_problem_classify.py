"""Classifying problems: create and edit pages (office, version conflicts), bulk classify from the
list page (one transaction, one log entry per changed problem, permissions per persona), the
problem lists page and the category tree page."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.audit.models import ActivityLog
from rectify.core.errors import ConflictError, PermissionRefused
from rectify.ledger import services
from rectify.ledger.choices import Difficulty, Nature, Source
from rectify.ledger.models import Category, Problem, ProblemList
from tests.factories import make_campaign, make_unit
from tests.helpers import attrs, messages_of, texts

pytestmark = pytest.mark.django_db

READERS = ["leader", "group", "liaison", "supervisor", "viewer"]


@pytest.fixture
def sorted_world(world):
    c = world.campaign
    world.lead_list = services.create_problem_list(c, actor=world.office, name="领导班子问题清单")
    world.study_list = services.create_problem_list(c, actor=world.office, name="调研问题清单")
    world.formalism = services.create_category(c, actor=world.office, name="形式主义")
    world.meetings = services.create_category(
        c, actor=world.office, name="文山会海", parent=world.formalism
    )
    return world


def classify_url(world):
    return reverse("problem-classify", args=[world.campaign.slug])


def post_classify(client, world, problems, **fields):
    data = {"problems": [p.pk for p in problems], **fields}
    return client.post(classify_url(world), data)


# --- bulk classify ---------------------------------------------------------------------------


def test_bulk_classify_sets_everything_in_one_go_with_one_log_entry_each(client, sorted_world):
    w = sorted_world
    p1, p2 = w.problem, w.problem_b_only
    services.update_problem(p2, actor=w.office, nature=Nature.STYLE)
    before = {p.pk: Problem.objects.get(pk=p.pk).version for p in (p1, p2)}
    logged = ActivityLog.objects.count()
    client.force_login(w.office)
    response = post_classify(
        client,
        w,
        [p1, p2],
        category=w.meetings.pk,
        nature=Nature.STYLE,
        difficulty=Difficulty.HARD,
        prominent="1",
        add_list=w.lead_list.pk,
        query="?source=grassroots",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("problem-list", args=["world"]) + "?source=grassroots"
    for p in (p1, p2):
        p.refresh_from_db()
        assert p.category == w.meetings
        assert p.nature == Nature.STYLE
        assert p.difficulty == Difficulty.HARD
        assert p.is_prominent
        assert list(p.lists.all()) == [w.lead_list]
        assert p.version == before[p.pk] + 1
    assert ActivityLog.objects.count() == logged + 2
    entry = history(p2).first()
    assert entry.action == "problem.classify"
    assert entry.actor == w.office
    assert "nature" not in entry.after  # it was already so
    assert entry.before["lists"] == [] and entry.after["lists"] == [w.lead_list.pk]
    assert entry.after["category"] == w.meetings.pk
    assert any("2" in m for m in messages_of(response))


def test_unchanged_problems_get_no_entry_and_no_new_version(sorted_world):
    w = sorted_world
    services.update_problem(w.problem, actor=w.office, difficulty=Difficulty.EASY)
    w.problem.refresh_from_db()
    version = w.problem.version
    changed = services.bulk_classify(
        w.campaign, [w.problem, w.problem_b_only], actor=w.office, difficulty=Difficulty.EASY
    )
    assert changed == [Problem.objects.get(pk=w.problem_b_only.pk)]
    w.problem.refresh_from_db()
    assert w.problem.version == version
    assert history(w.problem).first().action == "problem.update"


def test_removing_from_a_list_keeps_the_other_lists(sorted_world):
    w = sorted_world
    services.update_problem(w.problem, actor=w.office, lists=[w.lead_list, w.study_list])
    services.bulk_classify(w.campaign, [w.problem], actor=w.office, remove_list=w.lead_list)
    assert list(w.problem.lists.all()) == [w.study_list]
    entry = history(w.problem).first()
    assert entry.before["lists"] == sorted([w.lead_list.pk, w.study_list.pk])
    assert entry.after["lists"] == [w.study_list.pk]


def test_a_problem_of_another_campaign_changes_nothing_at_all(sorted_world):
    w = sorted_world
    other = make_campaign(make_unit("另一部"), slug="other")
    foreign = Problem.objects.create(campaign=other, number=1, title="外", source="audit")
    logged = ActivityLog.objects.count()
    with pytest.raises(PermissionRefused):
        services.bulk_classify(
            w.campaign, [w.problem, foreign], actor=w.office, nature=Nature.SYSTEM
        )
    w.problem.refresh_from_db()
    assert w.problem.nature == ""
    assert ActivityLog.objects.count() == logged


def test_a_category_of_another_campaign_is_refused(sorted_world):
    w = sorted_world
    other = make_campaign(make_unit("另一部"), slug="other")
    foreign = Category.objects.create(campaign=other, name="外")
    with pytest.raises(PermissionRefused):
        services.bulk_classify(w.campaign, [w.problem], actor=w.office, category=foreign)


@pytest.mark.parametrize("persona", READERS)
def test_only_the_office_may_bulk_classify(client, sorted_world, persona):
    w = sorted_world
    client.force_login(w.personas[persona])
    response = post_classify(client, w, [w.problem], nature=Nature.SYSTEM)
    assert response.status_code == 403
    w.problem.refresh_from_db()
    assert w.problem.nature == ""
    with pytest.raises(PermissionRefused):
        services.bulk_classify(
            w.campaign, [w.problem], actor=w.personas[persona], nature=Nature.SYSTEM
        )


def test_an_outsider_does_not_find_the_campaign(client, sorted_world):
    client.force_login(sorted_world.outsider)
    assert post_classify(client, sorted_world, [sorted_world.problem]).status_code == 404


def test_the_list_page_offers_ticks_and_the_form_to_the_office_only(client, sorted_world):
    w = sorted_world
    url = reverse("problem-list", args=[w.campaign.slug])
    client.force_login(w.office)
    page = client.get(url)
    assert attrs(page, "bulk-form")
    assert 'form="bulk-classify"' in page.content.decode()
    for persona in READERS:
        client.force_login(w.personas[persona])
        page = client.get(url)
        assert page.status_code == 200
        assert not attrs(page, "bulk-form")
        assert 'form="bulk-classify"' not in page.content.decode()


def test_nothing_chosen_is_a_clear_message(client, sorted_world):
    w = sorted_world
    client.force_login(w.office)
    response = post_classify(client, w, [w.problem])
    assert response.status_code == 302
    assert messages_of(response) == ["请选择要为所勾选问题设置的内容。"]
    response = post_classify(client, w, [])
    assert messages_of(response)[-1] == "请至少勾选一个问题。"


# --- create and edit -------------------------------------------------------------------------


def form_data(world, **fields):
    return {
        "title": "村务公开不及时",
        "description": "部分村务公开栏长期未更新",
        "public_title": "",
        "source": Source.INSPECTION,
        "category": world.meetings.pk,
        "nature": Nature.SYSTEM,
        "difficulty": Difficulty.MEDIUM,
        "is_prominent": "on",
        "lists": [world.lead_list.pk, world.study_list.pk],
        "lead_unit": world.bureau_a.pk,
        "region": world.region.pk,
        "action": "save",
        **fields,
    }


def test_the_office_creates_a_problem_with_every_field(client, sorted_world):
    w = sorted_world
    client.force_login(w.office)
    response = client.post(reverse("problem-create", args=["world"]), form_data(w))
    assert response.status_code == 302
    p = Problem.objects.get(title="村务公开不及时")
    assert response["Location"] == reverse("problem-detail", args=["world", p.number])
    assert (p.source, p.category, p.nature, p.difficulty) == (
        Source.INSPECTION,
        w.meetings,
        Nature.SYSTEM,
        Difficulty.MEDIUM,
    )
    assert p.is_prominent and p.lead_unit == w.bureau_a and p.region == w.region
    assert set(p.lists.all()) == {w.lead_list, w.study_list}
    assert history(p).first().action == "problem.create"


def test_every_source_of_the_seed_is_offered(client, sorted_world):
    client.force_login(sorted_world.office)
    html = client.get(reverse("problem-create", args=["world"])).content.decode()
    for label in ("基层", "书面征求", "调研", "巡视", "审计", "自查"):
        assert label in html


def test_a_blank_title_and_no_source_are_refused_by_field(client, sorted_world):
    client.force_login(sorted_world.office)
    response = client.post(
        reverse("problem-create", args=["world"]),
        form_data(sorted_world, title="  ", source=""),
    )
    assert response.status_code == 400
    assert texts(response, "error-title") == ["请填写问题标题。"]
    assert texts(response, "error-source") == ["请选择问题来源。"]


@pytest.mark.parametrize("persona", READERS)
def test_only_the_office_creates_and_edits(client, sorted_world, persona):
    w = sorted_world
    client.force_login(w.personas[persona])
    assert client.get(reverse("problem-create", args=["world"])).status_code == 403
    assert client.post(reverse("problem-create", args=["world"]), form_data(w)).status_code == 403
    edit = reverse("problem-edit", args=["world", w.problem.number])
    status = client.get(edit).status_code
    assert status in (403, 404)  # 404 for those who cannot see the problem at all
    assert not Problem.objects.filter(title="村务公开不及时").exists()


def test_editing_saves_changes_and_lists_in_one_new_version(client, sorted_world):
    w = sorted_world
    client.force_login(w.office)
    p = w.problem
    data = form_data(w, title=p.title, source=p.source, version=p.version)
    response = client.post(reverse("problem-edit", args=["world", p.number]), data)
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.version == 2 and p.category == w.meetings
    assert set(p.lists.all()) == {w.lead_list, w.study_list}


def test_a_stale_version_is_a_clear_conflict_and_saves_nothing(client, sorted_world):
    w = sorted_world
    p = w.problem
    client.force_login(w.office)
    page = client.get(reverse("problem-edit", args=["world", p.number]))
    assert 'name="version" value="1"' in page.content.decode()
    services.update_problem(p, actor=w.office, title="别人改过的标题")
    data = form_data(w, title="我的标题", source=p.source, version=1)
    response = client.post(reverse("problem-edit", args=["world", p.number]), data)
    assert response.status_code == 409
    assert texts(response, "form-errors")[0].startswith("您编辑期间")
    assert "别人改过的标题" in texts(response, "current-values")[0]
    p.refresh_from_db()
    assert p.title == "别人改过的标题"
    with pytest.raises(ConflictError):
        services.update_problem(p, actor=w.office, expected_version=1, title="x")


def test_the_detail_page_offers_edit_to_the_office_only(client, sorted_world):
    w = sorted_world
    url = reverse("problem-detail", args=["world", w.problem.number])
    client.force_login(w.office)
    assert attrs(client.get(url), "edit-problem")
    client.force_login(w.leader)
    assert not attrs(client.get(url), "edit-problem")


# --- problem lists and categories ------------------------------------------------------------


def test_the_lists_page_counts_what_each_reader_may_see(client, sorted_world):
    w = sorted_world
    services.update_problem(w.problem, actor=w.office, lists=[w.lead_list])
    services.update_problem(w.problem_b_only, actor=w.office, lists=[w.lead_list, w.study_list])
    url = reverse("problem-lists", args=["world"])
    client.force_login(w.office)
    page = client.get(url)
    assert texts(page, "list-count") == ["2", "1"]
    assert attrs(page, "list-form")
    client.force_login(w.liaison)  # bureau_a: only problem 1
    page = client.get(url)
    assert texts(page, "list-count") == ["1", "0"]
    assert not attrs(page, "list-form")
    assert client.post(url, {"name": "新清单"}).status_code == 403


def test_the_office_adds_and_renames_lists(client, sorted_world):
    w = sorted_world
    client.force_login(w.office)
    url = reverse("problem-lists", args=["world"])
    assert client.post(url, {"name": " 巡视反馈问题清单 ", "description": ""}).status_code == 302
    added = ProblemList.objects.get(name="巡视反馈问题清单")
    assert history(added).first().action == "problem_list.create"
    duplicate = client.post(url, {"name": "调研问题清单"})
    assert duplicate.status_code == 400
    assert texts(duplicate, "error-name") == ["已有同名清单。"]
    rename = reverse("problem-list-edit", args=["world", added.pk])
    client.post(rename, {f"l{added.pk}-name": "巡视问题清单", f"l{added.pk}-description": ""})
    added.refresh_from_db()
    assert added.name == "巡视问题清单"
    assert history(added).first().before == {"name": "巡视反馈问题清单"}


def test_the_category_tree_shows_children_under_parents(client, sorted_world):
    w = sorted_world
    services.create_category(w.campaign, actor=w.office, name="官僚主义")
    services.update_problem(w.problem, actor=w.office, category=w.meetings)
    client.force_login(w.viewer)
    page = client.get(reverse("categories", args=["world"]))
    rows = attrs(page, "category-row")
    assert [int(r["data-pk"]) for r in rows][:2] == [w.formalism.pk, w.meetings.pk]
    assert texts(page, "category-count") == ["0", "1", "0"]
    assert not attrs(page, "category-form")


def test_the_office_adds_and_renames_categories(client, sorted_world):
    w = sorted_world
    client.force_login(w.office)
    url = reverse("categories", args=["world"])
    response = client.post(url, {"name": "督查检查过多", "parent": w.formalism.pk, "standard": ""})
    assert response.status_code == 302
    child = Category.objects.get(name="督查检查过多")
    assert child.parent == w.formalism
    again = client.post(url, {"name": "形式主义", "parent": "", "standard": ""})
    assert again.status_code == 400  # the same name at the top level
    assert Category.objects.filter(name="形式主义").count() == 1
    edit = reverse("category-edit", args=["world", child.pk])
    client.post(edit, {f"c{child.pk}-name": "督查检查考核过多", f"c{child.pk}-standard": "标准"})
    child.refresh_from_db()
    assert (child.name, child.standard) == ("督查检查考核过多", "标准")
    client.force_login(w.leader)
    assert client.post(edit, {f"c{child.pk}-name": "x"}).status_code == 403
