"""The twenty-eighth hostile-input review (docs/security.md, items 180 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from scendsl.model.uncertainty import sample
from tests.test_input_bounds import (
    NEW_ACCELERATOR,
    accelerator_block,
    edge_value,
    every_numeric_field,
    scenario,
    written_value,
)


# ------------- item 180: a field's bounds hold in every form it is written in, and per draw
def _outside(spec: F.FieldSpec) -> tuple[str, str]:
    """A value below the field's minimum (at it, when the minimum is exclusive) and one above
    its maximum, as written."""
    low, high = float(spec.minimum), float(spec.maximum)  # type: ignore[arg-type]
    if spec.kind == "integer":
        return str(int(low) - 1), str(int(high) + 1)
    below = low - max(abs(low), 1.0) / 2 if spec.inclusive else low
    return written_value(spec, below), written_value(spec, high * 2 if high > 0 else high + 1)


#: What a field needs beside it to be read at all (adapters are switched on by their count).
_BESIDE = {
    "workload.trainable_parameters": "  workload.adapter lora\n",
    "workload.teacher_share": "  workload.teacher_parameters 8B\n",
    "workload.attention_window_share": "  workload.attention_window 1024\n",
}
#: The accelerator a field's range is drawn on: a power cap is drawn when its centre is below
#: the TDP (the H100's 700 W holds a cap written up to 1 MW at the TDP, undrawn), so on one of
#: the most a TDP may be; one at that most is the TDP, and held.
_DRAWN_ON = {
    "cluster.power_limit": dict(
        accelerator="X", before=accelerator_block({**NEW_ACCELERATOR, "tdp": "1000000.0 W"})
    )
}
_HELD_AT_THE_MAXIMUM = {"cluster.power_limit"}


def _numeric(path_and_spec) -> bool:
    path, spec = path_and_spec
    return spec.kind in ("quantity", "integer") and path.count(".") == 1


SCENARIO_FIELDS = [
    pytest.param(path, spec, id=path)
    for path, spec in filter(_numeric, every_numeric_field())
    if not path.startswith(("accelerator.", "reference."))
]
ACCELERATOR_FIELDS = [
    pytest.param(name, spec, id=f"accelerator.{name}")
    for name, spec in F.ACCELERATOR_FIGURES.items()
    if spec.kind == "quantity"
]


def _forms(path: str, spec: F.FieldSpec) -> dict[str, tuple[str, str]]:
    """Each way to write the field outside its bounds: (scenario lines, sweep block)."""
    below, above = _outside(spec)
    inside_high, inside_low = edge_value(spec, "high"), edge_value(spec, "low")
    sweep = "sweep w from s {{\n  {} {}\n}}\n"
    forms = {
        "value below": (f"  {path} {below}", ""),
        "value above": (f"  {path} {above}", ""),
        "sweep list below": ("", sweep.format(path, f"[{inside_high}, {below}]")),
        "sweep list above": ("", sweep.format(path, f"[{inside_low}, {above}]")),
    }
    if spec.kind == "integer":
        forms["sweep span below"] = ("", sweep.format(path, f"{below} .. {inside_low}"))
        forms["sweep span above"] = ("", sweep.format(path, f"{inside_high} .. {above}"))
    if spec.uncertain:
        forms["range below"] = (f"  {path} {below} to {inside_high}", "")
        forms["range above"] = (f"  {path} {inside_low} to {above}", "")
        forms["spread below"] = (f"  {path} {below} ± 10%", "")
        forms["spread above"] = (f"  {path} {above} ± 10%", "")
    return forms


def _refused_at(text: str, needle: str) -> list[str]:
    """The messages of refused text, each diagnostic located on the line holding `needle`."""
    line = next(n for n, written in enumerate(text.splitlines(), 1) if needle in written)
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    for diagnostic in caught.value.diagnostics:
        assert diagnostic.span is not None and diagnostic.span.line == line, diagnostic.render()
    return [diagnostic.message for diagnostic in caught.value.diagnostics]


def _laws_within_bounds(text: str, spec: F.FieldSpec, drawn: bool = True) -> None:
    """Every law the scenario's one uncertain field gives is drawn within the field's bounds
    (each field declares them once; the Monte Carlo takes them from the declaration)."""
    run = sample(scendsl.load_text(text).get("s"), 4_000)
    assert run.laws or not drawn, "the field's range is drawn"
    for law in run.laws:
        assert (law.lower, law.upper) == (spec.minimum, spec.maximum), law.name
        draws = run.draws[law.name]
        assert np.isfinite(draws).all(), law.name
        assert draws.max() <= spec.maximum, (law.name, draws.max())
        if spec.inclusive:
            assert draws.min() >= spec.minimum, (law.name, draws.min())
        else:
            assert draws.min() > spec.minimum, (law.name, draws.min())


@pytest.mark.parametrize(("path", "spec"), SCENARIO_FIELDS)
def test_every_scenario_field_holds_its_bounds_written_any_way_and_in_every_draw(path, spec):
    """Walks the field registry: each numeric field of a scenario declares a finite minimum and
    maximum (a new field without them fails here), a value beyond them is refused, located at
    its line, written alone, in a sweep's list or span, as a range's end or as a spread's
    centre; and the Monte Carlo draws a range written from one bound to the other, or a spread
    at either, within them. A lognormal range (`workload.parameters 1.001 to 1e16`) drew
    models of 6e-14 parameters, a unit price of 3e-5 USD, hosts of 2 mW: its law kept the
    maximum and left the exclusive minimum, which is above 0, to positivity."""
    assert spec.minimum is not None and spec.maximum is not None, path
    assert math.isfinite(spec.minimum) and math.isfinite(spec.maximum), path
    beside = _BESIDE.get(path, "")
    for form, (lines, sweep) in _forms(path, spec).items():
        text = scenario(beside + lines) + sweep
        messages = _refused_at(text, (lines or sweep.splitlines()[1]).strip())
        assert any(f"'{path}'" in message for message in messages), (form, messages)
    if spec.kind == "integer" or not spec.uncertain:
        return
    low, high = edge_value(spec, "low"), edge_value(spec, "high")
    drawn_on = _DRAWN_ON.get(path, {})
    for written in (f"{low} to {high}", f"{low} ± 99%", f"{high} ± 99%"):
        drawn = not (written.startswith(high) and path in _HELD_AT_THE_MAXIMUM)
        _laws_within_bounds(scenario(f"{beside}  {path} {written}", **drawn_on), spec, drawn)


@pytest.mark.parametrize(("name", "spec"), ACCELERATOR_FIELDS)
def test_every_accelerator_figure_holds_its_bounds_written_any_way_and_in_every_draw(name, spec):
    """The same walk over an `accelerator` block's figures (no sweep reaches them)."""
    assert spec.minimum is not None and spec.maximum is not None, name
    below, above = _outside(spec)
    low, high = edge_value(spec, "low"), edge_value(spec, "high")
    written_ways = [below, above]
    if spec.uncertain:
        written_ways += [f"{below} to {high}", f"{low} to {above}", f"{below} ± 10%"]
    for written in written_ways:
        block = accelerator_block({**NEW_ACCELERATOR, name: written})
        messages = _refused_at(scenario(accelerator="X", before=block), f"{name} {written}")
        assert any(f"'{name}'" in message for message in messages), (written, messages)
    if not spec.uncertain:
        return
    for written in (f"{low} to {high}", f"{low} ± 99%", f"{high} ± 99%"):
        block = accelerator_block({**NEW_ACCELERATOR, name: written})
        _laws_within_bounds(scenario(accelerator="X", before=block), spec)


