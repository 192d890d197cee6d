"""Each scenario's block as written in its file, for the briefings' assumptions section."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from scendsl.errors import source_lines

if TYPE_CHECKING:
    from scendsl.language.syntax import Document
    from scendsl.report.views import ScenarioView
    from scendsl.scenario import Scenario


def scenario_blocks(
    scenarios: Iterable[Scenario], documents: Mapping[str, Document]
) -> dict[str, str]:
    """The text of each scenario's `scenario NAME … { … }` block, whole lines, by name.

    Taken from `documents` (file name -> the document the load parsed, `ParsedFiles.documents`),
    never from the file read again: a file edited since the load, or swapped for a link out of
    the scenario folder, or grown past the token limit, is not what was evaluated and is not
    read (item 187 of docs/security.md). A scenario whose file's document is not given has none.
    """
    by_file: dict[str, dict[tuple[int, int], Scenario]] = {}
    for scenario in scenarios:
        by_file.setdefault(scenario.span.file, {})[scenario.span.line, scenario.span.col] = scenario
    blocks: dict[str, str] = {}
    for file, wanted in by_file.items():
        document = documents.get(file)
        if document is None:
            continue
        lines = source_lines(document.text)
        for statement in document.statements:
            if statement.key != "scenario" or not statement.values or statement.body is None:
                continue
            name = statement.values[0]
            found = wanted.get((name.span.line, name.span.col))
            if found is None or found.name != name.text:
                continue
            end = statement.span.end_line or statement.span.line
            blocks[found.name] = "\n".join(lines[statement.span.line - 1 : end])
    return blocks


def attach_sources(
    views: list[ScenarioView], scenarios: Iterable[Scenario], documents: Mapping[str, Document]
) -> None:
    """Give each view its scenario's block (`source_text`), from the documents loaded."""
    blocks = scenario_blocks(scenarios, documents)
    for view in views:
        view.source_text = blocks.get(view.name)
