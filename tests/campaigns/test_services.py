"""campaigns/services.py: who may set up work groups and record activities and their files, and
the activity-log row every change writes in the same transaction."""

import datetime as dt
import hashlib
import os

import pytest
from django.core.files.base import ContentFile

from rectify.audit.log import history
from rectify.campaigns import services
from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import ActivityAttachment, ResearchActivity, WorkGroup
from rectify.core.errors import ConflictError, DomainError, PermissionRefused

pytestmark = pytest.mark.django_db


def activity_fields(**extra):
    return {
        "kind": ActivityKind.SYMPOSIUM,
        "title": "座谈会",
        "held_on": dt.date(2026, 11, 1),
        **extra,
    }


# --- work groups -----------------------------------------------------------------------------


def test_the_office_sets_up_a_group_and_the_log_says_so(scene):
    group = services.create_work_group(
        scene.campaign,
        actor=scene.office,
        name="三组",
        leader=scene.viewer,
        members=[scene.group],
        regions=[scene.hebei],
        org_units=[scene.org_a1],
    )
    assert set(group.members.all()) == {scene.group, scene.viewer}  # the leader is a member
    (entry,) = history(group)
    assert entry.action == "workgroup.create"
    assert entry.actor == scene.office
    assert entry.after["name"] == "三组"
    assert entry.after["members"] == sorted([scene.group.pk, scene.viewer.pk])
    assert entry.after["regions"] == [scene.hebei.pk]


@pytest.mark.parametrize("persona", ["leader", "group", "supervisor", "viewer", "liaison"])
def test_only_the_office_sets_up_groups(scene, persona):
    with pytest.raises(PermissionRefused):
        services.create_work_group(scene.campaign, actor=scene.users[persona], name="三组")
    with pytest.raises(PermissionRefused):
        services.update_work_group(scene.group_a, actor=scene.users[persona], name="改名")
    assert not WorkGroup.objects.filter(name__in=["三组", "改名"]).exists()


def test_a_second_group_with_the_same_name_is_a_conflict(scene):
    with pytest.raises(ConflictError):
        services.create_work_group(scene.campaign, actor=scene.office, name="一组")
    with pytest.raises(ConflictError):
        services.update_work_group(scene.group_b, actor=scene.office, name="一组")


def test_an_update_logs_what_changed_before_and_after(scene):
    services.update_work_group(
        scene.group_a, actor=scene.office, regions=[scene.beijing, scene.hebei], name="一组"
    )
    entry = history(scene.group_a).first()
    assert entry.action == "workgroup.update"
    assert entry.before == {"regions": [scene.beijing.pk]}
    assert entry.after == {"regions": sorted([scene.beijing.pk, scene.hebei.pk])}


def test_an_update_that_changes_nothing_logs_nothing(scene):
    services.update_work_group(scene.group_a, actor=scene.office, name="一组")
    assert [e.action for e in history(scene.group_a)] == ["workgroup.create"]


def test_a_new_leader_joins_the_members(scene):
    services.update_work_group(scene.group_b, actor=scene.office, leader=scene.viewer)
    assert set(scene.group_b.members.all()) == {scene.member_b, scene.viewer}


# --- research activities ---------------------------------------------------------------------


def test_a_member_records_for_their_group_in_its_region(scene):
    activity = services.create_activity(
        scene.campaign, actor=scene.group, **activity_fields(region=scene.beijing)
    )
    assert activity.work_group == scene.group_a  # their only group, by default
    assert activity.created_by == scene.group
    (entry,) = history(activity)
    assert entry.action == "activity.create"
    assert entry.after["region"] == scene.beijing.pk


@pytest.mark.parametrize(
    "fields",
    [
        {"region": "tianjin"},  # not assigned to 一组
        {"org_unit": "bureau_b"},  # not assigned to 一组
        {"work_group": "group_b"},  # not their group
    ],
)
def test_a_member_cannot_record_outside_their_assignment(scene, fields):
    values = {name: getattr(scene, value) for name, value in fields.items()}
    with pytest.raises(PermissionRefused):
        services.create_activity(scene.campaign, actor=scene.group, **activity_fields(**values))
    assert ResearchActivity.objects.count() == 2


