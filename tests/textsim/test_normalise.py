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
