"""Classification quality on 495 real citizen messages: macro-F1 by stratified 5-fold CV.

    .venv/bin/python bench/quality_classify.py [--data ../shared/data]

Text = 留言主题 (title) + a line break + 留言详情 (detail); label = 一级分类 (7 classes).
Each fold trains `Classifier.train` on four fifths and predicts the fifth without abstaining
(macro-F1 of the top label); the same folds (fixed seed) score the plain baseline measured in
the same run: character 1–2-gram TF-IDF + LinearSVC on the same text. The accuracy and the
share answered at the default abstain threshold are printed too.
"""

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rectify.textsim.classify import Classifier  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
MESSAGES = Path("messages") / "citizen_messages_sample_495.xlsx"
SEED = 0
FOLDS = 5
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def read_messages(path: Path) -> tuple[list[str], list[str]]:
    """(title + newline + detail, first-level category) per labelled row."""
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(h).strip() for h in rows[0]]
    title, detail, label = (header.index(h) for h in ("留言主题", "留言详情", "一级分类"))
    texts, labels = [], []
    for row in rows[1:]:
        if len(row) <= label or not str(row[label]).strip():
            continue
        text = f"{row[title]}\n{str(row[detail]).strip()}"
        texts.append(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
        labels.append(str(row[label]).strip())
    return texts, labels


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro"))


def evaluate_classifier(data_dir: Path) -> dict:
    """Macro-F1 of textsim's Classifier and of the baseline on the same folds; {} when the
    messages file is absent. Also prints the figures."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    path = Path(data_dir) / MESSAGES
    if not path.exists():
        print(f"classification skipped: no {MESSAGES} under {data_dir}")
        return {}
    texts, labels = read_messages(path)
    y = np.array(labels)
    ours = np.empty(len(y), dtype=object)
    confidence = np.zeros(len(y))
    plain = np.empty(len(y), dtype=object)
    seconds = {"textsim": 0.0, "baseline": 0.0}
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(texts, y):
        started = time.perf_counter()
        model = Classifier.train([texts[i] for i in train], [labels[i] for i in train])
        predicted = model.predict([texts[i] for i in test], abstain_below=0.0)
        ours[test] = [label for label, _ in predicted]
        confidence[test] = [c for _, c in predicted]
        seconds["textsim"] += time.perf_counter() - started
        started = time.perf_counter()
        base = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2)), LinearSVC())
        base.fit([texts[i] for i in train], y[train])
        plain[test] = base.predict([texts[i] for i in test])
        seconds["baseline"] += time.perf_counter() - started
    answered = confidence >= Classifier.DEFAULT_ABSTAIN
    result = {
        "messages": len(texts),
        "classes": len(set(labels)),
        "textsim": macro_f1(labels, list(ours)),
        "baseline": macro_f1(labels, list(plain)),
        "abstain": Classifier.DEFAULT_ABSTAIN,
        "answered": float(answered.mean()),
        "answered_accuracy": float(np.mean(ours[answered] == y[answered])),
        "seconds": seconds,
    }
    print_result(result)
    return result


def print_result(r: dict) -> None:
    print(
        f"classification: {r['messages']} messages, {r['classes']} classes, "
        f"stratified {FOLDS}-fold CV (seed {SEED})"
    )
    print(
        f"  macro-F1  textsim {r['textsim']:.3f}   baseline (char 1–2-gram TF-IDF + LinearSVC) "
        f"{r['baseline']:.3f}   Δ {r['textsim'] - r['baseline']:+.3f}"
    )
    print(
        f"  at the default abstain threshold {r['abstain']}: {r['answered']:.0%} answered, "
        f"{r['answered_accuracy']:.1%} of them right"
    )
    print(
        f"  time (5 folds: train + predict)  textsim {r['seconds']['textsim']:.1f} s   "
        f"baseline {r['seconds']['baseline']:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    evaluate_classifier(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
