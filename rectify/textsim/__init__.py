"""Chinese text similarity: normalise, vectorise, group, classify.

A library with no Django imports, so it can be tested and benchmarked alone and used from the
CLI on plain files. How it works and how its defaults were chosen: docs/textsim.md.
"""

import importlib

# Imported on first use: numpy, scipy and scikit-learn take a second or two to load, and most
# users of this package (the importer, every `rectify` command) only need normalise.py.
_WHERE = {
    "Classifier": "rectify.textsim.classify",
    "DEFAULT_THRESHOLDS": "rectify.textsim.grouping",
    "Group": "rectify.textsim.grouping",
    "group_texts": "rectify.textsim.grouping",
    "nearest": "rectify.textsim.grouping",
    "sentence_vectors": "rectify.textsim.grouping",
    "similarities": "rectify.textsim.grouping",
    "semantic_for": "rectify.textsim.grouping",
}

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Classifier",
    "Group",
    "group_texts",
    "nearest",
    "semantic_for",
    "sentence_vectors",
    "similarities",
]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
