"""In Chromium, under the real Content-Security-Policy: the pages, the admin and the API docs
work, the console reports no violation, and what inline handlers used to do still happens."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rectify.orgs.models import User
from tests.factories import PASSWORD, add_evidence


def watch(page) -> list[str]:
    """Collects what the browser refuses under the policy (Chromium logs each refusal)."""
    refused = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            refused.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
    return refused


def log_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_run_under_the_policy_without_a_violation(live_server, page, world):
    add_evidence(world.measure_a, world.office)
    world.campaign.public_intake_enabled = True
    world.campaign.save()
    base = live_server.url
    refused = watch(page)

    log_in(page, base, "office")
    page.wait_for_url(f"{base}/c/world/")
    for name, args in [
        ("campaign-home", ["world"]),
        ("problem-detail", ["world", world.problem.number]),
        ("measure-detail", [world.measure_a.pk]),
        ("measure-edit", [world.measure_a.pk]),
        ("feedback-list", ["world"]),
        ("categories", ["world"]),
        ("consolidation-board", ["world"]),
        ("activity-list", ["world"]),
        ("coverage", ["world"]),
        ("public-page", ["world"]),
    ]:
        visit(page, base + reverse(name, args=args))

    # htmx still filters the problem list (its indicator styles come from rectify.css)
    visit(page, base + reverse("problem-list", args=["world"]))
    rows = page.locator("[data-testid=problem-row]")
    assert rows.count() == 2
    page.fill("#id_q", "乙省")
    expect(rows).to_have_count(1)  # (wait_for_function would evaluate a string: refused)
    assert page.locator("#filter-busy").evaluate("e => getComputedStyle(e).opacity") == "0"

    # a new token's field selects itself on focus (was onfocus="this.select()")
    visit(page, base + reverse("account-tokens"))
    page.fill("input[name=name]", "browser")
    page.click("[data-testid=token-form] button[type=submit]")
    field = page.locator("[data-testid=new-token]")
    field.focus()
    assert field.evaluate("e => e.selectionStart === 0 && e.selectionEnd === e.value.length")
    assert len(field.input_value()) > 20

    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_language_switch_still_works(live_server, page, world):
    """The select submits its form on change through static/js/rectify.js."""
    world.campaign.public_intake_enabled = True
    world.campaign.save()
    base = live_server.url
    refused = watch(page)

    log_in(page, base, "office")
    page.wait_for_url(f"{base}/c/world/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_url(f"{base}/c/world/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()

    # the public page's own switch, back to Chinese
    visit(page, base + reverse("public-page", args=["world"]))
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    page.wait_for_url(base + reverse("public-page", args=["world"]))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_and_the_api_docs_work_under_the_strict_policy(live_server, page, world):
    User.objects.create_superuser("root", password=PASSWORD)
    base = live_server.url
    refused = watch(page)
    log_in(page, base, "root")

    # Swagger UI (ninja's own files) renders the operations and runs one
    visit(page, base + "/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary").first.click()
    page.get_by_text("Try it out").first.click()
    page.get_by_text("Execute").first.click()
    page.wait_for_selector(".responses-table .response-col_status")

    # the admin: a change list, a read-only ledger row, and a form with its calendar widget
    visit(page, base + "/admin/")
    visit(page, base + "/admin/ledger/measure/")
    page.locator("#result_list tbody a").first.click()
    page.wait_for_load_state("networkidle")
    visit(page, base + "/admin/core/calendarday/add/")
    page.wait_for_load_state("networkidle")
    page.locator(".datetimeshortcuts a").nth(1).click()  # the calendar icon beside "today"
    assert page.locator(".calendarbox").first.is_visible()
    assert refused == []
