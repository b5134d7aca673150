"""One real browser through the main path: login, dashboard, htmx filter, a transition, and the
other unit's liaison locked out."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import Indicator, ResearchActivity, WorkGroup
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.models import ProblemList
from rectify.orgs.models import Region
from tests.helpers import log_in

pytestmark = pytest.mark.usefixtures("pinned_today")

SCREENSHOT = "/tmp/rectify-home.png"


def furnish(world):
    """Enough records for the dashboard to look like a real one."""
    c = world.campaign
    group = WorkGroup.objects.create(campaign=c, name="第一调研组")
    group.members.add(world.group, world.leader)
    group.regions.add(*Region.objects.all()[:5])
    for i in range(3):
        ResearchActivity.objects.create(
            campaign=c,
            kind=ActivityKind.SYMPOSIUM,
            title=f"座谈会{i}",
            held_on=dt.date(2026, 9, 1 + i),
            participant_count=1200 + i,
        )
    for i in range(7):
        FeedbackItem.objects.create(
            campaign=c, kind=FeedbackKind.PROBLEM, text=f"反映问题{i}", channel=Channel.SYMPOSIUM
        )
    FeedbackItem.objects.create(
        campaign=c, kind=FeedbackKind.SUGGESTION, text="建议", channel=Channel.SURVEY
    )
    lead = ProblemList.objects.create(campaign=c, name="领导班子突出问题清单", order=1)
    world.problem.lists.add(lead)
    services.update_problem(world.problem, actor=world.office, is_prominent=True)
    Indicator.objects.create(
        campaign=c,
        name="惠及困难群众",
        value=Decimal(44_000_000),
        unit="人次",
        as_of=dt.date(2026, 10, 1),
    )


def row_numbers(page):
    return [
        int(n)
        for n in page.locator("[data-testid=problem-row]").evaluate_all(
            "rows => rows.map(r => r.dataset.number)"
        )
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_and_other_liaison_in_a_real_browser(live_server, page, world):
    furnish(world)
    base = live_server.url

    # log in through the form and land on the campaign home
    log_in(page, base, "office")
    page.wait_for_url(f"{base}/c/world/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-testid=fig-consolidated] .figure-value").inner_text().startswith("2")
    assert "4,400万" in page.locator("body").inner_text()
    assert page.evaluate("typeof htmx") == "object"  # the vendored htmx loaded
    page.screenshot(path=SCREENSHOT, full_page=True)

    # one click to the problem list
    page.click("[data-testid=fig-consolidated]")
    page.wait_for_url(f"{base}/c/world/problems/")
    assert row_numbers(page) == [1, 2]

    # filter with the htmx form: only the table is replaced, the page stays
    page.evaluate("window.__still_here = true")
    page.select_option("#id_source", "grassroots")
    # (expect, not wait_for_function: the policy refuses the string it would evaluate)
    expect(page.locator("[data-testid=problem-row]")).to_have_count(1)
    assert row_numbers(page) == [1]
    assert page.evaluate("window.__still_here") is True  # no full reload
    assert re.search(r"source=grassroots", page.url)  # the URL follows the filter

    # open the problem, then its bureau_a measure, and start it
    page.click("a:has-text('基层减负落实不到位')")
    page.wait_for_url(f"{base}/c/world/problems/1/")
    page.click(f"[data-measure='{world.measure_a.pk}'] a")
    page.wait_for_url(f"{base}/measures/{world.measure_a.pk}/")
    assert (
        page.locator("#measure-badges [data-testid=state-badge]").get_attribute("data-state")
        == "draft"
    )
    page.click("form[data-transition=start] button[type=submit]")
    page.wait_for_url(f"{base}/measures/{world.measure_a.pk}/")
    badge = page.locator("#measure-badges [data-testid=state-badge]")
    assert badge.get_attribute("data-state") == "in_progress"
    assert "text-bg-primary" in badge.get_attribute("class")
    assert page.locator("[data-testid=message][data-level=success]").count() == 1

    # log out (a POST form) and come back as the other unit's liaison
    page.click("form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")
    log_in(page, base, "liaison2")
    response = page.goto(f"{base}/measures/{world.measure_a.pk}/")
    assert response.status == 404
    response = page.goto(f"{base}/measures/{world.measure_b.pk}/")
    assert response.status == 200
