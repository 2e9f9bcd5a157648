"""Derivatives of calls whose function is only known when the derivative runs.

`layer.forward_pass(h, w)` on an object of a user class, `activation(z)` where
`activation` is a parameter, `fs[i](x)`: which function runs is decided by the
values, not the source. Generated code calls `call_vjp` (reverse mode) or
`call_jvp` (forward mode) with the function value itself; they look up the
derivative of the function that is actually there, generated on first use and
cached like any other (api._subroutine), and call it:

- a bound method of a user class: the derivative of its function, with the object
  as first argument (`self`);
- any other Python function with source: its own derivative;
- a function with a registered derivative (np.tanh, math.exp, your own
  @s2sad.adjoint): the derivative of a one-line function that calls it.

The active arguments are named by position in the call (0 is the first argument
after the object of a bound method) or by keyword.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import operator
import threading
from typing import Callable

import gast
import numpy as np

from . import libraries, outside, registry, syntax
from .errors import Location, NonDifferentiableError, running_derivative_line
from .parsing import Namespace, ParsedFunction, describe

_lock = threading.RLock()
_wrappers: dict = {}
_counter = itertools.count()


def assert_keeps_arguments(function, where: str, arguments: dict | None = None) -> None:
    """Refuse a call of `function` (a method known only now) that changes an object
    it is given, such as its own object (`self.history.append(x)`): the caller
    reads that change afterwards, and its derivative would not see it. With
    `arguments` ({position, keyword or None for the object: value}), only changes
    of those count."""
    if arguments is not None:
        return _assert_keeps_these(function, where, arguments)
    func = getattr(function, "__func__", function)
    change = outside.argument_change(func)
    if change is not None:
        raise outside.argument_write_error(func.__name__, *change, caller=_caller(where))
    owner = getattr(function, "__self__", None)
    if owner is not None:  # `w = self.w; w -= g`: in place on an array, known now
        _assert_keeps_these(function, where, {None: owner})


def _assert_keeps_these(function, where: str, arguments: dict) -> None:
    """assert_keeps_arguments for the arguments at some positions of the call."""
    while isinstance(function, functools.partial):  # its own arguments come first
        arguments = {at + len(function.args) if isinstance(at, int) else at: value
                     for at, value in arguments.items() if at is not None}
        function = function.func
    if not (inspect.isfunction(function) or inspect.ismethod(function)) and \
            callable(function) and not isinstance(function, type):
        function = function.__call__  # an object called: its class's __call__
    func = getattr(function, "__func__", function)
    if not inspect.isfunction(func):  # a builtin's method, a partial: not read here
        return
    params = list(inspect.signature(function).parameters)
    first = func.__code__.co_varnames[0] if func.__code__.co_argcount else None
    watched = {first if at is None else at if isinstance(at, str) else params[at]: value
               for at, value in arguments.items()  # the object, a keyword, a position
               if at is None or isinstance(at, str) or at < len(params)}
    for param, write in outside.argument_changes(func).items():
        if param in watched:
            raise outside.argument_write_error(func.__name__, param, write,
                                               caller=_caller(where))
    for param, path, write in outside.augmented_parameters(func):
        if param in watched:
            assert_kept_in_place(watched[param], func.__name__, param,
                                 f"{write.filename}:{write.lineno}", where, path)


registry.nondifferentiable(assert_keeps_arguments)  # a check: generated code differentiated again

# Values `p += g` rebinds rather than changes: numbers, strings, tuples.
_REBOUND_BY_AUGMENTING = (int, float, complex, str, bytes, tuple, frozenset, np.generic)


def assert_kept_in_place(value, function: str, param: str, write: str, where: str,
                         path: tuple = ()) -> None:
    """Refuse a call passing `value` to `function`, which augments its parameter
    `param` (or the part of it `path` reaches: (("attr", "w"), ("item", 0)), ...) by
    name at `write` ('file:line'), where that is an array or a list: that changes the
    caller's object in place, which the caller reads afterwards (a number is only
    rebound there)."""
    for kind, key in path:
        try:
            value = getattr(value, key) if kind == "attr" else value[key]
        except (AttributeError, LookupError, TypeError):
            return  # the function fails there itself
    if not isinstance(value, _REBOUND_BY_AUGMENTING):
        raise outside.argument_write_error(function, param, Location.parse(write),
                                           caller=_caller(where))


def _caller(where: str) -> str:
    """'line 12 of f.py' for the 'f.py:12' of a call."""
    caller = Location.parse(where)
    return f"line {caller.lineno} of {caller.filename}"


registry.nondifferentiable(assert_kept_in_place)


def call_vjp(function, wrt: tuple, seed, *args, **kwargs) -> tuple:
    """The gradients of `function(*args, **kwargs)` with respect to the `wrt`
    arguments, for the output cotangent `seed`: a tuple in `wrt` order."""
    with _located():
        target, leading, args, kwargs, indices = _resolve(function, wrt, args, kwargs,
                                                          "reverse")
    return _vjp_of(target, indices)(seed, *leading, *args, **kwargs)


def call_jvp(function, wrt: tuple, tangents: tuple, *args, **kwargs) -> tuple:
    """(tangent, value) of `function(*args, **kwargs)` along `tangents` of the `wrt`
    arguments."""
    with _located():
        target, leading, args, kwargs, indices = _resolve(function, wrt, args, kwargs,
                                                          "forward")
    return _jvp_of(target, indices)(tangents, *leading, *args, **kwargs)


def call_vjp_jvp(function, wrt: tuple, active: tuple, tangents: tuple, seed, *args,
                 **kwargs) -> tuple:
    """(tangent, value) of `call_vjp(function, wrt, seed, *args, **kwargs)` along
    `tangents` of its `active` operands ("seed", or the position of an argument):
    forward mode over a derivative that calls call_vjp (a Hessian-vector product
    through a method call). The VJP found for the function is differentiated in
    its turn, as any generated function is."""
    from .api import _subroutine
    with _located():
        target, leading, args, kwargs, indices = _resolve(function, wrt, args, kwargs,
                                                          "reverse")
    vjp = _subroutine(target, indices, "reverse", True)
    params = list(inspect.signature(vjp).parameters)
    positions = tuple(params[-1] if a == "seed" else len(leading) + a for a in active)
    jvp = _jvp_of(vjp, tuple(params.index(p) if isinstance(p, str) else p
                             for p in positions))
    tangent, value = jvp(tangents, *leading, *args, **kwargs, **{params[-1]: seed})
    if len(indices) == 1:  # call_vjp returns a tuple of gradients, even of one
        return (tangent,), (value,)
    return tangent, value


def vjp_function(function, wrt: tuple, *args, **kwargs) -> Callable:
    """`vjp(seed, *args, **kwargs)`, which does what `call_vjp(function, wrt, seed,
    *args, **kwargs)` does for arguments of the kinds given here, with the lookups
    done once: for a solver that calls the same function many times."""
    target, leading, resolved, resolved_keywords, indices = \
        _resolve(function, wrt, args, kwargs, "reverse")
    if leading or len(resolved) != len(args) or resolved_keywords != kwargs:
        return lambda seed, *a, **k: call_vjp(function, wrt, seed, *a, **k)
    return _vjp_of(target, indices)


def jvp_function(function, wrt: tuple, *args, **kwargs) -> Callable:
    """`jvp(tangents, *args, **kwargs)`: `call_jvp(function, wrt, tangents, *args,
    **kwargs)` with the lookups done once (see vjp_function)."""
    target, leading, resolved, resolved_keywords, indices = \
        _resolve(function, wrt, args, kwargs, "forward")
    if leading or len(resolved) != len(args) or resolved_keywords != kwargs:
        return lambda tangents, *a, **k: call_jvp(function, wrt, tangents, *a, **k)
    return _jvp_of(target, indices)


def _vjp_of(target, indices: tuple) -> Callable:
    """`vjp(seed, *args, **kwargs)` of a resolved function: its gradients, a tuple."""
    from .api import _subroutine  # api imports the emitters, which bind this module
    vjp = _subroutine(target, indices, "reverse", True)
    seed_param = list(inspect.signature(vjp).parameters)[-1]
    single = len(indices) == 1

    def gradients(seed, *args, **kwargs):
        result = vjp(*args, **kwargs, **{seed_param: seed})
        return (result,) if single else result
    return gradients


def _jvp_of(target, indices: tuple) -> Callable:
    """`jvp(tangents, *args, **kwargs)` of a resolved function: (tangent, value)."""
    from .api import _subroutine
    jvp = _subroutine(target, indices, "forward", True)
    params = list(inspect.signature(jvp).parameters)
    names = params[len(params) - len(indices):]
    return lambda tangents, *args, **kwargs: jvp(*args, **kwargs,
                                                 **dict(zip(names, tangents)))


@contextlib.contextmanager
def _located():
    """An error about the function found, placed at the user's line whose
    derivative called it."""
    try:
        yield
    except NonDifferentiableError as exc:
        if exc.location is not None:
            raise
        raise NonDifferentiableError(exc.message, running_derivative_line(),
                                     exc.hint) from None


def _resolve(function, wrt: tuple, args: tuple, kwargs: dict, mode: str):
    """(Python function to differentiate, arguments to put first, the call's arguments
    and keywords, wrt indices)."""
    leading = ()
    unfrozen = registry.unfrozen(function) if inspect.ismethod(function) else None
    if unfrozen is not None:  # a frozen distribution's method: its parameters follow
        function, extra, extra_keywords = unfrozen
        args, kwargs = tuple(args) + tuple(extra), {**extra_keywords, **kwargs}
    function = registry.source_for_of(function) or function
    if inspect.isfunction(getattr(type(function), "__call__", None)):
        function = function.__call__  # an object of a class of the user's: its method
    if inspect.ismethod(function) and inspect.isfunction(function.__func__) and \
            not libraries.is_installed(function):  # a method written in Python, not in C
        function, leading = function.__func__, (function.__self__,)
    if getattr(function, "__name__", None) == "__getitem__" and \
            isinstance(getattr(function, "__self__", None), (np.ndarray, list, tuple, dict)):
        function, leading = operator.getitem, (function.__self__,)  # key=w.__getitem__
    if isinstance(function, functools.partial):
        leading, args = tuple(function.args), args
        kwargs = {**function.keywords, **kwargs}
        function = registry.source_for_of(function.func) or function.func
    if libraries.source_to_differentiate(function) is None:  # a library's, a built-in
        function = _wrapper(function, len(leading) + len(args), tuple(kwargs), mode)
    params = list(inspect.signature(function).parameters)
    indices = tuple(params.index(w) if isinstance(w, str) else len(leading) + w for w in wrt)
    return function, leading, args, kwargs, indices


def _wrapper(function, count: int, keywords: tuple, mode: str):
    """A Python function `def call(a0, a1, k=k): return function(a0, a1, k=k)`, so
    that a primitive with a registered derivative is differentiated like one."""
    template = registry.adjoint_of(function) if mode == "reverse" else \
        registry.tangent_of(function)
    if template is None and not registry.is_nondifferentiable(function):  # len: none
        decorator = "adjoint" if mode == "reverse" else "tangent"
        bound = getattr(function, "__self__", None)  # d.get: a built-in's method
        advice = registry.advice_for(("method", getattr(function, "__name__", None))) \
            if bound is not None and not inspect.ismodule(bound) else None
        raise NonDifferentiableError(
            f"no {mode}-mode derivative is registered for {libraries.public_name(function)}, "
            "which a function value called in the differentiated code turned out to be",
            hint=advice or f"register one with @s2sad.{decorator}(...) (see "
                           "docs/custom_derivatives.md), or pass a Python function with source.")
    key = (id(function), count, keywords)
    with _lock:
        if key not in _wrappers:
            _wrappers[key] = (function, _make_wrapper(function, count, keywords))
        return _wrappers[key][1]


def _make_wrapper(function, count: int, keywords: tuple):
    params = [f"a{i}" for i in range(count)] + list(keywords)
    call = syntax.call(syntax.name("function"), *[syntax.name(p) for p in params[:count]],
                       **{k: syntax.name(k) for k in keywords})
    node = syntax.function_def("call", params, [syntax.return_(call)])
    filename = f"<s2sad call of {describe(function)} #{next(_counter)}>"
    for item in gast.walk(node):
        if isinstance(item, (gast.stmt, gast.expr, gast.keyword)):
            item.lineno, item.col_offset = 1, 0
    code = compile(gast.gast_to_ast(gast.Module(body=[node], type_ignores=[])), filename,
                   "exec")
    scope = {"function": function}
    exec(code, scope)
    wrapper = scope["call"]
    wrapper.__s2sad_parsed__ = ParsedFunction(wrapper, node, filename, Namespace(scope))
    return wrapper

