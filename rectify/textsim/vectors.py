"""Turning texts into sparse vectors whose cosine says how alike two texts are.

Measured on the public paraphrase sets (bench/quality_pairs.py): character unigrams with a
squared IDF weight separate paraphrases from near-misses best (a differing content character
costs more than a differing function word); character bigrams add word order and phrases;
distinguishing tokens (places, institutions, codes such as A区, A1区, 3号楼) get their own
heavy features, so two messages of one template about different places end up far apart.
"""

import re
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

UNIGRAM_WEIGHT = 0.8  # share of the character-unigram block in the vector
BIGRAM_WEIGHT = 0.2  # share of the character-bigram block
ENTITY_WEIGHT = 0.5  # norm of the distinguishing-token block, relative to the text's 1.0
TOPIC_TEXT_FLOOR = 0.3  # topic level: places count only between texts at least this alike
TOPIC_ENTITY_WEIGHT = 1.0  # the same at the topic level: the same place counts as much as the text
CONFLICT_FACTOR = 0.4  # similarity kept when both texts name places and none in common
MEANING_FLOOR = 0.6875  # sentence-model cosine that counts as 0; puts threshold 0.6 at cosine 0.875

# Kinds of distinguishing tokens: two texts that both name a token of one kind and share none
# of that kind are about different things.
_KINDS = {
    "admin": "省 市 区 县 镇 乡 村 街道 社区",
    "estate": "小区 花园 家园 公寓 新村 苑 大厦 广场",
    "road": "路 街 大道 巷",
    "building": "号楼 栋 单元",
    "institution": "学校 中学 小学 大学 幼儿园 医院 卫生院 公司 银行 派出所 公安局 局 中心",
}
_KIND_OF = {suffix: kind for kind, words in _KINDS.items() for suffix in words.split()}
_BY_LENGTH = sorted(_KIND_OF, key=len, reverse=True)
_SUFFIXES = "|".join(_BY_LENGTH)
# Characters that do not occur in names here (function words, pronouns, common verbs).
_NOT_NAME = (
    "的了是在我们你他她它这那就都也与及还很没有不个边旁附近住到从对给把被让向要说请"
    "该本此某各家所其哪什么一另小附希望"
)
_PLACE = re.compile(
    rf"[a-z0-9]*[a-z][a-z0-9]*(?:{_SUFFIXES})"
    rf"|(?:[^\s\d{_NOT_NAME}.,!?;:()<>\[\]\"'~\-]{{2,4}})(?:{_SUFFIXES})"
    r"(?!场|民|域|口|灯|面|线|上|下|里|道|码|长|委|政|内|外|级|部|门|业|主|际)"
    rf"|\d+(?:号楼|栋|单元)"
    r"|[a-z]+\d*"
)


def entities(text: str) -> list[str]:
    """Distinguishing tokens of a comparison-form text, each as "kind:token": named places,
    estates, roads, buildings, institutions, and Latin codes (A1区 → admin:a1区)."""
    found = []
    for token in _PLACE.findall(text):
        suffix = next((token[-k:] for k in (3, 2, 1) if token[-k:] in _KIND_OF), "")
        kind = _KIND_OF.get(suffix, "code")
        found.append(f"{kind}:{token}")
        if kind != "code" and len(token) - len(suffix) > 2 and not token.isascii():
            # the name may have taken a word before it (关于开元路): its last two characters
            # with the suffix are the name too, so 开元路 elsewhere is the same place
            found.append(f"{kind}:{token[-len(suffix) - 2 :]}")
    return found


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


