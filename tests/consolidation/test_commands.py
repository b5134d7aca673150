"""`rectify cluster` and `rectify classify` on generated messy files, without the database
(no `db` fixture: pytest-django fails any test that touches it)."""

import csv
import io

import pytest
import xlsxwriter
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.utils import translation

from rectify.textsim import DEFAULT_THRESHOLDS
from rectify.textsim.classify import Classifier
from tests.textsim.test_classify import TOPICS, generate

HEADERS = ["编号", "反映内容", "地区"]
ROWS = [
    ["001", "幸福小区门口的垃圾站长期不清理，臭气熏天，请尽快处理。", "A区"],
    ["002", "幸福小区门口的垃圾站长期不清理,臭气熏天,请尽快处理", "A区"],
    ["003", "\n\t\t\t幸福小区门口的垃圾站长期不清理，臭气熏天，请尽快处理！\n\t\t", "A区"],
    ["004", "建议在东风路与人民路交叉口增设红绿灯，方便学生过马路。", "B区"],
    ["005", "养老金认证手续太复杂，老年人不会用手机，希望简化流程。", "C县"],
    ["006", "", "C县"],
]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_output(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def write_csv(path, rows, *, encoding):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path, headers, rows, *, title=None):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("意见汇总")
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title)
        top = 1
    sheet.write_row(top, 0, headers)
    for i, row in enumerate(rows, start=top + 1):
        sheet.write_row(i, 0, row)
    book.close()
    return path


@pytest.fixture(params=["gbk", "utf-8-sig", "xlsx"])
def messy_file(request, tmp_path):
    if request.param == "xlsx":
        return write_xlsx(tmp_path / "in.xlsx", HEADERS, ROWS, title="2024年群众意见汇总表")
    return write_csv(tmp_path / "in.csv", [HEADERS, *ROWS], encoding=request.param)


def test_cluster_writes_every_row_with_its_group(messy_file, tmp_path):
    out = tmp_path / "out.csv"
    stdout, _ = run("cluster", str(messy_file), "--text-column", "反映内容", "-o", str(out))
    rows = read_output(out)
    assert list(rows[0]) == [*HEADERS, "group", "group_size", "similarity", "representative"]
    assert [r["编号"] for r in rows] == ["001", "002", "003", "004", "005", "006"]
    assert [r["地区"] for r in rows] == [r[2] for r in ROWS]
    assert rows[2]["反映内容"] == ROWS[2][1]  # the original text, layout whitespace and all
    same = {r["group"] for r in rows[:3]}
    assert len(same) == 1 and same != {""}
    assert [r["group_size"] for r in rows[:3]] == ["3", "3", "3"]
    assert rows[0]["group"] == "1"  # the largest group first
    assert {float(r["similarity"]) for r in rows[:3]} <= {x / 1000 for x in range(600, 1001)}
    assert max(float(r["similarity"]) for r in rows[:3]) == pytest.approx(1.0)
    assert rows[3]["group"] != rows[4]["group"]
    assert rows[3]["group_size"] == rows[4]["group_size"] == "1"
    assert rows[3]["similarity"] == "1.000"
    assert rows[5]["group"] == rows[5]["group_size"] == rows[5]["similarity"] == ""
    rep_rows = {r["representative"] for r in rows[:3]}
    assert len(rep_rows) == 1 and rep_rows.pop().isdigit()  # a row number without --id-column
    assert f"{DEFAULT_THRESHOLDS['duplicate']}" in stdout
    assert "6" in stdout and str(out) in stdout


def test_cluster_id_column_level_and_threshold(tmp_path):
    source = write_csv(tmp_path / "in.csv", [HEADERS, *ROWS], encoding="utf-8")
    out = tmp_path / "out.csv"
    run(
        "cluster", str(source), "--text-column", "B", "--id-column", "编号",
        "--level", "topic", "--threshold", "0.99", "-o", str(out),
    )  # fmt: skip
    rows = read_output(out)
    assert rows[3]["representative"] == "004"
    # At 0.99 the two texts that differ only in punctuation may still meet; others stay apart.
    assert rows[3]["group_size"] == rows[4]["group_size"] == "1"
    with pytest.raises(CommandError):
        run("cluster", str(source), "--text-column", "B", "--threshold", "1.5", "-o", str(out))


