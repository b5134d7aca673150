"""The feedback list (scoped, filtered, htmx, paged) and one item's page: its text exactly as
received (escaped, inert), where it came from, the problems it was merged into, its history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rectify.feedback.items import services
from rectify.feedback.items.views import PAGE_SIZE
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services as ledger
from rectify.ledger.choices import Source
from tests.campaigns import scene as listening
from tests.helpers import attrs, texts

scene, today = listening.scene, listening.today  # fixtures

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HOSTILE = f"  {SCRIPT}\u202egnp.exe\n  第二行  "


def add(scene, actor, text, **fields):
    return services.create_feedback(
        scene.campaign,
        actor=actor,
        kind=fields.pop("kind", "problem"),
        text=text,
        channel=fields.pop("channel", "symposium"),
        **fields,
    )


@pytest.fixture
def items(scene):
    s = scene
    s.fb_a = add(s, s.group, "低保审批时间过长", region=s.beijing, activity=s.activity_a)
    s.fb_a2 = add(
        s, s.group, "建议增设服务窗口", kind="suggestion", region=s.beijing, activity=s.activity_a
    )
    s.fb_b = add(
        s,
        s.member_b,
        "天津养老床位不足",
        region=s.tianjin,
        activity=s.activity_b,
        channel="interview",
    )
    s.fb_hotline = add(
        s,
        s.office,
        "热线：救助金发放慢",
        channel="hotline",
        received_at=dt.datetime(2026, 10, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    return s


def list_url(scene, **query):
    url = reverse("feedback-list", args=[scene.campaign.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {int(a["data-pk"]) for a in attrs(response, "feedback-row")}


def pks(scene, *names) -> set[int]:
    return {getattr(scene, n).pk for n in names}


# --- the list --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["office", "leader", "supervisor", "viewer"])
def test_campaign_wide_readers_see_every_item(client, items, persona):
    client.force_login(items.users[persona])
    assert shown(client.get(list_url(items))) == pks(items, "fb_a", "fb_a2", "fb_b", "fb_hotline")


def test_a_group_member_sees_their_groups_items(client, items):
    client.force_login(items.group)
    assert shown(client.get(list_url(items))) == pks(items, "fb_a", "fb_a2")
    client.force_login(items.member_b)
    assert shown(client.get(list_url(items))) == pks(items, "fb_b")


def test_liaisons_are_refused_outsiders_find_nothing_anonymous_log_in(client, items):
    client.force_login(items.liaison)
    assert client.get(list_url(items)).status_code == 403
    client.force_login(items.outsider)
    assert client.get(list_url(items)).status_code == 404
    client.logout()
    assert client.get(list_url(items)).status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "suggestion"}, {"fb_a2"}),
        ({"channel": "hotline"}, {"fb_hotline"}),
        ({"region": "beijing"}, {"fb_a", "fb_a2"}),
        ({"activity": "activity_b"}, {"fb_b"}),
        ({"group": "group_a"}, {"fb_a", "fb_a2"}),
        ({"unit": "bureau_a"}, {"fb_a", "fb_a2"}),  # heard at an activity held at bureau_a
        ({"received_to": "2026-10-31"}, {"fb_hotline"}),
        ({"received_from": "2026-11-01"}, {"fb_a", "fb_a2", "fb_b"}),
        ({"q": "养老"}, {"fb_b"}),
    ],
)
def test_filters(client, items, query, expected):
    client.force_login(items.office)
    params = {k: getattr(getattr(items, v, None), "pk", v) for k, v in query.items()}
    assert shown(client.get(list_url(items, **params))) == pks(items, *expected)


def test_a_filter_cannot_widen_the_scope(client, items):
    client.force_login(items.group)
    response = client.get(list_url(items, activity=items.activity_b.pk))
    assert texts(response, "error-activity")  # not a choice for them
    assert shown(response) == pks(items, "fb_a", "fb_a2")
    assert shown(client.get(list_url(items, region=items.tianjin.pk))) == set()


def test_htmx_gets_only_the_rows(client, items):
    client.force_login(items.office)
    response = client.get(list_url(items, kind="suggestion"), headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b'id="feedback-rows"' in response.content
    assert shown(response) == pks(items, "fb_a2")


def test_pages(client, scene, django_assert_max_num_queries):
    rows = [
        FeedbackItem(campaign=scene.campaign, kind="problem", channel="other", text=f"第{i}条")
        for i in range(PAGE_SIZE + 5)
    ]
    for row in rows:
        row.set_keys()  # bulk_create skips save()
    FeedbackItem.objects.bulk_create(rows)
    client.force_login(scene.office)
    first = client.get(list_url(scene))
    assert len(shown(first)) == PAGE_SIZE
    assert texts(first, "result-count")[0].startswith(str(PAGE_SIZE + 5))
    assert len(shown(client.get(list_url(scene, page=2)))) == 5
    with django_assert_max_num_queries(20):  # not one per row
        client.get(list_url(scene))


# --- one item --------------------------------------------------------------------------------


def test_the_item_page_shows_the_text_exactly_as_received_and_inert(client, scene):
    item = add(scene, scene.group, HOSTILE, region=scene.beijing, activity=scene.activity_a)
    client.force_login(scene.office)
    response = client.get(reverse("feedback-detail", args=[item.pk]))
    html = response.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    start = html.index('data-testid="feedback-text">') + len('data-testid="feedback-text">')
    shown_text = html[start : html.index("</div>", start)]
    assert shown_text == HOSTILE.replace("<", "&lt;").replace(">", "&gt;")
    # the list and the activity page too
    for url in (list_url(scene), reverse("activity-detail", args=[scene.activity_a.pk])):
        page = client.get(url).content.decode()
        assert SCRIPT not in page and "&lt;script&gt;" in page


def test_the_item_page_shows_where_it_came_from(client, items):
    client.force_login(items.viewer)
    response = client.get(reverse("feedback-detail", args=[items.fb_a.pk]))
    provenance = texts(response, "provenance")[0]
    assert "北京基层干部座谈会" in provenance and "一组" in provenance and "北京市" in provenance
    assert attrs(response, "feedback-activity")[0]["href"] == reverse(
        "activity-detail", args=[items.activity_a.pk]
    )
    assert not attrs(response, "triage-form")  # viewers read only


def test_the_item_page_lists_the_problems_it_was_merged_into(client, items):
    problem = ledger.create_problem(
        items.campaign, actor=items.office, title="审批效率低", source=Source.GRASSROOTS
    )
    ledger.merge_feedback(problem, [items.fb_a], actor=items.office, reason="同类")
    client.force_login(items.office)
    response = client.get(reverse("feedback-detail", args=[items.fb_a.pk]))
    (merged,) = texts(response, "merged-into")
    assert "审批效率低" in merged
    listing = client.get(list_url(items, kind="problem"))
    assert len(attrs(listing, "merged-badge")) == 1


@pytest.mark.parametrize("persona", ["member_b", "liaison", "outsider"])
def test_an_item_out_of_scope_is_not_found(client, items, persona):
    client.force_login(items.users[persona])
    assert client.get(reverse("feedback-detail", args=[items.fb_a.pk])).status_code == 404


def test_the_entry_link_is_offered_to_those_who_may_enter(client, items):
    for persona, offered in (("office", True), ("group", True), ("viewer", False)):
        client.force_login(items.users[persona])
        assert bool(attrs(client.get(list_url(items)), "enter-feedback")) == offered
