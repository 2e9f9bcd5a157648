"""Reductions: each entry of the result combines a slice of the input.

Most rules here are written through `partials`, the derivative of each result
entry with respect to each input entry of its slice, given with the input's
shape: the adjoint spreads the result's adjoint over the slices and multiplies
(`unreduce(d[y]) * partials`), the tangent multiplies and reduces
(`sum(d[x] * partials)`). A tangent may arrive with a smaller shape than its
variable (forward mode's convention: it stands for itself broadcast); rules
that are not elementwise `expand` it first.

Conventions: `max`/`min` split the derivative equally between tied extrema;
`prod` and `cumprod` are exact when entries are zero (no division); a running
max or min (`np.maximum.accumulate`) follows the latest entry equal to it; `norm` has
derivative 0 at 0, its inf-norms split it between tied extreme entries.
`median`, `quantile` and `percentile` (and their nan-versions, which do not count
the NaNs) weight the one or two order statistics they read (NumPy's
interpolation weights), put back through the stable sorting permutation (ties
as np.sort); in q, a linear quantile has the step between those two order
statistics as slope, the other methods are flat. `ptp` is max - min (ties
split as theirs). `nansum` and `nanmean` skip the NaNs: their derivative there
is 0 (in forward mode too, whatever the tangent holds there), and nanmean's
divisor counts the other entries only.

`gradient` is linear in f: its adjoint sends each entry of each output back to
the two (or, at the ends, two or three) entries of f its difference reads. The
spacing must be numbers (one, or one per axis), and is data: coordinate arrays,
and a derivative in the spacing, are refused at the user's line.

`average`, `trapezoid`, `cov` and `corrcoef` are smooth in all their array
arguments (weights, sample points, both variables): their rules give each one
its adjoint, and refuse the argument combinations they do not cover
(NonDifferentiableError at the user's line, when the derivative runs).
"""
import math

import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, reads_shape_of, tangent
from ..runtime import (as_array, broadcast_like, expand, gradient_dtype, list_adjoint,
                       numpy_only, unbroadcast)
from .elementwise import abs_slope, log_share
from .operators import like
from .shapes import in_dtype_of


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast `g`, the adjoint of a reduction of x over `axis`, to x's shape (a
    list of items for a list x)."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return list_adjoint(broadcast_like(g, x, gradient_dtype(g, x)), x)


def reduced_axes(x, axis):
    """The axes a reduction over `axis` removes, as a sorted tuple of nonnegative ints."""
    ndim = np.ndim(x)
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in axes))


def count(x, y=None):
    """How many entries of x each entry of the reduction y combines (all of them,
    without y: a full reduction's)."""
    if y is None:
        return math.prod(np.shape(x))
    return math.prod(np.shape(x)) // max(math.prod(np.shape(y)), 1)


reads_shape_of(unreduce, 1)
reads_shape_of(count, 0, 1)


def safe_divide(a, b):
    """a / b, with 0 where b is 0 (there a is 0 too: the rule's convention at 0)."""
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def product_of_others(x, axis):
    """For each entry of x, the product of the other entries of its slice (no division)."""
    x = as_array(x, gradient_dtype(x))
    axes = reduced_axes(x, axis)
    kept = x.ndim - len(axes)
    last = tuple(range(kept, x.ndim))
    moved = np.moveaxis(x, axes, last)
    flat = moved.reshape(moved.shape[:kept] + (-1,))
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis((before * after).reshape(moved.shape), last, axes)


def extremum_share(x, y, axis, keepdims):
    """d max/d x: 1 at the extremum of each slice, split equally between ties."""
    x = as_array(x)
    hit = x == unreduce(y, x, axis, keepdims)
    return hit / np.sum(hit, axis=axis, keepdims=True, dtype=gradient_dtype(x))


def var_partials(x, y, axis, ddof):
    x = as_array(x)
    return 2.0 * (x - np.mean(x, axis=axis, keepdims=True)) / (count(x, y) - ddof)


def std_partials(x, y, axis, ddof, keepdims):
    x = as_array(x)
    return safe_divide(var_partials(x, y, axis, ddof), 2.0 * unreduce(y, x, axis, keepdims))


def norm_partials(x, y, ord, axis, keepdims):
    """d norm/d x: of vectors for any ord, of matrices for ord None, 'fro', 'nuc',
    1, -1, 2, -2, inf, -inf (a whole 2-D x only). For complex x in JAX's convention
    (conj(x) / norm for the 2-norm): the tangent is the real part of
    sum(dx * partials)."""
    x = as_array(x)
    vector = np.ndim(x) == 1 if axis is None else np.ndim(axis) == 0
    if ord is None or ord == "fro" and not vector or ord == 2 and vector:
        return safe_divide(np.conj(x) if np.iscomplexobj(x) else x,
                           unreduce(y, x, axis, keepdims))
    if vector:
        return vector_norm_partials(x, y, ord, axis, keepdims)
    if axis is not None and tuple(sorted(a % 2 for a in axis)) != (0, 1) or np.ndim(x) != 2:
        refuse_norm(f"s2sad differentiates the matrix norms of np.linalg.norm with "
                    f"ord={ord!r} for a 2-D array, not on shape {np.shape(x)} with "
                    f"axis={axis!r}",
                    "loop over the matrices of the stack, or use ord=None / 'fro'.")
    return matrix_norm_partials(x, ord)


def refuse_norm(message: str, hint=None) -> None:
    """Raise the refusal of a norm s2sad has no derivative for: a call, not a
    `raise`, so that the partials' code can be differentiated again (hvp)."""
    raise NonDifferentiableError(message, running_derivative_line(), hint=hint)


nondifferentiable(refuse_norm)


