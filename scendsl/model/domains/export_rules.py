"""Export rules: what US export rules say about the scenario's hardware and destination.

The rules are the advanced-computing rules on the chip's figures (2022-2026) and the controls on
whole destinations (embargoes on Cuba, Iran, North Korea, Syria and parts of Ukraine; the
Russia/Belarus sanctions; the arms embargo of Country Group D:5). Any ISO 3166-1 country is a
destination; its EAR country groups on the decision date come from `country_groups.toml`.

The chip's figures are the ones the rules use (ECCN 3A090 Technical Note):

- Total Processing Performance TPP = dense rate in tera-operations per second × bit length, the
  highest over the chip's precisions (BF16 × 16, FP8 × 8, INT8 × 8, FP4 × 4);
- performance density PD = TPP / die area in mm² (unknown when the catalog has no die area).

The status for (accelerator, region, date) comes from `export_rules.toml`, read by the small
interpreter in this module, which follows the schema written at the top of that file. Everything
that is a fact (thresholds, countries, dates, statuses) is data there; this module knows only how
to read the schema, plus the ECCN prefix "3A090" that `export.controlled` reports. It registers no
nodes: those are in `export_control`.

**Whose rules.** These are US rules. A chip whose `subject_to` (accelerators.toml, or an
accelerator block) does not list US, such as Huawei's Ascend, gets the status "outside_us_rules"
(`outside_us_rules()`): none of the rules is applied to it. The `[[guidance]]` of the same file
(BIS on General Prohibition 10, May 2025) sets no status; `guidance_reaching()` says which
guidance names or covers a chip on a date.

**Date.** A scenario has a year, not a date; its status is decided on **1 July** of that year (the
middle of the year). Rules that take effect or end in the second half of the year (Oct 2022,
Nov 2023, Dec 2024) therefore count from the following year's scenarios; the AI-diffusion rule
(Jan 13 – May 13 2025) is not in force on 1 July 2025. `export_status()` takes any date, for
analyses that need another one.

**Unknown figures.** A bound on an unknown property (PD without a die area) is undetermined: the
interpreter tries every interval the rules' thresholds cut that property into and reports the
status only when all intervals agree; otherwise the status is "undetermined" and `export.rule`
lists the status per interval (TPU v5e: TPP 3,152 — not controlled, 3A090.b or 3A090.a
depending on a die area Google does not publish).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from scendsl.catalog import (
    STATUS_ORDER,
    Catalog,
    ExportGuidance,
    ExportRule,
    Jurisdiction,
    Region,
    RuleBounds,
    RuleClass,
)
from scendsl.language.names import country_of
from scendsl.model import scalar

#: Status reported when unknown chip figures leave more than one status possible.
UNDETERMINED = "undetermined"

#: Status of a chip the US rules do not reach (its `subject_to` lacks US): no US licence status
#: applies. It is not one of the rules' statuses (STATUS_ORDER): no rule can set it and the
#: rules are not combined for such a chip, so it has no place in their order.
OUTSIDE_US_RULES = "outside_us_rules"

#: Every value `export.status` can take: the rules' statuses, least strict first, then the two
#: that say no single US status was decided.
STATUS_VALUES = (*STATUS_ORDER, UNDETERMINED, OUTSIDE_US_RULES)

#: The day of the scenario year on which rules are taken to be in force (see the module doc).
DECISION_MONTH, DECISION_DAY = 7, 1

#: Bit length each precision counts with in TPP (EAR 3A090 Technical Note).
TPP_BIT_LENGTHS = {"bf16_dense": 16, "fp8_dense": 8, "int8_dense": 8, "fp4_dense": 4}

#: ECCN prefix of the advanced-computing IC classes whose membership `export.controlled` reports.
CONTROLLED_ECCN = "3A090"

_TERA = 1e12
MM2 = 1e-6  # m² per mm²


# ============================================================================ the chip's figures
def total_processing_performance(bf16_dense, fp8_dense, int8_dense, fp4_dense):
    """TPP: the highest dense rate (FLOP/s or OP/s) × bit length over the precisions.

    Rates a chip does not have are passed as 0. Works element-wise on arrays.
    """
    return (
        scalar.maximum(
            scalar.maximum(bf16_dense * 16.0, fp8_dense * 8.0),
            scalar.maximum(int8_dense * 8.0, fp4_dense * 4.0),
        )
        / _TERA
    )


def decision_date(year: int) -> _dt.date:
    """The date a scenario year's export status is decided on: 1 July of that year."""
    return _dt.date(int(year), DECISION_MONTH, DECISION_DAY)


