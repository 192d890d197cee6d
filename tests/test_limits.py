"""Limits of the language: every hostile input is refused clearly, located, and within a second.

Each test names the limit it proves (see docs/security.md). Times are measured with
`time.process_time` around the call (the CPU time of this process, so other work on a busy machine
does not count), after a warm-up that pays the one-off costs (catalog, grammar), against a generous
bound of one second.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import pytest

import scendsl
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language import parse as P
from scendsl.language import resolve as R
from scendsl.language.resolve import load_paths
from scendsl.language.units import parse_number

SECOND = 1.0

HEADER = """\
scenario base {
  year 2026
  region US
  cluster {
    accelerator GB200
    count 100k
    mfu 40%
  }
  energy {
    mix stranded_gas 60%, solar 25%, grid 15%
    pue 1.25
  }
  workload {
    parameters 2T
    tokens 40T
    parallelism tensor 8, pipeline 16, data auto
  }
  expect energy.facility_power >= 500 MW "over 500 MW"
}
"""


@pytest.fixture(autouse=True, scope="module")
def _warm():
    """Pay the one-off costs (catalog, grammar analysis, pydantic) before anything is timed."""
    scendsl.load(HEADER)


def located(error: ScenarioError) -> list[str]:
    """The messages of a refusal, after checking that each diagnostic points into a file."""
    assert error.diagnostics
    for diagnostic in error.diagnostics:
        span = diagnostic.span
        assert span is not None and span.line >= 1 and span.col >= 1, diagnostic.render()
    return [d.message for d in error.diagnostics]


def timed(function, *args):
    start = time.process_time()
    try:
        result = function(*args)
    except ScenarioError as error:
        result = error
    elapsed = time.process_time() - start
    assert elapsed < SECOND, f"took {elapsed:.2f} s"
    return result


def refused(text: str, fragment: str) -> ScenarioError:
    """Load text; it must be refused within a second with a located diagnostic saying fragment."""
    error = timed(scendsl.load, text)
    assert isinstance(error, ScenarioError), "accepted, but should have been refused"
    messages = located(error)
    assert any(fragment in m for m in messages), messages
    return error


def refused_file(path: Path, fragment: str) -> ScenarioError:
    error = timed(load_paths, [str(path)])
    assert isinstance(error, ScenarioError), "accepted, but should have been refused"
    messages = located(error)
    assert any(fragment in m for m in messages), messages
    return error


def with_line(old: str, new: str) -> str:
    assert old in HEADER
    return HEADER.replace(old, new)


def fill(unit: str, tokens: int, before: str = "", after: str = "") -> str:
    """`before` + as many copies of `unit` as fit in about `tokens` tokens + `after`."""
    per = P._count_tokens(unit, 10**9)
    spare = tokens - P._count_tokens(before + after, 10**9)
    return before + unit * (spare // per) + after


# ------------------------------------------------------------------------------ file size
def test_file_over_8_mib_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "big.scn"
    with open(big, "wb") as handle:  # sparse: a gigabyte that costs no disk
        handle.truncate(1 << 30)
    refused_file(big, "larger than the 8 MiB limit")


def test_text_over_8_mib_is_refused():
    refused("# " + "x" * 100 + "\n" * (8 * 1024 * 1024), "larger than the 8 MiB limit")


def test_file_just_under_8_mib_of_long_comment_lines_is_decided_within_a_second(tmp_path):
    near = tmp_path / "near.scn"
    near.write_text(("#" + "x" * (P.MAX_LINE_LENGTH - 10) + "\n") * 400 + HEADER)
    assert 7 * 1024 * 1024 < near.stat().st_size < P.MAX_FILE_BYTES
    result = timed(load_paths, [str(near)])
    assert result.get("base").year == 2026


def test_file_just_under_8_mib_of_strings_with_an_unclosed_block_is_refused_fast(tmp_path):
    near = tmp_path / "near.scn"
    near.write_text("scenario a {\n" + ('title "' + "x" * 9_990 + '"\n') * 800)
    refused_file(near, "this block is never closed")


# ------------------------------------------------------------------------ lines and tokens
def test_extremely_long_line_is_refused_fast():
    refused('scenario a { title "' + "x" * 5_000_000 + '" }\n', "line is longer than 20,000")


def test_line_at_the_limit_is_read():
    text = with_line("  year 2026\n", "  year 2026" + " " * (P.MAX_LINE_LENGTH - 20) + "\n")
    assert timed(scendsl.load, text).get("base").year == 2026


def test_a_file_of_100_000_tiny_statements_is_refused_fast():
    refused("x\n" * 100_000, "more than 25,000 tokens")
    refused("scenario a {\n" + "year 2026\n" * 100_000 + "}\n", "more than 25,000 tokens")


def test_a_million_words_on_one_logical_line_is_refused_fast():
    refused("scenario a { year " + "a " * 1_000_000 + "}\n", "line is longer")
    refused("scenario a { year " + "a \\\n" * 300_000 + "}\n", "more than 25,000 tokens")


@pytest.mark.parametrize(
    "unit",
    [
        "a a a a a a a a a a a a a a a a a a a a\n",  # words: the slowest tokens for Lark
        't "x" "y" "z" "w" "v" "u" "s" "r" "q" "p"\n',  # strings
        "  year 2026\n",  # duplicates: one diagnostic per line
        "a [1, 2, [3, 4]]\n",  # lists
        "# just a comment\n",  # comments
        "a {\n",  # never closed
        "a [\n",  # never closed
    ],
)
def test_files_just_under_the_token_limit_are_decided_within_a_second(unit):
    text = fill(unit, P.MAX_TOKENS - 10, "scenario a {\n" if "year" in unit else "")
    assert P._count_tokens(text, 10**9) <= P.MAX_TOKENS
    result = timed(scendsl.load, text)
    if isinstance(result, ScenarioError):
        located(result)


def test_valid_file_just_under_the_token_limit_is_accepted_within_a_second():
    text = fill(
        '  expect energy.facility_power >= 500 MW "q"\n',
        P.MAX_TOKENS - 10,
        HEADER.rstrip().rstrip("}"),
        "}\n",
    )
    assert len(timed(scendsl.load, text).get("base").claims) > 2_000


def test_many_scenarios_just_under_the_token_limit_are_accepted_within_a_second():
    text = HEADER + "".join(
        f"scenario s{i} extends base {{ cluster.count {i + 128} }}\n" for i in range(2_400)
    )
    assert P._count_tokens(text, 10**9) <= P.MAX_TOKENS
    assert len(timed(scendsl.load, text).scenarios) == 2_401


def test_error_recovery_does_not_reparse_a_large_file_twenty_times():
    # Twenty syntax errors at the end of a large file would cost twenty full parses.
    text = fill("a 1\n", P.MAX_TOKENS - 500) + "b = 1\n" * 30
    messages = located(timed(scendsl.load, text))
    assert 1 <= len(messages) < P.MAX_SYNTAX_ERRORS
    # A small file still reports every syntax error, up to the limit.
    assert len(located(timed(scendsl.load, "b = 1\n" * 30))) == P.MAX_SYNTAX_ERRORS


# --------------------------------------------------------------------------------- nesting
def test_blocks_nested_too_deep_are_refused():
    depth = P.MAX_NESTING + 4
    refused("a {\n" * depth + "}\n" * depth, f"nested more than {P.MAX_NESTING} deep")


def test_blocks_nested_ten_thousand_deep_are_refused_fast():
    refused("a {" * 4_000 + "}" * 4_000 + "\n", "nested more than")
    refused("a {\n" * 100_000 + "}\n" * 100_000, "more than 25,000 tokens")


def test_deeply_nested_lists_are_refused():
    refused(
        "x " + "[" * (P.MAX_NESTING + 1) + "]" * (P.MAX_NESTING + 1) + "\n",
        f"lists are nested more than {P.MAX_NESTING} deep",
    )
    refused("x " + "[" * 9_000 + "]" * 9_000 + "\n", "lists are nested more than")
    refused("x " + "[\n" * 5_000 + "]\n" * 5_000, "lists are nested more than")
    refused("x " + "[" * 100_000 + "\n", "line is longer")


def test_lists_at_the_nesting_limit_parse():
    scendsl.parse("x " + "[" * P.MAX_NESTING + "]" * P.MAX_NESTING + "\n")


# --------------------------------------------------------------------------------- strings
def test_string_over_the_length_limit_is_refused():
    refused(
        with_line("  year 2026", '  title "' + "x" * (R.MAX_STRING_LENGTH + 1) + '"\n  year 2026'),
        f"string is longer than {R.MAX_STRING_LENGTH}",
    )


def test_string_at_the_length_limit_is_accepted():
    text = with_line("  year 2026", '  title "' + "é" * R.MAX_STRING_LENGTH + '"\n  year 2026')
    assert len(timed(scendsl.load, text).get("base").title) == R.MAX_STRING_LENGTH


def test_unterminated_string_and_escapes_at_line_end():
    refused('scenario a { title "abc\n}\n', "unterminated string")
    refused('scenario a { title "abc\\\n}\n', "unterminated string")
    refused(with_line("  year 2026", '  title "a\\n"\n  year 2026'), "unknown escape")


# ------------------------------------------------------------------ lexer regex backtracking
@pytest.mark.parametrize(
    "atom",
    [
        "1" * 19_000,  # a run of digits
        "1" + "_" * 19_000,  # underscores
        "1" + "_0" * 9_000,  # alternating digits and underscores
        "1." * 9_000,  # dots after digits
        "1" + "." * 19_000,  # a run of dots (DOTDOT tokens)
        "a." * 9_000 + "a",  # a long dotted path
        "a." * 9_000,  # ... ending in a dot
        "a/" * 9_000,  # unit tails
        "1e" + "9" * 19_000,  # an exponent of 19,000 digits
        "1e" + "+" * 19_000,  # signs
        "-" * 19_000,  # minus signs
        "%" * 19_000,  # percent signs
        "±" * 19_000,  # spreads
        "<=" * 9_000,  # operators
        ",\n" * 9_000,  # commas swallowing line breaks
        ", # c\n" * 4_000,  # ... and comments
        '"' + "\\\\" * 9_000 + '"',  # escaped backslashes
        '"' + '\\"' * 9_000,  # escaped quotes, never closed
        '"' + "x" * 19_000,  # a string never closed
    ],
)
def test_pathological_lexer_input_is_decided_within_a_second(atom):
    result = timed(scendsl.load, "scenario a {\n  count " + atom + "\n}\n")
    assert isinstance(result, ScenarioError)
    located(result)


def test_number_parser_is_linear_on_long_runs():
    start = time.process_time()
    for text in (
        "9" * 100_000,
        "1" + "_0" * 50_000,
        "1" + "_" * 100_000 + "0",
        "1." + "0" * 100_000,
    ):
        try:
            parse_number(text)
        except ValueError:
            pass
    assert time.process_time() - start < SECOND


# --------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "old, new, fragment",
    [
        ("count 100k", "count 1e999", "number is too large"),
        ("count 100k", "count " + "9" * 400, "number is too large"),
        ("count 100k", "count 1e999999999999999999", "number is too large"),
        ("count 100k", "count 1e300 to 1e999", "number is too large"),
        ("pue 1.25", "pue 1.25 ± 1e999%", "a spread must be at least 0% and less than 100%"),
        ("parameters 2T", "parameters 1e290 GB", "expects a plain number"),
        ("parameters 2T", "parameters 1e308 GB", "number is too large"),
        ("parameters 2T", "parameters 1e300T", "number is too large"),
        ("tokens 40T", "tokens 40T\n    checkpoint_time 1e303 years", "number is too large"),
        ("count 100k", "accelerator_power 1e308 GW\n    count 100k", "number is too large"),
        ("count 100k", "count nan", "expects a plain number"),
        ("count 100k", "count inf", "expects a plain number"),
        ("count 100k", "count NaN%", "unexpected character '%'"),
        ("count 100k", "count -inf", "unexpected"),
        ('>= 500 MW "over', '>= 1e999 MW "over', "number is too large"),
        ('>= 500 MW "over', '>= 1e300 EFLOPS "over', "number is too large"),
        ('>= 500 MW "over', '~= 500 MW ± 1e999% "over', "a tolerance must be 0% or more"),
        ('>= 500 MW "over', '~= 500 MW ± -5% "over', "a tolerance must be 0% or more"),
        ("tensor 8", "tensor 1e999", "number is too large"),
        ("tensor 8", "tensor 1e300", "must be at most 1,000,000,000"),
        ("tokens 40T", "tokens 40T\n    layers 1e20", "must be at most 1,000,000"),
        ("year 2026", "year 1e999", "number is too large"),
        ("year 2026", "year 2026.5", "must be a whole number"),
    ],
)
def test_numbers_that_overflow_or_are_not_numbers_are_refused(old, new, fragment):
    refused(with_line(old, new), fragment)


@pytest.mark.parametrize("bad", ["1__0%", "10_%"])
def test_malformed_numbers_in_mixes_spreads_and_tolerances_are_located_errors(bad):
    # These once escaped as a bare ValueError (a traceback) instead of a diagnostic.
    refused(
        with_line("stranded_gas 60%, solar 25%, grid 15%", f"stranded_gas {bad}, solar 100%"), "_"
    )
    refused(with_line("pue 1.25", f"pue 1.25 ± {bad}"), "_")
    refused(with_line('>= 500 MW "over', f'~= 500 MW ± {bad} "over'), "_")


def test_extreme_ranges_keep_a_finite_center():
    # Ends this far apart are refused now (fields have physical bounds); the centre of the widest
    # range still allowed stays finite.
    refused(with_line("count 100k", "count 1e200 to 1e300"), "'cluster.count' must be at most")
    wide = scendsl.load(with_line("count 100k", "count 2 to 1e9")).get("base")
    assert wide.cluster.count.center == pytest.approx(math.sqrt(2e9))
    tiny = scendsl.load(
        with_line("parameters 2T", "parameters 2T\n    checkpoint_time 1e-200 s to 1e-190 s")
    ).get("base")
    assert tiny.workload.checkpoint_time.center == pytest.approx(1e-195)


# --------------------------------------------------------------------- counts and percentages
@pytest.mark.parametrize(
    "old, new, fragment",
    [
        ("count 100k", "count 0", "'cluster.count' must be at least 1"),
        ("count 100k", "count -5", "'cluster.count' must be at least 1"),
        ("count 100k", "count 0 to 10", "'cluster.count' must be at least 1"),
        ("tensor 8", "tensor 0", "must be at least 1"),
        ("tensor 8", "tensor -2", "must be at least 1"),
        ("tokens 40T", "tokens 40T\n    layers 0", "must be at least 1"),
        ("tokens 40T", "tokens 0", "'workload.tokens' must be greater than 1"),
        ("parameters 2T", "parameters -2T", "'workload.parameters' must be greater than 1"),
        ("mfu 40%", "mfu 140%", "'cluster.mfu' must be between 0% and 100%"),
        ("mfu 40%", "mfu 1.4", "'cluster.mfu' must be between 0% and 100%"),
        ("mfu 40%", "mfu 0%", "'cluster.mfu' must be greater than 0% and at most 100%"),
        ("mfu 40%", "mfu -10%", "'cluster.mfu' must be greater than 0% and at most 100%"),
        ("mfu 40%", "mfu 30% to 140%", "'cluster.mfu' must be between 0% and 100%"),
        ("pue 1.25", "pue 1.25\n    utilization 101%", "must be between 0% and 100%"),
        ("pue 1.25", "pue 0.9", "'energy.pue' must be between 1 and 5"),
        ("pue 1.25", "pue 125%", "'energy.pue' expects a plain number"),
        ("count 100k", "count 50%", "'cluster.count' expects a plain number"),
        ("pue 1.25", "pue 1.25 ± 100%", "a spread must be at least 0% and less than 100%"),
        (
            "stranded_gas 60%, solar 25%, grid 15%",
            "stranded_gas 150%, solar -50%",
            "the share of 'stranded_gas' must be between 0% and 100%",
        ),
        (
            "stranded_gas 60%, solar 25%, grid 15%",
            "stranded_gas 60%, solar 30%",
            "add up to 90%, not 100%",
        ),
        (
            "stranded_gas 60%, solar 25%, grid 15%",
            "stranded_gas 60%, solar 50%",
            "add up to 110%, not 100%",
        ),
        (
            "stranded_gas 60%, solar 25%, grid 15%",
            "stranded_gas 0.6, solar 0.4",
            "the share of 'stranded_gas' is a percentage",
        ),
        ("stranded_gas 60%, solar 25%, grid 15%", "solar 50%, solar 50%", "appears twice"),
    ],
)
def test_zero_negative_counts_and_senseless_percentages_are_refused(old, new, fragment):
    refused(with_line(old, new), fragment)


# --------------------------------------------------------------------------------- sweeps
def test_sweep_over_the_variant_cap_is_refused_fast():
    # 101 years × 100 MFUs × 100 counts, each axis small on its own.
    mfus = ", ".join(f"{i}%" for i in range(1, 101))
    counts = ", ".join(str(i) for i in range(1, 101))
    refused(
        HEADER + f"sweep s from base {{\n  year 2000 .. 2100\n  cluster.mfu [{mfus}]\n"
        f"  cluster.count [{counts}]\n}}\n",
        "sweep 's' has more than 1,000,000 variants",
    )
    refused(
        HEADER + "sweep s from base {\n  year 2000 .. 2100\n  cluster.count 1 .. 100000\n}\n",
        "the range 1 .. 100000 alone makes the sweep larger than 1,000,000 variants",
    )
    refused(
        HEADER + "sweep s from base {\n  cluster.count 1 .. 1e300\n}\n",
        "alone makes the sweep larger than 1,000,000 variants",
    )
    refused(
        HEADER + "sweep s from base {\n  cluster.count 1 .. 1e999\n}\n",
        "a range runs between whole numbers",
    )


def test_sweep_at_the_variant_cap_is_accepted_within_a_second():
    # From 128: the base's layout (tensor 8 × pipeline 16) must fit every variant's cluster.
    result = timed(
        scendsl.load, HEADER + "sweep s from base {\n  cluster.count 128 .. 1000127\n}\n"
    )
    sweep = result.sweeps[0]
    assert sweep.size == 1_000_000
    assert sweep.axes[0].values[:3] == (128.0, 129.0, 130.0)
    assert sweep.axes[0].labels[-1] == "1000127"


def test_sweep_range_checks_its_ends_against_the_field():
    refused(
        HEADER + "sweep s from base {\n  year 2090 .. 2200\n}\n",
        "'year' must be between 2000 and 2100",
    )
    refused(
        HEADER + "sweep s from base {\n  cluster.mfu 0 .. 5\n}\n",
        "must be greater than 0% and at most 100%",
    )
    sweep = scendsl.load(HEADER + "sweep s from base {\n  year 2025 .. 2028\n}\n").sweeps[0]
    assert sweep.axes[0].values == (2025, 2026, 2027, 2028)
    assert all(type(v) is int for v in sweep.axes[0].values)


def test_max_variants_can_be_lowered():
    with pytest.raises(ScenarioError) as caught:
        scendsl.load(HEADER + "sweep s from base {\n  year 2025 .. 2035\n}\n", max_variants=10)
    assert "larger than 10 variants" in located(caught.value)[0]
    with pytest.raises(ScenarioError) as caught:
        scendsl.load(
            HEADER + "sweep s from base {\n  year 2025 .. 2029\n  cluster.mfu [30%, 40%, 50%]\n}\n",
            max_variants=10,
        )
    assert "has more than 10 variants" in located(caught.value)[0]


# --------------------------------------------------------------------- extends and imports
def test_accelerator_extends_cycle_is_an_error_not_a_recursion_error():
    error = refused(
        "accelerator X extends Y { tdp 9 W }\naccelerator Y extends X { tdp 9 W }\n" + HEADER,
        "extends itself through",
    )
    assert len(error.diagnostics) == 1


def test_long_accelerator_extends_chain_is_refused():
    chain = "accelerator a0 extends H100 { tdp 700 W }\n" + "".join(
        f"accelerator a{i} extends a{i - 1} {{ tdp 700 W }}\n" for i in range(1, 200)
    )
    refused(
        chain + with_line("accelerator GB200", "accelerator a199"),
        f"extends a chain of more than {R.MAX_EXTENDS_DEPTH} accelerators",
    )
    # Written the other way round (each block before its parent), the limit is the same.
    backwards = "".join(reversed(chain.splitlines(keepends=True)))
    refused(backwards + HEADER, f"extends a chain of more than {R.MAX_EXTENDS_DEPTH} accelerators")
    ok = chain.split("accelerator a40 ")[0] + with_line("accelerator GB200", "accelerator a39")
    assert timed(scendsl.load, ok).get("base").accelerators["a39"].base == "H100"


def test_long_scenario_extends_chain_is_refused_at_its_head():
    chain = "".join(
        f"scenario s{i} extends {f's{i - 1}' if i else 'base'} {{ }}\n" for i in range(100)
    )
    error = refused(HEADER + chain, f"extends a chain of more than {R.MAX_EXTENDS_DEPTH} scenarios")
    assert "'s99'" in " ".join(located(error))


def test_scenario_extends_cycle_is_refused():
    refused(
        "scenario a extends b { year 2026 }\nscenario b extends a { year 2026 }\n",
        "extends itself through",
    )


def write_chain(folder: Path, length: int) -> Path:
    for i in range(length):
        body = f'import "f{i + 1}.scn"\n' if i + 1 < length else HEADER
        (folder / f"f{i}.scn").write_text(body)
    return folder / "f0.scn"


def test_imports_nested_too_deep_are_refused(tmp_path):
    refused_file(
        write_chain(tmp_path, R.MAX_IMPORT_DEPTH + 5),
        f"imports are nested more than {R.MAX_IMPORT_DEPTH} deep",
    )


def test_imports_up_to_the_depth_limit_load(tmp_path):
    result = timed(load_paths, [str(write_chain(tmp_path, R.MAX_IMPORT_DEPTH))])
    assert result.get("base").year == 2026


def test_import_cycle_is_refused(tmp_path):
    (tmp_path / "a.scn").write_text('import "b.scn"\n' + HEADER)
    (tmp_path / "b.scn").write_text('import "a.scn"\n')
    refused_file(tmp_path / "a.scn", "import cycle")
    (tmp_path / "self.scn").write_text('import "self.scn"\n')
    refused_file(tmp_path / "self.scn", "import cycle")


def test_wide_import_fan_out_reads_each_file_once(tmp_path):
    (tmp_path / "leaf.scn").write_text(HEADER)
    for i in range(50):
        (tmp_path / f"mid{i}.scn").write_text('import "leaf.scn"\n' * 3)
    (tmp_path / "top.scn").write_text("".join(f'import "mid{i}.scn"\n' for i in range(50)))
    assert len(timed(load_paths, [str(tmp_path / "top.scn")]).scenarios) == 1


# ----------------------------------------------------------------------------------- paths
SECRET = "TOP-SECRET-LINE do not quote me"


@pytest.fixture
def outside(tmp_path):
    """A folder of scenarios, and a secret file beside it that no scenario may read."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    secret = tmp_path / "secret.scn"
    secret.write_text(f"{SECRET}\n{SECRET}\n")
    return folder, secret


