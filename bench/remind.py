"""Benchmark: one step of `rectify remind` over a generated ledger of 300,000 measures in 3,000
units on PostgreSQL, and at 30,000 measures to show the query count does not follow the number
of measures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_remind \
        .venv/bin/python bench/remind.py [--sizes 300000,30000]

The data (per size, in the database DATABASE_URL names, dropped and created afresh): 3,000
units under one root, one liaison each (with an address), a leader for every tenth unit, one
campaign-wide supervisor; one problem per 5 measures; measures bulk inserted with deadlines
spread from 120 days ago to 240 days ahead, 10 % draft, 10 % closed, the rest under way.
The generation is not timed.

Then, each in a fresh process (peak RSS its own), at 10:00 on a working day:
- step 1: the backlog — every overdue measure's reminder, the start reminders of the drafts,
  a yellow notice per unit whose measures have passed 3 overdue reminders (the run is taken to
  have worked on the campaign since July, so old overdue items count), and the digests
  (one per person, file backend in a temporary folder);
- step 2: the same day again — nothing new is written or sent (idempotency), the steady state.

Figures: wall time, queries (counted by an execute wrapper), peak RSS, and what the step did. Goal
(issue 13): ≤ 60 s, and queries independent of the number of measures. Not a test.
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UNITS = 3000
PER_PROBLEM = 5
NOW = "2026-11-16T10:00:00+08:00"  # a Monday


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(size: int) -> dict:
    _setup_django()
    from django.db import transaction

    from rectify.campaigns.models import Campaign
    from rectify.ledger.choices import MeasureState, Source
    from rectify.ledger.models import Measure, Problem
    from rectify.orgs.choices import Role
    from rectify.orgs.models import Membership, OrgUnit, User
    from rectify.supervision.models import ReminderStart

    started = time.perf_counter()
    rng = random.Random(size)
    today = dt.date(2026, 11, 16)
    with transaction.atomic():
        root, _ = OrgUnit.objects.get_or_create(code="bench-remind", defaults={"name": "基准部"})
        units = list(OrgUnit.objects.filter(parent=root).order_by("pk"))
        if len(units) < UNITS:
            made = OrgUnit.objects.bulk_create(
                OrgUnit(code=f"br-{i}", name=f"第{i + 1}责任单位", parent=root, path="?")
                for i in range(len(units), UNITS)
            )
            for u in made:
                u.path = f"{root.path}{u.pk:06d}/"
            OrgUnit.objects.bulk_update(made, ["path"], batch_size=5000)
            units += made
        campaign = Campaign.objects.create(
            name=f"基准测试{size}专项工作", slug=f"bench-remind-{size}", org_unit=root
        )
        users = {u.username: u for u in User.objects.filter(username__startswith="br-")}
        wanted = [f"br-liaison-{i}" for i in range(UNITS)]
        wanted += [f"br-leader-{i}" for i in range(0, UNITS, 10)] + ["br-supervisor"]
        missing = [n for n in wanted if n not in users]
        if missing:
            for u in User.objects.bulk_create(
                User(username=n, email=f"{n}@bench.local", password="!") for n in missing
            ):
                users[u.username] = u
        members = [
            Membership(
                user=users[f"br-liaison-{i}"], campaign=campaign, role=Role.LIAISON, org_unit=u
            )
            for i, u in enumerate(units)
        ]
        members += [
            Membership(
                user=users[f"br-leader-{i}"], campaign=campaign, role=Role.LEADER, org_unit=u
            )
            for i, u in enumerate(units)
            if i % 10 == 0
        ]
        members.append(
            Membership(user=users["br-supervisor"], campaign=campaign, role=Role.SUPERVISOR)
        )
        Membership.objects.bulk_create(members)
        problems = Problem.objects.bulk_create(
            (
                Problem(campaign=campaign, number=n, title=f"问题{n}", source=Source.GRASSROOTS)
                for n in range(1, size // PER_PROBLEM + 1)
            ),
            batch_size=10000,
        )
        states = [MeasureState.DRAFT] + [MeasureState.CLOSED] + [MeasureState.IN_PROGRESS] * 8
        batch = []
        for i in range(size):
            batch.append(
                Measure(
                    campaign=campaign,
                    problem=problems[i // PER_PROBLEM],
                    content=f"整改措施{i}：全面清理规范面向基层的考核事项",
                    responsible_unit=units[i % UNITS],
                    deadline=today + dt.timedelta(days=rng.randint(-120, 240)),
                    state=rng.choice(states),
                )
            )
            if len(batch) == 10000:
                Measure.objects.bulk_create(batch)
                batch = []
        Measure.objects.bulk_create(batch)
        # assigned 30 days ago, so drafts are due a start reminder
        Measure.objects.filter(campaign=campaign).update(
            created_at=dt.datetime(2026, 10, 16, 9, tzinfo=dt.UTC)
        )
        # the run has worked on the campaign from its start (the worst case: every overdue
        # measure's reminders count towards escalation, as if none had been answered)
        ReminderStart.objects.create(campaign=campaign, started_on=dt.date(2026, 7, 1))
    return {"size": size, "generated_s": round(time.perf_counter() - started, 1)}


def step(size: int) -> dict:
    _setup_django()
    from django.conf import settings
    from django.db import connection

    from rectify.supervision.reminders import remind

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tempfile.mkdtemp(prefix="bench-remind-mail-")
    now = dt.datetime.fromisoformat(NOW)
    started = time.perf_counter()
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        summary = remind(now)
    return {
        "size": size,
        "wall_s": round(time.perf_counter() - started, 1),
        "queries": count[0],
        "peak_rss_mb": round(peak_mb()),
        "reminders": summary.reminders,
        "notices": summary.notices,
        "mailed": summary.mailed,
        "failed": summary.failed,
    }


def child(what: str, size: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--sizes", str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_database():
    """Drop and create the scratch database, then migrate (the activity log is append-only, so
    a campaign of another size cannot be deleted)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "rectify.cli", "migrate", "-v", "0"], check=True, cwd=ROOT
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="300000,30000")
    parser.add_argument("--child")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        fn = {"generate": generate, "step": step}[args.child]
        print(json.dumps(fn(sizes[0])))
        return
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (it is overwritten).")
    for size in sizes:
        fresh_database()
        gen = child("generate", size)
        print(f"{size:,} measures in {UNITS:,} units: generated in {gen['generated_s']} s")
        for label in ("step 1 (backlog)", "step 2 (same day again)"):
            r = child("step", size)
            print(
                f"  {label}: {r['wall_s']} s, {r['queries']} queries, peak RSS "
                f"{r['peak_rss_mb']} MB; reminders {r['reminders']:,}, notices "
                f"{r['notices']:,}, mails {r['mailed']:,} (failed {r['failed']})"
            )


if __name__ == "__main__":
    main()
