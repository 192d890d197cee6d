"""A review of the hints for names written another way, as a hostile user would write them: a
hint never names the wrong thing, never raises, and stays bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scendsl.suggest import _one_edit

_LETTERS = st.text(alphabet="abcx1", max_size=7)


def _osa_distance(a: str, b: str) -> int:
    """The optimal-string-alignment distance (Damerau-Levenshtein with adjacent swaps), the
    textbook dynamic programme, as the reference `_one_edit` is checked against."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


@settings(max_examples=3000, deadline=None)
@given(_LETTERS, _LETTERS)
def test_one_edit_is_a_damerau_levenshtein_distance_of_one(a, b):
    assert _one_edit(a, b) == (_osa_distance(a, b) == 1)
