"""From cells to feedback values: one parser per field, each refusing a bad cell with a code.

Rules (docs/data-formats.md has the user's version):
- Values lose their leading and trailing whitespace (spaces, tabs, newlines, U+3000,
  U+00A0): that is cell padding. The text keeps a paragraph indent of full-width spaces at
  its start (see trim_text); inside it nothing changes: tabs, newlines (also \r\n) and
  full-width characters are kept as received.
- Identifiers, codes, dates and kinds are read after width folding (１２３ → 123).
- Dates: Excel dates and date serials, 2019-07-28, 2019/7/28, 2019.7.28, 2019年7月28日, 20190728,
  each optionally with a time (10:05, 10:05:30, 10时5分, 上午/下午); ISO 8601 with an offset.
  A date without a time means midnight; times are local (settings.TIME_ZONE).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from django.utils import timezone, translation

from rectify.core.spreadsheets.reader import as_string
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, FeedbackItem
from rectify.textsim.normalise import comparable, fold_width, to_simplified

SUBMITTER_MAX_LENGTH = FeedbackItem._meta.get_field("submitter_name").max_length
CONTACT_MAX_LENGTH = FeedbackItem._meta.get_field("submitter_contact").max_length
EXTERNAL_ID_MAX_LENGTH = FeedbackItem._meta.get_field("external_id").max_length
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (naive: the zone is added after)
EARLIEST_YEAR = 1950

VALUE_FIELDS = (
    "text",
    "title",
    "kind",
    "received_at",
    "region",
    "channel",
    "external_id",
    "submitter",
    "contact",
    "category",
    "org_unit",
)


class CellProblem(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


_LEADING_BLANK_LINES = re.compile(r"^\s*\n")


def trim_text(value: str) -> str:
    """The text without its cell padding: trailing whitespace, leading blank lines, and spaces
    or tabs before the first character. A paragraph indent of full-width spaces (U+3000) is
    the author's and stays; so does everything inside."""
    value = _LEADING_BLANK_LINES.sub("", value.rstrip(), count=1)
    return value.lstrip(" \t\u00a0")


def _clip(value: str, n: int = 60) -> str:
    return value if len(value) <= n else value[: n - 1] + "…"


def _limited(value: str, limit: int) -> str:
    if len(value) > limit:
        raise CellProblem("too_long", length=len(value), limit=limit)
    return value


# --- dates ---------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[\sT]*(上午|下午|am|pm)?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})"
    r"(?:\s*[:分]\s*(\d{1,2})(?:[.,](\d{1,6}))?\s*秒?|\s*分)?\s*(上午|下午|am|pm)?)?$",
    re.I,
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[\sT]?(\d{2})(\d{2})(\d{2})?)?$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")


def parse_datetime(cell, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """An aware datetime in the default time zone, None for an empty cell; CellProblem else."""
    tz = timezone.get_default_timezone()
    if isinstance(cell, dt.datetime):
        value = cell if timezone.is_aware(cell) else cell.replace(tzinfo=tz)
        shown = cell.isoformat(sep=" ")
    elif isinstance(cell, dt.date):
        value = dt.datetime(cell.year, cell.month, cell.day, tzinfo=tz)
        shown = cell.isoformat()
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        value, shown = _serial(float(cell), tz), as_string(cell)
    elif isinstance(cell, str):
        shown = cell.strip()
        if not shown:
            return None
        text = shown if shown.isascii() else fold_width(shown).strip()
        value = _parse_text_date(text, tz, shown)
    elif cell is None:
        return None
    else:  # a time without a date, a duration
        raise CellProblem("date_invalid", value=_clip(as_string(cell)))
    now = now or timezone.now()
    if value.year < EARLIEST_YEAR:
        raise CellProblem("date_too_old", value=_clip(shown))
    if value > now + dt.timedelta(days=1):
        raise CellProblem("date_future", value=_clip(shown))
    return value


def _serial(serial: float, tz) -> dt.datetime:
    if not 1 <= serial < 2958466:
        raise CellProblem("date_invalid", value=as_string(serial))
    value = EXCEL_EPOCH + dt.timedelta(days=serial)
    # Serials carry float noise: round to the second.
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0, tzinfo=tz)