def assert_not_read(error: ScenarioError) -> None:
    rendered = str(error) + repr([d.to_json() for d in error.diagnostics])
    assert SECRET not in rendered and "TOP-SECRET" not in rendered


def test_import_with_dot_dot_cannot_leave_the_folder(outside):
    folder, _ = outside
    (folder / "a.scn").write_text('import "../secret.scn"\n' + HEADER)
    assert_not_read(refused_file(folder / "a.scn", "reaches outside the scenario folder"))
    (folder / "b.scn").write_text('import "sub/../../secret.scn"\n' + HEADER)
    assert_not_read(refused_file(folder / "b.scn", "reaches outside the scenario folder"))


def test_absolute_and_home_imports_are_refused(outside):
    folder, secret = outside
    (folder / "a.scn").write_text(f'import "{secret}"\nimport "~/x.scn"\nimport ""\n' + HEADER)
    error = refused_file(folder / "a.scn", "an import names a path relative to the importing file")
    assert len(error.diagnostics) == 3
    assert_not_read(error)


def test_symlinked_import_pointing_outside_is_refused(outside):
    folder, secret = outside
    (folder / "link.scn").symlink_to(secret)
    (folder / "a.scn").write_text('import "link.scn"\n' + HEADER)
    assert_not_read(refused_file(folder / "a.scn", "reaches outside the scenario folder"))
    (folder / "dir").symlink_to(secret.parent, target_is_directory=True)
    (folder / "b.scn").write_text('import "dir/secret.scn"\n' + HEADER)
    assert_not_read(refused_file(folder / "b.scn", "reaches outside the scenario folder"))


