"""Benchmark: importing 100,000 feedback rows, from .xlsx and from GBK .csv, into SQLite and
PostgreSQL — next to the floor measured in the same run.

    .venv/bin/python bench/import_feedback.py [--rows 100000] [--db sqlite,postgres]
                                              [--pg-url postgres://postgres@127.0.0.1:5432]

For each database and file it runs (each in a fresh process, so peak RSS is its own; the best
of --repeat runs counts):

- floor read: python-calamine reading every row of the xlsx, or decoding the csv and splitting
  it into rows (nothing else);
- floor insert: the same rows, prepared beforehand, inserted in one transaction the fastest
  way the engine offers (COPY on PostgreSQL, executemany of one prepared INSERT on SQLite):
  the database's share, nothing else;
- import: `batches.prepare` + `running.run` (what `rectify import` does), the whole
  service: hash and store the file, read, parse and check every row, look for duplicates,
  insert, log.

The floor for an import is the read and the insert back to back: rows / (t_read + t_insert).
Goal (issue 4): the import at least half the floor's throughput, and under 500 MB peak RSS.
SQLite runs on a file in a temporary folder; PostgreSQL on a scratch database `bench_import`
created and dropped here. Not a test: it prints figures; bench/README.md records them.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
PG_DB = "bench_import"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- children: one measurement each -------------------------------------------------------


def child_read(path: Path) -> dict:
    started = time.perf_counter()
    n = 0
    if path.suffix == ".xlsx":
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for _row in book.get_sheet_by_index(0).iter_rows():
            n += 1
    else:
        import csv

        with open(path, encoding="gb18030", newline="") as f:
            for _row in csv.reader(f):
                n += 1
    return {"rows": n - 1, "seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()


def _campaign(slug: str):
    from rectify.campaigns.models import Campaign
    from rectify.feedback.models import FeedbackItem, ImportBatch
    from rectify.orgs.models import OrgUnit

    unit, _ = OrgUnit.objects.get_or_create(code="bench", defaults={"name": "基准测试单位"})
    campaign, _ = Campaign.objects.get_or_create(
        slug=slug, defaults={"name": slug, "org_unit": unit}
    )
    FeedbackItem.objects.filter(campaign=campaign)._raw_delete(FeedbackItem.objects.db)
    ImportBatch.objects.filter(campaign=campaign)._raw_delete(ImportBatch.objects.db)
    return campaign


def child_insert(path: Path, rows: int) -> dict:
    _setup_django()
    from django.db import transaction
    from django.utils import timezone

    from rectify.feedback.imports.saving import INSERTED, ItemInserter
    from rectify.feedback.models import FeedbackItem
    from tests.core.spreadsheets import messy

    campaign = _campaign(f"bench-floor-{path.suffix[1:]}")
    tz = timezone.get_default_timezone()
    inserter = ItemInserter(INSERTED)
    values = []
    for i, r in enumerate(messy.feedback_rows(rows, seed=7)):
        received = r[7].replace(tzinfo=tz)
        key, fp = FeedbackItem.duplicate_keys(r[3], received, r[6])
        values.append(
            (campaign.pk, "problem", r[2], r[3], "symposium", None, None, None, r[6], "")
            + (received, r[0], key, fp, None, i + 2, None)
        )
    prepared = inserter.rows(values)  # every column, adapted: only the insert is timed
    started = time.perf_counter()
    with transaction.atomic():
        inserter.insert_rows(prepared)
    seconds = time.perf_counter() - started
    count = FeedbackItem.objects.filter(campaign=campaign).count()
    FeedbackItem.objects.filter(campaign=campaign)._raw_delete(FeedbackItem.objects.db)
    return {"rows": count, "seconds": seconds, "peak_mb": peak_mb()}


def child_orm(path: Path, rows: int) -> dict:
    """For reference: the same rows through the ORM's bulk_create (what a naive importer does)."""
    _setup_django()
    from django.db import transaction
    from django.utils import timezone

    from rectify.feedback.models import FeedbackItem
    from tests.core.spreadsheets import messy

    campaign = _campaign(f"bench-orm-{path.suffix[1:]}")
    tz = timezone.get_default_timezone()
    objs = []
    for r in messy.feedback_rows(rows, seed=7):
        item = FeedbackItem(
            campaign=campaign,
            kind="problem",
            title=r[2],
            text=r[3],
            channel="symposium",
            submitter_name=r[6],
            received_at=r[7].replace(tzinfo=tz),
            external_id=r[0],
        )
        item.set_keys()  # bulk_create skips save(), which sets them
        objs.append(item)
    started = time.perf_counter()
    with transaction.atomic():
        FeedbackItem.objects.bulk_create(objs, batch_size=2000)
    seconds = time.perf_counter() - started
    FeedbackItem.objects.filter(campaign=campaign)._raw_delete(FeedbackItem.objects.db)
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_mb()}


