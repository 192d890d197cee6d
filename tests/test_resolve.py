import math

import pytest

import scendsl
from conftest import SKETCH
from scendsl.errors import ScenarioError
from scendsl.scenario import Uncertain

HEADER = """
scenario base {
  title "Base"
  year 2026
  region US
  cluster {
    accelerator GB200
    count 100k
    mfu 40%
  }
  energy {
    mix stranded_gas 60%, solar 25%, grid 15%
    pue 1.25
    price 45 USD/MWh
  }
  workload {
    parameters 2T
    tokens 40T
    precision fp8
    parallelism tensor 8, pipeline 16, data auto
  }
  market.unit_price 30k USD
  expect energy.facility_power >= 500 MW "over 500 MW"
}
"""


def load(text):
    return scendsl.load(text)


def test_the_language_sketch_resolves_as_written():
    result = scendsl.load(str(SKETCH))
    names = [s.name for s in result.scenarios]
    assert names == ["colossus2", "colossus2_h100", "colossus2_uncertain"]
    colossus = result.get("colossus2")
    assert colossus.cluster.count == 100_000
    assert colossus.energy.price == pytest.approx(45 / 3.6e9)
    assert [c.metric for c in colossus.claims] == [
        "cluster.peak_fp8",
        "energy.facility_power",
        "reliability.failures_per_day",
    ]
    assert colossus.claims[0].value == 90e18 and colossus.claims[0].dimension == "flop_rate"
    assert "MI355X" in colossus.accelerators and "open_lab" in colossus.references
    mi355x = colossus.accelerators["MI355X"]
    assert mi355x.base == "MI300X" and mi355x.figures["tdp"] == 1400
    assert isinstance(mi355x.figures["fp8_dense"], Uncertain)
    assert [s.name for s in result.sweeps] == ["colossus2_buildout"]


def test_sections_and_values_are_typed_in_si():
    scenario = load(HEADER).get("base")
    assert scenario.cluster.mfu == 0.4
    assert [(m.source, m.share) for m in scenario.energy.mix] == [
        ("stranded_gas", 0.6),
        ("solar", 0.25),
        ("grid", 0.15),
    ]
    assert scenario.workload.parameters == 2e12
    assert scenario.workload.parallelism.tensor == 8
    assert scenario.workload.parallelism.data is None  # auto
    assert scenario.market.unit_price == 30_000
    assert scenario.origins["cluster.count"].line == 8


def test_extends_applies_dotted_overrides_deeply_and_chains():
    scenario = load(
        HEADER
        + """
scenario h100 extends base {
  cluster.accelerator H100
}
scenario h100_small extends h100 {
  cluster { count 1k }
}
"""
    ).get("h100_small")
    assert scenario.cluster.accelerator == "H100"
    assert scenario.cluster.count == 1000
    assert scenario.cluster.mfu == 0.4  # from base, two levels up
    assert scenario.extends == ("h100", "base")
    assert scenario.origins["cluster.mfu"].line == 9


def test_extends_cycle_is_an_error():
    with pytest.raises(ScenarioError, match="extends itself"):
        load("""
scenario a extends b {
  year 2026
}
scenario b extends a {
  region US
}
""")


def test_uncertain_values_keep_their_distribution():
    scenario = load(
        HEADER
        + """
scenario u extends base {
  cluster.mfu 30% to 45%
  energy.pue 1.25 ± 10%
}
"""
    ).get("u")
    mfu, pue = scenario.cluster.mfu, scenario.energy.pue
    assert (mfu.kind, mfu.low, mfu.high) == ("interval", 0.3, 0.45)
    assert mfu.center == pytest.approx(math.sqrt(0.3 * 0.45))
    assert (pue.kind, pue.center, pue.rel) == ("relative", 1.25, 0.1)
    assert pue.low == pytest.approx(1.125) and pue.high == pytest.approx(1.375)


def test_sweep_is_a_cartesian_product_with_deterministic_names():
    result = load(
        HEADER
        + """
sweep buildout from base {
  year 2025 .. 2027
  cluster.count [50k, 100k]
}
"""
    )
    sweep = result.sweeps[0]
    assert sweep.size == 6
    variants = list(sweep.variants())
    assert [v.name for v in variants][:3] == [
        "buildout[year=2025,cluster.count=50k]",
        "buildout[year=2025,cluster.count=100k]",
        "buildout[year=2026,cluster.count=50k]",
    ]
    assert variants[3].year == 2026 and variants[3].cluster.count == 100_000
    assert variants[3].cluster.mfu == 0.4
    assert variants[3].sweep_point == {"year": "2026", "cluster.count": "100k"}


def test_sweep_cap_is_checked_before_expansion():
    with pytest.raises(ScenarioError, match="larger than 10 variants"):
        scendsl.load(HEADER + "sweep w from base {\n  year 2000 .. 2100\n}\n", max_variants=10)


def test_claims_keep_operator_tolerance_quote_and_location():
    scenario = load(
        HEADER
        + """
scenario c extends base {
  expect cluster.peak_fp8 ~= 500 EFLOPS ± 10% "about 500"
  expect reliability.failures_per_day > 1
}
"""
    ).get("c")
    # Claims are not inherited: the child states its own (the parent's quote is about the parent).
    approx, plain = scenario.claims
    assert (approx.op, approx.tolerance, approx.quote) == ("~=", 0.1, "about 500")
    assert approx.value == 500e18 and approx.span.line == 27
    assert (plain.op, plain.value, plain.dimension, plain.quote) == (">", 1.0, "number", "")


