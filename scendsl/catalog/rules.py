"""Reader of export_rules.toml: dated rules with their classes (bounds on TPP, PD, bandwidth) and
destination treatments, checked against the regions and each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scendsl.catalog.fields import _build, _check_keys, _figure, _table
from scendsl.catalog.model import (
    _COUNTRY_RE,
    _GROUPS,
    CatalogError,
    ExportGuidance,
    ExportRule,
    Region,
    RuleBounds,
    RuleClass,
    RuleTreatment,
)
from scendsl.language.units import DIMENSION_EXAMPLES, quantity_from_text

_BOUND_DIMENSIONS = {
    "tpp_min": "number",
    "tpp_below": "number",
    "tpp_max": "number",
    "pd_min": "number",
    "pd_below": "number",
    "hbm_bandwidth_density_min": "number",
    "io_min": "bandwidth",
    "hbm_bandwidth_min": "bandwidth",
    "hbm_bandwidth_max": "bandwidth",
}


def _bounds(raw: Any, file: str, entry: str, field: str) -> RuleBounds:
    """One alternative of a class's `when`: plain numbers for TPP/PD, quantities for bandwidths."""
    raw = _table(raw, file, f"{entry}.{field}")
    values: dict[str, float] = {}
    for key, item in raw.items():
        where = f"{field}.{key}"
        dimension = _BOUND_DIMENSIONS.get(key)
        if dimension is None:
            message = f"unknown bound; expected one of {', '.join(_BOUND_DIMENSIONS)}"
            raise CatalogError(file, entry, where, message)
        if dimension == "number":
            if not isinstance(item, (int, float)) or isinstance(item, bool):
                raise CatalogError(file, entry, where, "must be a plain number")
            values[key] = float(item)
            continue
        if not isinstance(item, str):
            raise CatalogError(file, entry, where, "must be a quantity string such as '600 GB/s'")
        try:
            value, found = quantity_from_text(item)
        except ValueError as exc:
            raise CatalogError(file, entry, where, str(exc)) from exc
        if found != dimension:
            message = f"expected {DIMENSION_EXAMPLES[dimension]}, got '{item}'"
            raise CatalogError(file, entry, where, message)
        values[key] = value
    if not values:
        raise CatalogError(file, entry, field, "an alternative needs at least one bound")
    return RuleBounds(**values)


def _rule_classes(raw: Mapping[str, Any], file: str, entry: str) -> tuple[RuleClass, ...]:
    classes = []
    for index, raw_class in enumerate(raw.get("classes", [])):
        where = f"classes[{index}]"
        raw_class = _table(raw_class, file, entry)
        when = raw_class.get("when")
        if not isinstance(when, list) or not when:
            raise CatalogError(file, entry, f"{where}.when", "expected a list of alternatives")
        bounds = tuple(
            _bounds(item, file, entry, f"{where}.when[{i}]") for i, item in enumerate(when)
        )
        fields = {key: value for key, value in raw_class.items() if key != "when"}
        classes.append(_build(RuleClass, file, entry, _where=where, when=bounds, **fields))
    ids = [c.id for c in classes]
    if len(set(ids)) != len(ids):
        raise CatalogError(file, entry, "classes", "class ids must be unique within a rule")
    return tuple(classes)


def _rule_treatments(
    raw: Mapping[str, Any],
    file: str,
    entry: str,
    class_ids: set[str],
    regions: Mapping[str, Region],
) -> tuple[RuleTreatment, ...]:
    treatments = []
    for index, raw_treatment in enumerate(raw.get("treatments", [])):
        where = f"treatments[{index}]"
        fields = _table(raw_treatment, file, entry)
        treatment = _build(RuleTreatment, file, entry, _where=where, **fields)
        for class_id in treatment.classes:
            if class_id not in class_ids:
                message = f"'{class_id}' is not a class of this rule"
                raise CatalogError(file, entry, f"{where}.classes", message)
        for code in treatment.regions + treatment.except_regions:
            if code not in regions:
                message = f"'{code}' is not a region of regions.toml"
                raise CatalogError(file, entry, f"{where}.regions", message)
        for group in treatment.groups + treatment.except_groups:
            if group not in _GROUPS:
                raise CatalogError(
                    file, entry, f"{where}.groups", f"unknown country group '{group}'"
                )
        if not (treatment.regions or treatment.groups or treatment.tiers or treatment.everywhere):
            message = "names no destination (regions, groups, tiers or everywhere)"
            raise CatalogError(file, entry, where, message)
        treatments.append(treatment)
    return tuple(treatments)


