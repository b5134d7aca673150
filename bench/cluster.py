"""Benchmark: grouping 10,000 / 30,000 / 100,000 generated feedback texts with planted
paraphrase groups — textsim next to string-grouper and a brute-force all-pairs baseline.

    .venv/bin/python bench/cluster.py [--sizes 10000,30000,100000] [--semantic-sizes 10000]
                                      [--seed 7] [--skip-sg]

The texts are generated here (not copied from any data set): citizen-feedback-like messages
about a place (district, estate, building) and a problem (noise, fumes, lighting, pensions…),
each problem said 1–25 times in different words (synonyms, clause order, greetings and thanks,
extra details, full-width digits, traditional characters, layout whitespace). Messages of one
template about different places are different problems. Every run, each size in a fresh
process (so peak RSS is its own): wall time, peak RSS, pair precision/recall/F1 against the
planted groups, the machine's load average; the growth exponent from the timings;
string-grouper (TF-IDF of character 3-grams + sparse top-n, its usual setup) on the same data
at its best threshold from a 10,000-text calibration; brute force (every pair's exact
similarity with textsim's own vectors) on a sample, and how many of its pairs the candidate
search found. textsim runs with characters only (measure "lexical", what its default "auto"
uses above 20,000 texts) at every size, and with the sentence model (measure "semantic", the
default's choice up to 20,000) at the --semantic-sizes. Not a test: it prints figures;
bench/README.md records them.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# The sentence model measured: m3e-small unless MEANING_MODEL names another (its licence:
# non-commercial, research use only; the application's default is no model).
MODEL_CHOICE = os.environ.get("MEANING_MODEL") or "m3e-small"
sys.path.insert(0, str(ROOT))

SYLLABLES = (
    "东西南北中新老长青白金银云松桃李杏梅兰竹菊和平安康宁泰华兴盛隆昌福寿春秋阳光明月星湖"
    "江河山林园田石桥溪泉岭坡湾港滨海天龙凤鹤鹿翠绿红紫丰裕锦绣文武仁德博雅嘉宏伟远建"
)
DISTRICT_SUFFIX = ["区", "县", "市"]
ESTATE_SUFFIX = ["小区", "花园", "家园", "苑", "公寓", "新村", "社区"]
STREET_SUFFIX = ["路", "街", "大道"]

# Each problem kind: several ways of saying its core, and details that can be added.
KINDS = {
    "油烟": (
        [
            "楼下餐馆油烟直排，家里窗户都不敢开",
            "底商饭店的油烟直接排到居民楼，呛得人受不了",
            "餐饮店排烟管道对着住户窗户，油烟很大",
        ],
        ["已经持续半年多了", "老人孩子都被呛得咳嗽", "多次找物业没有结果"],
    ),
    "噪音": (
        [
            "附近工地夜间施工噪音扰民，晚上根本睡不着",
            "工地晚上十点以后还在施工，噪声太大",
            "夜里施工机器轰鸣，严重影响居民休息",
        ],
        ["孩子第二天还要上学", "打过12345也没用", "凌晨两三点还在作业"],
    ),
    "路灯": (
        [
            "小区门口的路灯坏了很久没人修",
            "路灯不亮已经好几个月，晚上出行很不安全",
            "道路照明设施损坏，夜间一片漆黑",
        ],
        ["有老人晚上摔倒过", "附近还有学校", "报修后一直没人来"],
    ),
    "积水": (
        [
            "一下雨路面就大面积积水，行人无法通过",
            "排水不畅，下雨天积水没过脚踝",
            "雨后积水好几天不退，车辆都被泡了",
        ],
        ["下水道堵塞严重", "蚊虫滋生", "附近居民出行困难"],
    ),
    "电梯": (
        [
            "楼里电梯经常故障，多次困人",
            "电梯老化频繁停运，住户上下楼很困难",
            "电梯三天两头坏，维修也不及时",
        ],
        ["楼里有很多行动不便的老人", "物业说没有维修资金", "上个月还困住了孩子"],
    ),
    "养老金": (
        [
            "退休后养老金迟迟没有发放",
            "养老金到现在还没到账，生活很困难",
            "办了退休手续好几个月，养老金一直没发",
        ],
        ["社保窗口说再等等", "家里还有病人要照顾", "咨询多次没有答复"],
    ),
    "低保": (
        [
            "低保申请交上去很久没有审批结果",
            "申请低保材料齐全却迟迟批不下来",
            "低保审核时间过长，困难家庭等不起",
        ],
        ["家里没有劳动力", "村里说在走流程", "已经过去四个多月"],
    ),
    "垃圾": (
        [
            "垃圾站满了没人清运，臭气熏天",
            "生活垃圾堆放多日无人清理，气味难闻",
            "垃圾清运不及时，周边环境很差",
        ],
        ["夏天苍蝇蚊子特别多", "旁边就是菜市场", "环卫工人很少来"],
    ),
    "停车": (
        [
            "小区内乱停车严重，消防通道被堵",
            "车辆乱停乱放，消防车根本进不来",
            "消防通道长期被私家车占用",
        ],
        ["物业管理不到位", "晚上尤其严重", "发生火灾后果不堪设想"],
    ),
    "学校": (
        [
            "孩子上学要走很远，附近没有公办小学",
            "片区内学位不足，孩子入学难",
            "适龄儿童多，学校容纳不下",
        ],
        ["每天接送很辛苦", "民办学校收费太高", "新小区入住的人越来越多"],
    ),
    "物业": (
        [
            "物业费年年涨，服务却越来越差",
            "物业收费高但不作为，公共设施坏了没人管",
            "物业公司服务质量差，业主意见很大",
        ],
        ["绿化带无人打理", "保安经常不在岗", "业主委员会迟迟成立不了"],
    ),
    "公交": (
        [
            "这边公交车班次太少，等车要一个小时",
            "公交线路少，居民出行很不方便",
            "公交车间隔时间太长，上班经常迟到",
        ],
        ["早晚高峰挤不上车", "最近的站点很远", "希望增开线路"],
    ),
}
SYNONYMS = [
    ("严重", "厉害"),
    ("希望", "恳请"),
    ("尽快", "早日"),
    ("处理", "解决"),
    ("很", "非常"),
    ("没有", "没"),
    ("居民", "住户"),
    ("多次", "好几次"),
    ("晚上", "夜里"),
    ("已经", "都"),
    ("困难", "艰难"),
    ("不方便", "不便"),
]
OPENINGS = [
    "尊敬的领导您好：",
    "您好，",
    "领导好！",
    "",
    "",
    "",
    "我是附近的居民，",
    "反映一个问题：",
]
CLOSINGS = [
    "希望有关部门尽快处理！",
    "请领导重视，谢谢！",
    "恳请尽快解决。",
    "谢谢！",
    "",
    "",
    "望早日解决为盼。",
]
TRADITIONAL = str.maketrans(
    "区门题时电梯垃圾车费务长们发处这说过", "區門題時電梯垃圾車費務長們發處這說過"
)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _name(rng: random.Random, size: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(size))


def _problem(rng: random.Random) -> dict:
    return {
        "district": _name(rng) + rng.choice(DISTRICT_SUFFIX),
        "estate": _name(rng) + rng.choice(ESTATE_SUFFIX),
        "street": _name(rng) + rng.choice(STREET_SUFFIX),
        "building": rng.randint(1, 40),
        "kind": rng.choice(list(KINDS)),
    }


def _say(problem: dict, rng: random.Random) -> str:
    """One message about the problem, worded afresh."""
    cores, details = KINDS[problem["kind"]]
    where = rng.choice(
        [
            f"{problem['district']}{problem['estate']}",
            f"{problem['district']}{problem['street']}{problem['estate']}",
            f"{problem['estate']}（{problem['district']}）",
            f"{problem['district']}{problem['estate']}{problem['building']}号楼",
        ]
    )
    core = rng.choice(cores)
    chosen = rng.sample(details, rng.randint(0, 2))
    clauses = [f"我们{where}" if rng.random() < 0.5 else f"{where}这边", core, *chosen]
    if len(clauses) > 2 and rng.random() < 0.5:
        rest = clauses[1:]
        rng.shuffle(rest)
        clauses = [clauses[0], *rest]
    text = rng.choice(OPENINGS) + "，".join(clauses) + "。" + rng.choice(CLOSINGS)
    for a, b in SYNONYMS:
        if a in text and rng.random() < 0.3:
            text = text.replace(a, b)
    if rng.random() < 0.1:
        text = text.translate(TRADITIONAL)
    if rng.random() < 0.2:
        text = text.translate(FULL_WIDTH)
    if rng.random() < 0.2:
        text = "\n\t\t\t" + text.replace("，", "，\u3000", 1) + "\n"
    return text


def generate(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """n texts and the planted problem of each. Half the problems are said once, the rest
    2–25 times (a long tail, as in real campaigns)."""
    rng = random.Random(seed)
    texts: list[str] = []
    gold: list[int] = []
    problem_id = 0
    while len(texts) < n:
        problem = _problem(rng)
        times = 1 if rng.random() < 0.5 else min(25, 2 + int(rng.expovariate(1 / 4)))
        for _ in range(min(times, n - len(texts))):
            texts.append(_say(problem, rng))
            gold.append(problem_id)
        problem_id += 1
    order = list(range(n))
    rng.shuffle(order)
    return [texts[i] for i in order], np.array([gold[i] for i in order])


def pair_scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Pair precision/recall/F1 of a partition against the planted one (counted, not listed)."""

    def pairs(labels: np.ndarray) -> int:
        counts = np.unique(labels, return_counts=True)[1].astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    _, both = np.unique(np.stack([gold, predicted]), axis=1, return_inverse=True)
    tp = pairs(both.ravel())
    pred, true = pairs(predicted), pairs(gold)
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_textsim(n: int, seed: int, measure: str = "lexical") -> dict:
    from rectify.textsim import group_texts, semantic

    model = semantic.find(MODEL_CHOICE)
    texts, gold = generate(n, seed)
    rss_before = _peak_rss_mb()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    groups = group_texts(texts, measure=measure, model=model)
    seconds = time.perf_counter() - start
    predicted = np.empty(n, dtype=np.int64)
    for number, group in enumerate(groups):
        predicted[group.members] = number
    return {
        "tool": f"textsim {measure}",
        "n": n,
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_before_mb": rss_before,
        "load": load,
        "groups": len(groups),
        **pair_scores(gold, predicted),
    }


