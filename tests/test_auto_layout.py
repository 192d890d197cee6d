"""A scenario that writes no `parallelism` gets the least sharding that fits in HBM.

Before, it got tensor 1 × pipeline 1: a 400B model on 20,000 B300 "needed" 1.9 TB per
accelerator, the briefing said the run could not start, and the bottom-up figures were those of
an impossible layout.
"""

from __future__ import annotations

import numpy as np
import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.model.layout import ladder
from scendsl.model.sweep import evaluate_sweep
from scendsl.report.warnings import scenario_warnings

BASE = """\
scenario big {{
  year   2026
  region JP
  cluster {{
    accelerator {accelerator}
    count       {count}
  }}
  workload {{
    parameters {parameters}
    tokens     20T{extra}
  }}
}}
"""


def _result(parameters="400B", accelerator="B300", count="20k", extra=""):
    text = BASE.format(parameters=parameters, accelerator=accelerator, count=count, extra=extra)
    return evaluate(scendsl.load_text(text, name="big.scn").scenarios[0])


def _layout(result):
    return (
        result.value("workload.tensor_parallel"),
        result.value("workload.pipeline_parallel"),
    )


def test_a_large_model_without_a_layout_is_sharded_until_it_fits():
    result = _result()
    tensor, pipeline = _layout(result)
    assert (tensor, pipeline) != (1, 1)
    assert result.value("performance.fits_in_hbm") is True
    chosen = result.inputs["workload.tensor_parallel"]
    assert chosen.origin == "auto layout"
    assert "least sharding that fits in HBM" in chosen.note
    assert "Narayanan" in " ".join(chosen.sources)
    assert "memory-does-not-fit" not in {w.id for w in scenario_warnings(result)}


def test_the_chosen_layout_is_the_first_of_the_ladder_that_fits():
    # Every layout tried before the chosen one does not fit: written out, each one is too big.
    result = _result()
    chosen = _layout(result)
    steps = ladder(load_catalog())
    for tensor, pipeline in steps[: steps.index(chosen)]:
        written = _result(extra=f"\n    parallelism tensor {tensor}, pipeline {pipeline}")
        assert written.value("performance.fits_in_hbm") is False, (tensor, pipeline)
    same = _result(extra=f"\n    parallelism tensor {chosen[0]}, pipeline {chosen[1]}")
    assert same.value("performance.memory_per_accelerator") == pytest.approx(
        result.value("performance.memory_per_accelerator")
    )


def test_a_written_layout_is_kept_even_when_it_does_not_fit():
    result = _result(extra="\n    parallelism tensor 1, pipeline 1, data auto")
    assert _layout(result) == (1, 1)
    assert result.inputs["workload.tensor_parallel"].origin.startswith("big.scn:")
    assert result.value("performance.fits_in_hbm") is False
    assert "memory-does-not-fit" in {w.id for w in scenario_warnings(result)}


def test_a_model_that_fits_on_one_accelerator_keeps_tensor_1_pipeline_1():
    result = _result(parameters="1B", count="64")
    assert _layout(result) == (1, 1)
    assert result.inputs["workload.tensor_parallel"].origin != "auto layout"


def test_when_nothing_fits_the_most_sharded_layout_is_used_and_the_warning_stays():
    result = _result(parameters="20T", accelerator="H100", count="100k")
    assert _layout(result) == ladder(load_catalog())[-1]
    assert "no layout of the ladder fits" in result.inputs["workload.tensor_parallel"].note
    assert result.value("performance.fits_in_hbm") is False
    assert "memory-does-not-fit" in {w.id for w in scenario_warnings(result)}


def test_the_ladder_never_uses_more_accelerators_than_the_cluster_has():
    result = _result(parameters="400B", accelerator="H100", count="16")
    tensor, pipeline = _layout(result)
    assert tensor * pipeline <= 16


