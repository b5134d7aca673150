"""Text-similarity quality on data no one here wrote: grouping pairs and classification.

    .venv/bin/python bench/quality.py [--data ../shared/data]

(a) for each paraphrase set, pair precision/recall/F1 of `group_texts` at the default duplicate
threshold, next to a character-TF-IDF cosine baseline (bench/quality_pairs.py);
(b) macro-F1 of `Classifier` by stratified 5-fold CV on the 495 citizen messages, next to a
character 1–2-gram TF-IDF + LinearSVC baseline (bench/quality_classify.py).
Every baseline is measured in the same run. Skips with a message when the data is absent.
"""

import argparse
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from quality_classify import DEFAULT_DATA, evaluate_classifier  # noqa: E402


def pairs(data: Path) -> None:
    if not (data / "paraphrase").is_dir():
        print(f"pairs skipped: no paraphrase data at {data / 'paraphrase'}")
        return
    try:
        from quality_pairs import evaluate_pairs, print_table
    except ImportError as exc:
        print(f"pairs skipped: bench/quality_pairs.py is not usable ({exc})")
        return
    print("grouping: pair precision / recall / F1 on paraphrase sets")
    print_table(evaluate_pairs(data))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"skipped: no development data at {args.data} (see bench/README.md)")
        return 0
    pairs(args.data)
    print()
    evaluate_classifier(args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
