"""The `scendsl` command line: check, eval, explain, build, diff, fmt, schema.

Each command imports only what it needs, so `scendsl check` starts fast. A user's mistake ends in
located diagnostics and exit code 1; a misuse of the command line in exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from scendsl.errors import Diagnostic, ScenarioError

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
    return getattr(args, "max_variants", None) or 1_000_000


def load_or_report(args: argparse.Namespace):
    """Load the scenarios named on the command line; None after printing diagnostics."""
    from scendsl.language.resolve import load_paths

    try:
        return load_paths(args.paths, max_variants=_max_variants(args))
    except ScenarioError as error:
        print_diagnostics(error.diagnostics, getattr(args, "format", "text"))
        return None


@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    scenarios = load_or_report(args)
    if scenarios is None:
        return EXIT_ERROR
    try:
        from scendsl.model.evaluate import validate_claims

        validate_claims(scenarios)
    except ImportError:  # the model is optional for a syntax-only check
        pass
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
    check.add_argument("--max-variants", type=int, default=None,
                       help="largest sweep allowed (default 1,000,000)")

    for extend in _EXTENSIONS:
        extend(sub)
    return parser


def _version() -> str:
    from scendsl import __version__

    return __version__


#: Functions that add subcommands (registered by later stages of the pipeline).
_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `scendsl` console script."""
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
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
