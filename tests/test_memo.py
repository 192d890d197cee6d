"""The process's caches of what a user wrote, bounded in size (scendsl.memo)."""

import gc
import weakref

from scendsl import memo
from scendsl.memo import IdentityMemo


def test_a_text_store_keeps_long_text_within_its_characters() -> None:
    """Chart titles run to the language's 10,000 characters: 8,192 of them were 80 million
    characters kept for the process's life."""
    store = memo.text_store()
    titles = [f"{number:05d}" + "x" * 9_995 for number in range(1_000)]
    for title in titles:
        store.put((title, "DejaVu Sans"), len(title))
    entries, characters = store.held()
    assert characters <= memo.LONG_TEXT_CHARACTERS < 1_000 * 10_000
    assert entries == characters // 10_000
    assert store.lookup((titles[-1], "DejaVu Sans")) == (10_000,)  # the newest are kept
    assert store.lookup((titles[0], "DejaVu Sans")) is None  # the oldest went first


def test_a_sized_store_lets_the_least_recently_used_go_first() -> None:
    store: memo.SizedStore[str, int] = memo.SizedStore(len, 6, 100)
    for key in ("aa", "bb", "cc"):
        store.put(key, 1)
    assert store.lookup("aa") == (1,)  # used: now the most recent
    store.put("dd", 2)
    assert [key for key, _ in store.items()] == ["cc", "aa", "dd"]


def test_a_value_larger_than_the_budget_is_kept_alone() -> None:
    store: memo.SizedStore[str, None] = memo.SizedStore(len, 4, 100)
    store.put("ab", None)
    assert store.made("abcdefgh", lambda: None) is None
    assert store.held() == (1, 8)
    assert store.lookup("abcdefgh") == (None,)  # None is a value kept, not a miss


def test_a_text_cache_keys_on_every_argument() -> None:
    calls = []

    @memo.text_cache
    def width(text: str, size: float) -> float:
        calls.append((text, size))
        return len(text) * size

    long = "y" * (memo.SHORT_TEXT + 1)
    assert [width("ab", 2.0), width("ab", 3.0), width(long, 2.0), width(long, 3.0)] == [
        4.0,
        6.0,
        2.0 * len(long),
        3.0 * len(long),
    ]
    width("ab", 2.0), width(long, 3.0)
    assert len(calls) == 4
    assert width.cache_info().currsize == 4  # short and long texts kept alike


class _Made:
    """An object compared by identity only (as a catalog is)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Made)  # equal to every other: only identity tells them apart

    __hash__ = object.__hash__


def test_an_identity_memo_answers_for_that_very_object_and_keeps_it_alive():
    memo: IdentityMemo[str] = IdentityMemo(4)
    first = _Made()
    memo.put(first, "first's", "more")
    assert memo.get(first, "more") == "first's"
    assert memo.get(first, "other") is None
    assert memo.get(_Made(), "more") is None  # equal, but another object
    held = weakref.ref(first)
    del first
    gc.collect()
    # The entry holds its object: its id is never another's while the entry lives.
    assert held() is not None
    memo.clear()
    gc.collect()
    assert held() is None


def test_an_identity_memo_is_emptied_when_full():
    memo: IdentityMemo[int] = IdentityMemo(2)
    objects = [_Made() for _ in range(3)]
    for number, made in enumerate(objects):
        memo.put(made, number)
    assert len(memo) == 1 and memo.get(objects[2]) == 2
