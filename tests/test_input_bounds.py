"""Hostile input that `check` used to accept and that then broke a later stage.

Each test is named after the problem it pins: field values outside physical bounds (division by
zero, overflow in charts), contradictory correlations (a crash in the Monte Carlo), names that
cannot be file names, and the loading API (diamond imports, quoting files that are not scenarios,
lone surrogates).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import scendsl
from scendsl.app.build import build
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from scendsl.language.correlation import consistent, psd_cholesky
from scendsl.model.uncertainty import sample
from scendsl.report.pages import page_names

SCENARIO = """\
scenario s {{
  year 2026
  region US
  cluster.accelerator {accelerator}
{lines}
}}
"""


def scenario(lines: str = "", accelerator: str = "H100", before: str = "") -> str:
    if "cluster.count" not in lines:
        lines = "  cluster.count 8\n" + lines
    return before + SCENARIO.format(accelerator=accelerator, lines=lines)


def refusal(text: str) -> list[str]:
    """The rendered diagnostics of refused text; each must point into the text."""
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.span is not None and diagnostic.span.line >= 1, diagnostic.render()
    return [d.render() for d in caught.value.diagnostics]


def accelerator_block(values: dict[str, str]) -> str:
    return "accelerator X {\n" + "".join(f"  {k} {v}\n" for k, v in values.items()) + "}\n"


NEW_ACCELERATOR = {
    "bf16_dense": "500 TFLOPS",
    "hbm": "80 GB",
    "hbm_bandwidth": "3 TB/s",
    "scaleup_bandwidth": "900 GB/s",
    "hostlink_bandwidth": "128 GB/s",
    "tdp": "700 W",
}


# ----------------------------------------------------------------------- 10: physical bounds
def test_parameters_5e_324_refused_at_check_not_a_zero_division():
    messages = refusal(scenario("  workload.parameters 5e-324\n  workload.tokens 20B"))
    assert any("'workload.parameters' must be greater than 1" in m for m in messages)


def test_tiny_baseline_parameters_and_tokens_refused_at_check():
    messages = refusal(
        scenario(
            "  workload.parameters 1B\n  workload.tokens 20B\n"
            "  workload.baseline_parameters 1e-300\n"
            "  workload.baseline_tokens 1e-300"
        )
    )
    assert any("'workload.baseline_parameters' must be greater than 1" in m for m in messages)
    assert any("'workload.baseline_tokens' must be greater than 1" in m for m in messages)


def test_bf16_dense_1e_300_flops_refused_at_check_not_an_overflow_in_charts():
    block = accelerator_block({**NEW_ACCELERATOR, "bf16_dense": "1e-300 FLOPS"})
    messages = refusal(scenario(accelerator="X", before=block))
    assert any("'bf16_dense' must be greater than 1 GFLOPS" in m for m in messages)
    block = accelerator_block({**NEW_ACCELERATOR, "bf16_dense": "1e30 FLOPS"})
    assert any(
        "'bf16_dense' must be at most 100 EFLOPS" in m
        for m in refusal(scenario(accelerator="X", before=block))
    )


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("  cluster.count 1e300", "'cluster.count' must be at most 1,000,000,000"),
        ("  workload.tokens 1e300", "'workload.tokens' must be at most"),
        ("  workload.layers 10000000", "'workload.layers' must be at most 1,000,000"),
        ("  workload.parallelism tensor 1e12, pipeline 1", "'tensor' must be at most"),
        ("  market.unit_price 1e300 USD", "'market.unit_price' must be at most"),
        ("  energy.price 1e300 USD/MWh", "'energy.price' must be at most 10,000 USD/MWh"),
        ("  workload.checkpoint_time 1e300 s", "'workload.checkpoint_time' must be at most 7 days"),
        ("  cluster.accelerator_power 5 GW", "'cluster.accelerator_power' must be at most 1 MW"),
    ],
)
def test_absurd_magnitudes_refused_at_check(line, fragment):
    messages = refusal(scenario(line))
    assert any(fragment in m for m in messages), messages


def every_numeric_field():
    for section, fields in F.SECTIONS.items():
        for name, spec in fields.items():
            yield f"{section}.{name}", spec
    yield from (("year", F.SCENARIO_ATTRIBUTES["year"]),)
    yield from ((f"accelerator.{name}", spec) for name, spec in F.ACCELERATOR_FIGURES.items())
    yield from (
        ("accelerator.available_year", F.ACCELERATOR_ATTRIBUTES["available_year"]),
        ("reference.count", F.REFERENCE_FIELDS["count"]),
        ("parallelism degree", F.PARALLEL_DEGREE),
    )


def test_every_numeric_field_declares_a_minimum_and_a_maximum():
    numeric = [
        (path, spec) for path, spec in every_numeric_field() if spec.kind in ("quantity", "integer")
    ]
    assert len(numeric) > 30
    for path, spec in numeric:
        assert spec.minimum is not None and spec.maximum is not None, path
        assert math.isfinite(spec.maximum) and spec.minimum < spec.maximum, path


def edge_value(spec: F.FieldSpec, edge: str) -> str:
    """The value text at (just inside) one bound of a field, in the field's smallest unit."""
    if edge == "low":
        value = spec.minimum if spec.inclusive else spec.minimum * 1.001 or spec.maximum * 1e-12
    else:
        value = spec.maximum
    if spec.kind == "integer":
        return str(math.ceil(value) if edge == "low" else math.floor(value))
    return written_value(spec, value)


