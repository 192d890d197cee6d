"""How much one build shows: the bounds that keep a build of valid scenarios within its time,
memory and the templates' own limits, checked once before anything is evaluated.

Every scenario is a page (about 12 ms of the templates' CPU time and 2 MB of memory on the
reference machine) and a row of each topical page; every reference is a row beside them, and
the compute divide's figures grow with scenarios × references; every sweep is a section of its
base scenario's page (its rows are bounded by build.MAX_BUILD_SWEEP_ROWS). Without these bounds
a file of 1,000 one-line scenarios (`scenario sN extends base {}`), 6,000 references or 1,500
sweeps — all within the parser's limits — ran up to a minute, held up to 1.5 GB and then failed with
an error blaming a built-in template ("rendering took longer than 10 s", "the template writes
more than 20,000,000 characters"). At the bounds together (150 scenarios, 25 references and
20 sweeps of 100 variants) the built-in templates take 3.7 s of the 10 s of CPU time the
templates have (sandbox.RENDER_SECONDS), the largest page is 14 MB of the 20,000,000
characters a page may have (sandbox.MAX_TEMPLATE_OUTPUT), and the build holds 970 MB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scendsl.errors import DiagnosticSink

if TYPE_CHECKING:
    from scendsl.scenario import ScenarioSet

#: Scenarios one build makes pages for.
MAX_BUILD_SCENARIOS = 150
#: References (`reference NAME { ... }`) one build compares the scenarios with, besides the
#: catalog's.
MAX_BUILD_REFERENCES = 25
#: Sweeps one build tabulates.
MAX_BUILD_SWEEPS = 20


def check_build_size(scenarios: ScenarioSet) -> None:
    """Refuse a build that would show more scenarios, references or sweeps than the bounds
    above: a located error at the first definition beyond each bound (ScenarioError)."""
    sink = DiagnosticSink(loaded=scenarios.texts)
    # Every scenario carries the references of the files loaded: the first few hold them all.
    references = {
        name: reference
        for scenario in scenarios.scenarios[: MAX_BUILD_SCENARIOS + 1]
        for name, reference in scenario.references.items()
    }
    kinds = (
        ("scenarios", list(scenarios.scenarios), MAX_BUILD_SCENARIOS),
        ("references", list(references.values()), MAX_BUILD_REFERENCES),
        ("sweeps", list(scenarios.sweeps), MAX_BUILD_SWEEPS),
    )
    for kind, found, bound in kinds:
        if len(found) > bound:
            sink.error(
                f"a build shows at most {bound:,} {kind}; these files define {len(found):,} "
                f"(this is the {ordinal(bound + 1)})",
                found[bound].span,
                "build them in parts: a folder or file each, into an output folder each "
                "(`scendsl check` and `scendsl eval` take them all)",
            )
    sink.raise_if_errors()


def ordinal(number: int) -> str:
    """`151st`, `22nd`, `113th`."""
    if 10 <= number % 100 <= 20:
        return f"{number:,}th"
    return f"{number:,}" + {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
