"""Tensor-parallel communication overlap (Transformer Engine userbuffers): a published input the
language states, off unless written; with it the sequence-parallel exchanges run in chunks under
the GEMMs they feed, so a wide GEMM hides its exchange and pays only the SMs the exchange holds,
while a narrow one leaves the transfer exposed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scendsl
from scendsl.errors import ScendslError
from scendsl.model.domains.training_formulas import chunked_overlap_exposed_seconds
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

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
    framework       megatron
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


def run(shape, tensor=8, overlap=None, sp="on"):
    written = f"    tp_comm_overlap {overlap}\n" if overlap else ""
    text = TEXT.format(tensor=tensor, overlap=written, sp=sp, **shape)
    return evaluate(scendsl.load(text).get("s"))


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


def test_without_sequence_parallelism_or_a_tensor_group_nothing_changes():
    for kwargs in (dict(sp="off"), dict(tensor=1)):
        plain, overlapped = run(SMALL, **kwargs), run(SMALL, overlap="on", **kwargs)
        assert overlapped.value("performance.step_time") == plain.value("performance.step_time")


def test_a_wrong_value_is_a_located_error():
    text = TEXT.format(tensor=8, overlap="    tp_comm_overlap maybe\n", sp="on", **SMALL)
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
