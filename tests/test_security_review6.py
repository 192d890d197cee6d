"""Sixth hostile-input review: extreme but valid numbers flowing into every figure, relations
filled in by the model's defaults, the language server's protocol layer, revisions on the
command line. Each test is named after the class of problem it pins."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

import scendsl
from scendsl.cli import main
from scendsl.model.evaluate import evaluate
from scendsl.report.warnings import scenario_warnings

#: A cluster of 10^9 H100 (the largest count allowed) at the catalog's failure rate: interrupted
#: every 0.2 s, sooner than a checkpoint (10 s) or a restart (10 min) completes.
NEVER_FINISHES = """\
scenario s {
  year   2024
  region US
  cluster {
    accelerator H100
    count       1000000000
  }
  workload {
    parameters 405B
    tokens     15.6T
  }
}
"""


def _result(text: str):
    return evaluate(scendsl.load_text(text, name="x.scn").scenarios[0])


def _infinite(result) -> set[str]:
    return {
        name
        for name, node in result.metrics.items()
        if isinstance(node.value, float) and not math.isfinite(node.value)
    }


def _warning(result, rule: str):
    return next((w for w in scenario_warnings(result) if w.rule == rule), None)


# --------------------------------------------------- a run that keeps no work: infinite figures
def test_a_run_interrupted_sooner_than_it_can_checkpoint_warns_at_the_line_for_its_infinite_figures():
    # Every training figure read ∞ in the briefings (inf in CSV, null in JSON) without a word.
    result = _result(NEVER_FINISHES)
    infinite = _infinite(result)
    assert "reliability.training_time" in infinite and "energy.training_cost" in infinite
    warning = _warning(result, "run-never-finishes")
    assert warning is not None
    assert warning.span is not None and warning.span.line == 6  # `count 1000000000`
    assert "never finishes" in warning.text and "182 ms" in warning.text
    assert infinite <= set(warning.metrics), infinite - set(warning.metrics)


def test_a_run_that_keeps_its_work_gets_no_never_finishes_warning():
    result = _result(NEVER_FINISHES.replace("1000000000", "16000"))
    assert not _infinite(result)
    assert _warning(result, "run-never-finishes") is None


def test_lost_time_of_a_given_duration_when_no_work_is_kept_is_the_duration_not_infinite():
    text = NEVER_FINISHES.replace("tokens     15.6T", "tokens     15.6T\n    duration   100 days")
    result = _result(text)
    assert result.metrics["reliability.goodput"].value == 0
    assert result.metrics["reliability.training_time"].value == 100 * 86400
    assert result.metrics["reliability.lost_time"].value == 100 * 86400


def test_the_never_finishes_warning_reaches_check_with_its_location(tmp_path, capsys):
    source = tmp_path / "big.scn"
    source.write_text(NEVER_FINISHES, encoding="utf-8")
    assert main(["check", str(source)]) == 0
    err = capsys.readouterr().err
    assert f"{source}:6:5: warning: scenario 's': the cluster is interrupted every 182 ms" in err
    assert "Traceback" not in err


def test_a_claim_on_an_infinite_figure_is_decided_not_left_undecided():
    # `expect reliability.training_time < 100 days` read n/a for a run that never finishes, so
    # `--fail-on-claims` let it through.
    claims = (
        '  expect reliability.training_time < 100 days "a"\n'
        '  expect reliability.training_time ~= 30 days ± 10% "b"\n'
        '  expect energy.training_cost > 1 USD "c"\n'
    )
    text = NEVER_FINISHES[: NEVER_FINISHES.rindex("}")] + claims + "}\n"
    result = _result(text)
    assert [c.holds for c in result.claims] == [False, False, True]
    assert all(c.margin is None for c in result.claims)  # an infinite margin is no number
    assert math.isinf(result.claims[0].actual)


# --------------------------------------------- a relation whose other side the model fills in
KV_HEADS = """\
scenario s {
  year   2024
  region US
  cluster {
    accelerator H100
    count       1024
  }
  workload {
    parameters  405B
    tokens      15.6T
    parallelism tensor 8, pipeline 8, data auto
    kv_heads    1000000
  }
}
"""


def test_kv_heads_above_the_heads_the_model_takes_from_the_width_warn_at_the_kv_heads_line():
    # `check` refuses kv_heads above attention_heads when both are written; with the heads taken
    # from the width, kv_heads 1000000 gave a key/value width of 128 M without a word.
    result = _result(KV_HEADS)
    assert result.metrics["performance.attention_heads"].value < 200  # from the width
    warning = _warning(result, "kv-heads-above-heads")
    assert warning is not None and warning.span is not None and warning.span.line == 12
    assert "performance.kv_width" in warning.metrics


def test_kv_heads_within_the_heads_the_model_takes_from_the_width_do_not_warn():
    result = _result(KV_HEADS.replace("1000000", "8"))
    assert _warning(result, "kv-heads-above-heads") is None


def test_more_pipeline_stages_than_the_layers_the_model_takes_from_the_parameters_warn():
    # `check` refuses `pipeline 8` beside `layers 4`; beside the 71 layers the model takes from
    # 70B parameters, `pipeline 128` passed without a word.
    text = KV_HEADS.replace("405B", "70B").replace("tensor 8, pipeline 8", "tensor 1, pipeline 128")
    text = text.replace("    kv_heads    1000000\n", "")
    result = _result(text)
    assert result.inputs["workload.layers"].value < 128
    warning = _warning(result, "pipeline-stages-above-layers")
    assert warning is not None and warning.span is not None and warning.span.line == 11
    fits = _result(text.replace("pipeline 128", "pipeline 8"))
    assert _warning(fits, "pipeline-stages-above-layers") is None


def test_a_context_degree_that_does_not_divide_the_default_sequence_length_warns():
    # `check` refuses `context 3` beside a written sequence length of 4096; beside the default
    # 4,096 tokens it passed without a word.
    text = KV_HEADS.replace("tensor 8, pipeline 8,", "tensor 8, pipeline 1, context 3,")
    text = text.replace("    kv_heads    1000000\n", "")
    result = _result(text)
    warning = _warning(result, "context-does-not-divide-sequence")
    assert warning is not None and warning.span is not None and warning.span.line == 11
    assert "4,096" in warning.text
    fits = _result(text.replace("context 3", "context 4"))
    assert _warning(fits, "context-does-not-divide-sequence") is None


# ------------------------------------------- language server: messages that do not fit the types
pytest.importorskip("pygls")

sys.path.insert(0, str(Path(__file__).parent))
from test_lsp_security import RawClient  # noqa: E402

BASE = 'scenario base {\n  title "Base"\n  year 2026\n  region US\n}\n'


def _hover(client: RawClient, uri: str, request_id: int, position: object) -> dict | None:
    client.send(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": position},
        }
    )
    return client.answer(request_id, timeout=10)


def test_a_request_whose_parameters_do_not_fit_the_protocol_is_answered_in_one_line(tmp_path):
    # pygls logged two tracebacks and sent no answer: the editor waited for ever.
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        uri = (tmp_path / "a.scn").as_uri()
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {"uri": uri, "languageId": "scn", "version": 1, "text": BASE}
                },
            }
        )
        for request_id, position in (
            (2, {"line": -1, "character": -5}),
            (3, {"line": 2**40, "character": 0}),
            (4, "x"),
        ):
            answer = _hover(client, uri, request_id, position)
            assert answer is not None, position
            assert answer["error"]["code"] == -32602, answer
            assert "\n" not in answer["error"]["message"]
        fine = _hover(client, uri, 5, {"line": 1, "character": 3})
        assert fine is not None and "title" in fine["result"]["contents"]["value"]
    finally:
        code, err = client.close()  # the client closes the stream: the server ends
    assert code == 0 and "Traceback" not in err, err
    assert "Position.line should be in range" in err


def test_a_message_that_is_not_json_is_one_log_line_not_a_traceback(tmp_path):
    client = RawClient(tmp_path)
    try:
        client.initialize(tmp_path)
        client.send(b'Content-Length: 5\r\n\r\n{"a":')
        uri = (tmp_path / "a.scn").as_uri()
        assert _hover(client, uri, 2, {"line": 0, "character": 0}) is not None
    finally:
        code, err = client.close()  # the client closes the stream: the server ends
    assert code == 0 and "Traceback" not in err, err
    assert "JSONDecodeError" in err


# ------------------------------------------------------------------ revisions on the command line
def test_a_revision_with_a_line_break_cannot_forge_output_lines(capsys):
    code = main(["diff", "--git", "HEAD\nok: 0 errors", "scenarios"])
    err = capsys.readouterr().err
    assert code != 0
    assert "\nok: 0 errors" not in err and "HEAD\\nok: 0 errors" in err, err
