"""`scendsl fmt`: canonical layout, idempotence, and never a change of meaning."""

import os
import shutil
import stat

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import scendsl
from conftest import FIXTURES, ROOT, SKETCH
from factories import scenario_text
from scendsl.errors import ScenarioError
from scendsl.language.format import format_paths, format_text, normalise_number

FORMAT_FIXTURES = FIXTURES / "format"
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("**/*.scn"))

BASE = """\
scenario base {
  title  "Base"
  year   2026
  region US

  cluster {
    accelerator GB200
    count       100k
  }
}
"""


# ---------------------------------------------------------------- meaning of a text
def _without_positions(value):
    """A model_dump with every source position dropped; `origins` keeps only its paths."""
    if isinstance(value, dict):
        return {
            key: (sorted(item) if key == "origins" else _without_positions(item))
            for key, item in value.items()
            if key not in ("span", "metric_span", "value_span")
        }
    if isinstance(value, (list, tuple)):
        return [_without_positions(item) for item in value]
    if hasattr(value, "model_dump"):
        return _without_positions(value.model_dump())
    return value


def meaning(scenario_set, max_variants=500):
    """What the resolver understood, independent of layout: scenarios, sweeps and variants."""
    variants = []
    for index, scenario in enumerate(scenario_set.all_scenarios()):
        if index >= max_variants:
            break
        variants.append(_without_positions(scenario.model_dump()))
    return {"set": _without_positions(scenario_set.model_dump()), "variants": variants}


def assert_same_meaning(original: str, formatted: str) -> None:
    assert meaning(scendsl.load(original)) == meaning(scendsl.load(formatted))


def test_the_meaning_helper_sees_a_changed_value_and_ignores_positions():
    moved = "\n\n" + BASE.replace("  year   2026", "  year 2026   # moved")
    assert meaning(scendsl.load(BASE)) == meaning(scendsl.load(moved))
    assert meaning(scendsl.load(BASE)) != meaning(scendsl.load(BASE.replace("100k", "100_001")))
    assert meaning(scendsl.load(BASE)) != meaning(
        scendsl.load(BASE.replace("count ", "mfu 40%\ncount "))
    )


# ---------------------------------------------------------------- layout rules
def test_golden_messy_file():
    messy = (FORMAT_FIXTURES / "messy.scn").read_text("utf-8")
    expected = (FORMAT_FIXTURES / "messy.formatted.scn").read_text("utf-8")
    assert format_text(messy) == expected
    assert format_text(expected) == expected
    assert_same_meaning(messy, expected)


def test_values_of_a_run_are_aligned_and_blank_lines_break_runs():
    text = (
        'scenario a {\ntitle "A"\n      operator "Op"\n\nyear 2026\nregion US\ncluster.accelerator GB200\n'
        "cluster.count 8\n}\n"
    )
    assert format_text(text) == (
        "scenario a {\n"
        '  title    "A"\n'
        '  operator "Op"\n'
        "\n"
        "  year                2026\n"
        "  region              US\n"
        "  cluster.accelerator GB200\n"
        "  cluster.count       8\n"
        "}\n"
    )
    assert_same_meaning(text, format_text(text))


def test_one_line_blocks_are_expanded_and_sections_are_followed_by_a_blank_line():
    text = (
        'scenario a { title "A"\nyear 2026\nregion US\ncluster { accelerator GB200\ncount 8 }\n'
        "energy { pue 1.2 }\nmarket { }\n}\n"
    )
    assert format_text(text) == (
        "scenario a {\n"
        '  title  "A"\n'
        "  year   2026\n"
        "  region US\n"
        "  cluster {\n"
        "    accelerator GB200\n"
        "    count       8\n"
        "  }\n"
        "\n"
        "  energy {\n"
        "    pue 1.2\n"
        "  }\n"
        "\n"
        "  market {}\n"
        "}\n"
    )
    assert_same_meaning(text, format_text(text))


def test_top_level_blocks_are_separated_by_one_blank_line_with_their_leading_comments():
    text = (
        '# file header\n\n\n\nimport "other.scn"\n# about a\nscenario a {\n}\n'
        "scenario b {\n}\n\n\n\n# about c\n\nscenario c {\n}\n\n\n"
    )
    assert format_text(text) == (
        "# file header\n"
        "\n"
        'import "other.scn"\n'
        "\n"
        "# about a\n"
        "scenario a {}\n"
        "\n"
        "scenario b {}\n"
        "\n"
        "# about c\n"
        "\n"
        "scenario c {}\n"
    )


