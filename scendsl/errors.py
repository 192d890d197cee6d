"""The errors of scendsl: one root, `ScendslError`, and the exit codes of the command line.

Every error a user can reach is a kind of `ScendslError`; the command line catches that root
once (scendsl.cli.main). Most carry located diagnostics (`ScenarioError`): a `Diagnostic` is
born in the parser or the resolver with a `Span` and travels unchanged to the CLI, which prints
it as `path:line:col: error: message`, the source line and a caret, like a compiler; `--format
json` prints the same fields for editors and CI. The other kinds (a catalog or risk-rules file
that does not read, a git revision that cannot be used, ...) carry a message.

Anything else reaching the command line is a bug of ours: "internal error", exit EXIT_INTERNAL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Literal

from scendsl.suggest import Hint

Severity = Literal["error", "warning"]

#: Exit codes of the `scendsl` command (the README's "Exit codes" table).
EXIT_OK = 0
#: The input is wrong (a scenario, a template, a file, a revision): diagnostics say where.
EXIT_INPUT = 1
#: The command line is wrong (argparse's own code).
EXIT_USAGE = 2
#: `diff --fail-on-claims`: a claim that held now fails.
EXIT_CLAIM_FAILS = 3
#: `diff --exit-code`: the results changed.
EXIT_CHANGED = 4
#: A bug in scendsl (an exception that is not a ScendslError).
EXIT_INTERNAL = 70
#: Interrupted (Ctrl-C): 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


class ScendslError(Exception):
    """The root of every error a user can reach; `exit_code` is the command's exit status.

    Kinds with located diagnostics (ScenarioError) fill `diagnostics`; the others have a
    message only and are printed as `error: message`."""

    exit_code: int = EXIT_INPUT
    diagnostics: list[Diagnostic]

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.diagnostics = []


def bug_message(error: BaseException, where: str = "", debug: str = "the traceback") -> str:
    """What the CLI and the language server say of a bug of ours (an exception that is no
    ScendslError), in the same words: `where` its traceback was kept ("; its traceback is in
    ..."), `debug` what SCENDSL_DEBUG=1 shows."""
    return (
        f"internal error: {type(error).__name__}: {error}\n"
        f"This is a bug in scendsl, not in your scenario{where}. "
        f"Set SCENDSL_DEBUG=1 to see {debug}."
    )


def source_lines(text: str) -> list[str]:
    """A source's lines as the parser counts them, each without a CRLF's carriage return: only
    '\n' ends one (`splitlines` would also split at U+2028, form feeds and other characters a
    comment or a title may hold, and quote or show the wrong line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


#: The end of `str(span)`: `file:line:col`.
_PLACE_RE = re.compile(r":\d+:\d+$")


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns count from 1, `end_col` is exclusive."""

    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    @staticmethod
    def names_place(origin: str | None) -> bool:
        """Whether a figure's origin is a place in a scenario file (`str(span)`, what
        `Context.where` writes for a written value), not a catalog figure, a default or a
        derivation that names one: what a result read back from JSON has to go by."""
        return origin is not None and _PLACE_RE.search(origin) is not None

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_col": self.end_col if self.end_col is not None else self.col + 1,
        }


def _width(span: Span) -> int:
    """How many characters a span of one line covers (one for a span without an end)."""
    return 1 if span.end_col is None else span.end_col - span.col


#: The longest source line a rendered diagnostic quotes whole; a longer one (a line may hold
#: 20,000 characters) is quoted as SHOWN_LINE characters around the caret, with ellipses.
SHOWN_LINE = 240


def _line_window(raw: str, start: int, width: int) -> tuple[str, int, int]:
    """`raw` cut to SHOWN_LINE characters from a little before `start` ('…' where cut), and the
    caret's start and width in it."""
    left = max(0, min(start - 40, len(raw) - SHOWN_LINE))
    right = left + SHOWN_LINE
    head = "…" if left > 0 else ""
    tail = "…" if right < len(raw) else ""
    width = max(min(width, right - start), 1)
    return head + raw[left:right] + tail, start - left + len(head), width


#: The longest text a fix puts in a file: a name, a code, a unit or a quoted subdivision.
MAX_FIX_LENGTH = 100

#: What a fix may be (`is_fix`): one token of the language that cannot end a string or begin
#: a comment in the text around it: a name, a dotted name or a unit (the grammar's WORD), a
#: number (NUMBER: `70B` for `70 billion`), or a string of one line without escapes.
_FIX = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:/[A-Za-z][A-Za-z0-9]*)?"
    r"|-?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?[kMBGT]?%?"
    r'|"[^"\\\n]*"'
)


