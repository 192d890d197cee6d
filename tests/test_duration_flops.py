"""A run written by how long it lasts, not by its model's shape: its model FLOPs are the
cluster's useful FLOP/s over that time, so a compute threshold (the EU AI Act's 10^25 FLOP)
can be read on a cluster size and a duration alone (examples/trials/berlin.scn)."""

from __future__ import annotations

import pytest

import scendsl

DAY = 86_400.0


def _run(**fields):
    base = dict(accelerator="H100", count=4000, year=2026, region="DE")
    return scendsl.evaluate(scendsl.make_scenario("run", **{**base, **fields}))


def test_a_given_duration_gives_the_run_its_flops():
    result = _run(duration="90 days")
    flops = result["workload.training_flops"].value
    assert flops == pytest.approx(result["cluster.effective_flops"].value * 90 * DAY)


def test_given_accelerator_hours_count_as_their_wall_clock_time():
    by_hours = _run(accelerator_hours=f"{4000 * 24 * 30} hours")
    by_days = _run(duration="30 days")
    assert by_hours["workload.training_flops"].value == pytest.approx(
        by_days["workload.training_flops"].value
    )


def test_the_compute_threshold_is_rated_on_a_duration_alone():
    short, long = _run(count=1000, duration="30 days"), _run(count=10_000, duration="90 days")
    assert short["workload.training_flops"].value < 1e25 < long["workload.training_flops"].value
    assert short["risk.compute_regulation"].value == "low"
    assert long["risk.compute_regulation"].value == "high"


def test_the_models_shape_still_decides_when_it_is_written():
    result = _run(duration="90 days", parameters="8B", tokens="1T")
    per_token = result["performance.model_flops_per_token"].value
    assert result["workload.training_flops"].value == pytest.approx(per_token * 1e12)


@pytest.mark.parametrize(
    ("workload", "said"),
    [
        ("  workload.duration 90 days\n", "In the run's 90 days it computes "),
        ("  workload.training_flops 3.8e25 FLOP\n", "The run's 3.80e25 FLOP take "),
    ],
)
def test_the_key_finding_speaks_of_the_run_it_was_given(workload, said, tmp_path):
    """A run given by its duration or its FLOPs has no model size to name: the finding read
    'Training the n/a-parameter model on n/a tokens'."""
    from scendsl.app.build import render_files

    path = tmp_path / "run.scn"
    path.write_text(
        "scenario run {\n  year 2026\n  region DE\n  cluster.accelerator H100\n"
        f"  cluster.count 4000\n{workload}}}\n",
        encoding="utf-8",
    )
    page = render_files([str(path)], samples=0)["run.md"].decode("utf-8")
    findings = page.split("**Key findings**")[1].split("\n\n")[0]
    assert said in findings and "n/a" not in findings
