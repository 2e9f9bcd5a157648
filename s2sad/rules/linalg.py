"""Products of arrays and the matrix functions of np.linalg.

Products are bilinear: the adjoint of one factor contracts the result's adjoint
with the other factor, the tangent follows the product rule
(`product_rule`, which skips a factor whose tangent is the 0.0 of an operand
that carries none). `tensordot_adjoint` is the general contraction adjoint;
`dot`, `inner` and `tensordot` are written with it, `einsum` rewrites its
subscripts.

np.linalg.slogdet returns a pair (sign, logabsdet): its adjoint reads the adjoint
of the pair, built by the rules of indexing (`t[1]`, unpacking) or of attribute
reads (`t.logabsdet`), and uses the log|det| part.
"""
import operator
import string

import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, fits_its_seed, nondifferentiable, tangent
from ..runtime import (Shape, as_array, copy_of, expand, gradient_dtype, numpy_only,
                       unbroadcast)


def inactive(t):
    """Is `t` the 0.0 that stands for the tangent of an operand carrying none?"""
    return type(t) is float and t == 0.0


def product_rule(z, f, a, da, b, db, *args):
    """The tangent of z = f(a, b, *args) for f linear in a and in b."""
    if type(a) is not np.ndarray and is_sparse(a) and not inactive(da) or \
            type(b) is not np.ndarray and is_sparse(b) and not inactive(db):
        refuse_sparse_derivative()
    terms = [f(expand(da, a), b, *args) if not inactive(da) else 0.0,
             f(a, expand(db, b), *args) if not inactive(db) else 0.0]
    total = terms[0] + terms[1]
    return total if np.shape(total) == np.shape(z) else np.broadcast_to(total, np.shape(z))


def mT(x):
    """The matrix transpose of (a stack of) matrices."""
    return np.swapaxes(x, -1, -2)


def mH(x):
    """The conjugate transpose of (a stack of) matrices; the transpose of real ones."""
    return np.swapaxes(np.conj(x), -1, -2) if np.iscomplexobj(x) else np.swapaxes(x, -1, -2)


# ---------------------------------------------------------------- matmul

def _as_matrices(g, a, b):
    """a, b as stacks of matrices (a vector gains a unit axis) and g to match."""
    a2 = a if np.ndim(a) > 1 else np.reshape(a, (1, -1))
    b2 = b if np.ndim(b) > 1 else np.reshape(b, (-1, 1))
    batch = np.broadcast_shapes(np.shape(a2)[:-2], np.shape(b2)[:-2])
    g2 = np.reshape(g, batch + (np.shape(a2)[-2], np.shape(b2)[-1]))  # a vector's 1 back
    return g2, a2, b2


# The adjoint of a product's result may come broadcast beyond the result's shape:
# `np.dot(h, W) + x3d` leaves the sum over x3d's extra axis to the product's
# helpers (templates.fits_seed), which saves the tape the product's shape.

def shapes(a, b) -> tuple:
    """np.shape of both, read from the arrays' attribute when they are arrays."""
    try:
        return a.shape, b.shape
    except AttributeError:
        return np.shape(a), np.shape(b)


def product_seed(g, shape):
    """`g` summed down to the product's `shape`, where it comes broadcast beyond it."""
    # unbroadcast's own first test, without the Shape it takes: half its time, once
    # per product in a loop's reverse step
    if type(g) is np.ndarray and g.shape == shape:
        return g
    return unbroadcast(g, Shape(shape))


def matmul_shape(a, b) -> tuple:
    """The shape of `a @ b` (operands of one axis or more)."""
    sa, sb = shapes(a, b)
    if len(sa) == 2 and len(sb) == 2:
        return sa[0], sb[1]
    if len(sb) == 1:
        return sa[:-1]
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])


def dot_shape(a, b) -> tuple:
    """The shape of `np.dot(a, b)` (operands of one axis or more)."""
    sa, sb = shapes(a, b)
    if len(sa) == 2 and len(sb) == 2:
        return sa[0], sb[1]
    return sa[:-1] + (sb[:-2] + sb[-1:] if len(sb) > 1 else ())