def _parse_text_date(text: str, tz, shown: str) -> dt.datetime:
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":  # ISO 8601: the fast common case
        with contextlib.suppress(ValueError):
            value = dt.datetime.fromisoformat(text)
            return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    m = _DATE.match(text)
    try:
        if m:
            y, mo, d, ampm1, h, mi, s, frac, ampm2 = m.groups()
            hour = int(h or 0)
            ampm = (ampm1 or ampm2 or "").lower()
            if ampm in ("下午", "pm") and hour < 12:
                hour += 12
            elif ampm in ("上午", "am") and hour == 12:
                hour = 0
            micro = int((frac or "0").ljust(6, "0")[:6])
            return dt.datetime(
                int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0), micro, tzinfo=tz
            )
        m = _COMPACT.match(text)
        if m:
            y, mo, d, h, mi, s = m.groups()
            return dt.datetime(
                int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz
            )
    except ValueError:
        raise CellProblem("date_impossible", value=_clip(shown)) from None
    if _SERIAL.match(text) and 10000 <= float(text) < 2958466:
        return _serial(float(text), tz)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CellProblem("date_invalid", value=_clip(shown)) from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=tz)


# --- words: kinds, channels ----------------------------------------------------------------

KIND_WORDS = {
    FeedbackKind.PROBLEM: ("问题", "反映问题", "存在问题", "投诉", "problems", "issue", "p"),
    FeedbackKind.SUGGESTION: ("建议", "意见建议", "意见", "建言", "提议", "suggestions", "s"),
}
CHANNEL_WORDS = {
    Channel.SYMPOSIUM: ("座谈", "座谈会"),
    Channel.INTERVIEW: ("访谈", "个别访谈", "谈话"),
    Channel.WRITTEN: ("书面", "书面征求意见", "征求意见", "书面意见"),
    Channel.FIELD_VISIT: ("走访", "实地走访", "调研走访", "实地调研", "实地察看"),
    Channel.SURVEY: ("网上征集", "问卷", "问卷调查", "网络征集", "网上调查", "在线调查"),
    Channel.PUBLIC_PAGE: ("公开征集页面", "网上提交"),
    Channel.HOTLINE: ("热线", "电话", "热线电话", "12345"),
    Channel.LETTER: ("来信", "信访", "来信来访", "信件", "来访"),
    Channel.IMPORT: ("导入", "表格导入"),
    Channel.OTHER: ("其他", "其它"),
}


def _word_index(choices, extra: dict) -> dict[str, str]:
    """value, English label, Chinese label and extra words → choice value."""
    index: dict[str, str] = {}
    for value, label in choices.choices:
        words = [value, *extra.get(value, ())]
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                words.append(str(label))
        for w in words:
            index.setdefault(_key(w), value)
    return index


class Lookups:
    """What a campaign's cells are matched against; loaded once per import."""

    def __init__(self, campaign):
        self.campaign = campaign
        self.kinds = _word_index(FeedbackKind, KIND_WORDS)
        self.channels = _word_index(Channel, CHANNEL_WORDS)
        self._regions = None
        self._categories = None
        self._units = None
        self._cache: dict[tuple[str, str], object] = {}

    @property
    def regions(self) -> dict[str, list]:
        if self._regions is None:
            from rectify.orgs.models import Region

            self._regions = {}
            for r in Region.objects.only("pk", "code", "name", "short_name"):
                keys = {r.code, _key(r.name), _key(r.short_name), _key(_strip_suffix(r.name))}
                for k in keys:
                    if k:
                        self._regions.setdefault(k, []).append((r.pk, r.code, r.name))
        return self._regions

    @property
    def categories(self) -> dict[str, list]:
        if self._categories is None:
            from rectify.ledger.models import Category

            self._categories = {}
            for c in Category.objects.filter(campaign=self.campaign).only("pk", "name"):
                self._categories.setdefault(_key(c.name), []).append(c.pk)
        return self._categories

    @property
    def units(self) -> dict[str, list]:
        if self._units is None:
            from rectify.orgs.models import OrgUnit

            self._units = {}
            for u in OrgUnit.objects.subtree(self.campaign.org_unit).only(
                "pk", "name", "short_name", "code"
            ):
                for k in {_key(u.name), _key(u.short_name), _key(u.code or "")}:
                    if k:
                        self._units.setdefault(k, []).append(u.pk)
        return self._units

    def preload(self) -> None:
        """Load every table now (before a COPY, during which no other query may run)."""
        _ = self.regions, self.categories, self.units

    def cached(self, kind: str, raw: str, fn):
        key = (kind, raw)
        hit = self._cache.get(key)
        if hit is None:
            try:
                hit = ("ok", fn(raw))
            except CellProblem as problem:
                hit = ("problem", problem)
            self._cache[key] = hit
        if hit[0] == "problem":
            raise hit[1]
        return hit[1]


def _key(text: str) -> str:
    """A word as matched: comparable, in simplified characters (問題 is 问题), without spaces."""
    return comparable(to_simplified(text)).replace(" ", "")


