"""Export control: the nodes that report what US export rules say about the scenario's hardware.

TPP and performance density of the accelerator, its export status and deciding rule on 1 July of
the scenario year, whether it is a 3A090 advanced-computing IC, the cluster's size in H100
equivalents and against the AI-diffusion Tier 2 cap, whether the chip ships by the scenario year,
and whether the region is a stand-in. The rules are read by the interpreter in `export_rules`;
this module adds the two names that define its outputs beyond it: the H100 as the unit of "H100
equivalents" and the `tier2_country_cap_tpp` limit of the diffusion rule.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from scendsl.catalog import DEFAULT_JURISDICTION, Jurisdiction, Region
from scendsl.language.names import country_of
from scendsl.memo import IdentityMemo
from scendsl.model import scalar
from scendsl.model.context import Context, Extrapolated, Found
from scendsl.model.domains.export_rules import (
    MM2,
    OUTSIDE_US_RULES,
    STATUS_VALUES,
    TPP_BIT_LENGTHS,
    ChipFigures,
    ExportDecision,
    controlled_classes,
    decision_date,
    destination_groups,
    destination_words,
    export_status,
    figures_from,
    guidance_reaching,
    outside_us_rules,
    total_processing_performance,
)
from scendsl.model.registry import input_node, metric

#: The accelerator the AI-diffusion caps count in ("H100 equivalents", 90 FR 4544).
H100_EQUIVALENT_BASIS = "H100"

_RULES_FILE = "catalog export_rules.toml"
_B1 = (
    "EAR, 15 CFR Part 774 Supp. 1, ECCN 3A090 Technical Notes: TPP = 2 × MacTOPS × bit "
    "length, performance density = TPP / die area (ecfr.gov)"
)
_DIFFUSION = "Framework for AI Diffusion, 90 FR 4544 (2025): caps counted in H100 equivalents"


# ============================================================================ reading the context
def chip_figures(ctx: Context) -> ChipFigures:
    """The scenario accelerator's figures (central values of uncertain ones), looked up once
    per evaluation: five export nodes ask for them, and the look-ups (most of the rates a chip
    lacks) took 10-20 µs each time."""
    chip = ctx.memo.get("export.chip_figures")
    if chip is None:

        def lookup(name: str) -> float | None:
            try:
                return float(ctx.accelerator_figure(name).value)
            except LookupError:
                return None

        chip = ctx.memo["export.chip_figures"] = figures_from(lookup)
    return chip


def jurisdiction(ctx: Context) -> Jurisdiction:
    """Whose export controls reach the scenario's accelerator: its block's `subject_to`, else
    the catalog entry's (the one it extends), else the documented default (US, assumed)."""
    custom = ctx.custom_accelerator
    if custom is not None and custom.subject_to is not None:
        where = f"{custom.span} (accelerator {custom.name})"
        return Jurisdiction.model_construct(
            # A subdivision ("US-TX") is under its country's export controls.
            codes=(country_of(custom.subject_to),),
            source=custom.source or where,
            # The analyst's own statement: unconfirmed without a source, a judgement with one.
            confidence="U" if custom.source is None else "C",
            note=f"given in {where}",
            assumed=False,
        )
    entry = ctx.catalog_accelerator
    return entry.subject_to if entry is not None else DEFAULT_JURISDICTION


def _region(ctx: Context) -> Region:
    region = ctx.catalog.regions.get(ctx.scenario.region)
    if region is None:
        raise LookupError(f"region '{ctx.scenario.region}' is not in the catalog")
    return region


#: Per catalog: (chip, region code, date, jurisdiction, accelerator) -> (decision, note,
#: sources, extrapolated), and ("controlled", chip, date) -> classes. They depend only on
#: these, and scenarios and sweeps repeat them: deciding was about half of an evaluation.
_DECISIONS: IdentityMemo[Any] = IdentityMemo(4096)

#: The export decision, its date, note and sources, and the rules' date that stands in for a
#: date past the catalog's.
_Decided = tuple[ExportDecision, _dt.date, str, str | None, Extrapolated | None]


def _decision(ctx: Context) -> _Decided:
    """The export decision for the scenario's chip, region and year, with its note and
    sources (memoised per catalog, and once per evaluation for the nodes that read it)."""
    made = ctx.memo.get("export.decision")
    if made is None:
        made = ctx.memo["export.decision"] = _decision_of(ctx)
    return made