# ------------- item 181: a page's derivations are bounded, whatever its tables repeat
def test_a_page_of_thousands_of_claims_on_one_figure_holds_its_derivations_within_a_bound(
    tmp_path,
):
    """Each figure of an HTML page expands to its derivation (1-25 KB), and a claim's row shows
    its metric's figure: 3,400 claims on `performance.data_parallel_time` (a file of 170 KB,
    within the token limit) made a page of 88 MB holding 830 MB, and a sweep of 200 variants
    over a base with 159 claims one of 40 MB (its table of the claims' figures, a derivation a
    cell). The page's derivations stop at their bound; the figures past it are plain numbers,
    said so at the page's top; the Markdown is whole."""
    from scendsl.app.build import build

    claims = "".join(
        f'  expect performance.data_parallel_time > {n} s "q{n}"\n' for n in range(3_400)
    )
    source = tmp_path / "claims.scn"
    source.write_text(
        scenario("  workload.parameters 70B\n  workload.tokens 1T\n" + claims), encoding="utf-8"
    )
    build([str(source)], str(tmp_path / "out"), samples=0)
    page = (tmp_path / "out" / "s.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "out" / "s.md").read_text(encoding="utf-8")
    # The bound (16 million characters) and the page's own text, some 3 MB.
    assert len(page) < 25_000_000, len(page)
    assert all(f"“q{n}”" in page and f"“q{n}”" in markdown for n in (0, 1_700, 3_399))
    assert "shown without their derivation" in page
    assert page.count('<details class="num">') > 100  # the first figures keep theirs


# ------------- item 182: a claim's margin is a finite percentage, or none
@pytest.mark.parametrize(
    "claim",
    [
        "energy.facility_power < 5e-324 W",  # a subnormal: 12 kW is a change of 10^329 %
        "energy.annual_cost < 1e-320 USD",
        "performance.mfu < 1e-320%",
        "energy.facility_power ~= 1e-310 MW ± 1e300%",  # 10^308: finite, its percentage not
    ],
)
def test_a_claim_on_a_vanishing_value_has_no_margin_rather_than_an_infinite_one(tmp_path, claim):
    """A claim compares with any number the user writes (its value has no field to bound it):
    on a subnormal one the margin `(actual − expected) / |expected|` overflowed, and the
    briefing printed `+∞%` where the JSON had a bare null. The margin is a share whose
    percentage is a finite number, else none (as for a claim of 0): the row says `–`."""
    from scendsl.app.build import build

    text = scenario(f'  workload.parameters 7B\n  workload.tokens 1T\n  expect {claim} "q"')
    [result] = scendsl.evaluate(scendsl.load_text(text).get("s")).claims
    assert result.margin is None, result.margin
    source = tmp_path / "s.scn"
    source.write_text(text, encoding="utf-8")
    build([str(source)], str(tmp_path / "out"), samples=0)
    [row] = [
        line
        for line in (tmp_path / "out" / "s.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| 1 | “q”")
    ]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert "∞" not in row and cells[6] == "–", row


# ------------- item 183: a negative zero is read as zero
def test_a_negative_zero_is_read_as_zero_and_never_printed_minus_zero(tmp_path, capsys):
    """`cluster.overhead -0`, `energy.outage -0%` or a claim `!= -0%` were read as −0.0,
    which the JSON and CSV print as `-0.0` (the figure, what it moves, the claim's value)."""
    from scendsl.cli import main

    text = scenario(
        "  cluster.overhead -0\n  energy.outage -0%\n  cluster.interruption_rate -0\n"
        '  expect performance.mfu != -0% "q"'
    )
    result = scendsl.evaluate(scendsl.load_text(text).get("s"))
    [claim] = result.claims
    assert math.copysign(1.0, claim.expected) == 1.0
    for name in ("energy.outage", "energy.network_overhead"):
        assert math.copysign(1.0, result[name].value) == 1.0, name
    source = tmp_path / "s.scn"
    source.write_text(text, encoding="utf-8")
    for form in ("json", "csv"):
        assert main(["eval", str(source), "--format", form, "--samples", "0"]) == 0
        # a number of its own (a JSON value, a CSV cell), not text such as "0.003-0.02 %"
        assert not re.search(r"(?:^|[:,\[\s])-0\.0(?![0-9])", capsys.readouterr().out), form


# ------------- item 184: a look-alike after a dot, and digits of other scripts, are named
@pytest.mark.parametrize(
    ("line", "column", "fix"),
    [
        ("cluster.\uff41ccelerator H100", 11, "a"),  # full-width a, after the section's dot
        ("workload.parameters 7.\uff15B", 25, "5"),
        ("workload.parameters \u0667B", 23, "7"),  # Arabic-Indic seven
        ("workload.tokens \u096eT", 19, "8"),  # Devanagari eight
    ],
)
def test_a_character_after_a_dot_or_a_digit_of_another_script_is_named_with_its_fix(
    tmp_path, line, column, fix
):
    """`cluster.\\uff41ccelerator` (a full-width a) was "unexpected character '.'" at the dot, with no hint (a dotted
    name stops at a dot no ASCII letter follows), and an Arabic-Indic or Devanagari digit was
    named without the digit to write (it looks like no ASCII one, so no look-alike). Each is
    one error at the character, its fix the ASCII character."""
    from tests.security_helpers import check_errors

    [error] = check_errors(tmp_path, line)
    assert error.span.col == column and error.fix == fix, (error.render(), error.fix)
    assert "'.'" not in error.message, error.message


# ------------- item 185: a bound's message says which of its ends the value may not take
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cluster.mfu 0%", "'cluster.mfu' must be greater than 0% and at most 100%"),
        ("energy.utilization 0%", "'energy.utilization' must be greater than 0% and at most 100%"),
        ("energy.mix coal 0%, gas 100%", "the share of 'coal' must be greater than 0% and at most"),
        ("energy.pue 1.2 ± 100%", "a spread must be at least 0% and less than 100%"),
        # past an end the range includes, its natural range whole, as before
        ("cluster.mfu 140%", "'cluster.mfu' must be between 0% and 100%"),
        ("energy.mix coal 150%", "the share of 'coal' must be between 0% and 100%"),
    ],
)
def test_a_value_at_an_end_its_range_leaves_out_is_told_that_end_is_left_out(
    tmp_path, line, message
):
    """`cluster.mfu 0%`, a mix share of 0 % and a spread of ± 100 % were told they "must be
    between 0% and 100%", which the value written is, read as anyone reads it: the end the
    range leaves out is said so where the value is at or past it."""
    from tests.security_helpers import check_errors

    [error] = check_errors(tmp_path, line)
    assert error.message.startswith(message), error.message


