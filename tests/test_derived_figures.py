"""Derived accelerator figures follow the figure they derive from (issue 14): a custom block that
changes TDP moves system power (and facility power) unless it gives system power itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.language import fields as F
from scendsl.language.derived import derivations

SCENARIO = """
{blocks}
scenario s {{
  year 2026
  region US
  cluster.accelerator {name}
  cluster.count 1000
}}
"""


def _inputs(blocks: str, name: str):
    scenarios = scendsl.load_text(SCENARIO.format(blocks=blocks, name=name))
    return scendsl.evaluate(scenarios.get("s"))


def test_custom_tdp_moves_system_power_and_facility_power():
    b200 = load_catalog().accelerators["B200"].figures
    ratio = b200["system_power"].value / b200["tdp"].value
    plain = _inputs("", "B200")
    hotter = _inputs("accelerator B300 extends B200 {\n  tdp 1400 W\n}", "B300")
    assert hotter["accelerator.system_power"].value == pytest.approx(1400 * ratio)
    assert "derived" in hotter["accelerator.system_power"].origin
    assert hotter["energy.facility_power"].value == pytest.approx(
        plain["energy.facility_power"].value * 1400 / b200["tdp"].value
    )


def test_system_power_given_explicitly_is_kept():
    result = _inputs(
        "accelerator B300 extends B200 {\n  tdp 1400 W\n  system_power 2 kW\n}", "B300"
    )
    assert result["accelerator.system_power"].value == 2000.0


def test_derivation_follows_through_a_chain_of_custom_blocks():
    blocks = (
        "accelerator P extends B200 {\n  tdp 1200 W\n  system_power 2 kW\n}\n"
        "accelerator C extends P {\n  tdp 1500 W\n}"
    )
    # C changes the TDP its parent gave with an explicit system power: it scales by 1500/1200.
    assert _inputs(blocks, "C")["accelerator.system_power"].value == pytest.approx(2500.0)


def test_custom_bf16_rate_moves_fp8_and_fp4():
    b200 = load_catalog().accelerators["B200"].figures
    result = _inputs("accelerator F extends B200 {\n  bf16_dense 5 PFLOPS\n}", "F")
    factor = 5e15 / b200["bf16_dense"].value
    assert result["accelerator.fp8_dense"].value == pytest.approx(b200["fp8_dense"].value * factor)
    assert result["accelerator.fp4_dense"].value == pytest.approx(b200["fp4_dense"].value * factor)


def test_custom_accelerator_without_fp8_still_gives_bf16_flop_rates():
    blocks = (
        "accelerator X {\n  bf16_dense 1000 TFLOPS\n  hbm 80 GB\n  hbm_bandwidth 3 TB/s\n"
        "  scaleup_bandwidth 900 GB/s\n  hostlink_bandwidth 128 GB/s\n  tdp 700 W\n}"
    )
    text = SCENARIO.format(blocks=blocks, name="X").replace(
        "cluster.count 1000", "cluster.count 1000\n  workload.parameters 70B\n  workload.tokens 15T"
    )
    result = scendsl.evaluate(scendsl.load_text(text).get("s"))
    assert result["cluster.peak"].value == pytest.approx(1e18)
    assert result["performance.matmul_rate"].value is not None
    assert result["cluster.effective_flops"].value is not None


def test_derived_figures_file_names_known_figures_only():
    path = Path(scendsl.__file__).parent / "catalog" / "derived_figures.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data, "derived_figures.toml is empty"
    for name, rule in derivations().items():
        assert name in F.ACCELERATOR_FIGURES and rule.follows in F.ACCELERATOR_FIGURES
        assert rule.rule == "ratio" and rule.source
