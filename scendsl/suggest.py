"""'Did you mean' hints for misspelt names, shared by the resolver, the model and the CLI."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None."""
    # A name that differs only in case is the likeliest meaning ('h100' is H100, not V100).
    lowered = {c.lower(): c for c in candidates}
    if name.lower() in lowered:
        matches = [lowered[name.lower()]]
    else:
        matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None
