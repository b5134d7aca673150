"""Intake flags: an item very close to an existing problem is flagged "close to problem N" with a
link, through the entry form, the public page, the API and imports; the public never sees it;
readers see it only for a problem they may see."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from rectify.api import tokens
from rectify.feedback.choices import Channel
from rectify.feedback.items import closeness, services
from rectify.feedback.models import FeedbackItem, ImportBatch
from rectify.feedback.public import services as public
from rectify.ledger import services as ledger
from rectify.ledger.choices import Source
from tests.campaigns import scene as listening
from tests.feedback.items.test_entry import post_rows
from tests.helpers import attrs

scene, today = listening.scene, listening.today  # fixtures

pytestmark = pytest.mark.django_db

CLOSE = "甲市某区多个社区养老服务站长期无人值守，老人无处吃饭"
FAR = "农村低保审批材料过多，群众反复跑腿"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_for():
    def make(user, scope="write"):
        return tokens.issue(user, name="test", scope=scope)[1]

    return make


@pytest.fixture
def elderly(scene):
    """A problem about elderly-care stations, with a description."""
    scene.elderly = ledger.create_problem(
        scene.campaign,
        actor=scene.office,
        title="社区养老服务站长期无人值守（内部编号甲七）",
        description="甲市某区多个社区养老服务站长期无人值守，老人无处就餐",
        source=Source.GRASSROOTS,
    )
    return scene


def test_a_close_item_is_flagged_with_the_problem_and_a_far_one_is_not(elderly):
    w = elderly
    close = services.create_feedback(
        w.campaign, actor=w.office, kind="problem", text=CLOSE, channel=Channel.HOTLINE
    )
    far = services.create_feedback(
        w.campaign, actor=w.office, kind="problem", text=FAR, channel=Channel.HOTLINE
    )
    close.refresh_from_db()
    far.refresh_from_db()
    assert close.near_problem == w.elderly
    assert close.near_similarity >= closeness.threshold()
    assert far.near_problem is None and far.near_similarity is None


def test_merged_items_make_a_problem_findable_by_their_words(elderly):
    """A problem is found by the words of the items merged into it, not only its title."""
    w = elderly
    words = "街道办事处窗口午休时间不办理业务，上班族请假才能办事"
    original = services.create_feedback(
        w.campaign, actor=w.office, kind="problem", text=words, channel=Channel.HOTLINE
    )
    problem = ledger.create_problem(
        w.campaign,
        actor=w.office,
        title="便民服务时间安排不合理",
        source=Source.GRASSROOTS,
        feedback_items=[original],
    )
    again = services.create_feedback(
        w.campaign,
        actor=w.office,
        kind="problem",
        text="街道办事处窗口午休时间不办理业务，上班族只能请假办事",
        channel=Channel.HOTLINE,
    )
    again.refresh_from_db()
    assert again.near_problem == problem


def test_the_entry_form_flags_and_the_list_shows_it_to_those_who_enter(client, elderly):
    w = elderly
    client.force_login(w.group)
    response = post_rows(client, w, [{"text": CLOSE}, {"text": FAR}])
    assert response.status_code == 302
    close = FeedbackItem.objects.get(text=CLOSE)
    assert close.near_problem == w.elderly
    assert FeedbackItem.objects.get(text=FAR).near_problem is None

    listing = client.get(reverse("feedback-list", args=[w.campaign.slug]))
    said = [str(m) for m in listing.context["messages"]]
    assert any(CLOSE[:20] in m and f"{w.elderly.number}" in m for m in said)  # at once
    flags = attrs(listing, "near-problem")
    assert [f["data-number"] for f in flags] == [str(w.elderly.number)]
    assert flags[0]["href"] == reverse("problem-detail", args=[w.campaign.slug, w.elderly.number])
    assert "内部编号甲七" in listing.content.decode()

    # A reader who does not enter feedback sees the item but not the flag.
    client.force_login(w.viewer)
    listing = client.get(reverse("feedback-list", args=[w.campaign.slug]))
    assert listing.status_code == 200
    assert CLOSE[:20] in listing.content.decode()
    assert attrs(listing, "near-problem") == []


def test_the_item_page_shows_the_flag_to_the_office_until_it_is_merged(client, elderly):
    w = elderly
    item = services.create_feedback(
        w.campaign, actor=w.office, kind="problem", text=CLOSE, channel=Channel.HOTLINE
    )
    client.force_login(w.office)
    url = reverse("feedback-detail", args=[item.pk])
    assert [f["data-number"] for f in attrs(client.get(url), "near-problem")] == [
        str(w.elderly.number)
    ]
    client.force_login(w.leader)
    assert attrs(client.get(url), "near-problem") == []

    ledger.merge_feedback(w.elderly, [item], actor=w.office)
    client.force_login(w.office)
    assert attrs(client.get(url), "near-problem") == []


def test_the_public_page_flags_for_the_office_and_shows_the_submitter_nothing(client, elderly):
    w = elderly
    public.set_public_intake(w.campaign, actor=w.office, enabled=True)
    response = client.post(
        f"/p/{w.campaign.slug}/", {"kind": "problem", "text": CLOSE, "region": ""}
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    assert item.near_problem == w.elderly

    receipt = client.get(response["Location"])
    status = client.get(f"/p/{w.campaign.slug}/status/{item.receipt_code}/")
    for page in (receipt, status):
        assert page.status_code == 200
        html = page.content.decode()
        assert "内部编号甲七" not in html  # the problem's title
        assert 'data-testid="near-problem"' not in html
        assert f"/problems/{w.elderly.number}/" not in html

    # The public API: its answers carry nothing of the flag either.
    sent = client.post(
        f"/api/v1/public/{w.campaign.slug}/feedback",
        {"kind": "problem", "text": CLOSE + "。"},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    code = sent.json()["receipt_code"]
    assert FeedbackItem.objects.get(receipt_code=code.replace("-", "")).near_problem == w.elderly
    looked_up = client.get(f"/api/v1/public/{w.campaign.slug}/receipts/{code}")
    assert looked_up.status_code == 200
    for answer in (sent, looked_up):
        assert "near" not in answer.content.decode()
        assert "内部编号甲七" not in answer.content.decode()


def test_the_api_answers_the_flag_to_the_sender_and_on_the_item(client, elderly, token_for):
    w = elderly
    headers = {"Authorization": f"Bearer {token_for(w.office)}"}
    response = client.post(
        f"/api/v1/campaigns/{w.campaign.slug}/feedback",
        {"kind": "problem", "channel": "hotline", "text": CLOSE},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["near_problem"]["number"] == w.elderly.number
    assert body["near_problem"]["title"] == w.elderly.title
    assert body["near_problem"]["similarity"] >= closeness.threshold()

    detail = client.get(f"/api/v1/feedback/{body['id']}", headers=headers).json()
    assert detail["near_problem"]["number"] == w.elderly.number
    stored = FeedbackItem.objects.get(pk=body["id"]).near_similarity
    assert body["near_problem"]["similarity"] == round(stored, 3)  # answered as read
    assert detail["near_problem"]["similarity"] == round(stored, 3)

    far = client.post(
        f"/api/v1/campaigns/{w.campaign.slug}/feedback",
        {"kind": "problem", "channel": "hotline", "text": FAR},
        content_type="application/json",
        headers=headers,
    )
    assert far.json()["near_problem"] is None


def test_the_bulk_entry_api_answers_each_items_flag(client, elderly, token_for):
    w = elderly
    response = client.post(
        f"/api/v1/activities/{w.activity_a.pk}/feedback",
        {"items": [{"kind": "problem", "text": CLOSE}, {"kind": "problem", "text": FAR}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(w.group)}"},
    )
    assert response.status_code == 201, response.content
    close, far = response.json()["items"]
    assert close["near_problem"]["number"] == w.elderly.number
    assert far["near_problem"] is None


def test_a_reader_who_may_not_see_the_problem_gets_no_flag(client, elderly, token_for):
    """A leader limited to bureau_b reads items about bureau_b, but not a problem led by
    bureau_a without bureau_b measures."""
    from rectify.orgs.choices import Role
    from tests.factories import grant, make_user

    w = elderly
    ledger.update_problem(w.elderly, actor=w.office, lead_unit=w.bureau_a)
    item = services.create_feedback(
        w.campaign, actor=w.office, kind="problem", text=CLOSE, channel=Channel.HOTLINE
    )
    services.update_triage(item, actor=w.office, org_unit=w.bureau_b)
    limited = make_user("leader_b")
    grant(limited, w.campaign, Role.LEADER, w.bureau_b)
    headers = {"Authorization": f"Bearer {token_for(limited, 'read')}"}
    detail = client.get(f"/api/v1/feedback/{item.pk}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["near_problem"] is None
    assert "内部编号甲七" not in detail.content.decode()


def test_flag_batch_flags_every_item_of_an_import(elderly, monkeypatch):
    w = elderly
    batch = ImportBatch.objects.create(
        campaign=w.campaign, file_name="x.csv", sha256="0" * 64, status=ImportBatch.Status.DONE
    )
    texts = [
        CLOSE,
        FAR,
        "乙省救助审批时限过长的问题",
        "尊敬的领导您好：甲市某区多个社区养老服务站长期无人值守，老人无处就餐",
    ]
    for i, text in enumerate(texts):
        FeedbackItem.objects.create(
            campaign=w.campaign,
            kind="problem",
            text=text,
            channel=Channel.IMPORT,
            import_batch=batch,
            import_row=i + 2,
        )
    monkeypatch.setattr(closeness, "CHUNK", 3)  # two chunks
    assert closeness.flag_batch(batch) == 3
    near = dict(batch.items.values_list("text", "near_problem"))
    assert near[CLOSE] == w.elderly.pk
    assert near[FAR] is None
    assert near["乙省救助审批时限过长的问题"] == w.problem_b_only.pk
    assert (
        near["尊敬的领导您好：甲市某区多个社区养老服务站长期无人值守，老人无处就餐"] == w.elderly.pk
    )


def test_a_campaign_without_problems_flags_nothing(world):
    item = services.create_feedback(
        world.campaign, actor=world.office, kind="problem", text=CLOSE, channel=Channel.HOTLINE
    )
    assert closeness.closest(world.campaign, [CLOSE]) == [None]
    item.refresh_from_db()
    assert item.near_problem is None


def test_visible_flags_names_only_problems_the_user_may_see(elderly):
    w = elderly
    items = [
        services.create_feedback(
            w.campaign, actor=w.office, kind="problem", text=t, channel=Channel.HOTLINE
        )
        for t in (CLOSE, FAR)
    ]
    for item in items:
        item.refresh_from_db()
    assert closeness.visible_flags(w.office, w.campaign, items) == {items[0].pk: w.elderly}
    # liaison2 (bureau_b) sees only problems with bureau_b measures or lead: not this one.
    assert closeness.visible_flags(w.liaison2, w.campaign, items) == {}
    ledger.merge_feedback(w.elderly, [items[0]], actor=w.office)
    assert closeness.visible_flags(w.office, w.campaign, items) == {}
