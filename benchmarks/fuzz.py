"""Fuzz the scenario language: 100,000+ hostile inputs, none may crash, hang or go unlocated.

    python benchmarks/fuzz.py                      # 100,000 cases on every core
    python benchmarks/fuzz.py --cases 5000 --jobs 1 --seed 7
    python benchmarks/fuzz.py --evaluate           # also run the model on what the language accepts
    python benchmarks/fuzz.py --mode templates --cases 10000   # user templates (fuzz_templates.py)
    python benchmarks/fuzz.py --mode files --cases 10000       # the file policy (fuzz_files.py)
    python benchmarks/fuzz.py --mode tables --cases 300        # csv/xlsx export (fuzz_tables.py)

Four modes, one harness: `language` (the default, below), `templates` (random Jinja over the
template data, in the sandbox: benchmarks/fuzz_templates.py), `files` (random links, FIFOs and
permissions in input, template and output folders: benchmarks/fuzz_files.py) and `tables`
(formula starts and controls in file names and quotes, through `eval --format csv|csv-wide|xlsx`:
benchmarks/fuzz_tables.py). The other modes take their own options after `--mode NAME`.

Cases are mutations of the sample files (the sketch, scenarios/, the broken fixtures,
validation/cases/), token soups, random text and, one case in forty, a value written as in
prose at a hostile length (`prose_case`). Each goes through `load_text` (as text, or as a file for one case in ten, so
UTF-8 decoding and file reading are fuzzed too). The contract: the input is accepted, or refused
with a `ScenarioError` whose every diagnostic has a span (line ≥ 1, col ≥ 1) and renders; any
other exception is a failure. Failing inputs are written to `--out` with their traceback, ready to
reproduce with `scendsl check FILE`.

Prints, like benchmarks/run.py, one `name value unit` line per figure:
`fuzz_cases`, `fuzz_failures`, `fuzz_slow` (over a second), `fuzz_slowest`, `fuzz_accepted`,
`fuzz_rate`, and with --evaluate `fuzz_model_failures`. Every case is derived from (seed, index)
alone, so a run is reproducible whatever the number of processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED_FILES = sorted(
    [
        *(ROOT / "tests" / "fixtures" / "sketch").glob("*.scn"),
        *(ROOT / "scenarios").glob("**/*.scn"),
        *(ROOT / "tests" / "fixtures" / "broken").glob("**/*.scn"),
        # Context parallelism, key/value heads and activation offload (the NeMo recipes).
        *(ROOT / "validation" / "cases").glob("*.scn"),
    ]
)
SLOW = 1.0  # seconds: the contract's bound on deciding any input

SPECIAL = [
    *'{}[]",#\n±%',
    "\r\n",
    "\t",
    "\\",
    "..",
    "+/-",
    ">=",
    "~=",
    "\x00",
    "\ufeff",
    "\u2028",
    "\x0c",
    "\x85",
]
VOCABULARY = [
    "scenario",
    "sweep",
    "accelerator",
    "reference",
    "import",
    "extends",
    "from",
    "expect",
    "to",
    "correlate",
    "auto",
    "cluster",
    "energy",
    "workload",
    "market",
    "count",
    "mfu",
    "year",
    "region",
    "mix",
    "parallelism",
    "tensor",
    "context",
    "kv_heads",
    "attention_heads",
    "activation_offload_layers",
    "recompute_num_layers",
    "layers",
    "sequence_length",
    "workload.kv_heads",
    "workload.sequence_length",
    '"CA-QC"',
    '"AE-DU"',
    "NU",
    "data",
    "pue",
    "title",
    "tdp",
    "GB200",
    "H100",
    "US",
    "grid",
    "solar",
    "fp8",
    "cluster.count",
    "energy.mix",
    "workload.parameters",
    "base",
    "colossus2",
    "{",
    "}",
    "[",
    "]",
    ",",
    "..",
    "±",
    "+/-",
    ">=",
    "~=",
    "<",
    "\n",
    "\n",
    "\n",
    "100k",
    "40%",
    "1e999",
    "0",
    "-1",
    "1__0",
    "150%",
    "2T",
    "1.5",
    "1e-300",
    "1e308",
    "MW",
    "GW",
    "USD/MWh",
    "GB/s",
    "days",
    "years",
    '"text"',
    '"a\\"b"',
    '"../x.scn"',
    '"/etc/passwd"',
    '"references.scn"',
    "# c\n",
    "\t",
]
EXTREME_NUMBERS = [
    "1e999",
    "-1e999",
    "0",
    "-0",
    "1__0",
    "10_",
    "_1",
    "150%",
    "-5%",
    "1e308",
    "9" * 400,
    "1e-400",
    "0.0000001%",
    "1" + "0" * 30,
    "nan",
    "inf",
    "1e3k",
    "1.5.5",
    "1__0%",
    "10_%",
    "1e999%",
    "0%",
    "100%",
    "1e308 GW",
    "1e-320",
    "2.5",
    "1e15",
    "1e16",
    "-1",
    "1e999 to 1",
    "1 .. 1e999",
    "5 ± 1__0%",
    "5 ± 1e999%",
]
#: Values to give fields of fields.py in generated statements.
VALUES = [
    "100k",
    "40%",
    "1.25",
    "45 USD/MWh",
    "500 MW",
    "2T",
    "30% to 45%",
    "1.25 ± 10%",
    "1 to 0",
    "[50k, 100k]",
    "[]",
    "[1, 1]",
    "2025 .. 2028",
    "2028 .. 2025",
    '"text"',
    "GB200",
    "H100",
    "US",
    "XX",
    "fp8",
    "auto",
    "tensor 8, pipeline 16, data auto",
    "tensor 0",
    "stranded_gas 60%, solar 40%",
    "solar 50%, solar 50%",
    "grid 1__0%",
    "coal 150%, wind -50%",
    "megatron",
    "1 days",
    "1e999 years",
    "3",
    "0",
    "-3",
    "1e300",
    "10 GB/s",
    "5 PFLOPS ± 10%",
    "1400 W",
    "infiniband",
    "cpu",
    "full",
]


def _random_char(rng: random.Random) -> str:
    """Any code point, surrogates included (text given to the API may hold them)."""
    if rng.random() < 0.5:
        return chr(rng.randrange(0x20, 0x7F))
    return chr(rng.randrange(0, 0x110000))


def mutate(text: str, rng: random.Random) -> str:
    """Apply one to six random edits: deletions, insertions, duplications, truncation, swaps."""
    for _ in range(rng.randint(1, 6)):
        pos = rng.randint(0, len(text))
        operation = rng.randrange(10)
        if operation == 0:
            text = text[:pos] + text[pos + rng.randint(1, 40) :]
        elif operation == 1:
            text = text[:pos] + rng.choice(SPECIAL) + text[pos:]
        elif operation == 2:
            text = text[:pos] + _random_char(rng) + text[pos:]
        elif operation == 3:
            text = text[:pos] + text[pos : pos + rng.randint(1, 300)] + text[pos:]
        elif operation == 4 and rng.random() < 0.3:
            text = text[:pos]
        elif operation == 5:
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif operation == 6:
            text = text[:pos] + " " + rng.choice(VOCABULARY) + " " + text[pos:]
        elif operation == 7:  # replace the next number with an extreme one
            digits = [i for i in range(pos, min(len(text), pos + 200)) if text[i].isdigit()]
            if digits:
                start = end = digits[0]
                while end < len(text) and (text[end].isalnum() or text[end] in "._%"):
                    end += 1
                text = text[:start] + rng.choice(EXTREME_NUMBERS) + text[end:]
        elif operation == 8:  # repeat a line many times
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            lines[i : i + 1] = [lines[i]] * rng.randint(2, 50)
            text = "\n".join(lines)
        elif operation == 9:  # one name of the file in place of another: cycles, duplicates
            words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)
            if words:
                old, new = rng.choice(words), rng.choice(words)
                text = re.sub(
                    rf"\b{re.escape(old)}\b", lambda _, new=new: new, text, count=rng.choice([0, 1])
                )
        else:
            text = text[:pos] + text[pos + 1 : pos + 2] + text[pos : pos + 1] + text[pos + 2 :]
    return text


def generate(rng: random.Random) -> str:
    """Scenario-shaped text from the schema: real field names with good and bad values."""
    from scendsl.language import fields as F

    paths = F.all_scenario_paths()
    accelerator_fields = list(F.ACCELERATOR_FIGURES) + list(F.ACCELERATOR_ATTRIBUTES)
    names = ["a", "b", "c", "X", "Y", "MI300X", "H100"]
    out = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.choice(["scenario", "scenario", "accelerator", "reference", "sweep"])
        name = rng.choice(names)
        header = f"{kind} {name}"
        if kind == "sweep":
            header += f" from {rng.choice(names)}"
        elif rng.random() < 0.5:
            header += f" extends {rng.choice(names)}"
        out.append(header + " {")
        if kind == "scenario" and rng.random() < 0.7:
            out += [
                "  year 2026",
                "  region US",
                "  cluster.accelerator " + rng.choice(names),
                "  cluster.count 100k",
            ]
        for _ in range(rng.randint(0, 8)):
            if kind == "accelerator":
                field = rng.choice(accelerator_fields)
            elif kind == "reference":
                field = rng.choice(list(F.REFERENCE_FIELDS))
            else:
                field = rng.choice([*paths, "expect", "correlate"])
            value = rng.choice(VALUES + EXTREME_NUMBERS)
            if field == "expect":
                value = f"energy.facility_power {rng.choice(['>=', '~=', '<'])} {value}"
            elif field == "correlate":
                value = f"{rng.choice(paths)}, {rng.choice(paths)} {rng.choice(EXTREME_NUMBERS)}"
            out.append(f"  {field} {value}")
        out.append("}")
    return "\n".join(out) + "\n"


#: Values written as in prose, which the hints read (`100,000`, `70 billion`, `H-100`,
#: `Germany`, `NeMo`), each grown to a hostile length or given a control or bidi character.
_PROSE_FIELDS = [
    ("cluster.count", "1{groups}"),
    ("workload.parameters", "{number} billion"),
    ("workload.parameters", "70 {word}"),
    ("cluster.accelerator", "H{dashes}"),
    ("workload.framework", "{hyphens}"),
    ("workload.framework", "{alias}"),
    ("region", "{country}"),
    ("region", '"{country}"'),
]
_PROSE_WORDS = ["billion", "Billions", "thousand", "trillion", "bn", "Germany", "NeMo"]
_PROSE_ODD = ["", "\u202e", "\x1b[31m", "\u200b", "\r", "é", "\ufeff"]


def prose_case(rng: random.Random) -> str:
    """A valid scenario with one value written as in prose, at a hostile length (a hint must
    neither crash, nor take long, nor repeat the line: the ninth review, item 76)."""
    field, shape = rng.choice(_PROSE_FIELDS)
    size = rng.choice([1, 2, 3, 10, 110, 500, 1500, 4000, 6000])
    odd = rng.choice(_PROSE_ODD)
    value = shape.format(
        groups=",000" * size,
        number=rng.choice(["7", "7." + "7" * size, "9" * min(size, 300)]),
        word=rng.choice(_PROSE_WORDS) * max(1, size // 10) + odd,
        dashes="-1" * size,
        hyphens="-".join(
            rng.choice(["Ne", "Mo", "Megatron", "Core", odd or "x"]) for _ in range(size)
        ),
        alias=rng.choice(["NeMo", "Megatron-Core", "MaxText", "torchtitan", "GPT-NeoX"]) + odd,
        country=rng.choice(["Germany", "United States", "Côte d'Ivoire"]) * max(1, size // 20)
        + odd,
    )
    lines = {
        "year": "2026",
        "region": "US",
        "cluster.accelerator": "H100",
        "cluster.count": "8",
        field: value,  # in place of the line it replaces: a field written twice is refused first
    }
    return "scenario p {\n" + "".join(f"  {k} {v}\n" for k, v in lines.items()) + "}\n"


def make_case(seed: int, index: int, seeds: list[str]) -> tuple[str, str, bool]:
    """(kind, text, as_file) of case `index`: derived from (seed, index) only."""
    if index % 40 == 39:  # prose values, with their own generator (other cases unchanged)
        return "prose", prose_case(random.Random(f"prose-{seed}-{index}")), False
    rng = random.Random(seed * 1_000_003 + index)
    roll = index % 20
    if roll == 0:
        length = rng.choice([10, 100, 1000])
        text = "".join(
            _random_char(rng) if rng.random() < 0.3 else rng.choice([*SPECIAL, "a", "1", " "])
            for _ in range(rng.randint(0, length))
        )
        return "random", text, False
    if roll in (1, 2):
        tokens = [rng.choice(VOCABULARY) for _ in range(rng.randint(0, 80))]
        return "soup", "".join(t + rng.choice([" ", "", "  "]) for t in tokens), False
    if roll < 9:
        text = generate(rng)
        return "grammar", (mutate(text, rng) if roll == 8 else text), False
    text = mutate(rng.choice(seeds), rng)
    return "mutation", text, roll in (9, 10)


def check_case(text: str, as_file: bool, folder: str) -> tuple[str | None, bool, object]:
    """Run one input; (failure description or None, accepted, result)."""
    from scendsl.errors import ScenarioError
    from scendsl.language.resolve import load_paths, load_text

    try:
        if as_file:
            path = os.path.join(folder, "case.scn")
            with open(path, "wb") as handle:
                handle.write(text.encode("utf-8", "surrogatepass"))
            result = load_paths([path])
        else:
            # Not scendsl.load: it reads a one-line text naming a path ("/") as that path.
            result = load_text(text)
    except ScenarioError as error:
        if not error.diagnostics:
            return "ScenarioError without diagnostics", False, None
        for diagnostic in error.diagnostics:
            span = diagnostic.span
            if span is None or span.line < 1 or span.col < 1:
                return f"unlocated diagnostic: {diagnostic.message!r} at {span}", False, None
            try:
                diagnostic.render()
                diagnostic.to_json()
            except Exception:  # any failure to render is a finding
                return "diagnostic does not render:\n" + traceback.format_exc(), False, None
        return None, False, None
    except RecursionError:
        return "RecursionError (traceback omitted)", False, None
    except Exception:  # the point of fuzzing
        return traceback.format_exc(), False, None
    return None, True, result


def evaluate_case(result) -> str | None:
    """Run the model on an accepted input; a traceback is a model failure."""
    try:
        from scendsl.errors import ScenarioError
        from scendsl.model.claims import validate_claims
        from scendsl.model.evaluate import evaluate

        try:
            validate_claims(result)
        except ScenarioError:
            return None
        for scenario in result.scenarios[:5]:
            evaluate(scenario)
    except Exception:
        return traceback.format_exc()
    return None


def _worker_setup() -> str:
    """An empty working folder holding what the sketch imports: imports in text resolve there."""
    folder = tempfile.mkdtemp(prefix="scendsl-fuzz-")
    shutil.copy(ROOT / "tests" / "fixtures" / "sketch" / "references.scn", folder)
    os.chdir(folder)
    return folder


def run_chunk(job: tuple[int, int, int, bool]) -> dict:
    seed, start, stop, evaluate = job
    folder = _worker_setup()
    seeds = [p.read_bytes().decode("utf-8", "replace") for p in SEED_FILES]
    out = {
        "cases": 0,
        "accepted": 0,
        "failures": [],
        "model_failures": [],
        "slow": [],
        "slowest": (0.0, -1, ""),
    }
    try:
        for index in range(start, stop):
            kind, text, as_file = make_case(seed, index, seeds)
            began = time.perf_counter()
            failure, accepted, result = check_case(text, as_file, folder)
            elapsed = time.perf_counter() - began
            out["cases"] += 1
            out["accepted"] += accepted
            if failure:
                out["failures"].append((index, kind, as_file, text, failure))
            if elapsed > out["slowest"][0]:
                out["slowest"] = (elapsed, index, text)
            if elapsed > SLOW:
                out["slow"].append((index, kind, as_file, text, f"took {elapsed:.2f} s"))
            if accepted and evaluate:
                problem = evaluate_case(result)
                if problem:
                    out["model_failures"].append((index, kind, as_file, text, problem))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def save(folder: Path, prefix: str, entries) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, kind, as_file, text, problem in entries:
        stem = folder / f"{prefix}-{kind}-{index}"
        stem.with_suffix(".scn").write_bytes(text.encode("utf-8", "surrogatepass"))
        stem.with_suffix(".txt").write_text(
            f"case {index} ({kind}, {'file' if as_file else 'text'})\n{problem}\n", "utf-8"
        )


MODES = {"templates": "fuzz_templates", "files": "fuzz_files", "tables": "fuzz_tables"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--mode" in argv:
        at = argv.index("--mode")
        mode = argv[at + 1] if at + 1 < len(argv) else ""
        rest = argv[:at] + argv[at + 2 :]
        if mode in MODES:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            return __import__(MODES[mode]).main(rest)
        if mode != "language":
            print(f"fuzz.py: --mode is one of language, {', '.join(MODES)}", file=sys.stderr)
            return 2
        argv = rest
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument(
        "--out",
        default=str(ROOT / "benchmarks" / "fuzz-failures"),
        help="folder for failing inputs (created only when something fails)",
    )
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="also evaluate what the language accepts (fuzzes the model)",
    )
    args = parser.parse_args(argv)

    jobs = [
        (args.seed, start, min(start + args.chunk, args.cases), args.evaluate)
        for start in range(0, args.cases, args.chunk)
    ]
    began = time.perf_counter()
    totals = {
        "cases": 0,
        "accepted": 0,
        "failures": [],
        "model_failures": [],
        "slow": [],
        "slowest": (0.0, -1, ""),
    }
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for part in pool.imap_unordered(run_chunk, jobs):
            totals["cases"] += part["cases"]
            totals["accepted"] += part["accepted"]
            for key in ("failures", "model_failures", "slow"):
                totals[key].extend(part[key])
            totals["slowest"] = max(totals["slowest"], part["slowest"], key=lambda s: s[0])
    wall = time.perf_counter() - began

    out = Path(args.out)
    for key in ("failures", "model_failures", "slow"):
        totals[key].sort()
        if totals[key]:
            save(out, key.replace("_", "-"), totals[key][:200])
    slowest_time, slowest_index, slowest_text = totals["slowest"]
    print(f"fuzz_cases {totals['cases']} count")
    print(f"fuzz_failures {len(totals['failures'])} count")
    print(f"fuzz_slow {len(totals['slow'])} count")
    print(f"fuzz_slowest {slowest_time:.4g} s")
    print(f"fuzz_accepted {totals['accepted']} count")
    print(f"fuzz_rate {totals['cases'] / wall:.4g} cases/s")
    if args.evaluate:
        print(f"fuzz_model_failures {len(totals['model_failures'])} count")
    print(
        f"# slowest case {slowest_index} ({len(slowest_text):,} characters); "
        f"seed {args.seed}, {args.jobs} processes, {wall:.0f} s",
        file=sys.stderr,
    )
    if totals["failures"] or totals["slow"] or totals["model_failures"]:
        print(f"# failing inputs written to {out}", file=sys.stderr)
    return 1 if totals["failures"] or totals["slow"] else 0


if __name__ == "__main__":
    sys.exit(main())
