"""Everything generated code calls at run time."""
from __future__ import annotations

import collections
import contextlib
import copy
import math
import random
import types

import numpy as np

from . import containers
from .errors import (Location, NonDifferentiableError, S2SADError, ShapeError,
                     UnsupportedSyntaxError, WrtError, running_derivative_line)

_SCALARS = (float, int, np.float64, np.float32, np.int64)


def is_foreign(x) -> bool:
    """Is `x` an array of another library that NumPy dispatches to (a Dask or CuPy
    array)? The helpers keep such arrays in their library: no np.asarray (it would
    compute a Dask array, copy a CuPy one to the host), no writes into them."""
    return type(x) is not np.ndarray and hasattr(type(x), "__array_function__") \
        and not isinstance(x, (np.ndarray, np.generic))


def as_array(x, dtype=None):
    """`x` as an array of its own library: np.asarray for NumPy values and lists."""
    if is_foreign(x):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype)


def numpy_only(what: str, *values) -> None:
    """Refuse another library's array in a helper written for NumPy arrays only (it
    would call np.add.at or write through an index that library does not take)."""
    foreign = next((value for value in values if is_foreign(value)), None)
    if foreign is not None:
        kind = f"{type(foreign).__module__}.{type(foreign).__name__}"
        raise NonDifferentiableError(
            f"s2sad's derivative of {what} works on NumPy arrays only, not on a {kind}",
            running_derivative_line(),
            hint="apply it to a NumPy array (compute the value first), or write the step "
                 "with functions whose derivative stays in the library (docs/scaling.md).")


def broadcast_like(value, x, dtype):
    """`value` broadcast to the shape of `x`, a read-only view. On another library's
    array it stays in that library (for Dask, with x's chunks: a view per chunk, so
    a broadcast seed is never materialized whole)."""
    if is_foreign(x):
        value = value.astype(dtype) if is_foreign(value) else np.asarray(value, dtype, like=x)
        return np.broadcast_arrays(value, x)[0]
    return np.broadcast_to(as_array(value, dtype), np.shape(x))


class Shape(tuple):
    """The shape of a value that reverse mode kept instead of the value itself."""


def shape_of(x):
    """`x`'s shape, for an `unbroadcast(g, x)` or a `zeros_like(x)` that needs
    nothing else of x; item by item for a list, tuple or dict."""
    if type(x) is np.ndarray:  # the common case, tested first: it runs once per product
        return Shape(x.shape)
    if isinstance(x, (list, tuple)) and type(x) is not Shape:
        return [shape_of(item) for item in x]
    if isinstance(x, dict):
        return {key: shape_of(value) for key, value in x.items()}
    if type(x) is Shape:  # a checkpointed loop keeps such shapes in its snapshots
        return x
    return Shape(np.shape(x))


