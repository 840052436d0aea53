import json

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nasbook import files, profiles
from nasbook.outputs import Outputs


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(profiles.ProfileError, match="expected one of smoke, cpu, paper"):
        profiles.select({"smoke": {}, "cpu": {}, "paper": {}}, "gpu")
    assert profiles.select({"smoke": {"a": 1}, "cpu": {}, "paper": {}}, "smoke") == {"a": 1}
    with pytest.raises(profiles.ProfileError, match="missing"):
        profiles.select({"smoke": {}}, "smoke")


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
    assert manifest["packages"]["torch"].startswith("2.13")
    csv = str((shared_data / "nb201" / "nb201.csv").resolve())
    assert manifest["data_files_sha256"][csv] == files.sha256(csv)
    assert sorted(manifest["outputs"]) == ["line.png", "tab.csv", "tab.md"]
