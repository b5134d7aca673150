"""Evidence cards in Chromium, under the real Content-Security-Policy: the previews of an image
and a PDF load (lazily), a text file shows its kind's label, and nothing is refused."""

import pytest
from django.urls import reverse

from tests.factories import add_evidence
from tests.helpers import image_bytes, log_in, pdf_bytes

SCREENSHOT = "/tmp/rectify-evidence.png"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_previews_load_under_the_policy(live_server, page, world):
    add_evidence(world.measure_a, world.liaison, image_bytes("JPEG", (800, 600)), "现场照片.jpg")
    add_evidence(world.measure_a, world.liaison, pdf_bytes(595, 842), "整改报告.pdf")
    add_evidence(world.measure_a, world.liaison, "整改落实情况说明".encode("gbk"), "说明.txt")
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.on("pageerror", lambda error: refused.append(str(error)))
    base = live_server.url
    log_in(page, base, "office")
    page.goto(base + reverse("measure-detail", args=[world.measure_a.pk]))
    cards = page.locator("[data-testid=evidence]")
    previews = page.locator("[data-testid=evidence-preview]")
    previews.last.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert cards.count() == 3
    assert previews.count() == 2
    widths = previews.evaluate_all("images => images.map(i => i.complete && i.naturalWidth)")
    assert sorted(widths) == [340, 480]  # the PDF's A4 page fits 480 high; the photo 480 wide
    assert "TXT" in cards.filter(has_text="说明.txt").inner_text()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert refused == []
