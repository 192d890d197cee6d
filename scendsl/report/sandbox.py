"""The sandbox every template runs in: limits, the template view registry, read-only data,
and the loader that reads templates only from inside their folders.

Deny by default: templates get registered views (`template_view`) and plain read-only data
(`read_only`), and may read and call nothing else; values, output and rendering time are
bounded (the limits below); a template file outside its folder, unreadable, not UTF-8 or too big
is refused. Rendering (scendsl.report.render) uses `sandbox_environment_class` for every template
when the user names a templates folder, and `trusted_environment_class` for the built-in set
alone; it reads templates through scendsl.report.loader; jinja2 is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from types import MappingProxyType
from typing import Any

from markupsafe import Markup

from scendsl.errors import ScendslError
from scendsl.signals import handling

#: Longest string, list or tuple a template may make (with `*`, `+`, `~`, filters or calls).
MAX_TEMPLATE_VALUE = 1_000_000
#: Most characters one page's template may write.
MAX_TEMPLATE_OUTPUT = 20_000_000
#: Longest `range()` a template may ask for.
MAX_RANGE = 10_000
#: Largest integer a template may compute, in bits.
MAX_INTEGER_BITS = 100_000
#: CPU seconds all templates of a build may take together (the sample briefings take well under
#: one). CPU time, not the wall clock: whether a build succeeds must not depend on how busy the
#: machine is (a template cannot wait on anything but the processor: it has no I/O).
RENDER_SECONDS = 10.0
#: Most loop items one template (with its macros and includes) may go through: a macro's or a
#: `{% set %}` block's output is held as a list with an entry per item until it is joined, so
#: the count of items bounds its memory (the sample briefings go through a few thousand).
MAX_LOOP_ITEMS = 1_000_000
#: The sandbox reads the CPU clock at every this many operations of a template (attributes,
#: calls, operators, filters) and every 64 loop items.
CLOCK_EVERY = 16
#: Seconds past the rendering budget after which an alarm stops a template the sandbox's
#: checks cannot reach (compiling, one long operation).
ALARM_GRACE = 1.0

#: The classes whose public attributes templates may read, with the public names they may not
#: (registered with `template_view`). Everything else a template reaches is plain data.
_TEMPLATE_VIEWS: dict[type, frozenset[str]] = {}

#: Read-only methods of plain data that templates may call; no other attribute of plain data
#: is reachable (`format` and the padding methods are left out: attribute access and size).
_STR_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "index",
        "isalnum",
        "isalpha",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
        "striptags",
        "unescape",
    }
)
#: Filters that make text of their first argument: it must be data a page may write.
_TEXT_FILTERS = frozenset(
    {"string", "upper", "lower", "title", "capitalize", "trim", "truncate", "replace", "wordcount"}
)
_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
_SEQUENCE_METHODS = frozenset({"count", "index"})
_LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
#: Filters of Jinja that templates keep (the others pad, wrap or format without bounds, mark
#: text as safe, or are random).
_JINJA_FILTERS = frozenset(
    {
        "abs",
        "attr",
        "capitalize",
        "count",
        "d",
        "default",
        "dictsort",
        "first",
        "float",
        "groupby",
        "int",
        "items",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "replace",
        "reverse",
        "round",
        "select",
        "selectattr",
        "sort",
        "string",
        "sum",
        "title",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
    }
)


def template_view(*hidden: str):
    """Class decorator: templates may read the public attributes and call the public methods
    of this class (except `hidden`); this is the whole template API besides plain data."""

    def register(cls: type) -> type:
        _TEMPLATE_VIEWS[cls] = frozenset(hidden)
        return cls

    return register


def _view_hidden(obj: Any) -> frozenset[str] | None:
    """The hidden names of a registered view's class, or None if `obj` is not a view."""
    hidden = _TEMPLATE_VIEWS.get(type(obj))
    if hidden is not None:
        return hidden
    for cls in type(obj).__mro__[1:]:
        hidden = _TEMPLATE_VIEWS.get(cls)
        if hidden is not None:
            return hidden
    return None


def is_template_number(value: Any) -> bool:
    """A figure made by the build (a registered view with a text and a derivation)."""
    return (
        _view_hidden(value) is not None and hasattr(value, "derivation") and hasattr(value, "text")
    )


