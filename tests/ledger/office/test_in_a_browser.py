"""The office in a real browser: 待办 → the verification page → return with reasons → the unit
asks again → accept (销号) with a verification opinion."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from rectify.ledger import services
from rectify.ledger.models import Measure, Verification
from tests.factories import add_evidence
from tests.helpers import image_bytes, log_in, pdf_bytes
from tests.ledger.office.helpers import closed, extension, requested

pytestmark = pytest.mark.usefixtures("pinned_today")

TODO_SHOT = "/tmp/rectify-office-todo.png"
VERIFY_SHOT = "/tmp/rectify-office-verify.png"


def at(time_machine, day, hour=9):
    time_machine.move_to(dt.datetime(2026, 11, day, hour, 30, tzinfo=ZoneInfo("Asia/Shanghai")))


def furnish(world, time_machine):
    """A to-do list as an office would find it: requests, an extension, a re-check due."""
    at(time_machine, 2)
    m = world.measure_a
    services.update_measure(
        m,
        actor=world.office,
        expected_version=m.version,
        responsible_person="张明（办公室主任）",
        content="全面清理规范面向基层的各类考核检查事项，建立考核事项目录清单并动态管理",
    )
    m = services.start(Measure.objects.get(pk=m.pk), actor=world.liaison)
    services.add_milestone(
        m, actor=world.liaison, title="梳理现有考核事项", due_on=dt.date(2026, 10, 31)
    )
    for ms in m.milestones.all():
        services.complete_milestone(ms, actor=world.liaison, done_on=dt.date(2026, 10, 28))
    services.add_progress_report(
        m,
        actor=world.liaison,
        text="已梳理考核事项41项，拟取消23项、合并9项。",
        percent_done=60,
        reported_on=dt.date(2026, 10, 30),
    )
    add_evidence(m, world.liaison, pdf_bytes(), "考核事项清理台账.pdf")
    add_evidence(m, world.liaison, image_bytes("JPEG"), "公示现场照片.jpg")
    services.add_progress_report(
        m,
        actor=world.liaison,
        text="取消23项、合并9项，目录清单已印发并公示。",
        percent_done=90,
        reported_on=dt.date(2026, 11, 12),
    )
    add_evidence(m, world.liaison, b"notice", "关于印发考核事项目录清单的通知.docx")
    at(time_machine, 9, 15)
    m = services.request_closure(
        Measure.objects.get(pk=m.pk),
        actor=world.liaison,
        reason="已取消考核事项23项、合并9项，保留事项全部纳入目录清单管理，清单已印发并在门户网站公示。",
    )
    at(time_machine, 13, 11)
    requested(world, world.measure_b, text="会议文件精简方案已执行，会议数量同比下降35%。")
    at(time_machine, 14, 16)
    extension(
        world, world.measure_b2, days=60, reason="涉及跨部门审批流程再造，需省政府常务会审议。"
    )
    p = services.create_problem(
        world.campaign, actor=world.office, title="窗口服务态度生硬", source="grassroots"
    )
    m3 = world.measure(p, world.bureau_b, "开展窗口服务规范化培训并建立群众评价机制")
    at(time_machine, 2, 10)
    closed(world, m3, recheck_on=dt.date(2026, 11, 16))
    at(time_machine, 16, 10)
    return m


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_office_returns_then_accepts_in_a_browser(live_server, page, world, time_machine):
    m = furnish(world, time_machine)
    base = live_server.url
    log_in(page, base, "office")
    page.goto(f"{base}/c/world/todo/")
    expect(page.locator("[data-group=closure] [data-testid=group-count]")).to_have_text("2")
    page.screenshot(path=TODO_SHOT, full_page=True)

    # an extension granted in the list (htmx): its row says so, the page stays
    page.click("[data-testid=extension-grant]")
    expect(page.locator("[data-testid=inline-done]")).to_contain_text("2027-03-01")
    assert Measure.objects.get(pk=world.measure_b2.pk).deadline == dt.date(2027, 3, 1)

    page.locator(f"[data-testid=todo][data-measure='{m.pk}'] [data-testid=verify-link]").click()
    page.wait_for_url(f"{base}/measures/{m.pk}/verify/")
    expect(page.locator("[data-testid=request-description]")).to_contain_text("已取消考核事项23项")
    expect(page.locator("[data-testid=warning-percent]")).to_contain_text("90%")
    expect(page.locator("[data-testid=fresh-evidence] [data-testid=evidence]")).to_have_count(3)
    page.screenshot(path=VERIFY_SHOT, full_page=True)

    # returning needs reasons: the browser sends the empty form, the page says what is missing
    page.click("[data-testid=return-button]")
    expect(page.locator("[data-testid=error-reason]")).to_be_visible()
    page.fill("#id_return-reason", "请补充考核事项目录清单公示截图及取消事项的文件依据。")
    page.click("[data-testid=return-button]")
    page.wait_for_url(f"{base}/c/world/todo/")
    expect(page.locator("[data-testid=message]")).to_be_visible()
    expect(page.locator("[data-group=closure] [data-testid=group-count]")).to_have_text("1")
    assert Measure.objects.get(pk=m.pk).state == "returned"

    # the unit reports again with fresh evidence and asks again
    add_evidence(m, world.liaison, b"screenshot", "门户网站公示截图.png")
    services.add_progress_report(
        m, actor=world.liaison, text="已补充公示截图和文件依据。", percent_done=100
    )
    services.request_closure(
        Measure.objects.get(pk=m.pk), actor=world.liaison, reason="已按要求补充公示截图及文件依据。"
    )

    page.goto(f"{base}/c/world/todo/")
    page.locator(f"[data-testid=todo][data-measure='{m.pk}'] [data-testid=verify-link]").click()
    expect(page.locator("[data-testid=warning-percent]")).to_have_count(0)
    expect(page.locator("[data-testid=fresh-evidence] [data-testid=evidence]")).to_have_count(1)
    page.fill("#id_accept-opinion", "经核查公示材料和文件依据，整改到位，同意销号。")
    page.fill("#id_accept-recheck_on", "2027-05-16")
    page.click("[data-testid=accept-button]")
    page.wait_for_url(f"{base}/c/world/todo/")
    expect(page.locator("[data-testid=message]")).to_contain_text("2027-05-16")

    m = Measure.objects.get(pk=m.pk)
    assert (m.state, m.closure_opinion) == (
        "closed",
        "经核查公示材料和文件依据，整改到位，同意销号。",
    )
    decisions = Verification.objects.filter(measure=m).values_list("decision", flat=True)
    assert sorted(decisions) == ["accepted", "returned"]
    assert m.rechecks.get().due_on == dt.date(2027, 5, 16)
