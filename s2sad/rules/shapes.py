"""Functions that move entries around without changing them.

Each adjoint puts every entry of the result's adjoint back where it came from
(summing where an entry was copied several times: broadcast_to, tile, repeat,
pad, meshgrid); each tangent applies the same function to the tangent.
np.append and np.insert give each of their two array arguments the adjoint of
the entries it filled.

Functions that take a sequence of arrays (concatenate, stack, hstack, vstack)
return the adjoint of that sequence in its own form: an array when the
sequence is an array, a list of per-array adjoints (runtime.AdjointList, which
adds up item by item) otherwise. np.split returns a list; its adjoint accepts
the list's adjoint as an array or as the list of adjoints built by indexing
rules (rules/indexing.py).
"""
import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, reads_shape_of, tangent
from ..runtime import (AdjointList, as_array, copy_of, expand, gradient_dtype, list_adjoint,
                       numpy_only, unbroadcast)


def ravel_order(a, order):
    """The order in which np.ravel(a, order) reads a: 'C' or 'F'."""
    if order == "F" or order in ("A", "K") and np.isfortran(a):
        return "F"
    return "C"


def inverse_permutation(axes, a):
    """The axes that undo np.transpose(a, axes)."""
    return None if axes is None else np.argsort([ax % np.ndim(a) for ax in axes])


def untile(g, a, reps):
    """Adjoint of np.tile: the sum of the adjoints of all copies."""
    reps = tuple(np.atleast_1d(reps))
    n = max(len(reps), np.ndim(a))
    shape = (1,) * (n - np.ndim(a)) + np.shape(a)
    reps = (1,) * (n - len(reps)) + reps
    blocks = np.reshape(g, [k for pair in zip(reps, shape) for k in pair])
    return np.reshape(np.sum(blocks, axis=tuple(range(0, 2 * n, 2))), np.shape(a))


def unrepeat(g, a, repeats, axis):
    """Adjoint of np.repeat: each entry collects the adjoints of its repetitions."""
    numpy_only("np.repeat", g, a)
    if axis is None:
        out = np.zeros(np.size(a), gradient_dtype(g, a))
        np.add.at(out, np.repeat(np.arange(np.size(a)), repeats), np.ravel(g))
        return np.reshape(out, np.shape(a))
    out = np.zeros(np.shape(np.moveaxis(np.asarray(a), axis, 0)), gradient_dtype(g, a))
    np.add.at(out, np.repeat(np.arange(len(out)), repeats), np.moveaxis(g, axis, 0))
    return np.moveaxis(out, 0, axis)


def sort_order(a, axis):
    """Where each entry of np.sort(a, axis) comes from (along axis; of the flat a for
    axis=None). Ties keep their order: the derivative follows the permutation."""
    return np.argsort(np.ravel(a) if axis is None else a, axis=-1 if axis is None else axis,
                      kind="stable")


def unsort(g, a, axis):
    """Adjoint of np.sort: each entry of g back to the place its value came from."""
    numpy_only("np.sort", g, a)
    order = sort_order(a, axis)
    if axis is None:
        out = np.zeros(np.size(a))
        out[order] = g
        return np.reshape(out, np.shape(a))
    out = np.zeros(np.shape(a))
    np.put_along_axis(out, order, g, axis)
    return out


def sorted_like(t, a, axis):
    """The tangent of np.sort(a, axis): the tangent permuted as a is."""
    order = sort_order(a, axis)
    t = expand(t, a)
    return np.ravel(t)[order] if axis is None else np.take_along_axis(t, order, axis)


def pad_sources(array, pad_width, mode):
    """For each entry of np.pad(array, ...), the flat index of the entry it copies (-1: a constant)."""
    index = np.reshape(np.arange(np.size(array)), np.shape(array))
    if mode == "constant":
        return np.pad(index, pad_width, mode="constant", constant_values=-1)
    if mode in ("edge", "reflect", "symmetric", "wrap"):
        return np.pad(index, pad_width, mode=mode)
    raise NonDifferentiableError(
        f"s2sad differentiates np.pad with mode 'constant', 'edge', 'reflect', "
        f"'symmetric' or 'wrap', not {mode!r}", running_derivative_line(),
        hint="build the padding from slices and np.concatenate.")


