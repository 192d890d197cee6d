"""Located warnings (issue 13): rules as data in catalog/warnings.toml, printed by `check` at the
scenario line that causes them (exit 0, 1 with --strict), carried by `eval --format json`,
shown in the briefings next to the figures they concern."""

from __future__ import annotations

import json
import re

import pytest

import scendsl
from scendsl.cli import main
from scendsl.errors import DiagnosticSink
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import (
    WarningRulesError,
    parse_warning_rules,
    scenario_warnings,
    warning_rules,
)
from tests.factories import CARD_WITHOUT_SCALEUP_DOMAIN

#: France in 2024: its own grid intensity and industrial price, H100 prices of 2024, a layout
#: that fits in HBM and agrees with the MFU path: no warning at all.
#: A rule with every required field and no condition (a test adds what it checks).
MINIMAL_RULE = {
    "id": "r",
    "concerns": [],
    "at": [],
    "message": "m",
    "hint": "h",
    "why": "w",
    "source": "s",
    "confidence": "C",
}

CLEAN = """\
scenario paris {
  title  "An H100 site in France"
  year   2024
  region FR
  cluster {
    accelerator H100
    count       10k
  }
}
"""


def _loaded(text: str, tmp_path=None, name: str = "x.scn"):
    if tmp_path is not None:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return scendsl.load_file(path)
    return scendsl.load_text(text, name=name)


def _scenario(text: str, tmp_path=None, name: str = "x.scn"):
    return _loaded(text, tmp_path, name).scenarios[0]


def _warnings(text: str, tmp_path=None):
    """The warnings of `text`'s scenario, quoting their lines from the text loaded."""
    loaded = _loaded(text, tmp_path)
    return scenario_warnings(evaluate(loaded.scenarios[0]), DiagnosticSink(loaded=loaded.texts))


def _with(block: str, text: str = CLEAN) -> str:
    """`text` with `block` added at the end of its scenario."""
    return text[: text.rindex("}")] + block + "}\n"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_france_with_its_own_figures_gets_no_warning():
    assert _warnings(CLEAN) == []


def test_region_without_figures_gets_fallback_warnings_at_its_region_line(tmp_path):
    text = CLEAN.replace("region FR", "region TV")  # Tuvalu: a valid code, no figures
    found = {w.id: w for w in _warnings(text, tmp_path)}
    assert set(found) == {
        "grid-intensity-fallback",
        "grid-price-fallback",
        "household-fallback",
        "no-national-demand",
    }
    intensity = found["grid-intensity-fallback"]
    assert intensity.span.line == _line_of(text, "region TV")
    assert intensity.diagnostic.source_line == "  region TV"
    assert "energy.annual_emissions" in intensity.metrics
    assert "world average" in intensity.message
    rendered = intensity.diagnostic.render()
    assert rendered.startswith(f"{tmp_path / 'x.scn'}:{intensity.span.line}:3: warning: ")


def test_a_figure_written_in_the_scenario_replaces_the_stand_in():
    text = _with(
        "  energy {\n    intensity 400 gCO2/kWh\n    price 90 USD/MWh\n  }\n",
        CLEAN.replace("region FR", "region TV"),
    )
    # The homes compared are still the default country's, and the country's demand is still
    # missing: the scenario cannot write them.
    assert [w.id for w in _warnings(text)] == ["household-fallback", "no-national-demand"]


def test_a_region_outside_regions_toml_with_its_own_grid_figure_is_not_called_a_stand_in():
    # Kenya is not described in regions.toml, but grid.toml has its own intensity for 2024: a
    # warning that its figures were the world average was false (its price stands in).
    found = {w.id: w for w in _warnings(CLEAN.replace("region FR", "region KE"))}
    assert "grid-intensity-fallback" not in found and "region-fallback" not in found
    assert "grid-price-fallback" in found
    assert "KE" in found["grid-price-fallback"].message


