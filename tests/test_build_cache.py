"""The build cache (scendsl.app.cache) and unchanged rebuilds: the same bytes, less work."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SKETCH, wait_until_settled
from factories import scenario_text
from scendsl.app.build import build

# A build records what it read only when the files had settled (files.settled) before it began.
pytestmark = pytest.mark.usefixtures("settled_at_once")


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def _entries(cache: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache / "v1" / kind).rglob("*") if p.is_file())


def _scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    shutil.copytree(SKETCH.parent, folder)
    return folder


def _scenario(tmp_path: Path) -> Path:
    scenario = tmp_path / "one.scn"
    scenario.write_text(scenario_text("one", title="One"), encoding="utf-8")
    return scenario


def test_a_cached_build_has_the_bytes_of_an_uncached_one_after_an_edit(tmp_path):
    scenarios, cache = _scenarios(tmp_path), tmp_path / "cache"
    build([str(scenarios)], str(tmp_path / "first"), cache_dir=cache)
    assert _entries(cache, "chart") and _entries(cache, "html")
    sketch = scenarios / SKETCH.name
    sketch.write_text(sketch.read_text().replace("pue   1.25", "pue   1.3", 1), encoding="utf-8")
    cached = build([str(scenarios)], str(tmp_path / "cached"), cache_dir=cache)
    assert "load" in cached.timings  # an input changed: built again, from cached parts
    build([str(scenarios)], str(tmp_path / "plain"))
    assert _contents(tmp_path / "cached") == _contents(tmp_path / "plain")
    assert _contents(tmp_path / "cached") != _contents(tmp_path / "first")


def test_after_an_edit_only_the_edited_files_scenario_pages_are_rendered_again(tmp_path):
    scenarios, cache = tmp_path / "scenarios", tmp_path / "cache"
    shutil.copytree(ROOT / "scenarios", scenarios)
    first = build([str(scenarios)], str(tmp_path / "first"), cache_dir=cache)
    pages = [name[: -len(".md")] for name in first.files if name.endswith(".md")]
    kept, runs = _entries(cache, "page"), _entries(cache, "run")
    assert len(kept) == len(pages) - 5  # every scenario's page; not the five topical pages
    edited = scenarios / "colossus2.scn"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("pue 1.25", "pue 1.3", 1), encoding="utf-8")
    build([str(scenarios)], str(tmp_path / "cached"), cache_dir=cache)
    build([str(scenarios)], str(tmp_path / "plain"))
    assert _contents(tmp_path / "cached") == _contents(tmp_path / "plain")
    # Made again: the pages of the scenarios that take the edited PUE (each extends the
    # edited one; colossus2_uncertain gives its own), and no other scenario's.
    before, after = _contents(tmp_path / "first"), _contents(tmp_path / "plain")
    changed = [page for page in pages[5:] if before[f"{page}.md"] != after[f"{page}.md"]]
    assert "colossus2" in changed and "colossus2_uncertain" not in changed
    assert len(_entries(cache, "page")) == len(kept) + len(changed)
    # The scenarios with ranges (colossus2_uncertain gives its own PUE): no new Monte Carlo run.
    assert len(_entries(cache, "run")) == len(runs) > 0


def test_an_unchanged_build_comes_from_the_cache_and_rewrites_nothing(tmp_path):
    scenarios, cache, out = _scenarios(tmp_path), tmp_path / "cache", tmp_path / "out"
    build([str(scenarios)], str(out), cache_dir=cache)
    before, stamps = _contents(out), _stamps(out)
    again = build([str(scenarios)], str(out), cache_dir=cache)
    assert "load" not in again.timings  # nothing was loaded, evaluated or rendered
    assert again.written == [] and "is up to date" in again.status_line()
    assert _contents(out) == before and _stamps(out) == stamps
    # Into an empty folder, the cached build writes the same bytes.
    fresh = build([str(scenarios)], str(tmp_path / "fresh"), cache_dir=cache)
    assert "load" not in fresh.timings and _contents(tmp_path / "fresh") == before


def test_an_edited_import_or_a_new_file_is_not_taken_from_the_cache(tmp_path):
    scenarios, cache, out = _scenarios(tmp_path), tmp_path / "cache", tmp_path / "out"
    build([str(scenarios)], str(out), cache_dir=cache)
    imported = scenarios / "references.scn"
    assert 'import "references.scn"' in (scenarios / SKETCH.name).read_text()
    imported.write_text(imported.read_text() + "\n# edited\n", encoding="utf-8")
    assert "load" in build([str(scenarios)], str(out), cache_dir=cache).timings
    (scenarios / "extra.scn").write_text(scenario_text("extra", title="Extra"), encoding="utf-8")
    report = build([str(scenarios)], str(out), cache_dir=cache)
    assert "load" in report.timings and (out / "extra.md").is_file()


def test_a_template_added_to_the_templates_folder_is_not_missed_by_the_cache(tmp_path):
    scenario = _scenario(tmp_path)
    templates, cache, out = tmp_path / "templates", tmp_path / "cache", tmp_path / "out"
    templates.mkdir()
    build([str(scenario)], str(out), str(templates), samples=0, cache_dir=cache)
    (templates / "risk.md.j2").write_text("# Our own risk page\n", encoding="utf-8")
    report = build([str(scenario)], str(out), str(templates), samples=0, cache_dir=cache)
    assert "load" in report.timings
    assert (out / "risk.md").read_text(encoding="utf-8") == "# Our own risk page\n"


def test_a_corrupted_cache_is_ignored_and_mended(tmp_path):
    scenario = _scenario(tmp_path)
    cache = tmp_path / "cache"
    build([str(scenario)], str(tmp_path / "first"), samples=0, cache_dir=cache)
    entries = [p for p in (cache / "v1").rglob("*") if p.is_file()]
    for number, entry in enumerate(entries):  # flipped bytes, truncations, emptied files
        data = entry.read_bytes()
        entry.write_bytes(
            [data[:-1] + bytes([data[-1] ^ 1]), data[: len(data) // 2], b""][number % 3]
        )
    report = build([str(scenario)], str(tmp_path / "again"), samples=0, cache_dir=cache)
    assert "load" in report.timings  # the corrupted record was not trusted
    assert _contents(tmp_path / "again") == _contents(tmp_path / "first")
    mended = build([str(scenario)], str(tmp_path / "mended"), samples=0, cache_dir=cache)
    assert "load" not in mended.timings
    assert _contents(tmp_path / "mended") == _contents(tmp_path / "first")


def test_a_kept_monte_carlo_run_that_would_run_code_is_a_miss(tmp_path):
    from scendsl.app.cache import open_cache

    scenarios, cache = tmp_path / "scenarios", tmp_path / "cache"
    shutil.copytree(ROOT / "scenarios", scenarios)
    build([str(scenarios)], str(tmp_path / "first"), cache_dir=cache)
    runs = _entries(cache, "run")
    assert runs
    # Sealed with this user's key, but running a function as it is read: a miss, made again.
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return os.mkdir, (str(marker),)

    for entry in runs:
        open_cache(cache).put("run", entry.name, pickle.dumps(Payload()))
    (scenarios / "colossus2.scn").write_text(
        (scenarios / "colossus2.scn").read_text().replace("pue 1.25", "pue 1.3"), "utf-8"
    )
    build([str(scenarios)], str(tmp_path / "cached"), cache_dir=cache)
    build([str(scenarios)], str(tmp_path / "plain"))
    assert _contents(tmp_path / "cached") == _contents(tmp_path / "plain")
    assert not marker.exists()
    assert all(b"mkdir" not in entry.read_bytes() for entry in runs)  # made again, kept


def test_an_unusable_cache_folder_is_ignored(tmp_path):
    scenario = _scenario(tmp_path)
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder would be", encoding="utf-8")
    build([str(scenario)], str(tmp_path / "a"), samples=0, cache_dir=not_a_folder)
    build([str(scenario)], str(tmp_path / "b"), samples=0)
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert not_a_folder.read_text(encoding="utf-8").startswith("a file")


def test_an_unchanged_rebuild_without_cache_keeps_every_file(tmp_path):
    scenarios, out = _scenarios(tmp_path), tmp_path / "out"
    build([str(scenarios)], str(out), samples=0)
    stamps = _stamps(out)
    report = build([str(scenarios)], str(out), samples=0)
    assert report.written == [] and _stamps(out) == stamps
    # One page changes: only the files whose bytes change are new; the others are kept.
    (scenarios / "extra.scn").write_text(scenario_text("extra", title="Extra"), encoding="utf-8")
    report = build([str(scenarios)], str(out), samples=0)
    after = _stamps(out)
    changed = {Path(p).name for p in report.written}
    assert "extra.md" in changed and "index.md" in changed
    kept = [n for n in stamps if n not in changed and n != ".scendsl-manifest" and n in after]
    assert kept and all(after[name] == stamps[name] for name in kept)
    assert all(after[name] != stamps.get(name) for name in changed if name in stamps)


def test_the_command_line_caches_in_scendsl_cache_dir(tmp_path):
    scenario = _scenario(tmp_path)
    env = dict(os.environ, SCENDSL_CACHE_DIR=str(tmp_path / "cache"))

    def run(*extra: str) -> str:
        command = [sys.executable, "-m", "scendsl", "build", str(scenario), "--samples", "0"]
        return subprocess.run(
            [*command, "-o", str(tmp_path / "out"), *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stderr

    run("--no-cache")
    assert not (tmp_path / "cache").exists()
    wait_until_settled(scenario)  # else the build keeps no record of itself
    run()
    assert _entries(tmp_path / "cache", "build")
    assert "is up to date" in run()


def test_region_codes_are_checked_without_importing_pycountry():
    code = (
        "import sys; from scendsl.catalog.grid import is_region_code, region_name; "
        "assert is_region_code('us-tx') and region_name('FR') == 'France'; "
        "assert not is_region_code('ZZ'); assert 'pycountry' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_no_worker_is_forked_while_every_core_is_busy(monkeypatch):
    from scendsl.app import pools

    cores = len(os.sched_getaffinity(0))
    monkeypatch.delenv("SCENDSL_JOBS", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (float(cores), 0.0, 0.0))
    assert pools.chart_pool() is None
    monkeypatch.setenv("SCENDSL_JOBS", "2")  # asked for: forked whatever the load
    pool = pools.chart_pool()
    try:
        assert pool is not None or cores < 2
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def test_a_cache_folder_others_may_write_is_not_used(tmp_path):
    scenario = _scenario(tmp_path)
    cache = tmp_path / "cache"
    (cache / "v1").mkdir(parents=True)
    (cache / "v1").chmod(0o777)  # another user could plant entries: their HTML in our pages
    build([str(scenario)], str(tmp_path / "out"), samples=0, cache_dir=cache)
    assert list((cache / "v1").iterdir()) == []


def test_a_scenario_modified_as_the_build_starts_is_not_recorded(tmp_path, monkeypatch):
    from scendsl.files import settled

    monkeypatch.setattr(settled, "SETTLING_NS", 2_000_000_000)
    scenario = tmp_path / "one.scn"
    scenario.write_text(scenario_text("one", title="One"), encoding="utf-8")  # modified now
    cache = tmp_path / "cache"
    build([str(scenario)], str(tmp_path / "out"), samples=0, cache_dir=cache)
    # What the build read may not be what the file holds at its end: no whole-build record
    # (its charts and pages are kept: they are keyed by their own content).
    assert _entries(cache, "build") == [] and _entries(cache, "html")
    monkeypatch.setattr(settled, "SETTLING_NS", 0)  # as it is two seconds later
    build([str(scenario)], str(tmp_path / "out"), samples=0, cache_dir=cache)
    assert _entries(cache, "build")


def test_a_cache_over_its_limit_loses_its_oldest_entries(tmp_path):
    from scendsl.app.cache import BuildCache

    cache = BuildCache(tmp_path / "cache")
    for number in range(10):
        cache.put("html", f"{number:064x}", b"x" * 1000)
        past = time.time() - 100 + number  # entry 0 is the oldest
        os.utime(cache._path("html", f"{number:064x}"), (past, past))
    assert cache.trim(limit=20_000) == 0
    assert cache.trim(limit=6_000) == 6  # down to three quarters of the limit: 4 entries left
    kept = [n for n in range(10) if cache.get("html", f"{n:064x}") is not None]
    assert kept == [6, 7, 8, 9]


def test_a_pool_whose_ending_hangs_is_killed_and_the_build_goes_on(monkeypatch):
    # Once, Pool.terminate waited for ever for a wake-up its worker-handler thread never got.
    # Stand-in: a pool whose terminate hangs, over a real worker process.
    import multiprocessing
    import threading

    from scendsl.app import pools

    release = threading.Event()
    worker = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,))
    worker.start()

    class HangingPool:
        def __init__(self):
            self._pool = [worker]

        def terminate(self):
            release.wait()

        def join(self):
            pass

    monkeypatch.setattr(pools, "END_TIMEOUT", 0.3)
    # In a thread of its own, so that an end_pool that waited for ever fails this test.
    ending = threading.Thread(target=pools.end_pool, args=(HangingPool(),), daemon=True)
    ending.start()
    ending.join(5.0)
    assert not ending.is_alive()
    worker.join(5.0)
    assert not worker.is_alive()
    release.set()


def test_a_pool_ends_normally_within_the_timeout():
    import multiprocessing

    from scendsl.app import pools

    pool = multiprocessing.get_context("fork").Pool(1)
    assert pool.apply(abs, (-3,)) == 3
    worker = pool._pool[0]
    pools.end_pool(pool)
    # Ended and released: Process.close() succeeds only on a process that has finished.
    with pytest.raises(ValueError, match="closed"):
        worker.is_alive()
