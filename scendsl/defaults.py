"""Defaults shared by the command line, the library API and the model, written once.

Plain constants and no imports beyond `typing`: anything may read them, even `scendsl check`
at start-up.
"""

from typing import Literal, get_args

#: The Monte Carlo seed: fixed so that every run of the same scenario gives the same numbers.
DEFAULT_SEED = 20251126

#: Monte Carlo draws per scenario with ranges (`--samples`, the briefings).
DEFAULT_SAMPLES = 10_000

#: This scendsl's version (`scendsl.__version__`, `--version`, the eval JSON's `scendsl`), here so
#: that every layer may read it; pyproject.toml carries the same.
VERSION = "0.1.0"

#: Largest `eval --format json` file `scendsl diff` reads (bytes): a result file is read whole.
MAX_RESULT_JSON_BYTES = 128 * 2**20

#: Most characters of a name (a scenario's, a definition's): names become page file names, and
#: this keeps them within every file system's limit. `scendsl diff` reads no longer name.
MAX_NAME_LENGTH = 100

#: A name of the language (a scenario, a sweep, an accelerator, a reference): ASCII letters,
#: digits and `_`, not starting with a digit. A figure's name is such names joined by dots
#: (`energy.facility_power`). `scendsl diff` reads no other name from a result file.
NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"

#: Largest template file read, in bytes (`report.sandbox`); here so that the build cache's
#: digest of a templates folder reads no more of a file without importing the renderer.
MAX_TEMPLATE_FILE = 1_000_000

#: Most characters of one line of a scenario file, so of any text a scenario writes (a string
#: holds at most 10,000): `scendsl diff` reads no longer text from a result file.
MAX_LINE_LENGTH = 20_000

#: Most folders, and entries in all, the editor's completion of `import "` looks through for
#: `.scn` files beside the document (2,000 folders take about 20 ms, 20,000 entries of one
#: folder about 15 ms; it stops after the folder that passes the second, of which it reads as
#: many at most): a document in a large tree (a home folder) or beside a folder of a million
#: files is completed from the first of them, not after a walk of all of them at each keystroke.
MAX_IMPORT_COMPLETION_FOLDERS = 2_000
MAX_IMPORT_COMPLETION_ENTRIES = 20_000

#: Most variants a sweep may have (`--max-variants`): bigger ones are refused when loaded.
DEFAULT_MAX_VARIANTS = 1_000_000

#: Memory the model's arrays may take, in bytes, declared once for what a small file can make
#: large: a Monte Carlo run (samples × nodes × 8, `uncertainty.MONTE_CARLO_MEMORY_BUDGET`) and a
#: sweep's table (its variants × the figures kept × 8, each figure on the axes it depends on,
#: `sweep.check_sweep_memory`); a sweep evaluates in chunks whose arrays take at most half of it.
#: Each is refused before anything is computed.
ARRAY_MEMORY_BUDGET = 2 * 1024**3

#: The training frameworks `workload.framework` accepts, declared once: the scenario type, the
#: language's choices, the model's per-framework defaults and shares, and the editor's completions
#: all read this list (each name needs its defaults in catalog/frameworks.toml and
#: `framework_efficiency_<name>` in calibration.toml; the catalog checks both when it loads).
Framework = Literal["megatron", "deepspeed", "neox", "fsdp", "jax"]
FRAMEWORKS: tuple[str, ...] = get_args(Framework)

#: The activation recomputation levels `workload.recompute` accepts, declared once: the scenario
#: type, the language's choices and the frameworks' defaults (catalog/frameworks.toml) read it.
#: `elementwise` keeps every weight matmul's output and recomputes the rest (MaxText's
#: remat_policy 'minimal'), `mlp_input` all but the MLP's input projections (its
#: 'save_dot_except_mlpwi'); the others are described in docs/language.md.
Recompute = Literal["none", "selective", "full", "offload", "elementwise", "mlp_input"]
RECOMPUTE_LEVELS: tuple[str, ...] = get_args(Recompute)

#: The purchase-price series whose prices are accelerators.toml's `price` tables (reported prices,
#: each sourced). Every other series of market.toml's [price_series] keeps its own [purchase]
#: tables, and gives way to these where it has no price for an accelerator.
ACCELERATOR_PRICE_SERIES = "market"

#: What a comparison entity of the compute divide is (catalog references.toml, `reference`).
ReferenceKind = Literal["university", "open_source_lab", "national_resource"]
REFERENCE_KINDS: tuple[str, ...] = get_args(ReferenceKind)

#: The numeric options of the command line and the library API, each with its type and bounds,
#: declared once: argparse checks the command line's (`cli._bounded`, exit 2) and the package's
#: verbs check their keyword arguments of the same name (`scendsl._checked_option`).
NUMERIC_OPTIONS: dict[str, tuple[type, float, float]] = {
    "--samples": (int, 0, 100_000_000),  # memory is checked again against the scenarios
    "--seed": (int, 0, 2**64 - 1),  # numpy's seed sequence takes non-negative integers
    "--max-variants": (int, 1, 1_000_000_000),
    "--max-tokens": (int, 1, 10_000_000),  # more tokens than an 8 MiB file can hold
    "--threshold": (float, 0.0, 1e9),
    "--port": (int, 0, 65535),
    "--depth": (int, 1, 10_000),  # `explain`: levels of the derivation tree shown
}

#: What `scendsl list` can list (scendsl.report.listing makes each): here so that the command
#: line's parser offers them without importing the listings.
LIST_KINDS: tuple[str, ...] = (
    "accelerators",
    "regions",
    "energy-sources",
    "metrics",
    "references",
    "currencies",
    "price-series",
    "rules",
)
