"""Stage 2: parsed documents → `ScenarioSet` (typed scenarios and sweeps).

Follows imports, checks that names are unique, applies `extends` chains as flat overrides of
dotted paths, reads every value against the field schema (units, bounds, catalog names) and
expands sweep axes. Every mistake becomes a located diagnostic; all of them are reported together.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from scendsl.defaults import DEFAULT_MAX_VARIANTS
from scendsl.language.names import CatalogNames, catalog_names, is_region
from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span
from scendsl.language import fields as F
from scendsl.language.parse import MAX_TOKENS, parse, parse_file
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.language.units import DIMENSION_EXAMPLES, Number, lookup_unit, parse_number
from scendsl.suggest import suggest
from scendsl.scenario import (
    Claim,
    Cluster,
    Correlation,
    CustomAccelerator,
    Energy,
    Market,
    MixShare,
    Parallelism,
    ReferenceEntity,
    Scenario,
    ScenarioSet,
    Sweep,
    SweepAxis,
    Uncertain,
    Workload,
)

MAX_IMPORT_DEPTH = 32
MAX_STRING_LENGTH = 10_000
MAX_EXTENDS_DEPTH = 64
#: Whole-number fields (layers, batch sizes, parallel degrees) above this are typos or attacks;
#: Python would turn 1e300 into a 301-digit integer that numpy cannot hold.
MAX_WHOLE_NUMBER = 10**15

_DEFINITION_KEYWORDS = ("scenario", "sweep", "accelerator", "reference", "import")
_CLAIM_OPS = ("<", "<=", ">", ">=", "==", "~=")


@dataclass
class _Definition:
    kind: str
    name: str
    statement: Statement
    file: str


@dataclass
class _Resolver:
    sink: DiagnosticSink
    #: Only the names are needed here: the full catalog (or a `CatalogNames`) will do.
    catalog: CatalogNames
    max_variants: int
    definitions: dict[str, _Definition] = field(default_factory=dict)
    accelerators: dict[str, _Definition] = field(default_factory=dict)
    references: dict[str, _Definition] = field(default_factory=dict)
    order: list[_Definition] = field(default_factory=list)
    #: Accelerators already built (None after an error): an extends chain builds each parent once.
    built_accelerators: dict[str, object] = field(default_factory=dict)
    #: How many custom accelerators each custom accelerator extends, through its parents.
    accelerator_depths: dict[str, int] = field(default_factory=dict)
    #: Value of each scenario line already read (None after an error), by id of its Statement.
    read_values: dict[int, object] = field(default_factory=dict)
    #: Variants of the sweeps built so far: all the sweeps of one load (a file, or every file of
    #: a build) share the `max_variants` cap, so 300 sweeps cannot add up to hundreds of millions.
    total_variants: int = 0

    # ------------------------------------------------------------------ definitions
    def collect(self, documents: list[Document]) -> None:
        for document in documents:
            for statement in document.statements:
                self._collect_statement(statement, document.file)

    def _collect_statement(self, statement: Statement, file: str) -> None:
        key = statement.key
        if key == "import":
            return  # handled while loading
        if key not in _DEFINITION_KEYWORDS:
            self.sink.error(f"unknown definition '{key}'", statement.key_span,
                            suggest(key, _DEFINITION_KEYWORDS)
                            or "a file holds 'scenario', 'sweep', 'accelerator', 'reference' "
                               "and 'import' statements")
            return
        if statement.body is None:
            self.sink.error(f"'{key}' needs a block: {key} NAME {{ ... }}", statement.span)
            return
        # Names become output file names: WORD allows only letters, digits and '_', plus dotted
        # paths and a '/unit' tail, which are refused here, so '../x' or 'a/b' is never a name.
        if (not statement.values or statement.values[0].kind != "word"
                or "." in statement.values[0].text or "/" in statement.values[0].text):
            self.sink.error(f"'{key}' needs a name", statement.key_span,
                            f"e.g. '{key} my_{key} {{ ... }}'")
            return
        name = statement.values[0].text
        if len(name) > F.MAX_NAME_LENGTH:  # names become file names, which file systems limit
            self.sink.error(f"a name is at most {F.MAX_NAME_LENGTH} characters; this one has "
                            f"{len(name)}", statement.values[0].span, "choose a shorter name")
            return
        definition = _Definition(key, name, statement, file)
        table = {"accelerator": self.accelerators, "reference": self.references}.get(
            key, self.definitions)
        if name in table:
            first = table[name].statement.values[0].span
            self.sink.error(f"'{name}' is defined twice", statement.values[0].span,
                            "give one of them another name",
                            related=(("first defined here", first),))
            return
        table[name] = definition
        self.order.append(definition)

    # ------------------------------------------------------------------ values
    def quantity(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        """Read `q`, `q to q` or `q ± y%` against the spec; returns float, Uncertain or None."""
        if not atoms:
            self.sink.error(f"'{label}' needs a value", where,
                            f"expected {DIMENSION_EXAMPLES.get(spec.dimension or '', 'a value')}")
            return None
        parts = _split_word(atoms, "to")
        if len(parts) == 2:
            low = self._single(parts[0], spec, where, label)
            high = self._single(parts[1], spec, where, label)
            if low is None or high is None:
                return None
            if not spec.uncertain:
                self.sink.error(f"'{label}' cannot be uncertain", _join(atoms), None)
                return None
            if low > high:
                self.sink.error(f"the range of '{label}' runs backwards ({low:g} to {high:g})",
                                _join(atoms), "write the smaller value first")
                return None
            if low > 0:
                product = low * high  # may overflow or underflow for extreme ends
                center = (math.sqrt(product) if 0 < product < math.inf
                          else math.sqrt(low) * math.sqrt(high))
            else:
                center = (low + high) / 2
            return Uncertain.model_construct(kind="interval", low=low, high=high, center=center)
        spread_at = next((i for i, a in enumerate(atoms) if a.kind == "plusminus"), None)
        if spread_at is not None:
            center = self._single(atoms[:spread_at], spec, where, label)
            spread_atoms = atoms[spread_at + 1:]
            if center is None:
                return None
            if not spec.uncertain:
                self.sink.error(f"'{label}' cannot be uncertain", _join(atoms), None)
                return None
            rel = self._percentage(spread_atoms, "a spread", "e.g. '1.25 ± 10%'",
                                   atoms[spread_at].span)
            if rel is None:
                return None
            if not 0 <= rel < 1:
                self.sink.error("a spread must be between 0% and 100%", spread_atoms[0].span)
                return None
            return Uncertain.model_construct(kind="relative", low=center * (1 - rel), high=center * (1 + rel),
                             center=center, rel=rel)
        return self._single(atoms, spec, where, label)

    def _number(self, atom: Atom) -> Number | None:
        """The atom's number, or None after reporting why it is not one (`1__0`)."""
        try:
            return parse_number(atom.text)
        except ValueError as error:
            self.sink.error(str(error), atom.span)
            return None

    def _percentage(self, atoms: list[Atom], what: str, example: str, where: Span) -> float | None:
        """The one percentage after a '±' (a spread or a tolerance), or None after an error."""
        if len(atoms) != 1 or atoms[0].kind != "number" or not atoms[0].text.endswith("%"):
            self.sink.error(f"{what} is written as a percentage after '±'",
                            _join(atoms) if atoms else where, example)
            return None
        number = self._number(atoms[0])
        return None if number is None else number.value

    def _single(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        expected = DIMENSION_EXAMPLES.get(spec.dimension or "", "a value")
        if not atoms or atoms[0].kind != "number" or len(atoms) > 2 or (
                len(atoms) == 2 and atoms[1].kind != "word"):
            span = _join(atoms) if atoms else where
            self.sink.error(f"'{label}' expects {expected}", span,
                            _value_hint(atoms, spec))
            return None
        number_atom = atoms[0]
        number = self._number(number_atom)
        if number is None:
            return None
        value, dimension = number.value, ("fraction" if number.percent else "number")
        if not math.isfinite(value):
            self.sink.error("number is too large", number_atom.span)
            return None
        if len(atoms) == 2:
            unit_atom = atoms[1]
            if number.percent:
                self.sink.error("a percentage cannot carry a unit", unit_atom.span)
                return None
            unit = lookup_unit(unit_atom.text)
            if unit is None:
                from scendsl.language.units import UNITS
                glued = number_atom.span.end_col == unit_atom.span.col
                self.sink.error(f"unknown unit '{unit_atom.text}'", unit_atom.span,
                                suggest(unit_atom.text, UNITS)
                                or ("write the unit apart from the number" if glued else None))
                return None
            value, dimension = value * unit.factor, unit.dimension
            if not math.isfinite(value):
                self.sink.error("number is too large", _join(atoms))
                return None
        wanted = spec.dimension
        if wanted == "fraction" and dimension == "number":
            dimension = "fraction"  # `mfu 0.4` means 40 %
        if dimension != wanted:
            got = DIMENSION_EXAMPLES.get(dimension, dimension).split(" such as")[0]
            hint = None
            if wanted in ("number", "fraction") and len(atoms) == 2:
                hint = f"'{label}' has no unit: remove '{atoms[1].text}'"
            elif len(atoms) == 1:
                hint = "add a unit after the number"
            self.sink.error(f"'{label}' expects {expected}, not {got}", _join(atoms), hint)
            return None
        if not self._in_bounds(value, spec, _join(atoms), label):
            return None
        return value

    def _in_bounds(self, value: float, spec: F.FieldSpec, span: Span, label: str) -> bool:
        lo, hi = spec.minimum, spec.maximum
        too_low = lo is not None and (value < lo if spec.inclusive else value <= lo)
        too_high = hi is not None and value > hi
        if too_low or too_high:
            if lo is not None and hi is not None and spec.inclusive and hi <= 10_000 or (
                    spec.dimension == "fraction" and lo == 0.0 and hi == 1.0):
                # A field's natural range (year, pue, a share) is given whole; a sanity limit
                # (count ≤ 1e9) only to whoever passes it.
                bound = (f"between {F.describe_bound(lo, spec.dimension)} and "  # type: ignore[arg-type]
                         f"{F.describe_bound(hi, spec.dimension)}")  # type: ignore[arg-type]
            elif too_low:
                low = F.describe_bound(lo, spec.dimension)  # type: ignore[arg-type]
                bound = f"at least {low}" if spec.inclusive else f"greater than {low}"
            else:
                bound = f"at most {F.describe_bound(hi, spec.dimension)}"  # type: ignore[arg-type]
            self.sink.error(f"'{label}' must be {bound}", span)
            return False
        return True

    def value(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        """Read any field's atoms into a typed value, or None after reporting an error."""
        kind = spec.kind
        if kind == "quantity":
            return self.quantity(atoms, spec, where, label)
        if kind == "integer":
            number = self._single(atoms, spec, where, label)
            if number is None:
                return None
            if number != int(number):
                self.sink.error(f"'{label}' must be a whole number", _join(atoms))
                return None
            if abs(number) > MAX_WHOLE_NUMBER:
                self.sink.error(f"'{label}' must be at most {MAX_WHOLE_NUMBER:,}", _join(atoms))
                return None
            return int(number)
        if len(atoms) != 1:
            if kind in ("mix", "parallelism"):
                return self._keyword_list(atoms, spec, where, label)
            self.sink.error(f"'{label}' takes one value", _join(atoms) if atoms else where,
                            _value_hint(atoms, spec))
            return None
        atom = atoms[0]
        if kind == "string":
            if atom.kind != "string":
                self.sink.error(f"'{label}' expects text in double quotes", atom.span,
                                f'e.g. {label} "{atom.text}"')
                return None
            return self.string(atom)
        if kind in ("mix", "parallelism"):
            return self._keyword_list(atoms, spec, where, label)
        if kind == "region" and atom.kind in ("word", "string"):
            # Any ISO 3166-1 country; a subdivision ("US-TX") is quoted, since '-' ends a name.
            name = atom.text if atom.kind == "word" else self.string(atom)
            if name is not None and not is_region(name, self.catalog):
                self.sink.error(f"unknown region '{name}'", atom.span,
                                suggest(name, self.catalog.regions)
                                or "regions are ISO 3166-1 alpha-2 codes such as US, CN, AE, "
                                   'or US states as "US-TX"')
                return None
            return name
        if atom.kind != "word":
            self.sink.error(f"'{label}' expects a name", atom.span, _value_hint(atoms, spec))
            return None
        name = atom.text
        if kind == "enum":
            if name not in spec.choices:
                self.sink.error(f"unknown {label} '{name}'", atom.span,
                                suggest(name, spec.choices)
                                or "one of: " + ", ".join(spec.choices))
                return None
            return name
        if kind == "accelerator":
            if name not in self.catalog.accelerators and name not in self.accelerators:
                known = list(self.catalog.accelerators) + list(self.accelerators)
                self.sink.error(f"unknown accelerator '{name}'", atom.span,
                                suggest(name, known)
                                or "define it with an 'accelerator' block, or use one of: "
                                   + ", ".join(sorted(self.catalog.accelerators)))
                return None
            return name
        raise AssertionError(kind)

    def string(self, atom: Atom) -> str | None:
        raw = atom.text[1:-1]
        if len(raw) > MAX_STRING_LENGTH:
            self.sink.error(f"string is longer than {MAX_STRING_LENGTH} characters", atom.span)
            return None
        if "\\" not in raw:
            return raw
        out, i = [], 0
        while i < len(raw):
            char = raw[i]
            if char == "\\":
                nxt = raw[i + 1]
                if nxt not in '"\\':
                    col = atom.span.col + 1 + i
                    self.sink.error(f"unknown escape '\\{nxt}' in string",
                                    Span(atom.span.file, atom.span.line, col, atom.span.line, col + 2),
                                    "only \\\" and \\\\ are escapes; write other characters as they are")
                    return None
                out.append(nxt)
                i += 2
            else:
                out.append(char)
                i += 1
        return "".join(out)

    def _keyword_list(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        """`stranded_gas 60%, solar 25%` (mix) or `tensor 8, pipeline 16, data auto`."""
        groups = _split_commas(atoms)
        seen: dict[str, Span] = {}
        entries: list[tuple[str, Atom | None, Span]] = []
        for group in groups:
            if len(group) != 2 or group[0].kind != "word":
                example = ("'stranded_gas 60%, solar 40%'" if spec.kind == "mix"
                           else "'tensor 8, pipeline 16, data auto'")
                self.sink.error(f"each entry of '{label}' is a name and a value",
                                _join(group) if group else where, f"e.g. {example}")
                return None
            name_atom, value_atom = group
            if name_atom.text in seen:
                self.sink.error(f"'{name_atom.text}' appears twice in '{label}'", name_atom.span,
                                related=(("first here", seen[name_atom.text]),))
                return None
            seen[name_atom.text] = name_atom.span
            entries.append((name_atom.text, value_atom, name_atom.span))
        if spec.kind == "mix":
            return self._mix(entries, atoms, label)
        return self._parallelism(entries)

    def _mix(self, entries, atoms: list[Atom], label: str):
        shares, ok = [], True
        for name, value_atom, name_span in entries:
            if name not in self.catalog.energy_sources:
                self.sink.error(f"unknown energy source '{name}'", name_span,
                                suggest(name, self.catalog.energy_sources)
                                or "one of: " + ", ".join(sorted(self.catalog.energy_sources)))
                ok = False
                continue
            if value_atom.kind != "number" or not value_atom.text.endswith("%"):
                self.sink.error(f"the share of '{name}' is a percentage", value_atom.span,
                                f"e.g. '{name} 60%'")
                ok = False
                continue
            number = self._number(value_atom)
            if number is None:
                ok = False
                continue
            share = number.value
            if not 0 < share <= 1:
                self.sink.error(f"the share of '{name}' must be between 0% and 100%",
                                value_atom.span)
                ok = False
                continue
            shares.append(MixShare.model_construct(source=name, share=share))
        if not ok:
            return None
        total = sum(s.share for s in shares)
        if abs(total - 1.0) > 1e-6:
            self.sink.error(f"the shares of '{label}' add up to {total * 100:g}%, not 100%",
                            _join(atoms), "adjust the shares so they sum to 100%")
            return None
        return tuple(shares)

    def _parallelism(self, entries):
        values: dict[str, int | None] = {}
        for name, value_atom, name_span in entries:
            if name not in F.PARALLELISM_KEYS:
                self.sink.error(f"unknown kind of parallelism '{name}'", name_span,
                                suggest(name, F.PARALLELISM_KEYS)
                                or "one of: " + ", ".join(F.PARALLELISM_KEYS))
                return None
            if value_atom.kind == "word" and value_atom.text == "auto":
                if name != "data" and name != "microbatches":
                    self.sink.error("only 'data' and 'microbatches' can be 'auto'",
                                    value_atom.span)
                    return None
                values[name] = None
                continue
            number = self._single([value_atom], F.PARALLEL_DEGREE, value_atom.span, name)
            if number is None:
                return None
            if number != int(number):
                self.sink.error(f"'{name}' must be a whole number", value_atom.span)
                return None
            if number > MAX_WHOLE_NUMBER:
                self.sink.error(f"'{name}' must be at most {MAX_WHOLE_NUMBER:,}", value_atom.span)
                return None
            values[name] = int(number)
        return Parallelism.model_construct(**values)

    # ------------------------------------------------------------------ blocks
    def scenario_entries(self, definition: _Definition, chain: tuple[str, ...] = ()):
        """Flat `path -> Statement` of a scenario with its extends chain applied, and its claims."""
        statement = definition.statement
        values = statement.values
        parent_name = None
        if len(values) >= 2:
            if (len(values) != 3 or values[1].kind != "word" or values[1].text != "extends"
                    or values[2].kind != "word"):
                self.sink.error("a scenario header is 'scenario NAME' or "
                                "'scenario NAME extends PARENT'", _join(values[1:]))
                return None
            parent_name = values[2].text
        entries: dict[str, Statement] = {}
        claims: list[Statement] = []
        ancestors: tuple[str, ...] = ()
        if parent_name is not None:
            parent = self.definitions.get(parent_name)
            if parent is None or parent.kind != "scenario":
                scenario_names = [d.name for d in self.definitions.values() if d.kind == "scenario"]
                self.sink.error(f"'{definition.name}' extends '{parent_name}', which is not a "
                                "defined scenario", values[2].span,
                                suggest(parent_name, scenario_names) or "is an 'import' missing?")
                return None
            if len(chain) > MAX_EXTENDS_DEPTH:
                first = self.definitions[chain[0]].statement.values[2]
                self.sink.error(f"'{chain[0]}' extends a chain of more than "
                                f"{MAX_EXTENDS_DEPTH} scenarios", first.span)
                return None
            if parent_name in chain or parent_name == definition.name:
                self.sink.error(f"'{definition.name}' extends itself through "
                                f"{' → '.join((definition.name,) + chain)}", values[2].span)
                return None
            inherited = self.scenario_entries(parent, chain + (definition.name,))
            if inherited is None:
                return None
            parent_entries, parent_claims, parent_ancestors = inherited
            entries.update(parent_entries)
            # Correlations are assumptions and are inherited; claims are statements a source
            # made about the parent, so a child that changes assumptions states its own.
            claims.extend(s for s in parent_claims if s.key == "correlate")
            ancestors = (parent_name,) + parent_ancestors
        own: dict[str, Statement] = {}
        for item in statement.body or []:
            for path, setting in self._flatten(item):
                if path in ("expect", "correlate"):
                    claims.append(setting)  # both are inherited as a list, in order
                    continue
                if path in own:
                    self.sink.error(f"'{path}' is set twice in '{definition.name}'",
                                    setting.key_span, related=(("first set here", own[path].key_span),))
                    continue
                own[path] = setting
        entries.update(own)
        return entries, claims, ancestors

    def _flatten(self, item: Statement):
        """Yield (dotted path, statement) for a scenario body line or section block."""
        key = item.key
        if key in ("expect", "correlate"):
            if item.body is not None:
                self.sink.error(f"'{key}' takes no block", item.key_span)
                return
            yield key, item
            return
        if item.body is not None:
            if key not in F.SECTIONS:
                self.sink.error(f"unknown section '{key}'", item.key_span,
                                suggest(key, F.SECTIONS) or "sections are " + ", ".join(F.SECTIONS))
                return
            if item.values:
                self.sink.error(f"section '{key}' takes no value before '{{'", _join(item.values))
            for inner in item.body:
                if inner.body is not None:
                    self.sink.error(f"'{inner.key}' cannot hold a block inside '{key}'",
                                    inner.key_span)
                    continue
                path = f"{key}.{inner.key}"
                if F.scenario_field(path) is None:
                    self.sink.error(f"unknown field '{inner.key}' in '{key}'", inner.key_span,
                                    suggest(inner.key, F.SECTIONS[key])
                                    or "fields of '" + key + "' are " + ", ".join(F.SECTIONS[key]))
                    continue
                yield path, inner
            return
        if F.scenario_field(key) is None:
            if key in F.SECTIONS:
                self.sink.error(f"section '{key}' needs a block", item.key_span,
                                f"e.g. '{key} {{ ... }}', or set one field with '{key}.FIELD VALUE'")
                return
            self.sink.error(f"unknown field '{key}'", item.key_span,
                            suggest(key, F.all_scenario_paths()))
            return
        yield key, item

    def build_scenario(self, definition: _Definition) -> Scenario | None:
        errors_before = len(self.sink.diagnostics)
        flat = self.scenario_entries(definition)
        if flat is None:
            return None
        entries, claim_statements, ancestors = flat
        misspelt = len(self.sink.diagnostics) > errors_before
        values: dict[str, object] = {}
        origins: dict[str, Span] = {}
        unread = False
        for path, statement in entries.items():
            # An inherited line is read once for its whole family (and, if wrong, reported once):
            # a thousand scenarios extending one base do not read the base a thousand times.
            if id(statement) not in self.read_values:
                self.read_values[id(statement)] = self.value(
                    statement.values, F.scenario_field(path), statement.key_span, path)
            value = self.read_values[id(statement)]
            if value is not None:
                values[path] = value
                origins[path] = statement.span
            else:
                unread = True
        # After a misspelt field, "does not set" would only repeat the same mistake.
        missing = [] if misspelt else [p for p in F.REQUIRED_SCENARIO_FIELDS if p not in entries]
        for path in missing:
            example = {"year": "year 2026", "region": "region US",
                       "cluster.accelerator": "cluster.accelerator H100",
                       "cluster.count": "cluster.count 100k"}[path]
            self.sink.error(f"scenario '{definition.name}' does not set '{path}'",
                            definition.statement.values[0].span, f"add e.g. '{example}'")
        claims = [c for c in (self.claim(s) for s in claim_statements if s.key == "expect")
                  if c is not None]
        correlations = [c for c in (self.correlation(s, values)
                                    for s in claim_statements if s.key == "correlate")
                        if c is not None]
        if unread or len(self.sink.diagnostics) > errors_before:
            return None
        if not self.correlations_hold(correlations):
            return None
        scenario = self._assemble(definition, values, origins, tuple(claims), ancestors)
        return scenario.model_copy(update={"correlations": tuple(correlations)})

    def correlation(self, statement: Statement, values: dict[str, object]) -> Correlation | None:
        """`correlate cluster.mfu, energy.pue 0.6`: both fields uncertain, rho in [-1, 1]."""
        atoms = statement.values
        usage = "write: correlate cluster.mfu, energy.pue 0.6"
        if (len(atoms) != 4 or atoms[0].kind != "word" or atoms[1].kind != "comma"
                or atoms[2].kind != "word" or atoms[3].kind != "number"):
            self.sink.error("malformed correlation", _join(atoms) if atoms else statement.key_span,
                            usage)
            return None
        paths = []
        for atom in (atoms[0], atoms[2]):
            if F.scenario_field(atom.text) is None:
                self.sink.error(f"unknown field '{atom.text}'", atom.span,
                                suggest(atom.text, F.all_scenario_paths()))
                return None
            if not isinstance(values.get(atom.text), Uncertain):
                self.sink.error(f"'{atom.text}' is not uncertain in this scenario", atom.span,
                                "only inputs written as 'a to b' or 'x ± y%' can be correlated")
                return None
            paths.append(atom.text)
        if paths[0] == paths[1]:
            self.sink.error("a field cannot be correlated with itself", atoms[2].span)
            return None
        number = self._number(atoms[3])
        if number is None:
            return None
        if number.percent or not -1 <= number.value <= 1:
            self.sink.error("a correlation is a number between -1 and 1", atoms[3].span)
            return None
        return Correlation.model_construct(a=paths[0], b=paths[1], rho=number.value, span=statement.span)

    def correlations_hold(self, correlations: list[Correlation]) -> bool:
        """Refuse a pair correlated twice with two values, and statements that contradict each
        other (a ~ b 1, b ~ c 1, a ~ c -1: no joint law has them). Statements are checked together
        in groups linked by shared fields; a group whose matrix is not positive semidefinite is
        reported at its last statement, with the others as notes."""
        from scendsl.language.correlation import consistent

        accepted: dict[tuple[str, str], Correlation] = {}
        for correlation in correlations:
            key = (min(correlation.a, correlation.b), max(correlation.a, correlation.b))
            earlier = accepted.get(key)
            if earlier is None:
                accepted[key] = correlation
            elif earlier.rho != correlation.rho:
                self.sink.error(f"'{key[0]}' and '{key[1]}' are correlated twice, with "
                                f"{earlier.rho:g} and {correlation.rho:g}", correlation.span,
                                "keep one of the two statements",
                                related=(("first correlated here", earlier.span),))
                return False
        groups: list[tuple[set[str], list[tuple[str, str]]]] = []
        for key in accepted:
            joined = [g for g in groups if key[0] in g[0] or key[1] in g[0]]
            fields, keys = {key[0], key[1]}, [key]
            for group in joined:
                fields |= group[0]
                keys = group[1] + keys
                groups.remove(group)
            groups.append((fields, keys))
        holds = True
        for _fields, keys in groups:
            if consistent({key: accepted[key].rho for key in keys}):
                continue
            statements = sorted((accepted[key] for key in keys),
                                key=lambda c: (c.span.file, c.span.line, c.span.col))
            self.sink.error("these correlations contradict each other: no joint law has them all "
                            "(their correlation matrix is not positive semidefinite)",
                            statements[-1].span,
                            "pairs not correlated are independent (0); if a ~ b and b ~ c are "
                            "near 1, a ~ c must be near 1 too: write it, or weaken one",
                            related=tuple(("together with this correlation", c.span)
                                          for c in statements[:-1]))
            holds = False
        return holds

    def _assemble(self, definition, values, origins, claims, ancestors) -> Scenario | None:
        sections: dict[str, dict[str, object]] = {name: {} for name in F.SECTIONS}
        top: dict[str, object] = {}
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
            cluster=Cluster.model_construct(**sections["cluster"]),
            energy=Energy.model_construct(**sections["energy"]),
            workload=Workload.model_construct(**sections["workload"]),
            market=Market.model_construct(**sections["market"]),
            claims=claims,
            origins=origins,
            extends=ancestors,
            span=definition.statement.values[0].span,
        )

    def claim(self, statement: Statement) -> Claim | None:
        atoms = statement.values
        usage = "write claims as: expect METRIC OP VALUE \"quote\", e.g. " \
                "expect energy.facility_power >= 500 MW \"over 500 MW\""
        if len(atoms) < 3 or atoms[0].kind != "word" or atoms[1].kind != "op":
            self.sink.error("malformed claim", _join(atoms) if atoms else statement.key_span, usage)
            return None
        metric_atom, op_atom = atoms[0], atoms[1]
        if "." not in metric_atom.text:
            self.sink.error(f"'{metric_atom.text}' is not a metric name", metric_atom.span,
                            "metrics are dotted names such as 'energy.facility_power'")
            return None
        rest = atoms[2:]
        quote = None
        if rest and rest[-1].kind == "string":
            quote = self.string(rest[-1])
            rest = rest[:-1]
        tolerance = None
        spread_at = next((i for i, a in enumerate(rest) if a.kind == "plusminus"), None)
        if spread_at is not None:
            spread = rest[spread_at + 1:]
            rest = rest[:spread_at]
            if op_atom.text != "~=":
                self.sink.error("only '~=' takes a tolerance", _join(atoms[spread_at + 2:]) if False else op_atom.span,
                                "write 'expect METRIC ~= VALUE ± 10%'")
                return None
            tolerance = self._percentage(spread, "a tolerance", "e.g. '± 10%'", op_atom.span)
            if tolerance is None:
                return None
            if not 0 <= tolerance < math.inf:
                self.sink.error("a tolerance must be 0% or more", spread[0].span)
                return None
        elif op_atom.text == "~=":
            self.sink.error("'~=' needs a tolerance", op_atom.span,
                            "write 'expect METRIC ~= VALUE ± 10%'")
            return None
        if not rest or rest[0].kind != "number" or len(rest) > 2 or (len(rest) == 2 and rest[1].kind != "word"):
            self.sink.error("a claim compares with a number and an optional unit",
                            _join(rest) if rest else op_atom.span, usage)
            return None
        number = self._number(rest[0])
        if number is None:
            return None
        value, dimension, unit_text = number.value, ("fraction" if number.percent else "number"), None
        if len(rest) == 2:
            unit = lookup_unit(rest[1].text)
            if unit is None:
                from scendsl.language.units import UNITS
                self.sink.error(f"unknown unit '{rest[1].text}'", rest[1].span,
                                suggest(rest[1].text, UNITS))
                return None
            value, dimension, unit_text = value * unit.factor, unit.dimension, unit.symbol
        if not math.isfinite(value):
            self.sink.error("number is too large", _join(rest))
            return None
        return Claim.model_construct(metric=metric_atom.text, op=op_atom.text, value=value, dimension=dimension,
                     unit=unit_text, tolerance=tolerance, quote=quote or "",
                     span=statement.span, metric_span=metric_atom.span)

    def build_accelerator(self, definition: _Definition,
                          chain: tuple[str, ...] = ()) -> CustomAccelerator | None:
        """Build an `accelerator` block once; `chain` is the accelerators extending it."""
        if definition.name not in self.built_accelerators:
            self.built_accelerators[definition.name] = self._build_accelerator(definition, chain)
        return self.built_accelerators[definition.name]  # type: ignore[return-value]

    def _build_accelerator(self, definition: _Definition,
                           chain: tuple[str, ...]) -> CustomAccelerator | None:
        statement = definition.statement
        values = statement.values
        base = None
        if len(values) >= 2:
            if len(values) != 3 or values[1].text != "extends" or values[2].kind != "word":
                self.sink.error("an accelerator header is 'accelerator NAME' or "
                                "'accelerator NAME extends BASE'", _join(values[1:]))
                return None
            base = values[2].text
            if base not in self.catalog.accelerators and base not in self.accelerators:
                self.sink.error(f"unknown accelerator '{base}'", values[2].span,
                                suggest(base, list(self.catalog.accelerators) + list(self.accelerators)))
                return None
            if base == definition.name and base not in self.catalog.accelerators:
                self.sink.error(f"'{base}' extends itself", values[2].span)
                return None
        elif definition.name in self.catalog.accelerators:
            base = definition.name  # a block named like a catalog entry overrides it
        errors_before = len(self.sink.diagnostics)
        attributes: dict[str, object] = {}
        figures: dict[str, object] = {}
        for item in statement.body or []:
            if item.body is not None:
                self.sink.error(f"'{item.key}' cannot hold a block here", item.key_span)
                continue
            if item.key in F.ACCELERATOR_ATTRIBUTES:
                target, spec = attributes, F.ACCELERATOR_ATTRIBUTES[item.key]
            elif item.key in F.ACCELERATOR_FIGURES:
                target, spec = figures, F.ACCELERATOR_FIGURES[item.key]
            else:
                known = list(F.ACCELERATOR_ATTRIBUTES) + list(F.ACCELERATOR_FIGURES)
                self.sink.error(f"unknown accelerator field '{item.key}'", item.key_span,
                                suggest(item.key, known))
                continue
            if item.key in target:
                self.sink.error(f"'{item.key}' is set twice", item.key_span)
                continue
            value = self.value(item.values, spec, item.key_span, item.key)
            if value is not None:
                target[item.key] = value
        if len(self.sink.diagnostics) > errors_before:
            return None
        # An accelerator that extends a custom one inherits its figures and its catalog root. A
        # block named like a catalog entry overrides that entry for its extenders too; only a
        # block that extends its own name reaches past itself to the catalog.
        if base is not None and base in self.accelerators and base != definition.name:
            chain = chain + (definition.name,)
            if base in chain:
                cycle = chain[chain.index(base):] + (base,)
                self.sink.error(f"'{definition.name}' extends itself through "
                                f"{' → '.join(cycle)}", values[2].span)
                return None
            if len(chain) > MAX_EXTENDS_DEPTH:
                self.sink.error(f"'{definition.name}' extends a chain of more than "
                                f"{MAX_EXTENDS_DEPTH} accelerators", values[2].span)
                return None
            parent = self.build_accelerator(self.accelerators[base], chain)
            if parent is None:
                return None
            depth = self.accelerator_depths.get(parent.name, 0) + 1
            if depth > MAX_EXTENDS_DEPTH:  # the same limit whatever order the blocks come in
                self.sink.error(f"'{definition.name}' extends a chain of more than "
                                f"{MAX_EXTENDS_DEPTH} accelerators", values[2].span)
                return None
            self.accelerator_depths[definition.name] = depth
            figures = {**parent.figures, **figures}
            attributes = {"title": parent.title, "vendor": parent.vendor,
                          "available_year": parent.available_year, "source": parent.source,
                          **attributes}
            base = parent.base
        if base is None:
            missing = [f for f in F.REQUIRED_ACCELERATOR_FIGURES if f not in figures]
            if missing:
                self.sink.error(f"accelerator '{definition.name}' is new and lacks "
                                + ", ".join(missing), values[0].span,
                                "give these figures, or write 'extends' with a catalog accelerator")
                return None
        return CustomAccelerator.model_construct(name=definition.name, base=base, figures=figures,
                                 span=values[0].span, **attributes)

    def build_reference(self, definition: _Definition) -> ReferenceEntity | None:
        statement = definition.statement
        if len(statement.values) != 1:
            self.sink.error("a reference header is 'reference NAME'", _join(statement.values[1:]))
            return None
        errors_before = len(self.sink.diagnostics)
        found: dict[str, object] = {}
        for item in statement.body or []:
            spec = F.REFERENCE_FIELDS.get(item.key)
            if spec is None or item.body is not None:
                self.sink.error(f"unknown reference field '{item.key}'", item.key_span,
                                suggest(item.key, F.REFERENCE_FIELDS))
                continue
            value = self.value(item.values, spec, item.key_span, item.key)
            if value is not None:
                found[item.key] = value
        for required in ("accelerator", "count"):
            if required not in found and len(self.sink.diagnostics) == errors_before:
                self.sink.error(f"reference '{definition.name}' does not set '{required}'",
                                statement.values[0].span)
        if len(self.sink.diagnostics) > errors_before:
            return None
        found.setdefault("title", definition.name)
        return ReferenceEntity.model_construct(name=definition.name, span=statement.values[0].span, **found)

    def build_sweep(self, definition: _Definition, scenarios: dict[str, Scenario]) -> Sweep | None:
        statement = definition.statement
        values = statement.values
        if len(values) != 3 or values[1].text != "from" or values[2].kind != "word":
            self.sink.error("a sweep header is 'sweep NAME from SCENARIO'",
                            _join(values[1:]) if len(values) > 1 else values[0].span)
            return None
        base_name = values[2].text
        base_definition = self.definitions.get(base_name)
        if base_definition is None or base_definition.kind != "scenario":
            self.sink.error(f"sweep '{definition.name}' starts from '{base_name}', which is not a "
                            "defined scenario", values[2].span,
                            suggest(base_name, [d.name for d in self.definitions.values()
                                                if d.kind == "scenario"]))
            return None
        base = scenarios.get(base_name)
        errors_before = len(self.sink.diagnostics)
        axes: list[SweepAxis] = []
        size = 1
        for item in statement.body or []:
            spec = F.scenario_field(item.key)
            if spec is None or item.body is not None:
                self.sink.error(f"unknown field '{item.key}'", item.key_span,
                                suggest(item.key, F.all_scenario_paths()))
                continue
            if any(axis.path == item.key for axis in axes):
                self.sink.error(f"'{item.key}' is swept twice", item.key_span)
                continue
            axis = self._axis(item, spec, size)
            if axis is None:
                continue
            size *= len(axis.labels)
            if size > self.max_variants:
                self.sink.error(f"sweep '{definition.name}' has more than {self.max_variants:,} "
                                "variants", item.span,
                                "sweep fewer values, or raise the limit with --max-variants")
                return None
            if size + self.total_variants > self.max_variants:
                self._too_many_in_all(definition.name, item.span)
                return None
            axes.append(axis)
        if not axes and len(self.sink.diagnostics) == errors_before:
            self.sink.error(f"sweep '{definition.name}' sweeps nothing", values[0].span,
                            "add a line such as 'year 2025 .. 2028'")
        if len(self.sink.diagnostics) > errors_before or base is None:
            return None
        self.total_variants += size
        return Sweep.model_construct(name=definition.name, base=base_name, axes=tuple(axes),
                     span=values[0].span, template=base)

    def _too_many_in_all(self, what: str, span: Span) -> None:
        self.sink.error(f"with '{what}' the sweeps together have more than "
                        f"{self.max_variants:,} variants ({self.total_variants:,} in the sweeps "
                        "before this one)", span,
                        "sweep fewer values, build fewer files at once, or raise the limit with "
                        "--max-variants")

    def _axis(self, item: Statement, spec: F.FieldSpec, size_so_far: int) -> SweepAxis | None:
        atoms = item.values
        label_path = item.key
        if len(atoms) == 3 and atoms[1].kind == "dotdot":
            if spec.kind not in ("integer", "quantity"):
                self.sink.error(f"'{label_path}' cannot take a range", atoms[1].span)
                return None
            ends = []
            for atom in (atoms[0], atoms[2]):
                try:
                    number = parse_number(atom.text) if atom.kind == "number" else None
                except ValueError:
                    number = None
                if (number is None or number.percent or not math.isfinite(number.value)
                        or number.value != int(number.value)):
                    self.sink.error("a range runs between whole numbers", atom.span,
                                    "e.g. 'year 2025 .. 2028'")
                    return None
                ends.append(int(number.value))
            low, high = ends
            if high < low:
                self.sink.error("the range runs backwards", _join(atoms), "write the smaller end first")
                return None
            count = high - low + 1
            if count * size_so_far > self.max_variants:
                self.sink.error(f"the range {low} .. {high} alone makes the sweep larger than "
                                f"{self.max_variants:,} variants", _join(atoms))
                return None
            if count * size_so_far + self.total_variants > self.max_variants:
                self._too_many_in_all(item.key, _join(atoms))  # before a label is made
                return None
            # Bounds are intervals, so the two ends decide for every value between them: a
            # range of a million values is not read a million times.
            for number in (low, high):
                if self.value([Atom("number", str(number), atoms[0].span)], spec,
                              item.key_span, label_path) is None:
                    return None
            whole = spec.kind == "integer"
            numbers = range(low, high + 1)
            return SweepAxis.model_construct(path=label_path, labels=tuple(map(str, numbers)),
                             values=tuple(numbers) if whole else tuple(map(float, numbers)))
        if len(atoms) == 1 and atoms[0].kind == "list":
            groups = _split_commas(atoms[0].items)
            if not groups or any(not g for g in groups):
                self.sink.error("a sweep list holds values separated by commas", atoms[0].span,
                                "e.g. '[50k, 100k, 200k]'")
                return None
        else:
            groups = [atoms]
        labels, resolved = [], []
        for group in groups:
            value = self.value(group, spec, item.key_span, label_path)
            if value is None:
                return None
            labels.append(" ".join(a.text for a in group))
            resolved.append(value)
        if len(set(labels)) != len(labels):
            self.sink.error(f"a value of '{label_path}' is listed twice", atoms[0].span)
            return None
        return SweepAxis.model_construct(path=label_path, labels=tuple(labels), values=tuple(resolved))


def apply_sweep_point(sweep: Sweep, indices: tuple[int, ...]) -> Scenario:
    """The variant of `sweep` at one index per axis."""
    template = sweep.template
    top: dict[str, object] = {}
    sections: dict[str, dict[str, object]] = {}
    point: dict[str, str] = {}
    origins = dict(template.origins)
    for axis, index in zip(sweep.axes, indices):
        value = axis.values[index]
        point[axis.path] = axis.labels[index]
        origins[axis.path] = sweep.span
        if "." in axis.path:
            section, _, name = axis.path.partition(".")
            sections.setdefault(section, {})[name] = value
        else:
            top[axis.path] = value
    for section, changes in sections.items():
        top[section] = getattr(template, section).model_copy(update=changes)
    labels = tuple(axis.labels[i] for axis, i in zip(sweep.axes, indices))
    top.update(name=sweep.variant_name(labels), sweep=sweep.name, sweep_point=point,
               origins=origins)
    return template.model_copy(update=top)


# ---------------------------------------------------------------------- atoms helpers
def _join(atoms: list[Atom]) -> Span:
    first, last = atoms[0].span, atoms[-1].span
    return Span(first.file, first.line, first.col, last.end_line, last.end_col)


def _split_commas(atoms: list[Atom]) -> list[list[Atom]]:
    groups: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "comma":
            groups.append([])
        else:
            groups[-1].append(atom)
    return groups


def _split_word(atoms: list[Atom], word: str) -> list[list[Atom]]:
    parts: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "word" and atom.text == word:
            parts.append([])
        else:
            parts[-1].append(atom)
    return parts


def _value_hint(atoms: list[Atom], spec: F.FieldSpec) -> str | None:
    if spec.kind in ("quantity", "integer"):
        example = DIMENSION_EXAMPLES.get(spec.dimension or "", "")
        if atoms and atoms[0].kind == "string":
            return f"write the value without quotes: {example}"
        return f"expected {example}" if example else None
    if spec.kind == "enum":
        return "one of: " + ", ".join(spec.choices)
    if spec.kind == "string" and atoms:
        return "put text in double quotes"
    return None


# ---------------------------------------------------------------------- loading
def load_documents(paths: list[str], sink: DiagnosticSink, *, max_tokens: int = MAX_TOKENS,
                   roots: dict[str, str] | None = None) -> list[Document]:
    """Parse the named files and everything they import, each file once, in a stable order.

    Imports are resolved relative to the importing file and may not leave the folder named on the
    command line (`roots`: file -> that folder; by default the file's own folder), nor be
    absolute: a shared scenario cannot read arbitrary files.
    """
    documents: list[Document] = []
    seen: dict[str, Document] = {}

    def visit(path: str, display: str, root: str, stack: tuple[str, ...], via: Span | None):
        real = os.path.realpath(path)
        if real in stack:
            cycle = " → ".join(os.path.basename(p) for p in stack[stack.index(real):] + (real,))
            sink.error(f"import cycle: {cycle}", via, "remove one of the imports")
            return
        if real in seen:
            return
        if len(stack) > MAX_IMPORT_DEPTH:
            sink.error(f"imports are nested more than {MAX_IMPORT_DEPTH} deep", via)
            return
        if via is not None and not os.path.isfile(path):
            sink.error(f"imported file '{display}' does not exist", via,
                       "import paths are relative to the importing file")
            return
        try:
            document = parse_file(path, display, max_tokens=max_tokens)
        except ScenarioError as error:
            sink.extend(error.diagnostics)
            seen[real] = None  # type: ignore[assignment]
            return
        sink.sources[display] = document.text
        seen[real] = document
        documents.append(document)
        for statement in document.statements:
            if statement.key != "import":
                continue
            if len(statement.values) != 1 or statement.values[0].kind != "string" or statement.body:
                sink.error("write imports as: import \"file.scn\"", statement.span)
                continue
            target = statement.values[0].text[1:-1]
            span = statement.values[0].span
            if not target or os.path.isabs(target) or target.startswith("~"):
                sink.error("an import names a path relative to the importing file", span)
                continue
            if not target.endswith(".scn"):  # never parse, and so quote, another kind of file
                sink.error(f"import '{target}' is not a scenario file (.scn)", span)
                continue
            target_path = os.path.normpath(os.path.join(os.path.dirname(path), target))
            target_real = os.path.realpath(target_path)
            if os.path.commonpath([root, target_real]) != root:
                sink.error(f"import '{target}' reaches outside the scenario folder", span,
                           "name the file on the command line instead")
                continue
            target_display = os.path.normpath(os.path.join(os.path.dirname(display), target))
            visit(target_path, target_display, root, stack + (real,), span)

    for path in paths:
        root = (roots or {}).get(path) or os.path.dirname(os.path.abspath(path))
        visit(path, path, os.path.realpath(root), (), None)
    return [d for d in documents if d is not None]


def resolve(documents: list[Document], sink: DiagnosticSink | None = None, *,
            max_variants: int = DEFAULT_MAX_VARIANTS,
            catalog: CatalogNames | None = None) -> ScenarioSet:
    """Resolve parsed documents into a ScenarioSet, or raise ScenarioError with every problem."""
    sink = sink or DiagnosticSink({d.file: d.text for d in documents})
    for document in documents:
        sink.sources.setdefault(document.file, document.text)
    resolver = _Resolver(sink, catalog or catalog_names(), max_variants)
    resolver.collect(documents)
    accelerators = {}
    references = {}
    for definition in resolver.order:
        if definition.kind == "accelerator":
            built = resolver.build_accelerator(definition)
            if built is not None:
                accelerators[built.name] = built
        elif definition.kind == "reference":
            built = resolver.build_reference(definition)
            if built is not None:
                references[built.name] = built
    scenarios: dict[str, Scenario] = {}
    for definition in resolver.order:
        if definition.kind == "scenario":
            scenario = resolver.build_scenario(definition)
            if scenario is not None:
                scenarios[scenario.name] = scenario.model_copy(
                    update={"accelerators": accelerators, "references": references})
    sweeps = []
    for definition in resolver.order:
        if definition.kind == "sweep":
            sweep = resolver.build_sweep(definition, scenarios)
            if sweep is not None:
                sweeps.append(sweep)
    sink.raise_if_errors()
    return ScenarioSet.model_construct(scenarios=tuple(scenarios.values()), sweeps=tuple(sweeps))


def scenario_files(paths: list[str], sink: DiagnosticSink,
                   roots: dict[str, str] | None = None) -> list[str]:
    """Expand directories into their `.scn` files (sorted, recursively); `roots` receives, for
    each file found in a named folder, that folder (its imports may reach anywhere inside it).
    The one discovery policy of every command: `scendsl.files.scenario_files`."""
    from scendsl.files import scenario_files as discover

    return discover(paths, sink, roots)


def load_paths(paths: list[str], *, max_variants: int = DEFAULT_MAX_VARIANTS,
               max_tokens: int = MAX_TOKENS) -> ScenarioSet:
    """Parse and resolve files and directories together (one namespace)."""
    sink = DiagnosticSink()
    roots: dict[str, str] = {}
    files = scenario_files(paths, sink, roots)
    documents = load_documents(files, sink, max_tokens=max_tokens, roots=roots)
    if sink.has_errors:
        # Still resolve what parsed, so semantic errors of the other files show too.
        try:
            resolve(documents, sink, max_variants=max_variants)
        except ScenarioError:
            pass
        sink.raise_if_errors()
    return resolve(documents, sink, max_variants=max_variants)


def load_text(text: str, file: str = "<string>", *,
              max_variants: int = DEFAULT_MAX_VARIANTS, max_tokens: int = MAX_TOKENS) -> ScenarioSet:
    """Parse and resolve scenario text; imports are read relative to the current folder."""
    sink = DiagnosticSink({file: text})
    document = parse(text, file, max_tokens=max_tokens)
    targets: list[str] = []
    root = os.path.realpath(os.getcwd())
    for statement in document.statements:
        if statement.key != "import":
            continue
        # The same rules as imports between files: a relative path inside the current folder.
        if len(statement.values) != 1 or statement.values[0].kind != "string" or statement.body:
            sink.error("write imports as: import \"file.scn\"", statement.span)
            continue
        target, span = statement.values[0].text[1:-1], statement.values[0].span
        if not target or os.path.isabs(target) or target.startswith("~"):
            sink.error("an import names a path relative to the current folder", span)
            continue
        if not target.endswith(".scn"):
            sink.error(f"import '{target}' is not a scenario file (.scn)", span)
            continue
        if os.path.commonpath([root, os.path.realpath(target)]) != root:
            sink.error(f"import '{target}' reaches outside the current folder", span)
            continue
        if not os.path.isfile(target):
            sink.error(f"imported file '{target}' does not exist", span,
                       "imports in scenario text are relative to the current folder")
            continue
        targets.append(os.path.normpath(target))
    # One pass over every import, so a file two of them import (a diamond) is read once.
    documents = [document, *load_documents(targets, sink, max_tokens=max_tokens)]
    return resolve(documents, sink, max_variants=max_variants)
