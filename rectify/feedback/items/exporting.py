"""Exporting feedback items to .xlsx and .csv in the standard layout (标准格式), which the
importer reads back as it is: export → import gives the same texts, kinds, regions, received
times (to the second), channels and external ids.

The column headers and the words for kinds and channels are part of the file format, not of
the interface: they are fixed Chinese words (docs/data-formats.md), so a file exported by an
English-speaking user imports anywhere.

- xlsx: XlsxWriter in constant-memory mode (rows stream to disk), every text cell written as a
  string (a text beginning with “=” stays text), received times as Excel dates.
- csv: UTF-8 with a BOM so Excel opens it as UTF-8; a cell beginning with = + - or @ gets one
  leading apostrophe so a spreadsheet does not run it as a formula (the importer removes it).

Who submitted an item (name and contact) is in the file only for a reader who may see it
(scoping.can_see_submitter: the office); export() asks, so no caller can forget to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from rectify.core.spreadsheets.writing import csv_safe
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.feedback.scoping import can_see_submitter

KIND_WORDS = {FeedbackKind.PROBLEM: "问题", FeedbackKind.SUGGESTION: "建议"}
CHANNEL_WORDS = {
    Channel.SYMPOSIUM: "座谈会",
    Channel.INTERVIEW: "访谈",
    Channel.WRITTEN: "书面征求意见",
    Channel.FIELD_VISIT: "实地走访",
    Channel.SURVEY: "网上征集",
    Channel.PUBLIC_PAGE: "公开征集页面",
    Channel.HOTLINE: "热线",
    Channel.LETTER: "来信来访",
    Channel.IMPORT: "表格导入",
    Channel.OTHER: "其他",
}

# (field, header, width in Excel characters; a Chinese character counts as two)
COLUMNS = (
    ("external_id", "编号", 16),
    ("kind", "类型", 6),
    ("title", "标题", 30),
    ("text", "内容", 80),
    ("region", "地区", 14),
    ("channel", "渠道", 12),
    ("received_at", "接收时间", 20),
    ("submitter", "提交人", 12),
    ("contact", "联系方式", 18),
    ("category", "类别", 16),
    ("org_unit", "涉及单位", 24),
)
SUBMITTER_FIELDS = ("submitter", "contact")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def filter_feedback(
    items: QuerySet[FeedbackItem],
    *,
    kind: str | None = None,
    channel: str | None = None,
    region=None,
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
) -> QuerySet[FeedbackItem]:
    """Narrow an already scoped queryset (orgs.scoping.scope_feedback). `region` is a Region
    or its code; the dates are inclusive days in the office's time zone."""
    tz = timezone.get_default_timezone()
    if kind:
        items = items.filter(kind=kind)
    if channel:
        items = items.filter(channel=channel)
    if region:
        items = items.filter(
            **({"region__code": region} if isinstance(region, str) else {"region": region})
        )
    if received_from:
        start = dt.datetime.combine(received_from, dt.time.min, tzinfo=tz)
        items = items.filter(received_at__gte=start)
    if received_to:
        end = dt.datetime.combine(received_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        items = items.filter(received_at__lt=end)
    return items


Column = tuple[str, str, int]


def columns_for(reader, campaign, *, contact: bool = True) -> list[Column]:
    """The columns `reader` may have: the submitter's name and contact only where
    can_see_submitter allows, the contact only when also asked for (`contact`)."""
    if not can_see_submitter(reader, campaign):
        return [c for c in COLUMNS if c[0] not in SUBMITTER_FIELDS]
    return [c for c in COLUMNS if contact or c[0] != "contact"]


def rows(items: QuerySet[FeedbackItem], cols: list[Column]) -> Iterable[list]:
    """One list of values per item, in the order of `cols`, streamed in chunks."""
    tz = timezone.get_default_timezone()
    wanted = [c[0] for c in cols]
    qs = items.select_related("region", "category", "org_unit").order_by("received_at", "pk")
    for item in qs.iterator(chunk_size=2000):
        values = {
            "external_id": item.external_id,
            "kind": KIND_WORDS.get(item.kind, item.kind),
            "title": item.title,
            "text": item.text,
            "region": item.region.name if item.region_id else "",
            "channel": CHANNEL_WORDS.get(item.channel, item.channel),
            "received_at": item.received_at.astimezone(tz).replace(tzinfo=None, microsecond=0),
            "submitter": item.submitter_name,
            "contact": item.submitter_contact,
            "category": item.category.name if item.category_id else "",
            "org_unit": item.org_unit.name if item.org_unit_id else "",
        }
        yield [values[name] for name in wanted]


def write_xlsx(items: QuerySet[FeedbackItem], file, cols: list[Column]) -> int:
    """Write the items' `cols` to `file` (a path or a binary file object); returns how many."""
    import xlsxwriter

    target = str(file) if isinstance(file, Path) else file
    book = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    n = 0
    try:
        sheet = book.add_worksheet("反馈")
        head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        top = book.add_format({"valign": "top"})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"})
        for i, (name, _header, width) in enumerate(cols):
            fmt = when if name == "received_at" else (wrap if name in ("text", "title") else top)
            sheet.set_column(i, i, width, fmt)
        sheet.write_row(0, 0, [header for _n, header, _w in cols], head)
        sheet.freeze_panes(1, 0)
        date_col = [name for name, _h, _w in cols].index("received_at")
        for r, values in enumerate(rows(items, cols), start=1):
            for c, value in enumerate(values):
                if c == date_col:
                    sheet.write_datetime(r, c, value, when)
                elif value != "":
                    sheet.write_string(r, c, value)
            n = r
    finally:
        book.close()
    return n


def write_csv(items: QuerySet[FeedbackItem], file, cols: list[Column]) -> int:
    """Write the items' `cols` as UTF-8 (with BOM) CSV to `file` (a path or a binary file
    object); returns how many."""
    if isinstance(file, str | Path):
        with open(file, "wb") as f:
            return write_csv(items, f, cols)
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
    n = 0
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([header for _n, header, _w in cols])
        for values in rows(items, cols):
            writer.writerow(
                [
                    v.strftime(DATETIME_FORMAT) if isinstance(v, dt.datetime) else csv_safe(v)
                    for v in values
                ]
            )
            n += 1
    finally:
        text.flush()
        text.detach()
    return n


def export(
    items: QuerySet[FeedbackItem],
    file,
    *,
    reader,
    campaign,
    format: str = "xlsx",  # noqa: A002
    contact: bool = True,
) -> int:
    """The items (of `campaign`, already scoped for `reader`) as `format` ("xlsx" or "csv"),
    with the columns `reader` may have (columns_for); returns how many."""
    cols = columns_for(reader, campaign, contact=contact)
    if format == "csv":
        return write_csv(items, file, cols)
    if format == "xlsx":
        return write_xlsx(items, file, cols)
    raise ValueError(f"unknown export format {format!r}")
