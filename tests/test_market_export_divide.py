"""Market, export-control and compute-divide domains, checked against hand calculations."""

import datetime as dt

import numpy as np
import pytest

import scendsl
from factories import CARD_WITHOUT_SCALEUP_DOMAIN
from scendsl.catalog import STATUS_ORDER, ExportRule, load_catalog
from scendsl.model.domains import divide, export_control, export_rules, market
from scendsl.model.domains.export_rules import (
    ChipFigures,
    decision_date,
    export_status,
    status_for,
    total_processing_performance,
)
from scendsl.model.evaluate import compute_values, evaluate

CATALOG = load_catalog()
HOUR = 3600.0


def scenario(
    accelerator="GB200", count="100k", year=2026, region="US", precision="fp8", extra="", blocks=""
):
    """A minimal scenario; `extra` adds statements to it, `blocks` definitions after it."""
    text = f"""
scenario s {{
  title "t"
  year {year}
  region {region}
  cluster {{
    accelerator {accelerator}
    count {count}
    mfu 40%
  }}
  workload {{
    parameters 2T
    tokens 40T
    precision {precision}
  }}
  {extra}
}}
{blocks}
"""
    return scendsl.load(text).get("s")


def run(**kwargs):
    return evaluate(scenario(**kwargs))


#: The price series of the source article (GB200 USD 30k, 25k, 20k for 2024-2026; H100 25k).
ARTICLE = "market.price_series article"


# ============================================================================ market
def test_capex_of_100k_gb200_at_the_articles_2026_price_is_two_billion():
    result = run(extra=ARTICLE)
    # Hand calculation: 100,000 × USD 20,000 (article's 2026 GB200 ASP) = USD 2,000,000,000.
    assert result.value("market.unit_price") == 20_000
    assert result.value("market.capex") == pytest.approx(2e9)
    assert "market.purchase.article.GB200[2026]" in result.node("market.unit_price").origin
    assert result.value("market.price_series") == "article"


def test_scenario_unit_price_overrides_the_catalog():
    result = run(extra="market.unit_price 30k USD")
    assert result.value("market.capex") == pytest.approx(100_000 * 30_000)
    assert "market.unit_price" not in (result.node("market.unit_price").origin or "catalog")


def test_price_outside_the_data_is_the_nearest_year_labelled_extrapolated():
    result = run(year=2028)
    node = result.node("market.unit_price")
    # The market series' last GB200 point: an NVL72 rack (USD 3.0-3.9M, midpoint) / 72, in 2026.
    assert node.value == 47_920
    assert "extrapolated: no 2028 figure, 2026 value used" in node.note
    assert result.value("market.price_extrapolated") is True
    early = run(accelerator="H100", year=2021)
    assert early.value("market.unit_price") == 44_489.88  # the 2022 figure (DGX H100 / 8), held
    assert "extrapolated" in early.node("market.unit_price").note


def test_tpus_have_no_unit_price_so_no_capex():
    result = run(accelerator="TPUv5p", count="8960")
    assert result.value("market.unit_price") is None
    assert result.value("market.capex") is None
    assert result.value("market.share_of_global_market") is None


def test_share_of_global_market_and_vendor_share():
    result = run(extra=ARTICLE)
    # 2026: market USD 120B, NVIDIA 75% (article table). USD 2B / 120B = 1/60.
    assert result.value("market.global_market") == pytest.approx(120e9)
    assert result.value("market.share_of_global_market") == pytest.approx(2e9 / 120e9)
    assert result.value("market.vendor_share") == pytest.approx(0.75)
    assert result.value("market.share_of_vendor_market") == pytest.approx(2e9 / (120e9 * 0.75))


def test_global_market_is_labelled_extrapolated_outside_2024_to_2026():
    for year, expected in ((2023, 45e9), (2024, 45e9), (2025, 75e9), (2030, 120e9)):
        node = run(year=year).node("market.global_market")
        assert node.value == pytest.approx(expected)
        assert ("extrapolated" in (node.note or "")) == (year not in (2024, 2025, 2026))


def test_vendor_share_is_only_known_for_nvidia_parts():
    assert run(accelerator="MI300X", count="1k").value("market.vendor_share") is None
    assert run(accelerator="H100", count="1k", year=2024).value("market.vendor_share") == 0.85