@dataclass(frozen=True)
class ChipFigures:
    """What the rules look at. None = unknown (the catalog has no figure)."""

    tpp: float | None
    pd: float | None
    io: float | None  # bidirectional scale-up bandwidth, B/s
    hbm_bandwidth: float | None  # B/s


@dataclass(frozen=True)
class ExportDecision:
    """The outcome of the rules for one chip, destination and date."""

    status: str
    #: The rule that set the final status (None: no rule in force reaches the chip there).
    rule: ExportRule | None
    #: The class of that rule the chip is in.
    chip_class: str | None
    #: Ids of the rules in force on the date, in order.
    in_force: tuple[str, ...]
    #: For an undetermined status: (description of the interval, status) per interval.
    alternatives: tuple[tuple[str, str], ...] = ()
    #: Earlier rules in force that give the same final status (rule, class), e.g. an embargo
    #: beside an advanced-computing rule: each alone would decide it.
    also: tuple[tuple[ExportRule, str], ...] = ()
    #: Whose export controls reach the chip; set when they are not the US's (OUTSIDE_US_RULES).
    subject_to: tuple[str, ...] = ()

    def rule_text(self) -> str:
        """The rule id, class and citation that decide the status, in words. The date is said
        by its rule (1 July of the scenario's year), the same words in every year."""
        if self.status == OUTSIDE_US_RULES:
            return (
                f"none: the chip is subject to the export controls of "
                f"{', '.join(self.subject_to)}, not to the US rules the catalog models, so no "
                "US licence status applies"
            )
        if self.alternatives:
            cases = "; ".join(f"{status} if {where}" for where, status in self.alternatives)
            return f"undetermined: {cases}"
        if self.rule is None:
            return (
                "none: no rule in force on 1 July of the scenario's year restricts this chip there"
            )
        text = f"{self.rule.id} [{self.chip_class}]: {self.rule.citation}"
        if self.also:
            text += "; also " + "; ".join(
                f"{rule.id} [{chip_class}]: {rule.citation}" for rule, chip_class in self.also
            )
        return text


