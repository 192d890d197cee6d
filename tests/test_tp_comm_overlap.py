"""Tensor-parallel communication overlap (Transformer Engine userbuffers): a published input the
language states, off unless written; with it the sequence-parallel exchanges run in chunks under
the GEMMs they feed, so a wide GEMM hides its exchange and pays only the SMs the exchange holds,
while a narrow one leaves the transfer exposed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog
from scendsl.errors import ScendslError
from scendsl.model.domains.training_formulas import chunked_overlap_exposed_seconds
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text
from scendsl.report.warnings import scenario_warnings

TEXT = """
scenario s {{
  year 2025
  region US
  cluster {{
    accelerator H100
    count {count}
  }}
  workload {{
    parameters      {parameters}
    tokens          1B
    precision       fp8
    framework       {framework}
    parallelism     tensor {tensor}, pipeline 1, data auto
    sequence_length {sequence}
    micro_batch     1
    global_batch    {batch}
    layers          {layers}
    hidden_size     {hidden}
    sequence_parallel {sp}
{overlap}  }}
}}
"""

SMALL = dict(parameters="8B", layers=32, hidden=4096, sequence=1024, count=8, batch=4)
WIDE = dict(parameters="405B", layers=126, hidden=16384, sequence=8192, count=64, batch=8)


def text_of(shape, tensor=8, overlap=None, sp="on", framework="megatron"):
    written = f"    tp_comm_overlap {overlap}\n" if overlap else ""
    return TEXT.format(tensor=tensor, overlap=written, sp=sp, framework=framework, **shape)


def run(shape, **kwargs):
    return evaluate(scendsl.load(text_of(shape, **kwargs)).get("s"))


def test_off_unless_written_and_then_every_exchange_is_paid():
    result = run(SMALL)
    assert result.value("workload.tp_comm_overlap") == "off"
    assert result.value("performance.tensor_parallel_exposed_time") == result.value(
        "performance.tensor_parallel_time"
    )


def test_a_wide_model_hides_most_of_its_exchanges():
    plain, overlapped = run(WIDE), run(WIDE, overlap="on")
    total = overlapped.value("performance.tensor_parallel_time")
    assert total == pytest.approx(plain.value("performance.tensor_parallel_time"))
    assert overlapped.value("performance.tensor_parallel_exposed_time") < 0.25 * total
    assert overlapped.value("performance.step_time") < plain.value("performance.step_time")


def test_few_tokens_a_rank_hide_a_smaller_share_than_many():
    def exposed_share(shape):
        result = run(shape, overlap="on")
        exposed = result.value("performance.tensor_parallel_exposed_time")
        return exposed / result.value("performance.tensor_parallel_time")

    assert exposed_share(SMALL) > exposed_share(WIDE)


@pytest.mark.parametrize(
    "layout", [dict(sp="off"), dict(tensor=1), dict(framework="deepspeed")], ids=str
)
def test_where_it_cannot_act_nothing_changes_and_a_warning_says_why(layout):
    plain, overlapped = run(SMALL, **layout), run(SMALL, overlap="on", **layout)
    assert overlapped.value("performance.step_time") == plain.value("performance.step_time")
    text = text_of(SMALL, overlap="on", **layout)
    found = {w.id: w for w in scenario_warnings(evaluate(scendsl.load(text).get("s")))}
    warning = found["tp-comm-overlap-ignored"]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "tp_comm_overlap" in row)
    assert warning.span.line == line
    assert "changes nothing" in warning.message


def test_where_it_acts_no_warning():
    found = {w.id for w in scenario_warnings(run(SMALL, overlap="on"))}
    assert "tp-comm-overlap-ignored" not in found


def test_a_wrong_value_is_a_located_error():
    text = text_of(SMALL).replace(
        "sequence_parallel on", "sequence_parallel on\n    tp_comm_overlap maybe"
    )
    with pytest.raises(ScendslError) as caught:
        scendsl.load(text)
    assert "tp_comm_overlap" in str(caught.value)


@given(
    gemm=st.floats(1e-6, 1e-2),
    transfer=st.floats(1e-6, 1e-2),
    chunks=st.integers(2, 16),
    latency=st.floats(0.0, 1e-4),
    share=st.floats(0.0, 0.2),
)
def test_the_chunked_overlap_adds_at_least_the_smaller_price(
    gemm, transfer, chunks, latency, share
):
    """Never less than the GEMM's slowdown by the SMs it gives up, nor than what of the
    transfer outlasts the GEMM; never more than the GEMM (slowed) and the exchange back to back
    with a latency per chunk."""
    exposed = chunked_overlap_exposed_seconds(gemm, transfer, chunks, latency, share)
    slowed = gemm / (1.0 - share)
    assert exposed >= slowed - gemm - 1e-15
    assert exposed >= transfer - gemm - 1e-15
    assert exposed <= slowed - gemm + transfer + (chunks - 1) * latency + 1e-12


def test_a_gemm_longer_than_its_exchange_pays_only_the_sms():
    exposed = chunked_overlap_exposed_seconds(1e-3, 1e-4, 4, 1e-6, 0.05)
    assert exposed == pytest.approx(1e-3 / 0.95 - 1e-3)


def test_explain_shows_the_mechanism_and_its_sources():
    text = explain_text(run(WIDE, overlap="on"), "performance.tensor_parallel_exposed_time")
    assert "performance.tp_overlap_sm_share = 1.6%" in text
    assert "comm_gemm_overlap.cpp" in text
    assert "Wang et al. 2023" in text


def test_which_frameworks_have_the_overlap_is_catalog_data():
    # Give FSDP the overlap in a copy of the catalog: the overlap applies, with no code changed.
    catalog = load_catalog()
    for name, entry in catalog.frameworks.items():
        assert entry.tp_comm_overlap_note, name
    frameworks = dict(catalog.frameworks)
    frameworks["fsdp"] = frameworks["fsdp"].model_copy(update={"tp_comm_overlap": True})
    edited = catalog.model_copy(update={"frameworks": frameworks})
    scenario = scendsl.load(text_of(WIDE, overlap="on", framework="fsdp")).get("s")
    shipped, overlapping = evaluate(scenario, catalog), evaluate(scenario, edited)
    assert shipped.value("performance.tp_comm_overlap_applies") is False
    assert overlapping.value("performance.tp_comm_overlap_applies") is True
    assert overlapping.value("performance.tensor_parallel_exposed_time") < shipped.value(
        "performance.tensor_parallel_exposed_time"
    )


def test_explain_names_the_frameworks_overlap_and_why():
    result = run(WIDE, overlap="on", framework="deepspeed")
    text = explain_text(result, "performance.tp_comm_overlap_applies")
    assert "catalog frameworks.deepspeed.tp_comm_overlap" in text
    assert load_catalog().frameworks["deepspeed"].tp_comm_overlap_note in text
