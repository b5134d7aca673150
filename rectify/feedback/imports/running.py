"""Running a batch: claimed, read, checked and saved (or only checked), in the request or by
the background worker, whose tasks (import_batch, validate_batch) are declared here beside the
functions they run; and its progress, read fresh for a progress bar.

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
- Either way a killed worker leaves all of the batch or none of it (tests/feedback/imports/
  test_kill.py kills one with SIGKILL on both engines). A batch left running is stale
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
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_tasks import task

from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.reader import Note, Sheet, read
from rectify.feedback.imports.checking import Progress, check, committed_progress, store_counts
from rectify.feedback.imports.errors import ImportRefused
from rectify.feedback.imports.mappings import remember
from rectify.feedback.imports.plans import plan
from rectify.feedback.imports.report import Report, batch_report
from rectify.feedback.imports.saving import INSERTED, ItemInserter, item_values, save, stream
from rectify.feedback.models import ImportBatch

log = logging.getLogger(__name__)

RUNNABLE = (
    ImportBatch.Status.PENDING,
    ImportBatch.Status.VALIDATED,
    ImportBatch.Status.REJECTED,
    ImportBatch.Status.FAILED,
)


def require_runnable(batch: ImportBatch) -> None:
    """ImportRefused unless the batch may be checked or imported now: waiting, checked, refused
    as a whole, failed, or running in a worker that stopped reporting."""
    if batch.status not in RUNNABLE and not progress(batch).stale:
        raise ImportRefused("batch_state", status=batch.get_status_display())


def enqueue(batch: ImportBatch, *, mode: str | None = None, validate_only: bool = False):
    """Run the batch in the background worker once the current transaction commits."""
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
    """Flag the new items very close to an existing problem (feedback/items/closeness.py). Advice
    only: a failure is logged and leaves the import as it is."""
    # Imported here: textsim's numerical libraries (~90 MB) would otherwise be in memory, and
    # in the helper process forked from it, while the rows are read and checked.
    from rectify.feedback.items.closeness import flag_batch

    try:
        flag_batch(batch)
    except Exception:
        log.exception("intake flags failed for import batch %s", batch.pk)


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
                checked = check(
                    batch, sheet, p, sink=None, report=committed_progress(batch, progress)
                )
                store_counts(batch, checked, ImportBatch.Status.VALIDATED)
            elif connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
                if stream(batch, sheet, p, progress):
                    remember(batch, sheet)
            else:
                spill = stack.enter_context(tempfile.TemporaryFile(prefix="rectify-import-"))
                inserter = ItemInserter(INSERTED)
                received_default = batch.created_at or timezone.now()

                def sink(chunk):
                    # Rows leave the check pass ready to insert: the save pass, which holds
                    # the write lock, only inserts.
                    values = [item_values(batch, received_default, *c) for c in chunk]
                    rows = inserter.rows(values)
                    spilled = [
                        (c[0], v[11], c[3], row)
                        for c, v, row in zip(chunk, values, rows, strict=True)
                    ]
                    pickle.dump(spilled, spill, protocol=pickle.HIGHEST_PROTOCOL)

                checked = check(
                    batch, sheet, p, sink=sink, report=committed_progress(batch, progress)
                )
                if checked.refused and batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                    store_counts(batch, checked, ImportBatch.Status.REJECTED)
                else:
                    spill.seek(0)
                    save(batch, spill, checked, progress, inserter)
                    remember(batch, sheet)
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


def _fail(batch, error: dict) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.error = error
    batch.finished_at = timezone.now()
    with contextlib.suppress(Exception):
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=batch.status, error=error, finished_at=batch.finished_at
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


# --- the background worker's tasks (`rectify db_worker`) -----------------------------------


@task()
def import_batch(batch_id: int) -> dict:
    """Import a stored batch (run); the batch records progress and the outcome."""
    report = run(ImportBatch.objects.get(pk=batch_id))
    return {"status": report.status, "summary": report.summary}


@task()
def validate_batch(batch_id: int) -> dict:
    """Check every row of a stored batch without importing (validate)."""
    report = validate(ImportBatch.objects.get(pk=batch_id))
    return {"status": report.status, "summary": report.summary}
