"""Without flash attention, every element of the s×s score matrix crosses HBM as often as the
unfused kernels move it (13 bytes forward, 19 backward), not only the 5 bytes Korthikanti's
activation count keeps for the backward pass: small models on long sequences, whose score
matrices are large next to their matrix maths, pay the most."""

import pytest

from scendsl.model.domains.training_formulas import (
    SCORE_BACKWARD_BYTES,
    SCORE_FORWARD_BYTES,
    activation_traffic_bytes,
)


def traffic(recompute="none", heads=24.0, sequence=2048.0, hidden=2304.0, tensor=1.0):
    return activation_traffic_bytes(
        sequence, 16.0, hidden, 24.0, tensor, 1.0, 1.0, recompute, False, heads
    )


def score_part(**kw):
    return traffic(**kw) - traffic(**{**kw, "heads": 0.0})


def test_flash_attention_moves_no_score_bytes():
    assert score_part(heads=0.0) == 0.0


def test_score_bytes_per_element_without_recomputation():
    elements = 24 * 2048**2 * 16 * 24  # heads × s² × b × layers
    assert score_part() == pytest.approx(elements * (SCORE_FORWARD_BYTES + SCORE_BACKWARD_BYTES))
    # more than the 5 bytes per element stored for the backward pass, written and read once
    assert score_part() > elements * 5 * 2


def test_recomputation_repeats_the_forward_score_traffic_only():
    plain, selective, full = (score_part(recompute=r) for r in ("none", "selective", "full"))
    assert selective == pytest.approx(full)
    assert selective - plain == pytest.approx(plain * SCORE_FORWARD_BYTES / 32.0)


def test_score_traffic_grows_with_the_square_of_the_sequence_and_splits_over_tensor_ranks():
    assert score_part(sequence=4096.0) == pytest.approx(4 * score_part(sequence=2048.0))
    assert score_part(tensor=8.0) == pytest.approx(score_part() / 8)


def test_score_share_of_the_traffic_falls_with_the_width():
    narrow = score_part(hidden=2304.0) / traffic(hidden=2304.0)
    wide = score_part(hidden=20480.0) / traffic(hidden=20480.0)
    assert wide < narrow
