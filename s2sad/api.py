"""The public entry points: grad, autodiff, source."""
from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import math
import threading
import types
import warnings
import weakref
from typing import Callable, Sequence, Union

import gast
import numpy as np

from . import (backends, codegen, decorators, rebinding, rules, runtime,  # noqa: F401
               specialize, syntax)
from .backends import numba as numba_backend
from .errors import BackendFallbackWarning, RecursiveCall, S2SADError, WrtError
from .normalize import normalize
from .optimize import optimize
from .optimize.effects import copy_returned_arguments
from .parsing import ParsedFunction, parse_function
from .forward import TangentSpec, forward
from .reverse import GradientSpec, reverse
from .rules.reductions import count, unreduce

Wrt = Union[int, str, Sequence[Union[int, str]]]

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_cache_lock = threading.RLock()


def grad(f: Callable | None = None, wrt: Wrt = (0,), optimized: bool = True,
         preserve_result: bool = False, check_dims: bool = True, verbose: int = 0,
         checkpoints: int | None = None, backend: str = "python"):
    """The gradient of a scalar function `f` with respect to the `wrt` arguments.

    `f` may be a bound method (`model.loss`) or a `functools.partial` (`partial(loss,
    X=X, y=y)`): its function is differentiated and bound to the same object or
    arguments again; `wrt` counts the parameters left to pass.

    Returns `df(*args)`: the gradient for one `wrt` entry, a tuple of gradients in
    `wrt` order for several, with the value of `f` appended when `preserve_result`.
    Usable as a decorator, bare or with arguments.

    An int passed for a `wrt` parameter that `f` uses as a number (`f(3, 4.0)`) gets
    its gradient as a float would. One that no derivative reaches (a count as in
    `range(n)`, an index) raises `WrtError`, as JAX refuses int inputs to grad,
    rather than returning 0.0. `verbose=1` prints the generated code, also when it
    comes from the cache; `verbose=2` adds the stages before it when generating.

    `checkpoints=K` bounds the memory of loops: each loop of `f` (and of the
    functions it calls) keeps at most K snapshots of its state instead of one per
    iteration, and recomputes the iterations between them by a binomial schedule
    (see docs/how_it_works.md, "Long loops in bounded memory").

    `backend="numba"` runs calls whose arguments are all Python floats and ints
    in the float version compiled by numba (an optional extra: `pip install
    's2sad[numba]'`); other calls, or code numba cannot compile, run in Python
    after one `BackendFallbackWarning` that says why.
    """
    if f is None:
        return functools.partial(grad, wrt=wrt, optimized=optimized,
                                 preserve_result=preserve_result, check_dims=check_dims,
                                 verbose=verbose, checkpoints=checkpoints, backend=backend)
    return _derivative(f, wrt, "reverse", optimized, preserve_result, verbose,
                       seed_default=1.0, check="scalar" if check_dims else None,
                       checkpoints=_checked_checkpoints(checkpoints), backend=backend)


def autodiff(f: Callable | None = None, wrt: Wrt = (0,), mode: str = "reverse",
             optimized: bool = True, preserve_result: bool = False, check_dims: bool = True,
             verbose: int = 0, motion: str = "joint", checkpoints: int | None = None,
             backend: str = "python"):
    """A derivative function of `f` in the given mode.

    Reverse mode: `df(*args, seed)` returns the vector-Jacobian product of the
    output cotangent `seed` with respect to the `wrt` arguments. Forward mode:
    `df(*args, *tangents)`, one tangent per `wrt` argument, returns the
    Jacobian-vector product (the output's tangent). Seeds and tangents may be
    passed by position (`ddf(x, 1.0, v)`) or by name.

    `check_dims=False` drops the check that the seed has the output's shape; an
    array seed of a scalar output then multiplies each gradient item by item, as
    in tangent. `verbose=1` prints the generated code, also when it comes from
    the cache. `motion='joint'` (one function doing both sweeps) is accepted for
    tangent's sake; it is the only motion. `checkpoints=K` bounds the memory of
    loops in reverse mode, as for `grad`; forward mode keeps no tape and ignores it.
    `backend` is as for `grad`.
    """
    if f is None:
        return functools.partial(autodiff, wrt=wrt, mode=mode, optimized=optimized,
                                 preserve_result=preserve_result, check_dims=check_dims,
                                 verbose=verbose, motion=motion, checkpoints=checkpoints,
                                 backend=backend)
    if mode not in ("reverse", "forward"):
        raise S2SADError(f"mode must be 'reverse' or 'forward', not {mode!r}",
                         hint="use mode='reverse' (VJP) or mode='forward' (JVP).")
    if motion != "joint":
        raise S2SADError(f"motion must be 'joint', not {motion!r}",
                         hint="s2sad makes one function doing both sweeps (tangent's "
                              "'joint' motion); leave motion out.")
    check = None if mode == "forward" else "seed" if check_dims else "broadcast"
    checkpoints = None if mode == "forward" else _checked_checkpoints(checkpoints)
    return _derivative(f, wrt, mode, optimized, preserve_result, verbose, seed_default=None,
                       check=check, checkpoints=checkpoints, backend=backend)


