"""Issue 12, performance and scaling: each mechanism pinned by a physics check that fails
without it (none of the expectations is a tuned figure)."""

import math

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values

CATALOG = load_catalog()


def values(cluster: str, workload: str, extra: str = "") -> dict:
    text = f"""
scenario s {{
  title "fidelity test"
  year 2026
  region US
  cluster {{
    {cluster}
  }}
  workload {{
    {workload}
  }}
}}
{extra}
"""
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


# -------------------------------------------------------------- 4: default MFU per precision
def test_default_mfu_at_fp8_is_not_the_bf16_figure_on_the_fp8_peak():
    bf16 = values(
        "accelerator H100\n    count 1k", "parameters 70B\n    tokens 1T\n    precision bf16"
    )
    fp8 = values(
        "accelerator H100\n    count 1k", "parameters 70B\n    tokens 1T\n    precision fp8"
    )
    carried = bf16["performance.elementwise_factor"] * bf16["performance.attention_factor"]
    carried *= bf16["performance.recompute_mfu_factor"]
    assert bf16["performance.mfu"] == pytest.approx(0.40 * carried)
    # FP8 doubles the datasheet peak but not the step: the run must not come out 2x faster.
    speedup = bf16["performance.training_time"] / fp8["performance.training_time"]
    assert 1.0 < speedup < 1.9
    assert fp8["performance.mfu"] < bf16["performance.mfu"]


def test_custom_accelerator_without_fp8_gets_flop_rates_in_bf16():
    extra = """
accelerator OLDCHIP {
  bf16_dense 300 TFLOPS
  hbm 80 GB
  hbm_bandwidth 2 TB/s
  scaleup_bandwidth 600 GB/s
  scaleup_domain 8
  hostlink_bandwidth 64 GB/s
  tdp 400 W
}"""
    v = values(
        "accelerator OLDCHIP\n    count 64",
        "parameters 7B\n    tokens 100B\n    precision bf16",
        extra,
    )
    assert v["performance.peak_per_accelerator"] == pytest.approx(300e12)
    # 150 FLOP per byte: the element-wise share is small, but the default is still carried.
    carried = 0.40 * v["performance.elementwise_factor"] * v["performance.attention_factor"]
    carried *= v["performance.recompute_mfu_factor"]
    assert v["cluster.effective_flops"] == pytest.approx(64 * 300e12 * carried)
    assert v["performance.model_flops_per_accelerator"] > 0


# --------------------------------------------------------------- 5: bottom-up step time
def test_attention_flops_share_is_about_a_sixth_at_small_width():
    v = values(
        "accelerator H100\n    count 64",
        "parameters 1.3B\n    tokens 26B\n"
        "    layers 24\n    hidden_size 2048\n    sequence_length 2048",
    )
    six_n = 6 * 1.3e9
    share = v["performance.model_flops_per_token"] / six_n - 1
    # Narayanan eq. 3: s/(6h) of the 72·l·h² weight FLOPs = 12·l·h·s per token.
    assert share == pytest.approx(12 * 24 * 2048 * 2048 / six_n, rel=1e-9)
    assert 0.12 < share < 0.20


def test_matmul_efficiency_grows_with_gemm_width():
    narrow = values(
        "accelerator A100_80GB\n    count 64",
        "parameters 1B\n    tokens 1B\n    hidden_size 1024\n    layers 16",
    )
    wide = values(  # written unsharded: without a layout the model would shard it to fit
        "accelerator A100_80GB\n    count 64",
        "parameters 100B\n    tokens 1B\n    hidden_size 12288\n    layers 60\n"
        "    parallelism tensor 1, data auto",
    )
    sharded = values(
        "accelerator A100_80GB\n    count 64",
        "parameters 100B\n    tokens 1B\n    hidden_size 12288\n    layers 60\n"
        "    parallelism tensor 8, data auto",
    )
    assert narrow["performance.matmul_efficiency"] < sharded["performance.matmul_efficiency"]
    assert sharded["performance.matmul_efficiency"] < wide["performance.matmul_efficiency"]
    # Wide GEMMs pass the old single 50 % that kept Megatron's A100s below their measurement.
    assert wide["performance.matmul_efficiency"] > 0.7


def test_megatron_interleaves_by_default_and_the_bubble_shrinks():
    layout = "parameters 175B\n    tokens 1T\n    layers 96\n    hidden_size 12288\n"
    plain = values(
        "accelerator H100\n    count 4096",
        layout + "    parallelism tensor 8, pipeline 16, microbatches 16, interleave 1, data auto",
    )
    default = values(
        "accelerator H100\n    count 4096",
        layout + "    parallelism tensor 8, pipeline 16, microbatches 16, data auto",
    )
    assert plain["performance.pipeline_bubble"] == pytest.approx(15 / 31)  # ~48 %
    # 96 layers on 16 stages = 6 per stage, cut into chunks of ~2 layers: v = 3.
    assert default["workload.interleave"] == 3
    assert default["performance.pipeline_bubble"] == pytest.approx(15 / (3 * 16 + 15))
    deepspeed = values(
        "accelerator H100\n    count 4096",
        layout + "    framework deepspeed\n"
        "    parallelism tensor 8, pipeline 16, microbatches 16, data auto",
    )
    assert deepspeed["performance.pipeline_bubble"] == pytest.approx(15 / 31)


