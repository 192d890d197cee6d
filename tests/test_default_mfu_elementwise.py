"""Issue 12: the default MFU, measured on one wide model on one chip (Llama 3 405B on H100),
is carried to the scenario's width and accelerator by `performance.elementwise_factor`:
memory-bound element-wise kernels move ~B·h bytes per token and layer against the GEMMs'
72·h² FLOPs, so they take a larger share of a narrow model's step, and of a step on a chip
with more FLOPs per byte of HBM bandwidth. A given MFU is used as given."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values

CATALOG = load_catalog()
CAL = CATALOG.calibration
DEFAULT = CAL["default_mfu"].value


def values(accelerator: str, hidden: int, cluster: str = "") -> dict:
    text = f"""
scenario s {{
  title "elementwise share"
  year 2025
  region US
  cluster {{
    accelerator {accelerator}
    count 64
    {cluster}
  }}
  workload {{
    parameters 8B
    tokens 1T
    precision bf16
    layers 32
    hidden_size {hidden}
  }}
}}
"""
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def share(v: dict) -> float:
    ratio = v["accelerator.bf16_dense"] / v["accelerator.hbm_bandwidth"]
    return CAL["elementwise_bytes"].value * ratio / (72.0 * v["workload.hidden_size"])


def test_the_factor_is_one_on_the_default_runs_width_and_chip():
    v = values("H100", int(CAL["default_mfu_width"].value))
    ratio = v["accelerator.bf16_dense"] / v["accelerator.hbm_bandwidth"]
    # The catalog's reference ratio is the H100's own datasheet ratio.
    assert ratio == pytest.approx(CAL["default_mfu_flop_per_byte"].value, rel=0.01)
    assert v["performance.elementwise_factor"] == pytest.approx(1.0, abs=0.001)
    attention = v["performance.attention_factor"]  # the attention share is another factor
    recompute = v["performance.recompute_mfu_factor"]  # and the recomputation a third
    assert v["performance.mfu"] == pytest.approx(DEFAULT * attention * recompute, abs=0.001)


def test_a_narrower_model_runs_at_a_lower_default_mfu():
    wide, narrow = values("H100", 8192), values("H100", 2048)
    assert narrow["performance.mfu"] < wide["performance.mfu"] < DEFAULT
    reference = (
        CAL["elementwise_bytes"].value
        * CAL["default_mfu_flop_per_byte"].value
        / (72.0 * CAL["default_mfu_width"].value)
    )
    for v in (wide, narrow):
        expected = (1.0 + reference) / (1.0 + share(v))
        assert v["performance.elementwise_factor"] == pytest.approx(expected, rel=1e-9)
        attention = v["performance.attention_factor"]
        carried = DEFAULT * expected * attention * v["performance.recompute_mfu_factor"]
        assert v["performance.mfu"] == pytest.approx(carried, rel=1e-9)


def test_a_chip_with_fewer_flops_per_byte_loses_less():
    h100, a100 = values("H100", 4096), values("A100_80GB", 4096)
    assert share(a100) < share(h100)
    assert h100["performance.elementwise_factor"] < a100["performance.elementwise_factor"]


def test_a_given_mfu_is_not_carried():
    v = values("H100", 2048, "mfu 35%")
    assert v["performance.mfu"] == pytest.approx(0.35)
