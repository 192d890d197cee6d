"""Every scenario field an input node reads through the context is its own or one its declared
inputs read (`input_node(..., inputs=...)`): an input that takes its default from the framework,
looks a figure up for the accelerator or reads the parallel degrees says so in the registry.

The reads are recorded (scendsl.model.trace) for every input node over the sample scenarios and
the validation cases; a read that neither the node's own field nor a declared input accounts
for fails, naming the node and the field."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model import domains  # noqa: F401  (registers every node)
from scendsl.model.registry import REGISTRY, Node
from scendsl.model.trace import WHOLE, traced_found
from scendsl.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
#: What says where a value was written and how (its line, its citation, its currency, the
#: scenario's name in a message): not a value the input depends on.
PROVENANCE = frozenset({"origins", "citations", "currencies", "name", "span", "inherited"})
#: What an input stands for beside its `scenario_field` (or its name), where that is not one
#: field of the language's table: the accelerator is its name and the blocks that define it;
#: the degrees are written inside `parallelism`, and the tensor and pipeline degrees the model
#: chooses when none are written are chosen over the whole scenario (`Context.chosen_layout`,
#: a read of everything); the mix is one list; the comparison precision is the set's setting.
ALSO_OWN = {
    "cluster.accelerator": frozenset({"accelerators"}),
    "workload.tensor_parallel": frozenset({WHOLE, "workload.parallelism.tensor"}),
    "workload.pipeline_parallel": frozenset({WHOLE, "workload.parallelism.pipeline"}),
    "workload.context_parallel": frozenset({"workload.parallelism.context"}),
    "workload.data_parallel_setting": frozenset({"workload.parallelism.data"}),
    "workload.microbatches_setting": frozenset({"workload.parallelism.microbatches"}),
    "workload.interleave": frozenset({"workload.parallelism.interleave"}),
    "workload.expert_parallel": frozenset({"workload.parallelism.expert"}),
    "performance.layout_written": frozenset({"workload.parallelism"}),
    "energy.mix_shares": frozenset({"energy.mix"}),
    "divide.precision": frozenset({"comparison_precision"}),
    # its value names a reference block, the scenario's own or the catalog's
    "divide.public_resource": frozenset({"references"}),
}


def scenarios() -> Iterator[Scenario]:
    for folder in (ROOT / "scenarios", ROOT / "validation" / "cases"):
        for path in sorted(folder.glob("*.scn")):
            yield from scendsl.load(str(path)).scenarios


def own_fields(node: Node) -> frozenset[str]:
    return frozenset({node.scenario_field or node.name}) | ALSO_OWN.get(node.name, frozenset())


@cache
def recorded_reads() -> dict[str, list[dict[str, frozenset[str]]]]:
    """Scenario name -> the fields each input node read evaluating it, by node."""
    catalog = load_catalog()
    inputs = [n for n in REGISTRY.inputs() if "{ref}" not in n.name]
    found: dict[str, list[dict[str, frozenset[str]]]] = {}
    for scenario in scenarios():
        reads = {n.name: frozenset(traced_found(n, None, scenario, catalog)[1]) for n in inputs}
        found.setdefault(scenario.name, []).append(reads)
    return found


def accounted(node: Node, reads: dict[str, frozenset[str]]) -> frozenset[str]:
    """What the node may read: its own fields, and all that its declared inputs (and theirs)
    read."""
    allowed, stack, seen = set(own_fields(node)), list(node.inputs), set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        declared = REGISTRY[name]
        allowed |= own_fields(declared) | reads.get(name, frozenset())
        stack.extend(declared.inputs)
    return frozenset(allowed)


def undeclared() -> dict[str, set[str]]:
    """Node name -> the fields it read that neither its own nor a declared input's are."""
    missing: dict[str, set[str]] = {}
    for runs in recorded_reads().values():
        for reads in runs:
            for name, read in reads.items():
                extra = read - PROVENANCE - accounted(REGISTRY[name], reads)
                if extra:
                    missing.setdefault(name, set()).update(extra)
    return missing


def test_every_field_an_input_reads_is_its_own_or_a_declared_inputs():
    missing = undeclared()
    assert not missing, "\n".join(f"{n}: {sorted(f)}" for n, f in sorted(missing.items()))


def test_the_recording_sees_an_undeclared_read():
    # The framework's default for recomputation, with its declared inputs taken away, reads
    # the framework (and the accelerator that may choose it) undeclared.
    node = REGISTRY["workload.recompute"]
    bare = Node(node.name, "input", node.dimension, node.meaning, node.compute)
    runs = next(iter(recorded_reads().values()))
    extra = runs[0][node.name] - PROVENANCE - accounted(bare, runs[0])
    assert "workload.framework" in extra


def test_explain_shows_the_inputs_an_input_reads():
    from scendsl.report.explain import explain_tree

    text = (ROOT / "scenarios" / "benchmarks.scn").read_text(encoding="utf-8")
    result = scendsl.evaluate(scendsl.load_text(text).scenarios[0])
    for name in ("workload.sequence_parallel", "accelerator.bf16_dense"):
        children = [child["name"] for child in explain_tree(result, name).get("inputs", [])]
        assert children == list(REGISTRY[name].inputs) and children


def test_a_default_that_follows_a_written_change_is_put_under_that_change_alone(tmp_path):
    # DeepSpeed for Megatron and twice the tokens: the recomputation default follows the
    # framework, so the activation memory (which the tokens do not change) is moved by the
    # framework alone, not by every written change.
    from scendsl.app.pipeline import load, review
    from scendsl.report.diff import diff_results
    from tests.factories import scenario_text

    def side(folder: str, framework: str, tokens: str):
        body = (
            f"  workload {{\n    parameters 70B\n    tokens {tokens}\n    layers 80\n"
            f"    framework {framework}\n    parallelism tensor 8, pipeline 4, data auto\n  }}\n"
        )
        path = tmp_path / folder / "s.scn"
        path.parent.mkdir()
        path.write_text(scenario_text("s", count=1024, body=body), encoding="utf-8")
        return review(load([str(path.parent)]))

    old, new = side("old", "megatron", "1T"), side("new", "deepspeed", "2T")
    (entry,) = diff_results(old.results, new.results).scenarios
    moved = {change.name: change.moved_by for change in entry.metrics}
    assert moved["performance.activation_memory"] == ("workload.framework",)
