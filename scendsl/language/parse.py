"""Stage 1: text → `Document` (syntax tree), with located syntax errors.

Lark's LALR parser with an inline transformer builds our syntax nodes directly, which keeps the
parser near Lark's throughput ceiling. On a syntax error we record a diagnostic, blank the rest of
the offending line and parse again, so one run reports every independent mistake.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from scendsl import defaults
from scendsl.errors import Diagnostic, DiagnosticSink, ScenarioError, Span
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.suggest import Hint, fix_of

if TYPE_CHECKING:
    from lark import Lark
    from lark.exceptions import UnexpectedInput

    from scendsl.language.statements import StatementBuilder

#: Hard limits that keep hostile input from exhausting time or memory.
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_SYNTAX_ERRORS = 20
MAX_NESTING = 16
#: Lark lexes and parses about 100,000 tokens a second: these two limits, checked with one fast
#: regex before Lark runs, keep any file's refusal well under a second. (The shipped scenario
#: files hold 200 to 400 tokens; 25,000 is some 7,000 lines.) A caller with a larger, trusted
#: file raises the token limit with `max_tokens` (`--max-tokens` on the command line); the
#: 8 MiB file limit stays.
MAX_TOKENS = 25_000
MAX_LINE_LENGTH = defaults.MAX_LINE_LENGTH  # a string holds at most 10,000 (MAX_STRING_LENGTH)
#: Each syntax error costs one more parse; stop recovering once the parses would add up to more.
MAX_RECOVERY_TOKENS = 50_000

# One match per token, comment or line break, with the blanks before it: a cheap estimate of
# how many tokens Lark's lexer will see.
_TOKEN_ESTIMATE = re.compile(
    r'[ \t\f\r]*(?:#[^\n]*|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|[^\s"\[\]{},#]+|\n\s*|.)'
)
# A line start followed by more than MAX_LINE_LENGTH characters ('^' keeps the search linear).
_LONG_LINE = re.compile(rf"^[^\n]{{{MAX_LINE_LENGTH + 1}}}", re.MULTILINE)
# Brackets, and the comments and strings whose brackets do not count.
_BRACKET_OR_SKIPPED = re.compile(r'#[^\n]*|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|[{}\[\]]')

#: Grammar terminals in the words of a user.
_TERMINAL_WORDS = {
    "_NL": "the end of the line",
    "WORD": "a name",
    "NUMBER": "a number",
    "STRING": "a string in double quotes",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "OP": "a comparison such as '>='",
    "PLUSMINUS": "'±'",
    "DOTDOT": "'..'",
    "COMMA": "','",
    "$END": "the end of the file",
}


@functools.lru_cache(maxsize=1)
def _grammar() -> str:
    # Read by path (importlib.resources costs a tenth of check's start-up); it sits beside us.
    return (Path(__file__).resolve().parent / "grammar.lark").read_text("utf-8")


_parser_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _parser() -> tuple[Lark, StatementBuilder]:
    # Lark is imported only when a file is parsed: a check whose every file's parse is kept
    # (app.kept_parses) imports no parser.
    from scendsl.language.statements import StatementBuilder

    builder = StatementBuilder("<string>")
    options = dict(
        parser="lalr",
        lexer="contextual",
        transformer=builder,
        maybe_placeholders=False,
    )
    # A cache of Lark's grammar analysis lets a cold start skip it. Not cache=True: that keeps
    # it in the temp folder under a name any local user can work out, and Lark unpickles any
    # file there (code run in every command, the language server too): only a folder of ours
    # holds it, and only an entry sealed by this user's key is unpickled (`_cached_lark`).
    return _cached_lark(options), builder


def _cached_lark(options: dict[str, Any]) -> Lark:
    """The parser, from the sealed analysis in this user's cache when there is one (and kept
    there when not): `files.private.CacheSeal` opens only an entry this user's key sealed, so
    a planted, restored or cut entry is analysed again (0.02 s), never unpickled."""
    import io
    import os

    from lark import Lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    from scendsl.files.private import cache_seal

    path = _grammar_cache_file()
    seal = cache_seal() if path is not None else None
    if path is None or seal is None:
        return Lark(_grammar(), **options)
    name = f"grammar/{os.path.basename(path)}"
    data = seal.read(path, name)
    if data is not None:
        try:
            lark = Lark.__new__(Lark)
            return lark._load(io.BytesIO(data), transformer=options["transformer"])
        except Exception:  # sealed by another Lark: analysed again and kept anew
            pass
    lark = Lark(_grammar(), **options)
    stream = io.BytesIO()
    lark.save(stream, _LOAD_ALLOWED_OPTIONS)  # the transformer is given again when loaded
    seal.write(path, name, stream.getvalue())
    return lark


def _grammar_cache_file() -> str | None:
    """Where the analysis of the grammar is kept, sealed: a file in the `grammar` folder of the caches' folder (`files.private.cache_root`:
    SCENDSL_CACHE_DIR, else XDG_CACHE_HOME or ~/.cache), named by the grammar, Lark's and
    Python's versions, or None when that folder is not this user's alone
    (`files.private_folder`)."""
    import hashlib
    import os
    import sys

    import lark

    from scendsl.files.private import cache_root, private_folder

    root = cache_root()  # SCENDSL_CACHE_DIR governs this cache as the others
    if root is None:
        return None
    folder = os.path.join(root, "grammar")
    if not private_folder(folder):
        return None
    grammar = hashlib.sha256(_grammar().encode("utf-8")).hexdigest()[:16]
    version = f"{lark.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    return os.path.join(folder, f"lark-{version}-{grammar}.pickle")


def parse(text: str, file: str = "<string>", *, max_tokens: int = MAX_TOKENS) -> Document:
    """Parse scenario text into a `Document`, or raise `ScenarioError` with every syntax error.

    `max_tokens` bounds the work a file may cause (see MAX_TOKENS)."""
    sink = DiagnosticSink({file: text})
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioError.one(
            f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit",
            Span(file, 1, 1),
            "split it into several files joined with 'import'",
            quote=sink.sources,
        )
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ScenarioError.one(
            "file contains a NUL byte; is it a binary file?",
            Span(file, line, 1),
            quote=sink.sources,
        )
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise ScenarioError([_surrogate_diagnostic(text, file, surrogate.start())])
    _check_size(text, file, sink, max_tokens)
    sink.raise_if_errors()
    _check_comments(text, file, sink)
    sink.raise_if_errors()
    work = text if text.endswith("\n") else text + "\n"
    parser, builder = _parser()
    from lark.exceptions import (
        UnexpectedCharacters,
        UnexpectedEOF,
        UnexpectedInput,
        UnexpectedToken,
    )

    tokens_in_file = _count_tokens(work, max_tokens)
    tokens_parsed = 0
    while True:
        try:
            # The inline transformer stamps spans with the file name; one parse at a time.
            with _parser_lock:
                builder.file = file
                # The transformer turns the tree into statements as it parses.
                statements = cast("list[Statement]", parser.parse(work))
            break
        except UnexpectedInput as error:
            at_end = isinstance(error, UnexpectedEOF) or (
                isinstance(error, UnexpectedToken) and error.token.type == "$END"
            )
            if at_end:
                _report_unclosed(work, file, sink)
                break
            line, col, message, hint = _describe(error, work)
            sink.error(message, Span(file, line, col, line, col + 1), hint, fix=fix_of(hint))
            if len(sink.diagnostics) >= MAX_SYNTAX_ERRORS:
                break
            tokens_parsed += _count_tokens(work, max_tokens, error.pos_in_stream or 0)
            if tokens_parsed + tokens_in_file > max(MAX_RECOVERY_TOKENS, 2 * max_tokens):
                break  # another parse of a file this large would take too long
            # From where the lexer stopped (a dot is blamed on the look-alike after it).
            stop = error.column if isinstance(error, UnexpectedCharacters) else col
            blanked = _blank_rest_of_line(work, line, stop)
            if blanked == work:  # nothing left to remove: stop rather than loop
                break
            work = blanked
        except RecursionError:
            sink.error("blocks or lists are nested too deeply", Span(file, 1, 1))
            break
    sink.raise_if_errors()
    _check_nesting(statements, sink)
    sink.raise_if_errors()
    return Document(file, text, statements)


def _count_tokens(text: str, limit: int, end: int | None = None) -> int:
    """About how many tokens Lark will lex in `text[:end]`, counting no further than limit + 1."""
    count = 0
    for count, _ in enumerate(
        _TOKEN_ESTIMATE.finditer(text, 0, len(text) if end is None else end), 1
    ):
        if count > limit:
            break
    return count


def _check_size(text: str, file: str, sink: DiagnosticSink, max_tokens: int = MAX_TOKENS) -> None:
    """Refuse, before Lark sees them, lines and files that would take Lark seconds to parse."""
    long_line = _LONG_LINE.search(text)
    if long_line is not None:
        line = text.count("\n", 0, long_line.start()) + 1
        sink.error(
            f"line is longer than {MAX_LINE_LENGTH:,} characters",
            Span(file, line, 1),
            "break it into several lines",
        )
        return
    if _count_tokens(text, max_tokens) > max_tokens:
        sink.error(
            f"file has more than {max_tokens:,} tokens (names, numbers, symbols, comments)",
            Span(file, 1, 1),
            "split it into several files joined with 'import', or raise "
            "the limit with --max-tokens",
        )


#: What makes a comment read otherwise than the tool reads it (Trojan Source, CVE-2021-42574):
#: the controls that reorder a line (embeddings, overrides, isolates), so a comment's end and
#: the code after it can be shown in another order, and the line breaks an editor or a web
#: page shows that the language does not read as one (a carriage return alone, the line and
#: paragraph separators, NEL), so what follows one reads as a line of code but is comment.
_COMMENT_TRAP_CHARACTERS = "\r\u2028\u2029\x85" + "".join(
    map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
)
_COMMENT_TRAPS = re.compile(f"[{re.escape(_COMMENT_TRAP_CHARACTERS[1:])}]|\r(?!\n)")
# Comments, and the strings a `#` in which starts none.
_COMMENT_OR_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?|#[^\n]*')


def _check_comments(text: str, file: str, sink: DiagnosticSink) -> None:
    """Refuse, located, a comment holding one of _COMMENT_TRAPS, and a carriage return alone
    between the tokens (at most MAX_SYNTAX_ERRORS). In strings they are the user's text: spelt
    in the terminal, left out of the briefings; a reordering control or a separator outside
    strings and comments is the lexer's unexpected character."""
    if not any(char in text for char in _COMMENT_TRAP_CHARACTERS):  # the usual file: fast
        return
    found = 0
    last = 0
    for match in [*_COMMENT_OR_STRING.finditer(text), None]:
        start, end = (match.start(), match.end()) if match else (len(text), len(text))
        places = [(_LONE_CARRIAGE_RETURN, last, start, False)]
        if match and match.group().startswith("#"):
            places.append((_COMMENT_TRAPS, start, end, True))
        last = end
        for pattern, begin, stop, in_comment in places:
            # The look past a carriage return sees the whole text (a CRLF's LF is no comment's).
            trap = pattern.search(text, begin, stop + 1)
            if trap is None or trap.start() >= stop:
                continue
            message = _trap_message(text[trap.start()], in_comment)
            sink.error(message, _at(file, text, trap.start()), "delete it")
            found += 1
            if found >= MAX_SYNTAX_ERRORS:
                return


_LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")


def _at(file: str, text: str, at: int) -> Span:
    """The span of the character at index `at` of `text`."""
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return Span(file, line, col, line, col + 1)


def _trap_message(char: str, in_comment: bool) -> str:
    import unicodedata

    name = {"\r": "CARRIAGE RETURN", "\x85": "NEXT LINE"}.get(char) or unicodedata.name(char)
    named = f"U+{ord(char):04X} ({name})"
    if not in_comment:
        return (
            f"a line holds {named} alone, which editors and web pages show as a line break: "
            "what follows it reads as another line, but is read as part of this one"
        )
    if char in "\u2028\u2029\x85\r":
        return (
            f"a comment holds {named}, which editors and web pages show as a line break: what "
            "follows it reads as code, but is part of the comment"
        )
    return (
        f"a comment holds {named}, which reorders how the line is shown: code can be shown "
        "where the comment is, or a comment where code is"
    )


def _check_nesting(statements: list[Statement], sink: DiagnosticSink, depth: int = 1) -> None:
    for statement in statements:
        too_deep = _list_nested_too_deep(statement.values)
        if too_deep is not None:
            sink.error(f"lists are nested more than {MAX_NESTING} deep", too_deep.span)
            return
        if statement.body is not None:
            if depth >= MAX_NESTING:
                sink.error(f"blocks are nested more than {MAX_NESTING} deep", statement.key_span)
                return
            _check_nesting(statement.body, sink, depth + 1)


