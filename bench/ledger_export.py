"""Benchmark: exporting a 100,000-measure ledger (整改台账.xlsx) on SQLite and PostgreSQL, next
to the floor measured in the same run, and at 10,000 measures to show memory stays flat.

    .venv/bin/python bench/ledger_export.py [--sizes 100000,10000] [--db sqlite,postgres]
                                            [--pg-url postgres://postgres@127.0.0.1:5432]

The data: for each size a campaign of that many measures (5 a problem, 30 units; a third
under way with one to three progress reports, a tenth closed, a fifth with cooperating units,
a tenth with an evidence file's row), generated with bulk inserts of the rows the services
would make (same fields and states; no activity-log rows, which the export does not read, and
no evidence bytes, of which the export writes only the names). `rectify ledger export` reads
them as it reads any campaign.

Each measurement runs in a fresh process, so its peak RSS (ru_maxrss) is its own:

- export: `sheets.export.write_ledger` over the campaign (three sheets, formats, drop-downs,
  row heights, every progress report), to a file;
- floor: XlsxWriter (constant memory) writing the same 整改台账 cells from a list in memory,
  one sheet, no formats: the rows are read first and not timed — the writer's share alone;
- baseline: Django set up and XlsxWriter imported, nothing else (the RSS every child starts
  from).

- reimport: `sheets.reimport.read` of that export, unchanged, as the office: every row
  matched by its key and compared (`0 changes` expected).

Goal (issue 12): the export of 100,000 measures within 30 s, and its peak RSS independent of
the number of rows; the re-import of the unchanged export (`0 changes`) within 60 s. SQLite
runs on a file in a temporary folder; PostgreSQL on a scratch database `bench_ledger_export`,
created and dropped here. Not a test: it prints figures; bench/README.md records them.
"""

import argparse
import datetime as dt
import json
import os
import random
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
PG_DB = "bench_ledger_export"
PER_PROBLEM = 5


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()


def slug_for(size: int) -> str:
    return f"bench-ledger-{size}"


# --- the data ------------------------------------------------------------------------------------

PHRASES = [
    "基层减负落实不到位，考核事项多、频次高",
    "群众办事仍需多头跑、反复跑",
    "社会救助审核审批时限过长",
    "养老服务机构安全隐患排查不彻底",
    "社会组织登记管理服务不够规范",
    "惠民惠农资金发放存在延迟",
    "=1+1 以等号开头的文本",
]
MEASURES = [
    "全面清理规范面向基层的考核事项，压减督查检查频次",
    "推行一次告知、一表申请、一窗受理，优化办事流程",
    "将审核审批时限压缩至10个工作日以内，建立超时预警",
    "开展安全隐患大排查大整治，建立问题清单和整改台账",
    "修订完善登记管理办法，公开办事指南",
    "建立资金发放月调度机制，逐笔核对发放情况",
]