#: The text Python makes up for an object (`<... object at 0x...>`): a view without its own.
_OBJECT_STR: Any = object.__str__


def written_text(value: Any) -> Any:
    """`value` when a page may write it as text: plain data (text, numbers, flags, None, and
    lists, tuples and dicts of them) or a figure (a view with a text of its own); else
    SecurityError. Python makes up the text of anything else (a view, a method, a function, a
    loop, a generator) from its class and memory address: internal names, and never the same
    bytes twice. Every conversion of a template's value to text passes here."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    from jinja2.runtime import Undefined

    if isinstance(value, Undefined) or (
        _view_hidden(value) is not None and type(value).__str__ is not _OBJECT_STR
    ):
        return value  # (an undefined value says itself what is missing)
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, (str, int, float)):
            continue
        if type(item) in (list, tuple):
            stack.extend(item)
        elif isinstance(item, (dict, MappingProxyType)):
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            from jinja2.exceptions import SecurityError

            raise SecurityError(
                f"a {type(item).__name__} is not data a page can write (text, numbers, "
                "flags, none, lists and dicts of them, or a figure): write one of its fields"
            )
    return value


def read_only(value: Any) -> Any:
    """Plain data as templates get it: mappings become read-only, lists and sets tuples,
    models their fields (recursively); strings, numbers, None and views stay."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if _view_hidden(value) is not None:
        return value
    if hasattr(value, "model_dump"):  # a pydantic model: its data, never its methods
        return read_only(value.model_dump())
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): read_only(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return tuple(read_only(item) for item in items)
    return str(value)


def value_size(value: Any, limit: int = MAX_TEMPLATE_VALUE) -> int:
    """The expanded size of a value (characters, items, nested items; a shared item counts
    each time it occurs), counted up to a little past `limit`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, dict, MappingProxyType)):
        return 1
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, (dict, MappingProxyType)):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
        if total > limit:
            break
    return total


def too_big(what: str) -> TemplateLimit:
    return TemplateLimit(
        f"{what} would be longer than {MAX_TEMPLATE_VALUE:,} items "
        "(the limit for values in templates)"
    )


class TemplateLimit(ScendslError):
    """A template went past a limit of the sandbox (size, time); a user error."""


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise TemplateLimit in the main thread once the process has used `seconds` of CPU time
    (where signals can be used; elsewhere the sandbox's own checks are the only bound)."""
    import signal

    def expired(signum: int, frame: Any) -> None:
        raise TemplateLimit(
            f"rendering took longer than {RENDER_SECONDS:g} s (the limit for "
            "templates): a template too large to compile, or a loop too long?"
        )

    if not hasattr(signal, "setitimer"):
        yield
        return
    with handling(signal.SIGPROF, expired) as timed:
        if timed:
            signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001))
        try:
            yield
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_PROF, 0)


