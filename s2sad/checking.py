"""Compare s2sad's gradients with central finite differences."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .api import Wrt, grad
from .errors import GradientCheckError


def numerical_gradient(f: Callable, args: tuple, index: int, eps: float = 1e-6):
    """Central finite-difference gradient of scalar `f` in argument `index`."""
    args = list(args)
    x = np.asarray(args[index], dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        bumped = []
        for step in (eps, -eps):
            y = x.copy()
            y[i] += step
            args[index] = y if x.ndim else float(y)
            bumped.append(float(f(*args)))
        g[i] = (bumped[0] - bumped[1]) / (2 * eps)
    return g if x.ndim else float(g)


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
    for index, value in zip(indices, results):
        expected = numerical_gradient(f, args, index, eps)
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
