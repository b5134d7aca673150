"""Reading files as the user sees them: kinds from content, encodings, separators, headers,
row numbers, merged cells, hidden sheets, formulas — and a clear message for every bad file."""

import datetime as dt

import pytest

from rectify.core.spreadsheets import reader
from rectify.core.spreadsheets.errors import SpreadsheetError, SpreadsheetFileError
from rectify.core.spreadsheets.reader import column_index, column_letter, csv_cell, read
from tests.core.spreadsheets import messy


def first_rows(path, n=3, **kw):
    with read(path, **kw) as wb:
        sheet = wb.sheet()
        rows = []
        for item in sheet.rows():
            rows.append(item)
            if len(rows) == n:
                break
        return wb, sheet, rows


def test_column_letters_round_trip():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert all(column_index(column_letter(i)) == i for i in range(1000))


@pytest.mark.parametrize(
    ("writer", "encoding", "delimiter"),
    [
        (messy.gbk_csv, "gb18030", ","),
        (messy.bom_csv, "utf-8-sig", ","),
        (messy.semicolon_csv, "utf-8", ";"),
        (messy.tab_utf16, "utf-16", "\t"),
    ],
)
def test_csv_encodings_and_separators_are_detected(tmp_path, writer, encoding, delimiter):
    path = writer(tmp_path / "bureau.csv")
    wb, sheet, rows = first_rows(path)
    assert (wb.kind, wb.encoding, wb.delimiter) == ("csv", encoding, delimiter)
    assert [c.label for c in sheet.columns] == messy.HEADERS
    rownum, cells = rows[0]
    assert rownum == 2
    assert cells[0] == "GD-01-000001"
    assert cells[3] == messy.feedback_rows(1)[0][3]


def test_gbk_wins_over_a_lucky_guess(tmp_path):
    """Short GBK text can look like other encodings to a detector: only GB18030 decodes it, so
    the detector is not asked."""
    path = tmp_path / "short.csv"
    path.write_bytes("内容\n路灯不亮\n".encode("gbk"))
    wb, _sheet, rows = first_rows(path)
    assert wb.encoding == "gb18030"
    assert rows[0][1] == ["路灯不亮"]


@pytest.mark.parametrize(
    ("codec", "text", "encoding", "shown"),
    [
        ("utf-8", "低保审批时间过长，群众来回跑了四五趟", "utf-8", "UTF-8"),
        ("utf-8-sig", "低保审批时间过长，群众来回跑了四五趟", "utf-8-sig", "UTF-8 (BOM)"),
        ("gbk", "低保审批时间过长，群众来回跑了四五趟", "gb18030", "GB18030/GBK"),
        ("gb18030", "姓名用字“䶮”和“€”只有GB18030才有", "gb18030", "GB18030/GBK"),
        ("big5", "社區停車位嚴重不足，晚上回家經常找不到車位", "cp950", "Big5"),
    ],
)
def test_each_chinese_encoding_is_read_as_written(tmp_path, codec, text, encoding, shown):
    path = tmp_path / "a.csv"
    path.write_bytes(f"text\n{text}\n".encode(codec))
    wb, sheet, rows = first_rows(path)
    assert wb.encoding == encoding
    assert rows == [(2, [text])]
    assert sheet.notes[0].params["encoding"] == shown


def test_a_big5_file_is_not_taken_for_gb18030(tmp_path):
    """Regression (defect 10.3): Big5 bytes decode without error as GB18030, to mojibake
    (“編號,類型,內容” came out as “絪腹,摸,ず甧”); the detector decides between the two."""
    path = messy.big5_csv(tmp_path / "香港.csv")
    path.read_bytes().decode("gb18030")  # no error: the trap
    wb, sheet, rows = first_rows(path, n=10)
    assert wb.encoding == "cp950"
    assert [c.label for c in sheet.columns] == messy.TRADITIONAL_HEADERS
    assert [cells for _n, cells in rows] == messy.TRADITIONAL_ROWS


