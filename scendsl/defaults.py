"""Defaults shared by the command line, the library API and the model, written once.

Plain constants and no imports beyond `typing`: anything may read them, even `scendsl check`
at start-up.
"""

from typing import Literal, get_args

#: The Monte Carlo seed: fixed so that every run of the same scenario gives the same numbers.
DEFAULT_SEED = 20251126

#: Monte Carlo draws per scenario with ranges (`--samples`, the briefings).
DEFAULT_SAMPLES = 10_000

#: Most variants a sweep may have (`--max-variants`): bigger ones are refused when loaded.
DEFAULT_MAX_VARIANTS = 1_000_000

#: The training frameworks `workload.framework` accepts, declared once: the scenario type, the
#: language's choices, the model's per-framework defaults and shares, and the editor's completions
#: all read this list (each name needs its defaults in catalog/frameworks.toml and
#: `framework_efficiency_<name>` in calibration.toml; the catalog checks both when it loads).
Framework = Literal["megatron", "deepspeed", "neox", "fsdp", "jax"]
FRAMEWORKS: tuple[str, ...] = get_args(Framework)
