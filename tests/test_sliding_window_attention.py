"""Issue 12, round twenty-seven: sliding-window (banded) attention as a workload input
(`workload.attention_window`, `workload.attention_window_share`). A windowed layer's queries
attend the w tokens before them, not the whole sequence, so its attention scores cost work
linear in s; the model FLOPs, the attention share, the selective recomputation and the
context-parallel ring's overlap follow the keys each query attends
(`performance.attention_span`)."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, only_diagnostic, scenario_text

CATALOG = load_catalog()
SEQUENCE = 8192
LAYERS = 32
WIDTH = 4096

MODEL = (
    "    parameters 7B\n"
    "    tokens 1T\n"
    f"    layers {LAYERS}\n"
    f"    hidden_size {WIDTH}\n"
    f"    sequence_length {SEQUENCE}\n"
    "    micro_batch 1\n"
    "    global_batch 512\n"
)


def values(window: str = "", share: str = "", layout: str = "tensor 1, data auto") -> dict:
    extra = f"    attention_window {window}\n" if window else ""
    extra += f"    attention_window_share {share}\n" if share else ""
    body = f"  workload {{\n{MODEL}    parallelism {layout}\n{extra}  }}\n"
    text = scenario_text("s", accelerator="H100", count=64, body=body)
    return figure_values(evaluate(scendsl.load_text(text).get("s"), CATALOG))


def attention_flops(figures: dict) -> float:
    """The attention scores' FLOPs per token: the model FLOPs less the weights' 6·N."""
    return (
        figures["performance.model_flops_per_token"] - 6.0 * figures["workload.active_parameters"]
    )


def keys_attended(sequence: int, window: int | None) -> float:
    """Keys a causal query attends on average, counted position by position."""
    span = sequence if window is None else window
    return sum(min(position + 1, span) for position in range(sequence)) / sequence


def test_without_a_window_every_layer_attends_the_whole_sequence():
    plain = values()
    assert plain["performance.attention_span"] == SEQUENCE
    # A window as long as the sequence is full attention.
    assert values(str(SEQUENCE))["performance.model_flops_per_token"] == pytest.approx(
        plain["performance.model_flops_per_token"]
    )


@pytest.mark.parametrize("window", [128, 1024, 4096])
def test_a_window_in_every_layer_costs_its_share_of_the_causal_work(window):
    # The windowed layer's attention work over the full layer's is the ratio of the keys a
    # causal query attends under each mask, whatever the FLOP count's convention for full
    # attention.
    full, banded = values(), values(str(window))
    expected = keys_attended(SEQUENCE, window) / keys_attended(SEQUENCE, None)
    assert attention_flops(banded) / attention_flops(full) == pytest.approx(expected, rel=1e-3)


def test_the_share_of_windowed_layers_weights_the_two_kinds():
    full, every, half = values(), values("1024"), values("1024", "50%")
    assert attention_flops(half) == pytest.approx(
        (attention_flops(full) + attention_flops(every)) / 2.0
    )


def test_a_window_shortens_the_step_and_the_attention_share():
    full, banded = values(), values("512", "75%")
    assert banded["performance.attention_flop_share"] < full["performance.attention_flop_share"]
    assert banded["performance.step_time"] < full["performance.step_time"]
    assert banded["performance.training_time"] < full["performance.training_time"]


def test_selective_recomputation_reruns_the_windowed_scores_only():
    full, banded = values(), values("512")
    assert 1.0 < banded["performance.recompute_factor"] < full["performance.recompute_factor"]


def test_the_context_parallel_ring_hides_less_behind_banded_attention():
    # The ring sends the same keys and values; the attention that hides them shrinks.
    layout = "tensor 1, context 4, data auto"
    full, banded = values(layout=layout), values("512", layout=layout)
    assert (
        banded["performance.context_parallel_exchange_time"]
        == full["performance.context_parallel_exchange_time"]
    )
    assert banded["performance.context_parallel_time"] > full["performance.context_parallel_time"]


def test_a_share_of_windowed_layers_needs_a_window():
    body = f"  workload {{\n{MODEL}    attention_window_share 50%\n  }}\n"
    diagnostic = only_diagnostic(scenario_text("s", accelerator="H100", count=64, body=body))
    assert "attention_window_share" in diagnostic.message
    assert "workload.attention_window" in diagnostic.hint
