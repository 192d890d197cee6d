"""Results as data: the `eval --format json` document, and a sweep's variants as plain
records, streamed JSON and CSV (the analyst's tables, `eval --format csv|csv-wide|xlsx`, are
scendsl.report.tables).

The JSON shape tool builders read (`SCHEMA_VERSION`, the document's `version`; described in full
by `eval_schema`, printed by `scendsl schema` under `eval`):
```
{"version": 1, "scendsl": "<the version that wrote it>",
 "scenarios": [{"name", "title", "inputs": {...}, "metrics": {"<metric>": {"value", "unit", ...}},
                "currency"?: {"code", "per_usd", "rate_year", "input"},
                "claims": [{"metric", "op", "expected", "actual", "holds", "quote", "file", "line",
                            "written"?: {"amount", "unit", "currency", "year", "rate_year", ...}}],
                "warnings": [{"id", "severity", "message", "hint", "span", "metrics"}]}],
 "sweeps": [{"name", "base", "axes", "units", "labels"?: {"<figure>": {"<key>": "<label>"}},
             "variants": [{"name", "point", "values", "infinite"?: {"<figure>": 1},
                           "written"?: {"<input>": {...}}}]}]}
```
Numbers are in SI base units (`SweepTable.units`), money in US dollars: a claim's figure or an
input written in another currency (`< 50M EUR`), in a scenario or a sweep's variant, is in USD at
its scenario year's rate, and its `written` object gives the amount as written, its currency,
the rate's year and the rate (a field added to version 1: new fields keep the version). n/a is null in JSON and an empty CSV field;
an infinite figure is null too, with its sign in `infinite` beside it (a figure's, a claim's, a
variant's by figure);
keys keep the registry's order, which is stable between releases. A sweep table is read block
by block, so a million variants stream without sitting in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from scendsl.model.evaluate import MetricResult, Result
from scendsl.model.sweep import SweepTable
from scendsl.model.values import infinity_sign, json_safe, json_text
from scendsl.report.numbers import local_money

if TYPE_CHECKING:
    from scendsl.model.uncertainty import Samples
    from scendsl.scenario import Sweep

SCHEMA_VERSION = 1

#: Every variant of a sweep evaluated (with only the named figures, when given).
TableMaker = Callable[["Sweep", "Sequence[str] | None"], SweepTable]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


#: Figures of the variants read into Python at a time (some 55 bytes each, a float in a list
#: and in a record): 10,000 variants of the catalog's 555 figures; fewer variants where a
#: file's references give each more (1,000 references: 13,555 figures, 442 variants a block).
BLOCK_CELLS = 6_000_000


def iter_records(table: SweepTable, block: int = 10_000) -> Iterator[dict[str, Any]]:
    """Each variant as a plain dict: name, axis labels (`point`), every kept node's value
    (numbers in SI base units, n/a as None) and, for a variant with inputs written in another
    currency, `written`: each one's amount as written and its rate (as a scenario's inputs
    give it). Read block by block, of at most `block` variants and BLOCK_CELLS figures."""
    paths = [axis.path for axis in table.sweep.axes]
    numbers = set(table.numbers)
    unbounded = table.infinite_columns()  # read once: the rest need no look at each value
    block = max(1, min(block, BLOCK_CELLS // max(1, len(table.units))))
    for start in range(0, table.size, block):
        stop = min(table.size, start + block)
        columns = table.block(start, stop)
        written = table.written_block(start, stop)
        for offset, index in enumerate(range(start, stop)):
            values = {
                name: json_safe(column[offset]) if name in numbers else _plain(column[offset])
                for name, column in columns.items()
            }
            record = {
                "name": table.name(index),
                "point": dict(zip(paths, table.labels(index), strict=True)),
                "values": values,
            }
            infinite = {
                name: sign
                for name in unbounded
                if (sign := infinity_sign(columns[name][offset])) is not None
            }
            if infinite:  # the figures whose null is an infinity, not n/a
                record["infinite"] = infinite
            amounts = {
                name: amount.to_json()
                for name, money in written.items()
                if (amount := money[offset]) is not None
            }
            if amounts:  # absent when every value is in US dollars
                record["written"] = amounts
            yield record


def record_values(record: dict[str, Any]) -> dict[str, Any]:
    """A record's values with its infinite figures as ±∞ again (null in the record, which is
    JSON-ready): what a table writes, where a scenario's infinite figure reads `inf` too."""
    infinite = record.get("infinite")
    if not infinite:
        return record["values"]
    return {**record["values"], **{name: math.inf * sign for name, sign in infinite.items()}}


