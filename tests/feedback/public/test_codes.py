"""Receipt codes: short, unguessable, easy to read aloud, typed back in any reasonable form."""

import math
import re

import pytest

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.feedback.public import codes, services


@pytest.fixture
def opened(world):
    services.set_public_intake(world.campaign, actor=world.office, enabled=True)
    world.campaign.refresh_from_db()
    return world


def test_the_alphabet_has_no_lookalikes():
    assert set(codes.ALPHABET).isdisjoint("0O1lIo")
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 31


def test_a_code_carries_at_least_40_bits():
    assert codes.CODE_LENGTH * math.log2(len(codes.ALPHABET)) >= 40


def test_codes_use_only_the_alphabet_and_differ():
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    for code in drawn:
        assert len(code) == codes.CODE_LENGTH
        assert set(code) <= set(codes.ALPHABET)
    # every symbol turns up: the draw covers the whole alphabet
    assert set("".join(drawn)) == set(codes.ALPHABET)


def test_codes_are_shown_in_groups():
    assert codes.format_code("ABCD2345XY") == "ABCD-2345-XY"


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-2345-XY",
        "abcd-2345-xy",
        "abcd2345xy",
        " ABCD 2345 XY ",
        "AbCd–2345—xY",  # dashes a word processor makes
        "ＡＢＣＤ－２３４５－ＸＹ",  # typed with a full-width (Chinese) input method
        "abcd\u30002345\u3000xy",  # ideographic spaces
    ],
)
def test_typed_codes_are_normalised(typed):
    assert codes.normalise_code(typed) == "ABCD2345XY"


@pytest.mark.parametrize(
    "typed",
    ["", "ABCD-2345-X", "ABCD-2345-XYZ", "ABCD-2345-X0", "ABCD-2345-XI", "<script>", "A" * 500],
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert codes.normalise_code(typed) is None


@pytest.mark.django_db
def test_a_submission_gets_a_fresh_code(opened):
    item = services.submit_public(
        opened.campaign, text="低保审批时间过长", kind="problem", ip="192.0.2.1"
    )
    assert re.fullmatch(f"[{codes.ALPHABET}]{{{codes.CODE_LENGTH}}}", item.receipt_code)


@pytest.mark.django_db
def test_a_colliding_code_is_drawn_again(opened, monkeypatch):
    taken = FeedbackItem.objects.create(
        campaign=opened.campaign,
        kind=FeedbackKind.PROBLEM,
        text="先来的",
        channel=Channel.PUBLIC_PAGE,
        receipt_code="ABCD2345XY",
    )
    draws = iter(["ABCD2345XY", "ABCD2345XY", "WXYZ6789AB"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    item = services.submit_public(
        opened.campaign, text="后来的反映", kind="problem", ip="192.0.2.1"
    )
    assert item.receipt_code == "WXYZ6789AB"
    assert FeedbackItem.objects.get(pk=taken.pk).receipt_code == "ABCD2345XY"


@pytest.mark.django_db
def test_a_collision_at_insert_time_is_drawn_again(opened, monkeypatch):
    """Two submissions drawing the same code at once: the unique index decides, the loser draws
    again (the existence check alone cannot see the concurrent insert)."""
    FeedbackItem.objects.create(
        campaign=opened.campaign,
        kind=FeedbackKind.PROBLEM,
        text="并发的另一条",
        channel=Channel.PUBLIC_PAGE,
        receipt_code="ABCD2345XY",
    )
    draws = iter(["ABCD2345XY", "WXYZ6789AB"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    real_filter = FeedbackItem.objects.filter

    class Blind:
        """The existence check sees nothing, as if the twin had not committed yet."""

        def exists(self):
            return False

    monkeypatch.setattr(
        FeedbackItem.objects,
        "filter",
        lambda *a, **kw: Blind() if "receipt_code" in kw else real_filter(*a, **kw),
    )
    item = services.submit_public(
        opened.campaign, text="后来的反映", kind="problem", ip="192.0.2.1"
    )
    assert item.receipt_code == "WXYZ6789AB"
    assert FeedbackItem.objects.filter(receipt_code__isnull=False).count() == 2
