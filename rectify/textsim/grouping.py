"""Grouping texts into near-duplicate groups and looser topic groups that do not chain.

Steps: comparison form (normalise.compare_form) → sparse character vectors
(vectors.vectorise) and, when the caller chose a sentence model and up to SEMANTIC_LIMIT texts,
sentence vectors (semantic.encode) →
pairs at or above the threshold (neighbours.similar_pairs) → connected components of that
graph → average-link inside each component, cut at the threshold, so a group's members are on
average that close to each other (A~B and B~C do not make A~C).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from rectify.textsim import semantic
from rectify.textsim.keyterms import KeyTerms
from rectify.textsim.neighbours import query_pairs, similar_pairs
from rectify.textsim.normalise import compare_forms
from rectify.textsim.vectors import Vectors, vectorise

# Chosen on the public paraphrase sets and planted groups (docs/textsim.md, bench/README.md).
DEFAULT_THRESHOLDS: dict[str, float] = {"duplicate": 0.6, "topic": 0.4}
# Which measure decides near-duplicates: "semantic" (the sentence model, then the place rule)
# or "lexical" (characters only). "auto": semantic up to SEMANTIC_LIMIT texts when the caller
# chose a model (`model`, a folder from semantic.find), else lexical; the model reads about 65
# texts a second on 2 cores, so more would take minutes where characters take seconds.
MEASURES = ("auto", "semantic", "lexical")
SEMANTIC_LIMIT = 20_000
LINKAGE_LIMIT = 10_000  # larger components are first split around their best-connected items
# (average-link needs all of a component's pairs: 10,000 texts → 50 M pairs, ~1.5 GB, ~30 s)
DENSE_FROM = 300  # components larger than this get their similarities from a matrix product
KEY_TERM_SAMPLE = 12  # members read for a group's key terms


@dataclass
class Group:
    members: list[int]  # indices into the input, representative first
    representative: int
    key_terms: list[str]
    similarity: list[float]  # per member, to the representative, 0..1
    subgroups: list["Group"] = field(default_factory=list)  # topic level: its duplicate groups


def _average_link(sim: np.ndarray, threshold: float) -> np.ndarray:
    """Average-link labels of a dense similarity matrix, cut where the mean similarity between
    two clusters falls below the threshold (average-link merge heights only grow, so the cut
    is the merges up to that height)."""
    m = sim.shape[0]
    dist = 1.0 - np.clip(sim, 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    z = linkage(squareform(dist, checks=False), method="average")
    parent = list(range(2 * m - 1))
    for k, (a, b, height, _) in enumerate(z.tolist()):
        if height > 1.0 - threshold + 1e-6:
            break
        parent[int(a)] = parent[int(b)] = m + k
    labels = np.empty(m, dtype=np.int64)
    for i in range(m):
        root = i
        while parent[root] != root:
            root = parent[root]
        labels[i] = root
    return labels


def _stars(graph: sparse.csr_matrix) -> list[np.ndarray]:
    """Split a very large component without a dense matrix: repeatedly take the item with the
    most unassigned neighbours and give it those neighbours (each within threshold of it)."""
    free = np.ones(graph.shape[0], dtype=bool)
    degree = np.diff(graph.indptr)
    parts = []
    for centre in np.argsort(-degree, kind="stable"):
        if not free[centre]:
            continue
        near = graph.indices[graph.indptr[centre] : graph.indptr[centre + 1]]
        part = np.concatenate([[centre], near[free[near]]])
        free[part] = False
        parts.append(part)
    return parts


def _clusters(
    pairs: sparse.coo_matrix, n: int, threshold: float, vectors: Vectors | None = None
) -> list[tuple]:
    """(members, local similarity matrix or None) per group. Inside each component the
    similarities of all its pairs are exact when `vectors` is given (one batched product);
    otherwise a pair missing from the graph counts as 0, which only makes average-link more
    careful."""
    _, component = connected_components(pairs, directed=False)
    sizes = np.bincount(component, minlength=1)
    out: list[tuple] = [(np.array([i]), None) for i in np.flatnonzero(sizes[component] == 1)]
    multi = np.flatnonzero(sizes > 1)
    if len(multi) == 0:
        return out
    order = np.argsort(component, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    edge_comp = component[pairs.row]
    edge_order = np.argsort(edge_comp, kind="stable")
    er, ec, ev = pairs.row[edge_order], pairs.col[edge_order], pairs.data[edge_order]
    edge_starts = np.searchsorted(edge_comp[edge_order], np.arange(len(sizes) + 1))
    exact = _exact_inside(vectors, order, starts, sizes, multi) if vectors is not None else {}
    local = np.empty(n, dtype=np.int64)
    for k in multi:
        size = sizes[k]
        comp = order[starts[k] : starts[k + 1]]
        lo, hi = edge_starts[k], edge_starts[k + 1]
        if size == 2:
            v = float(ev[lo])
            out.append((comp, np.array([[1.0, v], [v, 1.0]], dtype=np.float32)))
            continue
        local[comp] = np.arange(size)
        r, c, v = local[er[lo:hi]], local[ec[lo:hi]], ev[lo:hi]
        if size > LINKAGE_LIMIT:
            for part in _stars(sparse.csr_matrix((v, (r, c)), shape=(size, size))):
                out.append((comp[part], None))
            continue
        sim = exact.get(k)
        if sim is None:
            sim = np.zeros((size, size), dtype=np.float32)
        sim[r, c] = v
        np.fill_diagonal(sim, 1.0)
        labels = _average_link(sim, threshold)
        for label in np.unique(labels):
            idx = np.flatnonzero(labels == label)
            out.append((comp[idx], sim[np.ix_(idx, idx)]))
    return out


def _exact_inside(vectors: Vectors, order, starts, sizes, multi) -> dict[int, np.ndarray]:
    """Exact (place-adjusted) similarity matrices of the components of 3..LINKAGE_LIMIT
    texts: small ones from all their pairs in one batch (thousands of components, one call),
    large ones each from one matrix product (their pair lists would not fit)."""
    large = [k for k in multi if DENSE_FROM < sizes[k] <= LINKAGE_LIMIT]
    out = {k: vectors.matrix(order[starts[k] : starts[k + 1]]) for k in large}
    small = [k for k in multi if 3 <= sizes[k] <= DENSE_FROM]
    if not small:
        return out
    rows, cols, spans = [], [], []
    for k in small:
        comp = order[starts[k] : starts[k + 1]]
        i, j = np.triu_indices(len(comp), 1)
        rows.append(comp[i])
        cols.append(comp[j])
        spans.append((k, i, j))
    sims = vectors.similarity(np.concatenate(rows), np.concatenate(cols))
    pos = 0
    for k, i, j in spans:
        sim = np.zeros((sizes[k], sizes[k]), dtype=np.float32)
        sim[i, j] = sim[j, i] = sims[pos : pos + len(i)]
        pos += len(i)
        out[k] = sim
    return out


def _describe(
    found: list[tuple], vectors: Vectors, terms: KeyTerms, level: str = "duplicate"
) -> list[Group]:
    """Groups with their representative, members ordered by similarity to it, and key terms.
    `found`: (members, local similarity matrix or None, representative or None); without a
    given representative it is the member most similar to the others (the first of a pair)."""
    chosen = []
    for members, sim, rep in found:
        if rep is not None:
            chosen.append(int(rep))
        elif sim is None or len(members) < 3:
            chosen.append(int(members[0]))
        else:
            chosen.append(int(members[int(np.argmax(sim.sum(axis=1)))]))
    flat_members = np.concatenate([m for m, _, _ in found])
    flat_reps = np.repeat(chosen, [len(m) for m, _, _ in found])
    others = np.flatnonzero(flat_members != flat_reps)
    r, m = flat_reps[others], flat_members[others]
    to_rep = np.ones(len(flat_members), dtype=np.float32)
    to_rep[others] = vectors.similarity(r, m, level)
    groups, pos = [], 0
    for (members, _, _), rep in zip(found, chosen, strict=True):
        if len(members) == 1:
            groups.append(Group([rep], rep, terms.of([rep]), [1.0]))
            pos += 1
            continue
        here = to_rep[pos : pos + len(members)]
        pos += len(members)
        order = np.argsort(-(here + (members == rep)), kind="stable")
        ids = [int(i) for i in members[order]]
        groups.append(
            Group(
                members=ids,
                representative=rep,
                key_terms=terms.of(ids[:KEY_TERM_SAMPLE]),
                similarity=[1.0] + [float(x) for x in here[order][1:]],
            )
        )
    return groups


def _topics(
    vectors: Vectors, duplicates: list[Group], threshold: float, terms: KeyTerms, progress
) -> list[Group]:
    """Topic groups as unions of whole duplicate groups: average-link over the duplicate
    groups, where two groups' similarity is the mean topic similarity of their members."""
    unit = np.empty(vectors.full.shape[0], dtype=np.int64)
    for number, group in enumerate(duplicates):
        unit[group.members] = number
    sizes = np.array([len(g.members) for g in duplicates], dtype=np.float64)
    pairs = similar_pairs(vectors, threshold, progress, level="topic")
    u, w = unit[pairs.row], unit[pairs.col]
    apart = u != w
    units = sparse.coo_matrix(
        (pairs.data[apart].astype(np.float64), (u[apart], w[apart])),
        shape=(len(duplicates), len(duplicates)),
    ).tocsr()  # sums duplicates entries
    units = units.tocoo()
    units.data = units.data / (sizes[units.row] * sizes[units.col])
    topics = []
    for members, _ in _clusters(units, len(duplicates), threshold):
        subgroups = _largest_first([duplicates[i] for i in members])
        ids = np.concatenate([g.members for g in subgroups])
        topics.append((ids, subgroups))
    described = _describe(
        [(ids, None, subs[0].representative) for ids, subs in topics], vectors, terms, "topic"
    )
    for group, (_, subs) in zip(described, topics, strict=True):
        group.subgroups = subs
    return described


