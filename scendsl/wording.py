"""Words for counts in messages and reports: '1 variant', '4 variants', '1,024 figures'."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in the number it takes, the count grouped by thousands: a report
    read in a pull request says '1 more scenario', never '1 more scenario(s)'."""
    word = noun if count == 1 else (plural if plural is not None else noun + "s")
    return f"{count:,} {word}"


def and_list(words: list[str], conjunction: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`: names in a sentence (`a, b or c` with "or")."""
    if len(words) <= 2:
        return f" {conjunction} ".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]
