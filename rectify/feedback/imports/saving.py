"""Saving the checked rows: in bulk (COPY on PostgreSQL, one prepared INSERT elsewhere), in one
transaction with the batch's counts and its activity log entry, so that a killed worker leaves
all of a batch or none of it. See running.py for the two engines' ways."""

from __future__ import annotations

import contextlib
import logging
import pickle
import time

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from rectify.audit.log import record
from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.reader import Sheet
from rectify.feedback.imports.checking import (
    PROGRESS_EVERY,
    Checked,
    Progress,
    check,
    existing_keys,
    store_counts,
)
from rectify.feedback.imports.parsing import Lookups
from rectify.feedback.imports.plans import Plan
from rectify.feedback.imports.report import MAX_STORED, Duplicate
from rectify.feedback.models import FeedbackItem, ImportBatch

log = logging.getLogger(__name__)


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


class ItemInserter:
    """Inserts feedback items in bulk: COPY on PostgreSQL, one prepared INSERT run by
    executemany elsewhere.

    The ORM's bulk_create compiles SQL per object (and on SQLite caps a statement at 999
    parameters, ~45 rows); for 100k rows that costs more than the database does. This writes
    every concrete column: the `given` ones per row, each other field's default (auto_now
    fields: now), datetimes adapted by the backend as the ORM would. What save() derives
    (text_key, row_fingerprint) the check pass computed by FeedbackItem.duplicate_keys.
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


def item_values(batch, received_default, rownum, v, text_key, fp) -> tuple:
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


def stream(batch, sheet: Sheet, p: Plan, progress: Progress | None) -> bool:
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
            keys = existing_keys(batch.campaign_id)
            inserter = ItemInserter(INSERTED)
            with inserter.copy() as write:

                def sink(chunk):
                    write(inserter.rows([item_values(batch, received_default, *c) for c in chunk]))

                checked = check(
                    batch, sheet, p, sink=sink, report=report, keys=keys, lookups=lookups
                )
            if checked.refused and batch.mode == ImportBatch.Mode.ALL_OR_NOTHING:
                raise _Rejected(checked)
            batch.done = checked.good
            store_counts(batch, checked, ImportBatch.Status.DONE, checked.good)
            _log_import(batch, checked, checked.good)
    except _Rejected as rejected:
        store_counts(batch, rejected.checked, ImportBatch.Status.REJECTED)
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


def save(batch, spill, checked: Checked, progress: Progress | None, inserter) -> None:
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
        existing_ext, existing_fp = existing_keys(batch.campaign_id)
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
        store_counts(batch, checked, ImportBatch.Status.DONE, imported)
        _log_import(batch, checked, imported)