def written_value(spec: F.FieldSpec, value: float) -> str:
    """A value (SI) of a quantity field as it is written, in the field's smallest unit (`0.5 W`,
    `150.0%`)."""
    if spec.dimension == "fraction":
        return f"{value * 100!r}%"
    units = F.BOUND_UNITS.get(spec.dimension or "")
    if units:
        symbol, factor = units[-1]
        return f"{value / factor!r} {symbol}"
    return repr(value)


def edge_scenario(edge: str, ranges: bool = False, alternatives: bool = False) -> str:
    """A scenario with every numeric field, and a new accelerator with every figure, at one
    edge of its bounds (or, with `ranges`, uncertain fields written from edge to edge). Of two
    fields that say one thing two ways (`excludes`: cluster.hfu for cluster.mfu) the first,
    or with `alternatives` the other."""

    def value(spec: F.FieldSpec) -> str:
        if ranges and spec.kind == "quantity" and spec.uncertain:
            return f"{edge_value(spec, 'low')} to {edge_value(spec, 'high')}"
        return edge_value(spec, edge)

    block = accelerator_block({name: value(spec) for name, spec in F.ACCELERATOR_FIGURES.items()})
    excluded = {
        section: {
            (spec.excludes if alternatives else name)
            for name, spec in fields.items()
            if spec.excludes is not None
        }
        for section, fields in F.SECTIONS.items()
    }
    lines = "\n".join(
        f"  {section}.{name} {value(spec)}"
        for section, fields in F.SECTIONS.items()
        for name, spec in fields.items()
        if spec.kind in ("quantity", "integer") and name not in excluded[section]
    )
    # Adapters switch on the field that counts them (workload.trainable_parameters).
    return scenario(lines + "\n  workload.adapter lora", accelerator="X", before=block)


@pytest.mark.parametrize("alternatives", [False, True])
@pytest.mark.parametrize("edge, ranges", [("low", False), ("high", False), ("low", True)])
def test_every_field_at_its_bounds_evaluates_and_samples_without_an_internal_error(
    edge, ranges, alternatives
):
    # The class of the zero divisions: whatever check accepts, the model computes.
    scenarios = scendsl.load_text(edge_scenario(edge, ranges, alternatives))
    result = scendsl.evaluate(scenarios.get("s"))
    json.dumps(result.model_dump(mode="json"))
    run = sample(scenarios.get("s"), 200)
    assert run.size == 200


def test_build_at_the_smallest_bounds_draws_every_chart(tmp_path):
    # `bf16_dense 1e-300 FLOPS` overflowed the chart axis code; the smallest figure allowed now
    # must draw.
    source = tmp_path / "edge.scn"
    source.write_text(edge_scenario("low", ranges=True), encoding="utf-8")
    report = build([str(source)], str(tmp_path / "out"), samples=100)
    assert "s.html" in report.files
    for page in ("s.html", "landscape.html", "energy.html"):
        assert "<svg" in (tmp_path / "out" / page).read_text(encoding="utf-8"), page


def test_ranges_checked_against_bounds_at_both_ends():
    messages = refusal(scenario("  workload.parameters 1e-9 to 1B"))
    assert any("'workload.parameters' must be greater than 1" in m for m in messages)