def test_extrapolated_year_warns_once_per_input_at_the_year_line():
    text = CLEAN.replace("year   2024", "year   2031")
    found = {w.id: w for w in _warnings(text)}
    price = found["extrapolated-year:market.unit_price"]
    assert price.span.line == _line_of(text, "year   2031")
    assert re.search(r"no 2031 figure in the data: the \d{4} figure stands in", price.message)
    assert price.metrics[0] == "market.unit_price"
    # The grid's year has its own warning, not a second one; the references' prices none.
    assert "extrapolated-year:energy.supply_intensity" not in found
    assert "grid-intensity-fallback" in found
    assert not any(key.startswith("extrapolated-year:reference.") for key in found)


def test_job_that_does_not_fit_in_memory_warns_at_its_parallelism():
    text = _with("  workload {\n    parameters 2T\n    tokens 40T\n    parallelism tensor 8\n  }\n")
    found = {w.id: w for w in _warnings(text)}
    memory = found["memory-does-not-fit"]
    assert memory.span.line == _line_of(text, "parallelism tensor 8")
    assert "does not fit in accelerator memory" in memory.message
    assert "80 GB of HBM" in memory.message
    assert "performance.training_time" in memory.metrics
    # What follows from the time of a run that cannot start is concerned from the graph: a hand
    # list missed the energy the emissions count (energy.emissions_energy) and the run's energy.
    for built_on_time in (
        "energy.emissions_energy",
        "energy.training_energy",
        "market.rent_to_own_ratio",
    ):
        assert built_on_time in memory.metrics


def test_bottom_up_and_mfu_times_that_disagree_warn_at_the_mfu():
    text = _with(
        "  workload {\n    parameters 7B\n    tokens 1T\n  }\n",
        CLEAN.replace("count       10k", "count       10k\n    mfu         15%"),
    )
    scenario = _scenario(text)
    result = evaluate(scenario)
    assert result.value("performance.paths_disagree") is True
    found = {w.id: w for w in scenario_warnings(result)}
    disagree = found["paths-disagree"]
    assert disagree.span.line == _line_of(text, "mfu         15%")
    factor = result.value("performance.paths_disagree_factor")
    assert f"stated factor of {factor:.3g}" in disagree.message
    # The factor is the ratio of the default MFU spread's ends: one spread, one source of truth.
    spread = result.inputs["performance.paths_disagree_factor"]
    assert "default_mfu_high / calibration.default_mfu_low" in spread.origin


def test_hardware_not_shipping_in_the_scenario_year_warns_at_the_year():
    text = CLEAN.replace("accelerator H100", "accelerator GB200")
    found = {w.id: w for w in _warnings(text)}
    shipping = found["not-shipping"]
    assert shipping.span.line == _line_of(text, "year   2024")
    assert shipping.text == (
        "GB200 is not available in volume until 2025: this 2024 scenario forecasts hardware "
        "that is not yet shipping"
    )


#: An accelerator of the scenario's own, with no price of any kind: the catalog cannot price it.
UNPRICED = CLEAN.replace(
    "scenario paris {",
    "accelerator Custom {\n  bf16_dense 500 TFLOP/s\n  hbm 96 GB\n  hbm_bandwidth 3 TB/s\n"
    "  scaleup_bandwidth 900 GB/s\n  hostlink_bandwidth 128 GB/s\n  tdp 650 W\n}\n\n"
    "scenario paris {",
).replace("accelerator H100", "accelerator Custom")


def test_an_accelerator_without_any_price_warns_that_costs_are_left_out():
    result = evaluate(_scenario(UNPRICED))
    assert result.value("market.capex") is None
    found = {w.id: w for w in scenario_warnings(result)}
    purchase, rental = found["no-unit-price"], found["no-rental-price"]
    assert purchase.span.line == rental.span.line == _line_of(UNPRICED, "    accelerator Custom")
    assert "no purchase price for Custom" in purchase.message
    assert "market.capex" in purchase.metrics
    assert "market.rental_cost" in rental.metrics


def test_a_price_written_in_the_scenario_silences_the_missing_price_warnings():
    priced = _with(
        "  market {\n    unit_price 30k USD\n    rental_price 2 USD/hour\n  }\n", UNPRICED
    )
    ids = {w.id for w in _warnings(priced)}
    assert not {"no-unit-price", "no-rental-price"} & ids


