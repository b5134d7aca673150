"""The unit's day in a real browser: a liaison logs in, lands on my tasks, reports progress with
two files in place, sees the report, and requests closure."""

import pytest
from playwright.sync_api import expect

from rectify.ledger.models import ClosureRequest, Evidence, Measure
from tests.helpers import log_in

from .conftest import PNG

SCREENSHOTS = "/tmp/rectify-work-{}.png"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_liaison_reports_progress_and_requests_closure(live_server, page, world, tasks, tmp_path):
    base = live_server.url
    m = tasks.under_way
    photo = tmp_path / "整改现场.png"
    photo.write_bytes(PNG)
    minutes = tmp_path / "整改会议纪要.txt"
    minutes.write_text("会议纪要：已完成全部整改任务。", encoding="utf-8")

    # log in and land on my tasks
    log_in(page, base, "liaison")
    page.wait_for_url(f"{base}/c/world/my-tasks/")
    expect(page.locator("[data-testid=task-group]").first).to_have_attribute(
        "data-group", "returned"
    )
    expect(page.locator("[data-testid=return-reason]").first).to_contain_text("照片不清晰")
    page.screenshot(path=SCREENSHOTS.format("my-tasks"), full_page=True)

    # open the progress form in place on one task (no page load from here on)
    page.evaluate("window.stillHere = true")
    card = page.locator(f"#task-{m.pk}")
    card.locator("[data-testid=task-report]").click()
    form = card.locator("[data-testid=progress-form]")
    expect(form).to_be_visible()
    expect(form.locator("input[name=reported_on]")).to_have_value("2026-11-16")
    expect(form.locator("input[name=percent_done]")).to_have_value("50")  # the last report's
    form.locator("textarea[name=text]").fill("已清理考核事项12项，形成制度文件。")
    form.locator("input[name=percent_done]").fill("100")
    form.locator("input[type=file]").set_input_files([str(photo), str(minutes)])
    expect(form.locator("[data-dropzone-list] li")).to_have_count(2)
    card.screenshot(path=SCREENSHOTS.format("task-form"))  # (a full-page one shifts the page)
    form.locator("[data-testid=progress-submit]").click()

    # the card comes back updated, with a success message, without a page load
    expect(card.locator("[data-testid=message]")).to_be_visible()
    expect(card.locator("[data-testid=task-percent]")).to_have_text("100%")
    expect(card.locator("[data-testid=progress-form]")).to_have_count(0)
    assert page.evaluate("window.stillHere") is True
    names = set(Evidence.objects.filter(measure=m).values_list("original_name", flat=True))
    assert names == {"整改现场.png", "整改会议纪要.txt"}

    # on the measure page: the report and its files; another report by drag and drop
    card.locator("[data-testid=task-measure]").click()
    page.wait_for_url(f"{base}/measures/{m.pk}/")
    reports = page.locator("#measure-reports [data-testid=progress-report]")
    expect(reports.first).to_contain_text("已清理考核事项12项")
    expect(reports.first.locator("[data-testid=report-file]")).to_have_count(2)
    expect(page.locator("[data-testid=fresh-evidence]")).to_have_attribute("data-count", "2")
    page.evaluate("window.stillHere = true")
    drop = page.locator("#measure-reports [data-dropzone]")
    page.evaluate(
        """zone => {
            const files = new DataTransfer();
            files.items.add(new File(["验收照片"], "验收照片.txt", {type: "text/plain"}));
            for (const type of ["dragover", "drop"]) {
                const init = {bubbles: true, cancelable: true, dataTransfer: files};
                zone.dispatchEvent(new DragEvent(type, init));
            }
        }""",
        drop.element_handle(),
    )
    expect(drop.locator("[data-dropzone-list] li")).to_have_text(["验收照片.txt (1 KB)"])
    page.locator("#measure-reports textarea[name=text]").fill("组织验收。")
    page.locator("#measure-reports [data-testid=progress-submit]").click()
    expect(page.locator("#measure-reports [data-testid=message]")).to_be_visible()
    expect(reports).to_have_count(3)
    expect(reports.first).to_contain_text("组织验收。")
    expect(page.locator("[data-testid=fresh-evidence]")).to_have_attribute("data-count", "3")
    assert page.evaluate("window.stillHere") is True
    page.screenshot(path=SCREENSHOTS.format("measure"), full_page=True)

    # request closure from my tasks: its link opens the folded form on the measure page
    page.goto(f"{base}/c/world/my-tasks/")
    page.locator(f"#task-{m.pk} [data-testid=task-close]").click()
    page.wait_for_url(f"{base}/measures/{m.pk}/#closure-request")
    closure = page.locator("[data-testid=closure-form]")
    expect(closure).to_be_visible()
    closure.locator("textarea[name=description]").fill("考核事项已全部清理，制度已印发。")
    closure.locator("[data-testid=closure-submit]").click()
    expect(page.locator("#measure-badges [data-testid=state-badge]")).to_have_attribute(
        "data-state", "closure_requested"
    )
    expect(page.locator("[data-testid=message][data-level=success]")).to_be_visible()
    expect(page.locator("[data-testid=closure-pending]")).to_contain_text("制度已印发")
    assert Measure.objects.get(pk=m.pk).state == "closure_requested"
    assert ClosureRequest.objects.get(measure=m).description == "考核事项已全部清理，制度已印发。"
    page.screenshot(path=SCREENSHOTS.format("requested"), full_page=True)