def _decision_of(ctx: Context) -> _Decided:
    date = decision_date(ctx.scenario.year)
    chip = chip_figures(ctx)
    region = _region(ctx)
    subject_to = jurisdiction(ctx)
    # The accelerator's name is in the key: a chip outside US reach is named in its note.
    key = (chip, region.code, date, subject_to.codes, ctx.accelerator_name)
    hit = _DECISIONS.get(ctx.catalog, *key)
    if hit is None:
        hit = _DECISIONS.put(ctx.catalog, _decide(ctx, chip, region, subject_to, date), *key)
    decision, note, sources, extrapolated = hit
    return decision, date, note, sources, extrapolated


def _decide(
    ctx: Context, chip: ChipFigures, region: Region, subject_to: Jurisdiction, date: _dt.date
) -> tuple[ExportDecision, str, str | None, Extrapolated | None]:
    """The decision, its note, its sources and, for a date past the catalog's, the rules'
    date that stands in (`_decision` keeps them)."""
    decision, note, sources = _decide_on_rules(ctx, chip, region, subject_to, date)
    as_of = ctx.catalog.country_groups.as_of
    country = country_of(region.code)
    if country in subject_to.codes:
        # A site in the very country whose controls reach the chip (a US chip in Texas): the
        # chips are not exported, so no export rule, known or still to come, is forecast.
        note = (
            f"{note}; a site in {country}, whose export controls reach the chip: the chips are "
            "not exported, so a later export rule does not change this status"
        )
    elif date > as_of:
        # A forecast year: the rules known on the catalog's date are applied to a later one.
        # Said as the catalog's other figures of a missing year say it, so `check` warns, the
        # briefing lists it among its caveats and `explain` shows it. What stands in is said
        # by its rule for the date, not the date (the note goes on to say it): the same words
        # in every year, so a sweep over years lists it once.
        extrapolated = Extrapolated(
            date.year,
            as_of.year,
            f"the rules and country groups as the catalog records them on {as_of.isoformat()} "
            "are applied to 1 July of the scenario's year, a rule made since is not",
        )
        return decision, f"{extrapolated.clause}; {note}", sources, extrapolated
    return decision, note, sources, None


def _decide_on_rules(
    ctx: Context, chip: ChipFigures, region: Region, subject_to: Jurisdiction, date: _dt.date
) -> tuple[ExportDecision, str, str | None]:
    """The decision on `date` by the rules of the catalog, its note and its sources."""
    outside = outside_us_rules(subject_to, ctx.catalog.export_rules, date)
    if outside is not None:
        note = (
            f"decided on {date.isoformat()} (1 July of the scenario year): "
            f"{ctx.accelerator_name} is subject to the export controls of "
            f"{', '.join(subject_to.codes)} (accelerator.subject_to), not to the US licence "
            "rules of export_rules.toml, which are not applied; what US guidance says about "
            "dealing in the chip is export.guidance"
        )
        return outside, note, subject_to.source
    groups = destination_groups(ctx.catalog, region.code, date)
    decision = export_status(chip, region, ctx.catalog.export_rules, date, groups)
    pd = f"{chip.pd:.2f}" if chip.pd is not None else "unknown (no die area)"
    note = (
        f"decided on {date.isoformat()} (1 July of the scenario year); TPP {chip.tpp:,.0f}, "
        f"PD {pd}; {destination_words(ctx.catalog, region, date)}; "
        f"rules in force: {', '.join(decision.in_force) or 'none'}"
    )
    rule = decision.rule
    sources = "; ".join(
        dict.fromkeys(r.source for r in (rule, *(r for r, _ in decision.also)) if r is not None)
    )
    return decision, note, sources or None


def _decision_found(ctx: Context, value) -> Found:
    decision, _date, note, sources, extrapolated = _decision(ctx)
    rule = decision.rule
    confidence = rule.confidence if rule else None
    if decision.status == OUTSIDE_US_RULES:
        confidence = jurisdiction(ctx).confidence
    return Found(
        value(decision),
        f"{_RULES_FILE} for {ctx.accelerator_name} to {ctx.scenario.region}",
        sources,
        confidence,
        note,
        extrapolated=extrapolated,
    )


