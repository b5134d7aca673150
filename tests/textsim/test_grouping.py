from rectify.textsim import DEFAULT_THRESHOLDS, Group, group_texts, nearest

TEXTS = [
    "小区楼下烧烤店油烟扰民，晚上噪音很大",
    "楼下烧烤店油烟扰民严重，晚上噪音很大",
    "低保审批时间过长，群众反映强烈",
    "低保审批时间太长了，群众反映强烈",
    "路灯坏了好几个月没人修",
]


def test_every_index_in_exactly_one_group_largest_first():
    groups = group_texts(TEXTS)
    members = sorted(i for g in groups for i in g.members)
    assert members == list(range(len(TEXTS)))
    sizes = [len(g.members) for g in groups]
    assert sizes == sorted(sizes, reverse=True)


def test_near_duplicates_group_and_unrelated_stay_apart():
    groups = group_texts(TEXTS)
    as_sets = {frozenset(g.members) for g in groups}
    assert frozenset({0, 1}) in as_sets
    assert frozenset({2, 3}) in as_sets
    assert frozenset({4}) in as_sets


def test_group_carries_representative_and_similarities():
    group = next(g for g in group_texts(TEXTS) if 2 in g.members)
    assert isinstance(group, Group)
    assert group.members[0] == group.representative
    assert group.similarity[0] == 1.0
    assert all(0.0 <= s <= 1.0 for s in group.similarity)
    assert len(group.similarity) == len(group.members)
    assert "低保" in group.key_terms
    assert group.subgroups == []


def test_topic_groups_carry_their_duplicate_subgroups():
    for group in group_texts(TEXTS, level="topic"):
        inner = sorted(i for s in group.subgroups for i in s.members)
        assert inner == sorted(group.members)


def test_empty_input():
    assert group_texts([]) == []


def test_nearest_finds_the_close_candidate_only():
    found = nearest(TEXTS, ["低保审批时间过长，群众反映很强烈", "公交车太少"], k=2)
    assert [i for i, _ in found[0]] == [2, 3] or [i for i, _ in found[0]] == [2]
    assert found[0][0][1] >= DEFAULT_THRESHOLDS["duplicate"]
    assert found[1] == []
