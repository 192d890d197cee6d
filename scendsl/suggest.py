"""'Did you mean' hints for misspelt names, shared by the resolver, the model and the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache


class Hint(str):
    """A hint that knows the one edit that fixes its problem: `fix`, the text to put in place of
    the diagnostic's span (`did you mean 'H100'?` fixes `H10` with `H100`). A plain `str`
    everywhere else; the maker of the diagnostic decides whether the fix applies to its span
    (`DiagnosticSink.error(..., fix=hint.fix)`), so a hint reused under another span never
    carries a wrong edit."""

    __slots__ = ("fix",)
    fix: str | None

    def __new__(cls, text: str, fix: str | None = None) -> Hint:
        made = super().__new__(cls, text)
        made.fix = fix
        return made

    def __reduce__(self) -> tuple[type[Hint], tuple[str, str | None]]:  # to and from workers
        return (Hint, (str(self), self.fix))


def fix_of(hint: str | None) -> str | None:
    """The edit a hint carries (`Hint.fix`), or None for a plain hint."""
    return hint.fix if isinstance(hint, Hint) else None


#: The longest name a suggestion is sought for (and the longest text a prose hint reads,
#: `language.names.hint_text`): no name of the language or the catalog is longer.
MAX_SUGGESTED_NAME = 100

#: The longest user text a message repeats whole (`quoted`); past it, its first QUOTE_KEPT
#: characters, an ellipsis and its length. No name of the language or the catalog is longer,
#: so an ordinary message is unchanged; a 20,000-character word is not repeated whole.
QUOTE_LIMIT = MAX_SUGGESTED_NAME
QUOTE_KEPT = 40

#: The longest message a diagnostic keeps (`bounded_message`): longer ones are messages that
#: repeat user text without `quoted`, and are bounded as a last resort.
MESSAGE_LIMIT = 1_000

_LONG_QUOTE = re.compile(rf"'([^'\n]{{{QUOTE_LIMIT + 1},}})'")


def quoted(text: str) -> str:
    """A user's word or value as a message repeats it: in single quotes, whole up to
    QUOTE_LIMIT characters, else its start, an ellipsis and its length (`'QQQ…' (20,000
    characters)`). Every message that quotes what was written goes through this."""
    if len(text) <= QUOTE_LIMIT:
        return f"'{text}'"
    return f"'{text[:QUOTE_KEPT]}…' ({len(text):,} characters)"


def bounded_message(message: str) -> str:
    """`message` as a diagnostic keeps it: unchanged up to MESSAGE_LIMIT characters; longer,
    each over-long quoted word in it shortened as `quoted` does, and what is still too long
    cut (the net under messages that interpolate user text without `quoted`)."""
    if len(message) <= MESSAGE_LIMIT:
        return message
    message = _LONG_QUOTE.sub(lambda found: quoted(found.group(1)), message)
    if len(message) <= MESSAGE_LIMIT:
        return message
    return f"{message[: MESSAGE_LIMIT - 40]}… ({len(message):,} characters)"


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
    pool = _affordable(name, candidates)
    if pool is None:
        return None
    return _did_you_mean(_likeliest(name, pool))


def model_name_hint(name: str, candidates: Iterable[str]) -> Hint | None:
    """A 'did you mean' hint for a name with a model number (an accelerator), or None: the same
    name with other case or separators (`h100`, `TPU v5e`), the variants a shortened name
    begins (`A100`: A100_40GB or A100_80GB; `TPUv5`), the model a variant written in full
    begins with (`H100_SXM5` is H100). Never a number changed or made longer, nor a letter of
    it changed: a chip one character from another is another chip (B100 was offered V100,
    L4 the L40S, A10 the A100, H300 the H800, Trainium3 Trainium2, MI350X the MI355X), whose
    figures the scenario would then use. Within the `suggestion_budget`, as `suggest` is."""
    pool = _affordable(name, candidates)
    if pool is None:
        return None
    matches = _same_or_variants(name, pool, whole_numbers=True) or []
    hint = _did_you_mean(matches)
    if hint is not None and name_key(matches[0]) != name_key(name):
        # a name longer or shorter than the model it begins may be another product (L40 is
        # not the L40S, H100_PCIe not the H100 module): guessed, never fixed in one click
        return Hint(hint)
    return hint


def _did_you_mean(matches: list[str]) -> Hint | None:
    """`did you mean 'A'?` (fixed by A), or `'A' or 'B'` (no one fix); None for no match."""
    if not matches:
        return None
    text = "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
    return Hint(text, matches[0] if len(matches) == 1 else None)


def _same_or_variants(name: str, pool: list[str], whole_numbers: bool = False) -> list[str] | None:
    """The candidates `name` means by its letters and digits alone: the same name with other
    case or separators ('h100' is H100, not V100); else every variant a shortened name begins
    ('A100' for A100_40GB and A100_80GB, where difflib offers V100); else the longest candidate
    a variant written in full begins with ('H100_SXM5' is H100). None when the name begins
    more than MAX_PREFIX_MATCHES names, too many to guess one ('TPU'). With `whole_numbers`,
    a model number is never made longer or shorter (`A10` is not A100; `H1000` not H100)."""
    folded = by_name_key(tuple(pool))
    key = name_key(name)
    if key in folded:
        return [folded[key]]
    if len(key) < 2:
        return []
    longer = sorted(
        c
        for k, c in folded.items()
        if k.startswith(key) and not (whole_numbers and _number_goes_on(c, len(key)))
    )
    if len(longer) > MAX_PREFIX_MATCHES:
        return None
    if longer:
        return longer
    shorter = [
        k
        for k in folded
        if len(k) >= 3
        and key.startswith(k)
        and not (whole_numbers and _number_goes_on(name, len(k)))
    ]
    return [folded[max(shorter, key=len)]] if shorter else []


def _number_goes_on(text: str, kept: int) -> bool:
    """Whether the number that `text`'s first `kept` letters and digits end in goes on after
    them (`A100` after `A10`; not `A100_40GB` after `A100`, nor `Gaudi3` after `Gaudi`)."""
    seen = 0
    for i, ch in enumerate(text):
        if ch.isalnum():
            seen += 1
            if seen == kept:
                return ch.isdigit() and text[i + 1 : i + 2].isdigit()
    return False


def meant(name: str) -> Hint:
    """`did you mean 'NAME'?`, fixed by NAME: the hint of a guess made another way than by
    spelling (a transposed code, a name's one-letter typo)."""
    return Hint(f"did you mean {quoted(name)}?", name)


#: How many names a hint offers when what was written begins several of them ('A100' names
#: both A100_40GB and A100_80GB); past it the written text says too little to choose from.
MAX_PREFIX_MATCHES = 4


@lru_cache(maxsize=8)
def by_name_key(names: tuple[str, ...]) -> dict[str, str]:
    """The first of `names` for each `name_key`, made once per list of names (a hint looked
    through every name again for each line: quadratic in a file's definitions). A name of marks
    alone ('%') has no key and is left out."""
    keyed: dict[str, str] = {}
    for name in names:
        if key := name_key(name):
            keyed.setdefault(key, name)
    return keyed


def name_key(text: str) -> str:
    """A name as compared with another: letters and digits only, lower case (`Megatron-Core`,
    `megatron_core` and `MegatronCore` are one name; so are 'tpu_v6e', 'TPU v6e' and
    'TPUv6e')."""
    return "".join(ch for ch in text if ch.isalnum()).lower()


def _likeliest(name: str, pool: list[str]) -> list[str]:
    """The candidates `name` most likely means, likeliest first; empty when none is close."""
    matches = _same_or_variants(name, pool)
    if matches is None:
        return []  # it begins too many names to guess one ('TPU'): the caller lists them
    if matches:
        return matches
    import difflib  # imported when a name is misspelt: checking a good file needs none

    return difflib.get_close_matches(name, pool, n=1, cutoff=0.6)


def _affordable(name: str, candidates: Iterable[str]) -> list[str] | None:
    """The candidates to compare `name` with, the comparison charged to the current
    `suggestion_budget`; None (nothing charged) for a name over MAX_SUGGESTED_NAME or when it
    would overspend the budget."""
    if len(name) > MAX_SUGGESTED_NAME:
        return None
    pool = list(candidates)
    budget = _remaining.get()
    if budget is None:
        return pool
    cost = sum(map(len, pool)) + len(name) * len(pool)
    if cost > budget[0]:
        return None
    budget[0] -= cost
    return pool


def close_matches(name: str, candidates: Iterable[str], cutoff: float = 0.8) -> list[str]:
    """The candidates `name` may mean, for hints that word their own sentence (a country's name
    -> its code): the candidates that are `name` with other separators, else every candidate a
    single typo away (`one_edit_match`'s rule), else the few
    difflib finds at least `cutoff` alike, likeliest first. All of them, not the likeliest one:
    a typo can be as close to another name (`Austrai` is one edit from Austria and two from
    Australia, which difflib prefers; `Hambia` from Gambia and Zambia), and the caller names
    one only when they all mean one thing. Within the `suggestion_budget` and
    MAX_SUGGESTED_NAME, as `suggest` is."""
    pool = _affordable(name, candidates)
    if pool is None:
        return []
    key = name_key(name)
    keys = [name_key(c) for c in pool]
    # the same name with other separators ('henansheng' is 'henan sheng', not 'hunan sheng'),
    # else the names one typo away
    same = [c for c, k in zip(pool, keys, strict=True) if k == key]
    typos = same or [c for c, k in zip(pool, keys, strict=True) if one_edit(key, k)]
    if typos:
        return typos
    import difflib

    return difflib.get_close_matches(name, pool, n=MAX_PREFIX_MATCHES, cutoff=cutoff)


def one_edit_match(name: str, candidates: Iterable[str]) -> str | None:
    """The one candidate a single typo away from `name` (a letter added, dropped, changed, or
    two neighbours swapped; case and separators aside: `gaz` is gas, `hydr` hydro, `soalr`
    solar), or None when none or several are: for names where a looser likeness names another
    thing (`coal_ccs` is not coal, `oil` not coal). Within the `suggestion_budget`."""
    pool = _affordable(name, candidates)
    if pool is None:
        return None
    key = name_key(name)
    found = [c for c in pool if one_edit(key, name_key(c))]
    return found[0] if len(found) == 1 else None


def one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by exactly one insertion, deletion, substitution or swap of
    neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return a[first:] == b[first + 1 :]
    swapped = first + 1 < len(a) and a[first] == b[first + 1] and a[first + 1] == b[first]
    return a[first + 1 :] == b[first + 1 :] or (swapped and a[first + 2 :] == b[first + 2 :])
