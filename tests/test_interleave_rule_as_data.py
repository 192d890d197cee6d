"""Which frameworks run the interleaved pipeline schedule is catalog data (issue 12, round nine).

It was a hard-coded `framework == "megatron"` in the formulas and in the interleave default;
it is frameworks.toml's `interleaved_schedule`, read by `workload.interleave` alone.
"""

import shutil
from importlib.resources import files

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.catalog.load import _load_from
from scendsl.catalog.model import CatalogError
from scendsl.model.evaluate import evaluate
from tests.factories import scenario_text

CATALOG = load_catalog()
PIPELINE = "    parallelism tensor 8, pipeline 8, data auto{interleave}\n"


def evaluated(framework: str, interleave: str = "", catalog=CATALOG) -> dict:
    body = (
        "  workload {\n    parameters 175B\n    tokens 300B\n    layers 96\n"
        f"    framework {framework}\n" + PIPELINE.format(interleave=interleave) + "  }\n"
    )
    text = scenario_text("s", count=1024, body=body)
    result = evaluate(scendsl.load(text).get("s"), catalog)
    return {**result.inputs, **result.metrics}


def test_every_framework_states_whether_it_interleaves_with_its_reason():
    for name, entry in CATALOG.frameworks.items():
        assert isinstance(entry.interleaved_schedule, bool), name
        assert entry.interleaved_schedule_note, name
    assert CATALOG.frameworks["megatron"].interleaved_schedule
    assert not CATALOG.frameworks["deepspeed"].interleaved_schedule


def test_the_interleave_rule_follows_the_catalog_not_the_framework_name():
    # Give DeepSpeed an interleaved schedule in a copy of the catalog: its pipeline interleaves,
    # and the bubble shrinks, with no change to the code.
    frameworks = dict(CATALOG.frameworks)
    frameworks["deepspeed"] = frameworks["deepspeed"].model_copy(
        update={"interleaved_schedule": True}
    )
    edited = CATALOG.model_copy(update={"frameworks": frameworks})
    shipped = evaluated("deepspeed")
    interleaving = evaluated("deepspeed", catalog=edited)
    assert shipped["workload.interleave"].value == 1
    assert interleaving["workload.interleave"].value > 1
    assert (
        interleaving["performance.pipeline_bubble"].value
        < shipped["performance.pipeline_bubble"].value
    )


def test_written_interleave_under_a_framework_without_the_schedule_says_it_does_not_apply():
    got = evaluated("neox", ", interleave 4")
    assert got["workload.interleave"].value == 1
    assert "does not apply" in got["workload.interleave"].note
    megatron = evaluated("megatron", ", interleave 4")
    assert megatron["workload.interleave"].value == 4
    bubble = megatron["performance.pipeline_bubble"].value
    assert bubble < got["performance.pipeline_bubble"].value


def test_frameworks_toml_without_the_interleave_rule_is_refused(tmp_path):
    for item in files("scendsl.catalog").iterdir():
        if item.name.endswith((".toml", ".tsv")):
            shutil.copy(str(item), tmp_path / item.name)
    path = tmp_path / "frameworks.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[fsdp]")
    line = text.index("interleaved_schedule = ", start)
    path.write_text(text[:line] + text[text.index("\n", line) + 1 :], encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        _load_from(tmp_path)
    assert info.value.file == "frameworks.toml" and info.value.entry == "fsdp"
    assert "interleaved_schedule" in str(info.value)