def run_string_grouper(n: int, seed: int, threshold: float, ngram: int = 3) -> dict:
    import pandas as pd
    from string_grouper import group_similar_strings

    texts, gold = generate(n, seed)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    reps = group_similar_strings(
        pd.Series(texts),
        min_similarity=threshold,
        ngram_size=ngram,
        normalize_to_ascii=False,  # its default drops every Chinese character
        ignore_index=True,
        number_of_processes=1,
    )
    seconds = time.perf_counter() - start
    predicted = pd.factorize(reps)[0]
    return {
        "tool": f"string-grouper ({ngram}-gram, t={threshold:.2f})",
        "n": n,
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "load": load,
        **pair_scores(gold, predicted),
    }


def calibrate_string_grouper(seed: int) -> dict:
    """string-grouper's best n-gram size and threshold by pair-F1 on 10,000 other generated
    texts (its best chance)."""
    best = None
    for ngram in (2, 3):
        for t in (0.5, 0.6, 0.7, 0.8, 0.9):
            result = run_string_grouper(10_000, seed + 1, t, ngram)
            if best is None or result["f1"] > best["f1"]:
                best = {**result, "threshold": t, "ngram": ngram}
    return best


def run_brute_force(n: int, seed: int) -> dict:
    """Every pair's exact similarity (dense, n²) with textsim's vectors and the same grouping;
    and the share of its pairs ≥ threshold that the candidate search found."""
    from rectify.textsim import DEFAULT_THRESHOLDS, grouping
    from rectify.textsim.neighbours import similar_pairs
    from rectify.textsim.normalise import compare_form
    from rectify.textsim.vectors import vectorise

    threshold = DEFAULT_THRESHOLDS["duplicate"]
    texts, gold = generate(n, seed)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    vectors = vectorise([compare_form(t) for t in texts])
    dense = (vectors.full @ vectors.full.T).toarray()
    r, c = np.nonzero(np.triu(dense, 1) >= threshold * 0.999)
    sims = vectors.adjust(r, c, dense[r, c])
    keep = sims >= threshold
    r, c, sims = r[keep], c[keep], sims[keep]
    from scipy import sparse

    m = sparse.coo_matrix((sims, (r, c)), shape=(n, n)).tocsr()
    m = m.maximum(m.T).tocoo()
    found = grouping._clusters(m, n, threshold, vectors)
    seconds = time.perf_counter() - start
    predicted = np.empty(n, dtype=np.int64)
    for number, (members, _) in enumerate(found):
        predicted[members] = number
    ours = similar_pairs(vectors, threshold).tocsr()
    hit = np.asarray(ours[r, c]).ravel() > 0
    return {
        "tool": "brute force all pairs",
        "n": n,
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "load": load,
        "pairs_at_threshold": int(len(r)),
        "candidate_search_found": float(hit.mean()) if len(r) else 1.0,
        **pair_scores(gold, predicted),
    }


