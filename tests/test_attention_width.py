"""Attention FLOPs follow the attention width a·d, not the hidden width h, when the heads are given
with their own width (multi-head latent attention and other shapes where a·d != h)."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEXT = """
scenario mla {{
  title "MLA-shaped model"
  year 2024
  region US
  cluster {{
    accelerator H100
    count 64
  }}
  workload {{
    parameters      37B
    tokens          1T
    layers          61
    hidden_size     7168
    attention_heads 128
    sequence_length 4096
    {head_dim}
  }}
}}
"""


def per_token(head_dim: str) -> float:
    result = evaluate(scendsl.load(TEXT.format(head_dim=head_dim)).get("mla"))
    return result.value("performance.model_flops_per_token")


def test_attention_flops_use_heads_times_head_width_when_the_head_width_is_given():
    # 6N + 12 L s (a d): 128 heads of 160 on h = 7,168 (DeepSeek-V3's latent attention).
    assert per_token("head_dim 160") == pytest.approx(6 * 37e9 + 12 * 61 * 4096 * 128 * 160)


def test_without_a_head_width_the_heads_span_the_hidden_width():
    # Narayanan et al. 2021, eq. 3: a d = h.
    assert per_token("") == pytest.approx(6 * 37e9 + 12 * 61 * 4096 * 7168)
