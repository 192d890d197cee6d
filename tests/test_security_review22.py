"""The twenty-second hostile-input review (docs/security.md, items 137 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scendsl.cli import main
from tests.factories import reference_blocks

# ------------------------------------------------------- item 137: strict JSON, whatever the figures
#: `b` is a cluster of 10^9 accelerators interrupted sooner than it can checkpoint: its training
#: time, energy, emissions and costs are infinite (item 53); `a` is the same at 1,000.
INFINITE = """\
scenario a {
  title "finite"
  year 2025
  region US
  cluster {
    accelerator H100
    count 1000
  }
  workload {
    parameters 8B
    tokens 1T
  }
  expect energy.training_energy < 1e30 J "the run ends"
}

scenario b extends a {
  title "never finishes"
  cluster.count 1000000000
}

sweep w from a {
  cluster.count [1000, 1000000000]
}
"""


def _strict(text: str) -> object:
    """`text` read as RFC 8259 JSON: NaN, Infinity and -Infinity are not JSON (JavaScript's
    JSON.parse, Go's encoding/json and serde_json refuse them), though Python writes them."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "--format", "json", "--sweeps", "--samples", "0", "inf.scn"],
        ["diff", "--format", "json", "inf.scn:a", "inf.scn:b"],
        ["diff", "--format", "json", "old/inf.scn", "inf.scn"],
        ["explain", "--format", "json", "inf.scn", "b", "energy.training_energy"],
        ["check", "--format", "json", "inf.scn"],
        ["list", "--format", "json", "accelerators"],
    ],
    ids=lambda argv: " ".join(argv[:4]),
)
def test_every_json_document_is_strict_json_even_of_infinite_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv
):
    """`diff --format json` of a scenario whose figures became infinite wrote `"new":
    Infinity`, which is no JSON: the pull-request tool reading it (JSON.parse, jq's strict
    readers, Go, Rust) failed, while `eval --format json` writes such a figure as null. Every
    JSON document the tool writes goes through one writer (`values.json_text`): non-finite
    numbers are null, and a number it missed is an error, never `Infinity`."""
    (tmp_path / "inf.scn").write_text(INFINITE, encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "inf.scn").write_text(
        INFINITE.replace("count 1000000000", "count 2000"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    document = _strict(out)
    assert document
    if argv[0] == "diff":
        moved = [
            m
            for s in document["scenarios"]  # type: ignore[index]
            for m in s["metrics"]
            if m["name"] == "energy.training_energy"
        ]
        assert moved and moved[0]["new"] is None  # infinite: null, as eval writes it


def test_a_diff_of_result_files_whose_figures_are_infinite_is_strict_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """The same through `eval --format json` results compared by `diff OLD.json NEW.json`."""
    (tmp_path / "inf.scn").write_text(INFINITE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "--format", "json", "--samples", "0", "-o", "new.json", "inf.scn"]) == 0
    finite = INFINITE.replace("count 1000000000", "count 2000")
    (tmp_path / "inf.scn").write_text(finite, encoding="utf-8")
    assert main(["eval", "--format", "json", "--samples", "0", "-o", "old.json", "inf.scn"]) == 0
    capsys.readouterr()
    assert main(["diff", "--format", "json", "old.json", "new.json"]) == 0
    _strict(capsys.readouterr().out)


# ------------------------------------ item 138: a chart's post-processing edits tags, not words
#: Words a title may hold that read, to a pattern over SVG markup, as attributes and references.
MARKUP_LIKE = [
    'Plan x="1.23456"',
    'Site id="figure_1" url(#p1)',
    'Bid href="#clip9" width="0.12345"',
    'Tilt transform="rotate(0 1 2)"',
    'Notes href="index.md"',
]


def test_words_in_a_chart_label_that_look_like_svg_attributes_are_shown_as_written():
    """The charts are tidied after matplotlib writes them (coordinates rounded, unused ids and
    null rotations dropped) by patterns over the SVG text, and a label's words are in that text
    with their quotes as written: a bar labelled `Plan x="1.23456"` read `Plan x="1.23"`, one
    holding `id="figure_1"` lost those words, and `href="#clip9"` kept an id the chart does not
    use. The edits read tags alone, and a label's quotes are escaped as the page's other text
    is, so no later pattern over the page (the links to pages) reads them as markup."""
    import html
    import re

    from scendsl.report.charts import compute_bars

    svg = compute_bars([(label, 10.0 + i, False) for i, label in enumerate(MARKUP_LIKE)])
    assert svg is not None
    # A long label is set on two lines: the words are read across them.
    shown = " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    for label in MARKUP_LIKE:
        assert label in shown
    # The edits still did their work on the chart's own markup.
    assert not re.search(r'<g id="(figure|axes|patch)_', svg)
    assert not re.search(r'(?:x|y|d|width|height)="[^"]*\d\.\d{3}', svg)
    tags = "".join(re.findall(r"<[^>]*>", svg))
    assert 'href="#clip9"' not in tags and 'id="figure_1"' not in tags


# ---------------------------------------------- item 139: a sweep's table under a memory budget
def _many_references(count: int, variants: int) -> str:
    """A scenario, a sweep of `variants` over its count, and `count` references: each adds
    figures of its own to every variant (its peak, the divide's ratio and time to train)."""
    text = (
        "scenario s {\n  year 2025\n  region US\n  cluster {\n    accelerator H100\n"
        "    count 1000\n  }\n  workload {\n    parameters 8B\n    tokens 1T\n  }\n}\n\n"
        f"sweep w from s {{\n  cluster.count 1 .. {variants}\n}}\n"
    )
    return text + reference_blocks(count)


def test_a_sweep_whose_table_would_pass_the_memory_budget_is_refused_before_it_is_evaluated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A sweep's table holds each figure of each variant: 1,000 references (one small file,
    far within the token limit) give every variant some 13,500 figures, and a sweep of 100,000
    variants (a tenth of the variant limit) would have needed about 4 GB for the table and 11
    GB for the arrays of one chunk (200,000 variants at a time): the Monte Carlo had a memory
    budget, the sweep none. The one budget
    (`defaults.ARRAY_MEMORY_BUDGET`) refuses it at the sweep, in about the time `check` takes,
    and sizes a chunk by the nodes each variant holds."""
    from tests.security_helpers import cpu_ratio

    path = tmp_path / "refs.scn"
    path.write_text(_many_references(1000, 100_000), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["eval", "--sweeps", "--format", "csv", "--samples", "0", "refs.scn"]) == 1
    captured = capsys.readouterr()
    assert "refs.scn:14:7: error: sweep 'w': the table of its 100,000 variants" in captured.err
    assert "the limit is 2 GiB" in captured.err and "variants fit" in captured.err
    assert not captured.out

    def refused() -> None:
        main(["eval", "--sweeps", "--format", "csv", "--samples", "0", "refs.scn"])

    def checked() -> None:
        main(["check", "refs.scn"])

    refusing, checking = cpu_ratio(refused, checked)
    capsys.readouterr()
    assert refusing < 3 * checking + 0.5, (refusing, checking)


def test_a_sweep_of_many_figures_is_read_out_in_blocks_of_bounded_size(tmp_path: Path):
    """The table is written out (CSV, JSON, xlsx) in blocks of variants read into Python,
    some 55 bytes a figure: 10,000 variants a block whatever their figures, so the 13,555 figures of a
    file of 1,000 references took over 7 GB a block (5.3 GB of memory for `eval --sweeps` of
    10,000 variants, still climbing when stopped). A block holds at most
    `export.BLOCK_CELLS` figures."""
    import tracemalloc

    from scendsl import load_file
    from scendsl.model.sweep import evaluate_sweep
    from scendsl.report.export import BLOCK_CELLS, iter_records

    path = tmp_path / "refs.scn"
    path.write_text(_many_references(1000, 1000), encoding="utf-8")
    table = evaluate_sweep(load_file(path).sweeps[0])
    assert len(table.units) * 1000 > 2 * BLOCK_CELLS  # one block of before: over twice as big
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        records = sum(1 for _ in iter_records(table))
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert records == 1000
    # About 55 bytes a figure read (its float, its place in a list and in a record): 330 MB
    # here, where the one block of 1,000 variants of before took some 750 MB.
    assert peak < 90 * BLOCK_CELLS, f"{peak / 1e6:.0f} MB"
