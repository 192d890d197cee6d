"""`scendsl new`: the text of a commented starter scenario that passes `scendsl check`.

Three shapes: a fresh scenario with every required field and the common optional ones (the
comments are the field table's own documentation); a variant that `extends` a scenario of a file
it can import; or, when the base's file cannot be imported from where the new file goes, a copy
with the base's values inlined. Nothing here writes a file: the command line does that.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from scendsl.errors import ScenarioError
from scendsl.language import fields as F
from scendsl.language.names import catalog_names, is_region
from scendsl.language.passes.definitions import DEFINITION_KEYWORDS
from scendsl.suggest import quoted

#: The default forecast year, a constant so that the same command writes the same bytes.
DEFAULT_YEAR = 2026
DEFAULT_ACCELERATOR = "H100"
DEFAULT_REGION = "US"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Words the language gives a meaning to in a header or a value: not good names.
RESERVED = (
    *DEFINITION_KEYWORDS,
    "extends",
    "from",
    "to",
    "expect",
    "correlate",
    *F.SECTIONS,
)


def check_name(name: str) -> str:
    """`name` if it can name a scenario (and so an output file), else raise ScenarioError."""
    if not _IDENTIFIER.fullmatch(name):
        raise ScenarioError.one(
            f"{quoted(name)} cannot name a scenario",
            hint="use letters, digits and '_', not starting with a digit, e.g. 'my_cluster'",
        )
    if name in RESERVED:
        raise ScenarioError.one(f"'{name}' is a word of the language", hint=f"e.g. 'my_{name}'")
    too_long = F.name_length_problem(name)
    if too_long is not None:
        raise ScenarioError.one(too_long, hint="choose a shorter name")
    return name


def _check_catalog(kind: str, value: str | None, names) -> str | None:
    if value is None or value in names:
        return value
    from scendsl.suggest import suggest

    hint = suggest(value, names) or f"{kind}s: " + ", ".join(names)
    raise ScenarioError.one(f"unknown {kind} {quoted(value)}", hint=hint)


def check_accelerator(accelerator: str | None) -> str | None:
    """A catalog accelerator id (None passes), else ScenarioError with a did-you-mean."""
    return _check_catalog("accelerator", accelerator, catalog_names().accelerators)


def check_region(region: str | None) -> str | None:
    """A region code (None passes): any ISO 3166-1 country or accepted subdivision, else
    ScenarioError with a did-you-mean among the regions with figures."""
    if region is None or is_region(region):
        return region
    from scendsl.language.values import region_hint

    raise ScenarioError.one(
        f"unknown region {quoted(region)}", hint=region_hint(region, catalog_names().regions)
    )


def _doc(path: str) -> str:
    spec = F.scenario_field(path)
    assert spec is not None, path
    doc = spec.doc.replace("`", "'")
    if spec.choices:
        doc += ": " + ", ".join(spec.choices)
    return doc


def _listing(label: str, names, indent: str) -> str:
    """Comment lines naming the catalog's entries, wrapped to the formatter's width."""
    import textwrap

    from scendsl.language.format import MAX_WIDTH

    return "\n".join(
        textwrap.wrap(
            f"{label}: {', '.join(names)}.",
            MAX_WIDTH,
            initial_indent=indent + "# ",
            subsequent_indent=indent + "#   ",
        )
    )


def _region_text(region: str) -> str:
    """A region as written in a scenario: a subdivision ("US-TX") is quoted."""
    return _quote(region) if "-" in region else region


def _title(name: str) -> str:
    return name.replace("_", " ").strip() or name


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_text(name: str, *, accelerator: str | None = None, region: str | None = None) -> str:
    """A fresh, commented scenario: required fields set, common optional ones shown."""
    check_name(name)
    accelerator = check_accelerator(accelerator) or DEFAULT_ACCELERATOR
    region = check_region(region) or DEFAULT_REGION
    names = catalog_names()
    text = f"""\
# {name}: a starter scenario written by `scendsl new`.
# Replace each figure with one you can source and say where it comes from; `scendsl check` finds
# mistakes, `scendsl eval` prints every metric. The language is described in docs/language.md.

