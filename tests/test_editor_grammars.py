"""The editor grammars: the VS Code TextMate grammar and the Pygments lexer read every sample.

The TextMate grammar is run by a Python port of vscode-textmate on the Oniguruma engine (the
regex flavour VS Code uses), so a rule VS Code would not match is not matched here either.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scendsl.language import fields as F
from scendsl.language.resolve import DEFINITION_KEYWORDS
from scendsl.language.units import UNITS

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "scendsl.tmLanguage.json"
SAMPLES = sorted(
    [
        *ROOT.glob("scenarios/*.scn"),
        *ROOT.glob("tests/fixtures/sketch/*.scn"),
        *ROOT.glob("validation/cases/*.scn"),
    ]
)
SAMPLE_IDS = [str(p.relative_to(ROOT)) for p in SAMPLES]
ROOT_SCOPE = "source.scendsl"

#: Words the resolver reads inside values (not fields): headers, ranges, claims, `data auto`.
VALUE_KEYWORDS = ("extends", "from", "to", "expect", "correlate", "auto", "not")

ALL_FIELDS = sorted(
    {
        *F.SCENARIO_ATTRIBUTES,
        *(n for s in F.SECTIONS.values() for n in s),
        *F.ACCELERATOR_FIGURES,
        *F.ACCELERATOR_ATTRIBUTES,
        *F.REFERENCE_FIELDS,
    }
)
ALL_CHOICES = sorted(
    {c for s in F.SECTIONS.values() for spec in s.values() for c in spec.choices}
    | set(F.PARALLELISM_KEYS)
)

# One snippet with every construct, and the scope (TextMate) / token type (Pygments) expected of
# its words: (line, text, TextMate scope prefix, Pygments token type name).
SNIPPET = """import "shared.scn"  # a comment
scenario big extends base {
  title "a \\"quoted\\" title"
  cluster {
    accelerator GB200
    count 100k
    mfu 30% to 45%
  }
  energy { pue 1.25 ± 10% }
  energy.price 45 USD/MWh
  expect energy.facility_power >= 500 MW "quote"
  correlate cluster.mfu, energy.pue 0.6
}
accelerator MI355X extends MI300X {
  fp8_dense 5 PFLOPS +/- 10%
}
sweep grow from big {
  year 2025 .. 2028
  cluster.count [50k, 1e5]
  workload.parallelism tensor 8, data auto
}
expect not performance.fits_in_hbm
expect export.status != allowed
"""
EXPECTED = [
    (0, "import", "keyword.control.import", "Keyword.Namespace"),
    (0, "shared.scn", "string.quoted.double", "Literal.String.Double"),
    (0, "# a comment", "comment.line", "Comment.Single"),
    (1, "scenario", "storage.type", "Keyword.Declaration"),
    (1, "big", "entity.name.type", "Name.Class"),
    (1, "extends", "keyword.other", "Keyword"),
    (1, "base", "entity.other.inherited-class", "Name.Class"),
    (2, "title", "support.type.property-name", "Name.Attribute"),
    (2, '\\"', "constant.character.escape", "Literal.String.Escape"),
    (3, "cluster", "entity.name.section", "Name.Namespace"),
    (4, "accelerator", "support.type.property-name", "Name.Attribute"),
    (4, "GB200", "variable.other", "Name"),
    (9, "45", "constant.numeric", "Literal.Number"),
    (6, "to", "keyword.operator.range", "Operator.Word"),
    (8, "pue", "support.type.property-name", "Name.Attribute"),
    (8, "±", "keyword.operator.uncertainty", "Operator"),
    (9, "price", "support.type.property-name", "Name.Attribute"),
    (9, "USD/MWh", "keyword.other.unit", "Keyword.Type"),
    (10, "expect", "keyword.control.claim", "Keyword"),
    (10, "energy.facility_power", "variable.other.metric", "Name.Variable"),
    (10, ">=", "keyword.operator.comparison", "Operator"),
    (10, "MW", "keyword.other.unit", "Keyword.Type"),
    (11, "correlate", "keyword.control.claim", "Keyword"),
    (13, "accelerator", "storage.type", "Keyword.Declaration"),
    (13, "MI355X", "entity.name.type", "Name.Class"),
    (13, "MI300X", "entity.other.inherited-class", "Name.Class"),
    (14, "fp8_dense", "support.type.property-name", "Name.Attribute"),
    (14, "PFLOPS", "keyword.other.unit", "Keyword.Type"),
    (14, "+/-", "keyword.operator.uncertainty", "Operator"),
    (16, "sweep", "storage.type", "Keyword.Declaration"),
    (16, "from", "keyword.other", "Keyword"),
    (17, "..", "keyword.operator.range", "Operator"),
    (18, "[", "punctuation.section.brackets", "Punctuation"),
    (18, "1e5", "constant.numeric", "Literal.Number"),
    (19, "tensor", "constant.language", "Name.Constant"),
    (19, "auto", "constant.language", "Name.Constant"),
    (21, "not", "keyword.operator.logical", "Operator.Word"),
    (21, "performance.fits_in_hbm", "variable.other.metric", "Name.Variable"),
    (22, "!=", "keyword.operator.comparison", "Operator"),
]


# ---------------------------------------------------------------------------- TextMate


@pytest.fixture(scope="module")
def textmate(tmp_path_factory):
    """A tokeniser for the VS Code grammar: text -> [(line, col, text, scopes)]."""
    # The engine makes a cache folder in the working directory when imported: not in the project.
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("textmate"))
    try:
        from textmate_grammar.parsers.base import LanguageParser
    finally:
        os.chdir(here)

    # The engine logs every unmatched character inside a string at WARNING: expected, not news.
    logging.getLogger("textmate_grammar").setLevel(logging.ERROR)
    parser = LanguageParser(json.loads(GRAMMAR.read_text(encoding="utf-8")))

    def tokenise(text: str) -> list[tuple[int, int, str, list[str]]]:
        element = parser.parse_string(text)
        return [(line, col, token, scopes) for (line, col), token, scopes in element.flatten()]

    return tokenise


def _uncovered(text: str, tokens) -> list[str]:
    """Non-blank characters that no rule of the grammar matched (only the root scope)."""
    lines = text.split("\n")
    covered = [[False] * len(line) for line in lines]
    for line, col, token, scopes in tokens:
        if scopes == [ROOT_SCOPE]:
            continue
        for offset in range(len(token)):
            covered[line][col + offset] = True
    return [
        f"{n + 1}:{c + 1}: {lines[n][c]!r} in {lines[n].strip()!r}"
        for n, row in enumerate(covered)
        for c, done in enumerate(row)
        if not done and not lines[n][c].isspace()
    ]


def _scope_of(tokens, line: int, text: str) -> list[str]:
    for token_line, _, token, scopes in tokens:
        if token_line == line and token == text:
            return scopes
    raise AssertionError(
        f"no token {text!r} on line {line}: {[(t, s) for ln, _, t, s in tokens if ln == line]}"
    )


def test_samples_exist():
    assert len(SAMPLES) >= 5, SAMPLE_IDS


@pytest.mark.parametrize("path", SAMPLES, ids=SAMPLE_IDS)
def test_textmate_grammar_matches_every_character_of_the_samples(textmate, path):
    text = path.read_text(encoding="utf-8")
    assert _uncovered(text, textmate(text)) == []


def test_textmate_grammar_leaves_an_unknown_character_unmatched(textmate):
    # The coverage check above can fail: a character no rule knows is reported.
    text = "scenario a {\n  year 2026 @\n}\n"
    assert [gap.split(": ")[1] for gap in _uncovered(text, textmate(text))] == [
        "'@' in 'year 2026 @'"
    ]


@pytest.mark.parametrize(
    "line,text,scope,_token", EXPECTED, ids=[f"{e[0]}-{e[1]}" for e in EXPECTED]
)
def test_textmate_grammar_scopes_each_construct(textmate, line, text, scope, _token):
    scopes = _scope_of(textmate(SNIPPET), line, text)
    assert any(s.startswith(scope + ".") or s == scope for s in scopes), scopes


def test_textmate_grammar_knows_every_field_choice_unit_and_keyword(textmate):
    lines = (
        [f"  {name} 1" for name in ALL_FIELDS]
        + [f"  {section}.{name} 1" for section, names in F.SECTIONS.items() for name in names]
        + [f"  precision {choice}" for choice in ALL_CHOICES]
        + [f"  price 1 {unit}" for unit in UNITS]
    )
    tokens = textmate("\n".join(lines) + "\n")
    for number, line in enumerate(lines):
        word = line.split()[-1] if not line.endswith(" 1") else line.split()[0].split(".")[-1]
        scopes = _scope_of(tokens, number, word)
        wanted = (
            "support.type.property-name"
            if line.endswith(" 1")
            else "constant.language"
            if line.startswith("  precision")
            else "keyword.other.unit"
        )
        assert any(s.startswith(wanted) for s in scopes), (line, scopes)
    keywords = " ".join((*DEFINITION_KEYWORDS, *VALUE_KEYWORDS))
    for word in keywords.split():
        assert re.search(rf"\b{word}\b", GRAMMAR.read_text(encoding="utf-8")), word


def test_textmate_grammar_scopes_every_operator_of_grammar_lark(textmate):
    """The punctuation and operators of the parser's grammar, read from grammar.lark itself."""
    lark = (ROOT / "scendsl" / "language" / "grammar.lark").read_text(encoding="utf-8")
    literals = set(re.findall(r'^[A-Z]+:\s*"([^"]+)"', lark, re.MULTILINE))
    for terminal in ("OP", "PLUSMINUS"):
        pattern = re.search(rf"^{terminal}:\s*/(.*)/", lark, re.MULTILINE).group(1)
        literals.update(alternative.replace("\\", "") for alternative in pattern.split("|"))
    assert {"{", "}", "[", "]", "..", "<=", "~=", "±", "+/-"} <= literals
    for literal in sorted(literals):
        text = f"x 1 {literal} 2\n"
        scopes = _scope_of(textmate(text), 0, literal)
        assert scopes != [ROOT_SCOPE], literal


