"""docs/security.md maps each class of hostile input to the tests that prove it: every test it
names must exist, and every item of the second hostile-input review must be mapped."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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


def test_every_item_of_the_second_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[
        text.index("## The second review, item by item") : text.index("## The third review")
    ]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(1, 25))


def test_every_item_of_the_third_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The third review") : text.index("## The fourth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(25, 37))


def test_every_item_of_the_fourth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The fourth review") : text.index("## The fifth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(37, 47))


def test_every_item_of_the_fifth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The fifth review") : text.index("## The sixth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(47, 53))


def test_every_item_of_the_sixth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The sixth review") : text.index("## The seventh review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(53, 58))


def test_every_item_of_the_seventh_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The seventh review") : text.index("## The eighth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(58, 65))


def test_every_item_of_the_eighth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The eighth review") : text.index("## The ninth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(65, 76))


def test_every_item_of_the_ninth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The ninth review") : text.index("## The tenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(76, 86))


def test_every_item_of_the_tenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The tenth review") : text.index("## The eleventh review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(86, 91))


def test_every_item_of_the_eleventh_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The eleventh review") : text.index("## The twelfth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(91, 95))


def test_every_item_of_the_twelfth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The twelfth review") : text.index("## The thirteenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(95, 97))


def test_every_item_of_the_thirteenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The thirteenth review") : text.index("## The fourteenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(97, 101))


def test_every_item_of_the_fourteenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The fourteenth review") : text.index("## The fifteenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(101, 108))


def test_every_item_of_the_fifteenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The fifteenth review") : text.index("## The sixteenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(108, 116))


def test_every_item_of_the_sixteenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The sixteenth review") : text.index("## The seventeenth review")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(116, 120))


def test_every_item_of_the_seventeenth_review_is_mapped_to_a_test():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The seventeenth review") : text.index("## Known edges")]
    rows = re.findall(r"^\| (\d+) \|.*::test_", section, flags=re.M)
    assert sorted(map(int, rows)) == list(range(120, 122))
