"""The national research resource a scenario is compared with (`divide.public_resource`) is a
reference's key in the model, in claims and in JSON, and its title wherever a reader reads it:
briefings, explain, eval text and diff. Expected titles are read from the catalog, never named."""

from __future__ import annotations

import json
from pathlib import Path

import scendsl
from scendsl.app.pipeline import load, review
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
    old = review(load([str(_write(tmp_path / "old", first).parent)]))
    new = review(load([str(_write(tmp_path / "new", second).parent)]))
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


# ------------------------------------ every other place a reader meets the compared resource
def _larger_block(country: str, name: str = "local_pool") -> str:
    """A national resource of `country` larger than any of the catalog's: the model then
    compares a scenario there with it."""
    return (
        f'\nreference {name} {{\n  title "A far larger public pool"\n  accelerator B200\n'
        f'  count 10M\n  kind national_resource\n  region "{country}"\n}}\n'
    )


def _swept(folder: Path, country: str, block: str = "") -> Path:
    """A scenario in `country` and a sweep over its count, with `block` beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.scn"
    sweep = "sweep sizes from s {\n  cluster.count [1000, 2000]\n}\n"
    path.write_text(_text("s", country) + block + sweep, encoding="utf-8")
    return path


def _diff_lines(old: Path, new: Path) -> list[str]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["diff", str(old), str(new), "--all"]) == 0
    return buffer.getvalue().splitlines()


def test_a_sweep_diff_and_a_claims_actuals_name_the_resource_by_title(tmp_path, capsys):
    """A sweep's variants compared with another resource, and a claim on which resource a
    scenario is compared with: both sides read by title, from scenario files or from the JSON
    of each (whose sweep says what each key it holds is called)."""
    country = _two_countries()[0]
    entry = _compared(country)
    claim = f'  expect divide.public_resource == {entry.name} "compared with it"\n'
    old = _swept(tmp_path / "old", country)
    new = _swept(tmp_path / "new", country, _larger_block(country))
    for path in (old, new):
        path.write_text(path.read_text("utf-8").replace(WORKLOAD, WORKLOAD + claim), "utf-8")
    moved = f"{entry.title} → A far larger public pool"
    from_files = _diff_lines(old.parent, new.parent)
    (variants,) = [line for line in from_files if "divide.public_resource: 2 of 2 var" in line]
    assert moved in variants
    (flip,) = [line for line in from_files if "claim divide.public_resource" in line]
    assert f"holds → fails ({moved})" in flip
    documents = []
    for side, path in (("old", old), ("new", new)):
        capsys.readouterr()
        assert main(["eval", str(path), "--sweeps", "--format", "json", "--samples", "0"]) == 0
        documents.append(tmp_path / f"{side}.json")
        documents[-1].write_text(capsys.readouterr().out, "utf-8")
    data = json.loads(documents[0].read_text("utf-8"))
    labels = data["sweeps"][0]["labels"]["divide.public_resource"]
    assert labels == {entry.name: entry.title}
    assert data["sweeps"][0]["variants"][0]["values"]["divide.public_resource"] == entry.name
    from_json = _diff_lines(*documents)
    assert [
        line for line in from_json if "divide.public_resource:" in line or "claim " in line
    ] == [line for line in from_files if "divide.public_resource:" in line or "claim " in line]
    capsys.readouterr()
    assert main(["diff", str(old.parent), str(new.parent), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    labels = {"old_label": entry.title, "new_label": "A far larger public pool"}
    (flip,) = data["scenarios"][0]["claims"]
    assert (flip["old_actual"], flip["new_actual"]) == (entry.name, "local_pool")
    assert {k: flip[k] for k in labels} == labels
    (move,) = [m for m in data["sweeps"][0]["metrics"] if m["name"] == "divide.public_resource"]
    assert {k: move["example"][k] for k in labels} == labels


def test_a_sweep_from_json_without_labels_still_diffs_by_key(tmp_path, capsys):
    """A result written before a sweep had `labels`: its keys are shown as they are."""
    country = _two_countries()[0]
    old = _swept(tmp_path / "old", country)
    new = _swept(tmp_path / "new", country, _larger_block(country))
    documents = []
    for side, path in (("old", old), ("new", new)):
        capsys.readouterr()
        assert main(["eval", str(path), "--sweeps", "--format", "json", "--samples", "0"]) == 0
        data = json.loads(capsys.readouterr().out)
        del data["sweeps"][0]["labels"]
        documents.append(tmp_path / f"{side}.json")
        documents[-1].write_text(json.dumps(data), "utf-8")
    (line,) = [x for x in _diff_lines(*documents) if "divide.public_resource: 2 of 2 var" in x]
    assert line.endswith("local pool)")  # the key, read as a category is


def test_the_editors_claim_hint_reads_the_title(tmp_path):
    from scendsl.lsp.hints import claim_value
    from scendsl.lsp.workspace import Workspace

    country = _two_countries()[0]
    entry = _compared(country)
    claim = f'  expect divide.public_resource == {entry.name} "compared with it"\n'
    path = _write(tmp_path, country)
    path.write_text(path.read_text("utf-8").replace(WORKLOAD, WORKLOAD + claim), "utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    assert analysis.document is not None
    scenario = next(s for s in analysis.document.statements if s.key == "scenario")
    expect = next(item for item in scenario.body or [] if item.key == "expect")
    value = claim_value(analysis, "s", expect)
    assert value is not None and value.short() == f"= {entry.title} (holds)"


# ------------------------------------------------ the resource a claim expects, by its title
def test_a_claims_expected_resource_reads_by_its_title_where_the_actual_does(tmp_path, capsys):
    """`expect divide.public_resource == KEY` naming another resource than the model's: the
    briefing's test column, eval text and a diff read the expected side by title too; eval
    JSON keeps the key in `expected` and gives the title as `expected_label`."""
    first, second = _two_countries()
    compared, other = _compared(first), _compared(second)
    claim = f'  expect divide.public_resource == {other.name} "compared with it"\n'
    source = _write(tmp_path / "old", first)
    source.write_text(source.read_text("utf-8").replace(WORKLOAD, WORKLOAD + claim), "utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    (row,) = [
        line for line in page.splitlines() if line.startswith("|") and "“compared with it”" in line
    ]
    cells = [cell.strip() for cell in row.split("|")]
    assert f"= {other.title}".replace("_", "\\_") in cells
    assert compared.title.replace("_", "\\_") in cells
    assert other.name not in row
    capsys.readouterr()
    assert main(["eval", str(source), "--format", "json", "--samples", "0"]) == 0
    (checked,) = json.loads(capsys.readouterr().out)["scenarios"][0]["claims"]
    assert (checked["expected"], checked["expected_label"]) == (other.name, other.title)
    assert main(["eval", str(source), "--samples", "0"]) == 0
    (line,) = [
        line
        for line in capsys.readouterr().out.splitlines()
        if "claim divide.public_resource" in line
    ]
    assert f"divide.public_resource == {other.title}" in line and other.name not in line


def test_a_claim_on_a_number_has_no_expected_label(capsys, tmp_path):
    source = _write(tmp_path, _two_countries()[0])
    claim = '  expect divide.public_resource_ratio > 0 "some"\n'
    source.write_text(source.read_text("utf-8").replace(WORKLOAD, WORKLOAD + claim), "utf-8")
    assert main(["eval", str(source), "--format", "json", "--samples", "0"]) == 0
    (checked,) = json.loads(capsys.readouterr().out)["scenarios"][0]["claims"]
    assert "expected_label" not in checked


def test_the_key_finding_says_when_the_compared_resource_is_not_the_countrys_own(tmp_path):
    """A country without a national resource of its own is compared with the largest: the key
    finding says so, naming the country; a country with its own is not told that."""
    from scendsl.catalog.grid import region_reading_name

    without = next(c for c in ("NG", "KE", "AR", "PE") if not _national(c))
    with_own = _two_countries()[0]
    for country, told in ((without, True), (with_own, False)):
        source = _write(tmp_path / country, country)
        assert main(["build", str(source), "-o", str(tmp_path / country / "out")]) == 0
        page = (tmp_path / country / "out" / "s.md").read_text(encoding="utf-8")
        (finding,) = [line for line in page.splitlines() if "that of the " in line]
        assert _compared(country).title.replace("_", "\\_") in finding
        name = region_reading_name(country)
        assert (f"there is none for {name}" in finding) is told


def test_a_per_reference_figures_meaning_names_the_reference_by_title():
    """`divide.KEY.time_to_train` is named by key (names and formulas are written in keys);
    what it means is read by people: the reference's title, quoted (titles hold commas), the
    file's own block's for a block of the file's own."""
    country = _two_countries()[0]
    entry = _compared(country)
    block = _larger_block(country)
    result = scendsl.evaluate(scendsl.load_text(_text("s", country) + block).scenarios[0])
    for name, title in ((entry.name, entry.title), ("local_pool", "A far larger public pool")):
        for metric in (f"divide.{name}.time_to_train", f"reference.{name}.count"):
            meaning = result[metric].meaning
            assert f"“{title}”" in meaning and name not in meaning
        assert result[f"divide.{name}.compute_ratio"].formula.endswith(
            f"reference.{name}.comparison_peak"
        )