def test_a_unit_within_the_assigned_unit_is_allowed(scene):
    activity = services.create_activity(
        scene.campaign, actor=scene.group, **activity_fields(org_unit=scene.org_a1)
    )
    assert activity.org_unit == scene.org_a1


def test_the_office_records_anywhere_for_any_group(scene):
    activity = services.create_activity(
        scene.campaign,
        actor=scene.office,
        **activity_fields(region=scene.hebei, work_group=scene.group_b),
    )
    assert activity.work_group == scene.group_b


@pytest.mark.parametrize("persona", ["leader", "supervisor", "viewer", "liaison", "outsider"])
def test_readers_do_not_record_activities(scene, persona):
    with pytest.raises(PermissionRefused):
        services.create_activity(scene.campaign, actor=scene.users[persona], **activity_fields())


def test_a_member_corrects_their_groups_activity_and_the_log_keeps_both(scene):
    services.update_activity(scene.activity_a, actor=scene.group, participant_count=15)
    entry = history(scene.activity_a).first()
    assert entry.action == "activity.update"
    assert (entry.before, entry.after) == ({"participant_count": 12}, {"participant_count": 15})


def test_a_member_of_another_group_cannot_correct_it(scene):
    with pytest.raises(PermissionRefused):
        services.update_activity(scene.activity_a, actor=scene.member_b, participant_count=1)
    with pytest.raises(PermissionRefused):  # nor move their own into another group's region
        services.update_activity(scene.activity_b, actor=scene.member_b, region=scene.beijing)
    scene.activity_a.refresh_from_db()
    assert scene.activity_a.participant_count == 12


# --- attachments -----------------------------------------------------------------------------


def attach(activity, actor, content=b"minutes", name="纪要.docx"):
    return services.add_attachment(activity, actor=actor, upload=ContentFile(content), name=name)


def test_a_file_is_stored_under_its_sha256(scene):
    attachment = attach(scene.activity_a, scene.group)
    assert attachment.sha256 == hashlib.sha256(b"minutes").hexdigest()
    assert attachment.file.name == f"activities/{attachment.sha256[:2]}/{attachment.sha256}"
    assert attachment.size == 7 and attachment.original_name == "纪要.docx"
    assert attachment.file.read() == b"minutes"
    entry = history(attachment).first()
    assert entry.action == "activity.attach" and entry.after["sha256"] == attachment.sha256


def test_the_same_content_is_stored_once(scene):
    first = attach(scene.activity_a, scene.group)
    second = attach(scene.activity_b, scene.member_b, name="copy.docx")
    assert first.file.name == second.file.name
    directory = first.file.storage.path(first.file.name).rsplit("/", 1)[0]
    assert os.listdir(directory) == [first.sha256]


def test_the_same_file_twice_on_one_activity_is_refused(scene):
    attach(scene.activity_a, scene.group)
    with pytest.raises(services.DuplicateAttachment):
        attach(scene.activity_a, scene.office, name="again.docx")
    assert ActivityAttachment.objects.count() == 1


def test_a_stored_file_is_never_replaced(scene):
    first = attach(scene.activity_a, scene.group, content=b"v1")
    attach(scene.activity_a, scene.group, content=b"v2", name="纪要.docx")
    first.refresh_from_db()
    assert first.file.read() == b"v1"


def test_a_file_over_the_limit_is_refused(scene, settings):
    settings.ACTIVITY_ATTACHMENT_MAX_BYTES = 4
    with pytest.raises(DomainError) as caught:
        attach(scene.activity_a, scene.group, content=b"12345")
    assert caught.value.code == "too_large"


@pytest.mark.parametrize("persona", ["member_b", "viewer", "leader", "liaison"])
def test_only_the_office_and_the_group_attach_files(scene, persona):
    with pytest.raises(PermissionRefused):
        attach(scene.activity_a, scene.users[persona])
