"""Writing the ledger as .xlsx: three sheets, streamed, in constant memory.

- 整改台账 (layout.LEDGER_SHEET): a title row (“<campaign>整改台账（截至2026年12月7日）”), a
  填报单位 / 填报日期 row, the header (layout.LEDGER_COLUMNS), one row per measure. The columns
  a unit or the office may change by re-import have a light yellow header (the legend says so),
  the others grey; 系统编号 (the key) is the last column, grey, visible, marked 请勿修改 and left
  out of the print area. Drop-downs on 完成情况 (layout.STATUS_WORDS) and a 0–100 check on
  完成进度(%). Printed on A3 landscape, one page wide, rows 1–3 on every page, “第 n 页 共 m 页”.
- 问题清单: the problems (the problem list's filter result, or the problems of the measures).
- 整改进展记录: every progress report of the measures, oldest first per measure.

XlsxWriter's constant-memory mode writes each sheet's rows to its own temporary file as they
come, so each sheet is written row by row in order from a queryset streamed with .iterator(); no
list of rows is kept (at most one chunk of 2,000 measures' tuples). Every text cell goes
through write_string (a text beginning with = + - @ stays text; strings_to_formulas is off
too). The file needs seeking when XlsxWriter closes it, so callers write to a path or a
temporary file and stream that.

`selection()` picks what a user's export holds, by the problem list's filter (filtering.py) over
their scoped problems and measures (scoping.py), so the page, the API and the command agree.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, QuerySet

from rectify.ledger import derived, services
from rectify.ledger.choices import ProblemState
from rectify.ledger.filtering import ProblemFilter
from rectify.ledger.models import Problem, ProgressReport
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.ledger.sheets.layout import (
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    NOTE,
    NOTE_HELP,
    PROBLEM_SHEET,
    REPORT_SHEET,
    SOURCE_WORDS,
    STATUS_WORDS,
    measure_rows,
)
from rectify.orgs.access import READ_ALL_ROLES, access
from rectify.orgs.choices import Role
from rectify.orgs.models import OrgUnit

# A problem's state in the file: fixed Chinese, as the zh-Hans pages show it.
PROBLEM_STATE_WORDS = {
    ProblemState.NO_MEASURE: "未制定措施",
    ProblemState.IN_PROGRESS: "整改中",
    ProblemState.RECTIFIED: "已整改到位",
    ProblemState.PHASE_DONE: "基本完成（取得阶段性成效）",
    ProblemState.NOT_FEASIBLE: "暂不具备整改条件",
    ProblemState.RELAPSED: "问题反弹",
}

# (header, width) of the other two sheets
PROBLEM_COLUMNS = (
    ("问题编号", 8),
    ("问题来源", 12),
    ("问题标题", 30),
    ("问题描述", 50),
    ("问题类别", 16),
    ("牵头单位", 18),
    ("问题状态", 16),
    ("措施数", 8),
)
REPORT_COLUMNS = (
    ("台账序号", 8),
    ("问题编号", 8),
    ("报告日期", 12),
    ("整改进展", 60),
    ("完成进度(%)", 9),
    ("报告人", 12),
    ("措施编号", 12),
)

HEADER_ROW = 2  # 0-based: the title, the 填报单位 row, then the header
EDITABLE_FILL = "#FFF2CC"  # light yellow: a unit or the office may fill it
READ_ONLY_FILL = "#D9D9D9"
KEY_FILL = "#EDEDED"
LEGEND = (
    "说明：浅黄色表头的列可填写修改后导入；灰色表头的列仅供查阅；“系统编号”列请勿修改、请勿删除。"
)
A3 = 8
LINE_HEIGHT = 14  # points per line of 10-point text
MAX_LINES = 20


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ledger_title(campaign, on: dt.date) -> str:
    name = campaign.name if campaign is not None else ""
    return f"{name}整改台账（截至{chinese_date(on)}）"


def file_name(campaign, on: dt.date) -> str:
    """“<campaign>整改台账_20261207.xlsx”."""
    name = campaign.name if campaign is not None else ""
    return f"{name}整改台账_{on:%Y%m%d}.xlsx"


# --- what an export holds ----------------------------------------------------------------------


@dataclass
class Selection:
    """The measures (and problems) of one user's export, and the name of who fills it in."""

    campaign: object
    measures: QuerySet
    problems: QuerySet | None
    unit_name: str
    form: object = None  # the bound filter form (its errors), when filtered
    unit: OrgUnit | None = None  # the unit asked for (the command's --unit)

    @property
    def valid(self) -> bool:
        return self.form is None or not self.form.is_bound or self.form.is_valid()


