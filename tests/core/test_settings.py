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
