"""The `scendsl` command line: check, eval, explain, build, diff, fmt, new, schema.

Each command imports only what it needs, so `scendsl check` starts fast. A user's mistake ends in
located diagnostics and exit code 1; a misuse of the command line in exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from scendsl.defaults import DEFAULT_MAX_VARIANTS, DEFAULT_SAMPLES, DEFAULT_SEED
from scendsl.errors import Diagnostic, ScenarioError
from scendsl.terminal import StreamClosed, visible_path

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(function: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = function
        return function

    return register


def print_diagnostics(diagnostics: list[Diagnostic], fmt: str = "text", stream=None) -> None:
    """Diagnostics as compiler text on stderr, or as JSON on stdout for editors and CI."""
    if fmt == "json":
        json.dump({"diagnostics": [d.to_json() for d in diagnostics]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    stream = stream or sys.stderr
    errors = sum(1 for d in diagnostics if d.severity == "error")
    for diagnostic in diagnostics:
        stream.write(diagnostic.render() + "\n")
    if errors:
        stream.write(f"{errors} error{'s' if errors != 1 else ''}\n")


def _max_variants(args: argparse.Namespace) -> int:
    value = getattr(args, "max_variants", None)
    return DEFAULT_MAX_VARIANTS if value is None else value


def _max_tokens(args: argparse.Namespace) -> int:
    from scendsl.language.parse import MAX_TOKENS

    value = getattr(args, "max_tokens", None)
    return MAX_TOKENS if value is None else value


def load_or_report(args: argparse.Namespace):
    """Load the scenarios named on the command line; None after printing diagnostics."""
    from scendsl.language.resolve import load_paths

    try:
        return load_paths(args.paths, max_variants=_max_variants(args),
                          max_tokens=_max_tokens(args))
    except ScenarioError as error:
        print_diagnostics(error.diagnostics, getattr(args, "format", "text"))
        return None


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from scendsl import check

    try:
        scenarios = check(args.paths, max_variants=_max_variants(args),
                          max_tokens=_max_tokens(args))
    except ScenarioError as error:
        print_diagnostics(error.diagnostics, args.format)
        return EXIT_ERROR
    if args.format == "json":
        print_diagnostics([], "json")
    else:
        count = len(scenarios.scenarios)
        variants = sum(s.size for s in scenarios.sweeps)
        extra = f" and {len(scenarios.sweeps)} sweep(s) of {variants:,} variants" if scenarios.sweeps else ""
        print(f"ok: {count} scenario{'s' if count != 1 else ''}{extra}", file=sys.stderr)
    return EXIT_OK


def find_scenario(scenarios, name: str):
    """A scenario or sweep variant by name."""
    for scenario in scenarios.scenarios:
        if scenario.name == name:
            return scenario
    if "[" in name:
        for sweep in scenarios.sweeps:
            if name.startswith(sweep.name + "["):
                variant = sweep.variant_named(name)  # alone: a million-variant sweep is not made
                if variant is not None:
                    return variant
    return None


def _unknown(kind: str, name: str, candidates) -> int:
    from scendsl.suggest import suggest

    hint = suggest(name, candidates)
    print(f"error: unknown {kind} '{name}'" + (f"; {hint}" if hint else ""), file=sys.stderr)
    return EXIT_ERROR


def monte_carlo(scenarios, args: argparse.Namespace) -> dict:
    """Monte Carlo runs (by scenario name) for the scenarios that carry ranges."""
    if getattr(args, "samples", 0) <= 0:
        return {}
    from scendsl.model.uncertainty import check_sample_budget, has_uncertainty, sample

    check_sample_budget(scenarios, args.samples)  # the runs are held together
    return {s.name: sample(s, args.samples, args.seed) for s in scenarios if has_uncertainty(s)}


@command("eval")
def cmd_eval(args: argparse.Namespace) -> int:
    scenarios = load_or_report(args)
    if scenarios is None:
        return EXIT_ERROR
    from scendsl.model.evaluate import evaluate

    results = [evaluate(scenario) for scenario in scenarios.scenarios]
    runs = monte_carlo(scenarios.scenarios, args)
    sweeps = list(scenarios.sweeps) if args.sweeps else []
    if args.format == "json":
        _eval_json(results, runs, sweeps)
    elif args.format == "csv":
        _eval_csv(results, sweeps)
    else:
        _eval_text(results, runs, sweeps)
    return EXIT_OK


def _eval_json(results, runs, sweeps) -> None:
    from scendsl.report.data import SCHEMA_VERSION, result_data

    out = sys.stdout
    out.write(f'{{"version": {SCHEMA_VERSION},\n "scenarios": [')
    for index, result in enumerate(results):
        text = json.dumps(result_data(result, runs.get(result.name)), indent=2,
                          ensure_ascii=False, allow_nan=False)
        out.write(("\n" if index == 0 else ",\n") + text)
    out.write("]")
    if sweeps:
        from scendsl.model.sweep import evaluate_sweep
        from scendsl.progress import progress
        from scendsl.report.export import iter_json

        out.write(',\n "sweeps": [')
        for index, sweep in enumerate(sweeps):
            with progress(sweep.size, f"sweep {sweep.name}") as ticker:
                table = evaluate_sweep(sweep, on_progress=ticker.advance)
            head = {"name": sweep.name, "base": sweep.base,
                    "axes": [{"path": a.path, "values": list(a.labels)} for a in sweep.axes],
                    "units": dict(table.units)}
            out.write(("\n" if index == 0 else ",\n") + json.dumps(head)[:-1] + ', "variants": ')
            for piece in iter_json(table):  # streamed: a million variants never sit in memory
                out.write(piece)
            out.write("}")
        out.write("]")
    out.write("}\n")


def _eval_csv(results, sweeps) -> None:
    import csv

    from scendsl.model.registry import REGISTRY

    writer = csv.writer(sys.stdout, lineterminator="\n")
    names = [n for n in results[0].metrics] if results else []
    numeric = [n for n in names if REGISTRY.nodes.get(n) is None
               or REGISTRY.nodes[n].value_type == "number"]
    writer.writerow(["scenario", "sweep", *numeric])
    for result in results:
        writer.writerow([result.name, "", *(_csv_cell(result.metrics[n].value) for n in numeric)])
    if sweeps:
        from scendsl.model.sweep import evaluate_sweep
        from scendsl.progress import progress
        from scendsl.report.export import iter_records

        for sweep in sweeps:
            with progress(sweep.size, f"sweep {sweep.name}") as ticker:
                table = evaluate_sweep(sweep, nodes=numeric, on_progress=ticker.advance)
            for record in iter_records(table):
                values = record["values"]
                writer.writerow([record["name"], sweep.name,
                                 *(_csv_cell(values.get(n)) for n in numeric)])


def _csv_cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)


def _expected_text(claim) -> str:
    from scendsl.model.registry import REGISTRY
    from scendsl.report.numbers import format_value

    node = REGISTRY.nodes.get(claim.metric)
    dimension = node.dimension if node is not None else "number"
    text = format_value(claim.expected, dimension)
    if claim.tolerance is not None:
        text += f" ± {claim.tolerance * 100:g}%"
    return text


def _eval_text(results, runs, sweeps) -> None:
    from scendsl.report.explain import value_text
    from scendsl.report.numbers import format_value

    for result in results:
        run = runs.get(result.name)
        print(f"{result.name}: {result.title}")
        domain = None
        nodes = {**result.inputs, **result.metrics}
        # Grouped by domain (inputs first), in the registry's order within each.
        order = {d: i for i, d in enumerate(dict.fromkeys(n.split(".", 1)[0] for n in nodes))}
        for name, node in sorted(nodes.items(), key=lambda item: (
                order[item[0].split(".", 1)[0]], item[1].kind != "input")):
            if name.split(".", 1)[0] != domain:
                domain = name.split(".", 1)[0]
                print(f"  [{domain}]")
            line = f"    {name:<44} {value_text(node)}"
            summary = run.summary(name) if run is not None and name in run.varying() else None
            if summary is not None:
                line += (f"   (90%: {format_value(summary.p5, node.dimension)} to "
                         f"{format_value(summary.p95, node.dimension)})")
            print(line)
        probabilities = run.claims if run is not None else [None] * len(result.claims)
        for claim, chance in zip(result.claims, probabilities):
            verdict = {True: "holds", False: "FAILS", None: "n/a"}[claim.holds]
            if chance is not None and chance.probability is not None:
                verdict += f" (holds in {chance.probability:.0%} of samples)"
            print(f"  claim {claim.metric} {claim.op} {_expected_text(claim)}: {verdict}"
                  f"  ({visible_path(claim.file)}:{claim.line})")
        print()
    for sweep in sweeps:  # the variants themselves are listed by --format csv or json
        print(f"sweep {sweep.name}: {sweep.size:,} variants (eval --format csv lists them)")


@command("explain")
def cmd_explain(args: argparse.Namespace) -> int:
    args.paths = [args.path]
    scenarios = load_or_report(args)
    if scenarios is None:
        return EXIT_ERROR
    scenario = find_scenario(scenarios, args.scenario)
    if scenario is None:
        return _unknown("scenario", args.scenario, [s.name for s in scenarios.scenarios])
    from scendsl.model.evaluate import evaluate
    from scendsl.report.explain import explain_text

    result = evaluate(scenario)
    if args.metric not in result.metrics and args.metric not in result.inputs:
        return _unknown("metric", args.metric, list(result.metrics) + list(result.inputs))
    sys.stdout.write(explain_text(result, args.metric))
    runs = monte_carlo([scenario], args)
    if scenario.name in runs:
        from scendsl.model.uncertainty import sensitivity
        from scendsl.report.explain import uncertainty_text

        run = runs[scenario.name]
        ranking = sensitivity(scenario, run, metrics=[args.metric])
        sys.stdout.write(uncertainty_text(result, args.metric, run, ranking))
    return EXIT_OK


def _evaluate_paths(paths: list[str], label: str, fmt: str):
    """Evaluate every plain scenario under `paths`; None after printing diagnostics."""
    from scendsl.language.resolve import load_paths
    from scendsl.model.evaluate import evaluate

    try:
        scenarios = load_paths(paths)
        return [evaluate(s) for s in scenarios.scenarios]
    except ScenarioError as error:
        print(f"error: the {label} scenarios do not load:", file=sys.stderr)
        print_diagnostics(error.diagnostics, "text" if fmt != "json" else "json")
        return None


@command("diff")
def cmd_diff(args: argparse.Namespace) -> int:
    import tempfile

    from scendsl.report import diff as D

    if args.git:
        new_paths = args.paths or ["scenarios"]
        with tempfile.TemporaryDirectory(prefix="scendsl-diff-") as folder:
            from scendsl.gitsnap import GitSnapshotError, snapshot

            try:
                old_paths = snapshot(args.git, new_paths, folder)
            except GitSnapshotError as error:
                print(f"error: {error}", file=sys.stderr)
                return EXIT_USAGE if error.usage else EXIT_ERROR
            old = _evaluate_paths(old_paths, f"{args.git}", args.format) if old_paths else []
    else:
        if len(args.paths) != 2:
            print("usage: scendsl diff OLD NEW  (or: scendsl diff --git REV [PATH...])",
                  file=sys.stderr)
            return EXIT_USAGE
        old = _evaluate_paths([args.paths[0]], "old", args.format)
        new_paths = [args.paths[1]]
    new = _evaluate_paths(new_paths, "new", args.format)
    if old is None or new is None:
        return EXIT_ERROR
    result = D.diff_results(old, new, args.threshold)
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
        return 3
    if args.exit_code and result.changed:
        return 2
    return EXIT_OK


@command("fmt")
def cmd_fmt(args: argparse.Namespace) -> int:
    from scendsl.language.format import format_paths

    changed, code = format_paths(args.paths, check=args.check)
    verb = "would reformat" if args.check else "reformatted"
    for name in changed:
        print(f"{verb} {visible_path(name)}", file=sys.stderr)
    return code


@command("schema")
def cmd_schema(args: argparse.Namespace) -> int:
    from scendsl.model.evaluate import Result
    from scendsl.scenario import ScenarioSet, complete_models

    complete_models()

    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "scendsl models",
        "scenarios": ScenarioSet.model_json_schema(),
        "result": Result.model_json_schema(),
    }
    json.dump(document, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return EXIT_OK


@command("build")
def cmd_build(args: argparse.Namespace) -> int:
    from scendsl.report.build import build

    report = build(args.paths or ["scenarios"], args.output, templates_dir=args.templates,
                   check=args.check, samples=args.samples, seed=args.seed)
    print(report.summary(), file=sys.stderr)
    return report.exit_code


#: Every numeric option of every command, with its bounds: (kind, lowest, highest). Checked by
#: argparse when the command line is read, so a bad value ends in exit 2 and a clear message.
NUMERIC_OPTIONS: dict[str, tuple[type, float, float]] = {
    "--samples": (int, 0, 100_000_000),  # memory is checked again against the scenarios
    "--seed": (int, 0, 2**64 - 1),  # numpy's seed sequence takes non-negative integers
    "--max-variants": (int, 1, 1_000_000_000),
    "--max-tokens": (int, 1, 10_000_000),  # more tokens than an 8 MiB file can hold
    "--threshold": (float, 0.0, 1e9),
}


def _bounded(flag: str) -> Callable[[str], float]:
    """The argparse `type=` for `flag`: parse, then check against NUMERIC_OPTIONS."""
    kind, low, high = NUMERIC_OPTIONS[flag]

    def parse(text: str):
        try:
            value = kind(text.replace("_", "")) if kind is int else kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(
                f"expects {'a whole number' if kind is int else 'a number'}, not {text!r}")
        if not (low <= value <= high):  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be between {int(low):,} and {int(high):,}, "
                                             f"not {text}")
        return value

    parse.__name__ = "whole number" if kind is int else "number"
    return parse


def _numeric(parser: argparse.ArgumentParser, flag: str, **options) -> None:
    parser.add_argument(flag, type=_bounded(flag), **options)


@command("new")
def cmd_new(args: argparse.Namespace) -> int:
    import os

    from scendsl.language.starter import check_name, new_text

    output = args.output or f"{check_name(args.name)}.scn"
    if output != "-" and os.path.lexists(output):
        print(f"error: '{visible_path(output)}' exists; scendsl new never overwrites a file",
              file=sys.stderr)
        return EXIT_ERROR
    text = new_text(args.name, output=output if output != "-" else f"{args.name}.scn",
                    base=args.base, accelerator=args.accelerator, region=args.region,
                    inline=args.inline)
    if output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(output, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        print(f"error: '{visible_path(output)}' exists; scendsl new never overwrites a file",
              file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"error: cannot write '{visible_path(output)}': {error.strerror or error}",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {visible_path(output)}; check it with: scendsl check {visible_path(output)}",
          file=sys.stderr)
    return EXIT_OK


@command("lsp")
def cmd_lsp(args: argparse.Namespace) -> int:
    try:  # the optional extra: pygls is imported by this command only
        from scendsl.lsp.server import main as serve
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        print(f"error: the language server needs the 'lsp' extra ({error.name} is missing): "
              "pip install 'scendsl[lsp]'", file=sys.stderr)
        return EXIT_ERROR
    return serve()


def _uncertainty_options(parser: argparse.ArgumentParser) -> None:
    _numeric(parser, "--samples", default=DEFAULT_SAMPLES, metavar="N",
             help="Monte Carlo samples for scenarios with ranges (0: none; default "
                  f"{DEFAULT_SAMPLES:,})")
    _numeric(parser, "--seed", default=DEFAULT_SEED,
             help="random seed (fixed by default: same inputs, same numbers)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scendsl",
        description="Scenario language and policy-briefing compiler for AI compute.",
    )
    parser.add_argument("--version", action="version", version=f"scendsl {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="parse and resolve scenarios; report every error")
    check.add_argument("paths", nargs="+", metavar="PATH", help=".scn files or folders")
    check.add_argument("--format", choices=("text", "json"), default="text")
    _numeric(check, "--max-variants", default=None,
             help="most variants of a sweep, and of all sweeps together (default 1,000,000)")
    _numeric(check, "--max-tokens", default=None,
             help="largest file allowed, in tokens (default 25,000: any file is "
                  "decided within a second)")

    evaluate = sub.add_parser("eval", help="print every metric of every scenario")
    evaluate.add_argument("paths", nargs="+", metavar="PATH")
    evaluate.add_argument("--format", choices=("text", "json", "csv"), default="text")
    evaluate.add_argument("--sweeps", action="store_true",
                          help="also evaluate every sweep variant (vectorised, streamed)")
    _numeric(evaluate, "--max-variants", default=None)
    _numeric(evaluate, "--max-tokens", default=None)
    _uncertainty_options(evaluate)

    explain = sub.add_parser("explain", help="show how a metric was computed, down to sources")
    explain.add_argument("path", metavar="PATH")
    explain.add_argument("scenario", metavar="SCENARIO")
    explain.add_argument("metric", metavar="METRIC")
    _uncertainty_options(explain)
    diff = sub.add_parser("diff", help="what changed in the results between two versions")
    diff.add_argument("paths", nargs="*", metavar="PATH",
                      help="OLD NEW (files or folders), or with --git the paths to compare")
    diff.add_argument("--git", metavar="REV", help="compare the working tree with revision REV")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    _numeric(diff, "--threshold", default=0.0, metavar="PCT",
             help="hide metrics that moved less than PCT per cent")
    diff.add_argument("--exit-code", action="store_true",
                      help="exit 2 when anything changed (like terraform plan -detailed-exitcode)")
    diff.add_argument("--fail-on-claims", action="store_true",
                      help="exit 3 when a claim flips to failing")
    build = sub.add_parser("build", help="build the briefings (Markdown and HTML)")
    build.add_argument("paths", nargs="*", metavar="PATH", help="default: scenarios/")
    build.add_argument("-o", "--output", default="out", metavar="DIR", help="default: out/")
    build.add_argument("--templates", metavar="DIR", help="your own templates (sandboxed)")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 naming the files that are out of date")
    _uncertainty_options(build)

    fmt = sub.add_parser("fmt", help="rewrite files in the canonical layout")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 naming the files that would change")

    new = sub.add_parser("new", help="write a commented starter scenario that passes check")
    new.add_argument("name", metavar="NAME", help="the scenario's name (letters, digits, '_')")
    new.add_argument("--from", dest="base", metavar="SCENARIO",
                     help="start from a scenario: FILE.scn, FILE.scn:NAME, or a NAME defined in "
                          "the output's folder (extends it when the new file can import it, "
                          "else copies its values)")
    new.add_argument("--inline", action="store_true",
                     help="with --from: copy the values even when the new file could extend it")
    new.add_argument("--accelerator", metavar="ID", help="a catalog accelerator (default H100)")
    new.add_argument("--region", metavar="CC", help="a catalog region code (default US)")
    new.add_argument("-o", "--output", metavar="FILE",
                     help="where to write (default NAME.scn; '-' prints it); never overwritten")

    sub.add_parser("schema", help="print the JSON Schema of the scenario and result models")

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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as error:
        print_diagnostics(error.diagnostics, getattr(args, "format", "text"))
        return EXIT_ERROR
    except KeyboardInterrupt:  # workers ignore SIGINT; writes are atomic, so nothing is half done
        print("interrupted", file=sys.stderr)
        return 130
    except StreamClosed as error:  # `scendsl eval x.scn >&-`: nowhere to write the results
        print(f"error: {error}; nothing written", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `scendsl eval ... | head`: the reader left; that is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a bug of ours: say so plainly; the traceback is opt-in
        import errno

        if isinstance(error, OSError) and errno.errorcode.get(error.errno) in _SYSTEM_REFUSALS:
            from scendsl.files import reason

            where = f"{visible_path(error.filename)}: " if error.filename else ""
            print(f"error: {where}{reason(error)}", file=sys.stderr)
            return EXIT_ERROR
        import os

        if os.environ.get("SCENDSL_DEBUG"):
            raise
        print(f"internal error: {type(error).__name__}: {error}\n"
              "This is a bug in scendsl, not in your scenario. "
              "Set SCENDSL_DEBUG=1 to see the traceback.", file=sys.stderr)
        return EXIT_ERROR


def run() -> None:
    """The console script: `main`, then leave without Python's interpreter teardown.

    Tearing down numpy, matplotlib and pydantic takes 60–100 ms and there is nothing left to
    do: every file is written (atomically) and closed by then, so flush and exit at once."""
    import contextlib
    import os

    from scendsl.terminal import install

    install()
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
            code = EXIT_ERROR
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