nondifferentiable(shapes, matmul_shape, dot_shape)


# On operands of one or two axes `a @ b` is `np.dot(a, b)`, whose adjoints below
# are one product each (an outer product for a matrix times a vector).

@fits_its_seed
def matmul_adjoint_a(g, a, b):
    """The adjoint of a in `a @ b`: g @ b^T, and only that product."""
    na, nb = ndims(a, b)
    if na == 0 or nb == 0:
        return unbroadcast(g * b, a)
    if na <= 2 and nb <= 2:
        return dot_adjoint_a(g, a, b)
    g2, a2, b2 = _as_matrices(product_seed(g, matmul_shape(a, b)), a, b)
    return np.reshape(unbroadcast(g2 @ mT(b2), a2), np.shape(a))


@fits_its_seed
def matmul_adjoint_b(g, a, b):
    """The adjoint of b in `a @ b`: a^T @ g, and only that product."""
    na, nb = ndims(a, b)
    if na == 0 or nb == 0:
        return unbroadcast(g * a, b)
    if na <= 2 and nb <= 2:
        return dot_adjoint_b(g, a, b)
    g2, a2, b2 = _as_matrices(product_seed(g, matmul_shape(a, b)), a, b)
    return np.reshape(unbroadcast(mT(a2) @ g2, b2), np.shape(b))


@adjoint(operator.matmul, np.matmul)
def matmul(z, a, b):
    d[a] = matmul_adjoint_a(d[z], a, b)
    d[b] = matmul_adjoint_b(d[z], a, b)


@tangent(operator.matmul, np.matmul)
def matmul_tangent(z, a, b):
    d[z] = product_rule(z, operator.matmul, a, d[a], b, d[b])  # `@`: sparse factors too


# ---------------------------------------------------------------- contractions

def contracted_axes(a, b, axes):
    """np.tensordot's `axes` as two lists of nonnegative axes of a and of b."""
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(np.ndim(a) - n, np.ndim(a))), list(range(n))
    ia, ib = axes
    ia = [ia] if np.ndim(ia) == 0 else list(ia)
    ib = [ib] if np.ndim(ib) == 0 else list(ib)
    return [i % np.ndim(a) for i in ia], [j % np.ndim(b) for j in ib]


def tensordot_adjoint(g, a, b, axes, which):
    """Adjoint of factor `which` (0: a, 1: b) of np.tensordot(a, b, axes)."""
    ia, ib = contracted_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in ia]
    free_b = [j for j in range(np.ndim(b)) if j not in ib]
    g_a = list(range(len(free_a)))                    # g's axes: a's free, then b's free
    g_b = list(range(len(free_a), np.ndim(g)))
    if which == 0:
        t = np.tensordot(g, b, axes=(g_b, free_b))     # a's free, then b's contracted (sorted)
        order = free_a + [ia[ib.index(j)] for j in sorted(ib)]
    else:
        t = np.tensordot(a, g, axes=(free_a, g_a))     # a's contracted (sorted), then b's free
        order = [ib[ia.index(i)] for i in sorted(ia)] + free_b
    return np.transpose(t, np.argsort(order))


def dot_axes(a, b):
    """np.dot(a, b) as a tensordot: a's last axis with b's second-to-last (or only) one."""
    return [np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]


def inner_axes(a, b):
    return [np.ndim(a) - 1], [np.ndim(b) - 1]