def test_textmate_grammar_does_not_let_an_unclosed_string_run_on(textmate):
    tokens = textmate('title "no end\nyear 2026\n')
    assert _scope_of(tokens, 1, "year") == [ROOT_SCOPE, "support.type.property-name.scendsl"]


# ---------------------------------------------------------------------------- Pygments


@pytest.fixture(scope="module")
def lexer():
    from scendsl.pygments_lexer import ScendslLexer

    return ScendslLexer()


@pytest.mark.parametrize("path", SAMPLES, ids=SAMPLE_IDS)
def test_pygments_lexer_reads_the_samples_without_error_tokens(lexer, path):
    from pygments.token import Error

    text = path.read_text(encoding="utf-8")
    tokens = list(lexer.get_tokens_unprocessed(text))
    errors = [
        (text.count("\n", 0, index) + 1, value) for index, kind, value in tokens if kind in Error
    ]
    assert errors == []
    assert "".join(value for _, _, value in tokens) == text


def test_pygments_lexer_marks_an_unknown_character_as_an_error(lexer):
    from pygments.token import Error

    assert [v for _, t, v in lexer.get_tokens_unprocessed("year 2026 @\n") if t in Error] == ["@"]


@pytest.mark.parametrize(
    "line,text,_scope,token", EXPECTED, ids=[f"{e[0]}-{e[1]}" for e in EXPECTED]
)
def test_pygments_lexer_tokens_each_construct(lexer, line, text, _scope, token):
    from pygments.token import string_to_tokentype

    found = []
    for index, kind, value in lexer.get_tokens_unprocessed(SNIPPET):
        if SNIPPET.count("\n", 0, index) == line and value == text:
            found.append(kind)
    assert found, f"no token {text!r} on line {line}"
    assert found[0] == string_to_tokentype(token), found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                *'ab_.0123456789kM%"\\#{}[],<=>~±+/- \n\t\r@',
                "to ",
                "scenario ",
                "accelerator ",
                "expect ",
                "MW",
                "cluster",
                "count ",
            ]
        ),
        max_size=120,
    ).map("".join)
)
def test_pygments_lexer_keeps_every_character_of_any_text(text):
    from scendsl.pygments_lexer import ScendslLexer

    # Whatever an editor holds mid-keystroke: no exception, nothing lost or invented.
    tokens = list(ScendslLexer().get_tokens_unprocessed(text))
    assert "".join(value for _, _, value in tokens) == text


