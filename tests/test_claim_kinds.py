"""Claims on categories, ratings and flags (issue #13, "Claims on any metric"): how they are
written, the located errors for a claim that does not fit its metric's kind, their verdicts and
their probabilities under the scenario's ranges."""

from __future__ import annotations

import numpy as np
import pytest

import scendsl
from factories import scenario_text
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate
from scendsl.model.risk import RATINGS, assess_one, load_rules
from scendsl.model.uncertainty import sample


def _claims(lines: str, **header) -> str:
    return scenario_text("c", body="".join(f"  {line}\n" for line in lines.splitlines()), **header)


def _check_errors(tmp_path, lines: str, **header) -> list[str]:
    path = tmp_path / "c.scn"
    path.write_text(_claims(lines, **header), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.check([path])
    return [d.render() for d in caught.value.diagnostics]


def test_flag_category_and_rating_claims_are_read_with_their_kind_and_value():
    scenario = scendsl.load(
        _claims(
            'expect export.controlled "a controlled chip"\n'
            "expect not performance.paths_disagree\n"
            "expect export.status != allowed\n"
            'expect risk.energy_regulation <= medium "moderate"'
        )
    ).get("c")
    flag, negated, category, rating = scenario.claims
    assert (flag.metric, flag.op, flag.value, flag.dimension, flag.quote) == (
        "export.controlled",
        "==",
        True,
        "bool",
        "a controlled chip",
    )
    assert (negated.metric, negated.value, negated.dimension) == (
        "performance.paths_disagree",
        False,
        "bool",
    )
    assert (category.op, category.value, category.dimension) == ("!=", "allowed", "category")
    assert (rating.op, rating.value, rating.quote) == ("<=", "medium", "moderate")
    assert rating.value_span is not None and rating.value_span.col > rating.metric_span.col


@pytest.mark.parametrize(
    "line, message, hint",
    [
        (
            "expect export.status >= 5 MW",
            "'export.status' is a category, not a number",
            "expect export.status == allowed",
        ),
        (
            "expect energy.facility_power == licence_required",
            "'energy.facility_power' is a number measured in W, not a category",
            "a power such as '500 MW'",
        ),
        (
            "expect performance.fits_in_hbm <= medium",
            "'performance.fits_in_hbm' is a flag (true or false) and is not compared",
            "write 'expect performance.fits_in_hbm' or 'expect not performance.fits_in_hbm'",
        ),
        (
            "expect export.status == licence_requierd",
            "'licence_requierd' is not a value of 'export.status'",
            "did you mean 'licence_required'?",
        ),
        (
            "expect export.status < licence_required",
            "'export.status' is a category: its values have no order",
            "presumption_of_denial",
        ),
        (
            "expect risk.concentration >= severe",
            "'severe' is not a value of 'risk.concentration'",
            "low < medium < high",
        ),
        (
            "expect energy.facility_power",
            "'energy.facility_power' is a number, not a flag",
            "a power such as '500 MW'",
        ),
    ],
)
def test_a_claim_that_does_not_fit_its_metric_kind_is_a_located_error(
    tmp_path, line, message, hint
):
    (error,) = _check_errors(tmp_path, line)
    # The claim is the body's first line: line 8 of the factory's scenario.
    assert error.startswith(f"{tmp_path / 'c.scn'}:8:"), error
    assert f"error: {message}" in error
    assert hint in error


def test_the_unknown_category_value_error_points_at_the_value(tmp_path):
    (error,) = _check_errors(tmp_path, "expect export.status == prohibited")
    column = len("  expect export.status == ") + 1
    assert error.startswith(f"{tmp_path / 'c.scn'}:8:{column}: error:")
    assert "allowed, notification, licence_required" in error


@pytest.mark.parametrize(
    "line, message",
    [
        ("expect export.controlled == true", "write 'expect export.controlled'"),
        ("expect export.controlled != true", "write 'expect not export.controlled'"),
        ("expect export.status ~= allowed", "'~=' compares numbers, not names"),
    ],
)
def test_flag_and_name_claims_refuse_the_forms_the_language_does_not_take(line, message):
    with pytest.raises(ScenarioError) as caught:
        scendsl.load(_claims(line))
    assert message in caught.value.diagnostics[0].render()


def test_category_rating_and_flag_claims_hold_or_fail_by_the_model(tmp_path):
    # An H100 in China in 2026: controlled, and not allowed without a licence.
    scenario = scendsl.load(
        _claims(
            "expect export.controlled\n"
            "expect export.status == allowed\n"
            "expect export.status != allowed\n"
            "expect risk.export_control >= medium\n"
            "expect risk.export_control < medium\n"
            "expect not export.controlled",
            region="CN",
        )
    ).get("c")
    result = evaluate(scenario)
    status = result.value("export.status")
    rating = result.value("risk.export_control")
    assert status != "allowed" and rating in ("medium", "high")
    verdicts = [(c.metric, c.op, c.expected, c.actual, c.holds) for c in result.claims]
    assert verdicts == [
        ("export.controlled", "==", True, True, True),
        ("export.status", "==", "allowed", status, False),
        ("export.status", "!=", "allowed", status, True),
        ("risk.export_control", ">=", "medium", rating, True),
        ("risk.export_control", "<", "medium", rating, False),
        ("export.controlled", "==", False, True, False),
    ]
    assert all(c.margin is None for c in result.claims)


def test_a_rating_claim_under_ranges_holds_in_the_share_of_samples_its_rule_says():
    # Facility power straddles the 75 MW of Texas's large-load rule (in force from 2025);
    # emissions stay far below the 25 kt reporting threshold, so the rating is medium exactly
    # where power >= 75 MW.
    scenario = scendsl.load(
        scenario_text(
            "c",
            region='"US-TX"',
            count="20k to 80k",
            body="  energy.intensity 1 gCO2/kWh\n"
            "  expect risk.energy_regulation <= low\n"
            "  expect risk.energy_regulation == medium\n"
            "  expect export.controlled\n",
        )
    ).get("c")
    run = sample(scenario, 2000)
    power = run.numbers["energy.facility_power"]
    assert np.nanmax(run.numbers["energy.annual_emissions"]) < 25e6  # kg: 25 kt
    below = float(np.mean(power < 75e6))
    assert 0.1 < below < 0.9
    low, medium, flag = (c.probability for c in run.claims)
    assert low == pytest.approx(below)
    assert medium == pytest.approx(1 - below)
    assert flag == 1.0


def test_a_rating_under_ranges_is_the_register_rating_of_each_sample():
    # The rating metric rates every sample at once (scendsl.model.domains.risk): the same
    # ratings as the register's rules applied to each sample alone.
    from scendsl.model.engine import element, run_frames

    scenario = scendsl.load(
        scenario_text(
            "c",
            count="2k to 400k",
            body="  cluster.mfu 20% to 50%\n"
            "  energy.intensity 50 gCO2/kWh to 500 gCO2/kWh\n"
            "  workload {\n    parameters 70B\n    tokens 15T\n  }\n",
        )
    ).get("c")
    run = sample(scenario, 300)
    assert not [note for note in run.notes if note.startswith("risk.")]  # rated as columns
    frames = run_frames(run._nodes, run._inputs, run.size)
    seen = set()
    for frame in frames:
        for position in range(frame.size):
            for risk in load_rules():
                names = [*risk.metrics(), "scenario.region", "scenario.year"]
                values = {name: element(frame.values[name], position) for name in names}
                rating = element(frame.values[f"risk.{risk.key}"], position)
                assert rating == assess_one(risk, values.get).rating, (risk.key, values)
                seen.add((risk.key, rating))
    assert len({rating for key, rating in seen if key == "energy_regulation"}) > 1


def test_every_risk_of_the_register_is_a_rating_metric():
    from scendsl.model.claims import metric_index

    index = metric_index()
    for risk in load_rules():
        info = index[f"risk.{risk.key}"]
        assert (info.kind, info.choices) == ("rating", RATINGS)
    assert index["export.status"].kind == "category"
    assert "licence_required" in index["export.status"].choices
    assert index["performance.fits_in_hbm"].kind == "boolean"


def test_the_briefing_register_and_the_rating_metric_agree():
    from scendsl.app.pipeline import load

    for scenario in load(["scenarios"]).scenarios:
        result = evaluate(scenario)
        for risk in load_rules():
            register = assess_one(risk, result.value).rating
            assert result.value(f"risk.{risk.key}") == register, (scenario.name, risk.key)


def _write(tmp_path, name: str, region: str) -> str:
    path = tmp_path / name
    path.write_text(
        scenario_text(
            "c",
            region=region,
            body='  expect export.status == allowed "ships without a licence"\n'
            "  expect export.controlled\n"
            "  expect risk.export_control <= medium\n",
        ),
        encoding="utf-8",
    )
    return str(path)


def test_name_and_flag_claims_in_eval_json(tmp_path, capsys):
    import json

    from scendsl.cli import main

    assert main(["eval", _write(tmp_path, "c.scn", "CN"), "--format", "json"]) == 0
    claims = json.loads(capsys.readouterr().out)["scenarios"][0]["claims"]
    assert [(c["expected"], c["holds"]) for c in claims] == [
        ("allowed", False),
        (True, True),
        ("medium", True),
    ]
    assert claims[0]["actual"] not in (None, "allowed") and claims[0]["margin"] is None


def test_diff_reports_a_category_claim_that_flips_with_both_values(tmp_path, capsys):
    from scendsl.cli import main

    old, new = _write(tmp_path, "old.scn", "US"), _write(tmp_path, "new.scn", "CN")
    assert main(["diff", old, new, "--fail-on-claims"]) == 3
    out = capsys.readouterr().out
    flip = next(line for line in out.splitlines() if "claim export.status" in line)
    assert "export.status == allowed: holds → fails (allowed → " in flip, flip
    assert "ships without a licence" in flip


def test_the_briefing_claims_table_shows_category_and_flag_claims(tmp_path):
    from scendsl.app.build import build

    folder = tmp_path / "scenarios"
    folder.mkdir()
    _write(folder, "c.scn", "CN")
    build([str(folder)], str(tmp_path / "out"))
    page = (tmp_path / "out" / "c.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and "`export." in line]
    assert any("= allowed" in row and "ships without a licence" in row for row in rows), rows
    assert any("`export.controlled`" in row and "= yes" in row for row in rows), rows


def test_fmt_writes_flag_and_name_claims_in_the_canonical_layout():
    from scendsl.language.format import format_text

    text = _claims('expect   not   performance.paths_disagree "q"\nexpect export.status !=allowed')
    formatted = format_text(text)
    assert "  expect not performance.paths_disagree" in formatted
    assert "  expect export.status != allowed\n" in formatted
    assert format_text(formatted) == formatted

    def meaning(source):
        return [(c.metric, c.op, c.value, c.quote) for c in scendsl.load(source).get("c").claims]

    assert meaning(formatted) == meaning(text)


def test_eval_text_states_flag_claims_as_written(tmp_path, capsys):
    from scendsl.cli import main

    assert main(["eval", _write(tmp_path, "c.scn", "US")]) == 0
    out = capsys.readouterr().out
    assert "  claim export.controlled: holds" in out
    assert "  claim export.status == allowed: holds" in out


@pytest.mark.parametrize("conditions", [2, 13])  # a look-up table, then a sort (over 12)
def test_rating_columns_match_the_rules_row_by_row(conditions):
    from scendsl.model.domains.risk import _ratings
    from scendsl.model.risk import parse_rules

    when = [{"metric": f"x.m{i}", "at_least": str(i / conditions)} for i in range(conditions)]
    (risk,) = parse_rules(
        {
            "risk": [
                {
                    "key": "k",
                    "title": "K",
                    "driver": "x.m0",
                    "concern": "c",
                    "rule": [
                        {"rating": "high", "when": when, "reason": "r", "source": "s"}
                        | {"confidence": "C"},
                        {"rating": "medium", "when": when[:1], "reason": "r", "source": "s"}
                        | {"confidence": "C"},
                        {"rating": "low", "when": [], "reason": "r", "source": "s"}
                        | {"confidence": "C"},
                    ],
                }
            ]
        }
    )
    rng = np.random.default_rng(7)
    size = 400
    values = {}
    for i in range(conditions):
        column = rng.uniform(0, 1.3, size)
        column[rng.random(size) < 0.05] = np.nan  # n/a samples: rules skipped
        values[f"x.m{i}"] = column
    rated = _ratings(risk, values, size)
    for row in range(size):
        one = {name: None if np.isnan(v[row]) else float(v[row]) for name, v in values.items()}
        assert rated.value(row) == assess_one(risk, one.get).rating, row
    assert len({rated.value(row) for row in range(size)}) >= 2


def test_a_sweep_over_years_rates_each_variant_by_the_rules_in_force_that_year():
    # Texas's 75 MW large-load rule is in force from 2025: a year sweep must not rate 2024 by
    # it. The vectorised rating decides each (region, year) of the sweep, as evaluate does.
    from scendsl.model.sweep import evaluate_sweep

    scenarios = scendsl.load(
        scenario_text("c", region='"US-TX"', count="60k", body="  energy.intensity 1 gCO2/kWh\n")
        + "sweep years from c {\n  year 2023 .. 2026\n}\n"
    )
    (sweep,) = scenarios.sweeps
    table = evaluate_sweep(sweep)
    by_variant = [table.value("risk.energy_regulation", i) for i in range(table.size)]
    one_by_one = [evaluate(v).value("risk.energy_regulation") for v in sweep.variants()]
    assert by_variant == one_by_one
    assert by_variant[0] != by_variant[-1]  # the rule came into force inside the sweep
