"""Which year's figure stands in for an input's is a field of the result (`extrapolated`), made
where the figure is found: the briefings, the warnings and JSON read it, never the note's words
(a view once read energy.national_demand's note with a pattern to say how demand was carried)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import Span
from scendsl.model.evaluate import Result, evaluate, nodes_for
from scendsl.report.views import ScenarioView
from scendsl.report.views.figures import extrapolated_inputs
from scendsl.report.warnings import scenario_warnings

# A year past every series' data: demand carried toward a forecast, prices and grid figures of
# the last year, the export rules of the catalog's date.
FAR = """scenario far {
  year 2031
  region DE
  cluster {
    accelerator H100
    count 1000
  }
  workload {
    parameters 70B
    tokens 2T
  }
}
"""


@pytest.fixture(scope="module")
def far() -> Result:
    return evaluate(scendsl.load_text(FAR).get("far"), load_catalog())


def _view(result: Result) -> ScenarioView:
    catalog = load_catalog()
    nodes = {node.name: node for node, _ in nodes_for(result.scenario, catalog)}
    return ScenarioView(result, catalog, result.scenario.name, nodes)


def _without_notes(result: Result) -> Result:
    """`result` with every input's note gone: what is read must come from the fields."""
    inputs = {n: dataclasses.replace(node, note=None) for n, node in result.inputs.items()}
    return result.model_copy(update={"inputs": inputs})


def test_national_demand_carried_past_the_data_says_so_in_fields(far):
    demand = far.inputs["energy.national_demand"].extrapolated
    assert demand is not None and demand.year == 2031 and demand.year_used < 2031
    assert demand.carried  # how the last figure was brought to 2031
    assert demand.clause in (far.inputs["energy.national_demand"].note or "")
    export = far.inputs["export.status"].extrapolated
    assert export is not None and export.carried and "rules" in export.carried


def test_the_briefing_reads_the_fields_not_the_note(far):
    bare = _without_notes(far)
    demand = far.inputs["energy.national_demand"].extrapolated
    assert _view(bare).national_demand_when == f"2031, {demand.carried}"
    rows = {row.name: row for row in extrapolated_inputs(_view(bare))}
    assert "energy.national_demand" in rows and "export.status" in rows
    assert rows["energy.national_demand"].used_year == str(demand.year_used)
    assert rows["export.status"].stand_in == far.inputs["export.status"].extrapolated.carried
    assert _view(bare).m("energy.national_demand").extrapolated


def _extrapolation_warnings(result: Result) -> list[tuple[str, str]]:
    return [
        (w.id, w.message)
        for w in scenario_warnings(result)
        if w.id.startswith(("extrapolated-year:", "export-rules-forecast:"))
    ]


def test_the_warnings_read_the_fields_not_the_note(far):
    said = _extrapolation_warnings(far)
    assert "extrapolated-year:market.unit_price" in dict(said)
    assert "export-rules-forecast:export.status" in dict(said)
    assert _extrapolation_warnings(_without_notes(far)) == said


def test_every_note_that_says_extrapolated_has_the_field():
    """The field and the note's words are made together (Extrapolated.clause): an input whose
    note says another year's figure is used and that has no field would be missed by every
    reader. Every sample scenario, and one far past the data."""
    catalog = load_catalog()
    sets = [scendsl.load(str(path)) for path in sorted(Path("scenarios").glob("*.scn"))]
    scenarios = [s for found in sets for s in found.scenarios] + [scendsl.load_text(FAR).get("far")]
    seen = 0
    for scenario in scenarios:
        for name, node in evaluate(scenario, catalog).inputs.items():
            said = "extrapolated: no " in (node.note or "")
            assert said == (node.extrapolated is not None), (scenario.name, name, node.note)
            if node.extrapolated is not None:
                assert node.extrapolated.clause in (node.note or ""), (scenario.name, name)
                seen += 1
    assert seen


def test_eval_json_carries_the_field(tmp_path, capsys):
    from tests.test_eval_schema import _conforming_document

    inputs = _conforming_document(tmp_path, capsys, FAR)["scenarios"][0]["inputs"]
    demand = inputs["energy.national_demand"]["extrapolated"]
    assert demand["year"] == 2031 and demand["year_used"] < 2031 and demand["carried"]
    assert "extrapolated" not in inputs["cluster.count"]


def test_a_written_figure_is_known_by_its_place_whatever_the_file_is_called():
    """`from_scenario` looked for ".scn:" in the origin, diff for a trailing `:line:col`: a
    scenario read from text (an editor's buffer, `load_text`) had its written WUE called the
    site class's. One reading of an origin, Span.names_place, serves both."""
    text = FAR.replace("  workload {", "  energy.wue 1.5 L/kWh\n  workload {")
    result = evaluate(scendsl.load_text(text, name="buffer").get("far"), load_catalog())
    view = _view(result)
    assert view.m("energy.wue").from_scenario
    assert not view.m("energy.pue").from_scenario  # the site class's figure
    # A derivation that names a written place is not itself written.
    place = result.inputs["energy.wue"].origin
    assert Span.names_place(place)
    assert not Span.names_place(f"derived: power limit ({place}) × (1 + node_overhead_blade)")


def test_a_mix_with_a_grid_part_past_its_data_carries_the_grid_figures_year(far):
    # The blend keeps a part's note when its Found says another year stands in, not when the
    # note holds a word: the grid's year is the field's, in the mix's intensity and price.
    mixed = FAR.replace(
        "  workload {", "  energy {\n    mix solar 50%, grid 50%\n  }\n  workload {"
    )
    result = evaluate(scendsl.load_text(mixed).get("far"), load_catalog())
    for name in ("energy.supply_intensity", "energy.supply_price"):
        found = result.inputs[name]
        assert found.extrapolated is not None and found.extrapolated.year == 2031, name
        assert found.extrapolated.clause in (found.note or ""), name