def test_atoms_spacing_plusminus_and_strings():
    text = (
        'scenario a {\n  expect   cluster.count>=1  "q  #  \\"x\\""\n'
        "  energy.pue   1.25+/-10%\n  sweep_like [ 1 ,2,[3 ,4] ]\n}\n"
    )
    assert format_text(text) == (
        "scenario a {\n"
        '  expect     cluster.count >= 1 "q  #  \\"x\\""\n'
        "  energy.pue 1.25 ± 10%\n"
        "  sweep_like [1, 2, [3, 4]]\n"
        "}\n"
    )


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("100k", "100k"),
        ("100000", "100000"),  # the analyst's magnitude is kept
        ("100_000", "100_000"),
        ("1_00_000", "100_000"),
        ("10_00.5_0", "1_000.5_0"),  # the fraction is left as written
        ("-1_0000k", "-10_000k"),
        ("1E+6", "1e6"),
        ("2.5E-3%", "2.5e-3%"),
        ("1__0", "1__0"),  # the resolver rejects these: leave them for its diagnostic
        ("10_", "10_"),
        ("1_.5", "1.5"),
    ],
)
def test_number_normalisation_never_changes_the_value(written, canonical):
    from scendsl.language.units import parse_number

    assert normalise_number(written) == canonical
    try:
        value = parse_number(written)
    except ValueError:
        assert canonical == written
    else:
        assert parse_number(canonical) == value


def test_sweep_values_are_kept_verbatim_because_they_name_variants():
    text = (
        BASE
        + "sweep s from base {\n  cluster.count [1_00_000,2E+5]\n  energy.pue [1.2 +/- 5%]\n}\n"
    )
    formatted = format_text(text)
    assert "  cluster.count [1_00_000, 2E+5]\n  energy.pue    [1.2 +/- 5%]\n" in formatted
    names = [s.name for s in scendsl.load(formatted).all_scenarios()]
    assert "s[cluster.count=1_00_000,energy.pue=1.2 +/- 5%]" in names
    assert_same_meaning(text, formatted)


def test_multi_line_mix_is_joined_when_it_fits_and_broken_when_it_does_not():
    text = BASE.replace(
        "  }\n}",
        "  }\n  energy {\n    mix stranded_gas 60%,\n        solar 25%,\n"
        "  grid 15%\n    pue 1.2\n  }\n}",
    )
    formatted = format_text(text)
    assert "    mix stranded_gas 60%, solar 25%, grid 15%\n    pue 1.2\n" in formatted
    assert_same_meaning(text, formatted)

    long_names = ", ".join(
        f"{source} {share}%"
        for source, share in (
            ("stranded_gas", 10),
            ("solar", 10),
            ("grid", 10),
            ("wind", 10),
            ("nuclear", 10),
            ("hydro", 10),
            ("coal", 10),
            ("gas", 10),
            ("solar_storage", 20),
        )
    )
    text = BASE.replace("  }\n}", f"  }}\n  energy {{\n    mix {long_names}\n  }}\n}}")
    formatted = format_text(text)
    assert "    mix stranded_gas 10%,\n        solar 10%,\n        grid 10%,\n" in formatted
    assert "        solar_storage 20%\n  }" in formatted
    assert all(len(line) <= 100 for line in formatted.splitlines())
    assert format_text(formatted) == formatted


def test_comments_everywhere_survive_in_place():
    text = (
        "# top\n"
        "scenario a {   # header\n"
        '  title "A"   # trailing title\n'
        "  # before year\n"
        "  year 2026\n"
        "  region US\n"
        "  cluster {\n"
        "    accelerator GB200\n"
        "    count 8\n"
        "    # last in cluster\n"
        "  }   # after cluster\n"
        "  energy {\n"
        "    mix stranded_gas 60%,  # gas share\n"
        "      # the rest\n"
        "      solar 40%  # solar share\n"
        "  }\n"
        "  # last in scenario\n"
        "}\n"
        "# end of file\n"
    )
    assert format_text(text) == (
        "# top\n"
        "scenario a {  # header\n"
        '  title  "A"  # trailing title\n'
        "  # before year\n"
        "  year   2026\n"
        "  region US\n"
        "  cluster {\n"
        "    accelerator GB200\n"
        "    count       8\n"
        "    # last in cluster\n"
        "  }  # after cluster\n"
        "\n"
        "  energy {\n"
        "    mix stranded_gas 60%,  # gas share\n"
        "        # the rest\n"
        "        solar 40%          # solar share\n"
        "  }\n"
        "\n"
        "  # last in scenario\n"
        "}\n"
        "\n"
        "# end of file\n"
    )
    assert_same_meaning(text, format_text(text))


