"""The thirty-first hostile-input review (docs/security.md, items 217 on). Each test is named
after the problem it pins."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import tempfile
import threading
from pathlib import Path

import pytest

import scendsl
from scendsl.cli import main
from scendsl.errors import ScenarioError
from tests.factories import scenario_text
from tests.test_diff_security import git


def _errors(text: str) -> list:
    """The errors loading `text` gives (each located)."""
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(text)
    return [d for d in raised.value.diagnostics if d.severity == "error"]


# ------------- item 217: `diff --git` names a revision's files as `REV:path`
def test_diff_git_names_a_revisions_broken_file_at_the_revision_not_its_temporary_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """`scendsl diff --git HEAD` loads the revision's files from a temporary copy; when that side
    did not load, its errors named the copy (`$TMPDIR/scendsl-diff-…/scenarios/a.scn:1:8`, an
    import message naming `$TMPDIR/…/b.scn`), a folder removed before the user reads the message,
    where the snapshot's own errors say `HEAD:scenarios/a.scn`."""
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    broken = 'import "b.scn"\nscenario s extends t {\n  cluster.count 1000\n}\n'
    (repo / "scenarios" / "a.scn").write_text(broken)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "scenarios" / "a.scn").write_text(
        "scenario s {\n  year 2026\n  region US\n  cluster.accelerator H100\n"
        "  cluster.count 1000\n}\n"
    )
    monkeypatch.chdir(repo / "scenarios")
    assert main(["diff", "--git", "HEAD", "a.scn"]) == 1
    text = capsys.readouterr().err
    assert "HEAD:scenarios/a.scn:1:8: error: imported file 'HEAD:scenarios/b.scn'" in text
    assert "HEAD:scenarios/a.scn:2:20: error:" in text
    assert main(["diff", "--git", "HEAD", "a.scn", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    files = {d["span"]["file"] for d in document["diagnostics"]}
    assert files == {"HEAD:scenarios/a.scn"}
    assert tempfile.gettempdir() not in json.dumps(document)


# ------------- item 218: the tensor degree divides the key/value heads and the MLP's width
_WIDTHS = (
    "  workload {\n    parameters 70B\n    tokens 1T\n    attention_heads H\n    kv_heads K\n"
    "    ffn_hidden_size F\n    parallelism tensor T, pipeline 1, data auto\n  }\n"
)


def _widths(heads: int, kv: int, ffn: int, tensor: int) -> str:
    return (
        _WIDTHS.replace(" H\n", f" {heads}\n")
        .replace(" K\n", f" {kv}\n")
        .replace(" F\n", f" {ffn}\n")
        .replace(" T,", f" {tensor},")
    )


@pytest.mark.parametrize(
    ("body", "field", "told", "sweep"),
    [
        (
            _widths(96, 8, 28704, 12),
            "kv_heads",
            "tensor degree 12 does not divide the model's 8 ",
            None,
        ),
        (_widths(64, 8, 28673, 8), "ffn_hidden_size", "28,673 units of MLP width", None),
        (
            _widths(96, 8, 28672, 8),
            "kv_heads",
            "the model's 12 key/value heads",
            "workload.kv_heads [8, 16, 12]",
        ),
        (
            _widths(64, 8, 28672, 8),
            "ffn_hidden_size",
            "the model's 28,676 units",
            "workload.ffn_hidden_size [28672, 28676]",
        ),
    ],
)
def test_a_tensor_degree_that_splits_the_key_value_heads_or_mlp_unevenly_is_refused(
    body: str, field: str, told: str, sweep: str | None
):
    """Item 216 held the tensor degree to the attention heads alone: `tensor 12` on 96 heads
    and 8 key/value heads (each rank two thirds of a key/value head, which Megatron-Core's
    `num_query_groups` check refuses) and `tensor 8` on an MLP 28,673 wide (3,584.1 columns a
    rank) were taken. Each is refused at the `parallelism` line with the field's line related,
    and a sweep's variant at the sweep's line."""
    text = scenario_text("s", count=1024, body=body)
    if sweep is not None:
        text += f"\nsweep w from s {{\n  {sweep}\n}}\n"
    (error,) = _errors(text)
    assert told in error.message, error.message
    lines = text.splitlines()
    if sweep is None:
        assert lines[error.span.line - 1].strip().startswith("parallelism")
        assert lines[error.related[0][1].line - 1].strip().startswith(field)
    else:
        assert lines[error.span.line - 1].strip() == sweep
        assert scendsl.load_text(text.replace(sweep, sweep.split(",")[0] + "]")).sweeps


@pytest.mark.parametrize(("kv", "tensor"), [(1, 4), (8, 16), (32, 16), (8, 8)])
def test_key_value_heads_fewer_than_the_tensor_ranks_are_copied_not_refused(kv: int, tensor: int):
    """Fewer key/value heads than tensor ranks are copied to each group of ranks (multi-query
    attention under `tensor 4`, as StarCoder and PaLM trained; Llama 3.1 8B under `tensor 16` on
    Trainium): taken whenever the heads and the degree divide one another."""
    assert scendsl.load_text(scenario_text("s", count=1024, body=_widths(64, kv, 28672, tensor)))


# ------------- item 219: a per-stage count of layers is at most one stage's layers
_STAGES = (
    "  workload {\n    parameters 70B\n    tokens 1T\n    layers 80\n    recompute full\n"
    "    FIELD\n    parallelism tensor 1, pipeline 4, data auto\n  }\n"
)


@pytest.mark.parametrize(
    ("field", "sweep"),
    [
        ("recompute_num_layers 40", None),
        ("activation_offload_layers 21", None),
        ("recompute_num_layers 20", "workload.recompute_num_layers [10, 40, 20]"),
        ("activation_offload_layers 4", "workload.activation_offload_layers [4, 30]"),
    ],
)
def test_a_per_stage_count_of_layers_above_one_stages_layers_is_refused(
    field: str, sweep: str | None
):
    """`recompute_num_layers` and `activation_offload_layers` count the layers of one pipeline
    stage (Megatron-LM's block method, Megatron Bridge's offloading) and were bounded by the
    model's layers: under `pipeline 4` on 80 layers, `recompute_num_layers 40` (the run's
    total, as an analyst may mean it) was read as every layer of each 20-layer stage without a
    word. It is refused at its line (a sweep's variant at the sweep's line), the layout
    related."""
    text = scenario_text("s", count=1024, body=_STAGES.replace("FIELD", field))
    if sweep is not None:
        text += f"\nsweep w from s {{\n  {sweep}\n}}\n"
    (error,) = _errors(text)
    name = (sweep or field).split(" ")[0].removeprefix("workload.")
    assert f"'workload.{name}' is " in error.message, error.message
    assert "more than the 20 layers of one pipeline stage" in error.message
    lines = text.splitlines()
    assert lines[error.span.line - 1].strip() == (sweep or field)
    assert lines[error.related[0][1].line - 1].strip().startswith("parallelism")
    if sweep is not None:
        assert scendsl.load_text(text.replace(sweep, sweep.split(",")[0] + "]")).sweeps
    assert scendsl.load_text(text.replace("pipeline 4", "pipeline 1"))


# ------------- item 220: `scendsl list` pads its columns in terminal cells
def test_list_columns_stay_aligned_past_combining_marks_and_wide_characters():
    """`scendsl list regions` padded its plain columns by code points: 'Abū Z̧aby' (a Z and a
    combining cedilla, ISO 3166's name of AE-AZ) pulled the rest of its row one cell left of
    every other row's, and a wide character (a CJK name) would push its row right. Columns are
    padded in terminal cells."""
    import io

    from rich.cells import cell_len

    from scendsl.report.listing import Column, Listing, listing, write_plain

    made = Listing(
        "regions",
        (Column("code", "code"), Column("name", "name"), Column("years", "years")),
        [
            {"code": "AE-AZ", "name": "Abū Z\u0327aby", "years": "2024"},
            {"code": "JP-13", "name": "東京都", "years": "2024"},
            {"code": "US", "name": "United States", "years": "2024"},
        ],
    )
    for table in (made, listing("regions")):
        out = io.StringIO()
        write_plain(out, table)
        starts = set()
        for line in out.getvalue().split("\n\n")[0].splitlines():  # the rows, not the note
            # the last column starts after the second run of two or more blanks
            head = line[: [m.end() for m in re.finditer(r"\s{2,}", line)][1]]
            starts.add(cell_len(head))
        assert len(starts) == 1, starts


# ------------- item 221: the importers of a document are found at the cost of a stat a file
def test_finding_a_documents_importers_costs_a_stat_of_each_neighbour_not_a_realpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """At each pause in typing the language server looks for the files of the document's
    folder that import it (their import lines are kept, keyed by each file's stamp). It
    resolved every neighbour twice with `realpath` (six system calls apiece) beside its `stat`:
    in a folder of 20,000 scenario files 0.52 s of CPU at every pause, eleven times the stats
    themselves. The folder is real, so only a link among its entries is resolved."""
    from scendsl.lsp.workspace import Workspace
    from tests.security_helpers import cpu_ratio

    # A workspace's files were written before the editor opened it: their stamps have settled.
    # Files written just now settle two seconds later (a file within its clock's tick is read
    # again at each look, rightly), so the figure depended on how fast the machine wrote them.
    monkeypatch.setattr("scendsl.files.settled.SETTLING_NS", 0)
    for index in range(5000):
        (tmp_path / f"f{index:05d}.scn").write_text(f"scenario s{index} {{\n  year 2026\n}}\n")
    (tmp_path / "b.scn").write_text('import "f00001.scn"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.scn").write_text('import "../f00001.scn"\n')
    (tmp_path / "link.scn").symlink_to(elsewhere / "c.scn")
    workspace = Workspace(str(tmp_path))
    target = str(tmp_path / "f00001.scn")
    assert workspace.importers(target) == [str(tmp_path / "b.scn"), str(elsewhere / "c.scn")]
    neighbours = [str(path) for path in tmp_path.glob("*.scn")]

    def stats() -> None:
        for path in neighbours:
            os.stat(path)

    finding, stating = cpu_ratio(lambda: workspace.importers(target), stats, runs=3)
    assert finding < 5 * stating, (finding, stating)


# ------------- item 222: a build whose chart worker hangs draws its charts itself
def test_a_build_whose_chart_worker_is_stopped_finishes_with_the_same_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Item 191 drew the charts in the build's own process once the chart worker died; a
    worker alive but stopped (`kill -STOP`, a debugger, a lock it never gets) was waited for
    for ever, a chart at a time and again for the text layouts it keeps. A worker that owes an
    answer and uses no CPU for `WORKER_STALL` seconds is taken for lost: the build finishes,
    with the charts it would have drawn."""
    from scendsl.app import build as build_module
    from scendsl.app import pools
    from scendsl.app.build import render_files
    from tests.security_helpers import SCENARIO
    from tests.test_security_review29 import _during_evaluation

    path = tmp_path / "s.scn"
    path.write_text(SCENARIO)
    monkeypatch.setenv("SCENDSL_JOBS", "1")
    alone = render_files([str(path)], samples=0)

    monkeypatch.setenv("SCENDSL_JOBS", "2")
    monkeypatch.setattr(pools, "WORKER_STALL", 1.0, raising=False)  # new with the fix
    forked: list = []

    def chart_pool():
        forked.append(pools.chart_pool())
        return forked[-1]

    def stop_the_worker() -> None:
        if forked and forked[0] is not None:
            forked[0].apply(int)  # started: the worker waits for its next task
            for process in forked[0]._pool:
                os.kill(process.pid, signal.SIGSTOP)

    monkeypatch.setattr(build_module, "chart_pool", chart_pool)
    _during_evaluation(monkeypatch, stop_the_worker)
    built: list[dict[str, bytes]] = []
    builder = threading.Thread(
        target=lambda: built.append(render_files([str(path)], samples=0)), daemon=True
    )
    try:
        builder.start()
        builder.join(120)  # it waited for ever for the charts sent to the stopped worker
    finally:
        for pool in filter(None, forked):
            for process in pool._pool:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
    if forked == [None]:
        pytest.skip("no chart worker on this machine (one core, or not Linux)")
    assert built, "the build never finished"
    assert built[0] == alone


# ------------- item 223: a revision named by its message is read as git reads it
def test_diff_git_reads_a_revision_named_by_its_commit_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """`scendsl diff --git ':/text'` (the newest commit whose message matches, as `git show`
    reads it) was refused, "no such commit or tree": the snapshot asked git for `REV^{tree}`,
    and git read the `^{tree}` as part of the message's text. The revision is resolved first,
    then its tree; a name git does not know is still refused."""
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    source = repo / "scenarios" / "a.scn"
    source.write_text(scenario_text("s", count=1000))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "the thousand-accelerator plan")
    source.write_text(scenario_text("s", count=2000))
    git(repo, "commit", "-qam", "doubled")
    source.write_text(scenario_text("s", count=4000))
    monkeypatch.chdir(repo)
    assert main(["diff", "--git", ":/thousand-accelerator", "scenarios"]) == 0
    assert "cluster.count: 1,000 → 4,000" in capsys.readouterr().out
    assert main(["diff", "--git", ":/no commit says this", "scenarios"]) == 1
    assert "no such commit or tree" in capsys.readouterr().err


# ------------- item 224: a figure made of infinite figures is told so, not as its own input
def test_an_undecided_claim_on_a_ratio_of_infinite_costs_names_the_costs():
    """A run that never finishes (10⁹ H100 at the catalog's failure rate) costs ∞ rented and
    ∞ owned, and `market.rent_to_own_ratio`, ∞ ÷ ∞, has no value: n/a everywhere, and a claim
    on it undecided. The `claim-undecided` warning said "no value for
    market.rent_to_own_ratio", the ratio itself as the input missing, and `explain` named no
    reason; both now name the two infinite costs it is made of."""
    from scendsl.model.evaluate import evaluate
    from scendsl.report.explain import explain_text
    from scendsl.report.warnings import scenario_warnings
    from tests.test_security_review6 import NEVER_FINISHES

    text = NEVER_FINISHES.replace("}\n}\n", "}\n  expect market.rent_to_own_ratio > 1\n}\n")
    result = evaluate(scendsl.load_text(text).scenarios[0])
    (warning,) = [w for w in scenario_warnings(result) if w.rule == "claim-undecided"]
    assert "market.rental_cost and market.owned_run_cost" in warning.text, warning.text
    assert "no value for market.rent_to_own_ratio" not in warning.text
    head = explain_text(result, "market.rent_to_own_ratio").split("\n\n")[1]
    assert "made of infinite figures" in head and "market.owned_run_cost" in head


# ------------- item 225: a figure is offered for two metrics only when they are its two sides
@pytest.mark.parametrize(
    ("claim", "offered"),
    [
        ("market.rental_cost > market.rental_cost_ideal", None),
        ("market.owned_run_cost < market.capex", None),
        ("divide.peak > cluster.peak_bf16", None),
        ("market.rental_cost > market.capex", "market.rent_to_own_ratio"),
        ("cluster.peak_bf16 < divide.public_resource_peak", "divide.public_resource_ratio"),
    ],
)
def test_a_claim_comparing_two_metrics_of_one_side_is_not_offered_the_ratio_of_both_sides(
    claim: str, offered: str | None
):
    """A claim comparing two metrics is offered the one figure the model computes from them
    (not_modelled.toml `between`), and any two of a list were taken for that pair: the rental
    cost against itself without interruptions was offered `market.rent_to_own_ratio`, renting
    against buying, and the cluster's peak at its precision against its BF16 peak
    `divide.public_resource_ratio`, the cluster against its national resource. The figure is
    offered for one metric of each side; and the error says the claim compares two metrics
    (it said "'market.rental_cost' is a number measured in USD, not a category: 'market.capex'
    is no value of it")."""
    from tests.test_not_modelled import _claim

    error = _claim(claim)
    metric, _, other = claim.split(" ")
    assert error.message == f"'{metric}' is compared with another metric, '{other}'"
    if offered is None:
        assert "write a claim with its own figure for each" in error.hint
    else:
        assert f"`expect {offered} > 1`" in error.hint


# ------------- item 226: a need a child cannot remove is undone by a value that needs nothing
@pytest.mark.parametrize("field", ["weight_precision", "attention_precision"])
def test_a_child_training_in_bf16_under_a_parent_with_fp8_options_is_told_what_to_write(
    field: str,
):
    """`weight_precision fp8` and `attention_precision fp8` need an FP8 or FP4 recipe, and a
    scenario extending an FP8 run to ask what BF16 would do (`workload.precision bf16`) was
    told "write 'workload.precision fp8' (or fp4), or remove 'workload.weight_precision'": it
    cannot remove what it inherits. The hint offers the field's value that needs nothing, which
    the child can write, and the child that writes it loads."""
    parent = scenario_text(
        "s",
        body=f"  workload {{\n    parameters 7B\n    tokens 1T\n    precision fp8\n"
        f"    {field} fp8\n  }}\n",
    )
    child = parent + "\nscenario t extends s {\n  workload.precision bf16\n}\n"
    (error,) = _errors(child)
    assert f"or write 'workload.{field} bf16'" in error.hint, error.hint
    assert "or remove" not in error.hint
    fixed = child.replace(
        "  workload.precision bf16\n", f"  workload.precision bf16\n  workload.{field} bf16\n"
    )
    assert scendsl.load_text(fixed).get("t") is not None
