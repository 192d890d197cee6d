"""Results as plain data: the stable JSON shape tool builders read.

```
{"scenarios": [{"name", "title", "inputs": {...}, "metrics": {"<metric>": {"value", "unit", ...}},
                "claims": [{"metric", "op", "expected", "actual", "holds", "quote", "file", "line"}]}]}
```
Values are in SI base units; keys keep the registry's order, which is stable between releases.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from scendsl.model.evaluate import MetricResult, Result
from scendsl.model.values import json_safe

SCHEMA_VERSION = 1


def metric_data(node: MetricResult) -> dict[str, Any]:
    data: dict[str, Any] = {"value": json_safe(node.value), "unit": node.unit,
                            "meaning": node.meaning}
    if node.formula:
        data["formula"] = node.formula
    if node.inputs:
        data["inputs"] = list(node.inputs)
    if node.origin:
        data["origin"] = node.origin
    if node.sources:
        data["sources"] = list(node.sources)
    if node.confidence:
        data["confidence"] = node.confidence
    if node.note:
        data["note"] = node.note
    if node.distribution is not None:
        data["distribution"] = node.distribution.model_dump()
    return data


def result_data(result: Result, samples: Any = None) -> dict[str, Any]:
    """One scenario's result as JSON-ready data; with a Monte Carlo run (`Samples`), every
    number carries its P5, P50, P95 and mean, and every claim the probability that it holds."""
    scenario = result.scenario
    data: dict[str, Any] = {"name": result.name, "title": result.title}
    if scenario.sweep:
        data["sweep"] = {"name": scenario.sweep, "point": dict(scenario.sweep_point)}
    data["inputs"] = {name: metric_data(node) for name, node in result.inputs.items()}
    data["metrics"] = {name: metric_data(node) for name, node in result.metrics.items()}
    if samples is not None:
        data["uncertainty"] = {"samples": samples.size, "seed": samples.seed}
        for section in ("inputs", "metrics"):
            for name, entry in data[section].items():
                summary = samples.summary(name)
                if summary is not None and isinstance(samples.numbers.get(name), np.ndarray):
                    entry.update(json_safe({"p5": summary.p5, "p50": summary.p50,
                                          "p95": summary.p95, "mean": summary.mean}))
    data["claims"] = [
        {"metric": c.metric, "op": c.op, "expected": c.expected, "actual": json_safe(c.actual),
         "holds": c.holds, "margin": json_safe(c.margin), "tolerance": c.tolerance,
         "unit": c.unit, "quote": c.quote, "file": c.file, "line": c.line}
        for c in result.claims
    ]
    if samples is not None:
        for claim, probability in zip(data["claims"], samples.claims):
            claim["probability"] = probability.probability
    return data


def results_json(results: list[Result], samples: dict[str, Any] | None = None) -> str:
    """The `scendsl eval --format json` document (`samples`: Monte Carlo runs by scenario)."""
    samples = samples or {}
    document = {"version": SCHEMA_VERSION,
                "scenarios": [result_data(r, samples.get(r.name)) for r in results]}
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
