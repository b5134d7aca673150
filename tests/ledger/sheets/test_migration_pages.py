"""The migration pages: the office uploads the messy ledger, keeps the suggested columns, picks
the unit for the near miss and says what an unknown word means, checks what will be taken and
moves it in; the report names the rows not taken. With the test client and in a browser."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from rectify.ledger.models import Measure, SheetImport
from tests.factories import make_unit
from tests.helpers import log_in
from tests.ledger.sheets.ledgers import messy_csv, messy_xlsx

SCREENSHOT = "/tmp/rectify-migrate-{}.png"


def test_the_flow_with_the_test_client(client, world, tmp_path):
    office_unit = make_unit("办公厅（室）", world.ministry)
    client.force_login(world.office)
    problems = client.get(reverse("problem-list", args=["world"]))
    assert b'data-testid="migrate-ledger"' in problems.content
    client.force_login(world.liaison)
    problems = client.get(reverse("problem-list", args=["world"]))
    assert b'data-testid="migrate-ledger"' not in problems.content
    client.force_login(world.office)
    path = tmp_path / "台账.xlsx"
    messy_xlsx(path)
    url = reverse("ledger-migrate", args=["world"])
    resp = client.post(url, {"file": SimpleUploadedFile("整改台账.xlsx", path.read_bytes())})
    si = SheetImport.objects.get()
    assert resp.status_code == 302 and resp["Location"].endswith(f"/ledger/migrate/{si.pk}/")
    page = client.get(resp["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "基层考核事项多、频次高，基层负担重" in text  # the preview
    assert '<option value="整改情况 / 完成情况" selected>' in text
    data = {f"col_{k}": v for k, v in si.options["mapping"].items()}
    # htmx: a changed select shows the preview for it, nothing is saved
    partial = client.post(
        resp["Location"],
        {**data, "col_deadline": "", "preview": "1"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and b"migrate-preview-block" in partial.content
    assert b"<html" not in partial.content and b"bad-cell" in partial.content  # 搁置 only
    assert partial.content.count(b'data-testid="bad-cell"') == 1
    si.refresh_from_db()
    assert si.options["mapping"]["deadline"] == "整改时限"
    data["source"] = "self"
    resp = client.post(resp["Location"], data)
    assert resp.status_code == 302 and resp["Location"].endswith("/units/")
    units = client.get(resp["Location"])
    body = units.content.decode()
    assert "乙省民政局" in body and "搁置" in body
    names = list(units.context["rows"])
    form = {}
    for row in names:
        m = row["match"]
        form[f"unit_name_{row['index']}"] = m.name
        form[f"unit_{row['index']}"] = str(m.unit_id or world.bureau_b.pk)
    for i, word, _n in units.context["words"]:
        form.update({f"word_name_{i}": word, f"word_{i}": "in_progress"})
    resp = client.post(resp["Location"], form)
    assert resp.status_code == 302 and resp["Location"].endswith("/confirm/")
    confirm = client.get(resp["Location"])
    assert confirm.context["summary"]["problems"] == 5
    assert confirm.context["summary"]["measures"] == 6
    resp = client.post(resp["Location"])
    assert resp.status_code == 302 and resp["Location"].endswith("/report/")
    report = client.get(resp["Location"])
    assert [r["row"] for r in report.context["result"]["refused"]] == [7]
    assert Measure.objects.filter(content="全面清理面向基层的考核事项").exists()
    assert set(
        Measure.objects.get(content="全面清理面向基层的考核事项").cooperating_units.all()
    ) == {world.bureau_b, office_unit}
    # once moved in, the steps lead to the report
    again = client.get(reverse("ledger-migrate-confirm", args=["world", si.pk]))
    assert again.status_code == 302 and again["Location"].endswith("/report/")


def test_an_unreadable_file_is_refused_on_the_upload_page(client, world):
    client.force_login(world.office)
    url = reverse("ledger-migrate", args=["world"])
    resp = client.post(url, {"file": SimpleUploadedFile("台账.xlsx", b"%PDF-1.4 nope")})
    assert resp.status_code == 200
    assert b'data-testid="error-file"' in resp.content
    assert not SheetImport.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moving_a_ledger_in_in_the_browser(live_server, page, world, tmp_path):
    base = live_server.url
    make_unit("办公厅（室）", world.ministry)
    path = tmp_path / "某部整改台账.xlsx"
    messy_xlsx(path)
    log_in(page, base, "office")
    page.goto(f"{base}/c/world/problems/")
    page.click("[data-testid=ledger-sheet-menu]")
    page.click("[data-testid=migrate-ledger]")
    page.set_input_files("input[type=file]", str(path))
    page.screenshot(path=SCREENSHOT.format("1-upload"), full_page=True)
    page.click("[data-testid=migrate-upload-form] button[type=submit]")
    expect(page.locator("[data-testid=migrate-preview]")).to_contain_text("基层考核事项多")
    expect(page.locator("select[name=col_status]")).to_have_value("整改情况 / 完成情况")
    expect(page.locator("[data-testid=bad-cell]")).to_have_count(2)  # 下个月, 搁置
    expect(page.locator("[data-testid=migrate-preview] th")).to_have_count(12)
    page.select_option("select[name=col_remarks]", "")
    # the preview follows the choice at once (htmx), before anything is saved
    expect(page.locator("[data-testid=migrate-preview] th")).to_have_count(11)
    page.screenshot(path=SCREENSHOT.format("2-mapping"), full_page=True)
    page.click("[data-testid=mapping-form] button[type=submit]")

    row = page.locator("[data-testid=unit-row][data-name='乙省民政局']")
    expect(row).to_contain_text("乙省民政厅")  # the near miss offered
    expect(row.locator("select")).to_have_value(str(world.bureau_b.pk))
    page.locator("[data-testid=word-select]").select_option("long_term")
    page.screenshot(path=SCREENSHOT.format("3-units"), full_page=True)
    page.click("[data-testid=units-form] button[type=submit]")

    expect(page.locator("[data-testid=plan-problems]")).to_have_text("5")
    expect(page.locator("[data-testid=plan-measures]")).to_have_text("6")
    expect(page.locator("[data-testid=refused-row]")).to_have_count(1)
    expect(page.locator("[data-testid=refused-row]")).to_contain_text("下个月")
    page.screenshot(path=SCREENSHOT.format("4-confirm"), full_page=True)
    page.click("[data-testid=apply]")

    expect(page.locator("[data-testid=report-summary]")).to_contain_text("5")
    page.screenshot(path=SCREENSHOT.format("5-report"), full_page=True)
    assert Measure.objects.get(content="编印政策问答手册").mode == "long_term"
    assert not Measure.objects.filter(remarks="待党组会审议").exists()
    page.click("[data-testid=to-problems]")
    expect(page.locator("body")).to_contain_text("救助审批时限过长")


def test_a_gbk_csv_through_the_pages(client, world):
    client.force_login(world.office)
    url = reverse("ledger-migrate", args=["world"])
    resp = client.post(url, {"file": SimpleUploadedFile("台账.csv", messy_csv())})
    assert resp.status_code == 302
    page = client.get(resp["Location"])
    assert "基层考核事项多" in page.content.decode()
