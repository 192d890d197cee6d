"""Validation primitives of the loader: a sourced figure, a year table, a string, an integer,
allowed keys and a pydantic model, each raising a `CatalogError` that names file, entry and field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, overload

from pydantic import BaseModel, ValidationError

from scendsl.catalog.model import CONFIDENCE_PATTERN, CatalogError, Figure
from scendsl.language.units import DIMENSION_EXAMPLES, quantity_from_text

_YEAR_RE = re.compile(r"^[0-9]{4}$")
_FISCAL_RE = re.compile(r"^FY[0-9]{4}$")


def _figure(raw: Any, file: str, entry: str, field: str, dimension: str | None = None) -> Figure:
    """Validate an inline figure table and convert its value; check the dimension if given."""
    if not isinstance(raw, Mapping):
        example = "{ value = '700 W', source = '...', confidence = 'A' }"
        raise CatalogError(file, entry, field, f"expected a figure such as {example}")
    unknown = set(raw) - {"value", "source", "confidence", "note"}
    if unknown:
        raise CatalogError(
            file,
            entry,
            field,
            f"unknown {'key' if len(unknown) == 1 else 'keys'} in figure: {', '.join(sorted(unknown))}",
        )
    text = raw.get("value")
    if not isinstance(text, str):
        raise CatalogError(
            file, entry, field, "value must be a string as in a scenario, e.g. '700 W'"
        )
    try:
        value, found = quantity_from_text(text)
    except ValueError as exc:
        raise CatalogError(file, entry, field, str(exc)) from exc
    if dimension is not None and found != dimension:
        example = DIMENSION_EXAMPLES.get(dimension, dimension)
        raise CatalogError(file, entry, field, f"expected {example}, got '{text}' ({found})")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CatalogError(file, entry, field, "every figure needs a non-empty source")
    confidence = raw.get("confidence")
    if not isinstance(confidence, str) or not re.match(CONFIDENCE_PATTERN, confidence):
        message = f"confidence must be A, B, C or U (or 'A/B' style), got {confidence!r}"
        raise CatalogError(file, entry, field, message)
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise CatalogError(file, entry, field, "note must be a string")
    # Every field was checked above; skip pydantic's second pass to keep load_catalog() fast.
    return Figure.model_construct(
        value=value, dimension=found, text=text, source=source, confidence=confidence, note=note
    )


def _year_table(
    raw: Any, file: str, entry: str, field: str, dimension: str | None = None
) -> dict[int, Figure]:
    """A table of figures keyed by four-digit year ("2024"), returned keyed by int."""
    if not isinstance(raw, Mapping):
        raise CatalogError(
            file, entry, field, "expected a table keyed by year, e.g. '2024' = { ... }"
        )
    out: dict[int, Figure] = {}
    for key, item in raw.items():
        where = f"{field}.{key}" if field else key
        if not _YEAR_RE.match(key):
            raise CatalogError(file, entry, where, "keys must be four-digit years such as '2024'")
        out[int(key)] = _figure(item, file, entry, where, dimension)
    return out


def _table(raw: Any, file: str, entry: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CatalogError(file, entry, "", "expected a table")
    return raw


@overload
def _string(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: Literal[True] = True
) -> str: ...
@overload
def _string(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: bool
) -> str | None: ...
def _string(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: bool = True
) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise CatalogError(file, entry, field, "missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(file, entry, field, "must be a non-empty string")
    return value


def _int(
    raw: Mapping[str, Any], file: str, entry: str, field: str, required: bool = True
) -> int | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise CatalogError(file, entry, field, "missing")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise CatalogError(file, entry, field, f"must be an integer, got {value!r}")
    return value


def _check_keys(raw: Mapping[str, Any], allowed: set[str], file: str, entry: str) -> None:
    for key in raw:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise CatalogError(file, entry, key, f"unknown field; expected one of {expected}")


def _build(
    model: type[BaseModel], file: str, entry: str, *, _where: str = "", **fields: Any
) -> Any:
    """Construct `model`, turning pydantic's first error into a CatalogError at `_where.field`."""
    try:
        return model(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in (_where, *error["loc"]) if part != "")
        raise CatalogError(file, entry, field, error["msg"]) from exc
