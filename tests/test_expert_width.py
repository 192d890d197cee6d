"""`workload.expert_ffn_hidden_size`: the width of one routed expert's MLP (Megatron-LM's
moe_ffn_hidden_size, config.json moe_intermediate_size), which a fine-grained mixture of experts
sets far below its dense MLP width."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError
from scendsl.report.warnings import scenario_warnings

MOE = """
scenario moe {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count 256
  }}
  workload {{
    parameters 6.9B
    active_parameters 1.3B
    tokens 5T
    layers 16
    hidden_size 2048
    mlp gated
    experts 64
    experts_per_token 8{extra}
  }}
}}
"""


def _result(extra: str, text: str = MOE):
    scenario = scendsl.load_text(text.format(extra=extra), name="moe.scn").get("moe")
    return scendsl.evaluate(scenario)


def _value(result, name: str) -> float:
    value = result[name].value
    assert value is not None, name
    return float(value)


def test_the_expert_width_is_read_as_written():
    result = _result("\n    expert_ffn_hidden_size 1024")
    assert _value(result, "performance.expert_ffn_width") == 1024
    assert _value(result, "workload.expert_ffn_hidden_size_setting") == 1024
    assert result["workload.expert_ffn_hidden_size_setting"].origin.startswith("moe.scn:")


def test_without_it_each_expert_is_as_wide_as_the_mlp():
    plain = _result("")
    assert _value(plain, "performance.expert_ffn_width") == _value(plain, "performance.ffn_width")
    stated = _result("\n    ffn_hidden_size 1024")
    assert _value(stated, "performance.expert_ffn_width") == 1024
    # The expert width does not change the MLP width of the model's dense layers.
    both = _result("\n    ffn_hidden_size 8192\n    expert_ffn_hidden_size 1024")
    assert _value(both, "performance.ffn_width") == 8192
    assert _value(both, "performance.expert_ffn_width") == 1024


@pytest.mark.parametrize(
    "written",
    [
        "expert_ffn_hidden_size 0",
        "expert_ffn_hidden_size -1024",
        "expert_ffn_hidden_size 1e9",
        "expert_ffn_hidden_size 1024.5",
    ],
)
def test_an_impossible_width_is_a_located_error(written: str):
    with pytest.raises(ScendslError) as raised:
        _result("\n    " + written)
    diagnostic = raised.value.diagnostics[0]
    assert "workload.expert_ffn_hidden_size" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line == 18


DENSE = """
scenario dense {
  year 2024
  region US
  cluster {
    accelerator H100
    count 64
  }
  workload {
    parameters 8B
    tokens 100B
    expert_ffn_hidden_size 1024
  }
}
"""


def test_an_expert_width_on_a_dense_model_is_warned_about_at_its_line():
    result = scendsl.evaluate(scendsl.load_text(DENSE, name="dense.scn").get("dense"))
    found = {w.id: w for w in scenario_warnings(result)}
    warning = found["expert-width-on-dense-model"]
    assert "1,024" in warning.text and "dense" in warning.text
    assert (warning.span.line, warning.span.col) == (12, 5)
    moe = scendsl.load_text(
        DENSE.replace("expert_ffn", "experts 8\n    expert_ffn"), name="m.scn"
    ).get("dense")
    assert "expert-width-on-dense-model" not in {
        w.id for w in scenario_warnings(scendsl.evaluate(moe))
    }
