"""`eval --units readable` (analysts opening a table in a spreadsheet): each figure in the unit a
briefing shows it in (MW, MWh, days, %), one unit per column of a wide table, and the same
quantity as the SI table's, read back through the language's own table of units."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from scendsl.catalog.quantities import unit_factor
from scendsl.cli import main

SOURCE = """
scenario small {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  workload.parameters 8B
  workload.tokens 1T
  expect energy.facility_power > 1 MW "a claim"
}
scenario large {
  year 2027
  region DE
  cluster.accelerator B200
  cluster.count 40k to 60k
}
sweep grow from small {
  cluster.count [1000, 200k]
}
"""


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "s.scn"
    path.write_text(SOURCE)
    return path


def _rows(capsys, *args) -> list[list[str]]:
    assert main(["eval", *args]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def _factor(unit: str) -> float:
    """A unit's factor to SI, from the language's units (`t CO2` is written `tCO2` there)."""
    if unit in ("", "1", "year"):
        return 1.0
    if unit == "%":
        return 0.01
    return unit_factor(unit.replace(" ", "").replace("²", "2"))


def _close(readable: str, unit: str, si: str) -> bool:
    return math.isclose(float(readable) * _factor(unit), float(si), rel_tol=1e-12, abs_tol=1e-300)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and text not in ("true", "false")
    except ValueError:
        return False


def test_the_long_table_gives_the_same_quantities_in_readable_units(source, capsys):
    args = [str(source), "--format", "csv", "--sweeps", "--samples", "200"]
    si = _rows(capsys, *args)
    readable = _rows(capsys, *args, "--units", "readable")
    header = si[0]
    value, unit, p50 = header.index("value"), header.index("unit"), header.index("p50")
    assert readable[0] == header and len(readable) == len(si)
    units = {row[unit] for row in readable[1:]}
    assert {"MW", "%", "MWh", "days", "gCO2/kWh", "USD/MWh"} <= units
    assert not units & {"J", "USD/J", "kg/J", "kg", "USD/s"}  # SI units nobody reads
    compared = 0
    for si_row, row in zip(si[1:], readable[1:], strict=True):
        for column in (value, p50):
            if _is_number(si_row[column]):
                assert _close(row[column], row[unit], si_row[column]), (si_row, row)
                compared += 1
            elif si_row[column].startswith("{"):  # a breakdown: each part in the unit
                parts, si_parts = json.loads(row[column]), json.loads(si_row[column])
                assert parts.keys() == si_parts.keys()
                for key, part in parts.items():
                    assert _close(str(part), row[unit], str(si_parts[key]))
            else:
                assert row[column] == si_row[column]
    assert compared > 500


def test_a_wide_column_is_in_one_unit_for_every_row_sweep_variants_too(source, capsys):
    args = [str(source), "--format", "csv-wide", "--sweeps"]
    si = _rows(capsys, *args)
    readable = _rows(capsys, *args, "--units", "readable")
    assert readable[0] == si[0]
    units = readable[1]
    assert units[si[0].index("energy.facility_power")] in ("MW", "GW")
    # 1,000 and 200,000 accelerators: one column, one unit, the smaller one in it too
    for si_row, row in zip(si[2:], readable[2:], strict=True):
        for cell, si_cell, column_unit in zip(row[2:], si_row[2:], units[2:], strict=False):
            if _is_number(si_cell):
                assert _close(cell, column_unit, si_cell)


def test_readable_numbers_are_rounded_for_people(source, capsys):
    rows = _rows(capsys, str(source), "--format", "csv", "--units", "readable")
    header = rows[0]
    value = header.index("value")
    for row in rows[1:]:
        if _is_number(row[value]):
            digits = row[value].lower().partition("e")[0].lstrip("-").replace(".", "")
            assert len(digits.strip("0")) <= 15, row


def test_the_workbook_headers_carry_readable_units(source, tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "t.xlsx"
    assert (
        main(["eval", str(source), "--format", "xlsx", "-o", str(out), "--units", "readable"]) == 0
    )
    book = openpyxl.load_workbook(out, read_only=True)
    header = next(book["scenarios"].iter_rows(values_only=True))
    assert any(str(cell).startswith("energy.facility_power [") for cell in header)
    assert "energy.facility_power [W]" not in header
    claims = list(book["claims"].iter_rows(values_only=True))
    unit = claims[0].index("unit")
    assert claims[1][unit] in ("kW", "MW") and isinstance(
        claims[1][claims[0].index("expected")], int
    )


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_units_are_refused_where_they_do_not_apply(source, fmt, capsys):
    assert main(["eval", str(source), "--format", fmt, "--units", "readable"]) != 0
    err = capsys.readouterr().err
    assert "--units readable" in err and "Traceback" not in err


def test_the_command_line_offers_the_tables_unit_systems():
    from scendsl.cli import build_parser
    from scendsl.report.tables import UNIT_SYSTEMS

    evaluate = build_parser()._subparsers._group_actions[0].choices["eval"]  # type: ignore[union-attr]
    (action,) = [a for a in evaluate._actions if a.dest == "units"]
    assert tuple(action.choices) == UNIT_SYSTEMS
