"""Hovers: Markdown for what is under the cursor (a field with its unit, bounds and default, a
value in SI units and where it was set, a catalog or defined name, a claim's metric and value)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from scendsl.errors import Span
from scendsl.lsp.analysis import (
    BASE_UNIT,
    HOVER_SAMPLES,
    Atom,
    Document,
    F,
    Statement,
    accepted_units,
    catalog,
    catalog_names,
    format_value,
    money_written,
    regional_figures,
    registry,
    registry_node,
    value_text,
    warning_rule,
)
from scendsl.lsp.choices import choice_lines, default_of
from scendsl.lsp.hints import claim_value, headline
from scendsl.lsp.places import field_path, metric_template, place_at, spec_of
from scendsl.lsp.positions import Pos, contains
from scendsl.lsp.workspace import Analysis
from scendsl.report.render import md_code, md_escape

#: Where a field that is left out gets its value (the model's `scenario_or_calibration` calls).
CALIBRATION_DEFAULTS = {
    "cluster.mfu": "default_mfu",
    "cluster.overhead": "network_overhead",
    "energy.utilization": "default_utilization",
    "workload.checkpoint_time": "checkpoint_write_time",
    "workload.dropout": "default_dropout",
    "workload.micro_batch": "default_micro_batch",
    "workload.sequence_length": "default_sequence_length",
}
#: Defaults the model writes in code rather than in the registry's formulas or the calibration.
MODEL_DEFAULTS = {
    "energy.mix": "`grid 100%`: the region's grid",
    "workload.precision": "`bf16`",
    "workload.framework": "`megatron` (Megatron-LM, whose papers the formulas follow)",
    "workload.recompute": "the framework's (`scendsl explain workload.recompute`)",
    "workload.zero_stage": "the framework's, else calibration `default_zero_stage`",
    "workload.offload": "`none`",
    "compare_with": "the largest national research resource of the scenario's own country "
    "(a subdivision's country), else the largest of all",
}


def _model_default(path: str) -> str | None:
    """MODEL_DEFAULTS' text; the recomputation and the ZeRO stage spelled out per framework from
    the catalog's frameworks.toml (read only when asked: the editor starts without the catalog)."""
    if path not in ("workload.recompute", "workload.zero_stage", "workload.framework"):
        return MODEL_DEFAULTS.get(path)
    from scendsl.catalog import load_catalog

    loaded = load_catalog()
    if path == "workload.framework":
        # Some platforms have their own default framework (frameworks.toml default_on).
        own = [
            f"`{n}` on accelerators of platform {', '.join(d.default_on)}"
            for n, d in loaded.frameworks.items()
            if d.default_on
        ]
        return "; ".join([MODEL_DEFAULTS[path], *own])
    if path == "workload.recompute":
        return ", ".join(f"`{d.recompute}` with {n}" for n, d in loaded.frameworks.items())
    stage = loaded.calibration["default_zero_stage"]
    sharded = [f"`{d.zero_stage}` with {n}" for n, d in loaded.frameworks.items() if d.zero_stage]
    rest = f"`{stage.text}` otherwise (calibration `default_zero_stage`: {stage.source})"
    return ", ".join([*sharded, rest])


@dataclass
class Hover:
    markdown: str
    span: Span


def hover(analysis: Analysis, document: Document, pos: Pos) -> Hover | None:
    """Markdown for what is under the cursor: a field, a value, a name or a claim's metric,
    followed by the rules of the warnings that point at it."""
    answer = _hover(analysis, document, pos)
    warnings = [
        d
        for d in analysis.diagnostics
        if d.severity == "warning"
        and d.span is not None
        and d.span.file == document.file
        and contains(d.span, pos)
    ]
    if not warnings:
        return answer
    notes = "\n\n".join(_warning_text(d) for d in warnings)
    if answer is None:
        return Hover(notes, warnings[0].span)  # type: ignore[arg-type]  # located above
    return Hover(answer.markdown + "\n\n---\n\n" + notes, answer.span)


