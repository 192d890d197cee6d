"""Results as tables for analysts: `eval --format csv` (tidy, long), `csv-wide` and `xlsx`.

- **long** (`csv`): one row per scenario (or sweep variant) and figure: `scenario, sweep,` one
  column per sweep axis, `kind` (input or metric), `metric, value, unit, p5, p50, p95, origin,
  source, written, written_unit, rate_year`. Percentiles are filled for scenarios with ranges (a
  Monte Carlo run); `origin` is where an input came from (a scenario line, a catalog entry),
  `source` its citations; an input written in another currency (its `value` in USD), in a
  scenario or a variant, gives the amount as written, its unit (`EUR/kWh`) and the year of the
  rate it was converted at.
- **wide** (`csv-wide`): one row per scenario or variant, every input and metric a column; the
  second row gives each column's unit. An input a scenario or variant wrote in another currency
  (in USD like every figure) gets a text column `NAME as written` after them: `0.25 EUR/kWh`.
- **xlsx**: a workbook with one sheet per table (`scenarios` wide, `claims` (a figure written in
  another currency with its amount, unit and rate year beside `expected` in USD), `uncertainty`
  when a scenario has ranges, one `sweep …` sheet per sweep), units in the headers, numbers as numbers.
  Deterministic: fixed document properties and zip timestamps, so the same inputs give the same
  bytes. Needs openpyxl (the `xlsx` extra).

Values are in SI base units at full precision (what tools read, as in the JSON), or with
`--units readable` in the unit a briefing shows each figure in (MW, MWh, t CO2, days, %): one
unit per column of a wide table, chosen by the column's first number that is not zero, and per
row of the long one; n/a is an empty cell. A flag is `true`/`false`
in CSV and a boolean cell in xlsx; a breakdown (power by source) is JSON text.

Text comes partly from the user (file names in `origin`, quotes, names) and stays inert in a
spreadsheet: every text cell goes through `cell_text` (control, bidi and invisible characters
spelt `\\uXXXX`, as on a terminal; an xlsx cannot hold most of them anyway), and in CSV a text
cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
carriage return, after any quotes) gets a leading `'`; in xlsx text cells are typed as text,
never formulas.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import os
import re
import shutil
import signal
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from scendsl.errors import ScendslError
from scendsl.model.context import WrittenMoney
from scendsl.model.evaluate import MetricResult, Result
from scendsl.model.values import json_text
from scendsl.report.export import TableMaker, iter_records, record_values
from scendsl.signals import handling

if TYPE_CHECKING:
    from scendsl.model.uncertainty import Samples
    from scendsl.scenario import Sweep

#: The columns of the long table after the sweep axes.
LONG_COLUMNS = (
    "kind",
    "metric",
    "value",
    "unit",
    "p5",
    "p50",
    "p95",
    "origin",
    "source",
    "written",
    "written_unit",
    "rate_year",
)
#: Rows an xlsx sheet holds (Excel's limit, header included).
XLSX_MAX_ROWS = 1_048_576
#: The xlsx zip entries' timestamp (the earliest a zip can hold): same inputs, same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportError(ScendslError):
    """A table that cannot be written in the chosen format (a sweep too large for a sheet)."""


#: `eval --units`: each number in its SI base unit (`si`, the default), or in the unit a
#: briefing shows it in (`readable`).
UNIT_SYSTEMS = ("si", "readable")

#: A unit a figure is written in: (its factor from the SI base unit, its name; None: the SI
#: unit's name, for figures shown in it).
Scale = tuple[float, str | None]


def _number(value: Any) -> float | None:
    """A finite number as a float; None for text, flags, n/a and infinities."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _magnitude(value: Any) -> float | None:
    """The size a readable unit is chosen by: a number's, or a breakdown's largest part."""
    if isinstance(value, dict):
        parts = [abs(n) for n in map(_number, value.values()) if n is not None]
        return max(parts, default=None)
    number = _number(value)
    return abs(number) if number is not None else None


