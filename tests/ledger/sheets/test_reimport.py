"""Reading an edited ledger export back: the diff, the checks row by row, applying, conflicts."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from rectify.audit.models import ActivityLog
from rectify.core.errors import ConflictError
from rectify.core.spreadsheets.reader import column_letter
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode, MeasureState
from rectify.ledger.models import Measure, SheetImport
from rectify.ledger.sheets import reimport
from rectify.ledger.sheets.layout import LEDGER_COLUMNS
from rectify.ledger.sheets.reimport import ReimportRefused
from tests.factories import add_evidence, make_campaign
from tests.ledger.sheets.sheet_edits import KEY_HEADER, Edited, export_to

pytestmark = pytest.mark.django_db


def all_measures(world):
    return Measure.objects.filter(campaign=world.campaign)


def export(world, tmp_path, name="台账.xlsx"):
    return export_to(tmp_path / name, all_measures(world))


def upload(world, path, actor):
    return reimport.upload(
        world.campaign, ContentFile(path.read_bytes(), name=path.name), actor=actor, name=path.name
    )


def cli(*args) -> list[str]:
    out = io.StringIO()
    call_command("ledger", "import", *map(str, args), stdout=out)
    return out.getvalue().splitlines()


def started(world):
    for m in (world.measure_a, world.measure_b, world.measure_b2):
        services.start(m, actor=world.office)
    services.add_progress_report(
        world.measure_a, actor=world.office, text="已清理考核事项12项", percent_done=30
    )


# --- unchanged ---------------------------------------------------------------------------------


def test_an_unchanged_export_reads_back_as_zero_changes(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert diff.changes == 0
    assert diff.rows_read == 3 and diff.unchanged == 3
    assert not (diff.changed or diff.refused or diff.conflicts or diff.notes)
    assert cli(path, "--campaign", "world") == ["0 changes"]
    assert cli(path, "--campaign", "world", "--user", "liaison", "--apply") == ["0 changes"]
    sheet = SheetImport.objects.get()
    assert sheet.status == SheetImport.Status.APPLIED and sheet.result["changes"] == 0


def test_an_unchanged_export_saved_by_openpyxl_reads_back_as_zero_changes(world, tmp_path):
    started(world)
    sheet = Edited(export(world, tmp_path))
    # A spreadsheet program that drops the date format keeps the date as a day number.
    sheet.sheet.cell(sheet.row_of(world.measure_a), sheet.columns["整改时限"]).number_format = "0"
    path = sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert (diff.changes, diff.refused, diff.unchanged) == (0, [], 3)


# --- the round trip ----------------------------------------------------------------------------


def test_round_trip_export_edit_diff_apply(world, tmp_path):
    started(world)
    add_evidence(world.measure_b2, world.office)
    path = export(world, tmp_path)
    sheet = Edited(path)
    row_a = sheet.set(world.measure_a, "备注", "按月调度")
    sheet.set(world.measure_a, "整改目标", "考核事项压减三成")
    sheet.set(world.measure_a, "整改时限", dt.date(2027, 3, 31))
    sheet.set(world.measure_a, "本次说明", "省级考核办法修订后顺延")
    sheet.set(world.measure_a, "整改进展", "已清理考核事项20项")
    sheet.set(world.measure_a, "完成进度(%)", 60)
    sheet.set(world.measure_b2, "完成情况", "申请销号")
    sheet.set(world.measure_b2, "本次说明", "审批时限压缩至5个工作日")
    sheet.save()

    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert not diff.refused and not diff.conflicts
    by_measure = {c.measure.pk: c for c in diff.changed}
    a = by_measure[world.measure_a.pk]
    assert a.row == row_a
    assert {(f.header, f.before, f.after) for f in a.fields} == {
        ("备注", "", "按月调度"),
        ("整改目标", "", "考核事项压减三成"),
        ("整改时限", "2026-12-31", "2027-03-31"),
        ("整改进展", "已清理考核事项12项", "已清理考核事项20项"),
        ("完成进度(%)", "30", "60"),
    }
    assert a.count == 4  # three fields and one progress report
    b2 = by_measure[world.measure_b2.pk]
    assert [(f.header, f.before, f.after) for f in b2.fields] == [
        ("完成情况", "整改中", "申请销号")
    ]
    assert diff.changes == 5 and diff.unchanged == 1
    assert cli(path, "--campaign", "world")[-1] == "5 changes"
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == ""  # nothing changed yet

    stored = upload(world, path, world.office)
    applied = reimport.apply(stored, actor=world.office)
    assert applied.changes == 5
    m = Measure.objects.get(pk=world.measure_a.pk)
    assert (m.remarks, m.target, m.deadline) == (
        "按月调度",
        "考核事项压减三成",
        dt.date(2027, 3, 31),
    )
    assert m.deadline_moves == 1 and m.deadline_changes.get().reason == "省级考核办法修订后顺延"
    report = m.reports.order_by("-id").first()
    assert (report.text, report.percent_done) == ("已清理考核事项20项", 60)
    assert m.reports.count() == 2  # a new report, the old one kept
    b2 = Measure.objects.get(pk=world.measure_b2.pk)
    assert b2.state == MeasureState.CLOSURE_REQUESTED
    assert b2.closure_requests.get().description == "审批时限压缩至5个工作日"

    stored.refresh_from_db()
    assert stored.status == SheetImport.Status.APPLIED and stored.done == 5
    assert stored.result["changes"] == 5 and len(stored.result["changed"]) == 2
    by = {
        (e.action, e.actor_id)
        for e in ActivityLog.objects.filter(action__in=["measure.update", "sheet_import.reimport"])
    }
    assert by == {("measure.update", world.office.pk), ("sheet_import.reimport", world.office.pk)}
    actions = set(ActivityLog.objects.values_list("action", flat=True))
    assert {"sheet_import.upload", "sheet_import.reimport", "measure.update"} <= actions
    assert {"progress.create", "measure.request_closure"} <= actions
    # A fresh export of the changed ledger reads back as 0 changes.
    again = export(world, tmp_path, "again.xlsx")
    assert reimport.read(again, campaign=world.campaign, actor=world.office).changes == 0
    # The same upload is not applied twice.
    with pytest.raises(ConflictError):
        reimport.apply(stored, actor=world.office)


def test_columns_may_be_reordered_or_removed(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    export_header_row = reimport.read(path, campaign=world.campaign, actor=world.office).header_row
    sheet = Edited(path)
    sheet.set(world.measure_a, "备注", "列被删了也能读")
    sheet.delete_column("问题描述")
    sheet.delete_column("整改目标")
    sheet.sheet.move_range("A1:A100", cols=30)  # 序号 moved to the far right
    sheet.sheet.column_dimensions["B"].hidden = True
    sheet.sheet.insert_rows(1, 2)  # a title row and a 填报单位 row above the header
    sheet.sheet["A1"] = "测试专项工作整改台账（截至2026年11月16日）"
    sheet.sheet["A2"] = "填报单位：甲省民政厅"
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert diff.header_row == export_header_row + 2 and diff.rows_read == 3
    assert [(f.header, f.after) for c in diff.changed for f in c.fields] == [
        ("备注", "列被删了也能读")
    ]
    assert [n.params["header"] for n in diff.notes if n.code == "column_absent"] == ["整改目标"]


# --- conflicts ---------------------------------------------------------------------------------


def test_a_measure_changed_after_the_export_is_a_conflict_nothing_overwritten(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    services.update_measure(
        world.measure_a,
        actor=world.office,
        expected_version=Measure.objects.get(pk=world.measure_a.pk).version,
        remarks="办公室在页面上改的",
    )
    sheet = Edited(path)
    row = sheet.set(world.measure_a, "备注", "单位在表格里改的")
    sheet.set(world.measure_b, "备注", "这一行没有冲突")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    [conflict] = diff.conflicts
    assert conflict.row == row and conflict.measure_id == world.measure_a.pk
    assert [(f.header, f.before, f.after) for f in conflict.fields] == [
        ("备注", "办公室在页面上改的", "单位在表格里改的")
    ]
    applied = reimport.apply(upload(world, path, world.office), actor=world.office)
    assert applied.changes == 1 and len(applied.conflicts) == 1
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == "办公室在页面上改的"
    assert Measure.objects.get(pk=world.measure_b.pk).remarks == "这一行没有冲突"
    assert any("conflict" in line for line in cli(path, "--campaign", "world"))


def test_a_progress_report_added_after_the_export_is_a_conflict_for_an_edited_row(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    services.add_progress_report(
        world.measure_a, actor=world.liaison, text="页面上报", percent_done=50
    )
    sheet = Edited(path)
    sheet.set(world.measure_a, "备注", "表格里改")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert [c.measure_id for c in diff.conflicts] == [world.measure_a.pk]
    # A row not edited is no change, whatever happened meanwhile.
    untouched = export(world, tmp_path, "b.xlsx")
    services.update_measure(
        world.measure_b, actor=world.office, expected_version=2, remarks="后来改的"
    )
    assert reimport.read(untouched, campaign=world.campaign, actor=world.office).changes == 0


def test_a_change_between_preview_and_apply_is_a_conflict(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    sheet = Edited(path)
    sheet.set(world.measure_a, "备注", "预览时还没冲突")
    sheet.save()
    stored = upload(world, path, world.office)
    assert reimport.read(stored, campaign=world.campaign, actor=world.office).changes == 1
    services.update_measure(
        world.measure_a, actor=world.office, expected_version=2, responsible_person="张三"
    )
    applied = reimport.apply(stored, actor=world.office)
    assert applied.changes == 0 and len(applied.conflicts) == 1
    assert Measure.objects.get(pk=world.measure_a.pk).remarks == ""


# --- a hostile sheet -------------------------------------------------------------------------


def test_a_hostile_sheet_is_refused_row_by_row_while_good_rows_apply(world, tmp_path):
    """A liaison of 甲省民政厅 sends back the whole campaign's ledger with edits everywhere."""
    started(world)
    own = world.measure(world.problem_b_only, world.org_a1, "协会自查")  # draft, in the subtree
    third = world.measure(world.problem_b_only, world.bureau_a, "第三项")
    services.start(third, actor=world.office)
    formula = world.measure(world.problem_b_only, world.bureau_a, "第四项")
    keyless = world.measure(world.problem_b_only, world.bureau_a, "第五项")
    path = export(world, tmp_path)
    sheet = Edited(path)
    good = sheet.set(world.measure_a, "备注", "好的一行")
    sheet.set(world.measure_a, "责任人", "李四")
    other_unit = sheet.set(world.measure_b, "备注", "别的单位的")
    impossible = sheet.set(own, "完成情况", "已整改到位（已销号）")
    office_field = sheet.set(third, "整改时限", "2027年2月30日")
    sheet.set(third, "本次说明", "想延期")
    formula_row = sheet.set(formula, "备注", "=1+1")
    sheet.set(keyless, "备注", "没有编号")
    keyless_row = sheet.set(keyless, KEY_HEADER, None)
    duplicate = sheet.append_copy(world.measure_a)
    sheet.save()
    versions = dict(all_measures(world).values_list("pk", "version"))

    diff = reimport.read(path, campaign=world.campaign, actor=world.liaison)
    refused = {(m.cell.row, m.cell.header, m.code) for m in diff.refused}
    assert refused == {
        (other_unit, KEY_HEADER, "not_yours"),
        (impossible, "完成情况", "no_such_step"),
        (office_field, "整改时限", "office_only"),
        (formula_row, "备注", "formula"),
        (keyless_row, KEY_HEADER, "key_missing"),
        (duplicate, KEY_HEADER, "duplicate_key"),
    }
    for m in diff.refused:
        assert m.text and m.cell.column
    [formula_refusal] = [m for m in diff.refused if m.code == "formula"]
    assert formula_refusal.params["cells"].endswith(str(formula_row))
    assert [(c.row, c.measure.pk) for c in diff.changed] == [(good, world.measure_a.pk)]
    assert diff.changes == 2

    out = cli(path, "--campaign", "world", "--user", "liaison", "--apply")
    assert out[-1] == "2 changes"
    assert sum("refused" in line for line in out) == 6
    key_letter = column_letter(len(LEDGER_COLUMNS) - 1)  # the key is the last column
    assert f"row {other_unit} {key_letter} ({KEY_HEADER}) refused" in "\n".join(out)
    a = Measure.objects.get(pk=world.measure_a.pk)
    assert (a.remarks, a.responsible_person) == ("好的一行", "李四")
    for m in (world.measure_b, own, third, formula, keyless):
        fresh = Measure.objects.get(pk=m.pk)
        assert fresh.version == versions[m.pk] and fresh.remarks == ""
    assert Measure.objects.get(pk=own.pk).state == MeasureState.DRAFT
    assert Measure.objects.get(pk=third.pk).deadline == dt.date(2026, 12, 31)


