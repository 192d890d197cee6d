"""scendsl: a declarative scenario language and policy-briefing compiler for AI compute.

The pipeline, one verb per stage::

    parse(text)            -> Document      syntax tree (Lark)
    load_file(path)        -> ScenarioSet   parsed + resolved typed scenarios (pydantic)
    load_text(text)        -> ScenarioSet   the same, from scenario text
    evaluate(scenario)     -> Result        every metric, with provenance; result["name"]
    explain(result, name)  -> dict          how a figure was obtained (explain --format json)
    eval_document(scenarios) -> dict        the `eval --format json` document: Monte Carlo, sweeps
    build(paths, out_dir)  -> BuildReport   briefings (Markdown, HTML): scendsl.app.build

Scenarios made or changed in Python pass the language's own checks (scendsl.app.api):

    make_scenario(name, **fields)     -> Scenario   e.g. accelerator="H100", count=1000
    with_changes(scenario, **fields)  -> Scenario   e.g. with_changes(s, mfu=0.35)

(`scendsl.scenario` is the module of the typed models, hence `make_scenario`.)

docs/api.md shows each verb with examples that the tests run.

Every stage raises `ScenarioError`, which carries all located diagnostics of the input; every
error a user can reach is a kind of `ScendslError` (scendsl.errors).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scendsl.defaults import DEFAULT_MAX_VARIANTS, VERSION
from scendsl.errors import Diagnostic, ScenarioError, ScendslError, Span

if TYPE_CHECKING:
    from scendsl.app.build import BuildReport
    from scendsl.language.syntax import Document
    from scendsl.model.evaluate import Result
    from scendsl.scenario import Scenario, ScenarioSet

__version__ = VERSION
__all__ = [
    "Diagnostic",
    "ScenarioError",
    "ScendslError",
    "Span",
    "__version__",
    "build",
    "check",
    "eval_document",
    "evaluate",
    "explain",
    "load",
    "load_file",
    "load_text",
    "make_scenario",
    "parse",
    "with_changes",
]


def parse(text: str, file: str = "<string>") -> Document:
    """Parse scenario text into a syntax tree, or raise ScenarioError."""
    from scendsl.language.parse import parse as _parse

    text = _checked_text("parse", text)
    if not isinstance(file, str):
        raise _type_error("parse", "file", "a str", file)
    return _parse(text, file)


def load_file(
    path: str | os.PathLike[str],
    *,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    max_tokens: int = 25_000,
) -> ScenarioSet:
    """Resolve a `.scn` file, or a folder of them, into typed scenarios.

    Any other file is refused without being read into the error (a path is not trusted to hold a
    scenario). Raises ScenarioError carrying every diagnostic."""
    from scendsl.language.resolve import load_paths

    path = _checked_path("load_file", path)
    max_variants = _checked_option("load_file", "max_variants", max_variants)
    max_tokens = _checked_option("load_file", "max_tokens", max_tokens)
    return load_paths([path], max_variants=max_variants, max_tokens=max_tokens)


def load_text(
    text: str,
    *,
    name: str = "<string>",
    max_variants: int = DEFAULT_MAX_VARIANTS,
    max_tokens: int = 25_000,
) -> ScenarioSet:
    """Resolve scenario text into typed scenarios; `name` stands for the file in diagnostics.
    Imports are read relative to the current folder. Raises ScenarioError."""
    from scendsl.language.resolve import load_text as _load_text

    text = _checked_text("load_text", text)
    if not isinstance(name, str):
        raise _type_error("load_text", "name", "a str", name)
    max_variants = _checked_option("load_text", "max_variants", max_variants)
    max_tokens = _checked_option("load_text", "max_tokens", max_tokens)
    return _load_text(text, name, max_variants=max_variants, max_tokens=max_tokens)


def load(
    path_or_text: str | os.PathLike[str],
    *,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    max_tokens: int = 25_000,
) -> ScenarioSet:
    """Deprecated: guesses whether its argument is a path or text; use `load_file` or
    `load_text`. Kept for existing callers: a path-like object, or a one-line string naming an
    existing file or folder, goes to `load_file` (so a non-`.scn` file is refused unread), any
    other string to `load_text`."""
    if not isinstance(path_or_text, (str, os.PathLike)):
        raise _type_error("load", "its argument", "a str or os.PathLike", path_or_text)
    if isinstance(path_or_text, os.PathLike) or (
        "\n" not in path_or_text and "\x00" not in path_or_text and os.path.exists(path_or_text)
    ):
        return load_file(path_or_text, max_variants=max_variants, max_tokens=max_tokens)
    return load_text(path_or_text, max_variants=max_variants, max_tokens=max_tokens)


def check(
    paths: list[str], *, max_variants: int = DEFAULT_MAX_VARIANTS, max_tokens: int = 25_000
) -> ScenarioSet:
    """Everything `scendsl check` verifies: load the files, then check every claim's metric
    and unit against the model. Raises ScenarioError with all diagnostics."""
    from scendsl.app.pipeline import check_files

    return check_files(
        _checked_paths("check", paths),
        _checked_option("check", "max_variants", max_variants),
        _checked_option("check", "max_tokens", max_tokens),
    )


def evaluate(scenario: Scenario) -> Result:
    """Evaluate one scenario against the shared model; returns a typed `Result`.

    The scenario's fields are checked first as the language checks them (one changed with
    pydantic's `model_copy` bypasses the checks): a wrong one raises ScenarioError naming it."""
    from scendsl.app.api import checked
    from scendsl.model.evaluate import evaluate as _evaluate
    from scendsl.scenario import Scenario

    if not isinstance(scenario, Scenario):
        raise _type_error("evaluate", "the scenario", "a Scenario (from load_file ...)", scenario)
    return _evaluate(checked(scenario))