#: What is never a fix alone: a quote mark opens or closes a string whose other end is outside
#: the fix, and a backslash outside a string is an error of its own.
_NEVER_ALONE = frozenset('"\\')


def is_fix(text: object, width: int | None = None) -> bool:
    """Whether `text` may be a diagnostic's fix (`Diagnostic.fix`), put in a file in place of
    the span by an editor's quick fix or a tool reading `--format json`: one token (`_FIX`) of
    at most MAX_FIX_LENGTH printable characters, so that no fix holds a line break, a control,
    a bidi or invisible character, a quote that ends a string, a `#` that comments out the rest
    of the line, nor a second statement. The one exception is a single printable ASCII
    character in place of a single character (`width` 1): the plain form of a look-alike
    (a full-width `\uff03` is fixed as `#`, which is what the reader sees), but never a quote
    mark or a backslash alone: the string a `"` opens runs to the next `"` of its line, which
    may be a comment's (`“Q3” # "draft"` then reads as a title holding the comment), and the
    typographic closing quote is then inside the string, where no fix reaches it."""
    if not isinstance(text, str) or not 0 < len(text) <= MAX_FIX_LENGTH:
        return False
    if len(text) == 1 and width == 1 and text.isascii() and text.isprintable():
        return text not in _NEVER_ALONE
    return text.isprintable() and _FIX.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input, with where it is and, when we know one, how to fix it."""

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = "error"
    #: Other places that take part in the problem (the first definition of a duplicate, ...).
    related: tuple[tuple[str, Span], ...] = ()
    #: The text of the line the span points into, captured when the diagnostic is made so that
    #: rendering never has to reopen a file that may have changed.
    source_line: str | None = None
    #: A stable name of the kind of problem, when it has one (a warning's rule id), so that
    #: editors and CI can tell warnings apart without parsing their messages.
    code: str | None = None
    #: The scenario the diagnostic is about, when it concerns one: its message is then
    #: "scenario 'NAME': TEXT" (`scenario_message`) and `text` is TEXT, so that a problem several
    #: scenarios share can be said once (`group_shared`).
    scenario: str | None = None
    text: str | None = None
    #: The text that replaces the span to fix the problem, when there is exactly one such edit
    #: (an editor offers it as a quick fix; `--format json` gives it as `fix`): one token
    #: (`is_fix`) replacing a span of one line, else none is kept.
    fix: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.hint, Hint):  # kept as plain text: the fix is its own field
            object.__setattr__(self, "hint", str(self.hint))
        if self.fix is not None and not (
            self.span is not None
            and self.span.end_line in (None, self.span.line)
            and is_fix(self.fix, _width(self.span))
        ):
            object.__setattr__(self, "fix", None)
        # A message that repeats a hostile length of user text is bounded here, once for every
        # maker of diagnostics (suggest.quoted is the way to quote; this is the net under it).
        from scendsl.suggest import bounded_message

        for name in ("message", "text"):
            value = getattr(self, name)
            if value is not None and len(value) > 1_000:
                object.__setattr__(self, name, bounded_message(value))

    def with_spans(self, place: Callable[[Span], Span]) -> Diagnostic:
        """This diagnostic with each place it points at (its span and its related notes')
        mapped by `place`: the same problem told where its file is now (a scenario that moved
        down its file, a revision's copy named `REV:path`)."""
        return replace(
            self,
            span=None if self.span is None else place(self.span),
            related=tuple((note, place(at)) for note, at in self.related),
        )

    def render(self) -> str:
        """Compiler-style text: location, message, the source line with a caret, hint, related."""
        from scendsl.terminal import visible, visible_path

        def at(span: Span) -> str:  # a line break in a file name must not forge a line
            return f"{visible_path(span.file)}:{span.line}:{span.col}"

        where = f"{at(self.span)}: " if self.span else ""
        # A message, hint or note is one line: a word from the command line in it (a scenario
        # or metric name, a region) holding a line break must not forge a line of its own.
        lines = [visible_path(f"{where}{self.severity}: {self.message}")]
        if self.span is not None and self.source_line is not None:
            raw = self.source_line.rstrip("\n").expandtabs(1)
            text = visible(raw)  # an ESC or a bidi override in the line is shown, not obeyed
            start = max(self.span.col - 1, 0)
            if self.span.end_line in (None, self.span.line) and self.span.end_col:
                width = max(self.span.end_col - self.span.col, 1)
            else:
                width = max(len(raw) - start, 1)
            if len(raw) > SHOWN_LINE:  # a hostile length: the part around the caret
                raw, start, width = _line_window(raw, start, width)
                text = visible(raw)
            # The caret counts characters as shown, escapes included.
            shown_start = len(visible(raw[:start]))
            width = max(len(visible(raw[start : start + width])), 1)
            lines.append(f"  {text}")
            lines.append("  " + " " * shown_start + "^" + "~" * (width - 1))
        if self.hint:
            lines.append(visible_path(f"  hint: {self.hint}"))
        for label, span in self.related:
            lines.append(visible_path(f"  {at(span)}: note: {label}"))
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "span": self.span.to_json() if self.span else None,
            "related": [{"message": label, "span": span.to_json()} for label, span in self.related],
        }
        if self.code is not None:
            data["code"] = self.code
        if self.fix is not None:
            data["fix"] = self.fix
        return data


@dataclass
class ScenarioError(ScendslError):
    """Raised by every stage with all the diagnostics it found, never only the first."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.__str__())

    @classmethod
    def one(
        cls,
        message: str,
        span: Span | None = None,
        hint: str | None = None,
        *,
        quote: dict[str, str] | None = None,
    ) -> ScenarioError:
        """The error of a problem found alone (`raise ScenarioError.one(...)`): one error
        diagnostic. With `quote` (file name -> the text already read), it quotes the span's
        line as a DiagnosticSink does; a refused file is never quoted, so the default quotes
        nothing."""
        if quote is None:
            return cls([Diagnostic(message, span, hint)])
        sink = DiagnosticSink(quote)
        sink.error(message, span, hint)
        return cls(sink.diagnostics)

    def quoting(self, loaded: Mapping[str, str]) -> ScenarioError:
        """This error with each located diagnostic that quotes no line quoting it from `loaded`
        (the texts the load read, `ScenarioSet.texts`): for an error raised by a stage that saw
        a scenario but not its load's texts (a claim refused by the evaluation)."""
        sink = DiagnosticSink(loaded=loaded)
        for diagnostic in self.diagnostics:
            if diagnostic.source_line is None and diagnostic.span is not None:
                sink.quoted(diagnostic)
            else:
                sink.extend([diagnostic])
        return ScenarioError(sink.diagnostics)

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[Diagnostic]]]:
        # Made again from its diagnostics (a worker process sends it back pickled).
        return (ScenarioError, (self.diagnostics,))

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class DiagnosticSink:
    """Collects diagnostics during a stage; `raise_if_errors` turns them into one ScenarioError."""

    def __init__(
        self, sources: dict[str, str] | None = None, *, loaded: Mapping[str, str] | None = None
    ) -> None:
        self.diagnostics: list[Diagnostic] = []
        #: file name -> text, so diagnostics can quote their line.
        self.sources: dict[str, str] = sources if sources is not None else {}
        #: The texts the load read (`ScenarioSet.texts`), by file name: what a later stage's
        #: diagnostic (a warning, a claim's error) quotes its line from, never the file read
        #: again, which may have been edited since or swapped for a link out of the scenario
        #: folder (item 190 of docs/security.md). Carried by the load's result, not kept by
        #: the process: two projects checked at once each quote their own lines.
        self.loaded: Mapping[str, str] = loaded if loaded is not None else {}
        self._lines: dict[str, list[str]] = {}

    def _line_of(self, span: Span | None) -> str | None:
        if span is None:
            return None
        if span.file not in self.sources:
            # A later stage quoting a file the load read: its text as read then.
            text = self.loaded.get(span.file)
            if text is None:
                return None
            self.sources[span.file] = text
        lines = self._lines.get(span.file)
        if lines is None:
            lines = self._lines[span.file] = source_lines(self.sources[span.file])
        if not 0 < span.line <= len(lines):
            return None
        return lines[span.line - 1]

    def error(
        self,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: tuple[tuple[str, Span], ...] = (),
        fix: str | None = None,
    ) -> None:
        """Collect an error; `fix`, when given, is the text that replaces `span` to fix it."""
        self.diagnostics.append(
            Diagnostic(message, span, hint, "error", related, self._line_of(span), fix=fix)
        )

    def withhold_fixes(self, since: int, written: Iterable[str]) -> None:
        """Drop the fix of each diagnostic collected from index `since` on that would write one
        of `written`, what the list, mix or block it is in already holds: applied, it would
        write that twice (`[h100, H100]` fixed to `[H100, H100]`), one error for another."""
        taken = set(written)
        for at in range(since, len(self.diagnostics)):
            if self.diagnostics[at].fix in taken:
                self.diagnostics[at] = replace(self.diagnostics[at], fix=None)

    def warning(
        self,
        message: str,
        span: Span | None,
        hint: str | None = None,
        related: tuple[tuple[str, Span], ...] = (),
        code: str | None = None,
        scenario: str | None = None,
    ) -> Diagnostic:
        """Collect a warning (it never fails the stage) and return it; one about `scenario`
        says so at the start of its message."""
        text = message if scenario is not None else None
        if scenario is not None:
            message = scenario_message(scenario, message)
        diagnostic = Diagnostic(
            message, span, hint, "warning", related, self._line_of(span), code, scenario, text
        )
        self.diagnostics.append(diagnostic)
        return diagnostic

    def quoted(self, diagnostic: Diagnostic) -> Diagnostic:
        """Collect `diagnostic`, made by an earlier run (`app.kept_warnings`), quoting its line
        as this sink reads it now, and return it."""
        diagnostic = replace(diagnostic, source_line=self._line_of(diagnostic.span))
        self.diagnostics.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise ScenarioError(sorted_diagnostics(self.diagnostics))


