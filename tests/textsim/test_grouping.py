"""textsim grouping on generated texts (no data set needed)."""

import functools
import random

import pytest

from rectify.textsim import DEFAULT_THRESHOLDS, Group, group_texts, nearest, semantic


@pytest.fixture(params=[None, "m3e-small"], ids=["characters", "m3e-small"])
def grouper(request):
    """group_texts with no model (characters only, the default) and with m3e-small."""
    return functools.partial(group_texts, model=semantic.find(request.param))


TEXTS = [
    "小区楼下烧烤店油烟扰民，晚上噪音很大",
    "楼下烧烤店油烟扰民严重，晚上噪音很大",
    "低保审批时间过长，群众反映强烈",
    "低保审批时间太长了，群众反映强烈",
    "路灯坏了好几个月没人修",
]


def as_sets(groups: list[Group]) -> set[frozenset[int]]:
    return {frozenset(g.members) for g in groups}


def test_every_index_in_exactly_one_group_largest_first(grouper):
    groups = grouper(TEXTS)
    assert sorted(i for g in groups for i in g.members) == list(range(len(TEXTS)))
    sizes = [len(g.members) for g in groups]
    assert sizes == sorted(sizes, reverse=True)


def test_near_duplicates_group_and_unrelated_stay_apart(grouper):
    assert as_sets(grouper(TEXTS)) == {
        frozenset({0, 1}),
        frozenset({2, 3}),
        frozenset({4}),
    }


def test_group_carries_representative_key_terms_and_similarities(grouper):
    group = next(g for g in grouper(TEXTS) if 2 in g.members)
    assert group.members[0] == group.representative
    assert group.similarity[0] == pytest.approx(1.0)
    assert len(group.similarity) == len(group.members)
    assert all(0.0 <= s <= 1.0 for s in group.similarity)
    assert "低保" in group.key_terms
    assert group.subgroups == []


@pytest.mark.parametrize("texts", [["", "   ", "您好"], ["a", "b"], ["", ""], ["只有一条"]])
@pytest.mark.parametrize("level", ["duplicate", "topic"])
def test_empty_blank_and_tiny_inputs(grouper, texts, level):
    assert grouper([], level=level) == []
    groups = grouper(texts, level=level)
    assert sorted(i for g in groups for i in g.members) == list(range(len(texts)))
    assert nearest(texts, texts[:1]) is not None


def test_identical_texts_are_one_group_with_similarity_one(grouper):
    (group,) = grouper(["同一条内容"] * 4)
    assert sorted(group.members) == [0, 1, 2, 3]
    # float32 arithmetic: 0.9999998 on some CPUs, 1.0 on others; the verdict must not differ
    assert group.similarity == pytest.approx([1.0] * 4)


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        group_texts(TEXTS, level="cluster")


@pytest.mark.parametrize("level", ["duplicate", "topic"])
def test_progress_only_grows_and_reaches_the_end(grouper, level):
    seen = []
    grouper(TEXTS, level=level, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(TEXTS), len(TEXTS))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


# --- planted groups ---------------------------------------------------------------------

PLACES = ["桃园", "杏林", "松柏", "金桂", "银杉", "翠竹", "青枫", "丹霞", "白鹭", "紫藤"]
PROBLEMS = [
    "楼下餐馆油烟直排，家里窗户都不敢开",
    "工地夜间施工噪音扰民，晚上根本睡不着",
    "电梯经常故障，多次困人，维修不及时",
    "垃圾站满了没人清运，臭气熏天",
    "消防通道长期被私家车占用，消防车进不来",
]
WRAPPERS = [
    "{}",
    "尊敬的领导您好：{}。谢谢！",
    "您好，{}，希望尽快处理。",
    "\n\t\t\t{}\u3000\n",
    "{}！！请领导重视。",
]


def planted(seed: int = 3) -> tuple[list[str], list[int]]:
    """Each (place, problem) said 1–4 times with different greetings, punctuation, widths,
    layout whitespace and traditional characters; one template, many places."""
    rng = random.Random(seed)
    texts, gold = [], []
    for p, place in enumerate(PLACES):
        for q, problem in enumerate(PROBLEMS):
            for _ in range(rng.randint(1, 4)):
                body = f"{chr(65 + p)}区{place}小区5号楼{problem}"
                text = rng.choice(WRAPPERS).format(body)
                if rng.random() < 0.3:
                    text = text.replace("电梯", "電梯").replace("门", "門").replace("车", "車")
                if rng.random() < 0.3:
                    text = text.replace("5", "５").replace("，", ",")
                texts.append(text)
                gold.append(p * len(PROBLEMS) + q)
    return texts, gold


