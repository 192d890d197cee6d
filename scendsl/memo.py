"""Caches kept for a process's life whose entries grow with what a user wrote.

`functools.lru_cache(maxsize=N)` bounds how many entries it keeps, not how large they are: the
escaped forms of text kept 8,192 texts whatever their length (a template's million-character
strings: 3 GB in one build), and the model's plans 64 sets of a file's references whatever their
number (20 MB a set of 1,000). A long-lived process (`serve`, the language server) kept them
across builds and edits. `sized_cache` bounds the sum of its entries' sizes too, and
`text_cache` keeps short text as before and longer text within such a bound; `SizedStore` is
what they keep, for a caller whose value is made from more than its key (the charts' text
metrics and layouts, made with the renderer at hand).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")
K = TypeVar("K")
V = TypeVar("V")

#: Text up to this length is kept as by the lru_cache of before (8,192 entries, at C speed): the
#: briefings' names, units, meanings and the sample scenarios' own text are far shorter.
SHORT_TEXT = 2_000
#: Entries of short text a text cache keeps.
TEXT_CACHE_ENTRIES = 8192
#: The characters of longer text a text cache keeps in all (a title at the language's
#: 10,000-character limit is shown on many pages; a template's own strings may be 1,000,000).
LONG_TEXT_CHARACTERS = 8_000_000


def text_cache(function: Callable[..., R]) -> Callable[..., R]:
    """A cache of a function of a text (and of other small arguments after it), as
    `functools.lru_cache(8192)` for short text and within `LONG_TEXT_CHARACTERS` for longer
    text (`sized_cache`): at most some 24 million characters in all, where 8,192 texts of a
    million characters each were kept before."""
    short = lru_cache(maxsize=TEXT_CACHE_ENTRIES)(function)
    long = sized_cache(_text_length, LONG_TEXT_CHARACTERS, TEXT_CACHE_ENTRIES)(function)

    @wraps(function)
    def cached(text: str, *more: Any) -> R:
        return short(text, *more) if len(text) <= SHORT_TEXT else long(text, *more)

    def cache_clear() -> None:
        short.cache_clear()
        long.cache_clear()  # type: ignore[attr-defined]

    def cache_info() -> Any:
        """The short texts' `lru_cache` info, with the long texts kept counted in `currsize`."""
        info = short.cache_info()
        held, _ = long.cache_held()  # type: ignore[attr-defined]
        return info._replace(currsize=info.currsize + held)

    cached.cache_clear = cache_clear  # type: ignore[attr-defined]
    cached.cache_info = cache_info  # type: ignore[attr-defined]
    return cached


def _text_length(text: str, *_more: Any) -> int:
    return len(text)


def text_store() -> SizedStore[tuple[Any, ...], Any]:
    """A `SizedStore` for keys whose first part is a text a user wrote: `TEXT_CACHE_ENTRIES`
    entries, within `LONG_TEXT_CHARACTERS` of their texts."""
    return SizedStore(lambda key: len(key[0]), LONG_TEXT_CHARACTERS, TEXT_CACHE_ENTRIES)


class SizedStore(Generic[K, V]):
    """Values by key, at most `maxsize` of them and the sum of their keys' sizes (`size(key)`,
    in the caller's unit) within `budget`: the least recently used are let go first. The
    newest entry is always kept, alone when it is larger than the budget (a process that works
    on one large set keeps it, rather than making it again at every call), so the store holds
    at most the budget or one entry. Safe to share between threads."""

    def __init__(self, size: Callable[[K], int], budget: int, maxsize: int) -> None:
        self._size = size
        self._budget = budget
        self._maxsize = maxsize
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def lookup(self, key: K) -> tuple[V] | None:
        """(the value kept under `key`,), made the most recently used; None if there is none
        (a value may be None)."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return (found[0],)

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key`, unless a value is kept there already (the values of one
        key are interchangeable), letting the least recently used go beyond the bounds."""
        weight = max(1, self._size(key))
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, weight)
            self._held += weight
            while len(self._entries) > 1 and (
                self._held > self._budget or len(self._entries) > self._maxsize
            ):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._held -= dropped

    def made(self, key: K, make: Callable[[], V]) -> V:
        """The value kept under `key`, else `make()`, kept."""
        found = self.lookup(key)
        if found is not None:
            return found[0]
        value = make()
        self.put(key, value)
        return value

    def items(self) -> list[tuple[K, V]]:
        """The keys and values kept, least recently used first."""
        with self._lock:
            return [(key, value) for key, (value, _) in self._entries.items()]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    def held(self) -> tuple[int, int]:
        """(entries kept, the sum of their sizes)."""
        with self._lock:
            return len(self._entries), self._held


def sized_cache(size: Callable[..., int], budget: int, maxsize: int) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)` that also keeps the sum of its entries' sizes
    (`size(*args)`, in the caller's unit) within `budget` (a `SizedStore` of the arguments).
    Results are the function's."""

    def decorate(function: F) -> F:
        store: SizedStore[tuple[Any, ...], Any] = SizedStore(
            lambda args: size(*args), budget, maxsize
        )

        @wraps(function)
        def cached(*args: Any) -> Any:
            return store.made(args, lambda: function(*args))

        cached.cache_clear = store.clear  # type: ignore[attr-defined]
        cached.cache_held = store.held  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return decorate


class IdentityMemo(Generic[V]):
    """Values made from objects that are the same only when they are one object (a catalog, a
    tuple of four hundred nodes: slow or impossible to hash by content, never changed once
    made), each with more of its key beside it, up to `most` entries (then emptied).

    An entry is keyed by the object's `id` and holds the object itself: while the entry lives
    the object does, so no other object can be given its id, and a hit is the entry of that
    very object, without comparing it."""

    __slots__ = ("_entries", "most")

    def __init__(self, most: int) -> None:
        self._entries: dict[tuple[Any, ...], tuple[object, V]] = {}
        self.most = most

    def get(self, made_from: object, *more: Any) -> V | None:
        """The value kept for `made_from` and `more`, or None."""
        entry = self._entries.get((id(made_from), *more))
        return None if entry is None else entry[1]

    def put(self, made_from: object, value: V, *more: Any) -> V:
        """Keep `value` for `made_from` and `more` (emptying the memo first when it is full);
        returns `value`."""
        if len(self._entries) >= self.most:
            self._entries.clear()
        self._entries[(id(made_from), *more)] = (made_from, value)
        return value

    def clear(self) -> None:
        """Let go of every entry (and so of the objects they hold)."""
        self._entries.clear()

    def __len__(self) -> int:
        """How many entries the memo holds."""
        return len(self._entries)