# Each bound of the schema: the chip property it tests and how (export_rules.toml header).
_BOUND_TESTS = {
    "tpp_min": ("tpp", ">="),
    "tpp_below": ("tpp", "<"),
    "tpp_max": ("tpp", "<="),
    "pd_min": ("pd", ">="),
    "pd_below": ("pd", "<"),
    "io_min": ("io", ">="),
    "hbm_bandwidth_min": ("hbm_bandwidth", ">="),
    "hbm_bandwidth_max": ("hbm_bandwidth", "<="),
}
_COMPARE = {">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}
_PROPERTY_WORDS = {
    "tpp": "TPP",
    "pd": "PD",
    "io": "I/O bandwidth",
    "hbm_bandwidth": "HBM bandwidth",
}


#: The schema's bounds this interpreter does not test (read once: pydantic's `model_fields` is
#: slow to ask for on every test).
_UNTESTED_BOUNDS = tuple(name for name in RuleBounds.model_fields if name not in _BOUND_TESTS)


def _bounds_hold(bounds: RuleBounds, chip: ChipFigures) -> bool:
    """Whether all set bounds of one alternative hold (every property must be known)."""
    for name, (prop, op) in _BOUND_TESTS.items():
        limit = getattr(bounds, name)
        if limit is not None and not _COMPARE[op](getattr(chip, prop), limit):
            return False
    # A bound the interpreter does not know about (an hbm-only bound) never holds for a chip.
    return all(getattr(bounds, name) is None for name in _UNTESTED_BOUNDS)


def _in_class(rule_class: RuleClass, chip: ChipFigures) -> bool:
    return any(_bounds_hold(bounds, chip) for bounds in rule_class.when)


def _destination_matches(treatment, region: Region, groups: frozenset[str]) -> bool:
    """Whether `treatment` reaches `region`, which is in `groups` on the decision date.

    A subdivision matches its own code and its country's (US-TX matches 'US'), never the reverse.
    """
    codes = {region.code, country_of(region.code)}
    matched = (
        treatment.everywhere
        or bool(codes & set(treatment.regions))
        or bool(groups & set(treatment.groups))
        or region.diffusion_tier in treatment.tiers
    )
    excluded = bool(codes & set(treatment.except_regions)) or bool(
        groups & set(treatment.except_groups)
    )
    return matched and not excluded


def rules_in_force(rules: Iterable[ExportRule], date: _dt.date) -> list[ExportRule]:
    """Rules that apply on `date`: effective, not rescinded, not yet superseded."""
    rules = list(rules)
    starts = {rule.id: rule.effective for rule in rules}
    return [
        rule
        for rule in rules
        if rule.effective <= date
        and (rule.rescinded is None or date < rule.rescinded)
        and (rule.superseded_by is None or date < starts[rule.superseded_by])
    ]


def _decide_known(
    chip: ChipFigures, region: Region, rules: list[ExportRule], groups: frozenset[str]
) -> ExportDecision:
    """The schema's algorithm for a chip whose every tested property is known."""
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    status = STATUS_ORDER[0]
    deciders: list[tuple[ExportRule, str]] = []
    for rule in rules:  # already in order of `effective`
        chip_class = next(
            (c for c in rule.classes if c.applies_to == "accelerator" and _in_class(c, chip)), None
        )
        if chip_class is None:
            continue
        treatment = next(
            (
                t
                for t in rule.treatments
                if chip_class.id in t.classes and _destination_matches(t, region, groups)
            ),
            None,
        )
        if treatment is None:
            continue
        pick = max if rule.combine == "strictest" else min
        before, status = status, pick(status, treatment.status, key=rank.__getitem__)
        if status == treatment.status:  # this rule sets (or confirms) the status
            deciders = ([] if status != before else deciders) + [(rule, chip_class.id)]
    decider, decider_class = deciders[-1] if deciders else (None, None)
    return ExportDecision(
        status,
        decider,
        decider_class,
        tuple(r.id for r in rules),
        also=tuple(reversed(deciders[:-1])),
    )


def _probe_values(prop: str, rules: list[ExportRule]) -> list[float]:
    """One value of `prop` inside each interval the rules' thresholds cut it into."""
    limits = sorted(
        {
            getattr(bounds, name)
            for rule in rules
            for c in rule.classes
            for bounds in c.when
            for name, (p, _) in _BOUND_TESTS.items()
            if p == prop and getattr(bounds, name) is not None
        }
    )
    probes = [0.0]
    for limit in limits:  # bounds are >=, < or <=: the limit and just above it cover both sides
        probes += [limit, math.nextafter(limit, math.inf)]
    return sorted(set(probes))


def _interval_words(prop: str, value: float, probes: list[float]) -> str:
    """'1.6 ≤ PD < 3.2' for the interval of `probes` that starts at `value`."""
    later = [p for p in probes if p > value]
    upper = f" < {later[0]:g}" if later else ""
    lower = f"{value:g} ≤ " if value > 0 else ""
    return f"{lower}{_PROPERTY_WORDS[prop]}{upper}" if (lower or upper) else _PROPERTY_WORDS[prop]


def _trials(chip: ChipFigures, rules: list[ExportRule]):
    """The unknown properties, and (their probe values, a chip with them) for every case."""
    unknown = [prop for prop in ("tpp", "pd", "io", "hbm_bandwidth") if getattr(chip, prop) is None]
    probes = [_probe_values(prop, rules) for prop in unknown]
    cases = [
        (combo, replace(chip, **dict(zip(unknown, combo, strict=True))))
        for combo in itertools.product(*probes)
    ]
    return unknown, cases


def export_status(
    chip: ChipFigures,
    region: Region,
    rules: Iterable[ExportRule],
    date: _dt.date,
    groups: Iterable[str] | None = None,
) -> ExportDecision:
    """Status of exporting `chip` to `region` on `date` under `rules` (export_rules.toml schema).

    `groups` are the destination's EAR country groups on `date` (default: `region.groups`, the
    groups the catalog lists for it today). Known figures give one status. Unknown ones are tried in every interval the thresholds of the
    rules in force cut them into; if the intervals disagree the status is "undetermined" and the
    decision lists the status of each interval (adjacent intervals with one status merged).
    """
    in_force = rules_in_force(rules, date)
    member_of = frozenset(region.groups if groups is None else groups)
    unknown, cases = _trials(chip, in_force)
    outcomes = [
        (combo, _decide_known(trial, region, in_force, member_of)) for combo, trial in cases
    ]
    if len({decision.status for _, decision in outcomes}) == 1:
        # Whatever the unknown figures, one status: report the decider of the first case.
        return outcomes[0][1]
    alternatives: list[tuple[str, str]] = []
    if len(unknown) == 1:
        runs = [
            (combo[0], decision.status)
            for i, (combo, decision) in enumerate(outcomes)
            if i == 0 or decision.status != outcomes[i - 1][1].status
        ]
        starts = [start for start, _ in runs]
        alternatives = [
            (_interval_words(unknown[0], start, starts), status) for start, status in runs
        ]
    else:
        for combo, decision in outcomes:
            where = ", ".join(
                f"{_PROPERTY_WORDS[p]} = {v:g}" for p, v in zip(unknown, combo, strict=True)
            )
            alternatives.append((where, decision.status))
    in_force_ids = tuple(rule.id for rule in in_force)
    return ExportDecision(UNDETERMINED, None, None, in_force_ids, tuple(alternatives))


def outside_us_rules(
    jurisdiction: Jurisdiction, rules: Iterable[ExportRule], date: _dt.date
) -> ExportDecision | None:
    """The decision for a chip the US rules do not reach (None if they do reach it)."""
    if jurisdiction.reached_by_us_rules:
        return None
    in_force = tuple(rule.id for rule in rules_in_force(rules, date))
    return ExportDecision(OUTSIDE_US_RULES, None, None, in_force, subject_to=jurisdiction.codes)


def guidance_reaching(
    guidance: Iterable[ExportGuidance],
    names: Iterable[str],
    jurisdiction: Jurisdiction,
    chip: ChipFigures,
    rules: Iterable[ExportRule],
    date: _dt.date,
) -> list[ExportGuidance]:
    """The guidance in force on `date` that names the chip (`names`: its name and the catalog
    entry it extends) or covers its origin and 3A090 class (export_rules.toml `[[guidance]]`)."""
    names = set(names)
    reaching = []
    classes: set[str | None] | None = None
    for item in guidance:
        if item.issued > date or (item.withdrawn is not None and date >= item.withdrawn):
            continue
        if names & set(item.names):
            reaching.append(item)
            continue
        if set(jurisdiction.codes) & set(item.origins):
            if classes is None:
                classes = controlled_classes(chip, rules, date)
            if None not in classes:  # in a 3A090 class whatever the unknown figures
                reaching.append(item)
    return reaching


def controlled_classes(
    chip: ChipFigures, rules: Iterable[ExportRule], date: _dt.date
) -> set[str | None]:
    """The 3A090 accelerator classes the chip may be in on `date` (None: in none of them).

    More than one element means the answer depends on an unknown figure.
    """
    in_force = rules_in_force(rules, date)
    classes = [
        rule_class
        for rule in in_force
        for rule_class in rule.classes
        if rule_class.applies_to == "accelerator" and rule_class.id.startswith(CONTROLLED_ECCN)
    ]
    return {
        next((c.id for c in classes if _in_class(c, trial)), None)
        for _, trial in _trials(chip, in_force)[1]
    }


# ============================================================================ figures from a lookup
def figures_from(lookup) -> ChipFigures:
    """TPP, PD, I/O and HBM bandwidth from `lookup(figure name) -> value or None`."""
    rates = [lookup(name) or 0.0 for name in TPP_BIT_LENGTHS]
    # Rounded so that a chip named in a rule (MI325X: TPP 20,919.2) meets the rule's own bound
    # despite binary floating point.
    tpp_value = round(float(total_processing_performance(*rates)), 6)
    area = lookup("die_area")
    pd = round(tpp_value / (area / MM2), 9) if area else None
    return ChipFigures(tpp_value, pd, lookup("scaleup_bandwidth"), lookup("hbm_bandwidth"))


# ============================================================================ destinations
def destination_groups(catalog: Catalog, region: str, date: _dt.date) -> tuple[str, ...]:
    """The EAR country groups of `region` (a subdivision: its country's) on `date`."""
    return catalog.country_groups.groups_on(region, date)


def rules_reaching(
    rules: Iterable[ExportRule], region: Region, groups: Iterable[str], date: _dt.date
) -> list[ExportRule]:
    """The rules in force on `date` with a treatment for this destination (any chip class)."""
    member_of = frozenset(groups)
    return [
        rule
        for rule in rules_in_force(rules, date)
        if any(_destination_matches(t, region, member_of) for t in rule.treatments)
    ]


def destination_words(catalog: Catalog, region: Region, date: _dt.date) -> str:
    """'CU (Cuba): EAR groups on 2024-07-01: D:5, E:2; rules reaching it: ...' for explain."""
    groups = destination_groups(catalog, region.code, date)
    reaching = rules_reaching(catalog.export_rules, region, groups, date)
    rules = (
        "; ".join(
            f"{rule.id} (effective {rule.effective.isoformat()}: {rule.citation})"
            for rule in reaching
        )
        or "none"
    )
    changes = "; ".join(
        f"{m.group} {m.start.isoformat()}–{m.end.isoformat() if m.end else ''} ({m.citation})"
        for m in catalog.country_groups.memberships(region.code)
    )
    words = (
        f"destination {region.code} ({region.name}): EAR country groups on {date.isoformat()}: "
        f"{', '.join(groups) or 'none'} (catalog country_groups.toml, 15 CFR 740 Supp. 1"
        f"{'; dated: ' + changes if changes else ''}); rules reaching it: {rules}"
    )
    if region.fallback:
        words += (
            "; the region is not described in regions.toml: its groups are country_groups.toml's"
        )
    return words


def status_for(catalog: Catalog, accelerator: str, region: str, date: _dt.date) -> ExportDecision:
    """The decision for a catalog accelerator, destination and any date (analyses, tests)."""
    entry = catalog.accelerators[accelerator]
    figures = entry.figures
    outside = outside_us_rules(entry.subject_to, catalog.export_rules, date)
    if outside is not None:
        return outside
    chip = figures_from(lambda name: figures[name].value if name in figures else None)
    return export_status(
        chip,
        catalog.regions[region],
        catalog.export_rules,
        date,
        destination_groups(catalog, region, date),
    )
