"""'Did you mean' for the names people write: another case or separators, a family name that
begins several catalog names, a variant written in full, a name put in quotes."""

from __future__ import annotations

import pytest

import scendsl
from scendsl.errors import ScendslError
from scendsl.suggest import MAX_PREFIX_MATCHES, suggest

CATALOG_ACCELERATORS = [
    "A100_40GB",
    "A100_80GB",
    "H100",
    "H200",
    "TPUv5e",
    "TPUv5p",
    "TPUv6e",
    "V100",
]


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("tpu_v6e", "did you mean 'TPUv6e'?"),
        ("TPU v6e", "did you mean 'TPUv6e'?"),
        ("h100", "did you mean 'H100'?"),
        # difflib alone offered V100 for A100: one edit away, but not what anyone means
        ("A100", "did you mean 'A100_40GB' or 'A100_80GB'?"),
        ("a100-80gb", "did you mean 'A100_80GB'?"),
        ("TPUv5", "did you mean 'TPUv5e' or 'TPUv5p'?"),
        ("H100_SXM5", "did you mean 'H100'?"),
        ("H20O", "did you mean 'H200'?"),  # a typo still goes to the closest name
    ],
)
def test_a_name_as_people_write_it_is_matched(written, hint):
    assert suggest(written, CATALOG_ACCELERATORS) == hint


def test_a_name_that_begins_too_many_names_gets_no_guess():
    many = [f"TPUv{n}" for n in range(MAX_PREFIX_MATCHES + 1)]
    assert suggest("TPU", many) is None
    assert suggest("TPU", many[:MAX_PREFIX_MATCHES]) is not None


def test_nothing_close_is_not_suggested():
    assert suggest("Cerebras", CATALOG_ACCELERATORS) is None


def _first_error(text: str) -> ScendslError:
    with pytest.raises(ScendslError) as caught:
        scendsl.load_text(text, name="names.scn")
    return caught.value


def _scenario(accelerator: str) -> str:
    return (
        "scenario s {\n  year 2026\n  region US\n  cluster {\n"
        f"    accelerator {accelerator}\n    count 8\n  }}\n"
        "  workload {\n    parameters 1B\n    tokens 1B\n  }\n}\n"
    )


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ('"H100"', "write the name without quotes: accelerator H100"),
        ('"TPU v6e"', "a name is written without quotes; did you mean 'TPUv6e'?"),
    ],
)
def test_a_quoted_name_is_told_how_to_write_it(written, hint):
    error = _first_error(_scenario(written))
    diagnostic = error.diagnostics[0]
    assert diagnostic.message == "'cluster.accelerator' expects a name"
    assert diagnostic.hint == hint
    assert (diagnostic.span.line, diagnostic.span.col) == (5, 17)


def test_the_catalog_family_name_lists_its_variants():
    diagnostic = _first_error(_scenario("A100")).diagnostics[0]
    assert diagnostic.message == "unknown accelerator 'A100'"
    assert diagnostic.hint == "did you mean 'A100_40GB' or 'A100_80GB'?"


@pytest.mark.parametrize("written", ["NeMo", '"NeMo"', '"Megatron-LM"'])
def test_a_framework_alias_is_told_its_name_quoted_or_not(written):
    # The alias hint of an unquoted name ('NeMo' is written `megatron`) held for quotes too:
    # a quoted alias was answered with the bare list of frameworks.
    text = (
        "scenario s {\n  year 2026\n  region US\n  cluster {\n"
        "    accelerator H100\n    count 8\n  }\n"
        f"  workload {{\n    parameters 1B\n    tokens 1B\n    framework {written}\n  }}\n}}\n"
    )
    diagnostic = _first_error(text).diagnostics[0]
    assert diagnostic.hint is not None
    assert "is written `megatron` here" in diagnostic.hint
    assert (diagnostic.span.line, diagnostic.span.col) == (11, 15)


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ('scenario "x"', "a name is written without quotes: 'scenario x { ... }'"),
        (
            'scenario "Gulf run 2026"',
            "a name is written without quotes: 'scenario Gulf_run_2026 { ... }', "
            'with title "Gulf run 2026" inside',
        ),
        (
            'accelerator "My-chip"',
            "a name is written without quotes: 'accelerator My_chip { ... }'",
        ),
        ("scenario gulf.run", "a name holds letters, digits and '_': 'scenario gulf_run { ... }'"),
        # nothing that could be a name: the example, not a guess
        ('scenario "2026"', "e.g. 'scenario my_scenario { ... }'"),
        ('scenario "' + "x" * 500 + '"', "e.g. 'scenario my_scenario { ... }'"),
    ],
)
def test_a_definition_name_that_is_none_is_told_how_to_write_it(header, hint):
    # `scenario "x"` had the bare example as its hint, which does not say what was wrong
    diagnostic = _first_error(header + " {\n}\n").diagnostics[0]
    assert diagnostic.message == f"'{header.split()[0]}' needs a name"
    assert diagnostic.hint == hint


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        # a name as people write it, with blanks: before, only "takes one value"
        ("TPU v5e", "did you mean 'TPUv5e'? ('TPU v5e' is not one word)"),
        ("A100 80GB", "did you mean 'A100_80GB'? ('A100 80GB' is not one word)"),
        ("H-100", "did you mean 'H100'? ('H-100' is not one word)"),
        # words that make no name together get the plain message
        ("big chip", None),
    ],
)
def test_a_name_written_with_blanks_is_read_as_one(written, hint):
    diagnostic = _first_error(_scenario(written)).diagnostics[0]
    assert diagnostic.message == "'cluster.accelerator' takes one value"
    assert diagnostic.hint == hint