def pair_scores(groups: list[Group], gold: list[int]) -> tuple[float, float]:
    group_of = {i: n for n, g in enumerate(groups) for i in g.members}
    tp = fp = fn = 0
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            same_gold, same_pred = gold[i] == gold[j], group_of[i] == group_of[j]
            tp += same_gold and same_pred
            fp += same_pred and not same_gold
            fn += same_gold and not same_pred
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_planted_groups_are_recovered_and_template_places_kept_apart(grouper):
    texts, gold = planted()
    precision, recall = pair_scores(grouper(texts), gold)
    assert precision == 1.0
    assert recall >= 0.95


def test_same_template_about_different_places_never_groups_even_at_topic_level(grouper):
    texts = [f"{chr(65 + i)}区{place}小区楼下烧烤店油烟扰民" for i, place in enumerate(PLACES)]
    for level in ("duplicate", "topic"):
        assert all(len(g.members) == 1 for g in grouper(texts, level=level)), level
    pair = grouper(["A区某小区油烟扰民", "B区另一小区油烟扰民"], level="topic")
    assert len(pair) == 2


def test_no_chaining_through_intermediate_items(grouper):
    # each text shares half its words with the next: A~B, B~C, … but A and H share nothing
    words = ["油烟", "噪音", "路灯", "积水", "电梯", "垃圾", "停车", "物业", "公交", "学校"]
    chain = ["".join(words[i : i + 4]) for i in range(8)]
    groups = grouper(chain, threshold=0.5)
    assert max(len(g.members) for g in groups) <= 3
    assert not any({0, 7} <= set(g.members) for g in groups)


# --- two levels -----------------------------------------------------------------------

ELEVATOR = [
    "A区桃花小区电梯经常故障，多次困人",
    "A区桃花小区的电梯又坏了，经常困人",
    "A区桃花小区电梯维修不及时，物业不管",
    "A区桃花小区电梯坏了没人修，物业也不管",
    "B区杏林小区电梯经常故障，多次困人",
    "低保审批时间过长，群众反映强烈",
    "A区桃花小区电梯轿厢里的广告屏声音太大，晚上也在放",
]


def test_topic_level_gathers_aspects_of_one_place_and_keeps_duplicates_inside(grouper):
    topics = grouper(ELEVATOR, level="topic")
    first = topics[0]
    if grouper.keywords["model"] is None:  # characters: the breakdowns, their repair
        assert set(first.members) == {0, 1, 2, 3}
    else:  # by meaning the loud screen in the lift joins them: one place
        assert set(first.members) == {0, 1, 2, 3, 6}
    assert sorted(i for s in first.subgroups for i in s.members) == sorted(first.members)
    assert len(first.subgroups) >= 2
    assert "桃花小区" in first.key_terms
    duplicates = as_sets(grouper(ELEVATOR))
    for topic in topics:
        for sub in topic.subgroups:
            assert frozenset(sub.members) in duplicates


def test_every_topic_group_has_subgroups_that_partition_it(grouper):
    for group in grouper(TEXTS + ELEVATOR, level="topic"):
        assert group.subgroups
        assert sorted(i for s in group.subgroups for i in s.members) == sorted(group.members)
        assert group.representative == group.members[0]


# --- nearest -------------------------------------------------------------------------


def test_nearest_finds_the_close_candidate_only():
    found = nearest(TEXTS, ["低保审批时间过长，群众反映很强烈", "公交车太少"], k=2)
    assert found[0][0][0] == 2
    assert found[0][0][1] >= DEFAULT_THRESHOLDS["duplicate"]
    assert all(a[1] >= b[1] for a, b in zip(found[0], found[0][1:], strict=False))
    assert found[1] == []


def test_nearest_does_not_match_another_place_with_the_same_template():
    found = nearest(["A区桃花小区电梯经常故障，多次困人"], ["B区杏林小区电梯经常故障，多次困人"])
    assert found == [[]]
    assert nearest([], ["x"]) == [[]]
    assert nearest(["x"], []) == []