def _scale_for(values: Iterable[Any], dimension: str | None) -> Scale | None:
    """The readable unit of a column of figures of one dimension, chosen by its first number
    that is not zero (a column is in one unit, the same for the same inputs); the SI unit (a
    factor of 1) where it is the one a briefing shows."""
    from scendsl.report.numbers import readable_unit

    first = next((m for m in map(_magnitude, values) if m), 0.0)
    return readable_unit(first, dimension) or (1.0, None)


def _in(value: Any, scale: Scale | None) -> Any:
    """`value` (SI) in the unit of `scale` (None: as it is, at full precision); text, flags,
    n/a and infinities as they are."""
    if scale is None:
        return value
    if isinstance(value, dict):
        return {key: _in(part, scale) for key, part in value.items()}
    number = _number(value)
    if number is None:
        return value
    # Fifteen significant digits, for people: 57 %, not 56.99999999999999; and 40, not 40.0.
    shown = float(f"{number / scale[0]:.15g}")
    return int(shown) if shown.is_integer() and abs(shown) < 2**53 else shown


def _unit(scale: Scale | None, si_unit: str | None) -> str | None:
    return scale[1] if scale is not None and scale[1] is not None else si_unit


def _axes(sweeps: Sequence[Sweep]) -> list[str]:
    """Every sweep axis path, in order of first appearance: the variant columns."""
    paths: list[str] = []
    for sweep in sweeps:
        paths.extend(a.path for a in sweep.axes if a.path not in paths)
    return paths


def _plain(value: Any) -> Any:
    """A cell value: numbers, text and flags as they are, NaN as None, a mapping as JSON."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (dict, list, tuple)):
        return json_text(value, sort_keys=True, default=str)
    return value


def _percentiles(samples: Samples | None, name: str) -> tuple[Any, Any, Any]:
    if samples is None or not isinstance(samples.numbers.get(name), np.ndarray):
        return (None, None, None)
    summary = samples.percentiles(name)
    if summary is None:
        return (None, None, None)
    return (_plain(summary.p5), _plain(summary.p50), _plain(summary.p95))


def long_rows(
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    units: str = "si",
) -> Iterator[list[Any]]:
    """The long table, header first; sweep variants are streamed block by block. `units`:
    one of UNIT_SYSTEMS."""
    readable = units == "readable"
    sweeps = list(sweeps)
    axes = _axes(sweeps)
    yield ["scenario", "sweep", *axes, *LONG_COLUMNS]
    blank = [None] * len(axes)
    for result in results:
        samples = runs.get(result.name)
        for kind, nodes in (("input", result.inputs), ("metric", result.metrics)):
            for name, node in nodes.items():
                scale = _scale_for([node.value], node.dimension) if readable else None
                yield [
                    result.name,
                    None,
                    *blank,
                    kind,
                    name,
                    _plain(_in(node.value, scale)),
                    _unit(scale, node.unit),
                    *(_in(p, scale) for p in _percentiles(samples, name)),
                    node.origin,
                    "; ".join(node.sources) or None,
                    *_written(_as_data(node.written)),
                ]
    for sweep in sweeps:
        table = table_of(sweep, None)
        template = _template_nodes(sweep)
        for record in iter_records(table):
            point = [record["point"].get(path) for path in axes]
            written = record.get("written", {})
            for name, value in record_values(record).items():
                figure = template.get(name)
                scale = _scale_for([value], figure.dimension) if readable and figure else None
                yield [
                    record["name"],
                    sweep.name,
                    *point,
                    figure.kind if figure is not None else "metric",
                    name,
                    _plain(_in(value, scale)),
                    _unit(scale, table.units.get(name)),
                    *[None] * (len(LONG_COLUMNS) - 7),
                    *_written(written.get(name)),
                ]


def _as_data(written: WrittenMoney | None) -> dict[str, Any] | None:
    """A scenario's amount written in another currency in the form a sweep's records give it
    (`WrittenMoney.to_json`), so both go through the same cells."""
    return written.to_json() if written is not None else None


def _written(written: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """An amount written in another currency (`WrittenMoney.to_json`): as written, its unit
    and its rate's year."""
    if written is None:
        return None, None, None
    return written["amount"], written["unit"], written["rate_year"]


