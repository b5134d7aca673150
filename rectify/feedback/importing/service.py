"""Importing feedback from spreadsheets: every write of an import has its home here.

The flow (a page, the API, the CLI and the worker all follow it):

    with importing.read(upload, filename=name) as wb:      # SpreadsheetFileError: unreadable
        sheet = wb.sheet(None)                             # first visible sheet
        preview = importing.preview(campaign, sheet)       # suggested columns, first rows parsed
    batch = importing.create_batch(campaign, upload, actor=user, filename=name,
                                   columns=..., defaults={"kind": "problem"})
    importing.enqueue(batch)            # the worker runs importing.run(batch); or call run() here
    importing.progress(batch)           # for a progress bar
    importing.batch_report(batch)       # counts, refused cells, rows already present, notes
    importing.undo(batch, actor=user)   # while nothing from it is merged into a problem

How a batch is written (and why):

- SQLite: a check pass reads, parses and checks every row and spills the good new ones, ready
  to insert, to a temporary file, committing progress on the batch as it goes (WAL lets a page
  in another process read it). Then one transaction inserts them (executemany of one prepared
  INSERT), updates the batch and writes the activity log. SQLite has one writer: while that
  transaction runs no other connection can write, progress included, so the page shows
  "saving" without a count; keeping the checks outside the transaction keeps that lock short.
- PostgreSQL: one pass inside one transaction: rows are checked and streamed with COPY, so the
  server stores a chunk while the next is checked; progress goes through a second connection
  (row locks do not block it).
- Either way a killed worker leaves all of the batch or none of it (tests/feedback/
  test_import_kill.py kills one with SIGKILL on both engines). A batch left running is stale
  after Job.STALE_AFTER (core/jobs.py) and can be run again; rows already saved count as
  already present.
- For large files the duplicate keys (text normalisation, the costliest step) are computed in
  a helper process while the next chunk is parsed.

Activity log: one `feedback.import` entry per batch (file, sha256, sheet, counts), and each
item links to its batch (`import_batch`, `import_row`); `feedback.import_undo` when undone.
One entry per item would add as many log rows as the import adds items and say nothing more
than the batch, its stored file (under its sha256) and those links already say.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from rectify.audit.log import record
from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.reader import Column, Note, Sheet, SheetInfo, as_string, read
from rectify.feedback.importing import fields as fields_
from rectify.feedback.importing.errors import ImportRefused
from rectify.feedback.importing.parsing import CellProblem, Lookups, RowParser
from rectify.feedback.importing.report import MAX_STORED, Duplicate, Report, RowProblem
from rectify.feedback.models import ColumnMapping, FeedbackItem, ImportBatch, fingerprint
from rectify.feedback.scoping import can_import, can_undo_import
from rectify.textsim.normalise import dedup_key

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in the phase)

CHUNK = 2000  # rows per bulk insert
PARALLEL_FROM_ROWS = 20_000  # files this large compute duplicate keys in a helper process
PROGRESS_EVERY = 0.25  # seconds between committed progress updates
RUNNABLE = (
    ImportBatch.Status.PENDING,
    ImportBatch.Status.VALIDATED,
    ImportBatch.Status.REJECTED,
    ImportBatch.Status.FAILED,
)


# --- who may ------------------------------------------------------------------------------


def _require_importer(actor, campaign: Campaign) -> None:
    if not can_import(actor, campaign):
        raise ImportRefused("import_not_allowed")


# --- mappings -----------------------------------------------------------------------------


def headers_key(headers: list[str]) -> str:
    joined = "\x1f".join(fields_.header_key(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def sheet_headers(sheet: Sheet) -> list[str]:
    return [c.label for c in sheet.columns]


def get_mapping(campaign: Campaign, name: str) -> ColumnMapping:
    mapping = ColumnMapping.objects.filter(campaign=campaign, name=name).first()
    if mapping is None:
        raise ImportRefused("mapping_missing", name=name)
    return mapping


def find_mapping(campaign: Campaign, headers: list[str]) -> ColumnMapping | None:
    """The remembered mapping for files with these headers: the same headers first, else the
    most recently used mapping whose every column is among them."""
    ordered = ColumnMapping.objects.filter(campaign=campaign).order_by(
        "-last_used_at", "-updated_at", "-id"
    )
    exact = ordered.filter(headers_key=headers_key(headers)).first()
    if exact is not None:
        return exact
    present = {fields_.header_key(h) for h in headers if h}
    for mapping in ordered[:50]:
        wanted = {fields_.header_key(h) for h in mapping.columns.values()}
        if wanted and wanted <= present and "text" in mapping.columns:
            return mapping
    return None


@transaction.atomic
def save_mapping(
    campaign: Campaign,
    name: str,
    *,
    columns: dict[str, str],
    headers: list[str],
    defaults: dict | None = None,
    actor=None,
) -> ColumnMapping:
    """Create or replace the named mapping (logged as feedback.mapping)."""
    _require_importer(actor, campaign)
    unknown = sorted(set(columns) - set(fields_.FIELD_NAMES))
    if unknown:
        raise ImportRefused(
            "field_unknown", field=unknown[0], fields=", ".join(fields_.FIELD_NAMES)
        )
    mapping, created = ColumnMapping.objects.select_for_update().get_or_create(
        campaign=campaign,
        name=name,
        defaults={"created_by": actor if actor is not None and actor.is_authenticated else None},
    )
    before = {} if created else {"columns": mapping.columns, "defaults": mapping.defaults}
    mapping.columns = dict(columns)
    mapping.defaults = dict(defaults or {})
    mapping.headers = list(headers)
    mapping.headers_key = headers_key(headers)
    mapping.last_used_at = timezone.now()
    mapping.save()
    record(
        mapping,
        "feedback.mapping",
        actor=actor,
        before=before,
        after={"columns": mapping.columns, "defaults": mapping.defaults},
    )
    return mapping


@dataclass
class Suggestion:
    columns: dict[str, str]  # field → header (or letter)
    mapping: ColumnMapping | None = None  # the remembered mapping they come from, if any
    defaults: dict = field(default_factory=dict)


def suggest(campaign: Campaign, sheet: Sheet) -> Suggestion:
    """The remembered mapping for these headers if there is one, else one from the headers."""
    mapping = find_mapping(campaign, sheet_headers(sheet))
    if mapping is not None:
        columns = {f: h for f, h in mapping.columns.items() if sheet.column(h) is not None}
        return Suggestion(columns, mapping, dict(mapping.defaults))
    columns = fields_.suggest(sheet.columns)
    if "category" in columns and not campaign.categories.exists():
        # A taxonomy the campaign has not set up would refuse every row: leave it unmapped
        # (the preview lists it among the columns not imported).
        del columns["category"]
    return Suggestion(columns)


# --- the plan: columns and defaults checked against the sheet -----------------------------


@dataclass
class Plan:
    columns: dict[str, Column]
    positions: dict[str, int]
    defaults: dict  # parsed: kind, channel, region (pk)
    unmapped: list[Column]


def plan(campaign: Campaign, sheet: Sheet, columns: dict[str, str], defaults: dict | None):
    """Resolve field → header against the sheet and parse the defaults; ImportRefused when the
    choice cannot work (unknown field or column, no text column, no kind at all)."""
    resolved: dict[str, Column] = {}
    for name, header in columns.items():
        if name not in fields_.BY_NAME:
            raise ImportRefused("field_unknown", field=name, fields=", ".join(fields_.FIELD_NAMES))
        if not header:
            continue
        col = sheet.column(str(header))
        if col is None:
            raise ImportRefused(
                "column_missing", file=sheet.file_name, sheet=sheet.name, column=header
            )
        resolved[name] = col
    if "text" not in resolved:
        raise ImportRefused("text_unmapped")
    lookups = Lookups(campaign)
    parser = RowParser(lookups, {}, {})
    parsed: dict = {}
    for name, raw in (defaults or {}).items():
        if raw in (None, ""):
            continue
        if name not in ("kind", "channel", "region"):
            raise ImportRefused("field_unknown", field=name, fields="kind, channel, region")
        try:
            parsed[name] = getattr(parser, f"_{name}")(raw)
        except CellProblem as p:
            from rectify.feedback.importing.messages import render

            raise ImportRefused(
                "default_invalid",
                field=fields_.BY_NAME[name].label,
                reason=render(p.code, p.params),
            ) from None
    if "kind" not in resolved and not parsed.get("kind"):
        raise ImportRefused("kind_unmapped")
    index = {c.index: i for i, c in enumerate(sheet.columns)}
    used = {c.index for c in resolved.values()}
    return Plan(
        columns=resolved,
        positions={name: index[c.index] for name, c in resolved.items()},
        defaults=parsed,
        unmapped=[c for c in sheet.columns if c.index not in used and c.label],
    )


# --- preview ------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    row: int
    cells: dict[str, str]  # field → the cell as shown in the file
    values: dict[str, str]  # field → the parsed value, as it will be stored (display form)
    problems: list[RowProblem]


@dataclass
class Preview:
    file_name: str
    sheet: str
    sheets: list[SheetInfo]
    columns: list[Column]
    mapping: dict[str, Column]  # field → column
    saved_mapping: ColumnMapping | None
    defaults: dict
    rows: list[PreviewRow]
    notes: list[Note]
    error: dict = field(default_factory=dict)  # a choice that cannot work (ImportRefused)


def preview(
    campaign: Campaign,
    sheet: Sheet,
    columns: dict[str, str] | None = None,
    defaults: dict | None = None,
    *,
    limit: int = 10,
) -> Preview:
    """The sheet's columns, the mapping (suggested when `columns` is None) and its first rows
    with their parsed values and problems. Consumes the sheet's rows."""
    saved = None
    if columns is None:
        suggestion = suggest(campaign, sheet)
        columns, saved = suggestion.columns, suggestion.mapping
        defaults = {**suggestion.defaults, **(defaults or {})}
    result = Preview(
        file_name=sheet.file_name,
        sheet=sheet.name,
        sheets=list(sheet.workbook.sheets),
        columns=list(sheet.columns),
        mapping={},
        saved_mapping=saved,
        defaults=dict(defaults or {}),
        rows=[],
        notes=list(sheet.notes),
    )
    try:
        p = plan(campaign, sheet, columns, defaults)
    except ImportRefused as exc:
        result.error = exc.as_json()
        resolved = {n: sheet.column(h) for n, h in columns.items() if h}
        result.mapping = {n: c for n, c in resolved.items() if c is not None}
        return result
    result.mapping = dict(p.columns)
    if p.unmapped:
        result.notes.append(Note("note_unmapped", {"columns": [str(c) for c in p.unmapped]}))
    lookups = Lookups(campaign)
    parser = RowParser(lookups, p.positions, p.defaults)
    names = _display_names(lookups)
    for n, (rownum, cells) in enumerate(sheet.rows()):
        if n >= limit:
            break
        values, problems = parser.parse(cells)
        result.rows.append(
            PreviewRow(
                row=rownum,
                cells={f: as_string(cells[i]) for f, i in p.positions.items()},
                values={f: _display(f, v, names) for f, v in (values or {}).items()},
                problems=[_problem(rownum, p, *x) for x in problems],
            )
        )
    return result


