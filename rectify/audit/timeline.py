"""The one renderer of the activity log: entries as their readers should read them.

Every page that shows history (problems, measures, feedback, work groups, activities) calls
timeline() and includes inc/_timeline.html. Values are shown as their user-facing labels:
choices by their labels, ids of units, people, categories, lists, problems and feedback items by
their names (one query per kind of reference), dates as dates, in the reader's language.

Audit stands below the apps whose changes it logs, so they describe their own entries: each
app's AppConfig.ready() calls describe() with the labels of its actions and of the keys it logs
that are not fields of the logged object (e.g. a merge's "feedback_items"), and the actions
that are shown collapsed: repeated readings such as evidence downloads, which would flood a
history, are one line per object (at the latest, with how many times and by whom).
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rectify.audit.models import ActivityLog


@dataclass(frozen=True)
class Key:
    """A logged key that is not a field of the logged object: its label; when its values are
    ids, the model ("app_label.Model") they name, or `counted` to show only how many there are
    (feedback items: their text is not for every reader of the history)."""

    label: str
    refers_to: str | None = None
    counted: bool = False


ACTIONS: dict[str, str] = {}
KEYS: dict[str, Key] = {}
COLLAPSED: set[str] = set()


def describe(
    *, actions: dict | None = None, keys: dict[str, Key] | None = None, collapsed=()
) -> None:
    """Register the labels of an app's actions and non-field keys (from its AppConfig.ready),
    and the actions a timeline shows collapsed, one line per object."""
    ACTIONS.update(actions or {})
    KEYS.update(keys or {})
    COLLAPSED.update(collapsed)


def timeline(objects) -> list[dict]:
    """The log entries about `objects`, newest first, ready to show."""
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
    return describe_entries(_collapse(entries))


def _collapse(entries: list) -> list:
    """Entries (newest first) with those of a collapsed action folded into the newest of their
    object, which keeps `times` (how many) and `actors` (who, newest first, each once)."""
    kept, first = [], {}
    for entry in entries:
        if entry.action not in COLLAPSED:
            kept.append(entry)
            continue
        key = (entry.action, entry.target_type_id, entry.target_id)
        newest = first.get(key)
        if newest is None:
            first[key] = entry
            entry.times, entry.actors = 1, [entry.actor]
            kept.append(entry)
        else:
            newest.times += 1
            if entry.actor not in newest.actors:
                newest.actors.append(entry.actor)
    return kept


def describe_entries(entries) -> list[dict]:
    """Entries (ActivityLog rows) as dicts for inc/_timeline.html; references named."""
    wanted: dict[type, set[int]] = {}
    for entry in entries:
        model = _model_of(entry)
        for side in (entry.before, entry.after):
            for name, value in side.items():
                target = _refers_to(model, name)
                if target is not None:
                    values = value if isinstance(value, list) else [value]
                    wanted.setdefault(target, set()).update(v for v in values if isinstance(v, int))
    names = {target: target.objects.in_bulk(ids) for target, ids in wanted.items() if ids}
    return [_describe(entry, names) for entry in entries]


def _model_of(entry):
    return ContentType.objects.get_for_id(entry.target_type_id).model_class()


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _refers_to(model, name: str):
    key = KEYS.get(name)
    if key is not None and key.counted:
        return None
    field = _field(model, name)
    if field is not None:
        return field.related_model if field.is_relation else None
    return apps.get_model(key.refers_to) if key and key.refers_to else None


def _describe(entry, names) -> dict:
    model = _model_of(entry)
    changes = []
    collapsed = entry.action in COLLAPSED  # its object names it; its values repeat the object's
    for name in [] if collapsed else dict.fromkeys([*entry.before, *entry.after]):
        had_before = name in entry.before
        if had_before and entry.before.get(name) == entry.after.get(name):
            continue  # snapshots list fields that may not have changed; show those that did
        field = _field(model, name)
        key = KEYS.get(name)
        label = key.label if key and field is None else getattr(field, "verbose_name", name)
        changes.append(
            {
                "field": label,
                "had_before": had_before,
                "before": _show(model, field, name, entry.before.get(name), names),
                "after": _show(model, field, name, entry.after.get(name), names),
            }
        )
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": ACTIONS.get(entry.action, entry.action),
        "target": entry.target_repr,
        "changes": changes,
        "reason": entry.reason,
        "times": getattr(entry, "times", 1),
        "actors": "、".join(
            str(a) if a is not None else _("system") for a in getattr(entry, "actors", [])
        ),
    }


def _show(model, field, name, value, names) -> str:
    if value is None or value == "" or value == []:
        return "—"
    key = KEYS.get(name)
    if key is not None and key.counted:
        n = len(value) if isinstance(value, list) else 1
        return ngettext("%(n)d item", "%(n)d items", n) % {"n": n}
    target = _refers_to(model, name)
    if target is not None:
        found = names.get(target, {})
        values = value if isinstance(value, list) else [value]
        return "、".join(str(found.get(v, v)) for v in values)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None:
            return value
        return date_format(
            timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT"
        )
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return date_format(day) if day else value
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
