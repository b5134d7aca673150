"""Small helpers for page tests: read what a page shows without depending on UI labels."""

import io
import re
import struct
import zipfile
from html.parser import HTMLParser

from django.contrib.messages import get_messages

from tests.factories import PASSWORD


class _Finder(HTMLParser):
    """Collects the text inside each element that carries data-testid."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: dict[str, list[str]] = {}
        self.attrs: dict[str, list[dict]] = {}
        self.open: list[list] = []

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        testid = attrs.get("data-testid")
        if testid:
            self.attrs.setdefault(testid, []).append(attrs)
            self.found.setdefault(testid, []).append("")
        if tag in self.VOID:
            return
        self.stack.append((tag, testid))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, testid in self.stack:
            if testid:
                self.found[testid][-1] += data


def parse(response):
    finder = _Finder()
    finder.feed(response.content.decode())
    return finder


def texts(response, testid: str) -> list[str]:
    """Whitespace-normalised text of every element with this data-testid."""
    return [" ".join(t.split()) for t in parse(response).found.get(testid, [])]


def attrs(response, testid: str) -> list[dict]:
    return parse(response).attrs.get(testid, [])


def figure(response, testid: str) -> str:
    """The number shown on one figure card (e.g. "12,345" or "17 / 20")."""
    html = response.content.decode()
    match = re.search(
        rf'data-testid="{re.escape(testid)}".*?class="figure-value"[^>]*>(.*?)</div>', html, re.S
    )
    assert match, f"no figure card {testid}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def messages_of(response) -> list[str]:
    """Django messages shown on the page (or still waiting, if the page did not show them)."""
    shown = texts(response, "message")
    return shown or [str(m) for m in get_messages(response.wsgi_request)]


def row_numbers(response) -> list[int]:
    return [int(a["data-number"]) for a in attrs(response, "problem-row")]


def log_in(page, base, username):
    """Sign in through the login form in a real browser (Playwright page)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


# --- files of each kind, made here (evidence tests) --------------------------------------------


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    return out.getvalue()


def pdf_bytes(width: float = 200, height: float = 300) -> bytes:
    """A real one-page PDF (blank), written by PDFium."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(width, height)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    book.add_worksheet().write(0, 0, "整改台账")
    book.close()
    return out.getvalue()


def zip_bytes(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx_bytes(types: str = DOCX_TYPES) -> bytes:
    return zip_bytes({"[Content_Types].xml": types, "word/document.xml": "<w:document/>"})


def ole2_bytes(streams: dict[str, bytes], clsid: bytes = bytes(16)) -> bytes:
    """A compound file (OLE2, as Office 97–2003 files) holding `streams` (at most 3, each stored
    in regular 512-byte sectors): enough for a reader to list them."""
    end, free, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    datas = [data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0") for data in streams.values()]
    fat = [0xFFFFFFFD, end]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for data in datas:
        starts.append(len(fat))
        count = len(data) // 512
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
    assert len(fat) <= 128 and len(streams) <= 3
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack(
        "<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0
    )
    header += struct.pack("<109I", 0, *[free] * 108)

    def entry(name, kind, child, right, start, size, entry_clsid=bytes(16)):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + entry_clsid
            + bytes(20)
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0, clsid)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        directory += entry(name, 2, nostream, right, starts[i], len(streams[name]))
    directory = directory.ljust(512, b"\0")
    fat_sector = struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
    return header + fat_sector + directory + b"".join(datas)
