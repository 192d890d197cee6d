"""The twenty-sixth hostile-input review (docs/security.md, items 155 on). Each test is named
after the problem it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import scenario_text
from tests.security_helpers import check_errors


# ------------- item 155: a water use effectiveness in other volumes and energies is no price
@pytest.mark.parametrize(
    ("line", "unit", "written"),
    [
        # 1 m3 per MWh is 1,000 L per 1,000 kWh; 1 ML per GWh likewise
        ("energy.wue 1 m3/MWh", "m3/MWh", "L/kWh"),
        ("energy.wue 2 ML/GWh", "ML/GWh", "L/kWh"),
        ("expect energy.wue < 1 m3/MWh", "m3/MWh", "L/kWh"),
    ],
)
def test_a_water_use_effectiveness_in_other_units_is_told_the_unit_it_is_written_in(
    tmp_path: Path, line: str, unit: str, written: str
):
    """`energy.wue 1 m3/MWh` (a volume and an energy the language both knows, as regulators
    write a WUE) was an unknown unit with the hint that a price is written with its currency's
    ISO 4217 code. It is told the unit the language writes it in, as the edit (the number
    stays), and the edited scenario checks."""
    from scendsl.app.pipeline import check_files

    [error] = check_errors(tmp_path, line)
    assert "ISO 4217" not in str(error.hint), error.hint
    assert error.fix == written, (error.hint, error.fix)
    edited = scenario_text("s", body=f"  {line.replace(unit, written)}\n")
    path = tmp_path / "edited.scn"
    path.write_text(edited, encoding="utf-8")
    check_files([str(path)])


@pytest.mark.parametrize(
    ("line", "told"),
    [
        ("energy.wue 1 GL/kWh", "1 GL/kWh is 1e+09 L/kWh"),
        ("energy.wue 1 ML/MWh", "1 ML/MWh is 1e+06 L/MWh"),
    ],
)
def test_a_water_use_effectiveness_in_a_unit_of_another_size_is_told_its_factor(
    tmp_path: Path, line: str, told: str
):
    """A WUE whose volume and energy give no unit of the language's (`GL/kWh`) is told its
    factor to the language's unit per the same energy, not how a price is written."""
    [error] = check_errors(tmp_path, line)
    assert told in str(error.hint), error.hint


# ------------- item 156: a Monte Carlo draw keeps a field at most the field it may not exceed
@pytest.mark.parametrize(
    "workload",
    [
        "    parameters 7B ± 50%\n    trainable_parameters 6B ± 50%\n",
        "    parameters 7B\n    trainable_parameters 6B ± 50%\n",
        "    parameters 2B to 8B\n    trainable_parameters 1B to 3B\n",
    ],
)
def test_a_monte_carlo_draw_keeps_the_adapters_within_their_model(workload: str):
    """`check` refuses adapters holding more parameters than their model at the centres, and
    the Monte Carlo drew each field alone: with `parameters 7B ± 50%` and `trainable_parameters
    6B ± 50%` many draws trained more parameters than the model has (the trainable
    share up to 1.9 at its 95th percentile, the optimizer state and gradient all-reduce grown
    with it). A draw is now clipped at the draw of the field it may not exceed."""
    import numpy as np

    import scendsl
    from scendsl.model.uncertainty import sample

    body = "  workload {\n" + workload + "    tokens 1T\n    adapter lora\n  }\n"
    scenario = scendsl.load_text(scenario_text("s", count=1000, body=body)).get("s")
    run = sample(scenario, 2000)
    trainable = run.draws["workload.trainable_parameters"]
    parameters = run.draws.get("workload.parameters", 7e9)
    assert np.all(trainable <= parameters)
    assert np.max(run.numbers["performance.trainable_share"]) <= 1.0
