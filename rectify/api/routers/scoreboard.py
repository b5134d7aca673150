"""The supervisor's scoreboard and a responsible unit's summary: the figures of
rectify/supervision/scoreboard.py, scoped by rectify/supervision/scoping.py, as on the pages."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Slug
from rectify.api.routers.campaigns import UnitRef
from rectify.campaigns.scoping import get_campaign_for_user
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures
from rectify.supervision import scoreboard
from rectify.supervision.scoping import get_scoreboard_paths, get_unit_for_user

router = Router(tags=["supervision"])

SortKey = Literal[
    "rank",
    *scoreboard.COLUMNS,
    *(f"-{key}" for key in scoreboard.COLUMNS),
]


class UnitRecordOut(Schema):
    """One responsible unit's figures (see the scoreboard page's notes for each definition)."""

    unit: UnitRef
    rank: int | None = Field(
        description="place in the default ranking; null: sample too small, or a unit's summary"
    )
    enough: bool = Field(description="false: fewer measures closed or due than min_count")
    total: int
    open: int
    green: int
    due_soon: int
    overdue: int
    closed: int
    on_time: int = Field(description="closed on or before the deadline in force")
    late: int
    judged: int = Field(description="measures closed or due: on time + late + overdue now")
    on_time_rate: float | None = Field(description="on_time / judged, 0–1; null when none")
    avg_late_days: float | None = Field(description="average days late of late closures")
    avg_overdue_days: float | None = Field(description="average days past the deadline now")
    deadline_moves: int
    returned: int = Field(description="closure requests returned (退回)")

    @staticmethod
    def resolve_unit(obj) -> dict:
        return {"id": obj.unit_id, "name": obj.unit_name}


class ScoreboardOut(Schema):
    as_of: dt.date
    min_count: int
    sort: str
    rows: list[UnitRecordOut]


class ScoreboardQuery(Schema):
    sort: SortKey = Field(
        "rank", description="a column, '-' first for descending; default: the ranking"
    )


class UnitMeasureOut(Schema):
    id: int
    problem_number: int
    content: str
    state: str
    deadline: dt.date | None
    closed_on: dt.date | None
    light: Literal["green", "yellow", "red", ""]


class UnitSummaryOut(Schema):
    as_of: dt.date
    min_count: int
    record: UnitRecordOut
    measures: list[UnitMeasureOut] = Field(description="red first, then yellow, green, closed")


@router.get(
    "/campaigns/{slug}/scoreboard",
    response={200: ScoreboardOut, **ERRORS},
    summary="The scoreboard of responsible units (campaign-wide readers, within their units)",
)
def get_scoreboard(request, slug: Slug, query: Query[ScoreboardQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    paths = get_scoreboard_paths(request.user, campaign)
    on = derived.today()
    column, descending = scoreboard.parse_sort(query.sort)
    records = scoreboard.unit_records(campaign, paths=paths, on=on)
    return {
        "as_of": on,
        "min_count": scoreboard.min_count(),
        "sort": f"{'-' if descending else ''}{column}",
        "rows": scoreboard.sort_records(records, column, descending),
    }


@router.get(
    "/campaigns/{slug}/units/{unit_id}/summary",
    response={200: UnitSummaryOut, **ERRORS},
    summary="A responsible unit's record and measures (readers; a liaison for their own unit)",
)
def get_unit_summary(request, slug: Slug, unit_id: Id):
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    unit = get_unit_for_user(user, campaign, unit_id)
    on = derived.today()
    groups = scoreboard.measures_by_light(
        scope_measures(user, campaign).filter(responsible_unit=unit), campaign, on
    )
    measures = [
        {
            "id": m.pk,
            "problem_number": m.problem.number,
            "content": m.content,
            "state": m.state,
            "deadline": m.deadline,
            "closed_on": m.closed_on,
            "light": light,
        }
        for light, group in groups
        for m in group
    ]
    return {
        "as_of": on,
        "min_count": scoreboard.min_count(),
        "record": scoreboard.unit_record(campaign, unit, on=on),
        "measures": measures,
    }
