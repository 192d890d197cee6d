"""`scendsl build`: pages, determinism, atomic writes, --check, escaping, the template sandbox,
and the risk register's rules."""

from __future__ import annotations

import errno
import itertools
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, SKETCH
from factories import scenario_text
from scendsl.app.build import build, render_files
from scendsl.catalog import load_catalog
from scendsl.errors import ScenarioError
from scendsl.files import output as files_output
from scendsl.model.risk import (
    RiskRulesError,
    assess_one,
    load_rules,
    parse_rules,
    rule_problems,
)
from scendsl.report import views as views_module
from scendsl.report.loader import builtin_templates_dir
from scendsl.report.render import md_escape

TOPICAL = ["index", "landscape", "compute-divide", "energy", "risk"]

EVIL = r"""
scenario evil {
  title     "<script>alert(1)</script> \"><img src=x onerror=alert(1)> [x](javascript:alert(1))"
  operator  "[x](javascript:alert(1)) <b onmouseover=alert(1)>"
  year      2026
  region    US
  source    "\"><img src=x onerror=alert(1)> <script>alert(1)</script> [x](javascript:alert(1))"
  cluster {
    accelerator GB200
    count 1k
    mfu 40%
  }
  workload {
    parameters 7B
    tokens 1T
  }
  expect energy.facility_power >= 1 MW "QUOTE"
}

reference evil_ref {
  title "<script>alert(1)</script> [x](javascript:alert(1)) $\\alpha$"
  accelerator H100
  count 10
  source "\"><img src=x onerror=alert(1)>"
}
""".replace(
    "QUOTE",
    r"<script>alert(1)</script> [x](javascript:alert(1)) \"><img src=x "
    r"onerror=alert(1)> | `tick` *star* _u_ $x$",
)


@pytest.fixture(scope="module")
def sketch_files() -> dict[str, bytes]:
    """The language sketch's briefings, rendered once for the tests that only read them."""
    return render_files([str(SKETCH)])


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------------ pages
def test_every_page_in_both_formats(sketch_files):
    scenarios = ["colossus2", "colossus2_h100", "colossus2_uncertain"]
    expected = {f"{page}.{ext}" for page in TOPICAL + scenarios for ext in ("md", "html")}
    assert set(sketch_files) == expected  # sweep variants get no page of their own


