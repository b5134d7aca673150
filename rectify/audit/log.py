"""Writing the activity log. Services call `record()` inside their transaction."""

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from rectify.audit.models import ActivityLog


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The JSON-safe values of `fields` on `obj`, for before/after columns."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if value is not None and not isinstance(value, bool | int | float | str):
            value = str(value)
        out[name] = value
    return out


def record(
    target: models.Model,
    action: str,
    *,
    actor=None,
    campaign=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> ActivityLog:
    """Append one entry. Must run inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("activity log entries must be written inside the change's transaction")
    if campaign is None:
        campaign = getattr(target, "campaign", None)
    return ActivityLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        campaign=campaign,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_repr=str(target)[:300],
        before=before or {},
        after=after or {},
        reason=reason,
    )


def history(target: models.Model):
    """All entries about `target`, newest first."""
    return ActivityLog.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("actor")


def record_many(entries) -> None:
    """record() for many changes at once, for services that write in bulk: each entry a dict of
    record()'s arguments (target, action, actor, campaign, before, after, reason). Inserted in
    batches, so the queries do not grow with every entry."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("activity log entries must be written inside the change's transaction")
    rows = []
    for e in entries:
        target, actor = e["target"], e.get("actor")
        campaign = e.get("campaign") or getattr(target, "campaign", None)
        rows.append(
            ActivityLog(
                actor=actor if actor is not None and actor.is_authenticated else None,
                campaign=campaign,
                action=e["action"],
                target_type=ContentType.objects.get_for_model(target),
                target_id=target.pk,
                target_repr=str(target)[:300],
                before=e.get("before") or {},
                after=e.get("after") or {},
                reason=e.get("reason", ""),
            )
        )
    ActivityLog.objects.bulk_create(rows, batch_size=2000)