def selection(user, campaign, data=None, *, unit: OrgUnit | None = None) -> Selection:
    """What `user` exports of `campaign`: the measures they may see (scoping.scope_measures: a
    liaison's subtree) of the problems the problem list shows for the filter `data` (a query
    dict, as the page's). Filters on measures (responsible unit, measure state, due status)
    also narrow the rows, so a unit's filtered ledger holds that unit's measures. `unit` (the
    command's --unit) keeps the measures of that unit's subtree."""
    measures = scope_measures(user, campaign)
    if unit is not None:
        measures = measures.filter(responsible_unit__path__startswith=unit.path)
    if not data:
        return Selection(campaign, measures, None, filler_name(user, campaign, unit), None, unit)
    pf = ProblemFilter(
        data, campaign=campaign, problems=scope_problems(user, campaign), measures=measures
    )
    pf.form.is_valid()  # an invalid field is ignored, as on the page; the valid ones apply
    cleaned = getattr(pf.form, "cleaned_data", {})
    measures = measures.filter(problem__in=pf.qs.values("pk"))
    named = unit
    if cleaned.get("measure_state"):
        measures = measures.filter(state=cleaned["measure_state"])
    if cleaned.get("unit"):
        measures = measures.filter(responsible_unit__path__startswith=cleaned["unit"].path)
        named = named or cleaned["unit"]
    if cleaned.get("due"):
        due = derived.annotate_due_status(measures, campaign, pf.on)
        measures = measures.filter(pk__in=due.filter(due_status=cleaned["due"]).values("pk"))
    name = filler_name(user, campaign, named)
    # The list's problems without its counts (per-problem subqueries, costly over a whole
    # campaign): 问题清单 counts the measures in the file itself.
    problems = Problem.objects.filter(pk__in=pf.qs.values("pk"))
    return Selection(campaign, measures, problems, name, pf.form, unit)


def export(user, campaign, file, data=None, *, unit=None, on: dt.date | None = None) -> int:
    """Write what `user` exports of `campaign` (selection) to `file` and record the export in
    the activity log; returns how many measure rows."""
    return export_selection(user, selection(user, campaign, data, unit=unit), file, on=on)


def export_selection(user, sel: Selection, file, *, on: dt.date | None = None) -> int:
    """Write a selection to `file` and record the export (services.record_ledger_export: who
    took which rows out, with which filters)."""
    n = write_ledger(
        sel.measures,
        file,
        problems=sel.problems,
        campaign=sel.campaign,
        unit_name=sel.unit_name,
        on=on,
    )
    filters = {}
    if sel.form is not None:
        filters = {k: str(v) for k, v in sel.form.data.items() if v and k in sel.form.fields}
    if sel.unit is not None:
        filters["unit_code"] = sel.unit.code or ""
    services.record_ledger_export(
        sel.campaign, actor=user, rows=n, filters=filters, unit_name=sel.unit_name
    )
    return n


def temporary_file(user, sel: Selection, *, on: dt.date):
    """The selection written (and its export recorded) to an anonymous temporary file, rewound:
    XlsxWriter seeks when it closes the file, so it cannot write to a response; the caller
    streams the file and closing it removes it (the OS unlinked it at once)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the caller's response closes it)
    export_selection(user, sel, out, on=on)
    out.seek(0)
    return out


def filler_name(user, campaign, unit: OrgUnit | None = None) -> str:
    """填报单位: the unit asked for, else the units a unit-limited reader stands for, else the
    campaign's own unit."""
    if unit is not None:
        return unit.name
    paths = access(user, campaign).paths(*READ_ALL_ROLES, Role.LIAISON)
    if paths:
        names = (
            OrgUnit.objects.filter(path__in=paths).order_by("path").values_list("name", flat=True)
        )
        return "、".join(names)
    org = getattr(campaign, "org_unit", None)
    return org.name if org is not None else ""


