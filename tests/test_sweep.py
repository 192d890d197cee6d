"""Vectorised sweeps: the same numbers as evaluating every variant one by one."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

import scendsl
from conftest import ROOT, SKETCH
from scendsl.catalog import load_catalog
from scendsl.model.engine import Categorical, gather_number, run_frames
from scendsl.model.evaluate import evaluate
from scendsl.model.registry import Node
from scendsl.model.sweep import SweepPlan, evaluate_sweep
from scendsl.progress import progress
from scendsl.report.export import iter_json

COLOSSUS = (ROOT / "scenarios" / "colossus2.scn").read_text()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def sketch_with(tmp_path, extra: str):
    """The language sketch (with its imported references) plus `extra` text, loaded."""
    for path in SKETCH.parent.iterdir():
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / SKETCH.name
    target.write_text(SKETCH.read_text() + extra)
    return scendsl.load(str(target))


def assert_matches_one_by_one(sweep, table, catalog):
    """Every number, text and flag node of every variant equals `evaluate(variant)`."""
    assert table.size == sweep.size
    compared = 0
    for index, variant in enumerate(sweep.variants()):
        assert table.names[index] == variant.name
        result = evaluate(variant, catalog)
        for name in table.numbers:
            expected, got = result.value(name), table.value(name, index)
            if expected is None or (isinstance(expected, float) and math.isnan(expected)):
                assert got is None, (variant.name, name, got)
                continue
            assert got is not None, (variant.name, name, expected)
            assert got == pytest.approx(float(expected), rel=1e-9, abs=0), (variant.name, name)
            compared += 1
        for name in table.categories:
            assert table.value(name, index) == result.value(name), (variant.name, name)
    assert compared > 100 * sweep.size  # the comparison really covered the model


def test_sketch_buildout_equals_one_by_one(catalog):
    sweep = next(s for s in scendsl.load(str(SKETCH)).sweeps if s.name == "colossus2_buildout")
    table = evaluate_sweep(sweep, catalog)
    assert sweep.size == 12
    assert table.notes == ()
    assert_matches_one_by_one(sweep, table, catalog)


def test_accelerator_year_count_region_sweep_equals_one_by_one(tmp_path, catalog):
    # MI355X is the sketch's own accelerator (extends MI300X, fp8 written as a range); H100 and
    # TPUv6e differ in price series, figures and export rules; regions differ in grid and rules.
    scenarios = sketch_with(
        tmp_path,
        """
sweep hardware from colossus2 {
  cluster.accelerator [GB200, MI355X, H100, TPUv6e]
  year                2023 .. 2027
  region              [US, CN, AE]
  cluster.count       [10k, 100k]
}
""",
    )
    sweep = scenarios.sweeps[-1]
    # chunk=7 splits the 120 variants into uneven chunks: chunk boundaries must not matter.
    table = evaluate_sweep(sweep, catalog, chunk=7)
    assert_matches_one_by_one(sweep, table, catalog)
    whole = evaluate_sweep(sweep, catalog)
    for name in table.numbers:
        np.testing.assert_array_equal(table.numbers[name], whole.numbers[name])


def test_category_axes_split_into_groups_and_match(catalog):
    scenarios = scendsl.load(
        COLOSSUS
        + """
