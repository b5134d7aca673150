"""Importing spreadsheets through the API: who may (office and work-group members), previews of
messy files, uploads run by the worker (run here at once by the immediate backend), good rows
versus all or nothing, idempotent re-imports, the .xlsx report, undo, and refusals in the API's
error shape naming the file."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from rectify.feedback.models import FeedbackItem, ImportBatch
from rectify.ledger import services
from tests.core.spreadsheets import messy

pytestmark = pytest.mark.django_db

NOT_IMPORTERS = ["leader", "supervisor", "viewer", "liaison"]


@pytest.fixture(autouse=True)
def _worker_runs_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.API_RATE_LIMIT = "100000/min"


@pytest.fixture
def upload(client, token_for, django_capture_on_commit_callbacks):
    """upload(user, path, fields, url=…) → the answer to a multipart POST; what the request
    enqueued has run when it returns (as the worker would once the request commits)."""

    def post(user, path, fields=None, *, url="/campaigns/world/imports", scope="write", **headers):
        data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), **(fields or {})}
        headers["Authorization"] = f"Bearer {token_for(user, scope)}"
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/v1{url}", data, headers=headers)

    return post


@pytest.fixture
def run(api, django_capture_on_commit_callbacks):
    """run(user, path, body) → POST under /api/v1, with what it enqueued run."""

    def post(user, path, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post(path, body or {})

    return post


def items(world):
    return FeedbackItem.objects.filter(campaign=world.campaign)


def imported(resp, api, user):
    """The batch as GET /imports/{id} shows it after the answer `resp`."""
    assert resp.status_code == 202, resp.content
    assert resp["Location"] == f"/api/v1/imports/{resp.json()['id']}"
    return api(user).get(resp.json()["url"]).json()


# --- fields and previews ---------------------------------------------------------------------


def test_the_fields_are_listed_with_their_labels(api, world):
    resp = api(world.viewer).get("/import-fields")
    assert resp.status_code == 200
    by_name = {f["name"]: f for f in resp.json()}
    assert set(by_name) >= {"text", "title", "received_at", "region", "external_id", "submitter"}
    assert by_name["text"]["required"] and by_name["text"]["label"] == "内容"
    assert "留言详情" in by_name["text"]["headers"]


def test_a_gbk_csv_is_previewed_with_suggested_columns_and_parsed_values(upload, world, tmp_path):
    path = messy.gbk_csv(tmp_path / "省厅反馈.csv", messy.feedback_rows(12))
    resp = upload(world.office, path, {"limit": "3"}, url="/campaigns/world/import-preview")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["file_name"] == "省厅反馈.csv"
    assert [c["header"] for c in body["columns"]] == messy.HEADERS
    assert body["mapping"]["text"] == "内容" and body["mapping"]["external_id"] == "编号"
    assert len(body["rows"]) == 3 and body["rows"][0]["row"] == 2
    first = body["rows"][0]
    assert first["values"]["external_id"] == "GD-01-000001"
    assert first["values"]["kind"] in ("问题", "建议") and first["problems"] == []
    assert any("GB18030" in n["message"] for n in body["notes"])
    assert body["error"] is None
    assert not ImportBatch.objects.exists()  # a preview stores nothing


def test_the_preview_shows_each_bad_cell_where_excel_shows_it(upload, world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "广东省反馈.xlsx")
    resp = upload(world.group, path, {"kind": "problem"}, url="/campaigns/world/import-preview")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["sheet"] == "汇总"
    assert {"name": "说明", "hidden": True} in body["sheets"]
    assert body["mapping"]["submitter"] == "提交人 / 姓名"  # the merged two-row header
    problems = {p["row"]: p for r in body["rows"] for p in r["problems"]}
    assert sorted(problems) == [9, 10, 11]
    assert (problems[9]["column"], problems[9]["header"], problems[9]["code"]) == (
        "E",
        "地区",
        "region_unknown",
    )
    assert "火星" in problems[9]["message"] and problems[9]["message_en"].startswith("Unknown")


def test_columns_that_cannot_work_are_said_in_the_preview(upload, world, tmp_path):
    path = messy.write_csv(tmp_path / "x.csv", [["甲", "乙"]], headers=["栏一", "栏二"])
    resp = upload(world.office, path, {}, url="/campaigns/world/import-preview")
    assert resp.status_code == 200
    body = resp.json()
    assert body["error"]["code"] == "text_unmapped" and body["rows"] == []
    chosen = upload(
        world.office,
        path,
        {"columns": '{"text": "栏二"}', "kind": "建议"},
        url="/campaigns/world/import-preview",
    ).json()
    assert chosen["error"] is None and chosen["rows"][0]["values"]["text"] == "乙"


# --- bad files and bad choices ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "name", "code"),
    [
        (messy.corrupt_xlsx, "损坏.xlsx", "file_corrupt"),
        (messy.truncated_xlsx, "半截.xlsx", "file_corrupt"),
        (messy.empty_file, "空.csv", "file_empty"),
        (messy.pdf_file, "通知.xlsx", "file_pdf"),
    ],
)
@pytest.mark.parametrize("url", ["/campaigns/world/imports", "/campaigns/world/import-preview"])
def test_a_bad_file_is_refused_naming_it(upload, world, tmp_path, writer, name, code, url):
    resp = upload(world.office, writer(tmp_path / name), {"kind": "problem"}, url=url)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == code
    assert name in body["message"] and name in body["message_en"]
    assert body["errors"] == [{"field": "file", "message": body["message"]}]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"columns": "not json"}, "invalid", "columns"),
        ({"columns": '{"text": 1}'}, "invalid", "columns"),
        ({"columns": '{"text": "\\u0000"}'}, "invalid", "columns"),
        ({"columns": '{"text": "没有这列"}'}, "column_missing", "columns"),
        ({"columns": '{"colour": "内容"}'}, "field_unknown", "columns"),
        ({"columns": '{"title": "标题"}', "kind": "problem"}, "text_unmapped", "columns.text"),
        ({"mapping": "没有"}, "mapping_missing", "mapping"),
        ({"sheet": "第九页"}, "sheet_missing", "sheet"),
        ({"region": "火星"}, "default_invalid", "region"),
        ({"mode": "sometimes"}, "invalid", "mode"),
    ],
)
def test_choices_that_cannot_work_are_422_naming_the_input(
    upload, world, tmp_path, fields, code, field
):
    path = messy.bom_csv(tmp_path / "a.csv")
    resp = upload(world.office, path, fields)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == code
    assert [e["field"] for e in body["errors"]] == [field]
    assert not ImportBatch.objects.exists()


def test_no_kind_column_and_no_default_kind_is_refused(upload, world, tmp_path):
    path = messy.write_csv(tmp_path / "k.csv", [["路灯不亮"]], headers=["内容"])
    resp = upload(world.office, path)
    assert (resp.status_code, resp.json()["code"]) == (422, "kind_unmapped")
    assert resp.json()["errors"][0]["field"] == "kind"


# --- importing -------------------------------------------------------------------------------


def test_a_bom_csv_is_imported_and_a_second_upload_adds_nothing(upload, api, world, tmp_path):
    path = messy.bom_csv(tmp_path / "市局.csv", messy.feedback_rows(20))
    first = imported(upload(world.office, path), api, world.office)
    assert first["status"] == "done" and first["file_kind"] == "csv"
    assert first["summary"] == "read 20, imported 20, already present 0, refused 0"
    assert first["progress"]["percent"] == 100 and first["created_by"] == "office"
    assert first["columns"]["text"] == "内容"
    assert items(world).filter(import_batch_id=first["id"]).count() == 20
    again = imported(upload(world.office, path), api, world.office)
    assert again["summary"] == "read 20, imported 0, already present 20, refused 0"
    assert again["duplicates"][0]["code"] == "duplicate_in_campaign"
    assert "already in the campaign" in again["duplicates"][0]["message_en"].lower()
    assert items(world).count() == 20


def test_good_rows_are_imported_and_bad_ones_listed(upload, api, world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "m.xlsx")
    batch = imported(upload(world.group, path, {"kind": "problem"}), api, world.group)
    assert batch["summary"] == "read 8, imported 5, already present 0, refused 3"
    assert [(p["row"], p["column"]) for p in batch["problems"]] == [
        (9, "E"),
        (10, "G"),
        (11, "F"),
    ]
    assert any("隐藏" in n["message"] or "说明" in n["message"] for n in batch["notes"])
    page = api(world.group).get(f"/imports/{batch['id']}/problems", page=2, page_size=2).json()
    assert page["count"] == 3 and [p["row"] for p in page["items"]] == [11]


def test_all_or_nothing_imports_nothing_until_good_rows_are_chosen(
    upload, run, api, world, tmp_path
):
    resp = upload(
        world.office,
        messy.messy_xlsx(tmp_path / "m.xlsx"),
        {"mode": "all_or_nothing", "kind": "问题"},
    )
    batch = imported(resp, api, world.office)
    assert batch["status"] == "rejected" and batch["rows_refused"] == 3
    assert not items(world).exists()
    resp = run(world.office, f"/imports/{batch['id']}/run", {"mode": "good_rows"})
    assert resp.status_code == 202, resp.content
    done = api(world.office).get(f"/imports/{batch['id']}").json()
    assert done["status"] == "done" and done["mode"] == "good_rows"
    assert items(world).count() == 5
    # Once imported it cannot run again.
    again = run(world.office, f"/imports/{batch['id']}/run")
    assert (again.status_code, again.json()["code"]) == (409, "batch_state")


def test_validate_only_checks_and_imports_nothing_then_run_imports(
    upload, run, api, client, world, tmp_path, django_capture_on_commit_callbacks
):
    path = messy.gbk_csv(tmp_path / "g.csv", messy.feedback_rows(6))
    batch = imported(upload(world.office, path, {"validate_only": "true"}), api, world.office)
    assert batch["status"] == "validated" and batch["rows_read"] == 6
    assert not items(world).exists()
    assert run(world.office, f"/imports/{batch['id']}/validate").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):  # no body: the batch's mode
        bare = client.post(
            f"/api/v1/imports/{batch['id']}/run",
            b"",
            content_type="application/json",
            headers=api(world.office).headers,
        )
    assert bare.status_code == 202, bare.content
    assert api(world.office).get(f"/imports/{batch['id']}").json()["rows_imported"] == 6


def test_the_stored_file_is_previewed_with_the_batch_columns(upload, api, world, tmp_path):
    path = messy.gbk_csv(tmp_path / "g.csv", messy.feedback_rows(6))
    batch = imported(upload(world.office, path, {"validate_only": "true"}), api, world.office)
    resp = api(world.office).get(f"/imports/{batch['id']}/preview", limit=2)
    assert resp.status_code == 200, resp.content
    assert resp.json()["mapping"] == batch["columns"] and len(resp.json()["rows"]) == 2


def test_the_report_is_a_real_spreadsheet(upload, api, world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "广东省反馈.xlsx")
    batch = imported(upload(world.office, path, {"kind": "problem"}), api, world.office)
    resp = api(world.office).get(f"/imports/{batch['id']}/report")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in resp["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(resp.content))
    refused = book.get_sheet_by_index(0).to_python()
    assert refused[0][:4] == ["文件", "工作表", "行", "列"]
    assert [(r[0], r[1], int(r[2]), r[3]) for r in refused[1:]] == [
        ("广东省反馈.xlsx", "汇总", 9, "E"),
        ("广东省反馈.xlsx", "汇总", 10, "G"),
        ("广东省反馈.xlsx", "汇总", 11, "F"),
    ]
    english = api(world.office).get(f"/imports/{batch['id']}/report", lang="en")
    header = CalamineWorkbook.from_filelike(io.BytesIO(english.content))
    assert header.get_sheet_by_index(0).to_python()[0][0] == "File"


def test_a_named_mapping_is_saved_listed_and_used(upload, api, world, tmp_path):
    rows = messy.feedback_rows(4)
    headers = ["序", "意见", "日期"]
    first = messy.write_csv(
        tmp_path / "a.csv", [[i, r[3], r[7]] for i, r in enumerate(rows)], headers=headers
    )
    fields = {
        "columns": '{"text": "意见", "received_at": "日期"}',
        "kind": "suggestion",
        "save_mapping_as": "某省格式",
    }
    batch = imported(upload(world.office, first, fields), api, world.office)
    assert batch["column_mapping"] == "某省格式" and batch["rows_imported"] == 4
    listed = api(world.group).get("/campaigns/world/import-mappings").json()
    assert [m["name"] for m in listed["items"]] == ["某省格式"]
    assert listed["items"][0]["columns"] == {"text": "意见", "received_at": "日期"}
    second = messy.write_csv(
        tmp_path / "b.csv", [[i, r[3] + "！", r[7]] for i, r in enumerate(rows)], headers=headers
    )
    preview = upload(world.group, second, {}, url="/campaigns/world/import-preview").json()
    assert preview["saved_mapping"] == "某省格式" and preview["defaults"]["kind"] == "suggestion"
    named = imported(upload(world.group, second, {"mapping": "某省格式"}), api, world.group)
    assert named["rows_imported"] == 4 and named["columns"]["text"] == "意见"


def test_a_retried_upload_with_the_same_key_makes_one_batch(upload, world, tmp_path):
    path = messy.bom_csv(tmp_path / "a.csv")
    key = {"Idempotency-Key": "bureau-2026-11-28-1"}
    first = upload(world.office, path, {"kind": "problem"}, **key)
    second = upload(world.office, path, {"kind": "problem"}, **key)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert ImportBatch.objects.count() == 1
    other = upload(world.office, path, {"kind": "suggestion"}, **key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


def test_an_upload_over_the_limit_is_413(upload, world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    resp = upload(world.office, messy.bom_csv(tmp_path / "a.csv"))
    assert (resp.status_code, resp.json()["code"]) == (413, "too_large")


# --- undo ------------------------------------------------------------------------------------


def test_undo_deletes_the_items_once_and_not_after_a_merge(upload, run, api, world, tmp_path):
    a = imported(upload(world.group, messy.gbk_csv(tmp_path / "a.csv")), api, world.group)
    resp = run(world.group, f"/imports/{a['id']}/undo")
    assert resp.status_code == 200, resp.content
    assert resp.json()["deleted"] == 5 and resp.json()["batch"]["status"] == "undone"
    assert not items(world).exists()
    again = run(world.group, f"/imports/{a['id']}/undo")
    assert (again.status_code, again.json()["code"]) == (409, "undo_state")

    b = imported(upload(world.office, messy.gbk_csv(tmp_path / "b.csv")), api, world.office)
    services.merge_feedback(world.problem, [items(world).first()], actor=world.office)
    refused = run(world.office, f"/imports/{b['id']}/undo")
    assert (refused.status_code, refused.json()["code"]) == (409, "undo_merged")
    assert "合并" in refused.json()["message"] or "归并" in refused.json()["message"]
    assert items(world).count() == 5


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "group"])
def test_the_office_and_work_group_members_import(upload, api, world, tmp_path, who):
    user = getattr(world, who)
    batch = imported(upload(user, messy.bom_csv(tmp_path / "a.csv")), api, user)
    assert batch["rows_imported"] == 5 and batch["created_by"] == who


@pytest.mark.parametrize("who", NOT_IMPORTERS)
def test_other_roles_may_not_import_nor_list(upload, api, world, tmp_path, who):
    user = getattr(world, who)
    path = messy.bom_csv(tmp_path / "a.csv")
    assert upload(user, path).status_code == 403
    assert upload(user, path, url="/campaigns/world/import-preview").status_code == 403
    assert api(user).get("/campaigns/world/imports").status_code == 403
    assert api(user).get("/campaigns/world/import-mappings").status_code == 403
    assert not ImportBatch.objects.exists()


def test_outsiders_find_nothing(upload, api, world, tmp_path):
    batch = imported(upload(world.office, messy.bom_csv(tmp_path / "a.csv")), api, world.office)
    outsider = api(world.outsider)
    assert upload(world.outsider, messy.bom_csv(tmp_path / "b.csv")).status_code == 404
    assert outsider.get("/campaigns/world/imports").status_code == 404
    for path in ("", "/report", "/problems", "/preview"):
        assert outsider.get(f"/imports/{batch['id']}{path}").status_code == 404
    assert outsider.post(f"/imports/{batch['id']}/undo").status_code == 404


def test_a_member_sees_their_own_batches_the_office_all(upload, run, api, world, tmp_path):
    mine = imported(upload(world.group, messy.bom_csv(tmp_path / "a.csv")), api, world.group)
    office = imported(
        upload(world.office, messy.gbk_csv(tmp_path / "b.csv", messy.feedback_rows(3, seed=4))),
        api,
        world.office,
    )
    listed = api(world.group).get("/campaigns/world/imports").json()
    assert [b["id"] for b in listed["items"]] == [mine["id"]]
    everything = api(world.office).get("/campaigns/world/imports", status="done").json()
    assert [b["id"] for b in everything["items"]] == [office["id"], mine["id"]]
    assert api(world.group).get(f"/imports/{office['id']}").status_code == 404
    assert run(world.group, f"/imports/{office['id']}/undo").status_code == 404
    # The office may undo a member's import.
    assert run(world.office, f"/imports/{mine['id']}/undo").status_code == 200


def test_a_read_only_token_may_read_but_not_import(upload, api, run, world, tmp_path):
    batch = imported(upload(world.office, messy.bom_csv(tmp_path / "a.csv")), api, world.office)
    resp = upload(world.office, messy.bom_csv(tmp_path / "b.csv"), scope="read")
    assert (resp.status_code, resp.json()["code"]) == (403, "read_only_token")
    reader = api(world.office, scope="read")
    assert reader.get(f"/imports/{batch['id']}").status_code == 200
    assert reader.post(f"/imports/{batch['id']}/undo").json()["code"] == "read_only_token"
    assert ImportBatch.objects.count() == 1 and items(world).count() == 5


def test_unknown_batches_are_404(api, world):
    assert api(world.office).get("/imports/999999").status_code == 404
    assert api(world.office).post("/imports/999999/run").status_code == 404
