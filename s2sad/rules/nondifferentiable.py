"""Functions whose results carry no derivative: they pass through untouched.

They return shapes, sizes, indices, booleans, integers, random draws or fresh
constant arrays, or are piecewise constant (floor, round, sign, comparisons),
so their derivative is zero wherever it exists.
"""
import math
import operator

import numpy as np

from ..registry import nondifferentiable

# operators on booleans, integers and identities
nondifferentiable(
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.is_, operator.is_not, operator.contains, operator.invert,
    operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift,
    operator.floordiv, operator.index,
)

# Python builtins
nondifferentiable(
    len, range, slice, int, round, bool, isinstance, print, type, hash, id,
    str, repr, ascii, format,  # text: f-strings are made of them
)

# shapes and types of arrays
nondifferentiable(
    np.ndarray.shape, np.ndarray.ndim, np.ndarray.size, np.ndarray.dtype,
    np.shape, np.ndim, np.size, np.result_type, np.issubdtype, np.isscalar,
)

# indices, orderings and searches
nondifferentiable(
    np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort, np.ndarray.nonzero,
    np.argmax, np.argmin, np.argsort, np.nanargmax, np.nanargmin,
    np.nonzero, np.flatnonzero, np.argwhere, np.searchsorted, np.digitize,
    np.indices, np.diag_indices, np.triu_indices, np.tril_indices, np.count_nonzero,
    np.diag_indices_from, np.triu_indices_from, np.tril_indices_from, np.unravel_index,
    np.ravel_multi_index, np.mask_indices,
)

# piecewise-constant functions
nondifferentiable(
    np.sign, np.signbit, np.heaviside, np.floor, np.ceil, np.trunc, np.fix,
    np.round, np.around, np.rint, np.floor_divide,
    math.floor, math.ceil, math.trunc,
)

# comparisons and logic
nondifferentiable(
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.isclose, np.allclose, np.array_equal, np.all, np.any, np.ndarray.all, np.ndarray.any,
    np.isnan, np.isinf, np.isfinite, np.isreal, np.iscomplex,
    math.isnan, math.isinf, math.isfinite, math.isclose,
)

# integer arithmetic
nondifferentiable(
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift, np.right_shift,
    np.gcd, np.lcm, math.gcd, math.lcm, math.factorial, math.comb, math.perm,
)

# new arrays that do not depend on values (np.full, np.linspace, np.arange, which
# take values, are in constructors.py)
nondifferentiable(
    np.zeros, np.ones, np.empty, np.eye, np.identity, np.tri,
    np.zeros_like, np.ones_like, np.empty_like,
)

# random draws with no parameter but a shape, or of integers (piecewise constant
# in their parameters); draws with continuous parameters: random_draws.py
nondifferentiable(
    np.random.rand, np.random.randn, np.random.random, np.random.random_sample,
    np.random.standard_normal, np.random.randint, np.random.binomial, np.random.poisson,
    np.random.seed, np.random.default_rng,
    *(getattr(kind, name) for kind in (np.random.RandomState, np.random.Generator)
      for name in ("random", "standard_normal", "binomial", "poisson", "integers", "randint",
                   "rand", "randn") if hasattr(kind, name)),
)