_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def _strip_suffix(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


# --- the row parser ------------------------------------------------------------------------


class RowParser:
    """Cells of one row → a tuple of values in VALUE_FIELDS order, or the cells' problems.

    `positions` maps field names to cell positions in the row; `defaults` holds parsed values
    for fields no column gives (kind, channel, region).
    """

    def __init__(self, lookups: Lookups, positions: dict[str, int], defaults: dict, *, now=None):
        self.lookups = lookups
        self.now = now or timezone.now()
        self.defaults = {
            "kind": defaults.get("kind"),
            "channel": defaults.get("channel") or Channel.IMPORT,
            "region": defaults.get("region"),
        }
        self.steps = [(name, positions[name], getattr(self, f"_{name}")) for name in positions]

    def parse(self, cells: list) -> tuple[dict | None, list[tuple[str, str, dict, str]]]:
        values: dict = {}
        problems = []
        for name, pos, fn in self.steps:
            cell = cells[pos]
            try:
                values[name] = fn(cell)
            except CellProblem as p:
                problems.append((name, p.code, p.params, _clip(as_string(cell), 100)))
        if problems:
            return None, problems
        for name, value in self.defaults.items():
            if values.get(name) in (None, ""):
                values[name] = value
        if not values.get("kind"):
            problems.append(("kind", "required", {}, ""))
            return None, problems
        return values, []

    # One method per field: cell → value, or CellProblem.

    def _text(self, cell) -> str:
        value = trim_text(as_string(cell))
        if not value:
            raise CellProblem("required")
        return _limited(value, TEXT_MAX_LENGTH)

    def _title(self, cell) -> str:
        return _limited(as_string(cell).strip(), TITLE_MAX_LENGTH)

    def _submitter(self, cell) -> str:
        return _limited(as_string(cell).strip(), SUBMITTER_MAX_LENGTH)

    def _contact(self, cell) -> str:
        return _limited(as_string(cell).strip(), CONTACT_MAX_LENGTH)

    def _external_id(self, cell) -> str:
        value = as_string(cell).strip()
        if not value:
            return ""
        if not value.isascii():
            value = fold_width(value).strip()
        return _limited(value, EXTERNAL_ID_MAX_LENGTH)

    def _received_at(self, cell):
        return parse_datetime(cell, now=self.now)

    def _kind(self, cell) -> str | None:
        raw = as_string(cell).strip()
        if not raw:
            return None
        return self.lookups.cached("kind", raw, self._find_kind)

    def _find_kind(self, raw: str) -> str:
        found = self.lookups.kinds.get(_key(raw))
        if found is None:
            raise CellProblem("kind_unknown", value=_clip(raw))
        return found

    def _channel(self, cell) -> str | None:
        raw = as_string(cell).strip()
        if not raw:
            return None
        return self.lookups.cached("channel", raw, self._find_channel)

    def _find_channel(self, raw: str) -> str:
        found = self.lookups.channels.get(_key(raw))
        if found is None:
            choices = "、".join(str(label) for _v, label in Channel.choices)
            raise CellProblem("channel_unknown", value=_clip(raw), choices=choices)
        return found

    def _region(self, cell) -> int | None:
        raw = as_string(cell).strip()
        if not raw:
            return None
        return self.lookups.cached("region", raw, self._find_region)

    def _find_region(self, raw: str) -> int:
        key = _key(raw)
        if key.endswith(".0"):
            key = key[:-2]
        found = self.lookups.regions.get(key)
        if not found and len(key) == 6 and key.isdigit():
            found = self.lookups.regions.get(key[:2] + "0000")  # a lower level: its province
        if not found:
            raise CellProblem("region_unknown", value=_clip(raw))
        if len({pk for pk, _c, _n in found}) > 1:
            raise CellProblem("region_ambiguous", value=_clip(raw), names=[n for *_x, n in found])
        return found[0][0]

    def _category(self, cell) -> int | None:
        raw = as_string(cell).strip()
        if not raw:
            return None
        found = self.lookups.categories.get(_key(raw))
        if not found:
            raise CellProblem("category_unknown", value=_clip(raw))
        if len(found) > 1:
            raise CellProblem("category_ambiguous", value=_clip(raw))
        return found[0]

    def _org_unit(self, cell) -> int | None:
        raw = as_string(cell).strip()
        if not raw:
            return None
        found = self.lookups.units.get(_key(raw))
        if not found:
            raise CellProblem("unit_unknown", value=_clip(raw))
        if len(found) > 1:
            raise CellProblem("unit_ambiguous", value=_clip(raw))
        return found[0]