def test_sweep_is_a_table_and_a_chart_in_its_base_briefing(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    section = md[md.index("## Sweep colossus2\\_buildout") : md.index("## Claims checked")]
    # The main table; the figures the base's claims name follow in a table of their own.
    main = section.split("claims name, by variant:")[0]
    rows = [line for line in main.splitlines() if re.match(r"\| 20\d\d \|", line)]
    assert len(rows) == 4 * 3  # years 2025..2028 × three counts
    html = sketch_files["colossus2.html"].decode()
    label = "Purchase price of the cluster&#x27;s accelerators — sweep colossus2_buildout"
    assert f'aria-label="{label}"' in html


def test_briefing_starts_with_findings_and_has_every_section(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == [
        "Compute and performance",
        "Compute divide",
        "Energy",
        "Market",
        "Risk",
        "Sweep colossus2\\_buildout",
        "Claims checked",
        "Assumptions",
        "Sources",
    ]
    bullets = _block(md, "Key findings")
    assert 3 <= len(bullets) <= 5
    assert all(re.search(r"\d", bullet) for bullet in bullets)  # every finding has its numbers


def test_numbers_use_the_one_formatting(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    # 100k GB200 × 5 PFLOP/s dense FP8 = 500 EFLOP/s; 100k × $30k (the scenario's price) = $3 B
    peak = "Dense FP8 peak of the whole cluster (the BF16 rate on a chip without FP8)"
    assert f"| {peak} | 500 EFLOP/s | `cluster.peak_fp8` |" in md
    assert "| Purchase price of the cluster's accelerators | $3 B | `market.capex` |" in md


def test_every_number_in_html_expands_to_its_derivation(sketch_files):
    html = sketch_files["colossus2.html"].decode()
    blocks = re.findall(r'<details class="num"><summary>500 EFLOP/s</summary>(.*?)</details>', html)
    derivation = next(b for b in blocks if "<code>cluster.peak_fp8</code> =" in b)
    assert "= cluster.count × performance.fp8_per_accelerator" in derivation
    assert "cluster.count" in derivation and "performance.fp8_per_accelerator" in derivation
    assert "source:" in derivation  # the inputs' sources, with their confidence codes


def test_claims_table_has_quote_value_verdict_and_margin(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    row = next(
        line
        for line in md.splitlines()
        if line.startswith("| ") and "expected to consume over 500 MW" in line
    )
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # facility power: 100k × 1,667 W × (1 + 7.5%) × PUE 1.25 = 224 MW < 500 MW: the claim fails
    assert cells[2:] == ["`energy.facility_power`", "≥ 500 MW", "224 MW", "**fails**", "−55%"]


# --------------------------------------------------------------------------------- caveats
CAVEATS = """
scenario early {
  title "GB200 bought in 2024"
  year 2024
  region US
  cluster {
    accelerator GB200
    count 1k
  }
  market {
    price_series article
  }
}

scenario late extends early {
  title "GB200 bought in 2028"
  year 2028
}

scenario hopper {
  title "H100 bought in 2024"
  year 2024
  region FR
  cluster {
    accelerator H100
    count 1k
  }
  market {
    rental_price 2 USD/hour
  }
}

scenario frontier {
  title "GB200 frontier cluster in 2026"
  year 2026
  region US
  cluster {
    accelerator GB200
    count 100k
  }
  market {
    price_series article
  }
}

sweep frontier_years from frontier {
  year 2026 .. 2028
}
"""


@pytest.fixture(scope="module")
def caveat_files(tmp_path_factory) -> dict[str, bytes]:
    scenario = tmp_path_factory.mktemp("caveats") / "caveats.scn"
    scenario.write_text(CAVEATS, encoding="utf-8")
    return render_files([str(scenario)], samples=0)


def _block(md: str, heading: str) -> list[str]:
    """The bullets of a `> **heading**` box."""
    lines = md.splitlines()
    start = lines.index(f"> **{heading}**")
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith(">"):
            break
        block.append(line)
    return [line for line in block if line.startswith("> - ")]


def test_hardware_not_yet_shipping_is_the_first_finding(caveat_files):
    # catalog accelerators.toml: GB200 available_year = 2025
    early = caveat_files["early.md"].decode()
    assert _block(early, "Key findings")[0] == (
        "> - **GB200 is not available in volume until 2025**: this 2024 scenario forecasts "
        "hardware that is not yet shipping."
    )
    for shipping in ("late.md", "hopper.md"):  # GB200 in 2028; H100 (available 2024) in 2024
        assert "not available in volume until" not in caveat_files[shipping].decode()


def test_extrapolated_figures_are_listed_right_after_the_findings(caveat_files):
    late = caveat_files["late.md"].decode()
    lines = late.splitlines()
    # The box comes right after the key findings, before the first section.
    findings_end = lines.index("> **Key findings**") + 2 + len(_block(late, "Key findings"))
    assert lines[findings_end : findings_end + 2] == [
        "",
        "> **Caveats: figures from outside the data**",
    ]
    assert late.index("**Caveats") < late.index("## Compute and performance")
    caveats = _block(late, "Caveats: figures from outside the data")
    # The article's GB200 prices stop at 2026 ($20k): 2028 uses the 2026 figure.
    price = next(line for line in caveats if "`market.unit_price`" in line)
    assert price == (
        "> - Price of one accelerator in the scenario year (`market.unit_price`) is "
        "$20 k, the 2026 figure (there is none for 2028). The forecast of the AINews deep dive "
        "on GB200 and Colossus2, '(est.)' …"
    )
    market = next(line for line in caveats if "`market.global_market`" in line)
    assert "the 2026 figure (there is none for 2028)" in market
    # The references' prices are one line for each accelerator they use, however many share it
    # (an accelerator without a price has no price to stand in).
    catalog = load_catalog()
    used = Counter(
        ref.accelerator
        for ref in catalog.references.values()
        if catalog.accelerators[ref.accelerator].price
    )
    references = [line for line in caveats if "reference." in line]
    assert len(references) == len(used)
    # Each says which references, by their accelerator, as the reference table names it.
    h100 = next(line for line in references if "on H100" in line)
    assert f"of the {used['H100']} references on H100 in the scenario year" in h100
    assert "(`reference.*.unit_price`)" in h100
    assert "the 2024 figure (there is none for 2028)" in h100
    single = [accelerator for accelerator, count in used.items() if count == 1]
    assert single, "the catalog has an accelerator used by one reference"
    assert any("of the reference on " in line for line in references)
    # In the HTML, the value opens to its derivation like every figure.
    html = caveat_files["late.html"].decode()
    assert "Caveats: figures from outside the data" in html
    assert re.search(r'<details class="num"><summary>\$20 k</summary>', html)


def test_a_sweeps_extrapolated_variants_are_listed_in_the_base_briefing(caveat_files):
    frontier = caveat_files["frontier.md"].decode()  # 2026: the market figures are data
    caveats = _block(frontier, "Caveats: figures from outside the data")
    assert not any(line.startswith("> - Price of one accelerator in") for line in caveats)
    # ... but its sweep's 2027 and 2028 variants use the 2026 figures.
    price = next(line for line in caveats if "`market.unit_price`" in line)
    assert price.startswith(
        "> - In sweep `frontier_years` at year 2027, 2028: Price of one "
        "accelerator in the scenario year (`market.unit_price`) is $20 k, "
        "the 2026 figure (there is none for 2027, 2028)."
    )
    # The H100 references' 2024 price stands in for 2026 in the scenario and for 2027-2028 in
    # the sweep: one line, with every year that has no figure.
    used = Counter(ref.accelerator for ref in load_catalog().references.values())
    references = [line for line in caveats if "reference." in line]
    h100 = [line for line in references if f"{used['H100']} references" in line]
    assert len(h100) == 1
    assert "the 2024 figure (there is none for 2026, 2027, 2028)" in h100[0]
    assert "frontier\\_years" not in caveat_files["early.md"].decode()  # not its base


def test_a_sweeps_stand_in_dated_in_each_variants_year_is_one_caveat(tmp_path):
    """The export status past the catalog's date is applied on 1 July of each variant's year:
    a sweep over years listed it, and the rule that decides it, once a year with only the date
    changed (the Paris trial's 2027-2030 ramp: six lines). The note says its rule for the date,
    so the variants' caveats are one without rewriting."""
    last = load_catalog().country_groups.as_of.year
    path = tmp_path / "ramp.scn"
    path.write_text(
        "scenario ramp {\n  year "
        f"{last + 1}\n  region FR\n\n  cluster {{\n    accelerator GB300\n    count 1k\n"
        f"  }}\n}}\n\nsweep ramp_years from ramp {{\n  year {last + 1} .. {last + 3}\n}}\n",
        encoding="utf-8",
    )
    page = render_files([str(path)], samples=0)["ramp.md"].decode()
    caveats = _block(page, "Caveats: figures from outside the data")
    for name in ("export.status", "export.rule"):
        # The variants' rows are the scenario's own: one line for every year.
        lines = [line for line in caveats if f"(`{name}`)" in line]
        assert len(lines) == 1, lines
        assert "applied to 1 July of the scenario's year" in lines[0]
        assert not re.search(rf"{last + 2}-07-01", lines[0])
        assert f"(for {last + 1}, {last + 2}, {last + 3})" in lines[0]


def test_a_scenario_within_the_data_has_no_caveats(caveat_files):
    # H100, 2024, France: accelerator prices, grid intensity and industrial price all of 2024
    # (the US industrial price stops at 2023, so a US site would be extrapolated). Only the
    # electricity generated per person (Our World in Data), per household (IEA end uses) and the
    # country's demand (Our World in Data) stop at 2023, and its greenhouse-gas emissions
    # (Climate Watch) at 2018: those four caveats, the comparisons' figures; and a reference's
    # accelerator whose prices stop before 2024 (read from the catalog), one line each.
    hopper = caveat_files["hopper.md"].decode()
    caveats = _block(hopper, "Caveats: figures from outside the data")
    catalog = load_catalog()
    stale = {
        ref.accelerator
        for ref in catalog.references.values()
        if (price := catalog.accelerators[ref.accelerator].price) and 2024 not in price
    }
    assert len(caveats) == 4 + len(stale)
    assert "`energy.household_annual_energy`" in caveats[0]
    assert "`energy.per_capita_electricity`" in caveats[1]
    assert "`energy.national_demand`" in caveats[2]
    assert "`energy.national_emissions`" in caveats[3] and "the 2018 figure" in caveats[3]
    assert all("`reference.*.unit_price`" in line for line in caveats[4:])


def test_risk_driver_value_is_the_value_the_deciding_rule_tests(sketch_files):
    import scendsl
    from scendsl.model.evaluate import evaluate
    from scendsl.report.numbers import format_value

    scenarios = scendsl.load(str(SKETCH))
    checked = set()
    for name in ("colossus2", "colossus2_h100", "colossus2_uncertain"):
        result = evaluate(scenarios.get(name))
        md = sketch_files[f"{name}.md"].decode()
        register = md[md.index("## Risk") : md.index("### Export control")]
        for row in re.findall(
            r"^\| ([A-Za-z ]+) \| \*\*\w+\*\* \| (.*?) \| `(.*?)` \|", register, flags=re.M
        ):
            title, shown, rule = row
            if rule == "otherwise":  # the catch-all rule tests nothing
                continue
            metric = rule.split(" ")[0]
            node = result.metrics.get(metric) or result.inputs[metric]
            value = format_value(
                node.value, node.dimension, "bool" if isinstance(node.value, bool) else "number"
            )
            assert shown.split(" (")[0] == value, (name, title, rule, shown)
            checked.add(title)
    assert "Concentration" in checked


def test_concentration_shows_the_compute_ratio_when_that_rule_decides(caveat_files):
    md = caveat_files["frontier.md"].decode()
    # 100k GB200 at the catalog's 2026 price of $20k: $2 B of a $120 B market = 1.67% < 2%, so
    # the market-share rules do not apply; 100k × 5 PFLOP/s = 500 EFLOP/s is ~50 times the
    # NAIRR pilot, the US site's own national resource (≥ 10): medium, decided by the compute
    # ratio, which is the value shown.
    row = next(line for line in md.splitlines() if line.startswith("| Concentration |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:4] == ["**medium**", cells[2], "`divide.public_resource_ratio ≥ 10`"]
    nairr = next(
        line for line in md.splitlines() if line.startswith("| US National AI Research Resource")
    )
    ratio = [cell.strip() for cell in nairr.strip("|").split("|")][3]
    assert cells[2] == ratio and 10 <= float(ratio) < 100
    # not what decided the rating (marked as an upper bound: the catalog's market is below
    # NVIDIA's reported data-centre revenue)
    share = next(
        line for line in md.splitlines() if line.endswith("`market.share_of_global_market` |")
    )
    assert "| 1.67% ⚠ W" in share
    risk = caveat_files["risk.md"].decode()
    section = risk[risk.index("## Concentration") :]
    line = next(row for row in section.splitlines() if "(frontier.md)" in row)
    assert line.startswith(f"| [GB200 frontier cluster in 2026](frontier.md) | {ratio} |")


# ------------------------------------------------------------------------------ uncertainty
RANGED = """
scenario ranged {
  title "Ranged"
  year 2026
  region US
  cluster {
    accelerator GB200
    count 100k
    mfu 40%
  }
  energy {
    mix grid 100%
    pue 1.25 ± 10%
  }
  expect energy.facility_power >= 224 MW "about half the time"
  expect energy.facility_power >= 201.6 MW "nearly always"
  expect energy.facility_power <= 100 MW "never"
}
"""
# Hand calculation. IT power = 100k × 1,667 W × (1 + 7.5%) = 179.17 MW; facility = IT × PUE.
# `1.25 ± 10%` is normal with the ± as the 90 % half-width: σ = 0.125 / 1.6449 = 0.07599, so
# PUE P5 = 1.125 and P95 = 1.375: facility power P5 = 201.6 MW, P95 = 246.4 MW.
IT_POWER, PUE_SIGMA = 100_000 * (120e3 / 72) * 1.075, 0.125 / 1.6449


def _normal_above(x: float, mean: float, sigma: float) -> float:
    import math

    return 0.5 * math.erfc((x - mean) / sigma / math.sqrt(2))


@pytest.fixture(scope="module")
def ranged_files(tmp_path_factory) -> dict[str, bytes]:
    scenario = tmp_path_factory.mktemp("ranged") / "ranged.scn"
    scenario.write_text(RANGED, encoding="utf-8")
    return render_files([str(scenario)])


def _row(md: str, start: str) -> list[str]:
    line = next(line for line in md.splitlines() if line.startswith(start))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_a_figure_that_moves_with_the_ranges_shows_its_90_percent_interval(ranged_files):
    md = ranged_files["ranged.md"].decode()
    value = _row(md, "| Power the site draws from the grid at rated load |")[1]
    centre, low, high = _numbers(value)
    assert re.fullmatch(r"224 MW \(\d+–\d+ MW\)", value)
    assert centre == 224
    assert abs(low - IT_POWER * 1.125 / 1e6) <= 1.5  # 201.6 MW, sampled (± sampling noise)
    assert abs(high - IT_POWER * 1.375 / 1e6) <= 1.5  # 246.4 MW
    # A figure the range does not reach (IT power does not depend on the PUE) shows none.
    assert _row(md, "| Rated power of the accelerators")[1] == "179 MW"
    # The input itself: the written range, as the law's exact percentiles.
    assumptions = md[md.index("## Assumptions") :]
    assert (
        _row(
            assumptions, "| Power usage effectiveness: facility power ÷ IT power (`energy.pue`) |"
        )[1]
        == "1.25 (1.12–1.38)"
    )


def test_each_claim_says_in_how_many_samples_it_holds(ranged_files):
    md = ranged_files["ranged.md"].decode()
    header = _row(md, "| # | Claim |")
    assert header[-1] == "Under the ranges"
    half = _row(md, "| 1 | “about half the time” |")
    nearly = _row(md, "| 2 | “nearly always” |")
    never = _row(md, "| 3 | “never” |")
    # P(PUE ≥ 224 MW / IT) with PUE ~ N(1.25, 0.076): 49.9 %; P(PUE ≥ 201.6 MW / IT): 95.0 %.
    expected_half = _normal_above(224e6 / IT_POWER, 1.25, PUE_SIGMA)
    expected_nearly = _normal_above(201.6e6 / IT_POWER, 1.25, PUE_SIGMA)
    for row, expected in ((half, expected_half), (nearly, expected_nearly)):
        shown = re.fullmatch(r"holds in (\d+)% of samples", row[-1])
        assert shown and abs(int(shown.group(1)) - expected * 100) <= 2, (row, expected)
    assert never[-1] == "holds in 0% of samples" and never[-3] == "**fails**"


def test_key_findings_give_the_headline_range_and_the_failing_claims_chances(ranged_files):
    md = ranged_files["ranged.md"].decode()
    findings = md[md.index("> **Key findings**") : md.index("## Compute and performance")]
    ranges = next(line for line in findings.splitlines() if "Monte Carlo samples" in line)
    assert "`energy.pue` 1.25 ± 10%" in ranges and "10,000 Monte Carlo samples" in ranges
    low, high = _numbers(ranges[ranges.index("facility power between") :])[:2]
    assert abs(low - 201.6) <= 1.5 and abs(high - 246.4) <= 1.5
    claims = next(line for line in findings.splitlines() if "claims checked" in line)
    assert "Of 3 claims checked, 2 hold and 1 fails" in claims
    assert "the source says “never”" in claims and "the claim holds in 0% of samples" in claims
    assert re.search(r"“about half the time” holds in \d+% of samples", claims)


def test_uncertainty_section_has_intervals_tornado_and_swing_table(ranged_files):
    md = ranged_files["ranged.md"].decode()
    section = md[md.index("## Uncertainty and sensitivity") : md.index("## Claims checked")]
    law = _row(section, "| Power usage effectiveness")
    assert law[1:] == ["1.25 ± 10%", "normal", "1.12", "1.25", "1.38"]
    headline = _row(section, "| Facility power (`energy.facility_power`) |")
    assert headline[1] == "224 MW"
    # The swing: PUE alone at its P5 and P95 (1.125, 1.375) times the IT power, exactly.
    swing = _row(section, "| Facility power | `energy.pue` |")
    assert swing[2] == "1.12 → 1.38"
    assert swing[3:5] == ["202 MW", "246 MW"]  # 179.17 MW × 1.125 = 201.6; × 1.375 = 246.4
    assert swing[5] == "+1.00"  # facility power rises with the PUE, sample by sample
    html = ranged_files["ranged.html"].decode()
    assert 'aria-label="What moves the headline figures' in html  # the tornado chart
    assert 'aria-label="Headline figures over 10,000 samples' in html  # the interval chart
    assert '<span class="range"' in html


def test_a_scenario_without_ranges_shows_no_uncertainty(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    html = sketch_files["colossus2.html"].decode()
    assert "Uncertainty and sensitivity" not in md and "Under the ranges" not in md
    assert "of samples" not in md and "Monte Carlo" not in md
    assert not re.search(r"\(\d[\d.,]*–\d", md)  # no interval next to any figure
    assert 'class="range"' not in html and "What moves the headline figures" not in html
    # ... while its uncertain sibling in the same file does.
    assert "## Uncertainty and sensitivity" in sketch_files["colossus2_uncertain.md"].decode()


def test_without_samples_there_is_no_monte_carlo(ranged_files, tmp_path):
    scenario = tmp_path / "ranged.scn"
    scenario.write_text(RANGED, encoding="utf-8")
    md = render_files([str(scenario)], samples=0)["ranged.md"].decode()
    assert "Uncertainty and sensitivity" not in md
    assert not re.search(r"224 MW \(\d", md)  # no interval next to the power
    other_seed = render_files([str(scenario)], samples=2_000, seed=7)["ranged.md"].decode()
    assert "90% of 2,000 Monte Carlo samples" in other_seed and "(seed 7)" in other_seed


@pytest.mark.parametrize(
    "low, high, dimension, text",
    [
        (201.4e6, 246.4e6, "power", "201–246 MW"),
        (475e6, 582e6, "mass", "475–582 kt CO2"),
        (0.3, 0.45, "fraction", "30%–45%"),
        (999e6, 1.2e9, "power", "999 MW – 1.2 GW"),
        (1.25e9, 2.5e9, "currency", "$1.25–$2.5 B"),
        (50_000, 100_000, "number", "50,000–100,000"),
        (-3e6, 2e6, "power", "-3 MW to 2 MW"),
        (224.1e6, 224.2e6, "power", ""),  # reads the same at three digits: not shown
    ],
)
def test_interval_text(low, high, dimension, text):
    assert views_module.interval_text(low, high, dimension) == text


@pytest.mark.parametrize(
    "share, text",
    [
        (0.0, "0%"),
        (1.0, "100%"),
        (0.004, "under 1%"),
        (0.996, "over 99%"),
        (0.734, "73%"),
        (0.5, "50%"),
    ],
)
def test_share_of_samples(share, text):
    assert views_module.share_text(share) == text


def svg_texts(svg: str) -> list[tuple[float, float, str, float, str]]:
    """Every text of a chart: (x, y, anchor, font size, text as shown), in drawing order."""
    import html

    texts = []
    for attributes, text in re.findall(r"<text ([^>]*)>([^<]*)</text>", svg):
        style = re.search(r'style="([^"]*)"', attributes).group(1)
        size = float(re.search(r"font-size: ([\d.]+)px", style).group(1))
        anchored = re.search(r"text-anchor: (\w+)", style)
        anchor = anchored.group(1) if anchored else "start"  # a wrapped line is placed left
        # A one-line text is placed by x and y; a line of a wrapped one by its transform.
        moved = re.search(r'transform="translate\(([-\d.]+) ([-\d.]+)\)"', attributes)
        if moved:
            x, y = float(moved.group(1)), float(moved.group(2))
        else:
            x = float(re.search(r'\bx="([-\d.]+)"', attributes).group(1))
            y = float(re.search(r'\by="([-\d.]+)"', attributes).group(1))
        texts.append((x, y, anchor, size, html.unescape(text)))
    return texts


def test_tornado_puts_the_largest_swing_on_top():
    from scendsl.report import charts

    svg = charts.tornado(
        [
            ("Power", "energy.pue", 100.0, 90.0, 110.0, "power"),
            ("Time", "cluster.mfu", 10.0, 13.0, 7.0, "time"),
            ("Capex", "cluster.count", 5.0, 5.0, 5.0, "currency"),
        ],
        "t",
    )
    rows = sorted(
        (y, text)
        for _x, y, anchor, _size, text in svg_texts(svg)
        if anchor == "end" and "←" in text
    )
    # Time swings ±30 % of its baseline, power ±10 %; capex does not move and gets no bar.
    assert [text for _y, text in rows] == ["Time ← cluster.mfu", "Power ← energy.pue"]


def test_log_axis_labels_do_not_overlap(sketch_files):
    """The compute charts' decade labels ("100 PFLOP/s") are spaced wider than they are."""
    from scendsl.report.chart_kit import _LABEL
    from scendsl.report.charts import compute_bars

    pages = [
        sketch_files["colossus2.html"].decode(),
        sketch_files["compute-divide.html"].decode(),
        compute_bars([("a", 1e15, True), ("b", 1e23, False)]),
    ]
    for page in pages:
        svg = re.search(r"<svg[^>]*Peak compute.*?</svg>", page, flags=re.S).group(0)
        ticks = [
            (x, text)
            for x, _y, anchor, size, text in svg_texts(svg)
            if anchor == "middle" and size == _LABEL and text.endswith("FLOP/s")
        ]
        assert len(ticks) >= 2
        assert ticks[0][0] >= len(ticks[0][1]) / 2 * _LABEL * 0.62  # the first is not cut off
        for (x1, label1), (x2, label2) in itertools.pairwise(ticks):
            # DejaVu Sans: at most 0.62 em a character, even for capitals
            half_widths = (len(label1) + len(label2)) / 2 * _LABEL * 0.62
            assert x2 - x1 > half_widths, (label1, label2)


def test_a_bar_at_a_power_of_ten_is_drawn():
    from scendsl.report.charts import compute_bars

    svg = compute_bars([("a", 1e18, True)])
    # The axis starts a decade below 1 EFLOP/s: the bar is a decade long, not empty.
    bar = re.search(r'<path d="M ([\d.]+) [\d.]+ \nL ([\d.]+) [\d.]+ [^"]*"[^>]*#0072b2', svg)
    assert bar and float(bar.group(2)) - float(bar.group(1)) > 50


def test_charts_are_deterministic_and_two_charts_share_no_id():
    from scendsl.report import charts

    bars = [("Cluster", 5e20, True), ("Reference", 1e19, False)]
    one = charts.compute_bars(bars)
    assert one == charts.compute_bars(bars)
    svgs = [
        one,
        charts.compute_bars(bars[:1]),
        charts.intervals([("Power", 2e8, 2.24e8, 2.46e8, 2.24e8, "power")], "t"),
        charts.tornado([("Power", "energy.pue", 2.24e8, 2e8, 2.46e8, "power")], "t"),
        charts.trajectory(
            [("a", [(2025, 1.0), (2026, 2.0)]), ("b", [(2025, 2.0)])], "number", "year", "t"
        ),
    ]
    seen: set[str] = set()
    for svg in svgs:
        assert svg.startswith("<svg") and "<title>" in svg
        assert "<metadata" not in svg and "Date" not in svg and "<style" not in svg
        assert not re.search(r"\d\.\d{3,}", svg)  # coordinates rounded to 0.01 pt
        ids = set(re.findall(r'\sid="([^"]+)"', svg))
        assert ids == set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))  # only those used
        assert not ids & seen  # the hash salt is the chart's own
        seen |= ids


def test_charts_use_matplotlib_lazily_without_pyplot_or_global_settings():
    code = """
import sys
import scendsl.app.build, scendsl.report.charts as charts
assert "matplotlib" not in sys.modules  # nothing imports it before a chart is drawn
svg = charts.compute_bars([("a", 1e18, True)])
import matplotlib
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams["svg.hashsalt"] is None  # settings were for the chart only
assert matplotlib.rcParams["svg.fonttype"] == "path"
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_chart_labels_are_shown_as_written():
    from scendsl.report import charts

    label = r"$\alpha$ cost $5 back\slash <b>&"
    svg = charts.compute_bars([(label, 1e18, True)])
    # No mathtext, nothing lost (a long label wraps onto two lines).
    assert label in " ".join(text for *_rest, text in svg_texts(svg))
    assert "<b>" not in svg


def test_html_is_self_contained_and_printable(sketch_files):
    html = sketch_files["colossus2.html"].decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "default-src 'none'" in html  # nothing can be fetched, no script can run
    assert "@media print" in html and "max-width" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r'\s(src|href)="(https?:)?//', html)
    links = set(re.findall(r'<a href="([^"]+)"', html))
    # Other pages, or a section of this one (the contents box).
    assert links and all(re.fullmatch(r"([\w\-]+\.html)?(#[\w\-]+)?", link) for link in links)


def test_markdown_links_between_markdown_pages(sketch_files):
    md = sketch_files["index.md"].decode()
    assert "[Anthropic on Colossus2 (GB200)](colossus2.md)" in md
    assert ".html" not in md


def test_templates_are_found_in_the_package_or_the_checkout():
    folder = builtin_templates_dir()
    assert (folder / "page.html.j2").is_file() and (folder / "scenario.md.j2").is_file()


# ------------------------------------------------------------------------------ determinism
def _build_in_subprocess(out: Path, seed: str, jobs: str) -> None:
    code = (
        "import sys; from scendsl.app.build import build; "
        "sys.exit(build([sys.argv[1]], sys.argv[2]).exit_code)"
    )
    env = dict(os.environ, PYTHONHASHSEED=seed, SCENDSL_JOBS=jobs)
    subprocess.run(
        [sys.executable, "-c", code, str(SKETCH), str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


def test_same_inputs_give_the_same_bytes_under_other_hash_seeds(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _build_in_subprocess(first, "1", "1")  # serial: the Monte Carlo runs in this process
    _build_in_subprocess(second, "4242", "2")  # Monte Carlo and some pages in the worker
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # The comparison covers the Monte Carlo: the uncertain scenario's intervals and charts.
    uncertain = (first / "colossus2_uncertain.html").read_text(encoding="utf-8")
    assert "Uncertainty and sensitivity" in uncertain and 'class="range"' in uncertain


# ----------------------------------------------------------------------------- atomic writes
def test_build_then_check_is_clean(tmp_path):
    out = tmp_path / "out"
    report = build([str(SKETCH)], str(out))
    assert report.exit_code == 0 and len(report.written) == len(report.files)
    check = build([str(SKETCH)], str(out), check=True)
    assert check.exit_code == 0 and check.stale == [] and check.written == []


def _as_if_built_earlier(out: Path, name: str, text: str) -> None:
    """A page an earlier build wrote: the file, and its name in the build's manifest."""
    (out / name).write_text(text, encoding="utf-8")
    with open(out / ".scendsl-manifest", "a", encoding="utf-8") as manifest:
        manifest.write(name + "\n")


def test_check_reports_missing_changed_and_extra_files_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    (out / "energy.md").unlink()
    (out / "risk.html").write_text("edited by hand", encoding="utf-8")
    _as_if_built_earlier(out, "old_scenario.md", "from an earlier build")
    (out / "README.md").write_text("the user's own", encoding="utf-8")  # not ours: not extra
    before = snapshot(out)
    report = build([str(SKETCH)], str(out), check=True)
    assert report.exit_code == 1
    assert sorted(report.stale) == [
        ".scendsl-manifest (changed)",
        "energy.md (missing)",
        "old_scenario.md (extra)",
        "risk.html (changed)",
    ]
    assert snapshot(out) == before


def test_build_removes_stale_pages_and_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    _as_if_built_earlier(out, "old_scenario.html", "stale")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "assets").mkdir()
    (out / "assets" / "logo.svg").write_text("<svg/>", encoding="utf-8")
    report = build([str(SKETCH)], str(out))
    assert [Path(p).name for p in report.removed] == ["old_scenario.html"]
    assert not (out / "old_scenario.html").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "assets" / "logo.svg").exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []  # the temporary folders are gone


def test_a_scenario_error_leaves_the_output_folder_unchanged(tmp_path):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SKETCH.parent, scenarios)
    out = tmp_path / "out"
    build([str(scenarios)], str(out))
    before = snapshot(out)
    (scenarios / "broken.scn").write_text(
        scenario_text("broken", title="Broken", accelerator="NOPE", count=10), encoding="utf-8"
    )
    with pytest.raises(ScenarioError):
        build([str(scenarios)], str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenarios"]


def test_a_failure_while_writing_leaves_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    (out / "risk.md").write_text("edited", encoding="utf-8")  # so the build has to write
    before = snapshot(out)

    def broken_swap(fresh, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files_output, "_swap", broken_swap)
    with pytest.raises(ScenarioError, match="no space left on device"):
        build([str(SKETCH)], str(out))
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_scenario_named_like_a_topical_page_gets_its_own_file(tmp_path):
    scenario = tmp_path / "energy.scn"
    scenario.write_text(scenario_text("energy", title="Energy"), encoding="utf-8")
    files = render_files([str(scenario)])
    assert "scenario-energy.md" in files and "energy.md" in files
    assert b"(scenario-energy.md)" in files["index.md"]


# ---------------------------------------------------------------------------------- escaping
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed", "link"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if value and "javascript:" in value.lower():
                self.problems.append(f"{tag} {name}={value}")


def test_scenario_text_cannot_inject_html_or_links(tmp_path):
    source = tmp_path / "evil.scn"
    source.write_text(EVIL, encoding="utf-8")
    files = render_files([str(source)])
    for name, content in files.items():
        text = content.decode()
        if name.endswith(".html"):
            parser = _Tags()
            parser.feed(text)
            assert parser.problems == [], name
            assert "<script" not in text.lower() and "onerror=alert" not in text.replace(
                "onerror=alert(1)&gt;", ""
            )
        else:
            # The scenario's block is shown as written in a code fence, where nothing is markup
            # (test_scenario_source.py checks that the text cannot close the fence).
            text = re.sub(r"^(`{3,})scn\n.*?\n\1$", "", text, flags=re.M | re.S)
            prose = re.sub(r"`[^`]*`", "", text)  # code spans show `<` as written
            assert "<" not in prose, name  # no raw HTML at all in the Markdown
            assert not re.search(r"(?<!\\)\]\(javascript:", text), name  # no live link
            assert not re.search(r"(?<!\\)`tick", text), name
    evil = files["evil.md"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in evil  # shown, not dropped
    assert r"\[x\](javascript:alert(1))" in evil
    assert "&#124; \\`tick\\` \\*star\\* \\_u\\_" in evil


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("<b>&", "&lt;b&gt;&amp;"),
        ("[x](javascript:alert(1))", r"\[x\](javascript:alert(1))"),
        ("a | b", "a &#124; b"),
        ("*not* _emphasis_ `code`", r"\*not\* \_emphasis\_ \`code\`"),
        ("# not a heading", r"\# not a heading"),
        ("- not a list", r"\- not a list"),
        ("1. not a list", r"1\. not a list"),
        ("4.80e26 FLOP", "4.80e26 FLOP"),
        ("two\nlines\ttabs", "two lines tabs"),
        ("\ue000 token \ue001", "token"),
    ],
)
def test_markdown_escaping(text, escaped):
    assert str(md_escape(text)) == escaped


# ----------------------------------------------------------------------------------- sandbox
def _user_templates(tmp_path: Path, name: str, body: str) -> str:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ s._result }}",
        "{% include '/etc/passwd' %}",
        "{% include '../../../../../../etc/passwd' %}",
    ],
)
def test_user_templates_cannot_escape_the_sandbox(tmp_path, body):
    templates = _user_templates(tmp_path, "scenario.md.j2", body)
    out = tmp_path / "out"
    with pytest.raises(ScenarioError) as caught:
        build([str(SKETCH)], str(out), templates_dir=templates)
    message = str(caught.value)
    assert "scenario.md.j2" in message
    assert "root:" not in message and "<class" not in message
    assert not out.exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
