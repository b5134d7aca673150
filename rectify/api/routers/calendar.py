"""The official holiday calendar: a year's holidays and make-up workdays.

GET /calendar/{year}   every signed-in user: the office's declared days, and where the
                       year's days come from (the office, the chinese-calendar package, or
                       nothing: Monday–Friday)
PUT /calendar/{year}   staff and campaign offices: the year's whole list of days, replacing
                       what the office declared before (the page's service,
                       ledger/holidays/services.py)
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Body, Field, Router, Schema
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Line
from rectify.ledger.holidays import services, years
from rectify.ledger.holidays.notice import NAME_MAX, Day
from rectify.ledger.holidays.scoping import may_edit_calendar

router = Router(tags=["calendar"])

Year = Annotated[int, Field(ge=years.MIN_YEAR, le=years.MAX_YEAR)]


class DayIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    is_workday: bool = Field(description="true: a make-up workday (调休上班); false: a day off")
    name: Line(NAME_MAX) = Field("", description="the holiday, e.g. 春节")


class DayOut(Schema):
    date: dt.date
    is_workday: bool
    name: str
    weekday: str = Field(description="周一 … 周日")


class CalendarOut(Schema):
    year: int
    source: Literal["office", "package", "weekdays"] = Field(
        description="where the year's working days come from: the office's days, the "
        "chinese-calendar package, or neither (Monday–Friday only)"
    )
    package_covers: bool = Field(description="the chinese-calendar package knows this year")
    days: list[DayOut] = Field(description="the days the office declared (what PUT replaces)")


def _answer(year: int) -> dict:
    shown = years.year_of(year)
    office = shown.days if shown.source == years.OFFICE else []
    return {
        "year": year,
        "source": shown.source,
        "package_covers": shown.package_covers,
        "days": [
            {"date": d.date, "is_workday": d.is_workday, "name": d.name, "weekday": d.weekday}
            for d in office
        ],
    }


@router.get(
    "/calendar/{year}",
    response={200: CalendarOut, **ERRORS},
    summary="A year's holidays and make-up workdays",
)
def get_calendar(request, year: Year):
    return _answer(year)


@router.put(
    "/calendar/{year}",
    response={200: CalendarOut, **ERRORS},
    summary="Replace a year's holidays and make-up workdays (staff, campaign offices)",
)
def put_calendar(request, year: Year, days: Body[Annotated[list[DayIn], Field(max_length=366)]]):
    if not may_edit_calendar(request.user):
        raise PermissionDenied
    given = [Day(d.date, d.is_workday, d.name) for d in days]
    try:
        services.replace_year(year, given, actor=request.user)
    except services.CalendarInvalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(f"{e.index}.{e.field}", []).append(e.message)
        raise DjangoValidationError(errors) from None
    return _answer(year)
