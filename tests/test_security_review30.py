"""The thirtieth hostile-input review (docs/security.md, items 210 on). Each test is named after
the problem it pins."""

from __future__ import annotations

import numpy as np
import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.model.uncertainty import sample
from tests.factories import scenario_text


def _errors(text: str) -> list:
    """The errors loading `text` gives (each located)."""
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text)
    return [d for d in raised.value.diagnostics if d.severity == "error"]


# ------------- item 210: a Monte Carlo draw of the cluster's count holds its written layout
@pytest.mark.parametrize(
    ("count", "layout", "placed"),
    [
        ("512 to 2048", "tensor 8, pipeline 4, data 32", 1024),
        ("10 to 2000", "tensor 8, pipeline 4, data auto", 32),
        ("1024 ± 60%", "tensor 4, pipeline 2, context 2, data 64", 1024),
    ],
)
def test_a_monte_carlo_draw_of_the_count_holds_the_written_layout(
    count: str, layout: str, placed: int
):
    """`check` refuses a layout that needs more accelerators than the cluster has, at the
    count's centre; the Monte Carlo drew the count alone, so `count 512 to 2048` under `tensor
    8, pipeline 4, data 32` (1,024 accelerators) ran half its draws on clusters too small for
    the layout, and `data auto` draws with fewer accelerators than one replica (a training time
    of 3.7 years at the 95th percentile, against 98 days at the centre). A draw of the count is
    now held at the accelerators the layout places."""
    body = (
        "  workload {\n    parameters 70B\n    tokens 1T\n    layers 80\n"
        f"    sequence_length 4096\n    parallelism {layout}\n  }}\n"
    )
    scenario = scendsl.load_text(scenario_text("s", count=count, body=body)).get("s")
    run = sample(scenario, 2000)
    assert np.min(run.draws["cluster.count"]) >= placed
    assert np.all(run.numbers["performance.data_parallel"] >= 1)


# ------------- item 211: a model's active parameters are at most its parameters
def test_active_parameters_above_the_models_parameters_are_refused():
    """`workload.active_parameters 70B` on `parameters 7B` (a mixture written the wrong way
    round, or a sweep over the model's size from a base with active parameters) was taken: a
    token passing through ten times the model, its FLOPs from the 70B and its memory from the
    7B. It is refused at its line, the `parameters` line related, in a scenario and in a sweep's
    variant; and each Monte Carlo draw of it is held at the model's draw."""
    body = "  workload {\n    parameters 7B\n    active_parameters 70B\n    tokens 1T\n  }\n"
    errors = _errors(scenario_text("s", body=body))
    assert any(
        "'workload.active_parameters'" in e.message
        and "more than 'workload.parameters'" in e.message
        for e in errors
    ), errors
    sweep = (
        scenario_text("s", body=body.replace("70B", "3B"))
        + "\nsweep w from s {\n  workload.parameters [1B, 7B]\n}\n"
    )
    errors = _errors(sweep)
    assert any("'workload.active_parameters'" in e.message for e in errors), errors
    drawn = body.replace("7B", "7B ± 50%").replace("70B", "6B ± 50%")
    run = sample(scendsl.load_text(scenario_text("s", count=1000, body=drawn)).get("s"), 2000)
    assert np.all(run.draws["workload.active_parameters"] <= run.draws["workload.parameters"])


# ------------- item 212: a sweep checks a pair of related values, not the fields it left out
_LORA_RUN = (
    "  workload {\n    parameters 70B\n    tokens 1T\n    adapter lora\n"
    "    trainable_parameters 100M\n  }\n"
)


@pytest.mark.parametrize(
    "axis", ["workload.parameters [7B, 70B]", "workload.trainable_parameters [1M, 1B]"]
)
def test_a_sweep_over_a_lora_runs_model_or_adapters_is_not_told_its_adapter_is_unset(axis: str):
    """A sweep compares the greatest value of a field with the least of the field it may not
    exceed on a variant of those two fields alone, and every relation was checked on it: the
    adapters' count then needed `workload.adapter lora`, which that variant did not hold, so a
    sweep over a LoRA run's model size (or its adapters) was refused with "'workload.adapter'
    is not set", pointing at the line that sets it. Only the relations between the pair are
    checked there; a variant whose adapters outgrow its model is still refused."""
    text = scenario_text("s", body=_LORA_RUN) + f"\nsweep w from s {{\n  {axis}\n}}\n"
    assert scendsl.load_text(text).sweeps[0].name == "w"
    too_small = scenario_text("s", body=_LORA_RUN) + (
        "\nsweep w from s {\n  workload.parameters [50M, 7B]\n}\n"
    )
    (error,) = _errors(too_small)
    assert "more than 'workload.parameters'" in error.message
    assert error.span.line == too_small.splitlines().index("  workload.parameters [50M, 7B]") + 1


