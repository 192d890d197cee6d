"""The key finding's compute-divide comparison: a scenario is put beside its own country's
national resource when the catalog has one, else beside the largest reference of all. Expected
references are found from the catalog here, never named."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from scendsl.catalog import load_catalog
from scendsl.catalog.grid import region_reading_name
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
    assert f"that of the {expected.title}" in _key_findings(tmp_path, country)


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
    assert f"that of the {expected.title}" in _key_findings(tmp_path, state)


def test_a_country_without_its_own_resource_is_compared_with_the_largest(tmp_path):
    catalog = load_catalog()
    national = [r for r in catalog.references.values() if r.kind == "national_resource"]
    largest = max(national, key=_peak)
    without = next(c for c in ("KE", "BR", "NG", "AR") if not _national(c))
    assert f"that of the {largest.title}" in _key_findings(tmp_path, without)


def _evaluated(region: str, extra: str = "", count: int = 1000, accelerator: str = "H100"):
    import scendsl

    name = "s_" + region.replace("-", "_").lower()
    text = SCENARIO.format(name=name, region=region).replace("count 1000", f"count {count}")
    text = text.replace("accelerator H100", f"accelerator {accelerator}")
    return scendsl.evaluate(scendsl.load_text(text + extra).scenarios[0])


def test_the_model_names_the_resource_it_compares_with_and_says_why():
    country = _countries_with_a_national_resource()[0]
    expected = max(_national(country), key=_peak)
    result = _evaluated(country)
    chosen = result["divide.public_resource"]
    assert chosen.value == expected.name
    assert chosen.origin == f"catalog references.{expected.name}"
    assert result["divide.public_resource_peak"].value == pytest.approx(_peak(expected))
    ratio = result["divide.public_resource_ratio"].value
    assert ratio == pytest.approx(result["divide.peak"].value / _peak(expected))


def test_a_scenario_block_replacing_a_national_resource_takes_it_out_of_the_comparison():
    """A block with a catalog entry's name replaces the entry, and a block has no country."""
    country = _countries_with_a_national_resource()[0]
    own = max(_national(country), key=_peak)
    block = f'\nreference {own.name} {{\n  title "x"\n  accelerator H100\n  count 10\n}}\n'
    chosen = _evaluated(country, block)["divide.public_resource"].value
    assert chosen != own.name


def test_the_concentration_risk_is_rated_against_the_compared_resource():
    """Twelve times the smallest national resource is 'medium' in its own country (ten times
    the compared resource is the threshold) and, where the largest is compared, what the ratio to
    the largest says."""
    catalog = load_catalog()
    national = [r for r in catalog.references.values() if r.kind == "national_resource"]
    smallest, largest = min(national, key=_peak), max(national, key=_peak)
    # The chip with the most dense BF16 per accelerator keeps the cluster's market share small.
    chip = max(catalog.accelerators.values(), key=lambda a: a.figures["bf16_dense"].value)
    count = math.ceil(12 * _peak(smallest) / chip.figures["bf16_dense"].value)
    at_home = _evaluated(smallest.region, count=count, accelerator=chip.name)
    assert at_home["market.share_of_global_market"].value < 0.02  # the market rules stay quiet
    assert at_home["divide.public_resource"].value == smallest.name
    assert at_home["risk.concentration"].value == "medium"
    without = next(c for c in ("KE", "BR", "NG", "AR") if not _national(c))
    elsewhere = _evaluated(without, count=count, accelerator=chip.name)
    expected = "medium" if 12 * _peak(smallest) >= 10 * _peak(largest) else "low"
    assert elsewhere["risk.concentration"].value == expected


OWN_RESOURCE = """
reference local_pool {{
  title "A local public pool"
  accelerator H100
  count 200
  kind national_resource
  region "{region}"
}}
"""


@pytest.mark.parametrize(("country", "written"), [("KE", "KE"), ("AU", "AU-TAS")])
def test_an_analysts_own_national_resource_is_what_its_countrys_scenarios_are_compared_with(
    country, written
):
    """A country the catalog has no resource for: the analyst writes one, with its country (a
    subdivision stands for its country), and the key finding and the risk use it."""
    if _national(country) or written not in iso_region_names():
        pytest.skip(f"the catalog has a resource for {country} or does not accept {written}")
    result = _evaluated(country, OWN_RESOURCE.format(region=written))
    assert result["divide.public_resource"].value == "local_pool"
    place = region_reading_name(country)
    assert f"the national research resource of {place}" in result["divide.public_resource"].note
    assert result["divide.public_resource_ratio"].value == pytest.approx(5.0)  # 1,000 / 200


