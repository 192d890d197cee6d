"""Monte Carlo and sensitivity: laws checked by hand, fixed seeds, claims as probabilities."""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest

import scendsl
from conftest import ROOT
from scendsl.catalog import load_catalog
from scendsl.language.fields import scenario_field
from scendsl.model.evaluate import evaluate
from scendsl.model.laws import Z90, law_for, normal_cdf, normal_quantile
from scendsl.model.trace import with_field
from scendsl.model.uncertainty import sample, sensitivity, spearman
from scendsl.scenario import Uncertain

COLOSSUS = (ROOT / "scenarios" / "colossus2.scn").read_text()
NORMAL = statistics.NormalDist()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def scenario(name: str, extra: str = ""):
    return scendsl.load(COLOSSUS + extra).get(name)


# ---------------------------------------------------------------------------- the laws
def test_normal_helpers_match_an_independent_implementation():
    probabilities = [1e-12, 1e-6, 0.001, 0.02425, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-9]
    expected = [NORMAL.inv_cdf(p) for p in probabilities]
    assert normal_quantile(probabilities) == pytest.approx(expected, rel=1e-12)
    assert normal_cdf([-3.0, 0.0, 1.0]) == pytest.approx(
        [NORMAL.cdf(-3.0), 0.5, NORMAL.cdf(1.0)], rel=1e-14
    )
    assert Z90 == pytest.approx(NORMAL.inv_cdf(0.95), rel=1e-15)


def test_interval_is_lognormal_with_its_ends_as_p5_and_p95():
    written = Uncertain(kind="interval", low=0.30, high=0.45, center=math.sqrt(0.30 * 0.45))
    law = law_for("cluster.mfu", written, scenario_field("cluster.mfu"))
    assert law.family == "lognormal"
    assert law.sigma == pytest.approx(math.log(1.5) / (2 * 1.6448536269514722), rel=1e-12)
    assert law.quantile(0.05) == pytest.approx(0.30, rel=1e-9)
    assert law.quantile(0.95) == pytest.approx(0.45, rel=1e-9)
    assert law.quantile(0.50) == pytest.approx(0.3674234614, rel=1e-9)  # √(0.30 × 0.45)


def test_spread_is_normal_with_the_spread_as_90_percent_half_width():
    written = Uncertain(kind="relative", low=1.125, high=1.375, center=1.25, rel=0.10)
    law = law_for("energy.pue", written, scenario_field("energy.pue"))
    assert law.family == "normal" and not law.truncated
    assert law.sigma == pytest.approx(0.125 / 1.6448536269514722, rel=1e-12)
    assert (law.quantile(0.05), law.quantile(0.5), law.quantile(0.95)) == pytest.approx(
        (1.125, 1.25, 1.375), rel=1e-9
    )


def test_wide_spread_of_a_positive_quantity_is_truncated_at_its_minimum():
    written = Uncertain(kind="relative", low=2_000, high=38_000, center=20_000, rel=0.90)
    spec = scenario_field("market.unit_price")
    law = law_for("market.unit_price", written, spec)
    assert law.truncated and spec.minimum > 0 and not spec.inclusive
    z = np.sort(np.random.default_rng(1).standard_normal(50_000))
    values = law.values(z)
    assert values.min() > spec.minimum
    assert np.all(np.diff(values) >= 0)  # monotone in z: copulas and ranks still work
    # Median of the normal N(20000, σ) truncated at the minimum m: μ + σ Φ⁻¹(½ + Φ((m−μ)/σ)/2).
    sigma = 20_000 * 0.9 / 1.6448536269514722
    cut = NORMAL.cdf((spec.minimum - 20_000) / sigma)
    assert law.quantile(0.5) == pytest.approx(
        20_000 + sigma * NORMAL.inv_cdf(0.5 + cut / 2), rel=1e-9
    )