def test_symlink_inside_a_named_folder_pointing_outside_is_not_read(outside):
    folder, secret = outside
    (folder / "a.scn").write_text(HEADER)
    (folder / "z_link.scn").symlink_to(secret)
    error = timed(load_paths, [str(folder)])
    assert isinstance(error, ScenarioError)
    assert any("links to a file outside" in m for m in located(error))
    assert_not_read(error)


def test_symlink_inside_the_folder_pointing_inside_is_followed(outside):
    folder, _ = outside
    (folder / "real.scn").write_text(HEADER)
    (folder / "sub").mkdir()
    (folder / "sub" / "a.scn").write_text('import "../real.scn"\n')
    (folder / "alias.scn").symlink_to(folder / "real.scn")
    (folder / "b.scn").write_text('import "alias.scn"\n')
    assert [s.name for s in load_paths([str(folder / "b.scn")]).scenarios] == ["base"]
    # Each file's imports stay inside that file's own folder, even within a named folder.
    refused_file(folder / "sub" / "a.scn", "reaches outside the scenario folder")


def test_a_file_outside_named_on_the_command_line_is_read(outside):
    folder, _ = outside
    elsewhere = folder.parent / "elsewhere.scn"
    elsewhere.write_text(HEADER)
    assert load_paths([str(elsewhere)]).get("base").year == 2026


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_in_a_folder_or_an_import_does_not_block(outside):
    folder, _ = outside
    os.mkfifo(folder / "pipe.scn")
    (folder / "a.scn").write_text('import "pipe.scn"\n' + HEADER)
    refused_file(folder / "a.scn", "pipe.scn' is a FIFO, not a file")  # said so (item 100)
    (folder / "a.scn").write_text(HEADER)
    # Refused by name, never opened (one file policy: scendsl.files); the rest still loads.
    error = timed(load_paths, [str(folder)])
    assert isinstance(error, ScenarioError)
    assert any("pipe.scn' is a FIFO, not a file" in m for m in located(error))
    os.unlink(folder / "pipe.scn")
    assert timed(load_paths, [str(folder)]).get("base").year == 2026


