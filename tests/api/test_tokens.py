"""Personal API tokens: `rectify token create|list|revoke` and the account page."""

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, base, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from rectify import cli
from rectify.api import tokens
from rectify.api.models import ApiToken, TokenScope
from rectify.audit.log import history
from tests.factories import make_user


def run(*args) -> tuple[str, str]:
    """call_command("token", *args) in English; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(client, plaintext) -> bool:
    resp = client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {plaintext}"})
    return resp.status_code == 401


# --- the command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_prints_the_token_alone_and_says_it_is_shown_once(world, client):
    out, err = run("create", "office")
    plaintext = out.strip()
    assert out.count("\n") == 1 and plaintext.startswith("rct_")
    assert "will not be shown again" in err and plaintext not in err
    token = tokens.authenticate(plaintext)
    assert (token.user, token.scope, token.name, token.expires_at) == (
        world.office,
        TokenScope.READ,
        "cli",
        None,
    )
    assert plaintext not in (token.digest, token.prefix)
    assert not refused(client, plaintext)


@pytest.mark.django_db
def test_create_takes_scope_days_and_name(world):
    out, _ = run("create", "office", "--scope", "write", "--days", "30", "--name", "12345热线")
    token = tokens.authenticate(out.strip())
    assert (token.scope, token.name) == (TokenScope.WRITE, "12345热线")
    days = (token.expires_at - timezone.now()).total_seconds() / 86400
    assert 29.9 < days <= 30
    assert history(token).get().action == "token.create"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["create", "nobody"], "nobody"),
        (["list", "nobody"], "nobody"),
        (["create", "office", "--days", "0"], "--days"),
        (["create", "office", "--days", "99999"], "--days"),
        (["create", "office", "--scope", "admin"], "admin"),
        (["create", "office", "--name", "a\x00b"], "NUL"),
        (["create", "inactive"], "inactive"),
        (["revoke", "424242"], "424242"),
        (["revoke", "abc"], "abc"),
    ],
)
def test_clear_errors_for_unknown_users_ids_and_bad_options(world, args, words):
    make_user("inactive", is_active=False)
    with pytest.raises(CommandError, match=words):
        run(*args)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_list_shows_a_users_tokens_and_their_state(world):
    active, _ = tokens.issue(world.office, name="oa", scope=TokenScope.WRITE, days=7)
    gone, _ = tokens.issue(world.office, name="old")
    tokens.revoke(gone, actor=world.office)
    tokens.issue(world.leader, name="leader's")
    out, _ = run("list", "office")
    lines = out.splitlines()
    assert lines[0].split() == [
        "id",
        "name",
        "prefix",
        "scope",
        "created",
        "expires",
        "last",
        "used",
        "status",
    ]
    rows = {line.split()[1]: line for line in lines[1:]}
    assert set(rows) == {"oa", "old"}
    assert active.prefix in rows["oa"] and rows["oa"].endswith("Active")
    assert rows["old"].endswith("Revoked")
    assert "leader's" not in out
    out, _ = run("list", "outsider")
    assert "outsider has no tokens" in out


@pytest.mark.django_db
def test_revoke_refuses_the_token_from_then_on(world, client):
    token, plaintext = tokens.issue(world.office, name="oa")
    assert not refused(client, plaintext)
    out, _ = run("revoke", str(token.pk))
    assert f"Token {token.pk} of office is revoked" in out
    assert refused(client, plaintext)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert [e.action for e in history(token)] == ["token.revoke", "token.create"]
    out, _ = run("revoke", str(token.pk))
    assert "already revoked" in out


@pytest.mark.django_db
def test_the_console_entry_point_runs_the_command(world, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["rectify", "token", "create", "viewer", "--scope", "read"])
    # run_from_argv closes every connection when done: keep the test's transaction open.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    with translation.override("en"):
        cli.main()
    captured = capsys.readouterr()
    assert tokens.authenticate(captured.out.strip()).user == world.viewer
    assert "will not be shown again" in captured.err


def test_the_installed_console_script_creates_lists_and_revokes(tmp_path):
    """The `rectify` script of the virtualenv, on a fresh SQLite database of its own."""
    script = Path(sys.executable).parent / "rectify"
    if not script.exists():
        pytest.skip("the rectify console script is not installed in this environment")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def rectify(*args, check=True):
        return subprocess.run(
            [str(script), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    rectify("migrate", "-v", "0")
    rectify(
        "shell", "-c", "from rectify.orgs.models import User; User.objects.create(username='ann')"
    )
    created = rectify("token", "create", "ann", "--scope", "write", "--days", "7")
    plaintext = created.stdout.strip()
    assert plaintext.startswith("rct_") and "\n" not in plaintext
    assert created.stderr.strip()  # the "shown once" notice, in the default language
    listed = rectify("token", "list", "ann").stdout
    assert plaintext[:12] in listed and "write" in listed
    rectify("token", "revoke", "1")
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        assert db.execute("SELECT revoked_at IS NOT NULL FROM api_apitoken").fetchall() == [(1,)]
    unknown = rectify("token", "create", "nobody", check=False)
    assert unknown.returncode == 1
    assert "nobody" in unknown.stderr and "Traceback" not in unknown.stderr


# --- the account page ------------------------------------------------------------------------

URL = "/account/tokens/"


@pytest.fixture
def browser(world):
    client = Client()
    client.force_login(world.office)
    return client


@pytest.mark.django_db
def test_the_page_needs_a_signed_in_user(client, world):
    resp = client.get(URL)
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("login"))
    assert reverse("account-tokens") == URL


@pytest.mark.django_db
def test_the_navbar_links_to_the_page(browser):
    html = browser.get(URL).content.decode()
    assert f'href="{URL}" data-testid="account-tokens"' in html


@pytest.mark.django_db
def test_the_page_lists_only_the_users_own_tokens(browser, world):
    mine, _ = tokens.issue(world.office, name="我的令牌", scope=TokenScope.WRITE, days=30)
    revoked, _ = tokens.issue(world.office, name="旧令牌")
    tokens.revoke(revoked, actor=world.office)
    theirs, _ = tokens.issue(world.leader, name="别人的令牌")
    resp = browser.get(URL)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "我的令牌" in html and mine.prefix in html
    assert "旧令牌" in html
    assert "别人的令牌" not in html and theirs.prefix not in html
    assert f'data-testid="revoke-{mine.pk}"' in html
    assert f'data-testid="revoke-{revoked.pk}"' not in html


@pytest.mark.django_db
def test_creating_shows_the_token_once(browser, world):
    resp = browser.post(URL, {"name": "OA 系统", "scope": "write", "days": "90"})
    assert resp.status_code == 200
    assert "no-store" in resp["Cache-Control"]
    token = ApiToken.objects.get(user=world.office)
    plaintext = resp.context["plaintext"]
    assert plaintext.startswith(token.prefix)
    assert f'value="{plaintext}"' in resp.content.decode()
    assert tokens.authenticate(plaintext) == token
    assert (token.name, token.scope) == ("OA 系统", TokenScope.WRITE)
    assert 89.9 < (token.expires_at - timezone.now()).total_seconds() / 86400 <= 90
    # never again
    assert plaintext not in browser.get(URL).content.decode()


@pytest.mark.django_db
def test_a_token_without_expiry(browser, world):
    browser.post(URL, {"name": "脚本", "scope": "read", "days": ""})
    assert ApiToken.objects.get(user=world.office).expires_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read"},
        {"name": "x", "scope": "admin"},
        {"name": "x", "scope": "read", "days": "0"},
        {"name": "x", "scope": "read", "days": "99999"},
        {"name": "a\x00b", "scope": "read"},
        {"name": "长" * 101, "scope": "read"},
    ],
)
def test_bad_input_shows_the_form_again_and_creates_nothing(browser, data):
    resp = browser.post(URL, data)
    assert resp.status_code == 200
    assert resp.context["form"].errors
    assert "plaintext" not in resp.context
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_hostile_name_is_shown_as_text(browser, world):
    tokens.issue(world.office, name="<script>alert(1)</script>")
    html = browser.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_revoking_on_the_page_refuses_the_token(browser, world, client):
    token, plaintext = tokens.issue(world.office, name="oa")
    resp = browser.post(reverse("account-token-revoke", args=[token.pk]))
    assert resp.status_code == 302 and resp["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert history(token).first().actor == world.office
    assert refused(client, plaintext)
    page = browser.get(URL)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]


@pytest.mark.django_db
def test_a_user_cannot_revoke_another_users_token(browser, world, client):
    theirs, plaintext = tokens.issue(world.leader, name="leader")
    resp = browser.post(reverse("account-token-revoke", args=[theirs.pk]))
    assert resp.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not refused(client, plaintext)


@pytest.mark.django_db
def test_revoking_needs_post_and_csrf(world):
    token, _ = tokens.issue(world.office, name="oa")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.office)
    url = reverse("account-token-revoke", args=[token.pk])
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_creating_needs_csrf(world):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.office)
    assert strict.post(URL, {"name": "x", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(world, client):
    _, plaintext = tokens.issue(world.viewer, name="v")
    world.viewer.is_active = False
    world.viewer.save(update_fields=["is_active"])
    assert refused(client, plaintext)
