"""The `scendsl` command line: check, eval, explain, build, serve, diff, fmt, new, schema, list.

Argument parsing and dispatch only: each command parses its arguments, calls the application
layer (scendsl.app) and prints through the presentation layer (scendsl.report). Each command
imports only what it needs, so `scendsl check` starts fast. Every error a user can reach is a
ScendslError, caught once in `main`: located diagnostics, never a traceback. The exit codes are
scendsl.errors.EXIT_* (the README's "Exit codes").
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from scendsl.defaults import (
    DEFAULT_MAX_VARIANTS,
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    LIST_KINDS,
    NUMERIC_OPTIONS,
)
from scendsl.errors import (
    EXIT_CHANGED,
    EXIT_CLAIM_FAILS,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Diagnostic,
    ScenarioError,
    ScendslError,
    bug_message,
    group_shared,
)
from scendsl.suggest import quoted
from scendsl.terminal import StreamClosed, visible_path
from scendsl.wording import counted

#: The folder `build`, `serve` and `diff --git` read when given no PATH.
DEFAULT_SCENARIOS = "scenarios"

if TYPE_CHECKING:
    from scendsl.app.kept_check import CheckOutput
    from scendsl.app.pipeline import Reviewed
    from scendsl.report.diff import Diff
    from scendsl.scenario import ScenarioSet

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
#: Whether this process ends once the command returns (the console script, `run`).
_ends_after_command = False
#: The commands that run until they are stopped: Python's cyclic collector stays on for them
#: (`serve` runs it between rebuilds). Every other command runs with it paused (`main`).
LONG_RUNNING = frozenset({"serve", "lsp"})


Command = Callable[[argparse.Namespace], int]


def command(name: str) -> Callable[[Command], Command]:
    """Register the decorated function as the subcommand `name`."""

    def register(function: Command) -> Command:
        COMMANDS[name] = function
        return function

    return register


def print_diagnostics(
    diagnostics: list[Diagnostic], fmt: str = "text", stream: TextIO | None = None
) -> None:
    """Diagnostics as compiler text on stderr, or as JSON on stdout for editors and CI (or
    either on `stream`)."""
    if fmt == "json":
        from scendsl.model.values import json_text  # a file name that is not UTF-8 too

        data = {"diagnostics": [d.to_json() for d in diagnostics]}
        (stream or sys.stdout).write(json_text(data, indent=2, ensure_ascii=True) + "\n")
        return
    stream = stream or sys.stderr
    errors = sum(1 for d in diagnostics if d.severity == "error")
    for shared in group_shared(diagnostics):  # a problem several scenarios share, said once
        stream.write(shared.render() + "\n")
    if errors:
        stream.write(f"{errors} error{'s' if errors != 1 else ''}\n")


def _max_variants(args: argparse.Namespace) -> int:
    value = getattr(args, "max_variants", None)
    return DEFAULT_MAX_VARIANTS if value is None else value


def _max_tokens(args: argparse.Namespace) -> int:
    from scendsl.language.parse import MAX_TOKENS

    value = getattr(args, "max_tokens", None)
    return MAX_TOKENS if value is None else value


def load(args: argparse.Namespace) -> ScenarioSet:
    """The scenarios named on the command line (raises ScenarioError); their texts stay with
    the command's arguments (`loaded_texts`), for a later stage's error to quote its line."""
    from scendsl.app.pipeline import load as load_paths

    scenarios = load_paths(
        args.paths, max_variants=_max_variants(args), max_tokens=_max_tokens(args)
    )
    args.loaded_texts = scenarios.texts
    return scenarios


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from scendsl.app.kept_check import kept_check

    # Kept across processes by everything it rests on: an unchanged check imports no parser,
    # no model and no catalog (app.kept_check).
    options = (args.format, str(args.strict), str(args.max_variants), str(args.max_tokens))
    output = kept_check(args.paths, options, lambda visited: _check_output(args, visited))
    sys.stdout.write(output.stdout)
    sys.stderr.write(output.stderr)
    return output.code


def _check_output(args: argparse.Namespace, visited: dict[str, str]) -> CheckOutput:
    """What `scendsl check` writes, worked out; `visited` receives every scenario file read."""
    import io

    from scendsl.app.kept_check import CheckOutput
    from scendsl.app.kept_parses import kept_parses
    from scendsl.app.pipeline import check_files, check_warnings

    # Each file's parse is kept too: after an edit, only the edited file is parsed.
    parsed = kept_parses(args.paths)
    scenarios = check_files(
        args.paths, _max_variants(args), _max_tokens(args), visited=visited, parsed=parsed
    )
    warnings = check_warnings(scenarios, args.paths)
    failed = bool(args.strict and warnings)  # --strict: a warning fails the check
    stdout, stderr = io.StringIO(), io.StringIO()
    if args.format == "json":
        print_diagnostics(warnings, "json", stdout)
    else:
        print_diagnostics(warnings, stream=stderr)
        count = len(scenarios.scenarios)
        variants = sum(s.size for s in scenarios.sweeps)
        extra = (
            f" and {counted(len(scenarios.sweeps), 'sweep')} of {counted(variants, 'variant')}"
            if scenarios.sweeps
            else ""
        )
        noted = _warnings_noted(warnings)
        status = "error (--strict)" if failed else "ok"
        print(f"{status}: {counted(count, 'scenario')}{extra}{noted}", file=stderr)
    return CheckOutput(stdout.getvalue(), stderr.getvalue(), EXIT_INPUT if failed else EXIT_OK)


def _warnings_noted(warnings: list[Diagnostic]) -> str:
    """', 64 warnings (48 distinct)' for the summary line: the count is the one `--strict` and
    `--format json` see (one per scenario), the distinct ones are what was printed above."""
    if not warnings:
        return ""
    noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    distinct = len(group_shared(warnings))
    return noted + (f" ({distinct} distinct)" if distinct != len(warnings) else "")


def _unknown(kind: str, name: str, candidates: list[str]) -> int:
    from scendsl.suggest import suggest

    hint = suggest(name, candidates)
    line = f"error: unknown {kind} {quoted(name)}" + (f"; {hint}" if hint else "")
    print(visible_path(line), file=sys.stderr)  # one line, whatever the name holds
    return EXIT_INPUT


@command("eval")
def cmd_eval(args: argparse.Namespace) -> int:
    if args.units != "si" and args.format not in ("csv", "csv-wide", "xlsx"):
        from scendsl.report.tables import ExportError

        raise ExportError(
            f"--units {args.units} is for the tables (csv, csv-wide, xlsx): the text already "
            "shows each figure in a readable unit, and the JSON keeps SI base units for tools"
        )
    if args.output is not None:
        from scendsl.files import check_output_file

        check_output_file(args.output)  # never over a scenario file, and before any work
    scenarios = load(args)
    from scendsl.app.pipeline import check_sweeps_fit, evaluate_all

    sweeps = list(scenarios.sweeps) if args.sweeps else []
    check_sweeps_fit(sweeps)  # before the output starts: a table to standard output is streamed
    evaluation = evaluate_all(scenarios, args.samples, args.seed)
    if args.format in ("csv", "csv-wide", "xlsx"):
        _write_table(args, evaluation, sweeps)
        return EXIT_OK

    def write(stream: Any) -> None:
        if args.format == "json":
            evaluation.write_json(stream, sweeps)
        else:
            from scendsl.report.text import write_eval_text

            write_eval_text(stream, evaluation.results, evaluation.runs, sweeps, evaluation.spreads)

    if args.output is None:
        write(sys.stdout)
    else:  # the JSON for a colleague's tool, as a table is written: whole or not at all
        _write_output(args.output, write)
    return EXIT_OK


def _write_output(path: str, write: Callable[[Any], None]) -> None:
    """`eval -o FILE` for the JSON and the text: UTF-8 text replacing FILE in one step."""
    import io

    from scendsl.files import reason, replace_file_with
    from scendsl.report.tables import ExportError

    def encoded(stream: Any) -> None:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        try:
            write(text)
            text.flush()
        finally:
            text.detach()  # the stream is the caller's to close

    try:
        replace_file_with(path, encoded)
    except OSError as error:
        raise ExportError(f"cannot write {visible_path(path)}: {reason(error)}") from error
    print(f"wrote {visible_path(path)}", file=sys.stderr)


def _write_table(args: argparse.Namespace, evaluation: Any, sweeps: list[Any]) -> None:
    """`eval --format csv|csv-wide|xlsx`, to stdout or to `-o FILE` (xlsx is binary: never
    to a terminal). The table is streamed to where it goes (for `-o FILE`, the temporary file
    that then replaces it), never held whole: a sweep of a million variants is gigabytes."""
    import io
    import shutil
    import tempfile

    from scendsl.app.pipeline import sweep_table
    from scendsl.files import replace_file_with
    from scendsl.report.tables import ExportError, write_table, write_workbook

    results, runs = evaluation.results, evaluation.runs
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise ExportError("an xlsx workbook is binary: write it to a file with -o FILE")

    def write(stream: Any) -> None:
        if args.format == "xlsx":
            write_workbook(stream, results, runs, sweeps, sweep_table, args.units)
            return
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        try:
            write_table(args.format, text, results, runs, sweeps, sweep_table, args.units)
            text.flush()
        finally:
            text.detach()  # the stream is the caller's to close

    if args.output is None:
        if args.format != "xlsx":
            write_table(args.format, sys.stdout, results, runs, sweeps, sweep_table, args.units)
            return
        # Through a seekable file: the same bytes on a pipe as in a file.
        with tempfile.TemporaryFile() as workbook:
            write(workbook)
            workbook.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(workbook, sys.stdout.buffer, 1024 * 1024)
        return
    try:
        replace_file_with(args.output, write)
    except OSError as error:
        from scendsl.files import reason

        raise ExportError(f"cannot write {visible_path(args.output)}: {reason(error)}") from error
    print(f"wrote {visible_path(args.output)}", file=sys.stderr)


@command("explain")
def cmd_explain(args: argparse.Namespace) -> int:
    args.paths = [args.path]
    scenarios = load(args)
    from scendsl.app.pipeline import evaluate_one, find_scenario, spread_of

    scenario = find_scenario(scenarios, args.scenario)
    if scenario is None:
        return _unknown("scenario", args.scenario, [s.name for s in scenarios.scenarios])
    from scendsl.report.explain import explain_text

    result = evaluate_one(scenario)
    if args.metric not in result.metrics and args.metric not in result.inputs:
        return _unknown("metric", args.metric, list(result.metrics) + list(result.inputs))
    if args.format == "json":
        from scendsl.model.values import json_text
        from scendsl.report.explain import explain_document

        document = explain_document(result, args.metric, args.depth)
        sys.stdout.write(json_text(document, indent=2) + "\n")
        return EXIT_OK
    sys.stdout.write(explain_text(result, args.metric, args.depth))
    from scendsl.model.default_spread import default_spread
    from scendsl.report.explain import default_spread_text

    sys.stdout.write(
        default_spread_text(result, args.metric, default_spread(scenario, None, result))
    )
    spread = spread_of(scenario, args.metric, args.samples, args.seed)
    if spread is not None:
        from scendsl.report.explain import uncertainty_text

        run, ranking = spread
        sys.stdout.write(uncertainty_text(result, args.metric, run, ranking))
    return EXIT_OK


def _no_default_folder(command: str, does: str, usage: str) -> bool:
    """Whether `command` (which `does` what it does to its folder), given no PATH, finds no
    DEFAULT_SCENARIOS folder here, having said so with what to type (`usage`): else a
    reviewer's `diff --git main` or a first `build` in a repository laid out otherwise reads
    "'scenarios' does not exist" of a path never written."""
    if os.path.isdir(DEFAULT_SCENARIOS):
        return False
    print(
        f"error: {command} {does} {DEFAULT_SCENARIOS}/ when no PATH is given, and there is "
        f"none here: name the files or folders (scendsl {usage} PATH...)",
        file=sys.stderr,
    )
    return True


#: How a diff's diagnostics name the files they are about (`gitsnap.at_revision` for a
#: revision's copies, which sit in a temporary folder).
Relabel = Callable[[list[Diagnostic]], list[Diagnostic]]


def _load_side(paths: list[str], label: str, fmt: str, relabel: Relabel) -> ScenarioSet | None:
    """The scenarios of one side of a diff; None after printing its diagnostics."""
    from scendsl.app.pipeline import load

    try:
        return load(paths)
    except ScenarioError as error:
        print(f"error: the {label} scenarios do not load:", file=sys.stderr)
        print_diagnostics(relabel(error.diagnostics), "text" if fmt != "json" else "json")
        return None


def _review_sides(
    sides: list[tuple[list[str] | None, str]], fmt: str, relabel: Relabel = list
) -> list[Reviewed] | None:
    """Each side of a diff (its paths, or None for no scenarios, and its label) loaded, then
    the sweeps of all of them checked against the memory budget they share (their tables are
    held together), then evaluated: nothing is evaluated before every side is known to load
    and fit. None after printing what failed (its files named by `relabel`)."""
    from scendsl.app.pipeline import Reviewed, check_sweeps_fit, review

    loaded: list[ScenarioSet | None] = []
    for paths, label in sides:
        scenarios = _load_side(paths, label, fmt, relabel) if paths else None
        if paths and scenarios is None:
            return None
        loaded.append(scenarios)
    try:
        check_sweeps_fit(
            [w for side in loaded if side is not None for w in side.sweeps], together=True
        )
    except ScenarioError as error:
        print("error: the sweeps cannot be compared:", file=sys.stderr)
        print_diagnostics(relabel(error.diagnostics), "text" if fmt != "json" else "json")
        return None
    return [review(side) if side is not None else Reviewed([], []) for side in loaded]


@command("diff")
def cmd_diff(args: argparse.Namespace) -> int:
    import tempfile

    from scendsl.report import diff as D

    if not args.git and any(p.lower().endswith(".json") for p in args.paths):
        return _diff_result_files(args)
    if not args.git:
        if len(args.paths) != 2:
            print(
                "usage: scendsl diff OLD NEW  (or: scendsl diff --git REV [PATH...])",
                file=sys.stderr,
            )
            return EXIT_USAGE
        named = [_file_and_scenario(path) for path in args.paths]
        if any(named):
            return _diff_two_scenarios(args, named)
    if (
        args.git
        and not args.paths
        and _no_default_folder("diff --git", "compares", f"diff --git {visible_path(args.git)}")
    ):
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="scendsl-diff-") as folder:
        relabel: Relabel = list
        if args.git:
            from scendsl.app.gitsnap import at_revision, snapshot

            new_paths = args.paths or [DEFAULT_SCENARIOS]
            # No old scenarios where none of the paths existed at the revision.
            sides = [(snapshot(args.git, new_paths, folder) or None, f"{args.git}")]
            relabel = functools.partial(at_revision, into=folder, rev=args.git)
        else:
            new_paths = [args.paths[1]]
            sides = [([args.paths[0]], "old")]
        reviewed = _review_sides([*sides, (new_paths, "new")], args.format, relabel)
    if reviewed is None:
        return EXIT_INPUT
    old, new = reviewed
    result = D.diff_results(
        old.results,
        new.results,
        args.threshold,
        show_all=args.all,
        old_sweeps=old.sweeps,
        new_sweeps=new.sweeps,
    )
    if args.git:
        # The header of a pull-request comment: what was compared with what, so that a reader
        # knows what the diff did not look at.
        result.sides = (
            f"{visible_path(args.git)} → the working tree, of "
            + ", ".join(visible_path(path) for path in new_paths)
            + ("" if args.paths else " (the default)")
        )
    return _print_diff(args, result)


def _file_and_scenario(path: str) -> tuple[str, str] | None:
    """`FILE.scn:NAME` as (FILE.scn, NAME) when no file is named so and FILE.scn is one, the
    way `new --from` names a scenario; None for a plain path."""
    file, colon, name = path.rpartition(":")
    if not colon or not name or os.path.lexists(path) or not os.path.isfile(file):
        return None
    return file, name


def _diff_two_scenarios(args: argparse.Namespace, named: list[tuple[str, str] | None]) -> int:
    """`scendsl diff FILE.scn:OLD FILE.scn:NEW`: two scenarios compared as two versions of one,
    so that a reviewer sees what one assumption does (a scenario and the one that extends it
    with another price). Both files are evaluated here."""
    from dataclasses import replace

    from scendsl.app.pipeline import evaluate_one, find_scenario
    from scendsl.report import diff as D

    if not all(named):
        print(
            "usage: scendsl diff FILE.scn:OLD FILE.scn:NEW  (name a scenario on both sides, "
            "or compare two files or folders: scendsl diff OLD NEW)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sides = []
    for (file, name), label in zip(cast(list[tuple[str, str]], named), ("old", "new"), strict=True):
        args.paths = [file]
        try:
            scenarios = load(args)
        except ScenarioError as error:
            print(f"error: the {label} scenarios do not load:", file=sys.stderr)
            print_diagnostics(error.diagnostics, "text" if args.format != "json" else "json")
            return EXIT_INPUT
        scenario = find_scenario(scenarios, name)
        if scenario is None:
            return _unknown("scenario", name, [s.name for s in scenarios.scenarios])
        sides.append(D.evaluated(evaluate_one(scenario)))
    old, new = sides
    # One entry for the pair, named by both: the diff matches scenarios by name.
    both = old.name if old.name == new.name else f"{old.name} → {new.name}"
    result = D.diff_evaluated(
        [replace(old, name=both)], [replace(new, name=both)], args.threshold, show_all=args.all
    )
    return _print_diff(args, result)


def _diff_result_files(args: argparse.Namespace) -> int:
    """`scendsl diff OLD.json NEW.json`: two results of `eval --format json`, each from its own
    scendsl and catalog (scendsl.report.diff_json)."""
    from scendsl.report.diff_json import diff_result_files, is_result_file

    if len(args.paths) != 2 or not all(is_result_file(p) for p in args.paths):
        print(
            "usage: scendsl diff OLD.json NEW.json  (two results of `scendsl eval --format "
            "json`; scenario files and folders are compared as OLD NEW)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    result = diff_result_files(args.paths[0], args.paths[1], args.threshold, show_all=args.all)
    return _print_diff(args, result)


def _print_diff(args: argparse.Namespace, result: Diff) -> int:
    from scendsl.report import diff as D

    if args.format == "json":
        sys.stdout.write(D.render_json(result))
    elif args.format == "markdown":
        sys.stdout.write(D.render_markdown(result))
    elif sys.stdout.isatty():
        from rich.console import Console

        from scendsl.terminal import unfiltered

        D.render_rich(result, Console(file=unfiltered(sys.stdout)))
    else:
        sys.stdout.write(D.render_text(result))
    if args.fail_on_claims and result.claims_now_failing:
        return EXIT_CLAIM_FAILS
    if args.exit_code and result.changed:
        return EXIT_CHANGED
    return EXIT_OK


@command("fmt")
def cmd_fmt(args: argparse.Namespace) -> int:
    from scendsl.language.format import format_paths

    if args.diff:
        diffs: list[str] = []
        changed, code = format_paths(args.paths, check=True, diffs=diffs)
        sys.stdout.write("".join(diffs))
        return code
    changed, code = format_paths(args.paths, check=args.check)
    verb = "would reformat" if args.check else "reformatted"
    for name in changed:
        print(f"{verb} {visible_path(name)}", file=sys.stderr)
    return code


@command("schema")
def cmd_schema(args: argparse.Namespace) -> int:
    from scendsl.model.values import json_text
    from scendsl.report.export import schema_document

    sys.stdout.write(json_text(schema_document(), indent=2, sort_keys=True, ensure_ascii=True))
    sys.stdout.write("\n")
    return EXIT_OK


@command("list")
def cmd_list(args: argparse.Namespace) -> int:
    from scendsl.report import listing as L

    table = L.listing(args.kind)
    if args.format == "json":
        sys.stdout.write(table.to_json())
    elif sys.stdout.isatty():
        from rich.console import Console

        from scendsl.terminal import unfiltered

        L.write_rich(Console(file=unfiltered(sys.stdout)), table)
    else:
        L.write_plain(sys.stdout, table)
    return EXIT_OK


@command("build")
def cmd_build(args: argparse.Namespace) -> int:
    from scendsl.app.build import build
    from scendsl.app.cache import default_cache_dir
    from scendsl.app.pools import drawing_process_ends_after_the_build

    if not args.paths and _no_default_folder("build", "reads", "build"):
        return EXIT_USAGE
    drawing_process_ends_after_the_build()
    if args.no_cache:  # no cache of any kind, as SCENDSL_CACHE_DIR="" (workers inherit it)
        import os

        os.environ["SCENDSL_CACHE_DIR"] = ""
    report = build(
        args.paths or [DEFAULT_SCENARIOS],
        args.output,
        templates_dir=args.templates,
        check=args.check,
        samples=args.samples,
        seed=args.seed,
        cache_dir=None if args.no_cache else default_cache_dir(),
    )
    print(report.status_line(), file=sys.stderr)
    if args.open and not args.check and report.exit_code == EXIT_OK:
        from scendsl.app.serve import open_index

        open_index(args.output)
    return report.exit_code


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:
    from scendsl.app.incremental import IncrementalBuilder
    from scendsl.app.serve import check_loopback, serve

    host = check_loopback(args.host)  # refused before anything is built
    builder = IncrementalBuilder(
        args.paths or [DEFAULT_SCENARIOS],
        args.output,
        templates_dir=args.templates,
        samples=args.samples,
        seed=args.seed,
    )
    return serve(builder, host, args.port)


# Every numeric option of every command has its bounds in defaults.NUMERIC_OPTIONS (kind,
# lowest, highest), checked by argparse when the command line is read: exit 2, a clear message.


def _bounded(flag: str) -> Callable[[str], float]:
    """The argparse `type=` for `flag`: parse, then check against NUMERIC_OPTIONS."""
    kind, low, high = NUMERIC_OPTIONS[flag]

    def parse(text: str) -> float:
        expected = f"expects {'a whole number' if kind is int else 'a number'}, not {text!r}"
        if not text.isascii():  # int() and float() also read other scripts' digits (U+FF15)
            raise argparse.ArgumentTypeError(expected)
        try:
            value = kind(text.replace("_", "")) if kind is int else kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(expected) from None
        if not (low <= value <= high):  # also refuses nan
            raise argparse.ArgumentTypeError(
                f"must be between {int(low):,} and {int(high):,}, not {text}"
            )
        return value

    parse.__name__ = "whole number" if kind is int else "number"
    return parse


def _numeric(parser: argparse.ArgumentParser, flag: str, **options: Any) -> None:
    parser.add_argument(flag, type=_bounded(flag), **options)


@command("new")
def cmd_new(args: argparse.Namespace) -> int:
    from scendsl.app.starter import new_scenario

    text, output = new_scenario(
        args.name,
        args.output,
        base=args.base,
        accelerator=args.accelerator,
        region=args.region,
        inline=args.inline,
    )
    if output == "-":
        sys.stdout.write(text)
    else:
        print(
            f"wrote {visible_path(output)}; check it with: scendsl check {visible_path(output)}",
            file=sys.stderr,
        )
    return EXIT_OK


@command("lsp")
def cmd_lsp(args: argparse.Namespace) -> int:
    try:  # the optional extra: pygls is imported by this command only
        from scendsl.lsp.server import main as serve
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        print(
            f"error: the language server needs the 'lsp' extra ({error.name} is missing): "
            "pip install 'scendsl[lsp]'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    return serve()


def _uncertainty_options(parser: argparse.ArgumentParser) -> None:
    _numeric(
        parser,
        "--samples",
        default=DEFAULT_SAMPLES,
        metavar="N",
        help="Monte Carlo samples for scenarios with ranges (0: none; default "
        f"{DEFAULT_SAMPLES:,})",
    )
    _numeric(
        parser,
        "--seed",
        default=DEFAULT_SEED,
        help="random seed (fixed by default: same inputs, same numbers)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors print the command line's words as every path and
    name is printed (`visible_path`): "unrecognized arguments: x<LF>ok: ..." forged a line, an
    ESC sequence reached the terminal. The sub-commands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        super().error(visible_path(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scendsl",
        description="Scenario language and policy-briefing compiler for AI compute.",
    )
    parser.add_argument("--version", action="version", version=f"scendsl {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="parse and resolve scenarios; report every error")
    check.add_argument("paths", nargs="+", metavar="PATH", help=".scn files or folders")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--strict", action="store_true", help="exit 1 when there are warnings (default: exit 0)"
    )
    _numeric(
        check,
        "--max-variants",
        default=None,
        help="most variants of a sweep, and of all sweeps together (default 1,000,000)",
    )
    _numeric(
        check,
        "--max-tokens",
        default=None,
        help="largest file allowed, in tokens (default 25,000: any file is "
        "decided within a second)",
    )

    evaluate = sub.add_parser("eval", help="print every metric of every scenario")
    evaluate.add_argument("paths", nargs="+", metavar="PATH")
    evaluate.add_argument(
        "--format",
        choices=("text", "json", "csv", "csv-wide", "xlsx"),
        default="text",
        help="csv: one row per figure (tidy: value, unit, p5/p50/p95, origin); csv-wide: one "
        "row per scenario with a units row; xlsx: one sheet per table (needs -o FILE on a "
        "terminal)",
    )
    evaluate.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of the terminal (xlsx: required on a terminal)",
    )
    evaluate.add_argument(
        "--sweeps",
        action="store_true",
        help="also evaluate every sweep variant (vectorised, streamed)",
    )
    evaluate.add_argument(
        "--units",
        choices=("si", "readable"),
        default="si",
        help="csv, csv-wide, xlsx: numbers in SI base units (W, J, s: the default, as in the "
        "JSON) or in the units a briefing shows (MW, MWh, days, %%), one unit per column",
    )
    _numeric(evaluate, "--max-variants", default=None)
    _numeric(evaluate, "--max-tokens", default=None)
    _uncertainty_options(evaluate)

    explain = sub.add_parser("explain", help="show how a metric was computed, down to sources")
    explain.add_argument("path", metavar="PATH")
    explain.add_argument("scenario", metavar="SCENARIO")
    explain.add_argument("metric", metavar="METRIC")
    _numeric(
        explain,
        "--depth",
        default=None,
        metavar="N",
        help="show the tree N levels deep; the figures below are counted, not listed",
    )
    explain.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: the derivation tree as data (for tools), with the inputs that leave an n/a "
        "figure so; the text adds the default MFU's spread and the Monte Carlo spread",
    )
    _uncertainty_options(explain)
    diff = sub.add_parser(
        "diff",
        help="what changed in the results between two versions",
        description="Compare two versions' results: OLD NEW scenario files or folders (both "
        "evaluated here), FILE.scn:OLD FILE.scn:NEW two scenarios (two assumptions compared as "
        "two versions of one), --git REV, or OLD.json NEW.json, two results of `scendsl eval "
        "--format json [--sweeps]` each made by its own scendsl and catalog (a change of the "
        "catalog or the model: evaluate the base branch's checkout into base.json and the pull "
        "request's into head.json, then `scendsl diff base.json head.json --format markdown`).",
    )
    diff.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="OLD NEW (files or folders, two scenarios as FILE.scn:NAME, or two eval JSON "
        "results), or with --git the paths to compare (default: scenarios/)",
    )
    diff.add_argument("--git", metavar="REV", help="compare the working tree with revision REV")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    _numeric(
        diff,
        "--threshold",
        default=0.0,
        metavar="PCT",
        help="hide metrics that moved less than PCT per cent",
    )
    diff.add_argument(
        "--all",
        action="store_true",
        help="show every move, also those that do not change the value as shown, and the "
        "catalog and default figures that follow a changed input",
    )
    diff.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit {EXIT_CHANGED} when anything changed (like terraform plan -detailed-exitcode)",
    )
    diff.add_argument(
        "--fail-on-claims",
        action="store_true",
        help=f"exit {EXIT_CLAIM_FAILS} when a claim flips to failing",
    )
    build = sub.add_parser("build", help="build the briefings (Markdown and HTML)")
    build.add_argument("paths", nargs="*", metavar="PATH", help="default: scenarios/")
    build.add_argument("-o", "--output", default="out", metavar="DIR", help="default: out/")
    build.add_argument("--templates", metavar="DIR", help="your own templates (sandboxed)")
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming the files that are out of date",
    )
    build.add_argument(
        "--open", action="store_true", help="open the index in the browser after the build"
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="neither use nor fill any cache (as SCENDSL_CACHE_DIR=''; else ~/.cache/scendsl)",
    )
    _uncertainty_options(build)

    serve = sub.add_parser(
        "serve", help="build, serve the briefings on localhost, rebuild and reload on save"
    )
    serve.add_argument("paths", nargs="*", metavar="PATH", help="default: scenarios/")
    serve.add_argument("-o", "--output", default="out", metavar="DIR", help="default: out/")
    serve.add_argument("--templates", metavar="DIR", help="your own templates (sandboxed)")
    _numeric(serve, "--port", default=8000, help="default 8000 (0: any free port)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="a loopback address to listen on (default 127.0.0.1); no other is accepted",
    )
    _uncertainty_options(serve)

    fmt = sub.add_parser("fmt", help="rewrite files in the canonical layout")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming the files that would change",
    )
    fmt.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; print a unified diff of the changes; exit 1 when there are any",
    )

    new = sub.add_parser("new", help="write a commented starter scenario that passes check")
    new.add_argument("name", metavar="NAME", help="the scenario's name (letters, digits, '_')")
    new.add_argument(
        "--from",
        dest="base",
        metavar="SCENARIO",
        help="start from a scenario: FILE.scn, FILE.scn:NAME, or a NAME defined in "
        "the output's folder (extends it when the new file can import it, "
        "else copies its values)",
    )
    new.add_argument(
        "--inline",
        action="store_true",
        help="with --from: copy the values even when the new file could extend it",
    )
    new.add_argument("--accelerator", metavar="ID", help="a catalog accelerator (default H100)")
    new.add_argument("--region", metavar="CC", help="a catalog region code (default US)")
    new.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default NAME.scn; '-' prints it); never overwritten",
    )

    sub.add_parser("schema", help="print the JSON Schema of the scenario and result models")

    listing = sub.add_parser(
        "list",
        help="list accelerators, regions, energy sources, metrics, references, currencies, price "
        "series or rules",
    )
    listing.add_argument(
        "kind",
        choices=LIST_KINDS,
        help="what to list",
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")

    lsp = sub.add_parser("lsp", help="run the language server for editors (stdio)")
    lsp.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    return parser


def _version() -> str:
    from scendsl import __version__

    return __version__


#: What a system that refuses says (disk full, read-only, ...): the user's to fix, not a bug.
_SYSTEM_REFUSALS = ("ENOSPC", "EDQUOT", "EROFS", "EIO", "EMFILE", "ENFILE", "ENOMEM")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `scendsl` console script."""
    # The command line loads no pydantic plugins: discovering them scans every installed
    # package's metadata, a tenth of `scendsl check`'s start-up. (Embedders are unaffected.)
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # numpy's OpenBLAS starts a thread per core when numpy is imported: 35-50 ms of CPU and of
    # wall for `scendsl check`. Our only linear algebra is a Cholesky of a few correlated
    # inputs, which one thread does as fast. Set before anything imports numpy.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Folders matplotlib makes follow the caches' rules: not in the current folder through a
    # relative HOME or XDG variable, not a new temporary folder at every run.
    from scendsl.files.private import settle_folder_variables

    settle_folder_variables(os.environ)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command in LONG_RUNNING:
            return COMMANDS[args.command](args)
        from scendsl.app.collector import cyclic_gc_paused

        # A command allocates much, keeps most of it to the end and makes few cycles: the
        # collections it would start walk what it loaded again and again (a tenth of `check`'s
        # and of a cold build's CPU, 6 % of `eval`'s). Paused while it runs (its forked
        # workers inherit the pause); in the console script's process, which ends with the
        # command (`run`), never turned back on: that would start one collection of every
        # object the command made, for nothing.
        with cyclic_gc_paused(until_exit=_ends_after_command):
            return COMMANDS[args.command](args)
    except ScendslError as error:  # every error a user can reach
        loaded = getattr(args, "loaded_texts", None)
        if loaded and isinstance(error, ScenarioError):
            error = error.quoting(loaded)  # a later stage's error: the line its load read
        if error.diagnostics:
            print_diagnostics(error.diagnostics, getattr(args, "format", "text"))
        else:
            print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # workers ignore SIGINT; writes are atomic, so nothing is half done
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except StreamClosed as error:  # `scendsl eval x.scn >&-`: nowhere to write the results
        print(f"error: {error}; nothing written", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `scendsl eval ... | head`: the reader left; that is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a bug of ours: say so plainly; the traceback is opt-in
        if _interrupted(error):
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        import errno

        if (
            isinstance(error, OSError)
            and error.errno is not None
            and errno.errorcode.get(error.errno) in _SYSTEM_REFUSALS
        ):
            from scendsl.files import reason

            where = f"{visible_path(error.filename)}: " if error.filename else ""
            print(f"error: {where}{reason(error)}", file=sys.stderr)
            return EXIT_INPUT
        import os

        if os.environ.get("SCENDSL_DEBUG"):
            raise
        missing = _missing_dependency(error)
        if missing:
            print(
                f"error: scendsl needs the package {missing!r}, which this Python "
                f"({sys.executable}) cannot import: run scendsl with the Python it was "
                "installed in, or install it again (`pip install -e .` in its folder)",
                file=sys.stderr,
            )
            return EXIT_INTERNAL
        saved = _saved_traceback(error)
        where = f"; its traceback is in {saved} (attach it to a report)" if saved else ""
        print(bug_message(error, where, "the traceback here"), file=sys.stderr)
        return EXIT_INTERNAL


def _missing_dependency(error: BaseException) -> str | None:
    """The top-level name of a package scendsl imports that is not installed where it runs (an
    installation's fault, not a bug: a Python other than the one scendsl was installed in),
    else None."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return None
    top = error.name.partition(".")[0]
    return None if top == "scendsl" else top


def _saved_traceback(error: BaseException) -> str | None:
    """The traceback of a bug, written to a new private temporary file (in a temporary folder
    no other user can swap, never the current folder), or None when none can be written
    safely: a bug seen once (under load, in a race) can be reported without running the
    command again, as black keeps its crash logs."""
    import os
    import tempfile
    import traceback
    from pathlib import Path

    from scendsl import __version__
    from scendsl.files.private import no_one_else_can_swap

    try:
        folder = tempfile.gettempdir()
        # Python's last resort, when no temporary folder is writable, is the current folder:
        # the user's project, not a place for our file. Nor a folder where another user could
        # rename ours away and put their own text under the name we print.
        if os.path.realpath(folder) == os.path.realpath(os.getcwd()) or (
            hasattr(os, "getuid") and not no_one_else_can_swap(Path(folder), os.getuid())
        ):
            return None
        handle, path = tempfile.mkstemp(
            prefix="scendsl-traceback-", suffix=".txt", text=True, dir=folder
        )
        with open(handle, "w", encoding="utf-8", errors="backslashreplace") as file:
            file.write(f"scendsl {__version__}, argv {sys.argv!r}\n")
            file.writelines(traceback.format_exception(error))
    except OSError:
        return None
    return path


def _interrupted(error: BaseException) -> bool:
    """Whether Ctrl-C caused `error`: an interrupt that lands while Python defines a class
    reaches us wrapped (a RuntimeError whose cause is the KeyboardInterrupt), not as itself."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _without_pydantic_plugins() -> None:
    """Let pydantic skip looking for plugins in this process: the command runs no third-party
    pydantic plugin, and the look-up imports importlib.metadata (email, zipfile, socket...) and
    reads every installed package's entry points: 40-75 ms of `scendsl check`'s ~330 ms
    of CPU on a busy machine.

    A `PYDANTIC_DISABLE_PLUGINS` naming some plugins to skip is honoured by leaving the real
    loader in place. pydantic imports `get_plugins` from this module when it builds its first
    validator; a pydantic without that module never asks for it."""
    import os
    import types

    name = "pydantic.plugin._loader"
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS", "__all__") not in ("__all__", "1", "true"):
        return
    if name not in sys.modules:
        loader = types.ModuleType(name, "No pydantic plugins in the scendsl command.")
        loader.get_plugins = tuple  # type: ignore[attr-defined]  # () : no plugins
        sys.modules[name] = loader


def run() -> None:
    """The console script: `main`, then leave without Python's interpreter teardown.

    Tearing down numpy, matplotlib and pydantic takes 60–100 ms and there is nothing left to
    do: every file is written (atomically) and closed by then, so flush and exit at once."""
    import os

    from scendsl.terminal import install

    install()
    _without_pydantic_plugins()
    global _ends_after_command
    _ends_after_command = True
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, StreamClosed):
        pass
    except OSError as error:  # stdout to a full disk (/dev/full)
        from scendsl.files import reason

        if code == EXIT_OK:  # else main has said why already
            with contextlib.suppress(OSError):
                os.write(2, f"error: cannot write the output: {reason(error)}\n".encode())
            code = EXIT_INPUT
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
