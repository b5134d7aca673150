"""Every write to work groups, research activities and their attachments has its home here.

Each function checks the actor's standing (campaigns/scoping.py decides), writes the rows and the
activity log in one transaction. Input is validated at the edge (forms, schemas); these raise
only domain errors.
"""

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.campaigns.models import ActivityAttachment, ResearchActivity, WorkGroup
from rectify.campaigns.scoping import (
    can_change_activity,
    can_change_settings,
    can_manage_work_groups,
    can_record_activity,
    recording_groups,
)
from rectify.core import files
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.orgs.access import access

WORK_GROUP_FIELDS = ("name", "leader")
WORK_GROUP_SETS = ("members", "regions", "org_units")
ACTIVITY_FIELDS = (
    "kind",
    "title",
    "held_on",
    "place",
    "region",
    "org_unit",
    "work_group",
    "participant_count",
    "notes",
)


# --- work groups -----------------------------------------------------------------------------


def _name_taken(name: str) -> ConflictError:
    return ConflictError(
        _("A work group named “%(name)s” already exists in this campaign."),
        code="duplicate_name",
        params={"name": name},
    )


def _sets(group: WorkGroup) -> dict:
    return {
        name: sorted(getattr(group, name).values_list("pk", flat=True)) for name in WORK_GROUP_SETS
    }


# What the office sets on the campaign settings page (warning lights, reminder rules, dates,
# public page).
SETTINGS_FIELDS = (
    "description",
    "starts_on",
    "ends_on",
    "due_soon_days",
    "due_soon_basis",
    "remind_after_days",
    "remind_before_days",
    "remind_on_deadline",
    "remind_overdue_every",
    "escalate_after",
    "public_intake_enabled",
)


@transaction.atomic
def update_settings(campaign, *, actor, **changes):
    """Change the campaign's settings (SETTINGS_FIELDS), logged as campaign.update; the warning
    lights of every measure follow the new due-soon window at once (they are derived)."""
    if not can_change_settings(actor, campaign):
        raise PermissionRefused(_("Only the campaign office may change the campaign's settings."))
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not a campaign setting: {sorted(unknown)}")
    changed = [k for k, v in changes.items() if getattr(campaign, k) != v]
    if not changed:
        return campaign
    before = snapshot(campaign, changed)
    for k in changed:
        setattr(campaign, k, changes[k])
    campaign.full_clean(exclude=["org_unit", "parent", "slug", "name"])
    campaign.save(update_fields=changed)
    record(
        campaign, "campaign.update", actor=actor, before=before, after=snapshot(campaign, changed)
    )
    return campaign


def _check_manager(actor, campaign) -> None:
    if not can_manage_work_groups(actor, campaign):
        raise PermissionRefused(_("Only the campaign office may set up work groups."))


@transaction.atomic
def create_work_group(
    campaign, *, actor, name: str, leader=None, members=(), regions=(), org_units=()
) -> WorkGroup:
    """A new work group. Its leader is one of its members (added if not listed)."""
    _check_manager(actor, campaign)
    if WorkGroup.objects.filter(campaign=campaign, name=name).exists():
        raise _name_taken(name)
    try:
        with transaction.atomic():
            group = WorkGroup.objects.create(campaign=campaign, name=name, leader=leader)
    except IntegrityError:  # a concurrent twin took the name
        raise _name_taken(name) from None
    group.members.set({*members, *([leader] if leader else [])})
    group.regions.set(regions)
    group.org_units.set(org_units)
    after = {**snapshot(group, list(WORK_GROUP_FIELDS)), **_sets(group)}
    record(group, "workgroup.create", actor=actor, after=after)
    return group