def _checked_checkpoints(checkpoints):
    if checkpoints is None or isinstance(checkpoints, int) and \
            not isinstance(checkpoints, bool) and checkpoints >= 1:
        return checkpoints
    raise S2SADError(f"checkpoints must be a positive int or None, not {checkpoints!r}",
                     hint="for example checkpoints=20: each loop keeps at most 20 "
                          "snapshots of its state.")


def source(df: Callable, floats: bool = False) -> str:
    """The generated source code of a function made by s2sad; with `floats`, the
    version that runs when every argument is a Python float (see
    s2sad/specialize.py), or the general one when there is none. With
    `backend="numba"` that is the module numba compiles (or, once it could not,
    the Python float version that runs instead)."""
    if floats:
        df = specialize.scalar_version(df) or df
    text = getattr(df, "__s2sad_source__", None)
    general = getattr(df, "__s2sad_general__", None)  # made on first use (backend="numba")
    if text is None and general is not None:
        text = general().__s2sad_source__
    if text is None:
        raise S2SADError(f"{df!r} was not generated by s2sad",
                         hint="pass a function returned by s2sad.grad or s2sad.autodiff.")
    return text


def _derivative(f, wrt, mode, optimized, preserve_result, verbose, seed_default,
                check, callee: bool = False, checkpoints: int | None = None,
                backend: str = "python") -> Callable:
    if backend not in backends.BACKENDS:
        raise S2SADError(f"backend must be one of {', '.join(map(repr, backends.BACKENDS))}, "
                         f"not {backend!r}",
                         hint="leave backend out for Python, or use backend='numba'.")
    if isinstance(f, functools.partial):  # partial(loss, X=X): differentiate loss, bind again
        names = list(inspect.signature(f).parameters)
        named = tuple(names[item] if isinstance(item, int) and -len(names) <= item < len(names)
                      else item for item in _as_tuple(wrt))
        df = _derivative(f.func, named, mode, optimized, preserve_result, verbose,
                         seed_default, check, callee, checkpoints, backend)
        return functools.partial(df, *f.args, **f.keywords)
    if inspect.ismethod(f):  # model.loss: differentiate loss, then bind the model again
        first = next(iter(inspect.signature(f.__func__).parameters))
        shifted = tuple(first if item == "self" else item + 1 if isinstance(item, int)
                        and item >= 0 else item for item in _as_tuple(wrt))
        df = _derivative(f.__func__, shifted, mode, optimized, preserve_result, verbose,
                         seed_default, check, callee, checkpoints, backend)
        return types.MethodType(df, f.__self__)
    if not inspect.isfunction(decorators.undecorated(f)):
        parse_function(f)  # raises the error that says what s2sad can differentiate
    key = (_as_tuple(wrt), mode, optimized, preserve_result, seed_default, check, callee,
           checkpoints)
    with _cache_lock:
        per_function = _cache.setdefault(f, {})
        if backend == "numba" and key not in per_function and verbose < 1 and \
                (key, backend) not in per_function and numba_backend.available():
            return _compiled(f, key, per_function, _floats_first(f, key, per_function))
        if key not in per_function:
            _general(f, key, per_function, verbose)
        elif verbose >= 1:  # made before: its code, as when it was made
            print(source(per_function[key]), end="")
        if backend == "python":
            return per_function[key]
        return _compiled(f, key, per_function, per_function[key])


