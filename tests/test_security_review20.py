"""The twentieth hostile-input review (docs/security.md, items 129 on): the files editors and
other systems leave beside a scenario in a folder that is checked, built or served, the figures
a scenario can drive past every unit, and the surfaces the round changed (the expert overlap,
the exchange-rate table and its refusals, the name hints, the numpy-free scalar path). Each test
is named after the problem it pins."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from scendsl.cli import main
from tests.security_helpers import SCENARIO

# ------------------------------------------------- files editors leave beside a scenario


def test_an_editors_lock_file_beside_a_scenario_is_not_read(tmp_path, monkeypatch, capsys):
    # Emacs marks a buffer being edited with a link `.#NAME` to `user@host.pid`, which names no
    # file: it is there from the first keystroke to the save.
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "scenarios"]) == 0
    assert ".#s.scn" not in capsys.readouterr().err


def _folder_with_what_others_keep(tmp_path: Path) -> Path:
    """A scenario folder holding one scenario and what editors, macOS and tools keep beside it:
    Emacs's lock link, a Vim swap file named like a scenario, an AppleDouble file of binary
    bytes, and hidden folders (a repository's, a virtual environment's) with broken scenarios."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    (folder / "._s.scn").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (folder / ".s.scn").write_text("scenario {")
    for hidden in (".git", ".venv/lib/site-packages/pkg"):
        (folder / hidden).mkdir(parents=True)
        (folder / hidden / "broken.scn").write_text("scenario {")
    os.mkfifo(folder / ".git" / "pipe.scn")
    return folder


def test_what_editors_and_systems_keep_beside_scenarios_is_not_read(tmp_path, monkeypatch, capsys):
    folder = _folder_with_what_others_keep(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "scenarios"]) == 0
    assert main(["fmt", "scenarios"]) == 0
    assert (folder / ".s.scn").read_text() == "scenario {"  # not the user's to reformat
    assert main(["build", "scenarios", "-o", "out", "--samples", "0"]) == 0
    err = capsys.readouterr().err
    assert ".#s.scn" not in err and "._s.scn" not in err and "broken.scn" not in err
    assert (tmp_path / "out" / "small.html").exists()


def test_a_hidden_scenario_named_on_the_command_line_or_imported_is_read(
    tmp_path, monkeypatch, capsys
):
    folder = _folder_with_what_others_keep(tmp_path)
    monkeypatch.chdir(tmp_path)
    # Named, it is the user's: read (and refused when it does not parse).
    assert main(["check", "scenarios/.s.scn"]) == 1
    assert "scenarios/.s.scn:1:" in capsys.readouterr().err
    (folder / ".shared.scn").write_text(SCENARIO.replace("small", "shared"))
    (folder / "s.scn").write_text('import ".shared.scn"\n' + SCENARIO)
    assert main(["eval", "scenarios", "--samples", "0", "--format", "json"]) == 0
    assert '"shared"' in capsys.readouterr().out


def test_serve_does_not_rebuild_for_an_editors_lock_file(tmp_path, monkeypatch):
    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import watched_paths

    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "s.scn").write_text(SCENARIO)
    monkeypatch.chdir(tmp_path)
    builder = IncrementalBuilder(["scenarios"], str(tmp_path / "out"), samples=0)
    _, wanted = watched_paths(builder)
    added = type("Change", (), {"name": "added"})()
    assert wanted(added, str(folder / "s.scn"))
    assert wanted(added, str(folder / "sub" / "t.scn"))
    for name in (".#s.scn", "._s.scn", ".git/x.scn", "sub/.#t.scn"):
        assert not wanted(added, str(folder / name)), name
    # A live rebuild with the lock in place succeeds (it failed on the link, page after page).
    os.symlink("user@host.4242:1700000000", folder / ".#s.scn")
    from scendsl.app.serve import LiveServer

    server = LiveServer(builder, port=0)
    try:
        assert server.rebuild(io.StringIO())
    finally:
        server.stop()


