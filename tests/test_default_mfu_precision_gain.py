"""Issue 12, items 4 and 5: the default MFU at FP8/FP4 is carried with the same precision gain
as the bottom-up step's matrix maths (`performance.precision_gain`): the linear layers gain the
published speed-up, attention stays at the BF16 rate. Without a shape (no attention share) the
gain is the linear-layer one; in BF16, or with the scenario's own MFU, nothing changes. The
attention factor (`performance.attention_factor`) counts the attention once: in BF16 at its
own rate, at FP8 beside linear layers that run G times faster."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.model.registry import REGISTRY
from tests.factories import figure_values

CATALOG = load_catalog()
DEFAULT = CATALOG.calibration["default_mfu"].value
SPEEDUP_FP8 = CATALOG.calibration["precision_speedup_fp8"].value


def values(workload: str, cluster: str = "") -> dict:
    text = f"""
scenario s {{
  title "default mfu"
  year 2025
  region US
  cluster {{
    accelerator H100
    count 64
    {cluster}
  }}
  workload {{
    {workload}
  }}
}}
"""
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def shaped(precision: str, sequence: int) -> str:
    return (
        f"parameters 8B\n    tokens 1T\n    precision {precision}\n"
        f"    layers 32\n    hidden_size 4096\n    sequence_length {sequence}\n"
        "    global_batch 64\n    parallelism tensor 1, pipeline 1, data auto"
    )


def peak_ratio(v: dict) -> float:
    return v["performance.peak_per_accelerator"] / v["accelerator.bf16_dense"]


def overhead(v: dict) -> float:
    """The share of the default's step outside the matrix maths runs as in BF16: σ from the
    default MFU and the roofline rate of the default run's GEMM, the speed-up on the rest."""
    cal = CATALOG.calibration
    a0, r0 = cal["default_mfu_attention_share"].value, cal["attention_rate_factor"].value
    plateau, hbm = cal["matmul_efficiency_large"].value, cal["hbm_efficiency"].value
    e0 = 1.0 / (
        1.0 / plateau
        + cal["default_mfu_flop_per_byte"].value / (hbm * cal["default_mfu_gemm_intensity"].value)
    )
    sigma = min(1.0, DEFAULT * ((1.0 - a0) + a0 / r0) / e0 * v["performance.elementwise_factor"])
    a, r, g = (
        v["performance.attention_flop_share"],
        v["performance.attention_rate"],
        v["performance.precision_gain"],
    )
    speedup = ((1.0 - a) + a / r) / ((1.0 / g - a) + a / r)
    return 1.0 / (sigma + (1.0 - sigma) * speedup)


def test_default_mfu_at_fp8_keeps_attention_at_the_bf16_rate():
    v = values(shaped("fp8", 8192))
    share = v["performance.attention_flop_share"]
    assert 0.05 < share < 0.5
    blended = 1.0 / ((1.0 - share) / SPEEDUP_FP8 + share)
    assert v["performance.precision_gain"] == pytest.approx(blended, rel=1e-9)
    carried = DEFAULT * v["performance.elementwise_factor"] * v["performance.attention_factor"]
    carried *= v["performance.recompute_mfu_factor"]
    assert overhead(v) < 1.0
    assert v["performance.precision_overhead_factor"] == pytest.approx(overhead(v), rel=1e-9)
    assert v["performance.mfu"] == pytest.approx(
        carried * blended * overhead(v) / peak_ratio(v), rel=1e-9
    )
    # Below the linear-layer figure of the rounds before: the attention FLOPs do not speed up.
    assert v["performance.mfu"] < DEFAULT * SPEEDUP_FP8 / peak_ratio(v)


def test_default_mfu_falls_with_the_attention_share_at_fp8():
    short, long = values(shaped("fp8", 2048)), values(shaped("fp8", 32768))
    assert short["performance.attention_flop_share"] < long["performance.attention_flop_share"]
    assert long["performance.mfu"] < short["performance.mfu"]