def _export_rules(data: Mapping[str, Any], regions: Mapping[str, Region]) -> tuple[ExportRule, ...]:
    """The rules, validated against regions.toml and each other, in order of `effective`."""
    file = "export_rules.toml"
    _check_keys(data, {"rules", "guidance"}, file, "")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise CatalogError(file, "", "rules", "expected one or more [[rules]] tables")
    rules: list[ExportRule] = []
    for index, raw in enumerate(raw_rules):
        raw = _table(raw, file, f"rules[{index}]")
        entry = str(raw.get("id") or f"rules[{index}]")
        classes = _rule_classes(raw, file, entry)
        treatments = _rule_treatments(raw, file, entry, {c.id for c in classes}, regions)
        limits = {
            name: _figure(item, file, entry, f"limits.{name}")
            for name, item in _table(raw.get("limits", {}), file, entry).items()
        }
        fields = {k: v for k, v in raw.items() if k not in ("classes", "treatments", "limits")}
        rule = _build(
            ExportRule,
            file,
            entry,
            classes=classes,
            treatments=treatments,
            limits=limits,
            **fields,
        )
        if rule.rescinded is not None and rule.rescinded < rule.effective:
            raise CatalogError(file, entry, "rescinded", "is before effective")
        rules.append(rule)
    by_id = {rule.id: rule for rule in rules}
    if len(by_id) != len(rules):
        raise CatalogError(file, "", "rules", "rule ids must be unique")
    for rule in rules:
        if rule.superseded_by is None:
            continue
        later = by_id.get(rule.superseded_by)
        if later is None:
            message = f"'{rule.superseded_by}' is not a rule id"
            raise CatalogError(file, rule.id, "superseded_by", message)
        if later.effective <= rule.effective:
            message = "the superseding rule must take effect later"
            raise CatalogError(file, rule.id, "superseded_by", message)
    return tuple(sorted(rules, key=lambda rule: rule.effective))


def _export_guidance(
    data: Mapping[str, Any], accelerators: Mapping[str, Any]
) -> tuple[ExportGuidance, ...]:
    """export_rules.toml `[[guidance]]`: statements on how the rules apply to named chips, in
    order of issue; the chips they name must be catalog accelerators."""
    file = "export_rules.toml"
    raw_items = data.get("guidance", [])
    if not isinstance(raw_items, list):
        raise CatalogError(file, "", "guidance", "expected [[guidance]] tables")
    items: list[ExportGuidance] = []
    for index, raw in enumerate(raw_items):
        raw = _table(raw, file, f"guidance[{index}]")
        entry = str(raw.get("id") or f"guidance[{index}]")
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        item = _build(ExportGuidance, file, entry, **fields)
        for name in item.names:
            if name not in accelerators:
                message = f"'{name}' is not an accelerator of accelerators.toml"
                raise CatalogError(file, entry, "names", message)
        for code in item.origins:
            if not _COUNTRY_RE.match(code):
                message = f"'{code}' is not an ISO 3166-1 alpha-2 country code"
                raise CatalogError(file, entry, "origins", message)
        if item.withdrawn is not None and item.withdrawn < item.issued:
            raise CatalogError(file, entry, "withdrawn", "is before issued")
        items.append(item)
    if len({item.id for item in items}) != len(items):
        raise CatalogError(file, "", "guidance", "guidance ids must be unique")
    return tuple(sorted(items, key=lambda item: item.issued))
