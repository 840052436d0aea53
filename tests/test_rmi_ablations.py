"""The RMI-NAS experiment modules (notebooks 01-03): the committed cpu results are found under
the profiles' configurations (store keys unchanged) and give the committed tables, and the
claim rules give the verdicts they state on synthetic scores with a known answer."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbook import profiles, rmi, teacher
from nasbook.experiments import _rmi
from nasbook.experiments import rmi_iterations as it
from nasbook.experiments import rmi_kendall_tau_vs_beta as beta
from nasbook.experiments import rmi_teacher_accuracy as ta

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "figures" / "cpu"


@pytest.fixture(autouse=True)
def fewer_resamples(monkeypatch):
    """The claim rules do not depend on the number of resamples; 300 keep the tests short."""
    monkeypatch.setitem(_rmi.BOOT, "n_boot", 300)


@pytest.fixture
def committed(monkeypatch, shared_data):
    """Read-only access to the committed cpu store: a missing item raises instead of computing."""
    monkeypatch.setenv("NASBOOK_RESULTS_ONLY", "1")
    return REPO / "results" / "cpu"


def test_profile_tables_have_one_shape():
    for module in (beta, ta, it):
        for name in profiles.NAMES:
            p = module.resolve(name)
            assert p.name == name and p.settings == module.PROFILES[name]


def test_committed_beta_sweep_is_found_and_reproduces_the_table(committed):
    p = beta.resolve("cpu", root=committed)
    scores = beta.beta_sweep(p, progress=False)
    assert len(scores) == 25 * 6 * 3
    _, summary = _rmi.tau_table(scores, ["beta"])
    old = pd.read_csv(FIGURES / "01_rmi_kendall_tau_vs_beta" / "tau_vs_beta.csv")
    old = old[old["scale"] == _rmi.scale_label(p)]
    np.testing.assert_allclose(summary["tau_mean"], old["tau_mean"], rtol=1e-5)
    assert beta.teacher_accuracy(p) == pytest.approx(old["teacher test acc"].iloc[0])


def test_committed_iteration_and_teacher_sweeps_are_found(committed):
    p = it.resolve("cpu", root=committed)
    curves = it.iteration_sweep(p, progress=False)
    _, summary = _rmi.tau_table(curves, ["steps"])
    old = pd.read_csv(FIGURES / "03_rmi_iterations" / "tau_vs_steps.csv")
    old = old[old["scale"] == _rmi.scale_label(p)]
    np.testing.assert_allclose(summary["tau_mean"], old["tau_mean"], rtol=1e-5)
    p = ta.resolve("cpu", root=committed)
    summary = ta.tau_summary(ta.teacher_sweep(p, progress=False))
    old = pd.read_csv(FIGURES / "02_rmi_teacher_accuracy" / "tau_vs_teacher_accuracy.csv")
    if "scale" in old:
        old = old[old["scale"] == _rmi.scale_label(p)].reset_index(drop=True)
    np.testing.assert_allclose(summary["tau_mean"], old["tau_mean"], rtol=1e-5)
    np.testing.assert_allclose(summary["teacher_acc"], old["teacher_acc"], rtol=1e-6)
    assert (summary["tau_lo"] <= summary["tau_mean"]).all() and (summary["tau_mean"] <= summary["tau_hi"]).all()


def _scores(groups: dict, column: str, n_archs=30, seeds=(0, 1, 2)) -> pd.DataFrame:
    """Synthetic scores: per group, score = -accuracy + noise of the given size (larger noise,
    lower tau); seeded."""
    rng = np.random.default_rng(0)
    acc = np.linspace(10, 95, n_archs)
    rows = [pd.DataFrame({"index": np.arange(n_archs), "test_acc": acc, "seed": s, column: g,
                          "score": -acc + noise * rng.normal(size=n_archs)})
            for g, noise in groups.items() for s in seeds]
    return pd.concat(rows, ignore_index=True)


def test_beta_claims_follow_their_rule():
    p = beta.resolve("cpu")
    peak = _scores({0.0: 1000.0, 0.6: 40.0, 0.8: 1.0, 1.0: 40.0}, "beta")
    got = {c.id: c for c in beta.scale_claims(p, peak, 85.0)}
    assert got["peak_at_beta_0.8"].verdict == "holds" and got["peak_at_beta_0.8"].lo > 0
    assert got["beta0_much_lower"].verdict == "holds"
    assert "25 architectures" in got["beta0_much_lower"].scale and "85.00%" in got["beta0_much_lower"].scale
    moved = _scores({0.0: 1000.0, 0.6: 40.0, 0.8: 40.0, 1.0: 1.0}, "beta")
    assert {c.id: c.verdict for c in beta.scale_claims(p, moved, 85.0)}["peak_at_beta_0.8"] == "differs"
    one_side = _scores({0.0: 1000.0, 0.6: 1.0, 0.8: 1.0, 1.0: 40.0}, "beta")
    assert {c.id: c.verdict for c in beta.scale_claims(p, one_side, 85.0)}["peak_at_beta_0.8"] == "partly"
    no_zero = _scores({0.6: 40.0, 0.8: 1.0, 1.0: 40.0}, "beta")
    assert {c.id: c.verdict for c in beta.scale_claims(p, no_zero, 85.0)}["beta0_much_lower"] == "not run"


def test_iteration_claim_follows_its_rule():
    p = it.resolve("cpu")
    rising = _scores({40: 60.0, 50: 50.0, 100: 30.0, 150: 1.0}, "steps")
    (claim,) = it.scale_claims(p, rising, 85.0)
    assert claim.verdict == "holds" and "tau(150) - tau(50)" in claim.measured
    falling = _scores({40: 1.0, 50: 5.0, 100: 30.0, 150: 50.0}, "steps")
    (claim,) = it.scale_claims(p, falling, 85.0)
    assert claim.verdict == "differs" and claim.hi < 0 and "after 40 steps" in claim.reason
    short = _scores({2: 10.0, 4: 5.0, 8: 1.0}, "steps")
    assert it.scale_claims(it.resolve("smoke"), short, 20.0)[0].verdict == "not run"


def test_paper_size_scale_renders_what_is_stored(shared_data, tmp_path, monkeypatch):
    """The paper-size scale is a Profile of its own (C=16, N=5 in cpu); read-only, a partial run
    keeps only architectures stored for every (beta, seed), says how much is stored, and its
    claims are "not run" below MIN_ARCHS; a full (smoke) run gives both scales' claims."""
    big = _rmi.paper_size(beta.resolve("cpu"))
    assert (big["archs"], big["seeds"], _rmi.rmi_settings(big)["C"], _rmi.rmi_settings(big)["N"]) == (30, [0, 1], 16, 5)
    assert _rmi.rmi_settings(big)["steps"] == 150 and _rmi.paper_size(beta.resolve("paper")) is None
    p = beta.resolve("smoke", root=tmp_path).replace(betas=[0.0, 0.8])
    runs = beta.sweeps(p, progress=False)
    assert [_rmi.scale_label(q) for q, _ in runs.values()] == list(runs) and len(runs) == 2
    ids = [c.id for c in beta.claims(runs, 80.0)]
    assert ids == ["peak_at_beta_0.8", "beta0_much_lower", "peak_at_beta_0.8_paper_size", "beta0_much_lower_paper_size"]
    # drop one stored item of the paper-size scale: read-only, that architecture is left out everywhere
    q, full = list(runs.values())[1]
    store = rmi.rmi_store(_rmi.rmi_settings(q, beta=0.8), 0, root=tmp_path)
    victim = _rmi.stratified_sample(q["archs"])[2]
    store._path(victim).unlink()
    monkeypatch.setenv("NASBOOK_RESULTS_ONLY", "1")
    partial = beta.beta_sweep(q, progress=False)
    assert partial["index"].nunique() == q["archs"] - 1 and partial.attrs == {"planned": 10, "stored": 9}
    assert "9 of 10 planned evaluations stored" in _rmi.progress_text(partial)
    few = beta.scale_claims(q, partial[partial["index"].isin(partial["index"].unique()[:3])], 80.0, "_paper_size")
    assert [c.verdict for c in few] == ["not run", "not run"]