# --- the writer --------------------------------------------------------------------------------


def write_ledger(
    measures,
    file,
    *,
    problems: QuerySet | None = None,
    campaign=None,
    unit_name: str | None = None,
    on: dt.date | None = None,
    chunk_size: int = 2000,
) -> int:
    """Write the measures' ledger (three sheets) to `file` (a path or a seekable binary file
    object); returns how many measure rows. `problems` for 问题清单 (default: the problems of
    the measures); `campaign` for the title (default: the first measure's); `unit_name` for
    填报单位 (default: the campaign's unit); `on` the 截至 / 填报 date (default: today)."""
    import xlsxwriter

    on = on or derived.today()
    if campaign is None:
        first = measures.select_related("campaign__org_unit").order_by("pk").first()
        campaign = first.campaign if first is not None else None
    if unit_name is None:
        org = getattr(campaign, "org_unit", None)
        unit_name = org.name if org is not None else ""
    target = str(file) if isinstance(file, Path) else file
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        book.set_properties({"title": ledger_title(campaign, on), "company": unit_name})
        fmt = _Formats(book)
        n = _ledger_sheet(book, fmt, measures, campaign, unit_name, on, chunk_size)
        _problem_sheet(book, fmt, measures, problems, chunk_size)
        _report_sheet(book, fmt, measures, chunk_size)
    finally:
        book.close()
    return n


class _Formats:
    def __init__(self, book):
        # Data cells carry no border: the sheets print their gridlines (hide_gridlines(0)), so
        # an empty cell needs no writing at all (a third of a ledger's cells).
        base = {"text_wrap": True, "valign": "top", "font_size": 10}
        head = {"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center"}
        self.title = book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.sub_left = book.add_format({"font_size": 11, "valign": "vcenter"})
        self.sub_right = book.add_format({"font_size": 11, "valign": "vcenter", "align": "right"})
        self.legend = book.add_format(
            {"font_size": 9, "valign": "vcenter", "italic": True, "font_color": "#595959"}
        )
        self.legend_fill = book.add_format(
            {"font_size": 9, "valign": "vcenter", "bg_color": EDITABLE_FILL, "border": 1}
        )
        self.head = book.add_format({**head, "border": 1, "bg_color": READ_ONLY_FILL})
        self.head_edit = book.add_format({**head, "border": 1, "bg_color": EDITABLE_FILL})
        self.head_key = book.add_format(
            {**head, "border": 1, "bg_color": KEY_FILL, "font_color": "#C00000"}
        )
        self.text = book.add_format(base)
        self.center = book.add_format({**base, "align": "center"})
        self.number = book.add_format({**base, "num_format": "0", "align": "center"})
        self.date = book.add_format({**base, "num_format": "yyyy-mm-dd", "align": "center"})
        self.key = book.add_format(
            {**base, "bg_color": KEY_FILL, "font_color": "#808080", "font_size": 8}
        )