def test_a_small_site_at_the_default_hyperscale_pue_warns_at_its_count():
    small = CLEAN.replace("count       10k", "count       64")
    found = {w.id: w for w in _warnings(small)}
    warning = found["default-site-class-small-site"]
    assert warning.span.line == _line_of(small, "count       64")
    assert "hyperscale, 1.09" in warning.message and "87.7 kW" in warning.message
    assert "energy.pue" in warning.metrics


@pytest.mark.parametrize(
    "energy", ["  energy {\n    site_class hyperscale\n  }\n", "  energy {\n    pue 1.09\n  }\n"]
)
def test_a_site_class_or_pue_written_for_a_small_site_silences_the_site_class_warning(energy):
    small = _with(energy, CLEAN.replace("count       10k", "count       64"))
    assert "default-site-class-small-site" not in {w.id for w in _warnings(small)}


def test_a_campus_at_the_default_site_class_gets_no_site_class_warning():
    # 10k H100 draw about 14 MW of IT power: the scale the default is argued for
    assert "default-site-class-small-site" not in {w.id for w in _warnings(CLEAN)}


def test_a_field_the_scenario_does_not_set_points_at_its_header():
    from scendsl.report.warnings import _located

    result = evaluate(_scenario(CLEAN))
    assert _located(result, ("energy.pue", "region")) == result.scenario.origins["region"]
    assert _located(result, ("energy.pue",)) == result.scenario.span


def test_check_exits_0_with_warnings_and_1_with_strict(tmp_path, capsys):
    path = tmp_path / "tv.scn"
    text = CLEAN.replace("region FR", "region TV")
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:{_line_of(text, 'region TV')}:3: warning: scenario 'paris': " in err
    assert err.rstrip().endswith("ok: 1 scenario, 4 warnings")
    assert main(["check", "--strict", str(path)]) == 1
    assert capsys.readouterr().err.rstrip().endswith("error (--strict): 1 scenario, 4 warnings")
    clean = tmp_path / "fr.scn"
    clean.write_text(CLEAN, encoding="utf-8")
    assert main(["check", "--strict", str(clean)]) == 0
    assert capsys.readouterr().err.strip() == "ok: 1 scenario"