def test_every_comment_of_the_input_is_in_the_output():
    text = (FORMAT_FIXTURES / "messy.scn").read_text("utf-8")
    formatted = format_text(text)
    comments = [
        line[line.index("#") :].rstrip()
        for line in text.splitlines()
        if "#" in line and '"' not in line
    ]
    for comment in comments:
        assert comment in formatted


def test_whitespace_line_endings_and_final_newline():
    text = 'scenario a {\r\n  title "A"   \r\n\r\n\r\n  year 2026\t\r\n}'
    assert format_text(text) == 'scenario a {\n  title "A"\n\n  year 2026\n}\n'
    assert format_text("") == ""
    assert format_text("\n\n# only a comment   \n\n") == "# only a comment\n"


def test_syntax_errors_raise_scenario_error():
    with pytest.raises(ScenarioError) as caught:
        format_text("scenario a {\n  title = 3\n", "broken.scn")
    assert caught.value.diagnostics[0].span.file == "broken.scn"


# ---------------------------------------------------------------- meaning is preserved
def test_the_sketch_keeps_its_meaning(tmp_path):
    for name in ("language-sketch.scn", "references.scn"):
        shutil.copy(SKETCH.parent / name, tmp_path / name)
    changed, code = format_paths([str(tmp_path)], check=False)
    assert code == 0 and changed  # the sketch's hand alignment is not the canonical one
    copy = tmp_path / "language-sketch.scn"
    assert meaning(scendsl.load(str(SKETCH))) == meaning(scendsl.load(str(copy)))
    for name in ("language-sketch.scn", "references.scn"):
        formatted = (tmp_path / name).read_text("utf-8")
        assert format_text(formatted) == formatted
    assert format_paths([str(tmp_path)], check=True) == ([], 0)


@pytest.mark.parametrize(
    "path", SCENARIO_FILES or [None], ids=[p.name for p in SCENARIO_FILES] or ["no-scenarios"]
)
def test_every_scenario_file_keeps_its_meaning(path, tmp_path):
    if path is None:
        pytest.skip("scenarios/ holds no .scn file yet")
    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)  # imports resolve against the copy
    copy = folder / path.relative_to(ROOT / "scenarios")
    format_paths([str(copy)], check=False)
    formatted = copy.read_text("utf-8")
    assert format_text(formatted) == formatted
    assert meaning(scendsl.load(str(path))) == meaning(scendsl.load(str(copy)))


# ---------------------------------------------------------------- files
def test_check_mode_writes_nothing_and_fails_when_a_file_would_change(tmp_path):
    messy = tmp_path / "messy.scn"
    tidy = tmp_path / "tidy.scn"
    messy.write_text('scenario a {\ntitle "A"\n}\n', "utf-8")
    tidy.write_text(BASE, "utf-8")
    before = messy.read_bytes()
    changed, code = format_paths([str(tmp_path)], check=True)
    assert (changed, code) == ([str(messy)], 1)
    assert messy.read_bytes() == before
    assert format_paths([str(tidy)], check=True) == ([], 0)


