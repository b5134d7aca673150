"""In a real browser: the office adds two measures for two units on a problem page, giving the
deadline in working days and seeing the computed date before saving; then a milestone in place."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from rectify.ledger.models import Measure
from tests.helpers import log_in

pytestmark = pytest.mark.usefixtures("pinned_today")

SCREENSHOTS = "/tmp/rectify-planning-{}.png"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_office_adds_two_measures_in_working_days(live_server, page, world):
    base = live_server.url
    problem = world.problem
    log_in(page, base, "office")
    page.goto(f"{base}/c/world/problems/{problem.number}/")
    page.click("[data-testid=add-measure]")
    expect(page.locator("[data-testid=measure-form]")).to_be_visible()

    # the first measure: bureau A, 5 working days from 29 September (across National Day)
    page.fill("textarea[name=content]", "全面清理规范面向基层的考核事项")
    page.select_option("select[name=responsible_unit]", str(world.bureau_a.pk))
    page.fill("input[name=responsible_person]", "王五 副厅长")
    page.click("label[for=deadline-by-days]")
    expect(page.locator("input[name=deadline]")).to_be_hidden()  # only the chosen way shows
    page.fill("input[name=decided_on]", "2026-09-29")
    page.fill("input[name=working_days]", "5")
    computed = page.locator("[data-testid=computed-deadline]")
    expect(computed).to_contain_text("2026-10-12")  # before saving
    expect(computed).to_contain_text("星期一")
    page.screenshot(path=SCREENSHOTS.format("form"), full_page=True)
    page.click("[data-testid=save-another]")

    # the second: the deadline is kept and shown at once; another unit, with a cooperating one
    page.wait_for_url("**/measures/new/?**")
    expect(page.locator("[data-testid=computed-deadline]")).to_contain_text("2026-10-12")
    expect(page.locator("input[name=working_days]")).to_have_value("5")
    page.fill("textarea[name=content]", "精简文件会议，建立统筹把关机制")
    page.select_option("select[name=responsible_unit]", str(world.bureau_b.pk))
    page.select_option("select[name=cooperating_units]", [str(world.org_a1.pk)])
    # a longer count reaches into 2027, which the calendar does not cover: a warning shows
    page.fill("input[name=working_days]", "70")
    expect(page.locator("[data-testid=calendar-warning]")).to_be_visible()
    page.fill("input[name=working_days]", "20")
    expect(page.locator("[data-testid=computed-deadline]")).to_contain_text("2026-11-02")
    expect(page.locator("[data-testid=calendar-warning]")).to_have_count(0)
    page.click("[data-testid=save]")

    page.wait_for_url(f"{base}/c/world/problems/{problem.number}/")
    cards = page.locator("[data-testid=measure-card]")
    expect(cards).to_have_count(4)
    page.screenshot(path=SCREENSHOTS.format("problem"), full_page=True)
    first, second = Measure.objects.filter(problem=problem).order_by("-id")[:2][::-1]
    assert (first.responsible_unit, first.deadline, first.working_days) == (
        world.bureau_a,
        dt.date(2026, 10, 12),
        5,
    )
    assert (second.responsible_unit, second.deadline) == (world.bureau_b, dt.date(2026, 11, 2))
    assert list(second.cooperating_units.all()) == [world.org_a1]

    # a milestone on the new measure, added and completed in place
    page.goto(f"{base}/measures/{second.pk}/")
    page.fill("#ms-new-title", "摸底梳理现有文件会议")
    page.fill("#ms-new-due", "2026-10-20")
    page.click("[data-testid=milestone-add]")
    expect(page.locator("[data-testid=milestone-title]")).to_have_text("摸底梳理现有文件会议")
    page.click("[data-testid=milestone-complete]")
    expect(page.locator("[data-testid=milestone-done]")).to_be_visible()
    page.screenshot(path=SCREENSHOTS.format("measure"), full_page=True)
    assert second.milestones.get().done_on == dt.date(2026, 11, 16)

    # moving the first measure's deadline asks for a reason, then shows the move
    page.goto(f"{base}/measures/{first.pk}/edit/")
    expect(page.locator("[data-testid=computed-deadline]")).to_contain_text("2026-10-12")
    page.fill("input[name=working_days]", "6")
    expect(page.locator("[data-testid=computed-deadline]")).to_contain_text("2026-10-13")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=error-deadline_reason]")).to_be_visible()
    page.fill("textarea[name=deadline_reason]", "会议决定增加一个工作日用于征求意见")
    page.screenshot(path=SCREENSHOTS.format("edit"), full_page=True)
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=deadline-moves]")).to_have_attribute("data-moves", "1")
    expect(page.locator("[data-testid=deadline]")).to_have_text("2026年10月13日")
    page.screenshot(path=SCREENSHOTS.format("facts"), full_page=True)

    # the list page's bulk bar, for the record
    page.goto(f"{base}/c/world/problems/")
    page.screenshot(path=SCREENSHOTS.format("list"), full_page=True)
