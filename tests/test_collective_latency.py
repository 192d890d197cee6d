"""The fixed (α) part of the collectives: NCCL's cost model charges every ring collective a
launch latency and a latency per ring step, on NVLink or on the network, besides its bytes over
the bandwidth. A step whose per-accelerator work is small (many layers of small tensor- and
context-parallel messages) keeps this floor however fast the chip."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scendsl
from scendsl.catalog.load import load_catalog
from scendsl.model.domains.step_time import tensor_parallel_time
from scendsl.model.domains.training_formulas import ring_latency_seconds
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator GB200
    count {count}
  }}
  workload {{
    parameters      8B
    tokens          1B
    precision       fp8
    framework       megatron
    parallelism     tensor {tensor}, pipeline 1, data auto
    sequence_length 1024
    micro_batch     1
    global_batch    {batch}
    layers          32
    hidden_size     4096
    sequence_parallel on
  }}
}}
"""

BASE, UP, OUT = 8.4e-6, 3.4e-6, 14.0e-6  # NCCL tuning.cc: ring, Simple protocol


def run(tensor, count=8, batch=8):
    text = TEXT.format(tensor=tensor, count=count, batch=batch)
    return evaluate(scendsl.load(text).get("s"))


def test_the_catalog_holds_nccls_figures_with_their_source():
    figures = load_catalog().calibration
    for key, value in (
        ("collective_base_latency", BASE),
        ("collective_hop_latency_scaleup", UP),
        ("collective_hop_latency_scaleout", OUT),
    ):
        assert figures[key].value == pytest.approx(value)
        assert "tuning.cc" in figures[key].source


def test_a_ring_inside_one_domain_pays_the_launch_and_two_hops_a_rank():
    assert ring_latency_seconds(8, 8, BASE, UP, OUT, 2.0) == pytest.approx(BASE + 14 * UP)


def test_hops_between_domains_are_the_networks():
    # 16 ranks, 8 to a domain: 30 hops, 2 of them across the network (NCCL's nInterSteps)
    expected = BASE + 28 * UP + 2 * OUT
    assert ring_latency_seconds(16, 8, BASE, UP, OUT, 2.0) == pytest.approx(expected)


def test_a_group_of_one_sends_nothing():
    assert ring_latency_seconds(1, 8, BASE, UP, OUT, 2.0) == 0.0


@given(
    ranks=st.integers(1, 4096),
    more=st.integers(1, 4096),
    per_domain=st.integers(1, 72),
)
def test_latency_never_falls_as_the_ring_grows(ranks, more, per_domain):
    small = ring_latency_seconds(ranks, per_domain, BASE, UP, OUT, 2.0)
    large = ring_latency_seconds(ranks + more, per_domain, BASE, UP, OUT, 2.0)
    assert large >= small


@given(ranks=st.integers(2, 4096), per_domain=st.integers(1, 72))
def test_smaller_domains_never_make_a_ring_faster(ranks, per_domain):
    # the network's hop is the slower one: more domains, more of it
    narrow = ring_latency_seconds(ranks, per_domain, BASE, UP, OUT, 2.0)
    wide = ring_latency_seconds(ranks, per_domain + 1, BASE, UP, OUT, 2.0)
    assert narrow >= wide


def test_tensor_parallel_time_keeps_a_floor_when_the_messages_vanish():
    # Without the latency term a vanishing message costs nothing; with it, 4 all-reduces a
    # layer each pay NCCL's α.
    args = dict(
        sequence=1.0,
        micro_batch=1.0,
        hidden=1.0,
        layers=32.0,
        tensor=2.0,
        pipeline=1.0,
        m=1.0,
        recompute="selective",
        domain=72.0,
        scaleup=1.8e12,
        scaleout=1.6e11,
        context=1.0,
    )
    floor = 4 * 32 * (BASE + 2 * UP)
    assert tensor_parallel_time(**args, base=BASE, hop_up=UP, hop_out=OUT) >= floor
    assert tensor_parallel_time(**args, base=0.0, hop_up=0.0, hop_out=0.0) < floor / 100


def test_the_scenarios_tensor_parallel_time_includes_the_latency_of_every_collective():
    result = run(tensor=2)
    collectives = 4 * 32  # two all-reduces forward and two backward a layer, one micro-batch
    assert result.value("performance.tensor_parallel_time") > collectives * (BASE + 2 * UP)


def test_latency_shows_in_explain():
    text = explain_text(run(tensor=2), "performance.tensor_parallel_time")
    assert "performance.collective_base_latency = 0.0084 ms" in text
    assert "performance.collective_hop_latency_scaleup = 0.0034 ms" in text
    assert "tuning.cc" in text
