"""Notebook 07's experiment module: store keys of the committed cpu results, the per-seed
mechanism columns and the claim rules (on hand-made results, nothing trained)."""
import pandas as pd
import pytest

from nasbook.experiments import nb201_weight_sharing as ws
from nasbook.search.result import SearchResult
from nasbook.spaces import nb201
from nasbook.store import config_key

REPO_RESULTS = ws.config.ROOT / "results" / "cpu"
CONV = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
SKIP = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
CUT = "|none~0|+|none~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def result(method, seed, arch, acc, trace=()):
    return SearchResult(method=method, signal="supernet", seed=seed, arch=arch, index=nb201.index_of(arch),
                        test_acc={"cifar10": acc, "cifar100": 0.0, "imagenet16": 0.0},
                        trace=[{"history": [], "anytime": list(trace)}])


def one_hot_trace(top):
    probs = [[top] + [(1 - top) / 4] * 4] + [[0.2] * 5] * 5
    return [{"epoch": 0, "step": 0, "probs": [[0.2] * 5] * 6}, {"epoch": 0, "step": 4, "probs": probs},
            {"epoch": 1, "step": 0, "probs": [[1.0, 0, 0, 0, 0]] * 6}]


# store keys of notebook 07's cpu searches (and the chapter-2 supernets sharing them) computed
# before issue 13 changed the methods' optimisers, DARTS-PT, DrNAS and the precision
PRE_ISSUE_13 = {"7e517d6ed15c", "a4f681e174da", "836a11ec42e4", "c0150f9b31ff", "774f6a360ca9", "17f5f895ee4a",
                "832678eac690", "20932cba04bd", "6f8781f00ae9", "390d7997a6df"}


def test_cpu_store_keys_changed_with_the_behaviour():
    """Results computed before issue 13 are never reused: every cpu search, the trajectory and the
    chapter-2 supernets of notebooks 05 / 06 have new keys, which hold the changed settings."""
    from nasbook.experiments import alpha_vs_discretization as ch2
    from nasbook.experiments import edge_shuffling as es
    p = ws.resolve("cpu")
    assert len(p["seeds"]) >= 4  # issue: >= 4 seeds per method
    keys = {m: config_key(ws.method_config(m, p.settings)) for m in p["methods"]}
    c2 = ch2.resolve("cpu")
    s2 = {config_key(ch2.supernet_config(c2, ops)) for ops in (ch2.SPACES["nb201"][0], ch2.SPACES["nb201"][1])}
    shuffle = config_key(dict(ch2.supernet_config(es._chapter2(es.resolve("cpu")), es.supernet_ops(es.resolve("cpu"))),
                              seed=0, test_limit=None))
    assert not (set(keys.values()) | s2 | {shuffle}) & PRE_ISSUE_13
    for m in p["methods"]:
        cfg = ws.method_config(m, p.settings)
        assert cfg["precision"] == "fp32" and {"arch_first", "nesterov", "wd", "lr", "clip"} <= set(cfg), m
    assert ws.method_config("darts_pt", p.settings)["pt_tune_lr"] == 0.0025
    # the chapter-2 all-ops NB201 supernet is notebook 07's DARTS-PT supernet (one key, one store)
    assert ch2.supernet_config(c2, ch2.SPACES["nb201"][0]) == ws.method_config("darts_pt", p.settings)
    assert ws.method_config("darts_pt", dict(p.settings)) == ws.method_config("darts_pt", p.settings)


# (lr, lr_min, momentum, nesterov, weight decay, clip, architecture step first) of each reference
REFERENCE_OPT = {
    "darts": (0.025, 0.001, 0.9, True, 5e-4, 5.0, False),      # AutoDL DARTS.config + DARTS-V1.py
    "darts2": (0.025, 0.001, 0.9, True, 5e-4, 5.0, True),      # AutoDL DARTS.config + DARTS-V2.py
    "gdas": (0.025, 0.001, 0.9, True, 5e-4, 5.0, False),       # AutoDL GDAS.config + GDAS.py
    "darts_pt": (0.025, 0.001, 0.9, False, 3e-4, 5.0, True),   # darts-pt nasbench201/train_search.py
    "darts_pt_fix": (0.025, 0.001, 0.9, False, 3e-4, 5.0, True),
    "drnas": (0.025, 0.001, 0.9, False, 3e-4, 5.0, True),      # DrNAS 201-space/train_search.py
    "vimnas": (0.025, 0.001, 0.9, True, 5e-4, 5.0, False),     # no public code: AutoDL DARTS settings
}


def test_each_method_trains_with_its_reference_optimiser():
    """The weight optimiser and schedule search.build makes for each method (paper profile, tiny net)."""
    import torch
    from nasbook.supernet import search
    p = ws.resolve("paper").replace(C=4, N=1)
    assert set(REFERENCE_OPT) == set(ws.SUPERNET)
    for method, (lr, lr_min, momentum, nesterov, wd, clip, arch_first) in REFERENCE_OPT.items():
        cfg = ws.method_config(method, p.settings)
        net, arch, w_opt, sched = search.build(cfg["supernet"], cfg, 0, torch.device("cpu"))
        g = w_opt.param_groups[0]
        assert isinstance(w_opt, torch.optim.SGD) and len(w_opt.param_groups) == 1, method
        assert (g["lr"], g["momentum"], g["nesterov"], g["weight_decay"]) == (lr, momentum, nesterov, wd), method
        assert isinstance(sched, torch.optim.lr_scheduler.CosineAnnealingLR), method
        assert (sched.T_max, sched.eta_min) == (cfg["epochs"], lr_min), method
        assert (cfg["clip"], cfg["arch_first"]) == (clip, arch_first), method
        assert not any(p is net.alphas for p in g["params"]), method
    assert [ws.method_config(m, p.settings)["epochs"] for m in ("darts", "gdas", "darts_pt", "drnas", "vimnas")] == \
        [50, 250, 100, 100, 50]


