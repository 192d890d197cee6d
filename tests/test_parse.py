import pytest

from scendsl import parse
from scendsl.errors import ScenarioError
from scendsl.language.units import UNITS


def kinds(statement):
    return [(a.kind, a.text) for a in statement.values]


def test_statement_ends_at_line_end_and_comments_vanish():
    doc = parse("a 1  # one\n# alone\n\nb 2\n")
    assert [s.key for s in doc.statements] == ["a", "b"]
    assert kinds(doc.statements[1]) == [("number", "2")]


def test_comma_continues_the_line():
    doc = parse("mix coal 50%,\n    # a comment between\n    solar 50%\npue 1.2\n")
    assert [s.key for s in doc.statements] == ["mix", "pue"]
    assert kinds(doc.statements[0]) == [
        ("word", "coal"),
        ("number", "50%"),
        ("comma", ","),
        ("word", "solar"),
        ("number", "50%"),
    ]


def test_units_stand_apart_and_compound_units_are_one_word():
    doc = parse("price 45 USD/MWh\nbw 900 GB/s\nci 400 gCO2/kWh\n")
    assert [kinds(s) for s in doc.statements] == [
        [("number", "45"), ("word", "USD/MWh")],
        [("number", "900"), ("word", "GB/s")],
        [("number", "400"), ("word", "gCO2/kWh")],
    ]


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_every_unit_the_language_declares_is_one_word_after_a_number_and_in_a_claim(unit):
    # `m³` was declared a unit but the lexer refused its `³` wherever it was written.
    doc = parse(f"x 5 {unit}\nexpect energy.water_use<5 {unit}\n")
    assert kinds(doc.statements[0]) == [("number", "5"), ("word", unit)]
    assert kinds(doc.statements[1])[-2:] == [("number", "5"), ("word", unit)]


def test_numbers_with_magnitudes_separators_and_percent():
    doc = parse("x 100k 2T 1.5M 405B 100_000 40% 1e25 -3\n")
    assert [a.text for a in doc.statements[0].values] == [
        "100k",
        "2T",
        "1.5M",
        "405B",
        "100_000",
        "40%",
        "1e25",
        "-3",
    ]


def test_strings_with_escapes():
    doc = parse('t "say \\"hi\\" \\\\ ok"\n')
    assert doc.statements[0].values[0].text == '"say \\"hi\\" \\\\ ok"'


def test_blocks_nest_and_may_close_on_the_last_line():
    doc = parse("scenario s {\n  cluster { count 8 }\n  year 2026\n}\n")
    scenario = doc.statements[0]
    assert [s.key for s in scenario.body] == ["cluster", "year"]
    assert scenario.body[0].body[0].key == "count"


def test_lists_ranges_uncertainty_and_claims():
    doc = parse(
        "sweep w from s {\n  year 2025 .. 2028\n  cluster.count [50k,\n 100k]\n}\n"
        "x 30% to 45%\ny 1.25 ± 10%\nz 1 +/- 5%\n"
        'expect energy.facility_power >= 500 MW "over 500 MW"\n'
    )
    sweep, x, y, z, claim = doc.statements
    assert kinds(sweep.body[0]) == [("number", "2025"), ("dotdot", ".."), ("number", "2028")]
    assert [a.text for a in sweep.body[1].values[0].items] == ["50k", ",", "100k"]
    assert kinds(x) == [("number", "30%"), ("word", "to"), ("number", "45%")]
    assert kinds(y)[1] == ("plusminus", "±")
    assert kinds(z)[1] == ("plusminus", "+/-")
    assert kinds(claim)[:2] == [("word", "energy.facility_power"), ("op", ">=")]


def test_spans_are_one_based_and_exact():
    doc = parse("scenario s {\n  count   100k\n}\n", "f.scn")
    count = doc.statements[0].body[0]
    assert (count.key_span.line, count.key_span.col) == (2, 3)
    atom = count.values[0]
    assert (atom.span.line, atom.span.col, atom.span.end_col) == (2, 11, 15)


def test_file_without_final_newline_parses():
    assert parse("a 1").statements[0].key == "a"


def test_syntax_errors_are_all_reported_with_locations():
    with pytest.raises(ScenarioError) as caught:
        parse("a = 1\nb 2\nc ; 3\n", "f.scn")
    rendered = [str(d.span) for d in caught.value.diagnostics]
    assert rendered == ["f.scn:1:3", "f.scn:3:3"]


def test_deep_nesting_is_refused():
    text = "a {\n" * 40 + "}\n" * 40
    with pytest.raises(ScenarioError, match="nested"):
        parse(text)
