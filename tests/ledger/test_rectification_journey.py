"""Issue 11's whole loop in a real browser, as its people do it: the office adds two measures for
two units; the liaison finds one in my tasks, reports progress with a photo and a PDF and
requests closure; the office returns it with a reason; the liaison sees it under "returned",
reports again and requests closure; the office verifies it on the verification page; the
campaign's figures change."""

import pypdfium2
import pytest
from PIL import Image
from playwright.sync_api import expect

from rectify.ledger import services
from rectify.ledger.choices import ProblemState, Source
from rectify.ledger.models import Measure
from rectify.orgs.access import SYSTEM
from rectify.reports.figures import campaign_figures
from tests.factories import add_evidence
from tests.helpers import log_in

SCREENSHOT = "/tmp/rectify-journey-{}.png"


def a_photo(path):
    Image.new("RGB", (320, 200), (40, 140, 90)).save(path, "PNG")


def a_pdf(path):
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(path))


def rectified(campaign) -> int:
    return campaign_figures(SYSTEM, campaign).problems_by_state[ProblemState.RECTIFIED]


def log_out_and_in(page, base, username):
    page.context.clear_cookies()
    log_in(page, base, username)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_rectification_loop_in_the_browser(live_server, page, world, tmp_path):
    base = live_server.url
    w = world
    problem = services.create_problem(
        w.campaign, actor=w.office, title="基层考核事项过多过频", source=Source.INSPECTION
    )
    photo, pdf = tmp_path / "整改现场.png", tmp_path / "整改报告.pdf"
    a_photo(photo)
    a_pdf(pdf)
    before = rectified(w.campaign)

    # the office adds two measures for two units on the problem page
    log_in(page, base, "office")
    page.goto(f"{base}/c/world/problems/{problem.number}/")
    page.click("[data-testid=add-measure]")
    page.fill("textarea[name=content]", "全面清理规范面向基层的考核事项")
    page.select_option("select[name=responsible_unit]", str(w.bureau_a.pk))
    page.fill("input[name=deadline]", "2026-12-20")
    page.click("[data-testid=save-another]")
    page.fill("textarea[name=content]", "精简文件会议，建立统筹把关机制")
    page.select_option("select[name=responsible_unit]", str(w.bureau_b.pk))
    page.fill("input[name=deadline]", "2026-12-31")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=measure-card]")).to_have_count(2)
    ours = Measure.objects.get(problem=problem, responsible_unit=w.bureau_a)

    # the liaison lands on my tasks and finds the measure of their unit (a draft to start)
    log_out_and_in(page, base, "liaison")
    page.wait_for_url(f"{base}/c/world/my-tasks/")
    card = page.locator(f"#task-{ours.pk}")
    expect(card).to_be_visible()
    expect(page.locator("[data-testid=task]").filter(has_text="精简文件会议")).to_have_count(0)
    card.locator("[data-testid=task-start]").click()
    card = page.locator(f"#task-{ours.pk}")

    # progress with a photo and a PDF, in place
    card.locator("[data-testid=task-report]").click()
    form = card.locator("[data-testid=progress-form]")
    form.locator("textarea[name=text]").fill("已清理考核事项12项。")
    form.locator("input[name=percent_done]").fill("100")
    form.locator("input[type=file]").set_input_files([str(photo), str(pdf)])
    form.locator("[data-testid=progress-submit]").click()
    expect(card.locator("[data-testid=task-percent]")).to_have_text("100%")

    # the measure page shows both files with their previews; request closure
    page.goto(f"{base}/measures/{ours.pk}/")
    expect(page.locator("[data-testid=evidence] img")).to_have_count(2)
    closure = page.locator("[data-testid=closure-form]")
    if not closure.is_visible():
        page.click("[data-testid=closure-request] summary, [data-testid=closure-request] button")
    closure.locator("textarea[name=description]").fill("考核事项已全部清理。")
    closure.locator("[data-testid=closure-submit]").click()
    expect(page.locator("[data-testid=closure-pending]")).to_contain_text("考核事项已全部清理")

    # the office finds it in its to-do and returns it with a reason
    log_out_and_in(page, base, "office")
    page.goto(f"{base}/c/world/todo/")
    page.locator(f"[data-testid=todo][data-measure='{ours.pk}'] [data-testid=verify-link]").click()
    expect(page.locator("[data-testid=request-description]")).to_contain_text("已全部清理")
    expect(page.locator("[data-testid=fresh-evidence] [data-testid=evidence]")).to_have_count(2)
    page.screenshot(path=SCREENSHOT.format("verify"), full_page=True)
    page.fill("#id_return-reason", "请补充取消事项的文件依据。")
    page.click("[data-testid=return-button]")
    expect(page.locator("[data-testid=message]").first).to_be_visible()

    # the liaison sees it under "returned" with the reason, reports again and asks again
    log_out_and_in(page, base, "liaison")
    page.wait_for_url(f"{base}/c/world/my-tasks/")
    returned = page.locator("[data-group=returned]")
    expect(returned.locator(f"#task-{ours.pk}")).to_be_visible()
    expect(returned.locator("[data-testid=return-reason]").first).to_contain_text("文件依据")
    card = page.locator(f"#task-{ours.pk}")
    card.locator("[data-testid=task-report]").click()
    form = card.locator("[data-testid=progress-form]")
    form.locator("textarea[name=text]").fill("已补充文件依据。")
    form.locator("input[name=percent_done]").fill("100")
    (tmp_path / "文件依据.txt").write_text(
        "关于取消部分考核事项的通知（文件依据）", encoding="utf-8"
    )
    form.locator("input[type=file]").set_input_files([str(tmp_path / "文件依据.txt")])
    form.locator("[data-testid=progress-submit]").click()
    expect(card.locator("[data-testid=message]")).to_be_visible()
    page.goto(f"{base}/measures/{ours.pk}/")
    closure = page.locator("[data-testid=closure-form]")
    if not closure.is_visible():
        page.click("[data-testid=closure-request] summary, [data-testid=closure-request] button")
    closure.locator("textarea[name=description]").fill("已按退回意见补充文件依据。")
    closure.locator("[data-testid=closure-submit]").click()
    expect(page.locator("[data-testid=closure-pending]")).to_contain_text("补充文件依据")

    # the office verifies on the verification page with its opinion
    log_out_and_in(page, base, "office")
    page.goto(f"{base}/measures/{ours.pk}/verify/")
    expect(page.locator("[data-testid=fresh-evidence] [data-testid=evidence]")).to_have_count(1)
    page.fill("#id_accept-opinion", "文件依据齐全，整改到位，同意销号。")
    page.click("[data-testid=accept-button]")
    expect(page.locator("[data-testid=message]").first).to_be_visible()
    ours.refresh_from_db()
    assert (ours.state, ours.closure_opinion) == ("closed", "文件依据齐全，整改到位，同意销号。")
    assert ours.closed_on is not None

    # the figures: the problem is not rectified while the other unit's measure is open …
    assert rectified(w.campaign) == before
    other = Measure.objects.get(problem=problem, responsible_unit=w.bureau_b)
    other = services.start(other, actor=w.liaison2)
    add_evidence(other, w.liaison2, content="精简会议文件说明".encode())
    other = services.request_closure(other, actor=w.liaison2, reason="已完成")
    services.verify(other, actor=w.office, reason="同意销号")
    # … and is, once both are closed: the campaign home shows one more rectified problem
    assert rectified(w.campaign) == before + 1
    page.goto(f"{base}/c/world/")
    expect(page.locator("body")).to_contain_text("整改到位")
    page.screenshot(path=SCREENSHOT.format("home"), full_page=True)
