"""Stage 1: from a live Python function to a gast tree and its namespace."""
from __future__ import annotations

import ast
import builtins
import collections
import inspect
import linecache
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import gast
import numpy as np

from . import decorators, syntax
from .errors import Location, S2SADError, SourceUnavailableError, UnsupportedSyntaxError

_MISSING = object()
_UNBOUND = object()


@dataclass
class Namespace:
    """The names a function body can see: its closure, its globals, builtins."""

    globals: dict
    closure: dict = field(default_factory=dict)
    receivers: dict = field(default_factory=dict)  # {"self": the class of its method}

    def lookup(self, identifier: str, default=_MISSING):
        if identifier in self.closure:
            return self.closure[identifier]
        if identifier in self.globals:
            return self.globals[identifier]
        if hasattr(builtins, identifier):
            return getattr(builtins, identifier)
        if default is _MISSING:
            raise KeyError(identifier)
        return default

    def resolve(self, node: gast.expr, default=None):
        """The object a dotted expression such as `np.linalg.norm` denotes."""
        dotted = syntax.dotted_name(node)
        if dotted is None:
            return default
        head, *rest = dotted.split(".")
        value = self.lookup(head, _UNBOUND)
        if value is _UNBOUND:
            return default
        for attr in rest:
            value = getattr(value, attr, _MISSING)
            if value is _MISSING:
                return default
        return value


@dataclass
class ParsedFunction:
    """A user function's tree, where it came from, and what its names mean."""

    func: Callable
    node: gast.FunctionDef
    filename: str
    namespace: Namespace

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def generated(self) -> bool:
        """A derivative s2sad made, which a higher-order derivative differentiates
        again."""
        return self.filename.startswith("<s2sad ")

    @property
    def described(self) -> str:
        """How messages name the function: one s2sad generated says so."""
        if self.generated:
            return f"'{self.name}', the derivative s2sad made, differentiated again"
        return f"function '{self.name}'"

    def location(self, node: gast.AST | None = None) -> Location:
        lineno = getattr(node, "lineno", None) or self.node.lineno
        col = getattr(node, "col_offset", 0) or 0
        return Location(self.filename, lineno, col)


def parse_function(func: Callable) -> ParsedFunction:
    """Read `func`'s source and return its tree with line numbers of the file.

    A decorated function is the wrapper its decorator returned, unless that
    wrapper only forwards its call (see s2sad/decorators.py)."""
    func = decorators.undecorated(func)
    made = getattr(func, "__s2sad_parsed__", None)   # a wrapper dispatch.py built
    if made is not None:
        return ParsedFunction(func, syntax.clone(made.node), made.filename,
                              Namespace(made.namespace.globals, made.namespace.closure,
                                        made.namespace.receivers))
    if not inspect.isfunction(func):
        raise SourceUnavailableError(
            f"cannot differentiate {func!r}: it is not a Python function with source code",
            hint="pass a plain `def` function; for a built-in or C function, register "
                 "its derivative with @s2sad.adjoint.")
    node = read_definition(func)
    _mangle_private_names(node, func.__qualname__)
    closure = {}
    if func.__closure__:
        for var, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                closure[var] = cell.cell_contents
            except ValueError:  # a cell not filled yet (e.g. recursion)
                pass
    namespace = Namespace(func.__globals__, closure, _receivers(func))
    namespace.receivers.update(_constructed(node, namespace))
    parsed = ParsedFunction(func, node, func.__code__.co_filename, namespace)
    decorators.with_parameters_of_wrapped(parsed)
    return parsed


def _mangle_private_names(node: gast.FunctionDef, qualname: str) -> None:
    """`self.__w` in a method of class C is `self._C__w`, as Python compiles it; the
    derivative is compiled outside the class, so it is spelled out."""
    owner = qualname.rpartition(".")[0].rpartition(".")[2].lstrip("_")
    if not owner or "<" in owner:
        return
    for sub in gast.walk(node):
        if isinstance(sub, gast.Attribute) and sub.attr.startswith("__") and \
                not sub.attr.endswith("__"):
            sub.attr = f"_{owner}{sub.attr}"


