"""A field written as a block (`parallelism { tensor 8, data auto }`) is told to put its values on
its line; a name that is not a field is called unknown first, block or not."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError


def _diagnostics(text: str):
    with pytest.raises(ScendslError) as caught:
        scendsl.load_text(text, name="blocks.scn")
    return caught.value.diagnostics


def _workload(lines: str) -> str:
    return (
        "scenario s {\n  year 2026\n  region US\n  cluster {\n    accelerator H100\n"
        f"    count 8\n  }}\n  workload {{\n    parameters 1B\n    tokens 1B\n{lines}  }}\n}}\n"
    )


@pytest.mark.parametrize(
    ("lines", "hint"),
    [
        (
            "    parallelism { tensor 8, expert 8, data auto }\n",
            "'parallelism tensor 8, expert 8, data auto'",
        ),
        # one item a line, as a block is usually written: joined with commas
        (
            "    parallelism {\n      tensor 8\n      data auto\n    }\n",
            "'parallelism tensor 8, data auto'",
        ),
        # a nested block cannot be shown on one line: the shape, not a guess
        ("    parallelism {\n      tensor { x 1 }\n    }\n", "'parallelism VALUE'"),
        ("    parallelism {\n    }\n", "'parallelism VALUE'"),
    ],
)
def test_a_field_written_as_a_block_is_shown_on_one_line(lines, hint):
    diagnostic = _diagnostics(_workload(lines))[0]
    assert diagnostic.message == "'parallelism' cannot hold a block inside 'workload'"
    assert diagnostic.hint == f"a field's values go on its line, without braces: {hint}"
    assert (diagnostic.span.line, diagnostic.span.col) == (11, 5)


def test_an_unknown_name_with_a_block_is_called_unknown():
    # "'params' cannot hold a block" said nothing of the misspelt name
    diagnostic = _diagnostics(_workload("    params { a 1 }\n"))[0]
    assert diagnostic.message == "unknown field 'params' in 'workload'"
    assert diagnostic.hint == "'params' is written 'parameters' here"


def test_an_accelerator_field_written_as_a_block_is_shown_on_one_line():
    text = "accelerator chip extends H100 {\n  tdp { x 1 }\n  colour { x 1 }\n}\n"
    first, second = _diagnostics(text)[:2]
    assert first.message == "'tdp' cannot hold a block here"
    assert first.hint == "a field's values go on its line, without braces: 'tdp x 1'"
    assert second.message == "unknown accelerator field 'colour'"


def test_a_hostile_block_is_not_echoed_at_length():
    diagnostic = _diagnostics(_workload("    parallelism { tensor " + "9" * 5000 + " }\n"))[0]
    assert diagnostic.hint == "a field's values go on its line, without braces: 'parallelism VALUE'"