def _in_fresh_process(call: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps([call, *args])],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _line(r: dict) -> str:
    return (
        f"{r['tool']:<26} {r['n']:>7,} {r['seconds']:>8.1f} s {r['peak_rss_mb']:>7.0f} MB  "
        f"P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}  load {r['load']:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--semantic-sizes", default="10000", help="'' to leave it out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--brute", type=int, default=5000, help="sample size for brute force")
    parser.add_argument("--skip-sg", action="store_true", help="leave string-grouper out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        call, *rest = json.loads(args.child)
        print(json.dumps(globals()[call](*rest)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"cpu: {os.cpu_count()} cores; load average at start {os.getloadavg()}")
    print(f"sentence model (measure semantic): MEANING_MODEL={MODEL_CHOICE}")
    print(f"{'tool':<26} {'texts':>7} {'wall':>10} {'peak RSS':>10}  pair scores vs planted")
    ours = []
    for n in sizes:
        ours.append(_in_fresh_process("run_textsim", n, args.seed))
        print(_line(ours[-1]), f" groups {ours[-1]['groups']:,}", flush=True)
    if len(ours) > 1:
        slope = np.polyfit(np.log([r["n"] for r in ours]), np.log([r["seconds"] for r in ours]), 1)[
            0
        ]
        print(f"textsim lexical growth: time ~ n^{slope:.2f} over {sizes}")
    for n in [int(s) for s in args.semantic_sizes.split(",") if s]:
        result = _in_fresh_process("run_textsim", n, args.seed, "semantic")
        print(_line(result), f" groups {result['groups']:,}", flush=True)
    brute = _in_fresh_process("run_brute_force", args.brute, args.seed)
    print(_line(brute))
    print(
        f"  candidate search found {brute['candidate_search_found']:.1%} of the "
        f"{brute['pairs_at_threshold']:,} pairs at or above the threshold; brute force "
        f"extrapolated to {sizes[-1]:,} texts (n²): "
        f"{brute['seconds'] * (sizes[-1] / args.brute) ** 2:,.0f} s"
    )
    if not args.skip_sg:
        try:
            import string_grouper  # noqa: F401
        except ImportError:
            print("string-grouper: not installed (pip install -r requirements-bench.lock)")
            return 0
        best = _in_fresh_process("calibrate_string_grouper", args.seed)
        print(
            "string-grouper calibrated on 10,000 other texts: best "
            f"{best['ngram']}-grams at threshold {best['threshold']} (F1 {best['f1']:.3f})"
        )
        for n in sizes:
            result = _in_fresh_process(
                "run_string_grouper", n, args.seed, best["threshold"], best["ngram"]
            )
            print(_line(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