def unbroadcast(g, x):
    """`g` summed over the axes along which `x` was broadcast: x's shape (x may be
    that Shape itself)."""
    if type(g) is np.ndarray and type(x) is not list and type(x) is not tuple:  # the common case
        shape = x if type(x) is Shape else x.shape if type(x) is np.ndarray else np.shape(x)
        return g if g.shape == shape else _summed_to(g, shape)
    if type(g) in _SCALARS:
        return g
    if type(x) in (list, tuple) and not _fits_sequence(g, x):
        raise _joined_unseen()
    if type(x) is list:  # a list given to a NumPy function: its adjoint is a list too
        return AdjointList(unbroadcast(g, Shape(np.shape(x))))
    gshape, xshape = np.shape(g), x if type(x) is Shape else np.shape(x)
    if gshape == xshape:
        return g
    extra = len(gshape) - len(xshape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(xshape) if n == 1 and np.shape(g)[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != xshape:
        g = np.broadcast_to(g, xshape)
    return g


def _fits_sequence(g, x) -> bool:
    """Whether g can be the adjoint of the list or tuple x used as an array: not a
    longer or shorter list, as the adjoint of `xs * 2` or `xs + ys` would be."""
    if isinstance(g, (list, tuple)):
        return len(g) == len(x)
    gshape, shape = np.shape(g), np.shape(x)
    return len(gshape) >= len(shape) and all(
        n in (1, m) for n, m in zip(shape, gshape[len(gshape) - len(shape):]))


def _joined_unseen() -> UnsupportedSyntaxError:
    return UnsupportedSyntaxError(
        "s2sad took a `+` or `*` here for arithmetic, but it joined or repeated lists or "
        "tuples; it knows `+` joins where it sees a list or tuple made in the function",
        running_derivative_line(),
        hint="make the lists visible: write `list(xs) + list(ys)` (or `tuple(...)`).")


def _summed_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """unbroadcast for an array g and a shape, with the array's own methods (half
    the time of np.sum's, which counts once per loop iteration for a bias)."""
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else np.broadcast_to(g, shape)


def expand(t, x):
    """A tangent `t` broadcast to the shape of its variable `x` (item by item for
    a tuple or list)."""
    if type(t) in _SCALARS and type(x) in _SCALARS:
        return t
    if isinstance(x, (tuple, list)):
        items = t if isinstance(t, (tuple, list)) else [t] * len(x)
        return _rebuilt(x, [expand(ti, xi) for ti, xi in zip(items, x)])
    if np.shape(t) == np.shape(x):
        return t
    return broadcast_like(t, x, gradient_dtype(t, x)).copy()


def gradient_dtype(*values) -> np.dtype:
    """The dtype of a gradient computed from `values`: theirs when it is floating or
    complex (float32 in, float32 out; a Python float does not widen it), else float64."""
    dtype = np.result_type(*(_dtype_of(v) if isinstance(v, (list, tuple)) else v
                             for v in values))
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(float)


def _dtype_of(items) -> np.dtype:
    """The dtype NumPy gives a list of numbers or arrays."""
    return np.result_type(*(_dtype_of(v) if isinstance(v, (list, tuple)) else v
                            for v in items)) if items else np.dtype(float)


def real_where_real(g, x):
    """`g`, an adjoint of `x` from a complex value, as x's: its real part when x is
    real (JAX's convention: the adjoint of a real variable is real), g itself when x
    holds complex values (a complex argument)."""
    if isinstance(g, list) and isinstance(x, (list, tuple)):
        return AdjointList(real_where_real(gi, xi) for gi, xi in zip(g, x))
    return g if np.iscomplexobj(x) else np.real(g)


def list_adjoint(g, x):
    """`g` as the adjoint of `x`: item by item (an AdjointList) when x is a list
    given to a NumPy function (a number: the same for each item), else `g` itself."""
    if type(x) is not list:
        return g
    if not np.ndim(g):
        return AdjointList([g] * len(x))
    return AdjointList(list_adjoint(gi, xi) for gi, xi in zip(g, x))  # rows of nested lists


def zeros_like(x):
    """A zero gradient for `x`: 0.0 for a scalar, a float array for an array, a
    list of zero gradients for a list."""
    if type(x) in _SCALARS:
        return 0.0
    if type(x) is Shape:  # kept by shape_of
        return np.zeros(x) if x else 0.0
    if isinstance(x, (list, tuple)):
        return AdjointList(zeros_like(item) for item in x)
    if isinstance(x, dict):
        return AdjointDict()
    if np.ndim(x) == 0:
        return 0.0
    if is_foreign(x):
        return np.zeros_like(x, dtype=gradient_dtype(x))
    return np.zeros(np.shape(x), gradient_dtype(x))


def copy_of(value):
    """A copy of an array (or array element), a list or a dict that later writes
    cannot change (the items of a list or dict are shared, as by `.copy()`)."""
    if type(value) is list:
        return list(value)
    if isinstance(value, (list, dict)):  # AdjointList, AdjointDict keep their type
        return copy.copy(value)
    return value.copy() if isinstance(value, np.ndarray) or is_foreign(value) else value


def _rebuilt(sequence, items: list):
    """A list or tuple of the type of `sequence` (a named tuple too) holding `items`."""
    return type(sequence)(*items) if hasattr(sequence, "_fields") else type(sequence)(items)


def copy_argument(value):
    """A private copy of an argument the function writes into: arrays, and the
    lists, tuples and dicts holding them, copied all the way down."""
    if isinstance(value, np.ndarray) or is_foreign(value):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return _rebuilt(value, [copy_argument(item) for item in value])
    if isinstance(value, dict):
        return type(value)((k, copy_argument(v)) for k, v in value.items())
    return value


def assert_unshared(written, other, where: str, index=None) -> None:
    """Refuse a write into `written` (at `index`, if given) that `other` would see:
    s2sad gives each variable its own derivative, so the gradient would miss that
    change."""
    if index is not None:
        written = _entries_at(written, index)
    if not _arrays_overlap(written, other):
        return
    raise UnsupportedSyntaxError(
        "s2sad cannot differentiate this write: the array (or list) written into "
        "shares its memory with another variable read afterwards (a copy `y = x`, a "
        "view such as m[0] of a 2-d array, or a value a helper returned unchanged)",
        Location.parse(where),
        hint="work on a copy: take `.copy()` of the value the other variable holds, "
             "or of the array before writing into it.")


def assert_separate_arguments(where: str, names: tuple, values: tuple, changed: tuple,
                              items_changed: tuple) -> None:
    """Refuse arguments where f writes into one in place, and another argument (or
    another item of the same) holds that array, list or dict, or a view of it: f's
    write changes both, and its derivative follows each on its own. `changed`:
    the arguments f writes into; `items_changed`: those whose items (not only the
    argument itself) it may write into. `where` is f's first such write."""
    leaves = []  # (argument, array, list or dict, changed?), one per place it is held
    for name, value in zip(names, values):
        _mutable_leaves(value, name, leaves, set(), name in changed, name in items_changed)
    by_memory = {}
    for leaf in leaves:
        by_memory.setdefault(_memory_of(leaf[1]), []).append(leaf)
    for group in by_memory.values():
        for i, (first, a, a_changed) in enumerate(group):
            for second, b, b_changed in group[i + 1:]:
                if (a_changed or b_changed) and _arrays_overlap(a, b):
                    _refuse_shared_arguments(where, first, second)


def _mutable_leaves(value, name: str, out: list, path: set, changed: bool,
                    items_changed: bool) -> None:
    """The arrays, lists and dicts inside an argument, one entry per place they are
    held (its items, and the attributes of the objects it holds, `self.w`), each
    with whether f may write into it."""
    if isinstance(value, (np.ndarray, list, dict)):
        out.append((name, value, changed))
    if isinstance(value, np.ndarray) or id(value) in path:
        return
    path.add(id(value))  # the containers above this one: a cycle ends here
    for item in _held_values(value):
        _mutable_leaves(item, name, out, path, items_changed, items_changed)
    path.discard(id(value))


def _memory_of(leaf):
    """An id shared by everything that may overlap `leaf`: its base's (the array,
    or the buffer, a strided or windowed view was made from)."""
    while True:
        base = leaf.obj if isinstance(leaf, memoryview) else getattr(leaf, "base", None)
        if base is None:
            return id(leaf)
        leaf = base


def _refuse_shared_arguments(where: str, first: str, second: str) -> None:
    which = f"'{first}' holds an array" if first == second else \
        f"'{first}' and '{second}' hold the same array"
    raise UnsupportedSyntaxError(
        f"s2sad cannot differentiate this call: {which} (or list) twice, or an array "
        "and a view of it, and the function writes into it in place here, so the "
        "write changes what the other holds: its derivative follows each on its own",
        Location.parse(where),
        hint="pass separate arrays (`w.copy()`), or write into a copy in the function "
             "(`a = a.copy()` before the write).")


_HAVE_ARRAY_METHODS = (np.ndarray, np.generic, list, dict, tuple, int, float, complex)


def assert_array_method(obj, method: str, where: str) -> None:
    """Refuse `obj.<method>(...)` that s2sad took for NumPy's ndarray method of that
    name (its derivative rule is the array's) when obj is another object: a user
    class's own `mean`, a module held in a variable (`xp.sum`)."""
    if isinstance(obj, _HAVE_ARRAY_METHODS) or is_foreign(obj) or \
            method == "dot" and type(obj).__module__.startswith("scipy.sparse"):
        return  # a sparse matrix's dot: the rule multiplies with its own `@`
    if isinstance(obj, types.ModuleType):
        kind, hint = "the module " + obj.__name__, \
            f"call the module by its global name ({obj.__name__}.{method}(...))."
    else:
        cls = type(obj).__name__
        kind, hint = f"a {cls} object", \
            f"call the method through its class, {cls}.{method}(obj, ...), or give it a " \
            "name arrays do not have: s2sad differentiates either."
    raise NonDifferentiableError(
        f"s2sad took .{method}(...) here for NumPy's ndarray.{method}, whose derivative "
        f"it knows, but it is called on {kind}", Location.parse(where), hint=hint)


# The types whose method s2sad spells with writes it follows (normalize/outputs.py),
# or whose derivative it writes itself (a list's pop and append, reverse/containers.py).
_SPELLED_METHODS = {"sort": ((np.ndarray,), "a NumPy array"),
                    "fill": ((np.ndarray,), "a NumPy array"),
                    "extend": ((list,), "a list"), "append": ((list,), "a list"),
                    "update": ((dict,), "a dict"), "pop": ((list, dict), "a list or dict")}


def assert_method_of(obj, method: str, where: str) -> None:
    """Refuse `obj.<method>(...)`, which s2sad spells as writes into an array (sort,
    fill) or into a list or dict (extend, update, append, pop), when obj is another
    object: a list's sort (a list's order, key= and reverse=), a class of the user's
    own, a subclass with its own method."""
    owners, spelled = _SPELLED_METHODS[method]
    if any(isinstance(obj, owner) and getattr(type(obj), method) is getattr(owner, method)
           for owner in owners):
        return
    raise NonDifferentiableError(
        f"s2sad follows .{method}(...) of {spelled} only, as the writes it makes, but "
        f"it is called on a {type(obj).__name__} object", Location.parse(where),
        hint="assign the result instead (lst = sorted(lst, key=f), lst = lst + list(xs)), "
             f"pass {spelled}, or give your method a name lists, dicts and arrays do "
             "not have: s2sad differentiates it then.")


def assert_shuffles_array(generator, a, where: str) -> None:
    """Refuse `generator.shuffle(a)`, which s2sad spells `a[...] =
    generator.permutation(a)`, unless generator is NumPy's (np.random, a Generator
    or a RandomState) and a is an array."""
    numpys = generator is np.random or isinstance(generator, (np.random.Generator,
                                                              np.random.RandomState))
    if numpys and isinstance(a, np.ndarray):
        return
    raise NonDifferentiableError(
        f"s2sad follows .shuffle(a) of NumPy's random generators on an array, but it is "
        f"called on a {type(generator).__name__} object with a {type(a).__name__}",
        Location.parse(where),
        hint="shuffle a NumPy array (idx = np.arange(n); rng.shuffle(idx)) and index with "
             "it, or assign a new order (order = rng.permutation(n)).")


def refuse_effect(called: str, where: str) -> None:
    """Stand in for a call that may change its arguments in place, on a branch
    the derivative has just taken."""
    raise NonDifferentiableError(
        f"s2sad cannot follow the call to {called}, which may change its arguments in "
        "place; this branch ran", Location.parse(where),
        hint="keep such calls (plotting, logging into arrays) out of the function you "
             "differentiate, or pass them values s2sad.stop_gradient(...) makes constant; "
             "in-place writes s2sad follows are x[i] = v and lst.append(v).")


def holding_no_derivative(function, where: str):
    """`function`, a function value made from differentiable values (taken from a
    dict of parameters), when it holds none of them itself: a plain function, a
    built-in, a class, a generator's method. Raises at `where` ('file:line') for
    an object, a partial or a closure, whose values s2sad does not follow."""
    stateless = isinstance(function, (types.FunctionType, types.BuiltinFunctionType,
                                      np.ufunc, type)) and not getattr(function, "__closure__",
                                                                      None) or \
        isinstance(getattr(function, "__self__", None), GENERATORS)
    if stateless:
        return function
    raise NonDifferentiableError(
        f"s2sad cannot differentiate a call of a {type(function).__name__} object with "
        "respect to the function value itself: it was made from differentiable values "
        "(an object holding them, a functools.partial, a closure)", Location.parse(where),
        hint="s2sad follows values through functions, not into objects: pass the arrays "
             "as arguments (`def dense(W, b, x)`), or call a nested function or lambda, "
             "which s2sad inlines.")


def _entries_at(array, index):
    """A view of the entries `array[index]` names (one entry too), for integers and
    slices; the whole array for other indexes, whose result is a copy."""
    key = index if type(index) is tuple else (index,)
    if not isinstance(array, np.ndarray) or not all(
            k is Ellipsis or type(k) is slice or
            (isinstance(k, (int, np.integer)) and not isinstance(k, bool)) for k in key):
        return array
    return array[key + (None,)]


def _arrays_overlap(a, b, seen: set | None = None) -> bool:
    """Whether `a` (an array or list) is, or shares entries with, `b` or an item of
    b (or an attribute of an object b holds)."""
    if a is b and (isinstance(a, (list, dict, np.ndarray)) or is_foreign(a)):
        return True
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and np.may_share_memory(a, b) and \
            _share_entries(a, b)
    items = _held_values(b)
    seen = set() if seen is None else seen
    if not items or id(b) in seen:
        return False
    seen.add(id(b))
    return any(_arrays_overlap(a, item, seen) for item in items)


def _held_values(value) -> tuple:
    """The items of a list, tuple or dict, or the attributes of a user's object."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(value.values())
    if isinstance(value, (str, bytes, type, types.ModuleType, np.generic)) or \
            callable(value) or not hasattr(value, "__dict__"):
        return ()
    return tuple(vars(value).values())


def _share_entries(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether arrays whose memory bounds overlap have an entry in common (columns
    of one matrix have none); too hard to tell within a small budget: yes."""
    try:
        return np.shares_memory(a, b, max_work=1000)
    except np.exceptions.TooHardError:
        return True


GENERATORS = (np.random.RandomState, np.random.Generator, random.Random)


def random_state(*sources) -> list:
    """The state of each random number generator among `sources`, in the lists,
    tuples and dicts among them, or an attribute of an object among them (other
    values are passed over), for `restore_random_state` to draw the same numbers
    again."""
    states, seen = [], set()
    for source in _generators_in(sources, depth=3):
        if id(source) in seen:
            continue
        seen.add(id(source))
        if isinstance(source, np.random.RandomState):
            states.append((source, source.get_state()))
        elif isinstance(source, np.random.Generator):
            states.append((source, source.bit_generator.state))
        else:
            states.append((source, source.getstate()))
    return states


# values that hold no generator of their own: their attributes are not searched (a
# callable object's are; a class's are not)
NOT_HOLDING_GENERATORS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType, type, np.ufunc)


def _generators_in(values, depth: int):
    for value in values:
        if isinstance(value, GENERATORS):
            yield value
        elif depth == 0 or isinstance(value, (np.ndarray, str, bytes, float, int,
                                              types.ModuleType)) or is_foreign(value):
            continue
        elif isinstance(value, (list, tuple)):
            yield from _generators_in(value, depth - 1)
        elif isinstance(getattr(value, "__self__", None), GENERATORS):
            yield value.__self__  # a generator's method, as a value: rng.normal
        elif isinstance(value, dict):
            yield from _generators_in(value.values(), depth - 1)
        elif hasattr(value, "__dict__") and not isinstance(value, NOT_HOLDING_GENERATORS):
            yield from _generators_in(vars(value).values(), depth - 1)


def restore_random_state(states: list) -> None:
    for source, state in states:
        if isinstance(source, np.random.RandomState):
            source.set_state(state)
        elif isinstance(source, np.random.Generator):
            source.bit_generator.state = state
        else:
            source.setstate(state)


def unpop(items: list, index: int, item) -> None:
    """Put back the item that `items.pop(index)` took."""
    if index < 0:
        index += len(items) + 1
    items.insert(index, item)


def zero_item(g, index):
    """A copy of the gradient `g` with `g[index]` set to zero."""
    if type(g) in _SCALARS and g == 0:  # a zero standing for zeros stays one
        return g
    if isinstance(g, dict):
        return AdjointDict((k, v) for k, v in g.items() if k != index)
    if isinstance(g, list):
        g = AdjointList(g)
        if isinstance(index, slice):  # lst[i:j] = [...]
            g[index] = [0.0] * len(range(*index.indices(len(g))))
        else:
            g[index] = 0.0
        return g
    dtype = gradient_dtype(g)
    if is_foreign(g):  # a new array object: on Dask, the write rebinds it to a new graph
        g = g.copy() if g.dtype == dtype else g.astype(dtype)
    else:
        g = np.array(g, dtype)
    g[index] = 0.0
    return g


MISSING = "<missing>"  # what a dict held under a key it did not have


def saved_item(container, index):
    """container[index], copied, or MISSING for a key a dict does not have yet."""
    if isinstance(container, dict) and index not in container:
        return MISSING
    return copy_of(container[index])


def restore_item(container, index, value):
    """Undo `container[index] = ...` given what saved_item returned before it."""
    if isinstance(value, str) and value == MISSING and isinstance(container, dict):
        del container[index]
    else:
        container[index] = value


def item_of(g, index):
    """g[index] of a gradient, zero where a dict gradient has no such key. For an
    index that names an element twice (`y[[0, 0]] = v`), only the item written last
    kept its value, so only its slot gets the gradient."""
    if isinstance(g, dict):
        return g.get(index, 0.0)
    if type(g) in _SCALARS:  # a number standing for an array of it (a zero tangent)
        return g
    item = g[index]
    if not may_repeat(index):
        return item
    slots = np.arange(math.prod(np.shape(item))).reshape(np.shape(item))
    kept = np.full(np.shape(g), -1)
    kept[index] = slots  # NumPy keeps the last of repeated writes
    return np.where(kept[index] == slots, item, 0.0)


def may_repeat(index) -> bool:
    """Can `index` name an element twice (it holds an integer array or a list)?"""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(part, list) or isinstance(part, np.ndarray) and part.ndim > 0
               and part.dtype != bool for part in parts)


