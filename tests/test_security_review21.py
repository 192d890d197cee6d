"""The twenty-first hostile-input review (docs/security.md, items 133 on): quick fixes, the
analyst's own currency in the briefings, Markdown as GitHub renders it, invisible characters in
strings, and the names the language reads by their aliases. Each test is named after the
problem it pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security_helpers import lsp_session

pytest.importorskip("pygls")

# ------------------------------------------------------------------ item 133: quick fixes
#: A scenario whose one error (`h100`, line 3) has one fix, `H100`.
MISSPELT = (
    "scenario q {\n  year 2026\n  region US\n  cluster.accelerator h100\n  cluster.count 8\n}\n"
)


def _range(line: int, start: int, end: int, end_line: int | None = None) -> dict:
    return {
        "start": {"line": line, "character": start},
        "end": {"line": line if end_line is None else end_line, "character": end},
    }


def _fix_of_h100(**changes: object) -> dict:
    """The diagnostic the server publishes for MISSPELT's `h100`, as a client sends it back,
    with `changes`."""
    return {
        "range": _range(3, 22, 26),
        "message": "unknown accelerator 'h100'\nhint: did you mean 'H100'?",
        "severity": 1,
        "source": "scendsl",
        "data": {"fix": "H100"},
        **changes,
    }


def _code_action(uri: str, diagnostic: dict) -> tuple[str, dict]:
    return (
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        },
    )


def _answers(messages: list[dict]) -> dict[int, object]:
    return {m["id"]: m.get("result") for m in messages if "id" in m and "method" not in m}


def test_a_quick_fix_edits_only_the_text_its_diagnostic_is_about(tmp_path: Path):
    """A client sends a diagnostic back with its code-action request, and the server offered
    its fix at the range and with the text the client sent. A diagnostic held from before an
    edit (the client's list is not yet refreshed, or a slow extension asks) replaced whatever
    the line now holds there: a title's words became `H100`; a range the client stretched
    over lines replaced the whole file with `H100`, and a fix in the sent data (`US" title
    "x`) was put in the file as sent. The server now offers only the fixes of its own current
    diagnostics, at their ranges."""
    uri = (tmp_path / "q.scn").as_uri()
    edited = MISSPELT.replace(
        "  cluster.accelerator h100\n",
        '  title "the h100 keeps this text"\n  cluster.accelerator H100\n',
    )
    change = (
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]},
    )
    requests = [
        _code_action(uri, _fix_of_h100()),  # 1: the fix, while its diagnostic is current
        _code_action(uri, _fix_of_h100(range=_range(0, 0, 0, end_line=500))),  # 2: stretched
        _code_action(uri, _fix_of_h100(data={"fix": 'US" title "x'})),  # 3: another fix
        change,  # 4
        _code_action(uri, _fix_of_h100()),  # 5: the same diagnostic, after the edit
    ]
    answers = _answers(lsp_session(tmp_path, uri, MISSPELT, requests))
    [offered] = answers[1]
    assert offered["edit"]["changes"][uri] == [{"range": _range(3, 22, 26), "newText": "H100"}]
    for stale in (2, 3, 5):
        assert not answers[stale], answers[stale]


def test_a_fix_is_one_token_replacing_one_line_or_none_is_kept():
    """Every maker of diagnostics gives its fix to `Diagnostic`, which keeps it only as one
    token of the language on a span of one line (`errors.is_fix`): what `check --format json`
    gives as `fix` and the language server offers cannot hold a line break, a control or bidi
    character, a quote that ends a string, a `#` that comments out the rest of the line, or a
    second statement; one character replaces one only as a look-alike's plain form."""
    from scendsl.errors import Diagnostic, Span

    line = Span("s.scn", 4, 23, 4, 27)
    kept = ["H100", "B/s", "EUR/MWh", "workload.tokens", '"US-TX"', "70B", "1e3"]
    refused = [
        "H100\n  cluster.count 1",
        "H100 # was h100",
        'US" title "x',
        '"a\\"',
        "x }",
        "US\u202e",
        '"US\u2066"',
        "H" * 101,
        "",
        "#",
        '"',
    ]
    for fix in kept:
        assert Diagnostic("m", line, fix=fix).fix == fix
    for fix in refused:
        assert Diagnostic("m", line, fix=fix).fix is None, fix
    # one character in place of one: a look-alike's plain form (a full-width '\uff03' is '#')
    for plain in ("#", " ", "A", "%"):
        assert Diagnostic("m", Span("s.scn", 4, 23, 4, 24), fix=plain).fix == plain
    for never in ('"', "\\", "\u00a0"):
        assert Diagnostic("m", Span("s.scn", 4, 23, 4, 24), fix=never).fix is None
    assert Diagnostic("m", Span("s.scn", 4, 23, 5, 2), fix="H100").fix is None
    assert Diagnostic("m", None, fix="H100").fix is None


#: Values that get a fix, each in place of one line of a scenario: the hints of names (case,
#: aliases, quotes, split names, look-alike and invisible characters, subdivisions) and units.
FIXED_VALUES = {
    "region": [
        "us", "usa", "KEN", "UK", "Germany", '"Texas"', '"us-tx"', '"BR-SP"', '"\uff35\uff33"',
        '"U\u202eS"', '"US\u200b"', '"United States"', '"\U0001d414\U0001d412"',
    ],
    "cluster.accelerator": [
        "h100", '"H100"', '"h100"', "H-100", "TPU v5e", '"TPU v5e"', "gb200", "H100_SXM5",
        "B 200", "h 100 # a comment", '"H100\\u200b"', "[h100, b200]",
    ],
    "workload.framework": ["NeMo", '"Megatron-LM"', "megatron_lm"],
    "cluster.fabric": ["IB", '"IB"', "Infiniband"],
    "workload.precision": ["FP8", "bf_16", '"fp8"', "fp-8"],
    "energy.price": [
        "0.1 usd/kWh", "0.1 eur/kWh", "0.1 Euro/kWh", "0.1 Naira/kWh", "0.1 RMB/kWh",
        "0.1 usd/mwh", "0.1 USD/kwh",
    ],
    "cluster.scaleup_bandwidth": ["900 s/s"],
}  # fmt: skip


def _fixed_cases() -> list[str]:
    cases = []
    for field, values in FIXED_VALUES.items():
        for value in values:
            lines = {"year": "2026", "region": "US", "cluster.accelerator": "H100"}
            lines |= {"cluster.count": "8", field: value}
            cases.append(
                "scenario p {\n" + "".join(f"  {k} {v}\n" for k, v in lines.items()) + "}\n"
            )
    return cases


def _diagnostics(text: str) -> list:
    from scendsl.errors import ScenarioError
    from scendsl.language.resolve import load_text

    try:
        load_text(text)
    except ScenarioError as error:
        return error.diagnostics
    return []


def _parses(text: str) -> bool:
    from scendsl.errors import ScenarioError
    from scendsl.language.parse import parse

    try:
        parse(text)
    except ScenarioError:
        return False
    return True


def _applied(text: str, diagnostic) -> str:
    """`text` with `diagnostic`'s fix put in place of its span (columns count characters)."""
    span = diagnostic.span
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: span.line - 1]) + span.col - 1
    end = start + (span.end_col - span.col)
    return text[:start] + diagnostic.fix + text[end:]


