import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rectify import settings as s


def test_env_bool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "true")
    assert s.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert s.env_bool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert s.env_bool("X_FLAG", True) is True


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        s.env_bool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        s.env_int("X_NUM", 1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert s.env_secret("X_SECRET", "default") == "from-file"


# --- settings as a fresh process reads them ---------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# What the suite's own environment sets and these tests choose for themselves.
CLEARED = ("SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DATABASE_URL", "RECTIFY_VAR_DIR")
A_KEY = "a-real-secret-key-for-these-tests-" + "x" * 30


def read_settings(code: str = "", **env) -> subprocess.CompletedProcess:
    """Import rectify.settings in a new process with `env` (and nothing the suite set) and run
    `code` after it; the import happens once per process, as in production."""
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean["DJANGO_SETTINGS_MODULE"] = "rectify.settings"
    return subprocess.run(
        [sys.executable, "-c", f"from rectify import settings as s\n{code}"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_built_in_key_is_refused_when_debug_is_off(tmp_path):
    result = read_settings(RECTIFY_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is the built-in development key" in result.stderr
    # an empty value is no key either
    assert read_settings(SECRET_KEY="", RECTIFY_VAR_DIR=str(tmp_path)).returncode != 0


def test_the_built_in_key_is_accepted_for_development_and_a_real_key_always(tmp_path):
    debug = read_settings("print(s.DEBUG)", DEBUG="true", RECTIFY_VAR_DIR=str(tmp_path))
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.strip() == "True"
    real = read_settings("print(s.SECRET_KEY)", SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(tmp_path))
    assert real.returncode == 0, real.stderr
    assert real.stdout.strip() == A_KEY


def test_a_missing_or_empty_secret_file_is_named(tmp_path):
    missing = tmp_path / "no-such-key"
    result = read_settings(SECRET_KEY_FILE=str(missing), RECTIFY_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: SECRET_KEY_FILE={missing}: cannot read the file" in (
        result.stderr
    )
    empty = tmp_path / "empty-key"
    empty.write_text("\n")
    result = read_settings(SECRET_KEY_FILE=str(empty), RECTIFY_VAR_DIR=str(tmp_path))
    assert f"SECRET_KEY_FILE={empty}: the file is empty" in result.stderr


def test_the_key_file_wins_over_the_variable(tmp_path):
    key = tmp_path / "key"
    key.write_text(A_KEY + "\n")
    result = read_settings(
        "print(s.SECRET_KEY)",
        SECRET_KEY="other",
        SECRET_KEY_FILE=str(key),
        RECTIFY_VAR_DIR=str(tmp_path),
    )
    assert result.stdout.strip() == A_KEY


def test_importing_settings_makes_no_directory_and_starting_makes_only_sqlite_s(tmp_path):
    var = tmp_path / "var"
    imported = read_settings(SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(var))
    assert imported.returncode == 0, imported.stderr
    assert not var.exists()
    # On PostgreSQL nothing is made at start either (no connection is opened here).
    pg = read_settings(
        "import django; django.setup()",
        SECRET_KEY=A_KEY,
        RECTIFY_VAR_DIR=str(var),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    assert pg.returncode == 0, pg.stderr
    assert not var.exists()
    started = read_settings(
        "import django; django.setup()", SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(var)
    )
    assert started.returncode == 0, started.stderr
    assert var.is_dir()
    assert not (var / "static").exists()  # collectstatic makes it when it is needed


def test_size_limits_come_from_the_environment(tmp_path):
    names = (
        "IMPORT_MAX_BYTES",
        "IMPORT_INLINE_ROWS",
        "EVIDENCE_MAX_BYTES",
        "ACTIVITY_ATTACHMENT_MAX_BYTES",
    )
    code = "print(" + ", ".join(f"s.{n}" for n in names) + ")"
    defaults = read_settings(code, SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(tmp_path))
    assert defaults.stdout.split() == ["209715200", "3000", "52428800", "52428800"]
    chosen = {n: str(i + 1) for i, n in enumerate(names)}
    result = read_settings(code, SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(tmp_path), **chosen)
    assert result.stdout.split() == ["1", "2", "3", "4"]
    bad = read_settings(SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(tmp_path), IMPORT_MAX_BYTES="2MB")
    assert "IMPORT_MAX_BYTES='2MB'" in bad.stderr


def test_env_example_lists_every_variable_settings_read():
    source = (ROOT / "rectify" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'(?:env_\w+|os\.getenv)\(\s*"([A-Z0-9_]+)"', source))
    listed = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no variable found: has the way settings read them changed?"
    assert sorted(read - listed) == []


def test_login_throttling_comes_from_the_environment(tmp_path):
    code = "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS)"
    default = read_settings(code, SECRET_KEY=A_KEY, RECTIFY_VAR_DIR=str(tmp_path))
    assert default.stdout.strip() == "5 0:15:00 ['username', 'ip_address']"
    chosen = read_settings(
        code,
        SECRET_KEY=A_KEY,
        RECTIFY_VAR_DIR=str(tmp_path),
        LOGIN_FAILURE_LIMIT="3",
        LOGIN_LOCKOUT_MINUTES="60",
        LOGIN_LOCKOUT_BY="username, username+ip_address",
    )
    assert chosen.stdout.strip() == "3 1:00:00 ['username', ['username', 'ip_address']]"
