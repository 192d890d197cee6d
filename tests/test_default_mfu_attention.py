"""Issue 12: the default MFU, measured on one run (Llama 3 405B: 8,192-token sequences on a
16,384-wide model, H100), is carried to the scenario's attention share and accelerator by
`performance.attention_factor`: the attention kernels run at a fraction r of the linear layers'
rate (fitted per chip on llm-foundry's MPT tables, calibration attention_rate_factor), so a
long sequence on a narrow model loses MFU, more on H100 than on A100. A given MFU is used as
given."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values

CATALOG = load_catalog()
CAL = CATALOG.calibration
DEFAULT = CAL["default_mfu"].value


def values(accelerator: str, workload: str, cluster: str = "") -> dict:
    text = f"""
scenario s {{
  title "attention share"
  year 2025
  region US
  cluster {{
    accelerator {accelerator}
    count 8
    {cluster}
  }}
  workload {{
    {workload}
  }}
}}
"""
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def mpt_7b(sequence: int, precision: str = "bf16") -> str:
    # llm-foundry's MPT-7B (yamls/pretrain/mpt-7b.yaml): 32 layers of width 4,096; the
    # benchmark table's rows checkpoint every layer (activation checkpointing: full).
    return (
        f"parameters 6.7B\n    tokens 100B\n    precision {precision}\n"
        f"    layers 32\n    hidden_size 4096\n    sequence_length {sequence}\n"
        "    recompute full"
    )


def test_the_factor_is_one_at_the_default_runs_attention_share_and_chip():
    # Llama 3 405B as Table 3 of its paper gives it, at the Table 4 run's 8,192 tokens.
    v = values(
        "H100",
        "parameters 405B\n    tokens 1T\n    precision bf16\n"
        "    layers 126\n    hidden_size 16384\n    sequence_length 8192",
    )
    share = v["performance.attention_flop_share"]
    assert share == pytest.approx(CAL["default_mfu_attention_share"].value, abs=0.001)
    assert v["performance.attention_rate"] == CAL["attention_rate_factor"].value
    assert v["performance.attention_factor"] == pytest.approx(1.0, abs=0.002)


@pytest.mark.parametrize(
    ("accelerator", "measured"),
    # llm-foundry benchmarking README, MPT-7B with activation checkpointing on 8 GPUs: MFU at
    # 65,536 tokens over MFU at 4,096 (H100 80GB BF16: 28.59 / 40.42; A100 80GB: 46.97 / 54.84).
    [("H100", 28.59 / 40.42), ("A100_80GB", 46.97 / 54.84)],
)
def test_the_default_mfu_falls_with_the_sequence_as_the_calibration_table_does(
    accelerator, measured
):
    short, long = values(accelerator, mpt_7b(4096)), values(accelerator, mpt_7b(65536))
    assert (
        long["performance.attention_flop_share"] > 0.6 > short["performance.attention_flop_share"]
    )
    modelled = long["performance.mfu"] / short["performance.mfu"]
    assert modelled == pytest.approx(measured, rel=0.10)


def test_the_a100_loses_less_to_long_sequences_than_the_h100():
    def drop(accelerator: str) -> float:
        short, long = values(accelerator, mpt_7b(4096)), values(accelerator, mpt_7b(65536))
        return long["performance.mfu"] / short["performance.mfu"]

    assert (
        values("A100_80GB", mpt_7b(4096))["performance.attention_rate"]
        > values("H100", mpt_7b(4096))["performance.attention_rate"]
    )
    assert drop("H100") < drop("A100_80GB") < 1.0


def test_a_chip_without_its_own_figure_runs_attention_as_the_default_runs_chip():
    v = values("B200", mpt_7b(8192))
    assert v["performance.attention_rate"] == CAL["attention_rate_factor"].value


def test_at_fp8_the_attention_is_counted_once():
    v = values("H100", mpt_7b(32768, "fp8"))
    share, rate = v["performance.attention_flop_share"], v["performance.attention_rate"]
    reference_share = CAL["default_mfu_attention_share"].value
    reference = (1.0 - reference_share) + reference_share / CAL["attention_rate_factor"].value
    linear = (1.0 - share) / CAL["precision_speedup_fp8"].value
    # Time per model FLOP: linear layers at the FP8 gain, attention at r times the BF16 rate.
    expected = DEFAULT * v["performance.elementwise_factor"] * reference / (linear + share / rate)
    expected *= v["performance.recompute_mfu_factor"]
    # The rest of the default's step runs as in BF16 (performance.precision_overhead_factor).
    expected *= v["performance.precision_overhead_factor"]
    assert 0.5 < v["performance.precision_overhead_factor"] < 1.0
    peak_ratio = v["performance.peak_per_accelerator"] / v["accelerator.bf16_dense"]
    assert v["performance.mfu"] * peak_ratio == pytest.approx(expected, rel=1e-9)


def test_a_given_mfu_is_not_carried():
    v = values("H100", mpt_7b(65536), "mfu 35%")
    assert v["performance.attention_factor"] is None  # not read: no default row in the briefing
    # The bottom-up step still runs the attention at the chip's rate.
    assert v["performance.attention_rate"] == CAL["attention_rate_factor"].value
    assert v["performance.mfu"] == pytest.approx(0.35)