def contraction_adjoint(g, a, b, axes, which):
    """tensordot_adjoint, with a scalar factor meaning plain multiplication."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * (b if which == 0 else a), (a, b)[which])
    if np.ndim(a) == np.ndim(b) == 1 and np.ndim(g) == 0:  # a scalar product of vectors
        return g * (b if which == 0 else a)
    return tensordot_adjoint(g, a, b, axes, which)


# Operands of one or two axes are the common case: there `np.dot(a, b)` is a
# matrix product, a vector-matrix product, an outer or an inner product, and its
# adjoints are one product each, with no transposed copy of a large operand.
# They are written with np.dot, not `@` (the same product on such operands):
# Dask's dot is a tensordot, a third faster than its matmul for `X.T @ g`.

def is_sparse(x) -> bool:
    """A SciPy sparse matrix or array: NumPy's functions take it for one object,
    its own `@` multiplies; only as a constant."""
    return type(x).__module__.startswith("scipy.sparse")


def refuse_sparse_derivative():
    """A derivative would flow through a sparse matrix (c * A, or A itself): its
    `*` is a matrix product for scipy.sparse's matrices, and NumPy's functions do
    not take it."""
    raise NonDifferentiableError(
        "s2sad differentiates products with a SciPy sparse matrix held constant; this "
        "one carries a derivative", running_derivative_line(),
        hint="scale the product instead of the matrix (c * (A @ x)), or pass the matrix "
             "as a dense array (A.toarray()) to differentiate with respect to its entries.")


def dot_of(a, b):
    """np.dot(a, b); `a @ b` where one is sparse (of two axes at most: the same product)."""
    return a @ b if is_sparse(a) or is_sparse(b) else np.dot(a, b)


def ndims(a, b) -> tuple:
    """np.ndim of both, read from the arrays' attribute when they are arrays (a
    tenth of np.ndim's time, which counts at the small shapes of a loop body)."""
    try:
        return a.ndim, b.ndim
    except AttributeError:
        return np.ndim(a), np.ndim(b)


@fits_its_seed
def dot_adjoint_a(g, a, b):
    """The adjoint of a in `np.dot(a, b)` (and `a.dot(b)`)."""
    if type(a) is not np.ndarray and is_sparse(a):
        refuse_sparse_derivative()
    na, nb = ndims(a, b)
    if na and nb:
        g = product_seed(g, dot_shape(a, b))
    if nb == 2:
        if na == 2:
            return np.dot(g, b.T) if type(b) is np.ndarray else dot_of(g, b.T)
        if na == 1:
            return np.dot(b, g) if type(b) is np.ndarray else dot_of(b, g)
    elif nb == 1:
        if na == 2:
            return np.outer(g, b)
        if na == 1:
            return g * b
    return contraction_adjoint(g, a, b, dot_axes(a, b), 0)


@fits_its_seed
def dot_adjoint_b(g, a, b):
    """The adjoint of b in `np.dot(a, b)` (and `a.dot(b)`)."""
    if type(b) is not np.ndarray and is_sparse(b):
        refuse_sparse_derivative()
    na, nb = ndims(a, b)
    if na and nb:
        g = product_seed(g, dot_shape(a, b))
    if na == 2:
        if nb in (1, 2):
            return np.dot(a.T, g) if type(a) is np.ndarray else dot_of(a.T, g)
    elif na == 1:
        if nb == 2:
            return np.outer(a, g)
        if nb == 1:
            return g * a
    return contraction_adjoint(g, a, b, dot_axes(a, b), 1)


def inner_adjoint_a(g, a, b):
    """The adjoint of a in `np.inner(a, b)`, which contracts the last axes of both."""
    na, nb = ndims(a, b)
    if nb == 2:
        if na in (1, 2):
            return np.dot(g, b)
    elif nb == 1:
        if na == 2:
            return np.outer(g, b)
        if na == 1:
            return g * b
    return contraction_adjoint(g, a, b, inner_axes(a, b), 0)


def inner_adjoint_b(g, a, b):
    """The adjoint of b in `np.inner(a, b)`."""
    na, nb = ndims(a, b)
    if na == 2:
        if nb == 2:
            return np.dot(g.T, a)
        if nb == 1:
            return np.dot(g, a)
    elif na == 1:
        if nb == 2:
            return np.outer(g, a)
        if nb == 1:
            return g * a
    return contraction_adjoint(g, a, b, inner_axes(a, b), 1)


def is_full_contraction(a, b, axes) -> bool:
    """`np.tensordot(a, b, n)` summing every axis of two operands of n axes."""
    return type(axes) is int and np.ndim(a) == np.ndim(b) == axes


def tensordot_adjoint_a(g, a, b, axes):
    """The adjoint of a in `np.tensordot(a, b, axes)`: axes=1 on operands of one or
    two axes is np.dot; summing all axes of both is a product with the scalar g."""
    if type(axes) is int and axes == 1 and 1 <= np.ndim(a) <= 2 and 1 <= np.ndim(b) <= 2:
        return dot_adjoint_a(g, a, b)
    if is_full_contraction(a, b, axes):
        return g * b
    return contraction_adjoint(g, a, b, axes, 0)


