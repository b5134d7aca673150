"""Previews of evidence files: a small PNG of an image, or of a PDF's first page.

Made once per stored file, keyed by its sha256 (`previews/<sha[:2]>/<sha>.png` in the default
storage), when the file is uploaded (`services.add_evidence`); a file whose preview exists is not
drawn again. The work is bounded: images above MAX_PIXELS (after JPEG's cheap downscaling while
decoding) are not decoded, and a PDF's page is drawn at the size of the preview only. A file that
cannot be drawn (damaged, encrypted, a format Pillow cannot read such as HEIC) simply has no
preview: never an error for the upload.

Pages ask `preview_url(evidence)` (the preview page's path, or None) and the preview page
`open_preview(evidence)`; both are scoped by the caller (ledger/scoping.py).
"""

import io
import logging
import threading

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageOps

from rectify.ledger.evidence_files import kind_of

log = logging.getLogger(__name__)

SIZE = (480, 480)  # a preview fits in this box
MAX_PIXELS = 40_000_000  # the most pixels of an image decoded for a preview (a 7,300² photo)
# The formats of the image kind Pillow is asked to open (HEIC it cannot read without a plugin).
PILLOW_FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF"]
# PDFium is not thread-safe: one PDF is drawn at a time in a process.
_pdfium = threading.Lock()


def preview_name(sha256: str) -> str:
    return f"previews/{sha256[:2]}/{sha256}.png"


def has_preview(evidence) -> bool:
    return bool(evidence.sha256) and default_storage.exists(preview_name(evidence.sha256))


def preview_url(evidence) -> str | None:
    """The path of the evidence's preview page, or None when it has no preview."""
    return reverse("evidence-preview", args=[evidence.pk]) if has_preview(evidence) else None


def open_preview(evidence):
    """The preview's PNG, opened for reading, or None."""
    if not has_preview(evidence):
        return None
    return default_storage.open(preview_name(evidence.sha256), "rb")


def make_preview(evidence) -> bool:
    """Draw the evidence's preview unless it exists; True when it exists afterwards. Never
    raises for a file that cannot be drawn."""
    if not evidence.sha256:
        return False
    name = preview_name(evidence.sha256)
    if default_storage.exists(name):
        return True
    kind = kind_of(evidence.content_type)
    draw = {"image": _image, "pdf": _pdf}.get(kind.code if kind else "")
    if draw is None:
        return False
    try:
        with evidence.file.open("rb") as f:
            png = draw(f)
    except Exception:  # any failure to read or draw the file means "no preview"
        log.info("no preview for evidence %s (%s)", evidence.pk, evidence.sha256, exc_info=True)
        return False
    if png is None:
        return False
    saved = default_storage.save(name, ContentFile(png))
    if saved != name:  # another upload of the same content drew it meanwhile: keep one
        default_storage.delete(saved)
    return True


def _png(image) -> bytes:
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    image.thumbnail(SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _image(f) -> bytes | None:
    with Image.open(f, formats=PILLOW_FORMATS) as image:
        image.draft("RGB", SIZE)  # JPEG: decode at 1/2, 1/4 or 1/8 of the size, still ≥ SIZE
        width, height = image.size
        if width * height > MAX_PIXELS:
            return None
        image.load()
        return _png(ImageOps.exif_transpose(image))


def _pdf(f) -> bytes | None:
    import pypdfium2 as pdfium  # loads PDFium (a large library) only in processes that draw

    with _pdfium:
        pdf = pdfium.PdfDocument(f)
        try:
            if len(pdf) == 0:
                return None
            page = pdf[0]
            try:
                width, height = page.get_size()  # in points
                if width <= 0 or height <= 0:
                    return None
                scale = min(SIZE[0] / width, SIZE[1] / height)
                bitmap = page.render(scale=scale)
                image = bitmap.to_pil()
            finally:
                page.close()
        finally:
            pdf.close()
    return _png(image)
