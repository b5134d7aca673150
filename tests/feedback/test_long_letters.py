"""Feedback text is stored as received (defect 10.4): letters to a government message board run
to 9,000 characters, and each way in takes one whole, up to the one limit
(settings.FEEDBACK_TEXT_MAX_CHARS, models.TEXT_MAX_LENGTH) and not a character more."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from rectify.api import tokens
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.feedback.imports.batches import create_batch
from rectify.feedback.imports.running import run
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from rectify.feedback.public import services as public
from tests.core.spreadsheets import messy

pytestmark = pytest.mark.django_db

LETTER = messy.letter(9_000)


def test_the_letter_is_as_long_as_the_longest_real_one():
    assert len(LETTER) == 9_000 and "\n" in LETTER and "\u3000\u3000" in LETTER
    assert TEXT_MAX_LENGTH == 100_000  # the default of FEEDBACK_TEXT_MAX_CHARS


def stored(**filters) -> str:
    return FeedbackItem.objects.get(**filters).text


@pytest.fixture
def activity(world):
    group = WorkGroup.objects.create(campaign=world.campaign, name="一组")
    group.members.add(world.group)
    return ResearchActivity.objects.create(
        campaign=world.campaign,
        work_group=group,
        kind="symposium",
        title="座谈会",
        held_on="2026-11-10",
    )


def test_the_entry_page(client, world, activity):
    client.force_login(world.group)
    data = {
        "activity": activity.pk,
        "received_on": "",
        "region": "",
        "channel": "symposium",
        "paste": "",
        "paste_kind": "problem",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "action": "save",
        "rows-0-kind": "problem",
        "rows-0-text": LETTER,
        "rows-0-region": "",
        "rows-0-channel": "symposium",
    }
    response = client.post(reverse("feedback-entry", args=[world.campaign.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(activity=activity) == LETTER


def post_api(client, user, path, body):
    token = tokens.issue(user, name="test", scope="write")[1]
    return client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_api(client, world, activity):
    body = {"kind": "problem", "text": LETTER, "channel": "letter"}
    resp = post_api(client, world.office, f"/campaigns/{world.campaign.slug}/feedback", body)
    assert resp.status_code == 201, resp.content
    assert stored(pk=resp.json()["id"]) == LETTER

    bulk = {"items": [{"kind": "suggestion", "text": LETTER[::-1]}]}
    resp = post_api(client, world.group, f"/activities/{activity.pk}/feedback", bulk)
    assert resp.status_code == 201, resp.content
    assert stored(pk=resp.json()["items"][0]["id"]) == LETTER[::-1]


@pytest.mark.parametrize("writer", ["xlsx", "csv"])
def test_the_import(world, tmp_path, writer):
    rows = [["L-1", "问题", "一封长信", LETTER, "北京市", "来信", "张三", "2019-07-28"]]
    make = messy.plain_xlsx if writer == "xlsx" else messy.bom_csv
    batch = create_batch(world.campaign, make(tmp_path / f"信.{writer}", rows), actor=world.office)
    assert run(batch).summary == "read 1, imported 1, already present 0, refused 0"
    assert stored(external_id="L-1") == LETTER


def test_rectify_import(world, tmp_path):
    """The command that refused two real message-board sheets."""
    rows = [["L-2", "问题", "一封长信", LETTER, "北京市", "来信", "张三", "2019-07-28"]]
    out = StringIO()
    call_command(
        "import", str(messy.gbk_csv(tmp_path / "信.csv", rows)), "--campaign", "world", stdout=out
    )
    assert out.getvalue().splitlines()[-1] == "read 1, imported 1, already present 0, refused 0"
    assert stored(external_id="L-2") == LETTER


def test_the_import_refuses_a_character_more_than_the_limit(world, tmp_path):
    too_long = "长" * (TEXT_MAX_LENGTH + 1)
    path = messy.write_csv(tmp_path / "a.csv", [[too_long, "问题"]], headers=["内容", "类型"])
    report = run(create_batch(world.campaign, path, actor=world.office))
    assert report.summary == "read 1, imported 0, already present 0, refused 1"
    assert [(p.field, p.code) for p in report.problems] == [("text", "too_long")]
    assert f"{TEXT_MAX_LENGTH + 1}" in report.problems[0].message


@pytest.fixture
def opened(world):
    public.set_public_intake(world.campaign, actor=world.office, enabled=True)
    return world


def test_the_public_page(client, opened):
    page = reverse("public-page", args=[opened.campaign.slug])
    response = client.post(page, {"kind": "problem", "text": LETTER, "name": "", "contact": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored(channel="public_page") == LETTER


def test_the_public_api(client, opened):
    response = client.post(
        f"/api/v1/public/{opened.campaign.slug}/feedback",
        {"kind": "problem", "text": LETTER},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert stored(channel="public_page") == LETTER


REAL = "/work/shared/data/messages/citizen_messages_sample_495.xlsx"


def test_a_real_message_board_sheet_is_imported_whole(world):
    """The shared sample of real messages (read in place, never copied; skipped without it)."""
    from pathlib import Path

    if not Path(REAL).exists():
        pytest.skip(f"{REAL} is not here (shared data is read in place, never copied)")
    batch = create_batch(world.campaign, REAL, actor=world.office, defaults={"kind": "problem"})
    report = run(batch)
    assert report.refused == 0, report.problem_lines()[:3]
    assert report.imported + report.present == report.read == 495
    longest = max(len(t) for t in FeedbackItem.objects.values_list("text", flat=True))
    assert longest > 1000
