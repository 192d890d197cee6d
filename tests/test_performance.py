"""The performance domain against hand calculations, the ZeRO paper and the article's table."""

import math

import numpy as np
import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.domains import step_time
from scendsl.model.domains import training_formulas as perf
from scendsl.model.evaluate import compute_values, evaluate

CATALOG = load_catalog()


def scenario(workload: str = "", accelerator: str = "GB200", count: str = "100k", extra: str = ""):
    text = f"""
scenario s {{
  title "performance test"
  year 2026
  region US
  cluster {{
    accelerator {accelerator}
    count {count}
    mfu 40%
  }}
  workload {{
    {workload}
  }}
}}
{extra}
"""
    return scendsl.load(text).get("s")


def values(workload: str = "", **kwargs) -> dict:
    result = evaluate(scenario(workload, **kwargs), CATALOG)
    return {
        **{k: v.value for k, v in result.inputs.items()},
        **{k: v.value for k, v in result.metrics.items()},
    }


COLOSSUS = """parameters 2T
    tokens 40T
    precision fp8
    parallelism tensor 8, pipeline 16, data auto"""


# ------------------------------------------------------------------------ peak and MFU
def test_peak_of_100k_gb200():
    v = values(COLOSSUS)
    assert v["cluster.peak_fp8"] == pytest.approx(100_000 * 5e15)  # 5e20 FLOP/s
    assert v["cluster.peak_fp8"] == pytest.approx(5e20)
    assert v["cluster.peak_bf16"] == pytest.approx(100_000 * 2.5e15)
    assert v["cluster.peak"] == pytest.approx(5e20)  # workload precision is fp8
    assert v["cluster.effective_flops"] == pytest.approx(5e20 * 0.40)


def test_peak_at_precision_and_fp4_fallback():
    # H100 has no FP4 units: FP4 work runs at its FP8 rate, 1,978.9 TFLOPS.
    h100_fp4 = values("precision fp4", accelerator="H100", count="1k")
    assert h100_fp4["cluster.peak"] == pytest.approx(1000 * 1978.9e12)
    b200_fp4 = values("precision fp4", accelerator="B200", count="1k")
    assert b200_fp4["cluster.peak"] == pytest.approx(1000 * 9000e12)
    h100_bf16 = values("precision bf16", accelerator="H100", count="1k")
    assert h100_bf16["cluster.peak"] == pytest.approx(1000 * 989.4e12)


def test_default_mfu_comes_from_calibration():
    text = """
scenario s {
  title "no mfu"
  year 2026
  region US
  cluster { accelerator H100
    count 1k }
}"""
    result = evaluate(scendsl.load(text).get("s"), CATALOG)
    assert result.value("cluster.mfu") is None  # not given: n/a, the default is its own input
    assert result.value("cluster.default_mfu") == pytest.approx(0.40)
    assert result.inputs["cluster.default_mfu"].origin == "catalog calibration.default_mfu"
    assert result.value("performance.mfu") == pytest.approx(0.40)
    assert result.value("workload.training_flops") is None  # no workload: n/a, not guessed


# ------------------------------------------------------------------ compute and time
def test_training_flops_is_6nd_plus_attention_and_time_divides_by_effective_rate():
    v = values(COLOSSUS)
    attention = 12 * v["workload.layers"] * v["workload.hidden_size"] * 4096  # Narayanan eq. 3
    flops = (6 * 2e12 + attention) * 40e12  # 4.8e26 from the weights, ~2.5 % more
    assert v["workload.training_flops"] == pytest.approx(flops)
    assert 1.01 < flops / 4.8e26 < 1.05
    # FLOP / (5e20 FLOP/s × 0.4) ≈ 28.5 days
    assert v["performance.training_time"] == pytest.approx(flops / 2e20)
    assert v["workload.chinchilla_tokens"] == pytest.approx(20 * 2e12)


def test_mixture_of_experts_counts_active_parameters():
    v = values("""parameters 1T
    active_parameters 100B
    tokens 10T
    parallelism tensor 1, pipeline 1, data auto""")  # unsharded, as written
    attention = 12 * v["workload.layers"] * v["workload.hidden_size"] * 4096
    assert v["workload.training_flops"] == pytest.approx((6 * 100e9 + attention) * 10e12)
    # ... while memory holds every expert: 16 B/param over t·p = 1 with ZeRO-1 on 100k ranks
    assert v["performance.model_state_memory"] == pytest.approx(1e12 * (4 + 12 / 100_000))


