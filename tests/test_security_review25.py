"""The twenty-fifth hostile-input review (docs/security.md, items 149 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from tests.factories import scenario_text

#: The workload of the scenarios below: a small model, so that each evaluates fast.
WORKLOAD = "  workload {\n    parameters 7B\n    tokens 1T\n  }\n"


def _children(count: int, start: int = 0) -> str:
    """A base scenario and `count` one-line children, each changing the cluster's size."""
    children = "".join(
        f"scenario s{i} extends base {{ cluster.count {1000 + start + i} }}\n" for i in range(count)
    )
    return scenario_text(count=1000, body=WORKLOAD) + children


# ------------------- item 149: the language server lets go of what it kept of files not open
def test_the_language_server_lets_go_of_the_evaluations_of_files_it_no_longer_has_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The server kept every scenario's evaluation and warnings of every file it ever analysed
    (each document opened, each importer of a file edited), and its last good parse, for its
    whole life: some 25 MB a document of 500 scenarios opened and closed, a gigabyte after
    forty. Open documents keep theirs; other files' are kept within one bound
    (`analysis.HELD_EVALUATIONS`, least recently analysed let go first), and a closed
    document's parse goes with it."""
    from scendsl.lsp import analysis
    from scendsl.lsp.workspace import Workspace

    monkeypatch.setattr(analysis, "HELD_EVALUATIONS", 40)
    workspace = Workspace(str(tmp_path))
    kept: list[weakref.ref] = []

    def open_and_close(index: int) -> None:
        path = tmp_path / f"doc{index}.scn"
        text = _children(30, start=index)
        path.write_text(text, encoding="utf-8")
        workspace.overlay[str(path.resolve())] = text
        analysed = workspace.analyse(str(path))
        kept.append(weakref.ref(analysed.result("s0")))
        workspace.close(str(path))

    for index in range(6):
        open_and_close(index)
    gc.collect()
    alive = [index for index, result in enumerate(kept) if result() is not None]
    # Before: every document's evaluations were kept; now the newest closed one's (31 of the
    # bound's 40) alone.
    assert alive == [5], alive
    # A document still open keeps all its evaluations, whatever the bound.
    path = tmp_path / "open.scn"
    text = _children(60)
    path.write_text(text, encoding="utf-8")
    workspace.overlay[str(path.resolve())] = text
    first = workspace.analyse(str(path))
    for index in range(7, 9):
        open_and_close(index)
    again = workspace.analyse(str(path))
    assert all(again.result(f"s{i}") is first.result(f"s{i}") for i in range(60))  # not made again