def _general(f: Callable, key: tuple, per_function: dict, verbose: int = 0,
             floats: Callable | None = None) -> Callable:
    """The Python derivative (made once per key), with `floats` as its float version
    when that was made first."""
    if key not in per_function:
        df, callees = _dispatched(f, key, verbose, floats)
        per_function[key] = rebinding.guarded(
            df, callees, f, functools.partial(_regenerated, f, key))
    return per_function[key]


def _floats_first(f: Callable, key: tuple, per_function: dict) -> Callable:
    """For the numba backend, which compiles the float version: that version now
    (it raises what generation raises), the general one on the first call that
    needs it (about half of the time `grad` took)."""
    floats = _generate(f, key, 0, floats=True)

    def made() -> Callable:
        with _cache_lock:
            return _general(f, key, per_function, floats=floats)

    def general(*args, **kwargs):
        return made()(*args, **kwargs)
    general.__name__, general.__qualname__ = floats.__name__, floats.__qualname__
    general.__doc__ = floats.__doc__
    general.__signature__ = inspect.signature(floats)
    general.__s2sad_callees__ = floats.__s2sad_callees__
    general.__s2sad_scalar__ = floats
    general.__s2sad_general__ = made
    return general


def _compiled(f: Callable, key: tuple, per_function: dict, python: Callable) -> Callable:
    """`python` behind the numba backend's dispatcher (made once per key)."""
    if (key, "numba") not in per_function:
        if not numba_backend.available():
            warnings.warn(BackendFallbackWarning(
                "backend='numba' needs numba, which is not installed: the derivative runs "
                "in Python. Install it with pip install 's2sad[numba]'."), stacklevel=4)
            per_function[(key, "numba")] = python
            return python
        compiled = numba_backend.compiled(python, f)
        per_function[(key, "numba")] = rebinding.guarded(
            compiled, compiled.__s2sad_callees__, f,
            lambda: numba_backend.compiled(_regenerated(f, key), f))
    return per_function[(key, "numba")]


def _dispatched(f: Callable, key: tuple, verbose: int,
                floats: Callable | None = None) -> tuple:
    """The derivative (with its float dispatcher, see s2sad/specialize.py; `floats`
    is its float version when made already) and the user functions it calls
    derivatives of."""
    general = _generate(f, key, verbose, floats=False)
    foreign = functools.partial(_generate_locked, f, key, 0, floats=False, in_place=False) \
        if general.__s2sad_in_place__ else None
    make_floats = functools.partial(_generate_locked, f, key, 0, floats=True) \
        if floats is None else lambda: floats
    df = specialize.dispatch_on_arguments(general, make_floats, foreign)
    return df, general.__s2sad_callees__


def _regenerated(f: Callable, key: tuple) -> Callable:
    """The derivative made again, after a callee's name was rebound."""
    with _cache_lock:
        return _dispatched(f, key, 0)[0]


def _generate_locked(*args, **kwargs) -> Callable:
    with _cache_lock:
        return _generate(*args, **kwargs)