def test_check_json_carries_warnings_with_severity_warning(tmp_path, capsys):
    path = tmp_path / "tv.scn"
    path.write_text(CLEAN.replace("region FR", "region TV"), encoding="utf-8")
    assert main(["check", "--format", "json", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [d["severity"] for d in payload["diagnostics"]] == ["warning"] * 4
    assert [d["code"] for d in payload["diagnostics"]] == [
        "grid-intensity-fallback",
        "grid-price-fallback",
        "household-fallback",
        "no-national-demand",
    ]
    assert payload["diagnostics"][0]["span"]["line"] == 4
    assert main(["check", "--format", "json", "--strict", str(path)]) == 1


def test_eval_json_lists_each_scenarios_warnings(tmp_path, capsys):
    path = tmp_path / "two.scn"
    path.write_text(
        CLEAN + "\n" + CLEAN.replace("paris", "early").replace("H100", "GB200"), encoding="utf-8"
    )
    assert main(["eval", "--format", "json", str(path)]) == 0
    scenarios = json.loads(capsys.readouterr().out)["scenarios"]
    assert scenarios[0]["warnings"] == []
    (shipping,) = [w for w in scenarios[1]["warnings"] if w["id"] == "not-shipping"]
    assert set(shipping) == {"id", "severity", "message", "hint", "span", "metrics"}
    assert shipping["severity"] == "warning"
    assert shipping["span"]["file"] == str(path) and shipping["span"]["line"] == 13
    assert "export.launched" in shipping["metrics"]


def test_warnings_as_json_are_plain_and_keyed_by_a_stable_id():
    result = evaluate(_scenario(CLEAN.replace("accelerator H100", "accelerator GB200")))
    data = [warning.to_json() for warning in scenario_warnings(result)]
    assert json.loads(json.dumps(data)) == data
    assert {"not-shipping"} <= {entry["id"] for entry in data}
    assert set(data[0]) == {"id", "severity", "message", "hint", "span", "metrics"}


def test_every_rule_names_known_metrics_and_scenario_fields():
    from scendsl.language.fields import SCENARIO_ATTRIBUTES, SECTIONS
    from scendsl.model.registry import REGISTRY
    from scendsl.report.views.figures import Number  # noqa: F401  (the views import cleanly)

    known = set(REGISTRY.nodes)
    fields = set(SCENARIO_ATTRIBUTES) | {
        f"{section}.{name}" for section, specs in SECTIONS.items() for name in specs
    }
    for rule in warning_rules():
        for name in rule.names():
            pattern = re.escape(name).replace(r"\*", "[^.]+")
            assert any(re.fullmatch(pattern.replace("{ref}", "x"), k) for k in known) or any(
                re.fullmatch(pattern, k.replace("{ref}", "x")) for k in known
            ), f"{rule.id}: unknown metric {name!r}"
        # A rule on claims points at the claim; one on overridden fields at the field written.
        assert rule.at or rule.claims or rule.overridden, rule.id
        for field in (*rule.at, *(name for pair in rule.overridden for name in pair)):
            assert field in fields, f"{rule.id}: unknown scenario field {field!r}"
        assert rule.why and rule.source


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"warning": [{"id": "x"}]}, "'concerns' is required"),
        (
            {"warning": [{**MINIMAL_RULE, "id": "x", "when": [{"metric": "a.b", "is": "yes"}]}]},
            "'is' needs true or false",
        ),
        (
            {"warning": [{**MINIMAL_RULE, "id": "x"}]},
            "give one of 'when', 'extrapolated', 'claims' or 'overridden'",
        ),
        (
            {"warning": [{**MINIMAL_RULE, "id": "x", "overridden": [{"written": "region"}]}]},
            "'overridden' is a list of { written = ..., by = ... }",
        ),
    ],
)
def test_a_malformed_rules_file_is_refused_with_the_rule_named(data, message):
    with pytest.raises(WarningRulesError, match=re.escape(message)):
        parse_warning_rules(data)


def test_briefing_marks_the_rows_a_warning_concerns_and_lists_it(tmp_path):
    from scendsl.app.build import build

    source = tmp_path / "early.scn"
    source.write_text(CLEAN.replace("accelerator H100", "accelerator GB200"), encoding="utf-8")
    build([str(source)], str(tmp_path / "out"), samples=0)
    page = (tmp_path / "out" / "paris.md").read_text(encoding="utf-8")
    block = page[page.index("> **Warnings**") :].split("\n\n")[0]
    (line,) = [item for item in block.splitlines() if "not yet shipping" in item]
    label = re.search(r"\*\*(W\d+)\*\*", line).group(1)
    assert "early.scn, line 3" in line
    row = next(r for r in page.splitlines() if r.endswith("| `market.capex` |"))
    assert f"⚠ {label} |" in row
    html = (tmp_path / "out" / "paris.html").read_text(encoding="utf-8")
    assert "not yet shipping" in html and f"⚠ {label}" in html


def test_every_warning_rule_is_listed_in_the_language_reference():
    from pathlib import Path

    reference = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    missing = [rule.id for rule in warning_rules() if f"| `{rule.id}" not in reference]
    assert missing == []


def test_inputs_that_say_where_a_figure_comes_from_are_not_assumption_rows(tmp_path):
    from scendsl.app.build import render_files
    from scendsl.model.registry import REGISTRY

    provenance = sorted(name for name, node in REGISTRY.nodes.items() if node.provenance)
    assert {"cluster.mfu_origin", "energy.pue_origin"} <= set(provenance)
    result = evaluate(_scenario(CLEAN))
    assert result.value("energy.pue_origin") == "default"  # in explain, JSON and warnings
    (tmp_path / "paris.scn").write_text(CLEAN, encoding="utf-8")
    page = render_files([str(tmp_path / "paris.scn")], samples=0)["paris.md"].decode()
    assumptions = page[page.index("## Assumptions") :]
    assert "(`energy.pue`)" in assumptions  # the PUE's own row names its origin
    assert not [name for name in provenance if f"(`{name}`)" in assumptions]


