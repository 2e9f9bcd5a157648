"""Reductions: the adjoint spreads the result's adjoint back over the input."""
import numpy as np

from ..registry import adjoint, d
from ..runtime import unbroadcast


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast `g`, the adjoint of a reduction of x over `axis`, to x's shape."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x))


@adjoint(np.sum)
def sum_(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(unbroadcast(d[y], y), a, axis, keepdims)
