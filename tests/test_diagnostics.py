"""Golden diagnostics: each broken file in fixtures/broken sits next to the message it must give.

Regenerate with `pytest tests/test_diagnostics.py --force-regen`, then read every changed
`.expected` file before committing it.
"""

from pathlib import Path

import pytest

from scendsl import check
from scendsl.cli import main
from scendsl.errors import ScenarioError

BROKEN = Path("tests/fixtures/broken")
CASES = sorted(p.name for p in BROKEN.iterdir() if p.suffix == ".scn" or p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_broken_input_gets_located_diagnostics(case, file_regression):
    path = BROKEN / case
    with pytest.raises(ScenarioError) as caught:
        check([str(path)])
    diagnostics = caught.value.diagnostics
    assert diagnostics, "an error must carry at least one diagnostic"
    for diagnostic in diagnostics:
        assert diagnostic.span is not None, diagnostic.message
        assert diagnostic.span.line >= 1 and diagnostic.span.col >= 1
    text = "\n".join(d.render() for d in diagnostics) + "\n"
    file_regression.check(text, fullpath=BROKEN / (Path(case).stem + ".expected"))


@pytest.mark.parametrize("case", CASES)
def test_cli_check_exits_1_without_traceback(case, capsys):
    assert main(["check", str(BROKEN / case)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "error:" in captured.err