def test_sweep_variants_get_the_layout_each_would_get_alone():
    text = BASE.format(parameters="7B", accelerator="H100", count="1024", extra="") + (
        "sweep grid from big {\n"
        "  workload.parameters [1B, 70B, 405B, 2T]\n"
        "  cluster.count [64, 1024]\n"
        "}\n"
    )
    scenarios = scendsl.load_text(text, name="grid.scn")
    sweep = scenarios.sweeps[0]
    table = evaluate_sweep(sweep)
    tensors = table.numbers["workload.tensor_parallel"]
    pipelines = table.numbers["workload.pipeline_parallel"]
    memory = table.numbers["performance.memory_per_accelerator"]
    assert len(set(zip(tensors.tolist(), pipelines.tolist(), strict=True))) > 2
    for index in range(table.size):
        alone = evaluate(sweep.variant_named(table.name(index)))
        assert _layout(alone) == (tensors[index], pipelines[index]), table.name(index)
        assert np.isclose(alone.value("performance.memory_per_accelerator"), memory[index])


def test_sweep_layout_defaults_follow_each_variants_degrees_across_branches():
    # The first variant (DeepSpeed, no interleaving) reads no layers; Megatron variants with a
    # pipeline derive their interleaving from the layers: the sweep must see that branch too.
    text = BASE.format(parameters="7B", accelerator="H100", count="1024", extra="") + (
        "sweep frameworks from big {\n"
        "  workload.framework [deepspeed, megatron]\n"
        "  workload.parameters [70B, 405B]\n"
        "}\n"
    )
    sweep = scendsl.load_text(text, name="fw.scn").sweeps[0]
    table = evaluate_sweep(sweep)
    names = ("workload.interleave", "workload.pipeline_parallel", "performance.step_time")
    for index in range(table.size):
        alone = evaluate(sweep.variant_named(table.name(index)))
        for name in names:
            assert np.isclose(alone.value(name), table.numbers[name][index]), (index, name)
    assert table.numbers["workload.interleave"].max() > 1  # a Megatron pipeline interleaves


def test_full_recomputation_is_taken_only_when_no_layout_fits_without_it():
    long = "\n    sequence_length 16384"
    result = _result(accelerator="H100", count="1024", parameters="405B", extra=long)
    assert result.value("workload.recompute") == "full"
    assert result.inputs["workload.recompute"].origin == "auto layout"
    assert "with full recomputation" in result.inputs["workload.recompute"].note
    assert result.value("performance.fits_in_hbm") is True
    # With the recomputation written, the ladder keeps it: nothing fits, the warning stays.
    written = _result(
        accelerator="H100",
        count="1024",
        parameters="405B",
        extra=long + "\n    recompute selective",
    )
    assert written.value("workload.recompute") == "selective"
    assert written.value("performance.fits_in_hbm") is False
    assert "memory-does-not-fit" in {w.id for w in scenario_warnings(written)}
    # A model that fits with the default recomputation keeps it.
    assert _result().value("workload.recompute") == "selective"


def test_sweep_variants_get_full_recomputation_as_each_would_alone():
    text = BASE.format(parameters="405B", accelerator="H100", count="1024", extra="") + (
        "sweep lengths from big {\n"
        "  workload.sequence_length [4096, 16384]\n"
        "  workload.parameters [70B, 405B]\n"
        "}\n"
    )
    sweep = scendsl.load_text(text, name="len.scn").sweeps[0]
    table = evaluate_sweep(sweep)
    recompute = table.categories["workload.recompute"]
    shown = [recompute.categories[code] for code in recompute.codes]
    assert "full" in shown and "selective" in shown
    for index in range(table.size):
        alone = evaluate(sweep.variant_named(table.name(index)))
        assert alone.value("workload.recompute") == shown[index], table.name(index)
        assert _layout(alone) == (
            table.numbers["workload.tensor_parallel"][index],
            table.numbers["workload.pipeline_parallel"][index],
        )
        assert np.isclose(
            alone.value("performance.memory_per_accelerator"),
            table.numbers["performance.memory_per_accelerator"][index],
        )


def test_the_ladder_is_catalog_data():
    catalog = load_catalog()
    steps = ladder(catalog)
    assert steps[0] == (1, 1)
    assert max(t for t, _ in steps) == int(catalog.calibration["auto_layout_max_tensor"].value)
    assert max(p for _, p in steps) == int(catalog.calibration["auto_layout_max_pipeline"].value)
