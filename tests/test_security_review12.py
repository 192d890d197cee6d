"""Twelfth hostile-input review: text pasted from elsewhere (characters that only look like the
language's own: Cyrillic letters, full-width forms, typographic quotes and dashes, non-breaking
and zero-width spaces), and what this round tried elsewhere. Each test is named after the class
of problem it pins."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from scendsl.cli import main

SCENARIO = """scenario base {{
  region {region}
  year 2025
  cluster {{
    accelerator {accelerator}
    count {count}
  }}
  workload {{
    parameters 70B
    tokens 1T
  }}
}}
"""


def _check(tmp_path: Path, capsys, **fields: str) -> str:
    """`scendsl check` of a one-scenario file with `fields` written in; its error output."""
    values = {"region": "US", "accelerator": "H100", "count": "1000", **fields}
    path = tmp_path / "pasted.scn"
    path.write_text(SCENARIO.format(**values), encoding="utf-8")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    return err


# ------------------------------ look-alike characters in the language: named, and their plain form
@pytest.mark.parametrize(
    ("fields", "named", "plain"),
    [
        # a Cyrillic capital EN (U+041D) in a name prints exactly like the Latin 'H'
        ({"accelerator": "\u041d100"}, "U+041D CYRILLIC CAPITAL LETTER EN", "'H'"),
        ({"accelerator": "\uff28100"}, "U+FF28 FULLWIDTH LATIN CAPITAL LETTER H", "'H'"),
        ({"region": "\u201cUS\u201d"}, "U+201C LEFT DOUBLE QUOTATION MARK", "'\"'"),
        ({"count": "1000 \u2013 2000"}, "U+2013 EN DASH", "'-'"),
        ({"count": "\uff11000"}, "U+FF11 FULLWIDTH DIGIT ONE", "'1'"),
    ],
)
def test_a_character_that_only_looks_like_the_languages_own_is_named_and_its_plain_form_given(
    fields, named, plain, tmp_path, capsys
):
    err = _check(tmp_path, capsys, **fields)
    assert "unexpected character '" in err and f"({named})" in err
    assert f"hint: it only looks like {plain}" in err


@pytest.mark.parametrize(
    ("count", "named", "hint"),
    [
        ("1\u200b000", "U+200B ZERO WIDTH SPACE", "hint: an invisible character: delete it"),
        ("\u00a01000", "U+00A0 NO-BREAK SPACE", "hint: it only looks like a space"),
    ],
)
def test_an_invisible_or_non_breaking_space_is_named_and_the_fix_given(
    count, named, hint, tmp_path, capsys
):
    err = _check(tmp_path, capsys, count=count)
    code, _, name = named.partition(" ")
    assert f"unexpected character {code} ({name})" in err
    assert hint in err


def test_a_character_with_no_plain_look_alike_is_still_named_without_a_guess(tmp_path, capsys):
    err = _check(tmp_path, capsys, count="1000 \u2603")
    assert "unexpected character '\u2603' (U+2603 SNOWMAN)" in err
    assert "only looks like" not in err


@pytest.mark.parametrize(
    ("region", "plain"),
    [
        ('"\uff35\uff33"', "US"),  # full-width letters
        ('"\u0421N"', "CN"),  # a Cyrillic capital ES before a Latin 'N'
        ('"\u0421hina"', "CN"),  # a country's name with a Cyrillic first letter
        ('"US\u200b"', "US"),  # a zero-width space after the code
    ],
)
def test_a_quoted_region_in_look_alike_characters_is_told_its_plain_code(
    region, plain, tmp_path, capsys
):
    err = _check(tmp_path, capsys, region=region)
    assert "unknown region" in err
    assert "only look like" in err and f"'{plain}'" in err


def test_a_long_string_of_look_alike_characters_gets_a_bounded_message(tmp_path, capsys):
    err = _check(tmp_path, capsys, region='"' + "\u0421" * 9_000 + '"')
    assert "unknown region" in err
    assert len(err) < 3_000


def test_an_invisible_line_separator_is_named_once(tmp_path, capsys):
    err = _check(tmp_path, capsys, count="1000 \u2028")
    assert "unexpected character U+2028 (LINE SEPARATOR)" in err


# --------------------------------------------- serve: the watched folder removed and put back
def _wait_for(log: Path, text: str, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while log.read_text().count(text) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"no {count} x {text!r} in the serve log:\n{log.read_text()}")
        time.sleep(0.05)


def test_serve_keeps_watching_a_folder_that_is_removed_and_put_back(tmp_path):
    """`rm -rf scenarios; cp -r elsewhere scenarios` (a checkout, a restore) while serving: the
    watcher lost the folder and never rebuilt again, silently."""
    from test_serve import Server, _project

    folder = _project(tmp_path)
    server = Server(folder)
    try:
        _wait_for(server.log, "built in", 1)
        kept = tmp_path / "kept"
        shutil.move(folder / "scenarios", kept)
        _wait_for(server.log, "the build failed", 1, 30)
        time.sleep(0.3)
        shutil.move(kept, folder / "scenarios")
        _wait_for(server.log, "built in", 2)
        # and it goes on watching the folder put back
        scn = folder / "scenarios" / "landscape.scn"
        scn.write_text(scn.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        _wait_for(server.log, "built in", 3)
    finally:
        assert server.stop() == 0


def test_serve_survives_a_folder_removed_before_its_watch_begins(tmp_path, monkeypatch):
    """The folder moved away between the first build and the start of the watch (the race the
    test above met on a loaded machine): watchfiles refused to start ("No path was found") and
    `serve` ended with an internal error. It now shows the failed build, waits and rebuilds."""
    import _thread
    import io
    import threading

    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import serve

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(Path(__file__).parent.parent / "scenarios" / "landscape.scn", folder)
    kept = tmp_path / "kept"
    monkeypatch.chdir(tmp_path)
    log = io.StringIO()
    builder = IncrementalBuilder(["scenarios"], str(tmp_path / "out"), samples=0)

    def put_back_then_stop() -> None:
        deadline = time.monotonic() + 60
        while "watching again" not in log.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.move(kept, folder)
        while log.getvalue().count("built in") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        _thread.interrupt_main()

    def move_away(_server) -> None:  # runs after the first build, before the watch starts
        shutil.move(folder, kept)
        threading.Thread(target=put_back_then_stop, daemon=True).start()

    assert serve(builder, port=0, out=log, ready=move_away) == 0
    text = log.getvalue()
    assert "internal error" not in text
    assert "the build failed" in text and "scenarios is back" in text
    assert text.count("built in") >= 2 and "stopped" in text