def test_rental_price_from_the_catalog_and_from_the_scenario():
    result = run(accelerator="H100", count="1k", year=2024)
    assert result.value("market.rental_price") == pytest.approx(2.99 / HOUR)
    result = run(accelerator="H100", count="1k", year=2024, extra="market.rental_price 2 USD/hour")
    assert result.value("market.rental_price") == pytest.approx(2 / HOUR)
    assert run(accelerator="Gaudi3", count="1k").value("market.rental_price") is None


def test_rental_cost_is_price_times_accelerators_times_training_time():
    result = run(accelerator="H100", count="1k", year=2024)
    price = 2.99 / HOUR
    ideal = result.value("performance.training_time")
    wall = result.value("reliability.training_time")
    assert ideal is not None and wall is not None
    assert result.value("market.rental_cost_ideal") == pytest.approx(price * 1000 * ideal)
    assert result.value("market.rental_cost") == pytest.approx(price * 1000 * wall)
    assert result.value("market.rental_cost") >= result.value("market.rental_cost_ideal")


def test_market_formulas_take_arrays():
    counts = np.array([50_000.0, 100_000.0, 200_000.0])
    np.testing.assert_allclose(market.capex(counts, 20_000.0), [1e9, 2e9, 4e9])
    np.testing.assert_allclose(
        market.share_of_global_market(np.array([1e9, 2e9]), 120e9), [1 / 120, 2 / 120]
    )
    np.testing.assert_allclose(
        market.rental_cost(np.array([1.0, 2.0]) / HOUR, 10.0, 7200.0), [20.0, 40.0]
    )


def test_capex_follows_a_swept_count():
    values, _ = compute_values(
        scenario(extra=ARTICLE),
        CATALOG,
        {"cluster.count": np.array([50_000.0, 100_000.0, 200_000.0])},
    )
    np.testing.assert_allclose(values["market.capex"], [1e9, 2e9, 4e9])


# ============================================================================ TPP and density
def test_tpp_by_hand():
    # H100: FP8 1,978.9 × 8 = 15,831.2 (BF16 989.4 × 16 = 15,830.4 is lower) — figures.md §B6.
    assert run(accelerator="H100", count="1").value("export.tpp") == pytest.approx(15_831.2)
    # GB200: FP8 5,000 × 8 = FP4 10,000 × 4 = BF16 2,500 × 16 = 40,000.
    assert run(count="1").value("export.tpp") == pytest.approx(40_000)
    # Gaudi 3: BF16 1,835 × 16 = 29,360 beats FP8 1,835 × 8.
    assert run(accelerator="Gaudi3", count="1").value("export.tpp") == pytest.approx(29_360)
    # TPU v5e: BF16 197 × 16 = 3,152 beats INT8 393.5 × 8 = 3,148.
    assert run(accelerator="TPUv5e", count="1").value("export.tpp") == pytest.approx(3_152)


def test_tpp_and_density_take_arrays():
    rates = np.array([1.0e15, 2.0e15])
    np.testing.assert_allclose(
        total_processing_performance(rates / 2, rates, 0.0, 0.0), [8_000, 16_000]
    )
    np.testing.assert_allclose(
        export_control.performance_density(np.array([8_140.0, 16_280.0]), 814e-6), [10.0, 20.0]
    )


def test_performance_density_needs_a_die_area():
    h100 = run(accelerator="H100", count="1")
    assert h100.value("export.performance_density") == pytest.approx(15_831.2 / 814)  # 19.45
    assert run(count="1").value("export.performance_density") is None  # GB200: no die area


def test_h100_equivalents_and_the_tier2_cap():
    result = run()
    # 100,000 × 40,000 / 15,831.2 = 252,665.6 H100 equivalents; × 40,000 TPP / 790M = 5.06 caps.
    assert result.value("export.h100_equivalents") == pytest.approx(100_000 * 40_000 / 15_831.2)
    assert result.value("export.share_of_tier2_cap") == pytest.approx(4e9 / 790e6)
    assert run(accelerator="H100", count="1k").value("export.h100_equivalents") == pytest.approx(
        1000
    )