def test_write_mode_rewrites_atomically_and_keeps_permissions(tmp_path):
    messy = tmp_path / "messy.scn"
    messy.write_text('scenario a {\ntitle "A"\n}', "utf-8")
    os.chmod(messy, 0o640)
    changed, code = format_paths([str(messy)], check=False)
    assert (changed, code) == ([str(messy)], 0)
    assert messy.read_text("utf-8") == 'scenario a {\n  title "A"\n}\n'
    assert stat.S_IMODE(os.stat(messy).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.scn"]  # no temporary left
    assert format_paths([str(messy)], check=False) == ([], 0)


def test_a_file_with_syntax_errors_is_never_written(tmp_path):
    broken = tmp_path / "broken.scn"
    good = tmp_path / "good.scn"
    broken.write_text("scenario a {\n  title = 3\n", "utf-8")
    good.write_text('scenario a {\ntitle "A"\n}\n', "utf-8")
    before = broken.read_bytes()
    diagnostics = []
    changed, code = format_paths([str(broken), str(good)], check=False, diagnostics=diagnostics)
    assert (changed, code) == ([str(good)], 1)
    assert broken.read_bytes() == before
    assert diagnostics and diagnostics[0].span.file == str(broken)
    assert good.read_text("utf-8") == 'scenario a {\n  title "A"\n}\n'
    with pytest.raises(ScenarioError):
        format_paths([str(broken)], check=True)
    with pytest.raises(ScenarioError):
        format_paths([str(tmp_path / "missing.scn")], check=True)


def test_a_byte_order_mark_counts_as_a_change(tmp_path):
    marked = tmp_path / "marked.scn"
    marked.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert format_paths([str(marked)], check=False) == ([str(marked)], 0)
    assert marked.read_bytes() == BASE.encode("utf-8")


# ---------------------------------------------------------------- property
_INDENT = st.sampled_from(["", " ", "  ", "    ", "\t", "       "])
_TRAILING = st.sampled_from(["", " ", "  # note", "\t# a # b", '   # "quoted" #', "   "])
_AFTER_COMMA = st.sampled_from([" ", "", "   ", "\n      ", "  # c\n  ", "\n  # own line\n    "])
_BLANKS = st.sampled_from(["\n", "\n", "\n\n", "\n\n\n", "\n  \n"])


@st.composite
def scenario_texts(draw):
    """A valid scenario with random values, indentation, blank lines and comments."""

    def line(text):
        return draw(_INDENT) + text + draw(_TRAILING) + draw(_BLANKS)

    def entries(pairs):
        text = pairs[0]
        for pair in pairs[1:]:
            text += "," + draw(_AFTER_COMMA) + pair
        return text

    count = draw(st.sampled_from(["100k", "100_000", "1_00_000", "100000", "1e5", "1E+5", "128"]))
    mfu = draw(st.sampled_from(["40%", "30% to 45%", "40% +/- 10%", "40% ± 10%", "4_0%"]))
    pue = draw(st.sampled_from(["1.25", "1.2_5", "1.25 +/- 10%", "1.1 to 1.4"]))
    shares = draw(st.sampled_from([(60, 25, 15), (100,), (50, 50)]))
    sources = ("stranded_gas", "solar", "grid")
    mix = entries([f"{source} {share}%" for source, share in zip(sources, shares, strict=False)])
    parallelism = entries(["tensor 8", "pipeline 16", "data auto"])
    title = draw(st.sampled_from(['"Base"', '"with # hash"', '"esc \\" quote # x"']))

    top = [
        line(f"title {title}"),
        line("year " + draw(st.sampled_from(["2025", "2_026", "2026"]))),
        line("region US"),
    ]
    cluster_form = draw(st.sampled_from(["block", "dotted", "one_line"]))
    if cluster_form == "block":
        top.append(
            line("cluster {")
            + line("accelerator GB200")
            + line(f"count {count}")
            + line(f"mfu {mfu}")
            + line("}")
        )
    elif cluster_form == "dotted":
        top.append(
            line("cluster.accelerator GB200")
            + line(f"cluster.count {count}")
            + line(f"cluster.mfu {mfu}")
        )
    else:
        top.append(line(f"cluster {{ accelerator GB200\ncount {count} }}"))
    energy = [f"pue {pue}", f"mix {mix}"]
    if draw(st.booleans()):
        top.append(line("energy { " + energy[0] + "\n" + energy[1] + " }"))
    else:
        top.append("".join(line("energy." + item) for item in energy))
    top.append(line(f"workload.parallelism {parallelism}"))
    top.append(
        line(
            "expect cluster.count >= " + draw(st.sampled_from(["1E+3", "1_000", "1k"])) + ' "q # x"'
        )
    )
    order = draw(st.permutations(top))
    text = (
        draw(st.sampled_from(["", "\n", "# header\n"])) + "scenario base {" + draw(_TRAILING) + "\n"
    )
    text += "".join(order) + "}" + draw(_TRAILING) + draw(_BLANKS)
    if draw(st.booleans()):
        text += (
            line("sweep variants from base {")
            + line(f"cluster.count [{count}, 300k]")
            + line("year 2025 .. 2_027")
            + line("}")
        )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_texts())
def test_format_is_idempotent_and_preserves_meaning(text):
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    assert all(line == line.rstrip() for line in formatted.split("\n"))
    assert "\t" not in formatted
    assert_same_meaning(text, formatted)


# ---------------------------------------------------------------- property: any syntax tree
def _atom_meaning(atom):
    """An atom as the resolver reads it: numbers by value, `+/-` and `±` alike."""
    from scendsl.language.units import parse_number

    if atom.kind == "list":
        return ("list", [_atom_meaning(item) for item in atom.items])
    if atom.kind == "plusminus":
        return ("plusminus",)
    if atom.kind == "number":
        try:
            number = parse_number(atom.text)
        except ValueError:
            return ("number", atom.text)
        return ("number", number.value, number.percent)
    return (atom.kind, atom.text)