def _display_names(lookups: Lookups) -> dict:
    from rectify.feedback.choices import Channel, FeedbackKind

    return {"kind": dict(FeedbackKind.choices), "channel": dict(Channel.choices)}


def _display(name: str, value, names: dict) -> str:
    if value is None:
        return ""
    if name in names:
        return str(names[name].get(value, value))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if name == "region":
        from rectify.orgs.models import Region

        return str(Region.objects.filter(pk=value).first() or value)
    if name == "category":
        from rectify.ledger.models import Category

        return str(Category.objects.filter(pk=value).first() or value)
    if name == "org_unit":
        from rectify.orgs.models import OrgUnit

        return str(OrgUnit.objects.filter(pk=value).first() or value)
    return str(value)


def _problem(rownum: int, p: Plan, name: str, code: str, params: dict, value: str) -> RowProblem:
    col = p.columns.get(name)
    return RowProblem(
        row=rownum,
        column=col.letter if col else "",
        header=col.label if col else "",
        field=name,
        code=code,
        params={k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
        value=value,
    )


# --- creating and running a batch ---------------------------------------------------------


def create_batch(
    campaign: Campaign,
    source,
    *,
    actor,
    filename: str | None = None,
    sheet: str | None = None,
    columns: dict[str, str] | None = None,
    mapping: ColumnMapping | str | None = None,
    defaults: dict | None = None,
    header_rows: int | None = None,
    mode: str = ImportBatch.Mode.GOOD_ROWS,
) -> ImportBatch:
    """Store the file (under its sha256) and the choices for importing it; nothing is imported
    yet. `columns` override the named `mapping`; with neither, the remembered mapping for the
    file's headers or the suggestion from them is used. Raises SpreadsheetFileError for a file that
    cannot be read and ImportRefused for choices that cannot work."""
    batch, _sheet = _create(
        campaign,
        source,
        actor=actor,
        filename=filename,
        sheet=sheet,
        columns=columns,
        mapping=mapping,
        defaults=defaults,
        header_rows=header_rows,
        mode=mode,
    )
    return batch


def _create(
    campaign,
    source,
    *,
    actor,
    filename=None,
    sheet=None,
    columns=None,
    mapping=None,
    defaults=None,
    header_rows=None,
    mode=ImportBatch.Mode.GOOD_ROWS,
    keep_open=False,
) -> tuple[ImportBatch, Sheet | None]:
    """create_batch; with keep_open, also the opened sheet (its rows unread; the caller closes
    its workbook)."""
    _require_importer(actor, campaign)
    if isinstance(mapping, str):
        mapping = get_mapping(campaign, mapping)
    wb = read(source, filename=filename)
    try:
        sh = wb.sheet(sheet, header_rows=header_rows)
        if mapping is not None:
            cols = {**mapping.columns, **(columns or {})}
            defs = {**mapping.defaults, **(defaults or {})}
        elif columns is None:
            suggestion = suggest(campaign, sh)
            cols, mapping = suggestion.columns, suggestion.mapping
            defs = {**suggestion.defaults, **(defaults or {})}
        else:
            cols, defs = dict(columns), dict(defaults or {})
        plan(campaign, sh, cols, defs)
        sha, size = _hash(wb.path)
        batch = ImportBatch(
            campaign=campaign,
            file_name=wb.file_name[:255],
            file_size=size,
            sha256=sha,
            file_kind=wb.kind,
            encoding=wb.encoding,
            sheet=sh.name,
            header_rows=header_rows,
            columns={k: v for k, v in cols.items() if v},
            defaults={k: v for k, v in defs.items() if v not in (None, "")},
            column_mapping=mapping,
            mode=mode,
            total=sh.data_rows_estimate,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        name = ImportBatch.file.field.generate_filename(batch, wb.file_name)
        if default_storage.exists(name):
            batch.file.name = name  # the same content is stored once
        else:
            with open(wb.path, "rb") as f:
                batch.file.save(wb.file_name, File(f), save=False)
        batch.save()
    except BaseException:
        wb.close()
        raise
    if keep_open:
        return batch, sh
    wb.close()
    return batch, None


def _hash(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def require_runnable(batch: ImportBatch) -> None:
    """ImportRefused unless the batch may be checked or imported now: waiting, checked, refused
    as a whole, failed, or running in a worker that stopped reporting."""
    if batch.status not in RUNNABLE and not progress(batch).stale:
        raise ImportRefused("batch_state", status=batch.get_status_display())


def enqueue(batch: ImportBatch, *, mode: str | None = None, validate_only: bool = False):
    """Run the batch in the background worker once the current transaction commits."""
    from rectify.feedback.tasks import import_batch, validate_batch

    if mode and mode != batch.mode:
        batch.mode = mode
        batch.save(update_fields=["mode"])
    task = validate_batch if validate_only else import_batch
    if batch.status in RUNNABLE:
        # Queued: pages show a progress bar (not the last check's choices) until the worker
        # claims it.
        batch.status, batch.done = ImportBatch.Status.PENDING, 0
        ImportBatch.objects.filter(pk=batch.pk).update(status=batch.status, done=0)
    transaction.on_commit(lambda: task.enqueue(batch.pk))


def validate(batch: ImportBatch, *, progress: Progress | None = None) -> Report:
    """Check every row and count what an import would do, importing nothing."""
    return _execute(batch, mode=None, validate_only=True, progress=progress)


def run(
    batch: ImportBatch,
    *,
    mode: str | None = None,
    progress: Progress | None = None,
    sheet: Sheet | None = None,
):
    """Import the batch: check every row, then save the good new rows in one transaction.

    mode good_rows imports the good rows and refuses the bad ones; all_or_nothing imports
    nothing when any row is refused (status rejected; run it again with good_rows to import
    the good ones). `sheet`: the one prepare() opened, to spare a second read. Returns the
    Report; the batch holds the same figures. Must not be called inside a transaction (it
    commits progress as it goes)."""
    report = _execute(
        batch, mode=mode or batch.mode, validate_only=False, progress=progress, opened=sheet
    )
    if report.status == ImportBatch.Status.DONE and report.imported:
        _flag_close_items(batch)
    return report


def _flag_close_items(batch: ImportBatch) -> None:
    """Flag the new items very close to an existing problem (feedback/closeness.py). Advice
    only: a failure is logged and leaves the import as it is."""
    from rectify.feedback.closeness import flag_batch

    try:
        flag_batch(batch)
    except Exception:
        log.exception("intake flags failed for import batch %s", batch.pk)


def prepare(campaign: Campaign, source, *, actor, **choices) -> tuple[ImportBatch, Sheet]:
    """create_batch, also returning the opened sheet, so that `run(batch, sheet=sheet)` in the
    same process reads the file once (the CLI's way; a page creates the batch in the request
    and the worker reads the stored file). Close `sheet.workbook` if you do not run it."""
    return _create(campaign, source, actor=actor, keep_open=True, **choices)


def _execute(batch, *, mode, validate_only, progress, opened: Sheet | None = None) -> Report:
    try:
        _claim(batch, mode)
    except BaseException:
        if opened is not None:
            opened.workbook.close()
        raise
    try:
        with contextlib.ExitStack() as stack:
            if opened is not None:
                stack.callback(opened.workbook.close)
                sheet = opened
            else:
                path = stack.enter_context(_local_file(batch))
                wb = stack.enter_context(read(path, filename=batch.file_name))
                sheet = wb.sheet(batch.sheet or None, header_rows=batch.header_rows)
            p = plan(batch.campaign, sheet, batch.columns, batch.defaults)
            notes = list(sheet.notes)
            if p.unmapped:
                notes.append(Note("note_unmapped", {"columns": [str(c) for c in p.unmapped]}))
            batch.notes = [n.as_json() for n in notes]
            if validate_only:
                checked = _check(batch, sheet, p, sink=None, report=_committed(batch, progress))
                _finish(batch, checked, ImportBatch.Status.VALIDATED)
            elif connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
                if _stream(batch, sheet, p, progress):
                    _remember(batch, sheet)
            else:
                spill = stack.enter_context(tempfile.TemporaryFile(prefix="rectify-import-"))
                inserter = _ItemInserter(INSERTED)
                received_default = batch.created_at or timezone.now()

                def sink(chunk):
                    # Rows leave the check pass ready to insert: the save pass, which holds
                    # the write lock, only inserts.
                    values = [_item_values(batch, received_default, *c) for c in chunk]
                    rows = inserter.rows(values)
                    spilled = [
                        (c[0], v[11], c[3], row)
                        for c, v, row in zip(chunk, values, rows, strict=True)
                    ]
                    pickle.dump(spilled, spill, protocol=pickle.HIGHEST_PROTOCOL)

                checked = _check(batch, sheet, p, sink=sink, report=_committed(batch, progress))
                if checked.refused and batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                    _finish(batch, checked, ImportBatch.Status.REJECTED)
                else:
                    spill.seek(0)
                    _save(batch, spill, checked, progress, inserter)
                    _remember(batch, sheet)
    except SpreadsheetError as exc:
        _fail(batch, exc.as_json())
    except BaseException:
        _fail(
            batch,
            {
                "code": "file_unreadable",
                "params": {"file": batch.file_name, "reason": "internal error"},
            },
        )
        raise
    return batch_report(batch)


def _claim(batch: ImportBatch, mode: str | None) -> None:
    """Mark the batch as running, refusing one that runs (and is alive), is done or undone."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in RUNNABLE and not locked.is_stale:
            raise ImportRefused("batch_state", status=locked.get_status_display())
        now = timezone.now()
        fields = {
            "status": ImportBatch.Status.VALIDATING,
            "started_at": now,
            "heartbeat_at": now,
            "finished_at": None,
            "done": 0,
            "error": {},
        }
        if mode:
            fields["mode"] = mode
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    for k, v in fields.items():
        setattr(batch, k, v)


@contextlib.contextmanager
def _local_file(batch: ImportBatch):
    """A local path to the stored file (a temporary copy for remote storage)."""
    try:
        local = batch.file.path
    except NotImplementedError:  # storage without local paths (S3 …)
        local = None
    if local:
        yield Path(local)
        return
    fd, tmp = tempfile.mkstemp(prefix="rectify-import-")
    try:
        with os.fdopen(fd, "wb") as out, batch.file.open("rb") as src:
            for chunk in src.chunks():
                out.write(chunk)
        yield Path(tmp)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@dataclass
class Checked:
    read: int = 0
    good: int = 0
    present: int = 0
    refused: int = 0
    problems: list = field(default_factory=list)
    problem_count: int = 0
    duplicates: list = field(default_factory=list)


def _existing_keys(campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """External ids and row fingerprints already in the campaign → item pk."""
    items = FeedbackItem.objects.filter(campaign_id=campaign_id)
    ext = dict(items.exclude(external_id="").values_list("external_id", "pk").iterator(5000))
    fps = dict(
        items.exclude(row_fingerprint="").values_list("row_fingerprint", "pk").iterator(5000)
    )
    return ext, fps


def _dedup_keys(texts: list[str]) -> list[str]:
    return [dedup_key(t) for t in texts]


class _KeyMaker:
    """dedup_key for a chunk of texts: in a helper process when the file is large and the
    machine has a second core, so the normalisation (the costliest step of the check, see
    bench/README.md) runs while the next chunk is read and parsed; inline otherwise."""

    def __init__(self, rows_expected: int):
        self.pool = None
        if rows_expected >= PARALLEL_FROM_ROWS and (os.cpu_count() or 1) > 1:
            import multiprocessing

            with contextlib.suppress(Exception):  # no fork (or no /dev/shm): inline
                self.pool = multiprocessing.get_context("fork").Pool(1)

    def submit(self, texts: list[str]):
        if self.pool is None:
            keys = _dedup_keys(texts)
            return lambda: keys
        pending = self.pool.apply_async(_dedup_keys, (texts,))
        return pending.get

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _check(batch, sheet: Sheet, p: Plan, *, sink, report, keys=None, lookups=None) -> Checked:
    """Read and check every row, handing the good new ones to `sink` in chunks and reporting
    progress to `report(done, total)` as it goes.

    Rows go in chunks: a chunk's duplicate keys are computed (see _KeyMaker) while the next
    chunk is parsed; duplicates are then decided chunk by chunk in file order."""
    out = Checked()
    parser = RowParser(lookups or Lookups(batch.campaign), p.positions, p.defaults)
    existing_ext, existing_fp = keys or _existing_keys(batch.campaign_id)
    seen_ext: dict[str, int] = {}
    seen_fp: dict[str, int] = {}
    total = batch.total
    last = time.monotonic()

    def decide(parsed: list[tuple[int, dict]], text_keys: list[str]) -> None:
        chunk = []
        for (rownum, values), text_key in zip(parsed, text_keys, strict=True):
            fp = fingerprint(text_key, values.get("received_at"), values.get("submitter", ""))
            ext = values.get("external_id", "")
            dup = None
            if ext:
                if ext in existing_ext:
                    dup = ("duplicate_in_campaign", {"item": existing_ext[ext]}, "by_external_id")
                elif ext in seen_ext:
                    dup = ("duplicate_in_file", {"row": seen_ext[ext]}, "by_external_id")
            elif fp in existing_fp:
                dup = ("duplicate_in_campaign", {"item": existing_fp[fp]}, "by_fingerprint")
            elif fp in seen_fp:
                dup = ("duplicate_in_file", {"row": seen_fp[fp]}, "by_fingerprint")
            if dup:
                out.present += 1
                if len(out.duplicates) < MAX_STORED:
                    code, params, by = dup
                    params["by"] = {"code": by}
                    out.duplicates.append(Duplicate(rownum, code, params).as_json())
                continue
            if ext:
                seen_ext[ext] = rownum
            seen_fp.setdefault(fp, rownum)
            out.good += 1
            chunk.append((rownum, values, text_key, fp))
        if chunk and sink is not None:
            sink(chunk)

    maker = _KeyMaker(total)
    try:
        waiting = None  # (parsed rows, their keys when ready)
        parsed: list[tuple[int, dict]] = []
        for rownum, cells in sheet.rows():
            out.read += 1
            values, problems = parser.parse(cells)
            if problems:
                out.refused += 1
                out.problem_count += len(problems)
                for x in problems:
                    if len(out.problems) < MAX_STORED:
                        out.problems.append(_problem(rownum, p, *x).as_json())
            else:
                parsed.append((rownum, values))
                if len(parsed) >= CHUNK:
                    submitted = (parsed, maker.submit([v["text"] for _r, v in parsed]))
                    if waiting is not None:
                        decide(waiting[0], waiting[1]())
                    waiting, parsed = submitted, []
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                total = max(total, out.read)
                report(out.read, total)
        if waiting is not None:
            decide(waiting[0], waiting[1]())
        if parsed:
            decide(parsed, _dedup_keys([v["text"] for _r, v in parsed]))
    finally:
        maker.close()
    batch.total = out.read
    report(out.read, out.read)
    return out


def _committed(batch, callback: Progress | None):
    """Progress of the check pass, committed on the batch row at once."""

    def report(done: int, total: int) -> None:
        _progress(batch, ImportBatch.Status.VALIDATING, done, total, callback)

    return report


def _progress(batch, phase: str, done: int, total: int, callback: Progress | None) -> None:
    """Commit progress on the batch (outside any transaction: visible at once)."""
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(done=done, total=total, heartbeat_at=now)
    batch.done, batch.total, batch.heartbeat_at = done, total, now
    if callback:
        callback(phase, done, total)


def _store_counts(batch, checked: Checked, status: str, imported: int = 0) -> None:
    batch.status = status
    batch.rows_read = checked.read
    batch.rows_imported = imported
    batch.rows_present = checked.present
    batch.rows_refused = checked.refused
    batch.problems = checked.problems
    batch.problem_count = checked.problem_count
    batch.duplicates = checked.duplicates
    batch.finished_at = timezone.now()
    batch.heartbeat_at = batch.finished_at
    batch.save(
        update_fields=[
            "status",
            "mode",
            "rows_read",
            "rows_imported",
            "rows_present",
            "rows_refused",
            "total",
            "done",
            "problems",
            "problem_count",
            "duplicates",
            "notes",
            "finished_at",
            "heartbeat_at",
        ]
    )


def _finish(batch, checked: Checked, status: str) -> None:
    _store_counts(batch, checked, status)


def _fail(batch, error: dict) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.error = error
    batch.finished_at = timezone.now()
    with contextlib.suppress(Exception):
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=batch.status, error=error, finished_at=batch.finished_at
        )


class _SideChannel:
    """Progress of the save pass, written through a second connection (PostgreSQL only: on
    SQLite the save transaction holds the only write lock)."""

    def __init__(self, batch_pk: int):
        self.batch_pk = batch_pk
        self.conn = None
        main = connections[DEFAULT_DB_ALIAS]
        if main.vendor == "postgresql":
            with contextlib.suppress(Exception):
                self.conn = type(main)(dict(main.settings_dict), alias="import-progress")
        self.last = time.monotonic()

    def update(self, done: int, total: int | None = None) -> None:
        if self.conn is None or (time.monotonic() - self.last < PROGRESS_EVERY and done != total):
            return
        self.last = time.monotonic()
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET done = %s, "
                    "total = GREATEST(total, %s), heartbeat_at = %s WHERE id = %s",
                    [done, total or 0, timezone.now(), self.batch_pk],
                )
        except Exception:  # progress is a courtesy; the import goes on without it
            log.warning("import progress could not be recorded", exc_info=True)
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


class _ItemInserter:
    """Inserts feedback items in bulk: COPY on PostgreSQL, one prepared INSERT run by
    executemany elsewhere.

    The ORM's bulk_create compiles SQL per object (and on SQLite caps a statement at 999
    parameters, ~45 rows); for 100k rows that costs more than the database does. This writes
    every concrete column: the `given` ones per row, each other field's default (auto_now
    fields: now), datetimes adapted by the backend as the ORM would. What save() derives
    (text_key, row_fingerprint) the importer has already computed.
    """

    def __init__(self, given: tuple[str, ...]):
        self.conn = connections[DEFAULT_DB_ALIAS]
        adapt = self.conn.ops.adapt_datetimefield_value
        self.fields = [f for f in FeedbackItem._meta.concrete_fields if not f.primary_key]
        names = [f.attname for f in self.fields]
        quote = self.conn.ops.quote_name
        table = quote(FeedbackItem._meta.db_table)
        cols = ", ".join(quote(f.column) for f in self.fields)
        self.sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})"
        self.copy_sql = f"COPY {table} ({cols}) FROM STDIN"
        now = timezone.now()
        self.template: list = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default() and callable(f.default) and f.attname not in given:
                value = f.get_default()
            else:
                value = f.get_default() if f.attname not in given else None
            if isinstance(f, models.DateTimeField) and value is not None:
                value = adapt(value)
            self.template.append(value)
        self.given = [names.index(name) for name in given]
        by_name = {f.attname: f for f in self.fields}
        self.dates = [
            i for i, name in enumerate(given) if isinstance(by_name[name], models.DateTimeField)
        ]
        self.adapt = adapt

    def rows(self, values: list[tuple]) -> list[list]:
        """Full rows (every column, adapted) from tuples of the `given` columns."""
        out = []
        template, given, dates, adapt = self.template, self.given, self.dates, self.adapt
        for v in values:
            if dates:
                v = list(v)
                for i in dates:
                    if v[i] is not None:
                        v[i] = adapt(v[i])
            row = template.copy()
            for i, value in zip(given, v, strict=True):
                row[i] = value
            out.append(row)
        return out

    def insert_rows(self, rows: list[list]) -> None:
        """The bare bulk insert of full rows (also the benchmark's floor)."""
        if not rows:
            return
        with self.conn.cursor() as cursor:
            if self.conn.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)

    def insert(self, values: list[tuple]) -> None:
        self.insert_rows(self.rows(values))

    @contextlib.contextmanager
    def copy(self):
        """PostgreSQL: one COPY open for the whole import; yields write(rows)."""
        with self.conn.cursor() as cursor, cursor.cursor.copy(self.copy_sql) as copy:

            def write(rows: list[list]) -> None:
                for row in rows:
                    copy.write_row(row)

            yield write


INSERTED = (
    "campaign_id",
    "kind",
    "title",
    "text",
    "channel",
    "region_id",
    "org_unit_id",
    "category_id",
    "submitter_name",
    "submitter_contact",
    "received_at",
    "external_id",
    "text_key",
    "row_fingerprint",
    "import_batch_id",
    "import_row",
    "created_by_id",
)


def _item_values(batch, received_default, rownum, v, text_key, fp) -> tuple:
    """A checked row as the INSERTED columns."""
    return (
        batch.campaign_id,
        v["kind"],
        v.get("title", ""),
        v["text"],
        v["channel"],
        v.get("region"),
        v.get("org_unit"),
        v.get("category"),
        v.get("submitter", ""),
        v.get("contact", ""),
        v.get("received_at") or received_default,
        v.get("external_id", ""),
        text_key,
        fp,
        batch.pk,
        rownum,
        batch.created_by_id,
    )


class _Rejected(Exception):
    def __init__(self, checked):
        self.checked = checked


def _stream(batch, sheet: Sheet, p: Plan, progress: Progress | None) -> bool:
    """PostgreSQL: check and COPY in one pass, inside one transaction. The server stores rows
    while this process reads and checks the next ones, so the two costs overlap instead of
    adding up; progress goes through the second connection (row locks do not block it).
    Returns whether the rows were saved (False: all-or-nothing with bad rows, rolled back)."""
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.SAVING, done=0, heartbeat_at=now
    )
    batch.status = ImportBatch.Status.SAVING
    lookups = Lookups(batch.campaign)
    lookups.preload()  # no query may run on this connection while COPY is open
    received_default = batch.created_at or now
    side = _SideChannel(batch.pk)

    def report(done: int, total: int) -> None:
        side.update(done, total)
        if progress:
            progress(ImportBatch.Status.SAVING, done, total)

    try:
        with transaction.atomic():
            _lock_campaign(batch)
            keys = _existing_keys(batch.campaign_id)
            inserter = _ItemInserter(INSERTED)
            with inserter.copy() as write:

                def sink(chunk):
                    write(inserter.rows([_item_values(batch, received_default, *c) for c in chunk]))

                checked = _check(
                    batch, sheet, p, sink=sink, report=report, keys=keys, lookups=lookups
                )
            if checked.refused and batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                raise _Rejected(checked)
            batch.done = checked.good
            _store_counts(batch, checked, ImportBatch.Status.DONE, checked.good)
            _log_import(batch, checked, checked.good)
    except _Rejected as rejected:
        _finish(batch, rejected.checked, ImportBatch.Status.REJECTED)
        return False
    finally:
        side.close()
    return True


