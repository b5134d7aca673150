"""Messy spreadsheets as bureaus send them, generated on the spot (tests and bench/ use them).

Each writer takes a path and returns it. `feedback_rows()` makes realistic Chinese feedback
(varied lengths, full-width punctuation, U+3000 indents, the odd newline) deterministically.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import zipfile
from pathlib import Path

import xlsxwriter

HEADERS = ["编号", "类型", "标题", "内容", "地区", "渠道", "提交人", "时间"]

PLACES = ["A市", "B县", "C区", "D镇", "E街道", "F乡", "G社区", "H村", "西湖区", "开发区"]
SUBJECTS = [
    "低保审批", "医保报销", "公交线路", "小区物业", "学校招生", "养老服务", "农村饮水", "道路施工",
    "垃圾分类", "噪声扰民", "停车收费", "老旧小区改造", "就业补贴", "社保转移", "危房改造",
    "证明材料", "窗口办事", "网上办理", "路灯维修", "污水排放",
]  # fmt: skip
PROBLEMS = [
    "审批时间过长，群众来回跑了四五趟还没有办下来",
    "收费标准不透明，居民多次询问都没有得到明确答复",
    "要求提供的证明材料过多，有些材料根本开不出来",
    "工作人员态度生硬，推诿扯皮现象比较突出",
    "施工围挡占用人行道，每天上下班期间安全隐患很大",
    "夜间施工噪声扰民，严重影响附近居民休息",
    "网上办理系统经常卡顿，提交后长时间没有反馈",
    "政策宣传不到位，很多群众不知道可以申请补贴",
    "设施年久失修，雨天积水严重，老人孩子出行不便",
    "基层填表报数任务繁重，同一数据要求重复上报",
]
REQUESTS = [
    "恳请有关部门尽快核实处理。",
    "希望相关部门能够简化流程，提高效率。",
    "建议公开办理进度，方便群众查询。",
    "请求尽快整改，给群众一个满意的答复。",
    "建议建立长效机制，防止问题反弹。",
]
REGIONS = ["北京市", "广东", "440000", "四川省", "浙江", "新疆维吾尔自治区", "兵团", "湖南省"]
CHANNELS = ["座谈会", "访谈", "书面征求意见", "实地走访", "网上征集", "热线"]
NAMES = ["张三", "李四", "王五", "赵六", "匿名", "", "市民王先生", "刘女士"]


def feedback_text(rng: random.Random) -> str:
    parts = [f"{rng.choice(PLACES)}{rng.choice(SUBJECTS)}方面，{rng.choice(PROBLEMS)}。"]
    for _ in range(rng.randint(0, 3)):
        parts.append(f"另外{rng.choice(SUBJECTS)}{rng.choice(PROBLEMS)}。")
    parts.append(rng.choice(REQUESTS))
    text = "".join(parts)
    if rng.random() < 0.2:
        text = "\u3000\u3000" + text
    if rng.random() < 0.1:
        text = text.replace("。", "。\n", 1)
    return text


def letter(chars: int, *, seed: int = 3) -> str:
    """A citizen's letter of exactly `chars` characters, as real message-board letters run to
    (the longest seen: 8,994): a salutation, indented paragraphs with line breaks, a sign-off."""
    rng = random.Random(seed)
    sign_off = "\n此致\n敬礼"
    text = "尊敬的领导：\n"
    while len(text) < chars:
        text += "\u3000\u3000" + "".join(feedback_text(rng).strip() for _ in range(6)) + "\n"
    return text[: chars - len(sign_off)] + sign_off


def feedback_rows(n: int, *, seed: int = 1, start: dt.datetime | None = None) -> list[list]:
    """n rows under HEADERS: id, kind, title, text, region, channel, submitter, received."""
    rng = random.Random(seed)
    start = start or dt.datetime(2019, 7, 1, 8, 0)  # noqa: DTZ001 (spreadsheets are naive)
    rows = []
    for i in range(n):
        received = start + dt.timedelta(minutes=37 * i + rng.randint(0, 30))
        kind = "问题" if rng.random() < 0.6 else "建议"
        rows.append(
            [
                f"GD-{seed:02d}-{i + 1:06d}",
                kind,
                f"关于{rng.choice(SUBJECTS)}的{'问题' if kind == '问题' else '建议'}",
                feedback_text(rng),
                rng.choice(REGIONS),
                rng.choice(CHANNELS),
                rng.choice(NAMES),
                received,
            ]
        )
    return rows


def _date_text(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value


# --- CSV -----------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list], *, encoding="utf-8", delimiter=",", headers=None):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(headers or HEADERS)
        for row in rows:
            w.writerow([_date_text(c) for c in row])
    return path


def gbk_csv(path: Path, rows=None) -> Path:
    return write_csv(path, rows or feedback_rows(5), encoding="gbk")


def bom_csv(path: Path, rows=None) -> Path:
    return write_csv(path, rows or feedback_rows(5), encoding="utf-8-sig")


def semicolon_csv(path: Path, rows=None) -> Path:
    return write_csv(path, rows or feedback_rows(5), delimiter=";")


def tab_utf16(path: Path, rows=None) -> Path:
    """What Excel's “Unicode text” gives: UTF-16 with a BOM, tab-separated."""
    return write_csv(path, rows or feedback_rows(5), encoding="utf-16", delimiter="\t")