def test_pygments_finds_the_lexer_by_name_and_file_name():
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    from scendsl.pygments_lexer import ScendslLexer

    assert isinstance(get_lexer_by_name("scendsl"), ScendslLexer)
    assert isinstance(get_lexer_by_name("scn"), ScendslLexer)
    assert isinstance(get_lexer_for_filename("colossus2.scn"), ScendslLexer)


def test_command_line_never_imports_pygments(tmp_path):
    scenario = ROOT / "scenarios" / "benchmarks.scn"
    code = (
        "import sys; from scendsl.cli import main\n"
        f"codes = [main(['check', {str(scenario)!r}]),"
        f" main(['new', 'probe', '-o', {str(tmp_path / 'probe.scn')!r}]),"
        f" main(['fmt', '--check', {str(scenario)!r}])]\n"
        "print(codes, 'pygments' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[0, 0, 0] False", result.stderr


# ---------------------------------------------------------------------------- VS Code folder


def test_vscode_extension_files_load_and_agree():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    configuration = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    (contributed,) = package["contributes"]["grammars"]
    assert language["id"] == "scendsl" and language["extensions"] == [".scn"]
    assert (VSCODE / language["configuration"]).is_file()
    assert contributed["language"] == "scendsl"
    assert contributed["scopeName"] == grammar["scopeName"] == ROOT_SCOPE
    assert (VSCODE / contributed["path"]).resolve() == GRAMMAR
    assert (VSCODE / package["main"]).is_file()
    assert "vscode-languageclient" in package["dependencies"]
    assert package["contributes"]["configuration"]["properties"]["scendsl.server.args"][
        "default"
    ] == ["lsp"]
    assert configuration["comments"]["lineComment"] == "#"
    assert ["{", "}"] in configuration["brackets"]
    # Every regex of the configuration compiles (VS Code reads them as JavaScript regexes).
    for pattern in (
        *configuration["folding"]["markers"].values(),
        *configuration["indentationRules"].values(),
        configuration["wordPattern"],
    ):
        re.compile(pattern)
    assert re.fullmatch(configuration["wordPattern"], "energy.price")
    assert re.fullmatch(configuration["wordPattern"], "USD/MWh")
    assert re.fullmatch(configuration["wordPattern"], "m³")  # the one unit outside ASCII


def test_vscode_client_starts_the_language_server_over_stdio():
    client = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert 'require("vscode-languageclient/node")' in client
    assert "TransportKind.stdio" in client
    # The client library is fetched by `npm install`, never committed.
    assert "node_modules/" in (VSCODE / ".gitignore").read_text(encoding="utf-8").split()


def test_both_grammars_mark_a_price_in_another_currency_as_a_unit(textmate, lexer):
    """`0.25 EUR/kWh`, `30k JPY`, `2 GBP/hour`: the currency's unit is scoped as USD's is."""
    lines = ["  price 0.25 EUR/kWh", "  unit_price 30k JPY", "  rental_price 2 GBP/hour"]
    text = "\n".join(lines) + "\n"
    tokens = textmate(text)
    for number, line in enumerate(lines):
        unit = line.split()[-1]
        assert any(s.startswith("keyword.other.unit") for s in _scope_of(tokens, number, unit))
    typed = [v for _, t, v in lexer.get_tokens_unprocessed(text) if str(t) == "Token.Keyword.Type"]
    assert typed == ["EUR/kWh", "JPY", "GBP/hour"]