def _warning_text(diagnostic) -> str:
    """A warning and the rule of warnings.toml behind it: why it is given, on what basis."""
    lines = [f"**warning** `{diagnostic.code}`: {md_escape(diagnostic.message)}"]
    rule = warning_rule(diagnostic.code)
    if rule is not None:
        lines += [
            "",
            f"- rule `{rule.id}` of warnings.toml",
            f"- why: {rule.why}",
            f"- source: {rule.source} (confidence {rule.confidence})",
        ]
        qualified = [f"`{c}` and what is built on it" for c in rule.marks]
        qualified += [f"`{c}`" for c in rule.concerns]
        if qualified:
            lines.append("- qualifies: " + ", ".join(qualified))
    return "\n".join(lines)


def _hover(analysis: Analysis, document: Document, pos: Pos) -> Hover | None:
    place = place_at(document, pos)
    if place is None:
        return None
    statement = place.chain[-1]
    kind, path = field_path(place.chain)
    scenario_name = _block_name(place.chain[0])
    if place.atom is None:
        if len(place.chain) == 1:
            if kind == "briefings":
                names = ", ".join(f"`{n}`" for n in F.BRIEFINGS_FIELDS)
                return Hover(
                    f"**briefings** — options of the whole scenario set, given once: {names}",
                    statement.key_span,
                )
            return None
        if kind == "scenario" and path in F.SECTIONS:
            names = ", ".join(f"`{n}`" for n in F.SECTIONS[path])
            return Hover(f"**{path}** section: {names}", statement.key_span)
        spec = spec_of(kind, path)
        if spec is None or path is None:  # spec_of gives no spec without a path
            return None
        text = _field_text(kind, path, spec)
        if kind == "scenario" and scenario_name:
            text += _current_input(analysis, scenario_name, _input_of_field().get(path, path))
        elif kind == "accelerator":
            text += _accelerator_figure(analysis, place.chain[0], path)
        return Hover(text, statement.key_span)
    atom = place.atom
    if len(place.chain) == 1:  # a block's header: its name or what it extends
        if place.index == 2 and atom.kind == "word":
            return _name_hover(
                analysis, "scenario" if kind in ("scenario", "sweep") else kind, atom
            )
        if place.index == 0 and kind == "accelerator":
            return _name_hover(analysis, "accelerator", atom)
        if place.index == 0 and kind == "scenario":
            text = _headline_text(analysis, atom.text)
            return Hover(text, atom.span) if text else None
        return None
    if kind == "scenario" and path == "expect" and place.index == 0 and atom.text != "not":
        return _claim_hover(analysis, scenario_name, statement, atom)
    if (
        kind == "scenario"
        and path == "expect"
        and place.index == 1
        and statement.values[0].text == "not"
    ):  # expect not METRIC
        return _claim_hover(analysis, scenario_name, statement, atom)
    spec = spec_of(kind, path)
    if spec is None or (atom.kind != "word" and spec.kind not in ("quantity", "integer")):
        return None
    if spec.kind == "accelerator":
        return _name_hover(analysis, "accelerator", atom)
    if spec.kind == "region":
        return _name_hover(analysis, "region", atom)
    if spec.kind == "mix" and atom.kind == "word":
        return _name_hover(analysis, "energy", atom)
    if spec.kind == "comparison" and scenario_name:
        return _comparison_hover(analysis, scenario_name, atom)
    if spec.kind == "enum" and path is not None:
        return _choice_hover(analysis, kind, path, spec, scenario_name, atom)
    if (
        spec.kind in ("quantity", "integer")
        and kind == "scenario"
        and scenario_name
        and path is not None
    ):
        return _value_hover(analysis, scenario_name, path, statement)
    if spec.kind in ("quantity", "integer") and kind == "sweep" and scenario_name and path:
        return _axis_hover(analysis, scenario_name, path, spec, statement)
    if spec.kind == "quantity" and kind in ("accelerator", "reference") and scenario_name and path:
        return _definition_value_hover(analysis, kind, scenario_name, path, spec, statement)
    return None