def child_generate(size: int) -> dict:
    """A campaign of `size` measures, bulk inserted (see the module's docstring)."""
    _setup_django()
    from django.db import transaction

    from rectify.campaigns.models import Campaign
    from rectify.ledger.choices import Closure, MeasureState, Source
    from rectify.ledger.models import Evidence, Measure, Problem, ProgressReport
    from rectify.orgs.models import OrgUnit

    started = time.perf_counter()
    rng = random.Random(size)
    with transaction.atomic():
        root, _ = OrgUnit.objects.get_or_create(code="bench", defaults={"name": "基准测试部"})
        units = [
            OrgUnit.objects.get_or_create(
                code=f"bench-{i}", defaults={"name": f"第{i + 1}省民政厅", "parent": root}
            )[0]
            for i in range(30)
        ]
        campaign = Campaign.objects.create(
            name=f"基准测试{size}专项工作", slug=slug_for(size), org_unit=root
        )
        sources = list(Source.values)
        problems = Problem.objects.bulk_create(
            [
                Problem(
                    campaign=campaign,
                    number=n,
                    title=f"{rng.choice(PHRASES)}（{n}）",
                    description=rng.choice(PHRASES) * rng.randint(1, 4),
                    source=rng.choice(sources),
                    lead_unit=rng.choice(units),
                )
                for n in range(1, size // PER_PROBLEM + 1)
            ],
            batch_size=2000,
        )
        if not problems[0].pk:  # backends without RETURNING on bulk_create
            problems = list(Problem.objects.filter(campaign=campaign).order_by("number"))
        start = dt.date(2026, 3, 1)
        measures = []
        for problem in problems:
            for _ in range(PER_PROBLEM):
                roll = rng.random()
                state = (
                    MeasureState.CLOSED
                    if roll < 0.1
                    else MeasureState.IN_PROGRESS
                    if roll < 0.45
                    else MeasureState.DRAFT
                )
                deadline = start + dt.timedelta(days=rng.randint(30, 400))
                measures.append(
                    Measure(
                        campaign=campaign,
                        problem=problem,
                        content=rng.choice(MEASURES) * rng.randint(1, 3),
                        responsible_unit=rng.choice(units),
                        responsible_person=rng.choice(["张伟", "王芳", "李娜", "刘洋", ""]),
                        responsible_leader=rng.choice(["陈副厅长", "赵副厅长", ""]),
                        target=rng.choice(["", "年底前全面完成", "建立长效机制"]),
                        remarks=rng.choice(["", "", "需配合单位支持"]),
                        deadline=deadline,
                        original_deadline=deadline,
                        state=state,
                        closed_on=deadline - dt.timedelta(days=10) if state == "closed" else None,
                        closure=Closure.RECTIFIED if state == "closed" else "",
                        version=rng.randint(1, 6),
                    )
                )
        Measure.objects.bulk_create(measures, batch_size=2000)
        measures = list(Measure.objects.filter(campaign=campaign).values_list("pk", "state"))
        reports, evidence, cooperating = [], [], []
        through = Measure.cooperating_units.through
        for pk, state in measures:
            if state != MeasureState.DRAFT:
                for k in range(rng.randint(1, 3)):
                    reports.append(
                        ProgressReport(
                            measure_id=pk,
                            reported_on=start + dt.timedelta(days=30 * k + rng.randint(0, 20)),
                            text=f"第{k + 1}次报告：" + rng.choice(MEASURES) + "，已完成阶段任务",
                            percent_done=min(100, 30 * (k + 1)),
                        )
                    )
            if rng.random() < 0.1:
                evidence.append(
                    Evidence(
                        measure_id=pk,
                        file=f"evidence/bench/{pk}.pdf",
                        original_name=f"整改佐证材料{pk}.pdf",
                        size=1024,
                        content_type="application/pdf",
                    )
                )
            if rng.random() < 0.2:
                for unit in rng.sample(units, rng.randint(1, 2)):
                    cooperating.append(through(measure_id=pk, orgunit_id=unit.pk))
        ProgressReport.objects.bulk_create(reports, batch_size=5000)
        Evidence.objects.bulk_create(evidence, batch_size=5000)
        through.objects.bulk_create(cooperating, batch_size=5000)
    return {
        "rows": len(measures),
        "problems": len(problems),
        "reports": len(reports),
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_mb(),
    }


# --- the measurements --------------------------------------------------------------------------


def _measures(size: int):
    from rectify.ledger.models import Measure

    return Measure.objects.filter(campaign__slug=slug_for(size))


def child_baseline(size: int, work: Path) -> dict:
    _setup_django()
    import xlsxwriter  # noqa: F401

    from rectify.ledger.sheets import export  # noqa: F401

    return {"rows": 0, "seconds": 0.0, "peak_mb": peak_mb()}


def child_export(size: int, work: Path) -> dict:
    _setup_django()
    from rectify.ledger.sheets.export import write_ledger

    out = work / f"ledger-{size}.xlsx"
    started = time.perf_counter()
    n = write_ledger(_measures(size), out)
    seconds = time.perf_counter() - started
    return {
        "rows": n,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "file_mb": out.stat().st_size / 1e6,
    }


def child_floor(size: int, work: Path) -> dict:
    _setup_django()
    import xlsxwriter

    from rectify.ledger.sheets.layout import LEDGER_COLUMNS, measure_rows

    rows = [[values.get(c.key) for c in LEDGER_COLUMNS] for values in measure_rows(_measures(size))]
    kinds = [c.kind if c.key != "seq" else "int" for c in LEDGER_COLUMNS]
    out = work / f"floor-{size}.xlsx"
    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("整改台账")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [c.header for c in LEDGER_COLUMNS])
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = kinds[c]
            if kind == "date":
                sheet.write_datetime(r, c, value, date)
            elif kind == "int":
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    book.close()
    seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds, "peak_mb": peak_mb()}