def _lock_campaign(batch) -> None:
    """One import at a time per campaign (rows another import saved meanwhile count as already
    present)."""
    list(
        Campaign.objects.select_for_update(no_key=True)
        .filter(pk=batch.campaign_id)
        .values_list("pk")
    )


def _log_import(batch, checked: Checked, imported: int) -> None:
    record(
        batch,
        "feedback.import",
        actor=batch.created_by,
        campaign=batch.campaign,
        after={
            "file": batch.file_name,
            "sha256": batch.sha256,
            "sheet": batch.sheet,
            "read": checked.read,
            "imported": imported,
            "already_present": checked.present,
            "refused": checked.refused,
        },
    )


def _save(batch, spill, checked: Checked, progress: Progress | None, inserter) -> None:
    """The second pass (SQLite and other engines): insert the spilled rows, the counts and the
    log entry in one transaction. The check pass ran outside it, so the write lock is held
    only this long, and its progress was committed for other processes to read; during this
    transaction no other connection can write on SQLite, so only the caller's callback hears
    of its progress."""
    to_save = checked.good
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.SAVING,
        done=0,
        total=to_save,
        rows_read=checked.read,
        rows_present=checked.present,
        rows_refused=checked.refused,
        heartbeat_at=now,
    )
    batch.status, batch.done, batch.total = ImportBatch.Status.SAVING, 0, to_save
    if progress:
        progress(ImportBatch.Status.SAVING, 0, to_save)
    with transaction.atomic():
        _lock_campaign(batch)
        existing_ext, existing_fp = _existing_keys(batch.campaign_id)
        imported = 0
        while True:
            try:
                spilled = pickle.load(spill)
            except EOFError:
                break
            rows = []
            for rownum, ext, fp, row in spilled:
                if (ext and ext in existing_ext) or (not ext and fp in existing_fp):
                    checked.present += 1  # saved by another import since the check
                    if len(checked.duplicates) < MAX_STORED:
                        item = existing_ext.get(ext) if ext else existing_fp.get(fp)
                        by = "by_external_id" if ext else "by_fingerprint"
                        checked.duplicates.append(
                            Duplicate(
                                rownum, "duplicate_in_campaign", {"item": item, "by": {"code": by}}
                            ).as_json()
                        )
                    continue
                rows.append(row)
            inserter.insert_rows(rows)
            imported += len(rows)
            if progress:
                progress(ImportBatch.Status.SAVING, imported, to_save)
        batch.done = imported
        _store_counts(batch, checked, ImportBatch.Status.DONE, imported)
        _log_import(batch, checked, imported)


