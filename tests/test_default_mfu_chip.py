"""Issue 12, round twenty-five: two carries of the default MFU to a run it was not measured on.

The default MFU (Llama 3 405B on H100) is carried to the level one code base reaches on another
chip (`performance.default_mfu_chip_factor`, from llm-foundry's same-model tables), and, when the
scenario writes its layout, the training time is at least that layout's bottom-up steps
(`performance.training_time`): a written layout can hold exchanges the default's run hid."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, scenario_text

CATALOG = load_catalog()
CALIBRATION = CATALOG.calibration

WORKLOAD = (
    "parameters 11B",
    "tokens 1T",
    "sequence_length 2048",
    "hidden_size 4096",
    "layers 60",
)


def values(
    accelerator: str,
    *,
    count: int = 1024,
    layout: str = "",
    cluster: str = "",
    prefix: str = "",
) -> dict:
    lines = WORKLOAD + ((f"parallelism {layout}",) if layout else ())
    body = "  workload {\n" + "".join(f"    {line}\n" for line in lines) + "  }\n"
    text = scenario_text("s", accelerator=accelerator, count=count, body=body)
    if cluster:
        text = text.replace(f"    count {count}\n", f"    count {count}\n    {cluster}\n")
    return figure_values(evaluate(scendsl.load_text(prefix + text).get("s"), CATALOG))


@pytest.mark.parametrize("chip", ["A100_80GB", "A100_40GB", "A800"])
def test_the_ga100_chips_carry_the_default_by_their_catalog_figure(chip):
    figures = values(chip)
    expected = CALIBRATION[f"default_mfu_chip_factor_{chip.lower()}"].value
    assert figures["performance.default_mfu_chip_factor"] == pytest.approx(expected)
    assert expected > 1.0  # the same code runs nearer the A100's peak than the H100's


@pytest.mark.parametrize("chip", ["H100", "H200", "H800", "B200", "TPUv5p"])
def test_the_defaults_chip_and_chips_without_a_same_code_measurement_keep_the_default(chip):
    assert values(chip)["performance.default_mfu_chip_factor"] == pytest.approx(
        CALIBRATION["default_mfu_chip_factor"].value
    )
    assert CALIBRATION["default_mfu_chip_factor"].value == 1.0


def test_the_chip_factor_multiplies_the_carried_default():
    # In BF16, dense, at the TDP: the default MFU times the chip's level and the width,
    # attention and recomputation carries, nothing else.
    a100 = values("A100_80GB")
    carried = (
        a100["cluster.default_mfu"]
        * a100["performance.elementwise_factor"]
        * a100["performance.attention_factor"]
        * a100["performance.recompute_mfu_factor"]
    )
    assert a100["performance.mfu"] == pytest.approx(
        carried * a100["performance.default_mfu_chip_factor"]
    )


def test_a_custom_block_keeps_its_catalog_bases_chip_level():
    block = "accelerator MyA100 extends A100_40GB {\n  tdp 350 W\n}\n\n"
    custom = values("MyA100", prefix=block)
    assert custom["performance.default_mfu_chip_factor"] == pytest.approx(
        CALIBRATION["default_mfu_chip_factor_a100_40gb"].value
    )


def test_a_measured_mfu_holds_its_chips_level():
    figures = values("A100_80GB", cluster="mfu 35%")
    assert figures["performance.mfu"] == pytest.approx(0.35)
    assert figures.get("performance.default_mfu_chip_factor") is None


def mfu_path_time(figures: dict) -> float:
    return figures["workload.training_flops"] / figures["cluster.effective_flops"]


def test_a_written_layout_slower_than_the_mfu_path_sets_the_time():
    # Tensor 8 over a 4,096-wide model on 1,024 A100s: the layout's exchanges take a step the
    # default MFU's run did not have.
    figures = values("A100_40GB", layout="tensor 8, pipeline 1, data auto")
    assert figures["performance.layout_written"] is True
    bottom_up = figures["performance.steps"] * figures["performance.step_time"]
    assert bottom_up > mfu_path_time(figures)
    assert figures["performance.training_time"] == pytest.approx(bottom_up)


def test_a_written_layout_faster_than_the_mfu_path_leaves_it():
    figures = values("H100", count=64, layout="tensor 1, pipeline 1, data auto")
    bottom_up = figures["performance.steps"] * figures["performance.step_time"]
    assert bottom_up < mfu_path_time(figures)
    assert figures["performance.training_time"] == pytest.approx(mfu_path_time(figures))


def test_a_chosen_layout_or_a_measured_mfu_keeps_the_mfu_path():
    chosen = values("A100_40GB")
    assert chosen["performance.layout_written"] is False
    assert chosen["performance.training_time"] == pytest.approx(mfu_path_time(chosen))
    measured = values("A100_40GB", layout="tensor 8, pipeline 1, data auto", cluster="mfu 35%")
    assert measured["performance.training_time"] == pytest.approx(mfu_path_time(measured))