def _definition_value_hover(
    analysis: Analysis,
    kind: str,
    name: str,
    figure: str,
    spec: F.FieldSpec,
    statement: Statement,
) -> Hover | None:
    """A figure of an `accelerator` or `reference` block as resolved, in SI units; for an
    accelerator that extends a catalog entry, the catalog's figure it overrides."""
    if analysis.scenarios is None or not analysis.scenarios.scenarios:
        return None  # definitions are resolved with the scenarios that may use them
    holder = analysis.scenarios.scenarios[0]
    table = holder.accelerators if kind == "accelerator" else holder.references
    entry = table.get(name)
    if entry is None:
        return None
    value = entry.figures.get(figure) if kind == "accelerator" else getattr(entry, figure, None)
    if value is None or isinstance(value, str):
        return None
    unit = BASE_UNIT.get(spec.dimension or "number", "")
    unit = "" if unit in ("", "1") else f" {unit}"
    written = entry.currencies.get(figure) if kind == "accelerator" else None
    shown, si, _ = _amount(value, spec.dimension, unit, written, None)
    text = f"**{figure}** of `{name}` = {shown}\n\n- SI: `{si}`\n- set at {md_code(statement.span)}"
    if written is not None:
        # A block has no year: each scenario using it converts the price at its own year's rate.
        text += "\n- converted to USD at the rate of the year of each scenario using it"
    base = catalog().accelerators.get(getattr(entry, "base", None) or "")
    if base is not None and figure in base.figures:
        over = base.figures[figure]
        text += (
            f"\n- overrides `{base.name}`'s {over.text} — {over.source} "
            f"(confidence {over.confidence})"
        )
    return Hover(text, _values_span(statement))


#: The most values of a sweep axis a hover lists one by one.
_AXIS_SHOWN = 12


def _axis_hover(
    analysis: Analysis, sweep: str, path: str, spec: F.FieldSpec, statement: Statement
) -> Hover | None:
    """A sweep's axis: each value as the briefings print it and in SI units."""
    if analysis.scenarios is None:
        return None
    found = next((s for s in analysis.scenarios.sweeps if s.name == sweep), None)
    axis = next((a for a in found.axes if a.path == path), None) if found else None
    if found is None or axis is None:
        return None
    dimension = "year" if path == "year" else spec.dimension
    unit = BASE_UNIT.get(dimension or "number", "")
    unit = "" if unit in ("", "1") or dimension == "year" else f" {unit}"
    values = axis.values
    if not all(isinstance(v, (int, float)) or hasattr(v, "low") for v in values):
        return None  # not numbers: the field's own hover says enough
    # An amount in another currency is shown at the rate of the base scenario's year.
    base = analysis.scenario(found.base)
    year = base.year if base is not None else None
    written = axis.currencies or (None,) * len(values)
    # A long axis (`year 2000 .. 2100`) shows its ends.
    picked = range(len(values)) if len(values) <= _AXIS_SHOWN else (0, len(values) - 1)
    amounts = [_amount(values[i], dimension, unit, written[i], year) for i in picked]
    gap = " · … · " if len(amounts) < len(values) else " · "
    shown = gap.join(a[0] for a in amounts)
    si = (", … , " if len(amounts) < len(values) else ", ").join(a[1] for a in amounts)
    text = (
        f"**{path}** in sweep `{sweep}`: {shown}\n\n- SI: `{si}`\n"
        f"- {len(axis.values)} values; {found.size} variants of `{found.base}` in all"
    )
    if any(written) and year is not None:
        text += (
            f"\n- USD at the rate of `{found.base}`'s year ({year}); each variant converts at "
            "the rate of its own year"
        )
    return Hover(text, _values_span(statement))


