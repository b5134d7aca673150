"""What an evidence file really is, told from its bytes (never from its name), and whether it
may be kept.

`check(upload, name)` is asked by `services.add_evidence` before anything is stored: a file
larger than `settings.EVIDENCE_MAX_BYTES`, or of a kind not in `settings.EVIDENCE_ALLOWED_KINDS`,
is refused with a message that names the file and what it really is (“报告.pdf” is not a PDF: it
is a Windows program). The kinds: images, PDF, Word, Excel, PowerPoint (both the 97–2003 OLE2
files and the zipped OOXML ones), WPS, OFD and plain text.

The `filetype` library tells images, PDF, archives, media and Windows/Linux programs from their
first bytes. What it cannot tell is read here: inside a ZIP, OOXML (its [Content_Types].xml and
part names) from OFD (OFD.xml) from any other archive; inside an OLE2 file (through `olefile`),
Word, Excel and PowerPoint from installers and mail; documents with macros (refused); other
programs (Mach-O, scripts with #!); and plain text (UTF-8 with or without BOM, or GB18030, no NUL
or other control bytes).

A WPS file (.wps/.et/.dps …) is an OLE2 or OOXML document in all but its name: the content
decides that it is an office document, the name only which of the office kinds it is shown as.
"""

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
import olefile
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from PIL import Image

from rectify.core.errors import FileRefused, FileTooLarge

HEAD = 8192  # bytes read to tell a file's type (filetype reads as many)
MB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """A kind of file evidence may be: `code` is what EVIDENCE_ALLOWED_KINDS lists."""

    code: str
    label: str  # on a card: "Word document"
    phrase: str  # in a sentence: "a Word document"
    listed: str  # in the list of what is allowed: "Word"
    icon: str  # the short text of the card's icon when there is no preview


KINDS = {
    k.code: k
    for k in (
        Kind("image", _("image"), _("an image"), _("images"), "IMG"),
        Kind("pdf", _("PDF"), _("a PDF"), _("PDF"), "PDF"),
        Kind("word", _("Word document"), _("a Word document"), _("Word"), "DOC"),
        Kind("excel", _("Excel workbook"), _("an Excel workbook"), _("Excel"), "XLS"),
        Kind(
            "powerpoint",
            _("PowerPoint presentation"),
            _("a PowerPoint presentation"),
            _("PowerPoint"),
            "PPT",
        ),
        Kind("wps", _("WPS document"), _("a WPS document"), _("WPS"), "WPS"),
        Kind("ofd", _("OFD document"), _("an OFD document"), _("OFD"), "OFD"),
        Kind("text", _("plain text"), _("a plain text file"), _("plain text"), "TXT"),
    )
}

# What a name claims (only to say "is not a PDF" in a refusal, and which office kind a WPS
# file is shown as); never what decides.
EXTENSIONS = {
    **dict.fromkeys(
        ["jpg", "jpeg", "jpe", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "heif", "avif"],
        "image",
    ),
    "pdf": "pdf",
    **dict.fromkeys(["doc", "docx", "docm", "dot", "dotx"], "word"),
    **dict.fromkeys(["xls", "xlsx", "xlsm", "xlt", "xltx"], "excel"),
    **dict.fromkeys(["ppt", "pptx", "pptm", "pps", "ppsx", "pot", "potx"], "powerpoint"),
    **dict.fromkeys(["wps", "wpt", "et", "ett", "dps", "dpt"], "wps"),
    "ofd": "ofd",
    **dict.fromkeys(["txt", "text", "csv", "log", "md"], "text"),
}
# The MIME types of WPS files (as the WPS Office packages declare them), by extension.
WPS_MIME = {
    "wps": "application/wps-office.wps",
    "wpt": "application/wps-office.wpt",
    "et": "application/wps-office.et",
    "ett": "application/wps-office.ett",
    "dps": "application/wps-office.dps",
    "dpt": "application/wps-office.dpt",
}
IMAGE_MIMES = {
    "image/jpeg",
    "image/png",
    "image/apng",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "image/heif",
    "image/avif",
}
OFFICE_MIMES = {
    "word": "application/msword",
    "excel": "application/vnd.ms-excel",
    "powerpoint": "application/vnd.ms-powerpoint",
}


class Said:
    """A translatable phrase with its parameters, rendered in the language active when it is
    shown (an API answer renders the same refusal in Chinese and in English)."""

    def __init__(self, template, **params):
        self.template = template
        self.params = params

    def __str__(self):
        text = str(self.template)
        return text % {k: str(v) for k, v in self.params.items()} if self.params else text


class Listing:
    """Kinds' `listed` labels joined as the active language joins a list (、 in Chinese)."""

    def __init__(self, kinds):
        self.kinds = list(kinds)

    def __str__(self):
        separator = "、" if (get_language() or "").startswith("zh") else ", "
        return separator.join(str(k.listed) for k in self.kinds)


