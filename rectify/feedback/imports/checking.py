"""The check pass: every row read, parsed and checked, its duplicate keys computed (in a helper
process for large files), and decided: good and new, already present, or refused."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from rectify.core.spreadsheets.reader import Sheet
from rectify.feedback.imports.parsing import Lookups, RowParser
from rectify.feedback.imports.plans import Plan, row_problem
from rectify.feedback.imports.report import MAX_STORED, Duplicate
from rectify.feedback.models import FeedbackItem, ImportBatch
from rectify.textsim.normalise import dedup_key

Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in the phase)

CHUNK = 2000  # rows checked (and inserted) together
PARALLEL_FROM_ROWS = 20_000  # files this large compute duplicate keys in a helper process
PROGRESS_EVERY = 0.25  # seconds between committed progress updates


@dataclass
class Checked:
    """What the check pass found: counts, and the first MAX_STORED problems and duplicates."""

    read: int = 0
    good: int = 0
    present: int = 0
    refused: int = 0
    problems: list = field(default_factory=list)
    problem_count: int = 0
    duplicates: list = field(default_factory=list)


def existing_keys(campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """External ids and row fingerprints already in the campaign → item pk.

    An imported item is known by two fingerprints: its row's as it was in the file (without a
    day when the row had none: the same file again is recognised on any day) and the item's as
    stored (received the day it was imported: what its own export says)."""
    items = FeedbackItem.objects.filter(campaign_id=campaign_id)
    ext = dict(items.exclude(external_id="").values_list("external_id", "pk").iterator(5000))
    fps = dict(
        items.exclude(row_fingerprint="").values_list("row_fingerprint", "pk").iterator(5000)
    )
    imported = items.filter(import_batch__isnull=False).values_list(
        "pk", "text_key", "received_at", "submitter_name"
    )
    for pk, text_key, received, submitter in imported.iterator(5000):
        _key, stored = FeedbackItem.duplicate_keys(None, received, submitter, text_key=text_key)
        fps.setdefault(stored, pk)
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


def check(batch, sheet: Sheet, p: Plan, *, sink, report, keys=None, lookups=None) -> Checked:
    """Read and check every row, handing the good new ones to `sink` in chunks and reporting
    progress to `report(done, total)` as it goes.

    Rows go in chunks: a chunk's duplicate keys are computed (see _KeyMaker) while the next
    chunk is parsed; duplicates are then decided chunk by chunk in file order."""
    out = Checked()
    parser = RowParser(lookups or Lookups(batch.campaign), p.positions, p.defaults)
    existing_ext, existing_fp = keys or existing_keys(batch.campaign_id)
    seen_ext: dict[str, int] = {}
    seen_fp: dict[str, int] = {}
    total = batch.total
    last = time.monotonic()

    def decide(parsed: list[tuple[int, dict]], text_keys: list[str]) -> None:
        chunk = []
        for (rownum, values), text_key in zip(parsed, text_keys, strict=True):
            _key, fp = FeedbackItem.duplicate_keys(
                values["text"],
                values.get("received_at"),
                values.get("submitter", ""),
                text_key=text_key,
            )
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
                        out.problems.append(row_problem(rownum, p, *x).as_json())
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


def committed_progress(batch, callback: Progress | None):
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


def store_counts(batch, checked: Checked, status: str, imported: int = 0) -> None:
    """The outcome on the batch: its status, counts, problems and rows already present."""
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
