"""The README's benchmark table is generated from bench/results/*.json (bench/table.py)."""
import importlib.util
import json

from nasbook import config

spec = importlib.util.spec_from_file_location("bench_table", config.ROOT / "bench" / "table.py")
table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(table)


def test_readme_table_is_current():
    """Fails when a result file changed and `.venv/bin/python bench/table.py --readme` was not run."""
    assert table.section() in (config.ROOT / "README.md").read_text()


def test_every_result_file_has_a_row():
    rows = {name for name, *_ in table.ROWS}
    assert rows == {p.name for p in table.RESULTS.glob("*.json")}


def _speed(ways, device_type="cpu"):
    return {"measured": "test", "device_type": device_type, "settings": {"steps": 30},
            "ways": [{"way": w, "s_per_arch": 10 / r, "archs_per_s": r / 10, "vs_official": r} for w, r in ways],
            "score_differences": {"channels_last": 0.01}}


def test_cpu_target_is_computed_from_fp32_ways_only():
    fast_bf16 = _speed([("official loop (xautodl)", 1.0), ("nasbook loop, channels_last", 1.5),
                        ("nasbook loop, channels_last, bf16", 2.5)])
    assert "x2 in fp32: not met (best fp32 way: nasbook loop, channels_last, x1.50)" in table.rmi_speed(fast_bf16)
    fast_fp32 = _speed([("official loop (xautodl)", 1.0), ("nasbook loop, channels_last", 2.1)])
    assert "x2 in fp32: met" in table.rmi_speed(fast_fp32)


def test_gpu_target_is_scaled_to_the_paper_steps():
    """20 archs/s at 150 steps: 120 archs/s at 30 steps is 24 at 150 (met), 90 is 18 (not met)."""
    for rate, verdict in ((120.0, "met"), (90.0, "not met")):
        d = _speed([("official loop (xautodl)", 1.0), ("nasbook batched, 32 per step", 1.0)], device_type="cuda")
        d["ways"][1]["archs_per_s"] = rate
        assert f"target of 20 archs/s {verdict}." in table.rmi_speed(d)


def test_update_readme_rewrites_only_between_markers(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{table.BEGIN}\nstale\n{table.END}\nafter\n")
    assert table.update_readme(readme)
    assert readme.read_text() == f"before\n{table.section()}\nafter\n"
    assert not table.update_readme(readme)


def test_profile_says_what_x2_needs():
    """Official 4 s per architecture: x2 is 2 s. A way with 1.5 s of convolutions in 2.5 s must cut
    its other 1.0 s to 0.5 s (50%); one with 2.5 s of convolutions needs faster convolutions."""
    def profile(conv):
        ways = [{"way": "official loop", "s_per_arch": 4.0, "conv_s_per_arch": 2.0, "conv_share": 0.5, "conv_gflops": 1.0,
                 "vs_official": 1.0, "bound_vs_official": 2.0},
                {"way": "ours", "s_per_arch": 3.0 if conv > 2 else 2.5, "conv_s_per_arch": conv, "conv_share": 0.6,
                 "conv_gflops": 1.0, "vs_official": 1.3, "bound_vs_official": 4.0 / conv}]
        return {"ways": ways, "cores": 2, "measured": "test", "wide_conv_gflops": {"all cores": 1.0, "1 thread": 0.5}}
    assert "ours): x2 needs its time outside the convolutions cut by 50% (1.00 s to 0.50 s" in table.rmi_profile(profile(1.5))
    assert "x2 needs faster convolution kernels" in table.rmi_profile(profile(2.5))
