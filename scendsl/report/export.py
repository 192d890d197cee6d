"""A sweep's variants as data: plain records, streamed JSON and CSV.

Numbers are in SI base units (`SweepTable.units`); n/a is null in JSON and an empty CSV field.
The table is read block by block, so a million variants stream without sitting in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

from scendsl.model.sweep import SweepTable
from scendsl.model.values import json_safe


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def iter_records(table: SweepTable, block: int = 10_000) -> Iterator[dict[str, Any]]:
    """Each variant as a plain dict: name, axis labels (`point`) and every kept node's value
    (numbers in SI base units, n/a as None), read block by block."""
    paths = [axis.path for axis in table.sweep.axes]
    numbers = set(table.numbers)
    for start in range(0, table.size, block):
        stop = min(table.size, start + block)
        columns = table.block(start, stop)
        for offset, index in enumerate(range(start, stop)):
            values = {name: json_safe(column[offset]) if name in numbers
                      else _plain(column[offset]) for name, column in columns.items()}
            yield {"name": table.name(index), "point": dict(zip(paths, table.labels(index))),
                   "values": values}


def iter_json(table: SweepTable, lines: bool = False) -> Iterator[str]:
    """The table as JSON text, one variant object at a time (streams a million variants).

    Concatenated, the pieces form one JSON array; with `lines=True` each piece is one line of
    JSON Lines instead. Numbers are SI base units (`table.units`); n/a is null.
    """
    if not lines:
        yield "["
    for index, item in enumerate(iter_records(table)):
        text = json.dumps(item, ensure_ascii=False)
        if lines:
            yield text + "\n"
        else:
            yield ("\n  " if index == 0 else ",\n  ") + text
    if not lines:
        yield "\n]\n"


def to_csv(table: SweepTable, stream: IO[str]) -> None:
    """The table as CSV: variant name, one column per axis (labels), then every kept node.

    Numbers are written in SI base units at full precision (repr); n/a is an empty field; flags
    are `true`/`false`.
    """
    writer = csv.writer(stream, lineterminator="\n")
    paths = [axis.path for axis in table.sweep.axes]
    writer.writerow(["variant", *paths, *table.columns])
    for item in iter_records(table):
        cells = [item["name"], *(item["point"][p] for p in paths)]
        cells.extend(_cell(value) for value in item["values"].values())
        writer.writerow(cells)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