def _amount(
    value: Any, dimension: str | None, unit: str, written: str | None, year: int | None
) -> tuple[str, str, Any]:
    """A value as the briefings print it, its SI text (`unit`: the SI unit's suffix) and the
    value in SI. An amount `written` in another currency (`EUR/kWh`) is shown as written and in
    USD at `year`'s rate, and its SI is in USD: the resolver holds it in its own currency."""
    shown = None
    if written is not None:
        shown, value = money_written(value, written, year)
    if hasattr(value, "low"):
        si = f"{value.low:g}{unit} to {value.high:g}{unit}"
        shown = (
            shown
            or f"{format_value(value.low, dimension)} to {format_value(value.high, dimension)}"
        )
    else:
        si = f"{value:g}{unit}"
        shown = shown or format_value(value, dimension)
    return shown, si, value


def _block_name(statement: Statement) -> str | None:
    values = statement.values
    return values[0].text if values and values[0].kind == "word" else None


def _field_text(kind: str, path: str, spec: F.FieldSpec) -> str:
    lines = [f"**{path}** — {spec.doc}", ""]
    if spec.kind in ("quantity", "integer"):
        dimension = spec.dimension or "number"
        accepted = accepted_units(kind, dimension)
        units = [u.symbol for u in accepted if u.currency is None]
        unit = f"SI unit {BASE_UNIT.get(dimension, dimension)}"
        others = [u.symbol for u in accepted if u.currency is not None]
        if units:
            unit += "; write " + ", ".join(units)
            if others:
                unit += (
                    ", or in another currency the catalog has a rate for "
                    f"({', '.join(others[:3])}, …: `scendsl list currencies`), converted to "
                    "USD at the scenario year's rate"
                )
        elif spec.kind == "integer":
            unit = "a whole number (no unit)"
        elif dimension == "fraction":
            unit = "a fraction: write `40%` or `0.4`"
        else:
            unit = "a plain number (no unit); `k`, `M`, `B`, `T` multiply"
        lines.append(f"- unit: {unit}")
        lines.append(f"- bounds: {_bounds(spec)}")
        if spec.uncertain:
            lines.append("- may be uncertain: `a to b` or `x ± y%`")
    elif spec.kind == "enum":
        lines.append("- one of: " + ", ".join(f"`{c}`" for c in spec.choices))
    elif spec.kind == "string":
        lines.append("- text in double quotes")
    else:
        lines.append(
            "- "
            + {
                "accelerator": "a catalog accelerator, or the name of an `accelerator` block",
                "region": f"one of the catalog's {len(catalog_names().regions)} region codes",
                "mix": "energy sources of the catalog with their shares, adding up to 100%",
                "parallelism": "degrees by kind: " + ", ".join(F.PARALLELISM_KEYS),
                "comparison": "a reference of kind national_resource (`scendsl list references`), "
                "or an ISO 3166 country code or a named group of countries (`US`, `EU`)",
            }.get(spec.kind, spec.kind)
        )
    if kind == "scenario" and spec.kind != "string":
        lines.append("- default: " + _default_text(path, spec))
    elif kind == "briefings":
        found = default_of(kind, path, spec)
        lines.append("- default: " + (f"`{found[0]}`, {found[1]}" if found else "none"))
        lines.append("- holds for every scenario loaded together (one value per set)")
    return "\n".join(lines)


def _bounds(spec: F.FieldSpec) -> str:
    lo, hi = spec.minimum, spec.maximum
    if spec.dimension == "fraction" and lo == 0.0 and hi == 1.0:
        return "0% to 100%" if spec.inclusive else "above 0%, at most 100%"
    parts = []
    if lo is not None:
        parts.append(f"≥ {lo:g}" if spec.inclusive else f"> {lo:g}")
    if hi is not None:
        parts.append(f"≤ {hi:g}")
    return ", ".join(parts) if parts else "none"


