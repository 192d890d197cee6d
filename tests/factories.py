"""Small scenario texts for tests: the minimal header every scenario needs, and what follows it."""

from __future__ import annotations


def scenario_text(
    name: str = "base",
    *,
    title: str | None = None,
    year: object = 2026,
    region: str = "US",
    accelerator: str = "H100",
    count: object = 8,
    body: str = "",
) -> str:
    """A formatted `scenario` block with the required fields (year, region, the cluster's
    accelerator and count), an optional title, and `body` lines (indented, each ending in a
    newline) before the closing brace."""
    title_line = f'  title "{title}"\n' if title is not None else ""
    return (
        f"scenario {name} {{\n{title_line}  year {year}\n  region {region}\n"
        f"  cluster {{\n    accelerator {accelerator}\n    count {count}\n  }}\n{body}}}\n"
    )


def reference_blocks(count: int) -> str:
    """`count` small national resources (`r0`, `r1`, ...): each adds figures of its own to
    every scenario and sweep variant of its file (its peak, the divide's ratio and time to
    train), the way a file grows what each variant holds."""
    return "".join(
        f'\nreference r{index} {{\n  title "r"\n  accelerator H100\n  count 500\n'
        f'  kind national_resource\n  region "KE"\n  source "s"\n}}\n'
        for index in range(count)
    )


#: A new accelerator block that gives no `scaleup_domain` (the language does not require it),
#: and a scenario that trains on it: its bottom-up step time is n/a.
CARD_WITHOUT_SCALEUP_DOMAIN = """
accelerator Card {
  bf16_dense 500 TFLOP/s
  hbm 32 GB
  hbm_bandwidth 1 TB/s
  scaleup_bandwidth 400 GB/s
  hostlink_bandwidth 64 GB/s
  tdp 300 W
  subject_to US
}

scenario card {
  year 2026
  region DE
  cluster {
    accelerator Card
    count 64
  }
  workload {
    parameters 7B
    tokens 1T
  }
}
"""


def only_diagnostic(text: str, name: str = "scenario.scn"):
    """The one diagnostic that loading `text` (as file `name`) raises: the test fails if it
    loads, or if it gives more than one."""
    import pytest

    import scendsl
    from scendsl.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        scendsl.load_text(text, name=name)
    (diagnostic,) = caught.value.diagnostics
    return diagnostic


#: A scenario priced in other currencies: an accelerator block's price in yen, an electricity
#: price in euros a kWh and a budget in euros (tests of currencies in every stage).
MONEY = """\
accelerator Chip extends H100 {
  price 4.5M JPY
}
scenario frankfurt {
  year   2024
  region DE
  cluster {
    accelerator Chip
    count       1k
  }
  energy {
    price 0.25 EUR/kWh
  }
  expect energy.annual_cost < 50M EUR "the budget"
}
"""


def figure_values(result) -> dict:
    """Every input's and metric's value of an evaluated scenario, by name (the inputs first, a
    metric of the same name over it)."""
    return {
        **{name: node.value for name, node in result.inputs.items()},
        **{name: node.value for name, node in result.metrics.items()},
    }


#: The shape of Llama 3.1 8B (meta-llama/Llama-3.1-8B config.json) as workload lines, for a
#: scenario text's workload block (indented four spaces).
LLAMA31_8B_SHAPE = """\
    layers          32
    hidden_size     4096
    ffn_hidden_size 14336
    mlp             gated
    attention_heads 32
    kv_heads        8
    vocabulary      128256"""
