"""Reliability (interruptions, Young/Daly checkpointing, goodput) and scaling (Chinchilla loss).

Expected values are worked by hand in each test, from the published formulas, not read back
from the model.
"""

import numpy as np
import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.domains import reliability, scaling
from scendsl.model.evaluate import compute_values, evaluate

# Meta's Llama 3 405B run: 16,384 H100, 405B parameters, 15.6T tokens.
SCENARIOS = """
scenario llama3 {
  title "Llama 3 405B on 16,384 H100"
  year 2024
  region US
  cluster {
    accelerator H100
    count 16_384
    mfu 40%
    recovery restart
  }
  workload {
    parameters 405B
    tokens 15.6T
  }
}

scenario colossus {
  title "2T model on 100k GB200"
  year 2026
  region US
  cluster {
    accelerator GB200
    count 100k
    mfu 40%
  }
  workload {
    parameters 2T
    tokens 40T
  }
}

scenario chinchilla_vs_gopher extends llama3 {
  workload {
    parameters 70B
    tokens 1.4T
    baseline_parameters 280B
    baseline_tokens 300B
    checkpoint_time 2 minutes
  }
}

scenario named_size_only extends colossus {
  workload.baseline_parameters 70B
}

scenario no_workload {
  title "Cluster without a workload"
  year 2026
  region US
  cluster {
    accelerator H100
    count 1k
  }
}
"""


@pytest.fixture(scope="module")
def scenarios():
    return scendsl.load(SCENARIOS)


def values(scenario, overrides=None):
    return compute_values(scenario, load_catalog(), overrides)[0]


# ------------------------------------------------------------------------------ formulas
def test_daly_interval_matches_a_hand_calculation():
    # δ = 60 s, M = 3600 s: δ/2M = 1/120 = 0.0083333, √(δ/2M) = 0.0912871,
    # √(2δM) = √432,000 = 657.2671; factor 1 + 0.0912871/3 + 0.0083333/9 = 1.0313550;
    # τ = 657.2671 × 1.0313550 − 60 = 617.876 s (Young alone: 657.3 s).
    assert reliability.daly_interval(60.0, 3600.0) == pytest.approx(617.876, abs=1e-3)


def test_daly_interval_is_mtbi_when_a_checkpoint_takes_longer_than_two_mtbi():
    # δ = 8000 s ≥ 2M = 7200 s: Daly's rule is τ = M.
    assert reliability.daly_interval(8000.0, 3600.0) == pytest.approx(3600.0)
    # Element-wise: one case on each side of δ = 2M in one array.
    taus = reliability.daly_interval(np.array([60.0, 8000.0]), np.array([3600.0, 3600.0]))
    assert taus == pytest.approx([617.876, 3600.0], abs=1e-3)


def test_goodput_matches_a_hand_calculation():
    # 1 − 60/617.876 − (617.876/2 + 600)/3600 = 1 − 0.097106 − 0.252483 = 0.650410
    assert reliability.goodput_fraction(60.0, 617.876, 600.0, 3600.0) == pytest.approx(
        0.650410, abs=1e-5
    )


def test_goodput_is_clipped_and_has_no_nan_at_the_edges():
    # Restart longer than the MTBI: the job never makes progress → 0, not negative.
    assert reliability.goodput_fraction(60.0, 600.0, 7200.0, 3600.0) == 0.0
    # Nothing fails (M infinite) and free checkpoints (δ = 0): everything is kept.
    assert reliability.goodput_fraction(0.0, 0.0, 600.0, np.inf) == 1.0


def test_chinchilla_loss_of_chinchilla_itself():
    # N = 70e9, D = 1.4e12: 406.4 / 70e9^0.34 = 406.4 / 4867.8 = 0.08349,
    # 410.7 / 1.4e12^0.28 = 410.7 / 2517.2 = 0.16316; L = 1.69 + 0.08349 + 0.16316 = 1.9366.
    loss = scaling.chinchilla_loss(70e9, 1.4e12, 1.69, 406.4, 410.7, 0.34, 0.28)
    assert loss == pytest.approx(1.9366, abs=1e-4)
    assert round(float(loss), 2) == 1.94


def test_default_baseline_is_compute_optimal_at_a_tenth_of_the_compute():
    # N = 2e12, D = 4e13, 10 %, 20 tokens/parameter: N_b = √(0.1 × 8e25 / 20) = √(4e23)
    # = 6.3246e11, D_b = 1.2649e13; 6·N_b·D_b = 4.8e25 = a tenth of 6·N·D = 4.8e26.
    n_b, d_b = scaling.default_baseline(2e12, 4e13, 0.1, 20.0)
    assert n_b == pytest.approx(6.3246e11, rel=1e-4)
    assert d_b == pytest.approx(1.2649e13, rel=1e-4)
    assert 6 * n_b * d_b == pytest.approx(0.1 * 6 * 2e12 * 4e13)


