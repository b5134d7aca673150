"""The activity log of work groups, research activities, their attachments and feedback items,
ready to show with ledger/_timeline.html: ids in before/after become names, choices labels."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rectify.audit.models import ActivityLog
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.ledger.models import Category
from rectify.orgs.models import OrgUnit, Region, User

ACTION_LABELS = {
    "workgroup.create": gettext_lazy("set up the work group"),
    "workgroup.update": gettext_lazy("changed the work group"),
    "activity.create": gettext_lazy("recorded the activity"),
    "activity.update": gettext_lazy("corrected the activity"),
    "activity.attach": gettext_lazy("attached a file"),
    "feedback.create": gettext_lazy("recorded the item"),
    "feedback.triage": gettext_lazy("corrected the triage"),
    "feedback.set_aside": gettext_lazy("set the item aside (not a problem to merge)"),
    "feedback.restore": gettext_lazy("brought the item back to the board"),
}
# Fields whose logged value is an id (or a list of ids), and what it refers to.
REFERENCES = {
    "region": Region,
    "regions": Region,
    "org_unit": OrgUnit,
    "org_units": OrgUnit,
    "work_group": WorkGroup,
    "leader": User,
    "members": User,
    "activity": ResearchActivity,
    "category": Category,
}
LABELS = {
    "members": gettext_lazy("members"),
    "regions": gettext_lazy("assigned regions"),
    "org_units": gettext_lazy("assigned units"),
    "file": gettext_lazy("file"),
    "sha256": gettext_lazy("SHA-256"),
    "size": gettext_lazy("size"),
}


def timeline(objects) -> list[dict]:
    """The log entries about `objects`, newest first, with referenced rows named (one query
    per kind of reference)."""
    by_type: dict[int, list[int]] = {}
    for obj in objects:
        ct = ContentType.objects.get_for_model(obj)
        by_type.setdefault(ct.pk, []).append(obj.pk)
    if not by_type:
        return []
    q = models.Q(pk__in=[])
    for type_id, ids in by_type.items():
        q |= models.Q(target_type_id=type_id, target_id__in=ids)
    entries = list(ActivityLog.objects.filter(q).select_related("actor").order_by("-at", "-id"))
    wanted: dict[type, set[int]] = {}
    for e in entries:
        for side in (e.before, e.after):
            for name, model in REFERENCES.items():
                value = side.get(name)
                values = value if isinstance(value, list) else [value]
                wanted.setdefault(model, set()).update(v for v in values if isinstance(v, int))
    names = {model: model.objects.in_bulk(ids) for model, ids in wanted.items() if ids}
    return [_describe(e, names) for e in entries]


def _describe(entry, names) -> dict:
    model = ContentType.objects.get_for_id(entry.target_type_id).model_class()
    changes = []
    for name in dict.fromkeys([*entry.before, *entry.after]):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        had_before = name in entry.before
        if had_before and entry.before.get(name) == entry.after.get(name):
            continue
        label = field.verbose_name if field is not None and name not in LABELS else LABELS.get(name)
        changes.append(
            {
                "field": label or name,
                "had_before": had_before,
                "before": _show(field, name, entry.before.get(name), names),
                "after": _show(field, name, entry.after.get(name), names),
            }
        )
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": ACTION_LABELS.get(entry.action, entry.action),
        "target": entry.target_repr,
        "changes": changes,
        "reason": entry.reason,
    }


def _show(field, name, value, names):
    if value is None or value == "" or value == []:
        return "—"
    model = REFERENCES.get(name)
    if model is not None:
        found = names.get(model, {})
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(found.get(v, v)) for v in values)
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return date_format(day) if day else value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if value in choices:
        return choices[value]
    return value
