"""Caches kept for a process's life whose entries grow with what a user wrote.

`functools.lru_cache(maxsize=N)` bounds how many entries it keeps, not how large they are: the
escaped forms of text kept 8,192 texts whatever their length (a template's million-character
strings: 3 GB in one build), and the model's plans 64 sets of a file's references whatever their
number (20 MB a set of 1,000). A long-lived process (`serve`, the language server) kept them
across builds and edits. `sized_cache` bounds the sum of its entries' sizes too, and
`text_cache` keeps short text as before and longer text within such a bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")

#: Text up to this length is kept as by the lru_cache of before (8,192 entries, at C speed): the
#: briefings' names, units, meanings and the sample scenarios' own text are far shorter.
SHORT_TEXT = 2_000
#: Entries of short text a text cache keeps.
TEXT_CACHE_ENTRIES = 8192
#: The characters of longer text a text cache keeps in all (a title at the language's
#: 10,000-character limit is shown on many pages; a template's own strings may be 1,000,000).
LONG_TEXT_CHARACTERS = 8_000_000


def text_cache(function: Callable[[str], R]) -> Callable[[str], R]:
    """A cache of a function of one text, as `functools.lru_cache(8192)` for short text and
    within `LONG_TEXT_CHARACTERS` for longer text (`sized_cache`): at most some 24 million
    characters in all, where 8,192 texts of a million characters each were kept before."""
    short = lru_cache(maxsize=TEXT_CACHE_ENTRIES)(function)
    long = sized_cache(len, LONG_TEXT_CHARACTERS, TEXT_CACHE_ENTRIES)(function)

    @wraps(function)
    def cached(text: str) -> R:
        return short(text) if len(text) <= SHORT_TEXT else long(text)

    def cache_clear() -> None:
        short.cache_clear()
        long.cache_clear()  # type: ignore[attr-defined]

    cached.cache_clear = cache_clear  # type: ignore[attr-defined]
    return cached


def sized_cache(size: Callable[..., int], budget: int, maxsize: int) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)` that also keeps the sum of its entries' sizes
    (`size(*args)`, in the caller's unit) within `budget`: the least recently used entries are
    let go first. The newest entry is always kept, alone when it is larger than the budget (a
    process that works on one large set keeps it, rather than making it again at every call),
    so the cache holds at most the budget or one entry. Results are the function's."""

    def decorate(function: F) -> F:
        entries: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        held = [0]
        lock = threading.Lock()

        @wraps(function)
        def cached(*args: Any) -> Any:
            with lock:
                found = entries.get(args)
                if found is not None:
                    entries.move_to_end(args)
                    return found[0]
            result = function(*args)
            weight = max(1, size(*args))
            with lock:
                if args not in entries:
                    entries[args] = (result, weight)
                    held[0] += weight
                    while len(entries) > 1 and (held[0] > budget or len(entries) > maxsize):
                        _, (_, dropped) = entries.popitem(last=False)
                        held[0] -= dropped
            return result

        def cache_clear() -> None:
            with lock:
                entries.clear()
                held[0] = 0

        def cache_held() -> tuple[int, int]:
            """(entries kept, the sum of their sizes)."""
            with lock:
                return len(entries), held[0]

        cached.cache_clear = cache_clear  # type: ignore[attr-defined]
        cached.cache_held = cache_held  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return decorate
