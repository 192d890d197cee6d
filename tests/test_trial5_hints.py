"""Hints the trial analysts of examples/trials met without a way on, or with a wrong one: a
regulation's `10^25 FLOP` (an unexpected '^' with no hint), a paper's `FLOPs` (offered the
rate FLOPS for an amount of compute), a cloud's `USD/GPU-hour` (offered `GPU_hour`, no unit)."""

from __future__ import annotations

import pytest

from tests.factories import only_diagnostic, scenario_text


def _diagnostic(body: str):
    return only_diagnostic(scenario_text("s", year=2026, region="DE", body=body))


@pytest.mark.parametrize(
    ("written", "meant"), [("10^25", "1e25"), ("2.5 x 10^24", "2.5e24"), ("10^+26", "1e26")]
)
def test_a_power_written_with_a_caret_is_told_the_e(written, meant):
    diagnostic = _diagnostic(f"  expect workload.training_flops > {written} FLOP\n")
    assert diagnostic.message == "unexpected character '^'"
    assert diagnostic.hint == f"a power of ten is written with an 'e': write '{meant}'"


def test_flops_for_an_amount_of_compute_is_offered_flop():
    diagnostic = _diagnostic("  workload.training_flops 3.8e25 FLOPs\n")
    assert diagnostic.hint == "did you mean 'FLOP'?" and diagnostic.fix == "FLOP"


def test_flops_in_a_claim_says_both_readings_and_fixes_neither():
    diagnostic = _diagnostic("  expect workload.training_flops > 1e25 FLOPs\n")
    assert "FLOP (`1e25 FLOP`)" in diagnostic.hint and "FLOP/s" in diagnostic.hint
    assert diagnostic.fix is None


@pytest.mark.parametrize(
    ("price", "meant"), [("2 USD/GPU-hour", "USD/hour"), ("2000 CLP/gpu-hr", "CLP/hour")]
)
def test_a_price_per_gpu_hour_is_told_per_hour(price, meant):
    diagnostic = _diagnostic(f"  market {{\n    rental_price {price}\n  }}\n")
    assert diagnostic.hint == f"a rental price is per accelerator-hour, written per hour: '{meant}'"