# ------------------------------------------------------------------- 10 / 11: correlations
UNCERTAIN = """\
  cluster.mfu 30% to 50%
  energy.pue 1.1 to 1.4
  energy.utilization 70% to 90%
"""


def test_three_mutually_inconsistent_correlations_refused_at_check_with_the_statements():
    text = scenario(
        UNCERTAIN + "  correlate cluster.mfu, energy.pue 1\n"
        "  correlate energy.pue, energy.utilization 1\n"
        "  correlate cluster.mfu, energy.utilization -1"
    )
    messages = refusal(text)
    assert len(messages) == 1
    assert "correlations contradict each other" in messages[0]
    assert ":11:3: error:" in messages[0]  # the last statement, the other two as notes
    assert messages[0].count("note: together with this correlation") == 2


def test_two_correlations_at_one_imply_the_third_and_are_refused_without_it():
    # a ~ b 1 and b ~ c 1 with a, c independent (unwritten: 0) describe no joint law.
    messages = refusal(
        scenario(
            UNCERTAIN + "  correlate cluster.mfu, energy.pue 1\n"
            "  correlate energy.pue, energy.utilization 1"
        )
    )
    assert "contradict each other" in messages[0]


def test_correlations_at_plus_and_minus_one_that_agree_run_in_the_monte_carlo():
    text = scenario(
        UNCERTAIN + "  correlate cluster.mfu, energy.pue 1\n"
        "  correlate energy.pue, energy.utilization -1\n"
        "  correlate cluster.mfu, energy.utilization -1"
    )
    run = sample(scendsl.load_text(text).get("s"), 500)
    mfu, pue, utilization = (
        run.draws[name] for name in ("cluster.mfu", "energy.pue", "energy.utilization")
    )
    assert np.corrcoef(np.log(mfu), np.log(pue))[0, 1] == pytest.approx(1.0, abs=1e-9)
    assert np.corrcoef(np.log(mfu), np.log(utilization))[0, 1] == pytest.approx(-1.0, abs=1e-9)


def test_one_pair_correlated_twice_with_different_values_is_refused():
    messages = refusal(
        scenario(
            UNCERTAIN + "  correlate cluster.mfu, energy.pue 0.5\n"
            "  correlate energy.pue, cluster.mfu 0.6"
        )
    )
    assert "correlated twice" in messages[0] and "first correlated here" in messages[0]


def test_correlations_inherited_through_extends_are_checked_with_the_childs():
    text = scenario(
        UNCERTAIN + "  correlate cluster.mfu, energy.pue 0.9\n"
        "  correlate energy.pue, energy.utilization 0.9"
    ) + ("scenario t extends s {\n  correlate cluster.mfu, energy.utilization -0.9\n}\n")
    messages = refusal(text)
    assert "contradict each other" in messages[0] and ":2:3: error:" not in messages[0]


def test_pure_python_semidefinite_check_agrees_with_the_eigenvalues():
    rng = np.random.default_rng(7)
    for n, _trial in itertools.product((2, 3, 4, 6), range(60)):
        pairs = {
            (f"f{i}", f"f{j}"): float(rng.choice([-1.0, -0.9, -0.5, 0.0, 0.3, 0.9, 1.0]))
            for i in range(n)
            for j in range(i + 1, n)
            if rng.random() < 0.7
        }
        names = sorted({name for pair in pairs for name in pair})
        matrix = np.eye(len(names))
        for (a, b), rho in pairs.items():
            i, j = names.index(a), names.index(b)
            matrix[i, j] = matrix[j, i] = rho
        expected = np.linalg.eigvalsh(matrix).min() >= -1e-9 if names else True
        assert consistent(pairs) == expected, pairs
        factor = psd_cholesky(matrix.tolist())
        if factor is not None:
            assert np.allclose(np.array(factor) @ np.array(factor).T, matrix, atol=1e-6)


# --------------------------------------------------------------------------- 21: names
def test_300_character_scenario_name_refused_at_check():
    text = scenario().replace("scenario s {", "scenario " + "a" * 300 + " {")
    messages = refusal(text)
    assert any(f"a name is at most {F.MAX_NAME_LENGTH} characters" in m for m in messages)
    assert scendsl.load_text(text.replace("a" * 300, "a" * F.MAX_NAME_LENGTH))


