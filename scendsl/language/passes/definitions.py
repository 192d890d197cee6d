"""Pass 1, definitions: the named blocks of every document, each name once."""

from __future__ import annotations

import re

from scendsl.language import fields as F
from scendsl.language.names import hint_text
from scendsl.language.passes.state import Definition, ResolverState
from scendsl.language.syntax import Atom, Document, Statement
from scendsl.suggest import quoted, suggest

DEFINITION_KEYWORDS = ("scenario", "sweep", "accelerator", "reference", "import", "briefings")


class DefinitionsPass(ResolverState):
    """Collects the `scenario`, `sweep`, `accelerator` and `reference` blocks by name."""

    def collect(self, documents: list[Document]) -> None:
        for document in documents:
            for statement in document.statements:
                self._collect_statement(statement, document.file)

    def collect_briefings(self, statement: Statement) -> None:
        """The set-level `briefings { ... }` block: once in the whole set, without a name."""
        if statement.body is None or statement.values:
            self.sink.error(
                "'briefings' is a block without a name: briefings { comparison_precision bf16 }",
                statement.key_span,
            )
            return
        if self.briefings:
            self.sink.error(
                "'briefings' is given twice",
                statement.key_span,
                "the options hold for every scenario of the set: give them once",
                related=(("first given here", self.briefings[0].key_span),),
            )
            return
        self.briefings.append(statement)

    def _collect_statement(self, statement: Statement, file: str) -> None:
        key = statement.key
        if key == "import":
            return  # handled while loading
        if key not in DEFINITION_KEYWORDS:
            self.sink.error(
                f"unknown definition {quoted(key)}",
                statement.key_span,
                suggest(key, DEFINITION_KEYWORDS)
                or "a file holds 'scenario', 'sweep', 'accelerator', 'reference', "
                "'briefings' and 'import' statements",
            )
            return
        if key == "briefings":
            self.collect_briefings(statement)
            return
        if statement.body is None:
            self.sink.error(f"{quoted(key)} needs a block: {key} NAME {{ ... }}", statement.span)
            return
        # Names become output file names: WORD allows only letters, digits and '_', plus dotted
        # paths and a '/unit' tail, which are refused here, so '../x' or 'a/b' is never a name.
        if (
            not statement.values
            or statement.values[0].kind != "word"
            or "." in statement.values[0].text
            or "/" in statement.values[0].text
        ):
            self.sink.error(
                f"'{key}' needs a name", statement.key_span, _name_hint(key, statement.values)
            )
            return
        name = statement.values[0].text
        too_long = F.name_length_problem(name)  # names become file names, which are limited
        if too_long is not None:
            self.sink.error(too_long, statement.values[0].span, "choose a shorter name")
            return
        definition = Definition(key, name, statement, file)
        table = {"accelerator": self.accelerators, "reference": self.references}.get(
            key, self.definitions
        )
        if name in table:
            first = table[name].statement.values[0].span
            self.sink.error(
                f"{quoted(name)} is defined twice",
                statement.values[0].span,
                "give one of them another name",
                related=(("first defined here", first),),
            )
            return
        table[name] = definition
        self.order.append(definition)


def _name_hint(key: str, values: list[Atom]) -> str:
    """What to write instead of a name that is none: a quoted name without its quotes, its
    blanks and other signs as '_' (a scenario keeps the quoted text as its title); a dotted or
    slashed word with '_' for its '.' and '/'; else an example."""
    written = values[0] if values else None
    if written is not None and written.kind in ("string", "word"):
        quoted_name = written.kind == "string"
        text = written.text[1:-1] if quoted_name else written.text
        name = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
        if name[:1].isalpha() and hint_text(name) is not None:
            if not quoted_name:
                return f"a name holds letters, digits and '_': '{key} {name} {{ ... }}'"
            title = (
                f", with title {written.text} inside" if key == "scenario" and name != text else ""
            )
            return f"a name is written without quotes: '{key} {name} {{ ... }}'{title}"
    return f"e.g. '{key} my_{key} {{ ... }}'"
