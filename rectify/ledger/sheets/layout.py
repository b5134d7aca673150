"""The ledger sheet's format: its sheets, columns and words, and the values of a measure's row.

The export writes exactly these values and the re-import compares what it reads with them, so
both go through `cell_text` (one spelling of a value in a cell) and `row_digest`.

The key cell (系统编号, last column) reads `M<measure id>-v<version>-<digest>`: the measure, the
version it had when exported, and a digest of its editable cells as exported. The re-import
finds the measure by the id, knows the user edited the row when the editable cells no longer
match the digest, and knows someone else changed the measure since when the version moved on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from rectify.ledger.choices import Closure, MeasureState, Source
from rectify.ledger.models import Evidence, Measure, ProgressReport

LEDGER_SHEET = "整改台账"
PROBLEM_SHEET = "问题清单"
REPORT_SHEET = "整改进展记录"

# Who may change a column by re-import: "" nobody (written for reading), UNIT the responsible
# unit or the office (services.UNIT_MEASURE_FIELDS), OFFICE the office only, STATE the 完成情况
# word (a state-machine transition, checked for the person), NOTE this round's explanation.
READ_ONLY, UNIT, OFFICE, STATE, NOTE = "", "unit", "office", "state", "note"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int  # in Excel characters; a Chinese character takes two
    editable: str = READ_ONLY
    kind: str = "text"  # text, date, int


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 6),
    Column("problem_number", "问题编号", 8, kind="int"),
    Column("source", "问题来源", 12),
    Column("problem", "问题描述", 40),
    Column("content", "整改措施", 44, UNIT),
    Column("target", "整改目标", 24, OFFICE),
    Column("responsible_unit", "责任单位", 18),
    Column("lead_unit", "牵头单位", 18),
    Column("cooperating_units", "配合单位", 18),
    Column("responsible_leader", "责任领导", 10, OFFICE),
    Column("responsible_person", "责任人", 10, UNIT),
    Column("deadline", "整改时限", 12, OFFICE, kind="date"),
    Column("progress", "整改进展", 44, UNIT),
    Column("percent_done", "完成进度(%)", 9, UNIT, kind="int"),
    Column("status", "完成情况", 16, STATE),
    Column("evidence", "佐证材料", 26),
    Column("closed_on", "销号时间", 12, kind="date"),
    Column("closure_opinion", "验收意见", 30),
    Column("remarks", "备注", 24, UNIT),
    Column("note", "本次说明", 30, NOTE),
    Column("key", "系统编号（请勿修改）", 20),
)
COLUMN_BY_KEY = {c.key: c for c in LEDGER_COLUMNS}
EDITABLE = tuple(c.key for c in LEDGER_COLUMNS if c.editable and c.editable != NOTE)
# What the 本次说明 column is for, shown in the header's comment and the docs.
NOTE_HELP = "调整整改时限、申请销号、验收销号、退回、重新整改时必填，说明理由或完成情况"

# 完成情况: the words offices use for a measure's state. Part of the file format (fixed
# Chinese), offered as the cell's drop-down list.
DRAFT_WORD = "未启动"
STATUS_WORDS: dict[str, str] = {
    "draft": DRAFT_WORD,
    "in_progress": "整改中",
    "phase_complete": "阶段性完成（长期坚持）",
    "closure_requested": "申请销号",
    "returned": "退回整改",
    "closed": "已整改到位（已销号）",
    "not_feasible": "暂不具备整改条件（已销号）",
    "reopened": "重新整改",
}
WORD_STATUS = {word: status for status, word in STATUS_WORDS.items()}

SOURCE_WORDS: dict[str, str] = {
    Source.GRASSROOTS: "基层反映",
    Source.WRITTEN: "书面征求意见",
    Source.STUDY: "调研查摆",
    Source.INSPECTION: "巡视反馈",
    Source.AUDIT: "审计发现",
    Source.SELF: "自查自纠",
}

KEY_PATTERN = re.compile(r"^M(\d+)-v(\d+)-([0-9a-f]{8})$")


def status_of(measure) -> str:
    """The 完成情况 status of a measure (a key of STATUS_WORDS)."""
    if measure.state == MeasureState.CLOSED:
        return "not_feasible" if measure.closure == Closure.NOT_FEASIBLE else "closed"
    if measure.state == MeasureState.IN_PROGRESS and measure.phase_complete:
        return "phase_complete"
    return str(measure.state)


def cell_text(value) -> str:
    """One spelling of a cell's value, for comparing what was written with what is read:
    dates as 2026-06-30, whole numbers without “.0”, text stripped with \\n line ends."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def row_digest(values: dict) -> str:
    """8 hex digits over the editable cells of a row (`values` maps column keys to values)."""
    joined = "\x1f".join(cell_text(values.get(key)) for key in EDITABLE)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:8]