def syntax_meaning(statements):
    return [
        (
            s.key,
            [_atom_meaning(a) for a in s.values],
            None if s.body is None else syntax_meaning(s.body),
        )
        for s in statements
    ]


_NUMBERS = st.sampled_from(
    [
        "1",
        "100k",
        "1_00_000",
        "100_000",
        "2.5e+3",
        "2.5E3",
        "40%",
        "-3",
        "1__0",
        "10_",
        "0.000_1",
        "7T",
        "1_.5",
    ]
)
_WORDS = st.sampled_from(["GB200", "auto", "cluster.count", "USD/MWh", "to", "extends", "x_1"])
_STRINGS = st.sampled_from(['"plain"', '"with # hash"', '"esc \\" # q"', '""'])
_SIMPLE_ATOMS = st.one_of(
    _NUMBERS, _WORDS, _STRINGS, st.sampled_from([">=", "<", "~=", "+/-", "±", ".."])
)
_GAP = st.sampled_from([" ", "  ", "\t"])
_LIST_GAP = st.sampled_from(["", " ", "\n", " # in list\n  "])
_COMMENT = st.sampled_from(["", "  # c", " #", "\t# x # y", '   # "q"'])


@st.composite
def _atom_source(draw, depth=0):
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        items = draw(st.lists(_atom_source(depth + 1), min_size=0, max_size=3))
        inner = ""
        for index, item in enumerate(items):
            if index:
                inner += draw(st.sampled_from([",", ", ", " , "])) + draw(_LIST_GAP)
            inner += item + draw(_LIST_GAP)
        return "[" + draw(_LIST_GAP) + inner + "]"
    return draw(_SIMPLE_ATOMS)


@st.composite
def _values_source(draw):
    entries = draw(
        st.lists(st.lists(_atom_source(), min_size=1, max_size=3), min_size=0, max_size=4)
    )
    text = ""
    for index, entry in enumerate(entries):
        if index:
            text += "," + draw(
                st.sampled_from([" ", "", "\n   ", "  # after comma\n  ", "\n  # own line\n\n  "])
            )
        else:
            text += draw(_GAP)
        text += draw(_GAP).join(entry)
    return text


@st.composite
def _statements_source(draw, depth=0):
    text = ""
    for _ in range(draw(st.integers(0 if depth else 1, 4))):
        text += draw(st.sampled_from(["", "\n", "# own comment\n", "\n  # spaced\n\n"]))
        text += draw(st.sampled_from(["", " ", "    ", "\t"])) + draw(
            _WORDS.filter(lambda w: "/" not in w)
        )
        text += draw(_values_source())
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            body = draw(_statements_source(depth + 1))
            opening = "{" + draw(_COMMENT) + "\n" if draw(st.booleans()) else "{ "
            text += " " + opening + body + draw(st.sampled_from(["", "\n"])) + "}"
        text += draw(_COMMENT) + "\n"
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_statements_source())
def test_any_document_keeps_its_syntax_tree_and_comments(text):
    try:
        original = scendsl.parse(text)
    except ScenarioError:
        assume(False)  # the generator's rare invalid shapes (a one-line block's statement list)
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    assert syntax_meaning(scendsl.parse(formatted).statements) == syntax_meaning(
        original.statements
    )
    from scendsl.language.format import _scan_comments

    kept = " ".join(c.text for c in _scan_comments(formatted.split("\n")))
    for comment in _scan_comments(text.split("\n")):
        assert comment.text in kept


def test_claim_quotes_align_in_one_column():
    text = scenario_text(
        "s",
        body='\n  expect cluster.count >= 8 "a"\n'
        '  expect energy.facility_power ~= 5 MW ± 10% "b"\n',
    )
    out = format_text(text)
    claims = [line for line in out.splitlines() if "expect" in line]
    assert len({line.index('"') for line in claims}) == 1
    assert format_text(out) == out


@pytest.mark.parametrize("folder", ["scenarios", "validation/cases"])
def test_the_sample_and_validation_scenarios_are_in_the_canonical_layout(folder):
    # Analysts copy the samples and read the validation cases beside their sources: both show
    # the layout `scendsl fmt` writes.
    changed, code = format_paths([str(ROOT / folder)], check=True)
    assert (changed, code) == ([], 0)
