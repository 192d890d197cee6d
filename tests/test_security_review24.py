"""The twenty-fourth hostile-input review (docs/security.md, items 145 on). Each test is named
after the problem it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import scenario_text
from tests.security_helpers import cpu_ratio
from tests.test_security_review23 import _uncertain_document

#: The workload of the scenarios below: a small model, so that each evaluates fast.
WORKLOAD = "  workload {\n    parameters 8B\n    tokens 1T\n  }\n"


# ------------------------- item 145: the Monte Carlo work of one language server request is bounded
def _analysed(tmp_path: Path, name: str, text: str):
    from scendsl.lsp.workspace import Workspace

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    assert analysis.document is not None and analysis.scenarios is not None
    return analysis


def _ranged(hints) -> int:
    return sum("[90%:" in hint.label for hint in hints)


def test_one_language_server_request_starts_a_bounded_amount_of_monte_carlo_work(tmp_path: Path):
    """The hints of an `expect` line run a Monte Carlo of its scenario (2,000 samples), and a
    request for the hints of a range of lines ran one for every scenario in it: a client asking
    for the whole of a document of 120 such scenarios (editors ask for the lines on screen, a
    hostile or careless one for lines 0 to 10^9) held the server 2.4 s of CPU, one of 800 with a
    file's 500 references minutes, answering nothing else meanwhile. One request now starts at
    most `analysis.HINT_RUN_BUDGET` figures × samples of Monte Carlo work (and always one run);
    the lines past it show their figure and verdict without a range, and the next request (the
    server asks the editor for it) goes on where it stopped."""
    from scendsl.lsp.hints import inlay_hints

    many = _analysed(tmp_path, "many.scn", _uncertain_document(120, 0))
    one = _analysed(tmp_path, "one.scn", _uncertain_document(1, 0))

    def hint(analysis):
        analysis._runs.clear()  # each call starts from a document just analysed
        return inlay_hints(analysis, analysis.document, 0, 10**9)

    hinting_many, hinting_one = cpu_ratio(lambda: hint(many), lambda: hint(one))
    # Before: 120 runs, 120 times the one (some 2.4 s); now at most the budget's 17 or so.
    assert hinting_many < 40 * hinting_one, (hinting_many, hinting_one)

    many._runs.clear()
    first = inlay_hints(many, many.document, 0, 10**9)
    # Every claim still shows its figure and verdict; some show their range at once.
    assert sum("holds" in h.label or "FAILS" in h.label for h in first) == 120
    assert 0 < _ranged(first) < 120
    # Requests go on where the last stopped (runs made are kept), until every range is shown.
    shown = [_ranged(first)]
    while shown[-1] < 120:
        shown.append(_ranged(inlay_hints(many, many.document, 0, 10**9)))
        assert shown[-1] > shown[-2], shown
    assert len(shown) > 2


def test_a_request_whose_one_run_passes_the_budget_still_shows_that_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A run larger than the budget alone (a scenario among many references) is still made
    when it is the request's first: a hover on one claim always shows its range, and each
    request of the hints shows one range more."""
    from scendsl.lsp import analysis as lsp_analysis
    from scendsl.lsp.hints import inlay_hints
    from scendsl.lsp.hover import hover
    from scendsl.lsp.positions import Pos

    monkeypatch.setattr(lsp_analysis, "HINT_RUN_BUDGET", 1)
    analysis = _analysed(tmp_path, "d.scn", _uncertain_document(3, 0))
    assert [_ranged(inlay_hints(analysis, analysis.document, 0, 10**9)) for _ in range(3)] == [
        1,
        2,
        3,
    ]
    analysis._runs.clear()
    line = analysis.document.text.split("\n").index('  expect energy.facility_power < 1 GW "q"', 20)
    answer = hover(analysis, analysis.document, Pos(line, 10))
    assert answer is not None and "90%" in answer.markdown


