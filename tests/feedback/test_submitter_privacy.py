"""Defect 10.6: the public page promises submitters that their name and contact are seen only by
the office (“仅整改办可见”). One rule, scoping.can_see_submitter, holds on every surface: the
list and the item page, the CSV and XLSX export (page and command), the API's list and item.
The office sees name and contact; leaders, supervisors, viewers and work-group members neither
(nor the receipt code that follows the item), while still seeing the item itself."""

import io

import pytest
import python_calamine
from django.core.management import call_command
from django.urls import reverse

from rectify.api import tokens
from rectify.campaigns.models import WorkGroup
from rectify.feedback.public import services as public
from rectify.feedback.scoping import can_see_submitter

pytestmark = pytest.mark.django_db

NAME, CONTACT = "张三", "13800000000"
TEXT = "社区养老服务站长期无人值守"
OTHERS = ["leader", "supervisor", "viewer", "group"]
EVERYONE = ["office", *OTHERS]


@pytest.fixture
def item(world):
    """A public-page submission with a name and a phone number, in a region the work group
    covers (so its member reads it too)."""
    group = WorkGroup.objects.create(campaign=world.campaign, name="一组")
    group.members.add(world.group)
    group.regions.add(world.region)
    public.set_public_intake(world.campaign, actor=world.office, enabled=True)
    return public.submit_public(
        world.campaign,
        text=TEXT,
        kind="problem",
        region=world.region,
        name=NAME,
        contact=CONTACT,
        ip="192.0.2.1",
    )


def shows_submitter(persona) -> bool:
    return persona == "office"


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_rule(world, persona):
    assert can_see_submitter(world.personas[persona], world.campaign) == shows_submitter(persona)


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_list_and_the_item_page(client, world, item, persona):
    client.force_login(world.personas[persona])
    listed = client.get(reverse("feedback-list", args=[world.campaign.slug])).content.decode()
    assert TEXT in listed and NAME not in listed and CONTACT not in listed
    page = client.get(reverse("feedback-detail", args=[item.pk])).content.decode()
    assert TEXT in page
    for private in (NAME, CONTACT, item.receipt_code):
        assert (private in page) == shows_submitter(persona), private


def export_rows(response, fmt) -> list[list[str]]:
    data = b"".join(response)
    if fmt == "csv":
        lines = data.decode("utf-8-sig").splitlines()
        return [line.split(",") for line in lines]
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [[str(c) for c in row] for row in book.get_sheet_by_index(0).to_python()]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("persona", EVERYONE)
def test_the_export(client, world, item, persona, fmt):
    client.force_login(world.personas[persona])
    url = reverse("feedback-export", args=[world.campaign.slug]) + f"?format={fmt}"
    header, row = export_rows(client.get(url), fmt)
    assert TEXT in row
    assert ("提交人" in header and NAME in row) == shows_submitter(persona)
    assert ("联系方式" in header and CONTACT in row) == shows_submitter(persona)
    if not shows_submitter(persona):
        assert "提交人" not in header and "联系方式" not in header
        assert NAME not in row and CONTACT not in row


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_export_command(world, item, persona, tmp_path):
    out = tmp_path / "export.csv"
    call_command(
        "export-feedback",
        "--campaign",
        world.campaign.slug,
        "--user",
        persona,
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    text = out.read_text(encoding="utf-8-sig")
    assert TEXT in text
    assert (NAME in text) == shows_submitter(persona)
    assert CONTACT not in text  # contacts only with --with-contact, and only for the office


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_api(client, world, item, persona):
    token = tokens.issue(world.personas[persona], name="test", scope="read")[1]
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get(f"/api/v1/campaigns/{world.campaign.slug}/feedback", headers=headers)
    detail = client.get(f"/api/v1/feedback/{item.pk}", headers=headers)
    for body in (listed.json()["items"][0], detail.json()):
        assert body["text"] == TEXT
        expected = (NAME, CONTACT) if shows_submitter(persona) else ("", "")
        assert (body["submitter_name"], body["submitter_contact"]) == expected
