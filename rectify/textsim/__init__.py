"""Chinese text similarity: normalise, tokenise, vectorise, group, classify.

A library with no Django imports, so it can be tested and benchmarked alone and used from the
CLI on plain files.
"""

from rectify.textsim.grouping import DEFAULT_THRESHOLDS, Group, group_texts, nearest

__all__ = ["DEFAULT_THRESHOLDS", "Group", "group_texts", "nearest"]