def child_reimport(size: int, work: Path) -> dict:
    """The export just written, read back unchanged: every row matched, diffed, `0 changes`."""
    _setup_django()
    from rectify.campaigns.models import Campaign
    from rectify.ledger.sheets import reimport
    from rectify.orgs.access import SYSTEM

    campaign = Campaign.objects.get(slug=slug_for(size))
    started = time.perf_counter()
    diff = reimport.read(work / f"ledger-{size}.xlsx", campaign=campaign, actor=SYSTEM)
    seconds = time.perf_counter() - started
    return {
        "rows": diff.rows_read,
        "changes": diff.changes,
        "refused": len(diff.refused),
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


# What each child measures, in this order (the re-import reads the export's file).
MEASUREMENTS = {
    "baseline": child_baseline,
    "floor": child_floor,
    "export": child_export,
    "reimport": child_reimport,
}


# --- the parent: databases, children, table ----------------------------------------------------


def run_child(kind: str, size: int, url: str, work: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=url, MEDIA_ROOT=str(work / "media"))
    env.setdefault("SECRET_KEY", "bench")
    out = subprocess.run(
        [PY, __file__, "--child", kind, "--size", str(size), "--work", str(work)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{kind} at {size:,} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url)
    env.setdefault("SECRET_KEY", "bench")
    subprocess.run([PY, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)


def pg_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres") as con:
        con.autocommit = True
        con.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,10000")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--child", choices=("generate", *MEASUREMENTS))
    parser.add_argument("--size", type=int)
    parser.add_argument("--work")
    args = parser.parse_args()

    if args.child:
        if args.child == "generate":
            result = child_generate(args.size)
        else:
            result = MEASUREMENTS[args.child](args.size, Path(args.work))
        print(json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="rectify-bench-ledger-"))
    results = []
    try:
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
                for size in sizes:
                    gen = run_child("generate", size, url, work)
                    print(
                        f"  {db}: {gen['rows']:,} measures, {gen['problems']:,} problems, "
                        f"{gen['reports']:,} progress reports generated in "
                        f"{gen['seconds']:.1f} s",
                        file=sys.stderr,
                    )
                    measured = {kind: run_child(kind, size, url, work) for kind in MEASUREMENTS}
                    results.append((db, size, gen, measured))
            finally:
                if db == "postgres":
                    pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")

        print()
        print(
            "| database | measures (reports) | floor: XlsxWriter from a list | export | "
            "export / floor | peak RSS: export (baseline, floor) | file | "
            "re-import unchanged (changes) | peak RSS: re-import |"
        )
        print("|" + "---|" * 9)
        for db, _size, gen, m in results:
            floor, exp, base, back = m["floor"], m["export"], m["baseline"], m["reimport"]
            ok = exp["rows"] == gen["rows"] == floor["rows"] == back["rows"]
            print(
                f"| {'SQLite' if db == 'sqlite' else 'PostgreSQL'} "
                f"| {exp['rows']:,} ({gen['reports']:,}) "
                f"| {floor['seconds']:.1f} s "
                f"| {exp['seconds']:.1f} s{'' if ok else ' !'} "
                f"| {exp['seconds'] / floor['seconds']:.1f} "
                f"| {exp['peak_mb']:.0f} MB ({base['peak_mb']:.0f}, {floor['peak_mb']:.0f}) "
                f"| {exp['file_mb']:.1f} MB "
                f"| {back['seconds']:.1f} s ({back['changes']} changes, {back['refused']} refused) "
                f"| {back['peak_mb']:.0f} MB |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
