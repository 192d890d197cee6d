

def test_fp8_weight_casts_move_every_held_weight_once_a_step():
    """Transformer Engine casts each 16-bit weight to FP8 with its transpose on a step's first
    micro-batch: the bytes follow the weights a rank holds, not its tokens."""
    per_weight = CATALOG.calibration["low_precision_weight_cast_bytes"].value
    bf16 = values("    precision bf16\n")
    fp8 = values("    precision fp8\n")
    assert bf16["performance.weight_cast_time"] == 0
    held = fp8["performance.parameters_per_accelerator"]
    rate = fp8["accelerator.hbm_bandwidth"] * fp8["performance.hbm_efficiency"]
    assert fp8["performance.weight_cast_time"] == pytest.approx(per_weight * held / rate)
    # more tokens a rank: the same casts
    longer = values("    precision fp8\n".replace("fp8", "fp8") + "    micro_batch 2\n")
    assert longer["performance.weight_cast_time"] == pytest.approx(
        fp8["performance.weight_cast_time"]
    )
