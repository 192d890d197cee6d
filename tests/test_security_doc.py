"""docs/security.md maps each class of hostile input to the tests that prove it: every test it
names must exist, and every item of every review must be mapped."""

from __future__ import annotations

import ast
import re
from itertools import pairwise
from pathlib import Path

import pytest

DOC = Path("docs/security.md")
TESTS = Path("tests")

#: `test_file.py::test_name`, or `::test_name` meaning the file named last on the same line.
_REFERENCE = re.compile(r"(test_[a-z0-9_]+\.py)?::(test_[A-Za-z0-9_]+)")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _references() -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        current = None
        for match in _REFERENCE.finditer(line):
            current = match.group(1) or current
            if current is not None:
                found.append((number, current, match.group(2)))
    return found


def test_every_test_named_in_security_md_exists():
    references = _references()
    assert len(references) > 100
    cache: dict[str, set[str]] = {}
    missing = []
    for line, file, name in references:
        path = TESTS / file
        if file not in cache:
            cache[file] = _test_functions(path) if path.exists() else set()
        if name not in cache[file]:
            missing.append(f"docs/security.md:{line}: {file}::{name}")
    assert not missing, "\n".join(missing)


#: Each review's section of docs/security.md and its first item, in order; the section ends at
#: the next one's heading and its items at the next one's first. A new review adds a line.
REVIEWS = [
    ("## The second review, item by item", 1),
    ("## The third review", 25),
    ("## The fourth review", 37),
    ("## The fifth review", 47),
    ("## The sixth review", 53),
    ("## The seventh review", 58),
    ("## The eighth review", 65),
    ("## The ninth review", 76),
    ("## The tenth review", 86),
    ("## The eleventh review", 91),
    ("## The twelfth review", 95),
    ("## The thirteenth review", 97),
    ("## The fourteenth review", 101),
    ("## The fifteenth review", 108),
    ("## The sixteenth review", 116),
    ("## The seventeenth review", 120),
    ("## The eighteenth review", 122),
    ("## The nineteenth review", 124),
    ("## The twentieth review", 129),
    ("## The twenty-first review", 133),
    ("## The twenty-second review", 137),
    ("## The twenty-third review", 140),
    ("## The twenty-fourth review", 145),
    ("## The twenty-fifth review", 149),
    ("## The twenty-sixth review", 155),
    ("## The twenty-seventh review", 157),
    ("## The twenty-eighth review", 180),
    ("## The twenty-ninth review", 187),
    ("## The thirtieth review", 210),
    ("## The thirty-first review", 217),
    ("## Known edges", 227),  # the end of the last review: its heading, the next free number
]
#: Where a review's items end when the next review, made at the same time, began its numbers
#: further on (the twenty-eighth's from 180, the twenty-seventh's ending at 162; the thirtieth's
#: from 210, the twenty-ninth's ending at 195).
ENDS = {"## The twenty-seventh review": 163, "## The twenty-ninth review": 196}


@pytest.mark.parametrize(
    ("heading", "first", "end", "after"),
    [(h, f, e, ENDS.get(h, a)) for (h, f), (e, a) in pairwise(REVIEWS)],
    ids=[h.removeprefix("## The ").split(",")[0] for h, _ in REVIEWS[:-1]],
)
def test_every_item_of_each_review_is_mapped_to_a_test(heading, first, end, after):
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(heading) : text.index(end)]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(first, after))
