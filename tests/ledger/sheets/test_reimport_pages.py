"""The re-import pages: upload, the diff, apply, the outcome; in the test client and in a real
browser (the liaison's way in from my tasks)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from rectify.ledger import services
from rectify.ledger.models import Measure, SheetImport
from tests.helpers import attrs, log_in, texts
from tests.ledger.sheets.sheet_edits import KEY_HEADER, Edited, export_to

SCREENSHOT = "/tmp/rectify-reimport-{}.png"


def edited_file(world, tmp_path):
    services.start(world.measure_a, actor=world.office)
    services.start(world.measure_b, actor=world.office)
    path = export_to(tmp_path / "回填台账.xlsx", Measure.objects.filter(campaign=world.campaign))
    sheet = Edited(path)
    sheet.set(world.measure_a, "备注", "按月调度，逐项销号")
    sheet.set(world.measure_a, "责任人", "王五")
    sheet.set(world.measure_b, "备注", "不是我的单位")
    sheet.set(world.measure_a, "问题描述", "问题描述改不了")
    sheet.save()
    return path


@pytest.mark.django_db
def test_upload_preview_apply_in_the_client(client, world, tmp_path):
    path = edited_file(world, tmp_path)
    client.force_login(world.liaison)
    url = reverse("ledger-reimport", args=["world"])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert answer.status_code == 302
    detail = client.get(answer["Location"])
    assert detail.status_code == 200
    assert texts(detail, "reimport-changes") == ["2"]
    assert {a["data-field"] for a in attrs(detail, "reimport-change")} == {
        "remarks",
        "responsible_person",
    }
    [refusal] = attrs(detail, "reimport-refusal")
    assert refusal["data-code"] == "not_yours"
    assert texts(detail, "reimport-note")
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == ""
    sheet = SheetImport.objects.get()
    applied = client.post(reverse("ledger-reimport-apply", args=["world", sheet.pk]), follow=True)
    assert texts(applied, "reimport-applied")
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == "按月调度，逐项销号"
    assert Measure.objects.get(pk=world.measure_b.pk).remarks == ""


@pytest.mark.django_db
def test_a_file_without_keys_is_refused_on_the_upload_page(client, world, tmp_path):
    path = export_to(tmp_path / "没有编号.xlsx", Measure.objects.filter(campaign=world.campaign))
    sheet = Edited(path)
    sheet.delete_column(KEY_HEADER)
    sheet.save()
    client.force_login(world.office)
    answer = client.post(
        reverse("ledger-reimport", args=["world"]),
        {"file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    assert answer.status_code == 400
    [error] = texts(answer, "error-file")
    assert "没有编号.xlsx" in error and KEY_HEADER in error
    assert not SheetImport.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_liaison_reads_an_edited_ledger_back_in_the_browser(live_server, page, world, tmp_path):
    base = live_server.url
    path = edited_file(world, tmp_path)
    log_in(page, base, "liaison")
    page.goto(f"{base}/c/world/my-tasks/")
    page.click("[data-testid=reimport-link]")
    page.set_input_files("#reimport-file", str(path))
    page.screenshot(path=SCREENSHOT.format("1-upload"), full_page=True)
    page.click("[data-testid=reimport-upload]")
    expect(page.locator("[data-testid=reimport-changes]")).to_have_text("2")
    expect(page.locator("[data-testid=reimport-refusal]")).to_have_count(1)
    page.screenshot(path=SCREENSHOT.format("2-preview"), full_page=True)
    page.click("[data-testid=reimport-apply]")
    expect(page.locator("[data-testid=reimport-applied]")).to_be_visible()
    page.screenshot(path=SCREENSHOT.format("3-applied"), full_page=True)
    assert Measure.objects.get(pk=world.measure_a.pk).responsible_person == "王五"