def assert_scalar(value, function, seed=1.0):
    """Reject a non-scalar output of a function passed to `grad`, or a non-scalar
    seed. `value` may be an operand whose shape the output has (a 0-d value plus it)."""
    if np.ndim(value) != 0:
        raise ShapeError(
            f"grad needs '{function.__name__}' to return a scalar, but it returned a value "
            f"of shape {np.shape(value)}", _where(function),
            hint="reduce the output (e.g. np.sum), or use s2sad.autodiff with an "
                 "explicit seed for a vector-Jacobian product.")
    assert_scalar_seed(seed, function)
    return value


def assert_scalar_seed(seed, function):
    """Reject a non-scalar seed of a derivative made by `grad`."""
    if type(seed) is not float and np.ndim(seed) != 0:
        raise ShapeError(
            f"the derivative of '{function.__name__}' made by grad takes a scalar seed, "
            f"not one of shape {np.shape(seed)}", _where(function),
            hint="pass a number as the seed (it scales the gradient), or use "
                 "s2sad.autodiff or s2sad.vjp for a vector-Jacobian product.")
    return seed


def assert_seed(seed, value, function):
    """Reject a seed whose shape differs from the output of `function`."""
    if _shapes(seed) != _shapes(value):
        raise ShapeError(
            f"the seed has shape {_shapes(seed)} but '{function.__name__}' returned a "
            f"value of shape {_shapes(value)}", _where(function),
            hint="pass a seed with the output's shape (the cotangent of the output).")
    return seed


