"""The twenty-third hostile-input review (docs/security.md, items 140 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from scendsl.cli import main
from tests.factories import reference_blocks, scenario_text

#: The workload of the scenarios below: a small model, so that each evaluates fast.
WORKLOAD = "  workload {\n    parameters 8B\n    tokens 1T\n  }\n"

# ---------------------------------------- item 140: the HTML pages' link pattern reads tags alone
#: A scenario whose words look like the links the pages hold to one another.
LINK_LIKE = scenario_text(
    "a",
    title='Plan href=\\"energy.md#x\\" A',
    year=2025,
    count=1000,
    body='  context "Read href=\\"index.md\\" here."\n' + WORKLOAD,
)


def _text_of(page: str) -> str:
    """What a reader of an HTML page sees: its text without tags, entities read."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def test_words_that_look_like_a_link_to_a_page_are_shown_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The HTML pages' links to one another are the Markdown's `.md` links made `.html` by a
    pattern over the cleaned page, and the cleaner escapes `<` in text but not `"`: a title
    `Plan href="energy.md#x" A` read `Plan href="energy.html#x" A` in the compute-divide page's
    table and the scenario's own page, a context `Read href="index.md" here.` likewise. The
    pattern starts at a link's tag, which no text holds."""
    (tmp_path / "a.scn").write_text(LINK_LIKE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "a.scn", "-o", "out", "--samples", "0", "--no-cache"]) == 0
    pages = {
        path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "out").glob("*.html")
    }
    shown = {name: _text_of(page) for name, page in pages.items()}
    for name in ("a.html", "compute-divide.html"):
        assert 'Plan href="energy.md#x" A' in shown[name]
        assert 'href="energy.html#x"' not in shown[name]
    assert 'Read href="index.md" here.' in shown["compute-divide.html"]
    # The pages' own links are still made links to the HTML pages.
    links = re.findall(r'<a href="([^"]+)"', pages["a.html"])
    assert "energy.html" in links and not any(link.endswith(".md") for link in links)


# ------------------------------------ item 141: an infinite figure read back from JSON as n/a
#: `b` is a cluster of 10^9 accelerators interrupted sooner than it can checkpoint: its training
#: time and what follows from it are infinite (item 53); `a` is the same at 1,000.
NEVER_FINISHES = (
    scenario_text(
        "s",
        title="x",
        year=2025,
        count="COUNT",
        body=WORKLOAD + '  expect reliability.training_time < 100 days "fast"\n',
    )
    + "\nsweep w from s {\n  workload.tokens [1T, 2T]\n}\n"
)


