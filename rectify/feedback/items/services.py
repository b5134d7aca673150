"""Every write to feedback items has its home here.

Each function checks the actor's role, changes the rows, and writes the activity log in the same
transaction. Pages, the API, importers and commands call these. Input is validated at the edge
(forms, schemas); these raise only domain errors. The text of an item is stored exactly as
received and never changes; only its triage fields (TRIAGE_FIELDS) may be corrected.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.feedback.items import closeness
from rectify.feedback.models import TRIAGE_FIELDS, FeedbackItem
from rectify.feedback.scoping import can_triage_feedback
from rectify.orgs.access import access
from rectify.orgs.choices import Role

LOGGED_AT_INTAKE = ["kind", "channel", "region", "activity", "work_group", "external_id"]


class DuplicateExternalId(ConflictError):
    code = "duplicate_external_id"


def _duplicate(external_id: str) -> DuplicateExternalId:
    return DuplicateExternalId(
        _(
            "An item with the external id “%(external_id)s” already exists in this campaign: "
            "nothing was saved."
        ),
        params={"external_id": external_id},
    )


def _work_group_for(actor, campaign, work_group, activity):
    """The work group an item is recorded for, after checking that `actor` may record it.

    The office records for any group (or none). A work-group member records for one of their
    own groups: the one named, else the activity's, else their only group.
    """
    for obj in (work_group, activity):
        if obj is not None and obj.campaign_id != campaign.pk:
            raise PermissionRefused(_("That work group or activity belongs to another campaign."))
    acc = access(actor, campaign)
    if acc.is_office:
        return work_group if work_group is not None else getattr(activity, "work_group", None)
    if not acc.has(Role.GROUP):
        raise PermissionRefused(
            _("Only the campaign office and work-group members may record feedback.")
        )
    own = list(campaign.work_groups.filter(members=actor))
    if work_group is None and activity is not None:
        work_group = activity.work_group
    if work_group is None and len(own) == 1:
        work_group = own[0]
    if work_group is None:
        raise DomainError(
            _("Name the work group (one of yours) that received this item."),
            code="work_group_required",
        )
    if work_group not in own:
        raise PermissionRefused(_("You may record feedback only for your own work groups."))
    return work_group


@transaction.atomic
def create_feedback(
    campaign,
    *,
    actor,
    kind: str,
    text: str,
    channel: str,
    region=None,
    title: str = "",
    submitter_name: str = "",
    submitter_contact: str = "",
    received_at=None,
    activity=None,
    work_group=None,
    external_id: str = "",
    flag: bool = True,
) -> FeedbackItem:
    """Record one item as received. A duplicate external id in the campaign is a conflict.

    With `flag`, the item is compared with the campaign's problems (feedback/items/closeness.py);
    callers creating many items pass False and flag them together afterwards.
    """
    work_group = _work_group_for(actor, campaign, work_group, activity)
    if (
        external_id
        and FeedbackItem.objects.filter(campaign=campaign, external_id=external_id).exists()
    ):
        raise _duplicate(external_id)
    try:
        with transaction.atomic():
            item = FeedbackItem.objects.create(
                campaign=campaign,
                kind=kind,
                title=title,
                text=text,
                channel=channel,
                region=region,
                activity=activity,
                work_group=work_group,
                submitter_name=submitter_name,
                submitter_contact=submitter_contact,
                received_at=received_at or timezone.now(),
                external_id=external_id,
                created_by=actor if actor.is_authenticated else None,
            )
    except IntegrityError:
        # Only the external id is unique among the fields set here: a concurrent twin won.
        raise _duplicate(external_id) from None
    record(item, "feedback.create", actor=actor, after=snapshot(item, LOGGED_AT_INTAKE))
    if flag:
        closeness.flag_at_intake([item])
    return item


def _ms(moment):
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@transaction.atomic
def update_triage(item: FeedbackItem, *, actor, expected_updated_at=None, **changes):
    """Correct triage fields (kind, region, category, org unit), logging before → after.

    `expected_updated_at` is the item's updated_at as the caller saw it (to the millisecond, as
    the API writes times): if someone changed it since, nothing is saved (ConflictError).
    """
    if not can_triage_feedback(actor, item.campaign):
        raise PermissionRefused(_("Only the campaign office may triage feedback."))
    unknown = set(changes) - set(TRIAGE_FIELDS)
    if unknown:
        raise ValueError(f"not triage fields: {sorted(unknown)}")
    category = changes.get("category")
    if category is not None and category.campaign_id != item.campaign_id:
        raise PermissionRefused(_("That category belongs to another campaign."))
    locked = (
        FeedbackItem.objects.select_for_update(of=("self",), no_key=True)
        .select_related("campaign")
        .get(pk=item.pk)
    )
    if expected_updated_at is not None and _ms(locked.updated_at) != _ms(expected_updated_at):
        raise ConflictError(
            _("Someone else changed this item while you were triaging it. Nothing was saved.")
        )
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    before = snapshot(locked, changed)
    for name in changed:
        setattr(locked, name, changes[name])
    locked.save(update_fields=[*changed, "updated_at"])
    record(locked, "feedback.triage", actor=actor, before=before, after=snapshot(locked, changed))
    return locked
