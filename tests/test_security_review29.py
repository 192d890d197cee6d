"""The twenty-ninth hostile-input review (docs/security.md, items 187 on): files, caches and
processes as an adversary. Each test is named after the problem it pins."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import scendsl.model.evaluate as evaluate_module
from scendsl.app.build import render_files
from scendsl.app.incremental import IncrementalBuilder
from tests.security_helpers import SCENARIO, cpu_ratio


# --------------- item 187: a page shows the scenario text that was loaded, never a re-read
def _during_evaluation(monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]) -> None:
    """Run `change` (another process at work on the files) once the build has loaded its
    scenarios, before the first is evaluated."""
    real = evaluate_module.evaluate
    pending = [change]

    def evaluate(*args, **kwargs):
        while pending:
            pending.pop()()
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "evaluate", evaluate)


def _build_pages(folder: Path, out: Path) -> dict[str, str]:
    return {name: body.decode() for name, body in render_files([str(folder)], samples=0).items()}


def _serve_pages(folder: Path, out: Path) -> dict[str, str]:
    IncrementalBuilder([str(folder)], str(out), samples=0).build()
    return {path.name: path.read_text() for path in out.iterdir() if path.suffix == ".md"}


@pytest.mark.parametrize("pages", [_build_pages, _serve_pages], ids=["build", "serve"])
def test_a_scenario_file_swapped_for_a_link_out_of_its_folder_mid_build_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pages
):
    folder, secret = tmp_path / "project" / "scenarios", tmp_path / "private"
    folder.mkdir(parents=True)
    secret.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    # A file outside the named folder with a scenario of the same name at the same place.
    (secret / "s.scn").write_text(SCENARIO.replace("year 2026", 'title "PRIVATE-NOTE"'))

    def swap() -> None:
        os.replace(folder / "s.scn", tmp_path / "old.scn")
        os.symlink(secret / "s.scn", folder / "s.scn")

    _during_evaluation(monkeypatch, swap)
    monkeypatch.chdir(tmp_path)
    shown = pages(folder, tmp_path / "out")
    assert not any("PRIVATE-NOTE" in body for body in shown.values())
    # The block shown is the text that was loaded and evaluated.
    assert SCENARIO.strip() in shown["small.md"]


def test_a_scenario_file_grown_past_the_token_limit_mid_build_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "s.scn"
    grown = SCENARIO + "scenario g {\n" + "  cluster.count 1\n" * 100_000 + "}\n"

    def build(after: str) -> None:
        path.write_text(SCENARIO)
        _during_evaluation(monkeypatch, lambda: path.write_text(after))
        render_files([str(path)], samples=0)

    # 1.8 MB, 300,000 tokens: twelve times what a file may hold (`--max-tokens` 25,000), 3.5 s
    # of CPU to parse when the pages' blocks were looked for in the file read again.
    growing, steady = cpu_ratio(lambda: build(grown), lambda: build(SCENARIO))
    assert growing < steady * 1.5 + 0.2
