"""Golden briefings: two scenarios' Markdown (one with ranges, so with its Monte Carlo intervals,
claim probabilities and sensitivity tables) and one topical briefing, reviewed by people.

When the model or a template changes on purpose, regenerate with
`pytest tests/test_briefings_golden.py --force-regen` and read the diff before committing it.
"""

from __future__ import annotations

import pytest

from conftest import ROOT, SKETCH
from scendsl.app.build import render_files


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    # A path relative to the repository root (where tests run), so the golden files name the
    # scenario file the same way on every machine.
    return render_files([str(SKETCH.relative_to(ROOT))])


def test_scenario_briefing_markdown(files, file_regression):
    file_regression.check(files["colossus2.md"].decode("utf-8"), extension=".md", encoding="utf-8")


def test_uncertain_scenario_briefing_markdown(files, file_regression):
    # 10,000 samples with the fixed default seed: the same numbers on every machine.
    file_regression.check(
        files["colossus2_uncertain.md"].decode("utf-8"), extension=".md", encoding="utf-8"
    )


def test_risk_briefing_markdown(files, file_regression):
    file_regression.check(files["risk.md"].decode("utf-8"), extension=".md", encoding="utf-8")
