"""Stage 6: from a gast tree to source text to a live function.

The function is compiled from the very text that is registered in
`linecache`, so `inspect.getsource`, tracebacks and pdb all show it.
"""
from __future__ import annotations

import ast
import itertools
import linecache
import re
import threading
from typing import Callable

import gast

from . import syntax
from .errors import Location, register_generated

try:  # astor prints the most readable code; ast.unparse is the fallback
    import astor
except ImportError:  # pragma: no cover
    astor = None

_counter = itertools.count(1)
_counter_lock = threading.Lock()
_MARKER = "__s2sad_comment_{}__"
_MARKER_LINE = re.compile(r"^(\s*)(?:'|\"\"\")__s2sad_comment_(\d+)__(?:'|\"\"\")\s*$")


def to_source(node: gast.AST) -> str:
    """Python source for a gast node, with comment statements printed as comments."""
    converter = _ToAst()
    tree = converter.convert(node)
    if astor is not None:  # no line wrapping: astor's wraps split calls mid-argument
        source = astor.to_source(tree, pretty_source="".join)
    else:  # pragma: no cover
        source = ast.unparse(tree) + "\n"
    texts = converter.comments
    lines = []
    for line in source.splitlines():
        match = _MARKER_LINE.match(line) if "__s2sad_comment_" in line else None
        lines.append(f"{match.group(1)}# {texts[int(match.group(2))]}" if match else line)
    return "\n".join(lines) + "\n"


class _ToAst:
    """gast to the running Python's ast, comment statements as numbered markers.

    Faster than gast.gast_to_ast, which copies source positions nobody reads
    here: the text is printed and parsed again.
    """

    def __init__(self):
        self.comments: list = []

    def convert(self, node):
        cls = node.__class__
        if cls is list:
            return [self.convert(item) for item in node]
        plan = _PLANS.get(cls)
        if plan is None:
            if not isinstance(node, gast.AST):
                return node
            plan = _PLANS[cls] = _plan(cls)
        if plan.__class__ is not tuple:  # a context or an operator: one shared node
            return plan
        if cls is gast.Expr and syntax.is_comment(node):
            self.comments.append(node.value.value)
            marker = _MARKER.format(len(self.comments) - 1)
            return ast.Expr(value=ast.Constant(value=marker))
        if cls is gast.arguments:
            return self.arguments(node)
        target, fields = plan
        new = target()
        for field in fields:
            value = getattr(node, field, None)
            setattr(new, field, value if value is None or value.__class__ in _LEAVES
                    else self.convert(value))
        return new

    def arguments(self, node: gast.arguments) -> ast.arguments:
        return ast.arguments(
            posonlyargs=[self.arg(a) for a in node.posonlyargs],
            args=[self.arg(a) for a in node.args], vararg=self.arg(node.vararg),
            kwonlyargs=[self.arg(a) for a in node.kwonlyargs],
            kw_defaults=self.convert(node.kw_defaults), kwarg=self.arg(node.kwarg),
            defaults=self.convert(node.defaults))

    def arg(self, name: gast.Name | None) -> ast.arg | None:
        if name is None:
            return None
        return ast.arg(arg=name.id, annotation=self.convert(name.annotation))


_LEAVES = frozenset({str, int, float, complex, bool, bytes})
_PLANS: dict = {}


def _plan(cls):
    """How to convert a gast node class: the ast class and its fields, or, for
    field-less nodes (Load, Add, ...), one ast node every conversion shares."""
    target = getattr(ast, cls.__name__)
    return (target, target._fields) if target._fields else target()


def compile_function(node: gast.FunctionDef, free: dict, globals_: dict,
                     closure: dict | None = None, origin: Location | None = None) -> Callable:
    """Compile `node` into a function that sees `globals_` live and `free` as closure.
    `origin`, the user's function the code was made from, is where errors about a
    generated line point: at the line of `origin`'s file its statement came from."""
    source = to_source(node)
    with _counter_lock:
        filename = f"<s2sad {node.name} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    bindings = dict(closure or {})
    bindings.update(free)
    names = sorted(bindings)
    function_def = ast.parse(source).body[0]
    if origin is not None:
        lines = {}
        _line_origins(node.body, function_def.body, (origin.lineno, origin.col), lines)
        register_generated(filename, origin.filename, lines, origin.lineno)
    # Positions are set by hand: fix_missing_locations would walk the whole body.
    at = dict(lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
    factory = ast.FunctionDef(
        name="__s2sad_factory__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n, **at) for n in names],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[function_def,
              ast.Return(value=ast.Name(id=function_def.name, ctx=ast.Load(), **at), **at)],
        decorator_list=[], returns=None, **at)
    module = ast.Module(body=[factory], type_ignores=[])
    code = compile(module, filename, "exec")
    scope: dict = {}
    exec(code, globals_, scope)  # defines the factory in `scope`, not in the user's module
    function = scope["__s2sad_factory__"](*(bindings[n] for n in names))
    function.__qualname__ = function.__name__
    function.__s2sad_source__ = source
    return function


def _line_origins(stmts: list, printed: list, outer: tuple, lines: dict) -> None:
    """{printed line: (line, column)} of each statement's location in the source it
    came from; a statement without one (a tape push) takes its block's."""
    for stmt, parsed in zip((s for s in stmts if not syntax.is_comment(s)), printed):
        here = (stmt.lineno, stmt.col_offset or 0) if getattr(stmt, "lineno", None) \
            else outer
        lines[parsed.lineno] = here
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                _line_origins(inner, getattr(parsed, field), here, lines)
