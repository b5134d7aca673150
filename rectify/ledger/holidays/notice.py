"""Reading the State Council's holiday notice, and the one-day-a-line list the office corrects.

No Django here: plain text in, `Reading` out. What could not be read comes back as `Unread`
(line number, the line, a code and its parameters); `messages.py` words the codes.

The notice (国务院办公厅关于××年部分节假日安排的通知) lists one holiday per item::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

Each item's name (before the colon) names its days; dates before 放假 (or 补休, 休息) are days
off, dates before 上班 are make-up workdays. A range (至) is every day from its first to its
last; a day without a month takes the month before it ("1月1日至3日"); a range whose last
month is earlier than its first runs into the next year. Remarks in parentheses (农历, 周×,
星期×) are left out, full-width digits and punctuation read as their plain forms.

The list, one day a line (blank lines and lines starting with # are skipped)::

    2027-01-01 元旦 放假
    2027-02-14 春节 上班
    2027-02-20 上班
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

WEEKDAYS = "一二三四五六日"
OFF_WORDS = ("放假", "补休", "休息", "休假")
WORK_WORDS = ("上班",)
# In the list, the word that says what a day is.
LINE_OFF = {"放假", "休", "休息", "假", "off", "holiday"}
LINE_WORK = {"上班", "班", "调休上班", "work", "workday"}
NAME_MAX = 50  # CalendarDay.name
LONGEST_RANGE = 31  # days: a longer "range" is a misreading, not a holiday


@dataclass(frozen=True, order=True)
class Day:
    """One day the office declares: a day off (is_workday False) or a make-up workday."""

    date: dt.date
    is_workday: bool
    name: str = ""

    @property
    def weekday(self) -> str:
        """周一 … 周日, as the notice writes it."""
        return "周" + WEEKDAYS[self.date.weekday()]

    @property
    def line(self) -> str:
        """The day as a line of the list."""
        parts = [self.date.isoformat(), self.name, "上班" if self.is_workday else "放假"]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Unread:
    """A line that could not be read (line numbers count from 1; 0 = the text as a whole)."""

    line: int
    text: str
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class Reading:
    days: list[Day] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    notice_year: int | None = None  # the year the notice's title names
    reference: str = ""  # its document number, e.g. 国办发明电〔2025〕7号

    @property
    def ok(self) -> bool:
        return not self.unread


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation as their plain forms; spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def without_remarks(text: str) -> str:
    """The text without remarks in parentheses: (农历腊月二十八、周日), (星期六) …"""
    previous = None
    while previous != text:  # nested parentheses, innermost first
        previous = text
        text = re.sub(r"\([^()]*\)", "", text)
    return text


def lines_of(days: list[Day]) -> str:
    """The days as the list, one a line, in date order."""
    return "\n".join(d.line for d in sorted(days))


# --- the notice ------------------------------------------------------------------------------

TITLE = re.compile(r"关于\s*(\d{4})\s*年.{0,6}?节假日")
REFERENCE = re.compile(r"国办发[明电]*\s*[〔\[(]\s*\d{4}\s*[〕\])]\s*\d+\s*号")
# Where one item of the notice begins: 一、 … 十二、 at the start or after a full stop.
ITEM_START = re.compile(r"(?:^|(?<=[。;.\s]))(?=[一二三四五六七八九十]{1,3}、)")
ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|\d{1,2}[、.])?\s*(?P<name>[^:\d,。;]{1,20}?)\s*:\s*(?P<rest>.*)$"
)
TOKEN = re.compile(
    r"(?P<date>(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*日)"
    r"|(?P<to>至|到|~|—|–|-)"
    r"|(?P<off>" + "|".join(OFF_WORDS) + r")"
    r"|(?P<work>" + "|".join(WORK_WORDS) + r")"
)


@dataclass
class _Span:
    first: dt.date
    last: dt.date
    text: str
    dated: bool = False  # written with another year than the notice's: the notice's own date


def read_notice(text: str, year: int) -> Reading:
    """The days the notice declares for `year`, and the lines that could not be read."""
    reading = Reading()
    found: dict[dt.date, Day] = {}
    name = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = normalise(raw)
        if not line:
            continue
        if title := TITLE.search(line):
            reading.notice_year = int(title.group(1))
            if reading.notice_year != year:
                reading.unread.append(
                    Unread(number, raw.strip(), "other_notice", {"notice": title.group(1)})
                )
        if not reading.reference and (ref := REFERENCE.search(line)):
            reading.reference = re.sub(r"\s+", "", ref.group(0))
        for segment in ITEM_START.split(line):
            segment = segment.strip()
            if not segment:
                continue
            item = ITEM.match(without_remarks(segment))
            if item and _has_date(item.group("rest")):
                name = item.group("name").strip()
                names = (name, name)
                body = item.group("rest")
            else:
                # A line of its own without a name: its make-up workdays belong to the item
                # before it (the notice's paragraph broken in two); days off have no name.
                names = ("", name)
                body = without_remarks(segment)
            _read_segment(body, year, names, number, raw.strip(), found, reading)
    reading.days = sorted(found.values())
    return reading


def _has_date(text: str) -> bool:
    return any(m.group("date") for m in TOKEN.finditer(text))


def _read_segment(body, year, names, number, raw, found, reading) -> None:
    """Dates wait for the word after them (放假 or 上班) that says what they are. `names`: the
    name of the days off, and of the make-up workdays."""
    waiting: list[_Span] = []
    month: int | None = None
    start: tuple[dt.date, str] | None = None  # a range's first day, until its last is read
    tokens = list(TOKEN.finditer(body))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.group("date"):
            y, m, d = token.group("y"), token.group("m"), token.group("d")
            if m is None and month is None:
                reading.unread.append(Unread(number, raw, "no_month", {"date": token.group(0)}))
                return
            month_here = int(m) if m else month
            if start is None:
                the_year = int(y) if y else year
            else:
                first = start[0]
                the_year = int(y) if y else first.year + (month_here < first.month)
            try:
                day = dt.date(the_year, month_here, int(d))
            except ValueError:
                reading.unread.append(Unread(number, raw, "bad_date", {"date": token.group(0)}))
                return
            month = month_here
            is_range = i < len(tokens) and tokens[i].group("to") and start is None
            if is_range and i + 1 < len(tokens) and tokens[i + 1].group("date"):
                start = (day, token.group(0))
                i += 1  # the range word
                continue
            if start is not None:
                first, first_text = start
                start = None
                if day < first:
                    reading.unread.append(
                        Unread(
                            number, raw, "backwards", {"date": f"{first_text}至{token.group(0)}"}
                        )
                    )
                    return
                if (day - first).days >= LONGEST_RANGE:
                    reading.unread.append(
                        Unread(number, raw, "too_long", {"date": f"{first_text}至{token.group(0)}"})
                    )
                    return
                waiting.append(_Span(first, day, f"{first_text}至{token.group(0)}"))
            else:
                waiting.append(_Span(day, day, token.group(0), bool(y) and day.year != year))
        elif token.group("off") or token.group("work"):
            is_workday = bool(token.group("work"))
            name = names[is_workday]
            for span in waiting:
                if not _declare(span, is_workday, name, year, number, raw, found, reading):
                    return
            waiting = []
    # Left without a word: an error, unless they are the notice's date (国务院办公厅
    # 2025年11月4日), written with the year before the one it is about.
    if waiting and not all(s.dated for s in waiting):
        dates = "、".join(s.text for s in waiting)
        reading.unread.append(Unread(number, raw, "no_kind", {"date": dates}))


def _declare(span, is_workday, name, year, number, raw, found, reading) -> bool:
    day = span.first
    if span.first.year != year or span.last.year != year:
        reading.unread.append(Unread(number, raw, "other_year", {"date": span.text, "year": year}))
        return False
    while day <= span.last:
        earlier = found.get(day)
        if earlier is not None and earlier.is_workday != is_workday:
            reading.unread.append(Unread(number, raw, "both", {"date": day.isoformat()}))
            return False
        if earlier is None:
            found[day] = Day(day, is_workday, name[:NAME_MAX])
        day += dt.timedelta(days=1)
    return True


# --- the list, one day a line ----------------------------------------------------------------

LINE_DATE = re.compile(
    r"^(?:(?P<y1>\d{4})\s*[-/.]\s*(?P<m1>\d{1,2})\s*[-/.]\s*(?P<d1>\d{1,2})"
    r"|(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日)(?=\s|$)"
)
WEEKDAY_WORD = re.compile(r"^(?:周|星期|礼拜)[一二三四五六日天]$")


def read_lines(text: str, year: int) -> Reading:
    """The list the office corrects, one day a line: date, name (may be left out), 放假 or
    上班. Every line must be readable and in `year`; each date may appear once."""
    reading = Reading()
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = normalise(without_remarks(normalise(raw)))
        if not line or line.startswith("#"):
            continue
        shown = raw.strip()
        match = LINE_DATE.match(line)
        if match is None:
            reading.unread.append(Unread(number, shown, "no_date"))
            continue
        y, m, d = (match.group(k + "1") or match.group(k + "2") for k in ("y", "m", "d"))
        try:
            date = dt.date(int(y), int(m), int(d))
        except ValueError:
            reading.unread.append(Unread(number, shown, "bad_date", {"date": match.group(0)}))
            continue
        words = [w for w in line[match.end() :].split() if not WEEKDAY_WORD.match(w)]
        kinds = [w for w in words if w.lower() in LINE_OFF | LINE_WORK]
        if len(kinds) != 1:
            reading.unread.append(Unread(number, shown, "no_kind_line"))
            continue
        is_workday = kinds[0].lower() in LINE_WORK
        words.remove(kinds[0])
        name = " ".join(words)
        if date.year != year:
            reading.unread.append(
                Unread(number, shown, "other_year", {"date": date.isoformat(), "year": year})
            )
        elif len(name) > NAME_MAX:
            reading.unread.append(Unread(number, shown, "name_too_long", {"max": NAME_MAX}))
        elif date in seen:
            reading.unread.append(
                Unread(number, shown, "twice", {"date": date.isoformat(), "first": seen[date]})
            )
        else:
            seen[date] = number
            reading.days.append(Day(date, is_workday, name))
    reading.days.sort()
    return reading