def broadcast_seed(seed, value) -> tuple:
    """(seed, None), or (1.0, seed) for an array seed of a scalar output: without
    check_dims, such a seed multiplies each gradient item by item, as tangent's did
    (for f = sum of elementwise terms, the Hessian-vector product of reverse over
    forward mode, `ddf(x, 1, v)`)."""
    if isinstance(value, (tuple, list)) or isinstance(seed, (tuple, list)) or \
            np.ndim(value) > 0 or np.ndim(seed) == 0:
        return seed, None
    return 1.0, seed


def scaled(g, scale):
    """`scale * g` after broadcast_seed, `g` itself without a scale."""
    return g if scale is None else scale * g


def zero_gradient(x, name: str, function):
    """The gradient with respect to a parameter no derivative reaches: zeros, but an
    error for an int, bool or integer array (a count, an index): as in JAX, grad is
    for real numbers. An int the function uses as a real number (`f(3, 4.0)`) gets
    its gradient like a float."""
    if isinstance(x, (bool, int, np.integer)) or (isinstance(x, np.ndarray) or is_foreign(x)) \
            and not np.issubdtype(x.dtype, np.inexact):
        what = f"an array of {x.dtype}" if np.ndim(x) else f"the integer {x}"
        raise WrtError(
            f"the gradient with respect to '{name}' of '{function.__name__}' was asked "
            f"for, but '{name}' is {what} and no derivative reaches it (it "
            f"serves as a count, an index or in a comparison)", _where(function),
            hint=f"leave '{name}' out of wrt; to differentiate with respect to it, pass "
                 f"a float and use it in arithmetic.")
    return zeros_like(x)


