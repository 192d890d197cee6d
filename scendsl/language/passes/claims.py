"""Pass 4, claims: `expect` lines (claims about metrics) and `correlate` lines."""

from __future__ import annotations

import math
from typing import cast

from scendsl.language import fields as F
from scendsl.language.money import takes_currencies
from scendsl.language.names import hint_text
from scendsl.language.passes.state import ResolverState
from scendsl.language.syntax import Atom, Statement
from scendsl.language.units import lookup_unit, money_unit, scaled_number_problem
from scendsl.language.values import (
    ValueReader,
    calendar_word_hint,
    currency_problem,
    is_currency_like,
    join_atoms,
    magnitude_and_unit_hint,
    magnitude_word_hint,
    number_span,
    thousands_separator_hint,
    unit_hint,
    written_amount_hint,
)
from scendsl.scenario import Claim, ClaimOp, Correlation, Uncertain
from scendsl.suggest import fix_of, quoted, suggest


class ClaimsPass(ValueReader, ResolverState):
    """Reads claims and correlations, and refuses correlations no joint law can have."""

    def correlation(self, statement: Statement, values: dict[str, object]) -> Correlation | None:
        """`correlate cluster.mfu, energy.pue 0.6`: both fields uncertain, rho in [-1, 1]."""
        atoms = statement.values
        usage = "write: correlate cluster.mfu, energy.pue 0.6"
        if (
            len(atoms) != 4
            or atoms[0].kind != "word"
            or atoms[1].kind != "comma"
            or atoms[2].kind != "word"
            or atoms[3].kind != "number"
        ):
            self.sink.error(
                "malformed correlation", join_atoms(atoms) if atoms else statement.key_span, usage
            )
            return None
        paths = []
        for atom in (atoms[0], atoms[2]):
            if F.scenario_field(atom.text) is None:
                self.sink.error(
                    f"unknown field {quoted(atom.text)}",
                    atom.span,
                    F.parallel_degree_hint(atom.text) or suggest(atom.text, F.all_scenario_paths()),
                )
                return None
            if not isinstance(values.get(atom.text), Uncertain):
                self.sink.error(
                    f"{quoted(atom.text)} is not uncertain in this scenario",
                    atom.span,
                    "only inputs written as 'a to b' or 'x ± y%' can be correlated",
                )
                return None
            paths.append(atom.text)
        if paths[0] == paths[1]:
            self.sink.error("a field cannot be correlated with itself", atoms[2].span)
            return None
        number = self.number(atoms[3])
        if number is None:
            return None
        if number.percent or not -1 <= number.value <= 1:
            self.sink.error("a correlation is a number between -1 and 1", atoms[3].span)
            return None
        return Correlation.model_construct(
            a=paths[0], b=paths[1], rho=number.value, span=statement.span
        )

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
                self.sink.error(
                    f"'{key[0]}' and '{key[1]}' are correlated twice, with "
                    f"{earlier.rho:g} and {correlation.rho:g}",
                    correlation.span,
                    "keep one of the two statements",
                    related=(("first correlated here", earlier.span),),
                )
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
            statements = sorted(
                (accepted[key] for key in keys),
                key=lambda c: (c.span.file, c.span.line, c.span.col),
            )
            self.sink.error(
                "these correlations contradict each other: no joint law has them all "
                "(their correlation matrix is not positive semidefinite)",
                statements[-1].span,
                "pairs not correlated are independent (0); if a ~ b and b ~ c are "
                "near 1, a ~ c must be near 1 too: write it, or weaken one",
                related=tuple(("together with this correlation", c.span) for c in statements[:-1]),
            )
            holds = False
        return holds

    def claim(self, statement: Statement) -> Claim | None:
        """`expect METRIC OP VALUE [UNIT] ["quote"]`, `expect METRIC OP NAME ["quote"]` (a
        category or rating) or `expect [not] METRIC ["quote"]` (a flag); whether the metric has
        that kind is checked against the model's namespace (scendsl.model.claims)."""
        atoms = statement.values
        usage = (
            'write claims as: expect METRIC OP VALUE "quote", e.g. '
            'expect energy.facility_power >= 500 MW "over 500 MW", '
            "expect export.status == licence_required, expect performance.fits_in_hbm"
        )
        flag = self._flag_claim(statement)
        if flag is not None:
            return flag
        if len(atoms) < 3 or atoms[0].kind != "word" or atoms[1].kind != "op":
            self.sink.error(
                "malformed claim", join_atoms(atoms) if atoms else statement.key_span, usage
            )
            return None
        metric_atom, op_atom = atoms[0], atoms[1]
        if not self._is_metric_name(metric_atom):
            return None
        rest = atoms[2:]
        quote = None
        if rest and rest[-1].kind == "string":
            quote = self.string(rest[-1])
            rest = rest[:-1]
        if len(rest) == 1 and rest[0].kind == "word":
            return self._category_claim(statement, metric_atom, op_atom, rest[0], quote)
        if len(rest) == 1 and rest[0].kind == "string":
            # a name quoted, as a region with a subdivision is written wherever one is read
            # (`"US-TX"`: the '-' is in no name); the claim could not name one at all
            name = self.string(rest[0])
            if name is None:
                return None
            named = Atom("word", name, rest[0].span)
            return self._category_claim(statement, metric_atom, op_atom, named, quote)
        tolerance = None
        spread_at = next((i for i, a in enumerate(rest) if a.kind == "plusminus"), None)
        if spread_at is not None:
            spread = rest[spread_at + 1 :]
            rest = rest[:spread_at]
            if op_atom.text != "~=":
                self.sink.error(
                    "only '~=' takes a tolerance",
                    op_atom.span,
                    "write 'expect METRIC ~= VALUE ± 10%'",
                )
                return None
            tolerance = self.percentage(spread, "a tolerance", "e.g. '± 10%'", op_atom.span)
            if tolerance is None:
                return None
            if not 0 <= tolerance < math.inf:
                self.sink.error("a tolerance must be 0% or more", spread[0].span)
                return None
        elif op_atom.text == "~=":
            self.sink.error(
                "'~=' needs a tolerance", op_atom.span, "write 'expect METRIC ~= VALUE ± 10%'"
            )
            return None
        if (
            not rest
            or rest[0].kind != "number"
            or len(rest) > 2
            or (len(rest) == 2 and rest[1].kind != "word")
        ):
            # `< 300 crore PKR`, `< 3 billion USD`: a magnitude written as a word
            magnitude = magnitude_and_unit_hint(rest)
            if not rest and quote is not None:  # `== "US-TX"`: its one string is the quote
                last = hint_text(atoms[-1].text) or '"VALUE"'
                usage = f"a claim's last string is its quote: write 'expect ... {last} \"why\"'"
            # `< 1,000B VND`, `< AED 10B`: the amount as a price list prints it
            thousands = thousands_separator_hint(rest)
            span = (
                (join_atoms(rest[:2]) if magnitude else number_span(rest, thousands))
                if rest  # nothing after the operator but the quote: at the operator
                else op_atom.span
            )
            self.sink.error(
                "a claim compares with a number and an optional unit, or with a name",
                span,
                magnitude or thousands or written_amount_hint(rest) or usage,
                fix=fix_of(magnitude or thousands),
            )
            return None
        if len(rest) == 2 and lookup_unit(rest[1].text) is None:
            # `< 2 million`, `< 2 lakh`, `< 6 weeks`: the number and the word make one edit
            word_hint = magnitude_word_hint(rest[0].text, rest[1].text) or calendar_word_hint(
                rest[0].text, rest[1].text
            )
            if word_hint is not None:
                self.sink.error(
                    f"unknown unit {quoted(rest[1].text)}",
                    join_atoms(rest),
                    word_hint,
                    fix=fix_of(word_hint),
                )
                return None
        number = self.number(rest[0])
        if number is None:
            return None
        value, dimension, unit_text = (
            number.value,
            ("fraction" if number.percent else "number"),
            None,
        )
        currency = None
        if len(rest) == 2:
            unit = lookup_unit(rest[1].text)
            # A budget in another currency (`< 50M EUR`): converted by the model at the
            # scenario year's rate, as the scenario's prices are.
            money = money_unit(rest[1].text) if unit is None else None
            if (
                money is not None
                and takes_currencies("expect", money[1].dimension)
                and is_currency_like(money[0], rest[1].text)
            ):
                problem = currency_problem(money[0], rest[1].text)
                if problem is not None:
                    self.sink.error(problem[0], rest[1].span, problem[1])
                    return None
                currency, unit = rest[1].text, money[1]
            if unit is None:
                hint = unit_hint(rest[1].text)
                self.sink.error(
                    f"unknown unit {quoted(rest[1].text)}", rest[1].span, hint, fix=fix_of(hint)
                )
                return None
            value, dimension = value * unit.factor, unit.dimension
            unit_text = currency or unit.symbol
        unheld = scaled_number_problem(number.value, value)
        if unheld is not None:
            self.sink.error(unheld, join_atoms(rest))
            return None
        op = cast(ClaimOp, op_atom.text)  # the grammar's OP token is one of these
        return Claim.model_construct(
            metric=metric_atom.text,
            op=op,
            value=value,
            dimension=dimension,
            unit=unit_text,
            currency=currency,
            tolerance=tolerance,
            quote=quote or "",
            span=statement.span,
            metric_span=metric_atom.span,
            value_span=join_atoms(rest),
        )

    def _is_metric_name(self, atom) -> bool:
        if "." in atom.text:
            return True
        self.sink.error(
            f"{quoted(atom.text)} is not a metric name",
            atom.span,
            "metrics are dotted names such as 'energy.facility_power'",
        )
        return False

    def _flag_claim(self, statement: Statement) -> Claim | None:
        """`expect METRIC` or `expect not METRIC`, each with an optional quote (None when the
        statement is not of that form: the general reader reports what is wrong)."""
        atoms = list(statement.values)
        quote_atom = atoms.pop() if atoms and atoms[-1].kind == "string" else None
        negated = len(atoms) == 2 and atoms[0].kind == "word" and atoms[0].text == "not"
        if negated:
            atoms = atoms[1:]
        if len(atoms) != 1 or atoms[0].kind != "word":
            return None
        if not self._is_metric_name(atoms[0]):
            return None
        quote = self.string(quote_atom) if quote_atom is not None else ""
        return Claim.model_construct(
            metric=atoms[0].text,
            op="==",
            value=not negated,
            dimension="bool",
            unit=None,
            tolerance=None,
            quote=quote or "",
            span=statement.span,
            metric_span=atoms[0].span,
            value_span=None,
        )

    def _category_claim(self, statement, metric_atom, op_atom, value_atom, quote) -> Claim | None:
        """`expect METRIC OP NAME`: a category (== or !=) or a rating (any order but ~=)."""
        if op_atom.text == "~=":
            self.sink.error(
                "'~=' compares numbers, not names",
                op_atom.span,
                "compare a category with == or !=, a rating with <, <=, ==, !=, >=, >",
            )
            return None
        if value_atom.text in ("true", "false"):
            negated = (op_atom.text == "==") != (value_atom.text == "true")
            self.sink.error(
                f"write a flag claim without '{op_atom.text} {value_atom.text}'",
                value_atom.span,
                f"write 'expect {'not ' if negated else ''}{metric_atom.text}'",
            )
            return None
        return Claim.model_construct(
            metric=metric_atom.text,
            op=cast(ClaimOp, op_atom.text),
            value=value_atom.text,
            dimension="category",
            unit=None,
            tolerance=None,
            quote=quote or "",
            span=statement.span,
            metric_span=metric_atom.span,
            value_span=value_atom.span,
        )