def _remember(batch: ImportBatch, sheet: Sheet) -> None:
    """After a successful import the columns are remembered for files with the same headers:
    in the mapping the batch used, else in one named after the file."""
    headers = sheet_headers(sheet)
    mapping = batch.column_mapping or find_mapping(batch.campaign, headers)
    if mapping is not None and mapping.headers_key != headers_key(headers):
        mapping = None  # a looser match: keep it as it is and remember these headers apart
    name = mapping.name if mapping is not None else _free_name(batch)
    with contextlib.suppress(ImportRefused):
        saved = save_mapping(
            batch.campaign,
            name,
            columns=batch.columns,
            headers=headers,
            defaults=batch.defaults,
            actor=batch.created_by,
        )
        if batch.column_mapping_id != saved.pk:
            batch.column_mapping = saved
            batch.save(update_fields=["column_mapping"])


def _free_name(batch: ImportBatch) -> str:
    base = (Path(batch.file_name).stem or batch.file_name)[:90]
    taken = set(
        ColumnMapping.objects.filter(campaign=batch.campaign, name__startswith=base).values_list(
            "name", flat=True
        )
    )
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name


# --- reading a batch back -----------------------------------------------------------------


def batch_report(batch: ImportBatch) -> Report:
    return Report(
        file_name=batch.file_name,
        sheet=batch.sheet,
        status=batch.status,
        read=batch.rows_read,
        imported=batch.rows_imported,
        present=batch.rows_present,
        refused=batch.rows_refused,
        problems=[RowProblem.from_json(p) for p in batch.problems],
        problem_count=batch.problem_count,
        duplicates=[Duplicate.from_json(d) for d in batch.duplicates],
        notes=[Note(n["code"], n.get("params", {})) for n in batch.notes],
        error=batch.error,
    )