def semantic_for(count: int, measure: str = "auto", model: Path | None = None) -> bool:
    """Whether grouping `count` texts with this measure uses the sentence model in `model`.
    Without a model, characters only; "semantic" without one is refused, not quietly lexical."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}, not {measure!r}")
    if model is None:
        if measure == "semantic":
            raise semantic.ModelMissing(
                "the semantic measure needs a sentence model; none is chosen"
            )
        return False
    return measure == "semantic" or (measure == "auto" and count <= SEMANTIC_LIMIT)


def group_texts(
    texts: list[str],
    *,
    level: str = "duplicate",
    threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    measure: str = "auto",
    model: Path | None = None,
    meaning: np.ndarray | None = None,
) -> list[Group]:
    """Every input index appears in exactly one group (singletons included), largest first.

    level="duplicate": the same problem said again. level="topic": the same place or object,
    looser (places weigh more); each topic group is a union of whole duplicate groups and
    carries them as `subgroups`. measure: see MEASURES. model: the sentence model's folder
    (semantic.find), None for characters only. meaning: the texts' sentence vectors
    (`sentence_vectors`) when the caller keeps them; otherwise they are read here when the
    measure calls for them."""
    if level not in DEFAULT_THRESHOLDS:
        raise ValueError(f"level must be one of {sorted(DEFAULT_THRESHOLDS)}, not {level!r}")
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS[level]
    if not texts:
        return []
    forms = compare_forms(texts)
    use_model = semantic_for(len(texts), measure, model)
    read = use_model and meaning is None
    passes = (2 if level == "topic" else 1) + (2 if read else 0)  # reading weighs double
    if read:
        meaning = semantic.encode(model, forms, _share(progress, 0, passes, 2))
    vectors = vectorise(forms, meaning if use_model else None)
    terms = KeyTerms(vectors)
    first = 2 if read else 0
    duplicate = DEFAULT_THRESHOLDS["duplicate"] if level == "topic" else threshold
    pairs = similar_pairs(vectors, duplicate, _share(progress, first, passes))
    found = _clusters(pairs, len(texts), duplicate, vectors)
    groups = _describe([(m, s, None) for m, s in found], vectors, terms)
    if level == "topic":
        groups = _topics(vectors, groups, threshold, terms, _share(progress, first + 1, passes))
    if progress:
        progress(len(texts), len(texts))
    return _largest_first(groups)


def _share(progress, index: int, passes: int, weight: int = 1):
    """The progress callback for a pass over the texts that starts after `index` passes'
    worth of work and counts `weight` passes (of `passes` in all)."""
    if progress is None or passes == 1:
        return progress
    return lambda done, total: progress((index * total + weight * done) // passes, total)


def _largest_first(groups: list[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (-len(g.members), g.members[0]))


def sentence_vectors(
    texts: list[str], model: Path, progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """The sentence vectors `group_texts` reads for these texts with this model, for callers
    that keep them."""
    return semantic.encode(model, compare_forms(texts), progress)


def similarities(
    reference: str, texts: list[str], *, measure: str = "auto", model: Path | None = None
) -> list[float]:
    """Each text's duplicate-level similarity to `reference` (0..1) by the measure grouping
    uses for that many texts: for a group that people changed by hand (moved, split), so its
    figures are on the same scale as the machine's."""
    if not texts:
        return []
    forms = compare_forms([reference, *texts])
    use_model = semantic_for(len(texts), measure, model)
    meaning = semantic.encode(model, forms) if use_model else None
    vectors = vectorise(forms, meaning)
    others = np.arange(1, len(forms))
    return [float(x) for x in vectors.similarity(np.zeros_like(others), others)]


def nearest(
    candidates: list[str], queries: list[str], *, threshold: float | None = None, k: int = 1
) -> list[list[tuple[int, float]]]:
    """For each query, up to k (candidate index, similarity) at or above threshold (default:
    the duplicate threshold), best first. Used at intake to flag a new item that is very
    close to an existing problem."""
    if threshold is None:
        threshold = DEFAULT_THRESHOLDS["duplicate"]
    if not candidates or not queries:
        return [[] for _ in queries]
    vectors = vectorise(compare_forms(candidates + queries))
    return query_pairs(vectors, len(candidates), threshold, k)
