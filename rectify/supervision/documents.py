"""The supervision notice (督办通知单) as a document: its content read once (notice_document),
shown by the printable page and written as .docx (notice_docx) in the layout of official
documents (GB/T 9704: A4, margins 37/35/28/26 mm, 小标宋 title, 仿宋 三号 body, 黑体 headings).
"""

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from rectify.supervision.choices import NoticeLevel

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LEVEL_RGB = {NoticeLevel.YELLOW: RGBColor(0xB8, 0x86, 0x0B), NoticeLevel.RED: RGBColor(0xC0, 0, 0)}
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def chinese_date(day: dt.date) -> str:
    """A date as Chinese documents write it: 2026年12月7日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class NoticeItem:
    measure_id: int
    problem_number: int
    problem_title: str
    measure: str
    responsible_unit: str
    deadline: dt.date | None
    days_overdue: int

    @property
    def deadline_text(self) -> str:
        return chinese_date(self.deadline) if self.deadline else "—"


@dataclass(frozen=True)
class NoticeDocument:
    title: str
    level: str
    level_label: str
    number: str
    unit: str
    content: str
    items: list[NoticeItem]
    required_by: dt.date | None
    issuer: str
    office: str
    issued_on: dt.date

    @property
    def required_sentence(self) -> str:
        if self.required_by is None:
            return ""
        return _("Please report in writing on the rectification by %(day)s.") % {
            "day": chinese_date(self.required_by)
        }

    @property
    def issued_on_text(self) -> str:
        return chinese_date(self.issued_on)

    @property
    def filename(self) -> str:
        return f"{self.title}{self.number}.docx"


def level_label(level: str) -> str:
    """黄色督办 / 红色督办: the colour as the document names it."""
    if level == NoticeLevel.RED:
        return pgettext("supervision notice document", "Red supervision")
    return pgettext("supervision notice document", "Yellow supervision")


def notice_document(action) -> NoticeDocument:
    """What the notice says: its number, the unit, the measures named with their days overdue
    on the day it was issued, the required date and the issuing office."""
    issued_on = timezone.localtime(action.happened_at).date()
    measures = action.items.select_related("problem", "responsible_unit").order_by(
        "problem__number", "pk"
    )
    items = [
        NoticeItem(
            measure_id=m.pk,
            problem_number=m.problem.number,
            problem_title=m.problem.title,
            measure=m.content,
            responsible_unit=m.responsible_unit.name,
            deadline=m.deadline,
            days_overdue=max((issued_on - m.deadline).days, 0) if m.deadline else 0,
        )
        for m in measures
    ]
    campaign = action.campaign
    return NoticeDocument(
        title=_("Supervision notice form"),
        level=action.level,
        level_label=level_label(action.level),
        number=action.number,
        unit=action.target_unit.name,
        content=action.content,
        items=items,
        required_by=action.required_by,
        issuer=campaign.org_unit.name,
        office=_("%(campaign)s Office") % {"campaign": campaign.name},
        issued_on=issued_on,
    )


# --- .docx -----------------------------------------------------------------------------------


def _font(run, name: str, size: float, *, bold: bool = False, color=None) -> None:
    """Latin and East Asian font of a run (Word reads w:eastAsia for Chinese characters)."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(
    container,
    text: str = "",
    *,
    font=BODY_FONT,
    size=16,
    bold=False,
    align=None,
    indent=False,
    color=None,
    space_after=0,
):
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    fmt.line_spacing = Pt(28) if size >= 16 else None  # 固定值28磅: 22 lines a page
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _cell(cell, text: str, *, font=BODY_FONT, size=12, bold=False, align=None) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), font, size, bold=bold)


def notice_docx(doc: NoticeDocument) -> bytes:
    """The notice as a Word document in the official layout."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, doc.title, font=TITLE_FONT, size=22, align=center, space_after=6)
    _paragraph(
        document,
        f"（{doc.level_label}）",
        font=HEADING_FONT,
        size=16,
        align=center,
        color=LEVEL_RGB.get(doc.level),
    )
    _paragraph(document, doc.number, size=16, align=center, space_after=12)
    _paragraph(document, _("To: %(unit)s") % {"unit": doc.unit})
    for line in doc.content.splitlines() or [""]:
        if line.strip():
            _paragraph(document, line.strip(), indent=True)

    _paragraph(document, _("1. Items under supervision"), font=HEADING_FONT, indent=True)
    headers = [
        _("No."),
        _("Problem"),
        _("Measure"),
        pgettext("supervision notice document", "Deadline"),
        _("Days overdue"),
    ]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, font=HEADING_FONT, align=center)
    for i, item in enumerate(doc.items, start=1):
        cells = table.add_row().cells
        _cell(cells[0], str(i), align=center)
        _cell(cells[1], f"{item.problem_number}. {item.problem_title}")
        _cell(cells[2], item.measure)
        _cell(cells[3], item.deadline_text, align=center)
        _cell(cells[4], str(item.days_overdue), align=center)
    widths = [Mm(12), Mm(46), Mm(56), Mm(22), Mm(20)]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width

    if doc.required_sentence:
        _paragraph(document, "")
        _paragraph(document, _("2. Reporting"), font=HEADING_FONT, indent=True)
        _paragraph(document, doc.required_sentence, indent=True)
    _paragraph(document, "")
    _paragraph(document, doc.issuer, align=right)
    _paragraph(document, doc.office, align=right)
    _paragraph(document, doc.issued_on_text, align=right)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
