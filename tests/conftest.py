import datetime as dt
import os
import shutil
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture
def world(db):
    from tests.factories import World

    return World()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite judges meaning with the m3e-small model, chosen here explicitly (its licence:
    # non-commercial, research use only; docs/licences.md). The setting's default is none;
    # the tests of "no model" set it back.
    settings.MEANING_MODEL = "m3e-small"


@pytest.fixture(autouse=True)
def _skip_pg_only(request):
    if request.node.get_closest_marker("pg_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of make test)")


# Deadlines are judged against "today": page tests pin it (pytestmark = usefixtures) so overdue
# and due-soon figures are stable.
TODAY = dt.date(2026, 11, 16)  # a Monday; the World's deadlines are 2026-12-31


@pytest.fixture
def pinned_today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


# --- browser tests: Debian's headless Chromium through Playwright -----------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's headless Chromium driven by Playwright; skipped where absent, except in CI."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in
    # a thread with a running loop unless told it is safe (the test thread only sets up data).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English activates English in the
    thread (LocaleMiddleware), and a later test that makes no request would inherit it."""
    yield
    translation.deactivate()