def _ledger_sheet(book, fmt, measures, campaign, unit_name, on, chunk_size) -> int:
    sheet = book.add_worksheet(LEDGER_SHEET)
    last = len(LEDGER_COLUMNS) - 1
    for c, col in enumerate(LEDGER_COLUMNS):
        sheet.set_column(c, c, col.width)
    # rows 1–2: the title, then 填报单位 · the legend · 填报日期
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, "", fmt.title)
    sheet.write_string(0, 0, ledger_title(campaign, on), fmt.title)
    sheet.set_row(1, 22)
    sheet.merge_range(1, 0, 1, 4, "", fmt.sub_left)
    sheet.write_string(1, 0, f"填报单位：{unit_name}", fmt.sub_left)
    sheet.write_string(1, 5, "可填写", fmt.legend_fill)
    sheet.merge_range(1, 6, 1, last - 4, "", fmt.legend)
    sheet.write_string(1, 6, LEGEND, fmt.legend)
    sheet.merge_range(1, last - 3, 1, last, "", fmt.sub_right)
    sheet.write_string(1, last - 3, f"填报日期：{chinese_date(on)}", fmt.sub_right)
    # row 3: the header
    sheet.set_row(HEADER_ROW, 36)
    for c, col in enumerate(LEDGER_COLUMNS):
        head = fmt.head_key if col.key == "key" else fmt.head_edit if col.editable else fmt.head
        sheet.write_string(HEADER_ROW, c, col.header, head)
        if col.editable == NOTE:
            sheet.write_comment(HEADER_ROW, c, NOTE_HELP, {"x_scale": 2})
        elif col.key == "key":
            sheet.write_comment(
                HEADER_ROW, c, "导入时据此找到每一行，请勿修改、请勿删除。", {"x_scale": 2}
            )
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    # the rows
    n = 0
    row = HEADER_ROW
    wrapped = [(c.key, c.width) for c in LEDGER_COLUMNS if c.kind == "text" and c.width >= 12]
    for values in measure_rows(measures, chunk_size=chunk_size):
        row += 1
        n += 1
        _fit_row(sheet, row, ((values.get(key), width) for key, width in wrapped))
        for c, col in enumerate(LEDGER_COLUMNS):
            _write_cell(sheet, fmt, row, c, col, values.get(col.key))
    first_data = HEADER_ROW + 1
    if n:
        status = [c.key for c in LEDGER_COLUMNS].index("status")
        percent = [c.key for c in LEDGER_COLUMNS].index("percent_done")
        sheet.data_validation(
            first_data,
            status,
            row,
            status,
            {
                "validate": "list",
                "source": list(STATUS_WORDS.values()),
                "error_title": "完成情况",
                "error_message": "请从下拉列表中选择。",
                "input_title": "完成情况",
                "input_message": "从下拉列表选择",
            },
        )
        sheet.data_validation(
            first_data,
            percent,
            row,
            percent,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 0,
                "maximum": 100,
                "error_title": "完成进度(%)",
                "error_message": "请填写 0–100 的整数。",
            },
        )
    # print: A3 landscape, one page wide, rows 1–3 on every page, the key column not printed
    sheet.set_landscape()
    sheet.set_paper(A3)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, HEADER_ROW)
    sheet.print_area(0, 0, max(row, HEADER_ROW), last - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页 共 &N 页")
    sheet.center_horizontally()
    sheet.hide_gridlines(0)  # print the gridlines
    sheet.activate()
    return n


def _lines(text, width: int) -> int:
    """How many lines a wrapped cell takes: Excel and LibreOffice keep a row's height as the
    file gives it (a constant-memory writer cannot autofit), so the export sets it from the
    text. A Chinese character is about two character widths."""
    if not text or not isinstance(text, str):
        return 1
    if len(text) * 2 < width and "\n" not in text:
        return 1
    n = 0
    for part in text.split("\n"):
        units = len(part) + (len(part.encode("utf-8")) - len(part)) // 2
        n += max(1, -(-units // max(width - 2, 1)))
    return n


def _fit_row(sheet, row: int, texts) -> None:
    """Set the row's height for its longest wrapped text (pairs of text and column width),
    before its cells are written; the row before last is on disk by now."""
    lines = max(_lines(text, width) for text, width in texts)
    if lines > 1:
        sheet.set_row(row, min(lines, MAX_LINES) * LINE_HEIGHT + 2)
    _forget_row(sheet, row - 2)


def _forget_row(sheet, row: int) -> None:
    """XlsxWriter keeps every set_row's height (for placing images) after the row went to
    disk; drop a written data row's so memory stays flat however many rows there are."""
    if row > 1:
        getattr(sheet, "row_info", {}).pop(row, None)
        getattr(sheet, "row_sizes", {}).pop(row, None)


def _write_cell(sheet, fmt, row, c, col, value) -> None:
    if col.key == "key":
        sheet.write_string(row, c, value, fmt.key)
    elif value is None or value == "":
        return
    elif col.kind == "date":
        sheet.write_datetime(row, c, value, fmt.date)
    elif col.kind == "int" or col.key == "seq":
        sheet.write_number(row, c, value, fmt.number)
    elif col.key == "status":
        sheet.write_string(row, c, value, fmt.center)
    else:
        sheet.write_string(row, c, str(value), fmt.text)


def _start_table(book, fmt, name, columns):
    sheet = book.add_worksheet(name)
    for c, (header, width) in enumerate(columns):
        sheet.set_column(c, c, width)
        sheet.write_string(0, c, header, fmt.head)
    sheet.set_row(0, 24)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(A3)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.hide_gridlines(0)  # print the gridlines
    sheet.set_footer("&C第 &P 页 共 &N 页")
    return sheet


def _text(sheet, fmt, row, c, value) -> None:
    if value is not None and value != "":
        sheet.write_string(row, c, str(value), fmt.text)


def _problem_sheet(book, fmt, measures, problems, chunk_size) -> None:
    sheet = _start_table(book, fmt, PROBLEM_SHEET, PROBLEM_COLUMNS)
    if problems is None:
        problems = Problem.objects.filter(pk__in=measures.values("problem_id"))
    if "state" not in problems.query.annotations:
        problems = derived.annotate_problem_state(problems)
    qs = (
        problems.select_related("lead_unit", "category")
        .prefetch_related(None)
        .order_by("number")
        .only(
            "number",
            "source",
            "title",
            "description",
            "category__name",
            "lead_unit__name",
        )
    )
    # 措施数: the measures in the file, counted by problem number in the same order beside the
    # problems (a merge: a count subquery per problem costs SQLite a pass over the campaign's
    # measures for each problem).
    counts = (
        measures.order_by()
        .values("problem__number")
        .annotate(n=Count("pk"))
        .order_by("problem__number")
        .values_list("problem__number", "n")
        .iterator(chunk_size=chunk_size)
    )
    counted = next(counts, None)
    for row, problem in enumerate(qs.iterator(chunk_size=chunk_size), start=1):
        while counted is not None and counted[0] < problem.number:
            counted = next(counts, None)
        exported = counted[1] if counted is not None and counted[0] == problem.number else 0
        _fit_row(sheet, row, ((problem.title, 30), (problem.description, 50)))
        sheet.write_number(row, 0, problem.number, fmt.number)
        _text(sheet, fmt, row, 1, SOURCE_WORDS.get(problem.source, problem.source))
        _text(sheet, fmt, row, 2, problem.title)
        _text(sheet, fmt, row, 3, problem.description)
        _text(sheet, fmt, row, 4, problem.category.name if problem.category_id else "")
        _text(sheet, fmt, row, 5, problem.lead_unit.name if problem.lead_unit_id else "")
        _text(sheet, fmt, row, 6, PROBLEM_STATE_WORDS.get(problem.state, problem.state))
        sheet.write_number(row, 7, exported, fmt.number)


def _report_sheet(book, fmt, measures, chunk_size) -> None:
    """Every report of the measures, in the ledger's order (problem number, measure), oldest
    first. 台账序号 is the measure's 序号 on the first sheet: the measures' ids are walked in
    the same order beside the reports (a merge, no table of ids in memory)."""
    sheet = _start_table(book, fmt, REPORT_SHEET, REPORT_COLUMNS)
    ids = (
        measures.order_by("problem__number", "id")
        .values_list("id", flat=True)
        .iterator(chunk_size=chunk_size)
    )
    reports = (
        ProgressReport.objects.filter(measure__in=measures.values("pk"))
        .order_by("measure__problem__number", "measure_id", "reported_on", "id")
        .values_list(
            "measure_id",
            "measure__problem__number",
            "reported_on",
            "text",
            "percent_done",
            "reported_by__display_name",
            "reported_by__username",
        )
    )
    seq, current = 0, None
    for row, report in enumerate(reports.iterator(chunk_size=chunk_size), start=1):
        measure_id, number, on, text, percent, display, username = report
        while current != measure_id:
            current = next(ids)
            seq += 1
        _fit_row(sheet, row, ((text, 60),))
        sheet.write_number(row, 0, seq, fmt.number)
        sheet.write_number(row, 1, number, fmt.number)
        sheet.write_datetime(row, 2, on, fmt.date)
        _text(sheet, fmt, row, 3, text)
        sheet.write_number(row, 4, percent, fmt.number)
        _text(sheet, fmt, row, 5, display or username or "")
        sheet.write_string(row, 6, f"M{measure_id}", fmt.text)