def _list_nested_too_deep(atoms: list[Atom]) -> Atom | None:
    """The first list nested more than MAX_NESTING deep, found without recursion (later stages
    walk lists recursively, so a deeper one must not get past the parser)."""
    stack = [(atom, 1) for atom in atoms if atom.kind == "list"]
    while stack:
        atom, depth = stack.pop()
        if depth > MAX_NESTING:
            return atom
        stack.extend((item, depth + 1) for item in atom.items if item.kind == "list")
    return None


def _blank_rest_of_line(text: str, line: int, col: int) -> str:
    """Replace the text from (line, col) to the end of that line with spaces."""
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    pos = start + col - 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    if line == text.count("\n") + 1 or pos >= end:
        # The error sits at a line end: drop the rest of the file's current line and the next one.
        nxt = text.find("\n", end + 1)
        if nxt < 0:
            return text[:pos]
        return text[:pos] + " " * (end - pos) + "\n" + " " * (nxt - end - 1) + text[nxt:]
    return text[:pos] + _closing_braces_kept(text[pos:end]) + text[end:]


def _closing_braces_kept(blanked: str) -> str:
    """`blanked` as spaces, but for the braces it closes more than it opens, outside strings and
    comments (read as `_check_comments` reads them): `energy { price 0.1 €/kWh }` on one line
    keeps its `}`, so the error at `€` is not followed by a second one saying the block is
    never closed."""
    kept = [" "] * len(blanked)
    opened = 0  # braces opened inside the blanked text, which its own closings close first
    last = 0
    for match in [*_COMMENT_OR_STRING.finditer(blanked), None]:
        for at in range(last, match.start() if match else len(blanked)):
            if blanked[at] == "{":
                opened += 1
            elif blanked[at] == "}":
                if opened:
                    opened -= 1
                else:
                    kept[at] = "}"
        if match is None or match.group().startswith("#"):
            break
        last = match.end()
    return "".join(kept)


