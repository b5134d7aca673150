"""Research activities: the list (filters, htmx), recording and correcting them (office and the
group's own members, field by field), their page, and their attached files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectify.campaigns import services
from rectify.campaigns.models import ActivityAttachment, ResearchActivity
from tests.helpers import attrs, messages_of, texts

pytestmark = pytest.mark.django_db

READERS = ["office", "leader", "group", "member_b", "supervisor", "viewer"]


def list_url(scene, **query):
    url = reverse("activity-list", args=[scene.campaign.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {int(a["data-pk"]) for a in attrs(response, "activity-row")}


def form_data(scene, **changes):
    data = {
        "kind": "symposium",
        "title": "社区座谈会",
        "held_on": "2026-11-14",
        "place": "朝阳区某社区",
        "work_group": scene.group_a.pk,
        "region": scene.beijing.pk,
        "org_unit": "",
        "participant_count": "9",
        "notes": "",
    }
    data.update(changes)
    return data


# --- the list --------------------------------------------------------------------------------


def test_the_office_sees_every_activity(client, scene):
    client.force_login(scene.office)
    assert shown(client.get(list_url(scene))) == {scene.activity_a.pk, scene.activity_b.pk}


def test_a_group_member_sees_their_groups_activities(client, scene):
    client.force_login(scene.member_b)
    assert shown(client.get(list_url(scene))) == {scene.activity_b.pk}


def test_liaisons_are_refused(client, scene):
    client.force_login(scene.liaison)
    assert client.get(list_url(scene)).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "interview"}, {"activity_b"}),
        ({"region": "beijing"}, {"activity_a"}),
        ({"group": "group_b"}, {"activity_b"}),
        ({"unit": "ministry"}, {"activity_a"}),
        ({"held_from": "2026-11-11"}, {"activity_b"}),
        ({"held_to": "2026-11-11"}, {"activity_a"}),
        ({"q": "天津"}, {"activity_b"}),
    ],
)
def test_filters(client, scene, query, expected):
    client.force_login(scene.office)
    params = {k: getattr(getattr(scene, v, None), "pk", v) for k, v in query.items()}
    assert shown(client.get(list_url(scene, **params))) == {getattr(scene, n).pk for n in expected}


def test_a_bad_date_range_is_a_field_error(client, scene):
    client.force_login(scene.office)
    response = client.get(list_url(scene, held_from="2026-11-12", held_to="2026-11-01"))
    assert texts(response, "error-held_to")


def test_htmx_gets_only_the_rows(client, scene):
    client.force_login(scene.office)
    response = client.get(list_url(scene, kind="interview"), headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert shown(response) == {scene.activity_b.pk}


# --- recording and correcting ----------------------------------------------------------------


def test_a_member_records_an_activity_for_their_group(client, scene):
    client.force_login(scene.group)
    response = client.post(reverse("activity-create", args=[scene.campaign.slug]), form_data(scene))
    assert response.status_code == 302
    activity = ResearchActivity.objects.get(title="社区座谈会")
    assert activity.work_group == scene.group_a and activity.participant_count == 9
    assert response["Location"] == reverse("activity-detail", args=[activity.pk])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participant_count": "-1"}, "participant_count"),
        ({"participant_count": "many"}, "participant_count"),
        ({"title": "  "}, "title"),
        ({"held_on": "2026-11-17"}, "held_on"),  # tomorrow
        ({"held_on": "11/14/2026x"}, "held_on"),
        ({"kind": "party"}, "kind"),
        ({"region": "tianjin"}, "region"),  # not assigned to 一组
        ({"org_unit": "bureau_b"}, "org_unit"),
        ({"work_group": "group_b"}, "work_group"),  # not their group
    ],
)
def test_each_bad_field_gets_its_message(client, scene, changes, field):
    client.force_login(scene.group)
    values = {k: getattr(getattr(scene, v, None), "pk", v) for k, v in changes.items()}
    response = client.post(
        reverse("activity-create", args=[scene.campaign.slug]), form_data(scene, **values)
    )
    assert response.status_code == 200
    assert texts(response, f"error-{field}"), texts(response, "form-errors")
    assert ResearchActivity.objects.count() == 2


@pytest.mark.parametrize("persona", ["leader", "viewer", "supervisor"])
def test_readers_cannot_record(client, scene, persona):
    client.force_login(scene.users[persona])
    url = reverse("activity-create", args=[scene.campaign.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(scene)).status_code == 403


def test_a_member_corrects_their_groups_activity(client, scene):
    client.force_login(scene.group)
    url = reverse("activity-edit", args=[scene.activity_a.pk])
    assert client.get(url).status_code == 200
    data = form_data(scene, title=scene.activity_a.title, participant_count="20")
    data["held_on"] = "2026-11-10"
    data["org_unit"] = scene.bureau_a.pk
    response = client.post(url, data)
    assert response.status_code == 302
    scene.activity_a.refresh_from_db()
    assert scene.activity_a.participant_count == 20


def test_another_groups_member_cannot_open_or_correct_it(client, scene):
    client.force_login(scene.member_b)
    # 一组's activity in Beijing is outside 二组's scope: not even visible
    assert client.get(reverse("activity-detail", args=[scene.activity_a.pk])).status_code == 404
    assert client.get(reverse("activity-edit", args=[scene.activity_a.pk])).status_code == 404


def test_a_visible_activity_of_another_group_is_read_only(client, scene):
    scene.group_b.regions.add(scene.beijing)  # now 二组 also covers Beijing: it sees activity_a
    client.force_login(scene.member_b)
    page = client.get(reverse("activity-detail", args=[scene.activity_a.pk]))
    assert page.status_code == 200
    assert not attrs(page, "edit-activity") and not attrs(page, "enter-feedback")
    assert client.get(reverse("activity-edit", args=[scene.activity_a.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["office", "leader", "group", "viewer", "supervisor"])
def test_readers_open_the_activity_page(client, scene, persona):
    client.force_login(scene.users[persona])
    page = client.get(reverse("activity-detail", args=[scene.activity_a.pk]))
    assert page.status_code == 200
    assert texts(page, "activity-title") == ["北京基层干部座谈会"]
    can_change = persona in ("office", "group")
    assert bool(attrs(page, "attachment-form")) == can_change
    assert bool(attrs(page, "enter-feedback")) == can_change


def test_liaisons_and_outsiders_find_no_activity(client, scene):
    for persona in ("liaison", "outsider"):
        client.force_login(scene.users[persona])
        assert client.get(reverse("activity-detail", args=[scene.activity_a.pk])).status_code == 404


# --- attachments -----------------------------------------------------------------------------


def upload(client, activity, content=b"minutes", name="纪要.txt", **extra):
    return client.post(
        reverse("activity-attachment-upload", args=[activity.pk]),
        {"file": SimpleUploadedFile(name, content), "description": "会议纪要", **extra},
    )


def test_a_member_attaches_the_minutes_and_readers_download_them(client, scene):
    client.force_login(scene.group)
    response = upload(client, scene.activity_a)
    assert response.status_code == 302
    attachment = ActivityAttachment.objects.get()
    page = client.get(reverse("activity-detail", args=[scene.activity_a.pk]))
    assert "纪要.txt" in texts(page, "attachment")[0]
    assert any("attached" in m or "纪要.txt" in m for m in messages_of(page))
    client.force_login(scene.viewer)
    download = client.get(reverse("activity-attachment-download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"minutes"
    assert download["Content-Type"] == "application/octet-stream"
    assert "attachment" in download["Content-Disposition"]


def test_download_follows_the_activitys_scope(client, scene):
    attachment = services.add_attachment(
        scene.activity_a, actor=scene.group, upload=SimpleUploadedFile("a.txt", b"x"), name="a.txt"
    )
    url = reverse("activity-attachment-download", args=[attachment.pk])
    for persona in ("member_b", "liaison", "outsider"):
        client.force_login(scene.users[persona])
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_same_file_twice_is_a_clear_message(client, scene):
    client.force_login(scene.group)
    upload(client, scene.activity_a)
    response = upload(client, scene.activity_a, name="copy.txt")
    assert response.status_code == 409
    assert texts(response, "error-file")
    assert ActivityAttachment.objects.count() == 1


def test_a_file_over_the_limit_is_refused_with_the_limit_in_the_message(client, scene, settings):
    settings.ACTIVITY_ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(scene.group)
    response = upload(client, scene.activity_a, content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    (message,) = texts(response, "error-file")
    assert "1" in message
    assert not ActivityAttachment.objects.exists()


def test_an_empty_file_or_none_is_refused(client, scene):
    client.force_login(scene.group)
    assert texts(upload(client, scene.activity_a, content=b""), "error-file")
    response = client.post(reverse("activity-attachment-upload", args=[scene.activity_a.pk]), {})
    assert texts(response, "error-file")


@pytest.mark.parametrize("persona", ["viewer", "leader"])
def test_readers_cannot_attach(client, scene, persona):
    client.force_login(scene.users[persona])
    assert upload(client, scene.activity_a).status_code == 403
    assert not ActivityAttachment.objects.exists()


def test_attaching_needs_a_post(client, scene):
    client.force_login(scene.group)
    url = reverse("activity-attachment-upload", args=[scene.activity_a.pk])
    assert client.get(url).status_code == 405


def test_hostile_text_in_an_activity_is_inert(client, scene):
    hostile = "<script>alert(1)</script>\u202egnp.exe"
    services.update_activity(
        scene.activity_a, actor=scene.office, title=hostile, place=hostile, notes=hostile
    )
    services.add_attachment(
        scene.activity_a,
        actor=scene.group,
        upload=SimpleUploadedFile("x", b"x"),
        name=hostile,
        description=hostile,
    )
    client.force_login(scene.office)
    for url in (
        reverse("activity-detail", args=[scene.activity_a.pk]),
        reverse("activity-edit", args=[scene.activity_a.pk]),
        list_url(scene),
        reverse("feedback-entry", args=[scene.campaign.slug]) + f"?activity={scene.activity_a.pk}",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