@dataclass
class Vectors:
    full: sparse.csr_matrix  # L2-normalised; its dot products are the similarities
    topic: sparse.csr_matrix  # the same with places weighing more: for the topic level
    probe: sparse.csr_matrix  # rarer features only, to find candidate pairs cheaply
    bigrams: sparse.csr_matrix  # TF-IDF of character bigrams (for key terms)
    bigram_terms: np.ndarray  # the bigram of each column
    places: sparse.csr_matrix  # which distinguishing tokens each text names (0/1)
    place_terms: np.ndarray  # "kind:token" of each column
    kinds: list[sparse.csr_matrix]  # the same, one matrix per kind of token
    meaning: np.ndarray | None = None  # sentence-model unit vectors (semantic.py), if used

    def similarity(self, rows: np.ndarray, cols: np.ndarray, level: str = "duplicate"):
        """Exact similarity of pairs of texts (rows[i], cols[i]), in chunks.

        Duplicate level with sentence vectors: their cosine, MEANING_FLOOR..1 stretched to
        0..1. Topic level: the character vectors, places weighing as much as the text, but
        only between texts that are already somewhat alike (character similarity ≥
        TOPIC_TEXT_FLOOR): naming the same city does not make two unrelated requests one
        topic. The place rule applies to both levels."""
        if level == "duplicate" and self.meaning is not None:
            return np.clip(self.adjust(rows, cols, self.meant(rows, cols)), 0.0, 1.0)
        out = _pair_dots(self.full, rows, cols)
        if level == "topic":
            alike = np.flatnonzero(out >= TOPIC_TEXT_FLOOR)
            out[alike] = _pair_dots(self.topic, rows[alike], cols[alike])
        return np.clip(self.adjust(rows, cols, out), 0.0, 1.0)

    def meant(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Sentence-model similarity of pairs, on the 0..1 scale of the thresholds."""
        out = np.empty(len(rows), dtype=np.float32)
        step = 100_000
        for start in range(0, len(rows), step):
            r, c = rows[start : start + step], cols[start : start + step]
            out[start : start + len(r)] = np.einsum("ij,ij->i", self.meaning[r], self.meaning[c])
        return stretch(out)

    def matrix(self, members: np.ndarray) -> np.ndarray:
        """Duplicate-level similarity of every pair of these texts as a dense matrix (what
        `similarity` gives pair by pair), from one matrix product: for grouping inside a
        component of the neighbour graph."""
        if self.meaning is not None:
            part = self.meaning[members]
            sim = stretch(part @ part.T)
        else:
            part = self.full[members]
            sim = (part @ part.T).toarray().astype(np.float32)
        conflict = np.zeros(sim.shape, dtype=bool)
        for kind in self.kinds:
            named_tokens = kind[members]
            named = np.diff(named_tokens.indptr) > 0
            if named.sum() < 2:
                continue
            shared = (named_tokens @ named_tokens.T).toarray() > 0
            conflict |= np.outer(named, named) & ~shared
        sim[conflict] *= CONFLICT_FACTOR
        return np.clip(sim, 0.0, 1.0)

    def adjust(self, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray) -> np.ndarray:
        """Similarities of pairs, lowered where both texts name places of one kind and share
        none: "A区某小区油烟扰民" and "B区另一小区油烟扰民" are different problems."""
        if not self.kinds or len(rows) == 0:
            return sims
        conflict = np.zeros(len(rows), dtype=bool)
        for kind in self.kinds:
            named = np.diff(kind.indptr) > 0
            both = np.flatnonzero(named[rows] & named[cols])
            shared = np.asarray(kind[rows[both]].multiply(kind[cols[both]]).sum(axis=1)).ravel()
            conflict[both[shared == 0]] = True
        return np.where(conflict, sims * CONFLICT_FACTOR, sims).astype(sims.dtype)


def stretch(cosine: np.ndarray) -> np.ndarray:
    """Sentence-model cosine → 0..1: MEANING_FLOOR and below are 0."""
    return np.clip((cosine - MEANING_FLOOR) / (1.0 - MEANING_FLOOR), 0.0, 1.0).astype(np.float32)


def _pair_dots(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float32)
    step = 100_000
    for start in range(0, len(rows), step):
        r, c = rows[start : start + step], cols[start : start + step]
        out[start : start + len(r)] = np.asarray(matrix[r].multiply(matrix[c]).sum(axis=1)).ravel()
    return out


def _counts(vectoriser: CountVectorizer, texts: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Counts and the term of each column; one empty column when there is nothing to count."""
    try:
        counts = vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # nothing to count (e.g. no text names a place)
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32), np.array([""], dtype=object)
    terms = np.empty(len(vectoriser.vocabulary_), dtype=object)
    for term, column in vectoriser.vocabulary_.items():
        terms[column] = term
    return counts, terms


def _tfidf(counts: sparse.csr_matrix, power: float = 1.0) -> sparse.csr_matrix:
    counts = counts.astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts @ sparse.diags(_idf(counts) ** power)).tocsr()


_BIGRAM = 1 << 42  # character bigram keys: _BIGRAM + (first << 21 | second); code points < 2**21


