"""`compare_with`: the analyst chooses what the headline compares a scenario with (a reference,
or a country or group of countries for its largest national research resource). Expected
references are found from the catalog here, never named."""

from __future__ import annotations

from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.catalog.jurisdictions import named_groups
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.names import iso_region_names

SCENARIO = """scenario s {{
  region {region}
  year 2025
{compare}
  cluster {{
    accelerator H100
    count 1000
  }}
}}
"""


def _text(region: str, compare: str | None) -> str:
    line = f"  compare_with {compare}" if compare is not None else ""
    return SCENARIO.format(region=region, compare=line)


def _peak(ref) -> float:
    catalog = load_catalog()
    return ref.count * catalog.accelerators[ref.accelerator].figures["bf16_dense"].value


def _national(countries) -> list:
    refs = load_catalog().references.values()
    return [r for r in refs if r.kind == "national_resource" and r.region in countries]


def _two_countries_with_resources() -> tuple[str, str]:
    countries = sorted({r.region for r in _national(iso_region_names())})
    return countries[0], countries[1]


def _result(text: str):
    return scendsl.evaluate(scendsl.load_text(text).scenarios[0])


def test_a_named_reference_is_the_one_compared_with():
    home, away = _two_countries_with_resources()
    # the smallest national resource of another country: neither the default nor the largest
    other = min(_national({away}), key=_peak)
    result = _result(_text(home, other.name))
    assert result["divide.public_resource"].value == other.name
    assert "compare_with" in result["divide.public_resource"].note
    ratio = result["divide.public_resource_ratio"].value
    assert ratio == pytest.approx(result["divide.peak"].value / _peak(other))


def test_a_reference_of_another_kind_is_refused_where_it_is_written():
    # The concentration rating reads the headline's ratio as one to a national resource.
    home, _ = _two_countries_with_resources()
    other = next(r for r in load_catalog().references.values() if r.kind != "national_resource")
    text = _text(home, other.name)
    with pytest.raises(scendsl.ScenarioError) as caught:
        scendsl.load_text(text)
    (diagnostic,) = caught.value.diagnostics
    assert "not a national research resource" in diagnostic.message
    line = text.splitlines().index(f"  compare_with {other.name}") + 1
    assert diagnostic.span.line == line


def test_a_country_stands_for_its_largest_national_resource():
    home, away = _two_countries_with_resources()
    expected = max(_national({away}), key=_peak)
    result = _result(_text(home, away))
    assert result["divide.public_resource"].value == expected.name
    assert result["divide.public_resource_peak"].value == pytest.approx(_peak(expected))


def test_a_group_of_countries_stands_for_its_members_largest_national_resource():
    members = named_groups()["EU"]
    expected = max(_national(set(members)), key=_peak)
    outside = next(c for c in ("KE", "BR", "NG") if c not in members)
    assert _result(_text(outside, "EU"))["divide.public_resource"].value == expected.name


def test_a_files_own_reference_block_may_be_named():
    block = (
        '\nreference local {\n  title "A local pool"\n  kind national_resource\n'
        '  region "KE"\n  accelerator H100\n  count 40\n}\n'
    )
    result = _result(_text("KE", "local") + block)
    assert result["divide.public_resource"].value == "local"
    assert result["divide.public_resource_peak"].value == pytest.approx(
        40 * load_catalog().accelerators["H100"].figures["bf16_dense"].value
    )


def test_without_compare_with_the_choice_is_unchanged():
    home, _ = _two_countries_with_resources()
    expected = max(_national({home}), key=_peak)
    result = _result(_text(home, None))
    assert result["divide.public_resource"].value == expected.name
    assert "compare_with" not in result["divide.public_resource"].note


def _error(text: str):
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    (diagnostic,) = caught.value.diagnostics
    return diagnostic


def test_a_misspelt_reference_is_located_and_fixed():
    name = next(iter(load_catalog().references))
    misspelt = name[:-1] + ("x" if name[-1] != "x" else "y")
    text = _text("KE", misspelt)
    diagnostic = _error(text)
    line = text.splitlines().index(f"  compare_with {misspelt}") + 1
    assert diagnostic.span.line == line
    assert diagnostic.span.col == len("  compare_with ") + 1
    assert misspelt in diagnostic.message
    assert diagnostic.fix == name


def test_a_country_written_by_its_name_is_told_its_code():
    home, away = _two_countries_with_resources()
    diagnostic = _error(_text(home, iso_region_names()[away].split(",")[0].replace(" ", "_")))
    assert f"'{away}'" in diagnostic.hint


