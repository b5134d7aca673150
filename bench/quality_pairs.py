"""Grouping quality on public Chinese paraphrase sets: pair precision/recall/F1.

    .venv/bin/python bench/quality_pairs.py [--data ../shared/data]

For each set in DATA/paraphrase/ every sentence is put into one corpus and grouped with
`group_texts` at the one default duplicate threshold and its default measure ("auto": the
sentence model for sets of up to 20,000 sentences, as all three are), and once more with
characters only (measure "lexical") for comparison; each labelled pair counts as a true
positive when labelled 1 and grouped together, a false positive when labelled 0 and grouped
together. Printed next to the baseline measured in the same run: plain character-TF-IDF
cosine between the two sentences of a pair, at the threshold that maximises its pair-F1 on
that very set (an optimistic baseline: it is tuned on the data it is scored on).
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rectify.textsim import DEFAULT_THRESHOLDS, group_texts, semantic  # noqa: E402
from rectify.textsim.grouping import semantic_for  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
# The sentence model measured: m3e-small unless MEANING_MODEL names another (its licence:
# non-commercial, research use only; the application's default is no model).
MODEL_CHOICE = os.environ.get("MEANING_MODEL") or "m3e-small"


def read_lcqmc(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["sentence1"], r["sentence2"], int(r["label"])) for r in csv.DictReader(f)]


def read_bq(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r[0], r[1], int(r[2])) for r in rows if len(r) == 3]


def read_afqmc(path: Path) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(r["sentence1"], r["sentence2"], int(r["label"])) for r in rows]


SETS = {
    "LCQMC dev": ("lcqmc_dev.csv", read_lcqmc),
    "BQ dev": ("bq_dev.tsv", read_bq),
    "AFQMC dev": ("afqmc_dev.json", read_afqmc),
}


def pair_scores(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(predicted & (labels == 1)))
    fp = int(np.sum(predicted & (labels == 0)))
    fn = int(np.sum(~predicted & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def corpus_of(pairs: list[tuple[str, str, int]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct sentences of a set, and each pair as two indices into them."""
    index: dict[str, int] = {}
    for a, b, _ in pairs:
        index.setdefault(a, len(index))
        index.setdefault(b, len(index))
    ab = np.array([(index[a], index[b]) for a, b, _ in pairs])
    return list(index), ab, np.array([label for _, _, label in pairs])


def baseline_cosines(texts: list[str], ab: np.ndarray) -> np.ndarray:
    """Plain character-TF-IDF cosine of each pair (IDF from the set's sentences)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(analyzer="char").fit_transform(texts)
    return np.asarray(x[ab[:, 0]].multiply(x[ab[:, 1]]).sum(axis=1)).ravel()


def baseline(cos: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The baseline at its best threshold on this set (by pair-F1)."""
    best = {"f1": -1.0}
    for t in np.arange(0.05, 0.96, 0.01):
        scores = pair_scores(labels, cos >= t)
        if scores["f1"] > best["f1"]:
            best = {**scores, "threshold": round(float(t), 2)}
    return best


def baseline_at_precision(cos: np.ndarray, labels: np.ndarray, precision: float) -> dict:
    """The baseline's best recall at a precision at least `precision` (None if never)."""
    best = None
    for t in np.arange(0.05, 1.0, 0.01):
        scores = pair_scores(labels, cos >= t)
        if scores["precision"] >= precision and (best is None or scores["f1"] > best["f1"]):
            best = {**scores, "threshold": round(float(t), 2)}
    return best


def grouped(texts: list[str], ab: np.ndarray, labels: np.ndarray, measure="auto") -> dict:
    start = time.perf_counter()
    model = semantic.find(MODEL_CHOICE)
    groups = group_texts(texts, measure=measure, model=model)
    seconds = time.perf_counter() - start
    group_of = np.empty(len(texts), dtype=np.int64)
    for number, group in enumerate(groups):
        group_of[group.members] = number
    same = group_of[ab[:, 0]] == group_of[ab[:, 1]]
    used = "semantic" if semantic_for(len(texts), measure, model) else "lexical"
    return {**pair_scores(labels, same), "seconds": seconds, "measure": used}


def evaluate_pairs(data_dir: Path) -> list[dict]:
    """One row per paraphrase set found in data_dir/paraphrase/: sizes, textsim's pair scores
    at the default duplicate threshold, and the baseline's best. [] when the folder is absent."""
    folder = Path(data_dir) / "paraphrase"
    results = []
    for name, (filename, reader) in SETS.items():
        path = folder / filename
        if not path.exists():
            continue
        pairs = reader(path)
        texts, ab, labels = corpus_of(pairs)
        cos = baseline_cosines(texts, ab)
        ours = grouped(texts, ab, labels)
        characters = grouped(texts, ab, labels, measure="lexical")
        results.append(
            {
                "set": name,
                "pairs": len(pairs),
                "positives": int(labels.sum()),
                "sentences": len(texts),
                "threshold": DEFAULT_THRESHOLDS["duplicate"],
                "textsim": ours,
                "characters_only": characters,
                "baseline": baseline(cos, labels),
                "baseline_same_precision": baseline_at_precision(cos, labels, ours["precision"]),
                "all_in_one_f1": pair_scores(labels, np.ones(len(labels), dtype=bool))["f1"],
            }
        )
    return results


def _prf(scores: dict | None) -> str:
    if scores is None:
        return "never that precise"
    text = f"{scores['precision']:.3f}/{scores['recall']:.3f}/{scores['f1']:.3f}"
    return text + (f" (t={scores['threshold']:.2f})" if "threshold" in scores else "")


def print_table(results: list[dict]) -> None:
    print(f"sentence model: MEANING_MODEL={MODEL_CHOICE}")
    t = DEFAULT_THRESHOLDS["duplicate"]
    print(
        f"{'set':<10} {'pairs':>6} {'sent.':>6}  {f'textsim P/R/F1 (t={t})':<24} "
        f"{'its measure, time':<18} {'characters only P/R/F1':<24} "
        f"{'baseline P/R/F1 (best t)':<28} {'ΔF1':>6}  {'baseline at textsim P':<28} "
        f"{'all-in-one F1':>13}"
    )
    for r in results:
        ts, bl = r["textsim"], r["baseline"]
        how = f"{ts['measure']}, {ts['seconds']:.0f} s"
        print(
            f"{r['set']:<10} {r['pairs']:>6} {r['sentences']:>6}  {_prf(ts):<24} "
            f"{how:<18} {_prf(r['characters_only']):<24} "
            f"{_prf(bl):<28} "
            f"{ts['f1'] - bl['f1']:>+6.3f}  {_prf(r['baseline_same_precision']):<28} "
            f"{r['all_in_one_f1']:>13.3f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not (args.data / "paraphrase").is_dir():
        print(f"skipped: no paraphrase data at {args.data / 'paraphrase'} (see bench/README.md)")
        return 0
    print_table(evaluate_pairs(args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
