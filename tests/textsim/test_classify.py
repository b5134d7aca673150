import random

import pytest

from rectify.textsim.classify import MIN_EXAMPLES, Classifier, enough_data, prepare

TOPICS = {
    "城乡建设": ["小区", "物业", "电梯", "楼盘", "拆迁", "道路施工", "燃气管道", "违章建筑"],
    "教育文体": ["学校", "学生", "老师", "幼儿园", "课后服务", "教材", "图书馆", "招生"],
    "劳动和社会保障": ["社保", "养老金", "工资拖欠", "医保报销", "退休", "劳动合同", "失业金"],
}
FILLER = ["请问", "反映", "情况", "希望", "有关部门", "尽快", "解决", "处理", "谢谢", "我们"]


def generate(n_per_label: int, seed: int = 1) -> tuple[list[str], list[str]]:
    """Texts made of a few topic words among filler words; separable by the topic words."""
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(n_per_label):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 4)
            rng.shuffle(parts)
            texts.append("".join(parts))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def trained():
    texts, labels = generate(20)
    return Classifier.train(texts, labels)


def test_learns_a_separable_set(trained):
    texts, labels = generate(10, seed=2)
    predicted = trained.predict(texts, abstain_below=0.0)
    right = sum(label == truth for (label, _), truth in zip(predicted, labels, strict=True))
    assert right / len(labels) >= 0.95
    assert sorted(trained.labels) == sorted(TOPICS)
    assert all(0.0 <= c <= 1.0 for _, c in predicted)


def test_confident_on_clear_text_and_abstains_below_threshold(trained):
    [(label, confidence)] = trained.predict(["小区物业电梯坏了，希望尽快解决"])
    assert label == "城乡建设"
    assert confidence >= Classifier.DEFAULT_ABSTAIN
    # Only filler words: no topic to go by.
    [(label, confidence)] = trained.predict(["请问希望尽快处理谢谢"], abstain_below=0.0)
    assert confidence < 0.8
    [(abstained, same)] = trained.predict(["请问希望尽快处理谢谢"], abstain_below=confidence + 0.01)
    assert abstained is None
    assert same == pytest.approx(confidence)
    [(kept, _)] = trained.predict(["请问希望尽快处理谢谢"], abstain_below=confidence)
    assert kept == label


def test_probabilities_sum_to_one(trained):
    rows = trained.probabilities(["学校招生", "养老金", ""])
    assert rows.shape == (3, 3)
    assert rows.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0])
    assert trained.predict([]) == []


def test_too_little_data_gives_none():
    texts, labels = generate(3)
    assert len(texts) < MIN_EXAMPLES
    assert Classifier.train(texts, labels) is None
    # One label only, however many examples.
    assert Classifier.train(["小区物业"] * 50, ["城乡建设"] * 50) is None
    # Enough examples, but all labels except one are seen only once.
    assert Classifier.train(["a"] * 30 + ["b", "c"], ["x"] * 30 + ["y", "z"]) is None
    # A lower minimum makes the small set enough.
    assert Classifier.train(texts, labels, min_examples=9) is not None


def test_enough_data_rule():
    assert enough_data(["a"] * 10 + ["b"] * 10)
    assert not enough_data(["a"] * 10 + ["b"] * 9)
    assert not enough_data(["a"] * 19 + ["b"])  # b has one example: not usable
    assert enough_data(["a"] * 18 + ["b"] * 2 + ["c"])
    assert not enough_data(["a"] * 10 + [""] * 10 + ["b"] * 2, min_examples=13)


def test_rare_and_blank_labels_are_left_out():
    texts, labels = generate(10)
    model = Classifier.train([*texts, "孤例", "没有标签"], [*labels, "其他", ""])
    assert sorted(model.labels) == sorted(TOPICS)


def test_deterministic():
    texts, labels = generate(15)
    queries, _ = generate(5, seed=3)
    first = Classifier.train(texts, labels).predict(queries)
    second = Classifier.train(texts, labels).predict(queries)
    assert first == second


def test_lengths_must_match():
    with pytest.raises(ValueError):
        Classifier.train(["a", "b"], ["x"])


def test_prepare_keeps_lead_and_drops_codes():
    whole, lead = prepare("\n\t A3区 小区　电梯故障\n\t\t详细情况：2019年12月起停运")
    assert lead.split() == ["区", "小区", "电梯故障"]
    assert "2019" not in whole and "详细情况" in whole
