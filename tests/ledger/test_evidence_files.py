"""An evidence file's kind is told from its content, never its name (issue 11): what is allowed
passes, anything else is refused naming the file and what it really is, in both languages."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.utils import translation

from rectify.core.errors import FileRefused, FileTooLarge
from rectify.ledger import evidence_files
from tests.helpers import (
    DOCX_TYPES,
    docx_bytes,
    image_bytes,
    ole2_bytes,
    pdf_bytes,
    xlsx_bytes,
    zip_bytes,
)

PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(118) + b"PE\x00\x00" + bytes(300)
ELF = b"\x7fELF\x02\x01\x01" + bytes(200)
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(200)
MSI = bytes.fromhex("84100C0000000000C000000000000046")  # {000C1084-…-000000000046}, .msi


def check(content: bytes, name: str):
    upload = ContentFile(content)
    detected = evidence_files.check(upload, name)
    assert upload.tell() == 0  # left rewound for storing
    return detected


def refusal(content: bytes, name: str) -> tuple[str, str]:
    with pytest.raises(FileRefused) as refused:
        check(content, name)
    return refused.value.render("zh-hans"), refused.value.render("en")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_images_are_told_from_their_bytes(fmt):
    detected = check(image_bytes(fmt), "照片")
    assert detected.kind == "image"
    assert detected.mime.startswith("image/")


@pytest.mark.parametrize(
    ("content", "name", "kind", "mime"),
    [
        (pdf_bytes(), "报告.pdf", "pdf", "application/pdf"),
        (b"\r\n%PDF-1.7\n", "junk-first.pdf", "pdf", "application/pdf"),
        (
            docx_bytes(),
            "说明.docx",
            "word",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            xlsx_bytes(),
            "台账.xlsx",
            "excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (zip_bytes({"ppt/presentation.xml": "<p/>"}), "汇报", "powerpoint", None),
        (ole2_bytes({"WordDocument": b"w"}), "旧版.doc", "word", "application/msword"),
        (ole2_bytes({"Workbook": b"x"}), "旧版.xls", "excel", "application/vnd.ms-excel"),
        (ole2_bytes({"PowerPoint Document": b"p"}), "a.ppt", "powerpoint", None),
        (ole2_bytes({"WordDocument": b"w"}), "通知.wps", "wps", "application/wps-office.wps"),
        (xlsx_bytes(), "统计.et", "wps", "application/wps-office.et"),
        (zip_bytes({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": ""}), "a.ofd", "ofd", None),
        ("整改落实情况说明：已完成。\n".encode("gbk"), "说明.txt", "text", "text/plain"),
        ("\ufeff整改说明\r\n".encode(), "说明.txt", "text", "text/plain"),
        ("第一行\t制表\n".encode(), "no-extension", "text", "text/plain"),
        (b"proof", "a.pdf", "text", "text/plain"),  # the content decides, not the name
        (b"BMW fleet report\n", "a.txt", "text", "text/plain"),  # "BM" as a bitmap starts
        ("GIF动图的说明\n".encode(), "a.txt", "text", "text/plain"),
    ],
)
def test_each_allowed_kind_is_accepted_by_its_content(content, name, kind, mime):
    detected = check(content, name)
    assert detected.kind == kind
    if mime:
        assert detected.mime == mime


def test_a_disguised_windows_program_is_refused_naming_what_it_is():
    zh, en = refusal(PE, "报告.pdf")
    assert en.startswith("“报告.pdf” is not a PDF: it is a Windows program (executable).")
    assert "Allowed: images, PDF, Word, Excel, PowerPoint, WPS, OFD, plain text." in en
    assert zh.startswith("“报告.pdf”不是PDF文件，而是Windows程序（可执行文件）。")
    assert "图片、PDF、Word、Excel、PowerPoint、WPS、OFD、纯文本" in zh


@pytest.mark.parametrize(
    ("content", "name", "what"),
    [
        (ELF, "photo.jpg", "a Linux program (executable)"),
        (MACH_O, "tool", "a macOS program (executable)"),
        (b"#!/bin/sh\nrm -rf ~\n", "说明.txt", "a script (executable)"),
        (zip_bytes({"a.txt": "x"}), "材料.zip", "a ZIP archive"),
        (zip_bytes({"a.txt": "x"}), "材料.docx", "a ZIP archive"),
        (zip_bytes({"META-INF/MANIFEST.MF": "", "A.class": ""}), "a.pdf", "a Java program"),
        (ole2_bytes({"x": b"i"}, clsid=MSI), "setup.doc", "a Windows installer package"),
        (ole2_bytes({"__substg1.0_0037001F": b"m"}), "mail.doc", "an Outlook message"),
        (b"Rar!\x1a\x07\x00" + bytes(60), "a.rar", "a compressed archive (RAR)"),
        (b"{\\rtf1\\ansi hello}", "a.doc", "an RTF document"),
        (bytes(range(256)) * 4, "data.txt", "a file of unknown type"),
        (b"", "empty.txt", "an empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "a.png", "a damaged image"),
        ("有\x00空字符".encode(), "a.txt", "a file of unknown type"),
    ],
)
def test_what_is_not_allowed_is_refused_with_its_real_kind(content, name, what):
    _, en = refusal(content, name)
    assert f"“{name}”" in en
    assert what in en


def test_documents_with_macros_are_refused():
    macro_types = DOCX_TYPES.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    _, en = refusal(docx_bytes(macro_types), "宏.docm")
    assert "cannot be uploaded: it is a Word document with macros" in en
    _, en = refusal(ole2_bytes({"WordDocument": b"w", "Macros": b"v"}), "宏.doc")
    assert "a Word document with macros" in en
    _, en = refusal(ole2_bytes({"Workbook": b"w", "_VBA_PROJECT_CUR": b"v"}), "宏.xls")
    assert "an Excel workbook with macros" in en


def test_the_allowed_kinds_come_from_the_settings(settings):
    settings.EVIDENCE_ALLOWED_KINDS = ["pdf", "text"]
    assert check(pdf_bytes(), "a.pdf").kind == "pdf"
    zh, en = refusal(image_bytes(), "现场照片.png")
    assert en == "“现场照片.png” cannot be uploaded: it is an image. Allowed: PDF, plain text."
    assert zh.endswith("允许上传的文件类型：PDF、纯文本。")
    settings.EVIDENCE_ALLOWED_KINDS = ["pdf", "exe"]
    with pytest.raises(ImproperlyConfigured, match="exe"):
        check(pdf_bytes(), "a.pdf")


def test_an_oversize_file_is_refused_naming_the_limit_and_the_file(settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    with pytest.raises(FileTooLarge) as refused:
        check(b"x" * (1024 * 1024 + 512 * 1024), "录像说明.txt")
    assert refused.value.code == "too_large"
    assert (
        refused.value.render("en")
        == "“录像说明.txt” is 1.5 MB: an evidence file may be at most 1 MB."
    )
    assert "1 MB" in refused.value.render("zh-hans")
    assert "录像说明.txt" in refused.value.render("zh-hans")


def test_a_stored_rows_kind_comes_from_its_content_type():
    assert evidence_files.kind_of("image/webp").code == "image"
    assert evidence_files.kind_of("application/wps-office.et").code == "wps"
    assert evidence_files.kind_of("text/plain; charset=utf-8").code == "text"
    assert evidence_files.kind_of("") is None
    with translation.override("zh-hans"):
        assert str(evidence_files.kind_of("application/pdf").label) == "PDF"
        assert str(evidence_files.kind_of("application/msword").label) == "Word文档"