_SUBDIVISION = re.compile(r"[A-Za-z]{2}-[A-Za-z0-9]{1,3}\Z")


def _hyphenated_name_hint(text: str, pos: int) -> str:
    """A name written with a '-' (`Megatron-Core`, `A100-80GB`): names join their words with
    '_'; a training framework's other name is told which framework it is."""
    start = pos
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        start -= 1
    end = pos
    while end < len(text) and (text[end].isalnum() or text[end] in "_-"):
        end += 1
    from scendsl.language.names import framework_named, hint_text, subdivision_hint

    written = hint_text(text[start:end])
    if written is None:  # a hostile length: the rule, without repeating the line
        return "names join their words with '_', not '-'"
    if start > 0 and text[start - 1] == "/":  # `USD/GPU-hour`: the per-part of a price
        return _per_part_hint(text, start, written)
    line_start = text.rfind("\n", 0, start) + 1
    field = text[line_start:start].split()
    if _SUBDIVISION.match(written) and (
        (field and field[-1] == "region") or _names_a_subdivision(written)
    ):
        # ISO 3166-2 codes keep their '-': the language reads them as a quoted string, after
        # `region` and wherever else a region is read (a reference's, `subject_to`, a claim on
        # a metric whose values are regions), where `US_TX` was offered
        return subdivision_hint(written) or (
            f'a region with a subdivision is quoted: write "{written.upper()}"'
        )
    framework = framework_named(written)
    if framework is not None:
        return f"'{written}' is written `{framework}` here (the training framework)"
    return f"names join their words with '_', not '-': write '{written.replace('-', '_')}'"


def _names_a_subdivision(written: str) -> bool:
    """Whether `written` is a region of the catalog or a subdivision ISO 3166-2 places in one
    of its countries (`US-TX`, `BR-SP`, `GB-ENG`), in any case."""
    from scendsl.language.names import iso_region_names, subdivision_hint

    return written.upper() in iso_region_names() or subdivision_hint(written) is not None


