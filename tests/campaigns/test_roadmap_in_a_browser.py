"""The roadmap page in a real browser: ECharts (vendored) draws each program's chart on a
canvas, under the page's Content-Security-Policy, with no console error; the table under it
lists the same measures."""

import datetime as dt

import pytest

from rectify.campaigns.programs import services
from rectify.ledger import services as ledger
from tests.helpers import log_in

pytestmark = pytest.mark.usefixtures("pinned_today")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_roadmap_chart_renders_without_console_errors(live_server, page, world):
    program = services.create_program(
        world.campaign, actor=world.office, name="基层减负专项整治", group_label="2"
    )
    services.add_phase(
        program,
        actor=world.office,
        name="集中整治",
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    late = ledger.create_measure(
        world.problem,
        actor=world.office,
        content="逾期措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 2),
    )
    ledger.add_milestone(
        world.measure_a, actor=world.office, title="第一步", due_on=dt.date(2026, 11, 10)
    )
    services.add_problems(
        program, [world.problem], actor=world.office, measures=[world.measure_a, late]
    )
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    base = live_server.url
    log_in(page, base, "office")
    page.goto(f"{base}/c/{world.campaign.slug}/roadmap/")
    chart = page.locator(f"[data-roadmap-chart='{program.pk}']")
    page.wait_for_selector(f"[data-roadmap-chart='{program.pk}'][data-drawn='1'] canvas")
    box = chart.locator("canvas").first.bounding_box()
    assert box["width"] > 600 and box["height"] > 150
    page.locator("[data-testid=roadmap-table-box] summary").click()
    assert page.locator("[data-testid=roadmap-row]").count() == 2
    assert page.locator("[data-testid=roadmap-row][data-late='1']").count() == 1
    chart.locator("canvas").first.hover(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.wait_for_timeout(300)
    real = [p for p in problems if "favicon" not in p and "404" not in p]
    assert real == []
