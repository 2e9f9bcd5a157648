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
    comments = _replace_comments(node)
    try:
        tree = gast.gast_to_ast(node)  # a new tree: the markers can go back at once
    finally:
        for stmt, text in comments:
            stmt.value = syntax.constant(text)
    texts = [text for _, text in comments]
    ast.fix_missing_locations(tree)
    if astor is not None:
        source = astor.to_source(tree)
    else:  # pragma: no cover
        source = ast.unparse(tree) + "\n"
    lines = []
    for line in source.splitlines():
        match = _MARKER_LINE.match(line)
        lines.append(f"{match.group(1)}# {texts[int(match.group(2))]}" if match else line)
    return "\n".join(lines) + "\n"


def _replace_comments(node: gast.AST) -> list:
    """Put a numbered marker in each comment statement; (statement, text) pairs."""
    comments = []
    for sub in syntax.walk(node):
        for field in ("body", "orelse"):
            for stmt in getattr(sub, field, None) or []:
                if isinstance(stmt, gast.Expr) and syntax.is_comment(stmt):
                    comments.append((stmt, stmt.value.value))
                    stmt.value = syntax.constant(_MARKER.format(len(comments) - 1))
    return comments


def compile_function(node: gast.FunctionDef, free: dict, globals_: dict,
                     closure: dict | None = None) -> Callable:
    """Compile `node` into a function that sees `globals_` live and `free` as closure."""
    source = to_source(node)
    with _counter_lock:
        filename = f"<s2sad {node.name} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    bindings = dict(closure or {})
    bindings.update(free)
    names = sorted(bindings)
    function_def = ast.parse(source).body[0]
    factory = ast.FunctionDef(
        name="__s2sad_factory__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in names],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[function_def, ast.Return(value=ast.Name(id=function_def.name, ctx=ast.Load()))],
        decorator_list=[], returns=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, filename, "exec")
    scope: dict = {}
    exec(code, globals_, scope)  # defines the factory in `scope`, not in the user's module
    function = scope["__s2sad_factory__"](*(bindings[n] for n in names))
    function.__qualname__ = function.__name__
    function.__s2sad_source__ = source
    return function