def test_a_global_batch_written_in_tokens_warns_at_the_batch():
    # "batch size 4M tokens" written as `global_batch 4M` made every step 16 billion tokens.
    block = "  workload {{\n    parameters 8B\n    tokens 1T\n    sequence_length 4096\n    global_batch {}\n  }}\n"
    text = _with(block.format("4M"))
    found = {w.id: w for w in _warnings(text)}
    batch = found["global-batch-in-tokens"]
    assert batch.span.line == _line_of(text, "global_batch 4M")
    assert "16.4 billion tokens a step" in batch.message
    assert "`global_batch 1024`" in batch.hint
    # The same batch in sequences, as the paper's 4M tokens are: no warning.
    assert "global-batch-in-tokens" not in {w.id for w in _warnings(_with(block.format("1024")))}


def test_a_new_accelerator_without_a_scaleup_domain_is_told_why_its_bottom_up_figures_are_missing():
    text = CARD_WITHOUT_SCALEUP_DOMAIN
    result = evaluate(_scenario(text))
    assert result.value("performance.step_time") is None
    found = {w.id: w for w in scenario_warnings(result)}
    domain = found["no-scaleup-domain"]
    assert domain.span.line == _line_of(text, "    accelerator Card")
    assert "performance.step_time" in domain.metrics
    given = text.replace("  tdp 300 W\n", "  tdp 300 W\n  scaleup_domain 8\n")
    assert "no-scaleup-domain" not in {w.id for w in _warnings(given)}


def test_an_extrapolated_figures_hint_writes_it_only_where_a_scenario_field_sets_it():
    """A 2028 scenario meets catalog figures past their data: the PUE and the rental price a
    scenario may write (the hint shows how, and the snippet names a field of the language), the
    AI-GPU market's size and the vendor's share it may not (the hint said 'write the figure in
    the scenario' for them too, which the analyst could not do)."""
    from scendsl.language.fields import scenario_field

    text = CLEAN.replace("year   2024", "year   2028").replace("H100", "MI300X")
    found = {w.id.split(":", 1)[1]: w for w in _warnings(text) if w.rule == "extrapolated-year"}
    assert found, "a 2028 scenario extrapolates catalog figures"
    for name, warning in found.items():
        written = re.search(r"`(\w+) \{ (\w+) \.\.\. source", warning.hint)
        if scenario_field(name) is None:
            assert written is None and "write" not in warning.hint, (name, warning.hint)
            assert "no scenario field sets it" in warning.hint
        else:
            assert written is not None, (name, warning.hint)
            assert f"{written[1]}.{written[2]}" == name
    assert scenario_field("market.global_market") is None and "market.global_market" in found
    assert scenario_field("energy.pue") is not None and "energy.pue" in found


def test_an_unwritable_hint_goes_only_with_extrapolated_rules():
    rule = {
        "id": "r",
        "when": [{"metric": "energy.pue", "above": "1.5"}],
        "concerns": [],
        "at": ["year"],
        "message": "m",
        "hint": "h",
        "hint_unwritable": "u",
        "why": "w",
        "source": "s",
        "confidence": "C",
    }
    with pytest.raises(WarningRulesError, match="'hint_unwritable' goes with 'extrapolated'"):
        parse_warning_rules({"warning": [rule]})