def test_only_a_claim_on_a_metric_naming_references_reads_its_expected_value_by_title():
    """A category claim whose value happens to be a reference's name (a block called `allowed`
    beside `expect export.status == allowed`) is not read as that reference."""
    country = _two_countries()[0]
    entry = _compared(country)
    block = (
        '\nreference allowed {\n  title "A pool named like a status"\n  accelerator H100\n'
        f'  count 200\n  kind university\n  region "{country}"\n}}\n'
    )
    claims = (
        '  expect export.status == allowed "q"\n'
        f'  expect divide.public_resource == {entry.name} "q"\n'
    )
    text = _text("s", country).replace(WORKLOAD, WORKLOAD + claims) + block
    result = scendsl.evaluate(scendsl.load_text(text).scenarios[0])
    status, resource = result.claims
    assert status.expected == "allowed" and status.expected_label is None
    assert resource.expected_label == entry.title


def test_a_title_with_its_own_determiner_is_not_given_a_second_one(tmp_path):
    """A Mexico City consortium wrote its country's resource as "Mexico's national public AI
    compute": the key finding read "that of the Mexico's national public AI compute"."""
    block = (
        'reference mx_public {\n  title "Mexico\'s national public AI compute"\n'
        "  accelerator H100\n  count 5000\n  kind national_resource\n  region MX\n}\n"
    )
    path = tmp_path / "s.scn"
    path.write_text(_text("s", "MX") + block, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out), "--no-cache", "--samples", "0"]) == 0
    page = (out / "s.md").read_text(encoding="utf-8")
    assert "of that of Mexico's national public AI compute," in page
    assert "the Mexico's" not in page
    compared = _compared("DE")  # a catalog title without a determiner keeps its "the"
    path.write_text(_text("s", "DE"), encoding="utf-8")
    assert main(["build", str(path), "-o", str(out), "--no-cache", "--samples", "0"]) == 0
    assert f"that of the {compared.title}" in (out / "s.md").read_text(encoding="utf-8")
