"""The supervisor's scoreboard (督办排名): figures from supervision/scoreboard.py, rows scoped
by supervision/scoping.py, sorted on the server by the column a header link names."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.scoping import get_campaign_for_user, is_unit_limited
from rectify.ledger import derived
from rectify.supervision import scoreboard
from rectify.supervision.scoping import get_scoreboard_paths

HEADERS = [
    ("unit", _("Responsible unit")),
    ("open", _("Open")),
    ("due_soon", _("Due soon")),
    ("overdue", _("Overdue")),
    ("closed", _("Closed")),
    ("on_time_rate", _("On-time closure rate")),
    ("avg_late_days", _("Average delay of late closures (days)")),
    ("avg_overdue_days", _("Average days overdue")),
    ("deadline_moves", _("Deadlines moved")),
    ("returned", _("Closure requests returned")),
]


@dataclass
class Header:
    key: str
    label: str
    query: str  # the sort parameter its link sets
    active: bool
    descending: bool


def headers(column: str, descending: bool) -> list[Header]:
    """Each column's link: its natural direction first (names A→Z, figures highest first), the
    other direction when it is the column sorted now."""
    out = []
    for key, label in HEADERS:
        first_descending = scoreboard.COLUMNS[key][1]
        active = key == column
        down = (not descending) if active else first_descending
        out.append(Header(key, label, f"-{key}" if down else key, active, descending))
    return out


@login_required
def scoreboard_page(request, slug):
    campaign = get_campaign_for_user(request.user, slug)
    paths = get_scoreboard_paths(request.user, campaign)
    on = derived.today()
    column, descending = scoreboard.parse_sort(request.GET.get("sort"))
    records = scoreboard.unit_records(campaign, paths=paths, on=on)
    rows = scoreboard.sort_records(records, column, descending)
    return render(
        request,
        "supervision/scoreboard.html",
        {
            "campaign": campaign,
            "rows": rows,
            "headers": headers(column, descending),
            "sorted_by_rank": column == scoreboard.DEFAULT_SORT,
            "min_count": scoreboard.min_count(),
            "today": on,
            "unit_limited": is_unit_limited(request.user, campaign),
        },
    )