@pytest.mark.parametrize("years_after", [-1, 0, 1, 2])
def test_an_export_status_past_the_catalogs_date_warns_that_later_rules_are_unknown(years_after):
    """A 2028 scenario read 'allowed: no rule in force on 2028-07-01 restricts this chip there'
    as a finding about 2028; the catalog knows the rules only up to its date. A status decided
    after that date warns so, and its note says so (the briefing's caveats list it)."""
    from scendsl.catalog import load_catalog
    from scendsl.model.domains.export_rules import decision_date

    as_of = load_catalog().country_groups.as_of
    year = as_of.year + years_after
    text = CLEAN.replace("year   2024", f"year   {year}").replace("region FR", "region AE")
    result = evaluate(_scenario(text))
    found = {w.rule: w for w in scenario_warnings(result)}
    forecast = decision_date(year) > as_of
    assert ("export-rules-forecast" in found) == forecast
    note = result.inputs["export.status"].note or ""
    assert ("extrapolated" in note) == forecast
    if forecast:
        warning = found["export-rules-forecast"]
        assert f"on 1 July {year}" in warning.message and "United Arab Emirates" in warning.message
        assert as_of.isoformat() in note
        assert "extrapolated-year:export.status" not in {w.id for w in found.values()}


@pytest.mark.parametrize("region", ["US", '"US-TX"'])
def test_a_site_in_the_chips_own_country_has_no_export_rules_to_forecast(region):
    """A Riyadh fund compared its campus with the same one in Texas: the Texas briefing warned
    that the US export status of a US chip in Texas in 2030 forecast the export rules, and marked
    it extrapolated, though the chips are never exported."""
    from scendsl.catalog import load_catalog

    as_of = load_catalog().country_groups.as_of
    year = as_of.year + 3
    text = CLEAN.replace("year   2024", f"year   {year}").replace("region FR", f"region {region}")
    result = evaluate(_scenario(text))
    assert "export-rules-forecast" not in {w.rule for w in scenario_warnings(result)}
    note = result.inputs["export.status"].note or ""
    assert "extrapolated" not in note and "the chips are not exported" in note


def test_a_claim_that_cannot_be_decided_warns_at_the_claim_with_the_figure_meant():
    """A Seoul ministry's `expect workload.duration < 120 days` passed check and was n/a in
    every output: workload.duration is a duration given directly, the training time another
    figure. The warning points at the claim's metric and names the figure the model computes."""
    text = CLEAN.replace(
        "  }\n}",
        '  }\n  expect workload.duration < 120 days "four months"\n'
        "  expect cluster.count >= 8\n  expect energy.training_energy < 1 GWh\n}",
    )
    result = evaluate(_scenario(text))
    found = {w.id: w for w in scenario_warnings(result) if w.rule == "claim-undecided"}
    assert set(found) == {
        "claim-undecided:workload.duration",
        "claim-undecided:energy.training_energy",  # no workload: its inputs are named
    }
    duration = found["claim-undecided:workload.duration"]
    assert "`reliability.training_time`" in duration.hint
    assert duration.span is not None and duration.span.line == 9  # the claim's line
    assert "workload.tokens" in found["claim-undecided:energy.training_energy"].text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"claims": "failed"}, "'claims' must be one of undecided"),
        (
            {"hints": {"workload.duration": "x"}, "when": [{"metric": "a", "is": True}]},
            "'hints' goes with 'claims'",
        ),
        ({"claims": "undecided", "when": [{"metric": "a", "is": True}]}, "give one of"),
    ],
)
def test_a_claims_rule_is_checked_against_the_schema(extra, message):
    rule = {**MINIMAL_RULE, **extra}
    with pytest.raises(WarningRulesError, match=message):
        parse_warning_rules({"warning": [rule]})


PARENT_WITH_SUPPLY = CLEAN.replace(
    "  cluster {",
    '  energy {\n    intensity 400 gCO2/kWh source "a utility"\n    price 90 USD/MWh\n  }\n'
    "  cluster {",
)


def _inherited_overrides(text: str, name: str) -> list:
    scenarios = scendsl.load_text(text)
    scenario = next(s for s in scenarios.all_scenarios() if s.name.startswith(name))
    return [w for w in scenario_warnings(evaluate(scenario)) if w.rule == "inherited-override"]


