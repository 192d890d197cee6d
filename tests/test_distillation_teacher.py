"""Issue 12, round twenty-two: a run trained on a teacher's logits (online knowledge
distillation) pays the teacher's forward pass on every token it trains on, 2·N_teacher FLOPs per
token (`workload.teacher_parameters`, `workload.teacher_flops`). The teacher's FLOPs are not the
student's model FLOPs: they lengthen the run on both paths and leave the MFU alone."""

import pytest

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from tests.factories import figure_values, only_diagnostic, scenario_text

CATALOG = load_catalog()

STUDENT = (
    "    parameters 1.23B\n"
    "    tokens 1T\n"
    "    layers 16\n"
    "    hidden_size 2048\n"
    "    sequence_length 8192\n"
    "    parallelism tensor 1, pipeline 1, data auto\n"
    "    micro_batch 2\n"
    "    global_batch 512\n"
)


def values(teacher: str = "", share: str = "") -> dict:
    extra = f"    teacher_parameters {teacher}\n" if teacher else ""
    extra += f"    teacher_share {share}\n" if share else ""
    body = f"  workload {{\n{STUDENT}{extra}  }}\n"
    text = scenario_text("s", accelerator="H100", count=256, body=body)
    return figure_values(evaluate(scendsl.load_text(text).get("s"), CATALOG))


def test_without_a_teacher_nothing_is_added():
    plain = values()
    assert plain["workload.teacher_parameters"] == 0.0
    assert plain["workload.teacher_flops"] == 0.0
    assert plain["performance.training_time"] == pytest.approx(
        plain["workload.training_flops"] / plain["cluster.effective_flops"]
    )


@pytest.mark.parametrize("teacher, size", [("8B", 8e9), ("70B", 70e9)])
def test_the_teacher_adds_its_forward_pass_at_the_students_rate(teacher, size):
    plain, taught = values(), values(teacher)
    # A forward pass over every token the student trains on, and no backward pass.
    assert taught["workload.teacher_flops"] == pytest.approx(2.0 * size * 1e12)
    # The student's model FLOPs and its MFU do not count the teacher...
    assert taught["workload.training_flops"] == plain["workload.training_flops"]
    assert taught["performance.mfu"] == plain["performance.mfu"]
    # ...but its run takes the teacher's FLOPs at the same sustained rate.
    own = plain["workload.training_flops"]
    assert taught["performance.training_time"] / plain["performance.training_time"] == (
        pytest.approx((own + taught["workload.teacher_flops"]) / own)
    )


def test_both_paths_price_the_teacher():
    plain, taught = values(), values("8B")
    per_step = 2.0 * 8e9 * taught["performance.tokens_per_step"]
    assert taught["performance.hardware_flops_per_step"] - plain[
        "performance.hardware_flops_per_step"
    ] == pytest.approx(per_step)
    assert taught["performance.compute_time"] > plain["performance.compute_time"]
    # The MFU path's step grows by the teacher's share of the FLOPs per token.
    per_token = plain["performance.model_flops_per_token"]
    assert taught["performance.mfu_step_time"] / plain["performance.mfu_step_time"] == (
        pytest.approx((per_token + 2.0 * 8e9) / per_token)
    )
    # A larger teacher, a longer step on the bottom-up path too.
    assert values("70B")["performance.step_time"] > taught["performance.step_time"]


def test_the_longer_run_costs_its_energy():
    plain, taught = values(), values("8B")
    ratio = taught["performance.training_time"] / plain["performance.training_time"]
    assert taught["energy.training_energy"] / plain["energy.training_energy"] == (
        pytest.approx(ratio, rel=0.02)
    )


@pytest.mark.parametrize("bad", ["0", "-8B", "8 W"])
def test_a_teacher_of_no_size_is_an_error_at_its_line(bad):
    text = scenario_text(
        "s", body=f"  workload {{\n    parameters 1B\n    teacher_parameters {bad}\n  }}\n"
    )
    diagnostic = only_diagnostic(text)
    assert diagnostic.span.line == text.splitlines().index(f"    teacher_parameters {bad}") + 1


def test_explain_names_the_teacher_and_its_source():
    body = f"  workload {{\n{STUDENT}    teacher_parameters 8B\n  }}\n"
    text = scenario_text("s", accelerator="H100", count=256, body=body)
    result = evaluate(scendsl.load_text(text).get("s"), CATALOG)
    node = result.metrics["workload.teacher_flops"]
    assert any("Hinton" in source for source in node.sources)


@pytest.mark.parametrize("share, fraction", [("25%", 0.25), ("0.5", 0.5), ("100%", 1.0)])
def test_a_teacher_over_part_of_the_tokens_pays_that_share(share, fraction):
    """A run that distils over one stage of its training (a pruned model's recovery) pays the
    teacher's forward pass on the tokens it scores alone, on both paths."""
    plain, whole, part = values(), values("8B"), values("8B", share)
    assert part["workload.teacher_flops"] == pytest.approx(
        fraction * whole["workload.teacher_flops"]
    )
    assert part["performance.hardware_flops_per_step"] - plain[
        "performance.hardware_flops_per_step"
    ] == pytest.approx(fraction * 2.0 * 8e9 * part["performance.tokens_per_step"])
    assert part["performance.mfu"] == plain["performance.mfu"]
    own = plain["workload.training_flops"]
    assert part["performance.training_time"] / plain["performance.training_time"] == (
        pytest.approx((own + part["workload.teacher_flops"]) / own)
    )


def test_without_a_share_the_teacher_scores_every_token():
    assert values("8B")["workload.teacher_share"] == 1.0
    assert values("8B", "100%")["workload.teacher_flops"] == values("8B")["workload.teacher_flops"]


def test_an_uncertain_share_keeps_its_range():
    body = (
        f"  workload {{\n{STUDENT}    teacher_parameters 8B\n    teacher_share 10% to 50%\n  }}\n"
    )
    text = scenario_text("s", accelerator="H100", count=256, body=body)
    result = evaluate(scendsl.load_text(text).get("s"), CATALOG)
    flops = figure_values(result)["workload.teacher_flops"]
    assert 0.1 * 2.0 * 8e9 * 1e12 < flops < 0.5 * 2.0 * 8e9 * 1e12


@pytest.mark.parametrize("bad", ["0", "0%", "120%", "-0.2", "8B"])
def test_a_share_outside_zero_to_one_is_an_error_at_its_line(bad):
    body = f"  workload {{\n    parameters 1B\n    teacher_parameters 8B\n    teacher_share {bad}\n  }}\n"
    text = scenario_text("s", body=body)
    diagnostic = only_diagnostic(text)
    assert diagnostic.span.line == text.splitlines().index(f"    teacher_share {bad}") + 1


def test_a_share_without_a_teacher_is_an_error_that_says_so():
    text = scenario_text("s", body="  workload {\n    parameters 1B\n    teacher_share 20%\n  }\n")
    diagnostic = only_diagnostic(text)
    assert diagnostic.span.line == text.splitlines().index("    teacher_share 20%") + 1
    assert "teacher_parameters" in diagnostic.message
    assert "needs a teacher" in diagnostic.message
    assert "write 'workload.teacher_parameters'" in (diagnostic.hint or "")
