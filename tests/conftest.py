from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SKETCH = FIXTURES / "sketch" / "language-sketch.scn"


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    # Diagnostics name files as given; tests give them relative to the repository root.
    monkeypatch.chdir(ROOT)