@pytest.mark.parametrize(
    ("child", "written", "over"),
    [
        ("  energy.mix grid 50%, solar 50%\n", "energy.mix", ["energy.intensity", "energy.price"]),
        ('  region "US-TX"\n', "region", ["energy.intensity", "energy.price"]),
    ],
)
def test_a_child_change_under_an_inherited_figure_is_warned_at_the_change(child, written, over):
    text = PARENT_WITH_SUPPLY + "\nscenario child extends paris {\n" + child + "}\n"
    (warning,) = _inherited_overrides(text, "child")
    assert warning.id == f"inherited-override:{written}"
    assert warning.span.line == text.splitlines().index(child.rstrip("\n")) + 1
    assert all(name in warning.text for name in over) and "'paris'" in warning.text
    # The figure really is the parent's: the warning says what the model does.
    parent, child_result = (
        evaluate(s) for s in scendsl.load_text(text).scenarios if s.name in ("paris", "child")
    )
    assert child_result["energy.supply_intensity"].value == parent["energy.supply_intensity"].value


def test_writing_the_figure_again_or_in_one_scenario_is_not_warned():
    both_here = PARENT_WITH_SUPPLY.replace(
        "  energy {\n", "  energy {\n    mix grid 50%, solar 50%\n"
    )
    assert _inherited_overrides(both_here, "paris") == []
    rewritten = (
        PARENT_WITH_SUPPLY + "\nscenario child extends paris {\n  energy.mix solar 100%\n"
        "  energy.intensity 40 gCO2/kWh\n  energy.price 60 USD/MWh\n}\n"
    )
    assert _inherited_overrides(rewritten, "child") == []
    unrelated = PARENT_WITH_SUPPLY + "\nscenario child extends paris {\n  cluster.count 20k\n}\n"
    assert _inherited_overrides(unrelated, "child") == []


def test_a_sweep_over_a_field_its_base_overrides_is_warned_in_each_variant():
    text = PARENT_WITH_SUPPLY + '\nsweep regions from paris {\n  region ["DE", "PL"]\n}\n'
    (warning,) = _inherited_overrides(text, "regions[")
    assert warning.id == "inherited-override:region" and "sweep 'regions'" in warning.text


def test_a_new_accelerator_under_a_measured_power_is_warned():
    parent = CLEAN.replace(
        "    count       10k", "    count       10k\n    accelerator_power 1.2 kW"
    )
    text = parent + "\nscenario child extends paris {\n  cluster.accelerator B200\n}\n"
    (warning,) = _inherited_overrides(text, "child")
    assert warning.id == "inherited-override:cluster.accelerator"
    assert "cluster.accelerator_power" in warning.text


def test_the_scenarios_that_wrote_inherited_figures_are_named_as_a_list_is_written():
    from types import SimpleNamespace

    from scendsl.report.warnings import _inherited_from

    wrote = {"energy.intensity": "a", "energy.price": "b", "energy.pue": "c", "region": "a"}
    scenario = SimpleNamespace(sweep=None, inherited=wrote)
    assert _inherited_from(scenario, list(wrote)) == "'a', 'b' and 'c'"
    assert _inherited_from(scenario, ["energy.intensity", "region"]) == "'a'"


def test_a_metric_built_on_a_marked_figure_is_concerned_without_being_named():
    # The grid-intensity stand-in marks energy.supply_intensity: a metric added on top of what
    # is built on it (here on energy.annual_emissions) is concerned, with no list edited.
    from dataclasses import replace

    result = evaluate(_scenario(CLEAN.replace("region FR", "region TV")))
    rule = next(r for r in warning_rules() if r.id == "grid-intensity-fallback")
    assert "energy.annual_emissions" not in rule.concerns
    emissions = result.metrics["energy.annual_emissions"]
    added = replace(emissions, name="energy.added_on_emissions", inputs=(emissions.name,))
    grown = result.model_copy(update={"metrics": {**result.metrics, added.name: added}})
    found = {w.id: w for w in scenario_warnings(grown)}
    assert "energy.added_on_emissions" in found["grid-intensity-fallback"].metrics
    assert "energy.added_on_emissions" not in found["grid-price-fallback"].metrics