scenario {name} {{
  title  {_quote(_title(name))}
  year   {DEFAULT_YEAR}  # {_doc("year")}
  # Any ISO 3166-1 country code; `scendsl list regions` shows the figures each one has.
  region {_region_text(region)}  # {_doc("region")}
  source "where the figures come from"

  cluster {{
{
        _listing(
            "Catalog accelerators (or define your own with an 'accelerator' block)",
            names.accelerators,
            "    ",
        )
    }
    accelerator {accelerator}
    count       1k  # {_doc("cluster.count")}; k, M, B, T magnitudes
    # Unset, the MFU is the catalog's sourced default and every figure that depends on it shows
    # the default's published spread; write the run's own when a source gives it:
    # mfu       40%  # {_doc("cluster.mfu")}; a range reads '30% to 45%'
    # fabric    infiniband  # {_doc("cluster.fabric")}
  }}

  energy {{
    # Unset, the PUE is the site class's published figure for the year (`scendsl explain`):
    # pue 1.2  # {_doc("energy.pue")}
{_listing("A supply mix adds up to 100%; its sources", names.energy_sources, "    ")}
    # mix solar 50%, grid 50%
    # price 60 USD/MWh  # {_doc("energy.price")}
  }}

  workload {{
    parameters 70B  # {_doc("workload.parameters")}
    tokens     15T  # {_doc("workload.tokens")}
    precision  bf16  # {_doc("workload.precision")}
    # framework  megatron  # {_doc("workload.framework")}
    # Without a layout, the least sharding that fits in memory is chosen:
    # parallelism tensor 8, pipeline 4, data auto
  }}

  # Claims of the source, each checked against the model, with its quote
  # (`scendsl list metrics` gives every metric's kind, unit and values):
  # expect energy.facility_power >= 10 MW "the quote"
  # expect export.status == allowed
  # expect performance.fits_in_hbm
  # expect risk.energy_regulation <= medium
}}
"""
    return _canonical(text)


def _canonical(text: str) -> str:
    from scendsl.language.format import format_text

    return format_text(text, "<new>")


# ---------------------------------------------------------------------------- --from
@dataclass(frozen=True)
class Base:
    """A scenario to start from: where it is defined and its settings, its extends chain applied."""

    name: str
    file: str
    #: Dotted path -> the value as written (`cluster.count` -> `100k`), in the order of the file.
    values: dict[str, str]
    #: `correlate` lines (assumptions, inherited like values); claims are the base's own.
    correlations: tuple[str, ...]
    #: Text of the custom `accelerator` blocks the scenario needs, parents first.
    accelerator_blocks: tuple[str, ...]


def find_base(spec: str, folder: str, new_name: str | None = None) -> Base:
    """The scenario named by `--from`: `FILE.scn` (its first scenario), `FILE.scn:NAME`, or a
    NAME defined in a `.scn` file under `folder`. Raises ScenarioError with every problem, and
    when `new_name` is already defined there (the new file could not be checked with it)."""
    from scendsl.defaults import DEFAULT_MAX_VARIANTS
    from scendsl.errors import DiagnosticSink
    from scendsl.files import scenario_files
    from scendsl.language.resolve import Resolver, load_documents, load_paths
    from scendsl.suggest import suggest

    path, _, name = spec.rpartition(":") if ".scn:" in spec else (spec, "", "")
    if not name and not path.endswith(".scn") and not os.path.isfile(path):
        path, name = folder, spec
        if not os.path.isdir(folder):
            raise ScenarioError.one(f"no scenario {quoted(spec)}: {quoted(folder)} is not a folder")
    elif not os.path.isfile(path):
        raise ScenarioError.one(
            f"'{path}' does not exist", hint="--from takes FILE.scn, FILE.scn:NAME or NAME"
        )
    load_paths([path])  # the base must itself check clean: its errors, located, come first
    sink = DiagnosticSink()
    roots: dict[str, str] = {}
    documents = load_documents(scenario_files([path], sink, roots), sink, roots=roots)
    resolver = Resolver(sink, catalog_names(), DEFAULT_MAX_VARIANTS)
    resolver.collect(documents)
    scenarios = [d for d in resolver.order if d.kind == "scenario"]
    if not name:
        own = [d for d in scenarios if os.path.realpath(d.file) == os.path.realpath(path)]
        if not own:
            raise ScenarioError.one(f"'{path}' defines no scenario")
        name = own[0].name
    definition = resolver.definitions.get(name)
    if definition is None or definition.kind != "scenario":
        where = f"'{path}'" if os.path.isfile(path) else f"the .scn files under '{path}'"
        raise ScenarioError.one(
            f"no scenario {quoted(name)} in {where}",
            hint=suggest(name, [d.name for d in scenarios]),
        )
    if new_name is not None and new_name in resolver.definitions:
        taken = resolver.definitions[new_name]
        raise ScenarioError.one(
            f"'{new_name}' is already a {taken.kind} in '{taken.file}'",
            hint="choose another name for the new scenario",
        )
    entries, claims, _, _ = resolver.scenario_entries(definition)
    values = {key: _values_text(statement.values) for key, statement in entries.items()}
    correlations = tuple(_values_text(s.values) for s in claims if s.key == "correlate")
    blocks: list[str] = []
    custom = resolver.accelerators.get(values.get("cluster.accelerator", ""))
    while custom is not None:  # parents first: a block may only extend what exists
        blocks.insert(0, _slice(sink.sources[custom.file], custom.statement.span))
        parent = custom.statement.values[2].text if len(custom.statement.values) == 3 else ""
        custom = resolver.accelerators.get(parent)
    return Base(name, definition.file, values, correlations, tuple(blocks))


def _values_text(atoms) -> str:
    from scendsl.language.format import _atoms_text

    return _atoms_text(atoms, True)


def _slice(text: str, span) -> str:
    lines = text.split("\n")
    if span.end_line is None or span.end_col is None:
        return lines[span.line - 1][span.col - 1 :]
    if span.end_line == span.line:
        return lines[span.line - 1][span.col - 1 : span.end_col - 1]
    middle = lines[span.line : span.end_line - 1]
    return "\n".join(
        [
            lines[span.line - 1][span.col - 1 :],
            *middle,
            lines[span.end_line - 1][: span.end_col - 1],
        ]
    )


def import_path(base_file: str, output: str) -> str | None:
    """How the file written at `output` imports `base_file`, or None when it cannot (imports
    stay inside the folder of the importing file)."""
    folder = os.path.dirname(os.path.abspath(output))
    target = os.path.realpath(base_file)
    if os.path.commonpath([os.path.realpath(folder), target]) != os.path.realpath(folder):
        return None
    if target == os.path.realpath(output):
        return None
    return os.path.relpath(target, os.path.realpath(folder)).replace(os.sep, "/")


def variant_text(
    name: str,
    base: Base,
    importing: str,
    *,
    accelerator: str | None = None,
    region: str | None = None,
) -> str:
    """A scenario that extends `base`, importing its file; only what differs is written."""
    check_name(name)
    overrides = []
    if check_accelerator(accelerator):
        overrides.append(f"  cluster.accelerator {accelerator}")
    if region is not None and check_region(region):
        overrides.append(f"  region {_region_text(region)}")
    body = "\n".join(overrides) + "\n" if overrides else ""
    text = f"""\
