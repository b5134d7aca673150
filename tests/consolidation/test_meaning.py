"""Sentence vectors kept per feedback item: a regrouping reads only new or edited items."""

import numpy as np
import pytest

from rectify import textsim
from rectify.consolidation import meaning, services
from rectify.consolidation.models import ItemMeaning
from rectify.textsim import semantic
from tests.consolidation.conftest import add_items, make_board


@pytest.fixture
def reads(monkeypatch):
    """The texts the sentence model is given (it still runs: this only counts)."""
    seen: list[str] = []
    real = semantic.encode

    def counting(texts, progress=None):
        seen.extend(texts)
        return real(texts, progress)

    monkeypatch.setattr(semantic, "encode", counting)
    return seen


def test_the_first_regroup_keeps_a_vector_per_item_as_the_model_reads_it(world, reads):
    board = make_board(world)
    items = board.oil + board.road + board.pension + board.loners
    assert len(reads) == len(items)
    kept = {m.pk: m for m in ItemMeaning.objects.all()}
    assert set(kept) == {i.pk for i in items}
    texts = [services.item_text(i.title, i.text) for i in items]
    fresh = textsim.sentence_vectors(texts)
    stored = np.vstack([np.frombuffer(bytes(kept[i.pk].vector), dtype="<f4") for i in items])
    assert np.allclose(stored, fresh, atol=1e-6)  # float32 products: equal to rounding


def test_a_second_regroup_reads_only_new_and_edited_items(world, reads):
    board = make_board(world)
    reads.clear()
    edited = board.loners[0]
    edited.title = "健身器材"  # the text is kept as received; a title is part of what is read
    edited.save()
    add_items(board.campaign, ["B区建设路路面坑坑洼洼，一下雨就积水"])
    run = services.start_regroup(board.campaign, actor=board.office)
    assert run.status == run.Status.DONE
    assert len(reads) == 2  # the edited item and the new one; the other seven were kept
    assert meaning.digest(services.item_text(edited.title, edited.text)) == (
        ItemMeaning.objects.get(pk=edited.pk).digest
    )


def test_kept_vectors_group_exactly_as_fresh_ones(world):
    board = make_board(world)
    first = {
        frozenset(g.members.values_list("feedback_item_id", flat=True))
        for g in board.run.groups.all()
    }
    again = services.start_regroup(board.campaign, actor=board.office)
    second = {
        frozenset(g.members.values_list("feedback_item_id", flat=True)) for g in again.groups.all()
    }
    assert first == second


def test_a_deleted_item_takes_its_vector_with_it(world):
    board = make_board(world)
    gone = board.loners[1]
    gone.delete()
    assert not ItemMeaning.objects.filter(pk=gone.pk).exists()
