import json
import subprocess
import sys

from conftest import SKETCH
from scendsl.cli import main


def test_check_clean_file_exits_0(capsys):
    assert main(["check", str(SKETCH)]) == 0
    assert "ok: 3 scenarios" in capsys.readouterr().err


def test_check_folder_with_errors_exits_1_and_json_lists_all(capsys):
    assert main(["check", "--format", "json", "tests/fixtures/broken/several_errors.scn"]) == 1
    payload = json.loads(capsys.readouterr().out)
    spans = [(d["span"]["line"], d["span"]["col"]) for d in payload["diagnostics"]]
    assert spans == [(4, 23), (9, 10), (11, 17), (14, 8), (18, 26)]


def test_usage_error_exits_2():
    assert main(["check"]) == 2
    assert main(["no-such-command"]) == 2
    assert main([]) == 2


def test_missing_path_exits_1(capsys):
    assert main(["check", "does/not/exist.scn"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "scendsl", "check", str(SKETCH)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_schema_is_json_and_resolved_scenarios_validate_against_the_models(capsys):
    import scendsl
    from scendsl.scenario import ScenarioSet

    assert main(["schema"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {"Scenario", "Claim", "Uncertain"} <= set(document["scenarios"]["$defs"])
    assert "metrics" in document["result"]["properties"]
    # The resolver builds its models without validation (it has checked every value itself):
    # pydantic must accept what it built. The texts the load read are not serialised.
    resolved = scendsl.load("scenarios")
    assert resolved.texts and "texts" not in json.dumps(document["scenarios"]["properties"])
    without_texts = resolved.model_copy(update={"texts": {}})
    assert ScenarioSet.model_validate(resolved.model_dump()) == without_texts


def test_eval_text_values_start_in_one_column_however_long_the_names(capsys):
    # The catalog's references have names up to 50 characters and more (a reference's metric
    # is `divide.<reference>.accelerators_to_close`): a fixed column left their values astray.
    assert main(["eval", str(SKETCH)]) == 0
    for block in capsys.readouterr().out.split("\n\n"):
        figures = [line for line in block.splitlines() if line.startswith("    ")]
        if not figures:
            continue
        longest = max(len(line.split()[0]) for line in figures)
        assert longest > 44, "a name longer than the narrowest column"
        starts = {len(line) - len(line[4:].split(" ", 1)[1].lstrip()) for line in figures}
        assert len(starts) == 1, sorted(starts)