@dataclass(frozen=True)
class Detected:
    """What a file is: `kind` (a code of KINDS) when it is one of those, its MIME type when known,
    and how a sentence names it ("a Windows program (executable)")."""

    kind: str | None
    mime: str
    what: object  # str() gives the phrase in the active language
    family: str | None = None  # the kind it would be, when refused for what is inside it


def _kind(code: str, mime: str) -> Detected:
    return Detected(code, mime, KINDS[code].phrase)


def _other(mime: str, what) -> Detected:
    return Detected(None, mime, what)


UNKNOWN = _other("", _("a file of unknown type"))
EMPTY = _other("", _("an empty file"))


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


# --- the kinds the settings allow ------------------------------------------------------------


def allowed_kinds() -> list[Kind]:
    """The kinds settings.EVIDENCE_ALLOWED_KINDS names, in KINDS' order."""
    codes = list(settings.EVIDENCE_ALLOWED_KINDS)
    unknown = [c for c in codes if c not in KINDS]
    if unknown:
        raise ImproperlyConfigured(
            f"EVIDENCE_ALLOWED_KINDS: unknown kind {', '.join(unknown)}; use {', '.join(KINDS)}"
        )
    return [k for code, k in KINDS.items() if code in codes]


def kind_of(content_type: str) -> Kind | None:
    """The kind of a stored evidence row from its content type (the detected MIME type; rows
    stored before detection carry the client's claim, which may be anything or nothing)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime.startswith("image/"):
        return KINDS["image"]
    if mime == "application/pdf":
        return KINDS["pdf"]
    if mime.startswith("application/wps-office."):
        return KINDS["wps"]
    if mime == "application/msword" or "wordprocessingml" in mime:
        return KINDS["word"]
    if mime == "application/vnd.ms-excel" or "spreadsheetml" in mime:
        return KINDS["excel"]
    if mime == "application/vnd.ms-powerpoint" or "presentationml" in mime:
        return KINDS["powerpoint"]
    if mime == "application/ofd":
        return KINDS["ofd"]
    if mime == "text/plain":
        return KINDS["text"]
    return None


# --- the check ---------------------------------------------------------------------------------


def size_in_mb(size: int) -> str:
    """Bytes as megabytes for a message: "50", "1.5", "0.01"."""
    mb = size / MB
    return f"{mb:.1f}".removesuffix(".0") if mb >= 1 else f"{max(mb, 0.01):.2f}"


def check(upload: File, name: str) -> Detected:
    """What the upload is, if it may be kept; else FileTooLarge or FileRefused naming the file,
    what it really is and what is allowed. Leaves the upload rewound."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = upload.size
    if size is not None and size > limit:
        raise FileTooLarge(
            _("“%(name)s” is %(size)s MB: an evidence file may be at most %(limit)s MB."),
            params={"name": name, "size": size_in_mb(size), "limit": size_in_mb(limit)},
        )
    allowed = allowed_kinds()
    detected = detect(upload, name)
    if detected.kind in {k.code for k in allowed}:
        return detected
    claimed = EXTENSIONS.get(extension(name))
    params = {"name": name, "actual": detected.what, "allowed": Listing(allowed)}
    if claimed is not None and claimed != (detected.kind or detected.family):
        raise FileRefused(
            _("“%(name)s” is not %(claimed)s: it is %(actual)s. Allowed: %(allowed)s."),
            params={**params, "claimed": KINDS[claimed].phrase},
        )
    raise FileRefused(
        _("“%(name)s” cannot be uploaded: it is %(actual)s. Allowed: %(allowed)s."),
        params=params,
    )


def detect(upload: File, name: str = "") -> Detected:
    """What the upload is, from its content; `name` only picks, among office documents, those
    shown as WPS files. Leaves the upload rewound."""
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    try:
        if not head:
            return EMPTY
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return _in_zip(upload, name)
        if head.startswith(olefile.MAGIC):
            return _in_ole2(upload, name)
        found = _by_magic(head)
        if found is not None and found.kind == "image" and not _image_opens(upload, found.mime):
            # A few bytes matched ("BM", "GIF"): text that starts so, or a damaged image.
            text = _text(upload)
            return text if text.kind else _other(found.mime, _("a damaged image"))
        return found or _program(head) or _pdf_after_junk(head) or _text(upload)
    finally:
        upload.seek(0)


# --- by the first bytes ------------------------------------------------------------------------

