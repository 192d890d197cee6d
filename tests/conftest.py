import os
import tempfile
import time
from pathlib import Path

import pytest

from scendsl.files import settled as settled_module

# The command line keeps a build cache in the user's cache folder; tests never use or fill it
# (tests of the cache name their own folder).
os.environ["SCENDSL_CACHE_DIR"] = ""
# Nor the key that seals cache entries (in the user's state folder): the tests that name a
# cache folder get a key of their own, made in this session's folder.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="scendsl-test-state-")

# The hostile-input reviews' shared fixtures (`live`: a server over a one-scenario build).
pytest_plugins = ["security_helpers"]

ROOT = Path(__file__).resolve().parent.parent
#: files.settled's settling time as the package sets it, before any test changes it.
_SETTLING_NS = settled_module.SETTLING_NS
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
    another process: by that process's settling time, which `settled_at_once` does not reach
    (in a module that uses it, the wait would end at once and the other process keep nothing)."""

    def last_change(path: Path) -> int:
        info = os.stat(path)
        return max(info.st_mtime_ns, info.st_ctime_ns)

    while not all(last_change(path) <= time.time_ns() - _SETTLING_NS for path in paths):
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    # Diagnostics name files as given; tests give them relative to the repository root.
    monkeypatch.chdir(ROOT)
