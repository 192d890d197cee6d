"""Resource limits (issue 10, item 11): Monte Carlo memory, big sweeps in briefings, explain on a
variant of a big sweep, and the total of sweep variants across a file and a build."""

import time

import pytest

from scendsl.app.build import MAX_BUILD_SWEEP_ROWS, SWEEP_SAMPLE_ROWS, sweep_rows
from scendsl.cli import main
from scendsl.errors import ScenarioError
from scendsl.language.resolve import load_paths, load_text
from scendsl.model.uncertainty import MONTE_CARLO_MEMORY_BUDGET, check_sample_budget

SAMPLE = "scenarios/colossus2.scn"

BASE = """scenario base {
  title "Base"
  year 2026
  region US
  cluster {
    accelerator H100
    count 1000
  }
}
"""


def _write(tmp_path, text, name="s.scn"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ Monte Carlo memory
def test_eval_samples_one_billion_is_refused_not_allocated(capsys):
    started = time.perf_counter()
    assert main(["eval", SAMPLE, "--samples", "1000000000"]) == 2  # past the option's bound
    assert main(["eval", SAMPLE, "--samples", "100000000"]) == 1  # past the memory budget
    err = capsys.readouterr().err
    assert "GiB; the limit is 2 GiB" in err and "hint: use --samples" in err
    assert "internal error" not in err
    assert time.perf_counter() - started < 10


def test_build_samples_over_the_memory_budget_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["build", SAMPLE, "-o", str(out), "--samples", "100000000"]) == 1
    assert "the limit is 2 GiB" in capsys.readouterr().err
    assert not out.exists()


def test_sample_budget_counts_scenarios_held_together():
    scenarios = [s for s in load_paths(["scenarios"]).scenarios]
    check_sample_budget(scenarios, 10_000)  # the default is far inside
    with pytest.raises(ScenarioError):
        check_sample_budget(scenarios, MONTE_CARLO_MEMORY_BUDGET // 8)


# ------------------------------------------------------------------ big sweeps in briefings
def test_sweep_rows_small_sweeps_are_tabulated_whole_big_ones_sampled():
    assert sweep_rows(12, MAX_BUILD_SWEEP_ROWS) == list(range(12))
    rows = sweep_rows(1_000_000, MAX_BUILD_SWEEP_ROWS)
    assert len(rows) == SWEEP_SAMPLE_ROWS and rows[0] == 0 and rows[-1] == 999_999
    assert sweep_rows(100, 50) == sweep_rows(100, 50)  # deterministic
    assert len(sweep_rows(100, 50)) == SWEEP_SAMPLE_ROWS
    assert sweep_rows(100, 5) == [0, 50, 99]  # the build's budget is spent


def test_million_variant_sweep_briefing_is_summarised_not_tabulated(tmp_path, capsys):
    scn = _write(tmp_path, BASE + "sweep big from base {\n  cluster.count 1 .. 1000000\n}\n")
    out = tmp_path / "o"
    started = time.process_time()  # this process's CPU: the machine's load does not count
    assert main(["build", scn, "-o", str(out), "--samples", "0"]) == 0
    took = time.process_time() - started
    page = (out / "base.md").read_text(encoding="utf-8")
    assert max(len(line) for line in page.splitlines()) < 2_000  # was one 7.9 MB line
    assert "over 1, 2, 3, …, 1000000 (1,000,000 values)" in page
    assert "The table shows 11 evenly spaced variants of the 1,000,000" in page
    assert "| 1 |" in page and "| 1000000 |" in page
    # 1M H100 × 1,275 W × 1.075 × PUE 1.09 (hyperscale class, 2024 figure) = 1.49 GW
    assert "| *max of all* | $27.5 B | 1.49 GW |" in page  # USD 27.5k: the 2026 H100 price
    assert took < 20, took  # was 31 s


def test_sweep_caveats_are_linear_in_labels_and_variants(tmp_path):
    # Years past the data give extrapolation caveats for every variant; the caveat rows used to
    # scan every label of every axis once per variant.
    from scendsl.app.build import render_files

    scn = _write(
        tmp_path,
        BASE + "sweep far from base {\n  year 2030 .. 2040\n  cluster.count 1 .. 90000\n}\n",
    )
    started = time.perf_counter()
    files = render_files([scn], samples=0)
    assert time.perf_counter() - started < 20
    assert "990,000" in files["base.md"].decode()


# ------------------------------------------------------------------ explain on one variant
def test_explain_one_variant_of_a_million_variant_sweep_evaluates_it_alone(tmp_path, capsys):
    scn = _write(tmp_path, BASE + "sweep big from base {\n  cluster.count 1 .. 1000000\n}\n")
    main(["check", scn])  # imports warm
    started = time.process_time()
    assert main(["explain", scn, "big[cluster.count=999999]", "cluster.count"]) == 0
    assert time.process_time() - started < 3  # was 6 s: half a million variants made first
    assert "999,999" in capsys.readouterr().out


def test_variant_named_and_variant_at_agree_with_variants():
    sweep = load_paths(["scenarios"]).sweeps[0]
    for index, variant in enumerate(sweep.variants()):
        assert sweep.variant_at(index) == variant
        assert sweep.variant_named(variant.name) == variant
    assert sweep.variant_named(sweep.name + "[year=1999,cluster.count=50k]") is None
    assert sweep.variant_named(sweep.name + "[nonsense]") is None


# ------------------------------------------------------------------ total variants
def test_three_hundred_sweeps_in_one_file_are_capped_in_total_before_expansion():
    text = BASE + "".join(
        f"sweep s{i} from base {{ cluster.count 1 .. 4000 }}\n" for i in range(300)
    )
    started = time.process_time()
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "many.scn")
    assert time.process_time() - started < 2
    first = caught.value.diagnostics[0]
    assert "the sweeps together have more than 1,000,000 variants" in first.message
    assert first.span.file == "many.scn" and first.span.line == 10 + 250  # the 251st sweep


def test_total_variants_are_capped_across_the_files_of_a_build(tmp_path, capsys):
    one = _write(tmp_path, BASE + "sweep a from base { cluster.count 1 .. 600000 }\n", "one.scn")
    _write(tmp_path, "sweep b from base { cluster.count 1 .. 600000 }\n", "two.scn")
    assert main(["check", one]) == 0
    assert main(["check", str(tmp_path)]) == 1
    assert "sweeps together have more than 1,000,000" in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--max-variants", "2000000"]) == 0