def test_catalog_interruption_rate_matches_the_cited_llama3_count():
    # The source: 419 unexpected interruptions in 54 days on 16,384 GPUs.
    rate = load_catalog().calibration["interruption_rate_per_accelerator_day"].value
    assert rate == pytest.approx(419 / (54 * 16_384), rel=1e-3)


# ------------------------------------------------------------------------------ reliability
def test_llama3_cluster_fails_about_eight_times_a_day(scenarios):
    result = evaluate(scenarios.get("llama3"))
    # 16,384 × 4.736e-4 = 7.759 interruptions per day (Meta reports 419 / 54 = 7.76).
    assert result.value("reliability.failures_per_day") == pytest.approx(7.759, abs=1e-3)
    # M = 86,400 / 7.759 = 11,135 s ≈ 3.1 h.
    assert result.value("reliability.mtbi") == pytest.approx(11_134.8, rel=1e-4)
    # δ = 10 s (calibration), R = 600 s: δ/2M = 4.4904e-4; τ = √(20 × 11,134.8) × (1 + ⅓√4.4904e-4
    # + 4.4904e-4/9) − 10 = 471.91 × 1.007113 − 10 = 465.26 s; goodput = 1 − 10/465.26
    # − (232.63 + 600)/11,134.8 = 1 − 0.02149 − 0.07478 = 0.9037 — Meta reports "higher than 90%"
    # effective training time, which is what δ is calibrated on (calibration.toml says so).
    assert result.value("reliability.checkpoint_interval") == pytest.approx(465.26, abs=0.05)
    assert result.value("reliability.goodput") == pytest.approx(0.9037, abs=1e-4)
    delta = result.inputs["reliability.checkpoint_time"]
    assert delta.value == 10.0 and "calibration.checkpoint_write_time" in delta.origin
    assert result.inputs["reliability.published_interruption_rate"].confidence == "B"


def test_colossus_scale_fails_daily_and_loses_much_of_its_time(scenarios):
    result = evaluate(scenarios.get("colossus"))
    # The H100 rate stands in, carried to the GB200's 186 GB of HBM3e: Llama 3's 72 memory
    # interruptions of 419 grow with the memory, 347 + 72 × 186/80 = 514.4 of 419, so
    # 100,000 × 4.736e-4 × 514.4/419 = 58.14 per day; M = 1,485.99 s (about 25 minutes).
    assert result.value("reliability.failures_per_day") == pytest.approx(58.14, abs=0.01)
    assert result.value("reliability.mtbi") == pytest.approx(1485.99, abs=0.01)
    # τ = √(20 × 1485.99)·(1 + ⅓√0.0033648 + 0.0033648/9) − 10 = 165.79 s;
    # goodput = 1 − 10/165.79 − (82.90 + 600)/1485.99 = 0.48013 with whole-job restarts;
    # the operator's better recovery (in-memory checkpoints) is what the job gets.
    assert result.value("reliability.restart_goodput") == pytest.approx(0.48013, abs=1e-4)
    assert result.value("reliability.goodput") == pytest.approx(
        result.value("reliability.in_memory_goodput")
    )


def test_scenario_checkpoint_time_replaces_the_calibration(scenarios):
    result = evaluate(scenarios.get("chinchilla_vs_gopher"))
    delta = result.inputs["reliability.checkpoint_time"]
    assert delta.value == 120.0 and "calibration" not in delta.origin
    m = result.value("reliability.mtbi")
    assert result.value("reliability.checkpoint_interval") == pytest.approx(
        float(reliability.daly_interval(120.0, m))
    )


def test_more_accelerators_mean_more_failures_and_lower_goodput(scenarios):
    counts = np.array([1e3, 1e4, 1.6384e4, 1e5, 2e5])
    out = values(scenarios.get("llama3"), {"cluster.count": counts})
    failures, goodput = out["reliability.failures_per_day"], out["reliability.goodput"]
    assert np.all(np.diff(failures) > 0)
    assert np.all(np.diff(goodput) < 0)
    assert np.all(np.diff(out["reliability.checkpoint_interval"]) < 0)


def test_training_time_is_stretched_by_goodput(scenarios):
    out = values(scenarios.get("llama3"))
    ideal = out["performance.training_time"]
    if ideal is None:
        pytest.skip("performance.training_time is not available for this scenario")
    assert out["reliability.training_time"] == pytest.approx(ideal / out["reliability.goodput"])
    assert out["reliability.lost_time"] == pytest.approx(out["reliability.training_time"] - ideal)
    assert out["reliability.interruptions"] == pytest.approx(
        out["reliability.failures_per_day"] * out["reliability.training_time"] / 86_400
    )


def test_zero_goodput_gives_infinite_training_time_not_an_error():
    assert reliability.training_time(1e6, 0.0, "running", 0.0, 0.0, 1.0) == np.inf
    assert reliability.training_time(1e6, 0.5, "running", 0.0, 0.0, 1.0) == pytest.approx(2e6)


