"""Moving an existing ledger in through the API: upload (mapping, unit matches and unknown words
suggested), the office's choices, the plan, applying once, the report; the office only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectify.ledger.models import Measure, SheetImport
from tests.factories import make_unit
from tests.ledger.sheets.ledgers import messy_csv, messy_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE_LIMIT = "100000/min"


@pytest.fixture
def post_file(client, token_for):
    def post(user, name, content, url="/campaigns/world/ledger-migrations"):
        headers = {"Authorization": f"Bearer {token_for(user)}"}
        data = {"file": SimpleUploadedFile(name, content)}
        return client.post(f"/api/v1{url}", data, headers=headers)

    return post


@pytest.fixture
def put(client, token_for):
    def call(user, path, body):
        headers = {"Authorization": f"Bearer {token_for(user)}"}
        return client.put(f"/api/v1{path}", body, content_type="application/json", headers=headers)

    return call


def test_the_whole_flow(world, api, post_file, put, tmp_path):
    make_unit("办公厅（室）", world.ministry)
    path = tmp_path / "台账.xlsx"
    messy_xlsx(path)
    resp = post_file(world.office, "台账.xlsx", path.read_bytes())
    assert resp.status_code == 201, resp.content
    body = resp.json()
    mid = body["id"]
    assert body["status"] == "uploaded"
    assert body["mapping"]["status"] == "整改情况 / 完成情况"
    assert body["rows"] == 7 and body["header_rows"] == [2, 3]
    assert body["unknown_words"] == {"搁置": 1}
    units = {u["name"]: u for u in body["units"]}
    assert units["乙省民政局"]["unit_id"] is None
    assert units["乙省民政局"]["suggestions"][0]["id"] == world.bureau_b.pk
    assert {f["name"] for f in body["fields"] if f["required"]} == {
        "problem",
        "content",
        "responsible_unit",
    }

    plan = api(world.office).get(f"/ledger-migrations/{mid}/plan").json()
    assert (plan["problems"], plan["measures"]) == (3, 4)
    assert [r["row"] for r in plan["refused"]] == [6, 7, 8]

    resp = put(
        world.office,
        f"/ledger-migrations/{mid}/choices",
        {"units": {"乙省民政局": world.bureau_b.pk}, "states": {"搁置": "in_progress"}},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["unknown_words"] == {}
    assert resp.json()["options"]["units"] == {"乙省民政局": world.bureau_b.pk}

    assert api(world.office).get(f"/ledger-migrations/{mid}/report").status_code == 409
    report = api(world.office).post(f"/ledger-migrations/{mid}/apply")
    assert report.status_code == 200, report.content
    report = report.json()
    assert (report["problems"], report["measures"]) == (5, 6)
    assert report["refused"] == [
        {"row": 7, "column": "整改时限", "reason": report["refused"][0]["reason"]}
    ]
    assert "下个月" in report["refused"][0]["reason"]
    assert api(world.office).get(f"/ledger-migrations/{mid}/report").json() == report
    assert api(world.office).post(f"/ledger-migrations/{mid}/apply").status_code == 409
    assert put(world.office, f"/ledger-migrations/{mid}/choices", {}).status_code == 409
    assert Measure.objects.filter(content="编印政策问答手册").exists()


def test_a_gbk_csv(world, post_file):
    resp = post_file(world.office, "台账.csv", messy_csv())
    assert resp.status_code == 201, resp.content
    assert resp.json()["mapping"]["problem"] == "问题描述"
    assert resp.json()["preview"][0]["problem"] == "基层考核事项多、频次高，基层负担重"


@pytest.mark.parametrize("who", ["leader", "liaison", "viewer", "supervisor", "group"])
def test_only_the_office(world, api, post_file, who):
    user = world.personas[who]
    assert post_file(user, "台账.csv", messy_csv()).status_code == 403
    mid = post_file(world.office, "台账.csv", messy_csv()).json()["id"]
    assert api(user).get(f"/ledger-migrations/{mid}").status_code == 403
    assert api(user).post(f"/ledger-migrations/{mid}/apply").status_code == 403
    assert api(world.outsider).get(f"/ledger-migrations/{mid}").status_code == 404
    assert SheetImport.objects.get().status == SheetImport.Status.UPLOADED


def test_refusals(world, api, post_file, put):
    resp = post_file(world.office, "台账.xlsx", b"%PDF-1.4 not a sheet")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "file"
    mid = post_file(world.office, "台账.csv", messy_csv()).json()["id"]
    path = f"/ledger-migrations/{mid}/choices"
    assert put(world.office, path, {"units": {"甲省民政厅": 10**9}}).status_code == 403
    assert put(world.office, path, {"states": {"搁置": "lost"}}).status_code == 400
    assert put(world.office, path, {"mapping": {"nonsense": "序号"}}).status_code == 400
    assert put(world.office, path, {"mapping": {"problem": ""}}).status_code == 200
    resp = api(world.office).post(f"/ledger-migrations/{mid}/apply")
    assert resp.status_code == 400 and resp.json()["code"] == "mapping_missing"
