"""Which field a column holds, suggested from its header (fields.suggest)."""

import pytest

from rectify.core.spreadsheets.reader import read
from rectify.feedback.imports.fields import suggest
from tests.core.spreadsheets import messy


def test_the_header_suggests_the_fields(tmp_path):
    with read(messy.messy_xlsx(tmp_path / "b.xlsx")) as wb:
        columns = wb.sheet().columns
    assert suggest(columns) == {
        "text": "反映内容",
        "title": "标题",
        "received_at": "时间",
        "region": "地区",
        "external_id": "编号",
        "submitter": "提交人 / 姓名",
        "contact": "提交人 / 联系方式",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"], {
            "external_id": "留言编号", "submitter": "留言用户", "title": "留言主题",
            "received_at": "留言时间", "text": "留言详情", "category": "一级分类"}),
        (["序号", "问题描述", "省份", "反映渠道", "问题类型"], {
            "text": "问题描述", "region": "省份", "channel": "反映渠道", "category": "问题类型"}),
        (["text", "Kind", "received_at", "REGION"], {
            "text": "text", "kind": "Kind", "received_at": "received_at", "region": "REGION"}),
        (["群众反映的主要内容（必填）", "具体时间"], {
            "text": "群众反映的主要内容（必填）", "received_at": "具体时间"}),
        (["編號", "類型", "留言詳情", "聯繫電話", "省份"], {  # Traditional (Hong Kong, Taiwan)
            "external_id": "編號", "kind": "類型", "text": "留言詳情", "contact": "聯繫電話",
            "region": "省份"}),
    ],
)  # fmt: skip
def test_suggestions_from_common_headers(tmp_path, headers, expected):
    path = messy.write_csv(tmp_path / "h.csv", [], headers=headers)
    with read(path) as wb:
        assert suggest(wb.sheet().columns) == expected


def test_a_lone_row_number_column_is_not_an_external_id(tmp_path):
    """序号 (1, 2, 3 …) restarts in every file: taking it as an id would drop rows."""
    path = messy.write_csv(tmp_path / "n.csv", [], headers=["序号", "内容"])
    with read(path) as wb:
        assert "external_id" not in suggest(wb.sheet().columns)