def unpad(g, array, pad_width, mode):
    """Adjoint of np.pad: each padded entry sends its adjoint to the entry it copies."""
    numpy_only("np.pad", g, array)
    sources = pad_sources(array, pad_width, mode)
    copied = sources >= 0
    out = np.zeros(np.size(array), gradient_dtype(g, array))
    np.add.at(out, sources[copied], g[copied])
    return np.reshape(out, np.shape(array))


def check_scalar_pad_value(constant_values):
    if np.ndim(constant_values) != 0:
        raise NonDifferentiableError(
            "s2sad differentiates np.pad's constant_values only when it is a single number",
            running_derivative_line(),
            hint="pad with one number, or build the padding with np.full and np.concatenate.")


def pad_value_adjoint(g, array, pad_width, mode, constant_values):
    """Adjoint of a scalar constant_values: the sum of g over the padding."""
    check_scalar_pad_value(constant_values)
    return np.sum(g[pad_sources(array, pad_width, mode) < 0])


def pad_tangent(t, array, pad_width, mode, t_value):
    """np.pad of the tangent; the padding of mode 'constant' carries the value's tangent."""
    t = expand(t, array)
    if mode == "constant":
        return np.pad(t, pad_width, mode="constant", constant_values=t_value)
    return np.pad(t, pad_width, mode=mode)


def in_form_of(pieces, arrays):
    """Per-array adjoints, as an array if `arrays` was one, else as an AdjointList
    (which adds item by item where the list's adjoint accumulates)."""
    if isinstance(arrays, np.ndarray):
        return np.reshape(np.stack(pieces), np.shape(arrays))
    return AdjointList(pieces)


def unconcatenate(g, arrays, axis, at_least=None):
    """Adjoint of concatenating `arrays` (each made `at_least`-dimensional, as_array
    by default) along axis."""
    at_least = at_least or as_array
    if axis is None:
        g, axis, at_least = np.ravel(g), 0, np.ravel
    sizes = [np.shape(at_least(x))[axis] for x in arrays]
    pieces = cut(g, sizes, axis)
    return in_form_of([np.reshape(p, np.shape(x)) for p, x in zip(pieces, arrays)], arrays)


def cut(g, sizes, axis):
    """g cut along `axis` into consecutive pieces of the given sizes: np.split by
    slicing, which every array library has (Dask has no np.split)."""
    ends = np.cumsum(sizes)
    before = (slice(None),) * (axis % np.ndim(g))
    return [g[before + (slice(end - size, end),)] for size, end in zip(sizes, ends)]


def hstack_axis(arrays):
    """np.hstack joins 1-d arrays along axis 0, others along axis 1."""
    return 0 if np.ndim(arrays[0]) <= 1 else 1


def as_column(x):
    """How np.column_stack sees x: a 1-d (or 0-d) array as one column."""
    x = as_array(x)
    return np.reshape(x, (-1, 1)) if x.ndim < 2 else x


def unappend(g, arr, values, axis, which):
    """Adjoint of np.append(arr, values, axis) for arr (which=0) or values (which=1)."""
    pair = [arr, values]
    if axis is None:
        g, axis, pair = np.ravel(g), 0, [np.ravel(arr), np.ravel(values)]
    pieces = cut(g, [np.shape(x)[axis] for x in pair], axis)
    return np.reshape(pieces[which], np.shape([arr, values][which]))


def appended_tangent(t_arr, arr, t_values, values, axis):
    """np.append of the tangents, each given its variable's shape (an inactive 0.0 too)."""
    return np.append(expand(t_arr, arr), expand(t_values, values), axis)


def meshgrid_axis(k, count, indexing):
    """The axis along which np.meshgrid lays out its k-th input ('xy' swaps the first two)."""
    if indexing == "xy" and count >= 2 and k < 2:
        return 1 - k
    return k