def iter_json(table: SweepTable, lines: bool = False) -> Iterator[str]:
    """The table as JSON text, one variant object at a time (streams a million variants).

    Concatenated, the pieces form one JSON array; with `lines=True` each piece is one line of
    JSON Lines instead. Numbers are SI base units (`table.units`); n/a is null.
    """
    if not lines:
        yield "["
    for index, item in enumerate(iter_records(table)):
        text = json_text(item)
        if lines:
            yield text + "\n"
        else:
            yield ("\n  " if index == 0 else ",\n  ") + text
    if not lines:
        yield "\n]\n"


def metric_data(node: MetricResult) -> dict[str, Any]:
    """One input or metric of a result as JSON-ready data."""
    data: dict[str, Any] = {
        "value": json_safe(node.value),
        "unit": node.unit,
        "meaning": node.meaning,
    }
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
    if node.written is not None:  # an input written in another currency than USD
        data["written"] = node.written.to_json()
    if node.label is not None:
        data["label"] = node.label  # `value` keeps the key; this is what a reader calls it
    if node.extrapolated is not None:  # outside its data's years
        data["extrapolated"] = node.extrapolated.to_json()
    if node.missing:  # n/a for want of figures: the parts that have none
        data["missing"] = [part.to_json() for part in node.missing]
    sign = infinity_sign(node.value)
    if sign is not None:
        data["infinite"] = sign
    return data


def result_data(
    result: Result, samples: Samples | None = None, spread: Any = None
) -> dict[str, Any]:
    """One scenario's result as JSON-ready data; with a Monte Carlo run (`Samples`), every
    number carries its P5, P50, P95 and mean, and every claim the probability that it holds.
    With the default MFU's spread (scendsl.model.default_spread.DefaultSpread), every number
    that moves with it carries `default_mfu_range` and every claim on one its verdict at the
    two ends."""
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
                summary = samples.percentiles(name)
                if summary is not None and isinstance(samples.numbers.get(name), np.ndarray):
                    entry.update(
                        json_safe(
                            {
                                "p5": summary.p5,
                                "p50": summary.p50,
                                "p95": summary.p95,
                                "mean": summary.mean,
                            }
                        )
                    )
    local = local_money(result.inputs, result.claims)
    if local is not None:  # the currency the briefing shows the scenario's amounts in too
        name, written = local
        data["currency"] = {
            "code": written.currency,
            "per_usd": written.per_usd,
            "rate_year": written.rate_year,
            "input": name,
        }
    data["claims"] = [
        {
            "metric": c.metric,
            "op": c.op,
            "expected": c.expected,
            "actual": json_safe(c.actual),
            "holds": c.holds,
            "margin": json_safe(c.margin),
            "tolerance": c.tolerance,
            "unit": c.unit,
            "quote": c.quote,
            "file": c.file,
            "line": c.line,
        }
        for c in result.claims
    ]
    for claim, checked in zip(data["claims"], result.claims, strict=True):
        sign = infinity_sign(checked.actual)
        if sign is not None:  # its figure is infinite: `actual` is null, as n/a is
            claim["infinite"] = sign
        if checked.note:  # a figure written in another currency: how it was converted
            claim["note"] = checked.note
        if checked.written is not None:  # ... and the amount, currency and rate as data
            claim["written"] = checked.written.to_json()
        if checked.expected_label is not None:  # a reference's name: its title
            claim["expected_label"] = checked.expected_label
    if samples is not None:
        for claim, probability in zip(data["claims"], samples.claims, strict=True):
            claim["probability"] = probability.probability
    if spread is not None:
        _add_spread(data, spread)
    from scendsl.report.warnings import scenario_warnings

    data["warnings"] = [warning.to_json() for warning in scenario_warnings(result)]
    return data


