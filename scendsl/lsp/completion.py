"""Completions: the fields of the block under the cursor, and the names, units, metrics and files
that fit the field, worked out from the text so that they come while the file does not parse."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scendsl.defaults import MAX_IMPORT_COMPLETION_ENTRIES, MAX_IMPORT_COMPLETION_FOLDERS
from scendsl.files import is_hidden, walk
from scendsl.lsp.analysis import (
    DEFINITION_KEYWORDS,
    DIMENSION_EXAMPLES,
    F,
    accepted_units,
    catalog,
    catalog_names,
    metric_names,
    parse_number,
)
from scendsl.lsp.choices import choice_detail
from scendsl.lsp.places import metric_template, spec_of
from scendsl.lsp.positions import Pos, line_at
from scendsl.lsp.workspace import Analysis
from scendsl.terminal import spelt_surrogates, visible_path


@dataclass
class Completion:
    label: str
    kind: str  # field | section | keyword | value | unit | metric | name | file
    detail: str = ""
    documentation: str = ""


_TOKEN = re.compile(r'"[^"\n]*"?|[^\s,"]+|,')


def _block_stack(text: str, pos: Pos) -> list[list[str]]:
    """The headers (as token lists) of the blocks open at `pos`, from the text alone, so that
    completion works while the file does not parse."""
    lines = text.split("\n")
    stack: list[list[str]] = []
    for number in range(min(pos.line + 1, len(lines))):
        line = lines[number] if number < pos.line else lines[number][: pos.char]
        line = _strip_comment(line)
        tokens = _TOKEN.findall(line.replace("{", " { ").replace("}", " } "))
        header: list[str] = []
        for token in tokens:
            if token == "{":
                stack.append(header)
                header = []
            elif token == "}":
                if stack:
                    stack.pop()
                header = []
            else:
                header.append(token)
    return stack


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            break
        out.append(char)
    return "".join(out)


def complete(analysis: Analysis | None, text: str, pos: Pos) -> list[Completion]:
    """Completions at `pos`: fields of the block, names and units that fit the field."""
    line = _strip_comment(line_at(text, pos.line)[: pos.char])
    stack = _block_stack(text, pos)
    if re.fullmatch(r'\s*import\s+"[^"]*', line):
        return _import_files(analysis)
    # In a block opened on this line (`market { price_series |`), the statement starts after
    # the brace; `_block_stack` has already counted the brace.
    line = re.split(r"[{}]", line)[-1]
    tokens = _TOKEN.findall(line)
    at_new = not line or line[-1] in " \t,"
    before = tokens if at_new else tokens[:-1]  # the complete tokens before the cursor
    kinds = [h[0] if h else "" for h in stack]
    if not before:
        return _keys(kinds)
    key = before[0]
    if not stack:
        return _header_values(analysis, key, before)
    block = kinds[0]
    if block == "scenario":
        if key == "expect":
            if len(before) == 1:  # `not` before a flag: `expect not export.controlled`
                return [Completion("not", "keyword", "expect not FLAG"), *_metrics(analysis)]
            if len(before) == 2 and before[1] == "not":
                return _metrics(analysis)
            if len(before) == 3 and before[2] in ("==", "!=", "<", "<=", ">", ">="):
                # expect METRIC OP |: a category's or rating's values
                info = metric_names().get(before[1]) or metric_names().get(
                    metric_template(before[1])
                )
                if info is not None and info.choices:
                    return [Completion(c, "value", info.kind) for c in info.choices]
                if info is not None and info.names_of:
                    return _names_of(info.names_of, analysis)
            if len(before) == 4 and _is_number(before[3]):  # expect METRIC OP NUMBER |
                names = metric_names()
                metric = names.get(before[1]) or names.get(metric_template(before[1]))
                if metric is not None and metric.value_type == "number":
                    return _unit_items(metric.dimension, "expect")
            return []
        if key == "correlate":
            return (
                [Completion(p, "field") for p in F.all_scenario_paths()]
                if before[-1] in ("correlate", ",")
                else []
            )
        path = ".".join([*kinds[1:], key]) if len(kinds) > 1 else key
        return _values(analysis, F.scenario_field(path), before, block, path)
    if block == "sweep":
        return _values(analysis, F.scenario_field(key), before, block, key)
    return _values(analysis, spec_of(block, key), before, block, key)


def _import_files(analysis: Analysis | None) -> list[Completion]:
    """`.scn` files beside the file (and in its subfolders), for `import "`."""
    if analysis is None:
        return []
    folder = os.path.dirname(analysis.path)
    found = []
    seen = 0
    walked = walk(folder, most=MAX_IMPORT_COMPLETION_ENTRIES)
    for visited, (_current, subfolders, others) in enumerate(walked):
        if visited >= MAX_IMPORT_COMPLETION_FOLDERS or seen >= MAX_IMPORT_COMPLETION_ENTRIES:
            break
        seen += len(subfolders) + len(others)
        # Hidden names as the discovery passes them over (an editor's lock file, `.#s.scn`).
        subfolders[:] = [d for d in subfolders if not is_hidden(d.name)][:20]
        for other in others:
            if not other.name.endswith(".scn") or is_hidden(other.name):
                continue
            if other.path == analysis.path:
                continue
            written = os.path.relpath(other.path, folder).replace(os.sep, "/")
            if _importable(written):
                found.append(Completion(written, "file"))
        if len(found) > 200:
            break
    return found


def _importable(name: str) -> bool:
    """Whether `name` may be offered inside `import "`: accepting a completion inserts it as it
    is, so a quote or a line break in a file's name would close the string and write the rest
    of the name into the document as statements; a backslash would start an escape; a control,
    bidi or invisible character would not show what is inserted. Such a file is still imported
    by its name written with escapes."""
    return '"' not in name and "\\" not in name and visible_path(spelt_surrogates(name)) == name


def _keys(kinds: list[str]) -> list[Completion]:
    if not kinds:
        return [Completion(k, "keyword", "definition") for k in DEFINITION_KEYWORDS]
    block = kinds[0]
    if block == "scenario" and len(kinds) == 1:
        items = [Completion(n, "field", s.doc) for n, s in F.SCENARIO_ATTRIBUTES.items()]
        items += [
            Completion(n, "section", "section: " + ", ".join(f)) for n, f in F.SECTIONS.items()
        ]
        items += [
            Completion("expect", "keyword", 'a claim: expect METRIC OP VALUE "quote"'),
            Completion("correlate", "keyword", "correlate FIELD, FIELD RHO"),
        ]
        items += [Completion(p, "field", _doc(p)) for p in F.all_scenario_paths() if "." in p]
        return items
    if block == "scenario" and kinds[-1] in F.SECTIONS:
        return [Completion(n, "field", s.doc) for n, s in F.SECTIONS[kinds[-1]].items()]
    if block == "sweep":
        return [Completion(p, "field", _doc(p)) for p in F.all_scenario_paths()]
    if block == "accelerator":
        table = {**F.ACCELERATOR_ATTRIBUTES, **F.ACCELERATOR_FIGURES}
        return [Completion(n, "field", s.doc) for n, s in table.items()]
    if block == "reference":
        return [Completion(n, "field", s.doc) for n, s in F.REFERENCE_FIELDS.items()]
    if block == "briefings":
        return [Completion(n, "field", s.doc) for n, s in F.BRIEFINGS_FIELDS.items()]
    return []


def _header_values(analysis: Analysis | None, key: str, before: list[str]) -> list[Completion]:
    if len(before) == 2 and key in ("scenario", "accelerator"):
        return [Completion("extends", "keyword")]
    if len(before) == 2 and key == "sweep":
        return [Completion("from", "keyword")]
    if len(before) == 3 and before[2] in ("extends", "from"):
        if key == "accelerator":
            return _accelerators(analysis)
        return _scenario_names(analysis, exclude=before[1])
    return []


def _doc(path: str) -> str:
    """The doc of a scenario path that F.all_scenario_paths() lists."""
    spec = F.scenario_field(path)
    return spec.doc if spec is not None else ""


def _values(
    analysis: Analysis | None,
    spec: F.FieldSpec | None,
    before: list[str],
    block: str = "",
    path: str = "",
) -> list[Completion]:
    if spec is None:
        return []
    if spec.kind == "accelerator" and len(before) == 1:
        return _accelerators(analysis)
    if spec.kind == "region" and len(before) == 1:
        return _regions()
    if spec.kind == "comparison" and len(before) == 1:  # a national resource, else a country
        national = {
            name: entry
            for name, entry in catalog().references.items()
            if entry.kind == "national_resource"
        }
        return [*_titled_names(national, "reference", analysis), *_regions()]
    if spec.kind == "enum" and len(before) == 1:
        return [Completion(c, "value", choice_detail(block, path, spec, c)) for c in spec.choices]
    if spec.kind == "mix" and before[-1] in (",", before[0]):
        return [
            Completion(name, "value", source.title)
            for name, source in catalog().energy_sources.items()
        ]
    if spec.kind == "parallelism" and before[-1] in (",", before[0]):
        return [Completion(k, "value") for k in F.PARALLELISM_KEYS]
    if spec.kind == "quantity" and _is_number(before[-1]) and len(before) >= 2:
        return _unit_items(spec.dimension, block)
    return []


def _is_number(token: str) -> bool:
    try:
        # A sweep's list opens on its first value: `[0.05 EUR/kWh, ...`.
        number = parse_number(token.removeprefix("["))
    except ValueError:
        return False
    return not number.percent


def _unit_items(dimension: str | None, place: str) -> list[Completion]:
    """The units a value of `dimension` takes at `place` (`scenario`, `sweep`, `accelerator`,
    `expect`, ...): the USD ones, then, where the language reads another currency, the same
    amount in each currency the catalog has a rate for (`EUR/kWh`)."""
    detail = DIMENSION_EXAMPLES.get(dimension or "", "")
    return [
        Completion(u.symbol, "unit", f"{u.name}, converted to USD" if u.name else detail)
        for u in accepted_units(place, dimension)
    ]


def _accelerators(analysis: Analysis | None) -> list[Completion]:
    return _titled_names(catalog().accelerators, "accelerator", analysis)


def _regions() -> list[Completion]:
    return [Completion(code, "value", region.name) for code, region in catalog().regions.items()]


def _references(analysis: Analysis | None) -> list[Completion]:
    return _titled_names(catalog().references, "reference", analysis)


def _titled_names(
    entries: Mapping[str, Any], block: str, analysis: Analysis | None
) -> list[Completion]:
    """The catalog's entries of a table with their titles, then the file's own `block`s."""
    items = [Completion(name, "value", entry.title) for name, entry in entries.items()]
    if analysis is not None:
        items += [
            Completion(d.name, "value", f"{block} defined in {d.file}")
            for (table, _), d in analysis.definitions().items()
            if table == block and d.name not in entries
        ]
    return items


def _names_of(table: str, analysis: Analysis | None) -> list[Completion]:
    """The names a claim on a metric whose values are names of `table` may compare with."""
    if table == "accelerators":
        return _accelerators(analysis)
    if table == "references":
        return _references(analysis)
    return _regions()


def _scenario_names(analysis: Analysis | None, exclude: str) -> list[Completion]:
    if analysis is None:
        return []
    return [
        Completion(d.name, "name", f"scenario in {d.file}")
        for (table, _), d in analysis.definitions().items()
        if d.kind == "scenario" and d.name != exclude
    ]


def _metrics(analysis: Analysis | None) -> list[Completion]:
    references = list(catalog_names().references)
    if analysis is not None:
        references += [d.name for (t, _), d in analysis.definitions().items() if t == "reference"]
    items = []
    for name, info in metric_names().items():
        unit = info.unit
        names = [name.replace("{ref}", r) for r in references] if "{ref}" in name else [name]
        items += [Completion(n, "metric", unit) for n in names]
    return items
