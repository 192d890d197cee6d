"""The options of enum fields (`market.price_series`, `briefings { comparison_precision }`,
`workload.precision`, ...): which one holds when a file names none, and what each one brings in,
for completion details and hovers."""

from __future__ import annotations

from scendsl.lsp.analysis import F, catalog, default_choice, registry_node

#: Set-level options of the `briefings` block with the value that holds without the block.
BRIEFINGS_DEFAULTS = {"comparison_precision": F.DEFAULT_COMPARISON_PRECISION}


def default_of(kind: str, path: str, spec: F.FieldSpec) -> tuple[str, str] | None:
    """(option, where it comes from) when the field is left out; None when no option holds."""
    if kind == "briefings":
        value = BRIEFINGS_DEFAULTS.get(path)
        return (value, "the language's default") if value else None
    choice = default_choice(path) if kind in ("scenario", "sweep") else None
    if choice is None or choice.value not in spec.choices:
        return None
    return choice.value, f"catalog choices.toml: {choice.source} (confidence {choice.confidence})"


def choice_detail(kind: str, path: str, spec: F.FieldSpec, value: str) -> str:
    """A completion item's one-line detail: `default` for the option that holds unsaid."""
    found = default_of(kind, path, spec)
    return "default" if found is not None and found[0] == value else ""


def choice_lines(path: str, value: str, accelerator: str | None = None) -> list[str]:
    """What an option brings in, as Markdown list lines: the prices of a price series, the
    accelerators a comparison precision has no figure for."""
    if path == "market.price_series":
        return _price_series_lines(value, accelerator)
    if path == "comparison_precision":
        return _precision_lines(value)
    return []


def _price_series_lines(series: str, accelerator: str | None) -> list[str]:
    from scendsl.defaults import ACCELERATOR_PRICE_SERIES

    cat = catalog()
    described = cat.market.price_series.get(series)
    head = [f"- {described.description}"] if described is not None else []
    if series == ACCELERATOR_PRICE_SERIES:
        lines = [*head, "- the `price` table of each accelerator in accelerators.toml"]
        entry = cat.accelerators.get(accelerator or "")
        if entry is not None and entry.price:
            lines.append(f"- {entry.name}: " + _prices(entry.price))
        return lines
    tables = cat.market.purchase.get(series, {})
    if not tables:
        return [*head, "- no prices in the catalog: every accelerator takes the `market` series"]
    lines = [
        *head,
        f"- market.toml `[purchase.{series}.*]`; other accelerators take the `market` series",
    ]
    for name, table in tables.items():
        lines.append(f"- {name}: " + _prices(table))
    return lines


def _prices(table) -> str:
    years = sorted(table)
    text = ", ".join(f"{year} {table[year].text}" for year in years)
    last = table[years[-1]]
    return f"{text} — {last.source} (confidence {last.confidence})"


def _precision_lines(precision: str) -> list[str]:
    figure = f"{precision}_dense"
    missing = [
        name for name, entry in catalog().accelerators.items() if figure not in entry.figures
    ]
    lines = []
    if missing:
        lines.append(f"- catalog accelerators without a {figure} figure: " + ", ".join(missing))
    node = registry_node("divide.rate")
    if node is not None and node.formula:
        lines.append(f"- rate compared: {node.formula}")
    return lines
