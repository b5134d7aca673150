"""催办 as the measure page shows it: how many times a measure was urged, when last, by whom.

The one place this is derived: a manual urge is a supervision action of kind REMINDER naming
the measure (supervision.services.urge, or one recorded through the supervision-action API).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max

from rectify.supervision.choices import SupervisionKind
from rectify.supervision.models import SupervisionAction


@dataclass(frozen=True)
class Urged:
    count: int = 0
    last_at: dt.datetime | None = None


def urges(measures) -> dict[int, Urged]:
    """For each measure id (or measure), how often and when last it was urged (one query)."""
    ids = [getattr(m, "pk", m) for m in measures]
    rows = (
        SupervisionAction.objects.filter(measure_id__in=ids, kind=SupervisionKind.REMINDER)
        .values("measure_id")
        .annotate(n=Count("id"), last=Max("happened_at"))
        .order_by()
    )
    found = {r["measure_id"]: Urged(r["n"], r["last"]) for r in rows}
    return {i: found.get(i, Urged()) for i in ids}


def urged(measure) -> Urged:
    return urges([measure])[measure.pk]


def last_urges(measure, limit: int = 5) -> list[SupervisionAction]:
    """The measure's latest urges with who urged and the message, newest first."""
    return list(
        SupervisionAction.objects.filter(measure=measure, kind=SupervisionKind.REMINDER)
        .select_related("actor")
        .order_by("-happened_at", "-id")[:limit]
    )