def test_custom_accelerator_without_base_needs_core_figures():
    with pytest.raises(ScenarioError, match="lacks"):
        load("accelerator X1 {\n  tdp 500 W\n}\n")


def test_accelerator_extending_a_custom_one_inherits():
    result = load(
        HEADER
        + """
accelerator A extends H100 {
  tdp 800 W
}
accelerator B extends A {
  hbm 100 GB
}
"""
    )
    b = result.get("base").accelerators["B"]
    assert b.base == "H100" and b.figures["tdp"] == 800 and b.figures["hbm"] == 100e9


def test_extending_a_block_that_overrides_a_catalog_entry_inherits_the_override():
    # A block named like a catalog accelerator overrides it; an accelerator extending that name
    # must see the override, not reach past it to the catalog (adding A100_80GB to the catalog
    # silently dropped a validation case's scale-out figure this way).
    result = load(
        HEADER
        + """
accelerator H100 {
  scaleout_bandwidth 50 GB/s
  tdp 650 W
}
accelerator H100_big extends H100 {
  hbm 100 GB
}
"""
    )
    big = result.get("base").accelerators["H100_big"]
    assert big.base == "H100"
    assert big.figures["scaleout_bandwidth"] == 50e9 and big.figures["tdp"] == 650
    assert big.figures["hbm"] == 100e9


def test_a_block_extending_its_own_catalog_name_still_reaches_the_catalog():
    result = load(
        HEADER
        + """
accelerator H100 extends H100 {
  tdp 650 W
}
"""
    )
    h100 = result.get("base").accelerators["H100"]
    assert h100.base == "H100" and h100.figures == {"tdp": 650}


def test_errors_across_scenarios_are_all_reported():
    with pytest.raises(ScenarioError) as caught:
        load(HEADER.replace("GB200", "GB2000").replace("pue 1.25", "pue 5 MW"))
    messages = [d.message for d in caught.value.diagnostics]
    assert any("GB2000" in m for m in messages) and any("pue" in m for m in messages)


def test_imports_are_relative_to_the_importing_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "refs.scn").write_text(
        "reference lab {\n  accelerator H100\n  count 1k\n}\n"
    )
    main = tmp_path / "main.scn"
    main.write_text('import "sub/refs.scn"\n' + HEADER)
    result = scendsl.load(str(main))
    assert result.get("base").references["lab"].count == 1000


def test_symlinked_import_outside_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.scn"
    outside.write_text("reference r {\n  accelerator H100\n  count 1\n}\n")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "link.scn").symlink_to(outside)
    (folder / "main.scn").write_text('import "link.scn"\n')
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        scendsl.load(str(folder / "main.scn"))


def test_correlate_names_two_uncertain_fields_and_is_inherited():
    result = load(
        HEADER
        + """
scenario u extends base {
  cluster.mfu 30% to 45%
  energy.pue 1.25 ± 10%
  correlate cluster.mfu, energy.pue 0.6
}
scenario v extends u {
  title "child"
}
"""
    )
    (correlation,) = result.get("v").correlations
    assert (correlation.a, correlation.b, correlation.rho) == ("cluster.mfu", "energy.pue", 0.6)


@pytest.mark.parametrize(
    "line, message",
    [
        ("correlate cluster.mfu, energy.pue 1.5", "between -1 and 1"),
        ("correlate cluster.mfu, cluster.count 0.5", "not uncertain"),
        ("correlate cluster.mfu, cluster.mfu 0.5", "itself"),
        ("correlate cluster.mfu energy.pue", "malformed"),
    ],
)
def test_bad_correlations_are_located_errors(line, message):
    with pytest.raises(ScenarioError, match=message):
        load(
            HEADER
            + f"scenario u extends base {{\n  cluster.mfu 30% to 45%\n  energy.pue 1.25 ± 10%\n  {line}\n}}\n"
        )


def test_models_serialise_in_a_fresh_process():
    # Schemas are built lazily: dumping must work before anything else has built them,
    # including a sweep axis holding Uncertain values through an `object` field.
    import subprocess
    import sys

    code = (
        "import scendsl\n"
        "s = scendsl.load("
        + repr(HEADER + "sweep w from base {\n  energy.pue [1.2 ± 5%]\n}\n")
        + ")\nprint(len(s.model_dump()['sweeps'][0]['axes']), len(s.model_dump_json()) > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


def test_imports_may_reach_across_the_named_folder_but_not_out_of_it(tmp_path):
    folder = tmp_path / "project"
    (folder / "shared").mkdir(parents=True)
    (folder / "studies").mkdir()
    (folder / "shared" / "refs.scn").write_text(
        "reference lab {\n  accelerator H100\n  count 1k\n}\n"
    )
    (folder / "studies" / "main.scn").write_text('import "../shared/refs.scn"\n' + HEADER)
    # Named as a folder: a sibling folder inside it is reachable.
    assert "lab" in scendsl.load(str(folder)).get("base").references
    # Named as a file: its own folder is the limit.
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        scendsl.load(str(folder / "studies" / "main.scn"))
