"""Export status for (accelerator, destination, date): a table, each row citing the rule it follows.

The rules are data (scendsl/catalog/export_rules.toml, country groups by date in
country_groups.toml); these rows pin what the interpreter makes of them for allies, D:1/D:4/D:5
countries, China before and after each rule, the Russia/Belarus sanctions, the comprehensive
embargoes, the Gulf under the 2023 rule, the H20 letter, and a chip below every 3A090 threshold
(V100: TPP 2,000, PD 2.45).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.language.names import is_region
from scendsl.model.domains.export_rules import status_for
from scendsl.model.evaluate import evaluate

CATALOG = load_catalog()
D = dt.date

# (accelerator, destination, date, status, deciding rule id or None, the rule text followed)
ROWS = [
    # --- allies (A:5 / A:6): no rule reaches them outside the diffusion rule's months
    (
        "H100",
        "DE",
        D(2024, 7, 1),
        "allowed",
        None,
        "acs2023: licence to D:1, D:4, D:5 'excluding any destination also in A:5 or A:6'; "
        "Germany is in A:5 only",
    ),
    ("B200", "JP", D(2026, 7, 1), "allowed", None, "Japan: A:5, in no D group"),
    ("GB200", "FR", D(2027, 7, 1), "allowed", None, "France: A:5, in no D group"),
    (
        "H100",
        "IL",
        D(2024, 7, 1),
        "allowed",
        None,
        "acs2023 excludes A:5/A:6 destinations: Israel is D:4 and A:6",
    ),
    (
        "H100",
        "CY",
        D(2024, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "Cyprus is D:5 and A:6: acs2023 needs no licence, so no review policy applies; the arms "
        "embargo alone requires none for an accelerator",
    ),
    ("H100", "US-TX", D(2025, 7, 1), "allowed", None, "a US state: not an export"),
    # --- China before and after each rule
    (
        "H100",
        "CN",
        D(2022, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "oct2022 (87 FR 62186) takes effect on 2022-10-07; China's D:5 arms embargo alone "
        "requires no licence for an accelerator",
    ),
    (
        "H100",
        "CN",
        D(2023, 7, 1),
        "licence_required",
        "oct2022",
        "oct2022: 3A090.a = TPP >= 4,800 and I/O >= 600 GB/s, licence for China",
    ),
    (
        "A800",
        "CN",
        D(2023, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "oct2022: the A800's 400 GB/s interconnect is below the 600 GB/s criterion",
    ),
    (
        "A800",
        "CN",
        D(2024, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "acs2023 drops the interconnect criterion; corrections2024: presumption of denial for D:5",
    ),
    (
        "H100",
        "CN",
        D(2024, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "corrections2024 (Apr 2024): presumption of denial for Macau and D:5",
    ),
    (
        "H200",
        "CN",
        D(2026, 7, 1),
        "case_by_case",
        "jan2026",
        "jan2026 (91 FR 1684): case-by-case review for H200, MI325X and less advanced chips",
    ),
    (
        "B200",
        "CN",
        D(2026, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "jan2026 relaxes only 'H200 or less'; the B200 keeps the 2024 presumption of denial",
    ),
    # --- the H20 letter
    (
        "H20",
        "CN",
        D(2024, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "H20: TPP 2,368 and PD 2.91 are below every 3A090 class",
    ),
    (
        "H20",
        "CN",
        D(2025, 7, 1),
        "licence_required",
        "h20_2025",
        "h20_2025: is-informed letter of Apr 2025, licence for China and D:5",
    ),
    # --- the Gulf and other D:1 / D:4 countries under the Oct 2023 rule
    ("H100", "AE", D(2023, 7, 1), "allowed", None, "acs2023 takes effect on 2023-11-17"),
    (
        "H100",
        "AE",
        D(2024, 7, 1),
        "licence_required",
        "acs2023",
        "acs2023: licence to D:4 (the UAE is D:4)",
    ),
    (
        "GB200",
        "SA",
        D(2024, 7, 1),
        "licence_required",
        "acs2023",
        "acs2023: licence to D:4 (Saudi Arabia is D:4)",
    ),
    (
        "H100",
        "AE",
        D(2025, 3, 1),
        "licence_required",
        "diffusion2025",
        "diffusion2025 (90 FR 4544): Tier 2 needs a licence while the rule stood",
    ),
    (
        "H100",
        "IN",
        D(2025, 3, 1),
        "licence_required",
        "diffusion2025",
        "diffusion2025: India is Tier 2",
    ),
    (
        "H100",
        "IN",
        D(2025, 7, 1),
        "allowed",
        None,
        "diffusion2025 rescinded on 2025-05-13; India is A:5",
    ),
    ("H100", "VN", D(2024, 7, 1), "licence_required", "acs2023", "acs2023: Vietnam is D:1"),
    ("H100", "KZ", D(2024, 7, 1), "licence_required", "acs2023", "acs2023: Kazakhstan is D:1"),
    # --- D:5 (arms embargo) destinations by date
    (
        "H100",
        "VE",
        D(2022, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "before acs2023 no rule reached Venezuela; the arms embargo alone needs no licence",
    ),
    (
        "H100",
        "VE",
        D(2024, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "Venezuela is D:5: acs2023 licence, corrections2024 presumption of denial",
    ),
    (
        "V100",
        "VE",
        D(2025, 7, 1),
        "allowed",
        "arms_embargo_d5",
        "V100 is below every 3A090 class; Venezuela is under no embargo of Part 746",
    ),
    ("H100", "IQ", D(2023, 12, 1), "licence_required", "acs2023", "acs2023: Iraq is D:1/D:4/D:5"),
    (
        "H100",
        "IQ",
        D(2024, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "corrections2024: Iraq is D:5",
    ),
    (
        "H100",
        "KH",
        D(2025, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "Cambodia in D:5 from 2021-12-09 (86 FR 70015)",
    ),
    (
        "H100",
        "KH",
        D(2026, 7, 1),
        "licence_required",
        "acs2023",
        "Cambodia removed from D:5 on 2026-02-03 (RIN 0694-AK41); still D:1",
    ),
    (
        "H100",
        "NI",
        D(2023, 12, 1),
        "allowed",
        None,
        "Nicaragua in Country Group B until 2024-03-15",
    ),
    (
        "H100",
        "NI",
        D(2024, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "Nicaragua in D:1 and D:5 from 2024-03-15 (FR Doc 2024-05696)",
    ),
    # --- Russia and Belarus (15 CFR 746.8)
    (
        "H100",
        "RU",
        D(2022, 2, 1),
        "allowed",
        "arms_embargo_d5",
        "russia2022 takes effect on 2022-02-24",
    ),
    (
        "H100",
        "RU",
        D(2022, 7, 1),
        "presumption_of_denial",
        "russia2022",
        "russia2022 (87 FR 12226): licence for CCL items, policy of denial, from 2022-02-24",
    ),
    (
        "H100",
        "RU",
        D(2023, 7, 1),
        "presumption_of_denial",
        "russia2022",
        "russia2022: still in force",
    ),
    (
        "V100",
        "RU",
        D(2025, 7, 1),
        "presumption_of_denial",
        "russia2022",
        "russia2022 covers every CCL item, whatever its TPP",
    ),
    (
        "H100",
        "BY",
        D(2022, 3, 1),
        "allowed",
        "arms_embargo_d5",
        "belarus2022 takes effect on 2022-03-02",
    ),
    (
        "H100",
        "BY",
        D(2022, 7, 1),
        "presumption_of_denial",
        "belarus2022",
        "belarus2022 (87 FR 13048): the Russia controls extended to Belarus",
    ),
    # --- comprehensive embargoes (15 CFR Part 746)
    (
        "H100",
        "CU",
        D(2022, 7, 1),
        "presumption_of_denial",
        "cuba_embargo",
        "746.1(a)(1): all CCL items need a licence to Cuba, general policy of denial",
    ),
    (
        "V100",
        "CU",
        D(2025, 7, 1),
        "presumption_of_denial",
        "cuba_embargo",
        "746.2 covers all items subject to the EAR, whatever their TPP",
    ),
    ("H100", "IR", D(2023, 7, 1), "presumption_of_denial", "iran_embargo", "746.7: Iran"),
    ("H20", "IR", D(2025, 7, 1), "presumption_of_denial", "iran_embargo", "746.7: Iran"),
    (
        "H100",
        "KP",
        D(2023, 7, 1),
        "presumption_of_denial",
        "north_korea_embargo",
        "746.4: North Korea",
    ),
    (
        "V100",
        "SY",
        D(2025, 7, 1),
        "presumption_of_denial",
        "syria_embargo",
        "746.9: Syria, general policy of denial until 2025-09-02",
    ),
    (
        "V100",
        "SY",
        D(2026, 7, 1),
        "licence_required",
        "syria2025",
        "syria2025 (90 FR 42315): licence still required for CCL items, favourable review",
    ),
    (
        "H100",
        "SY",
        D(2026, 7, 1),
        "presumption_of_denial",
        "corrections2024",
        "Syria stays in D:5: a 3A090 chip keeps the D:5 presumption of denial",
    ),
    (
        "H100",
        "UA-43",
        D(2021, 7, 1),
        "presumption_of_denial",
        "crimea2015",
        "746.6: Crimea region of Ukraine since the Jan 29 2015 rule",
    ),
    (
        "H100",
        "UA-14",
        D(2021, 7, 1),
        "allowed",
        None,
        "the so-called DNR region is restricted from 2022-02-24 only",
    ),
    (
        "H100",
        "UA-14",
        D(2022, 7, 1),
        "presumption_of_denial",
        "covered_regions2022",
        "87 FR 12226: comprehensive restrictions for the so-called DNR and LNR",
    ),
]


@pytest.mark.parametrize(
    ("accelerator", "destination", "date", "status", "rule", "follows"),
    ROWS,
    ids=[f"{a}-{r}-{d.isoformat()}" for a, r, d, *_ in ROWS],
)
def test_export_status_table(accelerator, destination, date, status, rule, follows):
    decision = status_for(CATALOG, accelerator, destination, date)
    assert decision.status == status, follows
    assert (decision.rule.id if decision.rule else None) == rule, follows


def test_the_table_covers_what_it_claims_to():
    assert len(ROWS) >= 25
    destinations = {row[1] for row in ROWS}
    assert {"RU", "BY", "CU", "IR", "KP", "SY", "VE", "IQ", "AE", "SA", "CN"} <= destinations
    # Every rule of the table is a rule of the catalog, and every destination-wide rule is tried.
    ids = {rule.id for rule in CATALOG.export_rules}
    assert {row[4] for row in ROWS} - {None} <= ids
    assert {
        "russia2022",
        "belarus2022",
        "cuba_embargo",
        "iran_embargo",
        "north_korea_embargo",
        "syria_embargo",
        "syria2025",
        "crimea2015",
        "covered_regions2022",
    } <= {row[4] for row in ROWS}


def test_every_rule_is_dated_and_sourced():
    for rule in CATALOG.export_rules:
        assert rule.effective and rule.citation and rule.source, rule.id


def test_an_earlier_rule_with_the_same_status_is_named_too():
    # Syria in 2024: the 3A090 presumption of denial for D:5 and the embargo agree.
    decision = status_for(CATALOG, "H100", "SY", D(2024, 7, 1))
    assert decision.rule.id == "corrections2024"
    assert [rule.id for rule, _ in decision.also] == ["syria_embargo"]
    assert "also syria_embargo [any_accelerator]: 15 CFR 746.9" in decision.rule_text()


def test_country_groups_are_dated():
    groups = CATALOG.country_groups
    assert "D:5" in groups.groups_on("KH", D(2025, 7, 1))
    assert "D:5" not in groups.groups_on("KH", D(2026, 2, 3))
    assert "D:5" not in groups.groups_on("NI", D(2024, 3, 14))
    assert {"D:1", "D:5"} <= set(groups.groups_on("NI", D(2024, 3, 15)))
    assert groups.groups_on("US-TX", D(2025, 1, 1)) == ()


def test_the_described_regions_agree_with_the_dated_groups_on_d_groups():
    # regions.toml lists each described region's groups; the interpreter reads country_groups.toml.
    # The D groups decide statuses, so the two must agree on them.
    for code, region in CATALOG.regions.items():
        if region.fallback:
            continue
        dated = CATALOG.country_groups.groups_on(code, D(2026, 7, 1))
        assert {g for g in region.groups if g.startswith("D:")} == {
            g for g in dated if g.startswith("D:")
        }, code


def _scenario(region: str, year: int, accelerator: str = "H100") -> str:
    return textwrap.dedent(f"""\
        scenario s {{
          title "t"
          year {year}
          region {region}
          source "test"
          cluster {{
            accelerator {accelerator}
            count 1k
          }}
        }}
        """)


def _load(region: str, year: int, accelerator: str = "H100"):
    return scendsl.load(_scenario(region, year, accelerator)).get("s")


@pytest.mark.parametrize("year", [2022, 2023])
def test_h100_to_russia_is_denied_from_february_2022(year):
    # The case: this showed 'allowed' before the Russia sanctions were in the catalog.
    scenario = _load("RU", year)
    result = evaluate(scenario)
    assert result.value("export.status") == "presumption_of_denial"
    assert result.value("export.rule").startswith("russia2022 [any_accelerator]: 87 FR 12226")


@pytest.mark.parametrize("region", ["CU", "SY", "BY", "VE", "IQ"])
def test_regions_refused_before_are_accepted_and_evaluate(region):
    scenario = _load(region, 2024)
    result = evaluate(scenario)
    assert result.value("export.status") == "presumption_of_denial"
    assert result.value("energy.facility_power") > 0


def test_a_region_without_figures_evaluates_with_labelled_stand_ins():
    scenario = _load("CU", 2024)
    result = evaluate(scenario)
    assert result.value("region.fallback") is True
    assert "fallback: no figure for the region; the world average used" in (
        CATALOG.regions["CU"].grid_intensity[2024].note
    )
    france = _load("FR", 2024)
    assert evaluate(france).value("region.fallback") is False


def test_explain_names_the_destination_groups_and_the_rules_reaching_it():
    scenario = _load("CU", 2024)
    note = evaluate(scenario).node("export.status").note
    assert "destination CU (Cuba): EAR country groups on 2024-07-01: D:5, E:2" in note
    assert "cuba_embargo (effective 1996-03-25: 15 CFR 746.1(a)(1) and 746.2" in note
    assert "arms_embargo_d5" in note


def test_a_us_state_is_a_quoted_iso_3166_2_region():
    scenario = _load('"US-TX"', 2025)
    assert scenario.region == "US-TX"
    result = evaluate(scenario)
    assert result.value("export.status") == "allowed"
    assert "the figure of US used" in CATALOG.regions["US-TX"].grid_intensity[2024].note


def test_an_unknown_region_is_still_refused_with_a_located_error():
    from scendsl.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        _load("XX", 2024)
    text = str(caught.value)
    assert "unknown region 'XX'" in text
    assert is_region("CU") and is_region("US-TX") and not is_region("XX")
    assert not is_region("US-ZZ")


def test_checking_a_region_does_not_import_pycountry():
    # `check` reads the generated iso3166.tsv: pycountry would cost its import and a JSON load.
    code = (
        "import sys; from scendsl.language.names import is_region; "
        "assert is_region('CU') and is_region('US-TX'); "
        "print('pycountry' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_iso_file_matches_pycountry():
    import pycountry

    from scendsl.language.names import iso_region_names

    names = iso_region_names()
    assert {c.alpha_2 for c in pycountry.countries} <= set(names)
    assert {s.code for s in pycountry.subdivisions.get(country_code="US")} <= set(names)
    assert names["CU"] == "Cuba" and names["US-TX"] == "Texas"


def test_what_stands_in_past_the_catalogs_date_is_said_the_same_in_every_year():
    """Past the catalog's date the rules it records are applied to 1 July of the scenario's
    year: the note says that rule, not the date, so a sweep over years lists one caveat
    without rewriting its text (the date stays in the rest of the note, for `explain`)."""
    first = load_catalog().country_groups.as_of.year + 1
    said = set()
    for year in (first, first + 1):
        note = evaluate(_load("AE", year, "GB200")).node("export.status").note or ""
        assert note.startswith("extrapolated:")
        said.add(note.split("value used: ", 1)[1].split(";", 1)[0])
        assert f"{year}-07-01" in note
    assert len(said) == 1, said
    assert "applied to 1 July of the scenario's year" in said.pop()