# ============================================================================ nodes
def _optional_rate(figure: str, words: str) -> None:
    @input_node(
        f"export.{figure}",
        "flop_rate",
        f"Dense {words} rate counted in TPP (0 when the accelerator lists none)",
        sources=(_B1,),
        inputs=("cluster.accelerator",),
    )
    def _lookup(ctx: Context) -> Found:
        return ctx.accelerator_figure(
            figure, Found(0.0, f"{ctx.accelerator_name} lists no {words} rate: counts 0 in TPP")
        )


_optional_rate("fp8_dense", "FP8")
_optional_rate("int8_dense", "INT8")
_optional_rate("fp4_dense", "FP4")


@metric(
    "export.tpp",
    "number",
    "Total Processing Performance (EAR 3A090): dense tera-operations per second × bit length, "
    "highest over the precisions",
    "max(accelerator.bf16_dense × 16, export.fp8_dense × 8, export.int8_dense × 8, "
    "export.fp4_dense × 4) / 10¹²",
    inputs=("accelerator.bf16_dense", "export.fp8_dense", "export.int8_dense", "export.fp4_dense"),
    sources=(
        _B1,
        "derived from the catalog's dense rates (H100 1,978.9 × 8 = 15,831; "
        "GB200 5,000 × 8 = 40,000)",
    ),
    importance=5,
)
def tpp(bf16_dense, fp8_dense, int8_dense, fp4_dense):
    """TPP of one accelerator (dense rates; sparsity does not count)."""
    return total_processing_performance(bf16_dense, fp8_dense, int8_dense, fp4_dense)


@metric(
    "export.performance_density",
    "number",
    "Performance density (EAR 3A090): TPP per mm² of die area",
    "export.tpp / (accelerator.die_area in mm²)",
    inputs=("export.tpp", "accelerator.die_area"),
    sources=(_B1,),
    importance=2,
)
def performance_density(tpp_value, die_area):
    """TPP per mm²; n/a for accelerators without a published die area."""
    return tpp_value / (die_area / MM2)


@input_node(
    "export.status",
    "text",
    "US export-licence status for the accelerator to the scenario's region on 1 July of "
    "the scenario year (allowed / notification / licence_required / case_by_case / "
    "presumption_of_denial; undetermined when a missing die area decides; outside_us_rules "
    "when the US rules do not reach the chip)",
    sources=(
        "catalog export_rules.toml (advanced-computing rules of 2022-2026; "
        "embargoes and sanctions of 15 CFR Part 746; arms embargo D:5) and "
        "country_groups.toml (15 CFR 740 Supp. 1, by date)",
    ),
    value_type="text",
    importance=8,
    choices=STATUS_VALUES,
    formula="rules in force on scenario.year-07-01 applied to export.tpp, "
    "export.performance_density, accelerator.scaleup_bandwidth, "
    "accelerator.hbm_bandwidth and the region's country groups on that date and "
    "diffusion tier (outside_us_rules when accelerator.subject_to lacks US)",
    inputs=("cluster.accelerator", "scenario.region", "scenario.year"),
)
def _status(ctx: Context) -> Found:
    return _decision_found(ctx, lambda decision: decision.status)


@input_node(
    "export.rule",
    "text",
    "The rule (id, class, Federal Register citation) that decides export.status",
    sources=("catalog export_rules.toml",),
    value_type="text",
    importance=4,
    formula="the last rule in force whose treatment sets the final status",
    inputs=("cluster.accelerator", "scenario.region", "scenario.year"),
)
def _rule(ctx: Context) -> Found:
    return _decision_found(ctx, lambda decision: decision.rule_text())


@input_node(
    "export.controlled",
    "bool",
    "Whether the accelerator is an ECCN 3A090.a or .b advanced-computing IC on 1 July of "
    "the scenario year (by TPP, performance density and, in 2022-23, I/O bandwidth)",
    sources=("catalog export_rules.toml (3A090 classes)",),
    value_type="bool",
    importance=3,
    formula="chip meets a 3A090 class of a rule in force on scenario.year-07-01",
    inputs=("cluster.accelerator", "scenario.year"),
)
def _controlled(ctx: Context) -> Found:
    date = decision_date(ctx.scenario.year)
    chip = chip_figures(ctx)
    key = ("controlled", chip, date)
    classes = _DECISIONS.get(ctx.catalog, *key)
    if classes is None:
        classes = frozenset(controlled_classes(chip, ctx.catalog.export_rules, date))
        _DECISIONS.put(ctx.catalog, classes, *key)
    origin = f"{_RULES_FILE} classes in force on {date.isoformat()}"
    if len(classes) > 1:
        named = sorted(c or "none" for c in classes)
        return Found(
            None, origin, note="undetermined: the die area decides between " + ", ".join(named)
        )
    (chip_class,) = classes
    return Found(chip_class is not None, origin, note=f"class {chip_class or 'none'}")