def test_a_failed_build_with_workers_leaves_no_descriptor_open(tmp_path, monkeypatch):
    # Its traceback keeps the pools alive: their pipes must be closed when they are ended,
    # not by a later garbage collection (a long-lived process ran out of descriptors).
    monkeypatch.setenv("SCENDSL_JOBS", "2")
    templates = _user_templates(tmp_path, "scenario.md.j2", "{{ ''.__class__.__mro__ }}")
    errors = []
    before = len(os.listdir("/proc/self/fd"))
    for attempt in range(3):
        with pytest.raises(ScenarioError) as caught:
            build([str(SKETCH)], str(tmp_path / f"out{attempt}"), templates_dir=templates)
        errors.append(caught)  # kept, as a caller keeps the error it reports
    assert len(os.listdir("/proc/self/fd")) <= before


def test_user_template_overrides_one_page_and_the_rest_stay(tmp_path):
    templates = _user_templates(
        tmp_path,
        "index.md.j2",
        "# Our briefings\n\n{% for s in scenarios %}- [{{ s.title }}]({{ url(s.page) }}): "
        "{{ s.m('energy.facility_power') }}\n{% endfor %}",
    )
    files = render_files([str(SKETCH)], templates)
    index = files["index.md"].decode()
    assert index.startswith("# Our briefings\n") and "(colossus2.md): 224 MW" in index
    assert "224 MW</summary>" in files["index.html"].decode()
    assert files["risk.md"] == render_files([str(SKETCH)])["risk.md"]


