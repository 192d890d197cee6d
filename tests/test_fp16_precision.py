"""`precision fp16`: runs that trained in FP16 mixed precision (the V100 era, GPT-NeoX, OPT, Pythia)
are written as they ran, not as bf16 with a comment. FP16 runs at the chip's 16-bit tensor rate
(the catalog's bf16_dense, the V100's FP16 rate) with the bytes of BF16."""

import pytest

import scendsl
from scendsl.errors import ScenarioError
from scendsl.model.evaluate import evaluate

TEXT = """
scenario s {{
  year 2022
  region US
  cluster {{
    accelerator {accelerator}
    count       512
  }}
  workload {{
    parameters 20B
    tokens     400B
    precision  {precision}
  }}
}}
"""

SAME = (
    "performance.peak_per_accelerator",
    "performance.training_time",
    "performance.step_time",
    "performance.memory_per_accelerator",
    "energy.training_energy",
)


def run(precision, accelerator="A100_80GB"):
    text = TEXT.format(precision=precision, accelerator=accelerator)
    return evaluate(scendsl.load_text(text).get("s"))


@pytest.mark.parametrize("accelerator", ["V100", "A100_80GB", "H100"])
def test_fp16_gives_the_figures_of_the_16_bit_rate(accelerator):
    fp16, bf16 = run("fp16", accelerator), run("bf16", accelerator)
    assert fp16.value("workload.precision") == "fp16"
    for name in SAME:
        assert fp16.value(name) == pytest.approx(bf16.value(name)), name


def test_the_peak_says_fp16_runs_at_the_16_bit_rate():
    node = run("fp16", "V100").node("performance.peak_per_accelerator")
    assert node.note.startswith("FP16 at the 16-bit tensor rate (bf16_dense)")
    assert "V100 has no BF16" in node.note  # the catalog's own note kept


def test_an_unknown_precision_names_fp16_among_the_choices():
    with pytest.raises(ScenarioError) as raised:
        scendsl.load_text(TEXT.format(precision="fp32", accelerator="V100")).get("s")
    assert "fp16" in str(raised.value)