def test_without_a_shape_the_default_mfu_uses_the_linear_layer_gain():
    # Total compute given, no parameters: no layers, width or attention share to blend with.
    v = values("training_flops 1e24 FLOP\n    precision fp8")
    assert v["performance.attention_flop_share"] is None
    assert v["performance.precision_gain"] == pytest.approx(SPEEDUP_FP8)
    assert v["performance.mfu"] == pytest.approx(DEFAULT * SPEEDUP_FP8 / peak_ratio(v))
    assert v["performance.training_time"] is not None


def test_bf16_default_mfu_moves_with_the_shape_only_through_width_attention_and_recompute():
    short, long = values(shaped("bf16", 2048)), values(shaped("bf16", 32768))
    for v in (short, long):
        assert v["performance.precision_gain"] == pytest.approx(1.0)
        carried = DEFAULT * v["performance.elementwise_factor"] * v["performance.attention_factor"]
        carried *= v["performance.recompute_mfu_factor"]
        assert v["performance.mfu"] == pytest.approx(carried)


def test_a_given_mfu_is_used_as_given_at_fp8():
    v = values(shaped("fp8", 8192), cluster="mfu 33%")
    assert v["cluster.mfu"] == pytest.approx(0.33)
    assert v["cluster.default_mfu"] is None  # not read: no default row in the briefing
    assert v["performance.mfu"] == pytest.approx(0.33)
    assert v["cluster.effective_flops"] == pytest.approx(v["cluster.peak"] * 0.33)


@pytest.mark.parametrize("recompute", ["none", "selective"])
def test_the_mfu_path_and_the_bottom_up_path_share_one_gain_and_attention_rate(recompute):
    for name in ("performance.mfu", "performance.matmul_rate"):
        assert "performance.precision_gain" in REGISTRY[name].inputs, name
        assert "performance.precision_speedup_fp8" not in REGISTRY[name].inputs, name
    for name in ("performance.attention_factor", "performance.matmul_rate"):
        assert "performance.attention_rate" in REGISTRY[name].inputs, name
    v = values(shaped("fp8", 8192) + f"\n    recompute {recompute}")
    share, rate = v["performance.attention_flop_share"], v["performance.attention_rate"]
    executed = v["performance.executed_attention_share"]
    assert (executed > share) == (recompute == "selective")
    # Time per executed FLOP in BF16 linear-layer FLOPs: linear layers at the FP8 gain, the
    # attention at r of the BF16 rate, by their shares of the executed work.
    per_flop = (1.0 - executed) / SPEEDUP_FP8 + executed / rate
    bottom_up = v["performance.matmul_rate"] / (
        v["accelerator.bf16_dense"]
        * v["performance.matmul_efficiency"]
        * v["performance.framework_efficiency"]
    )
    assert bottom_up == pytest.approx(1.0 / per_flop, rel=1e-9)
    # The MFU path carries the default by the same time per (model) FLOP.
    reference_share = CATALOG.calibration["default_mfu_attention_share"].value
    reference = (1.0 - reference_share) + reference_share / CATALOG.calibration[
        "attention_rate_factor"
    ].value
    carried = DEFAULT * v["performance.elementwise_factor"] * reference
    carried *= v["performance.recompute_mfu_factor"]
    per_model_flop = (1.0 - share) / SPEEDUP_FP8 + share / rate
    # ... on the matrix share of the default's step (performance.precision_overhead_factor).
    assert v["performance.mfu"] * peak_ratio(v) == pytest.approx(
        carried / per_model_flop * overhead(v)
    )


def test_the_mfu_path_follows_the_blended_gain_in_the_training_time():
    fp8, bf16 = values(shaped("fp8", 8192)), values(shaped("bf16", 8192))
    speedup = bf16["performance.training_time"] / fp8["performance.training_time"]
    # The linear layers gain g; the attention keeps its BF16 time a/r (r < 1 on H100).
    share, rate = fp8["performance.attention_flop_share"], fp8["performance.attention_rate"]
    linear = (1.0 - share) / SPEEDUP_FP8
    matrix = ((1.0 - share) + share / rate) / (linear + share / rate)
    # Only the matrix share of the default's step gains it.
    assert speedup == pytest.approx(matrix * overhead(fp8), rel=1e-9)
    assert speedup < matrix
    assert 1.0 < speedup < fp8["performance.precision_gain"]