def test_applying_each_fix_removes_its_error_and_breaks_nothing_around_it():
    """Each fix of the hints (FIXED_VALUES) and of the fuzzer's corpus (seed 22, mutated and
    generated files), applied alone, gives a file whose error at that place is gone, the rest
    of its line read as before: no new syntax error, and the line's other text unchanged."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import fuzz

    seeds = [p.read_bytes().decode("utf-8", "replace") for p in fuzz.SEED_FILES]
    corpus = [fuzz.make_case(22, i, seeds)[1] for i in range(600)]
    fixed = 0
    for text in [*_fixed_cases(), *corpus]:
        for diagnostic in _diagnostics(text):
            if diagnostic.fix is None:
                continue
            fixed += 1
            assert diagnostic.span.end_line == diagnostic.span.line
            after = _applied(text, diagnostic)
            again = _diagnostics(after)
            assert not [
                d
                for d in again
                if d.span.line == diagnostic.span.line and d.message == diagnostic.message
            ], (text, diagnostic)
            assert _parses(after) or not _parses(text), (text, diagnostic)
            assert len(_twice(again)) <= len(_twice(_diagnostics(text))), (text, diagnostic)
    assert fixed >= 50


def _twice(diagnostics: list) -> list:
    return [d for d in diagnostics if "twice" in d.message]


def test_a_fix_never_names_what_its_list_mix_or_block_already_holds():
    """A fix that names a value, an energy source or a field already written beside the
    mistake traded one error for another: `[h100, H100]` fixed to `[H100, H100]` ("listed
    twice"), `gas 50%, natural_gas 50%` to `gas 50%, gas 50%`, `workload { tokens 1T  tokns 2T }`
    to a field set twice. The hint stays; the fix is withheld. A list whose other values differ
    keeps its fix."""
    head = "scenario p {\n  year 2026\n  region US\n  cluster.accelerator H100\n"
    body = "  cluster.count 8\n  workload.parameters 70B\n  workload.tokens 1T\n}\n"
    cases = {
        "sweep s from p {\n  cluster.accelerator [h100, H100]\n}\n": None,
        "sweep s from p {\n  region [us, US]\n}\n": None,
        "sweep s from p {\n  workload.precision [FP8, fp8]\n}\n": None,
        "sweep s from p {\n  cluster.accelerator [h100, B200]\n}\n": "H100",
    }
    for sweep, fix in cases.items():
        [found] = _diagnostics(head + body + sweep)
        assert found.fix == fix and found.hint, (sweep, found)
    mixes = {"gas 50%, natural_gas 50%": None, "solar 50%, natural_gas 50%": "gas"}
    for mix, fix in mixes.items():
        [found] = _diagnostics(head + f"  energy.mix {mix}\n" + body)
        assert found.fix == fix and found.hint, (mix, found)
    fields = {"tokens 1T\n    tokns 2T": None, "parameters 70B\n    tokns 2T": "tokens"}
    for block, fix in fields.items():
        text = head + "  cluster.count 8\n  workload {\n    " + block + "\n  }\n}\n"
        [found] = _diagnostics(text)
        assert found.fix == fix and found.hint, (block, found)


# ---------------------------------------------------- item 134: characters shown as nothing
#: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15.1): what is
#: shown as nothing. The variation selectors U+FE00-FE0F, which emoji use, are left as they are.
DEFAULT_IGNORABLE = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
]  # fmt: skip


def test_every_format_and_invisible_character_is_spelt_in_and_beyond_the_first_plane():
    """`terminal.visible` (the terminal, CSV and xlsx cells, the language server, `diff`)
    spelt a hand-written list of characters of the first plane: the tag characters
    U+E0000-E007F, which write a whole sentence no one sees (`OK` followed by tags spelling
    `ignore the figures`), the other format characters beyond it, the Arabic number signs and
    the halfwidth Hangul filler passed as they were. Checked here for every code point against
    Unicode's categories (Cc, Cf, Zl, Zp) and the characters it says are shown as nothing;
    beyond the first plane a character is spelt as JSON escapes it, so JSON output decodes
    unchanged."""
    import json
    import sys
    import unicodedata

    from scendsl.terminal import visible

    ignorable = {c for low, high in DEFAULT_IGNORABLE for c in range(low, high + 1)}
    missed = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or chr(code) in "\t\n":
            continue
        shown = unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp") or code in ignorable
        if shown and visible(chr(code)) == chr(code):
            missed.append(f"U+{code:04X}")
    assert not missed, missed[:20]
    hidden = "OK" + "".join(chr(0xE0000 + ord(c)) for c in "ignore the figures")
    assert visible(hidden).startswith("OK\\udb40\\udc69")
    assert json.loads(f'"{visible(hidden)}"') == hidden
    assert visible("\u26a0\ufe0f caf\u00e9 \u6f22") == "\u26a0\ufe0f caf\u00e9 \u6f22"


def test_a_sentence_of_tag_characters_reaches_no_briefing_and_is_spelt_in_tables(tmp_path: Path):
    """A title and a source holding tag characters: left out of the briefings' Markdown and
    HTML (as the reordering controls are), spelt in `eval`'s text and CSV."""
    import subprocess
    import sys

    hidden = "".join(chr(0xE0000 + ord(c)) for c in "the claim holds")
    (tmp_path / "s.scn").write_text(
        f'scenario s {{\n  title "Plain{hidden}"\n  year 2026\n  region US\n'
        f'  cluster.accelerator H100\n  cluster.count 1000 source "Plain{hidden}"\n}}\n',
        encoding="utf-8",
    )
    env = {**__import__("os").environ, "SCENDSL_CACHE_DIR": ""}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "scendsl", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    built = run("build", "s.scn", "-o", "out", "--samples", "0")
    assert built.returncode == 0, built.stderr
    for page in ("s.md", "s.html", "index.md", "index.html"):
        text = (tmp_path / "out" / page).read_text(encoding="utf-8")
        assert "Plain" in text and not any(0xE0000 <= ord(c) <= 0xE0FFF for c in text), page
    for form in ("text", "csv"):
        shown = run("eval", "s.scn", "--format", form, "--samples", "0")
        assert shown.returncode == 0, shown.stderr
        assert "\\udb40\\udc74" in shown.stdout, form
        assert not any(0xE0000 <= ord(c) <= 0xE0FFF for c in shown.stdout), form


def test_a_dotted_field_told_its_home_is_fixed_only_where_the_home_is_not_written():
    """`cluster.region US` is told `region` is the scenario's own field: fixed to `region US`
    where the scenario writes no region, and not where it does (it would set it twice)."""
    for written, fix in (("  region US\n", None), ("", "region")):
        text = (
            f"scenario s {{\n  year 2026\n{written}  cluster.accelerator H100\n"
            "  cluster.count 8\n  cluster.region US\n}\n"
        )
        found = [d for d in _diagnostics(text) if "cluster.region" in d.message]
        assert [d.fix for d in found] == [fix], _diagnostics(text)


def test_a_look_alike_quote_mark_is_not_fixed_alone():
    """A typographic or full-width quote mark was fixed as a plain `"` alone: applied (the
    editor's preferred fix), the string it opened ran to the next `"` of the line, a comment's,
    so `title “Q3 plan” # "draft"` read as a title holding the comment, and the closing `”`,
    now inside the string, could no longer be fixed. The hint still names the plain
    character; other look-alikes (a full-width number sign or percent sign, letters, digits) keep their fix."""
    head = "scenario p {\n  year 2026\n  region US\n  cluster.accelerator H100\n"
    for line in ('  title \u201cQ3 plan\u201d # "draft"\n', "  title \uff02Q3 plan\uff02\n"):
        [found] = _diagnostics(head + line + "  cluster.count 8\n}\n")
        assert found.fix is None and "'\"'" in (found.hint or ""), found
    for line, fix in (("  cluster.count 8 \uff03 was 4\n", "#"), ("  cluster.mfu 40\uff05\n", "%")):
        [found] = _diagnostics(head + "  cluster.count 8\n" * (fix == "%") + line + "}\n")
        assert found.fix == fix, found


#: Names the language knows, by the field they are written in, as a misspelling starts from.
_NAMED = {
    "cluster.accelerator": ["H100", "GB200", "TPUv6e", "MI300X", "Gaudi3"],
    "region": ["US", "DE", "KE", '"US-TX"'],
    "workload.framework": ["megatron", "deepspeed"],
    "cluster.fabric": ["infiniband", "ethernet"],
    "workload.precision": ["bf16", "fp8"],
}
_LOOKALIKE = {"A": "\u0410", "H": "\uff28", "E": "\u0415", "1": "\uff11", "0": "\uff10"}


def test_every_fix_offered_for_a_misspelt_name_removes_its_error_and_only_it():
    """Hypothesis over names spelt as people mistype or paste them (case changed, a separator
    or blank inside, quotes around, a look-alike letter or digit): every fix is one token on
    one line, and applying it removes its error, breaks no parse and writes nothing twice."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from scendsl.errors import is_fix

    @st.composite
    def misspelt(draw):
        field = draw(st.sampled_from(sorted(_NAMED)))
        name = draw(st.sampled_from(_NAMED[field])).strip('"')
        kind = draw(st.sampled_from(["case", "separator", "quoted", "lookalike", "blank"]))
        at = draw(st.integers(1, max(1, len(name) - 1)))
        if kind == "case":
            name = name.swapcase()
        elif kind == "separator":
            name = name[:at] + draw(st.sampled_from(["_", "-", "."])) + name[at:]
        elif kind == "blank":
            name = name[:at] + " " + name[at:]
        elif kind == "lookalike":
            name = "".join(_LOOKALIKE.get(c, c) for c in name)
        if kind == "quoted" or draw(st.booleans()):
            name = f'"{name}"'
        return field, name

    @settings(
        derandomize=True, max_examples=150, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(misspelt())
    def check(case):
        field, value = case
        lines = {"year": "2026", "region": "US", "cluster.accelerator": "H100"}
        lines |= {"cluster.count": "8", field: value}
        text = "scenario p {\n" + "".join(f"  {k} {v}\n" for k, v in lines.items()) + "}\n"
        before = _diagnostics(text)
        for diagnostic in before:
            if diagnostic.fix is None:
                continue
            span = diagnostic.span
            assert span.end_line == span.line
            assert is_fix(diagnostic.fix, span.end_col - span.col)
            after = _applied(text, diagnostic)
            again = _diagnostics(after)
            assert not [
                d
                for d in again
                if (d.span.line, d.span.col) == (span.line, span.col)
                and d.message == diagnostic.message
            ], (text, diagnostic)
            assert _parses(after) or not _parses(text), (text, diagnostic)
            assert len(_twice(again)) <= len(_twice(before)), (text, diagnostic)

    check()
