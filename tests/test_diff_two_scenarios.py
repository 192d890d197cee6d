"""`scendsl diff FILE.scn:OLD FILE.scn:NEW`: two scenarios of a file compared as two versions of
one, as a reviewer compares two assumptions (a researcher's on-demand price and its one-year
reservation). Before, a scenario could be diffed only against a scenario of the same name in
another file, and `FILE.scn:NAME` (the form `new --from` takes) was "does not exist"."""

from __future__ import annotations

import pytest

from scendsl.cli import main
from scendsl.errors import EXIT_CHANGED, EXIT_INPUT, EXIT_OK, EXIT_USAGE

TWO_ASSUMPTIONS = """scenario on_demand {
  year   2026
  region PL
  cluster {
    accelerator H100
    count       256
  }
  market {
    rental_price 11 PLN/hour source "list price"
  }
  workload {
    duration 365 days
  }
}

scenario reserved extends on_demand {
  market.rental_price 7.5 PLN/hour source "one-year reservation"
}
"""


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "warsaw.scn"
    path.write_text(TWO_ASSUMPTIONS, encoding="utf-8")
    return str(path)


def test_two_scenarios_of_one_file_are_compared_input_by_input(source, capsys):
    assert main(["diff", f"{source}:on_demand", f"{source}:reserved"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "~ on_demand → reserved" in out
    assert "input  market.rental_price: 11 PLN/hour" in out and "→ 7.5 PLN/hour" in out
    assert 'source of market.rental_price: "list price" → "one-year reservation"' in out
    assert "market.rental_cost:" in out  # the metric the assumption moved, under it
    assert main(["diff", "--exit-code", f"{source}:on_demand", f"{source}:reserved"]) == (
        EXIT_CHANGED
    )


def test_a_scenario_compared_with_itself_has_no_change(source, capsys):
    assert main(["diff", "--exit-code", f"{source}:reserved", f"{source}:reserved"]) == EXIT_OK
    assert "~" not in capsys.readouterr().out


def test_an_unknown_scenario_name_is_told_the_names_it_may_mean(source, capsys):
    assert main(["diff", f"{source}:on_deman", f"{source}:reserved"]) == EXIT_INPUT
    assert "did you mean 'on_demand'" in capsys.readouterr().err


def test_a_scenario_named_on_one_side_only_is_a_usage_error(source, capsys):
    assert main(["diff", f"{source}:on_demand", source]) == EXIT_USAGE
    assert "FILE.scn:OLD FILE.scn:NEW" in capsys.readouterr().err
