"""Each scenario's block as written in its file, for the briefings' assumptions section."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scendsl.report.views import ScenarioView
    from scendsl.scenario import Scenario


def scenario_blocks(scenarios: Iterable[Scenario]) -> dict[str, str]:
    """The text of each scenario's `scenario NAME … { … }` block, whole lines, by name.

    The files are read again (a few milliseconds for the samples); a scenario whose file no
    longer reads, or no longer has the block where it was loaded from (edited since), has none.
    """
    from scendsl.errors import ScenarioError
    from scendsl.language.parse import parse_file

    by_file: dict[str, dict[tuple[int, int], Scenario]] = {}
    for scenario in scenarios:
        by_file.setdefault(scenario.span.file, {})[scenario.span.line, scenario.span.col] = scenario
    blocks: dict[str, str] = {}
    for file, wanted in by_file.items():
        try:
            document = parse_file(file, file, max_tokens=10_000_000)
        except ScenarioError:
            continue
        lines = document.text.splitlines()
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


def attach_sources(views: list[ScenarioView], scenarios: Iterable[Scenario]) -> None:
    """Give each view its scenario's block (`source_text`)."""
    blocks = scenario_blocks(scenarios)
    for view in views:
        view.source_text = blocks.get(view.name)
