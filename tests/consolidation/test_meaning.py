"""The sentence model the board uses (settings.MEANING_MODEL) and the vectors it keeps per
feedback item: a regrouping reads only new or edited items, and everything after a change of
model."""

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from rectify import textsim
from rectify.consolidation import meaning, regrouping
from rectify.consolidation.board import item_text
from rectify.consolidation.models import ItemMeaning, Run
from rectify.textsim import semantic
from rectify.textsim.grouping import SEMANTIC_LIMIT
from tests.consolidation.conftest import add_items, make_board

LAMPS = ["小区路灯坏了好几个月没人修", "我们小区的照明灯损坏多日，无人维修"]  # one complaint


@pytest.fixture
def reads(monkeypatch):
    """The texts the sentence model is given (it still runs: this only counts)."""
    seen: list[str] = []
    real = semantic.encode

    def counting(folder, texts, progress=None):
        seen.extend(texts)
        return real(folder, texts, progress)

    monkeypatch.setattr(semantic, "encode", counting)
    return seen


def test_the_first_regroup_keeps_a_vector_per_item_as_the_model_reads_it(world, reads):
    board = make_board(world)
    items = board.oil + board.road + board.pension + board.loners
    assert len(reads) == len(items)
    kept = {m.pk: m for m in ItemMeaning.objects.all()}
    assert set(kept) == {i.pk for i in items}
    texts = [item_text(i.title, i.text) for i in items]
    fresh = textsim.sentence_vectors(texts, meaning.model_folder())
    stored = np.vstack([np.frombuffer(bytes(kept[i.pk].vector), dtype="<f4") for i in items])
    assert np.allclose(stored, fresh, atol=1e-6)  # float32 products: equal to rounding


def test_a_second_regroup_reads_only_new_and_edited_items(world, reads):
    board = make_board(world)
    reads.clear()
    edited = board.loners[0]
    edited.title = "健身器材"  # the text is kept as received; a title is part of what is read
    edited.save()
    add_items(board.campaign, ["B区建设路路面坑坑洼洼，一下雨就积水"])
    run = regrouping.start_regroup(board.campaign, actor=board.office)
    assert run.status == run.Status.DONE
    assert len(reads) == 2  # the edited item and the new one; the other seven were kept
    assert meaning.digest(item_text(edited.title, edited.text), meaning.model_folder()) == (
        ItemMeaning.objects.get(pk=edited.pk).digest
    )


def test_kept_vectors_group_exactly_as_fresh_ones(world):
    board = make_board(world)
    first = {
        frozenset(g.members.values_list("feedback_item_id", flat=True))
        for g in board.run.groups.all()
    }
    again = regrouping.start_regroup(board.campaign, actor=board.office)
    second = {
        frozenset(g.members.values_list("feedback_item_id", flat=True)) for g in again.groups.all()
    }
    assert first == second


def test_a_deleted_item_takes_its_vector_with_it(world):
    board = make_board(world)
    gone = board.loners[1]
    gone.delete()
    assert not ItemMeaning.objects.filter(pk=gone.pk).exists()


def footnote(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("consolidation-board", args=["world"])).content.decode()
    return html.split('data-testid="measure-note"', 1)[1].split("</p>", 1)[0]


def test_m3e_small_chosen_the_board_groups_by_meaning_and_says_so(world, client, reads):
    lamps = add_items(world.campaign, LAMPS)
    run = regrouping.start_regroup(world.campaign, actor=world.office)
    assert run.groups.get(members__feedback_item=lamps[0]).members.count() == 2
    assert len(reads) == 2 and ItemMeaning.objects.count() == 2
    note = footnote(client, world.office)
    assert "按语义" in note and "m3e-small" in note
    assert "m3e-small 模型非商用，仅供研究使用。" in note


def test_without_a_model_the_board_groups_by_characters_reads_nothing_and_says_so(
    world, client, settings, monkeypatch
):
    settings.MEANING_MODEL = ""  # the setting's default

    def refuse(folder):
        raise AssertionError("no model may be loaded")

    monkeypatch.setattr(semantic, "Model", refuse)
    board = make_board(world)  # the planted groups are near-identical: characters find them
    assert [g.size for g in board.run.groups.order_by("position")][:3] == [3, 2, 2]
    lamps = add_items(world.campaign, LAMPS)
    run = regrouping.start_regroup(world.campaign, actor=world.office)
    assert run.groups.get(members__feedback_item=lamps[0]).members.count() == 1
    assert not ItemMeaning.objects.exists()
    note = footnote(client, world.office)
    assert "仅按字面" in note and "MEANING_MODEL" in note and "m3e-small" not in note


def test_a_folder_that_holds_no_model_is_named_before_a_run_starts(world, settings, tmp_path):
    (tmp_path / "nothing-here").mkdir()
    settings.MEANING_MODEL = str(tmp_path / "nothing-here")
    add_items(world.campaign, LAMPS)
    with pytest.raises(ImproperlyConfigured, match="nothing-here.*pytorch_model.bin"):
        regrouping.start_regroup(world.campaign, actor=world.office)
    assert not Run.objects.exists()


def test_another_model_reads_every_text_again(world, settings, tmp_path, reads):
    board = make_board(world)
    items = board.oil + board.road + board.pension + board.loners
    reads.clear()
    other = tmp_path / "other-model"  # the same files under another name: another model id
    other.mkdir()
    for name in semantic.FILES:
        (other / name).symlink_to(semantic.find("m3e-small") / name)
    settings.MEANING_MODEL = str(other)
    regrouping.start_regroup(board.campaign, actor=board.office)
    assert len(reads) == len(items)
    assert {m.digest for m in ItemMeaning.objects.all()} == {
        meaning.digest(item_text(i.title, i.text), other) for i in items
    }


def test_the_footnote_says_when_there_are_too_many_items_for_the_model():
    assert meaning.measure_used(SEMANTIC_LIMIT)["semantic"]
    too_many = meaning.measure_used(SEMANTIC_LIMIT + 1)
    assert not too_many["semantic"] and too_many["model"] == "m3e-small"
    assert too_many["research_only"]