# ---------------------------------------------------- figures driven past every unit
#: A scenario the language accepts, every figure at an edge of its bounds (the mixed-edge
#: probe of this review): its training time is 4.18e25 years.
PAST_EVERY_UNIT = """
accelerator X {
  bf16_dense 1000999999.9999999 FLOPS
  fp8_dense 1000999999.9999999 FLOPS
  fp4_dense 1000999999.9999999 FLOPS
  int8_dense 1e+20 FLOPS
  hbm 1000000000000000.0 B
  hbm_bandwidth 1e+17 B/s
  scaleup_bandwidth 1e+17 B/s
  scaleup_domain 1.0
  scaleout_bandwidth 1000999.9999999999 B/s
  hostlink_bandwidth 1000999.9999999999 B/s
  host_memory 1000999.9999999999 B
  tdp 1.001 W
  system_power 1000000.0 W
  die_area 100000.0 mm2
  price 1.001 USD
}
scenario s {
  year 2026
  region US
  cluster.accelerator H100
  cluster.count 8
  cluster.hfu 1e-10%
  cluster.overhead 500.0%
  cluster.restart_time 6.048e-07 s
  cluster.embodied_carbon 1000000.0 kgCO2
  cluster.lifetime 1577880000.0 s
  energy.pue 1.0
  energy.idle_power_fraction 100.0%
  workload.parameters 1.001
  workload.tokens 1.001
  workload.micro_batch 1000000000
  workload.layers 1000000
  workload.baseline_parameters 1e+16
  workload.head_dim 1
  workload.experts 1
  workload.expert_overlap 0.0%
  workload.accelerator_hours 31557.6 s
  workload.training_flops 1e+35 FLOP
}
"""


@pytest.mark.parametrize(
    "value, shown",
    [
        (4.1771785855578287e25, "4.18e25"),
        (1e308, "1.00e308"),
        (-1e20, "-1.00e20"),
        (9.996e16, "1.00e17"),  # rounds up to the next power of ten
        (6.11e-14, "6.11e-14"),
        (5e-324, "4.94e-324"),  # the smallest float: no division by a power of ten that is 0
        (123_456.0, "123,456"),  # within the bounds: as before
        (0.0000559, "0.0000559"),
    ],
)
def test_a_figure_past_every_unit_is_written_with_three_digits_not_all_of_its_float(value, shown):
    from scendsl.report.numbers import format_value, sig

    assert sig(value) == shown
    for dimension in ("time", "currency", None, "power", "fraction"):
        assert len(format_value(value, dimension)) < 30, dimension


def test_check_warns_of_a_figure_past_every_unit_in_the_words_eval_does():
    # check evaluates with Python's math (no numpy to import), eval with numpy's: the last bit
    # of a figure may differ, and a figure written with every digit of its float showed it
    # (`41,771,785,855,578,287,793,766,400 years` against `...279,203,831,808 years`).
    import scendsl
    from scendsl.app.pipeline import check_warnings, evaluate_all
    from scendsl.report.warnings import warning_diagnostics

    scenarios = scendsl.load_text(PAST_EVERY_UNIT)
    checked = [d.message for d in check_warnings(scenarios)]
    evaluated = [d.message for d in warning_diagnostics(evaluate_all(scenarios).results)]
    assert checked == evaluated
    # Written with three digits past every unit (the figure itself follows the model).
    assert any(re.search(r"\b\d\.\d\de2\d years", message) for message in checked)


def test_eval_shows_a_training_time_past_every_unit_in_three_digits(tmp_path, capsys):
    source = tmp_path / "s.scn"
    source.write_text(
        SCENARIO.replace("cluster.count 1000", "cluster.count 1\n  cluster.mfu 0.01%\n").replace(
            "}", "  workload.training_flops 1e35 FLOP\n}"
        )
    )
    assert main(["eval", str(source), "--samples", "0"]) == 0
    out = capsys.readouterr().out
    assert "3.20e16 years" in out
    assert max(len(word) for word in out.split()) < 60


# -------------------------------------------------- GitHub's strikethrough in user text
STRUCK = ["~~all claims hold~~", "~fails~", "a ~~b~~ c ~d~", "~1.2s and ~2x"]


@pytest.mark.parametrize("text", STRUCK)
def test_a_tilde_in_user_text_strikes_nothing_through_on_github(text):
    import cmarkgfm

    from scendsl.report.render import markdown_to_html, md_escape

    for markdown in (f"Quote: {md_escape(text)}\n", f"| quote |\n|---|\n| {md_escape(text)} |\n"):
        page = cmarkgfm.github_flavored_markdown_to_html(markdown)
        assert "<del>" not in page and text in page, page
        # The briefings' own converter reads the escape as a tilde, as GitHub does.
        assert text in markdown_to_html(markdown)


def test_a_struck_claim_quote_in_a_pull_request_comment_reads_as_written(tmp_path, capsys):
    import cmarkgfm

    scenario = (
        'scenario hostile {{\n  title "~~reviewed~~ by ~security~"\n  year 2026\n  region DE\n'
        "  cluster.accelerator MI300X\n  cluster.count {count}\n"
        '  expect cluster.count >= 100 "~~fails~~ holds"\n}}\n'
    )
    for folder, count in (("old", 128), ("new", 64)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "h.scn").write_text(scenario.format(count=count))
    main(["diff", str(tmp_path / "old"), str(tmp_path / "new"), "--format", "markdown"])
    page = cmarkgfm.github_flavored_markdown_to_html(capsys.readouterr().out)
    assert "~~fails~~ holds" in page and "<del>" not in page