def test_draws_stay_inside_the_field_bounds(catalog):
    run = sample(
        scenario(
            "wide",
            """
scenario wide extends colossus2 {
  cluster.mfu  50% to 99%
  energy.pue   1.1 ± 40%
}
""",
        ),
        20_000,
        catalog=catalog,
    )
    mfu, pue = run.draws["cluster.mfu"], run.draws["energy.pue"]
    # P(lognormal > 1) = 1 − Φ(ln(1/√(0.5·0.99)) / σ) ≈ 4.5 %: those draws sit on 100 %.
    assert mfu.max() == 1.0 and 0.03 < np.mean(mfu == 1.0) < 0.06
    # P(pue < 1) = Φ(−0.1 / (0.44/1.6449)) ≈ 35 %: those draws sit on 1 (a PUE is ≥ 1).
    assert pue.min() == 1.0
    assert np.mean(pue == 1.0) == pytest.approx(
        NORMAL.cdf(-0.1 / (0.44 / 1.6448536269514722)), abs=0.015
    )


# ------------------------------------------------------------------------- Monte Carlo
def test_median_of_a_symmetric_input_sits_at_its_centre(catalog):
    run = sample(scenario("colossus2_uncertain"), 20_000, catalog=catalog)
    pue = run.percentiles("energy.pue")
    assert pue.p50 == pytest.approx(1.25, abs=0.003)
    assert pue.p5 == pytest.approx(1.125, abs=0.005)
    assert pue.p95 == pytest.approx(1.375, abs=0.005)
    mfu = run.percentiles("cluster.mfu")
    assert mfu.p50 == pytest.approx(math.sqrt(0.30 * 0.45), abs=0.003)
    assert mfu.mean > mfu.p50  # the lognormal leans right
    assert mfu.p5 == pytest.approx(0.30, abs=0.004)
    assert mfu.p95 == pytest.approx(0.45, abs=0.006)


def test_scenario_without_ranges_has_zero_spread_and_certain_claims(catalog):
    plain = scenario("colossus2")
    run = sample(plain, 1_000, catalog=catalog)
    result = evaluate(plain, catalog)
    assert run.laws == () and run.varying() == []
    summaries = run.summaries()
    assert len(summaries) > 100
    for name, summary in summaries.items():
        assert summary.p5 == summary.p50 == summary.p95 == summary.mean
        assert summary.p50 == pytest.approx(float(result.value(name)), rel=1e-12)
    assert len(run.claims) == len(result.claims) > 0
    for probability, claim in zip(run.claims, result.claims, strict=True):
        assert probability.probability == (1.0 if claim.holds else 0.0)


def test_same_seed_same_bytes_other_seed_other_numbers(catalog):
    uncertain = scenario("colossus2_uncertain")
    first = sample(uncertain, 2_000, seed=7, catalog=catalog).to_json()
    again = sample(uncertain, 2_000, seed=7, catalog=catalog).to_json()
    other = sample(uncertain, 2_000, seed=8, catalog=catalog).to_json()
    assert first.encode() == again.encode()
    assert first != other
    data = json.loads(first)
    assert data["seed"] == 7 and data["samples"] == 2_000
    assert set(data["inputs"]) == {"cluster.mfu", "energy.pue"}


def test_adding_a_range_does_not_reshuffle_the_others(catalog):
    one = sample(
        scenario(
            "one",
            """
scenario one extends colossus2 { cluster.mfu 30% to 45% }
""",
        ),
        5_000,
        catalog=catalog,
    )
    two = sample(
        scenario(
            "two",
            """
scenario two extends colossus2 {
  cluster.mfu  30% to 45%
  energy.pue   1.25 ± 10%
}
""",
        ),
        5_000,
        catalog=catalog,
    )
    np.testing.assert_array_equal(one.draws["cluster.mfu"], two.draws["cluster.mfu"])


def test_claim_probabilities_by_hand(catalog):
    run = sample(
        scenario(
            "claims",
            """
scenario claims extends colossus2 {
  energy.pue  1.25 ± 10%
  expect energy.pue >= 1.3             "above 1.3"
  expect energy.pue ~= 1.25 ± 5%       "within 5 % of 1.25"
}
""",
        ),
        20_000,
        catalog=catalog,
    )
    probabilities = {(c.metric, c.op, c.expected): c.probability for c in run.claims}
    sigma = 0.125 / 1.6448536269514722
    # P(pue ≥ 1.3) = 1 − Φ(0.05/σ) ≈ 0.255; P(|pue − 1.25| ≤ 0.0625) = 2Φ(0.0625/σ) − 1 ≈ 0.589.
    assert probabilities[("energy.pue", ">=", 1.3)] == pytest.approx(
        1 - NORMAL.cdf(0.05 / sigma), abs=0.015
    )
    assert probabilities[("energy.pue", "~=", 1.25)] == pytest.approx(
        2 * NORMAL.cdf(0.0625 / sigma) - 1, abs=0.015
    )
    for claim in run.claims:
        assert 0.0 <= claim.probability <= 1.0


