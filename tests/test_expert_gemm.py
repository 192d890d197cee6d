"""The routed experts' GEMMs on the default-MFU path (issue 12, mixtures of experts): a
fine-grained expert's GEMM is short (few tokens per expert) and narrow, so its operand traffic
is a visible share of its time (performance.expert_gemm_rate, performance.expert_gemm_factor).

The roofline behind it uses the catalog's GEMM plateau and HBM efficiency, with no constant of
its own; it is checked here against a published GEMM benchmark that is no validation case."""

from __future__ import annotations

import math

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.domains.training_formulas import roofline_gemm_efficiency

CATALOG = load_catalog()
PLATEAU = CATALOG.calibration["matmul_efficiency_large"].value
HBM = CATALOG.calibration["hbm_efficiency"].value

# DeepSeek-AI, DeepGEMM (github.com/deepseek-ai/DeepGEMM), README of February 2025, Performance:
# FP8 GEMMs (1-byte operands, BF16 output) on H800 (1,979 TFLOPS dense FP8, 3.35 TB/s HBM3):
# groups, M per group, N, K, measured TFLOPS. Dense GEMMs are one group.
H800_FP8_PEAK, H800_HBM = 1979e12, 3.35e12
DEEPGEMM = [
    (1, 64, 2112, 7168, 206),
    (1, 64, 24576, 1536, 289),
    (1, 64, 32768, 512, 219),
    (1, 64, 7168, 16384, 336),
    (1, 64, 4096, 7168, 287),
    (1, 64, 7168, 2048, 295),
    (1, 128, 2112, 7168, 352),
    (1, 128, 24576, 1536, 535),
    (1, 128, 32768, 512, 358),
    (1, 128, 7168, 16384, 645),
    (1, 128, 4096, 7168, 533),
    (1, 128, 7168, 2048, 510),
    (1, 4096, 2112, 7168, 1058),
    (1, 4096, 24576, 1536, 990),
    (1, 4096, 32768, 512, 590),
    (1, 4096, 7168, 16384, 1358),
    (1, 4096, 4096, 7168, 1304),
    (1, 4096, 7168, 2048, 1025),
    (4, 8192, 4096, 7168, 1297),
    (4, 8192, 7168, 2048, 1099),
    (8, 4096, 4096, 7168, 1288),
    (8, 4096, 7168, 2048, 1093),
    (1, 1024, 4096, 7168, 1233),
    (1, 1024, 7168, 2048, 925),
    (2, 512, 4096, 7168, 1040),
    (2, 512, 7168, 2048, 916),
    (4, 256, 4096, 7168, 932),
    (4, 256, 7168, 2048, 815),
]


def _modelled_tflops(groups, rows, columns, depth):
    flops = 2.0 * groups * rows * columns * depth
    moved = groups * (rows * depth + columns * depth) + 2.0 * groups * rows * columns
    share = roofline_gemm_efficiency(flops / moved, H800_FP8_PEAK / H800_HBM, PLATEAU, HBM)
    return share * H800_FP8_PEAK / 1e12


def test_the_roofline_with_the_catalog_constants_follows_a_published_gemm_table():
    errors = [
        math.log(_modelled_tflops(g, m, n, k) / measured) for g, m, n, k, measured in DEEPGEMM
    ]
    assert sum(abs(e) for e in errors) / len(errors) < 0.15
    # The training-sized shapes (256 tokens and more per expert) each within 30 %: the tiny
    # decode shapes (64-128 rows) pay launch and tail latency the roofline leaves out.
    training = [e for e, row in zip(errors, DEEPGEMM, strict=True) if row[1] >= 256]
    assert max(abs(e) for e in training) < math.log(1.3)
    # It orders the grouped shapes as measured: fewer tokens per expert, lower rate.
    grouped = [(m, n, _modelled_tflops(g, m, n, k)) for g, m, n, k, _ in DEEPGEMM[18:]]
    for width in (4096, 7168):
        rates = [rate for m, n, rate in sorted(grouped) if n == width]
        assert rates == sorted(rates)


MOE = """
scenario moe {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count 256{cluster}
  }}
  workload {{
    parameters {total}
    active_parameters 1.3B
    tokens 1T
    layers 16
    hidden_size 2048
    mlp gated
    sequence_length 4096
    {extra}
  }}
}}
"""


def _result(extra: str, total: str = "6.9B", cluster: str = ""):
    text = MOE.format(extra=extra, total=total, cluster=cluster)
    return scendsl.evaluate(scendsl.load_text(text, name="moe.scn").get("moe"))


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


FINE = "experts 64\n    experts_per_token 8\n    expert_ffn_hidden_size 1024"
COARSE = "experts 8\n    experts_per_token 1\n    expert_ffn_hidden_size 8192"


def test_a_dense_model_is_not_moved():
    dense = _result("", total="1.3B")
    assert _value(dense, "performance.expert_gemm_factor") == 1.0
    assert _value(dense, "performance.expert_flop_share") == 0.0


def test_finer_experts_run_at_a_lower_mfu_than_coarse_ones_of_the_same_active_flops():
    fine, coarse = _result(FINE), _result(COARSE)
    # Same routed FLOPs per token (8 x 1,024 against 1 x 8,192)...
    assert _value(fine, "performance.expert_flop_share") == pytest.approx(
        _value(coarse, "performance.expert_flop_share")
    )
    # ...in GEMMs of 512 tokens x 1,024 against 512 x 8,192: the fine ones move more bytes per FLOP.
    assert _value(fine, "performance.expert_gemm_tokens") == 512
    assert _value(fine, "performance.expert_gemm_rate") < _value(
        coarse, "performance.expert_gemm_rate"
    )
    assert _value(fine, "performance.mfu") < _value(coarse, "performance.mfu") < 0.40
    assert _value(fine, "performance.training_time") > _value(coarse, "performance.training_time")
    # The bottom-up path prices them with the same factor: the same FLOPs take longer.
    assert _value(fine, "performance.compute_time") > _value(coarse, "performance.compute_time")


