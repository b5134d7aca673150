"""Everything the pages load is served by us: no CDN, no external fonts, no remote resources."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("pinned_today")

RECTIFY = Path(settings.BASE_DIR) / "rectify"
TEMPLATES = RECTIFY / "templates"
STATIC = RECTIFY / "static"
VENDOR = STATIC / "vendor"
URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*")
# Namespaces are identifiers, not downloads (Bootstrap's inline SVG icons declare one).
NAMESPACES = ("http://www.w3.org/",)
# URLs that vendored files mention in licence banners and error messages, never load.
VENDOR_MENTIONS = (
    "https://getbootstrap.com/",
    "https://github.com/twbs/bootstrap/",
    "https://github.com/floating-ui/",
    "http://www.apache.org/licenses/",  # ECharts' licence banner
    "https://github.com/ecomfe/zrender/blob/master/LICENSE",
)


def own_files():
    yield from (p for p in TEMPLATES.rglob("*") if p.is_file())
    yield from (
        p for p in STATIC.rglob("*") if p.is_file() and VENDOR not in p.parents and p.suffix
    )


def test_templates_and_our_static_files_name_no_remote_resource():
    offenders = []
    for path in own_files():
        for url in re.findall(r"https?://\S+", path.read_text(encoding="utf-8")):
            if not url.startswith(NAMESPACES):
                offenders.append(f"{path.relative_to(RECTIFY)}: {url}")
    assert offenders == []


def test_vendored_files_load_nothing_remote():
    offenders = []
    for path in VENDOR.rglob("*"):
        licence = path.name.startswith("LICENSE") or path.name in ("NOTICE", "README.md")
        if not path.is_file() or licence or path.suffix == ".map":
            continue
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"https?://[^\s\"'<>)]+", text):
            if not url.startswith(NAMESPACES + VENDOR_MENTIONS):
                offenders.append(f"{path.name}: {url}")
        if re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", text):
            offenders.append(f"{path.name}: @import or remote url()")
        if re.search(r"@font-face", text):
            offenders.append(f"{path.name}: web font")
    assert offenders == []


def test_vendored_libraries_carry_their_licences_and_a_readme():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for folder, name in (("bootstrap-5.3.9", "Bootstrap"), ("htmx-2.0.11", "htmx")):
        assert (VENDOR / folder / "LICENSE").read_text(encoding="utf-8").strip()
        assert name in readme
        assert folder.rsplit("-", 1)[1] in readme


def test_our_stylesheet_uses_system_chinese_fonts_only():
    css = (STATIC / "css" / "rectify.css").read_text(encoding="utf-8")
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC"):
        assert font in css
    assert "@font-face" not in css and "@import" not in css


@pytest.mark.django_db
def test_rendered_pages_load_only_local_assets(client, world):
    client.force_login(world.office)
    pages = [
        reverse("login"),
        reverse("campaign-home", args=["world"]),
        reverse("problem-list", args=["world"]),
        reverse("problem-detail", args=["world", world.problem.number]),
        reverse("measure-detail", args=[world.measure_a.pk]),
        reverse("measure-edit", args=[world.measure_a.pk]),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        refs = re.findall(r'(?:src|href|action)="([^"]*)"', html)
        assert refs, page
        remote = [r for r in refs if URL.match(r) or r.startswith("//")]
        assert remote == [], page
        for ref in re.findall(r'(?:src|href)="/static/([^"?#]+)"', html):
            assert finders.find(ref), f"{page} references missing static file {ref}"