# How a refusal names what the filetype library found, by its extension (else by its family).
NAMED = {
    "exe": _("a Windows program (executable)"),
    "elf": _("a Linux program (executable)"),
    "wasm": _("a WebAssembly program (executable)"),
    "swf": _("a Flash file (executable)"),
    "crx": _("a browser extension (executable)"),
    "deb": _("an installation package (DEB)"),
    "rpm": _("an installation package (RPM)"),
    "cab": _("a Windows cabinet archive (CAB)"),
    "rtf": _("an RTF document"),
    "ps": _("a PostScript file"),
    "sqlite": _("a database file (SQLite)"),
    "dwg": _("a CAD drawing (DWG)"),
    "dcm": _("a medical image (DICOM)"),
}
ARCHIVES = {"tar", "rar", "gz", "bz2", "7z", "xz", "br", "Z", "lzo", "lz", "lz4", "zst", "ar"}


def _by_magic(head: bytes) -> Detected | None:
    guess = filetype.guess(head)
    if guess is None:
        return None
    mime, ext = guess.mime, guess.extension
    fmt = ext.upper()
    if mime in IMAGE_MIMES:
        return _kind("image", "image/png" if mime == "image/apng" else mime)
    if mime == "application/pdf":
        return _kind("pdf", mime)
    if ext in NAMED:
        return _other(mime, NAMED[ext])
    if ext in ARCHIVES:
        return _other(mime, Said(_("a compressed archive (%(format)s)"), format=fmt))
    if mime.startswith("image/"):
        return _other(mime, Said(_("an image in a format not accepted (%(format)s)"), format=fmt))
    if mime.startswith("video/"):
        return _other(mime, Said(_("a video (%(format)s)"), format=fmt))
    if mime.startswith("audio/"):
        return _other(mime, Said(_("an audio file (%(format)s)"), format=fmt))
    if mime.startswith("application/font") or ext == "eot":
        return _other(mime, Said(_("a font (%(format)s)"), format=fmt))
    return _other(mime, Said(_("a %(format)s file"), format=fmt))


# The image formats whose header Pillow reads, to confirm what the first bytes suggest.
PILLOW_READS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}


def _image_opens(upload: File, mime: str) -> bool:
    """Pillow reads the image's header (nothing is decoded); True for formats it does not
    read (HEIC, AVIF)."""
    fmt = PILLOW_READS.get(mime)
    if fmt is None:
        return True
    upload.seek(0)
    try:
        with Image.open(upload, formats=[fmt]):
            return True
    except Image.DecompressionBombError:
        return True  # an image, too large to be drawn: kept without a preview
    except Exception:  # Pillow raises many kinds on what is not its format
        return False
    finally:
        upload.seek(0)


MACH_O = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
SHORTCUT = b"\x4c\x00\x00\x00\x01\x14\x02\x00"


def _program(head: bytes) -> Detected | None:
    """Programs the filetype library does not name."""
    if head.startswith(MACH_O):
        return _other("application/x-mach-binary", _("a macOS program (executable)"))
    if head.startswith(b"\xca\xfe\xba\xbe"):
        return _other("application/octet-stream", _("a macOS or Java program (executable)"))
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"#!"):
        return _other("text/x-script", _("a script (executable)"))
    if head.startswith(SHORTCUT):
        return _other("application/x-ms-shortcut", _("a Windows shortcut (.lnk)"))
    return None


def _pdf_after_junk(head: bytes) -> Detected | None:
    """A PDF whose header is not at the very start (readers look in the first 1024 bytes)."""
    return _kind("pdf", "application/pdf") if b"%PDF-" in head[:1024] else None


# Control characters plain text never holds (tab, line breaks, form feed, ESC and the DOS end
# of file are allowed).
CONTROL = re.compile("[\x00-\x08\x0e-\x19\x1c-\x1f]")
CHUNK = 64 * 1024


def _text(upload: File) -> Detected:
    """Plain text: the whole file decodes as UTF-8 (BOM or not) or GB18030, with no NUL or
    other control bytes."""
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(upload, encoding):
            return _kind("text", "text/plain")
    return UNKNOWN


