"""Dropout as a workload input (issue 12, round nine).

Korthikanti's activation count (34 + 5as/h per sbh) and the unfused attention traffic (13 and 19
bytes per score element) assume dropout is on: its masks and the dropped attention probabilities
are kept and moved. Many runs train with dropout 0 (every released Pythia config), where PyTorch's
dropout returns its input and none of that exists. `dropout 0` removes them; the default stays
Megatron-LM's 0.1 (its training arguments), which keeps today's figures.
"""

from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from scendsl.language.format import format_text
from scendsl.lsp.hover import _default_text
from scendsl.model.domains.training_formulas import (
    SCORE_BACKWARD_BYTES,
    SCORE_FORWARD_BYTES,
    activation_traffic_bytes,
)
from scendsl.model.evaluate import evaluate
from tests.factories import scenario_text

CATALOG = load_catalog()
ROOT = Path(__file__).resolve().parent.parent
# One GPU, no tensor or pipeline parallelism, no recomputation, unfused attention: the layer's
# whole Korthikanti count is kept, sbh(34 + 5as/h).
SHAPE = (
    "  workload {{\n    parameters 1B\n    tokens 10B\n    layers 16\n    hidden_size 2048\n"
    "    attention_heads 16\n    sequence_length 2048\n    micro_batch 4\n    global_batch 4\n"
    "    parallelism tensor 1, pipeline 1, data auto\n    recompute none\n"
    "    flash_attention off\n{extra}  }}\n"
)


def evaluated(extra: str = "") -> dict:
    text = scenario_text("s", count=1, body=SHAPE.format(extra=extra))
    result = evaluate(scendsl.load(text).get("s"), CATALOG)
    return {**result.inputs, **result.metrics}


def per_layer(kept_sbh: float, kept_scores: float) -> float:
    s, b, h, a = 2048, 4, 2048, 16
    return s * b * h * (kept_sbh + kept_scores * a * s / h)


def test_default_dropout_is_megatron_lms_and_keeps_korthikantis_count():
    default = CATALOG.calibration["default_dropout"]
    assert default.value == pytest.approx(0.1) and "Megatron-LM" in default.source
    got = evaluated()
    assert got["workload.dropout"].value == pytest.approx(0.1)
    assert got["performance.activation_memory"].value == pytest.approx(16 * per_layer(34, 5))


def test_dropout_zero_keeps_no_masks_nor_dropped_scores():
    got = evaluated("    dropout 0\n")
    assert got["workload.dropout"].value == 0.0
    # the two 1-byte hidden masks and the score mask (1) and dropped scores (2) are gone
    assert got["performance.activation_memory"].value == pytest.approx(16 * per_layer(32, 2))


def test_any_positive_dropout_keeps_the_masks():
    small, default = evaluated("    dropout 0.01\n"), evaluated()
    for name in ("performance.activation_memory", "performance.memory_time"):
        assert small[name].value == pytest.approx(default[name].value)


def test_dropout_zero_moves_no_mask_through_hbm():
    on, off = evaluated(), evaluated("    dropout 0\n")
    assert off["performance.memory_time"].value < on["performance.memory_time"].value
    # The score traffic per element: 13 + 19 bytes with dropout, 8 + 14 without.
    args = (2048.0, 4.0, 2048.0, 16.0, 1.0, 1.0, 1.0, "none", False, 16.0)
    with_masks = activation_traffic_bytes(*args)
    without = activation_traffic_bytes(*args, dropout=0.0)
    elements = 16 * 2048**2 * 4 * 16  # heads × s² × b × layers
    masks = 2 * 2048 * 4 * 2048 * 2 * 16  # 2 bytes per sbh, written and read, 16 layers
    assert SCORE_FORWARD_BYTES + SCORE_BACKWARD_BYTES == 32
    assert with_masks - without == pytest.approx(elements * (5 + 5) + masks)


def test_dropout_is_a_probability_with_located_errors():
    spec = F.SECTIONS["workload"]["dropout"]
    assert (spec.dimension, spec.minimum, spec.maximum, spec.inclusive) == (
        "fraction",
        0.0,
        1.0,
        True,
    )
    for bad in ("1.5", "-0.1", "10 W"):
        text = scenario_text(
            "s", body=f"  workload {{\n    parameters 1B\n    dropout {bad}\n  }}\n"
        )
        with pytest.raises(ScenarioError) as caught:
            scendsl.load(text)
        line = text.splitlines().index(f"    dropout {bad}") + 1
        assert f":{line}:" in str(caught.value)


def test_fmt_round_trips_the_dropout_field():
    text = scenario_text("s", body="  workload {\n    parameters 1B\n    dropout   0\n  }\n")
    formatted = format_text(text)
    assert "    dropout    0\n" in formatted or "    dropout 0\n" in formatted
    assert format_text(formatted) == formatted
    assert scendsl.load(formatted).get("s").workload.dropout == 0.0


def test_editor_hover_names_the_default_and_its_source():
    text = _default_text("workload.dropout", F.SECTIONS["workload"]["dropout"])
    assert "default_dropout" in text and "Megatron-LM" in text


def test_pythia_and_neox_validation_runs_state_their_published_dropout():
    # Every released Pythia config and GPT-NeoX-20B's read "hidden-dropout": 0,
    # "attention-dropout": 0: a published input of those scenarios.
    heldout = scendsl.load_file(ROOT / "validation" / "cases" / "heldout.scn")
    for name in ("pythia_12b", "pythia_1b", "pythia_70m"):
        assert heldout.get(name).workload.dropout == 0.0
    neox = scendsl.load_file(ROOT / "validation" / "cases" / "neox.scn")
    assert neox.get("neox_20b").workload.dropout == 0.0
