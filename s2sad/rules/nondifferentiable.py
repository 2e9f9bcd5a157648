"""Functions whose results carry no derivative: they pass through untouched."""
import math
import operator

import numpy as np

from ..registry import nondifferentiable

nondifferentiable(
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.is_, operator.is_not, operator.contains, operator.invert,
    operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift,
    np.ndarray.shape, np.ndarray.ndim, np.ndarray.size, np.ndarray.dtype,
    np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort,
    len, range, int, round, bool, isinstance, print, enumerate, zip,
    operator.floordiv, np.floor_divide,
    np.shape, np.ndim, np.size,
    np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.linspace,
    np.zeros_like, np.ones_like, np.empty_like,
    np.argmax, np.argmin, np.argsort, np.sign, np.floor, np.ceil, np.round, np.rint,
    np.isnan, np.isinf, np.isfinite,
    math.floor, math.ceil, math.isnan, math.isinf, math.isfinite,
)
