"""`energy.outage`: the share of the hours a site has no power at all (load-shedding its own
generators do not cover), when a run pauses; `reliability.calendar_time` is the run stretched by
them. The Lahore and Accra trials' load-shedding could not lengthen a run."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.cli import main
from tests.factories import only_diagnostic, scenario_text

BODY = (
    "  energy {{\n    mix grid 80%, diesel 20%\n{outage}  }}\n"
    "  workload {{\n    parameters 1B\n    tokens     100B\n  }}\n"
)


def _text(outage: str = "") -> str:
    line = f"    outage {outage}\n" if outage else ""
    return scenario_text("s", region="GH", body=BODY.format(outage=line))


def _result(outage: str = ""):
    return scendsl.evaluate(scendsl.load_text(_text(outage)).scenarios[0])


def test_a_run_pauses_while_the_site_has_no_power():
    result = _result("10%")
    wall = result["reliability.training_time"].value
    assert result["reliability.calendar_time"].value == pytest.approx(wall / 0.9)


def test_the_powered_hours_keep_their_energy_and_accelerator_hours():
    cut, whole = _result("25%"), _result()
    for name in ("reliability.training_time", "energy.training_energy", "market.rental_cost"):
        assert cut[name].value == pytest.approx(whole[name].value), name


def test_without_an_outage_the_calendar_time_is_the_training_time():
    result = _result()
    assert result["energy.outage"].value == 0
    assert result["reliability.calendar_time"].value == pytest.approx(
        result["reliability.training_time"].value
    )


def test_a_site_never_powered_is_refused():
    diagnostic = only_diagnostic(_text("100%"))
    assert diagnostic.message == "'energy.outage' must be between 0% and 99%"


def test_the_key_findings_say_the_calendar_time_only_when_the_site_has_cuts(tmp_path):
    pages = {}
    for outage in ("", "10%"):
        source = tmp_path / f"s{len(pages)}.scn"
        source.write_text(_text(outage), encoding="utf-8")
        out = tmp_path / f"out{len(pages)}"
        assert main(["build", str(source), "-o", str(out)]) == 0
        pages[outage] = (out / "s.md").read_text(encoding="utf-8")
    assert "The site has no power 10% of the hours, when the run pauses" in pages["10%"]
    assert "calendar time" not in pages[""]