def sandbox_environment_class() -> type:
    """The sandbox every template runs in (made on first use: jinja2 is imported lazily)."""
    global _SANDBOX_CLASS
    if _SANDBOX_CLASS is not None:
        return _SANDBOX_CLASS
    import operator
    import time
    import types

    from jinja2 import nodes
    from jinja2.environment import TemplateModule
    from jinja2.runtime import (
        BlockReference,
        LoopContext,
        Macro,
        Namespace,
        TemplateReference,
        Undefined,
        markup_join,
        str_join,
    )
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
    from markupsafe import soft_str

    markup_code_generator: Any = _markup_code_generator()

    class BudgetedCodeGenerator(markup_code_generator):
        """Lists, tuples and dicts a template writes, and `~` joins, go through size checks."""

        def visit_List(self, node, frame):
            self.write("environment.bounded(")
            super().visit_List(node, frame)
            self.write(")")

        def visit_Dict(self, node, frame):
            self.write("environment.bounded(")
            super().visit_Dict(node, frame)
            self.write(")")

        def visit_Tuple(self, node, frame):
            if node.ctx != "load":
                return super().visit_Tuple(node, frame)
            self.write("environment.bounded(")
            super().visit_Tuple(node, frame)
            self.write(")")

        def visit_Concat(self, node, frame):
            self.write("environment.join_bounded((")
            for argument in node.nodes:
                self.visit(argument, frame)
                self.write(", ")
            self.write("), context.eval_ctx.autoescape)")

    class BoundedNamespace(Namespace):
        """`namespace()` whose attributes hold values of bounded size."""

        def __setitem__(self, name, value):
            if value_size(value) > MAX_TEMPLATE_VALUE:
                raise too_big("a namespace attribute")
            super().__setitem__(name, value)

    plain_types = (
        str,
        int,
        float,
        bool,
        type(None),
        tuple,
        list,
        dict,
        range,
        types.MappingProxyType,
    )
    #: Values no attribute may give a template, whatever it belongs to.
    unsafe_values = (
        type,
        types.ModuleType,
        types.FunctionType,
        types.CodeType,
        types.FrameType,
        types.GeneratorType,
    )

    class TemplateSandbox(ImmutableSandboxedEnvironment):
        """Deny by default: a template reads the public attributes of registered views
        (`template_view`), calls their public methods and a few read-only methods of plain
        data, calls the functions installed as globals, macros and `loop`; nothing else.
        Sizes of values and output are bounded, and rendering has a time budget."""

        code_generator_class = BudgetedCodeGenerator
        intercepted_binops = frozenset({"*", "+", "**", "%", "//", "/"})

        def __init__(self, finalize_makes_markup: bool = False, **options: Any) -> None:
            super().__init__(**options)
            #: The `finalize` given makes Markup of every value: its output is not escaped.
            self.finalize_makes_markup = finalize_makes_markup and self.finalize is not None
            self.deadline = float("inf")
            self.loop_items = 0
            self.unclocked = 0
            self.trusted_callables: set[int] = set()
            self.globals.clear()
            self.install_globals(range=self.bounded_range, dict=dict, namespace=BoundedNamespace)
            self.filters = {
                name: self.bounded_filter(f, text=name in _TEXT_FILTERS)
                for name, f in self.filters.items()
                if name in _JINJA_FILTERS
            }
            self.filters["replace"] = self.bounded_filter(self.replace_filter, text=True)
            self.filters["_within_budget"] = self.within_budget

        def _generate(self, source, name, filename, defer_init=False):
            # Every loop's items pass the time budget (the tree, before it is compiled).
            for loop in source.find_all(nodes.For):
                loop.iter = nodes.Filter(
                    loop.iter, "_within_budget", [], [], None, None, lineno=loop.lineno
                )
            return super()._generate(source, name, filename, defer_init)

        # -------------------------------------------------------------------- budget
        def check_budget(self) -> None:
            """Counts an operation (attribute, call, operator, filter); every
            `CLOCK_EVERY`th one reads the clock (`check_clock`)."""
            # The CPU clock is a system call, most of what a check costs (tens of thousands of
            # checks per build); between two readings are a few operations, each of bounded size.
            self.unclocked += 1
            if self.unclocked >= CLOCK_EVERY:
                self.check_clock()

        def check_clock(self) -> None:
            """Raise TemplateLimit past the deadline."""
            self.unclocked = 0
            if time.process_time() > self.deadline:
                raise TemplateLimit(
                    f"rendering took longer than {RENDER_SECONDS:g} s (the "
                    "limit for templates): a loop or recursion too large?"
                )

        def within_budget(self, iterable: Any):
            """A loop's items, checking the time budget every few items."""
            for count, item in enumerate(iterable):
                if not count & 63:
                    self.check_clock()
                self.loop_items += 1
                if self.loop_items > MAX_LOOP_ITEMS:
                    raise TemplateLimit(
                        f"loops went through more than {MAX_LOOP_ITEMS:,} "
                        "items (the limit for one template)"
                    )
                yield item

        @staticmethod
        def bounded(value: Any) -> Any:
            """A list, tuple or dict a template writes, of bounded expanded size."""
            if value_size(value) > MAX_TEMPLATE_VALUE:
                raise too_big("the value")
            return value

        def bounded_range(self, *args: int) -> range:
            numbers = range(*args)
            if len(numbers) > MAX_RANGE:
                raise TemplateLimit(
                    f"range of {len(numbers):,} numbers: templates may ask "
                    f"for at most {MAX_RANGE:,}"
                )
            return numbers

        def concat(self, parts) -> str:
            """Joins the output of a page, a macro or a block, within the output limit."""
            # (The time budget is checked by the loops that make the parts, where an error
            # can name the template's line.)
            kept, total = [], 0
            for part in parts:
                total += len(part)
                if total > MAX_TEMPLATE_OUTPUT:
                    raise TemplateLimit(
                        f"the template writes more than {MAX_TEMPLATE_OUTPUT:,} characters"
                    )
                kept.append(part)
            return "".join(kept)

        def join_bounded(self, parts: tuple, autoescape: bool) -> str:
            if value_size(parts) > MAX_TEMPLATE_VALUE:
                raise too_big("the joined text")
            texts = [soft_str(part if type(part) is str else self.written(part)) for part in parts]
            return markup_join(texts) if autoescape else str_join(texts)

        def bounded_filter(self, function: Callable, text: bool = False) -> Callable:
            from functools import wraps

            @wraps(function)
            def bounded(*args: Any, **kwargs: Any) -> Any:
                self.check_budget()
                if text and args:
                    self.written(args[0])
                result = function(*args, **kwargs)
                if value_size(result) > MAX_TEMPLATE_VALUE:
                    raise too_big(f"the result of filter '{function.__name__}'")
                return result

            return bounded

        written = staticmethod(written_text)
        replace_filter = staticmethod(_replace_filter)

        def install_globals(self, **functions: Any) -> None:
            """Make functions callable from templates by these names."""
            self.globals.update(functions)
            self.trusted_callables.update(id(f) for f in functions.values())

        # -------------------------------------------------------------------- access
        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if attr.startswith("_") or isinstance(value, unsafe_values):
                return False
            hidden = _view_hidden(obj)
            if hidden is not None:
                return attr not in hidden
            if isinstance(obj, LoopContext):
                return attr in _LOOP_ATTRIBUTES
            if isinstance(obj, BlockReference):
                return attr == "super"
            if isinstance(obj, (Namespace, TemplateModule)):
                # what a template set or defined (macros and values): nothing else
                return not callable(value) or isinstance(value, Macro)
            if isinstance(obj, str):
                return attr in _STR_METHODS
            if isinstance(obj, (dict, types.MappingProxyType)):
                return attr in _MAPPING_METHODS
            if isinstance(obj, (list, tuple)):
                return attr in _SEQUENCE_METHODS
            return False

        def is_safe_callable(self, obj: Any) -> bool:
            if isinstance(obj, (Macro, LoopContext, BlockReference)):
                return True
            if id(obj) in self.trusted_callables or obj is BoundedNamespace:
                return True
            owner = getattr(obj, "__self__", None)
            name = getattr(obj, "__name__", "")
            if not isinstance(obj, (types.MethodType, types.BuiltinMethodType)) or (
                owner is None or name.startswith("_")
            ):
                return False
            hidden = _view_hidden(owner)
            if hidden is not None:
                return name not in hidden
            return self.is_safe_attribute(owner, name, None) and isinstance(owner, plain_types)

        def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
            # Refused at once (Jinja's default is an undefined value that fails when used,
            # which a filter such as `map` or `list` could carry along unnoticed).
            raise SecurityError(
                f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
            )

        def getattr(self, obj: Any, attribute: str) -> Any:
            self.check_budget()
            hidden = _TEMPLATE_VIEWS.get(type(obj))
            if hidden is not None and attribute[:1] != "_" and attribute not in hidden:
                # The common case first: a public attribute of a view.
                try:
                    value = getattr(obj, attribute)
                except AttributeError:
                    return self.undefined(obj=obj, name=attribute)
                if not isinstance(value, unsafe_values):
                    return value
                return self.unsafe_undefined(obj, attribute)
            if isinstance(obj, Undefined) and not attribute.startswith("_"):
                return getattr(obj, attribute)  # StrictUndefined says what is missing
            if isinstance(obj, TemplateReference):
                return self.getitem(obj, attribute)
            if isinstance(obj, (dict, types.MappingProxyType)) and (
                attribute not in _MAPPING_METHODS
            ):
                try:
                    return obj[attribute]
                except (TypeError, LookupError):
                    return self.undefined(obj=obj, name=attribute)
            if attribute.startswith("_") or not (
                _view_hidden(obj) is not None
                or isinstance(
                    obj,
                    (
                        LoopContext,
                        BlockReference,
                        Namespace,
                        TemplateModule,
                        str,
                        list,
                        tuple,
                        dict,
                        types.MappingProxyType,
                    ),
                )
            ):
                return self.unsafe_undefined(obj, attribute)
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return self.undefined(obj=obj, name=attribute)
            if self.is_safe_attribute(obj, attribute, value):
                return value
            return self.unsafe_undefined(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            self.check_budget()
            if isinstance(
                obj, (str, list, tuple, dict, range, types.MappingProxyType, TemplateReference)
            ):
                try:
                    return obj[argument]
                except (TypeError, LookupError):
                    pass
                if isinstance(argument, str) and not isinstance(obj, TemplateReference):
                    return self.getattr(obj, argument)
                return self.undefined(obj=obj, name=argument)
            if isinstance(argument, str):
                return self.getattr(obj, argument)
            return self.undefined(obj=obj, name=argument)

        def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:
            __self.check_budget()
            if isinstance(__obj, Undefined):
                return __obj()  # fails saying what is undefined (a missing method, say)
            if not __self.is_safe_callable(__obj):
                raise SecurityError(f"{type(__obj).__name__} object is not safely callable")
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, str) and getattr(__obj, "__name__", "") in ("join", "replace"):
                __self.check_string_method(owner, __obj.__name__, args)
            for argument in (*args, *kwargs.values()):
                if value_size(argument) > MAX_TEMPLATE_VALUE:
                    raise too_big("an argument")
            result = __context.call(__obj, *args, **kwargs)
            if value_size(result) > MAX_TEMPLATE_VALUE:
                raise too_big("the result of a call")
            return result

        @staticmethod
        def check_string_method(text: str, name: str, args: tuple) -> None:
            if name == "replace" and len(args) >= 2:
                old, new = str(args[0]), str(args[1])
                hits = len(text) + 1 if not old else text.count(old)
                if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_VALUE:
                    raise too_big("the replaced text")
            if (
                name == "join"
                and args
                and isinstance(args[0], (list, tuple, str))
                and len(text) * len(args[0]) > MAX_TEMPLATE_VALUE
            ):
                raise too_big("the joined text")

        def call_binop(self, context, operator_: str, left: Any, right: Any) -> Any:
            self.check_budget()
            if operator_ == "%" and isinstance(left, str):
                raise TemplateLimit("'%' formatting of strings is not available in templates")
            sequences = (str, list, tuple)
            if operator_ == "*":
                if isinstance(left, int) and isinstance(right, sequences):
                    left, right = right, left
                if isinstance(left, sequences) and isinstance(right, int):
                    if value_size(left) * max(right, 0) > MAX_TEMPLATE_VALUE:
                        raise too_big("the repeated value")
                elif (
                    isinstance(left, int)
                    and isinstance(right, int)
                    and (abs(left).bit_length() + abs(right).bit_length() > MAX_INTEGER_BITS)
                ):
                    raise TemplateLimit("integer too large for a template")
            if (
                operator_ == "+"
                and isinstance(left, sequences)
                and isinstance(right, sequences)
                and value_size(left) + value_size(right) > MAX_TEMPLATE_VALUE
            ):
                raise too_big("the joined value")
            if (
                operator_ == "**"
                and isinstance(left, int)
                and isinstance(right, int)
                and (
                    right > 0
                    and abs(left) > 1
                    and right * abs(left).bit_length() > MAX_INTEGER_BITS
                )
            ):
                raise TemplateLimit("integer too large for a template")
            table = {
                "*": operator.mul,
                "+": operator.add,
                "**": operator.pow,
                "%": operator.mod,
                "//": operator.floordiv,
                "/": operator.truediv,
            }
            return table[operator_](left, right)

    _SANDBOX_CLASS = TemplateSandbox
    return TemplateSandbox