# ============================================================================ export status
def test_status_is_decided_on_1_july_of_the_scenario_year():
    assert decision_date(2025) == dt.date(2025, 7, 1)


def test_h100_to_china_in_2023_needs_a_licence_under_the_oct_2022_rule():
    result = run(accelerator="H100", count="1k", year=2023, region="CN")
    assert result.value("export.status") == "licence_required"
    assert result.value("export.rule").startswith("oct2022 [3A090.a]: 87 FR 62186")
    assert result.value("export.controlled") is True


def test_h100_to_the_uae_after_the_rescission_and_under_the_diffusion_rule():
    # 1 July 2025: the AI-diffusion rule was rescinded on 13 May; the Oct 2023 rule (D:4) decides.
    result = run(accelerator="H100", count="1k", year=2025, region="AE")
    assert result.value("export.status") == "licence_required"
    assert result.value("export.rule").startswith("acs2023 [3A090.a]: 88 FR 73458")
    # 1 March 2025: the diffusion rule is in force, UAE is Tier 2: still a licence, now its rule.
    during = status_for(CATALOG, "H100", "AE", dt.date(2025, 3, 1))
    assert during.status == "licence_required" and during.rule.id == "diffusion2025"
    assert "diffusion2025" in during.in_force
    assert "diffusion2025" not in status_for(CATALOG, "H100", "AE", dt.date(2025, 7, 1)).in_force


def test_diffusion_tiers_while_in_force():
    date = dt.date(2025, 3, 1)
    assert status_for(CATALOG, "B200", "DE", date).status == "allowed"  # Tier 1
    assert status_for(CATALOG, "B200", "IN", date).status == "licence_required"  # Tier 2
    assert status_for(CATALOG, "B200", "RU", date).status == "presumption_of_denial"  # Tier 3
    # Tier 1 after the rescission: no rule reaches Germany at all.
    after = status_for(CATALOG, "B200", "DE", dt.date(2025, 7, 1))
    assert after.status == "allowed" and after.rule is None


def test_h200_to_china_in_2026_is_case_by_case_but_b200_stays_denied():
    result = run(accelerator="H200", count="1k", year=2026, region="CN")
    assert result.value("export.status") == "case_by_case"
    assert result.value("export.rule").startswith("jan2026 [h200_or_less]: 91 FR 1684")
    # MI325X is named in the rule: TPP 2,614.9 × 8 = 20,919.2 sits exactly on the bound.
    assert status_for(CATALOG, "MI325X", "CN", dt.date(2026, 7, 1)).status == "case_by_case"
    # B200 (TPP 36,000) is above "H200 or less": the 2024 presumption of denial stands.
    b200 = status_for(CATALOG, "B200", "CN", dt.date(2026, 7, 1))
    assert b200.status == "presumption_of_denial" and b200.rule.id == "corrections2024"
    # Before the Jan 2026 relaxation, the H200 too was presumed denied.
    assert status_for(CATALOG, "H200", "CN", dt.date(2025, 7, 1)).status == "presumption_of_denial"


def test_h20_needs_a_licence_only_from_the_april_2025_letter():
    assert status_for(CATALOG, "H20", "CN", dt.date(2024, 7, 1)).status == "allowed"
    later = status_for(CATALOG, "H20", "CN", dt.date(2025, 7, 1))
    assert later.status == "licence_required" and later.rule.id == "h20_2025"
    # Its TPP (296 × 8 = 2,368) and PD (2.91) are below every 3A090 class.
    assert (
        run(accelerator="H20", count="1", year=2025, region="CN").value("export.controlled")
        is False
    )


def test_anything_to_the_us_is_allowed_in_every_year():
    for name, entry in CATALOG.accelerators.items():
        # A chip the US rules do not reach (Huawei's) has no US status at all.
        expected = "allowed" if entry.subject_to.reached_by_us_rules else "outside_us_rules"
        for year in range(2021, 2029):
            decision = status_for(CATALOG, name, "US", decision_date(year))
            assert decision.status == expected, (name, year)