# ------------------------------------------- comments that read otherwise than they parse
#: A comment that hides code (`cluster.count 1` after a carriage return alone: an editor shows
#: it as a line of its own), or whose end an override or isolate moves (Trojan Source).
HIDING_COMMENTS = {
    "\r": "  cluster.count 1000 # was 1\r  cluster.count 1\n",
    "\u2028": "  cluster.count 1000 # was 1\u2028  cluster.count 1\n",
    "\u2029": "  cluster.count 1000 # was 1\u2029  cluster.count 1\n",
    "\x85": "  cluster.count 1000 # was 1\x85  cluster.count 1\n",
    "\u202e": "  cluster.count 1000 # \u202e 1 tnuoc.retsulc\n",
    "\u2066": "  cluster.count 1000 # \u2066\u2069 cluster.count 1\n",
    "\u202a": "  cluster.count 1000 # \u202a note\n",
}


@pytest.mark.parametrize("char", list(HIDING_COMMENTS))
def test_a_comment_that_reads_otherwise_than_it_parses_is_refused_at_its_character(
    tmp_path, capsys, char
):
    text = SCENARIO.replace("  cluster.count 1000\n", HIDING_COMMENTS[char])
    source = tmp_path / "s.scn"
    source.write_bytes(text.encode("utf-8"))
    assert main(["check", str(source)]) == 1
    err = capsys.readouterr().err
    line = text[: text.index(char)].count("\n") + 1
    col = text.index(char) - text.rfind("\n", 0, text.index(char))
    assert f"s.scn:{line}:{col}: error: a comment holds U+{ord(char):04X}" in err
    assert char not in err  # quoted spelt, as every diagnostic quotes


def test_the_same_characters_in_strings_and_line_ends_are_the_users_text(tmp_path):
    import scendsl

    # In a string they are text (spelt in the terminal, left out of the briefings); CRLF line
    # ends and a `#` inside a string are no comment's.
    text = SCENARIO.replace(
        "scenario small {",
        'scenario small { # a CRLF file\r\n  title "a\u202eb # c\rd\u2028e" # note\r\n',
    )
    scenario = scendsl.load_text(text).get("small")
    assert scenario.title == "a\u202eb # c\rd\u2028e"


def test_a_file_of_many_hiding_comments_is_refused_with_a_bounded_number_of_errors():
    import time

    import scendsl
    from scendsl.errors import ScenarioError
    from scendsl.language.parse import MAX_SYNTAX_ERRORS

    text = SCENARIO + "# a\u202eb\n" * 10_000
    started = time.process_time()
    with pytest.raises(ScenarioError) as refused:
        scendsl.load_text(text)
    assert len(refused.value.diagnostics) == MAX_SYNTAX_ERRORS
    assert time.process_time() - started < 1


def test_a_carriage_return_alone_between_the_words_of_a_line_is_refused(tmp_path, capsys):
    # `cluster.count<CR>  1000` shows as two lines, `cluster.count` and `1000`: read as one.
    source = tmp_path / "s.scn"
    source.write_bytes(SCENARIO.replace("count 1000", "count\r  1000").encode("utf-8"))
    assert main(["check", str(source)]) == 1
    err = capsys.readouterr().err
    assert "s.scn:6:16: error: a line holds U+000D (CARRIAGE RETURN) alone" in err


def test_import_completion_offers_no_editors_lock_file(tmp_path):
    from tests.security_helpers import lsp_session

    (tmp_path / "b.scn").write_text(SCENARIO.replace("small", "b"))
    os.symlink("user@host.4242:1700000000", tmp_path / ".#b.scn")
    (tmp_path / "._b.scn").write_bytes(b"\x00\x05\x16\x07")
    text = 'import "'
    messages = lsp_session(
        tmp_path,
        (tmp_path / "a.scn").as_uri(),
        text,
        [
            (
                "textDocument/completion",
                {
                    "textDocument": {"uri": (tmp_path / "a.scn").as_uri()},
                    "position": {"line": 0, "character": len(text)},
                },
            )
        ],
    )
    answer = next(m for m in messages if m.get("id") == 1)["result"]
    items = answer["items"] if isinstance(answer, dict) else answer
    assert [item["label"] for item in items] == ["b.scn"]
