"""The matrix units' plateau is the platform's, not the framework's (issue 12, round nine).

JAX's calibrated 122 % on MaxText's TPU v5e run was a chip property held in a framework share:
JAX on a GPU got 22 % more than GPUs reach and a TPU run written with another framework got the
GPU GEMM plateau. The excess is now `performance.platform_matmul_factor`, keyed by the
accelerator's platform in the catalog, with JAX at 100 % on its own platform by definition.
"""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, scenario_text

CATALOG = load_catalog()
LAYOUT = (
    "  workload {{\n    parameters 16B\n    tokens 1T\n    hidden_size 5120\n    layers 32\n"
    "    parallelism tensor 1, pipeline 1, data auto\n    recompute full\n    zero_stage 3\n"
    "{extra}  }}\n"
)


def values(accelerator: str, extra: str = "", blocks: str = "") -> dict:
    body = LAYOUT.format(extra=extra)
    text = blocks + scenario_text("s", accelerator=accelerator, count=256, body=body)
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def test_jax_is_the_reference_framework_on_its_own_platform():
    # As Megatron-LM is on GPUs: the calibration run measured the TPU, not the framework.
    assert CATALOG.calibration["framework_efficiency_jax"].value == 1.0
    assert CATALOG.calibration["platform_matmul_factor"].value == 1.0
    factor = CATALOG.calibration["platform_matmul_factor_tpu_host"]
    assert factor.value > 1.0 and "maxtext" in factor.source.lower()


def test_tpu_run_written_with_megatron_gets_the_tpu_plateau_not_the_gpu_one():
    factor = CATALOG.calibration["platform_matmul_factor_tpu_host"].value
    megatron = values("TPUv5e", "    framework megatron\n")
    jax = values("TPUv5e", "    framework jax\n")
    assert megatron["performance.platform_matmul_factor"] == pytest.approx(factor)
    assert megatron["performance.matmul_rate"] == pytest.approx(jax["performance.matmul_rate"])
    width = 5120 / (5120 + CATALOG.calibration["matmul_half_width"].value)
    plateau = CATALOG.calibration["matmul_efficiency_large"].value
    assert megatron["performance.matmul_efficiency"] == pytest.approx(plateau * factor * width)


def test_jax_on_a_gpu_gets_the_gpu_matrix_rate():
    jax = values("H100", "    framework jax\n")
    megatron = values("H100", "    framework megatron\n")
    assert jax["performance.platform_matmul_factor"] == 1.0
    assert jax["performance.matmul_rate"] == pytest.approx(megatron["performance.matmul_rate"])


def test_a_tpu_generation_takes_its_own_factor_else_the_platforms_and_no_gpu_does():
    factor = CATALOG.calibration["platform_matmul_factor_tpu_host"].value
    own = 0
    for name, entry in CATALOG.accelerators.items():
        got = values(name)["performance.platform_matmul_factor"]
        key = f"platform_matmul_factor_{name.lower()}"
        if key in CATALOG.calibration:
            own += 1
            expected = CATALOG.calibration[key].value
        else:
            expected = factor if entry.platform == "tpu_host" else 1.0
        assert got == pytest.approx(expected), name
    assert any(e.platform == "tpu_host" for e in CATALOG.accelerators.values())
    assert own >= 1  # TPU v6e is calibrated on its own run


def test_v6e_factor_differs_from_v5e_and_a_custom_v6e_keeps_it():
    v6e = values("TPUv6e")["performance.platform_matmul_factor"]
    v5e = values("TPUv5e")["performance.platform_matmul_factor"]
    assert v6e == pytest.approx(CATALOG.calibration["platform_matmul_factor_tpuv6e"].value)
    assert v6e != pytest.approx(v5e)
    block = "accelerator MyV6e extends TPUv6e {\n  hbm 64 GB\n}\n\n"
    assert values("MyV6e", blocks=block)["performance.platform_matmul_factor"] == pytest.approx(v6e)


def test_custom_accelerator_keeps_its_base_platforms_factor():
    block = "accelerator MyTPU extends TPUv5e {\n  hbm 32 GB\n}\n\n"
    got = values("MyTPU", blocks=block)
    factor = CATALOG.calibration["platform_matmul_factor_tpu_host"].value
    assert got["performance.platform_matmul_factor"] == pytest.approx(factor)


def test_reference_step_on_a_tpu_sees_its_matrix_units():
    # The 1B reference step's matrix maths run at the platform's plateau too: with the TPU
    # factor set to 1 in a copy of the catalog, the same chip's reference step is slower.
    calibration = dict(CATALOG.calibration)
    key = "platform_matmul_factor_tpu_host"
    calibration[key] = calibration[key].model_copy(update={"value": 1.0})
    gpu_like = CATALOG.model_copy(update={"calibration": calibration})
    text = scenario_text("s", accelerator="TPUv5e", count=256, body=LAYOUT.format(extra=""))
    scenario = scendsl.load(text).get("s")
    tpu = evaluate(scenario, CATALOG).metrics["performance.reference_step_time"].value
    flat = evaluate(scenario, gpu_like).metrics["performance.reference_step_time"].value
    assert tpu < flat


# ------------------------------------------------- the framework of a TPU run that names none
def test_tpu_scenario_without_a_framework_gets_jax_from_data():
    # Megatron-LM does not run on TPUs: frameworks.toml makes JAX the default on their platform.
    assert "tpu_host" in CATALOG.frameworks["jax"].default_on
    got = evaluate(
        scendsl.load(scenario_text("s", accelerator="TPUv5p", count=256)).get("s"), CATALOG
    )
    framework = got.inputs["workload.framework"]
    assert framework.value == "jax" and "tpu_host" in framework.origin
    assert got.inputs["workload.zero_stage"].value == 3  # JAX's own default, not megatron's
    gpu = evaluate(scendsl.load(scenario_text("s", count=256)).get("s"), CATALOG)
    assert gpu.inputs["workload.framework"].value == "megatron"


