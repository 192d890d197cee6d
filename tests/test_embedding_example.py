"""examples/embedding/rank_regions.py, a tool built on the Python API of docs/api.md alone (the
tool builder's trial): it runs as a user runs it, ranks, reports mistakes as scendsl's located
diagnostics (text or JSON) without a traceback, and prints the same bytes every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "examples" / "embedding" / "rank_regions.py"

CLUSTER = """\
scenario hall {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
}
"""


@pytest.fixture()
def hall(tmp_path: Path) -> Path:
    path = tmp_path / "hall.scn"
    path.write_text(CLUSTER, encoding="utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


def test_ranks_a_hydro_grid_below_a_coal_heavy_one_and_is_deterministic(hall):
    first = _run(str(hall), "hall", "IN", "IS", "FR", "--json")
    assert first.returncode == 0, first.stderr
    ranking = json.loads(first.stdout)["ranking"]
    assert {row["region"] for row in ranking} == {"IN", "IS", "FR"}
    values = [row["value"] for row in ranking]
    assert values == sorted(values) and all(row["unit"] == "kg" for row in ranking)
    # Iceland's grid is hydro and geothermal, India's mostly coal: the order is physics.
    assert [row["region"] for row in ranking].index("IS") < [
        row["region"] for row in ranking
    ].index("IN")
    assert _run(str(hall), "hall", "IN", "IS", "FR", "--json").stdout == first.stdout


def test_an_unknown_region_is_a_located_diagnostic_as_json_not_a_traceback(hall):
    done = _run(str(hall), "hall", "US", "ZZ", "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    diagnostics = json.loads(done.stdout)["diagnostics"]
    assert diagnostics[0]["message"] == "unknown region 'ZZ'"
    assert diagnostics[0]["span"]["line"] >= 1


def test_a_misspelt_scenario_name_gets_a_suggestion_not_a_traceback(hall):
    done = _run(str(hall), "hal", "US")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "did you mean 'hall'?" in done.stderr
