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
ENTITY_WEIGHT = 0.75  # norm of the distinguishing-token block, relative to the text's 1.0

_PLACE = re.compile(
    r"[a-z0-9]+\d*(?:省|市|区|县|镇|乡|村|街道|社区|小区|路|街|巷|号楼|号|栋|楼|单元|组)?"
    r"|[\u4e00-\u9fff]{1,4}?(?:省|市|区|县|镇|乡|村|街道|社区|小区|花园|路|街|巷|学校|中学|小学"
    r"|大学|幼儿园|医院|卫生院|公司|银行|派出所|公安局|局)"
)
_SUFFIX = re.compile(
    r"(?:省|市|区|县|镇|乡|村|街道|社区|小区|花园|路|街|巷|号楼|号|栋|楼|单元|组|学校|中学|小学"
    r"|大学|幼儿园|医院|卫生院|公司|银行|派出所|公安局|局)$"
)
# A name made only of these says nothing about which place it is (我们小区, 该小区, 另一小区).
_GENERIC = set("我们你他她它这那该本此某各个家附近周边所在一另几哪什么咱的小大新老")


def entities(text: str) -> list[str]:
    """Distinguishing tokens of a comparison-form text: named places and institutions, codes."""
    found = []
    for token in _PLACE.findall(text):
        name = _SUFFIX.sub("", token)
        if name and not set(name) <= _GENERIC:
            found.append(token)
    return found


def _idf(counts: sparse.csr_matrix) -> np.ndarray:
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


@dataclass
class Vectors:
    full: sparse.csr_matrix  # L2-normalised; its dot products are the similarities
    probe: sparse.csr_matrix  # rarer features only, to find candidate pairs cheaply
    bigram_df: dict[str, int]  # texts containing each character bigram (for key terms)


def _counts(vectoriser: CountVectorizer, texts: list[str]) -> sparse.csr_matrix:
    try:
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # nothing to count (e.g. no text names a place)
        vectoriser.vocabulary_ = {}
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)


def vectorise(texts: list[str]) -> Vectors:
    """Vectors of comparison-form texts (no model, no download; IDF from these texts)."""
    uni = _counts(CountVectorizer(analyzer="char", lowercase=False, dtype=np.float32), texts)
    uni.data = 1.0 + np.log(uni.data)
    uni = normalize(uni @ sparse.diags(_idf(uni) ** 2))
    bigrams = CountVectorizer(
        analyzer="char", ngram_range=(2, 2), lowercase=False, dtype=np.float32
    )
    bi_counts = _counts(bigrams, texts)
    df = np.bincount(bi_counts.indices, minlength=bi_counts.shape[1])
    bigram_df = {w: int(df[j]) for w, j in bigrams.vocabulary_.items()}
    bi_counts.data = 1.0 + np.log(bi_counts.data)
    bi_idf = _idf(bi_counts)
    bi = normalize(bi_counts @ sparse.diags(bi_idf))
    entity_counts = CountVectorizer(
        analyzer=entities, lowercase=False, binary=True, dtype=np.float32
    )
    ent = normalize(_counts(entity_counts, texts)) * ENTITY_WEIGHT
    full = sparse.hstack(
        [uni * np.sqrt(UNIGRAM_WEIGHT), bi * np.sqrt(BIGRAM_WEIGHT), ent], format="csr"
    )
    full = normalize(full).astype(np.float32)
    probe = _probe(bi, ent, bi_idf)
    return Vectors(full=full, probe=probe, bigram_df=bigram_df)


PROBE_FEATURES = 12  # a text's rarest bigrams that take part in the candidate search
PROBE_MAX_DF = 0.02  # bigrams in more texts than this share (and at least 200) are skipped


def _probe(bi: sparse.csr_matrix, ent: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Each text's few rarest (still shared) bigrams plus its entities: two texts that share
    none of them are not compared. Keeps the candidate search near-linear in the texts."""
    n = bi.shape[0]
    df = np.bincount(bi.indices, minlength=bi.shape[1])
    max_df = max(200, int(PROBE_MAX_DF * n))
    bi = bi.tocsr(copy=True)
    keep_col = (df >= 2) & (df <= max_df)
    data = bi.data.copy()
    data[~keep_col[bi.indices]] = 0.0
    # per row, keep the PROBE_FEATURES highest-idf surviving bigrams
    rank_key = np.where(data > 0, idf[bi.indices], -1.0)
    for i in range(n):
        lo, hi = bi.indptr[i], bi.indptr[i + 1]
        if hi - lo > PROBE_FEATURES:
            seg = rank_key[lo:hi]
            cut = np.argpartition(-seg, PROBE_FEATURES)[PROBE_FEATURES:]
            data[lo + cut] = 0.0
    bi.data = data
    bi.eliminate_zeros()
    return normalize(sparse.hstack([normalize(bi), ent], format="csr")).astype(np.float32)