def test_the_office_is_told_about_bad_dates_percentages_words_and_missing_reasons(world, tmp_path):
    started(world)
    long_term = world.measure(world.problem, world.bureau_a, "长期坚持", mode=MeasureMode.LONG_TERM)
    services.start(long_term, actor=world.office)
    path = export(world, tmp_path)
    sheet = Edited(path)
    bad_date = sheet.set(world.measure_a, "整改时限", "明年春天")
    no_reason = sheet.set(world.measure_b, "整改时限", "2027/1/15")
    bad_percent = sheet.set(world.measure_b2, "完成进度(%)", 150)
    sheet.set(world.measure_b2, "整改进展", "进展")
    sheet.set(long_term, "完成情况", "阶段性完成（长期坚持）")
    sheet.set(long_term, "整改目标", "常态长效")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    refused = {(m.cell.row, m.cell.header, m.code) for m in diff.refused}
    assert refused == {
        (bad_date, "整改时限", "bad_date"),
        (no_reason, "本次说明", "deadline_reason"),
        (bad_percent, "完成进度(%)", "bad_percent"),
    }
    [change] = diff.changed
    assert change.measure.pk == long_term.pk and change.step == "phase_complete"
    reimport.apply(upload(world, path, world.office), actor=world.office)
    fresh = Measure.objects.get(pk=long_term.pk)
    assert fresh.phase_complete and fresh.target == "常态长效"


