"""Moving an office's existing Excel ledger in (迁入已有台账).

The steps, each a function the pages, the API and `rectify ledger migrate` share:

1. `upload` keeps the file as a SheetImport (kind MIGRATION) through ledger.services.
2. `analyse` reads it with the shared reader (core/spreadsheets/reader.py: xlsx, xls, csv in
   UTF-8/GBK/GB18030, title rows, two-row merged headers, a cell merged over data rows giving its
   value to each row) and suggests: a column for each field (`suggest`, from aliases), a unit
   of the campaign for each unit name (exact after normalising, else near misses offered), and
   lists the 完成情况 words it does not know.
3. The office changes what it wants; `choose` keeps the choices in SheetImport.options:
   {"mapping": {field: header}, "units": {name: unit id or null}, "states": {word: status},
    "source": source, "problem_list": id or null}.
4. `plan` reads every row into problems (consecutive rows with the same 序号, or without one the
   same problem text, are one problem with several measures; a row with both blank continues
   the problem above) and says what will be taken and what not (row, column, reason).
5. `apply` creates each problem with its measures in one transaction (create_problem,
   create_measure, then adopt_imported_state for the state the file records), so a refused
   problem does not stop the others, and keeps the report in SheetImport.result.

Decisions: a blank 完成情况 is a draft, or in progress when the row has progress text; a
word not understood refuses the row (the office maps the word, or fixes the file); a deadline
that is not a date refuses the row, a blank one is taken as none; the first name in a
责任单位 cell with several is the responsible unit, the others cooperate; the file's 序号 is
kept in the log (the campaign numbers problems itself).
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.scoping import get_campaign_for_user, scope_campaigns
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.reader import Column, read
from rectify.ledger import services
from rectify.ledger.choices import Closure, MeasureMode, MeasureState, Source
from rectify.ledger.models import ProblemList, SheetImport
from rectify.ledger.sheets.layout import SOURCE_WORDS, STATUS_WORDS
from rectify.orgs.access import access
from rectify.orgs.models import OrgUnit
from rectify.textsim.normalise import comparable, to_simplified

# --- the fields a column can be mapped to --------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # a header containing one of these, when nothing matched


def _f(name, label, aliases: str, keywords: str = "", required=False) -> FieldSpec:
    return FieldSpec(name, label, required, tuple(aliases.split()), tuple(keywords.split()))


FIELDS: tuple[FieldSpec, ...] = (
    _f(
        "problem_number", pgettext_lazy("ledger column", "Number"), "问题编号 问题序号 序号 编号 no"
    ),
    _f("source", pgettext_lazy("ledger column", "Source"), "问题来源 来源 问题类别来源", "来源"),
    _f(
        "problem",
        pgettext_lazy("ledger column", "Problem"),
        "问题描述 存在问题 问题 问题表现 具体问题 主要问题 问题清单 问题内容 突出问题",
        "问题",
        required=True,
    ),
    _f(
        "content",
        pgettext_lazy("ledger column", "Measure"),
        "整改措施 措施 整改举措 具体措施 整改任务",
        "措施 举措",
        True,
    ),
    _f(
        "target",
        pgettext_lazy("ledger column", "Target"),
        "整改目标 目标 预期目标 整改成效目标",
        "目标",
    ),
    _f(
        "responsible_unit",
        pgettext_lazy("ledger column", "Responsible unit"),
        "责任单位 牵头单位 牵头部门 责任部门 承办单位 主责单位",
        "牵头 责任单位 责任部门",
        required=True,
    ),
    _f(
        "cooperating_units",
        pgettext_lazy("ledger column", "Cooperating units"),
        "配合单位 配合部门 协办单位",
        "配合 协办",
    ),
    _f(
        "responsible_leader",
        pgettext_lazy("ledger column", "Responsible leader"),
        "责任领导 分管领导 牵头领导",
        "领导",
    ),
    _f(
        "responsible_person",
        pgettext_lazy("ledger column", "Responsible person"),
        "责任人 联系人 具体责任人 经办人",
        "责任人",
    ),
    _f(
        "deadline",
        pgettext_lazy("ledger column", "Deadline"),
        "整改时限 完成时限 时限 整改期限 时间节点",
        "时限 期限",
    ),
    _f(
        "progress",
        pgettext_lazy("ledger column", "Progress"),
        "整改进展 进展情况 完成情况说明 整改进展情况 进展 工作进展 整改成效",
        "进展",
    ),
    _f(
        "percent_done",
        pgettext_lazy("ledger column", "Percent done"),
        "完成进度 完成进度(%) 完成比例 进度",
        "进度",
    ),
    _f(
        "status",
        pgettext_lazy("ledger column", "State"),
        "完成情况 整改状态 状态 是否完成 完成状态",
        "状态",
    ),
    _f(
        "closed_on",
        pgettext_lazy("ledger column", "Closed on"),
        "销号时间 完成时间 销号日期 实际完成时间",
        "销号",
    ),
    _f("remarks", pgettext_lazy("ledger column", "Remarks"), "备注 说明", "备注"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)

_PUNCT = re.compile(r"[\s:：*＊()（）\[\]【】<>《》/、_\-.。,，;；'\"“”‘’#№%％]+")


def header_key(text: str) -> str:
    """A header as compared: width folded, lower-cased, simplified, without punctuation."""
    return _PUNCT.sub("", comparable(to_simplified(text or "")))


# header key → (field, rank): a field's earlier aliases win over its later ones.
_ALIASES: dict[str, tuple[str, int]] = {}
for _spec in FIELDS:
    for _rank, _alias in enumerate((*_spec.aliases, _spec.name)):
        _ALIASES.setdefault(header_key(_alias), (_spec.name, _rank))


def suggest(columns: list[Column]) -> dict[str, str]:
    """field → column header (or letter) for the columns whose header says what they hold.

    Each field gets one column and each column one field. Exact names first, a field's earlier
    aliases before its later ones (the export's 问题编号 groups rows, its 序号 only counts them),
    then headers containing a keyword. In a two-row header the lower part is tried first
    (“整改情况 / 完成情况” is 完成情况)."""
    chosen: dict[str, Column] = {}
    used: set[int] = set()
    exact = []
    for col in columns:
        for depth, candidate in enumerate((*reversed(col.parts), col.label)):
            hit = _ALIASES.get(header_key(candidate)) if candidate else None
            if hit:
                exact.append((hit[1], depth, col.index, hit[0], col))
    for _rank, _depth, _index, name, col in sorted(exact, key=lambda e: e[:3]):
        if name not in chosen and col.index not in used:
            chosen[name] = col
            used.add(col.index)
    for col in columns:
        if col.index in used or not col.parts:
            continue
        key = header_key(col.parts[-1])
        for spec in FIELDS:
            if spec.name not in chosen and any(k in key for k in spec.keywords):
                chosen[spec.name] = col
                used.add(col.index)
                break
    return {
        f.name: (chosen[f.name].label or chosen[f.name].letter) for f in FIELDS if f.name in chosen
    }


# --- cell values ---------------------------------------------------------------------------


def text_of(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    return str(cell).replace("\r\n", "\n").replace("\r", "\n").strip()


LONG_TERM_WORDS = ("长期坚持", "长期", "持续推进", "常态化", "长期推进", "持续整改")
IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改")
_YMD = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
_YM = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?")
_Y = re.compile(r"(\d{4})\s*年\s*(底|末|年底|上半年|下半年)")


EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIALS = (36526, 73051)  # 2000-01-01 … 2099-12-31 as Excel numbers them


class BadValue(ValueError):
    pass


def _end_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(cell) -> dt.date | None:
    """A date from a cell: a date, 2026-06-30, 2026.6.30, 2026年6月30日; a month (2026年6月,
    2026年6月底, 2026.6) is its last day; 2026年底 the 31st of December, 上半年 the 30th of June;
    an Excel serial number of this century (46203: a date cell formatted as a number).
    None for a blank cell; BadValue for anything else."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = comparable(text_of(cell))
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text) and EXCEL_SERIALS[0] <= float(text) <= EXCEL_SERIALS[1]:
        # A date cell without a date format shows (and is read as) its serial number.
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    try:
        if m := _YMD.search(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YM.search(text):
            return _end_of_month(int(m[1]), int(m[2]))
        if m := _Y.search(text):
            return dt.date(int(m[1]), 6, 30) if m[2] == "上半年" else dt.date(int(m[1]), 12, 31)
    except ValueError:
        pass
    raise BadValue(text)


def parse_deadline(cell) -> tuple[dt.date | None, str | None]:
    """(deadline, mode or None): 长期坚持 is long-term without a deadline, 立行立改 immediate."""
    text = comparable(text_of(cell)).replace(" ", "")
    if not isinstance(cell, dt.date):
        if any(w in text for w in LONG_TERM_WORDS) and not _YM.search(text):
            return None, MeasureMode.LONG_TERM
        if any(w in text for w in IMMEDIATE_WORDS) and not _YM.search(text):
            return None, MeasureMode.IMMEDIATE
    return parse_date(cell), None


def parse_percent(cell) -> int | None:
    text = text_of(cell).replace("%", "").replace("％", "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadValue(text) from None
    if 0 < value <= 1 and "." in text:
        value *= 100
    if not 0 <= value <= 100:
        raise BadValue(text)
    return round(value)


UNIT_SPLIT = re.compile(r"[、，,;；/\n]+")
UNIT_SPLIT_SPACES = re.compile(r"[、，,;；/\s]+")


def split_units(text: str, *, spaces: bool = False) -> list[str]:
    """The unit names in a cell, split on 、，,;；/ and line breaks; on spaces too with `spaces`
    (配合单位 lists: “民政局 财政局”), not in a 责任单位 cell, where “甲省 民政厅” is one name."""
    pattern = UNIT_SPLIT_SPACES if spaces else UNIT_SPLIT
    return [p for p in (s.strip() for s in pattern.split(text or "")) if p]


# --- 完成情况 words --------------------------------------------------------------------------

# What a measure becomes: its state and the marks beside it.
STATUSES = ("draft", "in_progress", "long_term", "phase_complete", "closed", "not_feasible")
STATUS_LABELS = {
    "draft": _("Draft (not started)"),
    "in_progress": _("In progress"),
    "long_term": _("In progress, long-term"),
    "phase_complete": _("In progress, phase complete (long-term)"),
    "closed": _("Closed (rectified)"),
    "not_feasible": _("Closed: conditions not yet met"),
}
_WORDS = {
    "closed": "已完成 已整改 已整改到位 已销号 完成 整改完成 已办结 办结 已落实 整改到位",
    "in_progress": "整改中 正在整改 推进中 进行中 未完成 持续整改 正在推进 申请销号 退回整改 "
    "重新整改 未销号",
    "long_term": "长期坚持 持续推进 长期整改 长期",
    "phase_complete": "阶段性完成 基本完成 阶段性完成长期坚持 取得阶段性成效",
    "not_feasible": "暂不具备整改条件 暂缓 暂缓整改 不具备整改条件",
    "draft": "未启动 未开始 尚未启动",
}
STATE_WORDS: dict[str, str] = {w: s for s, words in _WORDS.items() for w in words.split()}
_WORD_PUNCT = re.compile(r"[\s()（）\[\]【】“”\"'、，,。.;；:：]+")


def word_key(text: str) -> str:
    return _WORD_PUNCT.sub("", comparable(to_simplified(text_of(text))))


_STATE_KEYS = {word_key(w): s for w, s in STATE_WORDS.items()}
# The export's own words (已整改到位（已销号） …) read back as what they say.
_STATE_KEYS.update(
    {word_key(w): s for s, w in STATUS_WORDS.items() if s in STATUSES}
    | {word_key(w): "in_progress" for s, w in STATUS_WORDS.items() if s not in STATUSES}
)


def status_of_word(word: str, extra: dict | None = None) -> str | None:
    """The status (a key of STATUS_LABELS) a 完成情况 word says, or None when not understood.
    `extra` holds the office's own choices for words of its file."""
    key = word_key(word)
    for w, s in (extra or {}).items():
        if word_key(w) == key and s in STATUSES:
            return s
    if key in _STATE_KEYS:
        return _STATE_KEYS[key]
    bare = re.sub(r"[(（][^)）]*[)）]", "", text_of(word))
    return _STATE_KEYS.get(word_key(bare))


# Words in a 问题来源 cell, tried in this order (调研 before 自查 in 调研查摆, 巡视 before 反馈).
SOURCE_ALIASES: tuple[tuple[str, str], ...] = tuple(
    (w, source)
    for source, words in (
        (Source.INSPECTION, "巡视 巡察"),
        (Source.AUDIT, "审计"),
        (Source.STUDY, "调研"),
        (Source.WRITTEN, "书面 征求意见"),
        (Source.GRASSROOTS, "基层 群众 信访"),
        (Source.INSPECTION, "督查 反馈"),
        (Source.SELF, "自查 自纠 查摆"),
    )
    for w in words.split()
)


def source_of_word(word: str) -> str | None:
    text = comparable(to_simplified(text_of(word)))
    if not text:
        return None
    for value, label in SOURCE_WORDS.items():
        if word_key(label) == word_key(text):
            return str(value)
    if text in Source.values:
        return text
    for alias, source in SOURCE_ALIASES:
        if alias in text:
            return str(source)
    return None


# --- units -----------------------------------------------------------------------------------

_BRACKETS = str.maketrans(
    {"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"}
)


def unit_key(name: str) -> str:
    """A unit name as matched: full-width folded, brackets made one kind, spaces dropped."""
    return re.sub(r"\s+", "", comparable(to_simplified(name or "")).translate(_BRACKETS))


def campaign_units(campaign):
    """The units a measure of the campaign may name (services._require_units_in_campaign)."""
    return OrgUnit.objects.subtree(campaign.org_unit).order_by("path")


@dataclass
class UnitMatch:
    name: str
    unit_id: int | None = None
    chosen: bool = False  # the office chose (a unit, or to leave the name out)
    suggestions: list[dict] = field(default_factory=list)  # {id, name, score}
    rows: int = 0

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "unit_id": self.unit_id,
            "chosen": self.chosen,
            "suggestions": self.suggestions,
            "rows": self.rows,
        }


def _similarity(a: str, b: str) -> float:
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    if a and b and (a in b or b in a):
        ratio = max(ratio, 0.6 + 0.4 * min(len(a), len(b)) / max(len(a), len(b)))
    return ratio


def _may_be_near(a: str, b: str) -> bool:
    """Cheap checks before difflib's ratio: one name in the other, or a quick ratio that could
    reach the threshold (many units, few names not matched)."""
    if a in b or b in a:
        return True
    return bool(set(a) & set(b)) and difflib.SequenceMatcher(None, a, b).quick_ratio() >= 0.5


def match_units(names: Counter, campaign, chosen: dict | None = None) -> dict[str, UnitMatch]:
    """Each name → the campaign's unit it names (name or short name, exact after unit_key), or
    up to three near misses; the office's choices (`chosen`: name → unit id or None) win."""
    chosen = chosen or {}
    units = list(campaign_units(campaign).values("id", "name", "short_name"))
    allowed = {u["id"] for u in units}
    exact: dict[str, int] = {}
    for u in units:
        for n in (u["short_name"], u["name"]):
            if n:
                exact.setdefault(unit_key(n), u["id"])
    for u in units:  # the full name wins over another unit's short name
        exact[unit_key(u["name"])] = u["id"]
    unit_keys = [[unit_key(n) for n in (u["name"], u["short_name"]) if n] for u in units]
    out = {}
    for name, count in names.items():
        m = UnitMatch(name, rows=count)
        if name in chosen:
            picked = chosen[name]
            m.chosen = True
            m.unit_id = int(picked) if picked not in (None, "") and int(picked) in allowed else None
        else:
            m.unit_id = exact.get(unit_key(name))
        if m.unit_id is None:
            key = unit_key(name)
            scored = []
            for u, keys in zip(units, unit_keys, strict=True):
                score = max((_similarity(key, k) for k in keys if _may_be_near(key, k)), default=0)
                if score >= 0.5:
                    scored.append((score, u["id"], u["name"]))
            scored.sort(key=lambda s: (-s[0], s[1]))
            m.suggestions = [{"id": i, "name": n, "score": round(s, 2)} for s, i, n in scored[:3]]
        out[name] = m
    return out


# --- reading the file ------------------------------------------------------------------------


def _open(si: SheetImport):
    data = getattr(si, "_content", None)
    if data is None:
        with si.file.open("rb") as f:
            data = f.read()
    book = read(data, filename=si.file_name)
    return book, book.sheet(si.options.get("sheet") or None)


def _positions(columns: list[Column], mapping: dict) -> dict[str, int]:
    """field → position in a row, for the mapped fields whose column is in the file: by its
    header as shown (“整改情况 / 完成情况”), else one part of a two-row header (“完成情况”),
    else its letter (“J”)."""
    out = {}
    for name, header in mapping.items():
        if name not in BY_NAME or not header:
            continue
        wanted = " ".join(str(header).split())
        found = (
            [i for i, c in enumerate(columns) if c.label == wanted]
            or [i for i, c in enumerate(columns) if wanted in c.parts]
            or [i for i, c in enumerate(columns) if c.letter == wanted.upper()]
        )
        if found:
            out[name] = found[0]
    return out


def _mapping(options: dict, columns: list[Column]) -> dict[str, str]:
    """The mapping kept (even an empty one), else the one suggested."""
    kept = options.get("mapping")
    return dict(kept) if kept is not None else suggest(columns)


@dataclass
class Row:
    number: int  # as Excel numbers it
    values: dict  # field → raw cell


def read_rows(si: SheetImport) -> tuple[list[Column], list[Row], list]:
    """(columns, rows with their mapped cells, reader notes)."""
    book, sheet = _open(si)
    with book:
        mapping = _mapping(si.options, sheet.columns)
        pos = _positions(sheet.columns, mapping)
        rows = [Row(n, {name: cells[i] for name, i in pos.items()}) for n, cells in sheet.rows()]
        return sheet.columns, rows, sheet.notes


# --- analysis: what to ask the office -------------------------------------------------------


@dataclass
class Analysis:
    columns: list[str]
    mapping: dict[str, str]
    unmapped_columns: list[str]
    preview: list[dict]
    units: list[UnitMatch]
    unknown_words: dict[str, int]
    rows: int
    header_rows: list[int]
    notes: list

    def as_json(self) -> dict:
        return {
            "columns": self.columns,
            "mapping": self.mapping,
            "unmapped_columns": self.unmapped_columns,
            "preview": self.preview,
            "units": [u.as_json() for u in self.units],
            "unknown_words": self.unknown_words,
            "rows": self.rows,
            "header_rows": self.header_rows,
        }


PREVIEW_ROWS = 5
# The reason of each measure's `measure.migrated` log entry: fixed Chinese, kept with the record
# (as the file's own words are), whatever the interface language of the person moving it in.
SOURCE_REF = "从《{file}》第{row}行迁入"


def analyse(si: SheetImport) -> Analysis:
    book, sheet = _open(si)
    with book:
        columns = sheet.columns
        mapping = _mapping(si.options, columns)
        pos = _positions(columns, mapping)
        names: Counter = Counter()
        words: Counter = Counter()
        preview = []
        count = 0
        extra = si.options.get("states") or {}
        for n, cells in sheet.rows():
            count += 1
            values = {name: cells[i] for name, i in pos.items()}
            if len(preview) < PREVIEW_ROWS:
                preview.append({"row": n, **read_cells(values, extra)})
            for name in _unit_names(values):
                names[name] += 1
            word = text_of(values.get("status"))
            if word and status_of_word(word, extra) is None:
                words[word] += 1
        matches = match_units(names, si.campaign, si.options.get("units"))
        used = {pos[f] for f in pos}
        return Analysis(
            columns=[c.label or c.letter for c in columns],
            # as the columns are named on the pages (a letter or one part becomes the header)
            mapping={f: columns[i].label or columns[i].letter for f, i in pos.items()},
            unmapped_columns=[c.label or c.letter for i, c in enumerate(columns) if i not in used],
            preview=preview,
            units=sorted(matches.values(), key=lambda m: (m.unit_id is not None, m.name)),
            unknown_words=dict(words),
            rows=count,
            header_rows=sheet.header_row_numbers,
            notes=sheet.notes,
        )


def read_cells(values: dict, extra_words: dict | None = None) -> dict:
    """A row's cells as they will be read, as text (dates as 2026-06-30, the state as its
    label), with `errors`: the fields whose cell cannot be read."""
    out = {k: text_of(v) for k, v in values.items()}
    errors = []
    if "deadline" in values:
        try:
            deadline, mode = parse_deadline(values["deadline"])
            if mode:
                out["deadline"] = str(MeasureMode(mode).label)
            elif deadline:
                out["deadline"] = deadline.isoformat()
        except BadValue:
            errors.append("deadline")
    if "closed_on" in values:
        try:
            closed_on = parse_date(values["closed_on"])
            out["closed_on"] = closed_on.isoformat() if closed_on else ""
        except BadValue:
            errors.append("closed_on")
    word = out.get("status", "")
    if "status" in values:
        status = (
            status_of_word(word, extra_words)
            if word
            else ("in_progress" if out.get("progress") else "draft")
        )
        if status is None:
            errors.append("status")
        else:
            out["status"] = (
                f"{word} → {STATUS_LABELS[status]}" if word else str(STATUS_LABELS[status])
            )
    if "percent_done" in values:
        try:
            parse_percent(values["percent_done"])
        except BadValue:
            errors.append("percent_done")
    out["errors"] = errors
    return out


def _unit_names(values: dict) -> list[str]:
    return [
        *split_units(text_of(values.get("responsible_unit"))),
        *split_units(text_of(values.get("cooperating_units")), spaces=True),
    ]


# --- the plan: rows into problems and measures -----------------------------------------------


@dataclass
class Refusal:
    row: int
    column: str  # the field's header in the file (or the field's name)
    reason: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class MeasurePlan:
    row: int
    content: str
    unit_id: int
    cooperating_ids: list[int]
    fields: dict  # target, responsible_leader, responsible_person, remarks, deadline, mode
    status: str
    progress: str
    percent: int | None
    closed_on: dt.date | None


@dataclass
class ProblemPlan:
    first_row: int
    file_number: str
    text: str
    source: str
    measures: list[MeasurePlan] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class Plan:
    problems: list[ProblemPlan]
    refused: list[Refusal]
    unmapped_columns: list[str]
    missing_fields: list[str]
    rows: int

    @property
    def measure_count(self) -> int:
        return sum(len(p.measures) for p in self.problems)

    def per_status(self) -> dict[str, int]:
        c = Counter(m.status for p in self.problems for m in p.measures)
        return {s: c[s] for s in STATUSES if c[s]}


def _problem_key(values: dict) -> tuple[str, str]:
    number = text_of(values.get("problem_number"))
    text = text_of(values.get("problem"))
    return number, text


def plan(si: SheetImport) -> Plan:
    """Read every row into problems and measures; what cannot be taken, with the reason."""
    columns, rows, _notes = read_rows(si)
    options = si.options
    mapping = _mapping(options, columns)
    pos = _positions(columns, mapping)
    header = {name: mapping.get(name, name) for name in FIELD_NAMES}
    used = set(pos.values())
    unmapped = [c.label or c.letter for i, c in enumerate(columns) if i not in used]
    missing = [name for name in REQUIRED if name not in pos]
    if missing:
        return Plan([], [], unmapped, missing, len(rows))
    names: Counter = Counter(n for r in rows for n in _unit_names(r.values))
    units = match_units(names, si.campaign, options.get("units"))
    default_source = options.get("source") or Source.SELF
    extra_words = options.get("states") or {}
    problems: list[ProblemPlan] = []
    refused: list[Refusal] = []
    current: ProblemPlan | None = None
    current_key: tuple[str, str] | None = None
    for row in rows:
        v = row.values
        number, text = _problem_key(v)
        if not number and not text:
            if current is None:
                refused.append(
                    Refusal(row.number, header["problem"], gettext("No problem is described."))
                )
                continue
        elif current is None or (number != current_key[0] if number else text != current_key[1]):
            if not text:
                refused.append(
                    Refusal(row.number, header["problem"], gettext("No problem is described."))
                )
                current, current_key = None, None
                continue
            src_word = text_of(v.get("source"))
            current = ProblemPlan(
                row.number, number, text, source_of_word(src_word) or default_source
            )
            current_key = (number, text)
            problems.append(current)
        measure = _measure_plan(row, header, units, extra_words, refused)
        current.rows.append(row.number)
        if measure is not None:
            current.measures.append(measure)
    taken = [p for p in problems if p.measures]
    return Plan(taken, refused, unmapped, [], len(rows))


def _measure_plan(row: Row, header, units, extra_words, refused) -> MeasurePlan | None:
    v = row.values
    errors: list[Refusal] = []

    def refuse(name: str, reason: str) -> None:
        errors.append(Refusal(row.number, header[name], reason))

    content = text_of(v.get("content"))
    if not content:
        refuse("content", gettext("The measure is blank."))
    unit_names = split_units(text_of(v.get("responsible_unit")))
    unit_id = None
    cooperating: list[int] = []
    if not unit_names:
        refuse("responsible_unit", gettext("No responsible unit is named."))
    else:
        m = units[unit_names[0]]
        unit_id = m.unit_id
        if unit_id is None:
            refuse(
                "responsible_unit",
                gettext("“%(name)s” is not a unit of this campaign; pick one or leave it out.")
                % {"name": unit_names[0]},
            )
    others = unit_names[1:] + split_units(text_of(v.get("cooperating_units")), spaces=True)
    for name in others:
        m = units[name]
        if m.unit_id is None and not m.chosen:
            refuse(
                "cooperating_units",
                gettext("“%(name)s” is not a unit of this campaign; pick one or leave it out.")
                % {"name": name},
            )
        elif m.unit_id is not None and m.unit_id != unit_id and m.unit_id not in cooperating:
            cooperating.append(m.unit_id)
    deadline, mode = None, None
    try:
        deadline, mode = parse_deadline(v.get("deadline"))
    except BadValue as exc:
        refuse("deadline", gettext("“%(value)s” is not a date.") % {"value": exc.args[0]})
    closed_on = None
    try:
        closed_on = parse_date(v.get("closed_on"))
    except BadValue as exc:
        refuse("closed_on", gettext("“%(value)s” is not a date.") % {"value": exc.args[0]})
    percent = None
    try:
        percent = parse_percent(v.get("percent_done"))
    except BadValue as exc:
        refuse("percent_done", gettext("“%(value)s” is not a percentage.") % {"value": exc.args[0]})
    progress = text_of(v.get("progress"))
    word = text_of(v.get("status"))
    if word:
        status = status_of_word(word, extra_words)
        if status is None:
            refuse(
                "status",
                gettext("“%(word)s” is not a state word the ledger knows; say what it means.")
                % {"word": word},
            )
    else:
        status = "in_progress" if progress else "draft"
    if errors:
        refused.extend(errors)
        return None
    if status in ("long_term", "phase_complete"):
        mode = MeasureMode.LONG_TERM
    fields = {
        "target": text_of(v.get("target")),
        "responsible_leader": text_of(v.get("responsible_leader"))[:50],
        "responsible_person": text_of(v.get("responsible_person"))[:50],
        "remarks": text_of(v.get("remarks")),
        "deadline": deadline,
        "mode": mode or MeasureMode.PHASED,
    }
    return MeasurePlan(
        row.number, content, unit_id, cooperating, fields, status, progress, percent, closed_on
    )


# --- the steps ------------------------------------------------------------------------------


def upload(campaign, *, actor, upload_file, name: str, sheet: str = "") -> SheetImport:
    """Keep the file (content-addressed) and check that it reads as a spreadsheet with a header;
    SpreadsheetError when it does not (nothing kept then)."""
    with transaction.atomic():
        si = services.upload_ledger_sheet(
            campaign, actor=actor, upload=upload_file, name=name, kind=SheetImport.Kind.MIGRATION
        )
        si.options = {"sheet": sheet}
        book, s = _open(si)
        with book:
            options = {"sheet": sheet, "mapping": suggest(s.columns)}
        services.set_migration_options(si, actor=actor, options=options, log=False)
    return si


def draft(campaign, data: bytes, name: str, *, sheet: str | None = None) -> SheetImport:
    """A SheetImport not stored, over the bytes in memory: for a dry run (the command without
    --apply) that reads and plans like the real thing and keeps nothing."""
    si = SheetImport(campaign=campaign, kind=SheetImport.Kind.MIGRATION, file_name=name, options={})
    si._content = bytes(data)
    si.options = {"sheet": sheet or ""}
    book, s = _open(si)
    with book:
        si.options["mapping"] = suggest(s.columns)
    return si


def check_choices(si: SheetImport, **choices) -> SheetImport:
    """`si` with the choices merged into its options (not saved); DomainError for a wrong one."""
    si.options = _merged(si, **choices)
    return si


def choose(si: SheetImport, *, actor, **choices) -> SheetImport:
    """Keep the office's choices: mapping, units, states, source, problem_list, sheet (each
    optional; the ones given replace the ones kept). DomainError when one is wrong."""
    options = _merged(si, **choices)
    services.set_migration_options(si, actor=actor, options=options)
    si.refresh_from_db()
    return si


def _merged(si: SheetImport, **choices) -> dict:
    options = dict(si.options)
    if choices.get("sheet") is not None:
        options["sheet"] = choices["sheet"]
    if "mapping" in choices and choices["mapping"] is not None:
        mapping = {k: v for k, v in choices["mapping"].items() if v}
        unknown = sorted(set(mapping) - set(FIELD_NAMES))
        if unknown:
            raise DomainError(
                _("Unknown field: %(fields)s."),
                params={"fields": "、".join(unknown)},
                code="field_unknown",
            )
        options["mapping"] = mapping
    if choices.get("units") is not None:
        allowed = set(campaign_units(si.campaign).values_list("id", flat=True))
        units = dict(options.get("units") or {})
        for name, unit_id in choices["units"].items():
            if unit_id in (None, ""):
                units[name] = None
            elif int(unit_id) in allowed:
                units[name] = int(unit_id)
            else:
                raise PermissionRefused(_("That unit is not part of this campaign."))
        options["units"] = units
    if choices.get("states") is not None:
        bad = sorted(s for s in choices["states"].values() if s not in STATUSES)
        if bad:
            raise DomainError(
                _("Unknown state: %(states)s."),
                params={"states": "、".join(bad)},
                code="state_unknown",
            )
        options["states"] = {**(options.get("states") or {}), **choices["states"]}
    if choices.get("source"):
        if choices["source"] not in Source.values:
            raise DomainError(_("Unknown source."), code="source_unknown")
        options["source"] = choices["source"]
    if "problem_list" in choices:
        pl = choices["problem_list"]
        if pl not in (None, ""):
            if not ProblemList.objects.filter(pk=pl, campaign=si.campaign).exists():
                raise PermissionRefused(_("That problem list belongs to another campaign."))
            pl = int(pl)
        options["problem_list"] = pl or None
    return options


def summary(p: Plan) -> dict:
    return {
        "rows": p.rows,
        "problems": len(p.problems),
        "measures": p.measure_count,
        "per_status": p.per_status(),
        "refused": [r.as_json() for r in p.refused],
        "refused_rows": len({r.row for r in p.refused}),
        "unmapped_columns": p.unmapped_columns,
        "missing_fields": p.missing_fields,
    }


def apply(si: SheetImport, *, actor) -> dict:
    """Create what the plan takes, each problem with its measures in one transaction, and keep
    the report in `si.result`. A problem the services refuse is reported with its rows. A file
    is applied once (ConflictError after, or while another request applies it)."""
    require_office(actor, si.campaign)
    if si.status != SheetImport.Status.UPLOADED:
        raise ConflictError(_("This file was moved in already."), code="already_applied")
    p = plan(si)
    if p.missing_fields:
        raise DomainError(
            _("Map a column to each of: %(fields)s."),
            params={"fields": "、".join(str(BY_NAME[f].label) for f in p.missing_fields)},
            code="mapping_missing",
        )
    services.begin_migration(si, actor=actor)
    run = _Run(si, p)
    try:
        for pp in p.problems:
            run.take(pp, actor)
    except BaseException:
        services.fail_migration(si, actor=actor, result=run.result())
        raise
    result = run.result()
    services.finish_migration(si, actor=actor, result=result)
    return result


class _Run:
    """What an apply has created so far, and what it refused."""

    def __init__(self, si: SheetImport, p: Plan):
        self.si, self.plan = si, p
        campaign = si.campaign
        pl_id = si.options.get("problem_list")
        self.lists = list(ProblemList.objects.filter(pk=pl_id, campaign=campaign)) if pl_id else []
        self.units = {u.pk: u for u in campaign_units(campaign)}
        self.refused = list(p.refused)
        self.created: list[int] = []
        self.per_status: Counter = Counter()
        self.measures = 0
        self.today = timezone.localdate()

    def take(self, pp: ProblemPlan, actor) -> None:
        units, si = self.units, self.si
        try:
            with transaction.atomic():
                title = _title(pp.text)
                problem = services.create_problem(
                    si.campaign,
                    actor=actor,
                    title=title,
                    description=pp.text if title != pp.text else "",
                    source=pp.source,
                    lead_unit=units[pp.measures[0].unit_id],
                    lists=self.lists,
                )
                for mp in pp.measures:
                    measure = services.create_measure(
                        problem,
                        actor=actor,
                        content=mp.content,
                        responsible_unit=units[mp.unit_id],
                        cooperating_units=[units[i] for i in mp.cooperating_ids],
                        **mp.fields,
                    )
                    closed = mp.status in ("closed", "not_feasible")
                    services.adopt_imported_state(
                        measure,
                        actor=actor,
                        **_state_fields(mp.status),
                        closed_on=(mp.closed_on or self.today) if closed else None,
                        progress_text=mp.progress,
                        percent=mp.percent,
                        source_ref=SOURCE_REF.format(file=si.file_name, row=mp.row),
                    )
        except (DomainError, PermissionRefused) as exc:
            self.refused.extend(Refusal(r, "", str(exc)) for r in pp.rows)
            return
        self.created.append(problem.pk)
        self.measures += len(pp.measures)
        self.per_status.update(mp.status for mp in pp.measures)

    def result(self) -> dict:
        return {
            "rows": self.plan.rows,
            "problems": len(self.created),
            "measures": self.measures,
            "per_status": {s: self.per_status[s] for s in STATUSES if self.per_status[s]},
            "problem_ids": self.created,
            "refused": sorted((r.as_json() for r in self.refused), key=lambda r: r["row"]),
            "refused_rows": len({r.row for r in self.refused}),
            "unmapped_columns": self.plan.unmapped_columns,
        }


def _state_fields(status: str) -> dict:
    return {
        "draft": {"state": MeasureState.DRAFT},
        "in_progress": {"state": MeasureState.IN_PROGRESS},
        "long_term": {"state": MeasureState.IN_PROGRESS},
        "phase_complete": {"state": MeasureState.IN_PROGRESS, "phase_complete": True},
        "closed": {"state": MeasureState.CLOSED, "closure": Closure.RECTIFIED},
        "not_feasible": {"state": MeasureState.CLOSED, "closure": Closure.NOT_FEASIBLE},
    }[status]


def _title(text: str) -> str:
    """The problem's title: its first sentence or line, at most 200 characters."""
    first = re.split(r"[\n。；;]", text, maxsplit=1)[0].strip() or text.strip()
    if len(first) > 200:
        first = first[:199] + "…"
    return first if first != text.rstrip("。") else text[:200]


# --- who: the campaign office only --------------------------------------------------------


def may_migrate(user, campaign) -> bool:
    return access(user, campaign).is_office


def require_office(user, campaign) -> None:
    if not may_migrate(user, campaign):
        raise PermissionRefused(_("Only the campaign office may move an existing ledger in."))


def get_campaign_for_office(user, slug: str):
    """The campaign (404 when the user does not see it; 403 when they are not its office)."""
    campaign = get_campaign_for_user(user, slug)
    require_office(user, campaign)
    return campaign


def get_migration_for_office(user, pk: int, campaign=None) -> SheetImport:
    """A migration of a campaign the user sees (else 404), for its office (else 403)."""
    qs = SheetImport.objects.filter(
        kind=SheetImport.Kind.MIGRATION, campaign__in=scope_campaigns(user)
    ).select_related("campaign", "uploaded_by")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    si = qs.filter(pk=pk).first()
    if si is None:
        raise Http404("migration")
    require_office(user, si.campaign)
    return si


__all__ = [
    "FIELDS",
    "SpreadsheetError",
    "analyse",
    "apply",
    "choose",
    "plan",
    "suggest",
    "summary",
    "upload",
]