def test_a_missing_templates_folder_is_a_clean_error(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        build([str(SKETCH)], str(tmp_path / "out"), templates_dir=str(tmp_path / "nowhere"))


# ------------------------------------------------------------------------------------- risk
def _registry_dimensions() -> dict[str, str]:
    import scendsl
    from scendsl.catalog import load_catalog
    from scendsl.model.evaluate import nodes_for

    scenario = scendsl.load(str(SKETCH)).get("colossus2")
    return {node.name: node.dimension for node, _ in nodes_for(scenario, load_catalog())}


def test_every_risk_rule_names_a_model_metric_with_a_matching_unit():
    assert rule_problems(load_rules(), _registry_dimensions()) == []


def test_every_threshold_says_why_and_where_from():
    for risk in load_rules():
        assert risk.rules[-1].when == ()  # a last rule that always holds
        for rule in risk.rules:
            assert rule.reason and rule.source and rule.confidence in "ABCU"


def test_rules_file_mistakes_are_reported():
    base = {"key": "k", "title": "T", "driver": "m", "concern": "c"}
    good_rule = {"rating": "low", "when": [], "reason": "r", "source": "s", "confidence": "C"}
    with pytest.raises(RiskRulesError, match="rating"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, rating="severe")])]})
    with pytest.raises(RiskRulesError, match="reason"):
        parse_rules({"risk": [dict(base, rule=[dict(good_rule, reason="")])]})
    with pytest.raises(RiskRulesError, match="exactly one"):
        parse_rules(
            {
                "risk": [
                    dict(
                        base,
                        rule=[dict(good_rule, when=[{"metric": "m", "above": "1", "below": "2"}])],
                    )
                ]
            }
        )
    with pytest.raises(RiskRulesError, match="unknown unit"):
        parse_rules(
            {
                "risk": [
                    dict(base, rule=[dict(good_rule, when=[{"metric": "m", "above": "1 parsecs"}])])
                ]
            }
        )