def _receivers(func: Callable) -> dict:
    """{first parameter: class} for a function defined in a class body at module
    level (`GP.acquisition`): its `self` is an instance of that class."""
    owner, _, _ = func.__qualname__.rpartition(".")
    cls = func.__globals__.get(owner) if owner and "<" not in owner else None
    params = func.__code__.co_varnames[:func.__code__.co_argcount]
    if not isinstance(cls, type) or not params or \
            isinstance(inspect.getattr_static(cls, func.__name__, None), staticmethod):
        return {}
    return {params[0]: cls}


def _constructed(node: gast.FunctionDef, namespace: Namespace) -> dict:
    """{name: class} for each name the function binds once, to an instance of a
    class of the user's (`opt = SGD(0.1)`): `opt.update(w, g)` is SGD's method,
    not a dict's."""
    stores = collections.Counter(n.id for n in gast.walk(node) if isinstance(n, gast.Name)
                                 and isinstance(n.ctx, (gast.Store, gast.Param)))
    found = {}
    for stmt in gast.walk(node):
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and
                isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Call)):
            continue
        cls = namespace.resolve(stmt.value.func)
        if isinstance(cls, type) and stores[stmt.targets[0].id] == 1 and \
                _users_class(cls):
            found[stmt.targets[0].id] = cls
    return found


def _users_class(cls: type) -> bool:
    """A class defined in the user's code, not in Python or an installed library."""
    from .libraries import is_installed  # here: libraries imports this module
    module = sys.modules.get(cls.__module__)
    methods = [v for v in vars(cls).values() if inspect.isfunction(v)]
    return module is not None and cls.__module__ != "builtins" and bool(methods) and \
        not is_installed(methods[0])


def parsed_or_none(func: Callable) -> ParsedFunction | None:
    """`func` parsed, or None when s2sad cannot read it (an analysis that looks into
    called functions passes over it; the error comes where a derivative needs it)."""
    try:
        return parse_function(func)
    except S2SADError:
        return None


def read_definition(func: Callable) -> gast.FunctionDef:
    """The definition of the Python function `func` itself (not of a function it
    wraps), its decorators left out: they made `func`, they are not part of it."""
    filename, first_line, lines = _source_lines(func)
    source = textwrap.dedent("".join(lines))
    indent = _indent_of(lines)
    tree = _ToGast(first_line - 1, indent).convert(ast.parse(source))
    node = _find_definition(tree, func, filename)
    node.decorator_list = []
    return node


_DEFINITION_START = re.compile(r"^(\s*def\s)|(\s*async\s+def\s)|(.*(?<!\w)lambda(:|\s))|^(\s*@)")


def _source_lines(func: Callable) -> tuple[str, int, list[str]]:
    filename = func.__code__.co_filename
    try:
        lines, first_line = _lines_of(func) or \
            inspect.getsourcelines(func.__code__)  # not what it wraps
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of function '{func.__name__}' "
            f"(defined in {filename!r}): {exc}",
            hint="s2sad reads source code: define the function in a file, a notebook "
                 "cell or IPython, not in a plain REPL or with exec(); or register a "
                 "derivative for it with @s2sad.adjoint.") from None
    linecache.checkcache(filename)
    return filename, max(first_line, 1), lines


def _lines_of(func: Callable) -> tuple[list[str], int] | None:
    """inspect.getsourcelines(func.__code__) read from the file the code names,
    without inspect's search of every loaded module for it (tens of milliseconds
    once numba is imported); None where that search is needed."""
    code = func.__code__
    filename = code.co_filename
    if filename.startswith("<") and filename.endswith(">") and \
            filename not in linecache.cache:
        return None
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, getattr(func, "__globals__", None))
    start = code.co_firstlineno - 1
    if not lines or not 0 <= start < len(lines):
        return None
    while start > 0 and not _DEFINITION_START.match(lines[start]):
        start -= 1
    return inspect.getblock(lines[start:]), start + 1


