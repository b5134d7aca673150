"""Chinese text similarity: normalise, tokenise, vectorise, group, classify.

A library with no Django imports, so it can be tested and benchmarked alone and used from the
CLI on plain files.
"""
