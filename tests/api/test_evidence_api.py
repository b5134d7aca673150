"""Evidence through the API (issue 11): its kind told from its content (415 naming what it
really is), the size limit (413 naming it), the detected type in the answer, downloads logged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectify.audit.models import ActivityLog
from rectify.ledger.models import Evidence
from tests.factories import add_evidence
from tests.helpers import pdf_bytes

pytestmark = pytest.mark.django_db

PE = b"MZ\x90\x00" + bytes(300)


def upload(client, caller, measure, content, name, content_type="application/pdf"):
    return client.post(
        f"/api/v1/measures/{measure.pk}/evidence",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        headers=caller.headers,
    )


def test_an_executable_is_refused_with_what_it_really_is(api, client, world):
    response = upload(client, api(world.liaison), world.measure_a, PE, "整改报告.pdf")
    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "file_type_refused"
    assert body["message_en"].startswith(
        "“整改报告.pdf” is not a PDF: it is a Windows program (executable). Allowed: images, PDF"
    )
    assert body["message"].startswith("“整改报告.pdf”不是PDF文件，而是Windows程序（可执行文件）。")
    assert not Evidence.objects.exists()


def test_an_oversize_file_is_a_413_naming_the_limit(api, client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    big = b"x" * (3 * 1024 * 1024)
    response = upload(client, api(world.liaison), world.measure_a, big, "大.txt", "text/plain")
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert body["message_en"] == "“大.txt” is 3 MB: an evidence file may be at most 2 MB."
    assert "2 MB" in body["message"]
    assert not Evidence.objects.exists()


def test_the_answer_carries_the_type_found_in_the_content(api, client, world):
    response = upload(
        client, api(world.liaison), world.measure_a, pdf_bytes(), "报告", "text/plain"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"


def test_a_download_through_the_api_is_logged(api, client, world):
    evidence = add_evidence(world.measure_a, world.liaison, b"PROOF", "证明.txt")
    caller = api(world.leader)
    response = client.get(f"/api/v1/evidence/{evidence.pk}/download", headers=caller.headers)
    assert response.status_code == 200
    (entry,) = ActivityLog.objects.filter(action="evidence.download")
    assert (entry.actor, entry.target_id) == (world.leader, evidence.pk)
    activity = caller.get("/activity", type="evidence", id=evidence.pk).json()["items"]
    assert [e["action"] for e in activity] == ["evidence.download", "evidence.create"]
