"""Supervision notices on pages: issued by hand from a unit's overdue measures (pre-selected),
numbered in order, listed, shown as a printable A4 page and downloaded as .docx in the layout of
official documents (checked with python-docx and converted by LibreOffice)."""

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from rectify.audit.log import history
from rectify.ledger import services as ledger_services
from rectify.supervision.choices import NoticeLevel

pytestmark = pytest.mark.usefixtures("pinned_today")


@pytest.fixture
def late(world):
    """bureau_b has two overdue measures (started, deadlines past) and one not yet due."""
    w = world
    w.late_1 = ledger_services.start(
        w.measure(w.problem, w.bureau_b, "整改会议纪要", deadline=dt.date(2026, 11, 2)),
        actor=w.liaison2,
    )
    w.late_2 = ledger_services.start(
        w.measure(w.problem_b_only, w.bureau_b, "公开审批流程", deadline=dt.date(2026, 10, 31)),
        actor=w.liaison2,
    )
    return w


def issue(client, w, user=None, unit=None, **data):
    client.force_login(user or w.supervisor)
    url = reverse("notice-create", args=["world"]) + f"?unit={(unit or w.bureau_b).pk}"
    form = client.get(url)
    assert form.status_code == 200
    payload = {
        "measures": form.context["form"].initial["measures"],
        "level": NoticeLevel.YELLOW,
        "required_by": "2026-11-23",
        "content": "经查，你单位下列整改措施已超过整改时限。请高度重视，立即整改。",
        **data,
    }
    return client.post(url, payload)


def test_the_form_offers_the_unit_s_overdue_measures_pre_selected(client, late):
    w = late
    client.force_login(w.supervisor)
    page = client.get(reverse("notice-create", args=["world"]), {"unit": w.bureau_b.pk})
    form = page.context["form"]
    assert list(form.fields["measures"].queryset) == [w.late_2, w.late_1]  # oldest deadline first
    assert form.initial["measures"] == [w.late_2.pk, w.late_1.pk]
    assert form.initial["required_by"] == dt.date(2026, 11, 23)  # 5 working days on
    assert page.text.count('data-testid="notice-measure"') == 2


def test_notices_are_numbered_in_order_through_the_page(client, late):
    w = late
    first = issue(client, w)
    assert first.status_code == 302
    second = issue(client, w, user=w.office, level=NoticeLevel.RED, measures=[w.late_1.pk])
    n1, n2 = w.campaign.supervision_actions.order_by("sequence")
    assert (n1.number, n2.number) == ("〔2026〕1号", "〔2026〕2号")
    assert second["Location"] == reverse("notice-detail", args=["world", n2.pk])
    assert set(n1.items.all()) == {w.late_1, w.late_2} and list(n2.items.all()) == [w.late_1]
    assert n2.level == "red" and n2.actor == w.office
    assert history(n1).filter(action="supervision.notice").exists()
    listing = client.get(reverse("notice-list", args=["world"]))
    numbers = [n.number for n in listing.context["page"].object_list]
    assert numbers == ["〔2026〕2号", "〔2026〕1号"]
    assert [n.item_count for n in listing.context["page"].object_list] == [1, 2]


def test_a_past_answer_date_or_no_measure_is_refused(client, late):
    assert issue(client, late, required_by="2026-11-01").status_code == 400
    assert issue(client, late, measures=[]).status_code == 400
    assert not late.campaign.supervision_actions.exists()


def test_a_measure_of_another_unit_cannot_be_named(client, late):
    w = late
    w.late_a = ledger_services.start(
        w.measure(w.problem, w.bureau_a, "甲省逾期", deadline=dt.date(2026, 11, 1)),
        actor=w.liaison,
    )
    assert issue(client, w, measures=[w.late_1.pk, w.late_a.pk]).status_code == 400
    assert not w.campaign.supervision_actions.exists()


def test_the_printable_page(client, late):
    w = late
    issue(client, w)
    notice = w.campaign.supervision_actions.get()
    page = client.get(reverse("notice-detail", args=["world", notice.pk]))
    text = page.text
    assert page.status_code == 200
    for words in (
        "督办通知单",
        "黄色督办",
        "〔2026〕1号",
        "致：乙省民政厅",
        "公开审批流程",
        "整改会议纪要",
        "请于2026年11月23日前书面报送整改情况",
        "民政部",
        "测试专项工作办公室",
        "2026年11月16日",
        "css/notice.css",
    ):
        assert words in text, words
    assert 'class="navbar' not in text  # no navigation on the document
    days = page.context["doc"].items
    assert [(i.measure, i.days_overdue) for i in days] == [
        ("整改会议纪要", 14),
        ("公开审批流程", 16),
    ]


def docx_of(client, w, notice):
    response = client.get(reverse("notice-docx", args=["world", notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_docx_holds_the_notice_in_the_official_layout(client, late):
    w = late
    issue(client, w, level=NoticeLevel.RED)
    notice = w.campaign.supervision_actions.get()
    document = Document(io.BytesIO(docx_of(client, w, notice)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "督办通知单"
    assert "（红色督办）" in paragraphs and "〔2026〕1号" in paragraphs
    assert "致：乙省民政厅" in paragraphs
    assert "请于2026年11月23日前书面报送整改情况。" in paragraphs
    assert paragraphs[-3:] == ["民政部", "测试专项工作办公室", "2026年11月16日"]
    (table,) = document.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "问题", "整改措施", "整改时限", "逾期天数"]
    assert rows[1:] == [
        ["1", f"1. {w.problem.title}", "整改会议纪要", "2026年11月2日", "14"],
        ["2", f"2. {w.problem_b_only.title}", "公开审批流程", "2026年10月31日", "16"],
    ]
    section = document.sections[0]
    mm = [
        round(length.mm)
        for length in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]  # A4, GB/T 9704 margins
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size == Pt(22)
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in document.paragraphs if p.text.startswith("经查"))
    assert body.runs[0].font.size == Pt(16)
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = next(p for p in document.paragraphs if p.text.startswith("一、"))
    assert heading.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def soffice_writer() -> str:
    """LibreOffice with its Writer component (a proxy for WPS), else the test is skipped: the
    machines that run the ledger export's test may carry Calc only."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    program = Path(os.path.realpath(found)).parent if found else None
    if program is None or not list(program.glob("libsw*lo.so")):
        pytest.skip("LibreOffice Writer is missing: apt-get install libreoffice-writer-nogui")
    return found


def test_libreoffice_opens_the_docx_and_prints_the_chinese(client, late, tmp_path):
    binary = soffice_writer()
    w = late
    issue(client, w)
    notice = w.campaign.supervision_actions.get()
    path = tmp_path / "督办通知单.docx"
    path.write_bytes(docx_of(client, w, notice))
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
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
    pdf = pypdfium2.PdfDocument(str(tmp_path / "督办通知单.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    # the PDF's text layer puts spaces between Chinese and digits (2026 年 11 月): compare without
    text = "".join(text.split())
    for words in ("督办通知单", "〔2026〕1号", "乙省民政厅", "整改会议纪要", "2026年11月23日"):
        assert words in text, words


def test_days_overdue_are_counted_on_the_day_of_the_notice(client, late, time_machine):
    w = late
    issue(client, w)
    notice = w.campaign.supervision_actions.get()
    time_machine.move_to(dt.datetime(2026, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    client.force_login(w.viewer)
    page = client.get(reverse("notice-detail", args=["world", notice.pk]))
    assert [i.days_overdue for i in page.context["doc"].items] == [14, 16]