@input_node(
    "accelerator.subject_to",
    "text",
    "Whose export controls reach the accelerator as an item (ISO 3166-1 codes; the US rules "
    "of export_rules.toml apply only when US is among them)",
    sources=(
        "catalog vendors.toml subject_to, or an accelerators.toml entry's; an accelerator "
        "block's subject_to",
    ),
    value_type="text",
    importance=3,
    formula="the accelerator block's subject_to, else the catalog entry's (its own, else its "
    "vendor's), else US (assumed)",
    inputs=("cluster.accelerator",),
)
def _subject_to(ctx: Context) -> Found:
    subject_to = jurisdiction(ctx)
    custom = ctx.custom_accelerator
    if custom is not None and custom.subject_to is not None:
        origin = f"{custom.span} (accelerator {custom.name})"
    elif ctx.catalog_accelerator is not None and not subject_to.assumed:
        origin = f"catalog {subject_to.declared_in}"
    else:
        origin = "default: US (an accelerator that does not say)"
    return Found(
        ", ".join(subject_to.codes),
        origin,
        subject_to.source,
        subject_to.confidence,
        subject_to.note,
    )


@input_node(
    "accelerator.subject_to_assumed",
    "bool",
    "Whether nothing says whose export controls reach the accelerator, so US is assumed "
    "(a new accelerator block without subject_to)",
    sources=("the language's default for an accelerator that does not say: US",),
    value_type="bool",
    importance=1,
    formula="accelerator.subject_to is the default",
    provenance=True,
    inputs=("cluster.accelerator",),
)
def _subject_to_assumed(ctx: Context) -> Found:
    assumed = jurisdiction(ctx).assumed
    return Found(assumed, "accelerator.subject_to", note="US assumed" if assumed else None)


def _guidance(ctx: Context):
    date = decision_date(ctx.scenario.year)
    custom = ctx.custom_accelerator
    names = {ctx.accelerator_name}
    if custom is not None and custom.base is not None:
        names.add(custom.base)
    found = guidance_reaching(
        ctx.catalog.export_guidance,
        names,
        jurisdiction(ctx),
        chip_figures(ctx),
        ctx.catalog.export_rules,
        date,
    )
    return found, date


@input_node(
    "export.guidance",
    "text",
    "US agency guidance in force on 1 July of the scenario year that names the accelerator "
    "or covers its origin and class (id: citation), or none: a risk of dealing in the chip "
    "anywhere, beside the licence status",
    sources=("catalog export_rules.toml [[guidance]]",),
    value_type="text",
    importance=5,
    formula="guidance issued by scenario.year-07-01 naming the accelerator (or the catalog "
    "entry it extends), or covering accelerator.subject_to and a 3A090 class",
    inputs=("cluster.accelerator", "scenario.year"),
)
def _guidance_text(ctx: Context) -> Found:
    found, date = _guidance(ctx)
    if not found:
        # The value does not carry the date: a year that changes nothing moves nothing.
        return Found(
            "none",
            f"{_RULES_FILE} [[guidance]]",
            note=f"no guidance in force on {date.isoformat()} names or covers this chip",
        )
    return Found(
        "; ".join(f"{item.id}: {item.citation}" for item in found),
        f"{_RULES_FILE} [[guidance]] for {ctx.accelerator_name} on {date.isoformat()}",
        "; ".join(item.source for item in found),
        found[0].confidence,
        " ".join(item.effect + "." for item in found),
    )


@input_node(
    "export.named_in_guidance",
    "bool",
    "Whether US agency guidance in force on 1 July of the scenario year names the accelerator "
    "or covers it (export.guidance)",
    sources=("catalog export_rules.toml [[guidance]]",),
    value_type="bool",
    importance=2,
    formula="export.guidance is not none",
    inputs=("cluster.accelerator", "scenario.year"),
)
def _named_in_guidance(ctx: Context) -> Found:
    found, _date = _guidance(ctx)
    return Found(
        bool(found),
        f"{_RULES_FILE} [[guidance]]",
        "; ".join(item.source for item in found) or None,
        found[0].confidence if found else None,
        ", ".join(item.id for item in found) or None,
    )


