"""A ZeRO shard group smaller than the data-parallel group (issue 12, multi-slice weak scaling).

Multi-slice MaxText shards the model state inside a slice and replicates it across slices
(ici_fsdp_parallelism with dcn_data_parallelism; PyTorch's HYBRID_SHARD is the same on GPUs).
The model sharded over every replica, so a second slice halved each chip's optimizer shard and
lowered its memory and host spill: a weak-scaling efficiency above 1. `workload.shard_group`
limits the shard to one group; each shard is then all-reduced across the groups.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, scenario_text

CATALOG = load_catalog()
SLICE = "accelerator V5pSlice extends TPUv5p {\n  scaleup_domain 256\n}\n\n"


def values(count: int, group: int | None, parameters: str = "128B", micro: int = 16) -> dict:
    shard = f"    shard_group {group}\n" if group is not None else ""
    body = (
        f"  workload {{\n    parameters {parameters}\n    tokens 1T\n    hidden_size 10240\n"
        "    layers 64\n    parallelism tensor 8, pipeline 1, data auto\n    recompute full\n"
        f"    zero_stage 3\n    framework jax\n    micro_batch {micro}\n{shard}  }}\n"
    )
    text = SLICE + scenario_text("s", accelerator="V5pSlice", count=count, body=body)
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def test_second_slice_no_longer_shrinks_model_state_with_a_shard_group():
    one, two = values(256, 32), values(512, 32)
    assert two["performance.shard_replicas"] == 32
    assert two["performance.model_state_memory"] == pytest.approx(
        one["performance.model_state_memory"]
    )
    assert two["performance.optimizer_time"] == pytest.approx(one["performance.optimizer_time"])
    # without it the state is sharded over both slices' 64 replicas: half the state per chip
    flat = values(512, None)
    assert flat["performance.shard_replicas"] == 64
    assert flat["performance.model_state_memory"] == pytest.approx(
        one["performance.model_state_memory"] / 2
    )


def test_shard_group_covering_every_replica_changes_nothing():
    assert values(512, 64) == {
        **values(512, None),
        "workload.shard_group": 64,
    }


def test_cross_slice_reduce_of_each_shard_runs_at_each_chips_dcn_share():
    dcn = CATALOG.accelerators["TPUv5p"].figures["scaleout_bandwidth"].value
    ici = CATALOG.accelerators["TPUv5p"].figures["scaleup_bandwidth"].value
    two = values(512, 32)
    assert two["performance.cross_group_bandwidth"] == pytest.approx(dcn)
    assert two["performance.shard_group_bandwidth"] == pytest.approx(ici)


def test_cross_slice_reduce_is_exposed_once_it_outlasts_the_backward_pass():
    # a 1T-parameter state in groups of 2 replicas: a 125 GB shard per chip to all-reduce over
    # the DCN, far longer than one micro-batch of one sequence
    small, large = values(512, 32), values(512, 2, parameters="1T", micro=1)
    # the small shard's reduce runs beside a long backward pass: only what concurrent kernels
    # fail to hide (1 − overlap_efficiency of it) stays, a thousandth of the step
    assert small["performance.data_parallel_time"] < 2e-3 * small["performance.step_time"]
    assert large["performance.data_parallel_time"] > 1.0


SHARDED = """scenario sg {{
  region US
  year 2025
  cluster {{
    accelerator H100
    count 1024
  }}
  workload {{
    parameters 70B
    tokens 1T
    parallelism tensor 8, pipeline 4, data {data}
    zero_stage 3
    shard_group {group}
  }}
}}
"""


@pytest.mark.parametrize(("data", "group"), [("auto", 5), ("auto", 64), ("32", 12)])
def test_a_shard_group_that_does_not_divide_the_replicas_is_a_located_error(data, group):
    """1,024 / (8 × 4) = 32 replicas: a group of 5 or 12 leaves a part-group, one of 64 spans
    replicas the layout does not have; the model would compute with fractional groups."""
    from factories import only_diagnostic

    text = SHARDED.format(data=data, group=group)
    diagnostic = only_diagnostic(text, name="sg.scn")
    assert "does not divide the layout's 32 replicas" in diagnostic.message
    row = next(i for i, line in enumerate(text.splitlines(), 1) if "shard_group" in line)
    assert diagnostic.span.line == row


@pytest.mark.parametrize("group", [1, 8, 32])
def test_a_shard_group_that_divides_the_replicas_is_accepted(group):
    import scendsl

    (scenario,) = scendsl.load_text(SHARDED.format(data="auto", group=group)).scenarios
    assert scenario.workload.shard_group == group
