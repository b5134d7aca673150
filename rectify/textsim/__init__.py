"""Chinese text similarity: normalise, vectorise, group, classify.

A library with no Django imports, so it can be tested and benchmarked alone and used from the
CLI on plain files. How it works and how its defaults were chosen: docs/textsim.md.
"""

from rectify.textsim.classify import Classifier
from rectify.textsim.grouping import DEFAULT_THRESHOLDS, Group, group_texts, nearest

__all__ = ["DEFAULT_THRESHOLDS", "Classifier", "Group", "group_texts", "nearest"]
