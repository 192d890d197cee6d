"""A choice written by a product's or a library's name is told the language's (choice_aliases.toml):
`fabric IB` is `infiniband`, `precision bfloat16` is `bf16`. Before, these got the list of choices
(IB, bfloat16 by luck a spelling guess) and `server hgx` a guess that only happened to be right."""

from __future__ import annotations

import pytest

from scendsl.language import fields as F
from scendsl.language.names import shipped_file
from scendsl.suggest import name_key
from tests.factories import only_diagnostic, scenario_text


def _hint(section: str, line: str) -> tuple[str, str]:
    body = f"  {section} {{\n    {line}\n  }}\n" if section != "cluster" else ""
    text = scenario_text("s", body=body)
    if section == "cluster":
        text = text.replace("    count 8\n", f"    count 8\n    {line}\n", 1)
    diagnostic = only_diagnostic(text)
    return diagnostic.message, diagnostic.hint or ""


@pytest.mark.parametrize(
    ("section", "field", "written", "choice"),
    [
        ("cluster", "fabric", "IB", "infiniband"),
        ("cluster", "fabric", "spectrum_x", "ethernet"),
        ("cluster", "server", "Cray_EX", "blade"),
        ("workload", "precision", "bfloat16", "bf16"),
        ("workload", "precision", "NVFP4", "fp4"),
        ("workload", "recompute", "off", "none"),
        ("energy", "site_class", "colo", "colocation"),
    ],
)
def test_another_name_of_a_choice_is_told_the_languages(section, field, written, choice):
    message, hint = _hint(section, f"{field} {written}")
    assert message == f"unknown {section}.{field} '{written}'"
    assert hint == f"'{written}' is written `{choice}` here"


def test_every_alias_names_a_choice_of_its_field_and_is_none():
    table = shipped_file("choice_aliases.toml")
    assert table["meta"]["source"]
    for path, choices in table.items():
        if path == "meta":
            continue
        spec = F.scenario_field(path)
        assert spec is not None and spec.kind == "enum", path
        own = {name_key(choice) for choice in spec.choices}
        for choice, aliases in choices.items():
            assert choice in spec.choices, (path, choice)
            assert not own & {name_key(alias) for alias in aliases}, (path, choice)