def _template_nodes(sweep: Sweep) -> dict[str, MetricResult]:
    """The figures of a sweep's template by name: each variant's figure is of the same kind
    (input or metric) and dimension."""
    template = _template_result(sweep)
    return {**template.metrics, **template.inputs}


def _wide_names(results: Sequence[Result]) -> dict[str, MetricResult]:
    """Every input then every metric over the results, in registry order (the first node of
    each name gives its unit and dimension)."""
    inputs: dict[str, MetricResult] = {}
    metrics: dict[str, MetricResult] = {}
    for result in results:
        for name, node in result.inputs.items():
            inputs.setdefault(name, node)
        for name, node in result.metrics.items():
            metrics.setdefault(name, node)
    return {**inputs, **metrics}


def _column_scales(
    results: Sequence[Result], nodes: dict[str, MetricResult], units: str
) -> dict[str, Scale | None]:
    """The unit of each column of a wide table (none: SI)."""
    if units != "readable":
        return {}

    def column(name: str) -> Iterator[Any]:
        for result in results:
            node = result.inputs.get(name) or result.metrics.get(name)
            if node is not None:
                yield node.value

    return {name: _scale_for(column(name), node.dimension) for name, node in nodes.items()}


def wide_rows(
    results: Sequence[Result],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    *,
    units_row: bool = True,
    units: str = "si",
) -> Iterator[list[Any]]:
    """The wide table: a header, a units row (`units_row`), then one row per scenario and per
    sweep variant (streamed). `units`: one of UNIT_SYSTEMS (readable: one unit a column, chosen
    by the scenarios' figures, or by the first sweep's template where there are none)."""
    from scendsl.model.sweep import written_inputs

    sweeps = list(sweeps)
    axes = _axes(sweeps)
    chosen_by = list(results) if results or not sweeps else [_template_result(sweeps[0])]
    nodes = _wide_names(chosen_by)
    names = list(nodes)
    scales = _column_scales(chosen_by, nodes, units)
    # An input some scenario or variant wrote in another currency: its value is in USD, and a
    # text column beside the figures gives it as written (`0.25 EUR/kWh`). The header comes
    # before the sweeps' rows: their inputs are known from the sweeps alone.
    in_sweeps = {name for sweep in sweeps for name in written_inputs(sweep)}
    written = [n for n in names if n in in_sweeps or any(_input_written(r, n) for r in results)]
    yield ["scenario", "sweep", *axes, *names, *(f"{n} as written" for n in written)]
    if units_row:
        units_shown = (_unit(scales.get(n), nodes[n].unit) for n in names)
        yield ["unit", None, *([None] * len(axes)), *units_shown, *([None] * len(written))]
    blank = [None] * len(axes)
    for result in results:
        values = {**result.inputs, **result.metrics}
        yield [
            result.name,
            None,
            *blank,
            *(_plain(_in(values[n].value, scales.get(n))) if n in values else None for n in names),
            *(_written_text(_as_data(_input_written(result, n))) for n in written),
        ]
    for sweep in sweeps:
        table = table_of(sweep, None)
        for record in iter_records(table):
            values = record_values(record)
            amounts = record.get("written", {})
            yield [
                record["name"],
                sweep.name,
                *(record["point"].get(path) for path in axes),
                *(_plain(_in(values.get(n), scales.get(n))) for n in names),
                *(_written_text(amounts.get(n)) for n in written),
            ]


def _input_written(result: Result, name: str) -> WrittenMoney | None:
    node = result.inputs.get(name)
    return node.written if node is not None else None


def _written_text(written: dict[str, Any] | None) -> str | None:
    """An amount written in another currency (`WrittenMoney.to_json`), as a cell:
    `0.25 EUR/kWh`, `4e+06 JPY to ...`."""
    if written is None:
        return None
    unit = written["unit"]
    if "low" in written:
        return f"{written['low']:.12g} {unit} to {written['high']:.12g} {unit}"
    return f"{written['amount']:.12g} {unit}"


