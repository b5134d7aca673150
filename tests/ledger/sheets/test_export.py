"""The ledger spreadsheet's export (issue 12): the three sheets read back as Excel and WPS would
(python-calamine), formula safety, scoping and filters, the download on the problem list (page
and browser), the command, and LibreOffice opening the file (a proxy for WPS)."""

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import zipfile
from urllib.parse import unquote

import pypdfium2
import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from rectify.audit.models import ActivityLog
from rectify.core.spreadsheets.reader import column_letter
from rectify.ledger import services
from rectify.ledger.models import Measure
from rectify.ledger.scoping import scope_measures
from rectify.ledger.sheets import export
from rectify.ledger.sheets.layout import (
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    PROBLEM_SHEET,
    REPORT_SHEET,
    make_key,
    measure_rows,
    parse_key,
)
from tests.factories import add_evidence
from tests.helpers import log_in

ON = dt.date(2026, 12, 7)
HEADERS = [c.header for c in LEDGER_COLUMNS]
COL = {c.key: i for i, c in enumerate(LEDGER_COLUMNS)}
HOSTILE = ['=HYPERLINK("http://evil","点我")', "+1+2", "-3*4", "@SUM(A1:A2)"]


def sheets(data) -> dict[str, list[list]]:
    book = (
        CalamineWorkbook.from_filelike(io.BytesIO(data))
        if isinstance(data, bytes)
        else CalamineWorkbook.from_path(str(data))
    )
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def xml(data, member: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as z:
        return z.read(member).decode("utf-8")


def data_rows(ledger: list[list]) -> list[list]:
    return ledger[3:]


@pytest.fixture
def busy(world):
    """The world with history: measure_a started, two progress reports, evidence, then closed;
    measure_b started with one report."""
    w = world
    services.start(w.measure_a, actor=w.liaison)
    services.add_progress_report(
        w.measure_a,
        actor=w.liaison,
        text="已完成摸底",
        percent_done=30,
        reported_on=ON.replace(month=9),
    )
    services.add_progress_report(
        w.measure_a,
        actor=w.liaison,
        text="考核事项压减一半",
        percent_done=80,
        reported_on=ON.replace(month=10),
    )
    add_evidence(Measure.objects.get(pk=w.measure_a.pk), w.liaison, name="清理清单.pdf")
    services.request_closure(
        Measure.objects.get(pk=w.measure_a.pk), actor=w.liaison, reason="已完成"
    )
    services.verify(Measure.objects.get(pk=w.measure_a.pk), actor=w.office, reason="验收通过")
    services.start(w.measure_b, actor=w.liaison2)
    services.add_progress_report(
        w.measure_b,
        actor=w.liaison2,
        text="会议压减方案已印发",
        percent_done=50,
        reported_on=ON.replace(month=11),
    )
    return w


# --- the file --------------------------------------------------------------------------------


def test_three_sheets_title_header_values_and_history(busy, tmp_path):
    w = busy
    path = tmp_path / "ledger.xlsx"
    n = export.write_ledger(
        Measure.objects.filter(campaign=w.campaign), path, campaign=w.campaign, on=ON
    )
    assert n == 3
    book = sheets(path)
    assert list(book) == [LEDGER_SHEET, PROBLEM_SHEET, REPORT_SHEET]
    ledger = book[LEDGER_SHEET]
    assert ledger[0][0] == "测试专项工作整改台账（截至2026年12月7日）"
    assert ledger[1][0] == "填报单位：民政部"
    assert "填报日期：2026年12月7日" in ledger[1]
    assert ledger[2] == HEADERS
    rows = data_rows(ledger)
    assert [r[COL["seq"]] for r in rows] == [1, 2, 3]
    a, b, b2 = rows
    assert a[COL["content"]] == "清理规范各类考核事项"
    assert a[COL["problem"]] == "基层减负落实不到位"
    assert a[COL["source"]] == "基层反映"
    assert a[COL["responsible_unit"]] == "甲省民政厅"
    # dates are dates, numbers numbers
    assert a[COL["deadline"]] == dt.date(2026, 12, 31)
    assert isinstance(a[COL["closed_on"]], dt.date)
    assert a[COL["percent_done"]] == 80
    assert a[COL["progress"]] == "考核事项压减一半"  # the latest report
    assert a[COL["status"]] == "已整改到位（已销号）"
    assert a[COL["evidence"]] == "清理清单.pdf"
    assert b[COL["status"]] == "整改中"
    assert b2[COL["status"]] == "未启动" and b2[COL["source"]] == "巡视反馈"
    key = parse_key(a[COL["key"]])
    assert key is not None and key.measure_id == w.measure_a.pk
    # 问题清单: the problems of the measures, with their derived state and measure count
    problems = book[PROBLEM_SHEET]
    assert problems[0] == [
        "问题编号",
        "问题来源",
        "问题标题",
        "问题描述",
        "问题类别",
        "牵头单位",
        "问题状态",
        "措施数",
    ]
    assert [(p[0], p[2], p[6], p[7]) for p in problems[1:]] == [
        (1, "基层减负落实不到位", "整改中", 2),
        (2, "乙省救助审批时限过长", "整改中", 1),
    ]
    # 整改进展记录: every report, not only the latest, oldest first, with the row's 序号
    reports = book[REPORT_SHEET]
    assert reports[0] == [
        "台账序号",
        "问题编号",
        "报告日期",
        "整改进展",
        "完成进度(%)",
        "报告人",
        "措施编号",
    ]
    assert [(r[0], r[2], r[3], r[4], r[6]) for r in reports[1:]] == [
        (1, dt.date(2026, 9, 7), "已完成摸底", 30, f"M{w.measure_a.pk}"),
        (1, dt.date(2026, 10, 7), "考核事项压减一半", 80, f"M{w.measure_a.pk}"),
        (2, dt.date(2026, 11, 7), "会议压减方案已印发", 50, f"M{w.measure_b.pk}"),
    ]
    assert reports[1][1] == 1 and reports[1][5] == "liaison"


def test_write_ledger_takes_just_measures_and_a_path(world, tmp_path):
    """The re-import's tests call write_ledger(measures, path)."""
    path = tmp_path / "plain.xlsx"
    assert export.write_ledger(Measure.objects.filter(campaign=world.campaign), path) == 3
    ledger = sheets(path)[LEDGER_SHEET]
    assert ledger[0][0].startswith("测试专项工作整改台账（截至")
    assert len(data_rows(ledger)) == 3


def test_an_empty_ledger_still_has_its_header(world, tmp_path):
    path = tmp_path / "empty.xlsx"
    assert export.write_ledger(Measure.objects.none(), path, campaign=world.campaign, on=ON) == 0
    book = sheets(path)
    assert book[LEDGER_SHEET][2] == HEADERS
    assert len(book[PROBLEM_SHEET]) == 1 and len(book[REPORT_SHEET]) == 1


def test_cells_beginning_with_formula_signs_stay_text(world, tmp_path):
    w = world
    problem = services.create_problem(
        w.campaign, actor=w.office, title=HOSTILE[0], source="grassroots", description=HOSTILE[1]
    )
    for text in HOSTILE:
        m = w.measure(problem, w.bureau_a, text)
        services.update_measure(
            m, actor=w.office, expected_version=m.version, remarks=text, responsible_person=text
        )
    services.start(Measure.objects.get(content=HOSTILE[2]), actor=w.office)
    services.add_progress_report(
        Measure.objects.get(content=HOSTILE[2]), actor=w.office, text=HOSTILE[3], percent_done=5
    )
    path = tmp_path / "hostile.xlsx"
    export.write_ledger(Measure.objects.filter(problem=problem), path, campaign=w.campaign, on=ON)
    book = sheets(path)
    rows = data_rows(book[LEDGER_SHEET])
    assert [r[COL["content"]] for r in rows] == HOSTILE
    assert [r[COL["remarks"]] for r in rows] == HOSTILE
    assert all(r[COL["problem"]] == HOSTILE[1] for r in rows)
    assert book[PROBLEM_SHEET][1][2] == HOSTILE[0]
    assert book[REPORT_SHEET][1][3] == HOSTILE[3]
    for i in (1, 2, 3):
        sheet_xml = xml(path.read_bytes(), f"xl/worksheets/sheet{i}.xml")
        assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_drop_downs_freeze_and_print_setup(world, tmp_path):
    path = tmp_path / "print.xlsx"
    export.write_ledger(Measure.objects.filter(campaign=world.campaign), path, on=ON)
    data = path.read_bytes()
    sheet = xml(data, "xl/worksheets/sheet1.xml")
    status_col = chr(ord("A") + COL["status"])
    percent_col = chr(ord("A") + COL["percent_done"])
    # 完成情况: a list of the state words on the data rows; 完成进度: a whole number 0–100
    assert re.search(rf'type="list"[^>]*sqref="{status_col}4:{status_col}6"', sheet)
    assert "未启动,整改中,阶段性完成（长期坚持）" in sheet
    assert re.search(rf'type="whole"[^>]*sqref="{percent_col}4:{percent_col}6"', sheet)
    # frozen below the header row
    assert 'topLeftCell="A4"' in sheet and 'state="frozen"' in sheet
    # A3 landscape, one page wide, the footer's page numbers, rows 1–3 on every page
    assert re.search(r'<pageSetup[^>]*paperSize="8"[^>]*orientation="landscape"', sheet)
    assert 'fitToHeight="0"' in sheet and '<pageSetUpPr fitToPage="1"' in sheet
    assert "第 &amp;P 页 共 &amp;N 页" in sheet
    workbook = xml(data, "xl/workbook.xml")
    assert "整改台账!$1:$3" in workbook  # _xlnm.Print_Titles
    last_printed = column_letter(len(LEDGER_COLUMNS) - 2)  # the key column is not printed
    assert f"整改台账!$A$1:${last_printed}$6" in workbook
    # the title merged across every column
    last = chr(ord("A") + len(LEDGER_COLUMNS) - 1)
    assert f'<mergeCell ref="A1:{last}1"/>' in sheet


def test_rows_are_as_high_as_their_wrapped_text(world, tmp_path):
    """Excel and WPS keep the height a file gives a row: a long cell gets a taller row."""
    w = world
    long = w.measure(w.problem_b_only, w.bureau_b, "压缩审批时限，" * 30)
    services.start(long, actor=w.office)
    services.add_progress_report(long, actor=w.office, text="进展。" * 80, percent_done=5)
    path = tmp_path / "tall.xlsx"
    export.write_ledger(Measure.objects.filter(campaign=w.campaign), path, on=ON)
    data = path.read_bytes()
    heights = dict(
        re.findall(r'<row r="(\d+)"[^>]* ht="([\d.]+)"', xml(data, "xl/worksheets/sheet1.xml"))
    )
    assert set(heights) == {"1", "2", "3", "7"}  # title, 填报单位, header, the long measure
    assert float(heights["7"]) >= 5 * 14
    reports = dict(
        re.findall(r'<row r="(\d+)"[^>]* ht="([\d.]+)"', xml(data, "xl/worksheets/sheet3.xml"))
    )
    assert set(reports) == {"1", "2"} and float(reports["2"]) >= 4 * 14  # header, the report


# --- what a user's export holds ---------------------------------------------------------------


def keys_of(data) -> set[int]:
    return {parse_key(r[COL["key"]]).measure_id for r in data_rows(sheets(data)[LEDGER_SHEET])}


def test_a_liaisons_export_holds_only_their_subtree(world, tmp_path):
    w = world
    child = w.measure(w.problem_b_only, w.org_a1, "协会自查")
    path = tmp_path / "liaison.xlsx"
    n = export.export(w.liaison, w.campaign, path, on=ON)
    assert n == 2
    assert keys_of(path) == {w.measure_a.pk, child.pk}
    ledger = sheets(path)[LEDGER_SHEET]
    assert ledger[1][0] == "填报单位：甲省民政厅"
    assert export.export(w.liaison2, w.campaign, tmp_path / "b.xlsx") == 2
    assert keys_of(tmp_path / "b.xlsx") == {w.measure_b.pk, w.measure_b2.pk}
    assert export.export(w.outsider, w.campaign, tmp_path / "o.xlsx") == 0


def test_the_problem_lists_filters_apply(world, tmp_path):
    w = world
    path = tmp_path / "f.xlsx"
    assert export.export(w.office, w.campaign, path, {"source": "inspection"}) == 1
    assert keys_of(path) == {w.measure_b2.pk}
    assert [p[0] for p in sheets(path)[PROBLEM_SHEET][1:]] == [w.problem_b_only.number]
    # a unit filter keeps that unit's measures and names it as 填报单位
    assert export.export(w.office, w.campaign, path, {"unit": str(w.bureau_b.pk)}) == 2
    assert keys_of(path) == {w.measure_b.pk, w.measure_b2.pk}
    assert sheets(path)[LEDGER_SHEET][1][0] == "填报单位：乙省民政厅"
    # a measure state filter narrows the rows too
    services.start(w.measure_a, actor=w.office)
    assert export.export(w.office, w.campaign, path, {"measure_state": "in_progress"}) == 1
    assert keys_of(path) == {w.measure_a.pk}
    # words in the title; an invalid field is ignored as on the page
    assert export.export(w.office, w.campaign, path, {"q": "救助", "state": "bogus"}) == 1


def test_an_export_is_logged_and_changes_nothing(world, tmp_path):
    w = world
    before = list(Measure.objects.order_by("pk").values_list("pk", "version"))
    export.export(w.liaison, w.campaign, tmp_path / "x.xlsx", {"source": "grassroots"})
    entry = ActivityLog.objects.get(action="ledger.export")
    assert entry.actor == w.liaison and entry.campaign == w.campaign
    assert entry.after == {"rows": 1, "filters": {"source": "grassroots"}, "unit": "甲省民政厅"}
    assert list(Measure.objects.order_by("pk").values_list("pk", "version")) == before


# --- the download on the problem list ---------------------------------------------------------


def download(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("ledger-export", args=["world"]) + query)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_the_download_streams_the_file_with_its_chinese_name(world, client, pinned_today):
    response, data = download(client, world.office)
    assert response.streaming
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "测试专项工作整改台账_20261116.xlsx"
    assert len(data_rows(sheets(data)[LEDGER_SHEET])) == 3
    assert sheets(data)[LEDGER_SHEET][0][0] == "测试专项工作整改台账（截至2026年11月16日）"


def test_the_download_is_scoped_and_filtered(world, client):
    _response, data = download(client, world.liaison)
    assert keys_of(data) == {world.measure_a.pk}
    _response, data = download(client, world.office, "?source=inspection&page=2")
    assert keys_of(data) == {world.measure_b2.pk}


def test_the_list_offers_the_download_of_what_it_shows(world, client):
    client.force_login(world.office)
    url = reverse("problem-list", args=["world"])
    html = client.get(url + "?source=inspection&page=1").content.decode()
    assert 'href="/c/world/ledger.xlsx?source=inspection"' in html
    # the list's refresh (htmx) brings the link along, out of band, with the new filters
    html = client.get(url + "?source=grassroots", headers={"HX-Request": "true"}).content.decode()
    assert re.search(r'id="ledger-export"[^>]*href="/c/world/ledger.xlsx\?source=grassroots"', html)
    assert 'hx-swap-oob="true"' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_button_downloads_the_filtered_ledger_in_the_browser(live_server, page, world):
    log_in(page, live_server.url, "liaison2")
    page.goto(f"{live_server.url}/c/world/problems/")
    page.select_option("select[name=source]", "inspection")
    page.wait_for_url(re.compile(r"source=inspection"))
    page.wait_for_selector("#ledger-export[href*='source=inspection']")
    page.screenshot(path="/tmp/rectify-ledger-export-button.png", full_page=True)
    with page.expect_download() as info:
        page.click("[data-testid=ledger-export]")
    download_ = info.value
    assert re.fullmatch(r"测试专项工作整改台账_\d{8}\.xlsx", download_.suggested_filename)
    assert keys_of(download_.path().read_bytes()) == {world.measure_b2.pk}


# --- the command -------------------------------------------------------------------------------


def test_the_command_exports_a_campaign_or_a_unit(world, tmp_path):
    w = world
    w.bureau_b.code = "YI"
    w.bureau_b.save()
    out = io.StringIO()
    path = tmp_path / "all.xlsx"
    call_command("ledger", "export", "--campaign", "world", "-o", str(path), stdout=out)
    assert out.getvalue().strip() == "exported 3"
    assert keys_of(path) == {w.measure_a.pk, w.measure_b.pk, w.measure_b2.pk}
    out = io.StringIO()
    call_command(
        "ledger", "export", "--campaign", "world", "--unit", "YI", "-o", str(path), stdout=out
    )
    assert out.getvalue().strip() == "exported 2"
    assert sheets(path)[LEDGER_SHEET][1][0] == "填报单位：乙省民政厅"
    out = io.StringIO()
    call_command(
        "ledger", "export", "--campaign", "world", "--user", "liaison", "-o", str(path), stdout=out
    )
    assert out.getvalue().strip() == "exported 1"
    assert keys_of(path) == {w.measure_a.pk}


# --- LibreOffice (a proxy for WPS) opens it ------------------------------------------------------


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        message = "soffice is missing: apt-get install libreoffice-calc-nogui to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_libreoffice_opens_the_export_and_prints_the_chinese(busy, tmp_path):
    binary = soffice()
    path = tmp_path / "台账.xlsx"
    export.write_ledger(scope_measures(busy.office, busy.campaign), path, on=ON)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = pypdfium2.PdfDocument(str(tmp_path / "台账.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert len(pdf) >= 1
    for words in (
        "测试专项工作整改台账（截至2026年12月7日）",
        "整改措施",
        "清理规范各类考核事项",
        "整改中",
    ):
        assert words in text.replace("\r", "").replace("\n", ""), words
    assert "第 1 页" in text


def test_a_row_holds_the_measures_values_in_the_layouts_columns(busy):
    """measure_rows reads tuples in chunks; units, leader, target and keys as the layout says
    (the re-import compares what it reads with these values)."""
    w = busy
    m = services.update_measure(
        Measure.objects.get(pk=w.measure_b.pk),
        actor=w.office,
        expected_version=Measure.objects.get(pk=w.measure_b.pk).version,
        cooperating_units=[w.bureau_a, w.org_a1],
        target="年底前完成",
        responsible_leader="王副部长",
    )
    w.measure(w.problem_b_only, w.org_a1, "=危险的公式")
    measures = Measure.objects.filter(campaign=w.campaign)
    rows = {r["key"].split("-")[0]: r for r in measure_rows(measures, chunk_size=2)}
    assert len(rows) == measures.count()
    row = rows[f"M{m.pk}"]
    assert row["cooperating_units"] == "甲省民政厅、甲省某协会"
    assert (row["target"], row["responsible_leader"]) == ("年底前完成", "王副部长")
    assert row["key"] == make_key(m.pk, m.version, row)
    assert [r["seq"] for r in measure_rows(measures)] == list(range(1, len(rows) + 1))
