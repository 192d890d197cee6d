"""Saved attention activations: grouped-query attention keeps narrower keys and values, and
fused (flash) attention keeps no s×s score matrix even without recomputation."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.model.domains.training_formulas import (
    activation_bytes_per_layer,
    low_precision_linear_terms,
)
from scendsl.model.evaluate import evaluate

TEXT = """scenario s {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 512
  }}
  workload {{
    parameters      70B
    tokens          1T
    precision       bf16
    parallelism     tensor 8, pipeline 8, data auto
    sequence_length 8192
    layers          80
    hidden_size     8192
    attention_heads 64{extra}
  }}
}}
"""


def memory(extra: str = "") -> float:
    result = evaluate(scendsl.load_text(TEXT.format(extra=extra)).get("s"))
    return float(result.metrics["performance.activation_memory"].value)


def test_korthikantis_q_k_v_bytes_shrink_with_the_kv_heads_share():
    assert low_precision_linear_terms(None) == (10.0, 24.0)  # one KV head per head: 34
    # 8 KV heads for 64: Q 2, K and V 2/8 each, projection input 2 → 4 + 0.5 instead of 8.
    assert low_precision_linear_terms(None, kv_ratio=8 / 64) == (10.0, 24.0 - 4.0 + 0.5)
    assert low_precision_linear_terms(1.0, kv_ratio=1.0)[1] == pytest.approx(
        low_precision_linear_terms(1.0)[1]
    )


def test_grouped_query_attention_keeps_less_and_stated_heads_equal_to_kv_keep_the_default():
    default, mha, gqa = memory(), memory("\n    kv_heads 64"), memory("\n    kv_heads 8")
    assert mha == default
    assert gqa < default
    # Only the K and V tensors shrink: (4 - 4/8) of 34 bytes per sbh, divided by t alike.
    assert (default - gqa) / default == pytest.approx(3.5 / 34.0)


def test_flash_attention_keeps_no_score_matrix_without_recomputation():
    unfused = memory("\n    recompute none\n    flash_attention off")
    fused = memory("\n    recompute none")
    selective = memory("\n    recompute selective")
    assert fused == pytest.approx(selective)  # the 5as/h term is gone either way
    assert unfused > fused
    heads, sequence, hidden = 64, 8192, 8192
    assert unfused / fused == pytest.approx((34 + 5 * heads * sequence / hidden) / 34)


def test_the_per_layer_formula_drops_only_the_score_term_for_fused_attention():
    args = (4096, 1, 8192, 64, 8, "none", True)
    kept = activation_bytes_per_layer(*args, scores_kept=True)
    dropped = activation_bytes_per_layer(*args, scores_kept=False)
    sbh = 4096 * 8192
    assert float(kept - dropped) == pytest.approx(sbh * 5 * 64 * 4096 / (8192 * 8))
