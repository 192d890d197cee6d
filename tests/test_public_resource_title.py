"""The national research resource a scenario is compared with (`divide.public_resource`) is a
reference's key in the model, in claims and in JSON, and its title wherever a reader reads it:
briefings, explain, eval text and diff. Expected titles are read from the catalog, never named."""

from __future__ import annotations

import json
from pathlib import Path

import scendsl
from scendsl.app.pipeline import evaluate_for_review
from scendsl.catalog import load_catalog
from scendsl.cli import main
from scendsl.report.diff import diff_results, render_json, render_text
from scendsl.report.explain import explain_tree
from tests.factories import scenario_text

WORKLOAD = "  workload {\n    parameters 70B\n    tokens 1T\n  }\n"


def _text(name: str, region: str) -> str:
    """A 1,000-H100 scenario of 2025 in `region` that trains a model (so it has a time to train)."""
    return scenario_text(name, year=2025, region=f'"{region}"', count=1000, body=WORKLOAD)


ROW = "(`divide.public_resource`) |"


def _compared(country: str):
    """The catalog's national resource a scenario in `country` is compared with, as the model
    chooses it (its key), and its catalog entry."""
    text = _text("s", country)
    key = scendsl.evaluate(scendsl.load_text(text).scenarios[0])["divide.public_resource"].value
    return load_catalog().references[key]


def _national(country: str) -> list:
    refs = load_catalog().references.values()
    return [r for r in refs if r.region == country and r.kind == "national_resource"]


def _two_countries() -> tuple[str, str]:
    """Two countries whose scenarios are compared with different catalog resources."""
    regions = sorted(
        {r.region for r in load_catalog().references.values() if r.kind == "national_resource"}
    )
    first = regions[0]
    second = next(r for r in regions[1:] if _compared(r).name != _compared(first).name)
    return first, second


def _write(folder: Path, region: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.scn"
    path.write_text(_text("s", region), encoding="utf-8")
    return path


def test_the_briefing_names_the_compared_resource_by_its_title(tmp_path):
    country = _two_countries()[0]
    entry = _compared(country)
    assert entry.title != entry.name.replace("_", " ")  # else the test could not fail
    source = _write(tmp_path, country)
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if ROW in line)
    shown = row.split(ROW, 1)[1].split("|", 1)[0].strip()
    assert shown == entry.title.replace("_", "\\_")


def test_eval_json_keeps_the_key_and_gives_the_title_as_label(tmp_path, capsys):
    country = _two_countries()[0]
    entry = _compared(country)
    source = _write(tmp_path, country)
    assert main(["eval", str(source), "--format", "json", "--samples", "0"]) == 0
    figure = json.loads(capsys.readouterr().out)["scenarios"][0]["inputs"]
    assert figure["divide.public_resource"]["value"] == entry.name
    assert figure["divide.public_resource"]["label"] == entry.title
    assert "label" not in figure["divide.public_resource_peak"]  # a number has no label


def test_explain_and_eval_text_read_the_title(tmp_path, capsys):
    country = _two_countries()[0]
    entry = _compared(country)
    source = _write(tmp_path, country)
    result = scendsl.evaluate(scendsl.load_file(str(source)).scenarios[0])
    tree = explain_tree(result, "divide.public_resource_ratio")
    resource = next(
        child
        for node in tree["inputs"]
        for child in [node, *node.get("inputs", [])]
        if child["name"] == "divide.public_resource_peak"
    )
    assert resource["value"] != entry.title  # the peak is a number
    chosen = explain_tree(result, "divide.public_resource")
    assert (chosen["value"], chosen["key"]) == (entry.title, entry.name)
    assert main(["eval", str(source), "--samples", "0"]) == 0
    assert entry.title in capsys.readouterr().out


def test_a_diff_names_the_old_and_new_resource_by_title(tmp_path):
    first, second = _two_countries()
    old = evaluate_for_review([str(_write(tmp_path / "old", first).parent)])
    new = evaluate_for_review([str(_write(tmp_path / "new", second).parent)])
    diff = diff_results(old.results, new.results, show_all=True)
    before, after = _compared(first), _compared(second)
    assert f"divide.public_resource: {before.title} → {after.title}" in render_text(diff)
    change = json.loads(render_json(diff))
    text = json.dumps(change, ensure_ascii=False)
    assert f'"old": "{before.name}", "new": "{after.name}"' in text
    assert f'"old_label": "{before.title}", "new_label": "{after.title}"' in text


def test_an_analysts_own_resource_is_read_by_its_blocks_title():
    country = next(c for c in ("KE", "NG", "AR") if not _national(c))
    block = (
        '\nreference local_pool {\n  title "A local public pool"\n  accelerator H100\n'
        f'  count 200\n  kind national_resource\n  region "{country}"\n}}\n'
    )
    text = _text("s", country) + block
    result = scendsl.evaluate(scendsl.load_text(text).scenarios[0])
    chosen = result["divide.public_resource"]
    assert (chosen.value, chosen.label) == ("local_pool", "A local public pool")
