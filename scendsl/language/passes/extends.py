"""Pass 2, extends: a scenario's lines as flat dotted paths, its parents' lines under its own."""

from __future__ import annotations

from scendsl.language import fields as F
from scendsl.language.layout import EXCLUSIONS
from scendsl.language.passes.state import MAX_EXTENDS_DEPTH, Definition, ResolverState
from scendsl.language.syntax import Statement
from scendsl.language.values import (
    fields_on_one_line,
    join_atoms,
    next_field_on_the_line,
    values_written_as_block,
)
from scendsl.suggest import Hint, fix_of, quoted, suggest


class ExtendsPass(ResolverState):
    """Flattens section blocks into dotted paths and applies `extends` chains as overrides."""

    def scenario_entries(self, definition: Definition, chain: tuple[str, ...] = ()):
        """Flat `path -> Statement` of a scenario with its extends chain applied, its claims, its
        ancestors (nearest first) and the paths it inherits rather than writes itself."""
        statement = definition.statement
        values = statement.values
        parent_name = None
        if len(values) >= 2:
            if (
                len(values) != 3
                or values[1].kind != "word"
                or values[1].text != "extends"
                or values[2].kind != "word"
            ):
                self.sink.error(
                    "a scenario header is 'scenario NAME' or 'scenario NAME extends PARENT'",
                    join_atoms(values[1:]),
                )
                return None
            parent_name = values[2].text
        entries: dict[str, Statement] = {}
        claims: list[Statement] = []
        ancestors: tuple[str, ...] = ()
        authors: dict[str, str] = {}
        if parent_name is not None:
            parent = self.definitions.get(parent_name)
            if parent is None or parent.kind != "scenario":
                scenario_names = [d.name for d in self.definitions.values() if d.kind == "scenario"]
                self.sink.error(
                    f"'{definition.name}' extends {quoted(parent_name)}, which is not a defined scenario",
                    values[2].span,
                    suggest(parent_name, scenario_names) or "is an 'import' missing?",
                )
                return None
            if len(chain) > MAX_EXTENDS_DEPTH:
                first = self.definitions[chain[0]].statement.values[2]
                self.sink.error(
                    f"'{chain[0]}' extends a chain of more than {MAX_EXTENDS_DEPTH} scenarios",
                    first.span,
                )
                return None
            if parent_name in chain or parent_name == definition.name:
                self.sink.error(
                    f"'{definition.name}' extends itself through "
                    f"{' → '.join((definition.name, *chain))}",
                    values[2].span,
                )
                return None
            inherited = self.scenario_entries(parent, (*chain, definition.name))
            if inherited is None:
                return None
            parent_entries, parent_claims, parent_ancestors, parent_inherited = inherited
            entries.update(parent_entries)
            # Whose line each inherited entry is: the parent's own, or what it inherited.
            authors = {path: parent_inherited.get(path, parent_name) for path in parent_entries}
            # Correlations are assumptions and are inherited; claims are statements a source
            # made about the parent, so a child that changes assumptions states its own.
            claims.extend(s for s in parent_claims if s.key == "correlate")
            ancestors = (parent_name, *parent_ancestors)
        own: dict[str, Statement] = {}
        written = _written_paths(statement.body or [])
        for item in statement.body or []:
            for path, setting in self._flatten(item, written):
                if path in ("expect", "correlate"):
                    claims.append(setting)  # both are inherited as a list, in order
                    continue
                if path in own:
                    self.sink.error(
                        f"'{path}' is set twice in '{definition.name}'",
                        setting.key_span,
                        related=(("first set here", own[path].key_span),),
                    )
                    continue
                own[path] = setting
        for path, other in EXCLUSIONS:
            # A child that says a thing one way replaces the parent's saying it the other way
            # (`cluster.hfu` under a parent's `cluster.mfu`); both in one scenario is an error.
            if path in own and other not in own:
                entries.pop(other, None)
            elif other in own and path not in own:
                entries.pop(path, None)
        entries.update(own)
        return entries, claims, ancestors, {p: authors[p] for p in entries if p not in own}

    def _flatten(self, item: Statement, written: frozenset[str] = frozenset()):
        """Yield (dotted path, statement) for a scenario body line or section block; `written`,
        the paths the scenario writes, which a misspelt field's fix never names (the fix would
        set a field twice)."""
        key = item.key
        if key in ("expect", "correlate"):
            if item.body is not None:
                self.sink.error(f"{quoted(key)} takes no block", item.key_span)
                return
            yield key, item
            return
        if item.body is not None:
            if key not in F.SECTIONS:
                # `scenario x { title "t" year 2026 cluster { ... } }` on one line
                following = (
                    next_field_on_the_line(item.values, key)
                    if F.scenario_field(key) is not None
                    else None
                )
                if following is not None:
                    self.sink.error(*fields_on_one_line(item.values, following, key))
                    return
                self.sink.error(
                    f"unknown section {quoted(key)}",
                    item.key_span,
                    suggest(key, F.SECTIONS) or "sections are " + ", ".join(F.SECTIONS),
                )
                return
            if item.values:
                self.sink.error(
                    f"section {quoted(key)} takes no value before '{{'", join_atoms(item.values)
                )
            for inner in item.body:
                path = f"{key}.{inner.key}"
                # an unknown name is the first thing wrong, whether or not a block follows it
                if F.scenario_field(path) is not None and inner.body is not None:
                    self.sink.error(
                        f"{quoted(inner.key)} cannot hold a block inside {quoted(key)}",
                        inner.key_span,
                        values_written_as_block(inner.key, inner.body),
                    )
                    continue
                if F.scenario_field(path) is None:
                    spelt = _field_hint(key, inner.key)
                    self.sink.error(
                        f"unknown field {quoted(inner.key)} in {quoted(key)}",
                        inner.key_span,
                        F.parallel_degree_hint(path, " ".join(a.text for a in inner.values))
                        or spelt
                        or "fields of '" + key + "' are " + ", ".join(F.SECTIONS[key]),
                        fix=None if f"{key}.{fix_of(spelt)}" in written else fix_of(spelt),
                    )
                    continue
                yield path, inner
            return
        if F.scenario_field(key) is None:
            if key in F.SECTIONS:
                self.sink.error(
                    f"section {quoted(key)} needs a block",
                    item.key_span,
                    f"e.g. '{key} {{ ... }}', or set one field with '{key}.FIELD VALUE'",
                )
                return
            hint = F.parallel_degree_hint(key, " ".join(a.text for a in item.values))
            hint = hint or _dotted_field_hint(key)
            fix = fix_of(hint)
            self.sink.error(
                f"unknown field {quoted(key)}",
                item.key_span,
                hint,
                fix=None if fix in written else fix,  # a field set twice
            )
            return
        yield key, item