def _template_result(sweep: Sweep) -> Result:
    from scendsl.model.evaluate import evaluate

    return evaluate(sweep.template)


#: What a spreadsheet opening a CSV file reads as the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Where a spreadsheet may start a cell inside a text cell: its start, and after a separator
#: other than the comma the file uses, which is read as text in quotes: a `;` (Excel in a
#: German, French, Dutch ... locale opens a CSV file with its list separator), a tab (a
#: tab-separated import) or a line break (a reader that takes lines before quotes). Neither
#: quotes nor blanks between that start and the formula's first character make it text: such a
#: reader takes `""` as an empty quoted part and goes on with `+...`, and an import told to trim
#: spaces reads `a; =1` as `a` and `=1`; the `'` goes before them all, where the cell starts.
_CELL_STARTS = re.compile(
    r'(?:^|(?<=[;\t\n]))(?=[\s"]*[' + re.escape("".join(_FORMULA_STARTS)) + "])"
)


def cell_text(text: str) -> str:
    """A text cell's content: control, bidi and invisible characters spelt `\\uXXXX` (line
    feeds and tabs kept), so that a cell can neither rewrite a terminal nor break an xlsx."""
    from scendsl.terminal import visible

    return visible(text)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = cell_text(str(value))
    # A leading quote makes a spreadsheet show the text as text, not run it as a formula:
    # before the text, and before each part of it another locale's separator makes a cell.
    return _CELL_STARTS.sub("'", text)


def write_csv(out: IO[str], rows: Iterable[list[Any]]) -> None:
    """Rows as CSV (numbers at full precision, n/a empty, flags true/false)."""
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])


