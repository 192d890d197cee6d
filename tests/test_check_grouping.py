"""`scendsl check` says a warning several scenarios share once: scenarios that `extends` a base
met the base's warnings at the base's lines, and each was printed once per scenario (64 warnings
for the 20 samples, 48 distinct), drowning the real problems. The text output groups them on
the diagnostic's fields and names the scenarios; `--format json` keeps one entry per scenario."""

from __future__ import annotations

import json

from scendsl.cli import main
from scendsl.errors import Diagnostic, DiagnosticSink, Span, group_shared

#: A base in a region without figures (three stand-in warnings at its region line) and three
#: scenarios that extend it: two change nothing the warnings say, one moves the year.
FAMILY = """\
scenario base {
  title  "An H100 site in Tuvalu"
  year   2024
  region TV
  cluster {
    accelerator H100
    count       10k
  }
}

scenario bigger extends base {
  title "The same site, named again"
}

scenario later extends base {
  title "The same site a year later"
  year  2025
}

scenario again extends base {
  title "Once more"
}
"""


def _check(tmp_path, capsys, *options: str) -> tuple[int, list[str], str]:
    path = tmp_path / "family.scn"
    path.write_text(FAMILY, encoding="utf-8")
    code = main(["check", *options, str(path)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def _warning_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if ": warning: " in line]


def test_an_inherited_warning_prints_once_naming_every_scenario(tmp_path, capsys):
    code, lines, _ = _check(tmp_path, capsys)
    assert code == 0
    carbon = [
        line
        for line in _warning_lines(lines)
        if "grid carbon intensity used for Tuvalu (TV)" in line
    ]
    # base, bigger and again share the 2024 warning at the base's region line (4:3): once.
    shared = [line for line in carbon if "in 2024" in line]
    assert len(shared) == 1
    assert shared[0].startswith(f"{tmp_path / 'family.scn'}:4:3: warning: ")
    assert ": warning: scenarios 'base', 'bigger' and 'again': the grid carbon" in shared[0]
    # Its source line, caret and hint are printed once too.
    assert sum(line.startswith("  hint: ") for line in lines) == len(_warning_lines(lines))


def test_distinct_warnings_at_one_line_stay_separate(tmp_path, capsys):
    _, lines, _ = _check(tmp_path, capsys)
    at_region = [line for line in _warning_lines(lines) if ":4:3: warning: " in line]
    # Same place and rule, other text (2025 for 'later'): its own line, its own scenario.
    later = [line for line in at_region if "scenario 'later': " in line]
    assert len(later) == 3 and all("in 2025" in line for line in later)
    # Three rules at the region line for the three alike: three lines, not one.
    assert (
        len([line for line in at_region if "scenarios 'base', 'bigger' and 'again'" in line]) == 3
    )


def test_the_summary_counts_every_warning_and_the_distinct_ones(tmp_path, capsys):
    _, lines, _ = _check(tmp_path, capsys)
    printed = len(_warning_lines(lines))
    # 3 shared + 3 for 'later' at the region + 2 at its year line + Tuvalu's missing
    # electricity demand, the same for all four (no year in it)
    assert printed == 9
    assert lines[-1] == f"ok: 4 scenarios, 18 warnings ({printed} distinct)"
    code, lines, _ = _check(tmp_path, capsys, "--strict")
    assert code == 1  # --strict still fails on warnings, counted one per scenario
    assert lines[-1] == "error (--strict): 4 scenarios, 18 warnings (9 distinct)"


def test_json_keeps_one_warning_per_scenario(tmp_path, capsys):
    code, _, out = _check(tmp_path, capsys, "--format", "json")
    assert code == 0
    diagnostics = json.loads(out)["diagnostics"]
    assert len(diagnostics) == 18
    shared = [
        d
        for d in diagnostics
        if "grid carbon intensity used for Tuvalu (TV) in 2024" in d["message"]
    ]
    assert [d["message"].split(":")[0] for d in shared] == [
        "scenario 'base'",
        "scenario 'bigger'",
        "scenario 'again'",
    ]
    # The fields grouping uses stay out of the JSON tool builders read.
    assert {key for d in diagnostics for key in d} == {
        "severity",
        "message",
        "hint",
        "span",
        "related",
        "code",
    }


def _alike(names: list[str]) -> list[Diagnostic]:
    sink = DiagnosticSink({"a.scn": "region TV\n"})
    for name in names:
        sink.warning("a stand-in", Span("a.scn", 1, 1), "write it", code="c", scenario=name)
    return sink.diagnostics


def test_a_scenario_name_with_a_line_break_or_escape_stays_escaped_when_grouped():
    forged = "x\nok: 0 warnings\x1b[2J[link=file:///]"
    [group] = group_shared(_alike(["a", forged]))
    rendered = group.render().splitlines()
    assert rendered[0].startswith("a.scn:1:1: warning: scenarios 'a' and 'x\\nok: 0 warnings")
    assert "\x1b" not in group.render()
    assert not any(line.startswith("ok:") for line in rendered)
    # The same escaping as the one-scenario form printed before grouping.
    alone = group_shared(_alike([forged]))[0].render().splitlines()[0]
    assert alone == _alike([forged])[0].render().splitlines()[0]


def test_many_scenarios_are_named_up_to_four_then_counted():
    [group] = group_shared(_alike([f"s{i}" for i in range(7)]))
    assert "warning: scenarios 's0', 's1', 's2' and 4 more: a stand-in" in group.render()
    [four] = group_shared(_alike(["a", "b", "c", "d"]))
    assert "warning: scenarios 'a', 'b', 'c' and 'd': a stand-in" in four.render()


def test_diagnostics_about_no_scenario_are_never_merged():
    twice = [Diagnostic("bad value", Span("a.scn", 1, 1))] * 2
    assert [g.scenarios for g in group_shared(twice)] == [(), ()]
    # A scenario's warning that differs only in its hint is another problem.
    sink = DiagnosticSink()
    sink.warning("a stand-in", Span("a.scn", 1, 1), "write 5", code="c", scenario="a")
    sink.warning("a stand-in", Span("a.scn", 1, 1), "write 6", code="c", scenario="b")
    assert [g.scenarios for g in group_shared(sink.diagnostics)] == [("a",), ("b",)]
