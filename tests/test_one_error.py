"""One way to raise a problem found alone: `ScenarioError.one`, which builds its diagnostic
(quoting the located line only when asked: a refused file is never quoted), used by every stage
instead of its own copy of "make a diagnostic, collect it, raise"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import scendsl
from scendsl.errors import ScenarioError, Span

PACKAGE = Path(scendsl.__file__).parent


def test_one_error_quotes_its_line_only_when_asked(tmp_path):
    path = tmp_path / "t.scn"
    text = (
        "scenario a {\n  year 2026\n  region US\n  cluster.accelerator H100\n  cluster.count 8\n}\n"
    )
    path.write_text(text, "utf-8")
    loaded = scendsl.load_file(str(path))  # a later stage quotes the text the load read
    path.write_text("edited since\n", "utf-8")
    span = Span(str(path), 2, 1)
    (plain,) = ScenarioError.one("wrong", span, "a hint").diagnostics
    assert (plain.message, plain.span, plain.hint, plain.severity) == (
        "wrong",
        span,
        "a hint",
        "error",
    )
    assert plain.source_line is None
    (read,) = ScenarioError.one("wrong", span, quote=loaded.texts).diagnostics
    assert read.source_line == "  year 2026"
    (given,) = ScenarioError.one("wrong", span, quote={str(path): "a\nb"}).diagnostics
    assert given.source_line == "b"
    with pytest.raises(ScenarioError, match="wrong"):
        raise ScenarioError.one("wrong")


def _one_diagnostic_raised(tree: ast.AST) -> list[int]:
    """Lines that build one diagnostic and raise it by hand: `ScenarioError([Diagnostic(...)])`,
    or a new sink given one error and raised at once."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "ScenarioError"
            and node.args
            and isinstance(node.args[0], ast.List)
            and len(node.args[0].elts) == 1
            and isinstance(node.args[0].elts[0], ast.Call)
            and getattr(node.args[0].elts[0].func, "id", None) == "Diagnostic"
        ):
            found.append(node.lineno)
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for first, second, third in zip(body, body[1:], body[2:], strict=False):
            if (
                "DiagnosticSink(" in ast.unparse(first)
                and _calls(second, "error")
                and (_calls(third, "raise_if_errors") or "ScenarioError(" in ast.unparse(third))
            ):
                found.append(first.lineno)
    return found


def _calls(statement: ast.stmt, method: str) -> bool:
    """Whether `statement` is a bare call of `method` on something (`sink.error(...)`)."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Attribute)
        and statement.value.func.attr == method
    )


def test_no_stage_raises_one_diagnostic_by_hand():
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "errors.py"
        and (lines := _one_diagnostic_raised(ast.parse(path.read_text("utf-8"))))
    }
    assert offenders == {}