def test_a_closure_request_without_fresh_evidence_says_to_upload_it_on_the_page(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    sheet = Edited(path)
    sheet.set(world.measure_a, "完成情况", "申请销号")
    sheet.set(world.measure_a, "本次说明", "已完成")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.liaison)
    [refusal] = diff.refused
    assert refusal.code == "evidence_on_page" and refusal.cell.header == "完成情况"
    assert "佐证" in refusal.text or "evidence" in refusal.text


def test_read_only_columns_are_noted_not_applied(world, tmp_path):
    started(world)
    path = export(world, tmp_path)
    sheet = Edited(path)
    row = sheet.set(world.measure_a, "问题描述", "改了问题描述")
    sheet.set(world.measure_a, "责任单位", "别的单位")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.office)
    assert diff.changes == 0 and not diff.refused
    assert {(n.cell.row, n.cell.header, n.code) for n in diff.notes} == {
        (row, "问题描述", "read_only"),
        (row, "责任单位", "read_only"),
    }
    # Another unit's row tells a liaison nothing of the ledger.
    sheet.set(world.measure_b, "问题描述", "别的单位的问题描述")
    sheet.save()
    diff = reimport.read(path, campaign=world.campaign, actor=world.liaison)
    assert {n.cell.row for n in diff.notes} == {row}
    assert not diff.refused


