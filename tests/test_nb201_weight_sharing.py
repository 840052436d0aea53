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


def test_cpu_store_keys_are_the_committed_ones():
    """The configuration dicts are unchanged: every cpu search and the trajectory are found
    under the committed result directories."""
    p = ws.resolve("cpu")
    for method in p["methods"]:
        key = config_key(ws.method_config(method, p.settings))
        assert (REPO_RESULTS / f"nb201_search_{method}" / key / "config.json").is_file(), method
    key = config_key(ws.method_config("darts_pt", p.settings))
    assert (REPO_RESULTS / "nb201_pt_trajectory" / key / "config.json").is_file()
    # the chapter-2 modules reuse the key: method_config on a settings dict of the same shape
    assert ws.method_config("darts_pt", dict(p.settings)) == ws.method_config("darts_pt", p.settings)


def test_param_free_and_connected():
    assert ws.param_free(SKIP) == 6 and ws.param_free(CONV) == 0 and ws.param_free(CUT) == 3
    assert ws.connected(CONV) and ws.connected(SKIP) and not ws.connected(CUT)
    assert ws.connected("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    df = ws.per_seed([result("darts", 0, CUT, 10.0), result("darts", 1, SKIP, 54.3)])
    assert df["parameter-free ops"].tolist() == [3, 6] and df["input reaches output"].tolist() == [False, True]


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
