"""The multi-row entry form (after a symposium): rows with kind, text, region and channel, the
activity's region, group and channel pre-filled; "add row" and "paste several lines" without
JavaScript; all rows saved in one transaction or none; the exact-duplicate warning with
"save anyway" per row."""

import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from rectify.audit.log import history
from rectify.core.errors import DomainError
from rectify.feedback.items import services
from rectify.feedback.items.forms import MAX_ROWS
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from tests.campaigns import scene as listening
from tests.helpers import attrs, messages_of, parse, texts

scene, today = listening.scene, listening.today  # fixtures

pytestmark = pytest.mark.django_db


def entry_url(scene, activity=None):
    url = reverse("feedback-entry", args=[scene.campaign.slug])
    return f"{url}?activity={activity.pk}" if activity else url


def post_rows(client, scene, rows, activity=None, action="save", **header):
    """Post `rows` (dicts of kind, text, region, channel, allow_duplicate) with the header."""
    activity = scene.activity_a if activity is None else activity
    data = {
        "activity": activity.pk if activity else "",
        "received_on": "2026-11-10",
        "region": scene.beijing.pk,
        "channel": "symposium",
        "paste": "",
        "paste_kind": "problem",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "action": action,
        **header,
    }
    for i, row in enumerate(rows):
        data[f"rows-{i}-kind"] = row.get("kind", "problem")
        data[f"rows-{i}-text"] = row.get("text", "")
        data[f"rows-{i}-region"] = row.get("region", scene.beijing.pk)
        data[f"rows-{i}-channel"] = row.get("channel", "symposium")
        if row.get("allow_duplicate"):
            data[f"rows-{i}-allow_duplicate"] = "on"
    return client.post(entry_url(scene, activity or None), data)


def row_values(response, field) -> list[str]:
    """The value of `field` in each shown row (text: the textarea's content)."""
    html = response.content.decode()
    if field == "text":
        return re.findall(r'<textarea name="rows-\d+-text"[^>]*>\n?(.*?)</textarea>', html, re.S)
    values = []
    for block in re.findall(rf'<select name="rows-\d+-{field}".*?</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', block)
        values.append(chosen.group(1) if chosen else "")
    return values


# --- the empty form --------------------------------------------------------------------------


def test_the_form_comes_pre_filled_from_the_activity(client, scene):
    client.force_login(scene.group)
    response = client.get(entry_url(scene, scene.activity_a))
    assert response.status_code == 200
    assert "北京基层干部座谈会" in texts(response, "entry-activity")[0]
    assert len(attrs(response, "entry-row")) == 3
    assert row_values(response, "region") == [str(scene.beijing.pk)] * 3
    assert row_values(response, "channel") == ["symposium"] * 3
    assert 'value="2026-11-10"' in response.content.decode()  # received on the activity's day
    assert "js/feedback_entry.js" in response.content.decode()
    assert 'id="row-template"' in response.content.decode()


def test_without_an_activity_the_user_can_choose_one(client, scene):
    client.force_login(scene.group)
    response = client.get(entry_url(scene))
    assert response.status_code == 200
    chooser = texts(response, "choose-activity")[0]
    assert "北京基层干部座谈会" in chooser and "天津访谈" not in chooser  # only their own


# --- saving ----------------------------------------------------------------------------------


