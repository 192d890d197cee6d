"""Issue 13, regions: risk rules by jurisdiction and date, price series, per-country comparisons
and the sample scenarios beyond the source article."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

import scendsl
from scendsl.app.build import render_files
from scendsl.catalog.jurisdictions import Scope, applies, covers, parse_scope
from scendsl.model.evaluate import evaluate
from scendsl.model.risk import RiskRulesError, jurisdiction_rules, load_rules, parse_rules
from scendsl.report.render import md_escape

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ rules by jurisdiction
def _in_force(region: str, year: int) -> set[tuple[str, str]]:
    """(risk key, start of the rule's source) of every jurisdiction rule in force there."""
    return {
        (found.risk.key, found.rule.source.split(" (")[0].split(",")[0])
        for found in jurisdiction_rules(region, year)
        if found.in_force
    }


#: (region, year) → the jurisdiction rules in force on 1 July of the year, each named by the
#: text its source starts with (the law, decision or directive it follows).
RULES_IN_FORCE = [
    # EU AI Act Art. 51(2): GPAI obligations from 2 Aug 2025, so not on 1 July 2025.
    ("FR", 2025, {("energy_regulation", "Directive")}),
    (
        "FR",
        2026,
        {("energy_regulation", "Directive"), ("compute_regulation", "Regulation")},
    ),
    # The EED reporting duty starts on 15 May 2024.
    ("DE", 2023, set()),
    ("DE", 2024, {("energy_regulation", "Directive")}),
    # Ireland: CRU/21/124 (Nov 2021) plus the EU rules.
    (
        "IE",
        2026,
        {
            (
                "energy_regulation",
                "CRU Direction to the System Operators related to Data Centre grid connection processing",
            ),
            ("energy_regulation", "Directive"),
            ("compute_regulation", "Regulation"),
        },
    ),
    # Amsterdam/Haarlemmermeer 2019-2020, then the national hyperscale restriction (Feb 2022).
    ("NL", 2019, set()),  # the moratorium began on 12 July 2019, after the decision date
    ("NL", 2020, {("energy_regulation", "DatacenterDynamics")}),
    ("NL", 2021, set()),
    ("NL", 2023, {("energy_regulation", "DatacenterDynamics")}),
    (
        "NL",
        2024,
        {("energy_regulation", "DatacenterDynamics"), ("energy_regulation", "Directive")},
    ),
    # Singapore: the moratorium until mid-2022, then the DC-CFA allocation.
    ("SG", 2020, {("energy_regulation", "IMDA and EDB pilot Call for Application")}),
    (
        "SG",
        2023,
        {
            (
                "energy_regulation",
                "SGTech and government statements as reported by The Straits Times",
            )
        },
    ),
    # US federal: EPA reporting always; EO 14110 only between Oct 2023 and its revocation.
    ("US", 2023, {("energy_regulation", "US EPA Greenhouse Gas Reporting Program")}),
    (
        "US",
        2024,
        {
            ("energy_regulation", "US EPA Greenhouse Gas Reporting Program"),
            ("compute_regulation", "Executive Order 14110"),
        },
    ),
    ("US", 2025, {("energy_regulation", "US EPA Greenhouse Gas Reporting Program")}),
    # Texas SB 6 (signed 20 June 2025) applies in US-TX only, with the federal rules.
    (
        "US-TX",
        2024,
        {
            ("energy_regulation", "US EPA Greenhouse Gas Reporting Program"),
            ("compute_regulation", "Executive Order 14110"),
        },
    ),
    (
        "US-TX",
        2025,
        {
            ("energy_regulation", "Texas Senate Bill 6"),
            ("energy_regulation", "US EPA Greenhouse Gas Reporting Program"),
        },
    ),
    ("US-VA", 2025, {("energy_regulation", "US EPA Greenhouse Gas Reporting Program")}),
    # No rules written for these jurisdictions.
    ("IN", 2026, set()),
    ("AE", 2027, set()),
    ("CN", 2025, set()),
    ("GB", 2026, set()),  # not in the EU since 2020
]


@pytest.mark.parametrize(("region", "year", "expected"), RULES_IN_FORCE)
def test_jurisdiction_rules_in_force_by_region_and_year(region, year, expected):
    assert _in_force(region, year) == expected


def test_france_is_not_rated_against_the_texas_large_load_threshold():
    texas = [
        found
        for found in jurisdiction_rules("US-TX", 2026)
        if found.rule.source.startswith("Texas Senate Bill 6")
    ]
    assert texas and texas[0].rule.when[0].written == "75 MW"
    assert not any("Texas" in found.rule.source for found in jurisdiction_rules("FR", 2026))
    # A US site without a state is not inside Texas.
    assert not any("Texas" in found.rule.source for found in jurisdiction_rules("US", 2026))


def test_a_scope_covers_subdivisions_of_its_country_and_members_of_its_group():
    assert covers(Scope(("US",)), "US-TX")
    assert not covers(Scope(("US-TX",)), "US")
    assert covers(Scope(("EU",)), "FR") and not covers(Scope(("EU",)), "GB")
    day = dt.date(2025, 1, 20)
    revoked = Scope(("US",), dt.date(2023, 10, 30), day)
    assert applies(revoked, "US", day - dt.timedelta(days=1))
    assert not applies(revoked, "US", day)  # `to` is exclusive


def test_a_rule_with_a_bad_jurisdiction_or_dates_is_refused_at_load():
    base = {"rating": "low", "when": [], "reason": "r", "source": "s", "confidence": "C"}
    for bad in (
        {"jurisdiction": ["Europe"]},
        {"jurisdiction": ["EU"], "from": dt.date(2025, 1, 1), "to": dt.date(2024, 1, 1)},
        {"from": dt.date(2025, 1, 1)},
    ):
        data = {
            "risk": [
                {"key": "k", "title": "t", "driver": "d", "concern": "c", "rule": [base | bad]}
            ]
        }
        with pytest.raises(RiskRulesError):
            parse_rules(data)
    assert parse_scope({"jurisdiction": ["US-TX"]}, "here") == Scope(("US-TX",))


def test_every_jurisdiction_rule_has_a_dated_start_and_a_source():
    for risk in load_rules():
        for rule in risk.rules:
            if rule.scope is not None:
                assert rule.scope.start is not None, (risk.key, rule.source)
                assert rule.source and rule.confidence in "ABCU"


# ------------------------------------------------------------------ price series
def _scenario(extra: str = "", year: int = 2027, accelerator: str = "GB200", count: str = "50k"):
    text = f"""
scenario s {{
  title "t"
  year {year}
  region AE
  cluster {{
    accelerator {accelerator}
    count {count}
  }}
  {extra}
}}
"""
    return scendsl.load_text(text, name="s.scn").get("s")


def test_capex_of_50k_gb200_in_2027_uses_a_sourced_price_labelled_extrapolated():
    result = evaluate(_scenario())
    # 50,000 × USD 47,920 (an NVL72 rack of USD 3.0-3.9M, midpoint, / 72, the 2026 market price)
    # = USD 2.4B, not USD 1B at the source article's USD 20k forecast.
    assert result.value("market.unit_price") == 47_920
    assert result.value("market.capex") == pytest.approx(2.396e9)
    assert result.value("market.price_series") == "market"
    assert result.value("market.price_extrapolated") is True
    node = result.node("market.unit_price")
    assert node.origin == "catalog accelerators.GB200.price[2026]"
    assert "extrapolated: no 2027 figure, 2026 value used" in node.note
    assert any("NVL72" in source for source in node.sources)


def test_the_article_series_is_chosen_in_the_scenario_and_named_as_the_articles():
    result = evaluate(_scenario("market.price_series article", year=2026))
    assert result.value("market.unit_price") == 20_000
    assert result.value("market.price_extrapolated") is False
    node = result.node("market.unit_price")
    assert node.origin == "catalog market.purchase.article.GB200[2026]"
    assert any("source article" in source for source in node.sources)


def test_a_series_without_the_accelerator_gives_way_to_the_reported_prices():
    result = evaluate(_scenario("market.price_series article", year=2024, accelerator="B200"))
    assert result.value("market.unit_price") == 35_000
    assert result.node("market.unit_price").origin == "catalog accelerators.B200.price[2024]"


def test_an_unknown_price_series_is_a_located_error():
    with pytest.raises(scendsl.ScenarioError) as error:
        _scenario("market.price_series forecast")
    assert "s.scn:" in error.value.diagnostics[0].render()


def test_briefing_names_the_series_and_labels_extrapolated_prices_in_tables(tmp_path):
    path = tmp_path / "prices.scn"
    path.write_text(
        """
scenario campus {
  title "Campus"
  year 2025
  region AE
  cluster {
    accelerator GB200
    count 50k
  }
}

sweep campus_years from campus {
  year 2025 .. 2027
}
""",
        encoding="utf-8",
    )
    files = render_files([str(path)], samples=0)
    page = files["campus.md"].decode()
    assert "Purchase prices come from the **market** price series" in page
    rows = {
        line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| 202")
    }
    assert "extrapolated" not in rows["2025"] and "extrapolated" not in rows["2026"]
    assert "$2.4 B *(extrapolated price)*" in rows["2027"]
    assert "*(extrapolated price)*" not in files["landscape.md"].decode()  # 2025 is data
    # The sweep's chart of capex says which of its points hold an extrapolated price.
    assert "(extrapolated price at year 2027)" in files["campus.html"].decode()


# ------------------------------------------------------------------ per-country comparison
def test_people_equivalent_uses_the_regions_own_electricity_per_person():
    france = evaluate(_scenario(year=2023).model_copy(update={"region": "FR"}))
    india = evaluate(_scenario(year=2023).model_copy(update={"region": "IN"}))
    for result, region in ((france, "FR"), (india, "IN")):
        node = result.node("energy.per_capita_electricity")
        assert f"grid.toml {region}.per_capita_electricity[2023]" in node.origin
        assert result.value("energy.people_equivalent") == pytest.approx(
            result.value("energy.annual_energy") / node.value
        )
    # France generates several times more electricity per person than India.
    assert france.value("energy.per_capita_electricity") > 4 * india.value(
        "energy.per_capita_electricity"
    )


# ------------------------------------------------------------------ the sample scenarios
#: Words of the source article (as in test_generic_templates.py, which checks the templates).
ARTICLE_WORDS = ("Colossus", "Anthropic", "OpenAI", "xAI", "Memphis", "AINews", "source article")


def _citations() -> list[str]:
    """Every source and note of the catalog, as pages print them (escaped for Markdown)."""
    found: set[str] = set()

    def walk(value: object, key: str | None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("source", "note"):
            found.update((value, str(md_escape(value))))

    for path in sorted((ROOT / "scendsl" / "catalog").glob("*.toml")):
        walk(tomllib.loads(path.read_text(encoding="utf-8")), None)
    # Notes are shortened in the briefings' tables; their opening words are what is printed.
    found.update(text[:60] for text in list(found) if len(text) > 60)
    # A caveat prints a note as a sentence of its own, its first letter a capital.
    found.update(text[:1].upper() + text[1:] for text in list(found))
    return sorted(found, key=len, reverse=True)


_CITATIONS = _citations()

SAMPLES = {
    "eu_gigafactory_fr": ("FR", "France"),
    "india_sovereign_h100": ("IN", "India"),
    "gulf_gb200_ae": ("AE", "the United Arab Emirates"),
    "china_h20_cn": ("CN", "China"),
    "university_consortium_de": ("DE", "Germany"),
}


@pytest.fixture(scope="module")
def samples() -> dict[str, str]:
    files = sorted(str(ROOT / "scenarios" / f"{name}.scn") for name in SAMPLES)
    return {name: body.decode("utf-8") for name, body in render_files(files, samples=0).items()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_scenarios_speak_of_their_own_country_rules_and_prices(samples, name):
    region, country = SAMPLES[name]
    page = samples[f"{name}.md"]
    scenario = scendsl.load_file(str(ROOT / "scenarios" / f"{name}.scn")).get(name)
    assert scenario.context and scenario.source and scenario.claims
    assert f"people in {country}" in page  # the per-person figure of its own country
    assert "US homes" not in page
    assert "price series" in page
    # No word of the sample article but in the catalog's citations (provenance) and in the
    # scenario's own text (its title, context, source and quotes).
    own = [scenario.title, scenario.context, scenario.source, *(c.quote for c in scenario.claims)]
    text = page
    for quoted in sorted(set(_CITATIONS) | {str(md_escape(t)) for t in own if t}, key=len)[::-1]:
        text = text.replace(quoted, "")
    assert [word for word in ARTICLE_WORDS if word in text] == []
    if any(found for found in jurisdiction_rules(region, scenario.year)):
        assert f"Rules written for the jurisdiction of {country} ({region})" in page
    else:
        assert f"No jurisdiction-specific rules in the catalog for {region}" in page


def test_the_risk_page_lists_only_the_jurisdictions_of_its_scenarios(samples):
    risk = samples["risk.md"]
    assert "Texas" not in risk and "US-TX" in risk  # named as an unlisted jurisdiction only
    assert re.search(r"No jurisdiction-specific rules in the catalog for .*IN \(`india", risk)
    assert "EU, from 2 Aug 2025" in risk