# ------------- item 213: a drawn limit gives way to the fixed field it may not fall below
@pytest.mark.parametrize(
    ("workload", "field", "limit"),
    [
        (
            "    parameters 7B ± 50%\n    adapter lora\n    trainable_parameters 6B\n",
            "workload.trainable_parameters",
            "workload.parameters",
        ),
        (
            "    parameters 7B to 70B\n    active_parameters 20B\n",
            "workload.active_parameters",
            "workload.parameters",
        ),
    ],
    ids=["adapters", "active parameters"],
)
def test_a_monte_carlo_draw_of_a_limit_stays_above_the_fixed_field_under_it(
    workload: str, field: str, limit: str
):
    """Item 156 clipped a drawn field at the field it may not exceed, and left a fixed field
    under a drawn limit alone: `parameters 7B ± 50%` with a fixed `trainable_parameters 6B`
    drew models of 8 million parameters under 6 billion of adapters (a trainable share of 766
    at its most). A drawn limit is now raised to the fixed value, and so is every input drawn
    from its stream (a dense model's active parameters)."""
    body = "  workload {\n" + workload + "    tokens 1T\n  }\n"
    run = sample(scendsl.load_text(scenario_text("s", count=1000, body=body)).get("s"), 2000)
    fixed = run.numbers[field]
    assert np.all(run.draws[limit] >= fixed)
    assert np.max(run.numbers["performance.trainable_share"]) <= 1.0
    if "active_parameters" not in workload:  # dense: active parameters move with the model
        assert np.array_equal(run.numbers["workload.active_parameters"], run.draws[limit])


# ------------- item 214: a bound is told in a unit the language reads
def test_every_fields_bounds_are_told_in_units_the_language_reads():
    """A value past its bound is told the bound "as the user writes it" (`describe_bound`), and
    the largest bandwidth bound was spelt `100 PB/s`, a unit the language does not read: the
    analyst who wrote `hbm_bandwidth 100 PB/s` as told was refused again, "unknown unit
    'PB/s'". Every bound of every scenario field and accelerator figure is now told in one of
    the language's units (`100,000 TB/s`)."""
    from scendsl.language import fields as F
    from scendsl.language.units import UNITS

    specs = [
        *(spec for section in F.SECTIONS.values() for spec in section.values()),
        *F.ACCELERATOR_FIGURES.values(),
    ]
    told = {
        F.describe_bound(float(end), spec.dimension)
        for spec in specs
        if spec.kind == "quantity" and spec.dimension not in (None, "fraction")
        for end in (spec.minimum, spec.maximum)
        if end is not None and end > 0
    }
    assert len(told) > 20
    unread = sorted(text for text in told if text.partition(" ")[2] not in {"", *UNITS})
    assert not unread, unread


# ------------- item 215: a micro-batch is at most the global batch
def test_a_micro_batch_larger_than_the_global_batch_is_refused():
    """`micro_batch 64` with `global_batch 8` was taken: the steps were counted from 8
    sequences while each replica ran a micro-batch of 64. The micro-batch is declared at most
    the global batch, so the relation's one check refuses it at its line, the `global_batch`
    line related, and in a sweep's variant at the sweep's line."""
    body = (
        "  workload {\n    parameters 7B\n    tokens 1T\n    micro_batch 64\n"
        "    global_batch 8\n  }\n"
    )
    (error,) = _errors(scenario_text("s", body=body))
    assert "'workload.micro_batch' is 64, more than 'workload.global_batch' (8)" in error.message
    assert error.span.line == 11 and error.related[0][1].line == 12
    sweep = scenario_text("s", body=body.replace("64", "4")) + (
        "\nsweep w from s {\n  workload.global_batch [2, 1024]\n}\n"
    )
    (error,) = _errors(sweep)
    assert "variant [workload.global_batch=2]" in error.message


# ------------- item 216: a layout's degree divides what its ranks split
_MIXTURE = (
    "  workload {\n    parameters 47B\n    active_parameters 13B\n    tokens 1T\n"
    "    experts 8\n    experts_per_token 2\n    parallelism tensor 1, pipeline 1, expert E, "
    "data auto\n  }\n"
)
_HEADS = (
    "  workload {\n    parameters 7B\n    tokens 1T\n    attention_heads 32\n    kv_heads 4\n"
    "    parallelism tensor T, pipeline 1, data auto\n  }\n"
)


@pytest.mark.parametrize(
    ("body", "degree", "told", "sweep"),
    [
        (_MIXTURE.replace(" E,", " 16,"), "expert degree 16", "8 experts", None),
        (_MIXTURE.replace(" E,", " 3,"), "expert degree 3", "8 experts", None),
        (
            _MIXTURE.replace(" E,", " 8,"),
            "expert degree 8",
            "12 experts",
            "workload.experts [8, 16, 12]",
        ),
        (_HEADS.replace(" T,", " 3,"), "tensor degree 3", "32 attention heads", None),
        (
            _HEADS.replace(" T,", " 8,"),
            "tensor degree 8",
            "20 attention heads",
            "workload.attention_heads [32, 20]",
        ),
    ],
)
def test_a_parallel_degree_that_does_not_divide_what_its_ranks_split_is_refused(
    body: str, degree: str, told: str, sweep: str | None
):
    """The layout check left the expert and tensor degrees alone: `expert 16` on a mixture of
    8 experts (or `expert 3`) gave each rank half an expert (2.67), `tensor 3` on 32 attention
    heads 10.7 heads a rank, their launches, memory and exchanges counted for fractions. Each
    is refused at the `parallelism` line, the line of what it splits related, and a sweep over
    the experts or heads whose variant it does not divide at the sweep's line."""
    text = scenario_text("s", count=64, body=body)
    if sweep is not None:
        text += f"\nsweep w from s {{\n  {sweep}\n}}\n"
    (error,) = _errors(text)
    assert f"{degree} does not divide the model's {told}" in error.message, error.message
    lines = text.splitlines()
    if sweep is None:
        assert lines[error.span.line - 1].strip().startswith("parallelism")
        noun = told.split(" ", 1)[1].replace(" ", "_")
        assert lines[error.related[0][1].line - 1].strip().startswith(noun)
    else:
        assert lines[error.span.line - 1].strip() == sweep
        assert scendsl.load_text(text.replace(sweep, sweep.split(",")[0] + "]")).sweeps