def _default_text(path: str, spec: F.FieldSpec) -> str:
    if path in F.REQUIRED_SCENARIO_FIELDS:
        return "none: every scenario sets it"
    choice = default_of("scenario", path, spec) if spec.kind == "enum" else None
    if choice is not None:
        return f"`{choice[0]}` — {choice[1]}"
    key = CALIBRATION_DEFAULTS.get(path)
    if key is None:
        if path in MODEL_DEFAULTS:
            return _model_default(path) or ""
        # An input node that reads the field says in its formula what it falls back on.
        for node in registry().nodes.values():
            if node.formula.startswith(f"scenario {path}, else "):
                sources = f" ({'; '.join(node.sources)})" if node.sources else ""
                return node.formula.removeprefix(f"scenario {path}, else ") + sources
        return (
            "none: the model derives it from other inputs or leaves what needs it n/a "
            "(`scendsl explain` shows which)"
        )
    figure = catalog().calibration.get(key)
    if figure is None:
        return f"calibration `{key}`"
    return f"{figure.text} — calibration `{key}`: {figure.source} (confidence {figure.confidence})"


@cache
def _input_of_field() -> dict[str, str]:
    """The input that stands for each scenario field, as the model declares it
    (`Node.scenario_field`): `workload.global_batch` is read as `workload.global_batch_setting`."""
    return {node.scenario_field: node.name for node in registry().inputs() if node.scenario_field}


def _comparison_hover(analysis: Analysis, scenario: str, atom: Atom) -> Hover:
    """`compare_with NAME`: the resource the headline compares with, why, and its source."""
    lines = [f"**compare_with** `{atom.text}`"]
    result = analysis.result(scenario)
    chosen = result.inputs.get("divide.public_resource") if result is not None else None
    if chosen is None:
        lines += ["", "_(no value: fix the errors first)_"]
        return Hover("\n".join(lines), atom.span)
    # The note says which resource and why (the file may have written its title: shown as text).
    lines += ["", f"In `{scenario}`: {md_escape(chosen.note or value_text(chosen))}"]
    peak = result.inputs.get("divide.public_resource_peak")
    if peak is not None:
        lines.append(f"- its peak: {md_escape(value_text(peak))}")
    if chosen.origin:
        lines.append(f"- from {md_code(chosen.origin)}")  # a location, as code as elsewhere
    lines += [f"- source: {md_escape(source)}" for source in chosen.sources]
    return Hover("\n".join(lines), atom.span)


def _current_input(analysis: Analysis, scenario: str, path: str) -> str:
    result = analysis.result(scenario)
    if result is None:
        return ""
    node = result.inputs.get(path) or result.inputs.get(f"scenario.{path}")
    if node is None:
        return ""
    text = f"\n\nIn `{scenario}`: **{md_escape(value_text(node))}**"
    if node.origin:
        text += f" — from {md_code(node.origin)}"
    return text


def _choice_hover(
    analysis: Analysis,
    kind: str,
    path: str,
    spec: F.FieldSpec,
    scenario: str | None,
    atom: Atom,
) -> Hover:
    """An option of an enum field: the field, whether it is the default, what it brings in."""
    value = atom.text
    lines = [f"**{path}** `{value}` — {spec.doc}", ""]
    if value not in spec.choices:
        lines.append("- not an option: " + ", ".join(f"`{c}`" for c in spec.choices))
        return Hover("\n".join(lines), atom.span)
    found = default_of(kind, path, spec)
    if found is not None:
        lines.append("- the default" if found[0] == value else f"- the default is `{found[0]}`")
        lines[-1] += f" ({found[1]})"
    elif kind in ("scenario", "sweep") and path in MODEL_DEFAULTS:
        lines.append(f"- default: {_model_default(path)}")
    others = [c for c in spec.choices if c != value]
    if others:
        lines.append("- other options: " + ", ".join(f"`{c}`" for c in others))
    sc = analysis.scenario(scenario) if kind == "scenario" and scenario else None
    lines += choice_lines(path, value, sc.cluster.accelerator if sc is not None else None)
    if path == "market.price_series" and scenario:
        current = _current_input(analysis, scenario, "market.unit_price").strip()
        if current:
            lines += ["", "Unit price in " + current.removeprefix("In ")]
    return Hover("\n".join(lines), atom.span)


