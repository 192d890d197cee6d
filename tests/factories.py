"""Small scenario texts for tests: the minimal header every scenario needs, and what follows it."""

from __future__ import annotations


def scenario_text(
    name: str = "base",
    *,
    title: str | None = None,
    year: object = 2026,
    region: str = "US",
    accelerator: str = "H100",
    count: object = 8,
    body: str = "",
) -> str:
    """A formatted `scenario` block with the required fields (year, region, the cluster's
    accelerator and count), an optional title, and `body` lines (indented, each ending in a
    newline) before the closing brace."""
    title_line = f'  title "{title}"\n' if title is not None else ""
    return (
        f"scenario {name} {{\n{title_line}  year {year}\n  region {region}\n"
        f"  cluster {{\n    accelerator {accelerator}\n    count {count}\n  }}\n{body}}}\n"
    )