def _per_part_hint(text: str, start: int, written: str) -> str:
    """`2 USD/GPU-hour`, `EUR/gpu-hr`: a rental price is per accelerator-hour, which the language
    writes per hour (`USD/hour`), not as a name joined with '_' (`GPU_hour` is no unit)."""
    from scendsl.language.names import hint_text

    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start : start - 1].split()
    currency = hint_text(before[-1]) if before else None
    per = f"{currency}/hour" if currency and currency.isalpha() else "USD/hour"
    if {"hour", "hours", "hr", "hrs", "h"} & set(written.lower().split("-")):
        return f"a rental price is per accelerator-hour, written per hour: '{per}'"
    return f"a price is per MWh, per kWh or per hour (a rental price per accelerator-hour: '{per}')"


def _slash_hint(text: str, pos: int) -> str | None:
    """The hint for a '/' the grammar does not take: after a number, a unit glued to it
    (`45USD/MWh`); after a unit that has one already, a second one (`USD/MWh/year`: a price is
    per energy or per hour, a yearly amount is written as an amount)."""
    from scendsl.language.names import hint_text

    if pos == 0:
        return None
    line_start = text.rfind("\n", 0, pos) + 1
    if text[pos - 1].isspace():
        return _spaced_unit_hint(text, line_start, pos)
    before = text[line_start:pos].rsplit(None, 1)[-1]
    if "/" in before:
        unit = hint_text(before)
        return f"a unit has one '/': write {unit!r}" if unit else "a unit has one '/'"
    if before[-1:].isdigit():
        # `GHS 2.10/kWh`, `Rs. 60/kWh`: the currency before the amount, as tariffs print it
        return _currency_first(text, line_start, pos) or (
            "units stand apart from numbers: '45 USD/MWh'"
        )
    return None


#: The last words of a line before a '/' written apart (`60 PKR / kWh`), and the word after it.
_SPACED_UNIT = re.compile(r"([A-Za-z][A-Za-z0-9]*)[ \t]+\Z")
_UNIT_AFTER = re.compile(r"/[ \t]*([A-Za-z][A-Za-z0-9]*)")


def _spaced_unit_hint(text: str, line_start: int, pos: int) -> str | None:
    """`60 PKR / kWh`: a unit per something is one word, its '/' between two names without
    blanks (`PKR/kWh`)."""
    from scendsl.language.names import hint_text

    before = _SPACED_UNIT.search(text, line_start, pos)
    after = _UNIT_AFTER.match(text, pos)
    if before is None or after is None:
        return None
    unit = hint_text(f"{before.group(1)}/{after.group(1)}")
    return f"a unit is one word, with no blanks around its '/': write {unit!r}" if unit else None


#: A currency and an amount before the character the lexer stops at (`GHS 2.10`, `Rs. 60`).
_AMOUNT_BEFORE = re.compile(r"(?<![\w.])[A-Za-z]{1,5}\.?[ \t]*[0-9][0-9_.]*[kMBGT]?\Z")


def _currency_first(text: str, line_start: int, pos: int) -> str | None:
    """The hint for a currency written before its amount, read up to `pos` and, after a '/',
    with what the amount is per (`GHS 2.10/kWh` -> `2.10 GHS/kWh`): values.currency_first_hint."""
    from scendsl.language.values import currency_first_hint

    found = _AMOUNT_BEFORE.search(text, line_start, pos)
    if found is None:
        return None
    per = _UNIT_AFTER.match(text, pos) if text[pos : pos + 1] == "/" else None
    return currency_first_hint(found.group() + (f"/{per.group(1)}" if per else ""))


def _dot_hint(text: str, pos: int) -> str | None:
    """`Rs. 60/kWh`, `Rs.60`: a currency abbreviated with a full stop, before its amount."""
    line_start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    rest = _AMOUNT_AFTER_DOT.match(text, pos, end if end >= 0 else len(text))
    if rest is None:
        return None
    from scendsl.language.values import currency_first_hint

    word = _SPACED_WORD.search(text, line_start, pos)
    if word is None:
        return None
    return currency_first_hint(f"{word.group()}{rest.group()}")


#: What follows an abbreviation's full stop: the amount and what it is per (`. 60/kWh`).
_AMOUNT_AFTER_DOT = re.compile(r"\.[ \t]*[0-9][0-9_.]*[kMBGT]?(?:/[A-Za-z]+)?")
#: The word a full stop ends (`Rs` of `Rs.`).
_SPACED_WORD = re.compile(r"(?<![\w.])[A-Za-z]{1,5}\Z")