def test_every_sample_equals_evaluating_that_sample_alone(catalog):
    uncertain = scenario("colossus2_uncertain")
    run = sample(uncertain, 50, catalog=catalog)
    for index in (0, 17, 49):
        fixed = with_field(uncertain, "cluster.mfu", float(run.draws["cluster.mfu"][index]))
        fixed = with_field(fixed, "energy.pue", float(run.draws["energy.pue"][index]))
        result = evaluate(fixed, catalog)
        compared = 0
        for name, values in run.numbers.items():
            expected = result.value(name)
            got = values[index] if isinstance(values, np.ndarray) else values
            if expected is None:
                assert got is None
                continue
            assert float(got) == pytest.approx(float(expected), rel=1e-9), name
            compared += 1
        assert compared > 100


def test_correlated_inputs_follow_the_gaussian_copula(catalog):
    triple = scenario(
        "triple",
        """
scenario triple extends colossus2 {
  cluster.mfu         30% to 45%
  energy.pue          1.25 ± 10%
  energy.utilization  70% to 95%
}
""",
    )
    run = sample(triple, 20_000, catalog=catalog, correlations={("energy.pue", "cluster.mfu"): 0.6})
    mfu, pue, use = (run.draws[n] for n in ("cluster.mfu", "energy.pue", "energy.utilization"))
    # Rank correlation of a Gaussian copula: (6/π)·asin(ρ/2) = 0.582 for ρ = 0.6.
    assert spearman(mfu, pue) == pytest.approx(6 / math.pi * math.asin(0.3), abs=0.02)
    assert spearman(mfu, use) == pytest.approx(0.0, abs=0.03)
    # Each input keeps its own law.
    assert np.percentile(pue, [5, 95]) == pytest.approx([1.125, 1.375], abs=0.006)
    independent = sample(triple, 20_000, catalog=catalog)
    np.testing.assert_array_equal(independent.draws["energy.utilization"], use)

    with pytest.raises(ValueError, match="not an uncertain input"):
        sample(triple, 10, catalog=catalog, correlations={("cluster.mfu", "cluster.count"): 0.5})
    with pytest.raises(ValueError, match="between -1 and 1"):
        sample(triple, 10, catalog=catalog, correlations={("cluster.mfu", "energy.pue"): 1.5})
    with pytest.raises(ValueError, match="positive semidefinite"):
        sample(
            triple,
            10,
            catalog=catalog,
            correlations={
                ("cluster.mfu", "energy.pue"): 0.9,
                ("energy.pue", "energy.utilization"): 0.9,
                ("cluster.mfu", "energy.utilization"): -0.9,
            },
        )


def test_inputs_that_read_only_whether_a_range_is_written_are_not_listed_as_held(catalog):
    # Where the MFU and the PUE come from ("scenario") does not move with their sampled values.
    run = sample(
        scenario(
            "ranges",
            """
scenario ranges extends colossus2 {
  cluster.mfu 30% to 50%
  energy.pue  1.1 to 1.4
}
""",
        ),
        100,
        catalog=catalog,
    )
    assert run.held == ()
    assert {"cluster.mfu", "energy.pue"} <= set(run.draws)


def test_derived_inputs_held_at_the_centre_are_listed(catalog):
    run = sample(
        scenario(
            "params",
            """
scenario params extends colossus2 { workload.parameters 1T to 3T }
""",
        ),
        100,
        catalog=catalog,
    )
    assert "workload.hidden_size" in run.held
    # The dense model's active parameters pass the same range on: one draw for both.
    np.testing.assert_array_equal(
        run.draws["workload.parameters"], run.draws["workload.active_parameters"]
    )


