"""`ParsedFiles`: a rebuild in the same process (`scendsl serve`) parses only the files whose
text changed, and loads exactly what a fresh load gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from scendsl.errors import DiagnosticSink, ScenarioError
from scendsl.language.resolve import ParsedFiles, load_documents, load_paths

ORIGINAL = "count       100k  #"
EDITED = "count       120k  #"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("landscape.scn", "benchmarks.scn"):
        shutil.copy(ROOT / "scenarios" / name, folder / name)
    return folder


def _documents(folder: Path, parsed: ParsedFiles) -> dict[str, object]:
    sink = DiagnosticSink()
    files = sorted(str(p) for p in folder.glob("*.scn"))
    documents = load_documents(files, sink, parsed=parsed)
    assert not sink.has_errors
    return {Path(d.file).name: d for d in documents}


def test_reload_parses_only_the_file_whose_text_changed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    parsed = ParsedFiles()
    first = _documents(folder, parsed)
    edited = folder / "landscape.scn"
    edited.write_text(edited.read_text().replace(ORIGINAL, EDITED))
    second = _documents(folder, parsed)
    assert second["benchmarks.scn"] is first["benchmarks.scn"]
    assert second["landscape.scn"] is not first["landscape.scn"]
    assert EDITED in second["landscape.scn"].text


def test_reload_with_parsed_files_loads_what_a_fresh_load_gives(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    parsed = ParsedFiles()
    load_paths([str(folder)], parsed=parsed)
    edited = folder / "landscape.scn"
    edited.write_text(edited.read_text().replace(ORIGINAL, EDITED))
    again = load_paths([str(folder)], parsed=parsed)
    fresh = load_paths([str(folder)])
    assert again.scenarios == fresh.scenarios
    assert again.sweeps == fresh.sweeps
    assert again.get("xai_memphis").cluster.count == 120_000


def test_parsed_files_keep_only_the_last_loads_documents(tmp_path: Path) -> None:
    """Going back to an earlier text parses it again: older texts are not kept, so serving a
    folder for hours of edits holds one document per file."""
    folder = _folder(tmp_path)
    parsed = ParsedFiles()
    edited = folder / "landscape.scn"
    original = _documents(folder, parsed)["landscape.scn"]
    edited.write_text(edited.read_text().replace(ORIGINAL, EDITED))
    _documents(folder, parsed)
    edited.write_text(edited.read_text().replace(EDITED, ORIGINAL))
    back = _documents(folder, parsed)["landscape.scn"]
    assert back is not original
    assert back.text == original.text


def test_parsed_files_reparse_a_text_shown_under_another_name(tmp_path: Path) -> None:
    """Spans name their file: the same text under another name is parsed for that name."""
    folder = _folder(tmp_path)
    parsed = ParsedFiles()
    before = _documents(folder, parsed)["landscape.scn"]
    moved = folder / "landscape.scn"
    moved.rename(folder / "landscape2.scn")
    after = _documents(folder, parsed)["landscape2.scn"]
    assert after is not before
    assert after.statements[0].span.file.endswith("landscape2.scn")


def test_a_syntax_error_is_reported_on_reload_and_a_fix_loads(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    parsed = ParsedFiles()
    load_paths([str(folder)], parsed=parsed)
    edited = folder / "landscape.scn"
    good = edited.read_text()
    edited.write_text(good.replace(ORIGINAL, "count       {  #"))
    with pytest.raises(ScenarioError) as caught:
        load_paths([str(folder)], parsed=parsed)
    with pytest.raises(ScenarioError) as fresh:
        load_paths([str(folder)])
    assert [d.render() for d in caught.value.diagnostics] == [
        d.render() for d in fresh.value.diagnostics
    ]
    edited.write_text(good)
    assert load_paths([str(folder)], parsed=parsed).get("xai_memphis").cluster.count == 100_000
