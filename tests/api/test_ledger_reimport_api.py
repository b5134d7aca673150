"""Reading an edited ledger back through the API: upload with its diff, the diff again, apply;
who may, and refusals naming the file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectify.ledger import services
from rectify.ledger.models import Measure
from tests.ledger.sheets.sheet_edits import KEY_HEADER, Edited, export_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE_LIMIT = "100000/min"


@pytest.fixture
def upload(client, token_for):
    def post(user, path, slug="world"):
        data = {"file": SimpleUploadedFile(path.name, path.read_bytes())}
        headers = {"Authorization": f"Bearer {token_for(user)}"}
        return client.post(f"/api/v1/campaigns/{slug}/ledger-reimports", data, headers=headers)

    return post


@pytest.fixture
def edited(world, tmp_path):
    services.start(world.measure_a, actor=world.office)
    services.start(world.measure_b, actor=world.office)
    path = export_to(tmp_path / "台账.xlsx", Measure.objects.filter(campaign=world.campaign))
    sheet = Edited(path)
    sheet.set(world.measure_a, "备注", "接口改的")
    sheet.set(world.measure_b, "备注", "别的单位")
    sheet.save()
    return path


def test_upload_diff_apply(world, edited, upload, api):
    answer = upload(world.liaison, edited)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "uploaded" and body["uploaded_by"] == "liaison"
    diff = body["diff"]
    assert diff["changes"] == 1
    [changed] = diff["changed"]
    assert changed["measure"] == world.measure_a.pk
    assert [(f["header"], f["before"], f["after"]) for f in changed["fields"]] == [
        ("备注", "", "接口改的")
    ]
    [refused] = diff["refused"]
    assert refused["code"] == "not_yours" and refused["header"] == KEY_HEADER
    assert refused["message"] and refused["message_en"] and refused["column"]
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == ""

    again = api(world.liaison).get(body["url"])
    assert again.status_code == 200 and again.json()["diff"]["changes"] == 1
    assert api(world.liaison2).get(body["url"]).status_code == 404  # not their upload
    assert api(world.office).get(body["url"]).status_code == 200

    applied = api(world.liaison).post(f"{body['url']}/apply")
    assert applied.status_code == 200, applied.json()
    assert applied.json()["status"] == "applied" and applied.json()["diff"]["changes"] == 1
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == "接口改的"
    assert Measure.objects.get(pk=world.measure_b.pk).remarks == ""
    assert api(world.liaison).post(f"{body['url']}/apply").status_code == 409


def test_who_may_upload(world, edited, upload):
    for who in (world.viewer, world.supervisor, world.leader):
        assert upload(who, edited).status_code == 403
    assert upload(world.outsider, edited).status_code == 404


def test_a_file_without_the_key_column_is_422_naming_it(world, tmp_path, upload):
    path = export_to(tmp_path / "坏的.xlsx", Measure.objects.filter(campaign=world.campaign))
    sheet = Edited(path)
    sheet.delete_column(KEY_HEADER)
    sheet.save()
    answer = upload(world.office, path)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "no_key_column" and "坏的.xlsx" in body["message"]
    assert body["errors"][0]["field"] == "file"


def test_a_file_too_large_is_413(world, edited, upload, settings):
    settings.LEDGER_SHEET_MAX_BYTES = 1000
    assert upload(world.office, edited).status_code == 413