@input_node(
    "export.h100_tpp",
    "number",
    "TPP of one H100, the unit of the AI-diffusion caps (H100 equivalents)",
    sources=(
        _B1,
        "Tier 2 cap of 790,000,000 TPP reported as ~49,901 H100 equivalents "
        "(90 FR 4544), implying 15,831 per H100",
    ),
)
def _h100_tpp(ctx: Context) -> Found:
    entry = ctx.catalog.accelerators.get(H100_EQUIVALENT_BASIS)
    if entry is None:
        raise LookupError(f"catalog has no {H100_EQUIVALENT_BASIS}")
    rates = [
        entry.figures[name].value if name in entry.figures else 0.0 for name in TPP_BIT_LENGTHS
    ]
    return Found(
        float(total_processing_performance(*rates)),
        f"derived: TPP of catalog accelerators.{H100_EQUIVALENT_BASIS}",
        None,
        "C",
    )


@metric(
    "export.h100_equivalents",
    "number",
    "The cluster's compute in H100 equivalents (the unit of the AI-diffusion caps)",
    "cluster.count × export.tpp / export.h100_tpp",
    inputs=("cluster.count", "export.tpp", "export.h100_tpp"),
    sources=(_DIFFUSION,),
    importance=4,
)
def h100_equivalents(count, tpp_value, h100_tpp):
    """Accelerators weighted by TPP relative to an H100."""
    return count * tpp_value / h100_tpp


@input_node(
    "export.tier2_country_cap",
    "number",
    "AI-diffusion cap on cumulative TPP per Tier 2 country, 2025-2027 (no NVEU; rule "
    "rescinded May 2025, kept as a yardstick)",
    sources=("catalog export_rules.toml limits",),
)
def _tier2_cap(ctx: Context) -> Found:
    for rule in ctx.catalog.export_rules:
        figure = rule.limits.get("tier2_country_cap_tpp")
        if figure is not None:
            return Found(
                figure.value,
                f"{_RULES_FILE} {rule.id}.limits.tier2_country_cap_tpp",
                figure.source,
                figure.confidence,
                figure.note,
            )
    raise LookupError("no Tier 2 country cap in export_rules.toml")


@metric(
    "export.share_of_tier2_cap",
    "fraction",
    "The cluster's TPP as a share of one Tier 2 country's 2025-2027 AI-diffusion cap",
    "cluster.count × export.tpp / export.tier2_country_cap",
    inputs=("cluster.count", "export.tpp", "export.tier2_country_cap"),
    sources=(_DIFFUSION,),
    importance=1,
)
def share_of_tier2_cap(count, tpp_value, cap):
    """Above 1: the cluster alone would exceed a Tier 2 country's cap (had the rule stood)."""
    return count * tpp_value / cap


@metric(
    "export.launched",
    "bool",
    "Whether the accelerator is available in volume by the scenario year (false flags a "
    "forecast on hardware not yet shipping)",
    "accelerator.available_year ≤ scenario.year",
    inputs=("accelerator.available_year", "scenario.year"),
    value_type="bool",
    importance=3,
)
def launched(available_year, year):
    """True when the hardware ships by the forecast year (element-wise on arrays)."""
    return scalar.asarray(available_year) <= scalar.asarray(year)


@input_node(
    "region.fallback",
    "bool",
    "Whether regions.toml does not describe the scenario's region: its country groups are "
    "read from country_groups.toml alone (its grid figures have warnings of their own)",
    sources=("catalog regions.toml; iso3166.tsv",),
    value_type="bool",
    importance=2,
    formula="scenario.region not in regions.toml",
    inputs=("scenario.region",),
)
def _region_fallback(ctx: Context) -> Found:
    # It lives here because this module is the one that reads a destination's standing from the
    # catalog. No warning rests on it: a region regions.toml does not describe may still have
    # its own grid figures (grid.toml covers every country Ember does), and each stand-in figure
    # has its own warning.
    region = _region(ctx)
    note = (
        f"{region.code} ({region.name}) is not described in regions.toml"
        if region.fallback
        else None
    )
    return Found(region.fallback, f"catalog regions.{region.code}", note=note)
