import pytest

from rectify.textsim.normalise import comparable, dedup_key, fold_width, squeeze_space


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("低保\u3000审批", "低保 审批"),
        ("（一）", "(一)"),
        ("养老服务", "养老服务"),
    ],
)
def test_fold_width(raw, expected):
    assert fold_width(raw) == expected


def test_squeeze_space_handles_layout_whitespace():
    assert squeeze_space("\n\t\t\t\t\t反映问题\u00a0 内容\r\n") == "反映问题 内容"


def test_the_same_text_typed_differently_has_one_key():
    a = "Ａ市\u3000低保审批时间过长，群众反映强烈。"
    b = "\n\tA市 低保审批时间过长,群众反映强烈。\u200b"
    assert comparable(a) == comparable(b)
    assert dedup_key(a) == dedup_key(b)


def test_different_texts_have_different_keys():
    assert dedup_key("A区某小区油烟扰民") != dedup_key("B区某小区油烟扰民")


def test_bidi_controls_do_not_hide_a_duplicate():
    assert dedup_key("低保审批\u202e过长") == dedup_key("低保审批过长")


# --- comparison form for similarity ------------------------------------------------------

from rectify.textsim.normalise import (  # noqa: E402
    compare_form,
    fold_punct,
    strip_boilerplate,
    to_simplified,
)


def test_traditional_becomes_simplified():
    assert to_simplified("後來社區的路燈壞了，請儘快處理") == "后来社区的路灯坏了，请尽快处理"


def test_punctuation_folds_to_one_mark():
    assert fold_punct("电梯坏了，，，请处理！！！") == "电梯坏了,请处理!"
    assert fold_punct("《条例》“规定”") == '<条例>"规定"'


@pytest.mark.parametrize(
    "raw",
    [
        "尊敬的领导您好：小区路灯坏了。谢谢！",
        "您好，小区路灯坏了，谢谢您",
        "尊敬的王书记：你好！小区路灯坏了。此致敬礼",
        "\n\t\t\t小区路灯坏了\u3000",
        "小區路燈壞了！",
    ],
)
def test_greetings_layout_and_script_do_not_change_the_comparison_form(raw):
    assert compare_form(raw) == "小区路灯坏了"


def test_boilerplate_only_text_keeps_its_words():
    assert compare_form("谢谢！") == "谢谢"
    assert strip_boilerplate("领导您好").strip() == ""


def test_existing_keys_unchanged_by_comparison_form():
    # dedup_key stays the exact-text key: a greeting still makes a different key
    assert dedup_key("您好，小区路灯坏了") != dedup_key("小区路灯坏了")
