"""Custom `accelerator` blocks (with their extends chains) and `reference` blocks."""

from __future__ import annotations

from typing import Any

from scendsl.language import fields as F
from scendsl.language.derived import derive
from scendsl.language.names import accelerator_hint, country_of
from scendsl.language.passes.state import MAX_EXTENDS_DEPTH, Definition, ResolverState
from scendsl.language.values import ValueReader, join_atoms, values_written_as_block
from scendsl.scenario import CustomAccelerator, ReferenceEntity
from scendsl.suggest import quoted, suggest


class BlocksPass(ValueReader, ResolverState):
    """Builds `accelerator` and `reference` blocks, before the scenarios that name them."""

    def build_accelerator(
        self, definition: Definition, chain: tuple[str, ...] = ()
    ) -> CustomAccelerator | None:
        """Build an `accelerator` block once; `chain` is the accelerators extending it."""
        if definition.name not in self.built_accelerators:
            self.built_accelerators[definition.name] = self._build_accelerator(definition, chain)
        return self.built_accelerators[definition.name]

    def _build_accelerator(
        self, definition: Definition, chain: tuple[str, ...]
    ) -> CustomAccelerator | None:
        statement = definition.statement
        values = statement.values
        base = None
        if len(values) >= 2:
            if len(values) != 3 or values[1].text != "extends" or values[2].kind != "word":
                self.sink.error(
                    "an accelerator header is 'accelerator NAME' or "
                    "'accelerator NAME extends BASE'",
                    join_atoms(values[1:]),
                )
                return None
            base = values[2].text
            if base not in self.catalog.accelerators and base not in self.accelerators:
                self.sink.error(
                    f"unknown accelerator {quoted(base)}",
                    values[2].span,
                    accelerator_hint(base, self.accelerator_names()),
                )
                return None
            if base == definition.name and base not in self.catalog.accelerators:
                self.sink.error(f"{quoted(base)} extends itself", values[2].span)
                return None
        elif definition.name in self.catalog.accelerators:
            base = definition.name  # a block named like a catalog entry overrides it
        errors_before = len(self.sink.diagnostics)
        # Values read against each field's spec, typed as the model expects by that spec (which
        # mypy cannot follow from the key): hence Any, not object.
        attributes: dict[str, Any] = {}
        figures: dict[str, Any] = {}
        citations: dict[str, str] = {}
        currencies: dict[str, str] = {}  # a price written in another currency
        for item in statement.body or []:
            if item.body is not None and (
                item.key in F.ACCELERATOR_ATTRIBUTES or item.key in F.ACCELERATOR_FIGURES
            ):
                self.sink.error(
                    f"{quoted(item.key)} cannot hold a block here",
                    item.key_span,
                    values_written_as_block(item.key, item.body),
                )
                continue
            if item.key in F.ACCELERATOR_ATTRIBUTES:
                target, spec = attributes, F.ACCELERATOR_ATTRIBUTES[item.key]
            elif item.key in F.ACCELERATOR_FIGURES:
                target, spec = figures, F.ACCELERATOR_FIGURES[item.key]
            else:
                known = list(F.ACCELERATOR_ATTRIBUTES) + list(F.ACCELERATOR_FIGURES)
                self.sink.error(
                    f"unknown accelerator field {quoted(item.key)}",
                    item.key_span,
                    suggest(item.key, known),
                )
                continue
            if item.key in target:
                self.sink.error(f"{quoted(item.key)} is set twice", item.key_span)
                continue
            atoms, citation, readable = self.cited(item.values, item.key)
            value, currency = (
                self.value_in_currency(atoms, spec, item.key_span, item.key, "accelerator")
                if readable
                else (None, None)
            )
            if value is not None:
                target[item.key] = value
                if citation is not None and target is figures:  # sources are per figure
                    citations[item.key] = citation
                if currency is not None:
                    currencies[item.key] = currency
        if len(self.sink.diagnostics) > errors_before:
            return None
        # An accelerator that extends a custom one inherits its figures and its catalog root. A
        # block named like a catalog entry overrides that entry for its extenders too; only a
        # block that extends its own name reaches past itself to the catalog.
        if base is not None and base in self.accelerators and base != definition.name:
            chain = (*chain, definition.name)
            if base in chain:
                cycle = (*chain[chain.index(base) :], base)
                self.sink.error(
                    f"'{definition.name}' extends itself through {' → '.join(cycle)}",
                    values[2].span,
                )
                return None
            if len(chain) > MAX_EXTENDS_DEPTH:
                self.sink.error(
                    f"'{definition.name}' extends a chain of more than "
                    f"{MAX_EXTENDS_DEPTH} accelerators",
                    values[2].span,
                )
                return None
            parent = self.build_accelerator(self.accelerators[base], chain)
            if parent is None:
                return None
            depth = self.accelerator_depths.get(parent.name, 0) + 1
            if depth > MAX_EXTENDS_DEPTH:  # the same limit whatever order the blocks come in
                self.sink.error(
                    f"'{definition.name}' extends a chain of more than "
                    f"{MAX_EXTENDS_DEPTH} accelerators",
                    values[2].span,
                )
                return None
            self.accelerator_depths[definition.name] = depth
            own = set(figures)
            # A figure derived from one this block changes follows it (derived_figures.toml).
            derived = derive(figures, parent.figures)
            # A figure this block sets or changes no longer has the parent's source.
            citations = {
                **{
                    k: c
                    for k, c in parent.citations.items()
                    if k not in derived and k not in figures
                },
                **citations,
            }
            figures = {**parent.figures, **derived, **figures}
            # ... and a figure it sets in US dollars no longer the parent's currency.
            currencies = {
                **{k: c for k, c in parent.currencies.items() if k not in own},
                **currencies,
            }
            attributes = {
                "title": parent.title,
                "vendor": parent.vendor,
                "available_year": parent.available_year,
                "source": parent.source,
                "subject_to": parent.subject_to,
                **attributes,
            }
            base = parent.base
        if base is None:
            missing = [f for f in F.REQUIRED_ACCELERATOR_FIGURES if f not in figures]
            if missing:
                self.sink.error(
                    f"accelerator '{definition.name}' is new and lacks " + ", ".join(missing),
                    values[0].span,
                    "give them in the block ("
                    + "; ".join(_figure_example(name) for name in missing)
                    + "), or start from the nearest catalog accelerator with "
                    f"'accelerator {definition.name} extends NAME' (`scendsl list accelerators`)",
                )
                return None
        return CustomAccelerator.model_construct(
            name=definition.name,
            base=base,
            figures=figures,
            citations=citations,
            currencies=currencies,
            span=values[0].span,
            **attributes,
        )

    def build_reference(self, definition: Definition) -> ReferenceEntity | None:
        statement = definition.statement
        if len(statement.values) != 1:
            self.sink.error(
                "a reference header is 'reference NAME'", join_atoms(statement.values[1:])
            )
            return None
        errors_before = len(self.sink.diagnostics)
        found: dict[str, Any] = {}  # typed by each field's spec, as in `_build_accelerator`
        for item in statement.body or []:
            spec = F.REFERENCE_FIELDS.get(item.key)
            if spec is None or item.body is not None:
                self.sink.error(
                    f"unknown reference field {quoted(item.key)}",
                    item.key_span,
                    suggest(item.key, F.REFERENCE_FIELDS),
                )
                continue
            value = self.value(item.values, spec, item.key_span, item.key)
            if value is not None:
                found[item.key] = value
        for required in F.REQUIRED_REFERENCE_FIELDS:
            if required not in found and len(self.sink.diagnostics) == errors_before:
                self.sink.error(
                    f"reference '{definition.name}' does not set '{required}'",
                    statement.values[0].span,
                )
        if len(self.sink.diagnostics) > errors_before:
            return None
        found.setdefault("title", definition.name)
        if "region" in found:  # compared by country: "US-TX" serves the US
            found["region"] = country_of(str(found["region"]))
        return ReferenceEntity.model_construct(
            name=definition.name, span=statement.values[0].span, **found
        )

    def build_briefings(self) -> dict[str, Any]:
        """The set-level options of the `briefings` block (none without one)."""
        found: dict[str, Any] = {}
        for statement in self.briefings:
            for item in statement.body or []:
                spec = F.BRIEFINGS_FIELDS.get(item.key)
                if spec is None or item.body is not None:
                    self.sink.error(
                        f"unknown briefings option {quoted(item.key)}",
                        item.key_span,
                        suggest(item.key, F.BRIEFINGS_FIELDS),
                    )
                    continue
                if item.key in found:
                    self.sink.error(f"{quoted(item.key)} is set twice", item.key_span)
                    continue
                value = self.value(item.values, spec, item.key_span, item.key)
                if value is not None:
                    found[item.key] = value
        return found


#: The unit a missing figure is written in, for the example line of its hint.
_EXAMPLE_UNITS = {"flop_rate": "TFLOPS", "data": "GB", "bandwidth": "GB/s", "power": "W"}


def _figure_example(name: str) -> str:
    """`scaleup_bandwidth N GB/s`: scale-up (NVLink-class) bandwidth, bidirectional."""
    spec = F.ACCELERATOR_FIGURES[name]
    unit = _EXAMPLE_UNITS.get(spec.dimension or "", "")
    return f"`{name} N{' ' + unit if unit else ''}`: {spec.doc}"
