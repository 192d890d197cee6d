"""What the command line writes to a terminal: safe, encodable, and never to the wrong stream.

Three hazards of hostile input and odd environments meet at stdout and stderr:

* control characters in a comment or string (an ESC sequence, a right-to-left override) would
  reach the terminal raw and could rewrite or reorder what the reader sees: `visible` spells them
  as `\\u001b`, `\\u202e` (the same escape is valid JSON, so JSON output still decodes to the
  original text);
* a terminal or pipe that cannot encode `²` or `→` (`PYTHONIOENCODING=ascii`, `LC_ALL=C`): the
  `scendsl-ascii` error handler writes `^2`, `->` and the like instead of failing;
* a closed stdout or stderr (`scendsl eval x.scn >&-`): Python leaves `sys.stdout` as None, and
  `print(file=None)` then writes to stdout — so an error meant for a closed stderr would land in
  the output. `install` puts stand-ins in their place and /dev/null on the bare descriptors (so a
  file opened later never becomes descriptor 1 or 2).
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from typing import Any

#: Characters that move the cursor, change colours, reorder or hide text: C0 and C1 controls
#: (except tab and line feed), DEL, the line and paragraph separators, every format character
#: (Unicode's category Cf, the bidirectional controls among them, in and beyond the Basic
#: Multilingual Plane: the tag characters U+E0000-E007F spell a whole sentence no one sees),
#: and the other characters Unicode says are shown as nothing (Default_Ignorable_Code_Point:
#: Hangul fillers, Khmer inherent vowels, Mongolian variation selectors, the grapheme joiner,
#: the variation selectors beyond U+FE0F), but the sixteen variation selectors emoji use.
#: `tests/test_security_review21.py` checks this against Unicode's categories for every code
#: point.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff0-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)


def visible(text: str) -> str:
    """`text` with every control, bidi and invisible format character spelt `\\uXXXX`."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_spelt, text)


def _spelt(found: re.Match[str]) -> str:
    """A character as JSON escapes it (`\\u202e`; beyond U+FFFF as its two UTF-16 halves,
    `\\udb40\\udc41`), so that JSON output, which is printed through `visible`, decodes
    unchanged."""
    code = ord(found.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


#: A lone surrogate: how Python decodes a byte of a file name that is not UTF-8 (`\udcff`).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def spelt_surrogates(text: str) -> str:
    """`text` with each lone surrogate spelt `\\udcff`, as a printed path shows it: a file name
    that is not UTF-8 holds one, and strict JSON parsers (and UTF-8 encoders) refuse it. Every
    string of JSON output goes through this (`model.values.json_safe`)."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def visible_path(path: object) -> str:
    """A file name as printed: `visible`, and its line breaks spelt `\\n` and `\\r` too.

    Normal output keeps its own line breaks (`visible` lets them through), so a file named
    `a\\nfake: ok.scn` would print a forged line; every place that prints a path uses this.
    """
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    return visible(text.replace("\n", "\\n").replace("\r", "\\r"))


def rich_text(text: str, style: str = "") -> Any:
    """Text for a rich console, shown as it is: `visible`, and never read as rich markup
    (`[link=...]`, `[/]`), emoji codes (`:cross_mark:` would print ❌ beside a verdict) or
    highlighted; rich's `escape` kept the markup out but still dropped backslashes and made
    emoji. Every line of user text rich prints goes through this."""
    from rich.text import Text

    return Text(visible(text), style=style)


#: ASCII spellings of the symbols scendsl writes, for streams that cannot encode them.
ASCII_SPELLINGS = {
    "²": "^2",
    "³": "^3",
    "¹": "^1",
    "⁻": "^-",
    "⁵": "^5",
    "→": "->",
    "←": "<-",
    "×": "x",
    "±": "+/-",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "≠": "!=",
    "…": "...",
    "–": "-",
    "—": "--",
    "−": "-",
    "·": "*",
    "÷": "/",
    "√": "sqrt",
    "∞": "inf",
    "½": "1/2",
    "⅓": "1/3",
    "⅔": "2/3",
    "§": "S",
    "µ": "u",
    "μ": "u",
    "°": "deg",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "│": "|",
    "─": "-",
    "├": "|",
    "└": "`",
    "⌊": "floor(",
    "⌋": ")",
    "€": "EUR",
    "£": "GBP",
}


def _ascii_spelling(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    pieces = []
    for char in error.object[error.start : error.end]:
        spelling = ASCII_SPELLINGS.get(char)
        if spelling is None:
            code = ord(char)
            spelling = (
                f"\\x{code:02x}"
                if code <= 0xFF
                else (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
            )
        pieces.append(spelling)
    return "".join(pieces), error.end


codecs.register_error("scendsl-ascii", _ascii_spelling)


class StreamClosed(OSError):
    """Raised on a write to a standard stream that was closed when scendsl started."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} (standard {'output' if name == 'stdout' else 'error'}) is closed")
        self.stream_name = name


class _Closed(io.TextIOBase):
    """Stands for a standard stream that was closed: writes fail (stdout) or vanish (stderr)."""

    def __init__(self, name: str, fail: bool) -> None:
        self.stream_name, self._fail = name, fail

    def write(self, text: str) -> int:
        if self._fail and text:
            raise StreamClosed(self.stream_name)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False


class _Visible(io.TextIOBase):
    """A text stream whose writes go through `visible`; everything else is the inner stream's."""

    def __init__(self, inner) -> None:
        self.unfiltered = inner

    def write(self, text: str) -> int:
        self.unfiltered.write(visible(text))
        return len(text)

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        # The language server's transport closes stdout when the client says `exit`; a closed
        # stream has nothing left to flush.
        if not self.unfiltered.closed:
            self.unfiltered.flush()

    def isatty(self) -> bool:
        return self.unfiltered.isatty()

    def fileno(self) -> int:
        return self.unfiltered.fileno()

    # Read-only views of the wrapped stream's settings (io.TextIOBase would answer None).
    @property
    def encoding(self):  # type: ignore[override]
        return self.unfiltered.encoding

    @property
    def errors(self):  # type: ignore[override]
        return self.unfiltered.errors

    def __getattr__(self, name):  # buffer, reconfigure, ...
        return getattr(self.unfiltered, name)


def unfiltered(stream):
    """The stream under `install`'s filter, for writers of their own escape codes (rich)."""
    return getattr(stream, "unfiltered", stream)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def install() -> None:
    """Prepare stdout and stderr for the command line (see the module docstring)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if not _is_open(fd):
            # Hold the descriptor with /dev/null, so no file opened later takes its number.
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            if name == "stdout":
                sys.stdout = _Closed(name, fail=True)
            elif name == "stderr":
                sys.stderr = _Closed(name, fail=False)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # closed at start-up in a way fstat did not see
            setattr(sys, name, _Closed(name, fail=name == "stdout"))
            continue
        if isinstance(stream, _Closed):
            continue
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="scendsl-ascii")
            except (ValueError, OSError):
                pass
        setattr(sys, name, _Visible(stream))
