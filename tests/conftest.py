import os
import tempfile
import time
from pathlib import Path

import pytest

# The command line keeps a build cache in the user's cache folder; tests never use or fill it
# (tests of the cache name their own folder).
os.environ["SCENDSL_CACHE_DIR"] = ""
# Nor the key that seals cache entries (in the user's state folder): the tests that name a
# cache folder get a key of their own, made in this session's folder.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="scendsl-test-state-")

# The hostile-input reviews' shared fixtures (`live`: a server over a one-scenario build).
pytest_plugins = ["security_helpers"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SKETCH = FIXTURES / "sketch" / "language-sketch.scn"


@pytest.fixture
def settled_at_once(monkeypatch):
    """Files count as settled once written (files.settled): a cache then keeps what it made
    from a file the test wrote a moment before (a time of status change cannot be set back,
    and waiting two seconds a test adds up)."""
    from scendsl.files import settled

    monkeypatch.setattr(settled, "SETTLING_NS", 0)


def wait_until_settled(*paths: Path) -> None:
    """Wait until `paths` have settled (files.settled), for a test whose cache is filled by
    another process."""
    from scendsl.files.settled import settled

    while not all(settled(os.stat(path), time.time_ns()) for path in paths):
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    # Diagnostics name files as given; tests give them relative to the repository root.
    monkeypatch.chdir(ROOT)
