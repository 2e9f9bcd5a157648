"""Float-only stand-ins for s2sad's runtime helpers, for code compiled by numba.

The float version of a derivative may still call a shape helper on a local
variable it cannot prove scalar (`unbroadcast(bs, s)`). On floats each helper
is the identity, a check that passes, or 0.0; numba compiles these stand-ins
only for numbers. A call with anything else (an array, a list) matches no
implementation, so numba's typing fails and s2sad runs the Python version:
compiled code never sees a value the stand-in would treat wrongly.

The generated module imports them by name (see s2sad/backends/numba.py, which
also drops the arguments numba cannot type, such as the user's function passed
to `assert_scalar` for its error message).
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload


def _numbers(*types_) -> bool:
    return all(isinstance(t, types.Number) for t in types_)


def floats_only(*values):
    """Compiles only for numbers: the first line of every compiled float version,
    so that a helper's float version never runs on an array a caller passes it."""


def unbroadcast(g, x):
    """`g`: a float needs no summing."""


def expand(t, x):
    """`t`: a float tangent has its variable's shape."""


def like(t, z):
    """`t`: a float tangent has the result's shape."""


def assert_scalar(value):
    """`value`: a float is a scalar."""


def assert_seed(seed, value):
    """`seed`: a float seed fits a float output."""


def zeros_like(x):
    """0.0, the zero gradient of a float."""


def zero_gradient(x):
    """0.0 for a float parameter no derivative reaches (an int goes to Python,
    which says why its gradient is refused)."""


def shape_of(x):
    """`x`: the shape of a float is only passed on to `unbroadcast`."""


def copy_of(value):
    """`value`: a float needs no copy."""


def abs_slope(x):
    """sign(x) of a real number (NaN for NaN, as np.sign)."""


def power_log(z, x):
    """z * log(x), 0 where z is 0."""


@overload(floats_only)
def _floats_only(*values):
    if len(values) == 1 and isinstance(values[0], types.BaseTuple):  # numba packs *values
        values = values[0].types
    if _numbers(*values):
        return lambda *values: None


@overload(unbroadcast)
def _unbroadcast(g, x):
    if _numbers(g, x):
        return lambda g, x: g


@overload(expand)
def _expand(t, x):
    if _numbers(t, x):
        return lambda t, x: t


@overload(like)
def _like(t, z):
    if _numbers(t, z):
        return lambda t, z: t


@overload(assert_scalar)
def _assert_scalar(value):
    if _numbers(value):
        return lambda value: value


@overload(assert_seed)
def _assert_seed(seed, value):
    if _numbers(seed, value):
        return lambda seed, value: seed


@overload(zeros_like)
def _zeros_like(x):
    if _numbers(x):
        return lambda x: 0.0


@overload(zero_gradient)
def _zero_gradient(x):
    if isinstance(x, types.Float):
        return lambda x: 0.0


@overload(shape_of)
def _shape_of(x):
    if _numbers(x):
        return lambda x: x


@overload(copy_of)
def _copy_of(value):
    if _numbers(value):
        return lambda value: value


# the array versions return a number on one branch and a 0-d array on another,
# which numba cannot unify
@overload(abs_slope)
def _abs_slope(x):
    if isinstance(x, types.Float):
        return lambda x: x if x != x else (1.0 if x > 0 else (-1.0 if x < 0 else 0.0))


@overload(power_log)
def _power_log(z, x):
    if _numbers(z, x):
        return lambda z, x: 0.0 if z == 0 else z * np.log(x)


# name in s2sad.runtime (or a rules module) -> how many leading arguments the
# stand-in keeps (the others are a function or a name, for error messages)
STAND_INS = {"floats_only": None, "unbroadcast": 2, "expand": 2, "like": 2,
             "assert_scalar": 1, "assert_seed": 2, "zeros_like": 1, "zero_gradient": 1,
             "shape_of": 1, "copy_of": 1, "abs_slope": 1, "power_log": 2}
