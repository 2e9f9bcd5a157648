"""Reading entries: `x[index]` for any NumPy index.

The index arrives as an ordinary expression: integers, slices (as slice(a, b, c)),
Ellipsis, None, tuples of these, integer arrays or lists (fancy indexing) and
boolean masks. The adjoint scatters the result's adjoint back with np.add.at,
which adds up the contributions of entries read more than once (x[[0, 0]]).

On another library's arrays (Dask, CuPy), which have no np.add.at, the adjoint
writes g into zeros (`out[index] = g`): right for every index that names each
entry once. Rows that one integer index reads twice are summed first; other
indices that may read an entry twice are refused.

Indexing a tuple or list (the result of np.linalg.slogdet, np.split, or tuple
unpacking `a, b = t`) gives the container an adjoint list (runtime.AdjointList)
with one adjoint per item, zero for the items not read; indexing a dict gives an
adjoint dict (runtime.AdjointDict). Both add up item by item, so reading several
items accumulates correctly.
"""
import operator

import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, reads_shape_of, tangent
from ..runtime import (AdjointDict, expand, gradient_dtype, is_foreign, may_repeat, numpy_only,
                       zeros_like)


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
    if is_foreign(g) or is_foreign(x):
        return written_at(g, x, index)
    out = np.zeros(np.shape(x), gradient_dtype(g, x))
    np.add.at(out, index, g)
    return out


reads_shape_of(scatter, 1)


def written_at(g, x, index):
    """scatter for another library's arrays, which have no np.add.at: g written into
    zeros of x's shape and library (rows that one integer index reads twice are
    summed first)."""
    dtype = gradient_dtype(g, x)
    out = np.zeros_like(x, dtype=dtype) if is_foreign(x) else np.zeros(np.shape(x), dtype, like=g)
    if may_repeat(index):
        index, g = rows_summed(index, g, np.shape(x))
    index, g = without_new_axes(index, g, np.ndim(x))
    out[index] = g
    return out


def rows_summed(index, g, shape):
    """For an index whose first part is a list or 1-d array of integers (rows of x)
    and whose other parts are basic (slices, integers): its distinct rows, and g
    summed over the places that read each. Other indices that may read an entry
    twice are refused."""
    rows, *rest = index if isinstance(index, tuple) else (index,)
    if np.ndim(rows) != 1 or may_repeat(tuple(rest)):
        raise NonDifferentiableError(
            f"s2sad cannot differentiate this indexing of a {type(g).__name__}: an integer "
            f"index other than one for the rows (the first axis) may read an entry twice, "
            f"and summing those needs np.add.at, which that library does not implement",
            running_derivative_line(),
            hint="index the rows with one 1-d integer array (transpose first), or use "
                 "slices, integers or a boolean mask.")
    distinct, inverse = np.unique(np.mod(rows, shape[0]), return_inverse=True)
    if len(distinct) == len(rows):
        return index, g
    reads = np.asarray(inverse[None, :] == np.arange(len(distinct))[:, None], g.dtype, like=g)
    return (distinct, *rest), np.tensordot(reads, g, axes=1)  # the sum of g over each row's reads