def tensordot_adjoint_b(g, a, b, axes):
    """The adjoint of b in `np.tensordot(a, b, axes)`."""
    if type(axes) is int and axes == 1 and 1 <= np.ndim(a) <= 2 and 1 <= np.ndim(b) <= 2:
        return dot_adjoint_b(g, a, b)
    if is_full_contraction(a, b, axes):
        return g * a
    return contraction_adjoint(g, a, b, axes, 1)


@adjoint(np.dot, np.ndarray.dot)
def dot(z, a, b, out=None):
    d[a] = dot_adjoint_a(d[z], a, b)
    d[b] = dot_adjoint_b(d[z], a, b)


@tangent(np.dot, np.ndarray.dot)
def dot_tangent(z, a, b, out=None):
    d[z] = product_rule(z, dot_of, a, d[a], b, d[b])


@adjoint(np.inner)
def inner(z, a, b):
    d[a] = inner_adjoint_a(d[z], a, b)
    d[b] = inner_adjoint_b(d[z], a, b)


@tangent(np.inner)
def inner_tangent(z, a, b):
    d[z] = product_rule(z, np.inner, a, d[a], b, d[b])


@adjoint(np.tensordot)
def tensordot(z, a, b, axes=2):
    d[a] = tensordot_adjoint_a(d[z], a, b, axes)
    d[b] = tensordot_adjoint_b(d[z], a, b, axes)


@tangent(np.tensordot)
def tensordot_tangent(z, a, b, axes=2):
    d[z] = product_rule(z, np.tensordot, a, d[a], b, d[b], axes)


@adjoint(np.outer)
def outer(z, a, b, out=None):
    d[a] = np.reshape(d[z] @ np.ravel(b), np.shape(a))
    d[b] = np.reshape(np.ravel(a) @ d[z], np.shape(b))


@tangent(np.outer)
def outer_tangent(z, a, b, out=None):
    d[z] = product_rule(z, np.outer, a, d[a], b, d[b])


@adjoint(np.vdot)
def vdot(z, a, b):
    d[a] = np.conj(d[z] * np.reshape(b, np.shape(a)))
    d[b] = d[z] * np.reshape(np.conj(a), np.shape(b))


@tangent(np.vdot)
def vdot_tangent(z, a, b):
    d[z] = product_rule(z, np.vdot, a, d[a], b, d[b])


# ---------------------------------------------------------------- einsum