@dataclass(frozen=True)
class ProgressInfo:
    status: str
    phase_label: str
    done: int
    total: int
    stale: bool

    @property
    def percent(self) -> int:
        if self.status in (ImportBatch.Status.DONE, ImportBatch.Status.VALIDATED):
            return 100
        return int(100 * self.done / self.total) if self.total else 0


def progress(batch: ImportBatch) -> ProgressInfo:
    """Where a batch is, read fresh from the database (for a progress bar)."""
    b = ImportBatch.objects.get(pk=batch.pk)
    return ProgressInfo(b.status, str(b.get_status_display()), b.done, b.total, b.is_stale)


# --- undo ---------------------------------------------------------------------------------


@transaction.atomic
def undo(batch: ImportBatch, *, actor) -> int:
    """Delete every item of a finished import, while none of them is merged into a problem.
    Returns how many were deleted; logged as feedback.import_undo."""
    from rectify.ledger.models import ProblemFeedback

    locked = ImportBatch.objects.select_for_update().select_related("campaign").get(pk=batch.pk)
    if not can_undo_import(actor, locked):
        raise ImportRefused("undo_not_allowed")
    if locked.status != ImportBatch.Status.DONE:
        raise ImportRefused("undo_state", status=locked.get_status_display())
    merged = ProblemFeedback.objects.filter(feedback_item__import_batch=locked)
    first = merged.select_related("problem").order_by("problem__number").first()
    if first is not None:
        raise ImportRefused("undo_merged", count=merged.count(), problem=first.problem.number)
    try:
        _total, per_model = FeedbackItem.objects.filter(import_batch=locked).delete()
    except ProtectedError:  # merged meanwhile: the lock above does not cover the links
        raise ImportRefused("undo_merged", count="?", problem="?") from None
    deleted = per_model.get(FeedbackItem._meta.label, 0)
    locked.status = ImportBatch.Status.UNDONE
    locked.undone_by = actor if actor is not None and actor.is_authenticated else None
    locked.undone_at = timezone.now()
    locked.save(update_fields=["status", "undone_by", "undone_at"])
    record(
        locked,
        "feedback.import_undo",
        actor=actor,
        campaign=locked.campaign,
        before={"status": ImportBatch.Status.DONE, "items": deleted},
        after={"status": ImportBatch.Status.UNDONE, "items": 0},
    )
    batch.status, batch.undone_at, batch.undone_by = (
        locked.status,
        locked.undone_at,
        locked.undone_by,
    )
    return deleted
