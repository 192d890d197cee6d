"""Float32 activations as a workload input (issue 12, the OpenLLaMA 7B run on TPU v4).

EasyLM trains with dtype fp32: JAX runs the float32 matrix products as bfloat16 passes on a TPU
by default, so the matrix rate is the 16-bit one, but every activation kept for the backward
pass and moved by the element-wise kernels is 4 bytes, not the 2 that Korthikanti's count and
the unfused attention's bytes assume. `activation_precision fp32` doubles those, nothing else.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.errors import ScendslError
from scendsl.model.domains.step_time import memory_time

TEXT = """
scenario s {{
  year 2023
  region US
  cluster {{
    accelerator TPUv4
    count       256
  }}
  workload {{
    parameters      6.74B
    tokens          1T
    framework       jax
    zero_stage      3
    recompute       full
    parallelism     tensor 1, pipeline 1, data auto
    sequence_length 2048
    micro_batch     8
    global_batch    2048
    flash_attention off
    dropout         0%
    layers          32
    hidden_size     4096
    attention_heads 32
    ffn_hidden_size 11008
    mlp             gated
    {extra}
  }}
}}
"""


def run(extra: str = ""):
    text = TEXT.format(extra=extra)
    return scendsl.evaluate(scendsl.load_text(text, name="s.scn").get("s"))


def test_the_default_keeps_16_bit_activations():
    result = run()
    assert result.value("workload.activation_precision") == "bf16"
    assert result.value("performance.activation_element_factor") == 1


def test_float32_activations_double_the_element_wise_time_and_the_activation_memory():
    bf16, fp32 = run(), run("activation_precision fp32")
    assert fp32.value("performance.activation_element_factor") == 2
    assert fp32.value("performance.memory_time") == pytest.approx(
        2 * bf16.value("performance.memory_time")
    )
    assert fp32.value("performance.activation_memory") == pytest.approx(
        2 * bf16.value("performance.activation_memory")
    )
    # The matrix maths run at the 16-bit rate either way.
    assert fp32.value("performance.compute_time") == pytest.approx(
        bf16.value("performance.compute_time")
    )
    assert fp32.value("performance.step_time") > bf16.value("performance.step_time")


def test_an_unknown_activation_precision_is_a_user_error_with_a_span():
    with pytest.raises(ScendslError) as caught:
        run("activation_precision fp64")
    [diagnostic] = caught.value.diagnostics
    assert "activation_precision" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.hint == "one of: bf16, fp32"


@settings(max_examples=40, deadline=None)
@given(
    sequence=st.sampled_from([1024, 2048, 8192]),
    micro_batch=st.integers(1, 16),
    hidden=st.sampled_from([1024, 4096, 8192]),
    heads=st.sampled_from([8, 32, 64]),
    flash=st.sampled_from(["on", "off"]),
    factor=st.floats(1.0, 2.0),
)
def test_element_wise_time_grows_in_proportion_to_the_element_size(
    sequence, micro_batch, hidden, heads, flash, factor
):
    def at(element_factor):
        return memory_time(
            sequence,
            micro_batch,
            hidden,
            32,
            1,
            1,
            4,
            "full",
            "off",
            1.2e12,
            0.9,
            flash,
            heads,
            1,
            4 * hidden,
            "gated",
            0.0,
            element_factor,
            1.0,
        )

    assert at(factor) == pytest.approx(factor * at(1.0))
    assert at(factor) >= at(1.0)
