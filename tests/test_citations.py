"""A figure's source written after its value (`price 95 USD/MWh source "..."`): carried to
explain, the briefing's sources and JSON; dropped when the value is replaced; misplaced
`source` words are located errors."""

from __future__ import annotations

import json

import pytest

import scendsl
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate

CITED = """\
scenario paris {
  year   2024
  region FR
  cluster {
    accelerator H100
    count       10k
  }
  energy {
    intensity 32 gCO2/kWh source "RTE, Bilan électrique 2024"
    price     95 USD/MWh  source "EDF \\"tarif vert\\", 2024"
    pue       1.1 to 1.3  source "operator's design range"
  }
}
"""


def _load(text: str):
    return scendsl.load_text(text, name="cited.scn")


def test_a_cited_value_keeps_its_value_and_carries_its_source_to_the_result():
    (scenario,) = _load(CITED).scenarios
    assert scenario.citations == {
        "energy.intensity": "RTE, Bilan électrique 2024",
        "energy.price": 'EDF "tarif vert", 2024',
        "energy.pue": "operator's design range",
    }
    result = evaluate(scenario)
    price = result["energy.supply_price"]
    assert price.value == pytest.approx(95 / 3.6e9)
    assert 'EDF "tarif vert", 2024' in price.sources
    assert result["energy.pue"].distribution is not None  # the range is still read


def test_the_source_is_printed_by_explain_and_listed_in_the_briefing(tmp_path, capsys):
    path = tmp_path / "cited.scn"
    path.write_text(CITED, encoding="utf-8")
    assert main(["explain", str(path), "paris", "energy.supply_intensity"]) == 0
    assert "source: RTE, Bilan électrique 2024" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out)]) == 0
    page = (out / "paris.md").read_text(encoding="utf-8")
    assert "| RTE, Bilan électrique 2024 | – | `energy.supply_intensity` |" in page


def test_eval_json_carries_the_source_of_the_input(tmp_path, capsys):
    path = tmp_path / "cited.scn"
    path.write_text(CITED, encoding="utf-8")
    assert main(["eval", str(path), "--format", "json"]) == 0
    inputs = json.loads(capsys.readouterr().out)["scenarios"][0]["inputs"]
    assert "RTE, Bilan électrique 2024" in inputs["energy.supply_intensity"]["sources"]


def test_a_child_or_a_sweep_that_replaces_the_value_drops_its_source():
    text = CITED + (
        "scenario lyon extends paris {\n  energy.price 80 USD/MWh\n}\n"
        "sweep prices from paris {\n  energy.intensity [20 gCO2/kWh, 40 gCO2/kWh]\n}\n"
    )
    loaded = _load(text)
    lyon = loaded.get("lyon")
    assert "energy.price" not in lyon.citations
    assert lyon.citations["energy.intensity"] == "RTE, Bilan électrique 2024"  # inherited
    variant = loaded.sweeps[0].variant_at(0)
    assert "energy.intensity" not in variant.citations
    assert variant.citations["energy.price"] == 'EDF "tarif vert", 2024'
    changed = scendsl.with_changes(loaded.get("paris"), price=70.0 / 3.6e9)
    assert "energy.price" not in changed.citations
    assert not any("EDF" in s for s in evaluate(changed)["energy.supply_price"].sources)


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("    count 10k source", 15),
        ('    count source "x" 10k', 11),
        ("    count 10k source unquoted", 15),
        ('    count 10k source "a" source "b"', 15),
        ('    count 10k source "  "', 22),
    ],
)
def test_a_misplaced_source_is_an_error_at_that_word(line, column):
    text = CITED.replace("    count       10k", line)
    with pytest.raises(ScenarioError) as caught:
        _load(text)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.span.line == 6 and diagnostic.span.col == column
    assert "source comes last" in diagnostic.message or "source is empty" in diagnostic.message


ACCELERATORS = """\
accelerator Chip {
  bf16_dense         500 TFLOP/s source "vendor datasheet, table 2"
  hbm                96 GB
  hbm_bandwidth      3 TB/s
  scaleup_bandwidth  900 GB/s
  hostlink_bandwidth 128 GB/s
  tdp                650 W       source "vendor datasheet, table 5"
}

accelerator Chip2 extends Chip {
  tdp 800 W
}

scenario s {
  year   2024
  region FR
  cluster {
    accelerator Chip
    count       1k
  }
}

scenario s2 extends s {
  cluster.accelerator Chip2
}
"""


def test_an_accelerator_figure_carries_its_own_source_and_a_changed_one_drops_it():
    loaded = _load(ACCELERATORS)
    first, second = (evaluate(loaded.get(name)) for name in ("s", "s2"))
    assert "vendor datasheet, table 5" in first["accelerator.tdp"].sources
    assert "vendor datasheet, table 2" in first["accelerator.bf16_dense"].sources
    assert not any("table 5" in s for s in second["accelerator.tdp"].sources)
    assert "vendor datasheet, table 2" in second["accelerator.bf16_dense"].sources
    assert "table" not in str(first["accelerator.hbm"].sources)  # no source: none invented


def test_a_hostile_source_text_is_escaped_in_the_markdown_and_html_pages(tmp_path):
    hostile = "<script>alert(1)</script> | x | [a](javascript:alert(1)) <img src=x onerror=y>"
    text = CITED.replace("RTE, Bilan électrique 2024", hostile)
    path = tmp_path / "cited.scn"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out)]) == 0
    page, html = ((out / f"paris.{ext}").read_text(encoding="utf-8") for ext in ("md", "html"))
    row = next(line for line in page.splitlines() if "`energy.supply_intensity` |" in line)
    assert row.count(" | ") == 2  # the text's pipes do not open new cells
    assert "<script>" not in row and "<img" not in row  # (the file's listing is a code block)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_a_sweep_axis_takes_no_source():
    text = (
        CITED + 'sweep prices from paris {\n  energy.price [60 USD/MWh, 90 USD/MWh] source "x"\n}\n'
    )
    with pytest.raises(ScenarioError) as caught:
        _load(text)
    (diagnostic,) = caught.value.diagnostics
    assert "a sweep axis takes no source" in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.col) == (15, 41)