def test_an_analysts_resource_of_another_country_is_only_a_row(tmp_path):
    result = _evaluated("KE", OWN_RESOURCE.format(region="TZ"))
    assert result["divide.public_resource"].value != "local_pool"
    assert "divide.local_pool.compute_ratio" in result.metrics


@pytest.mark.parametrize(
    ("line", "message"),
    [("kind national", "national_resource"), ('region "XX"', "unknown region")],
)
def test_a_wrong_kind_or_region_in_a_reference_block_is_a_located_error(
    tmp_path, capsys, line, message
):
    block = "reference p {\n  accelerator H100\n  count 5\n  " + line + "\n}\n"
    text = SCENARIO.format(name="s", region="KE") + block
    source = tmp_path / "p.scn"
    source.write_text(text, encoding="utf-8")
    assert main(["check", str(source)]) == 1
    err = capsys.readouterr().err
    row = text.splitlines().index("  " + line) + 1
    assert f"p.scn:{row}:" in err and message in err and "internal error" not in err


@pytest.mark.parametrize("count", [10, 1_000_000])
def test_the_comparison_reads_as_a_share_below_the_resource_and_as_times_above(tmp_path, count):
    """A cluster smaller than the resource is told as a share of its peak ("4.21% of that of"),
    a larger one as a multiple ("50.5 times that of")."""
    text = SCENARIO.format(name="sized", region="KE").replace("count 1000", f"count {count}")
    source = tmp_path / "sized.scn"
    source.write_text(text, encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "sized.md").read_text(encoding="utf-8")
    findings = page.split("> **Key findings**", 1)[1].split("\n\n", 1)[0]
    sentence = next(line for line in findings.splitlines() if "that of the" in line)
    phrase = sentence.split("its peak is ", 1)[1].split(" that of the", 1)[0]
    if count < 1000:
        assert re.fullmatch(r"[0-9.]+% of", phrase), sentence
    else:
        assert re.fullmatch(r"[0-9.,]+ times", phrase), sentence


def test_the_compute_divide_page_gives_every_reference_in_tables_a_screen_wide(tmp_path):
    """Each reference is a ratio column once; no table has more than five of them (a column for
    each of a dozen references was wider than a desktop screen's column)."""
    source = tmp_path / "s.scn"
    source.write_text(SCENARIO.format(name="s", region="KE"), encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "compute-divide.md").read_text(encoding="utf-8")
    section = page.split("## How many times each reference", 1)[1].split("\n## ", 1)[0]
    headers = [line for line in section.splitlines() if line.startswith("| Scenario |")]
    ratios = [cell.strip() for line in headers for cell in line.split("|") if "÷" in cell]
    titles = [f"÷ {reference.title}" for reference in load_catalog().references.values()]
    assert sorted(ratios) == sorted(titles)
    assert all(line.count("÷") <= 5 for line in headers)
    assert len(headers) == -(-len(titles) // 5)


UNPRICED_REFERENCE = """accelerator kylin {
  bf16_dense     300 TFLOPS
  hbm            64 GB
  hbm_bandwidth  2 TB/s
  tdp            400 W
  subject_to     KE
}

reference kenya_pool {
  title        "National AI compute pool"
  accelerator  kylin
  count        100
  kind         national_resource
  region       "KE"
}

scenario kenya_national {
  year    2026
  region  KE
  cluster {
    accelerator H100
    count       2000
  }
}
"""


def test_a_cluster_larger_than_an_unpriced_reference_says_what_its_accelerators_cost(tmp_path):
    """'this cluster's: $X' answers 'matching it would cost $Y': beside a reference that cannot
    be priced (an accelerator without a price) the clause is missing, and the sentence says what
    this cluster's accelerators cost instead of leaving "this cluster's:" without its pair."""
    source = tmp_path / "kenya.scn"
    source.write_text(UNPRICED_REFERENCE, encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "kenya_national.md").read_text(encoding="utf-8")
    findings = page.split("> **Key findings**", 1)[1].split("\n\n", 1)[0]
    sentence = next(line for line in findings.splitlines() if "National AI compute pool" in line)
    assert "times that of the National AI compute pool" in sentence  # the larger-than branch
    assert "matching it would cost" not in sentence
    assert "(this cluster's:" not in sentence
    assert "(this cluster's accelerators cost $" in sentence