def einsum_terms(subscripts, count):
    """'ij,jk->ik' as (['ij', 'jk'], 'ik'); implicit output: letters seen once, sorted."""
    if not isinstance(subscripts, str) or "." in subscripts:
        raise NonDifferentiableError(
            "s2sad differentiates np.einsum with explicit letters ('ij,jk->ik'), not with "
            "'...' or sublists", running_derivative_line(),
            hint="name every axis: np.einsum('bij,bjk->bik', a, b) for a stack of matrices.")
    spec = subscripts.replace(" ", "")
    inputs, _, output = spec.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != count:  # a seventh operand lands in `out`
        raise NonDifferentiableError(
            f"einsum subscripts {subscripts!r} name {len(inputs)} operands, and s2sad "
            f"differentiates np.einsum with up to six (and without out=)",
            running_derivative_line(),
            hint="split the contraction into einsum calls of six operands or fewer.")
    if "->" not in spec:
        letters = "".join(inputs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs, output


def einsum_adjoint(g, subscripts, which, *operands):
    """Adjoint of operand `which` of np.einsum(subscripts, *operands).

    It is the einsum of g with the other operands, written into the operand's
    letters; letters only the operand has are summed there, so they come back
    as an operand of ones; a repeated letter (a diagonal) gets an identity.
    """
    operands = [x for x in operands if x is not None]
    g = as_array(g, gradient_dtype(g, *operands))  # a float seed keeps float32 operands
    inputs, output = einsum_terms(subscripts, len(operands))
    target = inputs[which]
    others = [j for j in range(len(operands)) if j != which]
    terms = [output] + [inputs[j] for j in others]
    values = [g] + [operands[j] for j in others]
    seen = "".join(terms)
    fresh = iter(c for c in string.ascii_letters if c not in subscripts)
    letters = ""
    for axis, c in enumerate(target):
        size = np.shape(operands[which])[axis]
        if c in letters:            # repeated: a new letter tied to c by an identity
            new = next(fresh)
            terms.append(c + new)
            values.append(np.eye(size, dtype=g.dtype))
            c = new
        elif c not in seen:         # summed over in this operand only
            terms.append(c)
            values.append(np.ones(size, g.dtype))
        letters += c
    return np.einsum(",".join(terms) + "->" + letters, *values)


def einsum_tangent(y, subscripts, operands, tangents):
    """Sum over operands carrying a tangent of einsum with that operand's tangent."""
    operands = [x for x in operands if x is not None]
    einsum_terms(subscripts, len(operands))  # refuses what the rule does not cover
    total = 0.0
    for i, t in enumerate(tangents[:len(operands)]):
        if not inactive(t):
            t = expand(t, operands[i])
            total = total + np.einsum(subscripts, *operands[:i], t, *operands[i + 1:])
    return total if np.shape(total) == np.shape(y) else np.broadcast_to(total, np.shape(y))


@adjoint(np.einsum)
def einsum(y, subscripts, a, b=None, c=None, e=None, f=None, g=None, out=None,
           optimize=False):
    d[a] = einsum_adjoint(d[y], subscripts, 0, a, b, c, e, f, g)
    d[b] = einsum_adjoint(d[y], subscripts, 1, a, b, c, e, f, g)
    d[c] = einsum_adjoint(d[y], subscripts, 2, a, b, c, e, f, g)
    d[e] = einsum_adjoint(d[y], subscripts, 3, a, b, c, e, f, g)
    d[f] = einsum_adjoint(d[y], subscripts, 4, a, b, c, e, f, g)
    d[g] = einsum_adjoint(d[y], subscripts, 5, a, b, c, e, f, g)


@tangent(np.einsum)
def einsum_tangent_rule(y, subscripts, a, b=None, c=None, e=None, f=None, g=None, out=None,
                        optimize=False):
    d[y] = einsum_tangent(y, subscripts, (a, b, c, e, f, g),
                          (d[a], d[b], d[c], d[e], d[f], d[g]))


def einsum_adjoint_tangent(dg, g, subscripts, which, operands, tangents):
    """The tangent of einsum_adjoint(g, subscripts, which, *operands), linear in g and
    in each other operand: the same with one of them moved at a time."""
    total = 0.0 if _is_zero(dg) else \
        einsum_adjoint(expand(dg, g), subscripts, which, *operands)
    for j, (x, t) in enumerate(zip(operands, tangents)):
        if j != which and x is not None and not _is_zero(t):
            moved = list(operands)
            moved[j] = expand(t, x)
            total = total + einsum_adjoint(g, subscripts, which, *moved)
    return total


def _is_zero(t) -> bool:
    return type(t) is float and t == 0.0


@tangent(einsum_adjoint)
def einsum_adjoint_tangent_rule(y, g, subscripts, which, a, b=None, c=None, e=None, f=None,
                                h=None):
    d[y] = einsum_adjoint_tangent(d[g], g, subscripts, which, (a, b, c, e, f, h),
                                  (d[a], d[b], d[c], d[e], d[f], d[h]))


# ---------------------------------------------------------------- trace and diagonals

def untrace(g, a, offset, axis1, axis2):
    """Adjoint of np.trace: g on the chosen diagonal of each matrix, 0 elsewhere."""
    shape = np.shape(a)
    g = as_array(g, gradient_dtype(g, a))
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=g.dtype)
    return np.moveaxis(np.expand_dims(g, (-2, -1)) * eye, (-2, -1), (axis1, axis2))