def test_windows_reserved_scenario_names_get_safe_page_file_names(tmp_path):
    names = ["CON", "nul", "COM1", "aux", "Lpt9", "prn", "con_ok", "com10", "colossus2"]
    pages = page_names(names)
    for name in ("CON", "nul", "COM1", "aux", "Lpt9", "prn"):
        assert pages[name] == f"scenario-{name}"
    # Everything else keeps its name: the committed briefings' file names do not move.
    assert (pages["con_ok"], pages["com10"], pages["colossus2"]) == ("con_ok", "com10", "colossus2")
    source = tmp_path / "reserved.scn"
    source.write_text(
        "".join(scenario().replace("scenario s", f"scenario {name}") for name in ("CON", "aux")),
        encoding="utf-8",
    )
    written = build([str(source)], str(tmp_path / "out"), samples=0).files
    assert "scenario-CON.md" in written and "scenario-aux.html" in written
    assert not {"CON.md", "CON.html", "aux.md", "aux.html"} & set(written)


# ------------------------------------------------------------------------------ 24: API
def test_load_text_with_a_diamond_import_reads_the_shared_file_once(tmp_path, monkeypatch):
    (tmp_path / "d.scn").write_text("accelerator D extends H100 { tdp 700 W }\n", encoding="utf-8")
    (tmp_path / "b.scn").write_text('import "d.scn"\n', encoding="utf-8")
    (tmp_path / "c.scn").write_text('import "d.scn"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = 'import "b.scn"\nimport "c.scn"\n' + scenario(accelerator="D")
    assert scendsl.load_text(text).get("s").cluster.accelerator == "D"
    assert scendsl.load(text).get("s").cluster.accelerator == "D"  # the deprecated wrapper too


def test_load_of_proc_self_environ_does_not_quote_the_environment(monkeypatch):
    if not os.path.exists("/proc/self/environ"):
        pytest.skip("no /proc on this system")
    monkeypatch.setenv("SCENDSL_TEST_MARKER", "do-not-print-me")
    for load in (scendsl.load, scendsl.load_file):
        with pytest.raises(ScenarioError) as caught:
            load("/proc/self/environ")
        assert "do-not-print-me" not in str(caught.value)
        assert "not a scenario file" in str(caught.value)


def test_load_file_refuses_a_file_that_is_not_scn_without_quoting_it(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('scenario {"token": "hunter2"}\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_file(secret)
    assert "hunter2" not in str(caught.value) and "not a scenario file (.scn)" in str(caught.value)


def test_cli_check_refuses_a_file_that_is_not_scn_without_quoting_it(tmp_path, capsys):
    secret = tmp_path / "notes.txt"
    secret.write_text("password = hunter2\n", encoding="utf-8")
    assert main(["check", str(secret)]) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err and "not a scenario file" in err


def test_scn_file_with_a_nul_byte_is_refused_without_quoting_it(tmp_path):
    binary = tmp_path / "binary.scn"
    binary.write_bytes(b"# secret hunter2\x00\n")
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_file(binary)
    assert "NUL byte" in str(caught.value) and "hunter2" not in str(caught.value)


def test_import_of_a_file_that_is_not_scn_is_refused_without_quoting_it(tmp_path):
    (tmp_path / "secret.txt").write_text("hunter2\n", encoding="utf-8")
    main_file = tmp_path / "main.scn"
    main_file.write_text('import "secret.txt"\n' + scenario(), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_file(main_file)
    text = str(caught.value)
    assert "is not a scenario file (.scn)" in text and "hunter2" not in text


def test_lone_surrogate_in_a_title_is_refused_at_check():
    text = scenario('  title "broken \ud800 title"')
    messages = refusal(text)
    assert "lone surrogate U+D800" in messages[0]
    assert ":6:17: error:" in messages[0]
    "\n".join(messages).encode("utf-8")  # the diagnostic itself can be printed


def test_load_text_names_the_text_in_its_diagnostics():
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text("scenario s {\n  year 1800\n}\n", name="draft.scn")
    assert "draft.scn:2:8: error: 'year' must be between 2000 and 2100" in str(caught.value)


def test_sample_scenarios_still_pass_check():
    assert scendsl.check([str(Path("scenarios"))]).scenarios
