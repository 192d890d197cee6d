"""Ninth hostile-input review: the hints for values written as in prose, the private caches,
the environment, the command line's usage errors and the embedding API given hostile Python
values. Each test is named after the class of problem it pins."""

from __future__ import annotations

import math
import time

import pytest

import scendsl
from factories import scenario_text
from scendsl.cli import main
from scendsl.errors import ScenarioError


def _diagnostics(text: str) -> list:
    """The diagnostics of loading `text`; any other exception fails the test."""
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    return caught.value.diagnostics


# ------------------------------------------------- hints read and repeat bounded text only
@pytest.mark.parametrize("groups", [110, 1500])
def test_a_number_of_many_thousands_groups_gets_a_located_error_not_an_internal_error(groups):
    # The thousands-separator hint (`100,000` -> write 100000 or 100k) read the digits with
    # int() and divided them as a float: 110 groups (331 digits) raised OverflowError, 1,500
    # groups ValueError (past Python's 4,300-digit limit): "internal error" from `check`.
    count = "1" + ",000" * groups
    (diagnostic,) = _diagnostics(scenario_text(count=count))
    assert diagnostic.span is not None and diagnostic.span.line == 6
    assert "thousands separators" in (diagnostic.hint or "")
    assert len(diagnostic.hint or "") < 200  # the hint does not repeat 4,500 digits


def test_a_short_number_with_thousands_separators_keeps_its_hint():
    (diagnostic,) = _diagnostics(scenario_text(count="100,000"))
    assert diagnostic.hint == "numbers take no thousands separators: write 100000, or 100k"


def test_the_split_name_hint_does_not_compare_a_long_line_with_every_accelerator():
    # `accelerator H-1-1-1...` (6,000 parts) beside 1,000 accelerators of the file: the
    # did-you-mean for a name split at '-' normalised the whole line again for each of the
    # 1,000 names (a second of CPU within the token limit) and repeated the line in its hint.
    accelerators = "".join(f"accelerator a{i} extends H100 {{}}\n" for i in range(1000))
    scenarios = "".join(scenario_text(f"s{j}", accelerator="a" + "-1" * 6000) for j in range(3))
    started = time.process_time()
    diagnostics = _diagnostics(accelerators + scenarios)
    elapsed = time.process_time() - started
    assert len(diagnostics) == 3
    assert elapsed < 0.6, f"{elapsed:.2f} s of CPU"
    assert all(len(d.hint or "") < 300 for d in diagnostics)


@pytest.mark.parametrize(
    "line",
    [
        "    framework " + "Ne-" * 6000 + "Mo",
        "    parameters 7." + "7" * 15000 + " billion",
    ],
)
def test_hints_repeat_at_most_a_name_length_of_what_was_written(line):
    # A hyphenated name (`names join their words with '_': write 'Ne_Ne_...'`) and a magnitude
    # in words (`write 777...B`) repeated the whole 20,000-character line in the hint.
    text = scenario_text(body="  workload {\n" + line + "\n  }\n")
    diagnostics = _diagnostics(text)
    assert diagnostics
    assert all(len(d.hint or "") < 300 for d in diagnostics)


def test_prose_hints_for_names_of_ordinary_length_are_kept():
    hyphen = _diagnostics(scenario_text(body="  workload {\n    framework Megatron-Core\n  }\n"))
    assert "`megatron`" in (hyphen[0].hint or "")
    words = _diagnostics(scenario_text(body="  workload {\n    parameters 70 billion\n  }\n"))
    assert (words[0].hint or "").startswith("write 70B")
    split = _diagnostics(scenario_text(accelerator="H-100"))
    assert "did you mean 'H100'?" in (split[0].hint or "")
    region = _diagnostics(scenario_text(region="Germany"))
    assert "did you mean 'DE'" in (region[0].hint or "")
