"""Reading values: the atoms of one line, read against its field's spec.

Quantities with units (`100k`, `1.2 GW`, `30 to 50 %`, `1.25 ± 10%`), whole numbers, names from
the catalog, quoted strings, energy mixes and parallelism lists, each checked against its bounds.
Every mistake is reported to the sink, located, and the reader returns None.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from scendsl.defaults import FRAMEWORKS
from scendsl.errors import DiagnosticSink, Span
from scendsl.language import fields as F
from scendsl.language.money import takes_currencies, usd_only_hint
from scendsl.language.names import (
    CatalogNames,
    accelerator_hint,
    accelerator_named,
    catalog_references,
    comparison_countries,
    country_of,
    currency_names,
    framework_named,
    hint_text,
    is_region,
    iso_reading_names,
    latest_rate,
    left_out_currencies,
    named_country_groups,
    national_resources_in,
    not_modelled_hint,
    plain_reading,
    subdivision_hint,
)
from scendsl.language.syntax import Atom, Statement
from scendsl.language.units import (
    DIMENSION_EXAMPLES,
    MAGNITUDES,
    MONEY_DIMENSIONS,
    NUMBER_PARTS,
    TOO_LARGE,
    UNITS,
    Number,
    currency_code,
    lookup_unit,
    money_unit,
    parse_number,
    scaled_number_problem,
)
from scendsl.scenario import MixShare, Parallelism, ReferenceEntity, Uncertain
from scendsl.suggest import (
    MAX_PREFIX_MATCHES,
    Hint,
    by_name_key,
    close_matches,
    fix_of,
    meant,
    name_key,
    one_edit,
    one_edit_match,
    quoted,
    suggest,
)

if TYPE_CHECKING:
    from scendsl.language.passes.state import Definition

MAX_STRING_LENGTH = 10_000
#: The word after a value that starts its source: `price 95 USD/MWh source "..."`.
CITE = "source"
#: Whole-number fields (layers, batch sizes, parallel degrees) above this are typos or attacks;
#: Python would turn 1e300 into a 301-digit integer that numpy cannot hold.
MAX_WHOLE_NUMBER = 10**15


class ValueReader:
    """Reads the values of lines; needs a sink, the catalog's names and the custom accelerators."""

    sink: DiagnosticSink
    #: Only the names are needed here: the full catalog (or a `CatalogNames`) will do.
    catalog: CatalogNames
    #: Custom `accelerator` blocks of this load, by name (a scenario may name them).
    #: (The same type as the resolver's own, which mypy requires of a mutable attribute that
    #: two bases of a pass declare.)
    accelerators: dict[str, Definition]
    #: Set to a list by a reader that keeps a price's currency (the scenario values pass): the
    #: unit of each amount of money read since (`USD/MWh`, `EUR/kWh`: a code with a rate). None
    #: (the default) makes an amount in another currency an error: nothing would convert it.
    currencies_read: list[str] | None = None
    #: The `reference` blocks of this load, built (a scenario's `compare_with` may name one, or
    #: a country whose national resource only a block gives). Empty until they are built.
    built_references: dict[str, ReferenceEntity]

    def value_in_currency(
        self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str, place: str
    ) -> tuple[Any, str | None]:
        """`value`, for a line read at `place` (`scenario`, `sweep`, `accelerator`): the value
        and the unit it was written in (`EUR/kWh`; None for US dollars and anything not money).
        Another currency is read where `language.money` says the place takes one."""
        if not takes_currencies(place, spec.dimension):
            return self.value(atoms, spec, where, label), None
        self.currencies_read = []
        try:
            value = self.value(atoms, spec, where, label)
            written = self.currencies_read
        finally:
            self.currencies_read = None
        currency = written[0] if written and not written[0].startswith("USD") else None
        return value, currency

    def quantity(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        """Read `q`, `q to q` or `q ± y%` against the spec; returns float, Uncertain or None."""
        if not atoms:
            self.sink.error(
                f"'{label}' needs a value",
                where,
                f"expected {DIMENSION_EXAMPLES.get(spec.dimension or '', 'a value')}",
            )
            return None
        parts = split_word(atoms, "to")
        if len(parts) == 2:
            if self._magnitude_word_in_range(parts[0], parts[1], spec, where, label):
                return None
            if self._written_at_end_alone(parts[0], parts[1], spec, where, label):
                return None
            low = self.single(parts[0], spec, where, label)
            high = self.single(parts[1], spec, where, label)
            if low is None or high is None:
                return None
            codes = dict.fromkeys(currency_code(unit) for unit in self.currencies_read or ())
            if len(codes) > 1:
                self.sink.error(
                    f"the range of '{label}' is written in two currencies ({' and '.join(codes)})",
                    join_atoms(atoms),
                    "write both ends in one currency",
                )
                return None
            if not spec.uncertain:
                self.sink.error(f"'{label}' cannot be uncertain", join_atoms(atoms), None)
                return None
            if low > high:
                # The ends as written: the values are in SI units (USD per joule for a price).
                first, second = (" ".join(atom.text for atom in part) for part in parts)
                self.sink.error(
                    f"the range of '{label}' runs backwards ({first} to {second})",
                    join_atoms(atoms),
                    "write the smaller value first",
                )
                return None
            if low > 0:
                product = low * high  # may overflow or underflow for extreme ends
                center = (
                    math.sqrt(product)
                    if 0 < product < math.inf
                    else math.sqrt(low) * math.sqrt(high)
                )
            else:
                center = (low + high) / 2
            return Uncertain.model_construct(kind="interval", low=low, high=high, center=center)
        spread_at = next((i for i, a in enumerate(atoms) if a.kind == "plusminus"), None)
        if spread_at is not None:
            if self._unit_after_spread(
                atoms[:spread_at], atoms[spread_at + 1 :], spec, where, label
            ):
                return None
            center = self.single(atoms[:spread_at], spec, where, label)
            spread_atoms = atoms[spread_at + 1 :]
            if center is None:
                return None
            if not spec.uncertain:
                self.sink.error(f"'{label}' cannot be uncertain", join_atoms(atoms), None)
                return None
            rel = self.percentage(
                spread_atoms, "a spread", "e.g. '1.25 ± 10%'", atoms[spread_at].span
            )
            if rel is None:
                return None
            if not 0 <= rel < 1:
                bound = range_words("0%", "100%", high_included=rel < 0)
                self.sink.error(f"a spread must be {bound}", spread_atoms[0].span)
                return None
            return Uncertain.model_construct(
                kind="relative",
                low=center * (1 - rel),
                high=center * (1 + rel),
                center=center,
                rel=rel,
            )
        return self.single(atoms, spec, where, label)

    def _magnitude_word_in_range(
        self, low: list[Atom], high: list[Atom], spec: F.FieldSpec, where: Span, label: str
    ) -> bool:
        """Whether `A to B` writes a magnitude as a word (`500 to 800 billion`, `20 to 30 lakh
        PKR/MWh`); True after reporting it over the whole range, with the range to write.

        Each end was read on its own: B was told its suffix (`800B`), and A, read without the
        word and the unit written after it, "not a plain number, add a unit" or, silently, 500
        tokens; the fix offered for B led to the next error. The word and the unit written at
        one end are meant for both, as in speech (`20 to 30 lakh` is 2M to 3M), and the range
        is told when both ends so written read."""
        if not low or not high or low[0].kind != "number" or high[0].kind != "number":
            return False
        ends = []
        for end, other in ((low, high), (high, low)):
            word = end[1] if len(end) > 1 and end[1].kind == "word" else None
            amount = with_suffix(end[0].text, word.text) if word is not None else None
            rest = end[2:] if amount is not None else end[1:]
            if amount is None and len(other) > 1 and other[1].kind == "word":
                # this end has no word: the other's, and the unit after it, are its own too
                # (a number of plain digits: `70B to 400 billion` keeps its `70B`)
                if _PLAIN_NUMBER.fullmatch(end[0].text):
                    amount = with_suffix(end[0].text, other[1].text)
                rest = rest or other[2:]
            ends.append((amount, rest))
        if all(amount is None for amount, _rest in ends):
            return False
        written = []
        for (amount, rest), end in zip(ends, (low, high), strict=True):
            number = Atom("number", amount or end[0].text, end[0].span)
            if not self._reads_alone([number, *rest], spec, where, label):
                return False
            written.append(" ".join([number.text, *(atom.text for atom in rest)]))
        words = dict.fromkeys(end[1].text for end in (low, high) if len(end) > 1)
        said = " and ".join(quoted(word) for word in words if _magnitude_word(word))
        self.sink.error(
            f"the range of '{label}' writes a magnitude as a word ({said}): {_MAGNITUDE_RULE}",
            join_atoms([*low, *high]),
            f"write '{written[0]} to {written[1]}'",
        )
        return True

    def _unit_after_spread(
        self, center: list[Atom], spread: list[Atom], spec: F.FieldSpec, where: Span, label: str
    ) -> bool:
        """Whether `A ± S% UNIT` writes the unit after the spread, where the centre's goes
        (`20 ± 10% PKR/MWh`); True after reporting it. The centre was read on its own: "not a
        plain number, add a unit after the number", which the user did, after the spread."""
        if len(center) != 1 or center[0].kind != "number" or len(spread) != 2:
            return False
        if spread[0].kind != "number" or spread[1].kind != "word":
            return False
        if self._reads_alone(center, spec, where, label):
            return False
        if not self._reads_alone([center[0], spread[1]], spec, where, label):
            return False
        self.sink.error(
            f"the unit of '{label}' is written after its spread: it belongs to the value",
            spread[1].span,
            f"write '{center[0].text} {spread[1].text} ± {spread[0].text}'",
        )
        return True

    def _written_at_end_alone(
        self, low: list[Atom], high: list[Atom], spec: F.FieldSpec, where: Span, label: str
    ) -> bool:
        """Whether `A to B` writes B's unit, percent sign or magnitude at B alone (`300 to
        400 W`, `30 to 45%`, `70 to 400B`) where A does not read as written; True after
        reporting it at A, with the fix that writes it at both ends.

        A range is read end by end, so A was read on its own: "not a plain number, add a unit
        after the number" (which the user did, at B), "must be between 0% and 100%", or a
        magnitude read as written, silently: `70 to 400B` parameters from 70 to 400 billion.
        A magnitude at B alone is taken as written where A reads and the range spans no more
        than three orders of magnitude (`count 500 to 2k`), and A is left to its own error
        where it would not read written as B is either."""
        if len(low) != 1 or low[0].kind != "number" or not high or high[0].kind != "number":
            return False
        start, end = NUMBER_PARTS.match(low[0].text), NUMBER_PARTS.match(high[0].text)
        if start is None or end is None:
            return False
        unit = high[1].text if len(high) == 2 and high[1].kind == "word" else ""
        magnitude = end.group(3) if not start.group(3) else ""
        percent = "%" if end.group(4) and not start.group(4) else ""
        if not (unit or magnitude or percent):
            return False
        if self._reads_alone(low, spec, where, label):
            if unit or percent or not magnitude:
                return False
            try:
                first, last = parse_number(low[0].text).value, parse_number(high[0].text).value
            except ValueError:  # an end too small for a double: its own error says so
                return False
            if not 0 < first * 1000 < last or first * MAGNITUDES[magnitude] > last:
                return False
        # Told so only when the start written as the end is reads (`1e-9 to 1B` is too small
        # either way: its own error says so).
        number = Atom("number", f"{low[0].text}{magnitude}{percent}", low[0].span)
        if not self._reads_alone([number, *high[1:]], spec, where, label):
            return False
        written = ("its unit " + quoted(unit)) if unit else ("its magnitude " + quoted(magnitude))
        if percent and not unit:
            written = "its percent sign" if not magnitude else f"{quoted(magnitude + '%')}"
        fixed = f"{low[0].text}{magnitude}{percent}" + (f" {unit}" if unit else "")
        self.sink.error(
            f"the range of '{label}' writes {written} only at its end: its start, "
            f"{quoted(low[0].text)}, is read on its own",
            low[0].span,
            f"write it at both ends: '{fixed} to {' '.join(atom.text for atom in high)}'",
            fix=None if unit else fixed,  # a fix is one token (errors.is_fix): `70B`, not `300 W`
        )
        return True

    def _reads_alone(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str) -> bool:
        """Whether `atoms` read as a value of the field, reporting nothing."""
        sink, currencies = self.sink, self.currencies_read
        self.sink = DiagnosticSink()
        self.currencies_read = None if currencies is None else list(currencies)
        try:
            return self.single(atoms, spec, where, label) is not None
        finally:
            self.sink, self.currencies_read = sink, currencies

    def number(self, atom: Atom) -> Number | None:
        """The atom's number, or None after reporting why it is not one (`1__0`)."""
        try:
            return parse_number(atom.text)
        except ValueError as error:
            self.sink.error(str(error), atom.span)
            return None

    def percentage(self, atoms: list[Atom], what: str, example: str, where: Span) -> float | None:
        """The one percentage after a '±' (a spread or a tolerance), or None after an error."""
        if len(atoms) != 1 or atoms[0].kind != "number" or not atoms[0].text.endswith("%"):
            self.sink.error(
                f"{what} is written as a percentage after '±'",
                join_atoms(atoms) if atoms else where,
                example,
            )
            return None
        number = self.number(atoms[0])
        return None if number is None else number.value

    def single(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        expected = DIMENSION_EXAMPLES.get(spec.dimension or "", "a value")
        if (
            not atoms
            or atoms[0].kind != "number"
            or len(atoms) > 2
            or (len(atoms) == 2 and atoms[1].kind != "word")
        ):
            span = join_atoms(atoms) if atoms else where
            magnitude = magnitude_and_unit_hint(atoms)
            if magnitude is not None:  # its edit is of the number and the word before the unit
                span = join_atoms(atoms[:2])
            thousands = thousands_separator_hint(atoms)
            if thousands is not None:
                span = number_span(atoms, thousands)
            hint = thousands or magnitude or written_amount_hint(atoms) or value_hint(atoms, spec)
            self.sink.error(f"'{label}' expects {expected}", span, hint, fix=fix_of(hint))
            return None
        number_atom = atoms[0]
        number = self.number(number_atom)
        if number is None:
            return None
        value, dimension = number.value, ("fraction" if number.percent else "number")
        currency = None  # the ISO 4217 code of an amount in another currency than USD
        if not math.isfinite(value):
            self.sink.error(TOO_LARGE, number_atom.span)
            return None
        if len(atoms) == 2:
            unit_atom = atoms[1]
            if number.percent:
                self.sink.error("a percentage cannot carry a unit", unit_atom.span)
                return None
            unit = lookup_unit(unit_atom.text)
            money = money_unit(unit_atom.text) if unit is None else None
            if money is not None and is_currency_like(money[0], unit_atom.text):
                problem = currency_problem(money[0], unit_atom.text)
                if problem is not None:
                    self.sink.error(problem[0], unit_atom.span, problem[1], fix=fix_of(problem[1]))
                    return None
                currency, unit = money
            elif unit is None and (
                noun := counted_noun_problem(number_atom, unit_atom, spec, label)
            ):
                self.sink.error(*noun, fix=fix_of(noun[2]))
                return None
            elif unit is None:
                glued = number_atom.span.end_col == unit_atom.span.col
                magnitude = magnitude_word_hint(
                    number_atom.text, unit_atom.text
                ) or calendar_word_hint(number_atom.text, unit_atom.text)
                hint = (
                    magnitude
                    or unit_hint(unit_atom.text, spec.dimension)
                    or ("write the unit apart from the number" if glued else None)
                )
                # `70 billion` is fixed as one `70B`: the edit spans the number and the word
                where = join_atoms([number_atom, unit_atom]) if magnitude else unit_atom.span
                self.sink.error(
                    f"unknown unit {quoted(unit_atom.text)}", where, hint, fix=fix_of(hint)
                )
                return None
            value, dimension = value * unit.factor, unit.dimension
            unheld = scaled_number_problem(number.value, value)
            if unheld is not None:
                self.sink.error(unheld, join_atoms(atoms))
                return None
        wanted = spec.dimension
        if wanted == "fraction" and dimension == "number":
            dimension = "fraction"  # `mfu 0.4` means 40 %
        if dimension != wanted:
            got = DIMENSION_EXAMPLES.get(dimension, dimension).split(" such as")[0]
            hint = None
            if wanted in ("number", "fraction") and len(atoms) == 2:
                hint = f"'{label}' has no unit: remove '{atoms[1].text}'"
            elif number.percent and wanted == "number":
                # `pue 120%`: a ratio written as a percentage; there is no unit to add.
                hint = f"write it as a plain number: {number_atom.text} is {value:g}"
            elif len(atoms) == 1:
                hint = "add a unit after the number"
            self.sink.error(f"'{label}' expects {expected}, not {got}", join_atoms(atoms), hint)
            return None
        if currency is not None and self.currencies_read is None:
            self.sink.error(
                f"'{label}' takes US dollars here",
                atoms[1].span,
                usd_only_hint(atoms[1].text, currency),
            )
            return None
        # Bounds are in US dollars: another currency's amount is checked at its latest rate
        # (the model converts it at its scenario year's).
        in_usd = value / latest_rate(currency) if currency is not None else value
        if not self._in_bounds(in_usd, spec, join_atoms(atoms), label):
            return None
        if self.currencies_read is not None and dimension in MONEY_DIMENSIONS:
            self.currencies_read.append(atoms[1].text)
        return value

    def _in_bounds(self, value: float, spec: F.FieldSpec, span: Span, label: str) -> bool:
        lo, hi = spec.minimum, spec.maximum
        too_low = lo is not None and (value < lo if spec.inclusive else value <= lo)
        too_high = hi is not None and value > hi
        if too_low or too_high:
            if (lo is not None and hi is not None and spec.inclusive and hi <= 10_000) or (
                spec.dimension == "fraction" and lo == 0.0 and hi == 1.0
            ):
                # A field's natural range (year, pue, a share) is given whole; a sanity limit
                # (count ≤ 1e9) only to whoever passes it.
                bound = range_words(
                    F.describe_bound(lo, spec.dimension),
                    F.describe_bound(hi, spec.dimension),
                    low_included=spec.inclusive or not too_low,
                )
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
        following = next_field_on_the_line(atoms, label)
        if following is not None and not is_counted_noun(atoms, following, spec):
            # `cluster { accelerator H100 count 256 }`: each field reads to the end of its line.
            self.sink.error(*fields_on_one_line(atoms, following, label))
            return None
        kind = spec.kind
        if kind == "quantity":
            return self.quantity(atoms, spec, where, label)
        if kind == "integer":
            number = self.single(atoms, spec, where, label)
            if number is None:
                return None
            if number != int(number):
                self.sink.error(f"'{label}' must be a whole number", join_atoms(atoms))
                return None
            if abs(number) > MAX_WHOLE_NUMBER:
                self.sink.error(
                    f"'{label}' must be at most {MAX_WHOLE_NUMBER:,}", join_atoms(atoms)
                )
                return None
            return int(number)
        if len(atoms) != 1:
            if kind in ("mix", "parallelism"):
                return self._keyword_list(atoms, spec, where, label)
            split = self._split_name_hint(atoms, spec, label)
            self.sink.error(
                f"'{label}' takes one value",
                join_atoms(atoms) if atoms else where,
                split or value_hint(atoms, spec),
                fix=fix_of(split),
            )
            return None
        atom = atoms[0]
        if kind == "string":
            if atom.kind != "string":
                self.sink.error(
                    f"'{label}' expects text in double quotes",
                    atom.span,
                    f'e.g. {label} "{atom.text}"',
                )
                return None
            return self.string(atom)
        if kind in ("mix", "parallelism"):
            return self._keyword_list(atoms, spec, where, label)
        if kind == "region" and atom.kind in ("word", "string"):
            # Any ISO 3166-1 country; a subdivision ("US-TX") is quoted, since '-' ends a name.
            region = atom.text if atom.kind == "word" else self.string(atom)
            if region is not None and not is_region(region, self.catalog):
                hint = region_hint(region, self.catalog.regions)
                fix = fix_of(hint)
                self.sink.error(
                    f"unknown region {quoted(region)}",
                    atom.span,
                    hint,
                    # a subdivision is quoted, since '-' ends a name
                    fix=f'"{fix}"' if fix is not None and "-" in fix else fix,
                )
                return None
            return region
        if atom.kind != "word":
            unquoted = self._quoted_name_hint(atom, spec, label)
            self.sink.error(
                f"'{label}' expects a name",
                atom.span,
                unquoted or value_hint(atoms, spec),
                fix=fix_of(unquoted),
            )
            return None
        name = atom.text
        if kind == "enum":
            if name not in spec.choices:
                choice = self._meant(name, spec, label)
                self.sink.error(
                    f"unknown {label} {quoted(name)}",
                    atom.span,
                    choice or "one of: " + ", ".join(spec.choices),
                    fix=fix_of(choice),
                )
                return None
            return name
        if kind == "comparison":
            return self._comparison(name, atom.span)
        if kind == "accelerator":
            if name not in self.catalog.accelerators and name not in self.accelerators:
                chip = self._meant(name, spec, label)
                self.sink.error(
                    f"unknown accelerator {quoted(name)}",
                    atom.span,
                    chip
                    or "define it with an 'accelerator' block, or use one of: "
                    + ", ".join(sorted(self.catalog.accelerators)),
                    fix=fix_of(chip),
                )
                return None
            return name
        raise AssertionError(kind)

    def _comparison(self, name: str, span: Span) -> str | None:
        """`compare_with NAME`: a national research resource, or a country or named group of
        countries with one; None after reporting what else to write."""
        built = self.built_references
        # (kind, region) of every reference by name, a file's block over the catalog's entry.
        references = {
            **{key: (raw["kind"], raw["region"]) for key, raw in catalog_references().items()},
            **{key: (block.kind, block.region) for key, block in built.items()},
        }
        if name in references:
            kind = references[name][0]
            if kind == "national_resource":
                return name
            # The headline's figures (divide.public_resource_ratio) and the concentration
            # rating read a national research resource: another kind would change the rating's
            # meaning; the compute-divide page compares the cluster with every reference.
            what = f"a {kind.replace('_', ' ')} reference" if kind else "a reference without a kind"
            self.sink.error(
                f"{quoted(name)} is {what}, not a national research resource",
                span,
                "compare_with names the national research resource the headline compares the "
                "cluster with (a reference with `kind national_resource`, or a country or group "
                "for its largest); the compute-divide page compares it with every reference",
            )
            return None
        countries = comparison_countries(name)
        if countries is not None:
            if national_resources_in(countries, references):
                return name
            place = iso_reading_names().get(name)
            self.sink.error(
                "no national research resource in "
                + (f"{place} ({name})" if place else quoted(name))
                + " to compare with",
                span,
                "name a reference instead (`scendsl list references`), or add a `reference` "
                f'block with `kind national_resource` and `region "{countries[0]}"`',
            )
            return None
        groups_and_countries = [
            *named_country_groups(),
            *dict.fromkeys(
                country_of(region)
                for kind, region in references.values()
                if kind == "national_resource" and region
            ),
        ]
        # A country written by its name (`Canada`) is told its code before any spelling guess.
        exact = name.lower() in _regions_by_name()
        hint = (region_code_hint(name) if exact else None) or (
            suggest(name, [*references, *groups_and_countries]) or region_code_hint(name)
        )
        self.sink.error(
            f"unknown reference {quoted(name)} to compare with",
            span,
            hint
            or "a reference's name (`scendsl list references`), or a country or group whose "
            "national research resource is meant: "
            + ", ".join(groups_and_countries),
            fix=fix_of(hint),
        )
        return None

    def _names_of(self, spec: F.FieldSpec) -> tuple[str, ...]:
        """The names a name field takes: its choices, or the accelerators."""
        if spec.kind == "enum":
            return tuple(spec.choices)
        return self.accelerator_names()

    def accelerator_names(self) -> tuple[str, ...]:
        """The accelerators a scenario or block may name: the catalog's and the file's own."""
        return (*self.catalog.accelerators, *self.accelerators)

    def _meant(self, written: str, spec: F.FieldSpec, label: str) -> str | None:
        """What a name the field does not know most likely means: a framework's other name
        (`NeMo` is `megatron`) first, else the closest of the field's names."""
        if spec.kind == "accelerator":
            return accelerator_hint(written, self._names_of(spec))
        return alias_hint(label, written) or suggest(written, self._names_of(spec))

    def _quoted_name_hint(self, atom: Atom, spec: F.FieldSpec, label: str) -> str | None:
        """The hint for a name written in quotes (`accelerator "H100"`, `"TPU v6e"`): the name
        as it is written, or the one it most likely means."""
        if atom.kind != "string" or spec.kind not in ("accelerator", "enum"):
            return None
        text = atom.text[1:-1]
        # pasted text: a full-width or Cyrillic look-alike reads as the name in ASCII
        text = plain_reading(text) or text
        if text in self._names_of(spec):
            return Hint(f"write the name without quotes: {label.rpartition('.')[2]} {text}", text)
        unquoted = self._meant(text, spec, label)  # the hint the name gets unquoted
        if not unquoted:
            return None
        return Hint(f"a name is written without quotes; {unquoted}", fix_of(unquoted))

    def _split_name_hint(self, atoms: list[Atom], spec: F.FieldSpec, label: str) -> str | None:
        """'did you mean' for a name the tokenizer split at punctuation (`H-100` is `H` and
        `-100`) or written with blanks as people write it (`TPU v5e`): the atoms of one line
        read as one name, without the marks and blanks."""
        if spec.kind not in ("accelerator", "enum") or len(atoms) < 2:
            return None
        if any(atom.kind == "list" for atom in atoms) or any(
            a.span.line != b.span.line for a, b in pairwise(atoms)
        ):
            return None
        written = atoms[0].text
        for before, atom in pairwise(atoms):
            written += ("" if before.span.end_col == atom.span.col else " ") + atom.text
        if hint_text(written) is None:
            return None
        alias = alias_hint(label, written)
        if alias is not None:
            return alias
        name = by_name_key(self._names_of(spec)).get(name_key(written))
        if name is not None:
            return Hint(f"did you mean '{name}'? ('{written}' is not one word)", name)
        if spec.kind == "accelerator":  # `H100 SXM5` is H100, `H100 PCIe` another product
            return accelerator_named(written, self._names_of(spec))
        return None

    def cited(self, atoms: list[Atom], label: str) -> tuple[list[Atom], str | None, bool]:
        """Split a trailing `source "..."` off a line's atoms: (the value's atoms, the source
        text or None, whether the line is still readable). A `source` anywhere else, or without
        its quoted text, is reported here."""
        at = cite_index(atoms)
        if at is None:
            return atoms, None, True
        if at == len(atoms) - 2 and atoms[-1].kind == "string" and at > 0:
            text = self.string(atoms[-1])
            if text is not None and not text.strip():
                self.sink.error("a figure's source is empty", atoms[-1].span)
                return atoms, None, False
            return atoms[:at], text, text is not None
        self.sink.error(
            f"'{label}': a figure's source comes last, after its value, as {CITE} \"...\"",
            join_atoms(atoms[at:]),
            f"e.g. '{label.rpartition('.')[2]} ... {CITE} \"Operator annual report 2024, p. 12\"'",
        )
        return atoms, None, False

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
                    self.sink.error(
                        f"unknown escape '\\{nxt}' in string",
                        Span(atom.span.file, atom.span.line, col, atom.span.line, col + 2),
                        'only \\" and \\\\ are escapes; write other characters as they are',
                    )
                    return None
                out.append(nxt)
                i += 2
            else:
                out.append(char)
                i += 1
        return "".join(out)

    def _keyword_list(self, atoms: list[Atom], spec: F.FieldSpec, where: Span, label: str):
        """`stranded_gas 60%, solar 25%` (mix) or `tensor 8, pipeline 16, data auto`."""
        groups = split_commas(atoms)
        seen: dict[str, Span] = {}
        entries: list[tuple[str, Atom | None, Span]] = []
        for group in groups:
            if spec.kind == "mix" and self._spaced_source(group):
                return None
            if len(group) != 2 or group[0].kind != "word":
                example = (
                    "'stranded_gas 60%, solar 40%'"
                    if spec.kind == "mix"
                    else "'tensor 8, pipeline 16, data auto'"
                )
                self.sink.error(
                    f"each entry of '{label}' is a name and a value",
                    join_atoms(group) if group else where,
                    f"e.g. {example}",
                )
                return None
            name_atom, value_atom = group
            if name_atom.text in seen:
                self.sink.error(
                    f"'{name_atom.text}' appears twice in '{label}'",
                    name_atom.span,
                    related=(("first here", seen[name_atom.text]),),
                )
                return None
            seen[name_atom.text] = name_atom.span
            entries.append((name_atom.text, value_atom, name_atom.span))
        if spec.kind == "mix":
            return self._mix(entries, atoms, label)
        return self._parallelism(entries)

    def _spaced_source(self, group: list[Atom]) -> bool:
        """`natural gas 20%`: a source's name written in words, as prose writes it, is told the
        name the language writes (`gas`, or `stranded_gas` for `stranded gas`), with the edit;
        False (nothing said) for any other entry."""
        words = group[:-1]
        if len(words) < 2 or not all(atom.kind == "word" for atom in words):
            return False
        joined = "_".join(atom.text for atom in words)
        written = " ".join(atom.text for atom in words)
        hint: str
        if joined in self.catalog.energy_sources:
            hint = Hint(f"names join their words with '_': write '{joined}'", joined)
        else:
            hint = energy_source_hint(written, self.catalog.energy_sources)
            if fix_of(hint) is None:
                return False
        self.sink.error(
            f"unknown energy source {quoted(written)}", join_atoms(words), hint, fix=fix_of(hint)
        )
        return True

    def _mix(self, entries, atoms: list[Atom], label: str):
        shares, ok = [], True
        since = len(self.sink.diagnostics)
        for name, value_atom, name_span in entries:
            if name not in self.catalog.energy_sources:
                hint = energy_source_hint(name, self.catalog.energy_sources)
                self.sink.error(
                    f"unknown energy source {quoted(name)}", name_span, hint, fix=fix_of(hint)
                )
                ok = False
                continue
            if value_atom.kind != "number" or not value_atom.text.endswith("%"):
                self.sink.error(
                    f"the share of '{name}' is a percentage", value_atom.span, f"e.g. '{name} 60%'"
                )
                ok = False
                continue
            number = self.number(value_atom)
            if number is None:
                ok = False
                continue
            share = number.value
            if not 0 < share <= 1:
                bound = range_words("0%", "100%", low_included=share > 1)
                self.sink.error(f"the share of {quoted(name)} must be {bound}", value_atom.span)
                ok = False
                continue
            shares.append(MixShare.model_construct(source=name, share=share))
        if not ok:
            # a fix naming a source the mix already names would name it twice
            self.sink.withhold_fixes(since, (name for name, _, _ in entries))
            return None
        total = sum(s.share for s in shares)
        if abs(total - 1.0) > 1e-6:
            self.sink.error(
                f"the shares of '{label}' add up to {total * 100:g}%, not 100%",
                join_atoms(atoms),
                "adjust the shares so they sum to 100%",
            )
            return None
        return tuple(shares)

    def _parallelism(self, entries):
        # Degree by name; None ('auto') only for data and microbatches, which mypy cannot
        # tell apart from the int-only degrees here, hence Any.
        values: dict[str, Any] = {}
        for name, value_atom, name_span in entries:
            if name not in F.PARALLELISM_KEYS:
                self.sink.error(
                    f"unknown kind of parallelism {quoted(name)}",
                    name_span,
                    suggest(name, F.PARALLELISM_KEYS) or "one of: " + ", ".join(F.PARALLELISM_KEYS),
                )
                return None
            if value_atom.kind == "word" and value_atom.text == "auto":
                if name != "data" and name != "microbatches":
                    self.sink.error("only 'data' and 'microbatches' can be 'auto'", value_atom.span)
                    return None
                values[name] = None
                continue
            number = self.single([value_atom], F.PARALLEL_DEGREE, value_atom.span, name)
            if number is None:
                return None
            if number != int(number):
                self.sink.error(f"{quoted(name)} must be a whole number", value_atom.span)
                return None
            if number > MAX_WHOLE_NUMBER:
                self.sink.error(
                    f"{quoted(name)} must be at most {MAX_WHOLE_NUMBER:,}", value_atom.span
                )
                return None
            values[name] = int(number)
        return Parallelism.model_construct(**values)


# ---------------------------------------------------------------------- atoms helpers
def cite_index(atoms: list[Atom]) -> int | None:
    """Where the first `source` word of a line's atoms is, or None."""
    return next((i for i, a in enumerate(atoms) if a.kind == "word" and a.text == CITE), None)


def join_atoms(atoms: list[Atom]) -> Span:
    first, last = atoms[0].span, atoms[-1].span
    return Span(first.file, first.line, first.col, last.end_line, last.end_col)


def split_commas(atoms: list[Atom]) -> list[list[Atom]]:
    groups: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "comma":
            groups.append([])
        else:
            groups[-1].append(atom)
    return groups


def split_word(atoms: list[Atom], word: str) -> list[list[Atom]]:
    parts: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "word" and atom.text == word:
            parts.append([])
        else:
            parts[-1].append(atom)
    return parts


def value_hint(atoms: list[Atom], spec: F.FieldSpec) -> str | None:
    if spec.kind in ("quantity", "integer"):
        example = DIMENSION_EXAMPLES.get(spec.dimension or "", "")
        if atoms and atoms[0].kind == "string":
            return f"write the value without quotes: {example}"
        return f"expected {example}" if example else None
    if spec.kind == "enum":
        return "one of: " + ", ".join(spec.choices)
    if spec.kind == "string" and atoms:
        return "put text in double quotes"
    if spec.kind == "region":  # `subject_to [US, CN]`: the catalog's entries take a list
        return 'one ISO 3166 code, such as US or CN, or a subdivision quoted: "US-TX"'
    return None


#: What a scenario's own lines may start with: its fields and its sections (read for every
#: top-level field, so made once).
_TOP_LEVEL_NAMES = frozenset({*F.SCENARIO_ATTRIBUTES, *F.SECTIONS})


def next_field_on_the_line(atoms: list[Atom], label: str) -> Atom | None:
    """A word among a field's values that names another field of its block (`count` in
    `accelerator H100 count 256`; `year` or a section in `title "t" year 2026`): two fields
    written on one line. None when there is none."""
    block = label.rpartition(".")[0]
    names: Any = F.SECTIONS.get(block) if block else _TOP_LEVEL_NAMES
    if not names:
        return None
    for atom in atoms[1:]:
        if atom.kind == "word" and atom.text in names:
            return atom
    return None


def is_counted_noun(atoms: list[Atom], word: Atom, spec: F.FieldSpec) -> bool:
    """Whether `word` ends a count as the noun the field counts (`tokens 15T tokens`,
    `parameters 70B parameters`), not as another field written on the same line."""
    return (
        len(atoms) == 2
        and atoms[0].kind == "number"
        and word is atoms[1]
        and word.text.lower() in spec.nouns
    )


def counted_noun_problem(
    number: Atom, word: Atom, spec: F.FieldSpec, label: str
) -> tuple[str, Span, str] | None:
    """(message, span, hint) for a word after a plain count (`count 10k GPUs`, `tokens 15T
    tokens`, `count 8 nodes`), None when the field is no count or the word is a magnitude
    (`70 billion`: `magnitude_word_hint`). The field's own noun is removed by the hint's fix;
    another noun may count something else (8 nodes of 8 accelerators are 64), so its hint
    says what the field counts and offers no edit."""
    if spec.dimension != "number" or not word.text.isalpha() or hint_text(word.text) is None:
        return None
    if magnitude_word_hint(number.text, word.text) is not None:
        return None
    if word.text.lower() in spec.nouns:
        return (
            f"'{label}' is a plain number, written without {quoted(word.text)}",
            join_atoms([number, word]),
            Hint(f"write {number.text}", number.text),
        )
    return (
        f"unknown unit {quoted(word.text)}",
        word.span,
        f"'{label}' is a plain number, the {spec.doc}: write that number alone",
    )


def fields_on_one_line(atoms: list[Atom], following: Atom, label: str) -> tuple[str, Span, str]:
    """The error for two fields written on one line: message, where, hint."""
    block = label.rpartition(".")[0]
    owner = f"'{block}'" if block else "a scenario"
    return (
        f"'{label}' is followed by '{following.text}' on the same line: each field of {owner} "
        "goes on a line of its own",
        join_atoms(atoms[atoms.index(following) :]),
        f"write '{following.text} ...' on the next line",
    )


def values_written_as_block(key: str, body: list[Statement]) -> str:
    """The hint for a field written as a block (`parallelism { tensor 8, data auto }`): a
    field's values go on its own line, without braces. The block's lines are joined with
    commas, as a list field writes them (`tensor 8` and `data auto` on two lines become
    `tensor 8, data auto`)."""
    lines: list[str] = []
    for line in body:
        if line.body is not None or any(a.kind == "list" for a in line.values):
            lines = []
            break
        text = line.key
        for atom in line.values:
            text += atom.text if atom.kind == "comma" else " " + atom.text
        lines.append(text)
    written = hint_text(", ".join(lines)) if lines else None
    return f"a field's values go on its line, without braces: '{key} {written or 'VALUE'}'"


#: Magnitudes written as words, and the suffix the language writes them with.
_MAGNITUDE_WORDS = {"thousand": "k", "million": "M", "billion": "B", "trillion": "T"}


#: Why a magnitude word is written as a suffix, in every hint that says so.
_MAGNITUDE_RULE = "magnitudes are suffixes of the number (k, M, B, T)"

#: The South Asian numbering's words (a lakh is 10^5, a crore 10^7: amounts in India, Pakistan,
#: Bangladesh, Nepal and Sri Lanka are published so, `3 crore PKR`), which no suffix writes: the
#: hint gives the amount in the language's magnitudes (`30M PKR`).
_GROUPING_WORDS = {"lakh": 1e5, "lac": 1e5, "crore": 1e7}


def _in_magnitudes(number: str, word: str) -> str | None:
    """`30 lakh` -> `3M`, `2.5 crore` -> `25M`: an amount in a word of the South Asian
    numbering, written with the language's largest suffix it reaches; None for any other
    word or for a number that is not plain digits (`1e3 crore`)."""
    lowered = word.lower()
    factor = _GROUPING_WORDS.get(lowered) or _GROUPING_WORDS.get(lowered.removesuffix("s"))
    if factor is None or hint_text(number) is None or not _PLAIN_NUMBER.fullmatch(number):
        return None
    value = float(number) * factor
    for suffix in reversed(_MAGNITUDE_WORDS.values()):  # T, B, M, k
        if value >= MAGNITUDES[suffix]:
            return f"{value / MAGNITUDES[suffix]:g}{suffix}"
    return f"{value:g}"


_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


#: Magnitudes abbreviated as the financial press writes them (`3 bn`, `250 mn`).
_MAGNITUDE_ABBREVIATIONS = {"bn": "B", "mn": "M", "tn": "T"}


def _magnitude_word(word: str) -> bool:
    """Whether `word` is a magnitude written as a word (`billion`, `bn`, `lakh`)."""
    return with_suffix("1", word) is not None


def _magnitude_suffix(word: str) -> str | None:
    """The suffix of a magnitude written as a word (`billion`, `Trillions`, `bn`), or None."""
    if hint_text(word) is None:
        return None
    lowered = word.lower()
    words = _MAGNITUDE_WORDS | _MAGNITUDE_ABBREVIATIONS
    return words.get(lowered) or words.get(lowered.removesuffix("s"))


def with_suffix(number: str, word: str) -> str | None:
    """`200 million` -> `200M`, `30 lakh` -> `3M`: a number and the magnitude word after it as
    the language writes them; None when `word` is no magnitude."""
    amount = _in_magnitudes(number, word)
    if amount is None and (suffix := _magnitude_suffix(word)) is not None:
        amount = f"{number}{suffix}"
    return amount


def magnitude_word_hint(number: str, word: str) -> str | None:
    """`70 billion` -> write `70B`: the language's magnitudes are suffixes (k, M, B, T); `3
    crore` -> write `30M`."""
    if (amount := _in_magnitudes(number, word)) is not None:
        return Hint(f"write {amount}: {_MAGNITUDE_RULE}", amount)
    suffix = _magnitude_suffix(word)
    if suffix is None:
        return None
    if hint_text(number) is None:
        return f"{_MAGNITUDE_RULE}: write {suffix}, not {word}"
    if not number.replace(".", "", 1).isdigit():  # `70k billion`, `1e3 million`: no one edit
        return f"write {number}{suffix}: {_MAGNITUDE_RULE}"
    return Hint(f"write {number}{suffix}: {_MAGNITUDE_RULE}", f"{number}{suffix}")


#: Calendar spans the language has no unit for, in days: a week is exactly 7 (a fortnight 14), a
#: month none (28 to 31 days), so a month is told the days and years it is about, with no edit.
_CALENDAR_DAYS = {"week": 7, "wk": 7, "fortnight": 14}
_MONTH_WORDS = frozenset({"month", "mo", "mth"})
#: The average month of the Gregorian calendar: 365.2425 days / 12.
_AVERAGE_MONTH_DAYS = 365.2425 / 12
_TIME_UNITS = "times are written in s, min, hours, days or years"


def _calendar_word(word: str) -> str | None:
    lowered = word.lower()
    for key in (lowered, lowered.removesuffix("s")):
        if key in _CALENDAR_DAYS or key in _MONTH_WORDS:
            return key
    return None


def calendar_word_hint(number: str | None, word: str) -> str | None:
    """`6 weeks` -> write `42 days`; `2 months` is about 61 days, or 0.167 years (months differ
    in length: no edit); None for any other word. Without a number, the rule alone (a spelling
    guess offered `minutes` for `months`)."""
    key = _calendar_word(word) if hint_text(word) is not None else None
    if key is None:
        return None
    if number is None or hint_text(number) is None or not _PLAIN_NUMBER.fullmatch(number):
        if key in _MONTH_WORDS:
            return f"a month is no unit of the language (months differ in length): {_TIME_UNITS}"
        return f"a {key} is {_CALENDAR_DAYS[key]} days: {_TIME_UNITS}"
    if key in _MONTH_WORDS:
        days = float(number) * _AVERAGE_MONTH_DAYS
        verb = "is" if float(number) == 1 else "are"
        return (
            f"a month is no unit of the language (months differ in length): {number} "
            f"{word} {verb} about `{days:.0f} days` or `{float(number) / 12:.3g} years`"
        )
    # no edit: a fix is one token, and the number and the unit both change
    return f"write {float(number) * _CALENDAR_DAYS[key]:g} days: {_TIME_UNITS}"


def magnitude_and_unit_hint(atoms: list[Atom]) -> str | None:
    """`200 million IDR`, `2.5 billion USD` -> write `200M IDR`: a magnitude written as a word
    between the number and its unit (the hint repeated the message, "expected an amount of
    money such as '30k USD'")."""
    if len(atoms) != 3 or atoms[0].kind != "number" or any(a.kind != "word" for a in atoms[1:]):
        return None
    number, unit = hint_text(atoms[0].text), hint_text(atoms[2].text)
    if number is None or unit is None:
        return None
    amount = with_suffix(number, atoms[1].text)
    if amount is None:
        return None
    # the edit is the number and its magnitude word (one token): the unit stays
    return Hint(f"write {amount} {unit}: {_MAGNITUDE_RULE}", amount)


def thousands_separator_hint(atoms: list[Atom]) -> str | None:
    """`100,000` -> write `100000` or `100k`: a comma separates list items, not digit groups.
    With its unit (`2,100 VND/kWh`, `95,000 GHS`) the edit keeps the unit: `2100 VND/kWh`."""
    unit = atoms[-1].text if atoms and atoms[-1].kind == "word" else None
    groups = atoms[:-1] if unit is not None else atoms
    # number (, number)*: an odd count of atoms, three at least
    if len(groups) < 3 or len(groups) % 2 == 0 or not _is_digit_group(groups[0]):
        return None
    # the last group may carry a magnitude (`1,000B VND`: a thousand billion)
    last = _GROUP_WITH_MAGNITUDE.fullmatch(groups[-1].text)
    suffix = last.group(2) if last and len(groups) > 1 else ""
    digits = [groups[0].text]
    for comma, group in zip(groups[1::2], groups[2::2], strict=True):
        text = group.text.removesuffix(suffix) if group is groups[-1] else group.text
        if comma.text != "," or _DIGITS.fullmatch(text) is None:
            return None
        digits.append(text)
    if not all(len(g) == 3 for g in digits[1:]):
        return None
    whole = hint_text("".join(digits))
    if whole is None or (unit is not None and hint_text(unit) is None):
        return "numbers take no thousands separators: write the digits without commas"
    if unit is None and not suffix:
        return f"numbers take no thousands separators: write {whole}, or {_short(whole)}"
    written = f"{whole}{suffix}" + (f" {unit}" if unit else "")
    shorter = "" if suffix else f", or '{_short(whole)} {unit}'"
    # the edit is of the number alone (a fix is one token): its span is the digit groups
    return Hint(f"numbers take no thousands separators: write '{written}'{shorter}", whole + suffix)


def range_words(low: str, high: str, low_included: bool = True, high_included: bool = True) -> str:
    """A bound of two ends as a message gives it: `between 0% and 100%`, and where the value
    written is at or past an end the range leaves out, that end's word (`greater than 0% and at
    most 100%`): `cluster.mfu 0%` was told it must be "between 0% and 100%"."""
    if low_included and high_included:
        return f"between {low} and {high}"
    lower = f"at least {low}" if low_included else f"greater than {low}"
    upper = f"at most {high}" if high_included else f"less than {high}"
    return f"{lower} and {upper}"


def number_span(atoms: list[Atom], hint: str | None) -> Span:
    """Where the edit of a thousands separator's hint goes: the digit groups, not the unit after
    them (`2,100` of `2,100 VND/kWh`)."""
    return join_atoms(atoms[:-1] if fix_of(hint) and atoms[-1].kind == "word" else atoms)


#: A digit group with a magnitude glued to it (`000B`), as the last group of `1,000B`.
_GROUP_WITH_MAGNITUDE = re.compile(r"([0-9]{3})([kMBGT])")


def written_amount_hint(atoms: list[Atom]) -> str | None:
    """The hint for an amount written with its currency first (`AED 220k`): `currency_first_hint`
    on the value's words, when they are a word and a number."""
    if len(atoms) != 2 or atoms[0].kind != "word" or atoms[1].kind != "number":
        return None
    return currency_first_hint(f"{atoms[0].text} {atoms[1].text}")


#: A currency written before its amount (`AED 220k`, `GHS 2.10`), as prices are printed: the
#: word, the number, and what the amount is per when written glued to it (`/kWh`).
_CURRENCY_FIRST = re.compile(r"([A-Za-z]{1,5})\.?[ \t]*([0-9][0-9_.]*[kMBGT]?)(/[A-Za-z]+)?")


def currency_first_hint(written: str) -> str | None:
    """`AED 220k`, `GHS 2.10/kWh`, `Rs. 60/kWh`, `kr 9.5/kWh`: a currency written before the
    amount, as price lists print it, is told the amount first and the ISO 4217 code after it
    (`220k AED`, `2.10 GHS/kWh`), with no edit (a fix is one token, and this moves two); `Rs`
    and `kr` name several currencies, listed to choose from. None when the word is no currency."""
    found = _CURRENCY_FIRST.fullmatch(written) if hint_text(written) is not None else None
    if found is None:
        return None
    word, number, per = found.group(1), found.group(2), found.group(3) or ""
    upper = word.upper()
    if upper in currency_names() or upper == "USD":
        code: str | None = upper
        meant_hint: str | None = None
    else:
        meant_hint = currency_meant(word)
        if meant_hint is None:
            return None
        code = fix_of(meant_hint)
    rule = "a currency is written by its ISO 4217 code after the amount"
    if code is not None:  # no edit: a fix is one token, and this moves two
        return f"{rule}: write '{number} {code}{per}'"
    return f"{rule} ('{number} CODE{per}'); {meant_hint}"


def _is_digit_group(atom: Atom) -> bool:
    """A number written as plain ASCII digits (`100`, not `0%`, `1.5` or `1e3`)."""
    return atom.kind == "number" and _DIGITS.fullmatch(atom.text) is not None


_DIGITS = re.compile(r"[0-9]+")


def _short(digits: str) -> str:
    """A whole number with the largest magnitude suffix it reaches (100000 -> 100k)."""
    value = int(digits)
    for suffix in reversed(_MAGNITUDE_WORDS.values()):  # T, B, M, k: the language's magnitudes
        if value >= MAGNITUDES[suffix]:
            return f"{value / MAGNITUDES[suffix]:g}{suffix}"
    return digits


def region_hint(region: str, regions: Iterable[str]) -> str:
    """The hint for an unknown region, in a scenario and on the command line (`new --region`):
    a subdivision placed in its country, a did-you-mean among the regions with figures, a
    country written by its name, else what a region is; a region written in characters that
    only look like the plain ones (full-width letters, a Cyrillic `\\u0421`) is told its plain spelling."""
    from scendsl.language.names import iso_region_names, plain_reading

    regions = list(regions)
    plain = plain_reading(region)
    if plain is not None and plain != region:
        if plain in regions or plain in iso_region_names():
            return Hint(
                f"it holds characters that only look like plain ones: write '{plain}'", plain
            )
        found = region_hint(plain, regions)
        return Hint(
            f"it holds characters that only look like plain ones, read as '{plain}': {found}",
            fix_of(found),
        )
    upper = region.upper()
    if upper != region and (upper in regions or upper in iso_region_names()):
        # `region ng`: codes are written in capitals, as ISO writes them.
        return Hint(
            f"write region codes in capitals: '{upper}' ({iso_region_names().get(upper, upper)})",
            upper,
        )
    return (
        subdivision_hint(region)
        or region_alias_hint(region)
        or alpha3_hint(region)
        # a three-letter code is one letter from many two-letter ones (AUT from AU, IRL from IR):
        # a guess among them names another country
        or (None if _THREE_LETTERS.fullmatch(region) else suggest(region, regions))
        or region_code_hint(region)
        or "regions are ISO 3166-1 alpha-2 codes such as US, CN, AE, "
        'or subdivisions with figures of their own, quoted: "US-TX"'
    )


_THREE_LETTERS = re.compile(r"[A-Za-z]{3}")


def region_alias_hint(region: str) -> str | None:
    """`UK` -> write `GB`: a code people write for a place that is not its ISO 3166-1 code
    (region_aliases.toml, with its sources)."""
    from scendsl.language.names import iso_region_names, shipped_file

    alias = shipped_file("region_aliases.toml").get(region.upper()) if len(region) <= 3 else None
    if alias is None:
        return None
    write = alias.get("write")
    if write is None:
        return str(alias["why"])
    return Hint(f"{alias['why']}: write {write} ({iso_region_names()[write]})", write)


def alpha3_hint(region: str) -> str | None:
    """`KEN` -> write `KE`: a country written by its ISO 3166-1 alpha-3 code, matched exactly."""
    if not _THREE_LETTERS.fullmatch(region):
        return None
    import pycountry  # only on this error path, as for a subdivision

    from scendsl.language.names import iso_reading_names

    country = pycountry.countries.get(alpha_3=region.upper())
    if country is None:
        return None
    return Hint(
        f"'{region}' is the three-letter code of {iso_reading_names()[country.alpha_2]}: "
        f"regions are written with the two-letter ISO 3166-1 code, {country.alpha_2}",
        country.alpha_2,
    )


@functools.lru_cache(maxsize=1)
def _regions_by_name() -> dict[str, tuple[str, ...]]:
    """The ISO region codes by their names in lower case: the ISO name and the name running text
    uses ("iran", "south korea", "united states"); made once: a file may name thousands of
    unknown regions. A name can stand for several codes: "georgia" is the country GE and the
    US state US-GA; "guam" is GU and US-GU."""
    from scendsl.language.names import iso_reading_names, iso_region_names

    by_name: dict[str, list[str]] = {}
    named = [
        *((name.lower().removeprefix("the "), code) for code, name in iso_reading_names().items()),
        *((name.lower(), code) for code, name in iso_region_names().items()),
    ]
    for name, code in named:
        codes = by_name.setdefault(name, [])
        if code not in codes:
            codes.append(code)
    return {name: tuple(codes) for name, codes in by_name.items()}


def region_code_hint(text: str) -> str | None:
    """`Germany` -> did you mean 'DE'? A country written by its name, matched to its code; a
    name that stands for several (`Georgia`: GE or US-GA) or a typo as near to several names
    (`Austrai`: Austria or Australia) is told them all, with no edit to make."""
    from scendsl.language.names import iso_region_names

    if hint_text(text) is None:
        return None
    by_name = _regions_by_name()
    found = list(by_name.get(text.lower(), ()))
    if not found:
        # within the load's suggestion budget: 2,700 unknown regions compared with every
        # country's name took 0.8 s of CPU
        for close in close_matches(text.lower(), by_name, cutoff=0.8):
            found.extend(code for code in by_name[close] if code not in found)
    if not found or len(found) > MAX_PREFIX_MATCHES:
        return None
    shown = " or ".join(f"'{code}' ({iso_region_names()[code]})" for code in found)
    text = f"did you mean {shown}? regions are ISO codes"
    return Hint(text, found[0]) if len(found) == 1 else text


def energy_source_hint(written: str, sources: Iterable[str]) -> str:
    """The hint for an energy source the catalog does not know: the source another of its names
    stands for (`natural_gas` is `gas`: a spelling guess offered `stranded_gas`), else the
    sources, and how a supply the catalog has none of is written."""
    from scendsl.language.names import energy_source_named

    source = energy_source_named(written)
    if source is not None:
        return Hint(f"'{written}' is written `{source}` here", source)
    sources = sorted(sources)
    # a typo only: a looser guess names another source (coal_ccs is not coal)
    typo = one_edit_match(written, sources)
    if typo is not None:
        return meant(typo)
    return (
        "one of: "
        + ", ".join(sources)
        + "; for another supply (biomass, waste, hydrogen), give the site's `intensity` and "
        + "`price` with their sources instead of a mix"
    )


def alias_hint(label: str, written: str) -> str | None:
    """`framework NeMo` -> write `megatron`, `fabric IB` -> `infiniband`: another name of a
    choice (a framework's tool, a product's or a library's name), told the choice the language
    writes (frameworks.toml `also_known_as`, choice_aliases.toml)."""
    from scendsl.language.names import choice_named

    if label.rpartition(".")[2] == "framework":
        framework = framework_named(written)
        if framework is None:
            return None
        return Hint(
            f"'{written}' is written `{framework}` here (one of: {', '.join(FRAMEWORKS)})",
            framework,
        )
    choice = choice_named(label, written)
    return None if choice is None else Hint(f"'{written}' is written `{choice}` here", choice)


def is_currency_like(code: str, written: str) -> bool:
    """Whether a unit shaped like money (`EUR/kWh`, `eur`) is meant as a currency: its code is a
    currency in any case, or it is written in capitals and resembles no unit (`KWH` is `kWh`)."""
    upper = code.upper()
    if upper in currency_names() or upper in iso_currencies():
        return True
    # `XYZ/MWh` has the shape of a price (no other unit ends so); a bare `KWH` may be a unit.
    return code.isupper() and ("/" in written or suggest(written, UNITS) is None)


def currency_problem(code: str, written: str) -> tuple[str, str | None] | None:
    """(message, hint) when `code` is no currency with a rate, or not written in capitals."""
    upper = code.upper()
    listed = (
        f"{len(currency_names())} currencies have an exchange rate "
        "(`scendsl list currencies` lists them)"
    )
    # USD, the currency rates are given against, has no rate of its own: `usd/kWh` was told
    # there is "no exchange rate for USD", converted "at N USD per USD"
    if upper in currency_names() or upper == "USD":
        if code == upper:
            return None
        capitals = written.replace(code, upper, 1)
        return (
            f"currency codes are written in capitals: {quoted(code)}",
            Hint(f"write {quoted(capitals)}", capitals),
        )
    name = iso_currencies().get(upper)
    if name is not None:
        # The analyst knows the rate they mean: the figure in USD, with the conversion as its
        # source, keeps the tariff as published beside the rate it was converted at.
        why = left_out_currencies().get(upper)
        return (
            f"no exchange rate for {upper} ({name}) in the catalog" + (f": {why}" if why else ""),
            f"{listed}; write the amount in USD and name the rate in its source "
            f'(`... USD/kWh source "tariff in {upper}, converted at N {upper} per USD, '
            f'<central bank>, <year>"`)',
        )
    # No 'did you mean' by spelling: a three-letter code is one letter from another country's
    # (RMB was offered RUB, KSH the Cambodian KHR, YEN the Yemeni YER).
    hint = currency_meant(code)
    fixed = fix_of(hint)
    if hint is not None and fixed is not None:  # the unit as written, with the code it means
        hint = Hint(hint, written.replace(code, fixed, 1))
    return f"unknown currency {quoted(code)}", hint or listed


#: What a price's unit per amount of energy or time is written per (`EUR/MWh`, `USD/hour`).
_PRICED_PER = ("MWh", "kWh", "hour")

#: The hint for a price whose currency is written in no way the language knows (`DM/kWh`,
#: `Sh/kWh`, `Rs/MWh`): a spelling guess among the units offered another currency (`USD/kWh`)
#: or none (`kWh`).
PRICE_HINT = (
    "a price is written with its currency's ISO 4217 code, such as USD/kWh or EUR/MWh "
    "(`scendsl list currencies` lists those with a rate)"
)


#: A mass of CO2 or a carbon intensity as reports write them (`gCO2e/kWh`, `g/kWh`, `0.4
#: tCO2/MWh`, `50 kt`, `tonnes`): the mass, the gas (CO2-equivalent, as every figure of the
#: model is) and what it is per.
_CARBON_UNIT = re.compile(
    r"(?P<mass>g|kg|t|kt|Mt|tonnes?)(?:CO2(?:e|eq|-eq|-e)?)?(?:/(?P<per>kWh|MWh))?"
)
_CARBON_MASS_KG = {
    "g": 1e-3,
    "kg": 1.0,
    "t": 1e3,
    "tonne": 1e3,
    "tonnes": 1e3,
    "kt": 1e6,
    "Mt": 1e9,
}
_PER_JOULES = {"kWh": 3.6e6, "MWh": 3.6e9}


def carbon_unit_hint(unit: str) -> str | None:
    """`gCO2e/kWh` -> `gCO2/kWh`, `tonnes` -> `tCO2`: a carbon unit the language writes another
    way, with the edit when the number stays (the language's CO2 figures are CO2-equivalent);
    `tCO2/MWh` is told its factor to `kgCO2/MWh` (the number changes: no edit). A price-shaped
    intensity (`g/kWh`) was told how a price is written."""
    found = _CARBON_UNIT.fullmatch(unit) if hint_text(unit) is not None else None
    if found is None:
        return None
    per = found.group("per")
    factor = _CARBON_MASS_KG[found.group("mass")] / (_PER_JOULES[per] if per else 1.0)
    dimension = "carbon_intensity" if per else "mass"
    return _written_as_ours(unit, factor, dimension, per, " (its CO2 figures are CO2-equivalent)")


def _written_as_ours(
    unit: str, factor: float, dimension: str, per: str | None, why: str = ""
) -> str:
    """The hint for `unit`, worth `factor` SI units of `dimension`: the language's unit of the
    same factor as the edit (the number stays), else the factor to the language's first unit of
    the dimension (the unit per the same `per` first: `kgCO2e/MWh` is `kgCO2/MWh`, not
    `gCO2/kWh`)."""
    ours = [u for u in UNITS.values() if u.dimension == dimension]
    ours.sort(key=lambda u: not (per and u.symbol.endswith(f"/{per}")))
    same = next((u.symbol for u in ours if math.isclose(u.factor, factor)), None)
    if same is not None:
        return Hint(f"the language writes it {same}{why}", same)
    target = ours[0]
    return f"write it in {target.symbol}: 1 {unit} is {factor / target.factor:,g} {target.symbol}"


def water_unit_hint(unit: str) -> str | None:
    """`m3/MWh` -> `L/kWh`, `GL/kWh` -> its factor to `L/kWh`: a water use effectiveness
    written with another of the language's volumes over another of its energies, told the unit
    the language writes it in (the number stays) or its factor to the language's unit per the
    same energy. Such a unit was told how a price is written (its shape is a price's)."""
    volume, slash, energy = unit.partition("/")
    over, per = UNITS.get(volume), UNITS.get(energy)
    if not slash or over is None or per is None:
        return None
    if over.dimension != "volume" or per.dimension != "energy":
        return None
    return _written_as_ours(unit, over.factor / per.factor, "water_intensity", energy)


def unit_hint(unit: str, dimension: str | None = None) -> str | None:
    """The hint for a unit the language does not know, in a value and in a claim: a currency
    written by a name or an abbreviation told its code (`money_word_hint`), a price or an amount
    in a currency the language cannot read told how one is written (never a spelling guess
    among the dollar's units, which named another currency: `Sh/kWh`, `DM`), else a spelling
    guess among the units of the `dimension` the value has when it is known (`training_flops
    3.8e25 FLOPs` is FLOP, not the rate FLOPS), else among all units (`kwh` is kWh)."""
    carbon = carbon_unit_hint(unit) if dimension in (None, "mass", "carbon_intensity") else None
    if carbon is not None:
        return carbon  # before the price rules: `g/kWh` is no price
    water = water_unit_hint(unit) if dimension in (None, "water_intensity") else None
    if water is not None:
        return water  # before the price rules: `m3/MWh` is no price
    if (unmodelled := not_modelled_hint(unit=unit)) is not None:
        return unmodelled  # a unit only a figure the model does not compute is measured in
    if (per := price_per_hint(unit)) is not None:
        return per
    if (calendar := calendar_word_hint(None, unit)) is not None:
        return calendar  # a guess offered `minutes` for `months`
    if _magnitude_word(unit):
        # `< 2 million` was offered `min` (minutes)
        return f"{_MAGNITUDE_RULE}: write it against the number (`2M`)"
    if (named := money_word_hint(unit)) is not None:
        return named
    if is_price_shaped(unit):
        return PRICE_HINT
    if dimension is not None:
        own = suggest(unit, [symbol for symbol, u in UNITS.items() if u.dimension == dimension])
        if own is not None:
            return own
    if dimension is None and _FLOP_PLURAL.fullmatch(unit):
        # A paper's count of FLOPs and a datasheet's rate read alike: only the figure tells.
        return (
            f"{quoted(unit)} is read two ways: an amount of compute is written FLOP "
            "(`1e25 FLOP`), a rate FLOP/s or FLOPS (`989 TFLOPS`)"
        )
    guess = suggest(unit, UNITS)
    if fix_of(guess) in DOLLAR_UNITS and not unit.upper().startswith("USD"):
        return PRICE_HINT
    return guess


#: `FLOPs`, `TFLOPs`: the plural of a count of FLOP, or a rate with its `S` in lower case.
_FLOP_PLURAL = re.compile(r"[GTPE]?FLOPs")

#: The units of an amount in dollars (`USD`, `USD/MWh`, ...): a guess of one of them for an
#: unknown unit is a guess of the currency.
DOLLAR_UNITS = frozenset(u for u in UNITS if u.startswith("USD"))


def is_price_shaped(unit: str) -> bool:
    """Whether `unit` is written as a price (something per MWh, kWh or hour)."""
    currency, slash, per = unit.partition("/")
    return bool(currency and slash) and per in _PRICED_PER


#: How a price's "per" part is written in other texts (`/h`, `/hr`, `/kwh`), lower-cased: the
#: unit the language reads (`_PRICED_PER`).
_PER_SPELLINGS = {
    "mwh": "MWh",
    "kwh": "kWh",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
}


def price_per_hint(unit: str) -> Hint | None:
    """`PLN/h`, `USD/hr`, `KES/kwh`, `KSh/hr`: a price in a currency the language reads (or an
    abbreviation of one) per an hour or a kWh written another way, told the unit to write
    (`PLN/hour`); per anything else (`KES/day`), told what a price is per. A spelling guess
    among the units offered `USD/hour` for `USD/h` only, `USD` (no price at all) for `USD/hr`
    and `day` for `KES/day`."""
    currency, slash, per = unit.partition("/")
    if not slash or per in _PRICED_PER:
        return None
    code = currency if currency == "USD" or currency in currency_names() else None
    if code is None:
        code = fix_of(currency_meant(currency))
    if code is None:
        return None
    fixed_per = _PER_SPELLINGS.get(per.lower()) or fix_of(suggest(per, _PRICED_PER))  # `MW`
    if fixed_per is None:  # `KES/day`: a guess among the units dropped the currency (`day`)
        written = ", ".join(f"{code}/{p}" for p in _PRICED_PER)
        return Hint(f"a price is per MWh, per kWh or per hour: {written}")
    return meant(f"{code}/{fixed_per}")


def money_word_hint(unit: str) -> str | None:
    """`Naira/kWh`, `EURO/MWh`, `Ksh/kWh`: a price whose currency is written by a name or an
    abbreviation, told its ISO 4217 code (`currency_meant`)."""
    currency, _, per = unit.partition("/")
    if per and per not in _PRICED_PER:
        return None
    hint = currency_meant(currency)
    fixed = fix_of(hint)
    if hint is None or fixed is None:
        return hint
    return Hint(hint, fixed + (f"/{per}" if per else ""))


#: Words of ISO 4217's currency names that name no currency on their own.
_NAME_FILLERS = frozenset({"NEW", "AND", "OF", "THE", "US", "UAE", "CFA"})


@functools.cache
def _currencies_by_word() -> dict[str, tuple[str, ...]]:
    """ISO 4217's currencies by their whole name and each word of it, in capitals (`NAIRA`,
    `RUPEE`, `YUAN RENMINBI`), made once: a file may name many unknown currencies."""
    index: dict[str, list[str]] = {}
    for code, name in iso_currencies().items():
        words = set(name.upper().split()) - _NAME_FILLERS
        for key in {name.upper(), *words}:
            index.setdefault(key, []).append(code)
    return {key: tuple(codes) for key, codes in index.items()}


#: How many currencies a name shared by several (Dollar, Rupee, Peso) lists.
MAX_CURRENCIES_NAMED = 6


def currency_meant(written: str) -> str | None:
    """What a currency written another way than its code means: an abbreviation or a withdrawn
    code (currency_aliases.toml, which says the redenomination), a letter-for-letter transposition
    of a code with a rate (`UDS` is USD), or a word of ISO 4217's names (`Naira`, `Yen`, `Euro`;
    `Rupee` names several). None when nothing matches."""
    from scendsl.language.names import shipped_file

    upper = written.upper()
    if hint_text(upper) is None or not upper.isalpha():
        return None
    alias = shipped_file("currency_aliases.toml").get(upper)
    if alias is not None:
        if "factor" in alias:
            # a redenomination: the amount changes with the code, so no edit of the code alone
            # is offered (ZMK -> ZMW would make 25,000 ZMK a thousand times too dear)
            return f"{alias['why']}; write the amount in {alias['write']}"
        return Hint(f"{alias['why']}; write {alias['write']}", alias["write"])
    codes = {"USD", *currency_names()}
    if len(upper) == 3:
        # two neighbouring letters swapped (UDS, ERU), not any reordering: HRK, the Croatian
        # kuna's withdrawn code, is no typo of the Cambodian riel's KHR
        swapped = [
            code
            for code in sorted(codes)
            if sorted(code) == sorted(upper) and one_edit(code, upper)
        ]
        if len(swapped) == 1:
            return meant(swapped[0])
    names, by_word = iso_currencies(), _currencies_by_word()
    words = {upper, upper.removesuffix("S")}
    # another spelling of a word of ISO's names (`Riyal` is ISO's `Rial` as well as `Riyal`)
    variants = shipped_file("currency_words.toml")["words"]
    # (a word may stand for several: `kr` is the krona and the krone)
    for word in list(words):
        read_as = variants.get(word, ())
        words |= {read_as} if isinstance(read_as, str) else set(read_as)
    found = {code for word in words for code in by_word.get(word, ())}
    named = sorted(found, key=lambda code: (code != "USD", code))
    # the codes a price can be written in; the others (WIR Euro, fund codes) only when no
    # currency of that name has a rate
    named = [code for code in named if code in codes] or named
    if not named:
        return None
    shown = ", ".join(f"{code} ({names[code]})" for code in named[:MAX_CURRENCIES_NAMED])
    if len(named) == 1:
        return Hint(f"write its ISO 4217 code: {shown}", named[0])
    more = (
        f" and {len(named) - MAX_CURRENCIES_NAMED} more"
        if len(named) > MAX_CURRENCIES_NAMED
        else ""
    )
    return f"write the ISO 4217 code of the one you mean: {shown}{more}"


@functools.cache
def iso_currencies() -> dict[str, str]:
    """Every ISO 4217 currency (pycountry): code -> name. Only read to explain a mistake."""
    import pycountry  # loading its tables is slow: never on the way of a correct file

    return {currency.alpha_3: currency.name for currency in pycountry.currencies}