# Feedback from Hong Kong, Macao or Taiwan: Traditional characters, saved by Excel there as Big5.
TRADITIONAL_HEADERS = ["編號", "類型", "內容", "提交人", "時間"]
TRADITIONAL_ROWS = [
    ["HK-0001", "問題", "社區停車位嚴重不足，晚上回家經常找不到車位，希望有關部門儘快協調解決。",
     "陳大文", "2019-07-28 09:30"],
    ["HK-0002", "建議", "建議延長公共圖書館週末開放時間，方便上班族閱讀學習。", "", "2019-07-29"],
    ["HK-0003", "問題", "屋苑垃圾收集站臭味擾民，夏天尤其嚴重，懇請儘快處理。", "李小姐",
     "2019-07-30 14:05"],
    ["HK-0004", "建議", "醫院掛號輪候時間過長，長者往返奔波，建議增設網上預約。", "黃先生",
     "2019-07-31"],
]  # fmt: skip


def big5_csv(path: Path, rows=None) -> Path:
    """Written with Python's big5 codec: every byte of it also decodes as GB18030 (to garbage)."""
    return write_csv(path, rows or TRADITIONAL_ROWS, encoding="big5", headers=TRADITIONAL_HEADERS)


# --- xlsx ----------------------------------------------------------------------------------


def plain_xlsx(path: Path, rows=None, *, headers=None, sheet="Sheet1") -> Path:
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet(sheet)
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, headers or HEADERS)
    for r, row in enumerate(rows or feedback_rows(5), start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, when)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    book.close()
    return path


def messy_xlsx(path: Path) -> Path:
    """The bureau's workbook: a title banner, a two-row header with merged cells, dates as
    serials, date text and real dates, blank rows, full-width digits, padded text, a formula,
    a region merged over two rows, a hidden sheet and a second visible one.

    Rows (Excel numbering): 1 title, 2–3 header, 4 good, 5 blank, 6 good (serial date,
    full-width id), 7 good (formula title, region merged 7–8), 8 good (region from merge),
    9 bad (unknown region), 10 bad (over-long text), 11 bad (impossible date), 12 blank,
    13 good (date text 2019年7月28日 10时5分).
    """
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("汇总")
    hidden = book.add_worksheet("说明")
    book.add_worksheet("空白表")
    hidden.write("A1", "填表说明：本表隐藏")
    hidden.hide()
    ws.merge_range("A1:G1", "2019年主题教育群众意见汇总表")
    ws.merge_range("A2:A3", "编号")
    ws.merge_range("B2:B3", "反映内容")
    ws.merge_range("C2:D2", "提交人")
    ws.write("C3", "姓名")
    ws.write("D3", "联系方式")
    ws.merge_range("E2:E3", "地区")
    ws.merge_range("F2:F3", "时间")
    ws.merge_range("G2:G3", "标题")
    date_fmt = book.add_format({"num_format": "yyyy/m/d"})
    ws.write_row(3, 0, ["A-1", "  低保审批时间过长\t群众反映强烈  ", "张三", "13800000000", "广东"])
    ws.write_datetime(3, 5, dt.date(2019, 7, 28), date_fmt)
    # row 5 blank
    ws.write_row(5, 0, ["Ａ-２", "医保报销\n材料太多", "李四", "", "440000"])
    ws.write_number(5, 5, 43674)  # an unformatted serial: 2019-07-28
    ws.write_row(6, 0, ["A-3", "公交线路调整未征求意见", "王五", ""])
    ws.merge_range("E7:E8", "四川省")
    ws.write_string(6, 5, "2019/7/29 9:30")
    ws.write_formula(6, 6, '="关于"&"公交"&"的问题"', None, "关于公交的问题")
    ws.write_row(7, 0, ["A-4", "学校招生政策不透明", "赵六", ""])
    ws.write_string(7, 5, "2019-07-30")
    ws.write_row(8, 0, ["A-5", "小区物业收费不合理", "", "", "火星"])
    ws.write_string(8, 5, "2019-07-30")
    ws.write_row(9, 0, ["A-6", "标题太长的一条", "", "", "北京"])
    ws.write_string(9, 5, "2019-07-30")
    ws.write_string(9, 6, "长" * 201)  # a title of at most 200
    ws.write_row(10, 0, ["A-7", "路灯不亮", "", "", "北京"])
    ws.write_string(10, 5, "2019-02-30")
    # row 12 blank
    ws.write_row(12, 0, ["A-8", "垃圾分类宣传不够", "刘女士", "", "湖南"])
    ws.write_string(12, 5, "２０１９年７月２８日　１０时５分")
    book.close()
    return path