def _char_grams(texts: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Counts of character 1- and 2-grams per text and the gram of each column, with numpy
    over all texts at once (what CountVectorizer(analyzer="char", ngram_range=(1, 2)) gives,
    several times faster)."""
    n = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if len(points) == 0:
        return sparse.csr_matrix((n, 1), dtype=np.float32), np.array([""], dtype=object)
    doc = np.repeat(np.arange(n), lengths)
    inside = doc[:-1] == doc[1:]
    keys = np.concatenate([points, _BIGRAM + ((points[:-1] << 21) | points[1:])[inside]])
    docs = np.concatenate([doc, doc[:-1][inside]])
    vocabulary, columns = np.unique(keys, return_inverse=True)
    counts = sparse.csr_matrix(
        (np.ones(len(keys), dtype=np.float32), (docs, columns)), shape=(n, len(vocabulary))
    )
    counts.sum_duplicates()
    terms = np.array(
        [
            chr(k) if k < _BIGRAM else chr((k - _BIGRAM) >> 21) + chr((k - _BIGRAM) & 0x1FFFFF)
            for k in vocabulary.tolist()
        ],
        dtype=object,
    )
    return counts, terms


def _columns(grams: sparse.csr_matrix, terms: np.ndarray, chosen: np.ndarray):
    """The chosen columns and their terms; one empty column when none is chosen (texts of
    single characters have no bigrams), so every block keeps a shape the next step accepts."""
    columns = np.flatnonzero(chosen)
    if len(columns) == 0:
        return sparse.csr_matrix((grams.shape[0], 1), dtype=np.float32), np.array([""], object)
    return grams[:, columns].tocsr(), terms[columns]


def vectorise(texts: list[str], meaning: np.ndarray | None = None) -> Vectors:
    """Vectors of comparison-form texts (IDF from these texts); `meaning`: their sentence
    vectors (semantic.encode), which then decide duplicate-level similarity."""
    grams, terms = _char_grams(texts)
    length = np.fromiter((len(t) for t in terms), dtype=np.int8, count=len(terms))
    uni_counts, _ = _columns(grams, terms, length == 1)
    uni = _tfidf(uni_counts, power=2)
    bi_counts, bigram_terms = _columns(grams, terms, length == 2)
    bi = _tfidf(bi_counts)
    places, place_terms = _counts(
        CountVectorizer(analyzer=entities, lowercase=False, binary=True, dtype=np.float32), texts
    )
    places.data[:] = 1.0
    kinds = []
    for kind in [*_KINDS, "code"]:
        cols = [j for j, t in enumerate(place_terms) if t.startswith(kind + ":")]
        if cols:
            kinds.append(places[:, cols].tocsr())
    text = sparse.hstack([uni * np.sqrt(UNIGRAM_WEIGHT), bi * np.sqrt(BIGRAM_WEIGHT)])
    ent = normalize(places)
    full = normalize(sparse.hstack([text, ent * ENTITY_WEIGHT], format="csr")).astype(np.float32)
    topic = sparse.hstack([text, ent * TOPIC_ENTITY_WEIGHT], format="csr")
    topic = normalize(topic).astype(np.float32)
    probe = _probe(bi, ent * ENTITY_WEIGHT, _idf(bi_counts))
    return Vectors(
        full=full,
        topic=topic,
        probe=probe,
        bigrams=bi,
        bigram_terms=bigram_terms,
        places=places.tocsr(),
        place_terms=place_terms,
        kinds=kinds,
        meaning=meaning,
    )


PROBE_FEATURES = 12  # a text's rarest bigrams that take part in the candidate search
PROBE_MAX_DF = 0.005  # bigrams in more texts than this share (and at least 200) never do


def _probe(bi: sparse.csr_matrix, ent: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Each text's PROBE_FEATURES rarest shared bigrams plus its places: two texts that share
    none of them are not compared. Bigrams common to many texts are left out, which keeps the
    candidate search near-linear (a common bigram would pair every text that has it)."""
    n = bi.shape[0]
    df = np.bincount(bi.indices, minlength=bi.shape[1])
    eligible = ((df >= 2) & (df <= max(200, int(PROBE_MAX_DF * n))))[bi.indices]
    data = np.where(eligible, bi.data, 0.0).astype(np.float32)
    rank_key = np.where(eligible, idf[bi.indices], -1.0)
    row_of = np.repeat(np.arange(n), np.diff(bi.indptr))
    counts = np.bincount(row_of[eligible], minlength=n)
    for i in np.flatnonzero(counts > PROBE_FEATURES):
        lo, hi = bi.indptr[i], bi.indptr[i + 1]
        cut = np.argpartition(-rank_key[lo:hi], PROBE_FEATURES)[PROBE_FEATURES:]
        data[lo + cut] = 0.0
    probe = sparse.csr_matrix((data, bi.indices, bi.indptr), shape=bi.shape)
    probe.eliminate_zeros()
    return normalize(sparse.hstack([normalize(probe), ent], format="csr")).astype(np.float32)