def without_new_axes(index, g, ndim):
    """A basic index without its `None`s, and g without the unit axes they added
    (Dask does not accept None in an index it writes through)."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(part is None for part in parts) or \
            not all(part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice))
                    for part in parts):
        return index, g
    consumed = sum(isinstance(part, (int, np.integer, slice)) for part in parts)
    new_axes, position = [], 0
    for part in parts:
        if part is None:
            new_axes.append(position)
        if part is Ellipsis:
            position += ndim - consumed
        elif not isinstance(part, (int, np.integer)):  # a slice or None: one axis
            position += 1
    if Ellipsis not in parts:
        position += ndim - consumed
    if np.ndim(g) == position:
        g = np.squeeze(g, axis=tuple(new_axes))
    return tuple(part for part in parts if part is not None), g


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


def item_position(x, index):
    """Where `x.item(index)` reads: a flat position, or an index per axis."""
    if index is None:
        if np.size(x) != 1:
            raise NonDifferentiableError(
                f"x.item() of an array of {np.size(x)} entries raises in NumPy",
                running_derivative_line(), hint="pass the entry's position: x.item(i).")
        return (0,) * np.ndim(x)
    return np.unravel_index(index, np.shape(x)) if np.ndim(index) == 0 else tuple(index)


nondifferentiable(item_position)  # a position: no derivative


@adjoint(np.ndarray.item)
def item(y, x, index=None):
    d[x] = scatter(d[y], x, item_position(x, index))


@tangent(np.ndarray.item)
def item_tangent(y, x, index=None):
    d[y] = float(gather(d[x], x, item_position(x, index)))


# scatter is linear in g, and its transpose is gather: these rules make the
# generated code of indexing differentiable again (second derivatives).

@adjoint(scatter)
def scatter_adjoint(y, g, x, index):
    d[g] = gather(d[y], x, index)


@tangent(scatter)
def scatter_tangent(y, g, x, index):
    d[y] = scatter(d[g], x, index)


@tangent(gather)  # linear in h; x gives only its kind and shape
def gather_tangent(y, h, x, index):
    d[y] = gather(d[h], x, index)


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
    numpy_only("np.take", g, a)
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


@tangent(untake)  # linear in g; a gives only its shape (second derivatives)
def untake_tangent(y, g, a, indices, axis, mode):
    d[y] = untake(expand(d[g], g), a, indices, axis, mode)


@tangent(np.take)
def take_tangent(y, a, indices, axis=None, out=None, mode="raise"):
    d[y] = np.take(expand(d[a], a), indices, axis=axis, mode=mode)


def along_axis_index(arr, indices, axis):
    """The fancy index that np.take_along_axis(arr, indices, axis) reads with: `indices`
    on `axis`, an aligned arange on every other axis (of the flat arr for axis=None)."""
    if axis is None:
        return (np.asarray(indices),)
    indices = np.asarray(indices)
    axis = axis % indices.ndim
    index = []
    for i, n in enumerate(indices.shape):
        if i == axis:
            index.append(indices)
        else:
            shape = [1] * indices.ndim
            shape[i] = np.shape(arr)[i] if n == 1 else n
            index.append(np.reshape(np.arange(shape[i]), shape))
    return tuple(index)


def untake_along_axis(g, arr, indices, axis):
    """Adjoint of np.take_along_axis: g added back where each entry was read."""
    numpy_only("np.take_along_axis", g, arr)
    out = np.zeros(np.size(arr) if axis is None else np.shape(arr), gradient_dtype(g, arr))
    index = along_axis_index(arr, indices, axis)
    np.add.at(out, index, np.broadcast_to(g, np.broadcast_shapes(*(i.shape for i in index))))
    return np.reshape(out, np.shape(arr))


@adjoint(np.take_along_axis)
def take_along_axis(y, arr, indices, axis=-1):
    d[arr] = untake_along_axis(d[y], arr, indices, axis)


@tangent(untake_along_axis)  # linear in g; arr gives only its shape (second derivatives)
def untake_along_axis_tangent(y, g, arr, indices, axis):
    d[y] = untake_along_axis(expand(d[g], g), arr, indices, axis)


@tangent(np.take_along_axis)
def take_along_axis_tangent(y, arr, indices, axis=-1):
    d[y] = np.take_along_axis(expand(d[arr], arr), indices, axis)


def added_at(a, indices, values):
    """What np.add.at(a, indices, values) leaves in a, as a new array (entries an
    index names twice add up); s2sad spells that call `a[...] = added_at(...)`."""
    numpy_only("np.add.at", a, values)
    out = np.array(a, dtype=np.result_type(a, values))
    np.add.at(out, indices, values)
    return out


def diagonal_entries(a) -> tuple:
    """The index of the entries np.fill_diagonal(a, v) writes (without wrap): the
    first min(a.shape) entries with all indices equal; s2sad spells that call
    `a[diagonal_entries(a)] = v`."""
    return (np.arange(min(np.shape(a))),) * np.ndim(a)


nondifferentiable(diagonal_entries)


# np.put, np.putmask and np.place write values taken from a flat `v` into a's flat
# entries, v repeated as often as needed. s2sad spells each call
# `a[<entries>(...)] = np.ravel(v)[<sources>(...)]`: a's entries, in a's logical
# (C) order, and the positions in v of the values they get. A value read twice
# (v shorter than the entries) is a gather, whose adjoint adds up; an entry
# written twice (np.put(a, [0, 0], v)) keeps the last value, as NumPy's does.


def _writable_array(a, function: str) -> None:
    """Raise as NumPy does on what is not an array; refuse a 0-d array, which has
    no index array can name."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{function}: first argument must be a numpy.ndarray, not "
                        f"{type(a).__name__}")
    if a.ndim == 0:
        raise NonDifferentiableError(
            f"s2sad follows {function} into arrays of one dimension or more, not a 0-d "
            "array", running_derivative_line(),
            hint="write `a[...] = v` instead.")


