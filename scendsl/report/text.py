"""The `scendsl eval` text report: every figure of every scenario, grouped by domain, with its
90 % interval under the scenario's ranges, and every claim's verdict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from scendsl.model.registry import REGISTRY
from scendsl.report.explain import value_text
from scendsl.report.numbers import figure_text, usd_text
from scendsl.terminal import visible_path

if TYPE_CHECKING:
    from scendsl.model.evaluate import ClaimResult, Result
    from scendsl.model.uncertainty import Samples
    from scendsl.scenario import Sweep


def expected_text(claim: ClaimResult) -> str:
    """A claim's expected value as written for people: `500 MW ± 10%`."""
    node = REGISTRY.nodes.get(claim.metric)
    dimension = node.dimension if node is not None else "number"
    # In another currency: both amounts, at the claim's own rate (a result read from JSON was
    # converted by the catalog that wrote it).
    text = figure_text(claim.expected, dimension, written=claim.written, label=claim.expected_label)
    if claim.tolerance is not None:
        text += f" ± {claim.tolerance * 100:g}%"
    return text


def _ends(low: float, high: float, node: Any) -> str:
    """A range's two ends as the figure's value reads: a price written per kWh in another
    currency, per kWh in dollars (`0.149 USD/kWh to 0.223 USD/kWh`)."""
    low_text, high_text = (usd_text(end, node.dimension, node.written) for end in (low, high))
    return f"{low_text} to {high_text}"


#: The width of `eval`'s name column: at least, and at most.
_NAME_COLUMN, _NAME_COLUMN_MAX = 44, 64


def write_eval_text(
    out: IO[str],
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    spreads: dict[str, Any] | None = None,
) -> None:
    """The report `scendsl eval` prints (the sweeps by size only: csv and json list them).
    `spreads`: the default MFU's spread by scenario name (model.default_spread), whose range is
    shown after each figure that moves with it and each claim on one."""
    for result in results:
        run = runs.get(result.name)
        spread = (spreads or {}).get(result.name)
        print(f"{result.name}: {result.title}", file=out)
        domain = None
        nodes = {**result.inputs, **result.metrics}
        # Grouped by domain (inputs first), in the registry's order within each.
        order = {d: i for i, d in enumerate(dict.fromkeys(n.split(".", 1)[0] for n in nodes))}
        # One column for the values: as wide as the longest name (a reference's may be long),
        # up to a bound past which a name overflows rather than widening every line.
        width = min(_NAME_COLUMN_MAX, max(_NAME_COLUMN, *map(len, nodes)))
        for name, node in sorted(
            nodes.items(),
            key=lambda item: (order[item[0].split(".", 1)[0]], item[1].kind != "input"),
        ):
            if name.split(".", 1)[0] != domain:
                domain = name.split(".", 1)[0]
                print(f"  [{domain}]", file=out)
            line = f"    {name:<{width}} {value_text(node)}"
            summary = run.percentiles(name) if run is not None and name in run.varying() else None
            if summary is not None:
                line += f"   (90%: {_ends(summary.p5, summary.p95, node)})"
            elif spread is not None and spread.range_of(name) is not None:
                ends = spread.range_of(name)
                line += f"   (default MFU spread: {_ends(ends.low, ends.high, node)})"
            print(line, file=out)
        probabilities = run.claims if run is not None else [None] * len(result.claims)
        over = spread.claims if spread is not None else [None] * len(result.claims)
        for claim, chance, ends in zip(result.claims, probabilities, over, strict=True):
            verdict = {True: "holds", False: "FAILS", None: "n/a"}[claim.holds]
            if chance is not None and chance.probability is not None:
                verdict += f" (holds in {chance.probability:.0%} of samples)"
            if ends is not None:
                verdict += f" ({ends.verdict})"
            # A flag claim reads as written: `claim not performance.fits_in_hbm`.
            stated = (
                f"{'' if claim.expected else 'not '}{claim.metric}"
                if isinstance(claim.expected, bool)
                else f"{claim.metric} {claim.op} {expected_text(claim)}"
            )
            print(
                f"  claim {stated}: {verdict}  ({visible_path(claim.file)}:{claim.line})",
                file=out,
            )
        print(file=out)
    for sweep in sweeps:  # the variants themselves are listed by --format csv or json
        print(
            f"sweep {sweep.name}: {sweep.size:,} variants (eval --format csv lists them)", file=out
        )