RULES = {
    "risk": [
        {
            "key": "power",
            "title": "Power",
            "driver": "energy.facility_power",
            "concern": "c",
            "rule": [
                {
                    "rating": "high",
                    "when": [{"metric": "energy.facility_power", "at_least": "1 GW"}],
                    "reason": "r1",
                    "source": "s1",
                    "confidence": "C",
                },
                {
                    "rating": "medium",
                    "when": [{"metric": "energy.annual_emissions", "at_least": "25 ktCO2"}],
                    "reason": "r2",
                    "source": "s2",
                    "confidence": "B",
                },
                {"rating": "low", "when": [], "reason": "r3", "source": "s3", "confidence": "C"},
            ],
        }
    ]
}


def test_first_matching_rule_gives_the_rating():
    (risk,) = parse_rules(RULES)
    values = {"energy.facility_power": 2e9, "energy.annual_emissions": 0.0}
    assert assess_one(risk, values.get).rating == "high"
    values = {"energy.facility_power": 224e6, "energy.annual_emissions": 530e6}  # 530 kt ≥ 25 kt
    assessment = assess_one(risk, values.get)
    assert (assessment.rating, assessment.rule.reason, assessment.caveats) == ("medium", "r2", ())
    values = {"energy.facility_power": 224e6, "energy.annual_emissions": 20e6}
    assert assess_one(risk, values.get).rating == "low"