def _eval_json(tmp_path: Path, name: str, count: int, capsys: pytest.CaptureFixture[str]) -> Path:
    (tmp_path / f"{name}.scn").write_text(
        NEVER_FINISHES.replace("COUNT", str(count)), encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["eval", "--format", "json", "--sweeps", "--samples", "0", f"{name}.scn"]) == 0
    path = tmp_path / f"{name}.json"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def test_an_infinite_figure_is_read_back_from_a_result_file_as_infinite_not_na(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """`eval --format json` writes an infinite figure null with `infinite: 1` beside it, but
    only on a scenario's figures: a claim's figure and a sweep variant's were null alone, and
    `scendsl diff OLD.json NEW.json` read none of them, so a run that no longer finishes read
    `… days → n/a` where the diff of the files reads `→ ∞`, and a variant's training energy
    `398 MWh → n/a`. Every infinite figure of the document carries its sign, the diff reads it,
    and its own JSON gives it beside the null."""
    import json

    monkeypatch.chdir(tmp_path)
    old = _eval_json(tmp_path, "old", 1000, capsys)
    new = _eval_json(tmp_path, "new", 1_000_000_000, capsys)
    document = json.loads(new.read_text(encoding="utf-8"))
    claim = document["scenarios"][0]["claims"][0]
    assert claim["actual"] is None and claim["infinite"] == 1
    variant = document["sweeps"][0]["variants"][0]
    assert variant["values"]["reliability.training_time"] is None
    assert variant["infinite"]["reliability.training_time"] == 1
    assert not json.loads(old.read_text(encoding="utf-8"))["sweeps"][0]["variants"][0].get(
        "infinite"
    )

    from_files = ["diff", "--all", "old.scn", "new.scn"]
    from_json = ["diff", "--all", "old.json", "new.json"]
    assert main(from_files) == 0
    expected = capsys.readouterr().out
    assert main(from_json) == 0
    shown = capsys.readouterr().out
    for line in expected.splitlines():
        if "→" in line:
            assert line in shown  # the flip, the moved figures, the variants: ∞ where ∞
    assert "→ ∞)" in shown and ("→ n/a" in shown) == ("→ n/a" in expected)

    assert main([*from_json, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    flip = data["scenarios"][0]["claims"][0]
    assert flip["new_actual"] is None and flip["new_actual_infinite"] == 1
    energy = next(
        m for m in data["scenarios"][0]["metrics"] if m["name"] == "energy.training_energy"
    )
    assert energy["new"] is None and energy["new_infinite"] == 1 and "old_infinite" not in energy
    move = next(m for m in data["sweeps"][0]["metrics"] if m["name"] == "energy.training_energy")
    assert move["example"]["new_infinite"] == 1


@pytest.mark.parametrize(
    "forged",
    [
        {"infinite": 2},
        {"infinite": True},
        {"infinite": "1"},
        {"value": 5.0, "infinite": 1},
    ],
)
def test_a_forged_infinity_sign_in_a_result_file_is_a_shape_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    forged: dict[str, object],
):
    """The sign is 1 or -1 beside a null value, as the writer gives it; anything else is a
    result file `eval` did not write, refused as such (exit 1, no traceback)."""
    import json

    monkeypatch.chdir(tmp_path)
    old = _eval_json(tmp_path, "old", 1000, capsys)
    document = json.loads(old.read_text(encoding="utf-8"))
    document["scenarios"][0]["metrics"]["energy.it_power"].update(forged)
    (tmp_path / "forged.json").write_text(json.dumps(document), encoding="utf-8")
    assert main(["diff", "old.json", "forged.json"]) == 1
    err = capsys.readouterr().err
    assert "energy.it_power" in err and "infinite" in err and "Traceback" not in err


@pytest.mark.parametrize("units", ["si", "readable"])
@pytest.mark.parametrize("table", ["csv", "csv-wide"])
def test_a_variants_infinite_figure_reads_as_a_scenarios_does_in_the_tables(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    units: str,
):
    """The CSV tables write an infinite figure `inf` (docs/security.md, known edges), and they
    did for a scenario, but a sweep variant's reached them through its JSON-ready record,
    where it was null: the same run that never finishes read `inf` as scenario `b` and an
    empty cell, n/a, as the variant `w[cluster.count=1000000000]`. The record's sign is read
    back, so both read `inf`."""
    import csv
    import io

    text = NEVER_FINISHES.replace("COUNT", "1000").replace(
        "workload.tokens [1T, 2T]", "cluster.count [1000, 1000000000]"
    )
    text += "\nscenario b extends s {\n  cluster.count 1000000000\n}\n"
    (tmp_path / "t.scn").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    argv = ["eval", "--sweeps", "--samples", "0", "--format", table, "--units", units, "t.scn"]
    assert main(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    if table == "csv":
        metric, value = rows[0].index("metric"), rows[0].index("value")
        cells = {r[0]: r[value] for r in rows[1:] if r[metric] == "reliability.training_time"}
    else:
        column = rows[0].index("reliability.training_time")
        cells = {r[0]: r[column] for r in rows[2:]}
    assert cells["b"] == "inf"
    assert cells["w[cluster.count=1000000000]"] == "inf"
    assert float(cells["w[cluster.count=1000]"]) == float(cells["s"]) > 0


# ------------------------------- item 142: the diff's sweeps held together, checked before work
def _sweeps(count: int, variants: int, references: int = 0) -> str:
    """A scenario, `count` sweeps of `variants` over its count, and `references` references
    (each adds figures of its own to every variant)."""
    text = scenario_text("s", year=2025, count=1000, body=WORKLOAD)
    for index in range(count):
        text += f"\nsweep w{index} from s {{\n  cluster.count 1 .. {variants}\n}}\n"
    return text + reference_blocks(references)


def test_the_sweeps_a_diff_holds_together_are_within_one_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """`diff` holds the table of every sweep of both sides at once, and each was checked
    against the memory budget alone (item 139): four sweeps each just within it, in the old
    and the new file, held four times the budget (two sweeps of 1,000 references and 150,000
    variants a side: some 8 GiB where the budget is 2). The tables held together are checked
    together, after both sides load and before either is evaluated. (The budget is made
    small here so that the version before the fix, which would evaluate them, stays cheap.)"""
    from scendsl.model import sweep as sweep_module

    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.scn").write_text(_sweeps(1, 1000), encoding="utf-8")
    from scendsl import load_file

    one = sweep_module.check_sweep_memory(load_file(tmp_path / "one.scn").sweeps[0])
    # Each sweep fits the budget alone; the two of a side fit it; the four of both do not.
    monkeypatch.setattr(sweep_module, "ARRAY_MEMORY_BUDGET", 3 * one)
    (tmp_path / "old.scn").write_text(_sweeps(2, 1000), encoding="utf-8")
    (tmp_path / "new.scn").write_text(
        _sweeps(2, 1000).replace("1000\n  }", "2000\n  }", 1), encoding="utf-8"
    )
    assert main(["diff", "old.scn", "new.scn"]) == 1
    err = capsys.readouterr().err
    assert "error: the sweeps cannot be compared:" in err
    assert "new.scn:18:7: error: sweep 'w1'" in err and "held with it" in err
    assert "do not load" not in err
    # eval streams its sweeps one at a time: each is checked alone.
    assert main(["eval", "--sweeps", "--format", "csv", "--samples", "0", "new.scn"]) == 0
    capsys.readouterr()


def test_a_diff_whose_new_sweep_cannot_be_compared_says_so_before_the_old_side_is_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """The diff evaluated the old side whole (every sweep's variants) before it loaded the
    new one, and any error of the new side was "the new scenarios do not load", a sweep too
    large for the memory budget too (the file loads; its table would not fit). Both sides are
    loaded, then their sweeps checked, then evaluated: the refusal costs about what loading
    both sides and sizing their sweeps' tables does, and says what failed."""
    from tests.security_helpers import cpu_ratio

    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.scn").write_text(_sweeps(1, 200_000), encoding="utf-8")
    (tmp_path / "new.scn").write_text(_sweeps(1, 400_000, references=300), encoding="utf-8")
    assert main(["diff", "old.scn", "new.scn"]) == 1
    err = capsys.readouterr().err
    assert "error: the sweeps cannot be compared:" in err and "do not load" not in err
    assert "new.scn:14:7: error: sweep 'w0': the table of its 400,000 variants" in err

    def refused() -> None:
        main(["diff", "old.scn", "new.scn"])

    def checked() -> None:
        main(["check", "old.scn", "new.scn"])

    refusing, checking = cpu_ratio(refused, checked)
    capsys.readouterr()
    # Measured: 0.55 s against 0.10 s for `check` (the sweeps' plans are made to size their
    # tables); 1.57 s when the old side's 200,000 variants were evaluated first.
    assert refusing < 3 * checking + 0.6, (refusing, checking)


# ------------------------------- item 143: the language server's hovers show user words as text
#: A scenario in a file whose name is Markdown (a file name holds no `/`, but `https:host` is
#: read as `https://host` by browsers and by the editors' Markdown), with the same in its words.
HOVER_FILE = "x![t](https:tracker.example?p) [Approve](https:evil.example).scn"
HOVER_TEXT = """\
scenario a {
  title "![t](https:tracker.example?q) [Approve](https:evil.example) <img src=x> www.evil.example"
  year 2025
  region US
  cluster {
    accelerator H100
    count 1000
  }
  energy {
    pue 1.3 source "![t](https://tracker.example/s.png) [ok](https://evil.example)"
  }
  workload {
    parameters 8B
    tokens 1T
  }
  expect energy.pue < 2 "[Approve](https://evil.example)"
}

scenario b extends a {
  cluster.count 2000
}

sweep w from a {
  cluster.count [1000, 2000]
}
"""


def test_no_hover_shows_a_users_words_as_a_link_or_an_image(tmp_path: Path):
    """Hovers are Markdown, which the editor renders (VS Code loads an image of a hover from
    the web): each value set in the file was shown `from FILE:LINE:COL` with the file name as
    written, so a file named `x![t](https:tracker.example?p).scn` made every hover on a value
    fetch an image from that host, and `[Approve](https:evil.example)` a link. Every hover on
    every character of a file holding such words, in its name and its text, renders without an
    image or a link of the file's (checked with cmark-gfm, as GitHub renders Markdown)."""
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from scendsl.lsp.hover import hover
    from scendsl.lsp.positions import Pos
    from scendsl.lsp.workspace import Workspace

    path = tmp_path / HOVER_FILE
    path.write_text(HOVER_TEXT, encoding="utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    assert analysis.document is not None and analysis.scenarios is not None
    shown = 0
    for line, row in enumerate(HOVER_TEXT.splitlines()):
        for column in range(len(row)):
            answer = hover(analysis, analysis.document, Pos(line, column))
            if answer is None:
                continue
            shown += 1
            page = cmarkgfm.github_flavored_markdown_to_html(answer.markdown)
            # The catalog's sources (a warning rule's) may be links; the file's words never.
            targets = re.findall(r'<(?:a|img)\b[^>]*(?:href|src)="([^"]*)"', page)
            assert "<img" not in page, (line, column, answer.markdown)
            assert not [t for t in targets if "example" in t], (line, column, answer.markdown)
    assert shown > 100  # the values' hovers, among them those that name where a value is set


# ------------------------- item 144: the language server keeps no Monte Carlo run of its hints
def _uncertain_document(scenarios: int, references: int) -> str:
    """An uncertain base scenario, `scenarios` scenarios extending it, each with a claim, and
    `references` references (each adds figures of its own to every scenario)."""
    text = scenario_text("a", title="x", year=2025, count="1000 to 2000", body=WORKLOAD)
    for index in range(scenarios):
        text += (
            f"\nscenario s{index} extends a {{\n  cluster.count {1000 + index} to 3000\n"
            f'  expect energy.facility_power < 1 GW "q"\n}}\n'
        )
    return text + reference_blocks(references)


def test_the_language_servers_hints_keep_no_monte_carlo_run_per_scenario(tmp_path: Path):
    """An `expect` line's inlay hint and hover give the claim's 90 % range and probability
    from a Monte Carlo run of its scenario (2,000 samples), and the server kept each run whole
    for as long as the document was unchanged: every figure of every sample, some 34 MB a
    scenario in a file of 500 references, so the hints of a document of 500 references and
    800 scenarios (within the token limit) would have held some 25 GB, where `eval` refuses
    such a run beyond 2 GiB. What the hints show of a run (each claim's figure's P5–P95 and each
    claim's probability) is kept, and the run let go: the memory held after hinting 12
    scenarios does not grow with them."""
    import tracemalloc

    from scendsl.lsp.hints import inlay_hints
    from scendsl.lsp.workspace import RunBudget, Workspace

    path = tmp_path / "m.scn"
    path.write_text(_uncertain_document(12, 500), encoding="utf-8")
    analysis = Workspace(str(tmp_path)).analyse(str(path))
    assert analysis.document is not None and analysis.scenarios is not None
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        # Every run in one request (item 145 bounds a request's runs; the memory is the point).
        hints = inlay_hints(analysis, analysis.document, 0, 10**9, RunBudget(left=10**12))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    ranged = [h for h in hints if "[90%:" in h.label]
    assert len(ranged) == 12  # each claim still shows its range and verdict
    # Before: some 34 MB a scenario held (400 MB here); now a few kilobytes a scenario.
    assert held < 20_000_000, f"{held / 1e6:.0f} MB"
