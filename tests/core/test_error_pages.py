"""Our own 400, 403, 404 and 500 pages, in Chinese first and English on request; never Django's
debug page; and `manage.py check --deploy` clean with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def boom(request):
    raise RuntimeError("a bug")


def refuse(request):
    raise PermissionDenied


# `pytest.mark.urls(__name__)`: the two views above, nothing else.
urlpatterns = [path("boom/", boom), path("refuse/", refuse)]

CHINESE = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    500: "服务器出错",
}
ENGLISH = {
    400: "Bad request",
    403: "Access denied",
    404: "Page not found",
    500: "Server error",
}


def assert_our_page(response, status: int, words: dict[int, str], lang: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{lang}">' in html
    assert f'data-testid="error-title">{words[status]}</h1>' in html
    assert "Traceback" not in html and "technical_500" not in html
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_404_in_chinese_then_english_by_header_and_by_cookie(client):
    assert_our_page(client.get("/no-such-page/"), 404, CHINESE, "zh-hans")
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert_our_page(english, 404, ENGLISH, "en")
    client.cookies["django_language"] = "en"
    assert_our_page(client.get("/no-such-page/"), 404, ENGLISH, "en")


@pytest.mark.django_db
def test_403_of_a_real_page_in_both_languages(client, world):
    """A leader may not open the consolidation board: our page, not Django's bare 403."""
    client.force_login(world.leader)
    url = reverse("consolidation-board", args=[world.campaign.slug])
    assert_our_page(client.get(url), 403, CHINESE, "zh-hans")
    assert_our_page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"), 403, ENGLISH, "en")


@pytest.mark.urls(__name__)
def test_403_and_500_render_without_a_database(settings):
    """No `db` here: pytest-django fails any query, so these pages provably need none (the 500
    page must render when the database is down)."""
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)
    assert_our_page(client.get("/refuse/"), 403, CHINESE, "zh-hans")
    assert_our_page(client.get("/boom/"), 500, CHINESE, "zh-hans")
    assert_our_page(client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en"), 500, ENGLISH, "en")
    client.cookies["django_language"] = "en"
    response = client.get("/boom/")
    assert_our_page(response, 500, ENGLISH, "en")
    assert "a bug" not in response.content.decode()


@pytest.mark.django_db
def test_400_for_a_host_not_allowed(client):
    assert_our_page(client.get("/", HTTP_HOST="evil.example"), 400, CHINESE, "zh-hans")
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")
    assert_our_page(response, 400, ENGLISH, "en")


@pytest.mark.django_db
def test_a_failed_csrf_check_says_the_page_expired(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    response = client.post(
        reverse("login"), {"username": "office", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "The page has expired" in response.content.decode()


def production_env() -> dict:
    """The environment without what the suite sets: its key and database, and Django variables
    (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would itself be a --deploy warning)."""
    dropped = ("SECRET_KEY", "DATABASE", "DJANGO_", "RECTIFY_", "DEBUG", "SECURE_", "ALLOWED_")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = production_env()
    env.update(
        DJANGO_SETTINGS_MODULE="rectify.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="zhenggai.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://zhenggai.example.gov.cn",
        SECURE_COOKIES="true",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
        RECTIFY_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_the_local_defaults_leave_open(tmp_path):
    """The defaults suit the local http demo; --deploy says what production must set."""
    env = production_env()
    env.update(
        DJANGO_SETTINGS_MODULE="rectify.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        RECTIFY_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in result.stderr + result.stdout