def big_xlsx(path: Path, n: int, *, seed: int = 7) -> Path:
    """n realistic rows, written in constant memory."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = book.add_worksheet("意见汇总")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, HEADERS)
    for r, row in enumerate(feedback_rows(n, seed=seed), start=1):
        ws.write_row(r, 0, row[:7])
        ws.write_datetime(r, 7, row[7], when)
    book.close()
    return path


def big_csv(path: Path, n: int, *, seed: int = 7, encoding: str = "gbk") -> Path:
    return write_csv(path, feedback_rows(n, seed=seed), encoding=encoding)


# --- broken and wrong files ----------------------------------------------------------------


def truncated_xlsx(path: Path) -> Path:
    """An xlsx cut in half, as an interrupted download leaves it."""
    whole = plain_xlsx(path.with_name("whole-" + path.name)).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def corrupt_xlsx(path: Path) -> Path:
    """A well-formed zip whose worksheet XML is garbage."""
    source = plain_xlsx(path.with_name("good-" + path.name))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99"
            zout.writestr(item, data)
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def pdf_file(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    return path


def docx_file(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return path


def html_as_xls(path: Path) -> Path:
    """What old systems export as “.xls”: an HTML table."""
    path.write_text(
        "<html><body><table><tr><td>内容</td></tr><tr><td>路灯不亮</td></tr></table></body></html>",
        encoding="utf-8",
    )
    return path


def xls_file(path: Path, rows=None, *, hidden_sheet: bool = True) -> Path:
    """A legacy .xls (BIFF8) with a merged title row and dates as real Excel dates."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    ws.write_merge(0, 0, 0, len(HEADERS) - 1, "意见汇总（xls）")
    for c, h in enumerate(HEADERS):
        ws.write(1, c, h)
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for r, row in enumerate(rows or feedback_rows(4, seed=3), start=2):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    if hidden_sheet:
        h = book.add_sheet("隐藏")
        h.write(0, 0, "x")
        h.visibility = 1
    book.save(str(path))
    return path


# --- another process on the test database (CLI and kill tests) -----------------------------


class OtherProcessDB:
    """Lets a subprocess (the `rectify` CLI) work on the test database.

    PostgreSQL: the subprocess connects to the test database itself (the test must be
    transactional so its rows are committed). SQLite: the test database lives in memory, so
    it is copied to a file with SQLite's backup API and the subprocess works on the copy;
    `count()` then reads the copy.
    """

    def __init__(self, tmp_path: Path):
        from django.db import connection

        self.vendor = connection.vendor
        self.tmp_path = tmp_path
        settings_dict = connection.settings_dict
        if self.vendor == "sqlite":
            import sqlite3

            self.file = tmp_path / "other-process.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            user = settings_dict.get("USER") or ""
            password = settings_dict.get("PASSWORD") or ""
            auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
            host = settings_dict.get("HOST") or "127.0.0.1"
            port = settings_dict.get("PORT") or 5432
            self.url = f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"

    def env(self) -> dict:
        import os

        env = dict(os.environ)
        env["DATABASE_URL"] = self.url
        env["MEDIA_ROOT"] = str(self.tmp_path / "media")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def query(self, sql: str, params=()):
        """One row of a query, on the database the subprocess used."""
        if self.vendor == "sqlite":
            import sqlite3

            con = sqlite3.connect(self.file, timeout=20)
            try:
                return con.execute(sql, params).fetchone()
            finally:
                con.close()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchone()

    def count_items(self) -> int:
        return self.query("SELECT COUNT(*) FROM feedback_feedbackitem")[0]

    def batch_state(self) -> tuple[str, int] | None:
        row = self.query("SELECT status, done FROM feedback_importbatch ORDER BY id DESC LIMIT 1")
        return tuple(row) if row else None