def check_meshgrid(arrays, copy, sparse):
    """Refuses what np.meshgrid's rules do not cover (a seventh input lands in the
    template's `copy`, which NumPy takes by keyword only)."""
    if not isinstance(copy, (bool, np.bool_)):
        raise NonDifferentiableError(
            "s2sad differentiates np.meshgrid of up to six arrays", running_derivative_line(),
            hint="broadcast the inputs yourself: x[:, None, ...], y[None, :, ...].")
    arrays = [x for x in arrays if x is not None]
    if any(np.ndim(x) != 1 for x in arrays) or sparse:
        raise NonDifferentiableError(
            "s2sad differentiates np.meshgrid of 1-d arrays with sparse=False, not of arrays "
            f"of shapes {[np.shape(x) for x in arrays]} with sparse={sparse!r}",
            running_derivative_line(),
            hint="ravel the inputs first, or broadcast them yourself (x[None, :], y[:, None]).")


def unmeshgrid(g, which, arrays, indexing):
    """Adjoint of input `which` of np.meshgrid: its grid's adjoint summed over the other
    axes (a grid without an adjoint counts as 0)."""
    arrays = [x for x in arrays if x is not None]
    grid = g[which]
    axis = meshgrid_axis(which, len(arrays), indexing)
    others = tuple(i for i in range(np.ndim(grid)) if i != axis)
    return np.sum(grid, axis=others) if np.ndim(grid) else np.zeros(len(arrays[which]))


def meshgrid_tangent(arrays, tangents, indexing):
    """np.meshgrid of the inputs' tangents (0 for an input that carries none)."""
    arrays = [x for x in arrays if x is not None]
    return list(np.meshgrid(*(expand(t, x) for t, x in zip(tangents, arrays)),
                            indexing=indexing))


def unstack(g, arrays, axis):
    """Adjoint of np.stack: the slices of g along the new axis."""
    return in_form_of(list(np.moveaxis(g, axis, 0)), arrays)


def unsplit(g, ary, indices_or_sections, axis):
    """Adjoint of np.split: the pieces' adjoints joined (a piece without one counts as 0)."""
    zeros = np.broadcast_to(0.0, np.shape(ary))  # a view: the shapes of ary's pieces, for free
    shapes = [np.shape(p) for p in np.array_split(zeros, indices_or_sections, axis)]
    return np.concatenate([np.broadcast_to(p, s) for p, s in zip(g, shapes)], axis)


def cast_adjoint(g, dtype):
    """The adjoint through a conversion to dtype: none if it is an integer type."""
    if dtype is None or np.issubdtype(np.dtype(dtype), np.inexact):
        return g
    return np.zeros(np.shape(g))


def in_dtype_of(g, a):
    """The adjoint `g` of a converted array in the dtype of the array `a` it came
    from; for a list `a`, a list of the items' adjoints."""
    if type(a) is list:
        return list_adjoint(g, a)
    if isinstance(a, np.ndarray) and isinstance(g, np.ndarray) and g.dtype != a.dtype \
            and np.issubdtype(a.dtype, np.inexact):
        return g.astype(a.dtype)
    return g


reads_shape_of(in_dtype_of, 1)


def cast_tangent(t, y, dtype):
    """The tangent through a conversion to dtype: y's shape, memory of its own."""
    return copy_of(np.reshape(cast_adjoint(t, dtype), np.shape(y)))


@adjoint(np.reshape)
def reshape(y, a, shape=None, order="C", newshape=None, copy=None):
    d[a] = np.reshape(d[y], np.shape(a), order=order)


@tangent(np.reshape)
def reshape_tangent(y, a, shape=None, order="C", newshape=None, copy=None):
    d[y] = np.reshape(expand(d[a], a), np.shape(y), order=order)


@adjoint(np.ndarray.reshape)
def reshape_method(y, a, *shape, order="C", copy=None):
    d[a] = np.reshape(d[y], np.shape(a), order=order)


@tangent(np.ndarray.reshape)
def reshape_method_tangent(y, a, *shape, order="C", copy=None):
    d[y] = np.reshape(expand(d[a], a), np.shape(y), order=order)


@adjoint(np.ravel, np.ndarray.ravel, np.ndarray.flatten)
def ravel(y, a, order="C"):
    d[a] = np.reshape(d[y], np.shape(a), order=ravel_order(a, order))