def test_a_written_framework_beats_the_platform_default():
    text = scenario_text(
        "s", accelerator="TPUv5p", body="  workload {\n    framework megatron\n  }\n"
    )
    got = evaluate(scendsl.load(text).get("s"), CATALOG)
    assert got.inputs["workload.framework"].value == "megatron"


def test_one_default_framework_per_platform_is_checked_when_the_catalog_loads(tmp_path):
    import shutil
    from importlib.resources import files

    from scendsl.catalog.load import _load_from
    from scendsl.catalog.model import CatalogError

    for item in files("scendsl.catalog").iterdir():
        if item.name.endswith((".toml", ".tsv")):
            shutil.copy(str(item), tmp_path / item.name)
    path = tmp_path / "frameworks.toml"
    text = path.read_text(encoding="utf-8")
    claim = 'default_on = ["tpu_host"]\ndefault_on_note = "also"\n'
    path.write_text(text.replace("[fsdp]\n", "[fsdp]\n" + claim), encoding="utf-8")
    with pytest.raises(CatalogError, match="already defaults to"):
        _load_from(tmp_path)


def test_editor_hover_names_the_platform_default_framework():
    from scendsl.lsp.hover import _model_default

    text = _model_default("workload.framework")
    assert text is not None and "`megatron`" in text and "`jax` on accelerators of platform" in text


def test_sweep_over_platforms_and_dropout_equals_one_by_one():
    # The platform factor and the platform's default framework are read from the accelerator,
    # the dropout is a number: a sweep varying them must give each variant's own figures.
    import numpy as np

    from scendsl.model.sweep import evaluate_sweep
    from scendsl.scenario import apply_sweep_point

    body = "  workload {\n    parameters 70B\n    tokens 1T\n  }\n"
    text = scenario_text("base", accelerator="TPUv5p", count=1024, body=body) + (
        "\nsweep s from base {\n  cluster.accelerator [TPUv5p, H100]\n"
        "  workload.dropout [0, 0.1]\n}\n"
    )
    sweep = scendsl.load(text).sweeps[-1]
    table = evaluate_sweep(sweep, CATALOG)
    shape = tuple(len(axis.labels) for axis in sweep.axes)
    names = ("performance.platform_matmul_factor", "performance.step_time")
    frameworks = set()
    for flat in range(sweep.size):
        point = tuple(int(i) for i in np.unravel_index(flat, shape))
        one = evaluate(apply_sweep_point(sweep, point), CATALOG)
        frameworks.add(one.inputs["workload.framework"].value)
        for name in names:
            want = (one.metrics.get(name) or one.inputs[name]).value
            assert table.numbers[name][flat] == pytest.approx(want, rel=1e-9), (point, name)
    assert frameworks == {"jax", "megatron"}


def test_ironwood_factor_is_its_measured_gemm_plateau_over_the_gpus():
    # Derived from Google's Ironwood GEMM microbenchmark (a calibration figure in the suite),
    # not fitted to a training run: the measured share of the peak over the GPUs' plateau.
    from validation.run import load_cases, parse_published

    entry = next(
        e
        for e in load_cases()["calibration"]
        if "platform_matmul_factor_tpuv7" in e.get("confirmed", "")
    )
    measured, _, _ = parse_published(entry["published"])
    plateau = CATALOG.calibration["matmul_efficiency_large"].value
    factor = CATALOG.calibration["platform_matmul_factor_tpuv7"].value
    assert factor == pytest.approx(measured / plateau, rel=2e-3)
    assert values("TPUv7")["performance.platform_matmul_factor"] == pytest.approx(factor)
    # The generation has its own figure, not the v5e run's nor the v6e run's.
    assert factor != pytest.approx(CATALOG.calibration["platform_matmul_factor_tpu_host"].value)
    assert factor != pytest.approx(CATALOG.calibration["platform_matmul_factor_tpuv6e"].value)


def test_mi300x_factor_is_its_power_limited_gemm_rate_against_the_same_die_at_1000_w():
    # AMD's GPU stress test sets one FP8 GEMM (4,864 x 4,096 x 8,192, random operands) a target
    # of 1,215 TFLOPS on the 750 W MI300X and 1,438 on the 1,000 W MI325X, the same die with the
    # same data-sheet peaks: the factor is that ratio, read from AMD's files, not fitted to a run.
    entry = CATALOG.calibration["platform_matmul_factor_mi300x"]
    assert "1,215" in entry.source and "1,438" in entry.source
    assert entry.value == pytest.approx(1215 / 1438, abs=5e-4)
    mi300x, mi325x = CATALOG.accelerators["MI300X"], CATALOG.accelerators["MI325X"]
    assert mi300x.figures["fp8_dense"].value == mi325x.figures["fp8_dense"].value
    fp8 = "    precision fp8\n"
    slow, full = values("MI300X", fp8), values("MI325X", fp8)
    assert slow["performance.platform_matmul_factor"] == pytest.approx(entry.value)
    # The MI325X keeps the GPU curve, as every chip without a figure of its own.
    assert full["performance.platform_matmul_factor"] == pytest.approx(
        CATALOG.calibration["platform_matmul_factor"].value
    )
    assert slow["performance.matmul_rate"] / full["performance.matmul_rate"] == pytest.approx(
        entry.value, rel=1e-9
    )