sweep training from colossus2 {
  workload.framework   [megatron, deepspeed, neox]
  workload.recompute   [none, full]
  workload.offload     [none, cpu]
  workload.zero_stage  [1, 3]
  workload.parameters  [70B, 2T]
  cluster.mfu          [30%, 45%]
  energy.price         [30 USD/MWh, 80 USD/MWh]
}
"""
    )
    sweep = scenarios.sweeps[-1]
    table = evaluate_sweep(sweep, catalog, chunk=50)
    assert_matches_one_by_one(sweep, table, catalog)


def test_a_sweep_without_a_workload_equals_one_by_one(catalog):
    # No workload: the training time and what follows from it are n/a on every variant, which
    # the engine takes from the formula's one answer for the whole frame.
    scenarios = scendsl.load(
        """scenario bare {
  year 2026
  region US
  cluster {
    accelerator H100
    count 1000
  }
}
sweep bare_sizes from bare {
  year          2024 .. 2027
  cluster.count [1, 500, 20k, 90k]
}
"""
    )
    sweep = scenarios.sweeps[-1]
    table = evaluate_sweep(sweep, catalog)
    assert table.value("reliability.training_time", 0) is None
    assert_matches_one_by_one(sweep, table, catalog)


def test_plan_reads_year_dependent_inputs_per_year(catalog):
    sweep = scendsl.load(COLOSSUS).sweeps[0]  # colossus2_buildout: year × count
    plan = SweepPlan(sweep, catalog)
    kinds = {name: (column.kind, column.axes) for name, column in plan.columns.items()}
    year, count = 0, 1
    assert kinds["scenario.year"] == ("identity", (year,))
    assert kinds["cluster.count"] == ("identity", (count,))
    assert kinds["energy.pue"] == ("constant", ())
    # Catalog look-ups by year: one evaluation per distinct year, not per variant.
    assert kinds["market.unit_price"] == ("table", (year,))
    assert kinds["energy.supply_intensity"] == ("table", (year,))
    table = evaluate_sweep(sweep, catalog)
    assert table.depends["market.capex"] == ("year", "cluster.count")
    assert table.depends["energy.facility_power"] == ("cluster.count",)
    assert table.depends["energy.pue"] == ()


def test_facility_power_scales_with_count_by_hand(catalog):
    sweep = scendsl.load(COLOSSUS).sweeps[0]
    table = evaluate_sweep(sweep, catalog)
    count = table.axis_values("cluster.count")
    power = table.numbers["energy.facility_power"]
    # facility = count × system power × (1 + overhead) × PUE: a fixed power per accelerator.
    per_accelerator = power / count
    assert np.allclose(per_accelerator, per_accelerator[0], rtol=1e-12)
    base = evaluate(scendsl.load(COLOSSUS).get("colossus2"), catalog)
    assert per_accelerator[0] == pytest.approx(base.value("energy.facility_power") / 100_000)
    summary = table.spreads()
    assert summary["cluster.count"]["min"] == 50_000
    assert summary["cluster.count"]["max"] == 200_000
    assert summary["energy.pue"] == {key: 1.25 for key in summary["energy.pue"]}


def test_names_and_axis_values_follow_variant_order(catalog):
    sweep = scendsl.load(COLOSSUS).sweeps[0]
    table = evaluate_sweep(sweep, catalog)
    assert list(table.names) == [v.name for v in sweep.variants()]
    assert table.names[-1] == "colossus2_buildout[year=2028,cluster.count=200k]"
    assert table.axis_values("year").tolist() == [2025] * 3 + [2026] * 3 + [2027] * 3 + [2028] * 3
    assert table.axis_values("cluster.count").tolist()[:3] == [50_000, 100_000, 200_000]


def test_streaming_json(catalog):
    sweep = scendsl.load(COLOSSUS).sweeps[0]
    table = evaluate_sweep(
        sweep, catalog, nodes=["energy.facility_power", "market.capex", "export.status"]
    )
    pieces = list(iter_json(table))
    assert len(pieces) == 12 + 2  # "[", one piece per variant, "]"
    records = json.loads("".join(pieces))
    assert [r["name"] for r in records] == list(table.names)
    assert records[5]["point"] == {"year": "2026", "cluster.count": "200k"}
    assert records[5]["values"]["market.capex"] == table.numbers["market.capex"][5]
    lines = list(iter_json(table, lines=True))
    assert [json.loads(line) for line in lines] == records


def _node(name, compute, inputs, value_type="number"):
    return Node(name, "metric", "number", name, compute, inputs=inputs, value_type=value_type)


def test_engine_falls_back_for_formulas_that_are_not_array_safe():
    # A formula with a Python `if` fails on arrays: it is computed per distinct input and noted.
    def python_max(a):
        return a if a > 2 else 2.0

    def label(a):
        return "big" if a > 2 else "small"

    def per_label(text, a):
        return {"big": 10.0, "small": 1.0}[text] * a

    nodes = [
        Node("x", "input", "number", "x", lambda ctx: None),
        _node("m", python_max, ("x",)),
        _node("t", label, ("x",), "text"),
        _node("u", per_label, ("t", "x")),
    ]
    x = np.array([1.0, 3.0, 2.0, 5.0, 1.0])
    notes: set[str] = set()
    frames = run_frames(nodes, {"x": x}, 5, notes)
    assert notes == {"m"}
    assert gather_number(frames, "m", 5).tolist() == [2.0, 3.0, 2.0, 5.0, 2.0]
    # `u` looks the text up in a dict: the rows were split by label so it saw plain strings.
    assert gather_number(frames, "u", 5).tolist() == [1.0, 30.0, 2.0, 50.0, 1.0]
    assert len(frames) == 2


def test_engine_none_splits_rows():
    def maybe(a):
        return None if a < 0 else a * 2.0

    nodes = [
        Node("x", "input", "number", "x", lambda ctx: None),
        _node("y", maybe, ("x",)),
        _node("z", lambda y: y + 1.0, ("y",)),
    ]
    frames = run_frames(nodes, {"x": np.array([-1.0, 1.0, 2.0])}, 3)
    z = gather_number(frames, "z", 3)
    assert math.isnan(z[0]) and z[1:].tolist() == [3.0, 5.0]


def test_categorical_column_helpers():
    column = Categorical(np.array([1, 0, 1]), ("a", "b"))
    assert [column.value(i) for i in range(3)] == ["b", "a", "b"]


def test_sweep_reports_progress_per_chunk_through_its_callback(catalog):
    sweep = scendsl.load(COLOSSUS).sweeps[0]
    done: list[int] = []
    evaluate_sweep(sweep, catalog, chunk=5, nodes=["market.capex"], on_progress=done.append)
    assert done == [5, 5, 2]  # 12 variants in chunks of 5


def test_progress_is_silent_without_a_terminal(capsys):
    with progress(10, "work") as ticker:
        ticker.advance(10)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


SITING = """\
scenario siting {
  title  "Where to site a cluster"
  year   2026
  region US
  cluster {
    accelerator B200
    count       20k
  }
}

sweep siting_regions from siting {
  region [US, NO, CN]
}

sweep siting_years from siting {
  year 2025 .. 2026
}
"""


def test_a_sweep_table_shows_the_figures_that_differ_and_names_those_that_do_not(tmp_path):
    from scendsl.app.build import render_files

    (tmp_path / "siting.scn").write_text(SITING, encoding="utf-8")
    page = render_files([str(tmp_path / "siting.scn")], samples=0)["siting.md"].decode()
    regions = page[page.index("## Sweep siting\\_regions") :].split("\n## ")[0]
    header = next(line for line in regions.splitlines() if line.startswith("| region"))
    # Over regions the energy cost, the emissions and the export status move; capex does not.
    assert "Energy cost a year" in header and "CO2 a year" in header
    assert "Export status" in header and "Accelerator capex" not in header
    assert "presumption of denial" in regions  # CN
    assert "The same in every variant: Accelerator capex" in regions
    years = page[page.index("## Sweep siting\\_years") :].split("\n## ")[0]
    header = next(line for line in years.splitlines() if line.startswith("| year"))
    assert "Accelerator capex" in header and "Export status" not in header