def test_tpu_v5e_is_undetermined_where_its_unpublished_die_area_decides():
    # TPP 3,152 < 4,800: 3A090.a only if PD ≥ 5.92, 3A090.b if 1.6 ≤ PD < 5.92, else free.
    # Google publishes no die area, so in China (D:5, 2024) the status ranges over three values.
    result = run(accelerator="TPUv5e", count="256", year=2024, region="CN")
    assert result.value("export.status") == export_rules.UNDETERMINED
    rule = result.value("export.rule")
    assert rule == (
        "undetermined: allowed if PD < 1.6; notification if 1.6 ≤ PD < 5.92; "
        "presumption_of_denial if 5.92 ≤ PD"
    )
    assert result.value("export.controlled") is None
    assert "undetermined" in result.node("export.controlled").note
    # Where every PD gives the same answer, the status is definite.
    assert (
        run(accelerator="TPUv5e", count="256", year=2024, region="US").value("export.status")
        == "allowed"
    )
    # Before Nov 2023 only TPP ≥ 4,800 with I/O ≥ 600 GB/s counted: TPU v5e was not controlled.
    assert (
        run(accelerator="TPUv5e", count="256", year=2023, region="CN").value("export.status")
        == "allowed"
    )


def test_statuses_are_the_schema_values_everywhere():
    allowed = set(STATUS_ORDER) | {export_rules.UNDETERMINED, export_rules.OUTSIDE_US_RULES}
    assert allowed == set(export_rules.STATUS_VALUES)
    # Regions with figures, and one stand-in region per distinct standing (every code would take
    # ~20 s; two codes with the same groups and tier are decided alike unless a rule names one).
    named = {code for rule in CATALOG.export_rules for t in rule.treatments for code in t.regions}
    regions, standings = [], set()
    for code, region in CATALOG.regions.items():
        standing = (CATALOG.country_groups.memberships(code), region.groups, region.diffusion_tier)
        if not region.fallback or code in named or standing not in standings:
            regions.append(code)
            standings.add(standing)
    for name in CATALOG.accelerators:
        for region in regions:
            for year in (2022, 2023, 2024, 2025, 2026):
                assert status_for(CATALOG, name, region, decision_date(year)).status in allowed


def _rule(**fields):
    base = dict(
        id="r",
        title="t",
        effective=dt.date(2030, 1, 1),
        citation="c",
        source="s",
        confidence="C",
        combine="strictest",
        classes=[{"id": "k", "when": [{"tpp_min": 1000}]}],
        treatments=[{"classes": ["k"], "everywhere": True, "status": "licence_required"}],
    )
    base.update(fields)
    return ExportRule(**base)


def test_the_interpreter_is_driven_by_data():
    chip = ChipFigures(tpp=2000.0, pd=None, io=1e12, hbm_bandwidth=1e12)
    region = CATALOG.regions["US"]
    assert export_status(chip, region, [_rule()], dt.date(2029, 12, 31)).status == "allowed"
    assert export_status(chip, region, [_rule()], dt.date(2030, 1, 1)).status == "licence_required"
    rescinded = _rule(rescinded=dt.date(2030, 6, 1))
    assert export_status(chip, region, [rescinded], dt.date(2030, 6, 1)).status == "allowed"
    excluded = _rule(
        treatments=[
            {
                "classes": ["k"],
                "everywhere": True,
                "except_regions": ["US"],
                "status": "licence_required",
            }
        ]
    )
    assert export_status(chip, region, [excluded], dt.date(2031, 1, 1)).status == "allowed"
    relax = _rule(
        id="later",
        effective=dt.date(2031, 1, 1),
        combine="relax",
        treatments=[{"classes": ["k"], "everywhere": True, "status": "notification"}],
    )
    decision = export_status(chip, region, [_rule(), relax], dt.date(2031, 1, 1))
    assert decision.status == "notification" and decision.rule.id == "later"


# ============================================================================ launch flag
def test_hardware_not_launched_by_the_forecast_year_is_flagged():
    assert run(year=2024).value("export.launched") is False  # GB200 ships in 2025
    assert run(year=2025).value("export.launched") is True
    np.testing.assert_array_equal(
        export_control.launched(2025, np.array([2024, 2025, 2026])), [False, True, True]
    )