def explain(result: Result, metric: str, depth: int | None = None) -> dict[str, Any]:
    """How `metric` of an evaluated scenario was obtained, as `scendsl explain --format json`
    prints it: `scenario`, `metric`, `missing` (the inputs that leave it n/a) and `tree`, each
    node with its text `value`, a number's `value_si` and `unit`, its formula or origin and
    sources, and its `inputs` (`depth` levels of them, all when None). KeyError with a
    did-you-mean for a name the result has not, as `result[name]`."""
    from scendsl.model.evaluate import Result as _Result
    from scendsl.report.explain import explain_document

    if not isinstance(result, _Result):
        raise _type_error("explain", "the result", "a Result (from scendsl.evaluate)", result)
    result[metric]  # the lookup raises the KeyError with its did-you-mean
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise ValueError(f"explain: depth must be a whole number of 1 or more, not {depth!r}")
    return explain_document(result, metric, depth)


def eval_document(
    scenarios: ScenarioSet,
    *,
    sweeps: bool = False,
    samples: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The document `scendsl eval --format json [--sweeps] [--samples N] [--seed S]` prints, of
    `scenarios` (from load_file or load_text), as Python data: each scenario's inputs, metrics
    and claims, with `p5`/`p50`/`p95`/`mean` and claim probabilities for those with ranges
    (`samples` Monte Carlo draws, 10,000 by default; 0: none), and with `sweeps` every sweep's
    variants. Its shape is `scendsl schema`'s `eval`; SI base units."""
    import io
    import json

    from scendsl.app.pipeline import check_sweeps_fit, evaluate_all, sweep_table
    from scendsl.defaults import DEFAULT_SAMPLES
    from scendsl.report.export import write_eval_json
    from scendsl.scenario import ScenarioSet as _ScenarioSet

    if not isinstance(scenarios, _ScenarioSet):
        raise _type_error(
            "eval_document", "the scenarios", "a ScenarioSet (from load_file ...)", scenarios
        )
    draws = DEFAULT_SAMPLES if samples is None else samples
    draws = _checked_option("eval_document", "samples", draws)
    if seed is not None:
        seed = _checked_option("eval_document", "seed", seed)
    chosen = list(scenarios.sweeps) if sweeps else []
    check_sweeps_fit(chosen)
    evaluation = evaluate_all(scenarios, draws, seed)
    out = io.StringIO()  # one writer for the command and the API: the same document
    write_eval_json(
        out, evaluation.results, evaluation.runs, chosen, sweep_table, evaluation.spreads
    )
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def make_scenario(name: str, **fields: Any) -> Scenario:
    """A scenario made in Python, checked as a `scenario` block is: fields by short name
    (`accelerator="H100"`, `count=1000`, `year=2026`, `region="US"`, `mfu=0.4`) or dotted path
    (`**{"energy.pue": 1.2}`); numbers in SI base units, or text with units (`"1.2 GW"`,
    `"30% to 45%"`). Raises ScenarioError naming each wrong field."""
    from scendsl.app.api import make_scenario as _make_scenario

    return _make_scenario(name, **fields)


def with_changes(scenario: Scenario, **fields: Any) -> Scenario:
    """A copy of `scenario` with some fields changed, checked as the language checks them
    (`count=-5` raises ScenarioError naming `cluster.count` and its bounds)."""
    from scendsl.app.api import with_changes as _with_changes
    from scendsl.scenario import Scenario

    if not isinstance(scenario, Scenario):
        raise _type_error("with_changes", "the scenario", "a Scenario", scenario)
    return _with_changes(scenario, **fields)


def build(
    paths: list[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    check: bool = False,
    samples: int | None = None,
    seed: int | None = None,
) -> BuildReport:
    """Write the briefings (Markdown and HTML) of the scenarios in `paths` to `out_dir`, all or
    nothing, as `scendsl build` does; with `check`, write nothing and list what is out of date."""
    from scendsl.app.build import build as _build

    options: dict[str, Any] = {"check": check}
    if samples is not None:
        options["samples"] = _checked_option("build", "samples", samples)
    if seed is not None:
        options["seed"] = _checked_option("build", "seed", seed)
    names = _checked_paths("build", paths)
    return _build(names, _checked_path("build", out_dir, "out_dir"), **options)


# ------------------------------------------------------------------- the verbs' arguments
# A tool builder's values reach the verbs unchecked by argparse: each verb checks its arguments
# here first, so a wrong type is a TypeError naming the verb and the argument (documented in
# docs/api.md) and a value out of the command line's bounds a ScenarioError, never an
# AttributeError or numpy's ValueError from deep inside.


def _type_error(verb: str, argument: str, wanted: str, value: object) -> TypeError:
    return TypeError(f"scendsl.{verb}() takes {argument} as {wanted}, not {type(value).__name__}")


def _checked_text(verb: str, text: object) -> str:
    if not isinstance(text, str):
        wanted = "a str (decode the bytes first)" if isinstance(text, bytes) else "a str"
        raise _type_error(verb, "the scenario text", wanted, text)
    return text


def _checked_path(verb: str, path: object, argument: str = "the path") -> str:
    """A path given as str or os.PathLike, as a str; a NUL in it (no file is named so) is a
    ScenarioError."""
    name = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(name, str):
        raise _type_error(verb, argument, "a str or os.PathLike", path)
    if "\x00" in name:
        from scendsl.terminal import visible_path

        raise ScenarioError.one(
            f"'{visible_path(name)}' holds a NUL character: no file is named so"
        )
    return name


def _checked_paths(verb: str, paths: object) -> list[str]:
    """A list of paths; one path given alone (a str is a sequence of letters) is a TypeError."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise _type_error(verb, "paths", f"a list of paths (write [{paths!r:.60}])", paths)
    if not hasattr(paths, "__iter__"):
        raise _type_error(verb, "paths", "a list of paths", paths)
    return [_checked_path(verb, path, "each path") for path in paths]


def _checked_option(verb: str, name: str, value: object) -> Any:
    """A numeric keyword argument within the bounds of the command-line option of that name
    (`defaults.NUMERIC_OPTIONS`)."""
    from scendsl.defaults import NUMERIC_OPTIONS

    kind, low, high = NUMERIC_OPTIONS["--" + name.replace("_", "-")]
    allowed = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        wanted = "a whole number" if kind is int else "a number"
        raise _type_error(verb, name, wanted, value)
    if not low <= value <= high:  # also refuses nan
        raise ScenarioError.one(
            f"{name} must be between {int(low):,} and {int(high):,}, not {value!r}"
        )
    return value
