"""The attention's own number format (issue 12, MLPerf Training v5.1's NVFP4 recipes).

FP8 and FP4 recipes cover the linear layers; the attention's two matmuls stay in 16 bits unless
the recipe switches FP8 attention on (Transformer Engine's fp8_dpa). `attention_precision fp8`
says so: the attention matmuls then gain what FP8 gains, in both paths, and nothing else moves.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.errors import ScendslError
from scendsl.model.domains.training_formulas import matrix_time_per_flop, mixed_precision_gain
from tests.factories import LLAMA31_8B_SHAPE

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator GB300
    count       8
  }}
  workload {{
    parameters      8.03B
    tokens          1T
    precision       {precision}
    framework       megatron
    parallelism     tensor 1, pipeline 1, data auto
    sequence_length 8192
    micro_batch     2
    global_batch    16
{shape}
    {extra}
  }}
}}
"""


def run(extra: str = "", precision: str = "fp4"):
    text = TEXT.format(extra=extra, precision=precision, shape=LLAMA31_8B_SHAPE)
    return scendsl.evaluate(scendsl.load_text(text, name="s.scn").get("s"))


def test_the_default_keeps_attention_in_16_bits():
    result = run()
    assert result.value("workload.attention_precision") == "bf16"
    assert result.value("performance.attention_precision_gain") == 1


def test_fp8_attention_gains_the_fp8_gain_and_shortens_only_the_matrix_maths():
    bf16, fp8 = run(), run("attention_precision fp8")
    gain = fp8.value("performance.attention_precision_gain")
    assert gain > 1
    # The attention matmuls run at the FP8 gain: their rate scales by it.
    assert fp8.value("performance.attention_compute_rate") == pytest.approx(
        gain * bf16.value("performance.attention_compute_rate")
    )
    assert fp8.value("performance.precision_gain") > bf16.value("performance.precision_gain")
    assert fp8.value("performance.compute_time") < bf16.value("performance.compute_time")
    assert fp8.value("performance.memory_time") == pytest.approx(
        bf16.value("performance.memory_time")
    )
    assert fp8.value("performance.step_time") < bf16.value("performance.step_time")
    # The MFU path carries the same gain.
    assert fp8.value("performance.mfu") > bf16.value("performance.mfu")


def test_fp8_attention_gain_is_capped_by_the_chip_fp8_rate():
    """A chip without FP8 units (the A100) runs FP8 work at its BF16 rate: no gain."""
    text = TEXT.format(
        extra="attention_precision fp8", precision="fp8", shape=LLAMA31_8B_SHAPE
    ).replace("GB300", "A100_80GB")
    result = scendsl.evaluate(scendsl.load_text(text, name="s.scn").get("s"))
    assert result.value("performance.attention_precision_gain") == pytest.approx(1.0)


def test_fp8_attention_in_a_16_bit_run_is_a_located_error_with_a_hint():
    with pytest.raises(ScendslError) as caught:
        run("attention_precision fp8", precision="bf16")
    [diagnostic] = caught.value.diagnostics
    assert "attention_precision" in diagnostic.message and "bf16" in diagnostic.message
    assert diagnostic.source_line.strip() == "attention_precision fp8"
    assert "precision fp8" in diagnostic.hint


def test_an_unknown_attention_precision_is_a_user_error_with_a_span():
    with pytest.raises(ScendslError) as caught:
        run("attention_precision fp6")
    [diagnostic] = caught.value.diagnostics
    assert "attention_precision" in diagnostic.message
    assert diagnostic.span is not None and "fp8" in diagnostic.hint


@settings(max_examples=60, deadline=None)
@given(
    gain=st.floats(1.0, 3.0),
    attention_gain=st.floats(1.0, 3.0),
    share=st.floats(0.0, 0.6),
    rate=st.floats(0.3, 1.2),
)
def test_matrix_time_is_the_sum_of_its_two_parts(gain, attention_gain, share, rate):
    """Per model FLOP, the linear layers take (1 − a)/g and the attention a/(r·g_a), whatever
    the blend: the blended gain and the time per FLOP count the attention once."""
    blended = mixed_precision_gain(gain, share, attention_gain)
    time = matrix_time_per_flop(blended, share, rate, None, attention_gain)
    assert time == pytest.approx((1 - share) / gain + share / (rate * attention_gain))
    # A faster attention never makes the matrix maths slower.
    slower = matrix_time_per_flop(mixed_precision_gain(gain, share), share, rate)
    assert time <= slower * (1 + 1e-12)


def test_the_editor_completes_the_field_and_its_two_formats():
    from scendsl.lsp.completion import Pos, complete

    field = "scenario s {\n  workload {\n    attention_p\n  }\n}\n"
    labels = [c.label for c in complete(None, field, Pos(2, len("    attention_p")))]
    assert "attention_precision" in labels
    value = "scenario s {\n  workload {\n    attention_precision \n  }\n}\n"
    choices = complete(None, value, Pos(2, len("    attention_precision ")))
    assert [c.label for c in choices] == ["bf16", "fp8"]
