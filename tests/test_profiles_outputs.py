import json

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nasbook import files, profiles
from nasbook.outputs import Outputs


def test_profiles_resolve_once_into_settings_and_a_store_root(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBOOK_RESULTS", str(tmp_path))
    table = {"smoke": {"a": 1, "b": [1]}, "cpu": {"a": 2, "b": [2]}, "paper": {"a": 3, "b": [3]}}
    p = profiles.resolve(table, "cpu")
    assert (p.name, p["a"], p.root) == ("cpu", 2, tmp_path / "cpu")
    p.settings["b"].append(9)  # a resolved profile is a copy: the table is untouched
    assert table["cpu"]["b"] == [2]
    store = p.store("exp", {"x": 1})
    assert store.dir.parent.parent == tmp_path / "cpu"
    assert p.replace(a=7)["a"] == 7 and p["a"] == 2
    with pytest.raises(profiles.ProfileError, match="expected one of smoke, cpu, paper"):
        profiles.resolve(table, "gpu")
    with pytest.raises(profiles.ProfileError, match="missing"):
        profiles.resolve({"smoke": {}}, "smoke")
    with pytest.raises(profiles.ProfileError, match=r"keys differ between profiles \(\['c'\]\)"):
        profiles.resolve({**table, "paper": {"a": 3, "b": [3], "c": 0}}, "smoke")


def test_every_experiment_profile_table_has_one_shape():
    """Each notebook's table resolves at every profile (same keys in smoke, cpu and paper)."""
    from nasbook import experiments
    for stem in experiments.NOTEBOOKS:
        module = experiments.module(stem)
        for name in profiles.NAMES:
            assert profiles.resolve(module.PROFILES, name).name == name, stem


def test_outputs_write_figures_tables_and_manifest(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("NASBOOK_FIGURES", str(tmp_path))
    files.record_data_file(shared_data / "nb201" / "nb201.csv")
    out = Outputs("99_test", "smoke", params={"profile": "smoke", "seed": 3})
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    out.figure(fig, "line")
    out.table(pd.DataFrame({"a": [1.0, 2.5], "b": ["x", "y"]}), "tab")
    manifest = json.loads(out.finish().read_text())
    d = tmp_path / "smoke" / "99_test"
    assert (d / "line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pd.read_csv(d / "tab.csv").a.tolist() == [1.0, 2.5]
    assert (d / "tab.md").read_text().splitlines()[2] == "| 1.00 | x   |"
    assert manifest["seed"] == 3 and manifest["profile"] == "smoke"
    assert manifest["computed"]["packages"]["torch"].startswith("2.13")
    csv = str((shared_data / "nb201" / "nb201.csv").resolve())
    assert manifest["computed"]["data_files_sha256"][csv] == files.sha256(csv)
    assert sorted(manifest["outputs"]) == ["line.png", "tab.csv", "tab.md"]


def test_rerender_from_results_keeps_the_computing_runs_provenance(tmp_path, monkeypatch):
    """--from-results re-renders keep the manifest's "computed" block (commit, data checksums
    of the run that computed the numbers) and rewrite nothing when nothing else changed."""
    monkeypatch.setenv("NASBOOK_FIGURES", str(tmp_path))
    out = Outputs("99_test", "smoke", params={"profile": "smoke", "seed": 0})
    out.table(pd.DataFrame({"a": [1]}), "tab")
    path = out.finish()
    computed = json.loads(path.read_text())
    computed["computed"]["git_commit"] = "abc123"  # as if computed at another commit
    computed["computed"]["data_files_sha256"] = {"cifar10.tar.gz": "0" * 64}
    path.write_text(json.dumps(computed, indent=1) + "\n")
    before = path.stat().st_mtime_ns
    monkeypatch.setenv("NASBOOK_RESULTS_ONLY", "1")
    again = Outputs("99_test", "smoke", params={"profile": "smoke", "seed": 0})
    again.table(pd.DataFrame({"a": [1]}), "tab")
    again.finish()
    assert path.stat().st_mtime_ns == before  # unchanged: not rewritten
    third = Outputs("99_test", "smoke", params={"profile": "smoke", "seed": 0, "extra": 1})
    third.table(pd.DataFrame({"a": [1]}), "tab")
    manifest = json.loads(third.finish().read_text())
    assert manifest["parameters"]["extra"] == 1
    assert manifest["computed"]["git_commit"] == "abc123"
    assert manifest["computed"]["data_files_sha256"] == {"cifar10.tar.gz": "0" * 64}


def test_read_only_store_creates_no_folders(tmp_path):
    from nasbook.store import ResultStore
    store = ResultStore("exp", {"a": 1}, root=tmp_path, readonly=True)
    path = store.artifact("model.pt")
    assert not path.parent.exists() and not any(tmp_path.iterdir())


def test_the_manifest_commit_is_dirty_only_when_the_code_differs(tmp_path, monkeypatch):
    """A long run commits its results as it goes: uncommitted results or figures leave the
    recorded commit clean; an uncommitted change to the library marks it "-dirty"."""
    import subprocess
    from nasbook import config, outputs
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    (tmp_path / "nasbook").mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "nasbook" / "x.py").write_text("a = 1\n")
    (tmp_path / "results" / "item.json").write_text("{}\n")
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    monkeypatch.setattr(config, "ROOT", tmp_path)
    (tmp_path / "results" / "item.json").write_text('{"value": 1}\n')
    assert outputs.git_commit() == head
    (tmp_path / "nasbook" / "x.py").write_text("a = 2\n")
    assert outputs.git_commit() == head + "-dirty"
