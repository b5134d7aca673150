"""A worker killed mid-import (SIGKILL: no cleanup runs) leaves all of the batch or none of it,
on SQLite and on PostgreSQL; importing the file again then completes it exactly once."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.spreadsheets import messy

RECTIFY = Path(sys.executable).parent / "rectify"
ROWS = 20_000


def start_import(path, db):
    return subprocess.Popen(
        [RECTIFY, "import", str(path), "--campaign=world", "--kind=problem", "--skip-bad-rows"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=db.env(),
    )


def wait_for(db, proc, ready, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = db.batch_state()
        if state and ready(*state):
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the import ended before {what}: {out.decode()} {err.decode()}")
        time.sleep(0.005)
    proc.kill()
    pytest.fail(f"no {what} within {timeout} s")


def moments(vendor: str):
    """When to kill: once progress is committed, and well into the saving of rows.

    SQLite checks every row (progress committed) and then saves in one transaction;
    PostgreSQL checks and saves in one pass inside one transaction (progress through a
    second connection)."""
    if vendor == "sqlite":
        return {
            "early": (lambda status, done: status == "validating" and done > 0, 0),
            "late": (lambda status, done: status == "saving", 0.15),
        }
    return {
        "early": (lambda status, done: status == "saving" and done > 0, 0),
        "late": (lambda status, done: status == "saving" and done >= ROWS // 2, 0),
    }


@pytest.mark.parametrize("moment", ["early", "late"])
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_all_or_nothing(world, tmp_path, moment):
    rows = messy.feedback_rows(ROWS)
    for row in rows:
        row[4] = "北京"  # transactional tests keep only the regions the world makes
    path = messy.write_csv(tmp_path / "big.csv", rows, encoding="gbk")
    db = messy.OtherProcessDB(tmp_path)
    ready, delay = moments(db.vendor)[moment]
    proc = start_import(path, db)
    wait_for(db, proc, ready, moment)
    time.sleep(delay)  # into the save transaction
    status = db.batch_state()[0]
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    assert db.count_items() == 0
    assert db.batch_state()[0] == status  # left as it was: a page shows it stalled
    if moment != "late":
        return

    # Run again: everything arrives, once.
    again = start_import(path, db)
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    summary = out.decode().splitlines()[-1]
    assert summary == f"read {ROWS}, imported {ROWS}, already present 0, refused 0"
    assert db.count_items() == ROWS