# ------------- item 186: a number no double holds but 0 is too small, not 0
@pytest.mark.parametrize(
    "line",
    [
        "energy.outage 1e-400%",  # read as 0 %, silently
        "cluster.overhead 1e-400",
        "energy.price 5e-324 USD/MWh",  # 'must be greater than 0 USD/MWh', which it is
        "energy.price 1e-400 USD/MWh to 50 USD/MWh",
        'expect energy.supply_price < 5e-324 USD/MWh "q"',
        'expect performance.mfu > 5e-324% "q"',
    ],
)
def test_a_number_too_small_for_a_double_is_told_so_not_read_as_zero(tmp_path, line):
    """A literal below the smallest double (`1e-400`), or one that its percent sign or unit
    takes there (`5e-324%`, `5e-324 USD/MWh` in USD per joule), was read as 0: a field that
    takes 0 took it silently, and one that does not was told it "must be greater than 0 USD/MWh"
    of a price written above 0. It is "number is too small", located, as one too large is."""
    from tests.security_helpers import check_errors

    [error] = check_errors(tmp_path, line)
    assert error.message.startswith("number is too small"), error.message
    number = re.search(r"[0-9.]+e-[0-9]+", line).group()  # type: ignore[union-attr]
    assert error.span.col == line.index(number) + 3, error.render()  # the body is indented 2


def test_a_sweep_value_too_small_for_a_double_is_told_so(tmp_path):
    text = scenario() + "sweep w from s {\n  energy.price [60 USD/MWh, 5e-324 USD/MWh]\n}\n"
    assert _refused_at(text, "energy.price [") == ["number is too small (it would be read as 0)"]
