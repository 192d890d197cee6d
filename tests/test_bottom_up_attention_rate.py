"""Issue 12, item 5: the bottom-up step runs the fused attention kernels at the attention rate
(`performance.attention_rate`), the figure the default MFU is carried with, looked up by chip and
by the framework the scenario names (Megatron-Core's cuDNN fused attention on Hopper runs faster
than the FlashAttention-2 the chip figures were fitted on). Unfused attention's score products
are plain batched GEMMs: rate 1."""

import subprocess
import sys

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import CARD_WITHOUT_SCALEUP_DOMAIN, figure_values, scenario_text

CATALOG = load_catalog()
CAL = CATALOG.calibration


def values(accelerator: str = "H100", extra: str = "", blocks: str = "", s: int = 8192) -> dict:
    body = (
        "  workload {\n    parameters 8B\n    tokens 1T\n    layers 32\n    hidden_size 4096\n"
        f"    sequence_length {s}\n    global_batch 64\n"
        f"    parallelism tensor 1, pipeline 1, data auto\n{extra}  }}\n"
    )
    text = blocks + scenario_text("s", accelerator=accelerator, count=8, body=body)
    return figure_values(evaluate(scendsl.load(text).get("s"), CATALOG))


def test_a_chip_calibration_is_looked_up_by_framework_then_chip_then_platform():
    h100 = CATALOG.accelerators["H100"]
    assert h100.calibration_keys("attention_rate_factor", "megatron") == (
        "attention_rate_factor_megatron_h100",
        "attention_rate_factor_h100",
        "attention_rate_factor",
    )
    tpu = CATALOG.accelerators["TPUv6e"]
    assert tpu.calibration_keys("platform_matmul_factor") == (
        "platform_matmul_factor_tpuv6e",
        f"platform_matmul_factor_{tpu.platform}",
        "platform_matmul_factor",
    )


@pytest.mark.parametrize(
    ("accelerator", "framework", "key"),
    [
        ("H100", "megatron", "attention_rate_factor_megatron_h100"),
        ("H100", None, "attention_rate_factor"),  # no framework named: the fitted kernels
        ("H100", "fsdp", "attention_rate_factor"),
        ("A100_80GB", "megatron", "attention_rate_factor_a100_80gb"),  # FlashAttention-2 there
        ("TPUv5p", "jax", "attention_rate_factor"),  # no TPU figure: the stand-in
    ],
)
def test_the_attention_rate_follows_the_chip_and_the_named_framework(accelerator, framework, key):
    extra = f"    framework {framework}\n" if framework else ""
    assert values(accelerator, extra)["performance.attention_rate"] == CAL[key].value


def test_a_custom_block_has_its_bases_rate_and_a_new_chip_the_stand_in():
    derived = "accelerator FastH100 extends H100 {\n  bf16_dense 1200 TFLOP/s\n}\n"
    fast = values("FastH100", "    framework megatron\n", blocks=derived)
    assert fast["performance.attention_rate"] == CAL["attention_rate_factor_megatron_h100"].value
    card = CARD_WITHOUT_SCALEUP_DOMAIN.split("scenario card")[0]
    new = values("Card", "    framework megatron\n", blocks=card)
    assert new["performance.attention_rate"] == CAL["attention_rate_factor"].value


def test_a_slower_attention_kernel_lengthens_the_step_more_at_long_sequences():
    def ratio(s: int) -> float:
        slow = values(s=s)  # FlashAttention-2 figure, r < 1
        fast = values(extra="    framework megatron\n", s=s)  # cuDNN fused attention, r > 1
        return slow["performance.compute_time"] / fast["performance.compute_time"]

    assert 1.0 < ratio(2048) < ratio(32768)


def test_unfused_attention_runs_its_score_products_at_the_matrix_rate():
    # BF16, no recomputation: the rate depends on the attention share only through r.
    short = values(extra="    recompute none\n    flash_attention off\n", s=2048)
    long = values(extra="    recompute none\n    flash_attention off\n", s=16384)
    assert short["performance.attention_rate"] < 1.0  # read, but not applied
    assert short["performance.matmul_rate"] == pytest.approx(long["performance.matmul_rate"])
    fused = values(extra="    recompute none\n", s=16384)
    assert fused["performance.matmul_rate"] < long["performance.matmul_rate"]


def test_the_attention_rate_is_read_with_a_given_mfu_and_shown_in_explain(tmp_path):
    path = tmp_path / "given.scn"
    path.write_text(
        "scenario s {\n  year 2026\n  region US\n"
        "  cluster {\n    accelerator H100\n    count 8\n    mfu 35%\n  }\n"
        "  workload {\n    parameters 8B\n    tokens 1T\n    framework megatron\n  }\n}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "explain", str(path), "s", "performance.step_time"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "performance.attention_rate = 105%" in done.stdout
    assert "attention_rate_factor_megatron_h100" in done.stdout


def test_the_reference_step_runs_its_fp8_attention_at_transformer_engines_rate():
    v = values()
    assert (
        v["performance.reference_attention_rate"]
        == CAL["attention_rate_factor_megatron_h100"].value
    )