def _shapes(value):
    """The shape of a value, or the shapes of a tuple's or list's items."""
    if isinstance(value, (tuple, list)):
        return tuple(_shapes(item) for item in value)
    return np.shape(value)


def _where(function) -> Location:
    code = function.__code__
    return Location(code.co_filename, code.co_firstlineno)


class AdjointList(list):
    """The adjoint of a list or tuple: one adjoint an item, added item by item."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return AdjointList(self)
        return AdjointList(a + b for a, b in zip(self, other))

    __radd__ = __add__
    __iadd__ = __add__  # item by item into a new list, not list.extend

    def __sub__(self, other):
        if isinstance(other, list):
            return self + -AdjointList(other)
        return self + -other if np.ndim(other) == 0 else NotImplemented

    def __neg__(self):
        return AdjointList(-a for a in self)

    def __mul__(self, other):  # by a number (a rule's factor), not repetition
        return AdjointList(a * other for a in self) if np.ndim(other) == 0 else NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        return AdjointList(a / other for a in self) if np.ndim(other) == 0 else NotImplemented


class AdjointDict(dict):
    """The adjoint of a dict (or of an object's attributes): missing keys are zero."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return AdjointDict(self)
        out = AdjointDict(self)
        for key, value in other.items():
            out[key] = out[key] + value if key in out else value
        return out

    __radd__ = __add__


def attribute_adjoint(g, obj, name):
    """The adjoint of an object of which only the attribute `name` was read; for a
    property, the adjoints of the attributes its getter reads."""
    getter = _property_getter(obj, name)
    if getter is None and isinstance(obj, tuple) and hasattr(obj, "_fields"):
        # a named tuple: item by item, like the adjoint of t[i]
        return AdjointList(g if field == name else 0.0 for field in obj._fields)
    if getter is None:
        return AdjointDict({name: g})
    from .dispatch import call_vjp
    (gradient,) = call_vjp(getter, (0,), g, obj)
    return AdjointDict(gradient if isinstance(gradient, dict) else vars(gradient))


def field_adjoint(g, obj, name):
    """attribute_adjoint for a field or plain attribute, whose adjoint depends on the
    form of obj only; a property's getter reads obj's values: refused."""
    if _property_getter(obj, name) is not None:
        raise NonDifferentiableError(
            f"s2sad cannot differentiate twice through the property '{name}' of "
            f"{type(obj).__name__}", running_derivative_line(),
            hint="read the attributes the property computes from, or compute it in the "
                 "differentiated function.")
    return attribute_adjoint(g, obj, name)


def attribute_tangent(t, obj, name):
    """The tangent of `obj.name` from the tangent of obj: a dict or an object."""
    getter = _property_getter(obj, name)
    if getter is not None:
        from .dispatch import call_jvp
        return call_jvp(getter, (0,), (t,), obj)[0]
    if isinstance(t, dict):
        return t.get(name, 0.0)
    return getattr(t, name, 0.0)


def _property_getter(obj, name):
    """The getter function of `type(obj).name` if that is a property, else None."""
    attribute = getattr(type(obj), name, None)
    return attribute.fget if isinstance(attribute, property) else None


def structured(g, x):
    """The gradient `g` in the form of `x`: the same container types and keys, with
    zeros where nothing flowed."""
    if isinstance(x, dict):
        g = g if isinstance(g, dict) else {}
        pairs = [(k, structured(g[k], v) if k in g else zeros_like(v)) for k, v in x.items()]
        if isinstance(x, collections.defaultdict):  # its factory comes first
            return type(x)(x.default_factory, pairs)
        return type(x)(pairs)
    if isinstance(x, (list, tuple)):
        if isinstance(g, dict) and hasattr(x, "_fields"):  # a named tuple read by field
            g = [g.get(field, 0.0) for field in x._fields]
        items = [structured(gi, xi) for gi, xi in zip(_items_of(g, x), x)]
        return _rebuilt(x, items)
    if type(g) in _SCALARS and np.ndim(x) > 0:
        if is_foreign(x):
            return np.full_like(x, g, dtype=gradient_dtype(g, x))
        return np.full(np.shape(x), g, dtype=gradient_dtype(g, x))
    if isinstance(g, dict) and not isinstance(x, np.ndarray):  # an object's attributes
        return containers.rebuild(x, {k: structured(v, getattr(x, k)) for k, v in g.items()})
    return g


def _items_of(g, x) -> list:
    """The items' gradients of a list or tuple `x`, from its gradient `g`: items
    of a list, rows of an array (`x` was read as one), none from a zero."""
    if isinstance(g, (list, tuple)) or \
            isinstance(g, np.ndarray) and g.ndim > 0 and len(g) == len(x):
        return list(g)
    if g is None or np.ndim(g) == 0 and g == 0:
        return [zeros_like(item) for item in x]
    raise S2SADError(f"internal: s2sad computed a gradient of shape {np.shape(g)} for a "
                     f"{type(x).__name__} of {len(x)} items",
                     hint="please report this with the function differentiated.")


def leading_items(g, x):
    """The adjoint of xs in `xs + ys` (lists or tuples): the joined adjoint's first
    len(xs) items."""
    return AdjointList(g[:len(x)])


def trailing_items(g, y):
    """The adjoint of ys in `xs + ys`: the joined adjoint's last len(ys) items."""
    return AdjointList(g[len(g) - len(y):])


def repeats_added(g, x):
    """The adjoint of xs in `xs * n`: the adjoints of its n copies, added."""
    count = len(x)
    return AdjointList(sum(g[i::count]) for i in range(count)) if count else AdjointList()


def items_adjoint(g, x):
    """The adjoint of x in `list(x)` or `tuple(x)`: its items' adjoints, held as x
    holds its items (the rows of an array)."""
    if isinstance(x, np.ndarray):
        return np.stack([expand(gi, xi) for gi, xi in zip(g, x)]) if len(x) else \
            zeros_like(x)
    return AdjointList(g)


def items_tangent(dx, x, y):
    """The tangent of `list(x)` or `tuple(x)`: x's tangent, item by item."""
    return type(y)(expand(dx, x))


def entry_adjoint(g, key, item):
    """The adjoint of a dict literal's `item` under `key`: g's entry, or zeros of the
    item's shape where it received nothing."""
    found = g.get(key) if isinstance(g, dict) else None  # 0.0: no adjoint at all
    return zeros_like(item) if found is None else found


def joined_tangents(dx, x, dy, y):
    """The tangent of `xs + ys` (lists or tuples), item by item."""
    return expand(dx, x) + expand(dy, y)


def repeated_tangent(dx, x, count: int):
    """The tangent of `xs * n`, item by item."""
    return expand(dx, x) * count


def popped_tangent(t, *index):
    """The tangent of `lst.pop(*index)` from lst's tangent: its item, taken out; a
    number stands for zeros (a list no tangent reached)."""
    return t.pop(*index) if isinstance(t, list) else t


def spread(g, items):
    """The adjoint of a sum of `items` (a list, or an array's rows) whose result has
    adjoint `g`."""
    if isinstance(items, np.ndarray):  # builtin sum(x) of an array: each row gets g
        return zeros_like(items) + g
    return AdjointList(unbroadcast(g, item) for item in items)


def walked(iterable):
    """What `for x in iterable` walks, as something indexed by position: a dict's
    keys (a list of them), any other iterable (list, tuple, array) itself. Loops
    over a value of unknown type are written as loops over `walked(value)`, so a
    dict gives its keys, as in Python, not `d[0], d[1], ...`."""
    return list(iterable) if isinstance(iterable, dict) else iterable


def walked_adjoint(g, iterable):
    """The adjoint of `iterable` in `walked(iterable)`: a dict's keys carry none, a
    sequence's items take theirs as they are."""
    return zeros_like(iterable) if isinstance(iterable, dict) else g


def walked_tangent(t, iterable):
    """The tangent of `walked(iterable)`: none for a dict's keys, the sequence's own."""
    return 0.0 if isinstance(iterable, dict) else t


def index_of_max(items) -> int:
    """Where the builtin `max(items)` finds its value: the first largest item."""
    return max(range(len(items)), key=lambda i: items[i])


def index_of_min(items) -> int:
    """Where the builtin `min(items)` finds its value: the first smallest item."""
    return min(range(len(items)), key=lambda i: items[i])


def sorted_order(iterable, key=None, reverse=False) -> list:
    """The positions of the items of `iterable` in the order sorted() puts them
    (stable, as sorted; with reverse=True equal items keep their order too). The
    rule of `sorted` and `sorted(xs, key=f)` spelled out (normalize/
    function_arguments.py) index by it."""
    items = list(iterable)
    return sorted(range(len(items)), reverse=reverse,
                  key=(lambda i: items[i]) if key is None else (lambda i: key(items[i])))


def stop_gradient(x):
    """`x` itself, through which no derivative flows."""
    return x


@contextlib.contextmanager
def insert_grad_of(x):
    """`with insert_grad_of(x) as g:` runs its body in the backward pass, with `g`
    the adjoint of `x` at that point; what the body leaves in `g` replaces it.

    Called as plain Python (outside s2sad), the body runs on zeros and does nothing.
    """
    yield zeros_like(x)
