"""Fuzz the table exports (`eval --format csv|csv-wide|xlsx`) with hostile text.

    python benchmarks/fuzz_tables.py --cases 300 --seed 1

Each case writes one scenario whose file name, title, claim quote and a figure's own source
(`price 95 USD/MWh source "..."`, the `source` column) are random text drawn from what
attacks a spreadsheet or a terminal: formula starts (`= + - @`, tab, CR), quotes, C0 and C1
controls, bidi overrides, invisible characters, CJK and emoji. It runs `scendsl eval` in this
process in one of the three table formats, written to a file.

The contract: the command exits 0 or 1 (a located error), never with an internal error; in a
CSV no text cell starts like a formula (numbers excepted) and no cell holds a control, bidi or
invisible character; an xlsx is a valid zip whose sheets hold no formula (`<f>`). Prints
`fuzz_table_cases N`, `fuzz_table_internal_errors N`, `fuzz_table_formulas N`,
`fuzz_table_controls N`, `fuzz_table_refused N` and the rate.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENARIO = """scenario fuzzed {
  title "TITLE"
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 1000
  energy.price 95 USD/MWh source "SOURCE"
  expect energy.facility_power > 1 MW "QUOTE"
}
"""
#: What a case's text is drawn from: formula starts, quoting, controls, bidi, invisible, wide.
POOL = (
    list("=+-@=+-@\t\r\n\"\\'|!;,. ()[]{}$%&*/:<>?^`~")
    + [chr(c) for c in range(1, 32)]
    + ["\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\u2028"]
    # beyond the first plane: tag characters, a musical format character (item 134)
    + ["\U000e0041", "\U000e007f", "\U0001d173", "\u0600", "\uffa0"]
    + list("abcXYZ019")
    + ["表", "😀", "é", "ß"]
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(rng: random.Random, limit: int) -> str:
    start = rng.choice("=+-@\t\x1ba")
    return start + "".join(rng.choice(POOL) for _ in range(rng.randint(0, limit)))


def _file_name(rng: random.Random) -> str:
    name = "".join(c for c in _text(rng, 30) if c not in "/\x00")
    while len(os.fsencode(name + ".scn")) > 200:
        name = name[:-1]
    return (name or "x") + ".scn"


def _quote(rng: random.Random) -> str:
    # A line break ends a string literal ("unterminated string"): file names carry those.
    text = _text(rng, 60).replace("\n", " ").replace("\r", " ")
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _hidden(char: str) -> bool:
    """A control, format, line or paragraph separator character (Unicode's categories, not the
    tool's own list, so that a character the list lacks is seen), a tab and a line feed
    aside."""
    import unicodedata

    return char not in "\t\n" and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def check_case(seed: int, index: int, folder: Path) -> tuple[str, str | None]:
    """(outcome, problem): outcome is `ok` or `refused`; problem None when the contract held."""
    from scendsl.cli import main

    rng = random.Random(f"{seed}:{index}")
    fmt = rng.choice(["csv", "csv-wide", "xlsx"])
    case = folder / str(index)
    case.mkdir()
    source = case / _file_name(rng)
    text = SCENARIO.replace("QUOTE", _quote(rng)).replace("SOURCE", _quote(rng))
    source.write_text(text.replace("TITLE", _quote(rng)), encoding="utf-8")
    out = case / ("table.xlsx" if fmt == "xlsx" else "table.csv")
    errors = io.StringIO()
    # Named relative to the current folder, as an analyst would: the `origin` cells start
    # with the file name itself.
    with (
        contextlib.chdir(case),
        contextlib.redirect_stderr(errors),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        try:
            code = main(["eval", "--format", fmt, "-o", str(out), "--", source.name])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    if "internal error" in errors.getvalue() or code not in (0, 1):
        return "failed", f"internal error (exit {code}): {errors.getvalue()[-300:]}"
    if code == 1:
        return "refused", None
    if fmt == "xlsx":
        with zipfile.ZipFile(out) as archive:
            for name in archive.namelist():
                if "worksheets" in name and b"<f>" in archive.read(name):
                    return "failed", f"formula in {name}"
        return "ok", None
    text = out.read_text(encoding="utf-8")
    # Read as spreadsheets of every locale read a CSV: cells split at `,`, or at `;` (German,
    # French ... Excel), or at tabs; each as written and with its blanks trimmed (an import told
    # to trim spaces).
    cells = [
        cell
        for delimiter in (",", ";", "\t")
        for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        for cell in row
    ]
    for cell in cells:
        for read in (cell, cell.strip()):
            if read.startswith(FORMULA_STARTS):
                try:
                    float(read)
                except ValueError:
                    return "failed", f"formula-like cell {read!r}"
        if any(_hidden(c) for c in cell):
            return "failed", f"control character in cell {cell!r}"
    return "ok", None


def run(cases: int, seed: int) -> dict:
    counts = {"ok": 0, "refused": 0, "failed": 0}
    problems: list[tuple[int, str]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-tables-") as temporary:
        for index in range(cases):
            outcome, problem = check_case(seed, index, Path(temporary))
            counts[outcome] += 1
            if problem is not None:
                problems.append((index, problem))
    return {**counts, "problems": problems, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="failures to print")
    args = parser.parse_args(argv)
    result = run(args.cases, args.seed)
    for index, problem in result["problems"][: args.show]:
        print(f"--- case {index}: {problem}", file=sys.stderr)
    internal = sum(1 for _, p in result["problems"] if p.startswith("internal"))
    print(f"fuzz_table_cases {args.cases}")
    print(f"fuzz_table_internal_errors {internal}")
    print(f"fuzz_table_formulas {sum(1 for _, p in result['problems'] if 'formula' in p)}")
    print(f"fuzz_table_controls {sum(1 for _, p in result['problems'] if 'control' in p)}")
    print(f"fuzz_table_refused {result['refused']}")
    print(f"fuzz_table_rate {args.cases / max(result['seconds'], 1e-9):.1f} cases/s")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