def vector_norm_partials(x, y, ord, axis, keepdims):
    """sign(x) |x|^(p-1) / norm^(p-1); at inf and -inf, sign(x) on the extreme entries
    (split between ties); 0 for ord=0, which counts nonzero entries. For complex x,
    abs_slope(x) = conj(x) / |x| in place of sign(x)."""
    if ord == 0:
        return np.zeros_like(x, dtype=gradient_dtype(x))
    if ord in (np.inf, -np.inf):
        return abs_slope(x) * extremum_share(np.abs(x), y, axis, keepdims)
    if ord == 1:
        return abs_slope(x)
    power = np.abs(x) ** (ord - 1)
    return abs_slope(x) * safe_divide(power, unreduce(y, x, axis, keepdims) ** (ord - 1))


def matrix_norm_partials(x, ord):
    """Induced norms and the nuclear norm of a matrix: the column (ord 1, -1) or row
    (inf, -inf) of extreme absolute sum, or singular vectors (2, -2, 'nuc')."""
    if ord in ("nuc", 2, -2):
        u, _, vt = np.linalg.svd(x, full_matrices=False)
        if ord == "nuc":
            return np.conj(u @ vt)
        k = 0 if ord == 2 else -1
        return np.conj(np.outer(u[:, k], vt[k]))
    if ord not in (1, -1, np.inf, -np.inf):
        refuse_norm(f"np.linalg.norm has no matrix norm ord={ord!r}")
    rows = ord in (np.inf, -np.inf)
    sums = np.sum(np.abs(x), axis=1 if rows else 0)
    extreme = np.max(sums) if ord > 0 else np.min(sums)
    share = (sums == extreme) / np.sum(sums == extreme)
    return abs_slope(x) * (share[:, None] if rows else share[None, :])


def cumprod_products(a):
    """For a along its last axis, products[..., i, j]: the product of a_k for k <= j,
    k != i, when j >= i (d cumprod_j / d a_i), and 0 when j < i. Exact with zeros."""
    n = np.shape(a)[-1]
    others = np.where(np.eye(n, dtype=bool), 1.0, np.expand_dims(a, -2))
    return np.cumprod(others, axis=-1) * np.triu(np.ones((n, n)))


def cumprod_adjoint(g, y, a, axis):
    """Adjoint of np.cumprod: sum over j >= i of g_j d y_j / d a_i."""
    if axis is None:
        return np.reshape(cumprod_adjoint(np.ravel(g), np.ravel(y), np.ravel(a), 0), np.shape(a))
    a = as_array(a, float)
    if np.all(a != 0):  # y_j / a_i, in O(n)
        return reverse_cumsum(g * y, a, axis) / a
    products = cumprod_products(np.moveaxis(a, axis, -1))
    out = np.sum(products * np.expand_dims(np.moveaxis(g, axis, -1), -2), axis=-1)
    return np.moveaxis(out, -1, axis)


def cumprod_tangent(t, y, a, axis):
    """Tangent of np.cumprod: sum over i <= j of t_i d y_j / d a_i."""
    t = expand(t, a)
    if axis is None:
        return cumprod_tangent(np.ravel(t), y, np.ravel(a), 0)
    a = as_array(a, float)
    if np.all(a != 0):
        return y * np.cumsum(t / a, axis=axis)
    products = cumprod_products(np.moveaxis(a, axis, -1))
    out = np.sum(products * np.expand_dims(np.moveaxis(t, axis, -1), -1), axis=-2)
    return np.moveaxis(out, -1, axis)


def undiff(g, n, axis):
    """Adjoint of np.diff(a, n, axis): n times, -diff of g padded with a zero each side."""
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0.0, append=0.0)
    return g


def diff_piece(g, a, n, axis, prepend, append, which):
    """The adjoint of `which` ('a', 'prepend' or 'append') in np.diff(a, n, axis,
    prepend=..., append=...): its slice, along axis, of the adjoint of the three joined."""
    joined = undiff(g, n, axis)
    if prepend is None and append is None:
        return joined
    axis = axis % np.ndim(joined)
    first = 0 if prepend is None else 1 if np.ndim(prepend) == 0 else np.shape(prepend)[axis]
    last = first + np.shape(a)[axis]
    start, stop = {"a": (first, last), "prepend": (0, first), "append": (last, None)}[which]
    return joined[(slice(None),) * axis + (slice(start, stop),)]


def diff_of_tangents(t, n, axis, prepend, tprepend, append, tappend):
    """The tangent of np.diff(a, n, axis, prepend=..., append=...): the same of the
    tangents, those of the ends given the ends' shapes."""
    ends = {name: tangent + np.zeros(np.shape(end)) for name, end, tangent in
            (("prepend", prepend, tprepend), ("append", append, tappend)) if end is not None}
    return np.diff(t, n=n, axis=axis, **ends)