def _add_spread(data: dict[str, Any], spread: Any) -> None:
    """The default MFU's spread on a result's JSON data (see `result_data`)."""
    data["default_mfu_spread"] = json_safe(
        {
            "input": spread.input,
            "low": spread.low,
            "default": spread.default,
            "high": spread.high,
            "low_source": spread.low_source,
            "high_source": spread.high_source,
            "not_monotone": list(spread.not_monotone),
        }
    )
    for section in ("inputs", "metrics"):
        for name, entry in data[section].items():
            ends = spread.range_of(name)
            if ends is not None:
                entry["default_mfu_range"] = json_safe(ends.as_dict())
    for claim, ends in zip(data["claims"], spread.claims, strict=True):
        if ends is not None:
            claim["default_mfu_range"] = {
                "holds_at_low": ends.holds_at_low,
                "holds_at_high": ends.holds_at_high,
                "over_whole_range": ends.over_whole_range,
            }


def write_eval_json(
    out: IO[str],
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    spreads: dict[str, Any] | None = None,
) -> None:
    """The `scendsl eval --format json` document, written as it is made: each sweep's table
    (`table_of`) is streamed, so a million variants never sit in memory. `spreads`: the default
    MFU's spread by scenario name (those without cluster.mfu)."""
    from scendsl.defaults import VERSION

    spreads = spreads or {}
    # Which scendsl wrote it: `scendsl diff OLD.json NEW.json` names each side's.
    writer = json_text(VERSION, ensure_ascii=True)
    out.write(f'{{"version": {SCHEMA_VERSION},\n "scendsl": {writer},\n "scenarios": [')
    for index, result in enumerate(results):
        text = json_text(
            result_data(result, runs.get(result.name), spreads.get(result.name)), indent=2
        )
        out.write(("\n" if index == 0 else ",\n") + text)
    out.write("]")
    sweeps = list(sweeps)
    if sweeps:
        out.write(',\n "sweeps": [')
        for index, sweep in enumerate(sweeps):
            table = table_of(sweep, None)
            head = {
                "name": sweep.name,
                "base": sweep.base,
                "axes": [{"path": a.path, "values": list(a.labels)} for a in sweep.axes],
                "units": dict(table.units),
            }
            if table.key_labels:  # what a reader calls each key a figure takes
                head["labels"] = table.key_labels
            out.write(
                ("\n" if index == 0 else ",\n")
                + json_text(head, ensure_ascii=True)[:-1]
                + ', "variants": '
            )
            for piece in iter_json(table):
                out.write(piece)
            out.write("}")
        out.write("]")
    out.write("}\n")


def _object(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
        **extra,
    }


_STRING: dict[str, Any] = {"type": "string"}
_NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
_STRINGS: dict[str, Any] = {"type": "array", "items": _STRING}
#: The sign of an infinite figure written null (`infinity_sign`).
_INFINITE: dict[str, Any] = {"enum": [1, -1]}


def _extrapolated_fields() -> dict[str, Any]:
    """The `extrapolated` object's fields (`Extrapolated.to_json`), each described as
    Extrapolated describes it."""
    from pydantic import TypeAdapter

    from scendsl.model.context import Extrapolated

    described = TypeAdapter(Extrapolated).json_schema()["properties"]
    types = {"year": "integer", "year_used": "integer", "carried": "string"}
    return {
        name: {"type": types[name], "description": field["description"]}
        for name, field in described.items()
    }