_SANDBOX_CLASS: type | None = None


def _replace_filter(value: Any, old: Any, new: Any, count: Any = None) -> Any:
    """The `replace` filter of both environments: Markup stays Markup, and the result is of
    bounded size."""
    from markupsafe import soft_str

    text, old, new = soft_str(value), soft_str(old), soft_str(new)
    hits = len(text) + 1 if not old else text.count(old)
    if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_VALUE:
        raise too_big("the replaced text")
    if isinstance(value, Markup) or not isinstance(value, str):
        return value.replace(old, new, -1 if count is None else count)
    return text.replace(old, new, -1 if count is None else count)


@cache
def _markup_code_generator() -> type:
    """Jinja's code generator, less the escape of a value that `finalize` made Markup already
    (both environments' Markdown templates: finalize escapes every value for Markdown)."""
    from jinja2.compiler import CodeGenerator

    class MarkupCodeGenerator(CodeGenerator):
        def _finalize_only(self, finalize) -> bool:
            # A finalize that makes Markup of every value (the Markdown templates' escapes
            # for Markdown) leaves `escape` nothing to do but copy its result: not called.
            return finalize.src is not None and getattr(
                self.environment, "finalize_makes_markup", False
            )

        def _output_child_pre(self, node, frame, finalize):
            if self._finalize_only(finalize):
                self.write(finalize.src)
            else:
                super()._output_child_pre(node, frame, finalize)

        def _output_child_post(self, node, frame, finalize):
            if self._finalize_only(finalize):
                self.write(")")
            else:
                super()._output_child_post(node, frame, finalize)

    return MarkupCodeGenerator