# ------------------------------------------------------------------------- sensitivity
def test_sensitivity_swings_by_hand(catalog):
    uncertain = scenario("colossus2_uncertain")
    result = sensitivity(uncertain, 5_000, catalog=catalog)
    by_metric = {m.metric: m for m in result.metrics}
    assert "energy.facility_power" in by_metric and "market.capex" in by_metric

    power = by_metric["energy.facility_power"]
    top, second = power.swings
    assert top.input == "energy.pue" and second.input == "cluster.mfu"
    # Facility power = IT power × PUE: the swing is IT power × (P95 − P5) = baseline × 0.25/1.25.
    assert top.swing == pytest.approx(power.baseline * 0.25 / 1.25, rel=1e-9)
    assert second.swing == 0.0
    assert top.spearman == pytest.approx(1.0)

    time = by_metric["performance.training_time"]
    assert time.swings[0].input == "cluster.mfu"
    # T ∝ 1/MFU: T(0.30) − T(0.45) = T(median) × √(0.30·0.45) × (1/0.30 − 1/0.45).
    expected = time.baseline * math.sqrt(0.135) * (1 / 0.30 - 1 / 0.45)
    assert time.swings[0].swing == pytest.approx(expected, rel=1e-9)
    assert time.swings[0].metric_at_low > time.swings[0].metric_at_high
    assert time.swings[0].spearman == pytest.approx(-1.0)

    capex = by_metric["market.capex"]
    assert all(s.swing == 0.0 and s.spearman is None for s in capex.swings)
    assert len(result.rows()) == sum(len(m.swings) for m in result.metrics)


def test_correlate_statement_reaches_the_sampler():
    import numpy as np

    import scendsl
    from scendsl.model.uncertainty import sample as draw

    text = """
scenario a {
  year 2026
  region US
  cluster.accelerator GB200
  cluster.count 100k
  cluster.mfu 30% to 45%
  energy.pue 1.25 ± 10%
  correlate cluster.mfu, energy.pue 0.8
}
"""
    samples = draw(scendsl.load(text).get("a"), 20_000)
    rho = np.corrcoef(samples.draws["cluster.mfu"], samples.draws["energy.pue"])[0, 1]
    assert 0.75 < rho < 0.85
    independent = draw(
        scendsl.load(text.replace("  correlate cluster.mfu, energy.pue 0.8\n", "")).get("a"), 20_000
    )
    assert (
        abs(np.corrcoef(independent.draws["cluster.mfu"], independent.draws["energy.pue"])[0, 1])
        < 0.05
    )


def test_a_range_in_hardware_the_scenario_does_not_use_is_no_uncertainty():
    import scendsl
    from scendsl.model.uncertainty import has_uncertainty

    result = scendsl.load("""
accelerator X extends MI300X {
  fp8_dense 5 PFLOPS ± 10%
}
scenario plain {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 8
}
scenario uses_x extends plain {
  cluster.accelerator X
}
""")
    assert not has_uncertainty(result.get("plain"))
    assert has_uncertainty(result.get("uses_x"))


@pytest.mark.parametrize("seed", range(8))
def test_percentiles_taken_together_are_the_floats_spread_gives_each_array(seed, monkeypatch):
    # Arrays of one length with ties, infinities and extremes, in chunks of 3 (a chunk boundary
    # falls inside the list): each row's P5/P50/P95/mean is spread's, to the last bit.
    import scendsl.model.values as values

    monkeypatch.setattr(values, "_STACKED_NUMBERS", 3 * 257)
    rng = np.random.default_rng(seed)
    arrays = [rng.lognormal(size=257) * 10.0 ** rng.integers(-30, 30) for _ in range(7)]
    arrays.append(np.round(rng.normal(size=257), 1))  # ties
    arrays.append(np.where(rng.random(257) < 0.1, np.inf, rng.normal(size=257)))
    arrays.append(np.full(257, -np.inf))
    together = values.percentiles_together(arrays)
    for array, found in zip(arrays, together, strict=True):
        _low, p5, p50, p95, _high, mean = values.spread(array)
        assert np.array_equal(np.array(found), np.array((p5, p50, p95, mean)), equal_nan=True)


def test_varying_summaries_are_each_nodes_percentiles():
    scenario = scendsl.load(str(ROOT / "scenarios")).get("colossus2_uncertain")
    run = sample(scenario, 2_000)
    found = run.varying_summaries()
    expected = {name: run.percentiles(name) for name in run.varying()}
    assert found == {name: s for name, s in expected.items() if s is not None}
    assert len(found) > 20