def _entries(a, positions) -> tuple:
    """The index of a's entries at these flat positions."""
    return np.unravel_index(positions, np.shape(a))


def put_entries(a, ind, v) -> tuple:
    """The index of the entries np.put(a, ind, v) (mode='raise') writes: the flat
    positions ind names (negative ones from the end; out of bounds raise
    IndexError); none when v is empty, which NumPy takes for nothing to write."""
    _writable_array(a, "np.put")
    ind = np.ravel(ind)
    if ind.dtype == bool or ind.size == 0:  # NumPy casts these to integers
        ind = ind.astype(np.intp)
    positions = np.arange(a.size)[ind]
    return _entries(a, positions[:0] if np.size(v) == 0 else positions)


def put_sources(ind, v):
    """The positions in np.ravel(v) of the values np.put(a, ind, v) writes: v
    repeated, or cut short, to one value for each index."""
    count = np.size(ind) if np.size(v) else 0
    return np.arange(count) % max(np.size(v), 1)


def masked_entries(a, mask, values, function: str) -> tuple:
    """The index of the entries np.putmask or np.place writes: where mask (of a's
    size, taken flat) is true; none when values is empty (np.putmask writes
    nothing then, np.place raises where its sources are taken)."""
    _writable_array(a, function)
    if np.size(mask) != a.size:
        raise ValueError(f"{function}: mask and data must be the same size")
    positions = np.flatnonzero(mask)
    return _entries(a, positions[:0] if np.size(values) == 0 else positions)


def putmask_sources(mask, values):
    """The positions in np.ravel(values) of the values np.putmask(a, mask, values)
    writes: the entry's own flat position, values repeated to a's size."""
    positions = np.flatnonzero(mask)
    if np.size(values) == 0:
        return positions[:0]
    return positions % np.size(values)


def place_sources(mask, vals):
    """The positions in np.ravel(vals) of the values np.place(arr, mask, vals)
    writes: vals in order, repeated as often as needed."""
    count = np.count_nonzero(mask)
    if count and np.size(vals) == 0:
        raise ValueError("Cannot insert from an empty array!")
    return np.arange(count) % max(np.size(vals), 1)


nondifferentiable(put_entries, put_sources, masked_entries, putmask_sources, place_sources)


@adjoint(added_at)
def added_at_adjoint(y, a, indices, values):
    d[a] = d[y]
    d[values] = unbroadcast(gather(d[y], y, indices), values)


def added_tangents(ta, a, indices, tv):
    """The tangent of added_at, linear in a and values: their tangents added so (a
    number for ta or tv stands for zeros)."""
    return added_at(expand(ta, a), indices, tv)


@tangent(added_at)
def added_at_tangent(y, a, indices, values):
    d[y] = added_tangents(d[a], a, indices, d[values])
