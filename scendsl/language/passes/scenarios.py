"""Pass 3, values: a scenario's flat lines read into a typed `Scenario`."""

from __future__ import annotations

from typing import Any

from scendsl.errors import Span
from scendsl.language import fields as F
from scendsl.language.layout import check_layout, check_relations
from scendsl.language.passes.claims import ClaimsPass
from scendsl.language.passes.extends import ExtendsPass
from scendsl.language.passes.state import Definition
from scendsl.language.values import next_field_on_the_line
from scendsl.scenario import Claim, Cluster, Energy, Market, Scenario, Workload


class ScenariosPass(ExtendsPass, ClaimsPass):
    """Builds each scenario: its extends chain, its values, its claims and correlations."""

    def build_scenario(self, definition: Definition) -> Scenario | None:
        errors_before = len(self.sink.diagnostics)
        flat = self.scenario_entries(definition)
        if flat is None:
            return None
        entries, claim_statements, ancestors, inherited = flat
        misspelt = len(self.sink.diagnostics) > errors_before
        values: dict[str, Any] = {}
        origins: dict[str, Span] = {}
        citations: dict[str, str] = {}
        currencies: dict[str, str] = {}
        unread = False
        for path, statement in entries.items():
            # An inherited line is read once for its whole family (and, if wrong, reported once):
            # a thousand scenarios extending one base do not read the base a thousand times.
            if id(statement) not in self.read_values:
                spec = F.scenario_field(path)
                assert spec is not None, path  # extends.py keeps known fields only
                atoms, citation, readable = self.cited(statement.values, path)
                # A price may be written in another currency.
                value, currency = (
                    self.value_in_currency(atoms, spec, statement.key_span, path, "scenario")
                    if readable
                    else (None, None)
                )
                self.read_values[id(statement)] = (value, citation, currency)
            value, citation, currency = self.read_values[id(statement)]
            if value is not None:
                values[path] = value
                origins[path] = statement.span
                if citation is not None:
                    citations[path] = citation
                if currency is not None:
                    currencies[path] = currency
            else:
                unread = True
        # After a misspelt field, "does not set" would only repeat the same mistake.
        # A field written on another's line (`accelerator H100 count 256`) is reported there.
        on_other_lines = {
            f"{path.rpartition('.')[0]}.{following.text}".lstrip(".")
            for path, statement in entries.items()
            if (following := next_field_on_the_line(statement.values, path)) is not None
        }
        missing = (
            []
            if misspelt
            else [
                p
                for p in F.REQUIRED_SCENARIO_FIELDS
                if p not in entries and p not in on_other_lines
            ]
        )
        for path in missing:
            example = {
                "year": "year 2026",
                "region": "region US",
                "cluster.accelerator": "cluster.accelerator H100",
                "cluster.count": "cluster.count 100k",
            }[path]
            self.sink.error(
                f"scenario '{definition.name}' does not set '{path}'",
                definition.statement.values[0].span,
                f"add e.g. '{example}'",
            )
        claims = [
            c
            for c in (self.claim(s) for s in claim_statements if s.key == "expect")
            if c is not None
        ]
        correlations = [
            c
            for c in (self.correlation(s, values) for s in claim_statements if s.key == "correlate")
            if c is not None
        ]
        if not unread and len(self.sink.diagnostics) == errors_before:
            check_layout(f"scenario '{definition.name}'", values, origins, self.sink)
            check_relations(f"scenario '{definition.name}'", values, origins, self.sink)
        if unread or len(self.sink.diagnostics) > errors_before:
            return None
        if not self.correlations_hold(correlations):
            return None
        scenario = self._assemble(definition, values, origins, tuple(claims), ancestors, inherited)
        return scenario.model_copy(
            update={
                "correlations": tuple(correlations),
                "citations": citations,
                "currencies": currencies,
            }
        )

    def _assemble(
        self,
        definition: Definition,
        values: dict[str, Any],
        origins: dict[str, Span],
        claims: tuple[Claim, ...],
        ancestors: tuple[str, ...],
        inherited: dict[str, str],
    ) -> Scenario:
        # Each value was read against its field's spec, so it has the type the model expects;
        # that type depends on the path, which mypy cannot follow: hence Any, not object.
        sections: dict[str, dict[str, Any]] = {name: {} for name in F.SECTIONS}
        top: dict[str, Any] = {}
        for path, value in values.items():
            if "." in path:
                section, _, name = path.partition(".")
                sections[section][name] = value
            else:
                top[path] = value
        if "mix" in sections["energy"]:
            sections["energy"]["mix"] = tuple(sections["energy"]["mix"])
        return Scenario.model_construct(
            name=definition.name,
            title=top.get("title", definition.name),
            operator=top.get("operator"),
            year=top["year"],
            region=top["region"],
            source=top.get("source"),
            context=top.get("context"),
            compare_with=top.get("compare_with"),
            cluster=Cluster.model_construct(**sections["cluster"]),
            energy=Energy.model_construct(**sections["energy"]),
            workload=Workload.model_construct(**sections["workload"]),
            market=Market.model_construct(**sections["market"]),
            claims=claims,
            origins=origins,
            extends=ancestors,
            inherited=inherited,
            span=definition.statement.values[0].span,
        )