def undiag(g, v, k):
    """Adjoint of np.diag(v, k): read back the diagonal, or put g on it."""
    if np.ndim(v) == 1:
        return np.diag(g, k)
    numpy_only("np.diag", g)
    out = np.zeros(np.shape(v), gradient_dtype(g, v))
    i = np.arange(len(g))
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out


def undiagonal(g, a, offset, axis1, axis2):
    """Adjoint of np.diagonal(a, offset, axis1, axis2): g (the diagonal along its last
    axis) back on that diagonal of each matrix, 0 elsewhere."""
    numpy_only("np.diagonal", g, a)
    g = as_array(g, gradient_dtype(g, a))
    out = np.zeros(np.shape(np.moveaxis(np.asarray(a), (axis1, axis2), (-2, -1))), g.dtype)
    i = np.arange(np.shape(g)[-1])
    out[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return np.moveaxis(out, (-2, -1), (axis1, axis2))


@adjoint(np.trace)
def trace(y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[a] = untrace(d[y], a, offset, axis1, axis2)


@tangent(np.trace)
def trace_tangent(y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[y] = np.trace(expand(d[a], a), offset, axis1, axis2)


@adjoint(np.diag)
def diag(y, v, k=0):
    d[v] = undiag(d[y], v, k)


@tangent(np.diag)
def diag_tangent(y, v, k=0):
    d[y] = np.diag(expand(d[v], v), k)


@adjoint(np.diagonal, np.ndarray.diagonal)
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    d[a] = undiagonal(d[y], a, offset, axis1, axis2)


@tangent(np.diagonal, np.ndarray.diagonal)
def diagonal_tangent(y, a, offset=0, axis1=0, axis2=1):
    d[y] = copy_of(np.diagonal(expand(d[a], a), offset, axis1, axis2))


@tangent(undiagonal)  # linear in g; a gives only its shape (second derivatives)
def undiagonal_tangent(z, g, a, offset, axis1, axis2):
    d[z] = undiagonal(expand(d[g], g), a, offset, axis1, axis2)


@adjoint(np.diagflat)
def diagflat(y, v, k=0):
    d[v] = np.reshape(np.diagonal(d[y], k), np.shape(v))


@tangent(np.diagflat)
def diagflat_tangent(y, v, k=0):
    d[y] = np.diagflat(expand(d[v], v), k)


@adjoint(np.triu)
def triu(y, m, k=0):
    d[m] = unbroadcast(np.triu(d[y], k), m)


@tangent(np.triu)
def triu_tangent(y, m, k=0):
    d[y] = np.triu(expand(d[m], m), k)


@adjoint(np.tril)
def tril(y, m, k=0):
    d[m] = unbroadcast(np.tril(d[y], k), m)


@tangent(np.tril)
def tril_tangent(y, m, k=0):
    d[y] = np.tril(expand(d[m], m), k)


# ---------------------------------------------------------------- cross and Kronecker products

def check_cross(a, b, axisa, axisb, axisc, axis):
    """Refuses what the cross product's rules do not cover: 2-vectors, other axes."""
    if np.shape(a)[-1:] != (3,) or np.shape(b)[-1:] != (3,) or axis is not None or \
            (axisa, axisb, axisc) != (-1, -1, -1):
        raise NonDifferentiableError(
            f"s2sad differentiates np.cross of 3-vectors along the last axis, not of shapes "
            f"{np.shape(a)} and {np.shape(b)} with axisa={axisa}, axisb={axisb}, "
            f"axisc={axisc}, axis={axis}", running_derivative_line(),
            hint="move the vectors' axis last with np.moveaxis; for 2-vectors, write "
                 "a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0].")


nondifferentiable(check_cross)  # returns nothing: calling it passes no derivative


@adjoint(np.cross)
def cross(c, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    check_cross(a, b, axisa, axisb, axisc, axis)
    d[a] = unbroadcast(np.cross(b, d[c]), a)
    d[b] = unbroadcast(np.cross(d[c], a), b)


@tangent(np.cross)
def cross_tangent_rule(c, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    check_cross(a, b, axisa, axisb, axisc, axis)
    d[c] = product_rule(c, np.cross, a, d[a], b, d[b])


def check_kron(a, b):
    """Refuses what np.kron's rules do not cover: operands that are not matrices."""
    if np.ndim(a) != 2 or np.ndim(b) != 2:
        raise NonDifferentiableError(
            f"s2sad differentiates np.kron of two 2-d arrays, not of shapes {np.shape(a)} "
            f"and {np.shape(b)}", running_derivative_line(),
            hint="make both operands matrices first (np.atleast_2d, or a reshape).")


nondifferentiable(check_kron)


def kron_blocks(g, a, b):
    """The adjoint of np.kron(a, b) as blocks: blocks[i, k, j, l] goes with a[i, j] b[k, l]."""
    check_kron(a, b)
    (m, n), (p, q) = np.shape(a), np.shape(b)
    return np.reshape(g, (m, p, n, q))


@adjoint(np.kron)
def kron(y, a, b):
    d[a] = np.einsum("ikjl,kl->ij", kron_blocks(d[y], a, b), b)
    d[b] = np.einsum("ikjl,ij->kl", kron_blocks(d[y], a, b), a)


@tangent(np.kron)
def kron_tangent(y, a, b):
    check_kron(a, b)
    d[y] = product_rule(y, np.kron, a, d[a], b, d[b])


# ---------------------------------------------------------------- np.linalg

def solve_adjoint_a(g, x, a, b):
    """-(A^-T g) x^T: the adjoint of A in x = solve(A, b)."""
    gb = np.linalg.solve(mT(a), g)
    if np.ndim(b) == 1:
        return unbroadcast(-gb[..., :, None] * x[..., None, :], a)
    return unbroadcast(-gb @ mT(x), a)


def solve_adjoint_b(g, a, b):
    """A^-T g: the adjoint of b in x = solve(A, b)."""
    return unbroadcast(np.linalg.solve(mT(a), g), b)


def solve_tangent(x, a, da, b, db):
    """dx = A^-1 (db - dA x), skipping whichever operand carries no tangent."""
    rhs = 0.0 if inactive(db) else db
    if not inactive(da):
        da = expand(da, a)
        rhs = rhs - (da @ x if np.ndim(b) > 1 else (da @ x[..., None])[..., 0])
    return np.linalg.solve(a, np.broadcast_to(rhs, np.shape(x)))


def det_adjoint(g, y, a):
    """g det(A) A^-T."""
    return (np.asarray(g) * y)[..., None, None] * mT(np.linalg.inv(a))


def log_det_part(g):
    """The log|det A| part of the adjoint of slogdet's (sign, logabsdet) pair, whose
    items were read by index (a list of adjoints) or by name (a dict of them)."""
    if isinstance(g, dict):
        return np.asarray(g.get("logabsdet", 0.0))
    if isinstance(g, (list, tuple)):
        return np.asarray(g[1])
    return np.asarray(g)  # a zero: no adjoint reached the pair


def sign_part(g):
    """The sign part of the adjoint of slogdet's (sign, logabsdet) pair (0.0 if unread)."""
    if isinstance(g, dict):
        return np.asarray(g.get("sign", 0.0))
    if isinstance(g, (list, tuple)):
        return np.asarray(g[0])
    return np.asarray(0.0)


def slogdet_weight(g, a):
    """The factor of A^-T in slogdet's adjoint: Re g_logabsdet, and for complex A
    i Im(g_sign sign) too (d log|det A| = Re t, d sign = i sign Im t, with
    t = trace(A^-1 dA)); a real sign is piecewise constant."""
    weight = np.real(log_det_part(g))
    if not np.iscomplexobj(a):
        return weight
    return weight + 1j * np.imag(sign_part(g) * np.linalg.slogdet(a)[0])


def slogdet_adjoint(g, a):
    """slogdet_weight(g) A^-T."""
    return slogdet_weight(g, a)[..., None, None] * mT(np.linalg.inv(a))


def slogdet_adjoint_tangent(dg, g, a, da):
    """The tangent of g_logabsdet A^-T, with d A^-1 = -A^-1 dA A^-1 (second
    derivatives of log|det A|, of a real A)."""
    if np.iscomplexobj(a):
        raise NonDifferentiableError(
            "s2sad has no second derivatives of np.linalg.slogdet of a complex matrix",
            running_derivative_line(), hint="differentiate it once, or use a real matrix.")
    inverse = np.linalg.inv(a)
    moved = -inverse @ expand(da, a) @ inverse
    return log_det_part(dg)[..., None, None] * mT(inverse) + \
        log_det_part(g)[..., None, None] * mT(moved)


def log_det_tangent(a, da):
    """d log|det A| = trace(A^-1 dA)."""
    return np.trace(np.linalg.solve(a, expand(da, a)), axis1=-2, axis2=-1)


def slogdet_tangent(y, a, da):
    """The tangent of the pair (sign, log|det A|), of y's type: with t = trace(A^-1 dA),
    (i sign Im t, Re t); a real sign does not vary."""
    t = log_det_tangent(a, da)
    if not np.iscomplexobj(y[0]):
        return type(y)(np.zeros(np.shape(y[0]), np.result_type(y[0])), np.real(t))
    return type(y)(1j * y[0] * np.imag(t), np.real(t))


@adjoint(np.linalg.inv)
def inv(y, a):
    d[a] = -mT(y) @ d[y] @ mT(y)


@tangent(np.linalg.inv)
def inv_tangent(y, a):
    d[y] = -y @ expand(d[a], a) @ y


@adjoint(np.linalg.solve)
def solve(x, a, b):
    d[a] = solve_adjoint_a(d[x], x, a, b)
    d[b] = solve_adjoint_b(d[x], a, b)


@tangent(np.linalg.solve)
def solve_tangent_rule(x, a, b):
    d[x] = solve_tangent(x, a, d[a], b, d[b])


@adjoint(np.linalg.det)
def det(y, a):
    d[a] = det_adjoint(d[y], y, a)


@tangent(np.linalg.det)
def det_tangent(y, a):
    d[y] = y * log_det_tangent(a, d[a])


@adjoint(np.linalg.slogdet)
def slogdet(y, a):
    d[a] = slogdet_adjoint(d[y], a)


@tangent(slogdet_adjoint)
def slogdet_adjoint_tangent_rule(y, g, a):
    d[y] = slogdet_adjoint_tangent(d[g], g, a, d[a])


@tangent(np.linalg.slogdet)
def slogdet_tangent_rule(y, a):
    d[y] = slogdet_tangent(y, a, d[a])


# ---------------------------------------------------------------- Cholesky

def phi(x):
    """The lower triangle of x with its diagonal halved."""
    return np.tril(x) - 0.5 * np.tril(np.triu(x))


def symmetric_part(x):
    return 0.5 * (x + mT(x))


def hermitian_part(x):
    """(x + x^H) / 2: the symmetric part of a real x."""
    return 0.5 * (x + mH(x))


def cholesky_adjoint(g, factor, upper):
    """The adjoint of A in `factor = cholesky(A)` (A = L L^H), Hermitian (A is, and the
    derivative is taken along Hermitian changes of A): the Hermitian part of
    L^-T phi(L^T g) conj(L)^-1 (for real A, the symmetric part of L^-T phi(L^T g) L^-1).
    The upper factor U = L^H passes g^H to L."""
    lower = mH(factor) if upper else factor
    g = mH(g) if upper else g
    inner = phi(mT(lower) @ g)
    s = mT(np.linalg.solve(mH(lower), mT(np.linalg.solve(mT(lower), inner))))
    return hermitian_part(s)


def cholesky_tangent(factor, da, a, upper):
    """dL = L phi(L^-1 dA L^-H), with dA's Hermitian part (dL^H for upper)."""
    lower = mH(factor) if upper else factor
    da = hermitian_part(expand(da, a))
    inner = mH(np.linalg.solve(lower, mH(np.linalg.solve(lower, da))))
    dl = lower @ phi(inner)
    return mH(dl) if upper else dl


@adjoint(np.linalg.cholesky)
def cholesky(y, a, upper=False):
    d[a] = cholesky_adjoint(d[y], y, upper)


@tangent(np.linalg.cholesky)
def cholesky_tangent_rule(y, a, upper=False):
    d[y] = cholesky_tangent(y, d[a], a, upper)
