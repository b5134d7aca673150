"""GET /api/v1/campaigns/{slug}/ledger.xlsx: the problem list's download through the API —
the same file, scoped and filtered the same way, streamed, logged."""

import io
from urllib.parse import unquote

from python_calamine import CalamineWorkbook

from rectify.audit.models import ActivityLog
from rectify.ledger.sheets.layout import LEDGER_COLUMNS, LEDGER_SHEET, PROBLEM_SHEET, parse_key

KEY = [c.key for c in LEDGER_COLUMNS].index("key")


def measure_ids(response) -> set[int]:
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(LEDGER_SHEET)
    return {parse_key(r[KEY]).measure_id for r in rows.to_python()[3:]}


def test_the_office_gets_the_whole_ledger_as_a_streamed_attachment(api, world):
    response = api(world.office, scope="read").get("/campaigns/world/ledger.xlsx")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    name = unquote(response["Content-Disposition"].split("filename*=utf-8''", 1)[1])
    assert name.startswith("测试专项工作整改台账_") and name.endswith(".xlsx")
    assert measure_ids(response) == {world.measure_a.pk, world.measure_b.pk, world.measure_b2.pk}
    assert ActivityLog.objects.filter(action="ledger.export", actor=world.office).count() == 1


def test_a_liaison_gets_only_their_subtree(api, world):
    response = api(world.liaison, scope="read").get("/campaigns/world/ledger.xlsx")
    assert measure_ids(response) == {world.measure_a.pk}


def test_the_problem_lists_filters_apply(api, world):
    caller = api(world.office, scope="read")
    response = caller.get("/campaigns/world/ledger.xlsx", source="inspection")
    assert measure_ids(response) == {world.measure_b2.pk}
    response = caller.get("/campaigns/world/ledger.xlsx", unit=str(world.bureau_b.pk))
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.get_sheet_by_name(LEDGER_SHEET).to_python()[1][0] == "填报单位：乙省民政厅"
    assert len(book.get_sheet_by_name(PROBLEM_SHEET).to_python()) == 3


def test_refusals(api, world):
    assert api(world.outsider).get("/campaigns/world/ledger.xlsx").status_code == 404
    response = api(world.office).get("/campaigns/world/ledger.xlsx", unit="999999")
    assert response.status_code == 422
    assert "unit" in str(response.json())
    assert not ActivityLog.objects.filter(action="ledger.export").exists()
