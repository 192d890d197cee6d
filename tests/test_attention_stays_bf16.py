"""FP8/FP4 training speeds up the linear layers only: attention (the scores and their weighting)
stays at the BF16 rate, so the matrix maths gain less than the linear-layer speed-up, the more so
the larger the attention share of the FLOPs (long sequences on narrow models)."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.domains.training_formulas import mixed_precision_gain
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values

CATALOG = load_catalog()


def values(precision: str, sequence: int, hidden: int = 4096, layers: int = 32) -> dict:
    text = f"""
scenario s {{
  title "attention precision"
  year 2025
  region US
  cluster {{
    accelerator B200
    count 8
  }}
  workload {{
    parameters      8B
    tokens          1T
    precision       {precision}
    parallelism     tensor 1, pipeline 1, data auto
    sequence_length {sequence}
    global_batch    64
    layers          {layers}
    hidden_size     {hidden}
  }}
}}
"""
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def test_mixed_precision_gain_limits():
    assert mixed_precision_gain(1.5, 0.0) == pytest.approx(1.5)  # all linear: the full gain
    assert mixed_precision_gain(1.5, 1.0) == pytest.approx(1.0)  # all attention: no gain
    assert mixed_precision_gain(1.0, 0.3) == pytest.approx(1.0)  # BF16 run: nothing changes


def test_mixed_precision_gain_falls_as_the_attention_share_grows():
    gains = [mixed_precision_gain(1.5, a) for a in (0.0, 0.1, 0.2, 0.4, 0.8)]
    assert gains == sorted(gains, reverse=True)


def test_attention_share_grows_with_the_sequence_length():
    short = values("fp8", 2048)["performance.attention_flop_share"]
    long = values("fp8", 16384)["performance.attention_flop_share"]
    assert 0.0 < short < long < 1.0


def linear_rate(v: dict) -> float:
    """The BF16 rate of the linear layers alone (no attention, no precision gain)."""
    return (
        v["accelerator.bf16_dense"]
        * v["performance.matmul_efficiency"]
        * v["performance.framework_efficiency"]
    )


def test_bf16_matmul_rate_falls_with_the_attention_share_at_the_attention_rate():
    # The attention kernels run at r of the linear layers' rate (B200: the H100's stand-in).
    short, long = values("bf16", 2048), values("bf16", 16384)
    assert short["performance.attention_rate"] < 1.0
    assert long["performance.matmul_rate"] < short["performance.matmul_rate"]
    for v in (short, long):
        executed, rate = v["performance.executed_attention_share"], v["performance.attention_rate"]
        expected = linear_rate(v) / ((1 - executed) + executed / rate)
        assert v["performance.matmul_rate"] == pytest.approx(expected, rel=1e-9)


def test_fp8_matmul_rate_falls_with_the_attention_share_and_stays_above_bf16():
    short, long = values("fp8", 2048), values("fp8", 16384)
    bf16 = values("bf16", 16384)
    assert long["performance.matmul_rate"] < short["performance.matmul_rate"]
    assert long["performance.matmul_rate"] > bf16["performance.matmul_rate"]


def test_fp8_rate_is_the_amdahl_blend_of_linear_gain_and_bf16_attention():
    fp8 = values("fp8", 8192)
    executed, rate = fp8["performance.executed_attention_share"], fp8["performance.attention_rate"]
    gain = CATALOG.calibration["precision_speedup_fp8"].value
    expected = linear_rate(fp8) / ((1 - executed) / gain + executed / rate)
    assert fp8["performance.matmul_rate"] == pytest.approx(expected, rel=1e-9)
