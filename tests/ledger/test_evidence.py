"""Evidence that can be trusted (issue 11): checked by its content before it is stored, stored
once per content, previewed once per content, shown as cards, every download in the log."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from rectify.audit.models import ActivityLog
from rectify.audit.timeline import timeline
from rectify.core.errors import FileRefused, FileTooLarge
from rectify.ledger import previews, services
from rectify.ledger.models import Evidence
from tests.factories import add_evidence
from tests.helpers import attrs, image_bytes, pdf_bytes, texts, xlsx_bytes

pytestmark = pytest.mark.django_db

PE = b"MZ\x90\x00" + bytes(300)


def stored_files() -> list[str]:
    shards, _ = default_storage.listdir("evidence")
    return [name for shard in shards for name in default_storage.listdir(f"evidence/{shard}")[1]]


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


def preview_of(evidence) -> bytes:
    with default_storage.open(previews.preview_name(evidence.sha256), "rb") as f:
        return f.read()


def test_a_disguised_program_is_refused_and_nothing_is_stored(world):
    with pytest.raises(FileRefused) as refused:
        add_evidence(world.measure_a, world.liaison, PE, "整改报告.pdf")
    assert "“整改报告.pdf” is not a PDF: it is a Windows program" in refused.value.render("en")
    assert not Evidence.objects.exists()
    assert not default_storage.exists("evidence")
    assert not ActivityLog.objects.filter(action="evidence.create").exists()


@override_settings(EVIDENCE_MAX_BYTES=1000)
def test_an_oversize_file_is_refused_with_the_limit_named(world):
    with pytest.raises(FileTooLarge) as refused:
        add_evidence(world.measure_a, world.liaison, b"x" * 1001, "大文件.txt")
    assert "“大文件.txt”" in refused.value.render("en")
    assert "at most 0.01 MB" in refused.value.render("en")
    assert not Evidence.objects.exists()


def test_someone_who_may_not_change_the_measure_is_refused_before_the_file_is_read(world):
    from rectify.core.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        add_evidence(world.measure_a, world.viewer, PE, "a.pdf")


def test_the_detected_type_is_stored_not_the_clients_claim(world):
    evidence = services.add_evidence(
        world.measure_a,
        actor=world.liaison,
        upload=ContentFile(xlsx_bytes()),
        name="台账.xlsx",
        content_type="application/x-msdownload",
    )
    assert evidence.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_a_duplicate_upload_is_stored_once(world):
    content = image_bytes("JPEG")
    first = add_evidence(world.measure_a, world.liaison, content, "现场.jpg")
    second = add_evidence(world.measure_a, world.office, content, "现场（重传）.jpg")
    assert first.sha256 == second.sha256 and first.file.name == second.file.name
    assert stored_files() == [first.sha256]
    assert default_storage.listdir(f"previews/{first.sha256[:2]}")[1] == [f"{first.sha256}.png"]


def test_an_image_gets_a_small_preview_made_once(world, monkeypatch):
    evidence = add_evidence(
        world.measure_a, world.liaison, image_bytes("PNG", (1200, 600)), "a.png"
    )
    assert png_size(preview_of(evidence)) == (480, 240)
    assert previews.preview_url(evidence) == reverse("evidence-preview", args=[evidence.pk])

    def no_drawing(f):
        raise AssertionError("drawn again")

    monkeypatch.setattr(previews, "_image", no_drawing)
    again = add_evidence(world.measure_b, world.office, image_bytes("PNG", (1200, 600)), "b.png")
    assert previews.has_preview(again)


def test_a_pdf_gets_a_preview_of_its_first_page(world):
    evidence = add_evidence(world.measure_a, world.liaison, pdf_bytes(200, 300), "报告.pdf")
    assert evidence.content_type == "application/pdf"
    assert png_size(preview_of(evidence)) == (320, 480)


def test_a_broken_pdf_or_a_huge_image_is_kept_without_a_preview(world, monkeypatch):
    broken = add_evidence(world.measure_a, world.liaison, b"%PDF-1.7\n\xff\xfe broken", "坏.pdf")
    assert broken.pk and broken.content_type == "application/pdf"
    assert not previews.has_preview(broken)
    assert previews.preview_url(broken) is None
    monkeypatch.setattr(previews, "MAX_PIXELS", 100)
    big = add_evidence(world.measure_a, world.liaison, image_bytes("PNG", (20, 20)), "大图.png")
    assert big.pk and not previews.has_preview(big)


def test_text_and_office_files_have_no_preview(world):
    evidence = add_evidence(world.measure_a, world.liaison, "说明".encode("gbk"), "说明.txt")
    assert evidence.content_type == "text/plain"
    assert not previews.has_preview(evidence)


# --- pages -----------------------------------------------------------------------------------


def test_the_preview_page_serves_the_png_to_those_who_see_the_measure(client, world):
    evidence = add_evidence(world.measure_a, world.liaison, image_bytes("GIF"), "a.gif")
    link = reverse("evidence-preview", args=[evidence.pk])
    client.force_login(world.viewer)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert png_size(b"".join(response.streaming_content)) == (64, 48)
    for who in (world.liaison2, world.outsider):
        client.force_login(who)
        assert client.get(link).status_code == 404


def test_the_preview_page_is_404_without_a_preview(client, world):
    evidence = add_evidence(world.measure_a, world.liaison)
    client.force_login(world.office)
    assert client.get(reverse("evidence-preview", args=[evidence.pk])).status_code == 404


def test_the_measure_page_shows_evidence_as_cards(client, world):
    photo = add_evidence(world.measure_a, world.liaison, image_bytes(), "现场照片.png")
    add_evidence(world.measure_a, world.liaison, "说明".encode(), "说明.txt")
    client.force_login(world.office)
    response = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    html = response.content.decode()
    cards = texts(response, "evidence")
    assert len(cards) == 2
    assert any("说明.txt" in card and "TXT" in card for card in cards)
    (image,) = attrs(response, "evidence-preview")
    assert image["src"] == reverse("evidence-preview", args=[photo.pk])
    assert image["alt"] == "现场照片.png" and image["loading"] == "lazy"
    assert sorted(texts(response, "evidence-kind")) == ["图片", "纯文本"]
    assert photo.sha256[:12] in html
    assert "style=" not in html.split('data-testid="evidence"', 1)[1].split("</ul>", 1)[0]


# --- downloads in the activity log -------------------------------------------------------------


def test_every_download_is_recorded_with_who_and_which_file(client, world):
    evidence = add_evidence(world.measure_a, world.liaison, b"PROOF", "证明.txt")
    link = reverse("evidence-download", args=[evidence.pk])
    client.force_login(world.viewer)
    assert client.get(link).status_code == 200
    client.force_login(world.liaison2)
    assert client.get(link).status_code == 404  # not seen, not logged
    (entry,) = ActivityLog.objects.filter(action="evidence.download")
    assert entry.actor == world.viewer
    assert entry.campaign == world.campaign
    assert (entry.target_id, entry.target_repr) == (evidence.pk, "证明.txt")
    assert entry.after == {"file": "证明.txt", "sha256": evidence.sha256}


def test_downloads_are_one_line_per_file_in_the_measures_timeline(client, world):
    evidence = add_evidence(world.measure_a, world.liaison, b"PROOF", "证明.txt")
    for who in (world.viewer, world.office, world.viewer):
        services.record_download(evidence, actor=who)
    entries = [e for e in timeline([world.measure_a, evidence]) if e["times"] > 1]
    assert len(entries) == 1
    assert entries[0]["times"] == 3
    assert entries[0]["actors"] == "viewer、office"
    assert entries[0]["changes"] == []
    client.force_login(world.office)
    response = client.get(reverse("measure-detail", args=[world.measure_a.pk]))
    assert texts(response, "timeline-times") == ["3 次"]
    assert ActivityLog.objects.filter(action="evidence.download").count() == 3