def test_filled_rows_are_saved_blank_ones_skipped(client, scene):
    client.force_login(scene.group)
    response = post_rows(
        client,
        scene,
        [
            {"text": "  低保审批时间过长\n附：群众原话  "},
            {"text": "   "},
            {"kind": "suggestion", "text": "建议简化流程", "region": scene.hebei.pk},
        ],
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("activity-detail", args=[scene.activity_a.pk])
    items = list(FeedbackItem.objects.order_by("pk"))
    assert [i.text for i in items] == ["  低保审批时间过长\n附：群众原话  ", "建议简化流程"]
    first, second = items
    assert (first.kind, first.region, first.channel) == ("problem", scene.beijing, "symposium")
    assert (second.kind, second.region) == ("suggestion", scene.hebei)
    for item in items:
        assert item.activity == scene.activity_a
        assert item.work_group == scene.group_a
        assert item.created_by == scene.group
        assert timezone.localtime(item.received_at).date().isoformat() == "2026-11-10"
        assert history(item).get().action == "feedback.create"
    page = client.get(response["Location"])
    assert any("2" in m for m in messages_of(page))


def test_pasted_lines_become_one_item_each(client, scene):
    client.force_login(scene.group)
    paste = "第一条：办事难\r\n\r\n  第二条：材料多\n\t\n第三条：跑腿多"
    response = post_rows(client, scene, [{"text": ""}], paste=paste, paste_kind="suggestion")
    assert response.status_code == 302
    items = FeedbackItem.objects.order_by("pk")
    assert [i.text for i in items] == ["第一条：办事难", "  第二条：材料多", "第三条：跑腿多"]
    assert {i.kind for i in items} == {"suggestion"}
    assert {i.region for i in items} == {scene.beijing}


def test_split_shows_the_pasted_lines_as_rows_without_saving(client, scene):
    client.force_login(scene.group)
    response = post_rows(
        client,
        scene,
        [{"text": "已有一行"}, {"text": ""}],
        action="split",
        paste="甲\n\n乙\n",
    )
    assert response.status_code == 200
    assert not FeedbackItem.objects.exists()
    assert row_values(response, "text") == ["已有一行", "甲", "乙"]
    assert 'name="paste"' in response.content.decode()
    assert not texts(response, "row-error")


def test_splitting_nothing_leaves_one_row_to_type_into(client, scene):
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": ""}, {"text": ""}], action="split")
    assert row_values(response, "text") == [""]


def test_add_row_without_javascript(client, scene):
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": "一"}], action="add_row")
    assert response.status_code == 200
    assert row_values(response, "text") == ["一", ""]
    assert row_values(response, "region") == [str(scene.beijing.pk)] * 2
    assert not FeedbackItem.objects.exists()


def test_one_bad_row_saves_nothing_and_says_which(client, scene):
    client.force_login(scene.group)
    response = post_rows(
        client,
        scene,
        [
            {"text": "好的一行"},
            {"text": "x" * (TEXT_MAX_LENGTH + 1)},
            {"text": "另一行", "kind": "complaint"},
            {"text": "第四行", "region": "999999"},
        ],
    )
    assert response.status_code == 400
    assert not FeedbackItem.objects.exists()
    assert texts(response, "row-errors")
    errors = {(int(row["data-row"]), error["data-field"]) for row, error in _row_errors(response)}
    assert errors == {(2, "text"), (3, "kind"), (4, "region")}
    assert row_values(response, "text")[0] == "好的一行"  # what was typed is kept


def _row_errors(response):
    """(row attrs, error attrs) for each row error shown."""
    finder = parse(response)
    out = []
    html = response.content.decode()
    for row in finder.attrs["entry-row"]:
        if row["data-row"] == "__number__":
            continue
        start = html.index(f'data-row="{row["data-row"]}"')
        end = html.find("</tr>", start)
        for error in finder.attrs.get("row-error", []):
            marker = f'data-field="{error.get("data-field")}"'
            if marker in html[start:end]:
                out.append((row, error))
    return out


def test_nothing_to_save_is_a_clear_message(client, scene):
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": ""}, {"text": " "}])
    assert response.status_code == 400
    assert texts(response, "form-errors")


def test_too_many_pasted_lines_are_refused(client, scene):
    client.force_login(scene.group)
    paste = "\n".join(f"第{i}条" for i in range(MAX_ROWS + 1))
    response = post_rows(client, scene, [{"text": ""}], action="split", paste=paste)
    assert texts(response, "error-paste")
    response = post_rows(client, scene, [{"text": ""}], paste=paste)
    assert texts(response, "error-paste")
    assert not FeedbackItem.objects.exists()


def test_a_refusal_midway_rolls_back_every_row(client, scene):
    client.force_login(scene.group)
    real = services.create_feedback
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DomainError("refused", code="refused")
        return real(*args, **kwargs)

    with mock.patch.object(services, "create_feedback", flaky):
        response = post_rows(client, scene, [{"text": "一"}, {"text": "二"}, {"text": "三"}])
    assert response.status_code == 400
    assert texts(response, "form-errors") == ["refused"]
    assert not FeedbackItem.objects.exists()


# --- duplicates ------------------------------------------------------------------------------


@pytest.fixture
def existing(scene):
    return services.create_feedback(
        scene.campaign,
        actor=scene.office,
        kind="problem",
        text="低保审批 时间过长",
        channel="hotline",
        region=scene.beijing,  # in 一组's region: its members may open it
    )


def test_an_identical_text_waits_for_save_anyway(client, scene, existing):
    client.force_login(scene.group)
    rows = [
        {"text": "新的问题"},
        {"text": "低保审批\u3000\u3000时间过长 "},
    ]  # same after normalising
    response = post_rows(client, scene, rows)
    assert response.status_code == 409
    assert FeedbackItem.objects.count() == 1  # nothing saved yet
    (warning,) = texts(response, "duplicate-warning")
    link = attrs(response, "duplicate-link")[0]["href"]
    assert link == reverse("feedback-detail", args=[existing.pk])
    assert texts(response, "duplicates-pending")

    rows[1]["allow_duplicate"] = True
    response = post_rows(client, scene, rows)
    assert response.status_code == 302
    assert FeedbackItem.objects.count() == 3
    assert FeedbackItem.objects.filter(text_key=existing.text_key).count() == 2


def test_a_duplicate_the_user_may_not_open_is_not_linked(client, scene):
    hidden = services.create_feedback(
        scene.campaign,
        actor=scene.member_b,
        kind="problem",
        text="天津的问题",
        channel="interview",
        region=scene.tianjin,
    )
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": hidden.text}])
    assert response.status_code == 409
    assert texts(response, "duplicate-warning")
    assert not attrs(response, "duplicate-link")


def test_two_rows_with_the_same_text_are_flagged(client, scene):
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": "同一句话"}, {"text": "同一句话"}])
    assert response.status_code == 409
    (warning,) = texts(response, "duplicate-warning")
    assert "1" in warning
    assert not FeedbackItem.objects.exists()


# --- who may enter ---------------------------------------------------------------------------


def test_the_office_enters_without_an_activity_for_any_group(client, scene):
    client.force_login(scene.office)
    response = post_rows(
        client, scene, [{"text": "热线反映", "channel": "hotline"}], activity=False, work_group=""
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get()
    assert (item.activity, item.work_group, item.channel) == (None, None, "hotline")


def test_a_member_without_an_activity_records_for_their_group(client, scene):
    client.force_login(scene.member_b)
    response = post_rows(
        client,
        scene,
        [{"text": "来信", "channel": "letter"}],
        activity=False,
        work_group=scene.group_b.pk,
    )
    assert response.status_code == 302
    assert FeedbackItem.objects.get().work_group == scene.group_b


def test_a_member_cannot_pick_another_group(client, scene):
    client.force_login(scene.member_b)
    response = post_rows(
        client, scene, [{"text": "来信"}], activity=False, work_group=scene.group_a.pk
    )
    assert response.status_code == 400
    assert texts(response, "error-work_group")
    assert not FeedbackItem.objects.exists()


def test_a_member_of_another_group_cannot_enter_for_the_activity(client, scene):
    scene.group_b.regions.add(scene.beijing)  # 二组 sees activity_a, but it is not theirs
    client.force_login(scene.member_b)
    assert client.get(entry_url(scene, scene.activity_a)).status_code == 403
    assert post_rows(client, scene, [{"text": "一"}]).status_code == 403
    assert not FeedbackItem.objects.exists()


def test_an_activity_out_of_sight_is_not_found(client, scene):
    client.force_login(scene.member_b)
    assert client.get(entry_url(scene, scene.activity_a)).status_code == 404
    url = reverse("feedback-entry", args=[scene.campaign.slug])
    assert client.get(url + "?activity=abc").status_code == 404


@pytest.mark.parametrize("persona", ["leader", "viewer", "supervisor", "liaison"])
def test_readers_and_liaisons_cannot_enter(client, scene, persona):
    client.force_login(scene.users[persona])
    assert client.get(entry_url(scene)).status_code == 403
    assert post_rows(client, scene, [{"text": "一"}]).status_code == 403


def test_outsiders_find_nothing_and_anonymous_users_log_in(client, scene):
    client.force_login(scene.outsider)
    assert client.get(entry_url(scene)).status_code == 404
    client.logout()
    response = client.get(entry_url(scene))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_hostile_text_is_stored_as_received_and_shown_inert(client, scene):
    hostile = "<script>alert(1)</script>\u202egnp.exe 危险"
    client.force_login(scene.group)
    response = post_rows(client, scene, [{"text": hostile}, {"text": hostile}])
    html = response.content.decode()
    assert response.status_code == 409  # the two rows repeat each other
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
