"""TPU slices are joined by the data-centre network, not the ICI (issue 12, multi-slice).

Without a scale-out figure the TPU v5p's exchanges beyond its ICI domain fell back to the ICI
bandwidth, so a job of two slices exchanged its gradients across slices at 1,200 GB/s per chip.
Google publishes the v5p's DCN bandwidth per chip (50 Gb/s); a multi-slice job is an accelerator
extending TPUv5p with the slice size as its scale-up domain.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, scenario_text

CATALOG = load_catalog()
BODY = (
    "  workload {\n    parameters 16B\n    tokens 1T\n    hidden_size 5120\n    layers 32\n"
    "    parallelism tensor 8, pipeline 1, data auto\n    recompute full\n    zero_stage 1\n"
    "    framework jax\n  }\n"
)
SLICE = "accelerator V5pSlice extends TPUv5p {\n  scaleup_domain 256\n}\n\n"


def values(accelerator: str, count: int) -> dict:
    text = SLICE + scenario_text("s", accelerator=accelerator, count=count, body=BODY)
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def test_tpu_v5p_dcn_bandwidth_is_a_sourced_catalog_figure():
    dcn = CATALOG.accelerators["TPUv5p"].figures["scaleout_bandwidth"]
    assert "DCN" in dcn.source and "v5p" in dcn.source
    assert dcn.value < CATALOG.accelerators["TPUv5p"].figures["scaleup_bandwidth"].value / 10


def test_two_tpu_slices_exchange_gradients_over_the_dcn_not_the_ici():
    dcn = CATALOG.accelerators["TPUv5p"].figures["scaleout_bandwidth"].value
    ici = CATALOG.accelerators["TPUv5p"].figures["scaleup_bandwidth"].value
    two = values("V5pSlice", 512)
    assert two["performance.scaleout_bandwidth"] == pytest.approx(dcn)
    # 256 / t = 32 replicas per slice leave it over their 32 DCN links at once
    assert two["performance.data_parallel_bandwidth"] == pytest.approx(min(ici, 32 * dcn))
    one = values("V5pSlice", 256)
    assert one["performance.data_parallel_bandwidth"] == pytest.approx(ici)


def test_a_tpu_v5p_job_inside_one_pod_stays_on_the_ici():
    ici = CATALOG.accelerators["TPUv5p"].figures["scaleup_bandwidth"].value
    assert values("TPUv5p", 512)["performance.data_parallel_bandwidth"] == pytest.approx(ici)


@pytest.mark.parametrize("name", ["TPUv5e", "TPUv6e"])
def test_tpu_pods_of_256_chips_reach_past_the_pod_over_their_host_nics(name):
    # v5e and v6e pods are 256 chips: a larger job is multi-slice and leaves the pod over the
    # hosts' NICs (Google lists them per 8-chip host)
    figures = CATALOG.accelerators[name].figures
    assert figures["scaleup_domain"].value == 256
    assert "NIC" in figures["scaleout_bandwidth"].source
    assert figures["scaleout_bandwidth"].value < figures["scaleup_bandwidth"].value / 10
