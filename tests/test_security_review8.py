"""Eighth hostile-input review: the auto layout and the default MFU spread at extreme values,
unusual regions, files that change kind under `serve`, and the command line's output paths.
Each test is named after the class of problem it pins."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import scendsl
from factories import scenario_text
from scendsl.app.incremental import IncrementalBuilder
from scendsl.cli import main
from scendsl.errors import ScenarioError


def _scenario_file(folder: Path, name: str = "one") -> Path:
    source = folder / f"{name}.scn"
    source.write_text(scenario_text(name, title="One"), encoding="utf-8")
    return source


# ------------------------------------------- a table written over a scenario file is refused
@pytest.mark.parametrize("target", ["input", "link to input", "new scn", "upper case"])
def test_an_eval_table_written_over_a_scenario_file_is_refused_and_the_file_kept(
    tmp_path, capsys, target
):
    # `eval --format csv -o one.scn` replaced the scenario with a table: the input was gone and
    # the next `check` of the folder read CSV as a scenario.
    source = _scenario_file(tmp_path)
    before = source.read_bytes()
    output = {
        "input": source,
        "link to input": tmp_path / "table.csv",
        "new scn": tmp_path / "table.scn",
        "upper case": tmp_path / "TABLE.SCN",
    }[target]
    if target == "link to input":
        output.symlink_to(source.name)
    code = main(["eval", str(source), "--samples", "0", "--format", "csv", "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err and "internal error" not in err
    assert "is a scenario file" in err
    assert source.read_bytes() == before
    if target in ("new scn", "upper case"):
        assert not output.exists()


def test_an_eval_table_written_beside_the_scenarios_is_still_written(tmp_path):
    source = _scenario_file(tmp_path)
    table = tmp_path / "table.csv"
    assert main(["eval", str(source), "--samples", "0", "--format", "csv", "-o", str(table)]) == 0
    assert table.read_text(encoding="utf-8").startswith("scenario,")


# ------------------------------------- serve's rebuild reads the templates folder safely
def _stamp_within(builder: IncrementalBuilder, seconds: float) -> str:
    """The builder's digest of its templates, or a failure when it does not return in time
    (a blocked open of a FIFO, a read that never ends)."""
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(builder._templates_stamp()), daemon=True)
    worker.start()
    worker.join(seconds)
    if not done:
        pytest.fail(f"the templates' digest did not return within {seconds} s")
    return done[0]


@pytest.mark.parametrize("kind", ["fifo", "link to a fifo"])
def test_serve_does_not_hang_on_a_fifo_or_a_device_in_the_templates_folder(tmp_path, kind):
    # `serve --templates tpl` digested every file of the folder with a plain `open` and a
    # whole `read()` at each rebuild: a FIFO there (or a link to one) blocked the rebuild for
    # ever, a link to a device such as /dev/zero read without end (the one-shot build's digest
    # already refused both). A test never touches /dev: the FIFO stands for both.
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "notes.txt").write_text("kept", encoding="utf-8")
    odd = templates / "odd"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        os.mkfifo(tmp_path / "pipe")
        odd.symlink_to(tmp_path / "pipe")
    builder = IncrementalBuilder(["none.scn"], str(tmp_path / "out"), str(templates), samples=0)
    first = _stamp_within(builder, 5.0)
    (templates / "notes.txt").write_text("changed", encoding="utf-8")
    assert _stamp_within(builder, 5.0) != first  # an edit beside it still starts a rebuild


def test_serve_rebuilds_with_a_fifo_in_the_templates_folder(tmp_path):
    source = _scenario_file(tmp_path)
    templates = tmp_path / "tpl"
    templates.mkdir()
    os.mkfifo(templates / "pipe")
    builder = IncrementalBuilder([str(source)], str(tmp_path / "out"), str(templates), samples=0)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(builder.build()), daemon=True)
    worker.start()
    worker.join(60)
    assert done, "the rebuild hung"
    assert (tmp_path / "out" / "one.html").is_file()


def test_a_refused_output_file_is_a_scenario_error_not_an_os_error(tmp_path):
    from scendsl.files import check_output_file

    with pytest.raises(ScenarioError, match="is a scenario file"):
        check_output_file(str(_scenario_file(tmp_path)))
    check_output_file(str(tmp_path / "table.xlsx"))


# ------------------------------------- a word from the command line cannot forge output lines
FORGED = "x\nok: 0 errors, every claim holds"


@pytest.mark.parametrize(
    "arguments",
    [
        ["explain", "{file}", FORGED, "performance.training_time"],
        ["explain", "{file}", "one", FORGED],
        ["new", FORGED, "-o", "-"],
        ["new", "fresh", "--region", FORGED, "-o", "-"],
        ["new", "fresh", "--accelerator", FORGED, "-o", "-"],
        ["new", "fresh", "--from", "{file}:" + FORGED, "-o", "-"],
    ],
    ids=["explain scenario", "explain metric", "new name", "region", "accelerator", "from"],
)
def test_a_name_with_a_line_break_on_the_command_line_cannot_forge_output_lines(
    tmp_path, capsys, arguments
):
    # Paths were printed with their line breaks spelt (item 56), but the names a command takes
    # (a scenario, a metric, a region, an accelerator) were printed as given: the second line
    # of `explain x.scn 'x<LF>ok: 0 errors' m` read "ok: 0 errors, every claim holds".
    source = _scenario_file(tmp_path)
    code = main([a.replace("{file}", str(source)) for a in arguments])
    captured = capsys.readouterr()
    assert code != 0
    for line in (captured.out + captured.err).splitlines():
        assert not line.startswith("ok:"), line
    assert "\\nok" in captured.err  # the line break is spelt, in the one line


def test_every_line_of_a_diagnostic_is_one_line_whatever_its_message_holds():
    from scendsl.errors import Diagnostic, Span

    diagnostic = Diagnostic("bad\rname\nok: fine", Span("a.scn", 1, 1), "try\nok")
    rendered = diagnostic.render().splitlines()
    assert rendered == ["a.scn:1:1: error: bad\\rname\\nok: fine", "  hint: try\\nok"]


# ------------------------------- a link swapped in between the discovery and the read is refused
SECRET = 'scenario secret {\n  title "the secret outside"\n}\n'


def _swap_for_link_outside(file: Path, outside: Path) -> None:
    file.unlink()
    file.symlink_to(outside)


def test_a_file_swapped_for_a_link_outside_after_the_discovery_is_not_read(tmp_path):
    # The discovery refused a link leaving the named folder, but the file was read later by
    # its path, following whatever link was there by then: a file swapped between the two
    # (a shared folder, `serve` rebuilding on every change) was read, parsed and quoted.
    from scendsl.errors import DiagnosticSink
    from scendsl.files import scenario_files
    from scendsl.language.loading import load_documents

    folder = tmp_path / "shared"
    folder.mkdir()
    victim = _scenario_file(folder)
    outside = tmp_path / "private.scn"
    outside.write_text(SECRET, encoding="utf-8")
    sink, roots = DiagnosticSink(), {}
    files = scenario_files([str(folder)], sink, roots)
    assert files == [str(victim)] and not sink.diagnostics
    _swap_for_link_outside(victim, outside)  # after the discovery, before the read
    documents = load_documents(files, sink, roots=roots)
    assert documents == []
    (diagnostic,) = sink.diagnostics
    assert "leads outside" in diagnostic.message
    assert "secret" not in diagnostic.render()


def test_an_import_swapped_for_a_link_outside_is_not_read(tmp_path):
    from scendsl.files import open_regular

    folder = tmp_path / "shared"
    folder.mkdir()
    inside = _scenario_file(folder, "inner")
    outside = tmp_path / "private.scn"
    outside.write_text(SECRET, encoding="utf-8")
    with open_regular(str(inside), inside=str(folder)) as handle:
        assert handle.read().startswith(b"scenario inner")
    _swap_for_link_outside(inside, outside)
    with pytest.raises(OSError, match="leads outside"):
        open_regular(str(inside), inside=str(folder))
    (folder / "near.scn").symlink_to("inner.scn")  # a link inside to a link out: still out
    with pytest.raises(OSError, match="leads outside"):
        open_regular(str(folder / "near.scn"), inside=str(folder))


def test_fmt_never_writes_through_a_link_swapped_in_after_the_discovery(tmp_path):
    from scendsl.files import replace_file

    folder = tmp_path / "shared"
    folder.mkdir()
    victim = _scenario_file(folder)
    outside = tmp_path / "private.scn"
    outside.write_text(SECRET, encoding="utf-8")
    _swap_for_link_outside(victim, outside)
    with pytest.raises(OSError, match="leads outside"):
        replace_file(str(victim), b"formatted", inside=str(folder))
    assert outside.read_text(encoding="utf-8") == SECRET
    replace_file(str(folder / "new.scn"), b"formatted", inside=str(folder))
    assert (folder / "new.scn").read_bytes() == b"formatted"


def test_a_file_named_on_the_command_line_is_still_read_wherever_its_link_leads(tmp_path):
    outside = tmp_path / "elsewhere" / "one.scn"
    outside.parent.mkdir()
    outside.write_text(scenario_text("one"), encoding="utf-8")
    link = tmp_path / "here" / "one.scn"
    link.parent.mkdir()
    link.symlink_to(outside)
    assert main(["check", str(link)]) == 0


# ----------------------------- an output folder swapped for a link after its check is refused
def test_an_output_folder_swapped_for_a_link_after_its_check_is_not_written_through(tmp_path):
    # The output folder was checked (no link) before the build, then resolved again with
    # realpath when written: swapped for a link in between (`serve` rebuilds for as long as it
    # runs), the briefings went into the link's target, whose files were carried along.
    from scendsl.files import check_output_folder, write_output

    source = _scenario_file(tmp_path)
    out, victim = tmp_path / "out", tmp_path / "victim"
    out.mkdir()
    victim.mkdir()
    (victim / "keep.txt").write_text("mine", encoding="utf-8")
    check_output_folder(str(out), [str(source)])  # the check passes: a real folder
    out.rmdir()
    out.symlink_to(victim)  # swapped while the build runs
    with pytest.raises(ScenarioError, match="symbolic link"):
        write_output({"index.md": b"page"}, out)
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert out.is_symlink()


# ------------------------------------------------ a run shorter than one step is warned about
def _warning_of(text: str, rule: str):
    import scendsl
    from scendsl.model.evaluate import evaluate
    from scendsl.report.warnings import scenario_warnings

    result = evaluate(scendsl.load_text(text, name="x.scn").scenarios[0])
    return result, next((w for w in scenario_warnings(result) if w.rule == rule), None)


def test_a_run_of_fewer_tokens_than_one_step_warns_at_the_tokens_line():
    # One token on 10^9 accelerators (no parallelism written: the auto layout, the default
    # global batch): 6.1e-14 optimizer steps and a training time of 2e-14 s beside a step
    # time of minutes, in every output, without a word.
    body = "  workload {\n    parameters 1B\n    tokens 1.0001\n  }\n"
    result, warning = _warning_of(
        scenario_text("s", count=1_000_000_000, body=body), "run-shorter-than-one-step"
    )
    assert result.metrics["performance.steps"].value < 1
    assert warning is not None
    assert warning.span is not None and warning.span.line == 10  # `tokens 1.0001`
    assert "fewer than one optimizer step" in warning.text
    assert "performance.training_time" in warning.metrics


def test_a_run_of_many_steps_gets_no_one_step_warning():
    body = "  workload {\n    parameters 1B\n    tokens 1T\n  }\n"
    result, warning = _warning_of(
        scenario_text("s", count=1024, body=body), "run-shorter-than-one-step"
    )
    assert result.metrics["performance.steps"].value > 1
    assert warning is None


# ------------------------------------ a table is never written over a device, FIFO or folder
@pytest.mark.parametrize("kind", ["fifo", "link to fifo", "folder"])
def test_an_eval_table_is_not_written_over_a_fifo_a_device_or_a_folder(tmp_path, capsys, kind):
    # `eval -o FILE` replaced FILE with a new regular file whatever it was: `-o /dev/null` (a
    # common idiom) run as root replaced the system's /dev/null with a file of CSV, and a FIFO
    # a reader waited on became a file. (A FIFO stands for the device here: a test never
    # touches /dev.)
    source = _scenario_file(tmp_path)
    target = tmp_path / "pipe"
    if kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)
    output = target
    if kind == "link to fifo":
        output = tmp_path / "table.csv"
        output.symlink_to(target.name)
    code = main(["eval", str(source), "--samples", "0", "--format", "csv", "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err and "internal error" not in err
    assert "not a file" in err
    assert target.is_dir() if kind == "folder" else target.is_fifo()


def test_replacing_a_file_never_replaces_a_fifo_or_a_device(tmp_path):
    from scendsl.files import replace_file

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OSError, match="not a regular file"):
        replace_file(str(tmp_path / "pipe"), b"table")
    assert (tmp_path / "pipe").is_fifo()


# ------------------------------- (held) the auto layout and the sweep at extreme valid inputs
_EXTREME_ACCELERATORS = """accelerator tiny {
  bf16_dense 1.1 GFLOPS
  hbm 1.1 MB
  hbm_bandwidth 1.1 MB/s
  scaleup_bandwidth 1.1 MB/s
  scaleout_bandwidth 1.1 MB/s
  hostlink_bandwidth 1.1 MB/s
  tdp 1.1 W
}
accelerator huge {
  bf16_dense 99 EFLOPS
  hbm 999 TB
  hbm_bandwidth 99000 TB/s
  scaleup_bandwidth 99000 TB/s
  scaleout_bandwidth 99000 TB/s
  hostlink_bandwidth 99000 TB/s
  tdp 999 kW
}
"""


@pytest.mark.parametrize("accelerator", ["tiny", "huge", "H100"])
def test_the_auto_layout_at_extreme_inputs_gives_finite_figures_and_the_sweep_agrees(
    accelerator,
):
    # No `parallelism` written: the model walks its ladder. At each end of parameters, tokens
    # and count, dense and with more experts than accelerators, every figure is finite and the
    # vectorised sweep chooses what `evaluate` chooses for each variant.
    import math

    import numpy as np

    import scendsl
    from scendsl.model.sweep import evaluate_sweep

    body = "  workload {\n    parameters 1B\n    tokens 1T\n    experts 1000000\n  }\n"
    text = _EXTREME_ACCELERATORS + scenario_text("s", accelerator=accelerator, body=body)
    text += (
        "sweep w from s {\n  workload.parameters [1.0001, 70B, 9.99e15]\n"
        "  workload.tokens [1.0001, 9.9e17]\n  cluster.count [1, 7, 1000000000]\n}\n"
    )
    sweep = scendsl.load_text(text).sweeps[0]
    with np.errstate(all="raise"):
        table = evaluate_sweep(sweep)
    for index, variant in enumerate(sweep.variants()):
        result = scendsl.evaluate(variant)
        for name, node in (*result.inputs.items(), *result.metrics.items()):
            value = node.value
            if isinstance(value, float) and name.startswith(("workload.", "performance.")):
                assert not math.isnan(value), (variant.name, name)
            if name in table.numbers and isinstance(value, (int, float)):
                swept = table.value(name, index)
                if swept is None and isinstance(value, float) and math.isnan(value):
                    # Both n/a: the table gives NaN as None (a ratio of a run's two infinite
                    # costs when it never finishes, market.rent_to_own_ratio).
                    continue
                assert swept is not None and math.isclose(swept, value, rel_tol=1e-9), (
                    variant.name,
                    name,
                    swept,
                    value,
                )


# ------------------------- the templates' digest never reads a file outside the templates folder
def test_the_templates_digest_does_not_read_a_huge_file_a_link_leads_to_outside_the_folder(
    tmp_path,
):
    # The build's and `serve`'s digest of a templates folder followed links out of it and read
    # what they named whole: a link to a file of terabytes (/proc/kcore, here a sparse 64 GiB
    # file) held the build for as long as the read took, though the loader refuses such a
    # template anyway.
    from scendsl.app.cache import folder_digest

    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as handle:
        handle.truncate(64 << 30)
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "index.md.j2").write_text("# {{ 1 }}", encoding="utf-8")
    (templates / "big").symlink_to(huge)
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(folder_digest(str(templates))))
    worker.daemon = True
    worker.start()
    worker.join(10.0)
    assert done, "the digest read the file outside the folder"
    first = done[0]
    (templates / "big").unlink()
    (templates / "big").symlink_to("index.md.j2")  # now a template inside: read, and counted
    assert folder_digest(str(templates)) != first


# --------------------------- compiled templates are never read from a folder others can write
def test_the_compiled_template_cache_is_not_used_in_a_folder_others_can_write(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SCENDSL_CACHE_DIR")  # the caches in XDG_CACHE_HOME
    from scendsl.report import loader

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # another user's, or anyone's: XDG_CACHE_HOME=/tmp/shared
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert loader.bytecode_cache("markdown") is None
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CACHE_HOME", str(mine))
    assert loader.bytecode_cache("markdown") is not None


def test_a_poisoned_compiled_template_in_a_shared_cache_folder_runs_no_code(tmp_path):
    # Jinja reads a compiled template with pickle and marshal: an entry in a cache folder
    # another user could write (XDG_CACHE_HOME=/tmp/shared, a group-writable home) ran their
    # code in the next build, outside the sandbox. The build cache had refused such folders
    # since the fourth review (item 40); the compiled-template cache had no such check.
    import pickle
    import subprocess
    import sys

    from jinja2.bccache import bc_magic

    source = _scenario_file(tmp_path)
    shared, marker = tmp_path / "shared", tmp_path / "PWNED"
    shared.mkdir(mode=0o700)
    env = {**os.environ, "XDG_CACHE_HOME": str(shared), "HOME": str(tmp_path)}
    env.pop("SCENDSL_CACHE_DIR")  # every cache in the shared folder (once anyone's: no hit)

    def build(name: str) -> None:
        command = [sys.executable, "-m", "scendsl", "build", str(source), "-o", name]
        subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True)

    build("first")  # compiles the templates into a folder that is ours, for now
    entries = list(shared.rglob("*.cache"))
    assert entries

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for folder in [shared, *shared.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o777)  # now anyone's
    for entry in entries:
        entry.write_bytes(bc_magic + pickle.dumps(Payload(), 2))
    build("second")
    assert not marker.exists()
    assert (tmp_path / "second" / "one.html").is_file()


# -------------------------- the parser's grammar cache is never read from the shared temp folder
def test_a_grammar_cache_planted_in_the_temp_folder_runs_no_code(tmp_path):
    # Lark(cache=True) kept its analysis of the grammar in the temp folder under a name any
    # local user can work out (the user's name and a hash of the public grammar) and
    # unpickled it at every start: another user who made that file first ran their code in
    # the analyst's `scendsl check`, `build` and language server.
    import pickle
    import subprocess
    import sys

    shared, home, marker = tmp_path / "tmp", tmp_path / "home", tmp_path / "PWNED"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp
    home.mkdir()
    env = {**os.environ, "TMPDIR": str(shared), "HOME": str(home)}
    env.pop("XDG_CACHE_HOME", None)
    env.pop("SCENDSL_CACHE_DIR", None)  # the caches in the home folder, as a user's
    planting = (
        "from lark import Lark\n"
        "from scendsl.language.parse import _grammar\n"
        "Lark(_grammar(), cache=True, parser='lalr', lexer='contextual', "
        "maybe_placeholders=False)\n"
    )
    subprocess.run([sys.executable, "-c", planting], env=env, check=True)
    (planted,) = shared.glob(".lark_cache_*")  # the name the other user works out

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    sha = planted.read_bytes().split(b"\n", 1)[0]
    planted.write_bytes(sha + b"\n" + pickle.dumps(Payload(), 2))
    source = _scenario_file(tmp_path)
    check = subprocess.run(
        [sys.executable, "-m", "scendsl", "check", str(source)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert not marker.exists()
    assert list((home / ".cache" / "scendsl" / "grammar").glob("lark-*.pickle"))


def test_the_grammar_cache_is_not_kept_in_a_folder_others_can_write(tmp_path, monkeypatch):
    monkeypatch.delenv("SCENDSL_CACHE_DIR")  # the caches in XDG_CACHE_HOME
    from scendsl.language.parse import _grammar_cache_file

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert _grammar_cache_file() is None
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CACHE_HOME", str(mine))
    cache = _grammar_cache_file()
    assert cache is not None and cache.startswith(str(mine))


# --------------------------------- a diagnostic of a later stage quotes the line it points at
def test_a_warning_quotes_its_own_line_in_a_file_holding_carriage_returns(tmp_path, capsys):
    # A later stage (the warnings) read the file again to quote a line (now: the text the
    # load read, item 190); it read it in text mode, which turns a carriage return inside a string into a line break: every line after
    # `title "x<CR>ok: all claims hold"` was quoted one off (the `region` warning showed the
    # string's tail "ok: all claims hold" under its caret).
    from scendsl.errors import DiagnosticSink, Span

    source = tmp_path / "cr.scn"
    text = scenario_text("a", title="x\rok: all claims hold")
    source.write_bytes(text.encode("utf-8"))
    lines = text.split("\n")
    region = next(i for i, line in enumerate(lines, start=1) if "region" in line)
    loaded = scendsl.load_file(str(source))  # a later stage quotes the text the load read
    sink = DiagnosticSink(loaded=loaded.texts)
    sink.error("x", Span(str(source), region, 3))
    assert sink.diagnostics[0].source_line == "  region US"
    assert main(["check", str(source)]) == 0
    err = capsys.readouterr().err
    assert "ok: all claims hold" not in err.split(f":{region}:3: warning:")[1].splitlines()[1]