def _missing_fields() -> dict[str, Any]:
    """The fields of a `missing` list's objects (`MissingFigure.to_json`), each described as
    MissingFigure describes it."""
    from pydantic import TypeAdapter

    from scendsl.model.context import MissingFigure

    described = TypeAdapter(MissingFigure).json_schema()["properties"]
    return {
        name: {**_STRING, "description": field["description"]} for name, field in described.items()
    }


def _written_fields() -> dict[str, Any]:
    """The `written` object's fields (`WrittenMoney.to_json`), each described as WrittenMoney
    describes it (one text for this schema and the result model's); a range's ends are left
    out for one amount."""
    from pydantic import TypeAdapter

    from scendsl.model.context import WrittenMoney

    described = TypeAdapter(WrittenMoney).json_schema()["properties"]
    types = {"unit": "string", "currency": "string", "year": "integer", "rate_year": "integer"}
    return {
        name: {"type": types.get(name, "number"), "description": field["description"]}
        for name, field in described.items()
    }


def eval_schema() -> dict[str, Any]:
    """JSON Schema of the `scendsl eval --format json` document (version SCHEMA_VERSION): what
    `write_eval_json` writes, checked against real output by the tests."""
    any_value = {
        "description": "a number (SI base units), text, a flag, a breakdown (object) or null "
        "for n/a",
        "type": ["number", "string", "boolean", "object", "null"],
    }
    figure = _object(
        ["value", "unit", "meaning"],
        {
            "value": any_value,
            "unit": {**_STRING, "description": "SI base unit; '1' for a plain number"},
            "meaning": _STRING,
            "formula": _STRING,
            "inputs": {
                **_STRINGS,
                "description": "the figures a metric is computed from; for an input, the "
                "other inputs whose fields it reads (the framework its default is taken from)",
            },
            "origin": {
                **_STRING,
                "description": "where an input came from: file:line:col, "
                "a catalog entry or a labelled default",
            },
            "sources": _STRINGS,
            "confidence": {
                **_STRING,
                "description": "A primary, B secondary, C estimate, U unconfirmed",
            },
            "note": _STRING,
            "distribution": {"$ref": "#/$defs/uncertain"},
            "written": {"$ref": "#/$defs/written"},
            "extrapolated": _object(
                ["year", "year_used"],
                _extrapolated_fields(),
                description="an input outside its data's years: another year's figure stands "
                "in (`note` says so in words)",
            ),
            "missing": {
                "type": "array",
                "description": "an input that is n/a for want of figures (energy.supply_water): "
                "the parts of the supply that have none",
                "items": _object(["source"], _missing_fields()),
            },
            "label": {
                **_STRING,
                "description": "for a value that is a key (a reference's name): what a reader "
                "calls it (its title); `value` keeps the key",
            },
            "infinite": {
                **_INFINITE,
                "description": "the value is +∞ (1) or −∞ (-1), which JSON cannot write: "
                "`value` is then null (a run that never finishes), not n/a",
            },
            "p5": _NUMBER_OR_NULL,
            "p50": _NUMBER_OR_NULL,
            "p95": _NUMBER_OR_NULL,
            "mean": _NUMBER_OR_NULL,
            "default_mfu_range": _object(
                ["low", "high", "at_low", "at_high"],
                {k: {"type": "number"} for k in ("low", "high", "at_low", "at_high")},
                description="the figure at the two ends of the default MFU's spread (a "
                "scenario without cluster.mfu; only figures that move with it)",
            ),
        },
    )
    uncertain = _object(
        ["kind", "low", "high", "center"],
        {
            "kind": {"enum": ["interval", "relative"]},
            "low": {"type": "number"},
            "high": {"type": "number"},
            "center": {"type": "number"},
            "rel": _NUMBER_OR_NULL,
        },
    )
    claim = _object(
        ["metric", "op", "expected", "actual", "holds", "margin", "unit", "quote", "file", "line"],
        {
            "metric": _STRING,
            "op": {"enum": ["<", "<=", ">", ">=", "==", "!=", "~="]},
            "expected": {
                "type": ["number", "string", "boolean"],
                "description": "a number in SI base units, a category or rating, or a flag",
            },
            "actual": {"type": ["number", "string", "boolean", "null"]},
            "infinite": {
                **_INFINITE,
                "description": "the claim's figure is +∞ (1) or −∞ (-1): `actual` is then "
                "null, not n/a",
            },
            "holds": {"type": ["boolean", "null"]},
            "margin": _NUMBER_OR_NULL,
            "tolerance": _NUMBER_OR_NULL,
            "unit": _STRING,
            "quote": _STRING,
            "file": _STRING,
            "line": {"type": "integer"},
            "note": {
                **_STRING,
                "description": "a figure written in another currency than USD: the amount as "
                "written and the rate it was converted at (`expected` is in USD)",
            },
            "written": {"$ref": "#/$defs/written"},
            "expected_label": {
                **_STRING,
                "description": "the title of the reference `expected` names (a claim on "
                "`divide.public_resource`): what briefings, explain and diff show",
            },
            "probability": {
                **_NUMBER_OR_NULL,
                "description": "share of the Monte Carlo samples in which the claim holds",
            },
            "default_mfu_range": _object(
                ["holds_at_low", "holds_at_high", "over_whole_range"],
                {
                    "holds_at_low": {"type": ["boolean", "null"]},
                    "holds_at_high": {"type": ["boolean", "null"]},
                    "over_whole_range": {
                        "type": ["boolean", "null"],
                        "description": "true: holds at both ends of the default MFU's spread "
                        "(so over it: the figure is monotone in the MFU); false: fails at both; "
                        "null: holds at one end only, or n/a",
                    },
                },
            ),
        },
    )
    written = _object(
        ["amount", "unit", "currency", "year", "rate_year", "per_usd"],
        _written_fields(),
        description="an amount written in another currency than USD and the rate it was "
        "converted at; the figure's own value is in USD",
    )
    span = _object(
        ["file", "line", "col", "end_line", "end_col"],
        {
            k: {"type": "integer"} if k != "file" else _STRING
            for k in ("file", "line", "col", "end_line", "end_col")
        },
    )
    warning = _object(
        ["id", "severity", "message", "hint", "span", "metrics"],
        {
            "id": {**_STRING, "description": "the rule's id (catalog warnings.toml), stable"},
            "severity": {"enum": ["warning"]},
            "message": _STRING,
            "hint": _STRING,
            "span": {**span, "type": ["object", "null"]},
            "metrics": {**_STRINGS, "description": "the figures the warning qualifies"},
        },
    )
    figures = {"type": "object", "additionalProperties": {"$ref": "#/$defs/figure"}}
    scenario = _object(
        ["name", "title", "inputs", "metrics", "claims"],
        {
            "name": _STRING,
            "title": _STRING,
            "sweep": _object(
                ["name", "point"],
                {"name": _STRING, "point": {"type": "object", "additionalProperties": _STRING}},
            ),
            "inputs": figures,
            "metrics": figures,
            "uncertainty": _object(
                ["samples", "seed"],
                {"samples": {"type": "integer"}, "seed": {"type": "integer"}},
            ),
            "currency": _object(
                ["code", "per_usd", "rate_year", "input"],
                {
                    "code": {
                        "type": "string",
                        "description": "ISO 4217 code of the currency the scenario's prices are "
                        "written in, which its briefing shows amounts in beside USD (absent: "
                        "all in USD)",
                    },
                    "per_usd": {
                        "type": "number",
                        "description": "units of it per US dollar at the rate the prices were "
                        "converted at",
                    },
                    "rate_year": {"type": "integer", "description": "the year of that rate"},
                    "input": {
                        "type": "string",
                        "description": "the input whose written currency it is (of "
                        "energy.supply_price, market.unit_price, market.rental_price written "
                        "in another currency, the one whose currency the scenario's prices "
                        "and claims write most; the first on a tie)",
                    },
                },
            ),
            "claims": {"type": "array", "items": {"$ref": "#/$defs/claim"}},
            "warnings": {"type": "array", "items": {"$ref": "#/$defs/warning"}},
            "default_mfu_spread": _object(
                ["input", "low", "default", "high", "low_source", "high_source", "not_monotone"],
                {
                    "input": _STRING,
                    "low": {"type": "number"},
                    "default": {"type": "number"},
                    "high": {"type": "number"},
                    "low_source": _STRING,
                    "high_source": _STRING,
                    "not_monotone": _STRINGS,
                },
                description="a scenario without cluster.mfu: the default MFU's sourced spread, "
                "whose two ends give the figures' default_mfu_range",
            ),
        },
    )
    variant = _object(
        ["name", "point", "values"],
        {
            "name": _STRING,
            "point": {"type": "object", "additionalProperties": _STRING},
            "values": {"type": "object", "additionalProperties": any_value},
            "infinite": {
                "type": "object",
                "additionalProperties": _INFINITE,
                "description": "the figures of `values` that are +∞ (1) or −∞ (-1), which "
                "are null there, as n/a is (absent: none)",
            },
            "written": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/written"},
                "description": "the variant's inputs written in another currency than USD "
                "(their `values` are in USD): each one's amount as written and its rate",
            },
        },
    )
    sweep = _object(
        ["name", "base", "axes", "units", "variants"],
        {
            "name": _STRING,
            "base": _STRING,
            "axes": {
                "type": "array",
                "items": _object(["path", "values"], {"path": _STRING, "values": _STRINGS}),
            },
            "units": {"type": "object", "additionalProperties": _STRING},
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "object", "additionalProperties": _STRING},
                "description": "for a figure whose values are keys (a reference's name): "
                "what a reader calls each key the variants take (its title); the values keep "
                "the keys",
            },
            "variants": {"type": "array", "items": {"$ref": "#/$defs/variant"}},
        },
    )
    return _object(
        ["version", "scenarios"],
        {
            "version": {
                "const": SCHEMA_VERSION,
                "description": "the version of this document's shape; raised when a field "
                "is renamed or removed or changes meaning (new fields keep it)",
            },
            "scendsl": {
                **_STRING,
                "description": "the version of the scendsl that wrote the document",
            },
            "scenarios": {"type": "array", "items": {"$ref": "#/$defs/scenario"}},
            "sweeps": {"type": "array", "items": {"$ref": "#/$defs/sweep"}},
        },
        title="scendsl eval --format json",
        **{
            "$defs": {
                "figure": figure,
                "uncertain": uncertain,
                "claim": claim,
                "written": written,
                "warning": warning,
                "scenario": scenario,
                "variant": variant,
                "sweep": sweep,
            }
        },
    )


def schema_document() -> dict[str, Any]:
    """The `scendsl schema` document: JSON Schema of the scenario and result models, of the
    `eval --format json` output (`eval`, with its `version`) and of the `explain --format json`
    trace (`explain`); catalog names as enums."""
    from scendsl.report.explain import explain_schema
    from scendsl.report.schema_names import add_catalog_enums
    from scendsl.scenario import ScenarioSet, complete_models

    complete_models()
    return add_catalog_enums(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "scendsl models",
            "version": SCHEMA_VERSION,
            "scenarios": ScenarioSet.model_json_schema(),
            "result": Result.model_json_schema(),
            "eval": eval_schema(),
            "explain": explain_schema(),
        }
    )