def test_the_server_asks_the_editor_again_for_the_hints_it_left_without_a_range(
    tmp_path: Path,
):
    """A request that leaves some claims without their range (the budget spent) is followed
    by `workspace/inlayHint/refresh` when the client takes it, so the editor asks again and
    the next request goes on: the ranges come a budget at a time, the server answering other
    requests between."""
    from tests.test_lsp_security import RawClient

    text = _uncertain_document(40, 0)
    (tmp_path / "d.scn").write_text(text, encoding="utf-8")
    uri = (tmp_path / "d.scn").as_uri()
    client = RawClient(tmp_path)
    try:
        capabilities = {"workspace": {"inlayHint": {"refreshSupport": True}}}
        client.send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "processId": None,
                    "rootUri": tmp_path.as_uri(),
                    "capabilities": capabilities,
                },
            }
        )
        assert client.answer(1) is not None
        client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {"uri": uri, "languageId": "scn", "version": 1, "text": text}
                },
            }
        )
        shown, refreshes = [], 0
        for request in range(2, 40):
            client.send(
                {
                    "jsonrpc": "2.0",
                    "id": request,
                    "method": "textDocument/inlayHint",
                    "params": {
                        "textDocument": {"uri": uri},
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 10**6, "character": 0},
                        },
                    },
                }
            )
            answer, refresh = None, None
            deadline = 60
            while answer is None:
                message = client.receive(deadline)
                assert message is not None
                if message.get("method") == "workspace/inlayHint/refresh":
                    refresh = message
                elif message.get("id") == request:
                    answer = message
            labels = [hint["label"] for hint in answer["result"]]
            shown.append(sum("[90%:" in label for label in labels))
            if refresh is None:
                break
            refreshes += 1
            client.send({"jsonrpc": "2.0", "id": refresh["id"], "result": None})
        assert shown[-1] == 40 and shown[0] < 40 and refreshes == len(shown) - 1, shown
    finally:
        client.close()


# ----------------------- item 146: the process's caches of what a user wrote are bounded in size
#: A user template that escapes a hundred strings of a million characters each, keeping none.
LONG_STRINGS_TEMPLATE = (
    '{% set big = "x" * 999000 %}{% for i in range(100) %}'
    "{% set a = (big ~ i)|md %}{% set b = (big ~ i)|code %}{% endfor %}done\n"
)


def _resident_growth(work) -> int:
    """The bytes of memory `work` leaves resident in the process (Linux: /proc/self/statm).
    A string of a million characters is memory of its own (mmap), returned when freed."""
    import gc
    import os

    def resident() -> int:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    gc.collect()
    before = resident()
    work()
    gc.collect()
    return resident() - before


