"""Reading files and imports (`scendsl.language.loading`), shared by `check` and the editor."""

from __future__ import annotations

import pytest

from scendsl.errors import DiagnosticSink, ScenarioError
from scendsl.language.resolve import load_documents, load_paths
from scendsl.lsp.workspace import Workspace

BASE = """\
scenario base {
  year   2026
  region US
  cluster {
    accelerator H100
    count       10k
  }
}
"""


def test_load_documents_reads_unsaved_text_over_the_disk(tmp_path):
    (tmp_path / "base.scn").write_text(BASE, encoding="utf-8")
    main = tmp_path / "main.scn"
    main.write_text('import "base.scn"\n', encoding="utf-8")
    unsaved = BASE.replace("scenario base", "scenario edited")
    sink = DiagnosticSink()
    visited: dict[str, str] = {}
    documents = load_documents(
        [str(main)],
        sink,
        displays={str(main): "main.scn"},
        overrides={str((tmp_path / "base.scn").resolve()): unsaved},
        visited=visited,
    )
    assert not sink.has_errors
    assert [d.file for d in documents] == ["main.scn", "base.scn"]
    assert documents[1].text == unsaved
    assert visited == {
        "main.scn": str(main.resolve()),
        "base.scn": str((tmp_path / "base.scn").resolve()),
    }


def test_load_documents_reads_an_unsaved_file_not_yet_on_disk(tmp_path):
    main = tmp_path / "main.scn"
    main.write_text('import "new.scn"\n', encoding="utf-8")
    sink = DiagnosticSink()
    documents = load_documents(
        [str(main)], sink, overrides={str(tmp_path.resolve() / "new.scn"): BASE}
    )
    assert not sink.has_errors and len(documents) == 2


def test_editor_refuses_an_import_that_is_not_a_scenario_file_like_check(tmp_path):
    # The language server had its own copy of the import walk, which lacked this rule.
    (tmp_path / "notes.txt").write_text("secret\n", encoding="utf-8")
    main = tmp_path / "main.scn"
    main.write_text('import "notes.txt"\n' + BASE, encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_paths([str(main)])
    checked = [d.message for d in error.value.diagnostics]
    analysis = Workspace(str(tmp_path)).analyse(str(main))
    assert [d.message for d in analysis.diagnostics] == checked
    assert checked == ["import 'notes.txt' is not a scenario file (.scn)"]