def _indent_of(lines: list[str]) -> int:
    first = next((line for line in lines if line.strip()), "")
    return len(first) - len(first.lstrip())


class _ToGast:
    """ast to gast, with positions moved from the dedented snippet to the file.

    Faster than gast.ast_to_gast followed by a walk that shifts positions.
    """

    _POSITIONS = ("lineno", "end_lineno", "col_offset", "end_col_offset")

    def __init__(self, line_offset: int, col_offset: int):
        self.shift = (line_offset, line_offset, col_offset, col_offset)

    def convert(self, node):
        if node.__class__ is list:
            return [self.convert(item) for item in node]
        if not isinstance(node, ast.AST):
            return node
        if node.__class__ is ast.arg:
            new = gast.Name(id=node.arg, ctx=gast.Param(),
                            annotation=self.convert(node.annotation), type_comment=None)
        elif node.__class__ is ast.ExceptHandler and node.name is not None:
            new = gast.ExceptHandler(type=self.convert(node.type), body=self.convert(node.body),
                                     name=gast.Name(id=node.name, ctx=gast.Store(),
                                                    annotation=None, type_comment=None))
        else:
            target = getattr(gast, node.__class__.__name__, None)
            if target is None:  # newer syntax than this gast knows: its own converter
                return gast.ast_to_gast(node)
            new = target(**{f: self.convert(getattr(node, f, [] if f == "type_params" else None))
                            for f in target._fields})
        for attribute, shift in zip(self._POSITIONS, self.shift):
            value = getattr(node, attribute, None)
            if value is not None:
                setattr(new, attribute, value + shift)
        return new


def _find_definition(tree: gast.Module, func: Callable, filename: str) -> gast.FunctionDef:
    for stmt in tree.body:
        if isinstance(stmt, (gast.FunctionDef, gast.AsyncFunctionDef)):
            if isinstance(stmt, gast.AsyncFunctionDef):
                raise UnsupportedSyntaxError(
                    f"cannot differentiate async function '{func.__name__}'",
                    Location(filename, stmt.lineno, stmt.col_offset),
                    hint="differentiate a plain synchronous function.")
            if stmt.name != func.__code__.co_name:  # the file changed since the import
                raise SourceUnavailableError(
                    f"the source of '{func.__code__.co_name}' in {filename} no longer holds "
                    f"its definition at line {func.__code__.co_firstlineno} (there is "
                    f"'{stmt.name}' now): the file changed after it was imported",
                    Location(filename, func.__code__.co_firstlineno),
                    hint="reload the module (importlib.reload) or restart, so that the "
                         "function and its file agree.")
            return stmt
    lambdas = [n for n in gast.walk(tree) if isinstance(n, gast.Lambda)]
    if len(lambdas) == 1:
        return _lambda_as_def(lambdas[0], func)
    raise SourceUnavailableError(
        f"cannot isolate the definition of '{func.__name__}' in its source line",
        Location(filename, func.__code__.co_firstlineno),
        hint="define each lambda on a line of its own, or use a `def`.")


def _lambda_as_def(node: gast.Lambda, func: Callable) -> gast.FunctionDef:
    fname = func.__name__ if func.__name__.isidentifier() else "lambda_"
    ret = syntax.return_(node.body)
    gast.copy_location(ret, node)
    definition = gast.FunctionDef(name=fname, args=node.args, body=[ret], decorator_list=[],
                                  returns=None, type_comment=None, type_params=[])
    return gast.copy_location(definition, node)


def describe(value: Any) -> str:
    """A short human name for a called object, for error messages."""
    owner = getattr(value, "__self__", None)
    if isinstance(owner, np.ufunc):  # np.maximum.accumulate, not ufunc.accumulate
        return f"numpy.{owner.__name__}.{value.__name__}"
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    if qualname is None:
        return repr(value)
    return f"{module}.{qualname}" if module and module != "builtins" else qualname