def test_a_rule_on_an_unavailable_metric_is_a_caveat_not_a_low_rating():
    (risk,) = parse_rules(RULES)
    # power unknown, emissions 1 kt < 25 kt: "otherwise" would claim power < 1 GW
    assessment = assess_one(
        risk, {"energy.facility_power": None, "energy.annual_emissions": 1e6}.get
    )
    assert (assessment.rating, assessment.caveats) == (
        None,
        ("not rated: energy.facility_power is n/a",),
    )
    # power unknown, emissions 30 kt ≥ 25 kt: medium, but it could be high
    assessment = assess_one(
        risk, {"energy.facility_power": None, "energy.annual_emissions": 30e6}.get
    )
    assert (assessment.rating, assessment.caveats) == (
        "medium",
        ("could be high: energy.facility_power is n/a",),
    )
    assessment = assess_one(risk, {}.get)
    assert assessment.rating is None and "energy.annual_emissions" in assessment.caveats[0]


def test_risk_register_ratings_for_the_sketch(sketch_files):
    md = sketch_files["colossus2.md"].decode()
    register = md[md.index("## Risk") : md.index("### Export control")]
    ratings = dict(re.findall(r"^\| ([A-Za-z ]+) \| \*\*(\w+)\*\* \|", register, flags=re.M))
    # 58 interruptions a day (the H100 rate carried to the GB200's 186 GB of memory) bring the
    # in-memory recovery's goodput under 90% → high;
    # 224 MW ≥ 75 MW → medium; 0.0089 nats per doubling < 0.01 → high
    assert ratings["Hardware reliability"] == "high"
    assert ratings["Energy and regulation"] == "medium"
    assert ratings["Scaling plateau"] == "high"
    assert set(ratings) == {r.title for r in load_rules()}


