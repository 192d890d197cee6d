"""What one scenario's evaluation costs, by part and by node: where eval_one_scenario goes.

    python benchmarks/profile_eval.py                    # colossus2 of the samples
    python benchmarks/profile_eval.py bench_h100 -n 30   # another scenario, top 30 nodes
    python benchmarks/profile_eval.py --cprofile         # cProfile of the same evaluations

Parts: the steps of `evaluate` (the plan's look-up, the claims' check, running the nodes; the
rest is the results made of them and the claims checked), the same with every result kept (the
cyclic collector's share: what `eval_one_scenario` measures) and, beside it, what `scendsl check` adds to each
scenario (its warnings, as `pipeline.check_warnings` makes them). Nodes: every node run once
more with a clock around it (its look-up or formula alone, the loop's bookkeeping apart), summed
by node, by domain, by the module that declares it and by template (`divide.{ref}.x` over every
reference), least of several runs. Features are the modules and nodes named in FEATURES: what
the model's newer parts cost each evaluation. CPU time (time.process_time_ns), so a busy
machine reads near an idle one; the clock's own cost is measured and taken off each node.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: A feature: the nodes (by name prefix or exact name) that make it.
FEATURES: dict[str, tuple[str, ...]] = {
    "national share (energy.national_*)": ("energy.national_",),
    "vendor revenue (market.vendor_*)": ("market.vendor_",),
    "interruptions by memory (reliability.*memory*, accelerator_*_share)": (
        "reliability.memory_",
        "reliability.rate_memory",
        "reliability.reference_memory",
        "reliability.accelerator_",
        "reliability.interruption_rate",
    ),
    "system power by server class (cluster.server, accelerator.power_limit, system_power)": (
        "cluster.server",
        "cluster.power_limit",
        "accelerator.power_limit",
        "accelerator.system_power",
    ),
    "compare_with (divide.public_resource*)": ("divide.public_resource",),
    "the references' figures (reference.*: an evaluation mostly takes them from the memo)": (
        "reference.",
    ),
}

REPEATS = 200


def least_cpu(function: Callable[[], Any], repeats: int = REPEATS, rounds: int = 5) -> float:
    """Least CPU seconds of one call over `rounds` loops of `repeats` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeats):
            function()
        best = min(best, (time.process_time() - start) / repeats)
    return best


def node_costs(plan, scenario, catalog, rounds: int = 30) -> dict[str, float]:
    """Least CPU nanoseconds of each node's look-up or formula, the clock's own cost taken off.
    Shared reference groups run as nodes too (an evaluation mostly takes them whole)."""
    from scendsl.model import evaluate as evaluation
    from scendsl.model.context import Context

    steps = [s for g in plan.shared.groups for s in g.steps] + list(plan.shared.rest)
    clock = time.perf_counter_ns
    empty = min(-clock() + clock() for _ in range(2000))
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    for _ in range(rounds):
        values: dict[str, Any] = {}
        context = Context(scenario, catalog)
        with evaluation._quiet_numpy():
            for step in steps:
                name = step[0]
                start = clock()
                evaluation._run_steps((step,), context, values, {})
                best[name] = min(best[name], clock() - start - empty)
    return dict(best)


def template_name(name: str, refs: tuple[str, ...]) -> str:
    parts = name.split(".")
    return ".".join("{ref}" if part in refs else part for part in parts)


def show(title: str, costs: dict[str, float], total: float, count: int) -> None:
    print(f"\n{title}")
    for key, cost in sorted(costs.items(), key=lambda kv: -kv[1])[:count]:
        print(f"  {cost / 1e3:8.1f} µs {100 * cost / total:5.1f} %  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="colossus2")
    parser.add_argument("-n", type=int, default=20, help="rows shown per table")
    parser.add_argument("--cprofile", action="store_true", help="a cProfile of the evaluations")
    args = parser.parse_args()

    import scendsl
    from scendsl.catalog import load_catalog
    from scendsl.model import evaluate as evaluation
    from scendsl.model.claims import raise_on_bad_claims, reference_names
    from scendsl.model.context import Context
    from scendsl.model.scalar import python_math
    from scendsl.report.warnings import scenario_warnings

    scenario = scendsl.load(str(ROOT / "scenarios")).get(args.scenario)
    catalog = load_catalog()
    result = evaluation.evaluate(scenario, catalog)
    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(REPEATS):
            evaluation.evaluate(scenario, catalog)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.n)
        return

    refs = tuple(reference_names(scenario, catalog))
    plan = evaluation._plan(refs)
    kept: list[Any] = []

    def keeping() -> None:
        if len(kept) >= REPEATS:
            kept.clear()
        kept.append(evaluation.evaluate(scenario, catalog))

    parts = {
        "evaluate (whole), each result dropped": lambda: evaluation.evaluate(scenario, catalog),
        "evaluate (whole), results kept (as eval_one_scenario: the collector walks them)": (
            keeping
        ),
        "  reference names and plan": lambda: evaluation._plan(
            tuple(reference_names(scenario, catalog))
        ),
        "  claims' names checked": lambda: raise_on_bad_claims(scenario, plan.infos),
        "  nodes run (_computed)": lambda: evaluation._computed(plan, scenario, catalog),
        "    of which the references' groups, taken whole from the memo": lambda: (
            evaluation._run_groups(plan.shared, Context(scenario, catalog), {}, {})
        ),
        "check's warnings (beside evaluate)": lambda: scenario_warnings(result),
    }
    print(
        f"{scenario.name}: {len(plan.nodes)} nodes ({len(refs)} references), "
        f"{len(scenario.claims)} claims; CPU per evaluation, least of 5 × {REPEATS}"
    )
    with python_math():
        for label, function in parts.items():
            print(f"  {least_cpu(function) * 1e3:7.3f} ms  {label}")

    costs = node_costs(plan, scenario, catalog)
    total = sum(costs.values())
    kinds = {node.name: node.kind for node, _ref in plan.nodes}
    modules = {node.name: node.compute.__module__.rsplit(".", 1)[-1] for node, _ref in plan.nodes}
    grouped = sum(len(group.steps) for group in plan.shared.groups)
    print(f"\n(the {grouped} nodes of the references' groups are run one by one below too)")
    print(
        f"nodes one by one: {total / 1e6:.3f} ms in all; inputs "
        f"{sum(c for n, c in costs.items() if kinds[n] == 'input') / 1e3:.0f} µs, metrics "
        f"{sum(c for n, c in costs.items() if kinds[n] == 'metric') / 1e3:.0f} µs"
    )
    by: dict[str, dict[str, float]] = {
        "domain": defaultdict(float),
        "module": defaultdict(float),
        "template": defaultdict(float),
        "feature": defaultdict(float),
    }
    for name, cost in costs.items():
        by["domain"][name.split(".", 1)[0]] += cost
        by["module"][modules[name]] += cost
        by["template"][template_name(name, refs)] += cost
        for feature, prefixes in FEATURES.items():
            if any(name.startswith(prefix) for prefix in prefixes):
                by["feature"][feature] += cost
    show("by feature (of the nodes one by one)", by["feature"], total, args.n)
    show("by domain", by["domain"], total, args.n)
    show("by module", by["module"], total, args.n)
    show("by node (a template summed over the references)", by["template"], total, args.n)


if __name__ == "__main__":
    main()