@cache
def trusted_environment_class() -> type:
    """The environment of the built-in templates alone: plain Jinja, without the sandbox's
    checks and limits, for a build that names no templates folder (and for the HTML page's
    template, which is always ours).

    The built-in set is shipped with the package and reviewed with its code; the sandbox's
    check of every attribute, call, operator, filter and loop item cost a tenth to a sixth of
    the CPU time of rendering the samples' briefings (`benchmarks/run.py templates`). A template from a folder the user names, and every
    template of a build that names one (a user template may include or extend a built-in
    one), runs in the sandbox (`sandbox_environment_class`): `Renderer` chooses, by whether
    a folder was named, never by the template. Both environments get the same data (views
    and read-only plain data, never live objects), the same filters, globals and lookups
    (a mapping's key before its methods), and write the same bytes: the test suite renders
    the built-in set in both and compares.
    """
    from jinja2 import Environment
    from jinja2.utils import Namespace

    class TrustedEnvironment(Environment):
        """Jinja's environment with the sandbox's filters, globals, lookups and `written`,
        without its checks (see `trusted_environment_class`)."""

        code_generator_class = _markup_code_generator()

        def __init__(self, finalize_makes_markup: bool = False, **options: Any) -> None:
            super().__init__(**options)
            #: The `finalize` given makes Markup of every value: its output is not escaped.
            self.finalize_makes_markup = finalize_makes_markup and self.finalize is not None
            #: (Set by the renderer for either environment; only the sandbox reads them.)
            self.deadline = float("inf")
            self.loop_items = 0
            self.globals.clear()
            self.install_globals(range=range, dict=dict, namespace=Namespace)
            self.filters = {
                name: function for name, function in self.filters.items() if name in _JINJA_FILTERS
            }
            self.filters["replace"] = _replace_filter

        written = staticmethod(written_text)

        def install_globals(self, **functions: Any) -> None:
            """Make functions callable from templates by these names."""
            self.globals.update(functions)

        @staticmethod
        def bounded_filter(function: Callable, text: bool = False) -> Callable:
            """The function itself (the sandbox's bounds its calls)."""
            return function

        def getattr(self, obj: Any, attribute: str) -> Any:
            # A mapping's key before its methods, as in the sandbox (`data.copy` is the key).
            if isinstance(obj, (dict, MappingProxyType)) and attribute not in _MAPPING_METHODS:
                try:
                    return obj[attribute]
                except (TypeError, LookupError):
                    return self.undefined(obj=obj, name=attribute)
            return super().getattr(obj, attribute)

    return TrustedEnvironment
