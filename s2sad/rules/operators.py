"""Python's arithmetic operators (and their NumPy ufunc spellings).

Derivative conventions for the non-smooth ones:
- `x // y` is piecewise constant: its derivative is zero (it is registered as
  non-differentiable, so no adjoint code is emitted).
- `x % y` equals `x - y * floor(x / y)`: d/dx = 1, d/dy = -floor(x / y),
  everywhere except at the jumps.
- `x ** y` with respect to y is `x ** y * log(x)`, taken as 0 where x ** y is 0
  (x = 0 and y > 0).

Tangent templates see `0.0` for the tangent of an operand that carries none;
`like(t, z)` gives such a sum the result's (broadcast) shape and memory of its own.
"""
import operator

import numpy as np

from ..registry import adjoint, d, reads_shape_of, tangent
from ..primitives import COPY
from ..runtime import broadcast_like, copy_of, expand, is_foreign, unbroadcast


def like(t, z):
    """The tangent `t` with the shape of the result `z`, in memory of its own (the
    function may write into z, and forward mode then writes into its tangent); a
    container's tangent (a list's adjoint, in forward over reverse mode) as it is."""
    if isinstance(z, (list, tuple, dict)) or np.ndim(z) == 0:
        return t
    if is_foreign(t) or is_foreign(z):
        return broadcast_like(t, z, np.result_type(t)).copy()
    return np.array(np.broadcast_to(t, np.shape(z)))


reads_shape_of(like, 1)


def power_log(z, x):
    """z * log(x) for z = x ** y: the partial derivative of x ** y in y (0 where z is 0)."""
    if np.ndim(z) == 0:
        return 0.0 if z == 0 else z * np.log(x)
    safe = np.where(z == 0, 1.0, x)
    return np.where(z == 0, 0.0, z * np.log(safe))


def exponent_tangent(dy, z, x):
    """The tangent of x ** y along dy; 0.0 when y carries none (so log(x) is never taken)."""
    if type(dy) is float and dy == 0.0:
        return 0.0
    return dy * power_log(z, x)


@adjoint(COPY)
def copy(y, x):
    d[x] = d[y]


@tangent(COPY)
def copy_tangent(y, x):
    d[y] = d[x]


@adjoint(operator.pos, np.positive)
def positive(y, x):
    d[x] = d[y]


@tangent(operator.pos, np.positive)
def positive_tangent(y, x):
    d[y] = copy_of(expand(d[x], x))


@adjoint(operator.neg, np.negative)
def negative(y, x):
    d[x] = -d[y]


@tangent(operator.neg, np.negative)
def negative_tangent(y, x):
    d[y] = -d[x]


@adjoint(operator.add, np.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@tangent(operator.add, np.add)
def add_tangent(z, x, y):
    d[z] = like(d[x] + d[y], z)


@adjoint(operator.sub, np.subtract)
def subtract(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@tangent(operator.sub, np.subtract)
def subtract_tangent(z, x, y):
    d[z] = like(d[x] - d[y], z)


@adjoint(operator.mul, np.multiply)
def multiply(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(d[z] * x, y)


@tangent(operator.mul, np.multiply)
def multiply_tangent(z, x, y):
    d[z] = like(d[x] * y + x * d[y], z)


@adjoint(operator.truediv, np.divide, np.true_divide)
def divide(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-(d[z] / y) * z, y)


@tangent(operator.truediv, np.divide, np.true_divide)
def divide_tangent(z, x, y):
    d[z] = like((d[x] - z * d[y]) / y, z)


@adjoint(operator.pow, np.power, pow)
def power(z, x, y):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1), x)
    d[y] = unbroadcast(d[z] * power_log(z, x), y)


@tangent(operator.pow, np.power, pow)
def power_tangent(z, x, y):
    d[z] = like(d[x] * y * x ** (y - 1) + exponent_tangent(d[y], z, x), z)


@adjoint(operator.mod, np.mod, np.remainder)
def mod(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)


@tangent(operator.mod, np.mod, np.remainder)
def mod_tangent(z, x, y):
    d[z] = like(d[x] - d[y] * np.floor_divide(x, y), z)
