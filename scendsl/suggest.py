"""'Did you mean' hints for misspelt names, shared by the resolver, the model and the CLI."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The longest name a suggestion is sought for (and the longest text a prose hint reads,
#: `language.names.hint_text`): no name of the language or the catalog is longer.
MAX_SUGGESTED_NAME = 100

#: What one load (`suggestion_budget`) may spend on suggestions, in characters compared: each
#: call costs the length of every candidate plus the name's length once per candidate (difflib
#: compares the two). A file can hold thousands of misspelt names and thousands of names of its
#: own, and comparing each with each is quadratic (150 unknown accelerators among 1,000 defined
#: ones took 7 s of CPU; 2,000 unknown metrics in claims, 5.9 s); past the budget a name is
#: still reported, without a suggestion. Counted, not timed, so a file always gets the same
#: hints; ~0.3 s of CPU at most, and room for hundreds of suggestions among the catalog's names.
SUGGESTION_BUDGET = 100_000

_remaining: ContextVar[list[int] | None] = ContextVar("scendsl_suggestion_budget", default=None)


@contextmanager
def suggestion_budget(characters: int = SUGGESTION_BUDGET) -> Iterator[None]:
    """Bound the suggestions made inside the block (a load, a claims check) to `characters`."""
    token = _remaining.set([characters])
    try:
        yield
    finally:
        _remaining.reset(token)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None (also for a name longer than
    MAX_SUGGESTED_NAME, and inside a `suggestion_budget` once it is spent)."""
    if len(name) > MAX_SUGGESTED_NAME:
        return None
    pool = list(candidates)
    budget = _remaining.get()
    if budget is not None:
        cost = sum(map(len, pool)) + len(name) * len(pool)
        if cost > budget[0]:
            return None
        budget[0] -= cost
    # A name that differs only in case is the likeliest meaning ('h100' is H100, not V100).
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        matches = [lowered[name.lower()]]
    else:
        matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None
