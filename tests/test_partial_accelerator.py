"""A new accelerator block from a short spec sheet (peak, memory, bandwidth, power) evaluates:
the bottom-up step time, which needs its link figures, is n/a and a warning says which figure is
missing and what is not computed; every other figure is given."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.report.warnings import scenario_warnings

SPEC_SHEET = "  bf16_dense 800 TFLOPS\n  hbm 96 GB\n  hbm_bandwidth 4 TB/s\n  tdp 700 W\n"


def _evaluated(extra: str):
    text = (
        "accelerator Chip {\n" + SPEC_SHEET + extra + "}\n"
        'scenario s {\n  title "t"\n  year 2026\n  region DE\n  source "x"\n'
        "  cluster {\n    accelerator Chip\n    count 1k\n  }\n"
        "  workload {\n    parameters 7B\n    tokens 1T\n    precision fp8\n  }\n}\n"
    )
    (scenario,) = scendsl.load_text(text).scenarios
    return scendsl.evaluate(scenario)


def _value(result, path):
    return result.metrics[path].value


@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ("  scaleup_domain 8\n", "no-scaleup-bandwidth"),
        ("  scaleup_domain 8\n  scaleup_bandwidth 900 GB/s\n", "no-hostlink-bandwidth"),
    ],
)
def test_a_missing_link_figure_leaves_the_bottom_up_step_out_and_says_so(extra, warning):
    result = _evaluated(extra)
    assert _value(result, "performance.step_time") is None
    assert _value(result, "performance.training_time") > 0
    assert _value(result, "energy.facility_power") > 0
    assert [w.id for w in scenario_warnings(result)].count(warning) == 1


def test_with_every_link_figure_the_step_time_is_computed_and_no_link_warning_is_given():
    result = _evaluated(
        "  scaleup_domain 8\n  scaleup_bandwidth 900 GB/s\n  hostlink_bandwidth 128 GB/s\n"
    )
    assert _value(result, "performance.step_time") > 0
    ids = {w.id for w in scenario_warnings(result)}
    assert not ids & {"no-scaleup-domain", "no-scaleup-bandwidth", "no-hostlink-bandwidth"}


def test_a_chip_without_fp8_has_its_bf16_rate_as_its_fp8_peak_as_the_catalog_writes_it():
    result = _evaluated("")
    assert _value(result, "cluster.peak_fp8") == _value(result, "cluster.peak_bf16")
