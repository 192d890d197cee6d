import json
import subprocess
import sys

from scendsl.cli import main

from conftest import SKETCH


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
    done = subprocess.run([sys.executable, "-m", "scendsl", "check", str(SKETCH)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