# ------------------------------------------------------------------------------ scaling
def test_scaling_against_a_named_baseline(scenarios):
    # Chinchilla (70B, 1.4T) against Gopher (280B, 300B), the comparison of Hoffmann et al.
    result = evaluate(scenarios.get("chinchilla_vs_gopher"))
    assert result.value("scaling.loss") == pytest.approx(1.9366, abs=1e-4)
    # Gopher: 1.69 + 406.4 / 280e9^0.34 + 410.7 / 300e9^0.28 = 1.69 + 0.05211 + 0.25115 = 1.99326
    gopher = 1.99326
    assert result.value("scaling.baseline_loss") == pytest.approx(gopher, abs=1e-5)
    assert result.value("scaling.marginal_gain") == pytest.approx(gopher - 1.93665, abs=1e-4)
    assert result.value("scaling.relative_gain") == pytest.approx(
        (gopher - 1.93665) / gopher, abs=1e-4
    )
    # The law ranks Chinchilla below Gopher at the same compute, as the paper reports.
    assert result.value("scaling.marginal_gain") > 0
    # Chinchilla used about the same compute as Gopher: 70 × 1.4 / (280 × 0.3) = 1.1667.
    assert result.value("scaling.compute_multiplier") == pytest.approx(98 / 84)
    assert result.value("scaling.tokens_per_parameter") == pytest.approx(20.0)
    assert result.inputs["scaling.baseline_parameters"].value == 280e9


def test_colossus_closes_about_29_percent_of_the_reducible_loss(scenarios):
    result = evaluate(scenarios.get("colossus"))
    # Workload: 1.69 + 406.4 / 2e12^0.34 + 410.7 / 4e13^0.28 = 1.78052.
    # Baseline (default): N_b = 6.3246e11, D_b = 1.2649e13 → L_b = 1.81759.
    # Share of the reducible loss closed: (1.81759 − 1.78052) / (1.81759 − 1.69) = 0.2905.
    assert result.value("scaling.loss") == pytest.approx(1.78052, abs=1e-5)
    assert result.value("scaling.baseline_loss") == pytest.approx(1.81759, abs=1e-5)
    assert result.value("scaling.reducible_loss_share") == pytest.approx(0.2905, abs=1e-4)
    assert result.value("scaling.compute_multiplier") == pytest.approx(10.0)
    assert result.value("scaling.relative_gain") == pytest.approx(0.0204, abs=1e-4)
    assert result.value("scaling.compute_optimal_tokens") == pytest.approx(40e12)
    baseline = result.inputs["scaling.baseline_parameters"]
    assert baseline.origin.startswith("default") and baseline.confidence == "C"


def test_one_baseline_field_is_completed_at_twenty_tokens_per_parameter(scenarios):
    result = evaluate(scenarios.get("named_size_only"))
    assert result.inputs["scaling.baseline_parameters"].value == 70e9
    assert result.inputs["scaling.baseline_tokens"].value == pytest.approx(1.4e12)
    assert result.value("scaling.baseline_loss") == pytest.approx(1.9366, abs=1e-4)


def test_each_doubling_of_compute_buys_less(scenarios):
    # The power law's diminishing returns, the article's "plateau": L(N,D) − L(√2N, √2D)
    # falls as the scale grows, and never reaches zero.
    n = np.array([70e9, 405e9, 2e12, 10e12])
    out = values(scenarios.get("colossus"), {"workload.parameters": n, "workload.tokens": 20 * n})
    drops = out["scaling.loss_drop_per_doubling"]
    assert np.all(np.diff(drops) < 0) and np.all(drops > 0)
    # Hand check at 70B / 1.4T: 0.08349 × (1 − 2^−0.17) + 0.16316 × (1 − 2^−0.14) = 0.02437
    assert drops[0] == pytest.approx(0.02437, abs=1e-5)


def test_no_workload_means_no_scaling_but_still_failures(scenarios):
    result = evaluate(scenarios.get("no_workload"))
    assert result.value("scaling.loss") is None
    assert result.value("scaling.reducible_loss_share") is None
    assert result.value("reliability.failures_per_day") == pytest.approx(0.4736)
    assert result.value("reliability.training_time") is None


# ------------------------------------------------------------------------------ arrays
def test_arrays_and_scalars_agree(scenarios):
    scenario = scenarios.get("colossus")
    counts = [5e4, 1e5, 2e5]
    params = [1e12, 2e12, 3e12]
    batch = values(
        scenario, {"cluster.count": np.array(counts), "workload.parameters": np.array(params)}
    )
    names = [
        "reliability.failures_per_day",
        "reliability.mtbi",
        "reliability.checkpoint_interval",
        "reliability.goodput",
        "reliability.training_time",
        "scaling.loss",
        "scaling.marginal_gain",
        "scaling.reducible_loss_share",
        "scaling.tokens_per_parameter",
        "scaling.loss_drop_per_doubling",
    ]
    for i, (count, n) in enumerate(zip(counts, params, strict=True)):
        single = values(scenario, {"cluster.count": count, "workload.parameters": n})
        for name in names:
            if single[name] is None:
                continue
            assert np.shape(batch[name]) == (3,), name
            assert float(single[name]) == pytest.approx(float(batch[name][i])), name
