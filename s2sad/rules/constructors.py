"""New arrays whose entries are values the caller passes: np.full, np.full_like,
np.linspace and np.arange.

Their other arguments (shapes, counts, flags) carry no derivative. An integer
result (dtype=int, or full_like of an integer array) has a zero derivative,
as a conversion to an integer type has.
"""
import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand, unbroadcast


def is_inexact(y) -> bool:
    """Whether the array made has a floating or complex dtype (entries that vary)."""
    return np.issubdtype(np.result_type(y), np.inexact)


def fill_adjoint(g, y, fill_value):
    """The adjoint of the value that np.full (or full_like) copied into every entry."""
    return unbroadcast(g, fill_value) if is_inexact(y) else 0.0


def fill_tangent(t, y):
    """The tangent of np.full's result: the value's tangent in every entry."""
    return expand(t, y) if is_inexact(y) else np.zeros(np.shape(y))


def stop_weights(y, num, endpoint, retstep, axis):
    """w with linspace(start, stop) = start * (1 - w) + stop * w, shaped to broadcast
    against the result along `axis`; zero for an integer result."""
    if retstep:
        raise NonDifferentiableError(
            "s2sad cannot differentiate np.linspace(..., retstep=True)",
            running_derivative_line(),
            hint="compute the step yourself: step = (stop - start) / (num - 1).")
    shape = [1] * np.ndim(y)
    shape[axis] = num
    if not is_inexact(y):
        return np.zeros(shape)
    return np.linspace(0.0, 1.0, num, endpoint=endpoint, dtype=np.result_type(y)).reshape(shape)


nondifferentiable(stop_weights)  # of y's shape and dtype only


def summed_along(g, x, axis):
    """The adjoint of `x`, which linspace laid out along `axis` of the result."""
    return unbroadcast(np.sum(g, axis=axis), x)


def laid_out(t, y, axis):
    """A tangent of linspace's start or stop where the result `y` holds it: broadcast
    to the other axes of y, with a new `axis`."""
    others = list(np.shape(y))
    del others[axis]
    return np.expand_dims(np.broadcast_to(t, others), axis)


def arange_start_adjoint(g, y, stop):
    """np.arange(start, stop, step) = start + i * step; a lone argument is the stop,
    which only decides the length."""
    if stop is None or not is_inexact(y):
        return 0.0
    return np.sum(g)


def arange_step_adjoint(g, y):
    return np.sum(g * np.arange(np.size(y))) if is_inexact(y) else 0.0


def arange_tangent(dstart, dstep, y, stop):
    if stop is None or not is_inexact(y):
        return np.zeros(np.shape(y))
    return dstart + dstep * np.arange(np.size(y))


@adjoint(np.full)
def full(y, shape, fill_value, dtype=None, order="C", device=None, like=None):
    d[fill_value] = fill_adjoint(d[y], y, fill_value)


@tangent(np.full)
def full_tangent(y, shape, fill_value, dtype=None, order="C", device=None, like=None):
    d[y] = fill_tangent(d[fill_value], y)


@adjoint(np.full_like)
def full_like(y, a, fill_value, dtype=None, order="K", subok=True, shape=None, device=None):
    d[fill_value] = fill_adjoint(d[y], y, fill_value)


@tangent(np.full_like)
def full_like_tangent(y, a, fill_value, dtype=None, order="K", subok=True, shape=None,
                      device=None):
    d[y] = fill_tangent(d[fill_value], y)


@adjoint(np.linspace)
def linspace(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
             device=None):
    w = stop_weights(y, num, endpoint, retstep, axis)
    d[start] = summed_along(d[y] * (1.0 - w), start, axis)
    d[stop] = summed_along(d[y] * w, stop, axis)


@tangent(np.linspace)
def linspace_tangent(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0, device=None):
    w = stop_weights(y, num, endpoint, retstep, axis)
    d[y] = laid_out(d[start], y, axis) * (1.0 - w) + laid_out(d[stop], y, axis) * w


@adjoint(np.arange)
def arange(y, start, stop=None, step=None, dtype=None, device=None, like=None):
    d[start] = arange_start_adjoint(d[y], y, stop)
    d[step] = arange_step_adjoint(d[y], y)


@tangent(np.arange)
def arange_tangent_(y, start, stop=None, step=None, dtype=None, device=None, like=None):
    d[y] = arange_tangent(d[start], d[step], y, stop)
