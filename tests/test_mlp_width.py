"""The MLP's width and gate as workload inputs (issue 12): `ffn_hidden_size` and `mlp`.

A gated MLP (SwiGLU) of width f has three h×f matrices where a plain one of width 4h has two;
at f = 8h/3 both hold 8h² per layer. The width sizes the MLP's saved activations (Korthikanti's
Table 2 with width f), the selective-recompute share and the width derived from N.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

import scendsl
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.model.domains.training_formulas import (
    activation_bytes_per_layer,
    low_precision_linear_terms,
)
from scendsl.model.evaluate import evaluate

HIDDEN = 12_288  # 8h/3 = 32,768 exactly: a multiple of 64, as Megatron-LM rounds it
#: N of 96 layers of width 12,288 with N = 12·L·h² (h/L = 128, the default aspect): the width
#: derived from N alone is 12,288 again.
SHAPED_N = 12 * 96 * HIDDEN**2

TEXT = """scenario s {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 512
  }}
  workload {{
    parameters      {parameters}
    tokens          1T
    precision       bf16
    parallelism     tensor 8, pipeline 8, data auto
    sequence_length 4096{shape}{extra}
  }}
}}
"""
SHAPE = "\n    layers          96\n    hidden_size     12288"


def run(extra: str = "", shape: str = SHAPE, parameters: str = "175B"):
    text = TEXT.format(parameters=parameters, shape=shape, extra=extra)
    return evaluate(scendsl.load_text(text).get("s"))


def values(result, *names):
    """Figures of metrics or inputs, by name."""
    return [float({**result.inputs, **result.metrics}[name].value) for name in names]


COMPARED = (
    "performance.activation_memory",
    "performance.memory_time",
    "performance.hardware_flops_per_step",
    "performance.model_flops_per_token",
    "performance.step_time",
)


def test_unstated_mlp_is_exactly_a_plain_mlp_of_width_4h():
    # Every existing scenario states neither field: its figures must not move by a bit.
    stated = run("\n    mlp plain\n    ffn_hidden_size 49152")
    assert values(run(), *COMPARED) == values(stated, *COMPARED)
    assert float(run().metrics["performance.ffn_width"].value) == 4 * HIDDEN


def test_a_gated_mlp_of_width_8h_over_3_has_the_flops_and_activations_of_a_plain_4h():
    gated = run("\n    mlp gated\n    ffn_hidden_size 32768")
    assert values(gated, *COMPARED) == pytest.approx(values(run(), *COMPARED), rel=1e-12)


def test_a_gated_mlp_without_a_width_takes_megatrons_8h_over_3_on_a_multiple_of_64():
    assert float(run("\n    mlp gated").metrics["performance.ffn_width"].value) == 32768
    odd = run("\n    mlp gated", shape="\n    layers          80\n    hidden_size     8000")
    assert float(odd.metrics["performance.ffn_width"].value) == 21312  # ⌊21,333.3 / 64⌋·64


def test_the_width_derived_from_n_counts_a_gated_mlp_of_8h_over_3_like_a_plain_4h():
    plain = run(shape="", parameters=str(SHAPED_N))
    gated = run("\n    mlp gated\n    ffn_hidden_size 32768", shape="", parameters=str(SHAPED_N))
    names = ("workload.hidden_size", "workload.layers", "performance.model_flops_per_token")
    assert values(plain, *names[:2]) == pytest.approx([HIDDEN, 96], rel=1e-12)
    assert values(gated, *names) == pytest.approx(values(plain, *names), rel=1e-9)


def test_a_wider_mlp_given_with_n_derives_a_narrower_model():
    plain = run(shape="", parameters=str(SHAPED_N))
    wide = run("\n    mlp gated\n    ffn_hidden_size 49152", shape="", parameters=str(SHAPED_N))
    h_plain, h_wide = values(plain, "workload.hidden_size")[0], values(wide, "workload.hidden_size")
    assert h_wide[0] < h_plain
    # N = L·(4h² + 3·h·f) with L = h/128 holds at the derived width.
    h = h_wide[0]
    assert h / 128 * (4 * h * h + 3 * h * 49152) == pytest.approx(SHAPED_N, rel=1e-9)


@pytest.mark.parametrize("mlp", ["plain", "gated"])
def test_activation_memory_grows_with_the_mlp_width(mlp):
    memory = [
        float(
            run(f"\n    mlp {mlp}\n    ffn_hidden_size {f}")
            .metrics["performance.activation_memory"]
            .value
        )
        for f in (16384, 32768, 53248, 65536)
    ]
    assert memory == sorted(memory) and len(set(memory)) == 4
    # Linear in f: the MLP's saved tensors are f wide, everything else h wide.
    steps = [b - a for a, b in pairwise(memory)]
    widths = [32768 - 16384, 53248 - 32768, 65536 - 53248]
    assert steps[0] / widths[0] == pytest.approx(steps[1] / widths[1], rel=1e-9)
    assert steps[1] / widths[1] == pytest.approx(steps[2] / widths[2], rel=1e-9)


def test_a_gated_mlp_keeps_more_than_a_plain_one_of_the_same_width():
    plain = run("\n    ffn_hidden_size 32768").metrics["performance.activation_memory"].value
    gated = (
        run("\n    mlp gated\n    ffn_hidden_size 32768")
        .metrics["performance.activation_memory"]
        .value
    )
    assert float(gated) > float(plain)


def test_saved_bytes_per_sbh_follow_korthikantis_table_with_width_f():
    assert low_precision_linear_terms(None) == (10.0, 24.0)
    # Plain: 8 + 2r + 2r; gated: 8 + 4r + 2r (gate and up both f wide at the activation).
    assert low_precision_linear_terms(None, 3.5, False) == (10.0, 22.0)
    assert low_precision_linear_terms(None, 3.5, True) == (10.0, 29.0)
    assert low_precision_linear_terms(None, 8.0 / 3.0, True)[1] == pytest.approx(24.0)
    # FP8 saved inputs: the second linear layer's input r·q, the projection's extra copy q.
    assert low_precision_linear_terms(1.0, 3.5, True) == (8.0, 8.0 + 14.0 + 3.5 + 1.0)
    sbh = 4096 * 1 * 16384
    per_layer = activation_bytes_per_layer(
        4096, 1, 16384, 128, 8, "selective", True, None, 3.25, True
    )
    assert float(per_layer) == pytest.approx(sbh * (10.0 + 8.0 + 6 * 3.25) / 8)


def test_a_wider_mlp_shrinks_the_selective_recompute_share():
    # Selective recomputation repeats the scores' forward pass: x = s/(18h) × 12h / (4h + 3f) of
    # the linear layers' FLOPs, x / (1 + 3x) of the model FLOPs (which count the scores too).
    gated = run("\n    mlp gated\n    ffn_hidden_size 53248")
    hardware, model, tokens = values(
        gated,
        "performance.hardware_flops_per_step",
        "performance.model_flops_per_token",
        "performance.tokens_per_step",
    )
    scores = 4096 / (18 * HIDDEN) * 12 * HIDDEN / (4 * HIDDEN + 3 * 53248)
    share = scores / (1 + 3 * scores)
    assert hardware / (model * tokens) == pytest.approx(1 + share, rel=1e-12)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("ffn_hidden_size 0", "'workload.ffn_hidden_size' must be at least 1"),
        ("ffn_hidden_size -4096", "'workload.ffn_hidden_size' must be at least 1"),
        ("ffn_hidden_size 1000000000", "'workload.ffn_hidden_size'"),
        ("ffn_hidden_size 14336.5", "'workload.ffn_hidden_size'"),
        ("mlp swiglu", "unknown workload.mlp 'swiglu'"),
    ],
)
def test_nonsense_mlp_fields_are_located_errors(line, text):
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(TEXT.format(parameters="175B", shape=SHAPE, extra="\n    " + line))
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert len(errors) == 1 and text in errors[0].message
    assert errors[0].span is not None and errors[0].span.line == 16


def test_the_mlp_fields_are_declared_once():
    text = TEXT.format(parameters="175B", shape=SHAPE, extra="\n    mlp gated\n    mlp plain")
    with pytest.raises(ScenarioError):
        scendsl.load_text(text)


def test_explain_shows_the_mlp_width_and_kind(tmp_path, capsys):
    path = tmp_path / "s.scn"
    path.write_text(
        TEXT.format(
            parameters="405B", shape=SHAPE, extra="\n    mlp gated\n    ffn_hidden_size 53248"
        )
    )
    assert main(["explain", str(path), "s", "performance.activation_memory", "--samples", "0"]) == 0
    out = capsys.readouterr().out
    assert "performance.ffn_width = 53,248" in out
    assert "workload.mlp = gated" in out and "s.scn:16:" in out
