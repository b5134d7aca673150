"""The fields a column can be mapped to, and the suggestion of a mapping from the headers.

Field names are part of the documented interface (docs/data-formats.md, `rectify import
--column FIELD=HEADER`): text, title, kind, received_at, region, channel, external_id,
submitter, contact, category, org_unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rectify.core.spreadsheets.reader import Column
from rectify.feedback.models import FeedbackItem
from rectify.textsim.normalise import comparable, to_simplified


@dataclass(frozen=True)
class FieldSpec:
    name: str
    model_field: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # a header containing one of these, when nothing matched

    @property
    def label(self):
        return FeedbackItem._meta.get_field(self.model_field).verbose_name


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "text",
        "text",
        required=True,
        aliases=(
            "text", "content", "description", "body", "内容", "留言详情", "留言内容", "详情",
            "问题描述", "描述", "正文", "反映内容", "反映问题", "问题", "问题内容", "具体内容",
            "意见内容", "建议内容", "意见建议", "诉求内容", "来信内容", "事项内容", "主要内容",
            "反映的问题", "具体问题", "问题及建议",
        ),
        keywords=("内容", "详情", "描述", "正文"),
    ),
    FieldSpec(
        "title",
        "title",
        aliases=(
            "title", "subject", "标题", "留言主题", "主题", "题目", "留言标题", "事项", "摘要",
            "问题标题", "诉求标题",
        ),
        keywords=("标题", "主题"),
    ),
    FieldSpec(
        "kind",
        "kind",
        aliases=("kind", "type", "类型", "种类", "反映类型", "意见类型", "问题或建议", "性质"),
    ),
    FieldSpec(
        "received_at",
        "received_at",
        aliases=(
            "received_at", "received", "date", "time", "datetime", "时间", "日期", "留言时间",
            "留言日期", "提交时间", "反映时间", "收到时间", "接收时间", "受理时间", "登记时间",
            "来信时间", "来电时间", "收集时间", "反映日期", "提出时间", "创建时间",
        ),
        keywords=("时间", "日期"),
    ),
    FieldSpec(
        "region",
        "region",
        aliases=(
            "region", "province", "地区", "省份", "省", "省区市", "所在地区", "所在省份", "区域",
            "地域", "行政区划", "区划", "区划代码", "地区代码", "行政区划代码", "所属地区",
        ),
        keywords=("地区", "省份", "区划"),
    ),
    FieldSpec(
        "channel",
        "channel",
        aliases=(
            "channel", "source", "渠道", "来源", "来源渠道", "反映渠道", "途径", "反映途径",
            "收集方式", "收集渠道", "方式",
        ),
        keywords=("渠道", "途径"),
    ),
    FieldSpec(
        "external_id",
        "external_id",
        aliases=(
            "external_id", "id", "ref", "reference", "编号", "留言编号", "工单号", "工单编号",
            "单号", "件号", "受理编号", "信件编号", "登记号", "登记编号", "原编号", "外部编号",
            "问题编号",
        ),
        keywords=("编号", "工单"),
    ),
    FieldSpec(
        "submitter",
        "submitter_name",
        aliases=(
            "submitter", "name", "留言用户", "留言人", "反映人", "提交人", "姓名", "提出人",
            "来信人", "来电人", "用户", "署名", "联系人", "反映人姓名", "提交人姓名",
        ),
    ),
    FieldSpec(
        "contact",
        "submitter_contact",
        aliases=(
            "contact", "phone", "email", "联系方式", "联系电话", "电话", "手机", "手机号",
            "手机号码", "邮箱", "电子邮箱", "联系人电话",
        ),
        keywords=("电话", "联系方式", "手机"),
    ),
    FieldSpec(
        "category",
        "category",
        aliases=(
            "category", "分类", "类别", "一级分类", "问题类别", "问题分类", "所属类别", "所属分类",
            "问题类型", "业务类别",
        ),
        keywords=("分类", "类别"),
    ),
    FieldSpec(
        "org_unit",
        "org_unit",
        aliases=(
            "org_unit", "unit", "单位", "责任单位", "所属单位", "涉及单位", "相关单位",
            "被反映单位", "承办单位", "主管单位", "单位名称",
        ),
        keywords=("单位",),
    ),
)  # fmt: skip

FIELD_NAMES = tuple(f.name for f in FIELDS)
BY_NAME = {f.name: f for f in FIELDS}

_PUNCT = re.compile(r"[\s:：*＊()（）\[\]【】<>《》/、_\-.。,，;；'\"“”‘’#№]+")


def header_key(text: str) -> str:
    """A header as compared: width folded, lower-cased, in simplified characters (a file from
    Hong Kong or Taiwan says 內容 for 内容), without spaces and punctuation."""
    return _PUNCT.sub("", comparable(to_simplified(text)))


_ALIASES = {header_key(a): f.name for f in FIELDS for a in (f.name, *f.aliases)}


def suggest(columns: list[Column]) -> dict[str, str]:
    """field → column (its header, or its letter when it has none) for the columns whose header
    says what they hold. Each field gets at most one column, each column at most one field;
    exact names win over names that merely contain a keyword."""
    chosen: dict[str, Column] = {}
    used: set[int] = set()

    def take(field_name: str, col: Column) -> None:
        if field_name not in chosen and col.index not in used:
            chosen[field_name] = col
            used.add(col.index)

    for col in columns:
        for candidate in (col.label, *reversed(col.parts)):
            name = _ALIASES.get(header_key(candidate)) if candidate else None
            if name:
                take(name, col)
                break
    for col in columns:
        if col.index in used or not col.label:
            continue
        key = header_key(col.parts[-1])
        for spec in FIELDS:
            if spec.name not in chosen and any(k in key for k in spec.keywords):
                take(spec.name, col)
                break
    return {
        spec.name: (chosen[spec.name].label or chosen[spec.name].letter)
        for spec in FIELDS
        if spec.name in chosen
    }