def test_a_country_without_a_national_resource_is_told_how_to_add_one():
    without = next(c for c in ("KE", "BR", "NG", "AR") if not _national({c}))
    diagnostic = _error(_text("US", without))
    assert "no national research resource" in diagnostic.message
    assert f'region "{without}"' in diagnostic.hint


def test_the_headline_names_the_chosen_resource(tmp_path: Path):
    home, away = _two_countries_with_resources()
    expected = max(_national({away}), key=_peak)
    source = tmp_path / "s.scn"
    source.write_text(_text(home, away), encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    findings = page.split("> **Key findings**", 1)[1].split("\n\n", 1)[0]
    assert f"that of the {expected.title}, the largest national research resource of" in findings


def test_the_api_checks_compare_with_as_the_language_does():
    scenario = scendsl.load_text(_text("KE", None)).scenarios[0]
    home, _ = _two_countries_with_resources()
    assert scendsl.with_changes(scenario, compare_with=home).compare_with == home
    with pytest.raises(ScenarioError):
        scendsl.with_changes(scenario, compare_with="no_such_reference")


def _hover_at(tmp_path: Path, text: str, needle: str, line_of: str):
    from scendsl.lsp.hover import hover
    from scendsl.lsp.positions import Pos
    from scendsl.lsp.workspace import Workspace

    path = tmp_path / "s.scn"
    path.write_text(text, encoding="utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    lines = text.splitlines()
    line = next(i for i, written in enumerate(lines) if written.strip().startswith(line_of))
    found = hover(analysis, analysis.document, Pos(line, lines[line].index(needle) + 1))
    assert found is not None
    return found.markdown


def test_the_editor_names_the_resource_a_country_stands_for(tmp_path: Path):
    members = named_groups()["EU"]
    expected = max(_national(set(members)), key=_peak)
    text = _hover_at(tmp_path, _text("KE", "EU"), "EU", "compare_with")
    assert expected.title in text
    assert "compare\\_with EU" in text  # why it was chosen: the note, escaped for Markdown
    assert expected.source.split(" ")[0] in text


def test_the_editor_shows_a_files_reference_title_as_text(tmp_path: Path):
    block = (
        '\nreference local {\n  title "[pool](http://x.example) *fast*"\n'
        '  kind national_resource\n  region "KE"\n  accelerator H100\n  count 40\n'
        '  source "a ministry note"\n}\n'
    )
    text = _hover_at(tmp_path, _text("KE", "local") + block, "local", "compare_with")
    assert "\\[pool\\]" in text and "\\*fast\\*" in text  # never a link or emphasis
    assert "a ministry note" in text


def test_the_field_hover_says_the_default_and_the_current_choice(tmp_path: Path):
    home, _ = _two_countries_with_resources()
    expected = max(_national({home}), key=_peak)
    text = _hover_at(tmp_path, _text(home, home), "compare_with", "compare_with")
    assert "own country" in text  # the default, not "none"
    assert f"In `s`: **{expected.title}**" in text


def test_a_kept_choice_follows_the_scenario():
    """The choice is kept per catalog by compare_with, region and comparison precision for a
    scenario whose references are all the catalog's (divide._PUBLIC_RESOURCES); another region,
    another compare_with or a file's own reference is chosen again, as with nothing kept."""
    from scendsl.model.domains import divide

    home, away = _two_countries_with_resources()
    largest = max(_national({home}), key=_peak)
    own = (
        f'\nreference ours {{\n  title "Ours"\n  kind national_resource\n  region {home}\n'
        f"  accelerator {largest.accelerator}\n  count {largest.count * 2}\n"
        f'  source "s"\n}}\n'
    )
    first = _text(home, None)
    divide._PUBLIC_RESOURCES.clear()
    kept = _result(first)["divide.public_resource"]
    assert len(divide._PUBLIC_RESOURCES) == 1, "nothing was kept: the test would prove nothing"
    for second in (_text(away, None), _text(home, away), first + own):
        later = _result(second)["divide.public_resource"]
        assert later.value != kept.value, "the same choice: the test would prove nothing"
        divide._PUBLIC_RESOURCES.clear()
        assert _result(second)["divide.public_resource"] == later
        assert _result(first)["divide.public_resource"] == kept
    assert _result(first + own)["divide.public_resource"].value == "ours"