def test_a_templates_long_strings_are_not_kept_by_the_text_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The escaped forms of text (`md`, `code`, a table cell's HTML) were kept by caches of
    8,192 entries whatever their length, for the life of the process: a user template that
    escapes long strings it makes (`("x" * 999000 ~ i)|code` in a loop) held 3.2 GB at the end
    of one build, within its 10 s of CPU, and `serve` kept them across rebuilds. Only text of
    at most `memo.SHORT_TEXT` characters is kept as before, longer text within
    `memo.LONG_TEXT_CHARACTERS` in all."""
    from scendsl.cli import main
    from tests.security_helpers import SCENARIO

    (tmp_path / "s.scn").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.md.j2").write_text("done\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    command = ["build", "s.scn", "-o", "out", "--samples", "0", "--no-cache"]
    assert main([*command, "--templates", "templates"]) == 0  # what any build loads, loaded
    (tmp_path / "templates" / "index.md.j2").write_text(LONG_STRINGS_TEMPLATE, encoding="utf-8")
    held = _resident_growth(lambda: main([*command, "--templates", "templates"]))
    # Before: some 500 MB (a hundred million-character texts and their escaped forms); now
    # at most 8 million characters of text and their forms in each of the two caches.
    assert held < 80_000_000, f"{held / 1e6:.0f} MB"
    assert (tmp_path / "out" / "index.md").read_text(encoding="utf-8").strip() == "done"


def test_the_models_plans_of_many_reference_sets_are_held_within_one_bound():
    """The model keeps what it works out for a set of references (the nodes expanded per
    reference, the evaluation plan, its steps, the shared look-ups), 64 to 256 sets whatever
    their size: some 21 MB a set of 1,000 references, so a language server whose user renames
    a reference in such a file at each keystroke, or `check` of a folder of such files, held
    gigabytes. The sets held are bounded in figures together (`evaluate.HELD_FIGURES`), the
    newest set always kept. (The plans are made as `evaluate` makes them for a scenario whose
    file holds these references, without loading a file of 1,000 references for each.)"""
    import gc
    import sys

    from scendsl.model import evaluate

    def plan(index: int) -> None:
        references = tuple(f"v{index}r{number}" for number in range(1000))
        evaluate._plan(references)
        evaluate._layout_nodes(references)

    def blocks_held(sets: range) -> int:
        gc.collect()
        before = sys.getallocatedblocks()
        for index in sets:
            plan(index)
        gc.collect()
        return sys.getallocatedblocks() - before

    one = blocks_held(range(1))
    twelve = blocks_held(range(1, 13))
    # Before: twelve sets held twelve times what one does; now the 4 or so within the bound.
    assert twelve < 6 * one, (twelve, one)


# ------------------- item 147: a range that writes its unit, % or magnitude at its end alone
def _check_range(tmp_path: Path, line: str) -> list:
    """The diagnostics of a scenario writing `line` (a range; `cluster.count` as its count)."""
    import scendsl
    from scendsl.errors import ScenarioError

    field, _, value = line.strip().partition(" ")
    text = (
        scenario_text("a", year=2025, count=value, body=WORKLOAD)
        if field == "cluster.count"
        else scenario_text("a", year=2025, count=1000, body=WORKLOAD + line)
    )
    path = tmp_path / "r.scn"
    path.write_text(text, encoding="utf-8")
    try:
        scendsl.load_file(str(path))
    except ScenarioError as error:
        return list(error.diagnostics)
    return []


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        ("  cluster.power_limit 300 to 400 W\n", "300 W"),  # a hint: a fix is one token
        ("  energy.price 40 to 60 EUR/MWh\n", "40 EUR/MWh"),
        ("  cluster.mfu 30 to 45%\n", "30%"),
        ("  workload.teacher_parameters 70 to 400B\n", "70B"),
        ("  cluster.count 1 to 10k\n", "1k"),
    ],
)
def test_a_range_that_writes_its_unit_at_its_end_alone_is_told_so(
    tmp_path: Path, line: str, fixed: str
):
    """A range is read end by end, and a careless `300 to 400 W` read its start alone: "expects
    a power such as '500 MW', not a plain number", hint "add a unit after the number" (what the
    user did, at the other end); `mfu 30 to 45%` was "must be between 0% and 100%"; and a
    magnitude at the end alone was read as written, silently: `teacher_parameters 70 to 400B`
    a 90 % interval from 70 parameters to 400 billion (its centre 5.3 million). Each is refused
    at the start, saying the end's unit, percent sign or magnitude is written there alone,
    with the hint (and where it is one token, the fix) that writes it at both ends."""
    diagnostics = _check_range(tmp_path, line)
    assert len(diagnostics) == 1, [d.message for d in diagnostics]
    (diagnostic,) = diagnostics
    assert "only at its end" in diagnostic.message
    assert "add a unit" not in (diagnostic.hint or "")
    assert f"'{fixed} to " in (diagnostic.hint or "")
    assert diagnostic.fix == (fixed if " " not in fixed else None)
    start = line.split()[1]
    written = diagnostic.source_line or ""
    assert written[diagnostic.span.col - 1 :].startswith(f"{start} to ")


@pytest.mark.parametrize(
    "line",
    [
        "  cluster.count 500 to 2k\n",  # within three orders of magnitude: 500 to 2,000
        "  cluster.mfu 0.3 to 45%\n",  # the start reads as a fraction
        "  energy.pue 1.1 to 1.3\n",
        "  cluster.power_limit 300 W to 400 W\n",
    ],
)
def test_a_range_whose_start_reads_on_its_own_is_read_as_before(tmp_path: Path, line: str):
    assert _check_range(tmp_path, line) == []


# ------------- item 148: inherited-override names the scenario that wrote the figure over it
def test_an_inherited_override_names_the_ancestor_that_wrote_the_figure(tmp_path: Path):
    """The warning said a figure standing over the field a scenario changes was "written for"
    its nearest parent, and its hint to write it there alone, also when a grandparent wrote it:
    `child extends mid extends base`, `base` writing the intensity, was told "written for
    'mid'". It names the scenario whose line it is."""
    import scendsl

    text = (
        scenario_text(
            "base", year=2025, count=1000, body=WORKLOAD + "  energy.intensity 300 gCO2/kWh\n"
        )
        + "\nscenario mid extends base {\n  cluster.count 2000\n}\n"
        + "\nscenario child extends mid {\n  region FR\n}\n"
    )
    path = tmp_path / "g.scn"
    path.write_text(text, encoding="utf-8")
    child = next(s for s in scendsl.load_file(str(path)).scenarios if s.name == "child")
    from scendsl.report.warnings import scenario_warnings

    result = scendsl.evaluate(child)
    warned = [w for w in scenario_warnings(result) if w.rule == "inherited-override"]
    assert len(warned) == 1
    assert "written for 'base'" in warned[0].message and "'mid'" not in warned[0].message
    assert "'mid'" not in warned[0].hint
