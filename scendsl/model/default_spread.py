"""The default MFU's spread, carried to the figures of a scenario that gives no `cluster.mfu`.

The default MFU (catalog calibration.default_mfu) is one figure for runs that achieved anywhere
from the high 30s to the mid 50s per cent; a scenario that leans on it gets a range, not a false
point. The spread's two ends are data (calibration.default_mfu_low and default_mfu_high, each
sourced). The figures that depend on the MFU (training time, energy of the run, its cost ...) are
monotone in it, so evaluating the scenario at the two ends gives their exact interval: one
vectorised pass (scendsl.model.engine.run_frames) of three rows (low end, the default, high end)
through the nodes downstream of `cluster.default_mfu`, every other node held at its value. A
figure whose value at the default falls outside its two ends is not monotone in the MFU: it
gets no range and is named in `not_monotone`.

A claim on a figure that moves is checked at both ends: it holds over the whole range, fails over
it, or holds at one end only (`ClaimSpread.verdict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from scendsl.catalog import Catalog, load_catalog
from scendsl.model.context import claims_in_usd
from scendsl.model.engine import gather_category, gather_number, run_frames
from scendsl.model.evaluate import Result, claim_holds, evaluate, nodes_for
from scendsl.model.registry import Node
from scendsl.scenario import Scenario

#: The input whose spread is carried, and the catalog figures of its two ends.
SPREAD_INPUT = "cluster.default_mfu"
LOW_KEY = "default_mfu_low"
HIGH_KEY = "default_mfu_high"

#: Relative slack when checking that the value at the default lies between the two ends.
_MONOTONE_SLACK = 1e-9


@dataclass(frozen=True)
class FigureSpread:
    """One figure over the default MFU's spread."""

    at_low: float  # the figure with the default MFU at the spread's low end
    at_high: float  # ... at its high end

    @property
    def low(self) -> float:
        return min(self.at_low, self.at_high)

    @property
    def high(self) -> float:
        return max(self.at_low, self.at_high)

    def as_dict(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high, "at_low": self.at_low, "at_high": self.at_high}