def test_rows_of_another_campaign_and_unknown_measures_are_named(world, tmp_path):
    started(world)
    other = make_campaign(world.ministry, slug="other")
    path = export(world, tmp_path)
    sheet = Edited(path)
    sheet.set(world.measure_a, KEY_HEADER, "M999999-v1-0123abcd")
    sheet.set(world.measure_b, KEY_HEADER, "乱写的")
    sheet.save()
    diff = reimport.read(path, campaign=other, actor=world.office)
    assert sorted(m.code for m in diff.refused) == [
        "key_garbled",
        "other_campaign",
        "unknown_measure",
    ]


def test_a_file_without_the_key_column_is_refused_as_a_whole(world, tmp_path):
    path = export(world, tmp_path, "没有编号.xlsx")
    sheet = Edited(path)
    sheet.delete_column(KEY_HEADER)
    sheet.save()
    with pytest.raises(ReimportRefused) as caught:
        reimport.read(path, campaign=world.campaign, actor=world.office)
    assert caught.value.code == "no_key_column"
    assert "没有编号.xlsx" in str(caught.value) and KEY_HEADER in str(caught.value)
    with pytest.raises(ReimportRefused):
        upload(world, path, world.office)
    assert not SheetImport.objects.exists()


def test_a_file_that_is_not_xlsx_or_too_large_is_refused(world, tmp_path, settings):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("序号,系统编号\n1,M1-v1-00000000\n", encoding="utf-8")
    with pytest.raises(ReimportRefused) as caught:
        reimport.read(bad, campaign=world.campaign, actor=world.office)
    assert caught.value.code == "not_xlsx"
    settings.LEDGER_SHEET_MAX_BYTES = 100
    path = export(world, tmp_path)
    with pytest.raises(ReimportRefused) as caught:
        reimport.read(path, campaign=world.campaign, actor=world.office)
    assert caught.value.code == "too_large"
    # A small file that unpacks to more than ten times the limit (a zip bomb) is refused too.
    settings.LEDGER_SHEET_MAX_BYTES = path.stat().st_size + 2000
    bomb = Edited(path)
    for measure in (world.measure_a, world.measure_b):
        for header in ("备注", "整改目标", "本次说明", "整改措施", "整改进展"):
            bomb.set(measure, header, "0" * 30_000)  # a cell holds at most 32,767 characters
    bomb.save(tmp_path / "bomb.xlsx")
    assert (tmp_path / "bomb.xlsx").stat().st_size < settings.LEDGER_SHEET_MAX_BYTES
    with pytest.raises(ReimportRefused) as caught:
        reimport.read(tmp_path / "bomb.xlsx", campaign=world.campaign, actor=world.office)
    assert caught.value.code == "too_large"


def test_who_may_upload(world, tmp_path):
    path = export(world, tmp_path)
    for user in (world.viewer, world.supervisor, world.outsider):
        with pytest.raises(services.PermissionRefused):
            upload(world, path, user)
    assert upload(world, path, world.liaison).uploaded_by == world.liaison


def test_parse_date_and_percent():
    assert reimport.parse_date("2026/6/30") == dt.date(2026, 6, 30)
    assert reimport.parse_date("2026年6月30日") == dt.date(2026, 6, 30)
    naive = dt.datetime(2026, 6, 30)  # noqa: DTZ001 (a date cell as calamine reads it)
    assert reimport.parse_date(naive) == dt.date(2026, 6, 30)
    for bad in ("30/6/2026", "2026-13-01", 46000.0):
        with pytest.raises(ValueError):
            reimport.parse_date(bad)
    assert reimport.parse_percent("60%") == 60 and reimport.parse_percent(60.0) == 60
    for bad in (0.6, 101, "六十", -1):
        with pytest.raises(ValueError):
            reimport.parse_percent(bad)
