"""Fifth hostile-input review: this round's new surfaces (context parallelism, key/value heads,
activation offload, the layout check, the table()/em()/link() template functions, subdivision
regions). Each test is named after the class of problem it pins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SKETCH
from scendsl.app.build import render_files
from scendsl.errors import ScenarioError


def _templates(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "index.md.j2").write_text(text, encoding="utf-8")
    return folder


def _index_html(tmp_path: Path, text: str) -> str:
    files = render_files([str(SKETCH)], str(_templates(tmp_path, text)), samples=0)
    return files["index.html"].decode()


def _tags(html_text: str) -> list[str]:
    return re.findall(r'<[A-Za-z][^>"]*(?:"[^"]*"[^>"]*)*>', html_text)


# ------------------------------------------------------------- placeholders inside a tag
@pytest.mark.parametrize(
    "attack",
    [
        # A figure's token, forged from a string escape (the template holds no private-use
        # character), in a link's address.
        "[a](https://e.example/{{ '\\ue0000\\ue001' }})",
        # A real token (a table with a cell whose HTML holds a quote) put in a link's address.
        "{% set t %}{% call table('h') %}| {{ 'x*\" onmouseover=\"alert(1)' }} |{% endcall %}"
        "{% endset %}[a](https://e.example/{{ t }})",
        # The same inside a table, through raw HTML the cleaner keeps.
        "{% call table('h') %}| <a href=\"https://e.example/{{ em('x') ~ '\\ue0000\\ue001' }}\">"
        "a</a> |{% endcall %}",
        "{% call table('h') %}| {{ link('y*\" onclick=\"alert(1)', 'risk') }} |{% endcall %}\n"
        "[a](https://e.example/{{ em('x') ~ '\\ue0001\\ue001' }})",
    ],
)
def test_a_placeholder_inside_a_tag_is_not_filled_in(tmp_path, attack):
    page = _index_html(tmp_path, "# t\n\n" + attack + "\n")
    for tag in _tags(page):
        assert "onmouseover" not in tag and "onclick" not in tag, tag
        assert "<" not in tag[1:], tag


# ------------------------------------------------ fields bounded by another field (kv heads, ...)
SCENARIO = """scenario s {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count 1024
  }}
  workload {{
    parameters      405B
    tokens          15.6T
    framework       megatron
    parallelism     tensor 8, pipeline 8, context 2, data auto
    sequence_length 8192
    micro_batch     1
    global_batch    512
    layers          126
    hidden_size     16384
    attention_heads 128
    experts         8
{extra}
  }}
}}
{after}"""


def _load(extra: str = "", after: str = ""):
    import scendsl

    return scendsl.load_text(SCENARIO.format(extra=extra, after=after))


def _errors(extra: str = "", after: str = "") -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        _load(extra, after)
    return [d.message for d in caught.value.diagnostics if d.severity == "error"]


@pytest.mark.parametrize(
    ("line", "field", "limit"),
    [
        ("kv_heads 256", "workload.kv_heads", "workload.attention_heads"),
        ("kv_heads 1000000", "workload.kv_heads", "workload.attention_heads"),
        ("activation_offload_layers 127", "workload.activation_offload_layers", "workload.layers"),
        (
            "activation_offload_layers 1000000",
            "workload.activation_offload_layers",
            "workload.layers",
        ),
        ("experts_per_token 9", "workload.experts_per_token", "workload.experts"),
    ],
)
def test_kv_heads_above_the_heads_and_offload_above_the_layers_are_refused_at_check(
    line, field, limit
):
    # Other relations may refuse the same line too (the thirty-first review's per-stage bound,
    # the tensor degree against the heads): this one is among the errors.
    messages = _errors("    " + line)
    assert any(f"'{field}'" in m and f"more than '{limit}'" in m for m in messages), messages


def test_fields_at_the_field_they_may_not_exceed_are_accepted():
    # 16 is every layer of one of the 8 stages (126 over 8, rounded up): the per-stage bound.
    scenarios = _load("    kv_heads 128\n    activation_offload_layers 16\n    experts_per_token 8")
    workload = scenarios.get("s").workload
    assert (workload.kv_heads, workload.activation_offload_layers) == (128, 16)


def test_every_field_bound_by_another_names_a_field_of_its_section():
    from scendsl.language import fields as F
    from scendsl.language.layout import RELATIONS

    assert len(RELATIONS) >= 3
    for path, limit in RELATIONS:
        section, _, name = limit.partition(".")
        assert name in F.SECTIONS[section], (path, limit)
        assert F.SECTIONS[section][name].kind == F.scenario_field(path).kind


@pytest.mark.parametrize(
    "axis",
    [
        "workload.kv_heads [8, 129]",
        "workload.attention_heads [128, 4]\n  workload.kv_heads 8",
        "workload.activation_offload_layers 0 .. 200",
    ],
)
def test_a_sweep_setting_a_field_above_its_bound_is_refused(axis):
    (message,) = _errors("    kv_heads 8", f"sweep w from s {{\n  {axis}\n}}\n")
    assert message.startswith("sweep 'w' variant [") and "more than" in message


@pytest.mark.parametrize("line", ["kv_heads 3", "kv_heads 48", "kv_heads 127"])
def test_key_value_heads_that_do_not_divide_the_heads_are_refused_at_check(line):
    # Grouped-query attention shares each key/value head among an equal group of query heads.
    messages = _errors("    " + line)
    assert any(
        "'workload.kv_heads'" in m and "does not divide 'workload.attention_heads'" in m
        for m in messages
    ), messages


@pytest.mark.parametrize("kv_heads", [1, 8, 64, 128])
def test_key_value_heads_that_divide_the_heads_are_accepted(kv_heads):
    assert _load(f"    kv_heads {kv_heads}").get("s").workload.kv_heads == kv_heads


@pytest.mark.parametrize(
    "axis",
    [
        "workload.kv_heads [8, 3]",
        "workload.attention_heads [128, 100]\n  workload.kv_heads 8",
        "workload.attention_heads [128, 96]\n  workload.kv_heads [8, 64]",
    ],
)
def test_a_sweep_setting_a_field_that_does_not_divide_its_whole_is_refused(axis):
    (message,) = _errors("    kv_heads 8", f"sweep w from s {{\n  {axis}\n}}\n")
    assert message.startswith("sweep 'w' variant [") and "does not divide" in message


def test_more_pipeline_stages_than_layers_are_refused_in_a_scenario_and_a_sweep():
    import scendsl

    text = SCENARIO.format(extra="", after="").replace("layers          126", "layers          4")
    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text)
    (message,) = [d.message for d in caught.value.diagnostics if d.severity == "error"]
    assert "8 pipeline stages" in message and "4 layers" in message
    (message,) = _errors(after="sweep w from s {\n  workload.layers [126, 4]\n}\n")
    assert "[workload.layers=4]" in message and "8 pipeline stages" in message


def test_a_sweep_layout_misfit_after_ten_thousand_fitting_variants_is_refused():
    # The layout check once stopped after 10,000 combinations: the 10,001st length went unchecked.
    lengths = ",\n".join(
        ", ".join(str(2 * i) for i in range(start, start + 100)) for start in range(1, 10_002, 100)
    )
    (message,) = _errors(
        after=f"sweep w from s {{\n  workload.sequence_length [{lengths}, 8191]\n}}\n"
    )
    assert "[workload.sequence_length=8191]" in message and "not a multiple of 2" in message


# ------------------------------------------------------------ regions and their figures
def test_a_region_whose_source_rounds_a_divisor_to_zero_is_not_an_internal_error():
    # Niue's electricity per person is 0 kWh in the source (rounded): people_equivalent
    # divided by it ("internal error: ZeroDivisionError"); it is n/a now.
    from scendsl.model.evaluate import evaluate

    scenario = _load().get("s").model_copy(update={"region": "NU"})
    result = evaluate(scenario)
    assert result.metrics["energy.people_equivalent"].value is None


def test_every_figure_the_model_divides_by_is_positive_for_every_region():
    from scendsl.catalog import grid

    for series in sorted(grid._POSITIVE_SERIES):
        for code in grid.regions_with(series):
            for year in (2000, 2025, 2100):
                value = grid._lookup(series, code, year, world_fallback=False).value
                assert value is None or value > 0, (series, code, year)


@pytest.mark.parametrize(("subdivision", "country"), [("CA-QC", "CA"), ("AE-DU", "AE")])
def test_canadian_and_emirati_subdivisions_get_their_countrys_export_and_risk_ratings(
    subdivision, country
):
    from scendsl.model.evaluate import evaluate

    base = _load().get("s")
    results = [evaluate(base.model_copy(update={"region": r})) for r in (country, subdivision)]
    for name in results[0].metrics:
        if name.startswith(("export.", "risk.")):
            assert results[1].metrics[name].value == results[0].metrics[name].value, name
