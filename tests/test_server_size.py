"""Issue 12, servers of four accelerators: `cluster.accelerators_per_server` shares the host CPUs
among the server's own accelerators and bounds the scale-up domain (and so the tensor degrees
the layout tries) at a board's size.

Expected values are worked from the inputs and the catalog's stated constants, not read back from
the model.
"""

from __future__ import annotations

import numpy as np
import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate
from scendsl.model.sweep import evaluate_sweep

BASE = """
scenario eight {
  title  "Eight H100 a server"
  year   2024
  region JP
  cluster {
    accelerator H100
    count       960
    fabric      infiniband
  }
}

scenario four extends eight {
  cluster.accelerators_per_server 4
}

scenario rack extends eight {
  cluster.accelerator GB200
  cluster.accelerators_per_server 4
}

scenario blade extends eight {
  cluster.accelerator A100_40GB
  cluster.server blade
}
"""

CATALOG = load_catalog()
CALIBRATION = CATALOG.calibration
SHARE = CALIBRATION["node_overhead"].value
HOST = CALIBRATION["host_power"].value
BOARD = CALIBRATION["gpu_server_accelerators"].value
TDP = CATALOG.accelerators["H100"].figures["tdp"].value


def result(name: str, extra: str = ""):
    return evaluate(scendsl.load(BASE + extra).get(name))


def test_the_default_server_is_the_catalog_figures_eight_gpu_board():
    eight = result("eight")
    assert eight.value("cluster.accelerators_per_server") == BOARD == 8
    assert eight.value("accelerator.scaleup_domain") == 8
    # The catalog's DGX H100 figure stands for a server of its own size.
    assert eight.value("accelerator.system_power") == pytest.approx(
        CATALOG.accelerators["H100"].figures["system_power"].value
    )


def test_a_four_gpu_server_shares_its_two_hosts_among_four_and_is_priced_from_its_parts():
    four = result("four")
    # The calibration servers' two CPUs (HOST × 8 a server) over four GPUs.
    assert four.value("cluster.host_power") == pytest.approx(HOST * BOARD / 4)
    assert four.value("accelerator.system_power") == pytest.approx(
        (TDP + HOST * BOARD / 4) * (1 + SHARE)
    )
    assert "a server of 4 accelerators" in four["accelerator.system_power"].origin


def test_a_written_host_power_is_taken_as_written_whatever_the_server_size():
    text = "scenario own extends four {\n  cluster.host_power 180 W\n}\n"
    own = result("own", text)
    assert own.value("cluster.host_power") == 180
    assert own.value("accelerator.system_power") == pytest.approx((TDP + 180) * (1 + SHARE))


def test_a_four_gpu_board_bounds_the_scale_up_domain_but_a_rack_is_not_bounded():
    assert result("four").value("accelerator.scaleup_domain") == 4
    # An NVL72 rack's NVLink joins its trays of four by switch trays.
    assert result("rack").value("accelerator.scaleup_domain") == 72
    # An HPC blade holds four by default, and its NVLink joins those four.
    blade = result("blade")
    assert blade.value("cluster.accelerators_per_server") == 4
    assert blade.value("accelerator.scaleup_domain") == 4


def test_the_layout_a_scenario_leaves_to_the_model_keeps_tensor_within_the_server():
    workload = "  workload {\n    parameters 175B\n    tokens 300B\n  }\n"
    text = (
        "scenario big8 extends eight {\n" + workload + "}\n"
        "scenario big4 extends four {\n" + workload + "}\n"
    )
    eight, four = result("big8", text), result("big4", text)
    assert eight.value("workload.tensor_parallel") == 8
    assert four.value("workload.tensor_parallel") == 4
    assert four.value("workload.pipeline_parallel") > eight.value("workload.pipeline_parallel")


def test_a_sweep_over_the_server_size_walks_each_variants_own_ladder():
    text = """
scenario big extends eight {
  workload {
    parameters 175B
    tokens 300B
  }
}

sweep sizes from big {
  cluster.accelerators_per_server [4, 8]
  workload.parameters [70B, 175B]
}
"""
    sweep = scendsl.load(BASE + text).sweeps[0]
    table = evaluate_sweep(sweep, CATALOG)
    tensors = table.numbers["workload.tensor_parallel"]
    for index in range(table.size):
        alone = evaluate(sweep.variant_named(table.name(index)))
        assert alone.value("workload.tensor_parallel") == tensors[index], table.name(index)
        assert tensors[index] <= alone.value("cluster.accelerators_per_server")
    assert set(tensors.tolist()) == {4, 8}


@pytest.mark.parametrize("count", ["0", "17", "4.5"])
def test_a_server_size_outside_the_language_is_an_error_with_its_line(count):
    text = f"scenario bad extends eight {{\n  cluster.accelerators_per_server {count}\n}}\n"
    with pytest.raises(ScenarioError) as error:
        scendsl.load(BASE + text)
    assert "accelerators_per_server" in str(error.value)


def test_a_catalog_reference_built_from_blades_is_priced_as_a_blade():
    """LUMI-G is an HPE Cray EX system (references.toml `server = 'blade'`): its chips are priced
    as the blade design the scenario would write, not as an 8-GPU vendor server."""
    assert CATALOG.references["lumi_g"].server == "blade"
    text = (
        "scenario lumi extends eight {\n  cluster.accelerator MI250X\n  cluster.server blade\n}\n"
    )
    as_written = result("lumi", text).value("accelerator.system_power")
    reference = result("eight").value("reference.lumi_g.system_power")
    assert reference == pytest.approx(as_written)
    dgx = result("lumi", text.replace("blade", "dgx")).value("accelerator.system_power")
    assert reference != pytest.approx(dgx)


def test_a_reference_with_its_own_server_holds_under_monte_carlo():
    """The reference's context inside a traced (Monte Carlo) evaluation reads its written
    server design through a traced copy of the scenario: that read raised (no weak reference
    to a traced copy)."""
    from scendsl.model.uncertainty import sample

    text = "scenario ranged extends eight {\n  cluster.count 900 to 1000\n}\n"
    run = sample(scendsl.load(BASE + text).get("ranged"), 50)
    held = evaluate(scendsl.load(BASE).get("eight")).value("reference.lumi_g.system_power")
    # The reference's power does not depend on the drawn count: one value for every draw.
    assert float(np.max(run.numbers["reference.lumi_g.system_power"])) == pytest.approx(held)


def test_a_references_server_design_is_said_to_be_the_catalogs_in_every_scenario():
    """The reference's blade design was found as if the comparing scenario wrote it ("scenario
    hopper: server blade"), and a look-up shared between evaluations then named another
    scenario in this one's briefing: it is the catalog's fact, the same in every scenario."""
    origins = [result(name)["reference.lumi_g.system_power"].origin for name in ("four", "eight")]
    assert origins[0] == origins[1]
    assert "catalog references.lumi_g.server: server blade" in origins[1]
    assert "scenario four" not in origins[1] and "scenario eight" not in origins[1]