def scenario_message(scenario: str, text: str) -> str:
    """The message of a diagnostic about one scenario."""
    return f"scenario '{scenario}': {text}"


def _scenarios_phrase(scenarios: tuple[str, ...], shown: int = 4) -> str:
    """'scenarios 'a', 'b' and 'c'', or with more than `shown`: 'scenarios 'a', 'b', 'c' and 5
    more' (a list of fifty names would hide the problem it introduces)."""
    quoted = [f"'{name}'" for name in scenarios]
    if len(quoted) > shown:
        quoted = [*quoted[: shown - 1], f"{len(scenarios) - shown + 1} more"]
    return f"scenarios {', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass(frozen=True, slots=True)
class SharedDiagnostic:
    """One problem as the text output says it: a diagnostic and every scenario it concerns."""

    diagnostic: Diagnostic
    #: The scenarios in the order they were found (the diagnostic's own first); empty for a
    #: diagnostic about no scenario.
    scenarios: tuple[str, ...] = ()

    def render(self) -> str:
        """The diagnostic's text, naming every scenario it concerns (escaped like any name)."""
        if len(self.scenarios) < 2 or self.diagnostic.text is None:
            return self.diagnostic.render()
        message = f"{_scenarios_phrase(self.scenarios)}: {self.diagnostic.text}"
        return replace(self.diagnostic, message=message).render()


