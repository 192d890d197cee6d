"""The training frameworks a workload may name: one list, each with its sourced defaults and its
calibrated share of the matrix rate (PyTorch FSDP and JAX added in round eight, issue 12)."""

from typing import get_args

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.defaults import FRAMEWORKS
from scendsl.errors import ScenarioError
from scendsl.language.fields import SECTIONS
from scendsl.lsp.completion import complete
from scendsl.lsp.hover import _model_default
from scendsl.lsp.positions import Pos
from scendsl.model.evaluate import evaluate
from scendsl.scenario import Workload

CATALOG = load_catalog()


def scenario_text(workload: str) -> str:
    return f"""
scenario s {{
  title "framework test"
  year 2026
  region US
  cluster {{
    accelerator H100
    count 256
  }}
  workload {{
    parameters 70B
    tokens 1T
    {workload}
  }}
}}
"""


def values(workload: str) -> dict:
    result = evaluate(scendsl.load(scenario_text(workload)).get("s"), CATALOG)
    return {
        **{k: v.value for k, v in result.inputs.items()},
        **{k: v.value for k, v in result.metrics.items()},
    }


def test_the_framework_list_is_declared_once_and_read_everywhere():
    # The scenario type, the language's choices and the catalog's frameworks.toml all follow one
    # list, and every name has its calibrated share in the catalog.
    assert "fsdp" in FRAMEWORKS and "jax" in FRAMEWORKS
    annotation = Workload.model_fields["framework"].annotation
    assert set(FRAMEWORKS) <= {a for arg in get_args(annotation) for a in get_args(arg)}
    assert tuple(SECTIONS["workload"]["framework"].choices) == FRAMEWORKS
    assert tuple(CATALOG.frameworks) == FRAMEWORKS
    for name in FRAMEWORKS:
        assert f"framework_efficiency_{name}" in CATALOG.calibration
        assert CATALOG.calibration[f"framework_efficiency_{name}"].source


def test_fsdp_defaults_follow_torchtitan_and_olmo():
    # FSDP shards parameters, gradients and optimizer state (ZeRO-3); OLMo's and TinyLlama's
    # configs keep activations (no recomputation); torchtitan's tensor parallelism splits the
    # norms' activations along the sequence; no pipeline interleaving.
    plain = values("framework fsdp\n    parallelism tensor 1, pipeline 1, data auto")
    assert plain["workload.zero_stage"] == 3
    assert plain["workload.recompute"] == "none"
    assert plain["workload.sequence_parallel"] == "off"
    tensor = values("framework fsdp\n    parallelism tensor 8, pipeline 4, data auto")
    assert tensor["workload.sequence_parallel"] == "on"
    assert tensor["workload.interleave"] == 1
    megatron = values("framework megatron\n    parallelism tensor 8, pipeline 4, data auto")
    assert megatron["workload.interleave"] > 1  # only Megatron-LM interleaves


def test_jax_defaults_follow_maxtext_and_palm():
    # MaxText's base config: remat_policy 'full', fully sharded data parallelism; PaLM the same.
    got = values("framework jax\n    parallelism tensor 4, pipeline 1, data auto")
    assert got["workload.zero_stage"] == 3
    assert got["workload.recompute"] == "full"
    assert got["workload.sequence_parallel"] == "on"


def test_a_written_value_beats_the_framework_default():
    got = values("framework fsdp\n    zero_stage 1\n    recompute full")
    assert got["workload.zero_stage"] == 1
    assert got["workload.recompute"] == "full"


@pytest.mark.parametrize("framework", ["fsdp", "jax"])
def test_new_framework_share_is_catalog_data(framework):
    # The share scales the matrix rate alone; its value is the catalog's calibrated figure.
    # Unfused attention runs at the matrix rate whatever the framework's attention kernels.
    layout = (
        "parallelism tensor 1, pipeline 1, data auto\n    recompute full\n    zero_stage 3\n"
        "    flash_attention off"
    )
    got = values(f"framework {framework}\n    {layout}")
    reference = values(f"framework megatron\n    {layout}")
    share = CATALOG.calibration[f"framework_efficiency_{framework}"].value
    assert got["performance.framework_efficiency"] == pytest.approx(share)
    assert got["performance.compute_time"] == pytest.approx(
        reference["performance.compute_time"] / share
    )


def test_unknown_framework_is_a_located_error_listing_the_accepted_ones():
    text = scenario_text("framework pytorch")
    with pytest.raises(ScenarioError) as caught:
        scendsl.load(text)
    rendered = str(caught.value)
    line = text.splitlines().index("    framework pytorch") + 1
    assert f":{line}:" in rendered and "error" in rendered
    assert "pytorch" in rendered
    for name in FRAMEWORKS:
        assert name in rendered


def test_editor_completes_and_hovers_the_new_frameworks():
    text = scenario_text("framework ")
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip() == "framework")
    offered = {c.label for c in complete(None, text, Pos(row, len(lines[row])))}
    assert {"fsdp", "jax"} <= offered
    assert set(FRAMEWORKS) <= offered
    recompute = _model_default("workload.recompute")
    assert recompute is not None
    assert "`none` with fsdp" in recompute and "`full` with jax" in recompute
    # The ZeRO stage a fully sharded framework uses is its own, not the catalog's default.
    zero = _model_default("workload.zero_stage")
    assert zero is not None
    assert "`3` with fsdp" in zero and "`3` with jax" in zero
    assert f"`{CATALOG.calibration['default_zero_stage'].text}` otherwise" in zero


def test_framework_defaults_are_catalog_data_checked_against_the_language(tmp_path):
    # Facts are data: frameworks.toml holds each framework's defaults; a catalog that leaves out
    # a framework the language accepts, or names one it does not, is refused when loaded.
    import shutil
    from importlib.resources import files

    from scendsl.catalog.load import _load_from
    from scendsl.catalog.model import CatalogError

    shipped = files("scendsl.catalog")
    for item in shipped.iterdir():
        if item.name.endswith((".toml", ".tsv")):
            shutil.copy(str(item), tmp_path / item.name)
    frameworks = (tmp_path / "frameworks.toml").read_text(encoding="utf-8")
    assert _load_from(tmp_path).frameworks["fsdp"].zero_stage == 3
    (tmp_path / "frameworks.toml").write_text(
        frameworks.replace('recompute = "none"', 'recompute = "full"'),  # fsdp's alone
        encoding="utf-8",
    )
    assert _load_from(tmp_path).frameworks["fsdp"].recompute == "full"
    (tmp_path / "frameworks.toml").write_text(
        frameworks.replace("[jax]", "[pytorch]"), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="not a framework the language accepts"):
        _load_from(tmp_path)


def test_other_names_of_a_framework_point_at_one_framework_each():
    # frameworks.toml's also_known_as: an alias names one framework, never another's own name.
    from scendsl.language.names import aliases_in
    from scendsl.suggest import name_key

    aliases = aliases_in("frameworks.toml")
    for framework, entry in CATALOG.frameworks.items():
        for alias in entry.also_known_as:
            assert aliases[name_key(alias)] == framework
    own = {name_key(name): name for name in FRAMEWORKS}
    assert all(own.get(key, framework) == framework for key, framework in aliases.items())