def test_a_file_that_decodes_several_ways_is_decided_by_the_detector(tmp_path, monkeypatch):
    """Not by the first encoding that does not raise: whatever charset-normalizer answers
    among those that decode the whole file is taken."""
    path = messy.big5_csv(tmp_path / "a.csv")
    asked = []

    def guess(path, among):
        asked.append(among)
        return "gb18030"

    monkeypatch.setattr(reader, "_normalizer_guess", guess)
    with read(path) as wb:
        assert wb.encoding == "gb18030"
    assert asked == [["gb18030", "cp950"]]


def test_commas_inside_quotes_and_chinese_commas_do_not_fool_the_separator(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('内容;地区\n"甲,乙,丙，丁";北京\n"戊,己";上海\n', encoding="utf-8")
    wb, _sheet, rows = first_rows(path)
    assert wb.delimiter == ";"
    assert rows[0][1] == ["甲,乙,丙，丁", "北京"]


def test_csv_rows_count_records_not_lines(tmp_path):
    """A quoted newline stays in its cell, as in Excel: row numbers count records."""
    path = tmp_path / "nl.csv"
    path.write_text('内容,地区\n"第一行\n第二行",北京\n路灯不亮,上海\n', encoding="utf-8")
    _wb, _sheet, rows = first_rows(path)
    assert rows == [(2, ["第一行\n第二行", "北京"]), (3, ["路灯不亮", "上海"])]


def test_excel_protections_in_csv_cells_are_undone():
    assert csv_cell('="00123"') == "00123"
    assert csv_cell("'=1+1") == "=1+1"
    assert csv_cell("''-5") == "'-5"
    assert csv_cell("'abc") == "'abc"
    assert csv_cell("=not quoted") == "=not quoted"


def test_the_messy_workbook_is_read_as_the_user_sees_it(tmp_path):
    path = messy.messy_xlsx(tmp_path / "bureau.xlsx")
    with read(path) as wb:
        assert wb.visible_sheets == ["汇总", "空白表"]
        assert wb.hidden_sheets == ["说明"]
        sheet = wb.sheet()
        assert sheet.name == "汇总"
        assert sheet.title_rows == [1]
        assert sheet.header_row_numbers == [2, 3]
        assert [str(c) for c in sheet.columns] == [
            "A（编号）",
            "B（反映内容）",
            "C（提交人 / 姓名）",
            "D（提交人 / 联系方式）",
            "E（地区）",
            "F（时间）",
            "G（标题）",
        ]
        codes = [n.code for n in sheet.notes]
        assert {"note_hidden_sheets", "note_other_sheets", "note_title_rows"} <= set(codes)
        rows = dict(sheet.rows())
    assert sorted(rows) == [4, 6, 7, 8, 9, 10, 11, 13]  # blank rows 5 and 12 skipped
    assert rows[4][1] == "  低保审批时间过长\t群众反映强烈  "  # as received; parsing trims
    assert rows[4][5] == dt.date(2019, 7, 28)
    assert rows[6][5] == 43674  # an unformatted serial stays a number until parsed
    assert rows[7][6] == "关于公交的问题"  # the formula's cached value
    assert rows[8][4] == "四川省"  # merged over rows 7–8: each row gets the value


def test_xls_is_read_with_its_merged_title_and_dates(tmp_path):
    wb, sheet, rows = first_rows(messy.xls_file(tmp_path / "legacy.xls"))
    assert wb.kind == "xls"
    assert wb.hidden_sheets == ["隐藏"]
    assert sheet.title_rows == [1]
    assert sheet.header_row == 2
    assert rows[0][0] == 3
    assert isinstance(rows[0][1][7], dt.datetime)


def test_data_away_from_a1_keeps_excel_positions(tmp_path):
    import xlsxwriter

    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet()
    ws.write("C3", "内容")
    ws.write("D3", "地区")
    ws.write("C5", "路灯不亮")
    ws.write("D5", "北京")
    book.close()
    _wb, sheet, rows = first_rows(path)
    assert [str(c) for c in sheet.columns] == ["C（内容）", "D（地区）"]
    assert rows == [(5, ["路灯不亮", "北京"])]


def test_an_xlsx_carriage_return_escape_is_decoded_but_a_typed_one_is_kept(tmp_path):
    """In xlsx XML `_x000D_` encodes a carriage return (ECMA-376 ST_Xstring); the reader gives
    the character back, so the text is as the author typed it. Text that really contains
    “_x000D_” is stored escaped (`_x005F_x000D_`) and comes back literally."""
    import xlsxwriter

    path = tmp_path / "cr.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["内容"])
    ws.write_string(1, 0, "第一行\r\n第二行")  # XlsxWriter writes _x000D_
    ws.write_string(2, 0, "字面量 _x000D_ 保留")  # written as _x005F_x000D_
    book.close()
    _wb, _sheet, rows = first_rows(path)
    assert rows[0][1] == ["第一行\r\n第二行"]
    assert rows[1][1] == ["字面量 _x000D_ 保留"]


@pytest.mark.parametrize(
    ("writer", "name", "code"),
    [
        (messy.empty_file, "empty.xlsx", "file_empty"),
        (messy.truncated_xlsx, "cut.xlsx", "file_corrupt"),
        (messy.pdf_file, "report.xlsx", "file_pdf"),
        (messy.docx_file, "notes.xlsx", "file_word"),
        (messy.html_as_xls, "export.xls", "file_web_page"),
    ],
)
def test_bad_files_get_a_clear_message_naming_the_file(tmp_path, writer, name, code):
    path = writer(tmp_path / name)
    with pytest.raises(SpreadsheetFileError) as caught:
        read(path, filename=f"广东省{name}")
    assert caught.value.code == code
    assert f"广东省{name}" in caught.value.message


def test_a_zip_with_broken_xml_is_reported_as_damaged(tmp_path):
    path = messy.corrupt_xlsx(tmp_path / "bad.xlsx")
    with pytest.raises(SpreadsheetFileError) as caught, read(path) as wb:
        list(wb.sheet().rows())
    assert caught.value.code == "file_corrupt"
    assert "bad.xlsx" in caught.value.message


def test_binary_junk_is_not_taken_for_csv(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(SpreadsheetFileError) as caught:
        read(path)
    assert caught.value.code == "file_binary"


@pytest.mark.parametrize(
    ("writer", "name", "kind"),
    [(messy.plain_xlsx, "really-xlsx.csv", "xlsx"), (messy.bom_csv, "really-csv.xlsx", "csv")],
)
def test_a_wrong_extension_still_reads_and_is_noted(tmp_path, writer, name, kind):
    wb, sheet, rows = first_rows(writer(tmp_path / name))
    assert wb.kind == kind
    assert rows[0][1][0] == "GD-01-000001"
    assert any(n.code == "note_extension" for n in sheet.notes)


def test_uploads_bytes_and_file_objects_are_read(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = messy.gbk_csv(tmp_path / "a.csv").read_bytes()
    for source in (data, SimpleUploadedFile("上传.csv", data)):
        with read(source, filename="上传.csv") as wb:
            assert wb.file_name == "上传.csv"
            assert next(wb.sheet().rows())[0] == 2


def test_hidden_sheets_are_skipped_unless_named(tmp_path):
    with read(messy.messy_xlsx(tmp_path / "b.xlsx")) as wb:
        assert wb.sheet().name == "汇总"
        assert wb.sheet("说明").name == "说明"
        with pytest.raises(SpreadsheetError) as caught:
            wb.sheet("没有")
    assert "汇总" in caught.value.message


def test_an_empty_sheet_has_no_header(tmp_path):
    path = messy.messy_xlsx(tmp_path / "b.xlsx")
    with read(path) as wb, pytest.raises(SpreadsheetFileError) as c:
        wb.sheet("空白表")
    assert c.value.code == "file_no_header"


def test_the_real_message_file_reads_fast_with_its_layout_whitespace():
    from pathlib import Path

    path = Path("/work/shared/data/messages/citizen_messages_sample_495.xlsx")
    if not path.exists():
        pytest.skip(f"{path} is not here (shared data is read in place, never copied)")
    with read(path) as wb:
        sheet = wb.sheet()
        rows = list(sheet.rows())
    assert len(rows) == 495
    assert rows[0][0] == 2 and rows[-1][0] == 496
    assert rows[0][1][4].startswith("\n\t\t\t\t\t")
