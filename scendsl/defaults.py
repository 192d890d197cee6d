"""Defaults shared by the command line, the library API and the model, written once.

Plain constants and no imports: anything may read them, even `scendsl check` at start-up.
"""

#: The Monte Carlo seed: fixed so that every run of the same scenario gives the same numbers.
DEFAULT_SEED = 20251126

#: Monte Carlo draws per scenario with ranges (`--samples`, the briefings).
DEFAULT_SAMPLES = 10_000

#: Most variants a sweep may have (`--max-variants`): bigger ones are refused when loaded.
DEFAULT_MAX_VARIANTS = 1_000_000
