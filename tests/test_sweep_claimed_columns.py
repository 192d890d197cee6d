"""A sweep's table shows the figures its base scenario's claims name, beside the fixed columns:
a regulator who claims a site's homes-equivalent and sweeps the PUE and the utilisation reads
that figure per variant. Before, the table showed power, cost and CO2 only, and the homes were
asked for in vain."""

from __future__ import annotations

from scendsl.cli import main

PROPOSAL = """scenario proposal {
  year   2026
  region BR
  cluster {
    accelerator B200
    count       20k
  }
  energy {
    pue         1.3
    utilization 85%
  }
  expect energy.households_equivalent < 100k  "less than a mid-sized city's homes"
  expect energy.utilization <= 90%            "the operator's planned load"
  expect accelerator.tdp <= 1200 W            "the datasheet's TDP"
}

sweep pue_and_load from proposal {
  energy.pue         [1.2, 1.5]
  energy.utilization [60%, 100%]
}
"""


def _sweep_section(tmp_path) -> str:
    source = tmp_path / "proposal.scn"
    source.write_text(PROPOSAL, encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "proposal.md").read_text(encoding="utf-8")
    return page.split("## Sweep pue\\_and\\_load", 1)[1].split("\n## ", 1)[0]


def _sweep_table(tmp_path) -> list[str]:
    """The table of the claimed figures, after the sweep's main table (which keeps its width)."""
    section = _sweep_section(tmp_path)
    claimed = section.split("The figures `proposal`'s claims name, by variant:", 1)[1]
    return [line for line in claimed.splitlines() if line.startswith("|")]


def test_a_claimed_figure_that_moves_is_a_column_of_the_sweep(tmp_path):
    header, _rule, *rows = _sweep_table(tmp_path)
    assert "energy.households\\_equivalent" in header
    column = header.split("|").index(" energy.households\\_equivalent ")
    homes = {row.split("|")[column].strip() for row in rows}
    assert len(rows) == 4 and len(homes) == 4  # it moves with both axes


def test_a_claimed_axis_or_a_claimed_figure_that_does_not_move_adds_no_column(tmp_path):
    table = _sweep_table(tmp_path)
    header = table[0]
    assert header.count("energy.utilization") == 1  # the axis, not the claim's column again
    assert "accelerator.tdp" not in _sweep_section(tmp_path)  # the same in every variant


def test_the_main_table_keeps_its_fixed_columns_only(tmp_path):
    section = _sweep_section(tmp_path)
    main_header = next(line for line in section.splitlines() if line.startswith("|"))
    assert "households" not in main_header and "Facility power" in main_header


YEARS = """scenario cloud {
  year   2026
  region VN
  cluster {
    accelerator H200
    count       4096
  }
  energy {
    price 2100 VND/kWh
  }
  market {
    unit_price 850M VND
  }
  expect energy.national_share < 0.5%  "under half a per cent of national demand"
}

sweep years from cloud {
  year 2026 .. 2030
}
"""


def test_a_sweep_moving_only_a_claimed_figure_has_no_table_of_one_figure_repeated(tmp_path):
    """The Hanoi trial's sweep over years moved only the national share: its main table showed
    the same accelerator capex in every row, which the sentence below it did not name."""
    source = tmp_path / "cloud.scn"
    source.write_text(YEARS, encoding="utf-8")
    assert main(["build", str(source), "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "cloud.md").read_text(encoding="utf-8")
    section = page.split("## Sweep years", 1)[1].split("\n## ", 1)[0]
    main_part, claimed = section.split("The figures `cloud`'s claims name, by variant:", 1)
    assert not [line for line in main_part.splitlines() if line.startswith("|")]
    assert "The same in every variant: Accelerator capex " in main_part
    rows = [line for line in claimed.splitlines() if line.startswith("| 20")]
    assert len({row.split("|")[2] for row in rows}) == 5  # the share moves every year