# ============================================================================ compute divide
def test_compute_ratio_against_catalog_and_scenario_references():
    result = run()
    # The scenario trains in FP8, but the comparison is at the set's precision, dense BF16
    # by default: 100,000 GB200 × 2.5 PFLOPS.
    scenario_peak = 100_000 * 2.5e15
    assert result.value("divide.peak") == pytest.approx(scenario_peak)
    # Princeton PLI: 300 H100 × 989.4 TFLOPS BF16 = 296.8 PFLOPS → ratio 842.3.
    assert result.value("reference.princeton_pli.comparison_peak") == pytest.approx(300 * 989.4e12)
    assert result.value("divide.princeton_pli.compute_ratio") == pytest.approx(
        scenario_peak / (300 * 989.4e12)
    )
    # Its peak at the training precision stays what time-to-train uses: 300 × 1,978.9 TFLOPS.
    assert result.value("reference.princeton_pli.peak") == pytest.approx(300 * 1978.9e12)
    # NAIRR pilot: 5,000 H100 equivalents → 50.5×.
    assert result.value("divide.nairr_pilot.compute_ratio") == pytest.approx(
        scenario_peak / (5000 * 989.4e12)
    )
    for kind in ("university", "open_source_lab", "national_resource"):
        assert any(r.kind == kind for r in CATALOG.references.values()), kind


def test_a_scenario_reference_with_a_custom_accelerator():
    blocks = """
reference lab {
  accelerator Old
  count 2_000
}
accelerator Old {
  bf16_dense         312 TFLOPS
  hbm                80 GB
  hbm_bandwidth      2 TB/s
  scaleup_bandwidth  600 GB/s
  hostlink_bandwidth 64 GB/s
  tdp                400 W
  price              10k USD
}
"""
    result = run(blocks=blocks)
    # No FP8 rate: the BF16 rate runs FP8 work. 2,000 × 312 TFLOPS = 624 PFLOPS.
    assert result.value("reference.lab.rate") == pytest.approx(312e12)
    assert "bf16 used" in result.node("reference.lab.rate").note
    # The ratio compares BF16 with BF16 (2.5e20 / 624e15 = 400.6), not the scenario's FP8
    # peak with the lab's BF16 one (801: twice the hardware gap).
    assert result.value("divide.lab.compute_ratio") == pytest.approx(2.5e20 / 624e15)
    # To match 5e20 FLOP/s the lab needs 5e20 / 312e12 = 1,602,564.1 chips: 1,600,564.1 more.
    more = 5e20 / 312e12 - 2000
    assert result.value("divide.lab.accelerators_to_close") == pytest.approx(more)
    assert result.value("divide.lab.capex_to_close") == pytest.approx(more * 10_000)


def test_time_capex_and_power_to_close_by_hand():
    result = run(extra=ARTICLE)
    flops = result.value("workload.training_flops")
    ref_peak = 300 * 1978.9e12
    assert flops is not None
    assert result.value("divide.princeton_pli.time_to_train") == pytest.approx(
        flops / (ref_peak * 0.40)
    )
    more = 100_000 * 5e15 / 1978.9e12 - 300
    assert result.value("divide.princeton_pli.accelerators_to_close") == pytest.approx(more)
    # H100 has no 2026 price: the 2024 USD 25k is held (labelled).
    assert result.value("reference.princeton_pli.unit_price") == 25_000
    assert "extrapolated" in result.node("reference.princeton_pli.unit_price").note
    assert result.value("divide.princeton_pli.capex_to_close") == pytest.approx(more * 25_000)
    system = result.value("reference.princeton_pli.system_power")
    overhead, pue = result.value("energy.network_overhead"), result.value("energy.pue")
    # The H100 platform figure: DGX H100 10.2 kW / 8 GPUs = 1,275 W per accelerator.
    assert system == pytest.approx(10_200 / 8)
    assert result.value("divide.princeton_pli.power_to_close") == pytest.approx(
        more * system * (1 + overhead) * pue
    )


def test_a_reference_larger_than_the_scenario_needs_nothing_to_close():
    result = run(count="100")
    assert result.value("divide.nairr_pilot.compute_ratio") < 1
    assert result.value("divide.nairr_pilot.accelerators_to_close") == 0
    assert result.value("divide.nairr_pilot.capex_to_close") == 0


