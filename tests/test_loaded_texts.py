"""A later stage's diagnostic quotes its line from the texts its own load read
(`ScenarioSet.texts`), not from whatever load the process made last: an embedder checking two
projects at once (in threads, or one after the other) sees each project's own lines."""

from __future__ import annotations

import threading

import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.model.claims import validate_claims
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import warning_diagnostics

# Both projects name their file alike; the claim and the warning sit on different lines.
PROJECT = """scenario s {{
  year 2025
  region US
{padding}  cluster {{
    accelerator H100
    count 64
  }}
  workload {{
    parameters 8B
    tokens 1B
    framework deepspeed
    parallelism tensor 8, pipeline 1, data auto
    tp_comm_overlap on   # {marker}
  }}
}}

scenario c extends s {{
  expect energy.facility_powr > 1 MW   # {marker}
}}
"""


def project(marker: str, padding: int):
    text = PROJECT.format(marker=marker, padding="  # padding\n" * padding)
    return scendsl.load_text(text, name="main.scn")


def quoted_lines(scenarios) -> tuple[str, str]:
    """The line the claim's error quotes and the line the overlap's warning quotes."""
    with pytest.raises(ScenarioError) as raised:
        validate_claims(scenarios)
    (claim,) = raised.value.diagnostics
    warnings = warning_diagnostics([evaluate(scenarios.get("s"))], scenarios.texts)
    (overlap,) = [w for w in warnings if "tp_comm_overlap" in w.message]
    return claim.source_line or "", overlap.source_line or ""


def test_two_projects_loaded_one_after_the_other_each_quote_their_own_lines():
    first, second = project("FIRST", 0), project("SECOND", 3)
    for scenarios, marker in ((first, "FIRST"), (second, "SECOND"), (first, "FIRST")):
        claim, overlap = quoted_lines(scenarios)
        assert "expect energy.facility_powr" in claim and marker in claim
        assert "tp_comm_overlap on" in overlap and marker in overlap


def test_two_projects_checked_in_threads_each_quote_their_own_lines():
    barrier = threading.Barrier(2)
    seen: dict[str, tuple[str, str]] = {}

    def run(marker: str, padding: int) -> None:
        scenarios = project(marker, padding)
        barrier.wait()  # both loads done before either quotes
        seen[marker] = quoted_lines(scenarios)

    threads = [threading.Thread(target=run, args=args) for args in (("A", 0), ("B", 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(seen) == {"A", "B"}
    for marker, lines in seen.items():
        assert all(marker in line for line in lines), lines


def test_a_claim_refused_by_the_evaluation_quotes_the_line_its_load_read(tmp_path, capsys):
    from scendsl.cli import main

    path = tmp_path / "main.scn"
    path.write_text(PROJECT.format(marker="LOADED", padding=""), encoding="utf-8")
    assert main(["eval", str(path)]) == 1
    assert "expect energy.facility_powr > 1 MW   # LOADED\n" in capsys.readouterr().err
