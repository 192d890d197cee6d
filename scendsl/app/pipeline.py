"""Load, evaluate with Monte Carlo, find by name: what every command does with scenarios.

One function per step, shared by `eval`, `explain`, `diff` and `build`, so that the commands
agree on what a scenario's numbers are. Errors are ScenarioError (located diagnostics).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from scendsl.defaults import DEFAULT_MAX_VARIANTS, DEFAULT_SAMPLES

if TYPE_CHECKING:
    from scendsl.catalog import Catalog
    from scendsl.errors import Diagnostic
    from scendsl.language.resolve import ParsedFiles
    from scendsl.model.evaluate import Result
    from scendsl.model.sweep import SweepTable
    from scendsl.model.uncertainty import Samples, Sensitivity
    from scendsl.scenario import Scenario, ScenarioSet, Sweep


def load(
    paths: Sequence[str],
    max_variants: int | None = None,
    max_tokens: int | None = None,
    visited: dict[str, str] | None = None,
    parsed: ParsedFiles | None = None,
) -> ScenarioSet:
    """The scenarios of the files and folders named on the command line, resolved together
    (one namespace); raises ScenarioError with every diagnostic. `visited` receives every
    scenario file read (shown path -> real path); `parsed` keeps their documents for the next
    load in this process (unchanged files are not parsed again)."""
    from scendsl.language.parse import MAX_TOKENS
    from scendsl.language.resolve import load_paths

    return load_paths(
        list(paths),
        max_variants=DEFAULT_MAX_VARIANTS if max_variants is None else max_variants,
        max_tokens=MAX_TOKENS if max_tokens is None else max_tokens,
        visited=visited,
        parsed=parsed,
    )


def check_files(
    paths: Sequence[str],
    max_variants: int | None = None,
    max_tokens: int | None = None,
    visited: dict[str, str] | None = None,
    parsed: ParsedFiles | None = None,
) -> ScenarioSet:
    """Everything `scendsl check` verifies of the files and folders `paths`: `load` them, then
    check every claim's metric and unit against the model (raises ScenarioError); `visited`
    and `parsed` are as for `load`."""
    from scendsl.model.claims import validate_claims

    scenarios = load(paths, max_variants, max_tokens, visited, parsed)
    validate_claims(scenarios)
    return scenarios


def find_scenario(scenarios: ScenarioSet, name: str) -> Scenario | None:
    """A scenario or sweep variant by name (a variant is made alone: a million-variant sweep
    is not expanded); None if there is none."""
    for scenario in scenarios.scenarios:
        if scenario.name == name:
            return scenario
    if "[" in name:
        for sweep in scenarios.sweeps:
            if name.startswith(sweep.name + "["):
                variant = sweep.variant_named(name)
                if variant is not None:
                    return variant
    return None


def sample_each(
    scenarios: Iterable[Scenario], samples: int, seed: int, catalog: Catalog | None = None
) -> Iterator[tuple[Scenario, Samples]]:
    """The Monte Carlo run (`samples` draws with `seed`) of each scenario that carries ranges,
    one at a time. The memory budget is the caller's to check (check_sample_budget)."""
    from scendsl.model.uncertainty import has_uncertainty, sample

    for scenario in scenarios:
        if has_uncertainty(scenario):
            yield scenario, sample(scenario, samples, seed, catalog)


def monte_carlo(scenarios: Sequence[Scenario], samples: int, seed: int) -> dict[str, Samples]:
    """Monte Carlo runs (by scenario name) of the scenarios that carry ranges, held together;
    none with `samples` 0."""
    if samples <= 0:
        return {}
    from scendsl.model.uncertainty import check_sample_budget

    check_sample_budget(scenarios, samples)  # the runs are held together
    from scendsl.model.uncertainty import has_uncertainty
    from scendsl.progress import progress

    runs: dict[str, Samples] = {}
    total = sum(1 for scenario in scenarios if has_uncertainty(scenario))
    # A bar on the terminal for long runs (`eval --samples 1000000`), nothing when piped.
    with progress(total, f"Monte Carlo ({samples:,} samples)") as ticker:
        for scenario, run in sample_each(scenarios, samples, seed):
            runs[scenario.name] = run
            ticker.advance()
    return runs


