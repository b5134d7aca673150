"""One real browser through the public page: submit without an account, read the receipt code
off the page, and follow the submission by typing the code in loosely."""

import pytest
from django.core.cache import cache

from rectify.feedback.choices import Channel
from rectify.feedback.models import FeedbackItem
from rectify.feedback.public import codes, services

pytestmark = pytest.mark.usefixtures("pinned_today")

SCREENSHOT = "/tmp/rectify-public.png"
TEXT = "<b>小区</b>门口的路灯坏了两个月\u202e，晚上出行很不安全"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_submit_and_follow_by_receipt_code_in_a_real_browser(live_server, page, world):
    cache.clear()
    services.set_public_intake(world.campaign, actor=world.office, enabled=True)
    base = live_server.url

    page.goto(f"{base}/p/world/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator(".navbar-rectify").count() == 0  # the public layout, no staff navbar
    assert page.locator("[data-testid=public-explanation]").is_visible()
    # the honeypot stays out of sight (off the left edge), out of the tab order
    honeypot = page.locator("#id_website")
    assert honeypot.evaluate("e => e.getBoundingClientRect().right") <= 0
    assert honeypot.get_attribute("tabindex") == "-1"

    page.check("input[name=kind][value=suggestion]")
    page.fill("#id_text", TEXT)
    page.select_option("#id_region", label="北京市")
    page.fill("#id_contact", "13800000000")
    page.click("[data-testid=public-submit]")
    page.wait_for_url(f"{base}/p/world/status/*/?new=*")

    code = page.locator("[data-testid=receipt-code]").inner_text().strip()
    assert len(code) == 12 and code[4] == code[9] == "-"
    item = FeedbackItem.objects.get(channel=Channel.PUBLIC_PAGE)
    assert codes.format_code(item.receipt_code) == code
    assert item.text == TEXT.replace("\n", "\r\n")
    assert item.kind == "suggestion"
    page.screenshot(path=SCREENSHOT, full_page=True)

    # later, on another visit: type the code in lower case with spaces instead of dashes
    page.goto(f"{base}/p/world/status/")
    page.fill("input[name=code]", code.lower().replace("-", " "))
    page.click("[data-testid=lookup-submit]")
    page.wait_for_url(f"{base}/p/world/status/{item.receipt_code}/")
    assert page.locator("[data-testid=stage]").get_attribute("data-stage") == "received"
    own = page.locator("[data-testid=own-text]")
    assert own.inner_text() == TEXT  # shown as text, markup and all
    assert page.locator("[data-testid=own-text] b").count() == 0
    assert "13800000000" not in page.content()
    assert page.locator("[data-testid=submitted]").count() == 0