def child_import(path: Path) -> dict:
    _setup_django()
    from rectify.feedback.imports.batches import prepare
    from rectify.feedback.imports.running import run
    from rectify.orgs.access import SYSTEM

    campaign = _campaign(f"bench-import-{path.suffix[1:]}")
    started = time.perf_counter()
    batch, sheet = prepare(
        campaign, path, actor=SYSTEM, defaults={"kind": "problem"}, mode="good_rows"
    )
    report = run(batch, sheet=sheet)
    seconds = time.perf_counter() - started
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "rows": report.imported,
        "refused": report.refused,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "helper_mb": helper,
    }


# --- the parent: files, databases, table ---------------------------------------------------


def run_child(kind: str, path: Path, url: str | None, rows: int, media: Path) -> dict:
    env = dict(os.environ)
    if url:
        env["DATABASE_URL"] = url
    env["MEDIA_ROOT"] = str(media)
    out = subprocess.run(
        [PY, __file__, "--child", kind, "--file", str(path), "--rows", str(rows)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{kind} on {path.name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([PY, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)


def pg_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres") as con:
        con.autocommit = True
        con.execute(sql)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    parser.add_argument("--child", choices=("read", "insert", "orm", "import"))
    parser.add_argument("--file")
    args = parser.parse_args()

    if args.child:
        path = Path(args.file)
        result = {
            "read": lambda: child_read(path),
            "insert": lambda: child_insert(path, args.rows),
            "orm": lambda: child_orm(path, args.rows),
            "import": lambda: child_import(path),
        }[args.child]()
        print(json.dumps(result))
        return

    from tests.core.spreadsheets import messy

    work = Path(tempfile.mkdtemp(prefix="rectify-bench-"))
    try:
        t = time.perf_counter()
        files = [
            messy.big_xlsx(work / "feedback.xlsx", args.rows, seed=7),
            messy.big_csv(work / "feedback-gbk.csv", args.rows, seed=7),
        ]
        print(
            f"{args.rows:,} rows of generated Chinese feedback (avg text "
            f"{sum(len(r[3]) for r in messy.feedback_rows(2000, seed=7)) / 2000:.0f} chars); "
            + ", ".join(f"{f.name} {f.stat().st_size / 1e6:.1f} MB" for f in files)
            + f"; generated in {time.perf_counter() - t:.1f} s"
        )
        results = []
        for db in args.db.split(","):
            if db == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
            elif db == "postgres":
                pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB}")
                pg_admin(args.pg_url, f"CREATE DATABASE {PG_DB}")
                url = f"{args.pg_url}/{PG_DB}"
            else:
                sys.exit(f"unknown database {db}")
            try:
                migrate(url)
                for f in files:

                    def best(kind, f=f, url=url):
                        runs = [
                            run_child(kind, f, url, args.rows, work / "media")
                            for _ in range(args.repeat)
                        ]
                        return min(runs, key=lambda r: r["seconds"])

                    read, insert, imp = best("read"), best("insert"), best("import")
                    orm = run_child("orm", f, url, args.rows, work / "media")
                    results.append((db, f, read, insert, imp, orm))
                    print(f"  {db} {f.suffix[1:]}: done", file=sys.stderr)
            finally:
                if db == "postgres":
                    pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

        head = (
            "| database | file | floor: read | floor: insert | floor: read+insert | import | "
            "import / floor | peak RSS: import, its helper (read, insert) | "
            "for reference: ORM bulk_create |"
        )
        print()
        print(head)
        print("|" + "---|" * 9)
        for db, f, read, insert, imp, orm in results:
            n = args.rows
            floor_s = read["seconds"] + insert["seconds"]
            ok = imp["rows"] == n and imp["refused"] == 0
            print(
                f"| {'SQLite' if db == 'sqlite' else 'PostgreSQL'} | {f.suffix[1:]} "
                f"| {rate(n, read['seconds'])} rows/s ({read['seconds']:.1f} s) "
                f"| {rate(n, insert['seconds'])} rows/s ({insert['seconds']:.1f} s) "
                f"| {rate(n, floor_s)} rows/s ({floor_s:.1f} s) "
                f"| {rate(n, imp['seconds'])} rows/s ({imp['seconds']:.1f} s){'' if ok else ' !'} "
                f"| {floor_s / imp['seconds']:.2f} "
                f"| {imp['peak_mb']:.0f} MB, helper {imp['helper_mb']:.0f} MB "
                f"({read['peak_mb']:.0f}, {insert['peak_mb']:.0f}) "
                f"| {rate(n, orm['seconds'])} rows/s ({orm['seconds']:.1f} s) |"
            )
        print(f"\nbest of {args.repeat} runs each (ORM: one run); peak RSS of the best run")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
