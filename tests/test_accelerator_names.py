"""Accelerators written by another name (accelerator_names.toml): another name of a catalog
entry's product is told the entry, with a quick fix that fixes; another product whose name
begins or resembles an entry's (`H100_PCIe`, `L40`) is told what differs and offered no entry,
whose speed and power the scenario would then use; a guess that adds or drops part of a model
name carries no one-click fix."""

from __future__ import annotations

import pytest

from scendsl.language.names import catalog_names, shipped_file
from scendsl.suggest import name_key
from tests.factories import only_diagnostic, scenario_text

_TABLE = shipped_file("accelerator_names.toml")
_SAME = [(alias, entry) for entry, aliases in _TABLE["same"].items() for alias in aliases]
_OTHER = sorted(_TABLE["other"])
_ENTRIES = set(catalog_names().accelerators)


def test_every_name_is_of_a_catalog_entry_and_none_is_one():
    assert {entry for _, entry in _SAME} <= _ENTRIES
    assert {p["like"] for p in _TABLE["other"].values() if "like" in p} <= _ENTRIES
    keys = {name_key(e) for e in _ENTRIES}
    written = [alias for alias, _ in _SAME] + _OTHER
    # an entry's own name or a name given twice would be read two ways
    assert not {name_key(w) for w in written} & keys
    assert len({name_key(w) for w in written}) == len(written)


def _valid_name(alias: str) -> bool:
    return alias.replace("_", "a").isalnum() and not alias[0].isdigit()


@pytest.mark.parametrize(("alias", "entry"), [s for s in _SAME if _valid_name(s[0])])
def test_another_name_of_an_entrys_product_is_fixed_by_the_entry(alias, entry):
    diagnostic = only_diagnostic(scenario_text("s", accelerator=alias))
    assert diagnostic.fix == entry
    assert f"'{entry}'" in (diagnostic.hint or "")
    fixed = scenario_text("s", accelerator=diagnostic.fix)
    assert "unknown accelerator" not in str(_errors(fixed))


def _errors(text: str) -> list[str]:
    import scendsl
    from scendsl.errors import ScendslError

    try:
        scendsl.load_text(text, name="s.scn")
    except ScendslError as error:
        return [d.message for d in error.diagnostics]
    return []


@pytest.mark.parametrize("product", _OTHER)
def test_another_product_is_told_what_differs_and_offered_no_entry(product):
    diagnostic = only_diagnostic(scenario_text("s", accelerator=product))
    hint = diagnostic.hint or ""
    assert diagnostic.fix is None
    assert _TABLE["other"][product]["why"] in hint
    assert "did you mean" not in hint


@pytest.mark.parametrize(
    ("written", "meant"), [("H100 SXM5", "H100"), ("TPU v5 lite", "TPUv5e"), ("H100 PCIe", None)]
)
def test_a_name_written_with_blanks_is_read_in_the_table_too(written, meant):
    diagnostic = only_diagnostic(scenario_text("s", accelerator=written))
    assert diagnostic.fix == meant
    if meant is None:
        assert "another product" in (diagnostic.hint or "")


@pytest.mark.parametrize(("written", "guess"), [("MI300", "MI300X"), ("GH200_480GB", "GH200")])
def test_a_guess_that_adds_or_drops_part_of_a_name_carries_no_fix(written, guess):
    diagnostic = only_diagnostic(scenario_text("s", accelerator=written))
    assert f"'{guess}'" in (diagnostic.hint or "")
    assert diagnostic.fix is None