def test_imports_in_scenario_text_obey_the_same_rules(outside, monkeypatch):
    folder, secret = outside
    monkeypatch.chdir(folder)
    for target, fragment in [
        (str(secret), "relative to the current folder"),
        ("../secret.scn", "reaches outside the current folder"),
        ("~/.ssh/id_rsa", "relative to the current folder"),
        ("missing.scn", "does not exist"),
    ]:
        assert_not_read(refused(f'import "{target}"\n' + HEADER, fragment))
    refused("import\n" + HEADER, "write imports as")
    refused("import other\n" + HEADER, "write imports as")
    (folder / "ok.scn").write_text("reference lab { accelerator H100\n count 1k }\n")
    assert "lab" in scendsl.load('import "ok.scn"\n' + HEADER).get("base").references


def test_diagnostics_never_read_a_file_to_quote_it_when_it_was_refused(tmp_path):
    # A file too large to parse is not read again (all of it) to quote its first line.
    big = tmp_path / "big.scn"
    big.write_text(SECRET + "\n" + "x" * P.MAX_FILE_BYTES)
    assert_not_read(refused_file(big, "larger than"))


SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@pytest.mark.parametrize(
    "header",
    [
        "scenario ../x {",
        "scenario /etc/x {",
        "scenario a/b {",
        "scenario a.b {",
        'scenario "x" {',
        "scenario x/y {",
        "scenario ~x {",
        "scenario .x {",
        "scenario {",
        "scenario a\\b {",
    ],
)
def test_scenario_names_cannot_name_a_path(header):
    # Names become output file names (`<name>.html`): only letters, digits and '_' get through.
    error = timed(scendsl.load, header + "\n  year 2026\n}\n")
    assert isinstance(error, ScenarioError)
    located(error)


