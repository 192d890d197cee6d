"""A Pygments lexer for `.scn` scenario files.

Registered as the `pygments.lexers` entry point `scendsl`, so `pygmentize -l scendsl`, Sphinx,
MkDocs and Markdown's codehilite highlight ```scendsl blocks. Nothing else in the package imports
this module but the briefings' highlighting (scendsl.report.highlight): `check` and the other
commands (all but `build` and `serve`) never pay for Pygments.

The word lists come from the language's own tables (fields, units), so a new field or unit is
highlighted without editing this file.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from scendsl.language import fields as _fields
from scendsl.language.units import UNITS as _UNITS

__all__ = ["ScendslLexer"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_NAME}(?:\.{_NAME})*"
_SECTIONS = tuple(_fields.SECTIONS)
_FIELDS = tuple(
    sorted(
        {
            *_fields.SCENARIO_ATTRIBUTES,
            *(name for section in _fields.SECTIONS.values() for name in section),
            *_fields.ACCELERATOR_FIGURES,
            *_fields.ACCELERATOR_ATTRIBUTES,
            *_fields.REFERENCE_FIELDS,
        },
        key=lambda name: (-len(name), name),
    )
)
_CHOICES = tuple(
    sorted(
        {
            choice
            for section in _fields.SECTIONS.values()
            for spec in section.values()
            for choice in spec.choices
        }
        | set(_fields.PARALLELISM_KEYS)
        | {"auto"}
    )
)
# Longest first, so that `USD/MWh` is not read as `USD`.
_UNIT_RE = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=lambda u: (-len(u), u)))
# A price in another currency: an ISO 4217 code, alone or per MWh, kWh or hour (`0.25 EUR/kWh`).
_UNIT_RE += r"|[A-Z]{3}(?:/(?:MWh|kWh|hour))?"
_FIELD_RE = "|".join(_FIELDS)
# A key starts a line, or follows `{` when a block's last statement shares its line.
_KEY_START = r"(^[ \t]*|(?<=\{)[ \t]*)"


#: `KEYWORD NAME [extends NAME]`: the groups of a definition's header.
_DEFINITION = bygroups(
    Whitespace,
    Keyword.Declaration,
    Whitespace,
    Name.Class,
    Whitespace,
    Keyword,
    Whitespace,
    Name.Class,
)


class ScendslLexer(RegexLexer):
    """Lexer for the scendsl scenario language."""

    name = "scendsl"
    aliases = ["scendsl", "scn"]
    filenames = ["*.scn"]
    mimetypes = ["text/x-scendsl"]
    flags = re.MULTILINE

    tokens = {
        "root": [
            (r"#.*?$", Comment.Single),
            (r"\n", Whitespace),
            # Definitions. Inside `cluster`, `accelerator H100` is a field: a definition has a block.
            (
                rf"(^[ \t]*)(accelerator)([ \t]+)({_NAME})(?:([ \t]+)(extends)([ \t]+)({_NAME}))?"
                r"(?=[ \t]*\{)",
                _DEFINITION,
            ),
            (
                rf"(^[ \t]*)(scenario|reference)([ \t]+)({_NAME})"
                rf"(?:([ \t]+)(extends)([ \t]+)({_NAME}))?\b",
                _DEFINITION,
            ),
            (
                rf"(^[ \t]*)(sweep)([ \t]+)({_NAME})(?:([ \t]+)(from)([ \t]+)({_NAME}))?\b",
                _DEFINITION,
            ),
            (r"(^[ \t]*)(briefings)(?=[ \t]*\{)", bygroups(Whitespace, Keyword.Declaration)),
            (r"(^[ \t]*)(import)\b", bygroups(Whitespace, Keyword.Namespace)),
            (
                rf"{_KEY_START}(expect)([ \t]+)(not)([ \t]+)({_PATH})",
                bygroups(Whitespace, Keyword, Whitespace, Operator.Word, Whitespace, Name.Variable),
            ),
            (
                rf"{_KEY_START}(expect|correlate)([ \t]+)({_PATH})",
                bygroups(Whitespace, Keyword, Whitespace, Name.Variable),
            ),
            (
                rf"{_KEY_START}({'|'.join(_SECTIONS)})(?=[ \t]*\{{)",
                bygroups(Whitespace, Name.Namespace),
            ),
            (
                rf"{_KEY_START}({'|'.join(_SECTIONS)})(\.)({_FIELD_RE})(?![\w.])",
                bygroups(Whitespace, Name.Namespace, Punctuation, Name.Attribute),
            ),
            (rf"{_KEY_START}({_FIELD_RE})(?![\w.])", bygroups(Whitespace, Name.Attribute)),
            (rf"{_KEY_START}({_PATH})", bygroups(Whitespace, Name.Variable)),
            (r"[ \t\f\r]+", Whitespace),
            (r'"', String.Double, "string"),
            # 100k, 2T, 1.5e25, 2_000, 40%, and the unit that may follow: 500 MW, 45 USD/MWh.
            (
                rf"(-?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9]+)?[kMBGT]?%?)"
                rf"(?:([ \t]+)({_UNIT_RE})(?![\w/.]))?",
                bygroups(Number, Whitespace, Keyword.Type),
            ),
            (r"±|\+/-", Operator),
            (r"\.\.", Operator),
            (r"<=|>=|==|!=|~=|<|>", Operator),
            (words(("to",), suffix=r"\b(?![./])"), Operator.Word),
            (words(("extends", "from"), suffix=r"\b(?![./])"), Keyword),
            (words(_CHOICES, suffix=r"\b(?![./])"), Name.Constant),
            (rf"{_PATH}³?(?:/[A-Za-z][A-Za-z0-9]*³?)?", Name),
            (r"[{}\[\],]", Punctuation),
        ],
        "string": [
            (r"\\.", String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            # The language ends a string at the line: an unclosed one does not colour the file.
            (r"\n", Text, "#pop"),
        ],
    }
