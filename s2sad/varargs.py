"""Functions of the user's that take `*args`: a version for each number of
arguments a call passes.

`def concat_and_multiply(weights, *args)` called as `concat_and_multiply(W, x, h)`
is differentiated as
`def concat_and_multiply(weights, args_0, args_1): args = (args_0, args_1); ...`,
whose parameters s2sad can give gradients to. The version is a function that
calls the original, carrying that rewritten tree as its source (as dispatch.py's
wrappers do), so errors still point at the user's lines.
"""
from __future__ import annotations

import inspect
import itertools
import weakref
from typing import Callable

import gast

from . import syntax
from .names import Names
from .parsing import Namespace, ParsedFunction, parse_function

_versions: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_counter = itertools.count()


def takes_varargs(func: Callable) -> bool:
    """Whether a Python function has a `*args` parameter and no `**kwargs`."""
    code = getattr(func, "__code__", None)
    return code is not None and bool(code.co_flags & inspect.CO_VARARGS) and \
        not code.co_flags & inspect.CO_VARKEYWORDS


def with_arity(func: Callable, count: int) -> Callable:
    """The version of `func` for calls passing `count` positional arguments."""
    versions = _versions.setdefault(func, {})
    if count not in versions:
        versions[count] = _make_version(func, count)
    return versions[count]


def _make_version(func: Callable, count: int) -> Callable:
    parsed = parse_function(func)
    node = with_parameters_for(parsed.node, count)
    version = _calling(func, [a.id for a in node.args.args],
                       [a.id for a in node.args.kwonlyargs])
    version.__s2sad_parsed__ = ParsedFunction(version, node, parsed.filename,
                                              Namespace(parsed.namespace.globals,
                                                        parsed.namespace.closure))
    return version


def with_parameters_for(node: gast.FunctionDef, count: int) -> gast.FunctionDef:
    """`node` (taking `*args`, changed in place) for calls passing `count`
    positional arguments: `*args` becomes `args_0, ..., args_k`; a starred `*args`
    in a call of the body passes them one by one (`f(y, args_0, args_1)`: s2sad
    differentiates through such a call of a user function, not through
    `f(y, *args)`); `args = (args_0, ...)` first, if the body reads args
    otherwise. Also how calls.py inlines such a function."""
    args = node.args
    named = args.posonlyargs + args.args
    packed = args.vararg.id
    taken = Names(syntax.all_names(node))
    extra = [taken.fresh(f"{packed}_{k}") for k in range(max(count - len(named), 0))]
    node.args = gast.arguments(
        args=named + [syntax.name(name, "param") for name in extra], posonlyargs=[],
        vararg=None, kwonlyargs=args.kwonlyargs, kw_defaults=args.kw_defaults, kwarg=None,
        defaults=[] if extra else args.defaults)  # every named one is passed then
    if packed not in syntax.names_stored(node.body):  # else args may hold another tuple
        _spread(node.body, packed, extra)
    if packed in syntax.names_loaded(node.body):
        pack = syntax.assign(packed, gast.Tuple(elts=[syntax.name(n) for n in extra],
                                                ctx=gast.Load()))
        syntax.set_anno(pack, "origin", f"*{packed}")
        node.body.insert(0, gast.copy_location(pack, node))
        for child in gast.walk(pack):
            gast.copy_location(child, node)
    return node


def _spread(body: list, packed: str, names: list) -> None:
    """`*packed` in every call's arguments in `body` replaced by `names`."""
    for node in syntax.walk(body):
        if isinstance(node, gast.Call) and any(_is_starred(a, packed) for a in node.args):
            node.args = [item for a in node.args for item in (
                [gast.copy_location(syntax.name(n), a) for n in names]
                if _is_starred(a, packed) else [a])]


def _is_starred(node: gast.expr, packed: str) -> bool:
    return isinstance(node, gast.Starred) and isinstance(node.value, gast.Name) and \
        node.value.id == packed


def _calling(func: Callable, positional: list, keyword_only: list) -> Callable:
    """`def f(a, args_0, *, k): return func(a, args_0, k=k)`, named as `func`."""
    params = ", ".join(positional + (["*"] + keyword_only if keyword_only else []))
    passed = ", ".join(positional + [f"{k}={k}" for k in keyword_only])
    text = f"def {func.__name__}({params}):\n    return __s2sad_function({passed})\n"
    scope = {"__s2sad_function": func}
    exec(compile(text, f"<s2sad {func.__name__} with {len(positional)} arguments "
                       f"#{next(_counter)}>", "exec"), scope)
    version = scope[func.__name__]
    version.__s2sad_varargs_of__ = func
    return version
