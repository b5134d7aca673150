"""Routing suggestions: a category and lead unit learnt from the campaign's confirmed problems,
shown with a confidence only when there is enough training data, and never applied without a
click."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.ledger import routing, services
from rectify.ledger.choices import Source
from rectify.ledger.models import Problem
from rectify.textsim.classify import MIN_EXAMPLES
from tests.helpers import attrs, texts

pytestmark = pytest.mark.django_db

# Two kinds of problem, each with its own wording, category and lead unit.
ELDERLY = [
    "社区养老服务站无人值守",
    "养老院护理人员不足",
    "老年助餐点覆盖不够",
    "居家养老服务补贴发放慢",
    "养老机构消防隐患多",
    "农村敬老院设施陈旧",
    "养老服务站开放时间短",
    "失能老人照护床位紧张",
    "老年人助餐价格偏高",
    "养老护理员培训不到位",
    "社区老年食堂饭菜单一",
    "敬老院护理员工资偏低",
]
RELIEF = [
    "低保审批材料过多",
    "临时救助审批时限过长",
    "低保对象认定标准不清",
    "特困人员救助金发放不及时",
    "低保审批需要反复跑腿",
    "救助申请网上办理不畅",
    "低保家庭收入核查过严",
    "临时救助金额偏低",
    "低保复核通知不到位",
    "救助审批层级过多",
    "低保申请表格繁琐",
    "特困供养审批周期长",
]


@pytest.fixture
def taught(world):
    """A campaign with enough confirmed decisions: elderly care → 养老服务 / bureau_a,
    social relief → 社会救助 / bureau_b."""
    c, office = world.campaign, world.office
    world.elderly = services.create_category(c, actor=office, name="养老服务")
    world.relief = services.create_category(c, actor=office, name="社会救助")
    for titles, category, unit in (
        (ELDERLY, world.elderly, world.bureau_a),
        (RELIEF, world.relief, world.bureau_b),
    ):
        for title in titles:
            services.create_problem(
                c,
                actor=office,
                title=title,
                source=Source.GRASSROOTS,
                category=category,
                lead_unit=unit,
            )
    world.new = services.create_problem(
        c, actor=office, title="社区养老服务站长期无人值守，老人无处就餐", source=Source.GRASSROOTS
    )
    return world


def test_with_too_few_confirmed_problems_there_is_no_suggestion(client, world):
    c, office = world.campaign, world.office
    elderly = services.create_category(c, actor=office, name="养老服务")
    relief = services.create_category(c, actor=office, name="社会救助")
    half = (MIN_EXAMPLES - 1) // 2
    for title in ELDERLY[:half]:
        services.create_problem(c, actor=office, title=title, source="grassroots", category=elderly)
    for title in RELIEF[: MIN_EXAMPLES - 1 - half]:
        services.create_problem(c, actor=office, title=title, source="grassroots", category=relief)
    new = services.create_problem(c, actor=office, title="养老服务站无人值守", source="grassroots")
    found = routing.suggest_for(new)
    assert not found and found.trained == {"category": False, "lead_unit": False}

    client.force_login(office)
    page = client.get(reverse("problem-detail", args=["world", new.number]))
    assert not attrs(page, "routing-suggestions")
    assert not attrs(page, "no-suggestion")  # quiet: nothing at all on the problem page

    # One more confirmed decision makes enough.
    services.create_problem(c, actor=office, title=RELIEF[-1], source="grassroots", category=relief)
    assert routing.suggest_for(new).trained["category"]


def test_the_office_sees_suggestions_with_confidence_and_nothing_is_applied(client, taught):
    w = taught
    url = reverse("problem-detail", args=["world", w.new.number])
    client.force_login(w.office)
    page = client.get(url)
    [category] = attrs(page, "suggestion-category")
    [unit] = attrs(page, "suggestion-lead_unit")
    assert int(category["data-value"]) == w.elderly.pk
    assert int(unit["data-value"]) == w.bureau_a.pk
    shown = texts(page, "suggestion-category")[0]
    assert "养老服务" in shown and "置信度" in shown and "%" in shown
    w.new.refresh_from_db()
    assert w.new.category is None and w.new.lead_unit is None and w.new.version == 1

    # Readers see no suggestion (the office decides).
    for persona in ("leader", "viewer", "supervisor"):
        client.force_login(w.personas[persona])
        assert not attrs(client.get(url), "routing-suggestions")


def test_one_click_applies_the_suggestion_with_the_version_seen(client, taught):
    w = taught
    client.force_login(w.office)
    apply = reverse("problem-apply-suggestion", args=["world", w.new.number])
    response = client.post(apply, {"field": "category", "value": w.elderly.pk, "version": 1})
    assert response.status_code == 302
    w.new.refresh_from_db()
    assert w.new.category == w.elderly and w.new.lead_unit is None and w.new.version == 2
    entry = history(w.new).first()
    assert entry.action == "problem.update" and entry.actor == w.office
    assert entry.after == {"category": w.elderly.pk}

    # Only what the problem still lacks is suggested now.
    page = client.get(reverse("problem-detail", args=["world", w.new.number]))
    assert not attrs(page, "suggestion-category") and attrs(page, "suggestion-lead_unit")

    # A stale click (the version moved on) changes nothing.
    stale = client.post(apply, {"field": "lead_unit", "value": w.bureau_a.pk, "version": 1})
    assert stale.status_code == 302
    w.new.refresh_from_db()
    assert w.new.lead_unit is None


def test_only_the_office_may_apply(client, taught):
    w = taught
    client.force_login(w.leader)
    apply = reverse("problem-apply-suggestion", args=["world", w.new.number])
    response = client.post(apply, {"field": "category", "value": w.elderly.pk, "version": 1})
    assert response.status_code == 403
    w.new.refresh_from_db()
    assert w.new.category is None


def test_the_create_form_suggests_and_applies_into_the_form_without_saving(client, taught):
    w = taught
    client.force_login(w.office)
    url = reverse("problem-create", args=["world"])
    data = {"title": "养老院护理人员严重不足", "description": "", "source": "grassroots"}
    count = Problem.objects.count()
    page = client.post(url, {**data, "action": "suggest"})
    assert page.status_code == 200
    [category] = attrs(page, "suggestion-category")
    assert int(category["data-value"]) == w.elderly.pk
    page = client.post(url, {**data, "apply": f"category:{w.elderly.pk}"})
    assert page.status_code == 200
    assert f'<option value="{w.elderly.pk}" selected>' in page.content.decode()
    assert Problem.objects.count() == count  # nothing saved until "save"
    saved = client.post(url, {**data, "category": w.elderly.pk, "action": "save"})
    assert saved.status_code == 302
    assert Problem.objects.get(title="养老院护理人员严重不足").category == w.elderly


def test_asking_without_enough_data_says_so_quietly(client, world):
    client.force_login(world.office)
    page = client.post(
        reverse("problem-create", args=["world"]),
        {"title": "养老院护理人员不足", "source": "grassroots", "action": "suggest"},
    )
    assert page.status_code == 200
    assert not attrs(page, "routing-suggestions")
    assert texts(page, "no-suggestion") == [
        "本专项工作已分类的问题还太少，暂不能建议问题类别或牵头单位。"
    ]


def test_an_unclear_text_gets_no_suggestion(taught):
    """Below the classifier's abstain confidence nothing is suggested: a person decides."""
    unclear = routing.suggest(taught.campaign, title="其他意见", description="无")
    assert unclear.trained["category"] and unclear.category is None
    clear = routing.suggest(taught.campaign, title="养老院护理人员严重不足")
    assert clear.category.value == taught.elderly and clear.category.confidence > 0.9


def test_a_new_decision_is_learnt_on_the_next_view(taught):
    w = taught
    first = routing.classifier(w.campaign, "category")
    assert routing.classifier(w.campaign, "category") is first  # cached
    services.update_problem(w.new, actor=w.office, category=w.elderly)
    assert routing.classifier(w.campaign, "category") is not first
