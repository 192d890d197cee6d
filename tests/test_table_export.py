"""`eval --format csv|csv-wide|xlsx` (issue 14, analyst): tables that carry count, year, region,
accelerator, units, percentiles and sweep axes; an xlsx with numbers typed as numbers."""

from __future__ import annotations

import csv
import io
import os
import pty
import subprocess
import sys

import pytest

from scendsl.cli import main

SOURCE = """
scenario plain {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  expect energy.facility_power > 1 MW "a claim"
}
scenario ranged {
  year 2027
  region DE
  cluster.accelerator B200
  cluster.count 2k to 4k
}
sweep grow from plain {
  cluster.count [1000, 2000]
  year [2026, 2027]
}
"""


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "s.scn"
    path.write_text(SOURCE)
    return path


def _csv(capsys, *args) -> list[list[str]]:
    assert main(["eval", *args]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def test_long_csv_carries_inputs_units_percentiles_and_sweep_axes(source, capsys):
    rows = _csv(capsys, str(source), "--format", "csv", "--sweeps", "--samples", "200")
    header = rows[0]
    assert header == [
        "scenario",
        "sweep",
        "cluster.count",
        "year",
        "kind",
        "metric",
        "value",
        "unit",
        "p5",
        "p50",
        "p95",
        "origin",
        "source",
        "written",
        "written_unit",
        "rate_year",
    ]
    table = [dict(zip(header, row, strict=True)) for row in rows[1:]]

    def cell(scenario, metric):
        return next(r for r in table if r["scenario"] == scenario and r["metric"] == metric)

    assert cell("plain", "scenario.year")["value"] == "2026"
    assert cell("plain", "scenario.region")["value"] == "US"
    assert cell("plain", "cluster.accelerator")["value"] == "H100"
    count = cell("plain", "cluster.count")
    assert (count["value"], count["kind"], count["p50"]) == ("1000.0", "input", "")
    assert count["origin"].endswith(":6:3")
    power = cell("ranged", "energy.facility_power")
    assert power["unit"] == "W"
    assert float(power["p5"]) < float(power["p50"]) < float(power["p95"])
    variant = cell("grow[cluster.count=2000,year=2027]", "energy.facility_power")
    assert (variant["sweep"], variant["cluster.count"], variant["year"]) == ("grow", "2000", "2027")
    assert variant["unit"] == "W"


def test_wide_csv_has_a_units_row_and_one_row_per_scenario(source, capsys):
    rows = _csv(capsys, str(source), "--format", "csv-wide", "--sweeps", "--samples", "0")
    header, units = rows[0], rows[1]
    assert units[0] == "unit"
    by_name = dict(zip(header, units, strict=True))
    assert by_name["energy.facility_power"] == "W" and by_name["cluster.count"] == "1"
    names = [row[0] for row in rows[2:]]
    assert names[:2] == ["plain", "ranged"] and len(names) == 6
    plain = dict(zip(header, rows[2], strict=True))
    assert plain["cluster.accelerator"] == "H100" and plain["scenario.region"] == "US"


def test_xlsx_opens_with_numbers_typed_as_numbers_and_is_deterministic(source, tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        args = [str(source), "--format", "xlsx", "--sweeps", "--samples", "100", "-o", str(out)]
        assert main(["eval", *args]) == 0
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    assert book.sheetnames == ["scenarios", "claims", "uncertainty", "sweep grow"]
    sheet = book["scenarios"]
    header = [c.value for c in sheet[1]]
    assert "energy.facility_power [W]" in header
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["scenario"].value == "plain"
    assert row["cluster.count"].data_type == "n" and row["cluster.count"].value == 1000
    assert isinstance(row["energy.facility_power [W]"].value, float)
    claims = book["claims"]
    assert claims.cell(2, 4).value == 1e6 and claims.cell(2, 6).value is True
    sweep = book["sweep grow"]
    assert sweep.max_row == 1 + 4
    assert book.properties.creator == "scendsl"


def test_xlsx_is_refused_on_a_terminal(source):
    pytest.importorskip("openpyxl")
    main_end, child_end = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scendsl", "eval", str(source), "--format", "xlsx"],
            stdout=child_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(child_end)
        os.close(main_end)
    assert done.returncode == 1
    assert b"-o FILE" in done.stderr


def test_xlsx_piped_is_written_to_stdout(source):
    pytest.importorskip("openpyxl")
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "eval", str(source), "--format", "xlsx"],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[:2] == b"PK"


def test_output_to_a_missing_folder_is_a_clear_error(source, tmp_path, capsys):
    target = tmp_path / "missing" / "t.csv"
    assert main(["eval", str(source), "--format", "csv", "-o", str(target)]) == 1
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_output_file_takes_the_json_and_the_text_as_printed(source, tmp_path, capsys, fmt):
    """`eval --format json -o FILE` was refused ("-o FILE writes a table"): an analyst handing
    the JSON to a colleague's tool had to know to redirect it. It writes what is printed."""
    assert main(["eval", str(source), "--format", fmt]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / f"result.{fmt}"
    assert main(["eval", str(source), "--format", fmt, "-o", str(target)]) == 0
    assert target.read_bytes() == printed.encode("utf-8")
    assert capsys.readouterr().out == ""


def test_a_json_output_that_cannot_be_written_leaves_the_old_file(source, tmp_path, capsys):
    target = tmp_path / "result.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o444)
    assert main(["eval", str(source), "--format", "json", "-o", str(target)]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "old"


def test_new_output_file_gets_the_usual_permissions_not_private_ones(source, tmp_path):
    target = tmp_path / "t.csv"
    assert main(["eval", str(source), "--format", "csv", "-o", str(target)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert target.read_text().startswith("scenario,sweep,")