def reverse_cumsum(g, x, axis):
    """Adjoint of np.cumsum: sums of g from each position to the end."""
    if axis is None:
        return np.reshape(np.cumsum(g[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def latest_records(peak, a, axis):
    """For each entry of `peak`, a's running max (or min) along `axis`, the
    position of the latest entry of a it equals: the one its derivative follows."""
    axis = axis % np.ndim(a)
    positions = np.arange(np.shape(a)[axis]).reshape(
        [-1 if i == axis else 1 for i in range(np.ndim(a))])
    return np.maximum.accumulate(np.where(a == peak, positions, 0), axis=axis)


def running_extremum_adjoint(g, peak, a, axis):
    """Adjoint of np.maximum.accumulate (or minimum): each entry of g goes back to
    the entry of a that its running extremum is."""
    numpy_only("a running max or min", g, a)
    records = np.moveaxis(latest_records(peak, a, axis), axis, -1)
    n = records.shape[-1]
    rows = np.arange(records.size // max(n, 1)).reshape(records.shape[:-1] + (1,))
    weights = np.moveaxis(np.broadcast_to(g, np.shape(peak)), axis, -1)
    sums = np.bincount((records + n * rows).ravel(), weights.ravel(), minlength=records.size)
    return np.moveaxis(sums.reshape(records.shape), -1, axis)


@adjoint(np.sum, np.ndarray.sum)
def sum_(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(unbroadcast(d[y], y), a, axis, keepdims)


@tangent(np.sum, np.ndarray.sum)
def sum_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(expand(d[a], a), axis=axis, keepdims=keepdims)


@adjoint(np.mean, np.ndarray.mean)
def mean(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) / count(a, y)


@tangent(np.mean, np.ndarray.mean)
def mean_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.mean(expand(d[a], a), axis=axis, keepdims=keepdims)


def present(a):
    """Where a is not NaN: the entries np.nansum and np.nanmean count."""
    return ~np.isnan(a)


def nanmean_partials(a, axis):
    """d nanmean/d a: 1 / (the slice's count of numbers) at numbers, 0 at NaNs (and
    on a slice of NaNs only)."""
    kept = present(a)
    return safe_divide(kept, np.sum(kept, axis=axis, keepdims=True))


def where_present(t, a):
    """The tangent t of a with 0 at a's NaNs (a NaN there would spread into the sum)."""
    return np.where(present(a), expand(t, a), 0.0)


@adjoint(np.nansum)
def nansum(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(unbroadcast(d[y], y), a, axis, keepdims) * present(a)


@tangent(np.nansum)
def nansum_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(where_present(d[a], a), axis=axis, keepdims=keepdims)


@adjoint(np.nanmean)
def nanmean(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * nanmean_partials(a, axis)


@tangent(np.nanmean)
def nanmean_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(where_present(d[a], a) * nanmean_partials(a, axis), axis=axis,
                  keepdims=keepdims)


@adjoint(np.prod, np.ndarray.prod)
def prod(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * product_of_others(a, axis)


@tangent(np.prod, np.ndarray.prod)
def prod_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * product_of_others(a, axis), axis=axis, keepdims=keepdims)


@adjoint(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def extremum(y, a, axis=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * extremum_share(a, y, axis, keepdims)


@tangent(np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min)
def extremum_tangent(y, a, axis=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * extremum_share(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(np.var, np.ndarray.var)
def var(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * var_partials(a, y, axis, ddof)


@tangent(np.var, np.ndarray.var)
def var_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[y] = np.sum(d[a] * var_partials(a, y, axis, ddof), axis=axis, keepdims=keepdims)


@adjoint(np.std, np.ndarray.std)
def std(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * std_partials(a, y, axis, ddof, keepdims)


@tangent(np.std, np.ndarray.std)
def std_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[y] = np.sum(d[a] * std_partials(a, y, axis, ddof, keepdims), axis=axis, keepdims=keepdims)


@adjoint(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims) * norm_partials(x, y, ord, axis, keepdims)


@tangent(np.linalg.norm)
def norm_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = np.real(np.sum(d[x] * norm_partials(x, y, ord, axis, keepdims), axis=axis,
                          keepdims=keepdims))


@adjoint(np.cumsum, np.ndarray.cumsum)
def cumsum(y, a, axis=None, dtype=None, out=None):
    d[a] = reverse_cumsum(d[y], a, axis)


@tangent(np.cumsum, np.ndarray.cumsum)
def cumsum_tangent(y, a, axis=None, dtype=None, out=None):
    d[y] = np.cumsum(expand(d[a], a), axis=axis)


@adjoint(np.cumprod, np.ndarray.cumprod)
def cumprod(y, a, axis=None, dtype=None, out=None):
    d[a] = cumprod_adjoint(d[y], y, a, axis)


@tangent(np.cumprod, np.ndarray.cumprod)
def cumprod_tangent_rule(y, a, axis=None, dtype=None, out=None):
    d[y] = cumprod_tangent(d[a], y, a, axis)


# ------------------------------------------- ufunc methods: reduce and accumulate
# They default to axis 0, where np.sum and np.cumsum default to None.

@adjoint(np.add.reduce)
def add_reduce(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(unbroadcast(d[y], y), a, axis, keepdims)


@tangent(np.add.reduce)
def add_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.add.reduce(expand(d[a], a), axis=axis, keepdims=keepdims)


@adjoint(np.multiply.reduce)
def multiply_reduce(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * product_of_others(a, axis)


@tangent(np.multiply.reduce)
def multiply_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * product_of_others(a, axis), axis=axis, keepdims=keepdims)


@adjoint(np.maximum.reduce, np.minimum.reduce)
def extremum_reduce(y, a, axis=0, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * extremum_share(a, y, axis, keepdims)


@tangent(np.maximum.reduce, np.minimum.reduce)
def extremum_reduce_tangent(y, a, axis=0, out=None, keepdims=False):
    d[y] = np.sum(d[a] * extremum_share(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(np.logaddexp.reduce)
def logaddexp_reduce(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * log_share(a, unreduce(y, a, axis, keepdims))


@tangent(np.logaddexp.reduce)
def logaddexp_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * log_share(a, unreduce(y, a, axis, keepdims)), axis=axis,
                  keepdims=keepdims)


@adjoint(np.add.accumulate)
def add_accumulate(y, a, axis=0, dtype=None, out=None):
    d[a] = reverse_cumsum(d[y], a, axis)


@tangent(np.add.accumulate)
def add_accumulate_tangent(y, a, axis=0, dtype=None, out=None):
    d[y] = np.add.accumulate(expand(d[a], a), axis=axis)


@adjoint(np.multiply.accumulate)
def multiply_accumulate(y, a, axis=0, dtype=None, out=None):
    d[a] = cumprod_adjoint(d[y], y, a, axis)


@tangent(np.multiply.accumulate)
def multiply_accumulate_tangent(y, a, axis=0, dtype=None, out=None):
    d[y] = cumprod_tangent(d[a], y, a, axis)


@adjoint(np.maximum.accumulate, np.minimum.accumulate)
def running_extremum(y, a, axis=0, dtype=None, out=None):
    d[a] = running_extremum_adjoint(d[y], y, a, axis)


@tangent(np.maximum.accumulate, np.minimum.accumulate)
def running_extremum_tangent(y, a, axis=0, dtype=None, out=None):
    d[y] = np.take_along_axis(expand(d[a], a), latest_records(y, a, axis), axis)


@tangent(running_extremum_adjoint)  # linear in g; a only says where each record is
def running_extremum_adjoint_tangent(z, g, peak, a, axis):
    d[z] = running_extremum_adjoint(expand(d[g], g), peak, a, axis)


@adjoint(np.diff)
def diff(y, a, n=1, axis=-1, prepend=None, append=None):
    d[a] = diff_piece(d[y], a, n, axis, prepend, append, "a")
    d[prepend] = unbroadcast(diff_piece(d[y], a, n, axis, prepend, append, "prepend"),
                             prepend)
    d[append] = unbroadcast(diff_piece(d[y], a, n, axis, prepend, append, "append"), append)


@tangent(np.diff)
def diff_tangent(y, a, n=1, axis=-1, prepend=None, append=None):
    d[y] = diff_of_tangents(expand(d[a], a), n, axis, prepend, d[prepend], append, d[append])


# ---------------------------------------------------------------- gradient

def gradient_axes(f, axis):
    """The axes np.gradient differentiates along, as a tuple of nonnegative ints."""
    ndim = np.ndim(f)
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(a) % ndim for a in axes)


def gradient_spacings(f, spacings, axis):
    """np.gradient's spacing per axis (1.0 without one); refuses coordinate arrays."""
    axes = gradient_axes(f, axis)
    given = [h for h in spacings if h is not None]
    if any(np.ndim(h) != 0 for h in given):
        raise NonDifferentiableError(
            "s2sad differentiates np.gradient with the spacing as numbers, not as "
            "arrays of coordinates", running_derivative_line(),
            hint="for uneven sample points, write the differences with np.diff.")
    if not given:
        return [1.0] * len(axes)
    return given * len(axes) if len(given) == 1 else given


def refuse_spacing_derivative(h):
    """Raise: s2sad does not differentiate np.gradient in its spacing (a call, not a
    `raise`, so that the rule's code can be differentiated again)."""
    raise NonDifferentiableError(
        "s2sad differentiates np.gradient in f only, not in its spacing",
        running_derivative_line(),
        hint="divide np.gradient(f) by the spacing yourself: np.gradient(f) / h.")


def ungradient_along(g, h, axis, edge_order):
    """The adjoint of np.gradient along one axis with spacing h: central differences
    inside, and the one-sided ones of `edge_order` at the ends, sent back."""
    g = np.moveaxis(as_array(g, gradient_dtype(g)), axis, -1)
    out = np.zeros(g.shape, g.dtype)
    out[..., 2:] += g[..., 1:-1] / (2.0 * h)
    out[..., :-2] -= g[..., 1:-1] / (2.0 * h)
    first, last = g[..., 0] / h, g[..., -1] / h
    if edge_order == 1:
        out[..., 0] -= first
        out[..., 1] += first
        out[..., -2] -= last
        out[..., -1] += last
    else:
        out[..., :3] += np.multiply.outer(first, [-1.5, 2.0, -0.5])
        out[..., -3:] += np.multiply.outer(last, [0.5, -2.0, 1.5])
    return np.moveaxis(out, -1, axis)


def ungradient(g, f, spacings, axis, edge_order):
    """The adjoint of f in np.gradient(f, *spacings, axis=axis, edge_order=...): g is
    one array for one axis, else one adjoint per axis (0.0 for an output never read)."""
    axes = gradient_axes(f, axis)
    seeds = [g] if len(axes) == 1 else g if isinstance(g, (list, tuple)) else [g] * len(axes)
    out = np.zeros(np.shape(f), gradient_dtype(f))
    for seed, ax, h in zip(seeds, axes, gradient_spacings(f, spacings, axis)):
        if np.ndim(seed) == 0 and seed == 0:
            continue
        out = out + ungradient_along(np.broadcast_to(seed, np.shape(f)), h, ax, edge_order)
    return out


def gradient_tangent(t, f, spacings, tangents, axis, edge_order):
    """np.gradient of f's tangent (a list for several axes); refuses a tangent of the
    spacing."""
    steps = gradient_spacings(f, spacings, axis)
    for h, th in zip(spacings, tangents):
        if h is not None and not (type(th) is float and th == 0.0):
            refuse_spacing_derivative(h)
    out = np.gradient(expand(t, f), *steps, axis=axis, edge_order=edge_order)
    return list(out) if isinstance(out, (list, tuple)) else out


@adjoint(np.gradient)
def gradient(y, f, h1=None, h2=None, h3=None, h4=None, *, axis=None, edge_order=1):
    d[f] = ungradient(d[y], f, (h1, h2, h3, h4), axis, edge_order)
    d[h1] = refuse_spacing_derivative(h1)
    d[h2] = refuse_spacing_derivative(h2)
    d[h3] = refuse_spacing_derivative(h3)
    d[h4] = refuse_spacing_derivative(h4)


@tangent(np.gradient)
def gradient_tangent_rule(y, f, h1=None, h2=None, h3=None, h4=None, *, axis=None,
                          edge_order=1):
    d[y] = gradient_tangent(d[f], f, (h1, h2, h3, h4), (d[h1], d[h2], d[h3], d[h4]), axis,
                            edge_order)


@tangent(ungradient)  # linear in g; f gives only its shape (second derivatives)
def ungradient_tangent(z, g, f, spacings, axis, edge_order):
    d[z] = ungradient(d[g], f, spacings, axis, edge_order)


# ---------------------------------------------------------------- order statistics

QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def sorted_slices(a, axis):
    """(slices, order, moved): a with the reduced axes moved last and flattened into
    one, then the kept axes into one, (S, m); the stable order that sorts each
    slice (ties keep their order: the derivative follows the permutation, as for
    np.sort; NaNs go last); and the permutation of a's axes that moved them."""
    a = np.asarray(a)
    axes = reduced_axes(a, axis)
    moved = [i for i in range(a.ndim) if i not in axes] + list(axes)
    slices = np.transpose(a, moved).reshape(-1, max(int(np.prod([a.shape[i] for i in axes])), 1))
    return slices, np.argsort(slices, axis=-1, kind="stable"), moved


def unsorted(in_sorted, order, a, moved):
    """Values given per sorted position, (S, m), put back where a's entries are."""
    out = np.zeros(order.shape, in_sorted.dtype)
    np.put_along_axis(out, order, in_sorted, axis=-1)
    return np.transpose(out.reshape([np.shape(a)[i] for i in moved]), np.argsort(moved))


@tangent(unsorted)  # linear in the values; the order only places them
def unsorted_tangent(y, in_sorted, order, a, moved):
    d[y] = unsorted(expand(d[in_sorted], in_sorted), order, a, moved)


def order_positions(q, slices, skip_nan):
    """(low, high, position): the two order statistics (sorted positions) the
    quantiles q (fractions) of each slice read, as (Q, S) arrays, and NumPy's
    virtual index q (n - 1) between them, n the entries counted (not NaNs for the
    nan-functions)."""
    m = slices.shape[-1]
    counts = np.sum(~np.isnan(slices), axis=-1) if skip_nan else np.full(len(slices), m)
    position = np.ravel(np.asarray(q, dtype=float))[:, None] * (counts - 1)
    last = np.maximum(counts - 1, 0)
    low = np.clip(np.floor(position).astype(int), 0, last)
    return low, np.minimum(low + 1, last), position


def quantile_weights(q, slices, method, weights, skip_nan):
    """W[j, s, k]: the weight of the k-th smallest entry of slice s in its j-th
    quantile (q a fraction)."""
    if weights is not None or method not in QUANTILE_METHODS:
        raise NonDifferentiableError(
            f"s2sad differentiates quantiles with method in {QUANTILE_METHODS} and no "
            f"weights, not method={method!r}" + (" with weights" if weights is not None else ""),
            running_derivative_line(),
            hint="use method='linear' (the default), or sort and index the array yourself.")
    low, high, position = order_positions(q, slices, skip_nan)
    share = {"linear": position - low, "lower": 0.0 * position,
             "higher": 1.0 * (position > low), "midpoint": 0.5 * (position > low),
             "nearest": 1.0 * (np.around(position) > low)}[method]
    share = np.where(np.isfinite(share), share, 0.0)  # an all-NaN slice reads nothing
    k = np.arange(slices.shape[-1])
    return (1.0 - share)[..., None] * (k == low[..., None]) + \
        share[..., None] * (k == high[..., None])


def quantile_adjoint(g, y, a, q, axis, method, weights, skip_nan=False):
    """Adjoint of np.quantile (np.nanquantile) in a: the weights of the order
    statistics, put back where each sorted entry came from."""
    slices, order, moved = sorted_slices(a, axis)
    w = quantile_weights(q, slices, method, weights, skip_nan)
    g = np.reshape(np.broadcast_to(g, np.shape(y)), w.shape[:2])
    return unsorted(np.einsum("js,jsk->sk", g, w), order, a, moved)


def quantile_adjoint_again(dg, dq, y, a, q, axis, method, weights, skip_nan):
    """The tangent of quantile_adjoint (second derivatives): linear in g; a only sets
    the order; a tangent of q would move the weights, which this leaves out."""
    if np.any(dq):
        raise NonDifferentiableError(
            "s2sad takes second derivatives of a quantile in the array, not in q",
            running_derivative_line(), hint="keep q constant (a number, or "
                                            "s2sad.stop_gradient(q)) for second derivatives.")
    if type(dg) is float and dg == 0.0:
        return 0.0
    return quantile_adjoint(dg, y, a, q, axis, method, weights, skip_nan)


@tangent(quantile_adjoint)
def quantile_adjoint_tangent_rule(z, g, y, a, q, axis, method, weights, skip_nan=False):
    d[z] = quantile_adjoint_again(d[g], d[q], y, a, q, axis, method, weights, skip_nan)


def quantile_tangent(t, y, a, q, axis, method, weights, skip_nan=False):
    if type(t) is float and t == 0.0:  # an inactive a
        return 0.0
    slices, order, moved = sorted_slices(a, axis)
    w = quantile_weights(q, slices, method, weights, skip_nan)
    t = np.transpose(expand(t, a), moved).reshape(slices.shape)
    return np.reshape(np.einsum("jsk,sk->js", w, np.take_along_axis(t, order, -1)),
                      np.shape(y))


def quantile_slope(y, a, q, axis, method, per_unit, skip_nan):
    """d y / d q, (Q, S): the step between the two order statistics a linear
    quantile reads, times n - 1 (per fraction; `per_unit` 100 for percentiles); 0
    for the other methods."""
    slices, order, moved = sorted_slices(a, axis)
    low, high, position = order_positions(np.divide(q, per_unit), slices, skip_nan)
    ordered = np.take_along_axis(slices, order, -1)
    rows = np.arange(len(slices))
    step = ordered[rows, high] - ordered[rows, low]
    counts = np.sum(~np.isnan(slices), axis=-1) if skip_nan else slices.shape[-1]
    return np.nan_to_num(step * (counts - 1)) / per_unit * (method == "linear")


def quantile_adjoint_q(g, y, a, q, axis, method, per_unit, skip_nan=False):
    slope = quantile_slope(y, a, q, axis, method, per_unit, skip_nan)
    g = np.reshape(np.broadcast_to(g, np.shape(y)), slope.shape)
    return np.reshape(np.sum(g * slope, axis=1), np.shape(q))


def quantile_tangent_q(t, y, a, q, axis, method, per_unit, skip_nan=False):
    if type(t) is float and t == 0.0:  # a constant q
        return 0.0
    slope = quantile_slope(y, a, q, axis, method, per_unit, skip_nan)
    return np.reshape(np.reshape(expand(t, q), (-1, 1)) * slope, np.shape(y))


def percentile_adjoint(g, y, a, q, axis, method, weights, skip_nan=False):
    return quantile_adjoint(g, y, a, np.divide(q, 100.0), axis, method, weights, skip_nan)


def percentile_tangent(t, y, a, q, axis, method, weights, skip_nan=False):
    return quantile_tangent(t, y, a, np.divide(q, 100.0), axis, method, weights, skip_nan)


@adjoint(np.quantile)
def quantile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    d[a] = quantile_adjoint(d[y], y, a, q, axis, method, weights)
    d[q] = quantile_adjoint_q(d[y], y, a, q, axis, method, 1.0)


@tangent(np.quantile)
def quantile_tangent_rule(y, a, q, axis=None, out=None, overwrite_input=False,
                          method="linear", keepdims=False, *, weights=None):
    d[y] = quantile_tangent(d[a], y, a, q, axis, method, weights) + \
        quantile_tangent_q(d[q], y, a, q, axis, method, 1.0)


@adjoint(np.percentile)
def percentile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    d[a] = percentile_adjoint(d[y], y, a, q, axis, method, weights)
    d[q] = quantile_adjoint_q(d[y], y, a, q, axis, method, 100.0)


@tangent(np.percentile)
def percentile_tangent_rule(y, a, q, axis=None, out=None, overwrite_input=False,
                            method="linear", keepdims=False, *, weights=None):
    d[y] = percentile_tangent(d[a], y, a, q, axis, method, weights) + \
        quantile_tangent_q(d[q], y, a, q, axis, method, 100.0)


@adjoint(np.median)
def median(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[a] = quantile_adjoint(d[y], y, a, 0.5, axis, "linear", None)


@tangent(np.median)
def median_tangent(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[y] = quantile_tangent(d[a], y, a, 0.5, axis, "linear", None)


# the nan-functions: NaNs sort last and are not counted (their derivative is 0)

@adjoint(np.nanquantile)
def nanquantile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    d[a] = quantile_adjoint(d[y], y, a, q, axis, method, weights, True)
    d[q] = quantile_adjoint_q(d[y], y, a, q, axis, method, 1.0, True)


@tangent(np.nanquantile)
def nanquantile_tangent(y, a, q, axis=None, out=None, overwrite_input=False,
                        method="linear", keepdims=False, *, weights=None):
    d[y] = quantile_tangent(d[a], y, a, q, axis, method, weights, True) + \
        quantile_tangent_q(d[q], y, a, q, axis, method, 1.0, True)


@adjoint(np.nanpercentile)
def nanpercentile(y, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    d[a] = percentile_adjoint(d[y], y, a, q, axis, method, weights, True)
    d[q] = quantile_adjoint_q(d[y], y, a, q, axis, method, 100.0, True)


@tangent(np.nanpercentile)
def nanpercentile_tangent(y, a, q, axis=None, out=None, overwrite_input=False,
                          method="linear", keepdims=False, *, weights=None):
    d[y] = percentile_tangent(d[a], y, a, q, axis, method, weights, True) + \
        quantile_tangent_q(d[q], y, a, q, axis, method, 100.0, True)


@adjoint(np.nanmedian)
def nanmedian(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[a] = quantile_adjoint(d[y], y, a, 0.5, axis, "linear", None, True)


@tangent(np.nanmedian)
def nanmedian_tangent(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[y] = quantile_tangent(d[a], y, a, 0.5, axis, "linear", None, True)


# ---------------------------------------------------------------- ptp, average, trapezoid

def ptp_partials(x, axis):
    """d ptp/d x: the max's share minus the min's (0 on a constant slice)."""
    x = as_array(x)
    high = extremum_share(x, np.max(x, axis=axis, keepdims=True), axis, True)
    low = extremum_share(x, np.min(x, axis=axis, keepdims=True), axis, True)
    return high - low


@adjoint(np.ptp)
def ptp(y, a, axis=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims) * ptp_partials(a, axis)


@tangent(np.ptp)
def ptp_tangent(y, a, axis=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * ptp_partials(a, axis), axis=axis, keepdims=keepdims)


def check_average(a, weights, axis, returned):
    """Refuses what np.average's rules do not cover: returned=True, weights of other shapes."""
    if returned:
        raise NonDifferentiableError(
            "s2sad differentiates np.average with returned=False only",
            running_derivative_line(),
            hint="compute the sum of the weights with np.sum(weights, axis) on a line of its own.")
    if weights is not None and np.shape(weights) != np.shape(a) and \
            not (np.ndim(weights) == 1 and isinstance(axis, int)):
        raise NonDifferentiableError(
            f"s2sad differentiates np.average with weights of a's shape, or 1-d weights along "
            f"one axis, not weights of shape {np.shape(weights)} with axis={axis!r}",
            running_derivative_line(), hint="broadcast the weights to a's shape first.")


def average_weights(a, weights, axis):
    """np.average's weights, broadcastable against a (1 when there are none)."""
    if weights is None:
        return 1.0
    if np.shape(weights) == np.shape(a):
        return as_array(weights)
    shape = [1] * np.ndim(a)
    shape[axis] = -1
    return np.reshape(weights, shape)


def average_partials(y, a, weights, axis, keepdims):
    """d average/d a and d average/d weights (with a's shape): w / sum(w) and
    (a - average) / sum(w)."""
    a = as_array(a)
    w = broadcast_like(average_weights(a, weights, axis), a, gradient_dtype(a, weights))
    total = np.sum(w, axis=axis, keepdims=True)
    return w / total, (a - unreduce(y, a, axis, keepdims)) / total


def weights_adjoint(full, a, weights, axis):
    """The adjoint of np.average's weights from one of a's shape: summed over the other
    axes for 1-d weights along `axis`."""
    if np.shape(weights) == np.shape(a):
        return full
    return np.sum(full, axis=tuple(i for i in range(np.ndim(a)) if i != axis % np.ndim(a)))


def average_adjoint(g, y, a, weights, axis, keepdims, which):
    """The adjoint of a (which=0) or of the weights (which=1) of np.average."""
    partials = average_partials(y, a, weights, axis, keepdims)[which]
    full = unreduce(g, a, axis, keepdims) * partials
    return full if which == 0 else weights_adjoint(full, a, weights, axis)


def average_tangent(ta, tw, y, a, weights, axis, keepdims):
    """The tangent of np.average along a's tangent ta and the weights' tangent tw."""
    of_a, of_weights = average_partials(y, a, weights, axis, keepdims)
    tw = 0.0 if weights is None else average_weights(a, expand(tw, weights), axis)
    return np.sum(ta * of_a + tw * of_weights, axis=axis, keepdims=keepdims)


@adjoint(np.average)
def average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    check_average(a, weights, axis, returned)
    d[a] = average_adjoint(d[y], y, a, weights, axis, keepdims, 0)
    d[weights] = average_adjoint(d[y], y, a, weights, axis, keepdims, 1)


@tangent(np.average)
def average_tangent_rule(y, a, axis=None, weights=None, returned=False, keepdims=False):
    check_average(a, weights, axis, returned)
    d[y] = average_tangent(d[a], d[weights], y, a, weights, axis, keepdims)


def check_trapezoid(y, x, dx):
    """Refuses what np.trapezoid's rules do not cover: an x that is neither 1-d nor of
    y's dimensions, an array dx."""
    if x is None and np.ndim(dx) != 0:
        raise NonDifferentiableError(
            "s2sad differentiates np.trapezoid with a number dx, not an array",
            running_derivative_line(), hint="pass the sample points as x instead.")
    if x is not None and np.ndim(x) not in (1, np.ndim(y)):
        raise NonDifferentiableError(
            f"s2sad differentiates np.trapezoid with an x of 1 dimension or of y's "
            f"{np.ndim(y)}, not {np.ndim(x)}", running_derivative_line(),
            hint="broadcast x to y's shape first.")


def trapezoid_widths(y, x, dx, axis):
    """The widths of np.trapezoid's intervals, along the last axis (y's `axis` moved
    there)."""
    if x is None:
        return dx
    if np.ndim(x) == 1:
        return np.diff(x)
    return np.moveaxis(np.diff(x, axis=axis), axis, -1)


def trapezoid_midpoints(y, axis):
    """The mean of the two ends of each interval, along the last axis."""
    moved = np.moveaxis(as_array(y), axis, -1)
    return (moved[..., 1:] + moved[..., :-1]) / 2.0


def interval_ends(h):
    """For values `h` per interval (last axis), the sum over each point of its two
    intervals' values: h_{i-1} + h_i, one interval at the ends."""
    edge = np.zeros(np.shape(h)[:-1] + (1,), gradient_dtype(h))
    return np.concatenate([h, edge], -1) + np.concatenate([edge, h], -1)


def trapezoid_adjoint_y(g, y, x, dx, axis):
    """Each sample weighs half the widths of its two intervals."""
    g = as_array(g, gradient_dtype(g, y))  # a float seed keeps float32 samples
    widths = trapezoid_widths(y, x, dx, axis)
    count = np.shape(y)[axis] - 1
    widths = np.broadcast_to(widths, np.shape(widths)[:-1] + (count,)) if np.ndim(widths) \
        else np.full(count, widths, gradient_dtype(g, y))
    full = np.expand_dims(g, -1) * interval_ends(widths) / 2.0
    return unbroadcast(np.moveaxis(full, -1, axis), y)


def trapezoid_adjoint_x(g, y, x, axis):
    """A sample point x_i widens interval i-1 and narrows interval i."""
    g = as_array(g, gradient_dtype(g, y, x))
    per_width = np.expand_dims(g, -1) * trapezoid_midpoints(y, axis)
    edge = np.zeros(np.shape(per_width)[:-1] + (1,), per_width.dtype)
    full = np.concatenate([edge, per_width], -1) - np.concatenate([per_width, edge], -1)
    if np.ndim(x) == 1:
        return np.sum(np.reshape(full, (-1, np.shape(full)[-1])), axis=0)
    return unbroadcast(np.moveaxis(full, -1, axis), x)


def trapezoid_adjoint_dx(g, y, x, dx, axis):
    """The area divided by dx (dx is read only when there is no x)."""
    return 0.0 if x is not None else np.sum(g * np.sum(trapezoid_midpoints(y, axis), -1))


def trapezoid_tangent(area, ty, tx, tdx, y, x, dx, axis):
    """The tangent of np.trapezoid: along y's tangent, plus along the widths' tangent."""
    along_y = np.trapezoid(expand(ty, y), x, dx, axis)
    widths = tdx if x is None else trapezoid_widths(y, expand(tx, x), dx, axis)
    along_widths = np.sum(widths * trapezoid_midpoints(y, axis), -1)
    return like(along_y + along_widths, area)


@adjoint(np.trapezoid)
def trapezoid(area, y, x=None, dx=1.0, axis=-1):
    check_trapezoid(y, x, dx)
    d[y] = trapezoid_adjoint_y(d[area], y, x, dx, axis)
    d[x] = trapezoid_adjoint_x(d[area], y, x, axis)
    d[dx] = trapezoid_adjoint_dx(d[area], y, x, dx, axis)


@tangent(np.trapezoid)
def trapezoid_tangent_rule(area, y, x=None, dx=1.0, axis=-1):
    check_trapezoid(y, x, dx)
    d[area] = trapezoid_tangent(area, d[y], d[x], d[dx], y, x, dx, axis)


# ---------------------------------------------------------------- covariance and correlation

def cov_rows(v, rowvar):
    """One argument of np.cov as rows of variables (a 1-d array is one variable)."""
    x = np.atleast_2d(as_array(v))
    return x.T if not rowvar and x.shape[0] != 1 else x


def cov_variables(m, y, rowvar):
    """np.cov's variables as the rows of one 2-d array, y's below m's."""
    return np.concatenate([cov_rows(v, rowvar) for v in (m, y) if v is not None], 0)


def cov_divisor(x, bias, ddof):
    """What np.cov divides the sum of products by: N - ddof."""
    if ddof is None:
        ddof = 0 if bias else 1
    return np.shape(x)[1] - ddof


def check_unweighted(fweights, aweights):
    if fweights is not None or aweights is not None:
        raise NonDifferentiableError(
            "s2sad differentiates np.cov without fweights and aweights",
            running_derivative_line(),
            hint="weight the centered observations yourself: "
                 "xc = x - np.average(x, axis=1, weights=w, keepdims=True); "
                 "(xc * w) @ xc.T / np.sum(w).")


def centered(x):
    return x - np.mean(x, axis=1, keepdims=True)


def variables_part(gx, m, y, rowvar, which):
    """The part of an adjoint of cov_variables(m, y) that belongs to m (which=0) or y."""
    rows = np.shape(cov_rows(m, rowvar))[0]
    v = m if which == 0 else y
    part = gx[:rows] if which == 0 else gx[rows:]
    if not rowvar and np.shape(np.atleast_2d(v))[0] != 1:
        part = part.T
    return in_dtype_of(np.reshape(part, np.shape(v)), v)  # np.cov computes in float64


def cov_adjoint(g, m, y, rowvar, bias, ddof, which):
    """The adjoint of m (which=0) or y (1) of np.cov: (G + G^T) (x - mean) / (N - ddof)."""
    x = cov_variables(m, y, rowvar)
    count = len(x)
    g = np.reshape(g, (count, count))
    gx = (g + g.T) @ centered(x) / cov_divisor(x, bias, ddof)
    return variables_part(gx, m, y, rowvar, which)


def cov_tangent(c, tm, ty, m, y, rowvar, bias, ddof):
    """dx xc^T + xc dx^T over N - ddof, for the centered tangent dx."""
    x = cov_variables(m, y, rowvar)
    tx = cov_variables(expand(tm, m), None if y is None else expand(ty, y), rowvar)
    half = centered(tx) @ centered(x).T / cov_divisor(x, bias, ddof)
    return np.reshape(half + half.T, np.shape(c))


def corrcoef_parts(r, x, y, rowvar):
    """The correlation matrix r, the covariances' diagonal and its square roots."""
    variances = np.diag(np.atleast_2d(np.cov(x, y, rowvar)))
    count = len(variances)
    return np.reshape(r, (count, count)), variances, np.sqrt(variances)


def corrcoef_adjoint(g, r, x, y, rowvar, which):
    """Through the covariance c: r_ij = c_ij / sqrt(c_ii c_jj)."""
    r, variances, scales = corrcoef_parts(r, x, y, rowvar)
    g = np.reshape(g, np.shape(r))
    weighted = g * r
    g_cov = g / np.outer(scales, scales) \
        - np.diag(np.sum(weighted + weighted.T, axis=1) / (2.0 * variances))
    return cov_adjoint(g_cov, x, y, rowvar, False, None, which)


def corrcoef_tangent(r, tx, ty, x, y, rowvar):
    """dc_ij / sqrt(c_ii c_jj) - r_ij (dc_ii / c_ii + dc_jj / c_jj) / 2."""
    square, variances, scales = corrcoef_parts(r, x, y, rowvar)
    t_cov = np.atleast_2d(cov_tangent(np.cov(x, y, rowvar), tx, ty, x, y, rowvar, False, None))
    relative = np.diag(t_cov) / variances
    t = t_cov / np.outer(scales, scales) - square * (relative[:, None] + relative[None, :]) / 2.0
    return np.reshape(t, np.shape(r))


@adjoint(np.cov)
def cov(c, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    check_unweighted(fweights, aweights)
    d[m] = cov_adjoint(d[c], m, y, rowvar, bias, ddof, 0)
    d[y] = cov_adjoint(d[c], m, y, rowvar, bias, ddof, 1)


@tangent(np.cov)
def cov_tangent_rule(c, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
                     aweights=None, dtype=None):
    check_unweighted(fweights, aweights)
    d[c] = cov_tangent(c, d[m], d[y], m, y, rowvar, bias, ddof)


@adjoint(np.corrcoef)
def corrcoef(r, x, y=None, rowvar=True, dtype=None):
    d[x] = corrcoef_adjoint(d[r], r, x, y, rowvar, 0)
    d[y] = corrcoef_adjoint(d[r], r, x, y, rowvar, 1)


@tangent(np.corrcoef)
def corrcoef_tangent_rule(r, x, y=None, rowvar=True, dtype=None):
    d[r] = corrcoef_tangent(r, d[x], d[y], x, y, rowvar)


# the checks above return nothing: calling them passes no derivative
nondifferentiable(check_average, check_trapezoid, check_unweighted)
nondifferentiable(present, refuse_spacing_derivative)


# ---------------------------------------------------------------- bincount

@adjoint(np.bincount)
def bincount(y, x, weights=None, minlength=0):
    d[weights] = in_dtype_of(expand(d[y], y)[x], weights)  # the bins' adjoints, read back


@tangent(np.bincount)
def bincount_tangent(y, x, weights=None, minlength=0):
    d[y] = np.bincount(x, weights=expand(d[weights], weights), minlength=minlength)