def test_complete_keeps_whole_architectures_and_drops_a_running_seed():
    rows = [{"index": i, "beta": b, "seed": s, "score": 1.0}
            for s, archs in ((0, range(6)), (1, range(2))) for i in archs for b in (0.0, 0.8)]
    rows = [r for r in rows if not (r["index"] == 5 and r["beta"] == 0.8)]  # arch 5 misses a beta
    kept = _rmi.complete(pd.DataFrame(rows), ["beta"], planned=24)
    assert sorted(kept["index"].unique()) == [0, 1, 2, 3, 4] and list(kept["seed"].unique()) == [0]
    assert kept.attrs == {"planned": 24, "stored": len(rows)}
    both = _rmi.complete(pd.DataFrame([r for r in rows if r["index"] < 2]), ["beta"], planned=8)
    assert sorted(both["seed"].unique()) == [0, 1] and len(both) == 8


def test_teacher_claims_follow_their_rule():
    p = ta.resolve("cpu")
    keys = [teacher.key(s) for s in p["graded"]]
    accs = [30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0]
    noise = dict(zip(keys, [60.0, 40.0, 25.0, 15.0, 10.0, 6.0, 0.5]))
    scores = _scores(noise, "spec", seeds=(0,))
    scores["teacher_acc"] = scores["spec"].map(dict(zip(keys, accs)))
    scores["teacher"] = scores["spec"].map({teacher.key(s): teacher.label(s) for s in p["graded"]})
    got = {c.id: c for c in ta.scale_claims(p, scores)}
    assert got["tau_grows_with_teacher_acc"].verdict == "holds" and got["tau_grows_with_teacher_acc"].value > 0.5
    assert got["teacher_above_85_suffices"].verdict == "holds"
    assert got["loss_tracks_error_three_teachers"].verdict == "holds"
    assert "1 seed (intervals resample architectures only)" in got["tau_grows_with_teacher_acc"].scale
    brief = teacher.key(p["panels"]["c"])  # the briefly trained panel teacher ranks at random
    noisy = scores.assign(score=np.where(scores["spec"] == brief, 1000 * np.sin(scores["index"]), scores["score"]))
    assert {c.id: c.verdict for c in ta.scale_claims(p, noisy)}["loss_tracks_error_three_teachers"] != "holds"
    below = scores.assign(teacher_acc=scores["teacher_acc"] - 10)  # nobody above 85%
    assert {c.id: c.verdict for c in ta.scale_claims(p, below)}["teacher_above_85_suffices"] == "inconclusive"


