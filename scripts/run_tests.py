"""`make test`: the whole suite on SQLite, then again on PostgreSQL.

PostgreSQL is at DATABASE_URL_TEST_PG (default postgres://postgres@127.0.0.1:5432/test).
The suite runs with the m3e-small sentence model, chosen here (MEANING_MODEL=m3e-small, also for
processes the tests start): its licence is non-commercial, research use only (docs/licences.md),
and the setting's default is none.
With CI=true a missing PostgreSQL server fails the run; otherwise that run is skipped with one
clear line. Extra arguments go to pytest (e.g. `make test ARGS=-x` is not needed:
`.venv/bin/python scripts/run_tests.py -x tests/ledger`).
"""

import os
import subprocess
import sys

PG_URL = os.getenv("DATABASE_URL_TEST_PG") or "postgres://postgres@127.0.0.1:5432/test"
IN_CI = os.getenv("CI", "").lower() == "true"


def pg_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else the reason it does not."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "not reachable"; the message says which
        return str(exc).strip().splitlines()[0]


def run(label: str, database_url: str | None, args: list[str]) -> int:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["MEANING_MODEL"] = "m3e-small"
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n=== {label} (sentence model: m3e-small) ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    results = {"SQLite": run("SQLite", None, args)}
    reason = pg_reachable(PG_URL)
    if reason is None:
        results["PostgreSQL"] = run(f"PostgreSQL ({PG_URL})", PG_URL, args)
    elif IN_CI:
        print(f"PostgreSQL is required when CI=true but is not reachable at {PG_URL}: {reason}")
        results["PostgreSQL"] = 1
    else:
        print(f"PostgreSQL not reachable at {PG_URL} ({reason}): skipping the PostgreSQL run.")
    print()
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
