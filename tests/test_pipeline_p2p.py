"""Pipeline point-to-point traffic (Narayanan et al. 2021 §4.1): each stage sends a micro-batch's
activations on and their gradients back, split over the tensor ranks, once per model chunk."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEXT = """
scenario s {{
  title "pipelined"
  year 2024
  region US
  cluster {{
    accelerator H100
    count 256
  }}
  workload {{
    parameters      70B
    tokens          1T
    framework       {framework}
    parallelism     tensor 8, pipeline {pipeline}, data auto{interleave}
    sequence_length 4096
    micro_batch     1
    global_batch    64
    layers          80
    hidden_size     8192
  }}
}}
"""


def run(framework="deepspeed", pipeline=4, interleave=""):
    text = TEXT.format(framework=framework, pipeline=pipeline, interleave=interleave)
    return evaluate(scendsl.load(text).get("s"))


def test_p2p_time_is_activations_over_the_scaleout_link_per_microbatch():
    result = run()
    m = result.value("performance.microbatches")  # 64 sequences / 8 replicas = 8
    assert m == pytest.approx(8)
    # 2 directions × 2 B·s·h / t per micro-batch over 400 Gb/s each way (t·p = 32 > 8 per node).
    payload = 2 * 4096 * 8192 / 8
    # each send also pays NCCL's launch and one network hop (8.4 + 14 us)
    send = payload / 50e9 + 8.4e-6 + 14e-6
    assert result.value("performance.pipeline_p2p_time") == pytest.approx(2 * send * m)


def test_interleaving_multiplies_the_p2p_traffic_by_the_chunks():
    plain = run("megatron", interleave=", interleave 1").value("performance.pipeline_p2p_time")
    chunked = run("megatron", interleave=", interleave 5").value("performance.pipeline_p2p_time")
    assert chunked == pytest.approx(5 * plain)


def test_no_pipeline_no_p2p():
    assert run(pipeline=1).value("performance.pipeline_p2p_time") == 0.0