#: A power written with '^' (`10^25`, `2.5 x 10^24`), the base and its exponent.
_POWER = re.compile(r"(?:([0-9][0-9.]*)\s*[x*×]\s*)?10\^([+-]?[0-9]+)")


def _power_hint(text: str, pos: int) -> str | None:
    """`10^25 FLOP`, as a regulation writes its threshold: the language writes a power of ten
    with an `e` (`1e25`)."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    for found in _POWER.finditer(line):
        if found.start() <= pos - line_start < found.end():
            written = f"{found.group(1) or '1'}e{found.group(2).lstrip('+')}"
            return f"a power of ten is written with an 'e': write '{written}'"
    return None


def _lookalike(char: str, shown: str) -> tuple[str, str | None]:
    """A character outside ASCII, named (pasted text prints a Cyrillic `\\u0430` like `a`),
    with its plain form when it only looks like one of the language's own (lookalikes.toml,
    NFKC)."""
    import unicodedata

    from scendsl.language.names import plain_character

    name = unicodedata.name(char, "")
    if name:
        code = f"U+{ord(char):04X}"
        shown = f"{char!r} ({code} {name})" if char.isprintable() else f"{code} ({name})"
    plain = plain_character(char)
    if plain is None and unicodedata.decimal(char, None) is not None:
        # Arabic-Indic or Devanagari digits: another script's, which look like no ASCII one
        digit = str(unicodedata.decimal(char))
        return shown, Hint(
            f"the digit {digit} of another script: write {digit!r} (numbers are "
            "written in ASCII digits)",
            digit,
        )
    if plain is None:
        return shown, None
    if plain == "":
        return shown, "an invisible character: delete it"
    if plain.isspace():
        return shown, Hint("it only looks like a space: write a plain space", " ")
    return (
        shown,
        Hint(
            f"it only looks like {plain!r}: write {plain!r} (the language outside quotes is ASCII)",
            plain,
        ),
    )


#: A number and the blanks after it, ending where the lexer stopped (`45 ` before a `%`).
_NUMBER_BEFORE = re.compile(r"(?<![\w.])([0-9][0-9_]*(?:\.[0-9]+)?)[ \t]+\Z")


def _describe(error: UnexpectedInput, text: str) -> tuple[int, int, str, str | None]:
    """Turn a Lark error into (line, col, message, hint) in the user's words."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(error, UnexpectedCharacters):
        pos = cast(int, error.pos_in_stream)  # always set for unexpected characters
        column = error.column
        if text[pos : pos + 1] == "." and not text[pos + 1 : pos + 2].isascii():
            # `cluster.` and a full-width `a`: a dotted name stops at a dot no ASCII letter
            # follows; the character after it is the one to name (with its plain form)
            pos, column = pos + 1, column + 1
        char = text[pos] if pos < len(text) else ""
        if char == '"':
            return (
                error.line,
                column,
                "unterminated string",
                "close it with '\"' on the same line",
            )
        if char == "\\":
            return error.line, column, "unexpected '\\' outside a string", None
        shown = repr(char) if char.isprintable() and char else f"U+{ord(char):04X}" if char else "?"
        hint = None
        if char in "=:;":
            hint = "write a field and its value separated by a space, e.g. 'pue 1.25'"
        elif char == "/":
            hint = _slash_hint(text, pos)
        elif char == ".":
            hint = _dot_hint(text, pos)
        elif char == "%":  # `45 %`: the lexer reads a percentage as one token
            number = _NUMBER_BEFORE.search(text, max(0, pos - 40), pos)
            written = f"{number.group(1)}%" if number else "45%"
            hint = f"a percentage keeps its '%' against the number: write '{written}'"
        elif char == "^":
            hint = _power_hint(text, pos)
        elif char == "-" and pos > 0 and text[pos - 1].isalnum():
            hint = _hyphenated_name_hint(text, pos)
        elif char and not char.isascii():
            shown, hint = _lookalike(char, shown)
        if char and (hint is None or unicodedata.category(char) == "Sc"):
            from scendsl.language.names import currency_sign_hint

            # `0.1 €/kWh`, `450 R$/MWh`, `11 zł/hour`; a sign that folds to letters or to
            # another sign (`₨` to `Rs`, a full-width dollar sign to `$`) is told the code, not
            # the look-alike, which took a second error to reach it
            hint = currency_sign_hint(text, pos) or hint
        return error.line, column, f"unexpected character {shown}", hint
    assert isinstance(error, UnexpectedToken)
    token = error.token
    expected = sorted({_TERMINAL_WORDS.get(t, t) for t in error.expected if not t.startswith("__")})
    got = "the end of the line" if token.type == "_NL" else f"'{token}'"
    message = f"unexpected {got}"
    if 0 < len(expected) <= 4:  # a longer list tells the reader nothing
        message += "; expected " + _or_list(expected)
    hint = None
    if token.type == "LBRACE" and getattr(error, "state", None) is not None:
        hint = "put '{' on the same line as the block's name"
    elif token.type == "RBRACE":
        hint = "a '}' closes a block; end the line before it, or remove the extra '}'"
    elif token.type in ("NUMBER", "STRING") and "a name" in expected:
        hint = "each line starts with a field name, e.g. 'count 100k'"
    return token.line, token.column, message, hint


