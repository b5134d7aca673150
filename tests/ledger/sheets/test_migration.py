"""Moving an existing Excel ledger in (ledger/sheets/migration.py): the mapping suggested from a
messy header, rows grouped into problems, units matched, state words read, what is refused and
why, the records made through the services with their history marked as imported."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone, translation

from rectify.audit.models import ActivityLog
from rectify.core.errors import PermissionRefused
from rectify.ledger import services
from rectify.ledger.choices import Closure, MeasureMode, MeasureState, Source
from rectify.ledger.models import Measure, Problem, SheetImport
from rectify.ledger.sheets import migration
from tests.factories import add_evidence, make_unit
from tests.ledger.sheets.ledgers import messy_csv, messy_xlsx


@pytest.fixture
def office_unit(world):
    return make_unit("办公厅（室）", world.ministry)


def upload_xlsx(world, tmp_path, name="整改台账（2025）.xlsx"):
    path = tmp_path / "ledger.xlsx"
    messy_xlsx(path)
    return migration.upload(
        world.campaign, actor=world.office, upload_file=ContentFile(path.read_bytes()), name=name
    )


def upload_csv(world, **kw):
    return migration.upload(
        world.campaign,
        actor=world.office,
        upload_file=ContentFile(messy_csv(**kw)),
        name="台账.csv",
    )


EXPECTED_MAPPING = {
    "problem_number": "序号",
    "source": "问题来源",
    "problem": "问题描述",
    "content": "整改措施",
    "responsible_unit": "责任单位",
    "cooperating_units": "配合单位",
    "responsible_person": "责任人",
    "deadline": "整改时限",
    "progress": "整改情况 / 整改进展",
    "status": "整改情况 / 完成情况",
    "remarks": "备注",
}


def test_the_mapping_is_suggested_from_a_title_row_and_a_two_row_header(
    world, office_unit, tmp_path
):
    si = upload_xlsx(world, tmp_path)
    assert si.kind == SheetImport.Kind.MIGRATION and si.status == SheetImport.Status.UPLOADED
    assert si.options["mapping"] == EXPECTED_MAPPING
    a = migration.analyse(si)
    assert a.rows == 7 and a.header_rows == [2, 3]
    # the merged 序号 / 问题描述 cells give their value to the second measure's row
    assert a.preview[1]["problem"] == "基层考核事项多、频次高，基层负担重"
    assert a.preview[1]["problem_number"] == "1"
    assert a.unknown_words == {"搁置": 1}
    # the preview shows the cells as they will be read, and which cannot be
    assert a.preview[0]["deadline"] == "2026-06-30"  # 2026年6月底
    assert a.preview[0]["errors"] == []
    assert a.preview[3]["errors"] == ["deadline"]  # 下个月
    assert a.preview[4]["errors"] == ["status"]  # 搁置
    units = {u.name: u for u in a.units}
    assert units["甲省民政厅"].unit_id == world.bureau_a.pk
    assert units["甲省 民政厅"].unit_id == world.bureau_a.pk  # spaces dropped
    assert units["办公厅(室)"].unit_id == office_unit.pk  # half- and full-width brackets
    assert units["办公厅（室）"].unit_id == office_unit.pk
    near = units["乙省民政局"]
    assert near.unit_id is None
    assert near.suggestions[0]["id"] == world.bureau_b.pk


def test_what_is_taken_and_what_not(world, office_unit, tmp_path):
    si = upload_xlsx(world, tmp_path)
    p = migration.plan(si)
    assert len(p.problems) == 3  # 1 (two measures), 5 and 6
    assert p.measure_count == 4
    assert [len(pp.measures) for pp in p.problems] == [2, 1, 1]
    assert p.per_status() == {
        "in_progress": 1,
        "phase_complete": 1,
        "closed": 1,
        "not_feasible": 1,
    }
    refused = {(r.row, r.column): r.reason for r in p.refused}
    assert set(refused) == {(6, "责任单位"), (7, "整改时限"), (8, "整改情况 / 完成情况")}
    assert "乙省民政局" in refused[(6, "责任单位")]
    assert "下个月" in refused[(7, "整改时限")]
    assert "搁置" in refused[(8, "整改情况 / 完成情况")]
    assert p.unmapped_columns == []


def test_the_office_picks_a_unit_and_says_what_a_word_means(world, office_unit, tmp_path):
    si = upload_xlsx(world, tmp_path)
    migration.choose(
        si,
        actor=world.office,
        units={"乙省民政局": world.bureau_b.pk},
        states={"搁置": "in_progress"},
        source=Source.STUDY,
    )
    p = migration.plan(si)
    assert len(p.problems) == 5 and p.measure_count == 6
    assert [(r.row, r.column) for r in p.refused] == [(7, "整改时限")]
    with pytest.raises(PermissionRefused):
        migration.choose(si, actor=world.office, units={"乙省民政局": 10**6})


def test_applying_creates_problems_measures_and_imported_history(world, office_unit, tmp_path):
    si = upload_xlsx(world, tmp_path)
    migration.choose(si, actor=world.office, units={"乙省民政局": world.bureau_b.pk})
    before = set(Problem.objects.values_list("pk", flat=True))
    result = migration.apply(si, actor=world.office)
    assert (result["problems"], result["measures"]) == (4, 5)
    assert result["per_status"] == {
        "in_progress": 1,
        "long_term": 1,
        "phase_complete": 1,
        "closed": 1,
        "not_feasible": 1,
    }
    assert [(r["row"], r["column"]) for r in result["refused"]] == [
        (7, "整改时限"),
        (8, "整改情况 / 完成情况"),
    ]
    si.refresh_from_db()
    assert si.status == SheetImport.Status.APPLIED and si.result == result

    problems = Problem.objects.exclude(pk__in=before).order_by("number")
    first = problems[0]
    assert first.source == Source.INSPECTION
    assert first.title == "基层考核事项多、频次高，基层负担重"
    assert first.lead_unit == world.bureau_a
    closed, going = first.measures.order_by("id")
    assert closed.state == MeasureState.CLOSED and closed.closure == Closure.RECTIFIED
    assert closed.closed_on == timezone.localdate()
    assert closed.deadline == dt.date(2026, 6, 30)  # 2026年6月底
    assert set(closed.cooperating_units.all()) == {world.bureau_b, office_unit}
    assert closed.responsible_person == "张三"
    assert closed.reports.get().text == "已清理考核事项12项"
    assert closed.reports.get().percent_done == 100
    assert going.state == MeasureState.IN_PROGRESS and going.deadline == dt.date(2026, 9, 30)
    assert going.remarks == "待党组会审议"
    long_term = Measure.objects.get(problem__in=problems, content="压缩审批时限至15个工作日")
    assert long_term.mode == MeasureMode.LONG_TERM and long_term.deadline is None
    assert long_term.state == MeasureState.IN_PROGRESS and not long_term.phase_complete
    assert long_term.problem.source == Source.SELF
    phased = Measure.objects.get(problem__in=problems, content="精简年检材料清单")
    assert phased.phase_complete and phased.mode == MeasureMode.LONG_TERM
    assert phased.problem.source == Source.STUDY
    not_feasible = Measure.objects.get(problem__in=problems, content="打通数据接口")
    assert not_feasible.closure == Closure.NOT_FEASIBLE
    assert not_feasible.deadline == dt.date(2026, 6, 30)  # 2026年6月: the month's end

    entry = ActivityLog.objects.get(action="measure.migrated", target_id=closed.pk)
    assert entry.reason == "从《整改台账（2025）.xlsx》第4行迁入"
    assert entry.before["state"] == "draft" and entry.after["state"] == "closed"
    assert entry.actor == world.office
    assert ActivityLog.objects.filter(action="measure.migrated").count() == 5
    assert ActivityLog.objects.filter(action="sheet_import.migrate", target_id=si.pk).exists()
    # once applied, the file cannot be applied again
    with translation.override("en"), pytest.raises(Exception, match="moved in already"):
        migration.apply(si, actor=world.office)


@pytest.mark.parametrize("bom", [False, True])
def test_the_same_ledger_as_a_gbk_csv(world, office_unit, bom):
    si = upload_csv(world, bom=bom) if not bom else upload_csv(world, encoding="utf-8", bom=True)
    assert si.options["mapping"]["status"] == "完成情况"
    migration.choose(si, actor=world.office, units={"乙省民政局": world.bureau_b.pk})
    result = migration.apply(si, actor=world.office)
    assert (result["problems"], result["measures"]) == (4, 5)
    assert [(r["row"], r["column"]) for r in result["refused"]] == [
        (6, "整改时限"),
        (7, "完成情况"),
    ]


def test_only_the_office_may_move_a_ledger_in(world, tmp_path):
    for user in (world.liaison, world.leader, world.viewer, world.outsider):
        with pytest.raises(PermissionRefused):
            migration.upload(
                world.campaign, actor=user, upload_file=ContentFile(messy_csv()), name="a.csv"
            )
    si = upload_csv(world)
    with pytest.raises(PermissionRefused):
        migration.apply(si, actor=world.liaison)
    assert not SheetImport.objects.filter(status=SheetImport.Status.APPLIED).exists()


def test_adopting_a_state_is_for_a_measure_just_made(world):
    with translation.override("en"), pytest.raises(Exception, match="just moved in"):
        services.adopt_imported_state(
            services.start(world.measure_a, actor=world.office),
            actor=world.office,
            state=MeasureState.CLOSED,
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年6月底", (dt.date(2026, 6, 30), None)),
        ("2026.6.30", (dt.date(2026, 6, 30), None)),
        ("2026年6月", (dt.date(2026, 6, 30), None)),
        ("2026年2月", (dt.date(2026, 2, 28), None)),
        ("2026-03-15", (dt.date(2026, 3, 15), None)),
        ("2026年底前", (dt.date(2026, 12, 31), None)),
        (46203.0, (dt.date(2026, 6, 30), None)),  # a date cell formatted as a number
        ("长期坚持", (None, MeasureMode.LONG_TERM)),
        ("立行立改", (None, MeasureMode.IMMEDIATE)),
        ("", (None, None)),
        (dt.date(2026, 5, 1), (dt.date(2026, 5, 1), None)),
    ],
)
def test_deadlines_as_offices_write_them(text, expected):
    assert migration.parse_deadline(text) == expected


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("已销号", "closed"),
        ("已整改到位（已销号）", "closed"),
        ("正在整改", "in_progress"),
        ("持续推进", "long_term"),
        ("基本完成", "phase_complete"),
        ("阶段性完成（长期坚持）", "phase_complete"),
        ("暂缓", "not_feasible"),
        ("未开始", "draft"),
        ("搁置", None),
    ],
)
def test_state_words(word, status):
    assert migration.status_of_word(word) == status


def test_the_command_prints_what_would_be_taken_then_applies(world, office_unit, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    messy_xlsx(path)
    args = [str(path), "--campaign", "world", "--user", "office"]
    call_command("ledger", "migrate", *args)
    out = capsys.readouterr().out
    assert "第6行" in out and "乙省民政局" in out
    assert out.strip().splitlines()[-1] == "3 problems, 4 measures"
    assert not Problem.objects.filter(title="救助审批时限过长").exists()
    assert not SheetImport.objects.exists()  # a dry run keeps nothing
    world.bureau_b.code = "YB"
    world.bureau_b.save()
    call_command(
        "ledger",
        "migrate",
        *args,
        "--unit",
        "乙省民政局=YB",
        "--column",
        "remarks=",
        "--column",
        "status=完成情况",  # one part of the two-row header
        "--state",
        "搁置=long_term",
        "--apply",
    )
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "5 problems, 6 measures"
    assert SheetImport.objects.get().status == SheetImport.Status.APPLIED
    assert Measure.objects.get(content="编印政策问答手册").mode == MeasureMode.LONG_TERM
    assert Problem.objects.filter(title="救助审批时限过长", source=Source.SELF).exists()
    assert not Measure.objects.filter(remarks="待党组会审议").exists()


def test_an_export_of_another_campaign_moves_in(world, tmp_path):
    """The ledger's own export (layout.py's columns and words) reads back as a ledger to move
    in: 问题编号 groups the rows (序号 only counts them), sources and states as written."""
    import xlsxwriter

    from rectify.ledger.sheets.layout import LEDGER_COLUMNS, measure_rows
    from rectify.orgs.choices import Role
    from tests.factories import grant, make_campaign

    started = services.start(world.measure_b2, actor=world.liaison2)
    add_evidence(started, world.liaison2)
    services.verify(
        services.request_closure(started, actor=world.liaison2, reason="完成"),
        actor=world.office,
        reason="同意",
    )
    path = tmp_path / "导出.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("整改台账")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [c.header for c in LEDGER_COLUMNS])
    measures = Measure.objects.filter(campaign=world.campaign)
    for r, values in enumerate(measure_rows(measures), start=1):
        for c, col in enumerate(LEDGER_COLUMNS):
            value = values.get(col.key)
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif value not in (None, ""):
                sheet.write(r, c, value)
    book.close()

    second = make_campaign(world.ministry, slug="second")
    grant(world.office, second, Role.OFFICE)
    si = migration.upload(
        second, actor=world.office, upload_file=ContentFile(path.read_bytes()), name="导出.xlsx"
    )
    assert si.options["mapping"]["problem_number"] == "问题编号"
    result = migration.apply(si, actor=world.office)
    assert (result["problems"], result["measures"]) == (2, 3), result["refused"]
    assert result["refused"] == []
    assert result["per_status"] == {"draft": 2, "closed": 1}
    assert "系统编号（请勿修改）" in result["unmapped_columns"]
    moved = Problem.objects.filter(campaign=second).order_by("number")
    assert [p.source for p in moved] == [Source.GRASSROOTS, Source.INSPECTION]
    assert moved[0].measures.count() == 2
    closed = moved[1].measures.get()
    assert closed.state == MeasureState.CLOSED and closed.closed_on == timezone.localdate()


def test_a_run_that_breaks_off_keeps_what_it_made_and_says_so(world, office_unit, monkeypatch):
    """Fault injection: the database goes away after the first problem (simulated by making the
    service raise an unexpected error)."""
    si = upload_csv(world)
    real = services.create_problem
    calls = []

    def breaking(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "create_problem", breaking)
    with pytest.raises(RuntimeError):
        migration.apply(si, actor=world.office)
    si.refresh_from_db()
    assert si.status == SheetImport.Status.FAILED
    assert si.result["problems"] == 1 and si.result["measures"] == 2
    with translation.override("en"), pytest.raises(Exception, match="moved in already"):
        migration.apply(si, actor=world.office)
