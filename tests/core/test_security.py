"""The Content-Security-Policy: on every response, and no template needs inline code to work.

The policy refuses inline script and style, so a template with an onclick= or a style= would
silently stop working in the browser; these tests find it first.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rectify.api import tokens
from rectify.campaigns import services as campaign_services
from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.programs import services as program_services
from rectify.feedback.models import FeedbackItem
from rectify.orgs.models import User
from rectify.supervision import services as supervision_services
from rectify.supervision.choices import NoticeLevel, SupervisionKind
from tests.factories import add_evidence

pytestmark = pytest.mark.usefixtures("pinned_today")

TEMPLATES = Path(settings.BASE_DIR) / "rectify" / "templates"

# Inline code the policy refuses: event-handler attributes (and htmx's hx-on, which evaluates
# code), <script> elements without src (JSON data blocks are data, not code), <style> elements
# and style attributes.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[a-zA-Z][^>]*?\sstyle\s*=", re.I | re.S)


def inline_code(html: str) -> list[str]:
    found = [m.group(0)[:120] for m in HANDLER.finditer(html)]
    found += [m.group(0) for m in INLINE_SCRIPT.finditer(html)]
    found += [m.group(0)[:120] for m in INLINE_STYLE.finditer(html)]
    return found


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.split() for d in header.split(";") if d.strip())
    return {d[0]: d[1:] for d in parts}


def assert_strict(response, url: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{url}: no Content-Security-Policy"
    policy = directives(header)
    assert policy["script-src"] == ["'self'"], f"{url}: {header}"
    assert "'unsafe-inline'" not in policy["style-src"], f"{url}: {header}"
    assert policy["frame-ancestors"] == ["'none'"], f"{url}: {header}"


def test_no_template_has_inline_script_handlers_or_styles():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for snippet in inline_code(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {snippet}")
    assert offenders == []


def test_the_scan_finds_what_it_looks_for():
    assert inline_code('<select name="x" onchange="this.form.submit()">')
    assert inline_code('<button\n  class="b"\n  onclick="go()">')
    assert inline_code('<div hx-on:click="alert(1)">')
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<td style="width: 2rem">')
    assert inline_code("<style>.a{}</style>")
    assert not inline_code('<script src="/static/js/rectify.js" defer></script>')
    assert not inline_code('<script type="application/json" id="s">{}</script>')
    assert not inline_code('<p data-on="x">only "onclick=" as text</p>')


def walk(patterns, prefix=""):
    """(route, name) of every URL pattern, included ones too."""
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


@pytest.fixture
def filled(world):
    """The World and a row of each kind the pages take an id of, where one is easily made."""
    w = world
    w.evidence = add_evidence(w.measure_a, w.office)
    w.token, _ = tokens.issue(w.office, name="ci")
    w.item = FeedbackItem.objects.create(
        campaign=w.campaign, kind="problem", channel="symposium", text="楼下餐馆油烟扰民"
    )
    w.work_group = campaign_services.create_work_group(
        w.campaign, actor=w.office, name="一组", members=[w.group], regions=[w.region]
    )
    w.activity = campaign_services.create_activity(
        w.campaign,
        actor=w.office,
        kind=ActivityKind.SYMPOSIUM,
        title="座谈会",
        held_on=dt.date(2026, 11, 10),
        region=w.region,
        work_group=w.work_group,
        participant_count=12,
    )
    w.attachment = campaign_services.add_attachment(
        w.activity, actor=w.office, upload=ContentFile(b"minutes"), name="minutes.txt"
    )
    w.campaign.public_intake_enabled = True
    w.campaign.save()
    w.program = program_services.create_program(w.campaign, actor=w.office, name="专项整治")
    w.action = supervision_services.record_action(
        w.campaign,
        actor=w.office,
        kind=SupervisionKind.INSPECTION,
        target_unit=w.bureau_a,
        content="巡察发现<script>alert(1)</script>",
    )
    w.notice = supervision_services.issue_notice(
        w.campaign,
        actor=w.office,
        unit=w.bureau_a,
        level=NoticeLevel.YELLOW,
        measures=[w.measure_a],
        content="请限期整改",
    )
    (w.notification,) = supervision_services.notify(
        [w.office], kind="urge", subject="催办", body="请加快", campaign=w.campaign
    )
    return w


def url_arguments(name: str, route: str, w) -> dict:
    """Arguments for a route from the World; 0 for an id the World has no row for (a 404)."""
    by_name = {
        "measure": w.measure_a.pk,
        "evidence": w.evidence.pk,
        "account-token": w.token.pk,
        "feedback": w.item.pk,
        "work-group": w.work_group.pk,
        "activity-attachment": w.attachment.pk,
        "activity": w.activity.pk,
        "consolidation-restore": w.item.pk,
        "consolidation-set-aside": w.item.pk,
        "program": w.program.pk,
        "supervision-action": w.action.pk,
        "supervision-follow-up": w.action.pk,
        "notice": w.notice.pk,
        "notification": w.notification.pk,
    }
    pk = next((v for k, v in by_name.items() if name.startswith(k)), 0)
    values = {
        "slug": w.campaign.slug,
        "number": w.problem.number,
        "pk": pk,
        "name": "start",
        "code": "ABCD-EFGH",
        "year": 2027,
        "unit_id": w.bureau_a.pk,
    }
    return {arg: values[arg] for arg in re.findall(r"<(?:\w+:)?(\w+)>", route)}


@pytest.mark.django_db
def test_every_page_sends_the_strict_policy(client, filled):
    """Every URL of the site (the admin's and the API's apart, below) as the office."""
    client.force_login(filled.office)
    seen = {}
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/v1/")) or name in ("logout", "set_language"):
            continue
        url = reverse(name, kwargs=url_arguments(name, route, filled))
        response = client.get(url)
        seen[name] = response.status_code
        assert response.status_code < 500, url
        assert_strict(response, url)
        if response.status_code == 200 and "html" in response.headers.get("Content-Type", ""):
            assert inline_code(response.content.decode()) == [], url
    rendered = {n for n, status in seen.items() if status == 200}
    # The pages that matter most, so a change of fixtures cannot empty the walk unnoticed.
    assert {
        "campaign-home",
        "problem-list",
        "problem-detail",
        "measure-detail",
        "measure-edit",
        "feedback-list",
        "feedback-detail",
        "activity-detail",
        "work-group-list",
        "categories",
        "consolidation-board",
        "account-tokens",
        "public-page",
        "login",
    } <= rendered, seen


@pytest.mark.django_db
def test_anonymous_pages_and_errors_send_it_too(client, world):
    for url in (reverse("login"), reverse("home"), "/no-such-page/", "/static/js/rectify.js"):
        assert_strict(client.get(url), url)


@pytest.mark.django_db
def test_the_admin_and_the_api_docs_send_it(client, rf, world):
    """Django's admin and ninja's Swagger UI load their scripts from files: the strict policy
    holds there as well (tests/core/test_security_in_a_browser.py loads them in Chromium)."""
    root = User.objects.create_superuser("root", password="x")
    client.force_login(root)
    request = rf.get("/admin/")
    request.user = root
    urls = ["/admin/", reverse("api-v1:openapi-view"), reverse("api-v1:openapi-json")]
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{prefix}_add"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, url)
        if "html" in response.headers["Content-Type"]:
            found = inline_code(response.content.decode())
            # Django's change list adds one <style> rule when a model has no actions; the
            # policy drops it, which only widens a column.
            assert [f for f in found if not f.startswith("<style")] == [], url
