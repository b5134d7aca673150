"""Grouping texts into near-duplicate groups and looser topic groups that do not chain."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from rectify.textsim.keyterms import key_terms
from rectify.textsim.neighbours import query_pairs, similar_pairs
from rectify.textsim.normalise import compare_form
from rectify.textsim.vectors import vectorise

DEFAULT_THRESHOLDS: dict[str, float] = {"duplicate": 0.6, "topic": 0.4}


@dataclass
class Group:
    members: list[int]
    representative: int
    key_terms: list[str]
    similarity: list[float]
    subgroups: list["Group"] = field(default_factory=list)


def _average_link(sim: np.ndarray, thresholds: list[float]) -> list[np.ndarray]:
    """Cluster labels of a dense similarity matrix, one array per threshold: average-link,
    cut where the mean similarity between two clusters falls below the threshold (so no
    chaining). Cuts of one dendrogram nest: a higher threshold splits a lower one's groups."""
    m = sim.shape[0]
    if m == 1:
        return [np.ones(1, dtype=int) for _ in thresholds]
    dist = 1.0 - np.clip(sim, 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    z = linkage(squareform(dist, checks=False), method="average")
    return [fcluster(z, t=1.0 - t + 1e-9, criterion="distance") for t in thresholds]


def _make_group(members: np.ndarray, x: sparse.csr_matrix, texts: list[str]) -> Group:
    sub = x[members]
    sim = (sub @ sub.T).toarray()
    rep_pos = int(np.argmax(sim.sum(axis=1)))
    order = np.argsort(-sim[rep_pos], kind="stable")
    order = [rep_pos] + [i for i in order if i != rep_pos]
    return Group(
        members=[int(members[i]) for i in order],
        representative=int(members[rep_pos]),
        key_terms=key_terms([texts[int(i)] for i in members]),
        similarity=[1.0] + [float(min(1.0, sim[rep_pos, i])) for i in order[1:]],
    )


def group_texts(
    texts: list[str],
    *,
    level: str = "duplicate",
    threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Group]:
    """Every input index appears in exactly one group (singletons included), largest first."""
    if level not in DEFAULT_THRESHOLDS:
        raise ValueError(f"level must be one of {sorted(DEFAULT_THRESHOLDS)}")
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS[level]
    n = len(texts)
    if n == 0:
        return []
    x = vectorise([compare_form(t) for t in texts])
    pairs = similar_pairs(x, threshold, progress)
    _, component = connected_components(pairs, directed=False)
    cuts = [threshold]
    if level == "topic":
        cuts.append(max(threshold, DEFAULT_THRESHOLDS["duplicate"]))
    groups: list[Group] = []
    order = np.argsort(component, kind="stable")
    for comp in np.split(order, np.cumsum(np.bincount(component))[:-1]):
        sub = x[comp]
        labels = _average_link((sub @ sub.T).toarray(), cuts)
        for label in np.unique(labels[0]):
            inside = labels[0] == label
            group = _make_group(comp[inside], x, texts)
            if level == "topic":
                subs = [
                    _make_group(comp[inside & (labels[1] == s)], x, texts)
                    for s in np.unique(labels[1][inside])
                ]
                group.subgroups = _largest_first(subs)
            groups.append(group)
    return _largest_first(groups)


def _largest_first(groups: list[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (-len(g.members), g.members[0]))


def nearest(
    candidates: list[str], queries: list[str], *, threshold: float | None = None, k: int = 1
) -> list[list[tuple[int, float]]]:
    """For each query, up to k (candidate index, similarity) at or above threshold, best first."""
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS["duplicate"]
    if not candidates or not queries:
        return [[] for _ in queries]
    x = vectorise([compare_form(t) for t in candidates + queries])
    return query_pairs(x[: len(candidates)], x[len(candidates) :], threshold, k)