def test_expert_parallelism_gathers_tokens_and_raises_the_rate():
    alone = _result(FINE + "\n    parallelism expert 1, data auto")
    spread = _result(FINE + "\n    parallelism expert 8, data auto")
    assert _value(spread, "performance.expert_gemm_tokens") == pytest.approx(
        8 * _value(alone, "performance.expert_gemm_tokens")
    )
    assert _value(spread, "performance.expert_gemm_rate") > _value(
        alone, "performance.expert_gemm_rate"
    )


def test_an_mfu_measured_on_the_run_is_used_as_given():
    measured = _result(FINE, cluster="\n    mfu 20%")
    assert _value(measured, "performance.mfu") == pytest.approx(0.20)
    # The bottom-up path still prices the routed GEMMs (it does not read the MFU).
    assert _value(measured, "performance.expert_gemm_factor") < 1.0
    assert _value(measured, "performance.compute_time") == pytest.approx(
        _value(_result(FINE), "performance.compute_time")
    )


BIG = """
scenario big {
  year 2025
  region US
  cluster {
    accelerator H100
    count 4096
  }
  workload {
    parameters 400B
    active_parameters 17B
    tokens 20T
    layers 48
    hidden_size 5120
    experts 128
    experts_per_token 1
    expert_ffn_hidden_size 8192
    mlp gated{layout}
  }
}
"""


def _big(layout: str = ""):
    text = BIG.replace("{layout}", layout)
    return scendsl.evaluate(scendsl.load_text(text, name="big.scn").get("big"))


def test_a_mixture_the_model_lays_out_spreads_its_experts_by_expert_parallelism():
    chosen = _big()
    tensor = _value(chosen, "workload.tensor_parallel")
    pipeline = _value(chosen, "workload.pipeline_parallel")
    assert tensor * pipeline > 1  # 400B does not fit one H100: the model sharded it
    degree = min(128.0, tensor * pipeline)
    assert _value(chosen, "workload.expert_parallel") == degree
    assert _value(chosen, "performance.expert_gemm_parallel") == degree
    assert _value(chosen, "performance.expert_gemm_tensor") == 1
    assert chosen["workload.expert_parallel"].origin == "auto layout"
    # Its all-to-all is priced, and its experts' GEMMs see the tokens of those ranks.
    assert _value(chosen, "performance.expert_parallel_time") > 0
    assert _value(chosen, "performance.expert_gemm_tokens") == pytest.approx(4096 * degree / 128)
    # A written layout is kept as written.
    written = _big("\n    parallelism tensor 8, pipeline 4, data auto")
    assert _value(written, "workload.expert_parallel") == 1
    assert _value(written, "performance.expert_gemm_tensor") == 8
    assert _value(written, "performance.expert_gemm_tokens") == 32
    assert _value(written, "performance.mfu") < _value(chosen, "performance.mfu")


def test_three_training_gemms_in_16_bits_have_the_one_gemm_intensity():
    from scendsl.model.domains.training_formulas import gemm_intensity, training_gemm_intensity

    assert training_gemm_intensity(1024, 8192, 5120, 2.0) == pytest.approx(
        gemm_intensity(1024, 8192, 5120)
    )
    # FP8 operands with a BF16 output: 4 bytes moved per element over the three, against 6.
    assert training_gemm_intensity(1024, 8192, 5120, 1.0) == pytest.approx(
        1.5 * gemm_intensity(1024, 8192, 5120)
    )


def test_in_fp8_a_short_expert_gemm_falls_further_behind_the_dense_one():
    bf16 = _result(FINE + "\n    precision bf16")
    fp8 = _result(FINE + "\n    precision fp8")
    # The FP8 peak doubles, the bytes fall by a third: the short GEMM's traffic weighs more.
    assert _value(fp8, "performance.expert_gemm_rate") < _value(
        bf16, "performance.expert_gemm_rate"
    )
    # A wide expert of many tokens is nearly as fast as the dense reference in both.
    wide_bf16 = _result(COARSE + "\n    precision bf16\n    parallelism expert 8, data auto")
    wide_fp8 = _result(COARSE + "\n    precision fp8\n    parallelism expert 8, data auto")
    drop_fine = _value(fp8, "performance.expert_gemm_rate") / _value(
        bf16, "performance.expert_gemm_rate"
    )
    drop_wide = _value(wide_fp8, "performance.expert_gemm_rate") / _value(
        wide_bf16, "performance.expert_gemm_rate"
    )
    assert drop_fine < drop_wide <= 1.0


def test_fp8_gains_on_the_matrix_share_of_the_default_step_only():
    bf16 = _result("", total="1.3B")
    fp8 = _result("precision fp8", total="1.3B")
    assert _value(bf16, "performance.precision_overhead_factor") == 1.0
    factor = _value(fp8, "performance.precision_overhead_factor")
    assert 0.5 < factor < 1.0
    # The MFU path's FP8 speed-up over BF16 is below the GEMM gain it is built from.
    speedup = _value(fp8, "performance.mfu") * _value(fp8, "performance.peak_per_accelerator")
    speedup /= _value(bf16, "performance.mfu") * _value(bf16, "performance.peak_per_accelerator")
    assert 1.0 < speedup < _value(fp8, "performance.precision_gain")