# {name}: a variant of '{base.name}', written by `scendsl new`.
# It inherits every value of '{base.name}' (but not its claims); write only what differs.

import {_quote(importing)}

scenario {name} extends {base.name} {{
  title {_quote(_title(name))}
{body}  # e.g. cluster.count 200k
  #      energy.pue    1.1
}}
"""
    return _canonical(text)


def inlined_text(
    name: str,
    base: Base,
    *,
    accelerator: str | None = None,
    region: str | None = None,
    importing: str | None = None,
) -> str:
    """A copy of `base`'s values (its extends chain applied) under a new name; a custom
    accelerator comes along as its blocks, or as an import of `importing` when given."""
    check_name(name)
    values = dict(base.values)
    values["title"] = _quote(_title(name))
    accelerator, region = check_accelerator(accelerator), check_region(region)
    if accelerator:
        values["cluster.accelerator"] = accelerator
    if region:
        values["region"] = region
    # A catalog accelerator replaces a custom one: its blocks are then not needed.
    blocks = (
        base.accelerator_blocks
        if values.get("cluster.accelerator") == base.values.get("cluster.accelerator")
        else ()
    )
    lines = [
        f"# {name}: a copy of the values of '{base.name}' ({_display(base.file)}), written by "
        "`scendsl new`.",
        "# The claims of the original are its own and are not copied.",
        "",
    ]
    if blocks and importing is not None:
        lines += [f"import {_quote(importing)}", ""]
    else:
        for block in blocks:
            lines += [block, ""]
    lines.append(f"scenario {name} {{")
    lines += [f"  {key} {values[key]}" for key in F.SCENARIO_ATTRIBUTES if key in values]
    for section in F.SECTIONS:
        keys = [k for k in values if k.startswith(section + ".")]
        if keys:
            lines += ["", f"  {section} {{"]
            lines += [f"    {key.split('.', 1)[1]} {values[key]}" for key in keys]
            lines.append("  }")
    if base.correlations:
        lines.append("")
        lines += [f"  correlate {text}" for text in base.correlations]
    lines.append("}")
    return _canonical("\n".join(lines) + "\n")


def _display(path: str) -> str:
    return os.path.basename(path)


def new_text(
    name: str,
    *,
    output: str,
    base: str | None = None,
    accelerator: str | None = None,
    region: str | None = None,
    inline: bool = False,
) -> str:
    """The text `scendsl new` writes to `output`: a starter, or a variant of / copy of `base`."""
    check_name(name)
    check_accelerator(accelerator)
    check_region(region)
    if base is None:
        return starter_text(name, accelerator=accelerator, region=region)
    found = find_base(base, os.path.dirname(output) or ".", name)
    importing = import_path(found.file, output)
    if inline or importing is None:
        # The copy imports the base's file for a custom accelerator when it can, rather than
        # defining the accelerator a second time beside the original.
        return inlined_text(
            name, found, accelerator=accelerator, region=region, importing=importing
        )
    return variant_text(name, found, importing, accelerator=accelerator, region=region)
