"""A spreadsheet import in a real browser: upload, the htmx preview refreshing as a column is
chosen, the check, import the good rows, and the items in the feedback list."""

import pytest

from rectify.feedback.models import FeedbackItem, ImportBatch
from rectify.orgs.models import Region
from tests.core.spreadsheets import messy
from tests.helpers import log_in

pytestmark = pytest.mark.usefixtures("pinned_today")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_a_messy_workbook_in_a_real_browser(live_server, page, world, tmp_path):
    # Transactional tests flush the regions the data migration loaded: the file's regions.
    for code, name, short in (
        ("440000", "广东省", "广东"),
        ("510000", "四川省", "四川"),
        ("430000", "湖南省", "湖南"),
    ):
        Region.objects.get_or_create(code=code, defaults={"name": name, "short_name": short})
    base = live_server.url
    log_in(page, base, "office")
    page.goto(f"{base}/c/{world.campaign.slug}/feedback/")
    page.click("[data-testid=imports]")
    page.click("[data-testid=new-import]")
    page.set_input_files("input[type=file]", str(messy.messy_xlsx(tmp_path / "广东省反馈.xlsx")))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_load_state()

    # No kind column: the page says so; choosing a default kind refreshes the preview in place.
    assert page.locator("[data-testid=mapping-error]").is_visible()
    assert page.locator("[data-testid=preview-row]").count() == 0
    page.select_option("#id_default_kind", "problem")
    page.wait_for_selector("[data-testid=preview-row]")
    assert page.locator("[data-testid=mapping-error]").count() == 0
    bad = page.locator("[data-testid=preview-row].table-danger")
    assert bad.count() == 3 and "火星" in bad.first.inner_text()

    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=choice]")
    assert page.locator("[data-testid=count-refused]").inner_text() == "3"
    assert page.locator("[data-testid=problems] li").count() == 3
    page.click("[data-testid=import-good]")
    page.wait_for_selector("[data-testid=import-done]")
    assert page.locator("[data-testid=count-imported]").inner_text() == "5"
    assert FeedbackItem.objects.filter(campaign=world.campaign).count() == 5
    assert ImportBatch.objects.get().status == ImportBatch.Status.DONE

    page.click("[data-testid=import-done] a")
    page.wait_for_load_state()
    assert "低保审批时间过长" in page.content()