# ------------------------------------------------------------------------------------ xlsx
def _sheet_title(name: str, taken: set[str]) -> str:
    """An xlsx sheet title: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]
    title, number = clean, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = clean[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def _with_units(header: list[Any], units: list[Any]) -> list[Any]:
    """Header cells with their unit: `energy.facility_power [W]` (the units row's label and
    dimensionless figures stay bare)."""
    units = [None, *units[1:]]
    return [
        f"{h} [{u}]" if u not in (None, "", "1") else h for h, u in zip(header, units, strict=True)
    ]


def _xlsx_cell(value: Any) -> Any:
    # openpyxl writes Python numbers as numbers and bools as booleans; text stays text.
    value = _plain(value)
    return cell_text(value) if isinstance(value, str) else value


class _Sheet:
    """A write-only sheet (rows streamed to disk, never held: time and memory grow with the
    rows, not with their square) that holds at most XLSX_MAX_ROWS rows, as Excel does. Its
    rows go to a file in `folder` (the workbook's `_work_folder`), not to one openpyxl would
    make in the system's temporary folder, where a killed process leaves it."""

    def __init__(self, workbook: Any, title: str, folder: str) -> None:
        from openpyxl.worksheet._writer import WorksheetWriter

        self.sheet = workbook.create_sheet(title)
        self.title = title
        self.rows = 0
        path = os.path.join(folder, f"sheet{len(workbook.worksheets)}.xml")
        writer = WorksheetWriter(self.sheet, out=path)
        # openpyxl removes a sheet's file once it is in the zip, by its own list of the files
        # it made; this one is the folder's.
        writer.cleanup = functools.partial(_remove, path)  # type: ignore[method-assign]
        writer.write_top()
        self.sheet._writer = writer

    def append(self, row: Iterable[Any]) -> None:
        """A row of cells; text that starts with '=' stays text (scenario text is never a
        formula)."""
        from openpyxl.cell import WriteOnlyCell

        if self.rows >= XLSX_MAX_ROWS:
            raise ExportError(
                f"the sheet '{self.title}' would have more rows than an xlsx sheet holds "
                f"({XLSX_MAX_ROWS:,}); use --format csv"
            )
        cells = []
        for value in map(_xlsx_cell, row):
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.data_type = "s"
                value = cell
            cells.append(value)
        self.sheet.append(cells)
        self.rows += 1


def write_workbook(
    out: IO[bytes],
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    units: str = "si",
) -> None:
    """The xlsx workbook, written to `out` (a seekable binary file: the same bytes whatever it
    is): sheets `scenarios` (wide), `claims`, `uncertainty` (scenarios with ranges), one per
    sweep; units (`units`: one of UNIT_SYSTEMS) in the headers, numbers as numbers, fixed
    timestamps. Rows are streamed
    through files of a private folder (`_work_folder`, removed whatever happens but SIGKILL),
    so a sweep of a million variants is never held in memory."""
    try:
        from openpyxl import Workbook
    except ImportError as error:
        raise ExportError("--format xlsx needs openpyxl: pip install 'scendsl[xlsx]'") from error
    import datetime

    sweeps = list(sweeps)
    for sweep in sweeps:  # before any work: a sweep that cannot fit is refused at once
        if sweep.size + 1 > XLSX_MAX_ROWS:
            raise ExportError(
                f"sweep '{sweep.name}' has {sweep.size:,} variants, more than an xlsx sheet "
                f"holds ({XLSX_MAX_ROWS - 1:,}); use --format csv"
            )
    with _work_folder() as folder:
        workbook = Workbook(write_only=True)
        try:
            _fill(workbook, results, runs, sweeps, table_of, folder, units)
        except BaseException:
            _discard(workbook)
            raise
        fixed = datetime.datetime(2000, 1, 1)
        workbook.properties.creator = "scendsl"
        workbook.properties.created = fixed
        workbook.properties.modified = fixed
        with tempfile.TemporaryFile(dir=folder) as raw:
            _save(workbook, fixed, raw)
            raw.seek(0)
            _fixed_zip(raw, out)


#: A workbook's private folder in the system's temporary folder: `scendsl-xlsx-PID-…`.
_WORK_PREFIX = "scendsl-xlsx-"


@contextlib.contextmanager
def _work_folder() -> Iterator[str]:
    """A private folder (mode 0700) for one workbook's sheet files, removed when the workbook
    is written or given up: on an error, Ctrl-C or SIGTERM (`_stop`). One left by
    a process killed outright (SIGKILL, a power cut) is removed by the next workbook."""
    parent = tempfile.gettempdir()
    _remove_stale(parent)
    folder = tempfile.mkdtemp(prefix=f"{_WORK_PREFIX}{os.getpid()}-", dir=parent)
    try:
        with handling(signal.SIGTERM, _stop):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale(parent: str) -> None:
    """Remove the work folders in `parent` of this user's processes that are gone: only a
    real folder (not a link) owned by this user, whose process no longer runs."""
    if os.name != "posix":  # no signal 0 to ask whether a process runs
        return
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        pid = name.removeprefix(_WORK_PREFIX).partition("-")[0]
        if not name.startswith(_WORK_PREFIX) or not pid.isdigit() or _running(int(pid)):
            continue
        path = os.path.join(parent, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether process `pid` runs (anyone's: another user's is not ours to judge)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not allowed to signal it: it runs
        return True
    return True


def _stop(signum: int, _frame: Any) -> None:
    """SIGTERM (a plain `kill`) as SystemExit, so that the work folder and the file being
    replaced are removed as on Ctrl-C; the process still ends, with status 143."""
    raise SystemExit(128 + signum)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _wide_sheet(sheet: _Sheet, rows: Iterator[list[Any]]) -> None:
    """A wide table (`wide_rows`) as a sheet: its unit row folded into the header."""
    header, units = next(rows), next(rows)
    sheet.append(_with_units(header, units))
    for row in rows:
        sheet.append(row)


def _discard(workbook: Any) -> None:
    """A workbook given up half-written: each sheet's row stream ended and its file removed
    now (not by the garbage collector, writing into a closed file)."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            if not sheet.closed:
                sheet.close()
        writer = getattr(sheet, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _fill(
    workbook: Any,
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: list[Sweep],
    table_of: TableMaker,
    folder: str,
    units: str,
) -> None:
    """The sheets of `write_workbook`, row by row, their files in `folder`."""
    readable = units == "readable"
    taken: set[str] = set()
    _wide_sheet(
        _Sheet(workbook, _sheet_title("scenarios", taken), folder),
        wide_rows(results, [], table_of, units=units),
    )

    claims = _Sheet(workbook, _sheet_title("claims", taken), folder)
    claims.append(
        [
            "scenario",
            "metric",
            "op",
            "expected",
            "actual",
            "holds",
            "unit",
            "quote",
            "file",
            "line",
            "written",
            "written unit",
            "rate year",
        ],
    )
    for result in results:
        for c in result.claims:
            node = result.metrics.get(c.metric) or result.inputs.get(c.metric)
            scale = None
            if readable and node is not None:
                scale = _scale_for([c.actual, c.expected], node.dimension)
            claims.append(
                (
                    result.name,
                    c.metric,
                    c.op,
                    _in(c.expected, scale),
                    _in(c.actual, scale),
                    c.holds,
                    _unit(scale, c.unit),
                    c.quote,
                    c.file,
                    c.line,
                    *_written(_as_data(c.written)),
                ),
            )

    uncertain = [r for r in results if r.name in runs]
    if uncertain:
        table = _Sheet(workbook, _sheet_title("uncertainty", taken), folder)
        table.append(["scenario", "metric", "unit", "p5", "p50", "p95"])
        for result in uncertain:
            samples = runs[result.name]
            for name, node in {**result.inputs, **result.metrics}.items():
                p5, p50, p95 = _percentiles(samples, name)
                if p50 is not None:
                    scale = _scale_for([p50], node.dimension) if readable else None
                    spread = (_in(p, scale) for p in (p5, p50, p95))
                    table.append([result.name, name, _unit(scale, node.unit), *spread])

    for sweep in sweeps:
        page = _Sheet(workbook, _sheet_title(f"sweep {sweep.name}", taken), folder)
        _wide_sheet(page, wide_rows([], [sweep], table_of, units=units))


def workbook_bytes(
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    units: str = "si",
) -> bytes:
    """The bytes `write_workbook` writes (held in memory: for small tables and tests)."""
    buffer = io.BytesIO()
    write_workbook(buffer, results, runs, sweeps, table_of, units)
    return buffer.getvalue()


def _save(workbook: Any, modified: Any, out: IO[bytes]) -> None:
    """The workbook's zip into `out`, with `modified` kept (openpyxl's `save` stamps the
    current time)."""
    from openpyxl.writer.excel import ExcelWriter

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        workbook.properties.modified = modified
        ExcelWriter(workbook, archive).save()


def _fixed_zip(source_file: IO[bytes], out: IO[bytes]) -> None:
    """The same zip into `out` with every entry's timestamp fixed (zipfile stamps the current
    time), copied entry by entry in pieces (an entry of a large sweep is gigabytes)."""
    with (
        zipfile.ZipFile(source_file) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            entry.file_size = info.file_size  # zip64 fields only where the size needs them
            with source.open(info) as reader, target.open(entry, "w") as writer:
                shutil.copyfileobj(reader, writer, 1024 * 1024)


#: `scendsl eval --format` values written by this module.
TABLE_FORMATS = ("csv", "csv-wide", "xlsx")


def write_table(
    fmt: str,
    out: IO[str],
    results: Sequence[Result],
    runs: dict[str, Samples],
    sweeps: Iterable[Sweep],
    table_of: TableMaker,
    units: str = "si",
) -> None:
    """`eval --format csv` (long) or `csv-wide`, streamed to `out`, numbers in `units` (one
    of UNIT_SYSTEMS)."""
    if fmt == "csv":
        write_csv(out, long_rows(results, runs, sweeps, table_of, units))
    elif fmt == "csv-wide":
        write_csv(out, wide_rows(results, sweeps, table_of, units=units))
    else:
        raise ValueError(fmt)