@dataclass(frozen=True)
class ClaimSpread:
    """An `expect` checked at the spread's two ends (None: n/a there)."""

    metric: str
    holds_at_low: bool | None
    holds_at_high: bool | None

    @property
    def over_whole_range(self) -> bool | None:
        """True when it holds at both ends, False when it fails at both, None otherwise. The
        figure is monotone in the MFU, so a threshold that holds at both ends holds between."""
        if self.holds_at_low is None or self.holds_at_high is None:
            return None
        if self.holds_at_low == self.holds_at_high:
            return self.holds_at_low
        return None

    @property
    def verdict(self) -> str:
        """How the claim fares over the spread, as a sentence part."""
        whole = self.over_whole_range
        if whole is True:
            return "holds over the default MFU's whole range"
        if whole is False:
            return "fails over the default MFU's whole range"
        if self.holds_at_low is None or self.holds_at_high is None:
            return "n/a at an end of the default MFU's range"
        end = "low" if self.holds_at_low else "high"
        return f"holds only towards the {end} end of the default MFU's range"

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "holds_at_low": self.holds_at_low,
            "holds_at_high": self.holds_at_high,
            "over_whole_range": self.over_whole_range,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class DefaultSpread:
    """A scenario evaluated at both ends of the default MFU's spread."""

    scenario: str
    input: str
    low: float
    default: float
    high: float
    low_source: str
    high_source: str
    #: Every number that moves with the default MFU (the input itself included), by name.
    figures: dict[str, FigureSpread]
    #: One per claim of the scenario, in its order; None for a claim whose figure does not move.
    claims: tuple[ClaimSpread | None, ...]
    #: Figures that move but are not monotone in the MFU: shown without a range.
    not_monotone: tuple[str, ...] = ()

    def range_of(self, name: str) -> FigureSpread | None:
        return self.figures.get(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON output (deterministic)."""
        return {
            "input": self.input,
            "low": self.low,
            "default": self.default,
            "high": self.high,
            "low_source": self.low_source,
            "high_source": self.high_source,
            "figures": {name: spread.as_dict() for name, spread in self.figures.items()},
            "claims": [None if c is None else c.as_dict() for c in self.claims],
            "not_monotone": list(self.not_monotone),
        }


def default_spread(
    scenario: Scenario, catalog: Catalog | None = None, result: Result | None = None
) -> DefaultSpread | None:
    """The scenario's figures at both ends of the default MFU's spread; None when the scenario
    gives its own `cluster.mfu` (or the model does not read the default). `result` is the
    scenario's evaluation, when the caller has it (it is not redone)."""
    catalog = catalog or load_catalog()
    if result is None:
        result = evaluate(scenario, catalog)
    default = result.inputs.get(SPREAD_INPUT)
    if default is None or not isinstance(default.value, (int, float)):
        return None
    low_figure = catalog.calibration[LOW_KEY]
    high_figure = catalog.calibration[HIGH_KEY]
    centre = float(default.value)
    nodes = [node for node, _ref in nodes_for(scenario, catalog)]
    downstream = _downstream(nodes, SPREAD_INPUT)
    values: dict[str, Any] = {name: node.value for name, node in result.inputs.items()}
    values.update(
        (name, node.value) for name, node in result.metrics.items() if name not in downstream
    )
    values[SPREAD_INPUT] = np.asarray([low_figure.value, centre, high_figure.value])
    metrics = [node for node in nodes if node.name in downstream]
    frames = run_frames(metrics, values, 3)
    figures: dict[str, FigureSpread] = {
        SPREAD_INPUT: FigureSpread(low_figure.value, high_figure.value)
    }
    not_monotone: list[str] = []
    for node in metrics:
        if node.value_type != "number":
            continue
        column = gather_number(frames, node.name, 3)
        if not isinstance(column, np.ndarray):
            continue  # the same value at every end: it does not move
        at_low, at_centre, at_high = (float(v) for v in column)
        if not all(math.isfinite(v) for v in (at_low, at_centre, at_high)):
            if len({at_low, at_centre, at_high}) > 1 or math.isnan(at_centre):
                not_monotone.append(node.name)
            continue
        if at_low == at_high == at_centre:
            continue
        slack = _MONOTONE_SLACK * max(abs(at_low), abs(at_high))
        if not min(at_low, at_high) - slack <= at_centre <= max(at_low, at_high) + slack:
            not_monotone.append(node.name)
            continue
        figures[node.name] = FigureSpread(at_low, at_high)
    by_name = {node.name: node for node in nodes}
    claims = tuple(
        _claim_spread(claim, frames, by_name.get(claim.metric))
        if claim.metric in downstream or claim.metric == SPREAD_INPUT
        else None
        for claim in claims_in_usd(scenario)
    )
    return DefaultSpread(
        scenario.name,
        SPREAD_INPUT,
        low_figure.value,
        centre,
        high_figure.value,
        low_figure.source,
        high_figure.source,
        figures,
        claims,
        tuple(not_monotone),
    )


def _downstream(nodes: list[Node], start: str) -> set[str]:
    """Names of the metrics that read `start`, directly or through other metrics (the nodes
    are in evaluation order, so one pass finds them all)."""
    reached = {start}
    for node in nodes:
        if node.kind == "metric" and any(name in reached for name in node.inputs):
            reached.add(node.name)
    reached.discard(start)
    return reached


def _claim_spread(claim: Any, frames: list, node: Node | None) -> ClaimSpread:
    """Whether the claim holds at the low end (row 0) and at the high end (row 2)."""
    ends: list[bool | None] = []
    if claim.dimension in ("category", "bool"):
        categories = gather_category(frames, claim.metric, 3)
        order = node.choices if node is not None and node.ordered else ()
        for row in (0, 2):
            actual = categories.value(row)
            held = (
                None if actual is None else claim_holds(claim.op, actual, claim.value, None, order)
            )
            ends.append(None if held is None else bool(held))
        return ClaimSpread(claim.metric, ends[0], ends[1])
    numbers = gather_number(frames, claim.metric, 3)
    if isinstance(numbers, np.ndarray):
        column = numbers
    else:  # the claim's figure does not move: the same value at both ends
        column = np.full(3, math.nan if numbers is None else float(numbers))
    for row in (0, 2):
        actual = float(column[row])
        if math.isnan(actual):
            ends.append(None)
        else:
            ends.append(bool(claim_holds(claim.op, actual, claim.value, claim.tolerance)))
    return ClaimSpread(claim.metric, ends[0], ends[1])