def evaluate_one(scenario: Scenario) -> Result:
    """One scenario (or sweep variant) evaluated against the shared model."""
    from scendsl.model.evaluate import evaluate

    return evaluate(scenario)


def spread_of(
    scenario: Scenario, metric: str, samples: int, seed: int
) -> tuple[Samples, Sensitivity] | None:
    """The Monte Carlo run of `scenario` and the ranking of its inputs by their swing on
    `metric` (what `explain` shows); None without ranges or samples."""
    runs = monte_carlo([scenario], samples, seed)
    if scenario.name not in runs:
        return None
    from scendsl.model.uncertainty import sensitivity

    run = runs[scenario.name]
    return run, sensitivity(scenario, run, metrics=[metric])


@dataclass(frozen=True)
class Evaluation:
    """Every plain scenario's result, in file order, the Monte Carlo runs by name, and the
    default MFU's spread by name (scenarios without cluster.mfu; model.default_spread)."""

    results: list[Result]
    runs: dict[str, Samples]
    spreads: dict[str, Any] = field(default_factory=dict)

    def write_json(self, out: IO[str], sweeps: Sequence[Sweep]) -> None:
        """The `eval --format json` document of these results and of `sweeps` (each sweep's
        table evaluated as it is written): one writer for the command and
        `scendsl.eval_document`, so the two documents cannot drift apart."""
        from scendsl.report.export import write_eval_json

        write_eval_json(out, self.results, self.runs, sweeps, sweep_table, self.spreads)


def evaluate_all(
    scenarios: ScenarioSet, samples: int = 0, seed: int | None = None, spreads: bool = True
) -> Evaluation:
    """Evaluate every plain scenario (not the sweeps' variants), with `samples` Monte Carlo
    draws of those that carry ranges (0: none) and, unless `spreads` is false, the default
    MFU's spread of those that lean on it."""
    from scendsl.model.evaluate import evaluate

    results = [evaluate(scenario) for scenario in scenarios.scenarios]
    runs = monte_carlo(scenarios.scenarios, samples, _seed(seed))
    if not spreads:
        return Evaluation(results, runs)
    from scendsl.model.default_spread import default_spread

    found = {}
    for scenario, result in zip(scenarios.scenarios, results, strict=True):
        spread = default_spread(scenario, result=result)
        if spread is not None:
            found[scenario.name] = spread
    return Evaluation(results, runs, found)


def _seed(seed: int | None) -> int:
    from scendsl.defaults import DEFAULT_SEED

    return DEFAULT_SEED if seed is None else seed


@dataclass(frozen=True)
class MonteCarloRun:
    """What the briefings use of a Monte Carlo run (scendsl.model.uncertainty.Samples) and of
    its sensitivity ranking: plain data that a worker process can send back."""

    scenario: str
    size: int
    seed: int
    laws: tuple[Any, ...]  # InputLaw per uncertain input
    claims: tuple[Any, ...]  # ClaimProbability per claim, in the scenario's order
    held: tuple[str, ...]
    notes: tuple[str, ...]
    #: P5/P50/P95/mean (uncertainty.Summary) of every number node that moves with the ranges.
    summaries: dict[str, Any]
    ranking: Any  # uncertainty.Sensitivity of the headline metrics

    def varying(self) -> list[str]:
        return list(self.summaries)

    def percentiles(self, name: str) -> Any:
        """P5/P50/P95/mean of `name`; None when it does not move with the ranges."""
        return self.summaries.get(name)