def test_param_free_and_connected():
    assert ws.param_free(SKIP) == 6 and ws.param_free(CONV) == 0 and ws.param_free(CUT) == 3
    assert ws.connected(CONV) and ws.connected(SKIP) and not ws.connected(CUT)
    assert ws.connected("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    df = ws.per_seed([result("darts", 0, CUT, 10.0), result("darts", 1, SKIP, 54.3)])
    assert df["parameter-free ops"].tolist() == [3, 6] and df["input reaches output"].tolist() == [False, True]
    assert df["none ops"].tolist() == [3, 0] and df["skip_connect ops"].tolist() == [0, 6]
    assert df["avg_pool_3x3 ops"].tolist() == [0, 0] and df["arch"].tolist() == [CUT, SKIP]
    row = ws.search_table([result("darts", 1, SKIP, 54.3), result("darts", 0, CUT, 10.0)]).iloc[0]
    assert row["parameter-free ops per seed (of 6)"] == "s0: 3, s1: 6"


def test_search_table_uses_sample_std_with_n():
    row = ws.search_table([result("gdas", 0, CONV, 90.0), result("gdas", 1, CONV, 92.0)]).iloc[0]
    assert row["cifar10 (ours)"] == "91.00 ± 1.41 (n=2)"


def test_darts_claim_needs_every_seed_and_three_to_fail():
    p = ws.resolve("smoke")
    two = [result("darts", 0, SKIP, 54.3), result("darts", 1, CONV, 94.0)]
    assert ws.darts_claim(p, two).verdict == "inconclusive"
    assert ws.darts_claim(p, [result("darts", s, SKIP, 54.3) for s in range(2)]).verdict == "holds"
    three = [result("darts", s, CONV, 94.0) for s in range(3)]
    assert ws.darts_claim(p, three).verdict == "differs"
    assert ws.darts_claim(p, three[:2] + [result("darts", 2, SKIP, 54.3)]).verdict == "partly"
    c = ws.darts_claim(p, two)
    assert "(n=2)" in c.measured and (c.lo, c.hi) == (54.3, 94.0)
    assert ws.darts_claim(p.replace(methods=["gdas"]), two).verdict == "not run"


def test_accuracy_claim_range_widened_by_paper_sd():
    p = ws.resolve("smoke")
    assert ws.accuracy_claim(p, [result("gdas", 0, CONV, 93.55)], "gdas", "x").verdict == "holds"  # 93.61-0.09
    assert ws.accuracy_claim(p, [result("gdas", 0, CONV, 93.0), result("gdas", 1, CONV, 94.0)],
                             "gdas", "x").verdict == "holds"
    c = ws.accuracy_claim(p, [result("vimnas", 0, CONV, 92.0), result("vimnas", 1, CONV, 94.1)], "vimnas", "x")
    assert c.verdict == "differs" and "below" in c.reason  # 94.1 + 0.11 < 94.31
    assert "C=4, N=1" in c.scale and "2 epochs" in c.scale and "2 seeds" in c.scale


def test_trajectory_claim_per_seed_rule():
    p = ws.resolve("smoke")  # snapshots after epochs 1 and 2

    def traj(rows):
        return pd.DataFrame([{"seed": s, "epoch": e, "selection": sel, "test_cifar10": a}
                             for s, e, sel, a in rows])
    falls = [(0, 1, "argmax", 90.0), (0, 1, "pt", 91.0), (0, 2, "argmax", 10.0), (0, 2, "pt", 93.0)]
    rises = [(1, 1, "argmax", 88.0), (1, 1, "pt", 92.0), (1, 2, "argmax", 93.2), (1, 2, "pt", 93.0)]
    assert ws.trajectory_claim(p, traj(falls)).verdict == "holds"
    c = ws.trajectory_claim(p, traj(falls + rises))
    assert c.verdict == "partly" and c.value == 0.5 and "128 images" in c.reason
    assert ws.trajectory_claim(p, traj(rises)).verdict == "differs"


def test_one_hot_claim_threshold():
    p = ws.resolve("smoke")
    darts = result("darts", 0, CONV, 93.0, one_hot_trace(0.2))
    assert ws.one_hot_claim(p, [result("vimnas", 0, CONV, 93.0, one_hot_trace(0.95)), darts]).verdict == "holds"
    c = ws.one_hot_claim(p, [result("vimnas", 0, CONV, 93.0, one_hot_trace(0.56)), darts])
    assert c.verdict == "differs" and c.value == pytest.approx(0.56) and "0.20" in c.measured
    mixed = [result("vimnas", 0, CONV, 93.0, one_hot_trace(0.95)), result("vimnas", 1, CONV, 93.0, one_hot_trace(0.5))]
    assert ws.one_hot_claim(p, mixed).verdict == "partly"