def _report_unclosed(text: str, file: str, sink: DiagnosticSink) -> None:
    """At an unexpected end of file, point at the '{' or '[' that was never closed."""
    # A regex skips comments and strings at C speed: an 8 MiB file is scanned in milliseconds.
    stack: list[int] = []  # offsets of the open brackets
    for match in _BRACKET_OR_SKIPPED.finditer(text):
        char = match.group()
        if char in ("{", "["):
            stack.append(match.start())
        elif char in ("}", "]") and stack:
            stack.pop()
    if stack:
        pos = stack[-1]
        char, line, col = text[pos], text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        what = "block" if char == "{" else "list"
        close = "}" if char == "{" else "]"
        sink.error(
            f"this {what} is never closed",
            Span(file, line, col, line, col + 1),
            f"add the missing '{close}'",
        )
    else:
        last = text.rstrip("\n").count("\n") + 1
        sink.error("unexpected end of file", Span(file, last, 1))


def _or_list(words: list[str]) -> str:
    if len(words) <= 2:
        return " or ".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def parse_file(
    path: str,
    display_name: str | None = None,
    *,
    max_tokens: int = MAX_TOKENS,
    inside: str | None = None,
) -> Document:
    """Read and parse a file; unreadable or non-UTF-8 files become located diagnostics. With
    `inside` (a folder), a file that is not inside it when opened is refused unread."""
    name = display_name or path
    return parse(read_scenario_text(path, name, inside=inside), name, max_tokens=max_tokens)


def read_scenario_text(path: str, name: str, *, inside: str | None = None) -> str:
    """A scenario file's text, as `parse_file` reads it (`name`: the file as diagnostics
    show it); unreadable, oversized, binary or non-UTF-8 files raise located diagnostics,
    which never quote the file (it may be a secret that merely exists at that path)."""
    try:
        from scendsl.files import open_regular  # never blocks on a FIFO

        with open_regular(path, inside=inside) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError.one(
            f"cannot read file: {error.strerror or error}", Span(name, 1, 1)
        ) from error
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError.one(
            f"file is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit",
            Span(name, 1, 1),
        )
    if b"\x00" in raw:  # a binary file (or /proc/self/environ)
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError.one(
            "file contains a NUL byte; is it a binary file?", Span(name, line, 1)
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ScenarioError.one("file is not valid UTF-8 text", Span(name, line, 1)) from error
    return text


#: Half of a UTF-16 pair on its own: Python text can hold it, UTF-8 (files, JSON, a terminal)
#: cannot, so it would break every output later.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_diagnostic(text: str, file: str, at: int) -> Diagnostic:
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line_text = text[line_start : line_end if line_end >= 0 else len(text)]
    line, col = text.count("\n", 0, at) + 1, at - line_start + 1
    return Diagnostic(
        f"text holds a lone surrogate U+{ord(text[at]):04X}, which is not a character",
        Span(file, line, col, line, col + 1),
        "it cannot be written as UTF-8; decode the text with errors='strict'",
        source_line=_SURROGATE.sub("\ufffd", line_text),
    )