def make_key(measure_id: int, version: int, values: dict) -> str:
    return f"M{measure_id}-v{version}-{row_digest(values)}"


@dataclass(frozen=True)
class Key:
    measure_id: int
    version: int
    digest: str


def parse_key(text) -> Key | None:
    """The key in a 系统编号 cell, or None when the cell does not hold one."""
    match = KEY_PATTERN.match(cell_text(text))
    if match is None:
        return None
    return Key(int(match[1]), int(match[2]), match[3])


# The row's plain fields, read as tuples (no model instances: two thirds of the time of reading
# a ledger went into building four of them a row and converting their timestamps).
ROW_FIELDS = (
    "id",
    "version",
    "content",
    "target",
    "responsible_leader",
    "responsible_person",
    "deadline",
    "closed_on",
    "closure_opinion",
    "remarks",
    "state",
    "closure",
    "phase_complete",
    "problem__number",
    "problem__source",
    "problem__title",
    "problem__description",
    "problem__lead_unit__name",
    "responsible_unit__name",
    "latest_text",
    "latest_percent",
)


@dataclass(frozen=True)
class _State:
    state: str
    closure: str
    phase_complete: bool


def evidence_text(names: Iterable[str]) -> str:
    return "\n".join(names)


def row_values(measures: QuerySet[Measure], chunk_size: int = 2000) -> Iterator[tuple]:
    """(id, version, values) of each measure in the ledger's order (problem number, then
    measure), streamed in chunks: the cells of its row without 序号 and the key, as Python
    values (dates as dates, numbers as numbers). The fields come as tuples; a chunk's
    cooperating units and evidence names in one query each."""
    latest = ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-reported_on", "-id")
    qs = (
        measures.annotate(
            latest_text=Subquery(latest.values("text")[:1]),
            latest_percent=Subquery(latest.values("percent_done")[:1]),
        )
        .order_by("problem__number", "id")
        .values_list(*ROW_FIELDS)
    )
    for chunk in _chunks(qs.iterator(chunk_size=chunk_size), chunk_size):
        ids = [r[0] for r in chunk]
        cooperating = _names(
            Measure.cooperating_units.through.objects.filter(measure_id__in=ids)
            .order_by("orgunit__path")
            .values_list("measure_id", "orgunit__name")
        )
        evidence = _names(
            Evidence.objects.filter(measure_id__in=ids)
            .order_by("uploaded_at", "id")
            .values_list("measure_id", "original_name")
        )
        for r in chunk:
            row = dict(zip(ROW_FIELDS, r, strict=True))
            pk = row["id"]
            state = _State(row["state"], row["closure"], row["phase_complete"])
            yield (
                pk,
                row["version"],
                {
                    "problem_number": row["problem__number"],
                    "source": SOURCE_WORDS.get(row["problem__source"], row["problem__source"]),
                    "problem": row["problem__description"] or row["problem__title"],
                    "content": row["content"],
                    "target": row["target"],
                    "responsible_unit": row["responsible_unit__name"] or "",
                    "lead_unit": row["problem__lead_unit__name"] or "",
                    "cooperating_units": "、".join(cooperating.get(pk, ())),
                    "responsible_leader": row["responsible_leader"],
                    "responsible_person": row["responsible_person"],
                    "deadline": row["deadline"],
                    "progress": row["latest_text"] or "",
                    "percent_done": row["latest_percent"],
                    "status": STATUS_WORDS[status_of(state)],
                    "evidence": evidence_text(evidence.get(pk, ())),
                    "closed_on": row["closed_on"],
                    "closure_opinion": row["closure_opinion"],
                    "remarks": row["remarks"],
                    "note": "",
                },
            )


def measure_rows(measures: QuerySet[Measure], chunk_size: int = 2000) -> Iterator[dict]:
    """Every measure's row values with 序号 and the key, as the export writes them."""
    for seq, (pk, version, values) in enumerate(row_values(measures, chunk_size), start=1):
        values["seq"] = seq
        values["key"] = make_key(pk, version, values)
        yield values


def current_values(ids: Iterable[int]) -> dict[int, dict]:
    """The row values of these measures as they are now (what the re-import compares with)."""
    return {pk: values for pk, _v, values in row_values(Measure.objects.filter(pk__in=ids))}


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _names(pairs) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for measure_id, name in pairs:
        out.setdefault(measure_id, []).append(name)
    return out
