"""The model is a layer of its own: it imports neither the presentation nor a UI library, and
its shared helpers (input look-ups, NaN → null, percentile spreads) behave as their callers need."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np

import scendsl
from conftest import ROOT
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import compute_values, input_values
from scendsl.model.values import json_safe, nan_to_none, spread


def test_model_imports_no_report_matplotlib_or_rich():
    code = (
        "import sys, scendsl.model.sweep, scendsl.model.uncertainty, scendsl.model.engine, "
        "scendsl.model.trace, scendsl.model.laws\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('scendsl.report', 'scendsl.cli', "
        "'scendsl.progress', 'matplotlib', 'rich', 'jinja2')))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_input_values_are_the_inputs_of_a_full_evaluation():
    # Monte Carlo takes its centre from input_values (no metric pass): it must see what
    # compute_values sees.
    scenario = scendsl.load(str(ROOT / "scenarios")).get("colossus2_uncertain")
    catalog = load_catalog()
    inputs, found = input_values(scenario, catalog)
    values, all_found = compute_values(scenario, catalog)
    assert inputs and inputs == {name: values[name] for name in inputs}
    assert found == all_found


def test_json_safe_nulls_nan_and_infinities_at_any_depth():
    data = {
        "a": math.nan,
        "b": [1.0, math.inf, (-math.inf, 2)],
        "c": {"d": np.float64("nan")},
        "e": "text",
        "f": None,
        "g": 3,
    }
    assert json_safe(data) == {
        "a": None,
        "b": [1.0, None, [None, 2]],
        "c": {"d": None},
        "e": "text",
        "f": None,
        "g": 3,
    }


def test_nan_to_none_keeps_infinities():
    assert nan_to_none(np.float64("nan")) is None
    assert nan_to_none(np.float64(2.5)) == 2.5 and nan_to_none(math.inf) == math.inf


def test_spread_leaves_out_missing_rows_and_is_none_when_all_missing():
    values = np.array([math.nan, 1.0, 2.0, 3.0, math.nan])
    low, p5, p50, p95, high, mean = spread(values)
    assert (low, p50, high, mean) == (1.0, 2.0, 3.0, 2.0)
    assert p5 == np.percentile([1.0, 2.0, 3.0], 5) and p95 == np.percentile([1.0, 2.0, 3.0], 95)
    assert spread(np.array([math.nan, math.nan])) is None
