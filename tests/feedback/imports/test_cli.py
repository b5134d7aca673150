"""`rectify import`: the same checks as the service, problems printed where Excel shows them,
a fixed last line for scripts, exit codes, and a progress bar only on a terminal."""

import os
import pty
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rectify.feedback.models import ColumnMapping, FeedbackItem, ImportBatch
from tests.core.spreadsheets import messy

RECTIFY = Path(sys.executable).parent / "rectify"


def rectify_import(*args):
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


@pytest.mark.django_db
def test_a_clean_file_imports_and_ends_with_the_counts(world, tmp_path):
    path = messy.gbk_csv(tmp_path / "a.csv", messy.feedback_rows(9))
    code, out, err = rectify_import(str(path), "--campaign", "world", "--user", "office")
    assert code == 0
    assert last_line(out) == "read 9, imported 9, already present 0, refused 0"
    assert "text ← 内容" in err  # the columns used
    assert "\r" not in err  # no progress bar without a terminal
    code, out, _err = rectify_import(str(path), "--campaign", "world")
    assert last_line(out) == "read 9, imported 0, already present 9, refused 0"
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch.created_by is None  # no --user: the operator, no user


@pytest.mark.django_db
def test_bad_rows_import_nothing_print_each_problem_and_exit_1(world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "bureau.xlsx")
    code, out, _err = rectify_import(str(path), "--campaign", "world", "--kind", "problem")
    assert code == 1
    assert last_line(out) == "read 8, imported 0, already present 0, refused 3"
    problems = [line for line in out.splitlines() if "bureau.xlsx" in line]
    assert len(problems) == 3
    assert any("汇总" in line and "第9行" in line and "E（地区）" in line for line in problems)
    assert not FeedbackItem.objects.exists()


@pytest.mark.django_db
def test_skip_bad_rows_imports_the_good_ones_and_writes_the_report(world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "bureau.xlsx")
    report = tmp_path / "report.xlsx"
    code, out, _err = rectify_import(
        str(path),
        "--campaign=world",
        "--kind=suggestion",
        "--skip-bad-rows",
        f"--report={report}",
    )
    assert code == 0
    assert last_line(out) == "read 8, imported 5, already present 0, refused 3"
    assert report.stat().st_size > 0
    assert set(FeedbackItem.objects.values_list("kind", flat=True)) == {"suggestion"}


@pytest.mark.django_db
def test_columns_mappings_sheets_and_defaults(world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "bureau.xlsx")
    code, out, _err = rectify_import(
        str(path),
        "--campaign=world",
        "--column",
        "text=反映内容",
        "--column",
        "external_id=A",
        "--column=submitter=姓名",
        "--kind=problem",
        "--region=北京",
        "--channel=座谈会",
        "--skip-bad-rows",
        "--save-mapping=甲局",
    )
    assert code == 0, out
    # Region, date and title are not mapped: the bad region, date and title are not checked.
    assert last_line(out) == "read 8, imported 8, already present 0, refused 0"
    item = FeedbackItem.objects.get(external_id="A-1")
    assert (item.region.code, item.channel, item.submitter_name) == ("110000", "symposium", "张三")
    assert ColumnMapping.objects.get(name="甲局").columns == {
        "text": "反映内容",
        "external_id": "A",
        "submitter": "姓名",
    }
    # Another file laid out the same way: the saved mapping, with its defaults.
    rows = [[f"B-{i}", f"第{i}条意见", "王五"] for i in range(4)]
    other = messy.plain_xlsx(tmp_path / "other.xlsx", rows, headers=["编号", "反映内容", "姓名"])
    code, out, _err = rectify_import(str(other), "--campaign=world", "--mapping=甲局")
    assert code == 0
    assert last_line(out) == "read 4, imported 4, already present 0, refused 0"
    item = FeedbackItem.objects.get(external_id="B-2")
    assert (item.text, item.kind, item.region.code, item.channel) == (
        "第2条意见",
        "problem",
        "110000",
        "symposium",
    )


@pytest.mark.django_db
def test_a_hidden_sheet_is_imported_only_by_name(world, tmp_path):
    path = messy.messy_xlsx(tmp_path / "bureau.xlsx")
    code, out, _err = rectify_import(
        str(path), "--campaign=world", "--sheet=说明", "--column=text=A", "--kind=problem"
    )
    assert code == 0
    assert last_line(out) == "read 0, imported 0, already present 0, refused 0"  # header only


@pytest.mark.parametrize(
    ("writer", "name", "words"),
    [
        (messy.empty_file, "empty.csv", "empty.csv"),
        (messy.truncated_xlsx, "cut.xlsx", "cut.xlsx"),
        (messy.pdf_file, "scan.xls", "scan.xls"),
    ],
)
@pytest.mark.django_db
def test_unreadable_files_fail_with_a_message_naming_them(world, tmp_path, writer, name, words):
    path = writer(tmp_path / name)
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path), "--campaign=world", "--kind=problem", stdout=out)
    assert words in str(caught.value)
    assert caught.value.returncode == 2
    assert last_line(out.getvalue()) == "read 0, imported 0, already present 0, refused 0"


@pytest.mark.django_db
def test_wrong_choices_are_refused_before_anything_runs(world, tmp_path):
    path = messy.gbk_csv(tmp_path / "a.csv")
    for args in (
        ["--campaign=nowhere"],
        ["--campaign=world", "--user=nobody"],
        ["--campaign=world", "--column=mood=内容"],
        ["--campaign=world", "--column", "text"],
        ["--campaign=world", "--mapping=没有"],
        ["--campaign=world", "--user=liaison"],
    ):
        with pytest.raises(CommandError):
            call_command("import", str(path), *args, stdout=StringIO(), stderr=StringIO())
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_a_progress_bar_goes_to_stderr(world, tmp_path):
    """The real console command in another process, its stderr on a pseudo-terminal."""
    rows = messy.feedback_rows(3000)
    for row in rows:
        row[4] = "北京"  # transactional tests keep only the regions the world makes
    path = messy.write_csv(tmp_path / "big.csv", rows, encoding="gbk")
    db = messy.OtherProcessDB(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [RECTIFY, "import", str(path), "--campaign=world", "--kind=problem"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=db.env(),
    )
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    assert proc.returncode == 0, err.decode(errors="replace")
    assert last_line(out.decode()) == "read 3000, imported 3000, already present 0, refused 0"
    assert b"\r" in err and b"100%" in err
    assert db.count_items() == 3000
