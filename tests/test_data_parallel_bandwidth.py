"""The gradient collectives' bandwidth beyond one server: the rings leave a server over the NICs of
all its ranks in the gradient-reduction group (NCCL opens a channel per NIC), and ranks are
numbered tensor first, so an 8-GPU server holds 8 / t ranks of one group."""

import pytest

import scendsl
from scendsl.model.evaluate import evaluate

TEXT = """
scenario s {{
  year 2024
  region US
  cluster {{
    accelerator H100
    count {count}
  }}
  workload {{
    parameters      70B
    tokens          1T
    framework       fsdp
    parallelism     tensor {tensor}, data auto
    sequence_length 4096
    micro_batch     1
    global_batch    512
    layers          80
    hidden_size     8192
  }}
}}
"""

NIC = 100e9  # H100 catalog scale-out bandwidth, bidirectional: one 400 Gb/s NIC per GPU
NVLINK = 900e9


def run(tensor, count=64):
    return evaluate(scendsl.load(TEXT.format(tensor=tensor, count=count)).get("s"))


@pytest.mark.parametrize(("tensor", "per_server"), [(1, 8), (2, 4), (4, 2), (8, 1)])
def test_a_server_holds_eight_over_t_ranks_of_a_gradient_group(tensor, per_server):
    result = run(tensor)
    assert result.value("performance.gradient_replicas_per_domain") == per_server
    assert result.value("performance.data_parallel_bandwidth") == pytest.approx(per_server * NIC)


def test_sharded_data_parallelism_over_servers_moves_at_the_servers_eight_nics():
    # The MaxText Llama 2 70B recipe on 64 H100 (FSDP over all of them, no tensor parallelism)
    # came out 57% slow when each rank's share went over one NIC: the server's 2·S leave over
    # all eight.
    fsdp, tensor8 = run(1), run(8)
    assert fsdp.value("performance.data_parallel_bandwidth") == pytest.approx(8 * NIC)
    # The same bytes per server either way: t = 8 holds 1/8 of the weights per GPU over one NIC.
    assert tensor8.value("performance.data_parallel_bandwidth") == pytest.approx(NIC)


def test_inside_one_server_the_collectives_stay_on_nvlink():
    result = run(1, count=8)
    assert result.value("performance.data_parallel_bandwidth") == pytest.approx(NVLINK)


def test_the_nics_never_outrun_the_scale_up_fabric():
    # Eight ranks of a group per server, each with a 400 GB/s NIC: 3.2 TB/s of NICs, capped at
    # the 900 GB/s the traffic inside the server moves at.
    text = TEXT.format(tensor=1, count=64).replace(
        "accelerator H100",
        "accelerator fast",
    )
    block = "accelerator fast extends H100 {\n  scaleout_bandwidth 400 GB/s\n}\n"
    result = evaluate(scendsl.load(block + text).get("s"))
    assert result.value("performance.data_parallel_bandwidth") == pytest.approx(NVLINK)
