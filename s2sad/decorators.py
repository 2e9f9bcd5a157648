"""Stage 1, decorated functions: which wrappers s2sad looks through.

A decorator may change what the decorated name computes (`return 2.0 * fn(x)`),
so s2sad differentiates the wrapper a decorator returned, as the Python it is:
the wrapper's call to the original function is a call to a user function like
any other. It looks through a wrapper only when the wrapper provably forwards
its call unchanged: functools.lru_cache and functools.cache, s2sad's own
dispatchers, and wrappers whose whole body is `return fn(*args, **kwargs)` for
the function they wrap.

A wrapper that takes `*args, **kwargs` and passes them on (`return 2.0 *
fn(*args, **kwargs)`) is differentiated with the parameters of the function it
wraps written out, `def wrapper(x, y): return 2.0 * fn(x, y)`.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

import gast

from . import parsing, syntax
from .errors import UnsupportedSyntaxError

FORWARDS = "__s2sad_forwards__"  # set on s2sad's own wrappers of a derivative
_LITERAL_TYPES = (int, float, complex, bool, str, type(None))


def undecorated(func: Callable) -> Callable:
    """`func` without the wrappers that only forward their call."""
    while True:
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is None or not (isinstance(func, functools._lru_cache_wrapper) or
                                   getattr(func, FORWARDS, False) or
                                   _only_forwards(func, wrapped)):
            return func
        func = wrapped


def signature_of(func: Callable) -> inspect.Signature:
    """The parameters of `func` as s2sad differentiates it."""
    func = undecorated(func)
    if _passes_on_arguments(func):
        return signature_of(func.__wrapped__)
    return inspect.signature(func, follow_wrapped=False)


def _passes_on_arguments(func: Callable) -> bool:
    """A wrapper taking only `*args` and `**kwargs`, of a function with source."""
    if not inspect.isfunction(func) or getattr(func, "__wrapped__", None) is None:
        return False
    code = func.__code__
    varargs = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
    return code.co_argcount == 0 and code.co_kwonlyargcount == 0 and \
        bool(code.co_flags & varargs)


def _only_forwards(wrapper: Callable, wrapped: Callable) -> bool:
    """Whether the body of `wrapper` is `return fn(<its parameters, passed on>)`
    with `fn` the wrapped function."""
    if not inspect.isfunction(wrapper) or wrapper.__defaults__ or wrapper.__kwdefaults__:
        return False
    try:
        node = parsing.read_definition(wrapper)
    except Exception:  # no source: not provably forwarding, parsing it will say why
        return False
    body = [s for s in node.body if not _is_docstring(s)]
    if len(body) != 1 or not isinstance(body[0], gast.Return) or \
            not isinstance(body[0].value, gast.Call):
        return False
    call, args = body[0].value, node.args
    if _callee(call.func, wrapper) is not wrapped or args.posonlyargs:
        return False
    expected = [syntax.name(a.id) for a in args.args]
    if args.vararg is not None:
        expected.append(gast.Starred(value=syntax.name(args.vararg.id), ctx=gast.Load()))
    keywords = [gast.keyword(arg=a.id, value=syntax.name(a.id)) for a in args.kwonlyargs]
    if args.kwarg is not None:
        keywords.append(gast.keyword(arg=None, value=syntax.name(args.kwarg.id)))
    return syntax.same(gast.Tuple(elts=list(call.args), ctx=gast.Load()),
                       gast.Tuple(elts=expected, ctx=gast.Load())) and \
        _same_keywords(call.keywords, keywords)


def _is_docstring(stmt: gast.stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) and \
        isinstance(stmt.value.value, str)


def _same_keywords(found: list, expected: list) -> bool:
    return len(found) == len(expected) and all(
        a.arg == b.arg and syntax.same(a.value, b.value) for a, b in zip(found, expected))


def _callee(func: gast.expr, wrapper: Callable):
    if not isinstance(func, gast.Name):
        return None
    closure = dict(zip(wrapper.__code__.co_freevars,
                       (c.cell_contents for c in wrapper.__closure__ or ())))
    return closure.get(func.id, wrapper.__globals__.get(func.id))


def with_parameters_of_wrapped(parsed: "parsing.ParsedFunction") -> None:
    """For a wrapper taking only `*args, **kwargs`, rewrite `parsed.node` with the
    parameters of the function it wraps, passed on by name where it passed them on."""
    func, node = parsed.func, parsed.node
    if not _passes_on_arguments(func):
        return
    wrapped = func.__wrapped__
    args = node.args
    packed = {a.id for a in (args.vararg, args.kwarg) if a is not None}
    try:
        signature = signature_of(wrapped)
    except (TypeError, ValueError):
        signature = None
    problem = _why_not_specialized(node, packed, signature)
    if problem:
        raise UnsupportedSyntaxError(
            f"s2sad cannot differentiate the wrapper '{parsed.name}' that a decorator "
            f"put around '{getattr(wrapped, '__name__', wrapped)}': {problem}",
            parsed.location(node),
            hint="s2sad differentiates what the decorated name computes, through the "
                 "wrapper: give the wrapper the parameters of the function it wraps "
                 "(def wrapper(x, y): ... fn(x, y)), or let it only forward its call "
                 "(return fn(*args, **kwargs)).")
    params = list(signature.parameters.values())
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword_only = [p for p in params if p.kind is p.KEYWORD_ONLY]
    node.args = gast.arguments(
        args=[syntax.name(p.name, "param") for p in positional], posonlyargs=[],
        vararg=None, kwonlyargs=[syntax.name(p.name, "param") for p in keyword_only],
        kw_defaults=[None if p.default is p.empty else syntax.constant(p.default)
                     for p in keyword_only],
        kwarg=None, defaults=[syntax.constant(p.default) for p in positional
                              if p.default is not p.empty])
    for call in gast.walk(node):
        if isinstance(call, gast.Call):
            call.args = [a for arg in call.args for a in (
                [syntax.name(p.name) for p in positional] if _packs(arg, args.vararg) else [arg])]
            call.keywords = [k for kw in call.keywords for k in (
                [gast.keyword(arg=p.name, value=syntax.name(p.name)) for p in keyword_only]
                if kw.arg is None and _is_name(kw.value, args.kwarg) else [kw])]


def _why_not_specialized(node: gast.FunctionDef, packed: set, signature) -> str | None:
    """Why the wrapper's `*args`/`**kwargs` cannot be written out, or None."""
    if signature is None:
        return "the signature of the function it wraps cannot be read"
    params = list(signature.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY) for p in params):
        return "the function it wraps takes *args, **kwargs or positional-only parameters"
    if any(p.default is not p.empty and not isinstance(p.default, _LITERAL_TYPES)
           for p in params):
        return "a default value of the function it wraps is not a number, string or None"
    args = node.args
    passed = {id(a.value) for c in gast.walk(node) if isinstance(c, gast.Call)
              for a in c.args if _packs(a, args.vararg)} | \
        {id(k.value) for c in gast.walk(node) if isinstance(c, gast.Call)
         for k in c.keywords if k.arg is None and _is_name(k.value, args.kwarg)}
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in packed and id(n) not in passed and \
                not isinstance(n.ctx, gast.Param):
            return f"it uses '{n.id}' other than to pass it on as *{n.id} or **{n.id}"
    used = {n.id for n in gast.walk(gast.Module(body=node.body, type_ignores=[]))
            if isinstance(n, gast.Name)}
    clash = sorted(used & {p.name for p in params})
    if clash:
        return f"its body uses the name '{clash[0]}', a parameter of the function it wraps"
    return None


def _packs(arg: gast.expr, vararg) -> bool:
    return isinstance(arg, gast.Starred) and _is_name(arg.value, vararg)


def _is_name(node: gast.expr, param) -> bool:
    return param is not None and isinstance(node, gast.Name) and node.id == param.id
