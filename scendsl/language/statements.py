"""The parser's inline transformer: Lark calls it while parsing, so no parse tree is ever
built; it makes the syntax nodes (`language.syntax`) directly.

Kept apart from `language.parse` so that Lark is imported only when a file is parsed
(`parse._parser`): a check whose every file's parse is kept imports no parser.
"""

from __future__ import annotations

from lark import Token, Transformer

from scendsl.errors import Span
from scendsl.language.syntax import Atom, AtomKind, Statement

_ATOM_KINDS: dict[str, AtomKind] = {
    "NUMBER": "number",
    "STRING": "string",
    "WORD": "word",
    "OP": "op",
    "PLUSMINUS": "plusminus",
    "DOTDOT": "dotdot",
    "COMMA": "comma",
}


class StatementBuilder(Transformer):
    """Makes statements and atoms from the tokens Lark gives, as it parses."""

    def __init__(self, file: str) -> None:
        super().__init__(visit_tokens=False)
        self.file = file

    def _span(self, first: Token, last: Token) -> Span:
        # Lark types a token's position as optional; the parser's tokens always carry one.
        return Span(self.file, first.line, first.column, last.end_line, last.end_column)  # type: ignore[arg-type]

    def _atom(self, item: Token | Atom) -> Atom:
        if isinstance(item, Atom):
            return item
        text = str(item)
        if item.type == "COMMA":
            text = ","
        return Atom(_ATOM_KINDS[item.type], text, self._span(item, item))

    def start(self, items: list[Statement]) -> list[Statement]:
        return items

    def statement(self, items: list) -> Statement:
        key: Token = items[0]
        body = None
        values = []
        end: Token | Span = key
        for item in items[1:]:
            if isinstance(item, tuple):  # body: (statements, closing brace)
                body, end = item
            else:
                atom = self._atom(item)
                values.append(atom)
                end = atom.span
        key_span = self._span(key, key)
        if isinstance(end, Span):
            span = Span(self.file, key.line, key.column, end.end_line, end.end_col)  # type: ignore[arg-type]
        else:
            span = key_span
        return Statement(str(key), key_span, values, body, span)

    last_statement = statement

    def body(self, items: list) -> tuple[list[Statement], Span]:
        close: Token = items[-1]
        return [s for s in items[1:-1]], self._span(close, close)

    def list(self, items: list) -> Atom:
        open_, close = items[0], items[-1]
        return Atom("list", "[...]", self._span(open_, close), [self._atom(i) for i in items[1:-1]])
