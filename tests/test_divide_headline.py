"""The key finding's compute-divide comparison: a scenario is put beside its own country's
national resource when the catalog has one, else beside the largest reference of all. Expected
references are found from the catalog here, never named."""

from __future__ import annotations

from pathlib import Path

import pytest

from scendsl.catalog import load_catalog
from scendsl.cli import main
from scendsl.language.names import iso_region_names

SCENARIO = """scenario {name} {{
  region "{region}"
  year 2025
  cluster {{
    accelerator H100
    count 1000
  }}
  workload {{
    parameters 70B
    tokens 1T
  }}
}}
"""


def _peak(ref) -> float:
    catalog = load_catalog()
    return ref.count * catalog.accelerators[ref.accelerator].figures["bf16_dense"].value


def _national(country: str) -> list:
    refs = load_catalog().references.values()
    return [r for r in refs if r.region == country and r.kind == "national_resource"]


def _key_findings(tmp_path: Path, region: str) -> str:
    name = "s_" + region.replace("-", "_").lower()
    source = tmp_path / f"{name}.scn"
    source.write_text(SCENARIO.format(name=name, region=region), encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / f"{name}.md").read_text(encoding="utf-8")
    return page.split("> **Key findings**", 1)[1].split("\n\n", 1)[0]


def _countries_with_a_national_resource() -> list[str]:
    return sorted({r.region for r in load_catalog().references.values() if _national(r.region)})


@pytest.mark.parametrize("country", _countries_with_a_national_resource())
def test_a_scenario_is_compared_with_its_own_countrys_national_resource(tmp_path, country):
    expected = max(_national(country), key=_peak)
    assert f"times that of the {expected.title}" in _key_findings(tmp_path, country)


def test_a_state_is_compared_with_its_countrys_national_resource(tmp_path):
    """A subdivision ("US-TX") belongs to its country's resource."""
    codes = sorted(iso_region_names())
    state = next(
        code
        for country in _countries_with_a_national_resource()
        for code in codes
        if code.startswith(country + "-")
    )
    expected = max(_national(state.partition("-")[0]), key=_peak)
    assert f"times that of the {expected.title}" in _key_findings(tmp_path, state)


def test_a_country_without_its_own_resource_is_compared_with_the_largest(tmp_path):
    catalog = load_catalog()
    largest = max(catalog.references.values(), key=_peak)
    without = next(c for c in ("KE", "BR", "NG", "AR") if not _national(c))
    assert f"times that of the {largest.title}" in _key_findings(tmp_path, without)