def test_cluster_measure_is_chosen_and_reported(tmp_path):
    source = write_csv(
        tmp_path / "in.csv",
        [["反映内容"], ["小区路灯坏了好几个月没人修"], ["我们小区的照明灯损坏多日，无人维修"]],
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    stdout, _ = run("cluster", str(source), "--text-column", "反映内容", "-o", str(out))
    assert "按语义" in stdout
    assert [r["group_size"] for r in read_output(out)] == ["2", "2"]  # a paraphrase, by meaning
    stdout, _ = run(
        "cluster", str(source), "--text-column", "反映内容", "--measure", "lexical", "-o", str(out)
    )
    assert "仅按字面" in stdout
    assert [r["group_size"] for r in read_output(out)] == ["1", "1"]


def lamps_file(tmp_path):
    rows = [["反映内容"], ["小区路灯坏了好几个月没人修"], ["我们小区的照明灯损坏多日，无人维修"]]
    return write_csv(tmp_path / "in.csv", rows, encoding="utf-8")


@pytest.mark.parametrize("unset", ["", "none"])
def test_cluster_without_a_model_groups_by_characters_and_says_so(tmp_path, settings, unset):
    settings.MEANING_MODEL = unset
    source, out = lamps_file(tmp_path), tmp_path / "out.csv"
    with translation.override("en"):
        stdout, _ = run("cluster", str(source), "--text-column", "反映内容", "-o", str(out))
    assert "by characters only: no sentence model is chosen (MEANING_MODEL)" in stdout
    assert [r["group_size"] for r in read_output(out)] == ["1", "1"]
    with pytest.raises(CommandError, match="semantic measure needs a sentence model"):
        run("cluster", str(source), "--text-column", "反映内容", "--measure", "semantic",
            "-o", str(out))  # fmt: skip


def test_cluster_names_a_model_folder_that_holds_no_model(tmp_path, settings):
    settings.MEANING_MODEL = str(tmp_path / "no-model-here")
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as refused:
        run("cluster", str(lamps_file(tmp_path)), "--text-column", "反映内容", "-o", str(out))
    assert "MEANING_MODEL" in str(refused.value) and "no-model-here" in str(refused.value)
    assert not out.exists()


def test_cluster_help_names_the_setting_and_the_model_licence():
    command = load_command_class(get_commands()["cluster"], "cluster")
    text = " ".join(command.create_parser("rectify", "cluster").format_help().split())
    assert "MEANING_MODEL" in text
    assert "non-commercial research use only" in text and "非商用，仅供研究使用" in text


def test_missing_column_names_it_and_lists_the_columns(messy_file, tmp_path):
    with translation.override("zh-hans"), pytest.raises(CommandError) as exc:
        run("cluster", str(messy_file), "--text-column", "内容", "-o", str(tmp_path / "o.csv"))
    message = str(exc.value)
    assert "“内容”" in message
    assert "编号、反映内容、地区" in message
    assert "没有" in message  # in the active language, zh-Hans by default
    assert not (tmp_path / "o.csv").exists()


def test_unreadable_file_shows_the_readers_message(tmp_path):
    bad = tmp_path / "scan.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a spreadsheet")
    with translation.override("en"), pytest.raises(CommandError) as exc:
        run("cluster", str(bad), "--text-column", "内容", "-o", str(tmp_path / "o.csv"))
    assert "scan.xlsx" in str(exc.value) and "PDF" in str(exc.value)


def labelled_rows(n_per_label, seed):
    texts, labels = generate(n_per_label, seed=seed)
    return [
        [f"{i:04d}", text, label] for i, (text, label) in enumerate(zip(texts, labels, strict=True))
    ]


def test_classify_end_to_end(tmp_path):
    train = write_xlsx(tmp_path / "train.xlsx", ["编号", "内容", "类别"], labelled_rows(20, 1))
    queries = labelled_rows(4, 7)
    source = write_csv(
        tmp_path / "in.csv",
        [["编号", "内容", "备注"]] + [[i, t, "x"] for i, t, _ in queries] + [["9999", "", "空"]],
        encoding="gbk",
    )
    out = tmp_path / "out.csv"
    stdout, stderr = run(
        "classify", "--train", str(train), "--text-column", "内容", "--label-column", "类别",
        str(source), "-o", str(out),
    )  # fmt: skip
    rows = read_output(out)
    assert list(rows[0]) == ["编号", "内容", "备注", "predicted_label", "confidence"]
    assert len(rows) == len(queries) + 1
    assert [r["编号"] for r in rows[:-1]] == [q[0] for q in queries]
    right = sum(r["predicted_label"] == q[2] for r, q in zip(rows, queries, strict=False))
    assert right >= len(queries) - 1
    assert {r["predicted_label"] for r in rows[:-1]} <= set(TOPICS) | {""}
    for r in rows[:-1]:
        confidence = float(r["confidence"])
        assert 0 <= confidence <= 1
        assert (r["predicted_label"] != "") == (confidence >= Classifier.DEFAULT_ABSTAIN)
    assert rows[-1]["predicted_label"] == rows[-1]["confidence"] == ""
    assert stderr == ""
    # Asking for certainty leaves every label blank but keeps the confidences.
    run(
        "classify", "--train", str(train), "--text-column", "内容", "--label-column", "类别",
        str(source), "-o", str(out), "--threshold", "1",
    )  # fmt: skip
    rows = read_output(out)
    assert all(r["predicted_label"] == "" for r in rows)
    assert all(r["confidence"] for r in rows[:-1])


def test_classify_with_too_little_training_data(tmp_path):
    train = write_csv(
        tmp_path / "train.csv", [["内容", "类别"], ["小区电梯坏了", "城乡建设"]], encoding="utf-8"
    )
    source = write_csv(tmp_path / "in.csv", [["内容"], ["学校招生"]], encoding="utf-8-sig")
    out = tmp_path / "out.csv"
    with translation.override("en"):
        _, stderr = run(
            "classify", "--train", str(train), "--text-column", "内容", "--label-column", "类别",
            str(source), "-o", str(out),
        )  # fmt: skip
    assert "Not enough training data" in stderr and "train.csv" in stderr
    assert read_output(out) == [{"内容": "学校招生", "predicted_label": "", "confidence": ""}]


def test_classify_missing_label_column(tmp_path):
    train = write_csv(tmp_path / "train.csv", [["内容", "类别"], ["a", "b"]], encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as exc:
        run(
            "classify", "--train", str(train), "--text-column", "内容", "--label-column", "分类",
            str(train), "-o", str(tmp_path / "o.csv"),
        )  # fmt: skip
    assert "“分类”" in str(exc.value) and "内容、类别" in str(exc.value)
    assert "train.csv" in str(exc.value)