def _decodes(upload: File, encoding: str) -> bool:
    upload.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := upload.read(CHUNK):
            if b"\x00" in chunk or CONTROL.search(decoder.decode(chunk)):
                return False
        return not CONTROL.search(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return False


# --- inside a ZIP: OOXML, OFD, or another archive -----------------------------------------------

OOXML_MAIN = re.compile(r'ContentType="(application/vnd\.[^"]+)\.main\+xml"')
OOXML = "application/vnd.openxmlformats-officedocument."
OOXML_PARTS = {  # when [Content_Types].xml does not say: the main part's name
    "word/document.xml": ("word", OOXML + "wordprocessingml.document"),
    "xl/workbook.xml": ("excel", OOXML + "spreadsheetml.sheet"),
    "ppt/presentation.xml": ("powerpoint", OOXML + "presentationml.presentation"),
}
READ_AT_MOST = 1024 * 1024  # of a ZIP member read to tell the type
# What reading a damaged or unusual ZIP may raise (RuntimeError: an encrypted member).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)


def _office(code: str, mime: str, name: str) -> Detected:
    """An office document: shown as WPS when its name says so, else by its content."""
    ext = extension(name)
    if ext in WPS_MIME:
        return _kind("wps", WPS_MIME[ext])
    return _kind(code, mime)


def _with_macros(code: str, name: str) -> Detected:
    """An office document with macros (programs inside it): refused."""
    if extension(name) in WPS_MIME:
        code = "wps"
    return Detected(None, "", Said(_("%(kind)s with macros"), kind=KINDS[code].phrase), code)


def _in_zip(upload: File, name: str) -> Detected:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            types = ""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as f:
                    types = f.read(READ_AT_MOST).decode("utf-8", "replace")
            mimetype = ""
            if "mimetype" in names:
                with archive.open("mimetype") as f:
                    mimetype = f.read(100).decode("ascii", "replace").strip()
    except ZIP_ERRORS:
        return _other("application/zip", _("a damaged ZIP archive"))
    office = _ooxml(names, types)
    if office is not None:
        code, mime, macros = office
        return _with_macros(code, name) if macros else _office(code, mime, name)
    if "OFD.xml" in names:
        return _kind("ofd", "application/ofd")
    if "AndroidManifest.xml" in names and "classes.dex" in names:
        return _other("application/vnd.android.package-archive", _("an Android app (executable)"))
    if "META-INF/MANIFEST.MF" in names:
        return _other("application/java-archive", _("a Java program (executable)"))
    if mimetype.startswith("application/vnd.oasis.opendocument."):
        return _other(mimetype, _("an OpenDocument file (ODF)"))
    if mimetype == "application/epub+zip":
        return _other(mimetype, _("an e-book (EPUB)"))
    return _other("application/zip", _("a ZIP archive"))


def _ooxml(names: set[str], types: str) -> tuple[str, str, bool] | None:
    """(kind code, MIME type, has macros) of an OOXML package, else None."""
    macros = any(n.lower().endswith("vbaproject.bin") for n in names)
    for main in OOXML_MAIN.findall(types):
        macros = macros or "macroenabled" in main.lower()
        for family, code in (
            ("wordprocessingml", "word"),
            ("spreadsheetml", "excel"),
            ("presentationml", "powerpoint"),
            ("ms-word", "word"),
            ("ms-excel", "excel"),
            ("ms-powerpoint", "powerpoint"),
        ):
            if family in main:
                return code, main, macros
    for part, (code, mime) in OOXML_PARTS.items():
        if part in names:
            return code, mime, macros
    return None


# --- inside an OLE2 file: Word, Excel, PowerPoint 97–2003, or something else -------------------

MSI_CLSIDS = {
    "000C1084-0000-0000-C000-000000000046",  # installer package (.msi)
    "000C1086-0000-0000-C000-000000000046",  # patch (.msp)
    "000C1082-0000-0000-C000-000000000046",  # transform (.mst)
}


def _in_ole2(upload: File, name: str) -> Detected:
    try:
        ole = olefile.OleFileIO(upload)
        try:
            entries = {"/".join(e).lower() for e in ole.listdir(streams=True, storages=True)}
            clsid = (ole.root.clsid or "").upper() if ole.root is not None else ""
        finally:
            ole.close()
    except Exception:  # olefile raises many kinds on a damaged file; each means "damaged"
        return _other("application/x-ole-storage", _("a damaged Office 97–2003 file"))
    if clsid in MSI_CLSIDS:
        return _other("application/x-msi", _("a Windows installer package (executable)"))
    top = {e.split("/")[0] for e in entries}
    if "worddocument" in top:
        if "macros" in top:
            return _with_macros("word", name)
        return _office("word", OFFICE_MIMES["word"], name)
    if "workbook" in top or "book" in top:
        if "_vba_project_cur" in top:
            return _with_macros("excel", name)
        return _office("excel", OFFICE_MIMES["excel"], name)
    if "powerpoint document" in top:
        return _office("powerpoint", OFFICE_MIMES["powerpoint"], name)
    if "encryptedpackage" in top:  # a password-protected OOXML file: its kind is inside
        claimed = EXTENSIONS.get(extension(name))
        if claimed in ("word", "excel", "powerpoint", "wps"):
            mime = WPS_MIME.get(extension(name)) or OFFICE_MIMES.get(claimed)
            return _kind(claimed, mime)
        return _other("application/x-ole-storage", _("an encrypted Office document"))
    if any(e.startswith("__substg1.0_") for e in top):
        return _other("application/vnd.ms-outlook", _("an Outlook message"))
    return _other("application/x-ole-storage", _("an OLE2 compound file of another kind"))