def test_teacher_claims_at_the_paper_size_scale():
    """02's paper-size scale: three graded teachers spanning 56-86%, ids with "_paper_size", no
    supplement claim (no panel teachers), "not run" while fewer than MIN_ARCHS are complete."""
    q = _rmi.paper_size(ta.resolve("cpu"))
    assert (_rmi.rmi_settings(q)["C"], _rmi.rmi_settings(q)["N"], _rmi.rmi_settings(q)["steps"]) == (16, 5, 150)
    keys = [teacher.key(s) for s in q["graded"]]
    assert len(keys) == 3 and q["panels"] == {}
    scores = _scores(dict(zip(keys, [20.0, 8.0, 0.5])), "spec", seeds=(0, 1))
    scores["teacher_acc"] = scores["spec"].map(dict(zip(keys, [56.3, 80.3, 85.7])))
    scores["teacher"] = scores["spec"].map({teacher.key(s): teacher.label(s) for s in q["graded"]})
    got = {c.id: c for c in ta.scale_claims(q, scores, suffix="_paper_size")}
    assert set(got) == {"tau_grows_with_teacher_acc_paper_size", "teacher_above_85_suffices_paper_size"}
    assert got["teacher_above_85_suffices_paper_size"].verdict == "holds"
    assert "C=16, N=5" in got["tau_grows_with_teacher_acc_paper_size"].scale
    few = scores[scores["index"].isin(scores["index"].unique()[:_rmi.MIN_ARCHS - 1])]
    assert {c.verdict for c in ta.scale_claims(q, few, suffix="_paper_size")} == {"not run"}