def _accelerator_figure(analysis: Analysis, block: Statement, figure: str) -> str:
    base = None
    values = block.values
    if len(values) == 3 and values[1].text == "extends":
        base = values[2].text
    elif values:
        base = values[0].text
    entry = catalog().accelerators.get(base or "")
    if entry is None or figure not in entry.figures:
        return ""
    value = entry.figures[figure]
    return f"\n\nCatalog `{base}`: {value.text} — {value.source} (confidence {value.confidence})"


def _value_hover(
    analysis: Analysis, scenario: str, path: str, statement: Statement
) -> Hover | None:
    sc = analysis.scenario(scenario)
    if sc is None:
        return None
    section, _, name = path.rpartition(".")
    value = getattr(getattr(sc, section), name, None) if section else getattr(sc, name, None)
    if value is None:
        return None
    spec = F.scenario_field(path)
    dimension = spec.dimension if spec is not None else "number"
    # The model's input knows more than the field table (`year` is a year, not a count).
    result = analysis.result(scenario)
    node = (
        result.inputs.get(path) or result.inputs.get(f"scenario.{path}")
        if result is not None
        else None
    )
    if node is not None and node.dimension:
        dimension = node.dimension
    unit = BASE_UNIT.get(dimension or "number", "")
    unit = "" if unit in ("", "1") or dimension == "year" else f" {unit}"
    shown, si, value = _amount(value, dimension, unit, sc.currencies.get(path), sc.year)
    if hasattr(value, "low"):
        si += f" (centre {value.center:g}{unit})"
    origin = sc.origins.get(path)
    where = md_code(origin) if origin is not None else "inherited"
    if origin is not None and (origin.file, origin.line) != (
        statement.span.file,
        statement.span.line,
    ):
        where += " (this line is overridden)"
    text = f"**{path}** = {shown}\n\n- SI: `{si}`\n- set at {where} in `{scenario}`"
    return Hover(text, _values_span(statement))


def _values_span(statement: Statement) -> Span:
    first, last = statement.values[0].span, statement.values[-1].span
    return Span(first.file, first.line, first.col, last.end_line, last.end_col)


def _figure_line(label: str, figure) -> str:
    note = f" — {figure.source} (confidence {figure.confidence})"
    return f"- {label}: {figure.text}{note}"