# ------------------------------------------------------------------------- memory
@pytest.mark.parametrize("stage, expected_gb", [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_memory_matches_the_zero_paper(stage, expected_gb):
    # Rajbhandari et al. 2020, Fig. 1: Ψ = 7.5B, N_d = 64, K = 12.
    assert perf.model_state_bytes(7.5e9, stage, 64) / 1e9 == pytest.approx(expected_gb, abs=0.05)
    v = values(
        f"""parameters 7.5B
    parallelism tensor 1, pipeline 1, data 64
    zero_stage {stage}""",
        count="64",
    )
    assert v["performance.model_state_memory"] / 1e9 == pytest.approx(expected_gb, abs=0.05)


def test_zero_hand_calculation_and_model_parallel_division():
    psi = 7.5e9
    assert perf.model_state_bytes(psi, 1, 64) == pytest.approx(4 * psi + 12 * psi / 64)
    assert perf.model_state_bytes(psi, 2, 64) == pytest.approx(2 * psi + 14 * psi / 64)
    # CPU offload keeps only parameters and gradients on the GPU (ZeRO-Offload).
    assert perf.model_state_bytes(psi, 2, 64, True) == pytest.approx(2 * psi + 2 * psi / 64)
    v = values(
        """parameters 70B
    parallelism tensor 8, pipeline 4, data 4
    zero_stage 0""",
        count="128",
    )
    assert v["performance.model_state_memory"] == pytest.approx(16 * 70e9 / 32)


def test_activation_memory_follows_korthikanti():
    # GPT-3 175B shape: s = 2048, h = 12288, a = 96 (head width 128), L = 96, t = 8, p = 8.
    shape = """parameters 175B
    layers 96
    hidden_size 12288
    sequence_length 2048
    micro_batch 1
    parallelism tensor 8, pipeline 8, data 1, microbatches 64, interleave 1"""
    sbh = 2048 * 1 * 12288
    megatron = values(shape + "\n    recompute selective", count="64")
    # 1F1B: the first stage holds p micro-batches of L/p layers = L layers; sequence parallel.
    assert megatron["performance.activation_memory"] == pytest.approx(sbh * 34 / 8 * 96)
    # Korthikanti's 5as/h scores are kept only by unfused attention (the 2022 paper's kernels).
    none = values(shape + "\n    recompute none\n    flash_attention off", count="64")
    attention = 5 * 96 * 2048 / (12288 * 8)  # 5as/(ht) = 10
    assert none["performance.activation_memory"] == pytest.approx(sbh * (34 / 8 + attention) * 96)
    fused = values(shape + "\n    recompute none", count="64")
    assert fused["performance.activation_memory"] == pytest.approx(sbh * 34 / 8 * 96)
    full = values(shape + "\n    recompute full", count="64")
    assert full["performance.activation_memory"] == pytest.approx(sbh * 2 / 8 * 96)
    # GPT-NeoX has no sequence parallelism: 10 + 24/t per sbh.
    neox = values(shape + "\n    recompute selective\n    framework neox", count="64")
    assert neox["performance.activation_memory"] == pytest.approx(sbh * (10 + 24 / 8) * 96)
    # Megatron's interleaved schedule keeps (1 + (p−1)/(p·v)) times as much (Korthikanti eq. 5).
    interleaved = values(
        shape.replace("interleave 1", "interleave 2") + "\n    recompute selective", count="64"
    )
    assert interleaved["performance.activation_memory"] == pytest.approx(
        sbh * 34 / 8 * 96 * (1 + 7 / 16)
    )


def test_memory_over_hbm_is_not_priced_as_host_traffic():
    """A layout that does not fit cannot start (the frameworks do not page HBM out): the step
    is that of the layout as written, with no host traffic the scenario did not ask for."""
    small = values(
        """parameters 1B
    parallelism tensor 1, pipeline 1, data 8""",
        accelerator="H100",
        count="8",
    )
    assert small["performance.fits_in_hbm"] is True
    assert small["performance.offload_time"] == 0
    big = values(
        """parameters 70B
    parallelism tensor 1, pipeline 1, data 1
    zero_stage 0
    recompute full
    sequence_length 4096""",
        accelerator="H100",
        count="1",
    )
    assert big["performance.fits_in_hbm"] is False
    assert big["performance.memory_per_accelerator"] > 16 * 70e9
    assert big["performance.offload_traffic"] == 0
    assert big["performance.offload_time"] == 0


def test_cpu_offload_moves_four_bytes_per_parameter_over_the_host_link():
    workload = """parameters 8B
    parallelism tensor 1, pipeline 1, data 8
    framework deepspeed
    zero_stage 2
    offload cpu"""
    h100 = values(workload, accelerator="H100", count="8")
    gb200 = values(workload, accelerator="GB200", count="8")
    shard = 8e9 / 8  # ZeRO-2 partitions the optimizer over 8 ranks
    assert h100["performance.offload_traffic"] == pytest.approx(4 * shard)
    assert h100["performance.offload_time"] == pytest.approx(4 * shard / 128e9)
    # NVLink-C2C: 900 GB/s per superchip shared by its 2 GPUs.
    assert gb200["performance.offload_time"] == pytest.approx(4 * shard / 450e9)
    assert h100["performance.optimizer_time"] == 0  # the CPU updates
    kept = values(workload.replace("offload cpu", "offload none"), accelerator="H100", count="8")
    assert kept["performance.model_state_memory"] - h100[
        "performance.model_state_memory"
    ] == pytest.approx(12 * shard)


# -------------------------------------------------------------------- communication
def test_ring_allreduce_and_host_link_by_hand():
    # 2·S·(n−1)/n over half the bidirectional bandwidth: 2·10·7/8 GB / 450 GB/s
    assert perf.ring_allreduce_seconds(10e9, 8, 900e9) == pytest.approx(2 * 10e9 * 7 / 8 / 450e9)
    assert perf.ring_allreduce_seconds(10e9, 1, 900e9) == 0
    assert perf.host_link_seconds(24e9, 900e9, 2) == pytest.approx(24e9 / 450e9)


def test_tensor_parallel_leaves_the_scale_up_domain():
    common = """parameters 70B
    layers 80
    hidden_size 8192
    sequence_length 4096
    micro_batch 1
    recompute selective"""
    inside = values(
        common + "\n    parallelism tensor 8, pipeline 4, data 1, microbatches 16",
        accelerator="H100",
        count="32",
    )
    outside = values(
        common + "\n    parallelism tensor 16, pipeline 4, data 1, microbatches 16",
        accelerator="H100",
        count="64",
    )
    payload = 2 * 1 * 4096 * 8192  # 16-bit b·s·h
    layers_times_m = 80 / 4 * 16

    latency = {  # NCCL's ring latency: launch + 2(t−1) hops, those between servers on the network
        8: 8.4e-6 + 14 * 3.4e-6,
        16: 8.4e-6 + 28 * 3.4e-6 + 2 * 14e-6,
    }

    def by_hand(t, bandwidth):
        per_layer = 2 * payload * (t - 1) / t / (bandwidth / 2) + latency[t]
        return 4 * per_layer * layers_times_m

    assert inside["performance.tensor_parallel_time"] == pytest.approx(by_hand(8, 900e9))
    # t = 16 > 8 GPUs per NVLink domain: the all-reduces cross a 400 Gb/s NIC: 50 GB/s each way,
    # 100 GB/s both ways (the catalog's bidirectional convention).
    assert outside["performance.tensor_parallel_time"] == pytest.approx(by_hand(16, 100e9))
    assert (
        outside["performance.tensor_parallel_time"] > 5 * inside["performance.tensor_parallel_time"]
    )


IDEAL = 1.0  # overlap saves all the time it could hide
# the bandwidth laws alone: one rank per domain, no collective latency (tested in
# test_collective_latency.py), the ring and the tree at NCCL's figures for their bytes
NO_LATENCY = (1, 0.0, 0.0, 0.0)
TREE_EFFICIENCY = CATALOG.calibration["collective_tree_bandwidth_efficiency"].value
# and a dense model: no expert parameters reduced over a group of their own
DENSE = (0.0, 1.0, 1.0, 1.0)
# and buckets so many that the whole exchange can overlap (no latency here to pay for each)
MANY_BUCKETS = math.inf


def data_parallel_time(zero, compute, m, eta):
    """performance.data_parallel_time of Ψ = 1B over t·p = 1 and d = 64 replicas, each at one
    400 Gb/s NIC (50 GB/s both ways here), no shard group: its once-a-step all-reduce priced by
    the ring's and the tree's own metrics, as the registry wires them."""
    allreduce = (1e9, 64, zero, 50e9, 64, 50e9, NO_LATENCY[0], DENSE[0], 1.0)
    ring = step_time.gradient_ring_time(*allreduce, *NO_LATENCY[1:])
    tree = step_time.gradient_tree_time(*allreduce, *NO_LATENCY[1:], TREE_EFFICIENCY)
    return step_time.data_parallel_time(
        1e9, zero, compute, m, 64, 50e9, eta, *NO_LATENCY, ring, tree, *DENSE, MANY_BUCKETS
    )


def test_zero3_communicates_one_and_a_half_times_data_parallelism():
    # Raw ring time with nothing to overlap (compute 0): Ψ = 1B over t·p = 1, d = 64, at one
    # 400 Gb/s NIC (50 GB/s both ways here).
    plain = data_parallel_time(1, 0.0, 1, IDEAL)
    assert plain == pytest.approx(2 * 2e9 * 63 / 64 / 25e9)
    stage3 = data_parallel_time(3, 0.0, 1, IDEAL)
    assert stage3 == pytest.approx(1.5 * plain)
    # Overlap with the last micro-batch's backward pass hides part of it.
    hidden = data_parallel_time(1, 3.0, 2, IDEAL)
    assert hidden == pytest.approx(max(plain - 2 / 3 * 3.0 / 2, 0))


def test_zero3_exchanges_every_micro_batch_behind_its_own_passes():
    # FSDP gathers and reduce-scatters in each of the m micro-batches, prefetching behind that
    # micro-batch's whole forward and backward passes (compute / m), not the last backward only.
    plain = data_parallel_time(1, 0.0, 1, IDEAL)
    compute, m = 0.4, 4  # 0.1 s a micro-batch against 1.5 x 0.16 s of exchange
    exposed = data_parallel_time(3, compute, m, IDEAL)
    assert exposed == pytest.approx(m * max(1.5 * plain - compute / m, 0))
    assert exposed > 1.5 * plain - 2 / 3 * compute / m  # more than one exchange a step
    # Enough compute per micro-batch hides all of it, where ZeRO-1 still shows a remainder.
    long = 8 * 1.5 * plain * m
    assert data_parallel_time(3, long, m, IDEAL) == 0
    assert data_parallel_time(1, 1.2 * plain * m, m, IDEAL) > 0


def test_concurrent_kernels_hide_only_a_share_of_the_once_a_step_exchange():
    # Ψ = 1B, d = 64 at 50 GB/s both ways: a 0.16 s ring beside 2 micro-batches of 0.3 s
    # (0.2 s of backward in the last): ideal overlap hides it all, at η only η of it is saved.
    ring = data_parallel_time(1, 0.0, 1, IDEAL)
    eta = CATALOG.calibration["overlap_efficiency"].value
    assert 0 < eta < 1
    exposed = data_parallel_time(1, 0.6, 2, eta)
    assert data_parallel_time(1, 0.6, 2, IDEAL) == 0
    assert exposed == pytest.approx((1 - eta) * ring)
    # A backward pass shorter than the ring caps what can be hidden at all.
    short = data_parallel_time(1, 0.06, 1, eta)
    assert short == pytest.approx(ring - eta * 2 / 3 * 0.06)
    # ZeRO-3's prefetched per-micro-batch exchange keeps ideal overlap.
    zero3 = [data_parallel_time(3, 8.0, 4, e) for e in (eta, IDEAL)]
    assert zero3 == [0, 0]


def test_pipeline_bubble_by_hand_and_framework_ordering():
    assert perf.bubble_fraction(4, 8, 1) == pytest.approx(3 / 11)
    assert perf.bubble_fraction(4, 8, 2) == pytest.approx(3 / 19)
    assert perf.bubble_fraction(1, 8, 1) == 0
    layout = (
        "parameters 70B\n    parallelism tensor 8, pipeline 4, data 4, microbatches 8, interleave 2"
    )
    megatron = values(layout + "\n    framework megatron", count="128")
    neox = values(layout + "\n    framework neox", count="128")
    deepspeed = values(layout + "\n    framework deepspeed", count="128")
    assert megatron["performance.pipeline_bubble"] == pytest.approx(3 / 19)
    assert neox["performance.pipeline_bubble"] == pytest.approx(3 / 11)  # no interleaving
    assert deepspeed["performance.pipeline_bubble"] == pytest.approx(3 / 11)
    assert neox["performance.pipeline_bubble"] >= megatron["performance.pipeline_bubble"]


def test_framework_defaults_follow_their_papers():
    deepspeed = values("parameters 7B\n    framework deepspeed", count="64")
    megatron = values("parameters 7B\n    framework megatron", count="64")
    assert deepspeed["workload.recompute"] == "full"  # whole-layer activation checkpointing
    assert megatron["workload.recompute"] == "selective"
    assert values("parameters 7B", count="64")["workload.framework"] == "megatron"
    # Full recomputation repeats the forward pass: 8ND of hardware work instead of 6ND; and
    # DeepSpeed's engine reaches its calibrated share of Megatron-LM's matrix rate.
    scores = 4096 / (18 * megatron["workload.hidden_size"])  # attention scores again, a third
    selective = 1 + scores / (1 + 3 * scores)  # of their share of the model FLOPs
    share = CATALOG.calibration["framework_efficiency_deepspeed"].value
    assert deepspeed["performance.hardware_flops_per_step"] == pytest.approx(
        megatron["performance.hardware_flops_per_step"] * (4 / 3) / selective
    )
    assert deepspeed["performance.compute_time"] == pytest.approx(
        deepspeed["performance.hardware_flops_per_step"]
        / deepspeed["performance.accelerators_used"]
        / deepspeed["performance.matmul_rate"]
    )
    assert deepspeed["performance.framework_efficiency"] == pytest.approx(share)


@pytest.mark.parametrize("framework", ["megatron", "deepspeed", "neox"])
def test_framework_share_of_the_matrix_rate_is_catalog_data(framework):
    # Published runs of the same layout differ by framework: the share is a calibrated catalog
    # figure per framework, and it scales the matrix rate alone.
    got = values(f"parameters 7B\n    framework {framework}", count="64")
    share = CATALOG.calibration[f"framework_efficiency_{framework}"].value
    assert got["performance.framework_efficiency"] == pytest.approx(share)
    # Per executed FLOP: the linear layers at the precision gain, the attention at its rate.
    attention, executed = (
        got["performance.attention_flop_share"],
        got["performance.executed_attention_share"],
    )
    linear = (1 / got["performance.precision_gain"] - attention) / (1 - attention)
    per_flop = (1 - executed) * linear + executed / got["performance.attention_rate"]
    assert got["performance.matmul_rate"] == pytest.approx(
        got["accelerator.bf16_dense"] * got["performance.matmul_efficiency"] * share / per_flop
    )
    assert CATALOG.calibration["framework_efficiency_megatron"].value == 1.0  # the reference
    assert share <= 1.0


# --------------------------------------------------------------------- the whole step
def test_step_time_adds_its_parts_and_implies_an_mfu():
    v = values(COLOSSUS)
    parts = (
        (
            v["performance.compute_time"]
            + v["performance.memory_time"]
            + v["performance.tensor_parallel_time"]
            + v["performance.expert_parallel_time"]
            + v["performance.pipeline_p2p_time"]
        )
        / (1 - v["performance.pipeline_bubble"])
        + v["performance.data_parallel_time"]
        + v["performance.optimizer_time"]
        + v["performance.offload_time"]
        + v["performance.weight_cast_time"]
    ) * v["performance.straggler_factor"]
    assert v["performance.step_time"] == pytest.approx(parts)
    d = 100_000 // 128
    assert v["performance.data_parallel"] == d
    assert v["performance.microbatches"] == 4 * 16  # calibrated 4 per stage
    assert v["performance.tokens_per_step"] == 64 * 1 * 4096 * d
    mfu = (
        v["performance.model_flops_per_token"]
        * v["performance.tokens_per_step"]
        / (v["performance.step_time"] * 128 * d * 5e15)
    )
    assert v["performance.achieved_mfu"] == pytest.approx(mfu)
    # below what the FP8 matmuls reach against the FP8 peak
    assert 0 < v["performance.achieved_mfu"] < v["performance.matmul_rate"] / 5e15


# ------------------------------------------------------------------ article's table
ARTICLE = {"H100": 1.2, "B200": 0.6, "GB200": 0.4}


@pytest.mark.parametrize("accelerator", sorted(ARTICLE))
def test_reference_step_reproduces_the_article_table(accelerator):
    step = values("", accelerator=accelerator, count="8")["performance.reference_step_time"]
    assert step == pytest.approx(ARTICLE[accelerator], rel=0.15)


def test_reference_step_differences_come_from_the_specs_alone():
    steps = {
        name: values("", accelerator=name, count="8")["performance.reference_step_time"]
        for name in ARTICLE
    }
    assert steps["H100"] > steps["B200"] > steps["GB200"]
    # A GB200 whose host link were PCIe-class (256 GB/s per superchip = 128 GB/s per GPU, like
    # H100) loses most of its lead over B200: the host link is what separates them.
    slow = values(
        "",
        accelerator="SlowHost",
        count="8",
        extra="""
accelerator SlowHost extends GB200 {
  hostlink_bandwidth 256 GB/s
}""",
    )["performance.reference_step_time"]
    assert slow > steps["GB200"] + 0.1
    assert slow == pytest.approx(steps["B200"], rel=0.15)


# ------------------------------------------------------------------ vectorisation
ARRAY_NODES = (
    "cluster.peak_fp8",
    "cluster.peak",
    "cluster.effective_flops",
    "workload.training_flops",
    "performance.training_time",
    "performance.data_parallel",
    "performance.memory_per_accelerator",
    "performance.fits_in_hbm",
    "performance.step_time",
    "performance.achieved_mfu",
    "performance.offload_time",
    "performance.reference_step_time",
)


def test_formulas_accept_numpy_arrays():
    base = scenario(COLOSSUS.replace("data auto", "data auto, interleave 1") + "\n    zero_stage 0")
    counts = np.array([50_000.0, 100_000.0, 200_000.0])
    mfus = np.array([0.3, 0.4, 0.45])
    parameters = np.array([0.5e12, 2e12, 4e12])
    overrides = {
        "cluster.count": counts,
        "cluster.mfu": mfus,
        "workload.parameters": parameters,
        "workload.active_parameters": parameters,
    }
    arrays, _ = compute_values(base, CATALOG, overrides)
    for i in range(3):
        scalars, _ = compute_values(base, CATALOG, {k: v[i] for k, v in overrides.items()})
        for name in ARRAY_NODES:
            got = np.broadcast_to(np.asarray(arrays[name]), counts.shape)[i]
            assert got == pytest.approx(scalars[name]), name
    # Different sizes really change the memory verdict element by element.
    assert list(np.asarray(arrays["performance.fits_in_hbm"])) == [True, False, False]


def test_a_short_step_cannot_hide_the_whole_gradient_exchange():
    # An 8B model on 64 B200 at one sequence per GPU (MLPerf's small global batch): the backward
    # pass lasts about as long as the whole-model gradient ring over InfiniBand, and concurrent
    # kernels save only overlap_efficiency of it; a batch 8 times larger hides the same ring
    # behind 8 micro-batches, of which the last is as short as before.
    shape = (
        "parameters 8B\n    precision fp8\n    framework megatron\n"
        "    parallelism tensor 1, pipeline 1, data auto\n    sequence_length 8192\n"
        "    micro_batch 1\n    layers 32\n    hidden_size 4096\n    global_batch {}"
    )
    small = values(shape.format(64), accelerator="B200", count=64)
    large = values(shape.format(512), accelerator="B200", count=64)
    eta = CATALOG.calibration["overlap_efficiency"].value
    ring = perf.ring_allreduce_seconds(
        perf.GRADIENT_BYTES * small["performance.parameters_per_accelerator"],
        small["performance.gradient_replicas"],
        small["performance.data_parallel_bandwidth"],
    )
    assert small["performance.data_parallel_time"] >= (1 - eta) * ring * (1 - 1e-9)
    assert large["performance.data_parallel_time"] == pytest.approx(
        small["performance.data_parallel_time"]
    )
    assert small["performance.scaling_efficiency"] < large["performance.scaling_efficiency"] - 0.1
