"""Compare s2sad's gradients with central finite differences."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .api import Wrt, grad
from .errors import GradientCheckError


def numerical_gradient(f: Callable, args: tuple, index: int, eps: float = 1e-6):
    """Central finite-difference gradient of scalar `f` in argument `index`: an
    array, a float, or a list, tuple or dict of them (the gradient has its form)."""
    args = list(args)

    def leaf_gradient(path: tuple, x):
        if isinstance(x, (list, tuple)):
            items = [leaf_gradient(path + (i,), item) for i, item in enumerate(x)]
            return items if isinstance(x, list) else tuple(items)
        if isinstance(x, dict):
            return {k: leaf_gradient(path + (k,), v) for k, v in x.items()}
        x = np.asarray(x, dtype=float)
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            bumped = []
            for step in (eps, -eps):
                y = x.copy()
                y[i] += step
                args[index] = _replaced(original, path, y if x.ndim else float(y))
                bumped.append(float(f(*args)))
            g[i] = (bumped[0] - bumped[1]) / (2 * eps)
        args[index] = original
        return g if x.ndim else float(g)

    original = args[index]
    return leaf_gradient((), original)


def _replaced(structure, path: tuple, value):
    """A copy of `structure` with the item at `path` replaced by `value`."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(structure, dict):
        return {**structure, head: _replaced(structure[head], rest, value)}
    items = list(structure)
    items[head] = _replaced(items[head], rest, value)
    return items if isinstance(structure, list) else type(structure)(items) \
        if not hasattr(structure, "_fields") else type(structure)(*items)


def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for k in sorted(value, key=repr) for leaf in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def check_grads(f: Callable, *args, wrt: Wrt = (0,), rtol: float = 1e-5,
                atol: float = 1e-6, eps: float = 1e-6):
    """Check `s2sad.grad(f, wrt)` at `args` against finite differences.

    Returns the s2sad gradients; raises GradientCheckError with a report of the
    worst entries when any disagree beyond `rtol`/`atol`.
    """
    df = grad(f, wrt=wrt)
    computed = df(*args)
    indices = _indices(f, wrt)
    results = computed if len(indices) > 1 else (computed,)
    problems = []
    for index, gradient in zip(indices, results):
        numerical = numerical_gradient(f, args, index, eps)
        values, expectations = _leaves(gradient), _leaves(numerical)
        if len(values) != len(expectations):
            problems.append(f"argument {index}: a gradient of {len(values)} arrays, "
                            f"expected {len(expectations)}")
        for value, expected in zip(values, expectations):
            if np.shape(value) != np.shape(expected):
                problems.append(f"argument {index}: gradient shape {np.shape(value)}, "
                                f"expected {np.shape(expected)}")
            elif not np.allclose(value, expected, rtol=rtol, atol=atol):
                problems.append(_report(index, np.asarray(value), np.asarray(expected)))
    if problems:
        name = getattr(f, "__name__", repr(f))
        raise GradientCheckError(f"gradient of '{name}' disagrees with finite differences:\n"
                                 + "\n".join(problems),
                                 hint="if you registered a custom derivative, check it; "
                                      "otherwise please report this as a bug in s2sad.")
    return computed


def _indices(f: Callable, wrt: Wrt) -> tuple:
    import inspect
    params = list(inspect.signature(f).parameters)
    items = (wrt,) if isinstance(wrt, (int, str)) else tuple(wrt)
    return tuple(params.index(i) if isinstance(i, str) else i % len(params) for i in items)


def _report(index: int, value: np.ndarray, expected: np.ndarray) -> str:
    error = np.abs(value - expected)
    worst = np.unravel_index(np.argmax(error), error.shape) if error.ndim else ()
    return (f"argument {index}: max abs error {error.max():.3g} at index {worst}: "
            f"s2sad {float(value[worst]):.10g}, finite differences "
            f"{float(expected[worst]):.10g}")
