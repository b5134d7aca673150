"""A worker killed mid-import (SIGKILL: no cleanup runs) leaves all of the batch or none of it,
on SQLite and on PostgreSQL; importing the file again then completes it exactly once."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.feedback import messy

RECTIFY = Path(sys.executable).parent / "rectify"
ROWS = 20_000


def start_import(path, db):
    return subprocess.Popen(
        [RECTIFY, "import", str(path), "--campaign=world", "--kind=problem", "--skip-bad-rows"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=db.env(),
    )


def wait_for(db, proc, phase: str, timeout: float = 90) -> None:
    """Until the batch is in `phase` with committed progress (for the check pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = db.batch_state()
        if state and state[0] == phase and (phase == "saving" or state[1] > 0):
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the import ended before {phase}: {out.decode()} {err.decode()}")
        time.sleep(0.005)
    proc.kill()
    pytest.fail(f"no {phase} within {timeout} s")


@pytest.mark.parametrize(("phase", "delay"), [("validating", 0), ("saving", 0.15)])
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_all_or_nothing(world, tmp_path, phase, delay):
    rows = messy.feedback_rows(ROWS)
    for row in rows:
        row[4] = "北京"  # transactional tests keep only the regions the world makes
    path = messy.write_csv(tmp_path / "big.csv", rows, encoding="gbk")
    db = messy.OtherProcessDB(tmp_path)
    proc = start_import(path, db)
    wait_for(db, proc, phase)
    time.sleep(delay)  # into the save transaction
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    assert db.count_items() == 0
    assert db.batch_state()[0] == phase  # left as it was: a page shows it stalled
    if phase != "saving":
        return

    # Run again: everything arrives, once.
    again = start_import(path, db)
    out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    assert (
        out.decode().splitlines()[-1]
        == f"read {ROWS}, imported {ROWS}, already present 0, refused 0"
    )
    assert db.count_items() == ROWS
