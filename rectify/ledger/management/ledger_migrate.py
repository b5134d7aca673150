"""Move an existing Excel ledger in: FILE --campaign SLUG [--apply] (rows into problems/measures).

    rectify ledger migrate 台账.xlsx --campaign SLUG [--user NAME] [--sheet NAME]
        [--column FIELD=HEADER ...] [--unit "NAME=CODE" ...] [--state "WORD=STATUS" ...]
        [--source WORD] [--list ID] [--apply]

Without --apply it prints the mapping, the units not matched (with suggestions) and what would
be taken and what not, and stores nothing. `--column remarks=` leaves a field unmapped;
`--unit "乙省民政局=CODE"` names the campaign unit (its code, name or id) for a name in the
file, `--unit "某单位="` leaves it out. The last line reads `N problems, M measures`.
"""

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from rectify.core.errors import DomainError
from rectify.ledger.choices import Source
from rectify.ledger.management.common import add_common, campaign_and_actor
from rectify.ledger.sheets import migration


def add_arguments(parser) -> None:
    parser.add_argument("file", help="the ledger (.xlsx, .xls, .csv)")
    add_common(parser)
    parser.add_argument("--sheet", help="the sheet to read (default: the first visible one)")
    parser.add_argument(
        "--column", action="append", default=[], metavar="FIELD=HEADER",
        help=f"map a field to a column; fields: {', '.join(migration.FIELD_NAMES)}",
    )  # fmt: skip
    parser.add_argument(
        "--unit", action="append", default=[], metavar="NAME=CODE",
        help="the campaign's unit (code, name or id) for a unit name in the file; empty: leave out",
    )  # fmt: skip
    parser.add_argument(
        "--state", action="append", default=[], metavar="WORD=STATUS",
        help=f"what a 完成情况 word means; statuses: {', '.join(migration.STATUSES)}",
    )  # fmt: skip
    parser.add_argument("--source", help="default source: a word (自查, 巡视反馈 …) or a value")
    parser.add_argument("--list", type=int, help="put the problems in this problem list (id)")
    parser.add_argument("--apply", action="store_true", help="create the problems and measures")


def _pairs(values, what):
    out = {}
    for value in values:
        if "=" not in value:
            raise CommandError(f"{what}: “{value}” 应为 A=B / expected A=B")
        key, _sep, val = value.partition("=")
        out[key.strip()] = val.strip()
    return out


def _unit_id(campaign, ref: str):
    if not ref:
        return None
    units = migration.campaign_units(campaign)
    unit = (
        units.filter(code=ref).first()
        or units.filter(name=ref).first()
        or (units.filter(pk=int(ref)).first() if ref.isdigit() else None)
    )
    if unit is None:
        raise CommandError(f"本专项工作没有单位 “{ref}” / no such unit in the campaign")
    return unit.pk


def run(command, opts) -> None:
    campaign, actor = campaign_and_actor(opts)
    path = Path(opts["file"])
    if not path.is_file():
        raise CommandError(f"没有文件 {path} / no such file")
    source = None
    if opts.get("source"):
        source = migration.source_of_word(opts["source"])
        if source is None or source not in Source.values:
            raise CommandError(f"问题来源 “{opts['source']}” 无法识别 / unknown source")
    units = {name: _unit_id(campaign, ref) for name, ref in _pairs(opts["unit"], "--unit").items()}
    try:
        si = migration.draft(campaign, path.read_bytes(), path.name, sheet=opts.get("sheet"))
        choices = {
            "mapping": {**si.options["mapping"], **_pairs(opts["column"], "--column")},
            "units": units,
            "states": _pairs(opts["state"], "--state"),
            "source": source,
            "problem_list": opts.get("list"),
        }
        si = migration.check_choices(si, **choices)
        plan = migration.plan(si)
        _print_plan(command, si, plan)
        if not opts["apply"]:
            command.stdout.write(f"{len(plan.problems)} problems, {plan.measure_count} measures")
            return
        si = migration.upload(
            campaign, actor=actor, upload_file=ContentFile(path.read_bytes()), name=path.name
        )
        migration.choose(si, actor=actor, sheet=opts.get("sheet") or "", **choices)
        result = migration.apply(si, actor=actor)
    except DomainError as exc:
        raise CommandError(str(exc)) from exc
    command.stdout.write(f"已迁入 / applied: SheetImport {si.pk}")
    for status, count in result["per_status"].items():
        command.stdout.write(f"  {migration.STATUS_LABELS[status]}: {count}")
    planned = {(r.row, r.column, r.reason) for r in plan.refused}
    for r in result["refused"]:  # refused by the services while applying
        if (r["row"], r["column"], r["reason"]) not in planned:
            command.stdout.write(f"  第{r['row']}行 {r['column']}: {r['reason']}")
    command.stdout.write(f"{result['problems']} problems, {result['measures']} measures")


def _print_plan(command, si, plan) -> None:
    out = command.stdout.write
    out(f"文件 / file: {si.file_name}")
    for name in migration.FIELD_NAMES:
        header = si.options["mapping"].get(name)
        if header:
            out(f"  {name} ← {header}")
    if plan.missing_fields:
        out("未映射的必填字段 / required fields not mapped: " + ", ".join(plan.missing_fields))
    if plan.unmapped_columns:
        out("未导入的列 / columns not mapped: " + "、".join(plan.unmapped_columns))
    for m in migration.analyse(si).units:
        if m.unit_id is None and not m.chosen:
            hint = "、".join(f"{s['name']}({s['score']})" for s in m.suggestions) or "—"
            out(f"未匹配单位 / unit not matched: {m.name}（{m.rows}处）建议 / suggestions: {hint}")
    out(f"将导入 / to take: {len(plan.problems)} 个问题, {plan.measure_count} 条措施")
    for status, count in plan.per_status().items():
        out(f"  {migration.STATUS_LABELS[status]}: {count}")
    if plan.refused:
        out(f"不导入 / not taken: {len(plan.refused)}")
        for r in plan.refused:
            out(f"  第{r.row}行 {r.column}: {r.reason}")