def test_index_links_to_the_sweep_section_of_its_base_briefing(sketch_files):
    index = sketch_files["index.html"].decode()
    page, anchor = re.search(r'href="(colossus2\.html)#(sweep-[\w\-]+)"', index).groups()
    assert f'id="{anchor}"' in sketch_files[page].decode()


def test_a_scenario_without_workload_is_briefed_with_what_is_known(tmp_path):
    scenario = tmp_path / "tiny.scn"
    scenario.write_text(scenario_text("tiny", title="Tiny"), encoding="utf-8")
    md = render_files([str(scenario)])["tiny.md"].decode()
    findings = [line for line in md.splitlines() if line.startswith("> - ")]
    assert len(findings) >= 3
    # 8 H100 at 989.4 TFLOP/s dense BF16 (the default precision) = 7.92 PFLOP/s
    assert findings[0].startswith("> - 8 H100 accelerators give 7.92 PFLOP/s")
    assert "`performance.training_time`" in md  # listed as not available, not invented
    plateau = next(line for line in md.splitlines() if line.startswith("| Scaling plateau |"))
    assert "**not rated**" in plateau and "scaling.loss\\_drop\\_per\\_doubling is n/a" in plateau


@pytest.mark.parametrize("where", ["cwd", "scenarios", "project"])
def test_refuses_an_output_folder_that_holds_the_project(tmp_path, monkeypatch, where):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SKETCH.parent, scenarios)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = {"cwd": ".", "scenarios": str(scenarios), "project": str(tmp_path)}[where]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ScenarioError, match="refusing to write the briefings"):
        build([str(scenarios)], out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_without_a_writable_parent_files_are_replaced_one_by_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    build([str(SKETCH)], str(out))
    _as_if_built_earlier(out, "old_scenario.md", "stale")
    (out / "risk.md").write_text("edited", encoding="utf-8")

    def no_sibling(*args, **kwargs):
        raise PermissionError("read-only parent")

    monkeypatch.setattr(files_output.tempfile, "mkdtemp", no_sibling)
    report = build([str(SKETCH)], str(out))
    assert [Path(p).name for p in report.removed] == ["old_scenario.md"]
    assert build([str(SKETCH)], str(out), check=True).stale == []


# ------------------------------------------------------------------------ committed output
def test_committed_briefings_are_up_to_date():
    # Relative, as the README's command names them: the briefings quote the scenario paths.
    report = build(["scenarios"], "out", check=True)
    assert report.exit_code == 0, report.status_line() + "\nrun `scendsl build` and commit out/"


# ------------------------------------------------------------------------ killed mid-way
def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("delay", [0.15, 0.35, 0.55, 0.75, 0.95, 1.2])
def test_a_build_killed_at_any_moment_leaves_old_or_new_output(tmp_path, delay):
    """SIGKILL a build at several moments: the folder is the old build or the new, never half."""
    import signal
    import time

    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    out = tmp_path / "out"
    build([str(scenarios)], str(out))
    old = _contents(out)
    target = scenarios / "colossus2.scn"
    target.write_text(target.read_text().replace("pue 1.25", "pue 1.4", 1))
    expected_new = tmp_path / "expected"
    build([str(scenarios)], str(expected_new))
    new = _contents(expected_new)
    assert new != old

    process = subprocess.Popen(
        [sys.executable, "-m", "scendsl", "build", str(scenarios), "-o", str(out)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ, SCENDSL_JOBS="2"),  # with its workers, however busy the machine
    )
    time.sleep(delay)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the build and its chart worker
    except ProcessLookupError:
        pass
    process.wait()
    assert _contents(out) in (old, new)


def test_a_claim_written_without_a_quote_is_shown_as_its_test_not_as_empty_quotes(tmp_path):
    # An analyst's own `expect` has no quote: the briefing showed “” as what "the source says".
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "s.scn").write_text(
        "scenario s {\n  year 2024\n  region FR\n  cluster {\n    accelerator H100\n"
        "    count 1000\n  }\n  expect energy.facility_power <= 1 MW\n}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert build([str(folder)], str(out)).exit_code == 0
    md = (out / "s.md").read_text(encoding="utf-8")
    assert "“”" not in md
    row = _row(md, "| 1 | – |")
    assert row[2] == "`energy.facility_power`"
    findings = md[md.index("> **Key findings**") : md.index("## Compute and performance")]
    assert "Of 1 claim checked, 0 hold and 1 fails: the scenario expects" in findings
    assert "`energy.facility_power` ≤ 1 MW" in findings


def test_a_reference_larger_than_the_cluster_needs_nothing_to_match_it(tmp_path):
    # It read "$0" and "0 W" under "Matching this cluster would cost" / "…and draw".
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "s.scn").write_text(
        "scenario s {\n  year 2024\n  region FR\n  cluster {\n    accelerator H100\n"
        "    count 16\n  }\n}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert build([str(folder)], str(out)).exit_code == 0
    md = (out / "s.md").read_text(encoding="utf-8")
    section = md[md.index("## Compute divide") : md.index("## Energy")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "H100 |" in line]
    assert rows and all(row.endswith("| nothing: it is larger | – |") for row in rows)
    assert "$0" not in section
    # The compute-divide page says the same of the largest reference, through the same macro.
    divide = (out / "compute-divide.md").read_text(encoding="utf-8")
    gap = divide[divide.index("## What closing the gap would take") :]
    row = next(line for line in gap.splitlines() if line.startswith("| [s]"))
    assert row.endswith("| nothing: the reference is larger | – |")
    assert "$0" not in gap and "0 W" not in gap


def test_a_reference_caveat_names_its_references_by_accelerator_whatever_their_names(tmp_path):
    # A file's own reference may be called anything, even a word of the input's meaning
    # ("Price of one accelerator of {ref} ..."): the caveat is worded from the model's meaning,
    # not by looking for the name in the text.
    scenario = tmp_path / "named.scn"
    scenario.write_text(
        """
reference one {
  title "A pool named like a word"
  accelerator MI250X
  count 500
}

scenario late {
  title "H100 in 2030"
  year 2030
  region US
  cluster {
    accelerator H100
    count 1k
  }
}
""",
        encoding="utf-8",
    )
    caveats = _block(
        render_files([str(scenario)], samples=0)["late.md"].decode(),
        "Caveats: figures from outside the data",
    )
    mi250x = [line for line in caveats if "on MI250X" in line]
    assert len(mi250x) == 1
    count = 1 + sum(ref.accelerator == "MI250X" for ref in load_catalog().references.values())
    assert mi250x[0].startswith(
        f"> - Price of one accelerator of the {count} references on MI250X in the scenario year"
        " (`reference.*.unit_price`) is"
    ), mi250x[0]


def test_key_findings_count_the_claims_that_cannot_be_decided(tmp_path):
    """A Seoul ministry's claim on a figure the model leaves n/a read "Of 2 claims checked, 1
    holds and 0 fail": the other claim vanished from the sentence."""
    body = (
        '  expect workload.duration < 120 days "a model within four months"\n'
        '  expect cluster.count >= 8 "eight accelerators"\n'
    )
    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", body=body), encoding="utf-8")
    build([str(path)], str(tmp_path / "out"), samples=0)
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    findings = next(line for line in page.splitlines() if "claims checked" in line)
    assert "Of 2 claims checked, 1 holds and 0 fail; 1 cannot be decided:" in findings
    assert "`workload.duration` is n/a." in findings


def test_a_scenario_without_a_workload_has_no_table_without_rows(tmp_path):
    """A Lagos regulator's campus with no workload got a "Scaling" heading over an empty
    table: every figure of the section is n/a without a model to train."""
    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", region="NG", count=1000), encoding="utf-8")
    build([str(path)], str(tmp_path / "out"), samples=0)
    for page in (tmp_path / "out").glob("*.md"):
        lines = page.read_text(encoding="utf-8").splitlines()
        for at, line in enumerate(lines[:-1]):
            if re.fullmatch(r"\|(---\|)+", line):
                assert lines[at + 1].startswith("|"), f"{page.name}: a table without rows"
    assert "### Scaling" not in (tmp_path / "out" / "s.md").read_text(encoding="utf-8")


def test_an_export_status_past_the_catalogs_date_is_a_caveat_in_its_own_words(tmp_path):
    """A Riyadh fund's 2030 briefing listed the export status among the caveats as "licence
    required, the 2026 figure (there is none for 2030)": a decision by rules, not a figure of
    another year. The caveat says which rules are carried to which date."""
    as_of = load_catalog().country_groups.as_of
    year = as_of.year + 3
    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", year=year, region="SA"), encoding="utf-8")
    build([str(path)], str(tmp_path / "out"), samples=0)
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    status = next(line for line in page.splitlines() if "(`export.status`) is" in line)
    assert (
        f"as the catalog records them on {as_of.isoformat()} are applied to 1 July of the "
        f"scenario's year, a rule made since is not"
    ) in status
    assert "figure (there is none" not in status


def test_a_claims_figure_carries_the_marks_of_the_warnings_that_concern_it(tmp_path):
    """A Lagos regulator's claim "less than a million Nigerian homes" held on a count of US
    homes (the household figure was a stand-in, warning W2), and the claims table did not say
    so, where the energy table marked the same figure."""
    body = '  expect energy.facility_power < 1 GW "under a gigawatt"\n'
    path = tmp_path / "s.scn"
    path.write_text(scenario_text("s", body=body), encoding="utf-8")  # 8 accelerators: small
    build([str(path)], str(tmp_path / "out"), samples=0)
    page = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    claims = page.split("## Claims checked", 1)[1].split("##", 1)[0]
    row = next(line for line in claims.splitlines() if "under a gigawatt" in line)
    energy = next(line for line in page.splitlines() if "| `energy.facility_power` |" in line)
    marks = re.findall(r"⚠ W\d+", energy)
    assert marks and all(mark in row for mark in marks)


def test_a_scenario_that_rents_its_cluster_says_what_renting_costs(tmp_path):
    """A Seoul ministry's rented scenario had the same key findings as the bought one: the
    accelerators' purchase price, and not a word of the rental it wrote."""
    body = (
        "  market.rental_price 3 USD/hour\n  workload {\n    parameters 1B\n    tokens 20B\n  }\n"
    )
    path = tmp_path / "s.scn"
    path.write_text(
        scenario_text("rented", body=body) + scenario_text("bought", body=body.split("\n", 1)[1]),
        encoding="utf-8",
    )
    build([str(path)], str(tmp_path / "out"), samples=0)
    rented = (tmp_path / "out" / "rented.md").read_text(encoding="utf-8")
    finding = next(line for line in rented.splitlines() if "Renting the 8 H100" in line)
    assert "each at 3 USD/hour, costs $" in finding and "for the training run" in finding
    assert "Renting the" not in (tmp_path / "out" / "bought.md").read_text(encoding="utf-8")