def test_divide_formulas_take_arrays():
    peaks = np.array([1e20, 5e20])
    np.testing.assert_allclose(divide.compute_ratio(peaks, 1e18), [100, 500])
    np.testing.assert_allclose(
        divide.accelerators_to_close(peaks, 1e15, np.array([1e6, 1e3])), [0.0, 5e5 - 1e3]
    )
    np.testing.assert_allclose(divide.time_to_train(1e24, np.array([1e18, 2e18]), 0.5), [2e6, 1e6])
    values, _ = compute_values(
        scenario(), CATALOG, {"cluster.count": np.array([50_000.0, 100_000.0])}
    )
    np.testing.assert_allclose(
        values["divide.princeton_pli.compute_ratio"],
        np.array([50_000, 100_000]) * 2.5e15 / (300 * 989.4e12),
    )


#: A reference on a new accelerator the catalog has no price for (the card of the factories).
UNPRICED_LAB = (
    CARD_WITHOUT_SCALEUP_DOMAIN
    + """
reference lab {
  title       "A lab on an unpriced chip"
  accelerator Card
  count       100k
}
"""
)


def test_nothing_to_close_costs_nothing_even_on_a_chip_without_a_price():
    """A Mexico City consortium's briefing read $0 to match one national resource larger than
    it and n/a for another, on a chip the catalog has no price for: zero accelerators cost
    nothing whatever their price. Scalar and vectorised (a sweep) alike."""
    from scendsl.model.sweep import evaluate_sweep

    small = run(count="8", blocks=UNPRICED_LAB)
    assert small.value("divide.lab.accelerators_to_close") == 0
    assert small.value("divide.lab.capex_to_close") == 0
    big = run(count="1M", blocks=UNPRICED_LAB)
    assert big.value("divide.lab.accelerators_to_close") > 0
    assert big.value("divide.lab.capex_to_close") is None  # something to buy, at no known price
    text = (
        "scenario s {\n  year 2026\n  region US\n  cluster {\n    accelerator GB200\n"
        "    count 8\n  }\n}\nsweep sizes from s {\n  cluster.count [8, 1M]\n}\n"
    )
    table = evaluate_sweep(scendsl.load_text(text + UNPRICED_LAB).sweeps[0])
    capex = table.numbers["divide.lab.capex_to_close"]
    assert capex[0] == 0 and np.isnan(capex[1])


def test_a_runs_cost_on_bought_accelerators_is_their_price_over_the_hours_used_and_its_power():
    """Buying against renting (the Abu Dhabi and Accra trials): the purchase price of the whole
    cluster beside the rental of one run compared a life of use with one run."""
    extra = "cluster.lifetime 4 years\nenergy.utilization 70%"
    result = run(accelerator="H100", count="1k", year=2024, extra=extra)
    capex = result.value("market.capex")
    wall = result.value("reliability.training_time")
    life = result.value("cluster.lifetime")
    assert life == pytest.approx(4 * 365.25 * 24 * HOUR)
    expected = capex * wall / (life * 0.7) + result.value("energy.training_cost")
    assert result.value("market.owned_run_cost") == pytest.approx(expected)
    # a longer life, or more of it used, makes each run's share smaller
    longer = run(
        accelerator="H100", count="1k", year=2024, extra=extra.replace("4 years", "8 years")
    )
    assert longer.value("market.owned_run_cost") < result.value("market.owned_run_cost")


def test_renting_against_buying_is_one_figure_a_claim_can_take():
    """The Kuala Lumpur trial: five years of rent against buying the same 10,000 GPUs."""
    extra = "cluster.lifetime 5 years\nmarket.rental_price 3 USD/hour"
    result = run(accelerator="H100", count="1k", year=2024, extra=extra)
    ratio = result.value("market.rent_to_own_ratio")
    assert ratio == pytest.approx(
        result.value("market.rental_cost") / result.value("market.owned_run_cost")
    )
    cheaper = run(
        accelerator="H100", count="1k", year=2024, extra=extra.replace("3 USD", "0.5 USD")
    )
    assert cheaper.value("market.rent_to_own_ratio") < ratio
