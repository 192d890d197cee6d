"""What the passes share: the definitions found, and what was already built or read."""

from __future__ import annotations

from dataclasses import dataclass, field

from scendsl.errors import DiagnosticSink
from scendsl.language.names import CatalogNames
from scendsl.language.syntax import Statement
from scendsl.scenario import CustomAccelerator, ReferenceEntity

#: How deep `extends` chains (of scenarios, of accelerators) may go.
MAX_EXTENDS_DEPTH = 64


@dataclass
class Definition:
    """One top-level block: `scenario`, `sweep`, `accelerator` or `reference` NAME { ... }."""

    kind: str
    name: str
    statement: Statement
    file: str


@dataclass
class ResolverState:
    """The state of one resolution, shared by its passes."""

    sink: DiagnosticSink
    #: Only the names are needed here: the full catalog (or a `CatalogNames`) will do.
    catalog: CatalogNames
    max_variants: int
    definitions: dict[str, Definition] = field(default_factory=dict)
    accelerators: dict[str, Definition] = field(default_factory=dict)
    references: dict[str, Definition] = field(default_factory=dict)
    order: list[Definition] = field(default_factory=list)
    #: The set-level `briefings` block (at most one).
    briefings: list[Statement] = field(default_factory=list)
    #: Accelerators already built (None after an error): an extends chain builds each parent once.
    built_accelerators: dict[str, CustomAccelerator | None] = field(default_factory=dict)
    #: The `reference` blocks, built before the scenarios (`compare_with` names them).
    built_references: dict[str, ReferenceEntity] = field(default_factory=dict)
    #: How many custom accelerators each custom accelerator extends, through its parents.
    accelerator_depths: dict[str, int] = field(default_factory=dict)
    #: Value of each scenario line already read (None after an error), the source written
    #: after it (None if none) and the currency of a price not in USD, by id of its Statement.
    read_values: dict[int, tuple[object, str | None, str | None]] = field(default_factory=dict)
    #: Variants of the sweeps built so far: all the sweeps of one load (a file, or every file of
    #: a build) share the `max_variants` cap, so 300 sweeps cannot add up to hundreds of millions.
    total_variants: int = 0
