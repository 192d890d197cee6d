"""Stage 2: parsed documents → `ScenarioSet` (typed scenarios and sweeps).

The entry points of the language: `load_paths`, `load_text` and `load_documents` (reading files
and their imports: `scendsl.language.loading`) and `resolve`, which runs the resolver's passes
(`scendsl.language.passes`: definitions → extends → values → claims → sweeps; values are
read by `scendsl.language.values`). Every mistake becomes a located diagnostic; all of them are
reported together.
"""

from __future__ import annotations

from scendsl.defaults import DEFAULT_MAX_VARIANTS
from scendsl.language.loading import (
    MAX_IMPORT_DEPTH,
    ParsedFiles,
    load_documents,
    load_paths,
    load_text,
    scenario_files,
)
from scendsl.language.passes import Resolver, resolve
from scendsl.language.passes.definitions import DEFINITION_KEYWORDS
from scendsl.language.passes.state import MAX_EXTENDS_DEPTH
from scendsl.language.values import MAX_STRING_LENGTH, MAX_WHOLE_NUMBER

__all__ = [
    "DEFAULT_MAX_VARIANTS",
    "DEFINITION_KEYWORDS",
    "MAX_EXTENDS_DEPTH",
    "MAX_IMPORT_DEPTH",
    "MAX_STRING_LENGTH",
    "MAX_WHOLE_NUMBER",
    "ParsedFiles",
    "Resolver",
    "load_documents",
    "load_paths",
    "load_text",
    "resolve",
    "scenario_files",
]