def name_info(analysis: Analysis | None, kind: str, name: str) -> str | None:
    """Markdown about an accelerator, region, energy source or scenario name."""
    cat = catalog()
    if kind == "accelerator":
        custom = analysis.definitions().get(("accelerator", name)) if analysis else None
        if analysis is not None and custom is not None:
            text = f"**{name}**: accelerator defined at {md_code(custom.span)}"
            scenarios = analysis.scenarios
            built = None
            if scenarios is not None and scenarios.scenarios:
                built = scenarios.scenarios[0].accelerators.get(name)
            if built is not None:
                if built.base:
                    text += f", based on `{built.base}`"
                for figure, value in built.figures.items():
                    spec = F.ACCELERATOR_FIGURES.get(figure)
                    shown = value.center if hasattr(value, "center") else value
                    dimension = spec.dimension if spec else "number"
                    written = built.currencies.get(figure)
                    text += f"\n- {figure}: " + (
                        money_written(shown, written, None)[0]
                        if written is not None
                        else format_value(shown, dimension)
                    )
            return text
        entry = cat.accelerators.get(name)
        if entry is None:
            return None
        lines = [
            f"**{name}** — {entry.title} ({entry.vendor}, available {entry.available_year})",
            "",
        ]
        for figure in (
            "bf16_dense",
            "fp8_dense",
            "fp4_dense",
            "hbm",
            "hbm_bandwidth",
            "scaleup_bandwidth",
            "tdp",
        ):
            if figure in entry.figures:
                lines.append(_figure_line(figure, entry.figures[figure]))
        if entry.price:
            year = max(entry.price)
            lines.append(_figure_line(f"price {year}", entry.price[year]))
        return "\n".join(lines)
    if kind == "region":
        region = cat.regions.get(name)
        if region is None:
            return None
        lines = [
            f"**{name}** — {region.name}",
            "",
            f"- export-control tier: {region.diffusion_tier}"
            + (f"; groups {', '.join(region.groups)}" if region.groups else ""),
        ]
        for label, found in regional_figures(name):
            if found.value is None or found.year_used is None:
                lines.append(f"- {label}: no figure ({found.reason or 'not in the data'})")
                continue
            where = "" if found.region_used == name else f" of {found.region_used}"
            lines.append(
                f"- {label} {found.year_used}{where}: {found.value:,.4g} {found.unit} "
                f"({found.confidence}; {found.source})"
            )
        return "\n".join(lines)
    if kind == "energy":
        source = cat.energy_sources.get(name)
        if source is None:
            return None
        lines = [f"**{name}** — {source.title}", ""]
        if source.uses_region_grid:
            lines.append("- the region's grid: its intensity and price")
        if source.intensity is not None:
            lines.append(_figure_line("carbon intensity", source.intensity))
        if source.price is not None:
            lines.append(_figure_line("price", source.price))
        return "\n".join(lines)
    if kind == "scenario" and analysis is not None:
        definition = analysis.definitions().get(("scenario", name))
        if definition is None:
            return None
        return f"**{name}**: {definition.kind} defined at {md_code(definition.span)}" + (
            "\n\n" + _headline_text(analysis, name) if analysis.scenario(name) else ""
        )
    return None


def _name_hover(analysis: Analysis, kind: str, atom: Atom) -> Hover | None:
    text = name_info(analysis, kind, atom.text)
    return Hover(text, atom.span) if text else None


def _headline_text(analysis: Analysis, name: str) -> str:
    figures = headline(analysis, name)
    return " · ".join(f"{label} **{value}**" for label, value in figures)


def _claim_hover(
    analysis: Analysis, scenario: str | None, statement: Statement, atom: Atom
) -> Hover | None:
    node = registry_node(atom.text) or registry_node(metric_template(atom.text))
    parts = atom.text.split(".")
    ref = parts[1] if len(parts) > 2 else ""
    # The evaluated figure's meaning names its reference by title, as the briefing does; the
    # registry's, with the key, stands in while the file does not evaluate.
    result = analysis.result(scenario) if scenario is not None else None
    figure = result.find(atom.text) if result is not None else None
    meaning = (
        figure.meaning
        if figure is not None
        else node.meaning.replace("{ref}", ref)
        if node is not None
        else ""
    )
    # A meaning or a value may carry a title the file wrote (a reference block's): Markdown
    # shows it as written, never as a link, an image or markup.
    lines = [f"**{atom.text}**" + (f" — {md_escape(meaning)}" if meaning else "")]
    if node is not None and node.formula:
        lines += ["", f"`{node.formula.replace('{ref}', ref)}`"]
    value = claim_value(analysis, scenario, statement)
    if value is not None:
        verdict = {True: "the claim holds", False: "the claim FAILS", None: "not decidable"}[
            value.holds
        ]
        lines += ["", f"Now in `{scenario}`: **{md_escape(value.value)}** — {verdict}"]
        if value.range:
            lines.append(f"- 90% range (P5–P95): {value.range}")
        if value.probability is not None:
            lines.append(f"- holds in {value.probability:.0%} of {HOVER_SAMPLES:,} samples")
    elif analysis.scenarios is None:
        lines += ["", "_(no value: fix the errors first)_"]
    return Hover("\n".join(lines), atom.span)