def test_sequence_parallelism_is_an_input():
    layout = (
        "parameters 175B\n    tokens 1T\n    layers 96\n    hidden_size 12288\n"
        "    framework megatron\n    parallelism tensor 8, pipeline 8, data auto\n"
    )
    on = values("accelerator A100_80GB\n    count 1024", layout + "    sequence_parallel on")
    off = values("accelerator A100_80GB\n    count 1024", layout + "    sequence_parallel off")
    assert off["performance.activation_memory"] > on["performance.activation_memory"]
    assert off["performance.memory_time"] > on["performance.memory_time"]


def test_paths_disagree_flags_a_far_off_mfu():
    layout = "parameters 70B\n    tokens 1T\n    parallelism tensor 8, pipeline 4, data auto"
    near = values("accelerator H100\n    count 1024\n    mfu 40%", layout)
    far = values("accelerator H100\n    count 1024\n    mfu 5%", layout)
    assert far["performance.path_ratio"] < near["performance.path_ratio"]
    assert bool(far["performance.paths_disagree"])
    assert far["performance.path_ratio"] == pytest.approx(
        far["performance.step_time"] / far["performance.mfu_step_time"]
    )


# ------------------------------------------------------------------------- 6: scaling
def test_scaling_efficiency_falls_with_the_accelerator_count():
    layout = (
        "parameters 405B\n    tokens 15T\n    layers 126\n    hidden_size 16384\n"
        "    sequence_length 8192\n    global_batch 2048\n"
        "    parallelism tensor 8, pipeline 16, data auto"
    )
    efficiency = [
        values(f"accelerator H100\n    count {n}", layout)["performance.scaling_efficiency"]
        for n in (2048, 8192, 16384)
    ]
    assert efficiency[0] > efficiency[1] > efficiency[2]
    assert efficiency[2] < 0.97


def test_straggler_term_grows_like_the_expected_maximum():
    one = values("accelerator H100\n    count 128", "parameters 7B\n    tokens 1T")
    many = values("accelerator H100\n    count 100k", "parameters 7B\n    tokens 1T")
    sigma = one["performance.straggler_variability"]
    assert many["performance.straggler_factor"] == pytest.approx(
        1 + sigma * math.sqrt(2 * math.log(many["performance.accelerators_used"]))
    )
    assert many["performance.straggler_factor"] > one["performance.straggler_factor"]


# ---------------------------------------------------------------------- 8: mixture of experts
MOE = (
    "parameters 671B\n    tokens 14.8T\n    experts 256\n    experts_per_token 8\n"
    "    layers 61\n    hidden_size 7168\n"
)


def test_moe_active_parameters_drive_flops_and_total_parameters_drive_memory():
    dense = values(
        "accelerator H100\n    count 2048",
        "parameters 671B\n    tokens 14.8T\n"
        "    layers 61\n    hidden_size 7168\n"
        "    parallelism tensor 1, pipeline 16, expert 1, data auto",
    )
    moe = values(
        "accelerator H100\n    count 2048",
        MOE + "    parallelism tensor 1, pipeline 16, expert 1, data auto",
    )
    # ⅓ shared + ⅔ × 8/256 of 671B.
    assert moe["workload.active_parameters"] == pytest.approx(671e9 * (1 / 3 + 2 / 3 * 8 / 256))
    assert moe["workload.training_flops"] < 0.5 * dense["workload.training_flops"]
    assert moe["performance.model_state_memory"] == pytest.approx(
        dense["performance.model_state_memory"]
    )


def test_expert_parallelism_spreads_experts_and_costs_all_to_all():
    local = values(
        "accelerator H100\n    count 2048",
        MOE + "    parallelism tensor 1, pipeline 16, expert 1, data auto",
    )
    spread = values(
        "accelerator H100\n    count 2048",
        MOE + "    parallelism tensor 1, pipeline 16, expert 64, data auto",
    )
    assert local["performance.expert_parallel_time"] == 0
    assert spread["performance.expert_parallel_time"] > 0
    # The experts' weights (all but the shared third) are spread over the 64 expert ranks.
    active = 671e9 * (1 / 3 + 2 / 3 * 8 / 256)
    experts = (671e9 - active) / (1 - 8 / 256)
    assert spread["performance.parameters_per_accelerator"] == pytest.approx(
        (671e9 - experts + experts / 64) / 16
    )
    assert spread["performance.model_state_memory"] < local["performance.model_state_memory"] / 2


def test_vocabulary_takes_the_embeddings_out_of_the_derived_shape():
    plain = values("accelerator H100\n    count 8", "parameters 1B\n    tokens 1T")
    vocab = values(
        "accelerator H100\n    count 8", "parameters 1B\n    tokens 1T\n    vocabulary 128256"
    )
    h, layers = vocab["workload.hidden_size"], vocab["workload.layers"]
    assert 12 * layers * h**2 + 128256 * h == pytest.approx(1e9)
    assert h < plain["workload.hidden_size"]


def test_moe_width_follows_the_active_parameters_not_the_total():
    moe = values(
        "accelerator H100\n    count 2048",
        "parameters 671B\n    active_parameters 37B\n    tokens 14.8T",
    )
    dense = values("accelerator H100\n    count 2048", "parameters 37B\n    tokens 14.8T")
    # Inactive experts add no width: the attention FLOPs are those of a 37B-wide model.
    assert moe["workload.hidden_size"] == pytest.approx(dense["workload.hidden_size"])
    assert moe["workload.training_flops"] == pytest.approx(dense["workload.training_flops"])
