"""The twenty-first hostile-input review (docs/security.md, items 133 on): quick fixes, the
analyst's own currency in the briefings, Markdown as GitHub renders it, invisible characters in
strings, and the names the language reads by their aliases. Each test is named after the
problem it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security_helpers import lsp_session

pytest.importorskip("pygls")

# ------------------------------------------------------------------ item 133: quick fixes
#: A scenario whose one error (`h100`, line 3) has one fix, `H100`.
MISSPELT = "scenario q {\n  year 2026\n  region US\n  cluster.accelerator h100\n  cluster.count 8\n}\n"


def _range(line: int, start: int, end: int, end_line: int | None = None) -> dict:
    return {
        "start": {"line": line, "character": start},
        "end": {"line": line if end_line is None else end_line, "character": end},
    }


def _fix_of_h100(**changes: object) -> dict:
    """The diagnostic the server publishes for MISSPELT's `h100`, as a client sends it back,
    with `changes`."""
    return {
        "range": _range(3, 22, 26),
        "message": "unknown accelerator 'h100'\nhint: did you mean 'H100'?",
        "severity": 1,
        "source": "scendsl",
        "data": {"fix": "H100"},
        **changes,
    }


def _code_action(uri: str, diagnostic: dict) -> tuple[str, dict]:
    return (
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        },
    )


def _answers(messages: list[dict]) -> dict[int, object]:
    return {m["id"]: m.get("result") for m in messages if "id" in m and "method" not in m}


@pytest.mark.xfail(reason="item 133: the server trusts the range and fix a client sends back", strict=True)
def test_a_quick_fix_edits_only_the_text_its_diagnostic_is_about(tmp_path: Path):
    """A client sends a diagnostic back with its code-action request, and the server offered
    its fix at the range and with the text the client sent. A diagnostic held from before an
    edit (the client's list is not yet refreshed, or a slow extension asks) replaced whatever
    the line now holds there: a title's words became `H100`; a range the client stretched
    over lines replaced the whole file with `H100`, and a fix in the sent data (`US" title
    "x`) was put in the file as sent. The server now offers only the fixes of its own current
    diagnostics, at their ranges."""
    uri = (tmp_path / "q.scn").as_uri()
    edited = MISSPELT.replace(
        "  cluster.accelerator h100\n",
        '  title "the h100 keeps this text"\n  cluster.accelerator H100\n',
    )
    change = (
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]},
    )
    requests = [
        _code_action(uri, _fix_of_h100()),  # 1: the fix, while its diagnostic is current
        _code_action(uri, _fix_of_h100(range=_range(0, 0, 0, end_line=500))),  # 2: stretched
        _code_action(uri, _fix_of_h100(data={"fix": 'US" title "x'})),  # 3: another fix
        change,  # 4
        _code_action(uri, _fix_of_h100()),  # 5: the same diagnostic, after the edit
    ]
    answers = _answers(lsp_session(tmp_path, uri, MISSPELT, requests))
    [offered] = answers[1]
    assert offered["edit"]["changes"][uri] == [{"range": _range(3, 22, 26), "newText": "H100"}]
    for stale in (2, 3, 5):
        assert not answers[stale], answers[stale]