@contextmanager
def quoting_from(loaded: Mapping[str, str]) -> Iterator[None]:
    """Run a later stage of one load: a ScenarioError it raises quotes its lines from `loaded`
    (`ScenarioError.quoting`)."""
    try:
        yield
    except ScenarioError as error:
        raise error.quoting(loaded) from None


def group_shared(diagnostics: Iterable[Diagnostic]) -> list[SharedDiagnostic]:
    """The diagnostics with a problem several scenarios share said once, in the order of first
    occurrence.

    Diagnostics about a scenario that agree in every field but the scenario (place, severity,
    code, text, hint, notes) are one problem: a scenario that `extends` a base meets the base's
    problems at the base's lines. Grouping is on those fields, never on rendered text; a
    diagnostic about no scenario stays on its own."""
    groups: dict[object, tuple[Diagnostic, list[str]]] = {}
    for index, diagnostic in enumerate(diagnostics):
        if diagnostic.scenario is None:
            groups[index] = (diagnostic, [])
            continue
        key = replace(diagnostic, message="", scenario=None)
        scenarios = groups.setdefault(key, (diagnostic, []))[1]
        if diagnostic.scenario not in scenarios:
            scenarios.append(diagnostic.scenario)
    return [SharedDiagnostic(first, tuple(scenarios)) for first, scenarios in groups.values()]


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Stable, reader-friendly order: by file, then position; unlocated ones last."""

    def key(d: Diagnostic) -> tuple[int, str, int, int]:
        if d.span is None:
            return (1, "", 0, 0)
        return (0, d.span.file, d.span.line, d.span.col)

    return sorted(diagnostics, key=key)
