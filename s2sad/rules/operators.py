"""Python's arithmetic operators (and their NumPy ufunc spellings).

Derivative conventions for the non-smooth ones:
- `x // y` is piecewise constant: its derivative is zero (it is registered as
  non-differentiable, so no adjoint code is emitted).
- `x % y` equals `x - y * floor(x / y)`: d/dx = 1, d/dy = -floor(x / y),
  everywhere except at the jumps.
"""
import operator

import numpy as np

from ..registry import adjoint, d
from ..primitives import COPY
from ..runtime import unbroadcast


@adjoint(COPY)
def copy(y, x):
    d[x] = d[y]


@adjoint(operator.pos, np.positive)
def positive(y, x):
    d[x] = d[y]


@adjoint(operator.neg, np.negative)
def negative(y, x):
    d[x] = -d[y]


@adjoint(operator.add, np.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@adjoint(operator.sub, np.subtract)
def subtract(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@adjoint(operator.mul, np.multiply)
def multiply(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(d[z] * x, y)


@adjoint(operator.truediv, np.divide, np.true_divide)
def divide(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@adjoint(operator.pow, np.power, pow)
def power(z, x, y):
    d[x] = unbroadcast(d[z] * y * x ** (y - 1), x)
    d[y] = unbroadcast(d[z] * z * np.log(x), y)


@adjoint(operator.mod, np.mod, np.remainder)
def mod(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)