def test_every_kind_of_definition_name_is_a_safe_file_name():
    for keyword in ("scenario", "sweep", "accelerator", "reference"):
        error = timed(scendsl.load, f"{keyword} a/b {{\n}}\n")
        assert any("needs a name" in m for m in located(error))
    result = scendsl.load(HEADER + "sweep grid from base { year 2025 .. 2026 }\n")
    for name in [s.name for s in result.scenarios] + [s.name for s in result.sweeps]:
        assert SAFE_NAME.match(name)


# ------------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02binary",
        b"\xff\xfe not utf-8",
        b"scenario a {\n" + b"year 2026\n" * 100_000,
        b"x " + b"[" * 50_000,
        ("scenario a {\n  count " + "1" + "_" * 19_000 + "\n}\n").encode(),
    ],
)
def test_check_refuses_hostile_files_with_exit_1_and_no_traceback(tmp_path, capsys, content):
    path = tmp_path / "hostile.scn"
    path.write_bytes(content)
    start = time.process_time()
    assert main(["check", str(path)]) == 1
    assert time.process_time() - start < SECOND
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "internal error" not in captured.err
    assert f"{path}:" in captured.err


def test_the_token_limit_can_be_raised_for_a_large_trusted_file():
    text = HEADER + "".join(
        f"scenario s{i} extends base {{ cluster.count {i + 128} }}\n" for i in range(4_000)
    )
    with pytest.raises(ScenarioError, match="more than 25,000 tokens"):
        scendsl.load(text)
    assert len(scendsl.load(text, max_tokens=100_000).scenarios) == 4_001