@transaction.atomic
def update_work_group(group: WorkGroup, *, actor, **changes) -> WorkGroup:
    """Change name, leader, members, regions or units; log before → after of what changed."""
    unknown = set(changes) - {*WORK_GROUP_FIELDS, *WORK_GROUP_SETS}
    if unknown:
        raise ValueError(f"not work group fields: {sorted(unknown)}")
    locked = WorkGroup.objects.select_for_update().select_related("campaign").get(pk=group.pk)
    _check_manager(actor, locked.campaign)
    name = changes.get("name", locked.name)
    if (
        name != locked.name
        and WorkGroup.objects.filter(campaign=locked.campaign, name=name).exists()
    ):
        raise _name_taken(name)
    leader = changes.get("leader", locked.leader)
    if leader is not None and "members" in changes:
        changes["members"] = {*changes["members"], leader}
    elif leader is not None and leader != locked.leader:
        changes["members"] = {*locked.members.all(), leader}
    before = {**snapshot(locked, list(WORK_GROUP_FIELDS)), **_sets(locked)}
    for field in WORK_GROUP_FIELDS:
        if field in changes:
            setattr(locked, field, changes[field])
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise _name_taken(name) from None
    for field in WORK_GROUP_SETS:
        if field in changes:
            getattr(locked, field).set(changes[field])
    after = {**snapshot(locked, list(WORK_GROUP_FIELDS)), **_sets(locked)}
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        record(
            locked,
            "workgroup.update",
            actor=actor,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return locked


# --- research activities ---------------------------------------------------------------------


def _check_recording(actor, campaign, values: dict) -> None:
    group = values.get("work_group")
    if group is not None and group.campaign_id != campaign.pk:
        raise PermissionRefused(_("That work group belongs to another campaign."))
    if not can_record_activity(
        actor,
        campaign,
        work_group=values.get("work_group"),
        region=values.get("region"),
        unit=values.get("org_unit"),
    ):
        raise PermissionRefused(
            _(
                "You may record activities only for your own work group, in its assigned "
                "regions and units."
            )
        )


def _default_group(actor, campaign, work_group):
    """A work-group member with one group records for it unless they name another."""
    if work_group is not None:
        return work_group
    if access(actor, campaign).is_office:
        return None
    own = list(recording_groups(actor, campaign)[:2])
    return own[0] if len(own) == 1 else None


@transaction.atomic
def create_activity(
    campaign,
    *,
    actor,
    kind: str,
    title: str,
    held_on,
    place: str = "",
    region=None,
    org_unit=None,
    work_group=None,
    participant_count: int = 0,
    notes: str = "",
) -> ResearchActivity:
    """Record a symposium, interview, written consultation, field visit or online survey."""
    work_group = _default_group(actor, campaign, work_group)
    values = {
        "kind": kind,
        "title": title,
        "held_on": held_on,
        "place": place,
        "region": region,
        "org_unit": org_unit,
        "work_group": work_group,
        "participant_count": participant_count,
        "notes": notes,
    }
    _check_recording(actor, campaign, values)
    activity = ResearchActivity.objects.create(
        campaign=campaign, created_by=actor if actor.is_authenticated else None, **values
    )
    record(
        activity, "activity.create", actor=actor, after=snapshot(activity, list(ACTIVITY_FIELDS))
    )
    return activity


@transaction.atomic
def update_activity(activity: ResearchActivity, *, actor, **changes) -> ResearchActivity:
    """Change an activity's fields; a work-group member keeps it within their own group's
    assignments. Logs before → after of what changed."""
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValueError(f"not activity fields: {sorted(unknown)}")
    locked = (
        ResearchActivity.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=activity.pk)
    )
    if not can_change_activity(actor, locked):
        raise PermissionRefused(_("You may change only the activities of your own work group."))
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    values = {name: changes.get(name, getattr(locked, name)) for name in ACTIVITY_FIELDS}
    _check_recording(actor, locked.campaign, values)
    before = snapshot(locked, changed)
    for name in changed:
        setattr(locked, name, changes[name])
    locked.save(update_fields=changed)
    record(locked, "activity.update", actor=actor, before=before, after=snapshot(locked, changed))
    return locked


# --- attachments (minutes …) -----------------------------------------------------------------


class DuplicateAttachment(ConflictError):
    code = "duplicate_attachment"


def max_attachment_bytes() -> int:
    """The largest file an activity takes (settings.ACTIVITY_ATTACHMENT_MAX_BYTES, 50 MB)."""
    return settings.ACTIVITY_ATTACHMENT_MAX_BYTES


@transaction.atomic
def add_attachment(
    activity: ResearchActivity,
    *,
    actor,
    upload: File,
    name: str,
    description: str = "",
    content_type: str = "",
) -> ActivityAttachment:
    """Store a file under its sha256: the same content is stored once, a stored file is never
    replaced. The same file attached twice to one activity is refused."""
    if not can_change_activity(actor, activity):
        raise PermissionRefused(
            _("Only the campaign office and the activity's work group may attach files to it.")
        )
    if upload.size is not None and upload.size > max_attachment_bytes():
        raise DomainError(
            _("The file is larger than %(limit)s MB."),
            code="too_large",
            params={"limit": max_attachment_bytes() // (1024 * 1024)},
        )
    sha, size = files.sha256_of(upload)
    twin = ActivityAttachment.objects.filter(activity=activity, sha256=sha).first()
    if twin is not None:
        raise DuplicateAttachment(
            _("This file is already attached to this activity (as “%(name)s”)."),
            params={"name": twin.original_name},
        )
    attachment = ActivityAttachment(
        activity=activity,
        sha256=sha,
        original_name=name[:255],
        size=size,
        content_type=content_type[:100],
        description=description,
        uploaded_by=actor if actor.is_authenticated else None,
    )
    files.store(attachment, upload, name)
    try:
        with transaction.atomic():
            attachment.save()
    except IntegrityError:  # a concurrent twin of the same upload
        raise DuplicateAttachment(
            _("This file is already attached to this activity (as “%(name)s”)."),
            params={"name": attachment.original_name},
        ) from None
    record(
        attachment,
        "activity.attach",
        actor=actor,
        campaign=activity.campaign,
        after={"file": attachment.original_name, "sha256": sha, "size": size},
    )
    return attachment