def _written_paths(body: list[Statement]) -> frozenset[str]:
    """The dotted paths a scenario's body writes, as a line (`cluster.count 8`) or in a block
    (`cluster { count 8 }`)."""
    paths: set[str] = set()
    for item in body:
        if item.body is not None and item.key in F.SECTIONS:
            paths.update(f"{item.key}.{inner.key}" for inner in item.body)
        else:
            paths.add(item.key)
    return frozenset(paths)


def _place(home: str) -> str:
    """Where a field's home is, in words: its section's block, or the scenario's level."""
    section, dot, _ = home.partition(".")
    if not dot:
        return f"the scenario itself: write '{home} ...' outside the section's braces"
    return f"'{section}': write it in '{section} {{ ... }}' or as '{home} ...'"


def _field_hint(section: str, name: str, dotted: bool = False) -> str | None:
    """The hint for an unknown field of a section, in its block or (`dotted`) written
    `energy.mfu`: a published configuration's name told the field (`num_hidden_layers` is
    `layers`, fixed); a field of another section told its home (fixed when dotted: the block
    form moves a line); else a spelling guess within the section whose words agree with the
    name's (`energy.prise`); None when there is none."""
    prefix = f"{section}." if dotted else ""
    named = F.field_named(section, name)
    if named is not None:
        return Hint(f"{quoted(name)} is written {quoted(prefix + named)} here", prefix + named)
    home = F.home_of(name, section)
    if home is not None:
        if dotted:
            return Hint(f"{quoted(name)} is a field of {_home_name(home)}: write '{home}'", home)
        return f"{quoted(name)} belongs in {_place(home)}"
    spelt = suggest(name, F.SECTIONS[section])
    fixed = fix_of(spelt)
    if fixed is not None and not F.words_agree(name, fixed):
        return None
    if fixed is not None and dotted:
        return Hint(f"did you mean '{prefix}{fixed}'?", prefix + fixed)
    return spelt


def _dotted_field_hint(key: str) -> str | None:
    """The hint for an unknown dotted field (`energy.mfu`): `_field_hint` within its section,
    else the section's fields; a guess among every path when the section itself is unknown."""
    section, _, name = key.partition(".")
    if section in F.SECTIONS and name:
        return _field_hint(section, name, dotted=True) or f"fields of '{section}' are " + ", ".join(
            F.SECTIONS[section]
        )
    return suggest(key, F.all_scenario_paths())


def _home_name(home: str) -> str:
    section, dot, _ = home.partition(".")
    return f"'{section}'" if dot else "the scenario itself"
