"""The entry in a real browser, under the Content-Security-Policy: from the navbar to the 2027
calendar, paste the notice, read it, correct a line, preview, save."""

import pytest
from playwright.sync_api import expect

from rectify.core.models import CalendarDay
from tests.helpers import log_in
from tests.ledger.holidays.notices import NOTICE_2027

SCREENSHOT = "/tmp/rectify-calendar.png"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_office_enters_the_2027_notice_in_a_browser(live_server, page, world):
    base = live_server.url
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.on("pageerror", lambda error: refused.append(str(error)))

    log_in(page, base, "office")
    page.click("[data-testid=nav-calendar]")
    expect(page.locator("[data-testid=calendar-year-row][data-year='2027']")).to_have_attribute(
        "data-source", "weekdays"
    )
    page.fill("[data-testid=calendar-go] input[name=year]", "2027")
    page.click("[data-testid=calendar-go] button[type=submit]")
    page.wait_for_url(f"{base}/calendar/2027/edit/")

    page.fill("[data-testid=notice]", NOTICE_2027)
    page.click("[data-testid=read-notice]")
    expect(page.locator("[data-testid=calendar-day]")).to_have_count(24)
    assert page.locator("[data-testid=lines]").input_value().startswith("2027-01-01 元旦 放假\n")
    page.screenshot(path=SCREENSHOT, full_page=True)

    # A line typed wrong is refused with its number; nothing is saved.
    page.fill("[data-testid=lines]", page.locator("[data-testid=lines]").input_value() + "\n12/31")
    page.click("[data-testid=preview-lines]")
    expect(page.locator("[data-testid=unread-line]")).to_have_attribute("data-line", "25")
    expect(page.locator("[data-testid=save-calendar]")).to_have_count(0)

    # Corrected, previewed, saved.
    text = page.locator("[data-testid=lines]").input_value().replace("12/31", "2027-12-31 放假")
    page.fill("[data-testid=lines]", text)
    page.click("[data-testid=preview-lines]")
    expect(page.locator("[data-testid=calendar-day]")).to_have_count(25)
    page.click("[data-testid=save-calendar]")
    page.wait_for_url(f"{base}/calendar/2027/")
    expect(page.locator("[data-testid=message]")).to_contain_text("2027年节假日安排已保存")
    expect(page.locator("[data-testid=calendar-source]")).to_have_attribute("data-source", "office")
    page.screenshot(path="/tmp/rectify-calendar-year.png", full_page=True)
    assert CalendarDay.objects.filter(date__year=2027).count() == 25
    assert refused == []