def monte_carlo_runs(
    scenarios: Sequence[Scenario], samples: int = DEFAULT_SAMPLES, seed: int | None = None
) -> dict[str, MonteCarloRun]:
    """Monte Carlo (`samples` draws, `seed` or the fixed default) and sensitivity of every
    scenario that carries ranges, by scenario name, summarised for the briefings."""
    if samples <= 0:
        return {}
    from scendsl.catalog import load_catalog
    from scendsl.model.uncertainty import sensitivity

    catalog = load_catalog()
    runs = {}
    for scenario, run in sample_each(scenarios, samples, _seed(seed), catalog):
        if not run.laws:
            # has_uncertainty also counts a range in an accelerator block the scenario does
            # not use: no input is drawn, nothing varies.
            continue
        runs[scenario.name] = MonteCarloRun(
            scenario.name,
            run.size,
            run.seed,
            run.laws,
            run.claims,
            run.held,
            run.notes,
            run.varying_summaries(),
            sensitivity(scenario, run, catalog=catalog),
        )
    return runs


def check_warnings(scenarios: ScenarioSet, paths: Sequence[str] = ()) -> list[Diagnostic]:
    """The located warnings of every plain scenario (evaluated without Monte Carlo): what
    `scendsl check` prints after the errors it would have raised, for the files and folders
    `paths`. Sweep variants are not evaluated here (a sweep may hold a million of them). A
    scenario checked before as it is now is not evaluated again (`app.kept_warnings`)."""
    from scendsl.app.kept_warnings import kept_warnings

    texts = scenarios.texts
    return kept_warnings(
        scenarios.scenarios, paths, lambda some: _each_warnings(some, texts), texts
    )


def _each_warnings(scenarios: list[Scenario], texts: Mapping[str, str]) -> list[list[Diagnostic]]:
    """The warnings of each of `scenarios`, evaluated, quoting their lines from `texts`."""
    from scendsl.model.evaluate import evaluate
    from scendsl.model.scalar import python_math
    from scendsl.report.warnings import warning_diagnostics

    # Warnings rest on the figures alone: no spread is worked out for them. Python's math
    # (no numpy to import) may differ from numpy's in a figure's last bit, which no warning
    # shows; what writes figures evaluates with numpy's.
    with python_math():
        return [warning_diagnostics([evaluate(scenario)], texts) for scenario in scenarios]


@dataclass(frozen=True)
class Reviewed:
    """What `diff` compares of one version: every plain scenario and every sweep, evaluated."""

    results: list[Result]
    sweeps: list[SweepTable]


def review(scenarios: ScenarioSet) -> Reviewed:
    """Every plain scenario of `scenarios` and every sweep's variants (vectorised), evaluated
    without Monte Carlo: what `diff` compares. Check the sweeps with `check_sweeps_fit(...,
    together=True)` first: their tables are held together."""
    return Reviewed(
        evaluate_all(scenarios).results, [sweep_table(sweep) for sweep in scenarios.sweeps]
    )


def check_sweeps_fit(sweeps: Iterable[Sweep], *, together: bool = False) -> None:
    """Raise a located ScenarioError at the first sweep whose table would not fit the memory
    budget, before anything is evaluated or written (a table to standard output is streamed).
    `together`: the tables are held at once (a diff's, of both sides), so they share the one
    budget; else each is made and let go in turn (`eval --sweeps`) and has it whole."""
    from scendsl.model.sweep import check_sweep_memory

    held = 0
    for sweep in sweeps:
        need = check_sweep_memory(sweep, held=held)
        if together:
            held += need


def sweep_table(sweep: Sweep, nodes: Sequence[str] | None = None) -> SweepTable:
    """Every variant of `sweep` evaluated with the vectorised engine (`nodes`: only those
    figures), a progress bar on the terminal meanwhile."""
    from scendsl.model.sweep import evaluate_sweep
    from scendsl.progress import progress

    with progress(sweep.size, f"sweep {sweep.name}") as ticker:
        if nodes is None:
            return evaluate_sweep(sweep, on_progress=ticker.advance)
        return evaluate_sweep(sweep, nodes=list(nodes), on_progress=ticker.advance)