@contextlib.contextmanager
def _collector_paused():
    """Generation makes many small trees and next to no reference cycles; the cyclic
    collector's passes over them took about a quarter of its time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _generate(f: Callable, key: tuple, verbose: int, floats: bool,
              in_place: bool = True) -> Callable:
    """Run the pipeline; with `floats`, every parameter is known to be a float;
    without `in_place`, no adjoint is summed into its array in place (for Dask
    arrays, which a NumPy array cannot take in)."""
    with _collector_paused():
        return _pipeline(f, key, verbose, floats, in_place)


def _pipeline(f: Callable, key: tuple, verbose: int, floats: bool,
              in_place: bool) -> Callable:
    wrt, mode, optimized, preserve_result, seed_default, check, callee, checkpoints = key
    parsed = parse_function(f)
    normal = normalize(parsed)
    indices = _wrt_indices(wrt, normal.params, parsed)
    scalars = frozenset(normal.params) if floats else frozenset()
    subroutine = functools.partial(_subroutine, mode=mode, optimized=optimized,
                                   checkpoints=checkpoints)
    if mode == "forward":
        result = forward(normal, TangentSpec(indices, preserve_result, subroutine, scalars,
                                             callee))
    else:
        result = reverse(normal, GradientSpec(indices, seed_default, preserve_result, check,
                                              subroutine, scalars, floats, callee,
                                              checkpoints))
    if floats:
        specialize.use_math(result.node, result.scalars, result.free, parsed.namespace,
                            normal.names)
    if verbose >= 2:
        print(f"# normalized\n{codegen.to_source(normal.node)}")
        print(f"# {mode} mode, before optimization\n{codegen.to_source(result.node)}")
    if optimized:
        protected = syntax.all_names(parsed.node) | set(result.protected)
        optimize(result.node, protected, result.tape, result.adjoints, result.elementwise,
                 _modules_read(result, parsed.namespace),
                 in_place=in_place, shapes=result.shapes, scalars=result.scalars,
                 helpers={helper.__name__: frozenset(name for name, v in result.free.items()
                                                     if v is helper)
                          for helper in (unreduce, count, runtime.unbroadcast)})
    copy = "copy_of" if result.free.get("copy_of", runtime.copy_of) is runtime.copy_of \
        and "copy_of" not in syntax.all_names(parsed.node) else "copy_of_"
    passing = frozenset(name for name, value in result.free.items()
                        if value is runtime.expand or value is runtime.unbroadcast)
    if copy_returned_arguments(result.node, copy, passing,
                               keep_value=callee and preserve_result):
        result.free[copy] = runtime.copy_of
    df = codegen.compile_function(result.node, result.free, parsed.namespace.globals,
                                  parsed.namespace.closure, origin=parsed.location())
    df.__s2sad_callees__ = result.callees
    df.__s2sad_in_place__ = any(
        isinstance(stmt, gast.AugAssign) and syntax.names_stored(stmt.target) & result.adjoints
        for stmt in syntax.statements(result.node.body))
    df.__s2sad_containers__ = result.container_outputs
    if verbose >= 1:
        print(source(df), end="")
    return df


_in_progress = set()


def _modules_read(result, namespace) -> dict:
    """{name: NumPy or `math`} for the names generated code reads them by."""
    read, local = syntax.names_read_and_bound(result.node)
    modules = {name: namespace.lookup(name, None) for name in read
               if name not in local and name not in result.free}
    modules.update(result.free)
    return {name: value for name, value in modules.items() if value is np or value is math}


def _subroutine(func: Callable, wrt: tuple, mode: str, optimized: bool,
                checkpoints: int | None = None) -> Callable:
    """The VJP (or, in forward mode, the JVP that also returns the value) of a user
    function called from a function being differentiated; with the caller's
    `checkpoints`."""
    if func in _in_progress:
        parsed = parse_function(func)
        raise RecursiveCall(
            f"function '{parsed.name}' calls itself (directly or through others); "
            "s2sad differentiates such a call only once its derivative is made, at run "
            "time, and cannot differentiate that again", parsed.location(),
            hint="rewrite the recursion as a loop.")
    _in_progress.add(func)
    try:
        # a callee's gradients of containers stay in the form that adds item by item
        return _derivative(func, wrt, mode, optimized, mode == "forward", 0,
                           seed_default=1.0, check=None, callee=True, checkpoints=checkpoints)
    finally:
        _in_progress.discard(func)


def _as_tuple(wrt: Wrt) -> tuple:
    if isinstance(wrt, (list, tuple)):
        return tuple(wrt)
    return (wrt,)


def _wrt_indices(wrt: Wrt, params: list, parsed: ParsedFunction) -> tuple:
    indices = []
    for item in _as_tuple(wrt):
        if isinstance(item, str):
            if item not in params:
                raise WrtError(f"wrt names '{item}', which is not a parameter of "
                               f"'{parsed.name}' (parameters: {', '.join(params)})",
                               parsed.location(), hint="use a parameter name or index.")
            indices.append(params.index(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -len(params) <= item < len(params):
                raise WrtError(f"wrt index {item} is out of range: '{parsed.name}' has "
                               f"{len(params)} parameter(s) ({', '.join(params)})",
                               parsed.location(), hint="count parameters from 0.")
            indices.append(item % len(params))
        else:
            raise WrtError(f"wrt entries are parameter indices or names, not {item!r}",
                           parsed.location(), hint="for example wrt=(0, 'y').")
    if not indices:
        raise WrtError("wrt is empty", parsed.location(),
                       hint="name at least one parameter to differentiate with respect to.")
    if len(set(indices)) != len(indices):
        raise WrtError(f"wrt repeats a parameter: {wrt!r}", parsed.location(),
                       hint="list each parameter once.")
    return tuple(indices)
