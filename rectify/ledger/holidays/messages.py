"""What could not be read, in the reader's language: one message per code of notice.py."""

from django.utils.translation import gettext_lazy as _

from rectify.ledger.holidays.notice import Unread

MESSAGES = {
    "other_notice": _(
        "This is the notice for %(notice)s, not for %(year)s: choose that year, or paste the "
        "notice for %(year)s."
    ),
    "no_month": _("“%(date)s” has no month, and no date with a month comes before it."),
    "bad_date": _("“%(date)s” is not a date."),
    "backwards": _("“%(date)s” ends before it begins."),
    "too_long": _("“%(date)s” is longer than a month: not a holiday as a notice writes one."),
    "no_kind": _("It is not said whether %(date)s is a day off (放假) or a working day (上班)."),
    "other_year": _("%(date)s lies outside %(year)s: enter it with that year's calendar."),
    "both": _("%(date)s is both a day off and a working day."),
    "no_date": _("The line does not begin with a date such as 2027-01-01."),
    "no_kind_line": _("The line must say 放假 (day off) or 上班 (working day), once."),
    "name_too_long": _("The name is longer than %(max)s characters."),
    "twice": _("%(date)s is listed twice (first on line %(first)s)."),
}


def message(unread: Unread, year: int) -> str:
    """The reason a line was not read, in the active language."""
    params = {"year": year, **unread.params}
    return str(MESSAGES.get(unread.code, _("This line could not be read."))) % {
        k: str(v) for k, v in params.items()
    }
