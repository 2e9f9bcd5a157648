"""Reading entries: `x[index]` for any NumPy index.

The index arrives as an ordinary expression: integers, slices (as slice(a, b, c)),
Ellipsis, None, tuples of these, integer arrays or lists (fancy indexing) and
boolean masks. The adjoint scatters the result's adjoint back with np.add.at,
which adds up the contributions of entries read more than once (x[[0, 0]]).

Indexing a tuple or list (the result of np.linalg.slogdet, np.split, or tuple
unpacking `a, b = t`) gives the container an adjoint list (runtime.AdjointList)
with one adjoint per item, zero for the items not read; indexing a dict gives an
adjoint dict (runtime.AdjointDict). Both add up item by item, so reading several
items accumulates correctly.
"""
import operator

import numpy as np

from ..registry import adjoint, d, tangent
from ..runtime import AdjointDict, expand, gradient_dtype, zeros_like


def item_adjoints(g, items, index):
    """The adjoint of a tuple, list or dict when only items[index] was read."""
    if isinstance(items, dict):
        return AdjointDict({index: g})
    out = zeros_like(items)
    out[index] = out[index] + g
    return out


def scatter(g, x, index):
    """The adjoint of x from the adjoint g of x[index]."""
    if isinstance(x, (tuple, list, dict)):
        return item_adjoints(g, x, index)
    out = np.zeros(np.shape(x), gradient_dtype(g, x))
    np.add.at(out, index, g)
    return out


def gather(h, x, index):
    """h[index] for a derivative h of x (0.0 for an item that h does not hold)."""
    if isinstance(x, dict):
        return h.get(index, 0.0) if isinstance(h, dict) else 0.0
    if isinstance(x, (tuple, list)):
        return h[index] if isinstance(h, (tuple, list, np.ndarray)) else 0.0
    return expand(h, x)[index]


@adjoint(operator.getitem)
def getitem(y, x, index):
    d[x] = scatter(d[y], x, index)


@tangent(operator.getitem)
def getitem_tangent(y, x, index):
    d[y] = gather(d[x], x, index)


# scatter is linear in g, and its transpose is gather: these rules make the
# generated code of indexing differentiable again (second derivatives).

@adjoint(scatter)
def scatter_adjoint(y, g, x, index):
    d[g] = gather(d[y], x, index)


@tangent(scatter)
def scatter_tangent(y, g, x, index):
    d[y] = scatter(d[g], x, index)


def take_indices(indices, a, axis, mode):
    """np.take's indices as plain (possibly negative) positions: 'wrap' and 'clip' applied."""
    n = np.size(a) if axis is None else np.shape(a)[axis]
    if mode == "wrap":
        return np.mod(indices, n)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


def untake(g, a, indices, axis, mode):
    """Adjoint of np.take: g added back at the positions taken (repeats add up)."""
    indices = np.asarray(take_indices(indices, a, axis, mode))
    if axis is None:
        out = np.zeros(np.size(a))
        np.add.at(out, indices, g)
        return np.reshape(out, np.shape(a))
    axis = axis % np.ndim(a)
    out = np.zeros(np.shape(np.moveaxis(np.asarray(a), axis, 0)))
    taken = list(range(axis, axis + indices.ndim))
    np.add.at(out, indices, np.moveaxis(g, taken, list(range(indices.ndim))))
    return np.moveaxis(out, 0, axis)


@adjoint(np.take)
def take(y, a, indices, axis=None, out=None, mode="raise"):
    d[a] = untake(d[y], a, indices, axis, mode)


@tangent(np.take)
def take_tangent(y, a, indices, axis=None, out=None, mode="raise"):
    d[y] = np.take(expand(d[a], a), indices, axis=axis, mode=mode)
