"""Whether a set of pairwise correlations can hold together.

Pairwise `correlate` statements are each fine on their own (ρ in [-1, 1]) yet can contradict one
another: a ~ b at 1, b ~ c at 1 and a ~ c at -1 describe no joint law. They can hold together
exactly when their correlation matrix is positive semidefinite. The matrices are small (one row per
correlated field), so a pure-Python Cholesky factorisation decides it without importing numpy on
the `check` path; the Monte Carlo uses the same factor when a matrix is only semidefinite (ρ = ±1),
which numpy's Cholesky refuses.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Round-off allowed on a pivot: correlations are written with a few digits, so a pivot this close
#: to zero is zero (a ρ = 1 pair), not a contradiction.
TOLERANCE = 1e-9


def psd_cholesky(matrix: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """A lower-triangular L with L·Lᵀ = matrix, or None when the matrix is not positive
    semidefinite. A zero pivot (perfectly correlated fields) gives a zero column instead of
    failing, as long as the rest of that column is zero too."""
    n = len(matrix)
    factor = [[0.0] * n for _ in range(n)]
    for j in range(n):
        pivot = matrix[j][j] - sum(factor[j][k] ** 2 for k in range(j))
        if pivot < -TOLERANCE:
            return None
        root = pivot**0.5 if pivot > TOLERANCE else 0.0
        factor[j][j] = root
        for i in range(j + 1, n):
            rest = matrix[i][j] - sum(factor[i][k] * factor[j][k] for k in range(j))
            if root == 0.0:
                if abs(rest) > TOLERANCE**0.5:
                    return None
                continue
            factor[i][j] = rest / root
    return factor


def correlation_matrix(pairs: dict[tuple[str, str], float]) -> tuple[list[str], list[list[float]]]:
    """The names (sorted) and the matrix of pairwise correlations, 1 on the diagonal."""
    names = sorted({name for pair in pairs for name in pair})
    index = {name: i for i, name in enumerate(names)}
    matrix = [[1.0 if i == j else 0.0 for j in range(len(names))] for i in range(len(names))]
    for (a, b), rho in pairs.items():
        matrix[index[a]][index[b]] = matrix[index[b]][index[a]] = rho
    return names, matrix


def consistent(pairs: dict[tuple[str, str], float]) -> bool:
    """Whether the pairwise correlations describe a joint law (their matrix is PSD)."""
    return psd_cholesky(correlation_matrix(pairs)[1]) is not None