@tangent(np.ravel, np.ndarray.ravel, np.ndarray.flatten)
def ravel_tangent(y, a, order="C"):
    d[y] = np.reshape(expand(d[a], a), -1, order=ravel_order(a, order))


@adjoint(np.squeeze, np.ndarray.squeeze)
def squeeze(y, a, axis=None):
    d[a] = np.reshape(d[y], np.shape(a))


@tangent(np.squeeze, np.ndarray.squeeze)
def squeeze_tangent(y, a, axis=None):
    d[y] = np.squeeze(expand(d[a], a), axis)


@adjoint(np.expand_dims)
def expand_dims(y, a, axis):
    d[a] = np.reshape(d[y], np.shape(a))


@tangent(np.expand_dims)
def expand_dims_tangent(y, a, axis):
    d[y] = np.expand_dims(expand(d[a], a), axis)


@adjoint(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast(y, ary):
    d[ary] = np.reshape(d[y], np.shape(ary))


@tangent(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_tangent(y, ary):
    d[y] = np.reshape(expand(d[ary], ary), np.shape(y))


@adjoint(np.transpose, np.ndarray.transpose)
def transpose(y, a, axes=None):
    d[a] = np.transpose(d[y], inverse_permutation(axes, a))


@tangent(np.transpose, np.ndarray.transpose)
def transpose_tangent(y, a, axes=None):
    d[y] = np.transpose(expand(d[a], a), axes)


@adjoint(np.ndarray.T)
def T(y, x):
    d[x] = np.transpose(d[y])


@tangent(np.ndarray.T)
def T_tangent(y, x):
    d[y] = np.transpose(expand(d[x], x))


@adjoint(np.swapaxes, np.ndarray.swapaxes)
def swapaxes(y, a, axis1, axis2):
    d[a] = np.swapaxes(d[y], axis1, axis2)


@tangent(np.swapaxes, np.ndarray.swapaxes)
def swapaxes_tangent(y, a, axis1, axis2):
    d[y] = np.swapaxes(expand(d[a], a), axis1, axis2)


@adjoint(np.moveaxis)
def moveaxis(y, a, source, destination):
    d[a] = np.moveaxis(d[y], destination, source)


@tangent(np.moveaxis)
def moveaxis_tangent(y, a, source, destination):
    d[y] = np.moveaxis(expand(d[a], a), source, destination)


@adjoint(np.broadcast_to)
def broadcast_to(y, array, shape, subok=False):
    d[array] = unbroadcast(d[y], array)


@tangent(np.broadcast_to)
def broadcast_to_tangent(y, array, shape, subok=False):
    d[y] = np.broadcast_to(expand(d[array], array), shape)


@adjoint(np.flip)
def flip(y, m, axis=None):
    d[m] = np.flip(d[y], axis)


@tangent(np.flip)
def flip_tangent(y, m, axis=None):
    d[y] = np.flip(expand(d[m], m), axis)


@adjoint(np.roll)
def roll(y, a, shift, axis=None):
    d[a] = np.reshape(np.roll(d[y], np.negative(shift), axis), np.shape(a))


@tangent(np.roll)
def roll_tangent(y, a, shift, axis=None):
    d[y] = np.roll(expand(d[a], a), shift, axis)


@adjoint(np.tile)
def tile(y, A, reps):
    d[A] = untile(d[y], A, reps)


@tangent(np.tile)
def tile_tangent(y, A, reps):
    d[y] = np.tile(expand(d[A], A), reps)


@adjoint(np.repeat, np.ndarray.repeat)
def repeat(y, a, repeats, axis=None):
    d[a] = unrepeat(d[y], a, repeats, axis)


@tangent(np.repeat, np.ndarray.repeat)
def repeat_tangent(y, a, repeats, axis=None):
    d[y] = np.repeat(expand(d[a], a), repeats, axis)


@tangent(unrepeat)  # linear in g; a gives only its shape (second derivatives)
def unrepeat_tangent(z, g, a, repeats, axis):
    d[z] = unrepeat(expand(d[g], g), a, repeats, axis)


@adjoint(np.pad)
def pad(y, array, pad_width, mode="constant", constant_values=0):
    d[array] = unpad(d[y], array, pad_width, mode)
    d[constant_values] = pad_value_adjoint(d[y], array, pad_width, mode, constant_values)


@tangent(unpad)  # linear in g; array gives only its shape (second derivatives)
def unpad_tangent(y, g, array, pad_width, mode):
    d[y] = unpad(expand(d[g], g), array, pad_width, mode)


@tangent(pad_value_adjoint)
def pad_value_adjoint_tangent(y, g, array, pad_width, mode, constant_values):
    d[y] = pad_value_adjoint(expand(d[g], g), array, pad_width, mode, constant_values)


@tangent(np.pad)
def pad_tangent_rule(y, array, pad_width, mode="constant", constant_values=0):
    d[y] = pad_tangent(d[array], array, pad_width, mode, d[constant_values])


@adjoint(np.concatenate)
def concatenate(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[arrays] = unconcatenate(d[y], arrays, axis)


@tangent(np.concatenate)
def concatenate_tangent(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[y] = np.concatenate(d[arrays], axis)


# The adjoints' helpers are linear in g: their tangents (second derivatives) are
# themselves, applied to g's tangent.
@tangent(unconcatenate)
def unconcatenate_tangent(y, g, arrays, axis, at_least=None):
    d[y] = unconcatenate(expand(d[g], g), arrays, axis, at_least)


@tangent(unstack)
def unstack_tangent(y, g, arrays, axis):
    d[y] = unstack(expand(d[g], g), arrays, axis)


@adjoint(np.stack)
def stack(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[arrays] = unstack(d[y], arrays, axis)


@tangent(np.stack)
def stack_tangent(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[y] = np.stack(d[arrays], axis)


@adjoint(np.hstack)
def hstack(y, tup, dtype=None, casting="same_kind"):
    d[tup] = unconcatenate(d[y], tup, hstack_axis(tup), np.atleast_1d)


@tangent(np.hstack)
def hstack_tangent(y, tup, dtype=None, casting="same_kind"):
    d[y] = np.hstack(d[tup])


@adjoint(np.vstack)
def vstack(y, tup, dtype=None, casting="same_kind"):
    d[tup] = unconcatenate(d[y], tup, 0, np.atleast_2d)


@tangent(np.vstack)
def vstack_tangent(y, tup, dtype=None, casting="same_kind"):
    d[y] = np.vstack(d[tup])


@adjoint(np.split, np.array_split)
def split(y, ary, indices_or_sections, axis=0):
    d[ary] = unsplit(d[y], ary, indices_or_sections, axis)


@tangent(np.split, np.array_split)
def split_tangent(y, ary, indices_or_sections, axis=0):
    d[y] = np.array_split(expand(d[ary], ary), indices_or_sections, axis)


@adjoint(np.sort)
def sort(y, a, axis=-1, kind=None, order=None, stable=None):
    d[a] = unsort(d[y], a, axis)


@tangent(unsort)  # linear in g; a sets only the permutation (second derivatives)
def unsort_tangent(y, g, a, axis):
    d[y] = unsort(expand(d[g], g), a, axis)


@tangent(np.sort)
def sort_tangent(y, a, axis=-1, kind=None, order=None, stable=None):
    d[y] = sorted_like(d[a], a, axis)


@adjoint(np.copy, np.ndarray.copy)
def copy(y, a, order="K", subok=False):
    d[a] = d[y]


@tangent(np.copy, np.ndarray.copy)
def copy_tangent(y, a, order="K", subok=False):
    d[y] = copy_of(expand(d[a], a))


@adjoint(np.ndarray.astype)
def astype(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[a] = in_dtype_of(cast_adjoint(d[y], dtype), a)


@tangent(np.ndarray.astype)
def astype_tangent(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[y] = cast_tangent(expand(d[a], a), y, dtype)


@adjoint(np.asarray, np.array)
def asarray(y, a, dtype=None, order=None, copy=None, subok=False, ndmin=0):
    d[a] = in_dtype_of(np.reshape(cast_adjoint(d[y], dtype), np.shape(a)), a)


@tangent(np.asarray, np.array)
def asarray_tangent(y, a, dtype=None, order=None, copy=None, subok=False, ndmin=0):
    d[y] = cast_tangent(expand(d[a], a), y, dtype)


@adjoint(np.column_stack)
def column_stack(y, tup):
    d[tup] = unconcatenate(d[y], tup, 1, as_column)


@tangent(np.column_stack)
def column_stack_tangent(y, tup):
    d[y] = np.column_stack(d[tup])


@adjoint(np.append)
def append(y, arr, values, axis=None):
    d[arr] = unappend(d[y], arr, values, axis, 0)
    d[values] = unappend(d[y], arr, values, axis, 1)


@tangent(np.append)
def append_tangent(y, arr, values, axis=None):
    d[y] = appended_tangent(d[arr], arr, d[values], values, axis)


@adjoint(np.meshgrid)
def meshgrid(y, a, b=None, c=None, e=None, f=None, g=None, copy=True, sparse=False,
             indexing="xy"):
    check_meshgrid((a, b, c, e, f, g), copy, sparse)
    d[a] = unmeshgrid(d[y], 0, (a, b, c, e, f, g), indexing)
    d[b] = unmeshgrid(d[y], 1, (a, b, c, e, f, g), indexing)
    d[c] = unmeshgrid(d[y], 2, (a, b, c, e, f, g), indexing)
    d[e] = unmeshgrid(d[y], 3, (a, b, c, e, f, g), indexing)
    d[f] = unmeshgrid(d[y], 4, (a, b, c, e, f, g), indexing)
    d[g] = unmeshgrid(d[y], 5, (a, b, c, e, f, g), indexing)


@tangent(np.meshgrid)
def meshgrid_tangent_rule(y, a, b=None, c=None, e=None, f=None, g=None, copy=True,
                          sparse=False, indexing="xy"):
    check_meshgrid((a, b, c, e, f, g), copy, sparse)
    d[y] = meshgrid_tangent((a, b, c, e, f, g), (d[a], d[b], d[c], d[e], d[f], d[g]), indexing)


def check_insert(arr, obj, values, axis):
    """Refuses what np.insert's rules do not cover."""
    if axis is not None and np.ndim(arr) != 1 or np.ndim(obj) != 0 or \
            not isinstance(obj, (int, np.integer)) or np.ndim(values) > 1:
        raise NonDifferentiableError(
            f"s2sad differentiates np.insert into a 1-d array (or with axis=None) at one "
            f"integer position, of a number or a 1-d array, not {obj!r} into shape "
            f"{np.shape(arr)} with axis={axis!r}", running_derivative_line(),
            hint="build the result with np.concatenate of slices and the new values.")


def insert_position(arr, obj, values):
    """Where np.insert puts the values in the flat arr, and how many."""
    return obj + np.size(arr) if obj < 0 else obj, np.size(values)


def uninsert(g, arr, obj, values, which):
    """Adjoint of np.insert for arr (which=0: g without the inserted entries) or for
    values (which=1: the inserted entries)."""
    start, count = insert_position(arr, obj, values)
    g = np.ravel(g)
    if which == 1:
        return np.reshape(g[start:start + count], np.shape(values))
    return np.reshape(np.concatenate([g[:start], g[start + count:]]), np.shape(arr))


def inserted_tangent(t_arr, arr, obj, t_values, values, axis):
    """np.insert of the tangents, each given its variable's shape (an inactive 0.0 too)."""
    return np.insert(expand(t_arr, arr), obj, expand(t_values, values), axis)


@adjoint(np.insert)
def insert(y, arr, obj, values, axis=None):
    check_insert(arr, obj, values, axis)
    d[arr] = uninsert(d[y], arr, obj, values, 0)
    d[values] = uninsert(d[y], arr, obj, values, 1)


@tangent(np.insert)
def insert_tangent(y, arr, obj, values, axis=None):
    check_insert(arr, obj, values, axis)
    d[y] = inserted_tangent(d[arr], arr, obj, d[values], values, axis)


# the checks above return nothing: calling them passes no derivative
nondifferentiable(check_meshgrid, check_insert)
