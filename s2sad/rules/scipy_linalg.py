"""scipy.linalg: factorizations and solves of dense linear algebra.

Registered only when SciPy imports. Conventions:
- `cholesky` and `cho_solve` take the factored matrix as symmetric: the adjoint
  of A is symmetric, the derivative along symmetric changes of A (as in JAX and
  autograd). Only the triangle a factor is read from gets an adjoint in
  `cho_solve` and `solve_triangular` (SciPy ignores the other one).
- `solve` differentiates x = A^-1 b for the whole matrix A, whatever `assume_a`
  says (for symmetric A parametrized symmetrically, the same derivative).
- `eigh` and `eigvalsh` solve the standard symmetric problem (no `b`, all
  eigenvalues), with the conventions and caveat of np.linalg.eigh
  (decompositions.py): a symmetric adjoint, and eigenvector derivatives that
  divide by the gaps between eigenvalues.
- `expm`'s derivative is its Frechet derivative L(A, E), the top right block of
  expm([[A, E], [0, A]]); the adjoint of A is L(A^T, g).
- `lu_factor` returns the pair (lu, piv), L (unit diagonal) and U packed in lu:
  the adjoint of lu has L's strict lower triangle and U's upper one; the pivots,
  piecewise constant, get none.
- `cho_factor` gets a stand-in: the factor from `cholesky`, and in the other
  triangle (which `cho_solve` does not read) the entries of `a` SciPy leaves
  there. `svdvals` is the singular values of np.linalg.svd (a stand-in too).
- `block_diag` (up to six blocks) and `toeplitz` (1-D `c` and `r`) are linear:
  the adjoint of a block is its slice of the result's adjoint, that of `c` (of
  `r`) the sums along the diagonals on and below (above) the main one.
- The flags `overwrite_*` must be False (s2sad keeps the operands).
- Complex matrices follow JAX's convention: `cholesky` and `cho_solve` take
  A = L L^H (Hermitian), `trans='C'` (or 2) of `solve_triangular` and `lu_solve`
  solves with the conjugate transpose.
"""
import numpy as np
from scipy import linalg

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, source_for, tangent
from ..runtime import AdjointList, expand, unbroadcast
from .decompositions import (eigenvalues_tangent, eigh_adjoint, eigh_result_adjoint,
                             eigh_tangent, items_read)
from .linalg import (cholesky_adjoint, cholesky_tangent, det_adjoint, inactive, log_det_tangent,
                     mH, mT, solve_adjoint_a, solve_adjoint_b, solve_tangent)


def no_overwrite(function, *flags):
    """Refuse overwrite_a=True and the like: the adjoint needs the operands."""
    if any(flags):
        raise NonDifferentiableError(
            f"s2sad differentiates scipy.linalg.{function} with overwrite_a and "
            f"overwrite_b left False", running_derivative_line(),
            hint="drop the overwrite_ flags.")


def outer_of(u, v):
    """u v^T for vectors, u @ v^T for matrices (columns of right-hand sides)."""
    return np.outer(u, v) if np.ndim(u) == 1 else u @ mT(v)


# ---------------------------------------------------------------- triangular solves

def is_transposed(trans):
    return trans in (1, 2, "T", "C")


def is_conjugated(trans):
    """trans=2 or 'C': op(T) = T^H."""
    return trans in (2, "C")


def op(x, trans):
    """x, x^T or x^H, as `trans` says (0/'N', 1/'T', 2/'C')."""
    if is_conjugated(trans):
        return mH(x)
    return mT(x) if is_transposed(trans) else x


def op_adjoint(ga, trans):
    """The adjoint of A from ga, that of op(A): ga, ga^T, or conj(ga)^T for op = H."""
    if is_conjugated(trans):
        return mH(ga)
    return mT(ga) if is_transposed(trans) else ga


def triangle(a, lower, unit_diagonal):
    """The entries of a that solve_triangular reads: a mask of a's shape."""
    n = np.shape(a)[-1]
    mask = np.tril(np.ones((n, n))) if lower else np.triu(np.ones((n, n)))
    return mask - np.eye(n) if unit_diagonal else mask


def solve_triangular_b(g, a, trans, lower, unit_diagonal):
    """op(T)^-T g: the adjoint of b (conj(T^-1 conj(g)) for op = H)."""
    if is_conjugated(trans):
        return np.conj(linalg.solve_triangular(a, np.conj(g), lower=lower,
                                               unit_diagonal=unit_diagonal))
    return linalg.solve_triangular(a, g, trans=0 if is_transposed(trans) else 1,
                                   lower=lower, unit_diagonal=unit_diagonal)


def solve_triangular_a(g, x, a, trans, lower, unit_diagonal, overwrite_b):
    """-(op(T)^-T g) x^T, taken back through op, on T's triangle."""
    no_overwrite("solve_triangular", overwrite_b)
    gb = solve_triangular_b(g, a, trans, lower, unit_diagonal)
    return op_adjoint(-outer_of(gb, x), trans) * triangle(a, lower, unit_diagonal)


def solve_triangular_tangent(x, a, da, b, db, trans, lower, unit_diagonal):
    """dx = op(T)^-1 (db - op(dT) x)."""
    rhs = 0.0 if inactive(db) else db
    if not inactive(da):
        dt = expand(da, a) * triangle(a, lower, unit_diagonal)
        rhs = rhs - op(dt, trans) @ x
    return linalg.solve_triangular(a, np.broadcast_to(rhs, np.shape(x)), trans=trans,
                                   lower=lower, unit_diagonal=unit_diagonal)


@adjoint(linalg.solve_triangular)
def solve_triangular(x, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    d[a] = solve_triangular_a(d[x], x, a, trans, lower, unit_diagonal, overwrite_b)
    d[b] = solve_triangular_b(d[x], a, trans, lower, unit_diagonal)


@tangent(linalg.solve_triangular)
def solve_triangular_tangent_rule(x, a, b, trans=0, lower=False, unit_diagonal=False,
                                  overwrite_b=False, check_finite=True):
    d[x] = solve_triangular_tangent(x, a, d[a], b, d[b], trans, lower, unit_diagonal)


# ---------------------------------------------------------------- Cholesky

@adjoint(linalg.cholesky)
def cholesky(y, a, lower=False, overwrite_a=False, check_finite=True):
    d[a] = cholesky_adjoint(d[y], y, not lower)


@tangent(linalg.cholesky)
def cholesky_tangent_rule(y, a, lower=False, overwrite_a=False, check_finite=True):
    d[y] = cholesky_tangent(y, d[a], a, not lower)


def cho_solve_b(g, c_and_lower):
    """A^-T g = conj(A^-1 conj(g)) for Hermitian A = L L^H: the adjoint of b."""
    return np.conj(linalg.cho_solve(c_and_lower, np.conj(g)))


def cho_solve_factor(g, x, c_and_lower, b, overwrite_b):
    """The adjoint of the pair (c, lower): with A = L L^H (or U^H U) and
    Abar = -(A^-T g) x^T, the factor's is (Abar + Abar^H) conj(L) (or conj(U) (...))
    on its triangle; the flag gets none."""
    no_overwrite("cho_solve", overwrite_b)
    c, lower = c_and_lower
    abar = -outer_of(cho_solve_b(g, c_and_lower), x)
    sym = abar + mH(abar)
    gc = np.tril(sym @ np.conj(np.tril(c))) if lower else np.triu(np.conj(np.triu(c)) @ sym)
    return AdjointList([gc, 0.0])


def cho_solve_tangent(x, c_and_lower, dc_and_lower, b, db):
    """dx = A^-1 (db - dA x), dA = dL L^H + L dL^H on the factor's triangle."""
    rhs = 0.0 if inactive(db) else db
    dc = 0.0 if inactive(dc_and_lower) else dc_and_lower[0]
    if not inactive(dc):
        c, lower = c_and_lower
        dc = expand(dc, c)
        dl, l_ = (np.tril(dc), np.tril(c)) if lower else (mH(np.triu(dc)), mH(np.triu(c)))
        da = dl @ mH(l_) + l_ @ mH(dl)
        rhs = rhs - da @ x
    return linalg.cho_solve(c_and_lower, np.broadcast_to(rhs, np.shape(x)))


@adjoint(linalg.cho_solve)
def cho_solve(x, c_and_lower, b, overwrite_b=False, check_finite=True):
    d[c_and_lower] = cho_solve_factor(d[x], x, c_and_lower, b, overwrite_b)
    d[b] = unbroadcast(cho_solve_b(d[x], c_and_lower), b)


@tangent(linalg.cho_solve)
def cho_solve_tangent_rule(x, c_and_lower, b, overwrite_b=False, check_finite=True):
    d[x] = cho_solve_tangent(x, c_and_lower, d[c_and_lower], b, d[b])


# ---------------------------------------------------------------- general matrices

def general_solve(transposed, *overwrite):
    """Refuse what the rule of solve does not cover."""
    no_overwrite("solve", *overwrite)
    if transposed:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.linalg.solve with transposed=False",
            running_derivative_line(), hint="solve with the transpose: scipy.linalg.solve(a.T, b).")


@adjoint(linalg.solve)
def solve(x, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    general_solve(transposed, overwrite_a, overwrite_b)
    d[a] = solve_adjoint_a(d[x], x, a, b)
    d[b] = solve_adjoint_b(d[x], a, b)


@tangent(linalg.solve)
def solve_tangent_rule(x, a, b, lower=False, overwrite_a=False, overwrite_b=False,
                       check_finite=True, assume_a=None, transposed=False):
    general_solve(transposed, overwrite_a, overwrite_b)
    d[x] = solve_tangent(x, a, d[a], b, d[b])


@adjoint(linalg.inv)
def inv(y, a, overwrite_a=False, check_finite=True):
    d[a] = -mT(y) @ d[y] @ mT(y)


@tangent(linalg.inv)
def inv_tangent(y, a, overwrite_a=False, check_finite=True):
    d[y] = -y @ expand(d[a], a) @ y


@adjoint(linalg.det)
def det(y, a, overwrite_a=False, check_finite=True):
    d[a] = det_adjoint(d[y], y, a)


@tangent(linalg.det)
def det_tangent(y, a, overwrite_a=False, check_finite=True):
    d[y] = y * log_det_tangent(a, d[a])


# ---------------------------------------------------------------- symmetric eigenproblem

def standard_eigenproblem(b, subset_by_index, subset_by_value, *overwrite):
    """Refuse the generalized problem and a subset of the eigenvalues."""
    no_overwrite("eigh", *overwrite)
    if b is not None:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.linalg.eigh for the standard problem A v = w v, "
            "without b", running_derivative_line(),
            hint="reduce A v = w B v to a standard problem: L = cholesky(B, lower=True); "
                 "C = solve_triangular(L, solve_triangular(L, A, lower=True).T, lower=True); "
                 "w, u = eigh(C); v = solve_triangular(L, u, trans='T', lower=True).")
    if subset_by_index is not None or subset_by_value is not None:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.linalg.eigh for all eigenvalues, without "
            "subset_by_index or subset_by_value", running_derivative_line(),
            hint="compute them all and index the result: w, v = eigh(a); w[-k:], v[:, -k:].")


def scipy_eigh_adjoint(g, y, a, lower, eigvals_only):
    """The adjoint of A from that of (w, v), or of w alone."""
    if not eigvals_only:
        return eigh_result_adjoint(g, y)
    w, v = linalg.eigh(a, lower=lower)
    return eigh_adjoint(expand(g, w), None, w, v)


def scipy_eigh_tangent(y, a, da, lower, eigvals_only):
    """The tangent of (w, v), or of w alone (from eigenvectors computed again)."""
    if eigvals_only:
        return eigenvalues_tangent(linalg.eigh(a, lower=lower)[1], a, da)
    return eigh_tangent(y[0], y[1], a, da)


@adjoint(linalg.eigh)
def eigh(y, a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    standard_eigenproblem(b, subset_by_index, subset_by_value, overwrite_a, overwrite_b)
    d[a] = scipy_eigh_adjoint(d[y], y, a, lower, eigvals_only)


@tangent(linalg.eigh)
def eigh_tangent_rule(y, a, b=None, lower=True, eigvals_only=False, overwrite_a=False,
                      overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
                      subset_by_value=None, driver=None):
    standard_eigenproblem(b, subset_by_index, subset_by_value, overwrite_a, overwrite_b)
    d[y] = scipy_eigh_tangent(y, a, d[a], lower, eigvals_only)


@adjoint(linalg.eigvalsh)
def eigvalsh(y, a, b=None, lower=True, overwrite_a=False, overwrite_b=False, type=1,
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    standard_eigenproblem(b, subset_by_index, subset_by_value, overwrite_a, overwrite_b)
    d[a] = scipy_eigh_adjoint(d[y], y, a, lower, True)


@tangent(linalg.eigvalsh)
def eigvalsh_tangent(y, a, b=None, lower=True, overwrite_a=False, overwrite_b=False, type=1,
                     check_finite=True, subset_by_index=None, subset_by_value=None,
                     driver=None):
    standard_eigenproblem(b, subset_by_index, subset_by_value, overwrite_a, overwrite_b)
    d[y] = scipy_eigh_tangent(y, a, d[a], lower, True)


# ---------------------------------------------------------------- matrix exponential

def expm_frechet_block(a, e):
    """L(A, E), the derivative of expm at A along E: the top right block of
    expm([[A, E], [0, A]]) (for a stack of matrices too)."""
    n = np.shape(a)[-1]
    e = np.broadcast_to(e, np.shape(a))
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(top[..., :n]), a], axis=-1)
    return linalg.expm(np.concatenate([top, bottom], axis=-2))[..., :n, n:]


@adjoint(linalg.expm)
def expm(y, A):
    d[A] = expm_frechet_block(mT(A), d[y])


@tangent(linalg.expm)
def expm_tangent(y, A):
    d[y] = expm_frechet_block(A, expand(d[A], A))


# ---------------------------------------------------------------- LU

def row_order(piv):
    """The row order `perm` of lu_factor's pivots: a[perm] = L U (LAPACK's piv
    swaps row i with row piv[i], in turn)."""
    n = np.shape(piv)[-1]
    perm = np.array(np.broadcast_to(np.arange(n), np.shape(piv)))
    for i in range(n):
        swap = piv[..., i:i + 1]
        kept = perm[..., i:i + 1].copy()
        perm[..., i:i + 1] = np.take_along_axis(perm, swap, -1)
        np.put_along_axis(perm, swap, kept, -1)
    return perm


def rows(x, order):
    """x[order] row by row, for a stack of matrices too."""
    return np.take_along_axis(x, order[..., :, None], -2)


def factors(lu):
    """(L, U) from lu_factor's packed lu: L has a unit diagonal."""
    return np.tril(lu, -1) + np.eye(np.shape(lu)[-1]), np.triu(lu)


def packed(gl, gu):
    """The adjoint of the packed lu from those of L (strictly lower) and U."""
    return np.tril(gl, -1) + np.triu(gu)


def lu_factor_adjoint(g, y):
    """With X = L^-1 P^T dA U^-1, dL = L tril(X, -1) and dU = triu(X) U; so
    gX = tril(L^T gL, -1) + triu(gU U^T) and gA = P L^-T gX U^-T."""
    lu, piv = y
    g_lu = expand(items_read(g, y)[0], lu)
    lower, upper = factors(lu)
    gx = packed(mT(lower) @ g_lu, g_lu @ mT(upper))
    gy = mT(np.linalg.solve(upper, mT(np.linalg.solve(mT(lower), gx))))
    return rows(gy, np.argsort(row_order(piv), axis=-1))


def lu_factor_tangent(y, a, da):
    lu, piv = y
    lower, upper = factors(lu)
    x = np.linalg.solve(lower, rows(expand(da, a), row_order(piv)))
    x = mT(np.linalg.solve(mT(upper), mT(x)))
    return type(y)((lower @ np.tril(x, -1) + np.triu(x) @ upper, 0.0))


@adjoint(linalg.lu_factor)
def lu_factor(y, a, overwrite_a=False, check_finite=True):
    no_overwrite("lu_factor", overwrite_a)
    d[a] = lu_factor_adjoint(d[y], y)


@tangent(linalg.lu_factor)
def lu_factor_tangent_rule(y, a, overwrite_a=False, check_finite=True):
    no_overwrite("lu_factor", overwrite_a)
    d[y] = lu_factor_tangent(y, a, d[a])


def lu_solve_b(g, lu_and_piv, trans):
    """op(A)^-T g: the adjoint of b in lu_solve (conj(A^-1 conj(g)) for op = H)."""
    if is_conjugated(trans):
        return np.conj(linalg.lu_solve(lu_and_piv, np.conj(g)))
    return linalg.lu_solve(lu_and_piv, g, trans=0 if is_transposed(trans) else 1)


def lu_solve_factor(g, x, lu_and_piv, trans, overwrite_b):
    """The adjoint of the pair (lu, piv): with A = P L U and gA that of the matrix
    (-(A^-T g) x^T, transposed for trans), gL = P^T gA U^T, gU = L^T P^T gA on
    their triangles; the pivots get none."""
    no_overwrite("lu_solve", overwrite_b)
    lu, piv = lu_and_piv
    ga = op_adjoint(-outer_of(lu_solve_b(g, lu_and_piv, trans), x), trans)
    lower, upper = factors(lu)
    permuted = rows(ga, row_order(piv))
    return AdjointList([packed(permuted @ mT(upper), mT(lower) @ permuted), 0.0])


def lu_solve_tangent(x, lu_and_piv, dlu_and_piv, b, db, trans):
    """dx = op(A)^-1 (db - op(dA) x), dA = P (dL U + L dU)."""
    rhs = 0.0 if inactive(db) else db
    dlu = 0.0 if inactive(dlu_and_piv) else dlu_and_piv[0]
    if not inactive(dlu):
        lu, piv = lu_and_piv
        lower, upper = factors(lu)
        dlu = expand(dlu, lu)
        da = rows(np.tril(dlu, -1) @ upper + lower @ np.triu(dlu),
                  np.argsort(row_order(piv), axis=-1))
        rhs = rhs - op(da, trans) @ x
    return linalg.lu_solve(lu_and_piv, np.broadcast_to(rhs, np.shape(x)), trans=trans)


@adjoint(linalg.lu_solve)
def lu_solve(x, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    d[lu_and_piv] = lu_solve_factor(d[x], x, lu_and_piv, trans, overwrite_b)
    d[b] = unbroadcast(lu_solve_b(d[x], lu_and_piv, trans), b)


@tangent(linalg.lu_solve)
def lu_solve_tangent_rule(x, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    d[x] = lu_solve_tangent(x, lu_and_piv, d[lu_and_piv], b, d[b], trans)


# ---------------------------------------------------------------- stand-ins

@source_for(linalg.cho_factor)
def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower): the Cholesky factor in c's triangle, a's own entries in the other.
    Its derivative reads the factor, not a: overwrite_a=True does not change it."""
    factor = linalg.cholesky(a, lower=lower)
    other = np.triu(a, 1) if lower else np.tril(a, -1)
    return factor + other, lower


@source_for(linalg.svdvals)
def svdvals(a, overwrite_a=False, check_finite=True):
    return np.linalg.svd(a, compute_uv=False)


# ---------------------------------------------------------------- structured matrices

def check_blocks(h):
    """Refuses a seventh block (it lands in the template's `h`)."""
    if h is not None:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.linalg.block_diag of up to six blocks",
            running_derivative_line(),
            hint="nest the calls: block_diag(block_diag(a, b, c), d, ...).")


nondifferentiable(check_blocks)


def block_of(g, which, blocks):
    """The adjoint of block `which` of block_diag(*blocks): its slice of g, in its shape
    (block_diag takes a 1-D block as a row, a number as a 1 x 1 block)."""
    blocks = [x for x in blocks if x is not None]
    shapes = [np.shape(np.atleast_2d(x)) for x in blocks]
    top = int(np.sum([s[0] for s in shapes[:which]]))
    left = int(np.sum([s[1] for s in shapes[:which]]))
    rows, cols = shapes[which]
    return np.reshape(g[top:top + rows, left:left + cols], np.shape(blocks[which]))


def block_diag_tangent(blocks, tangents):
    """block_diag of the blocks' tangents (zeros for those that carry none)."""
    blocks = [x for x in blocks if x is not None]
    return linalg.block_diag(*(expand(t, x) for t, x in zip(tangents, blocks)))


@adjoint(linalg.block_diag)
def block_diag(y, a, b=None, c=None, e=None, f=None, g=None, h=None):
    check_blocks(h)
    d[a] = block_of(d[y], 0, (a, b, c, e, f, g))
    d[b] = block_of(d[y], 1, (a, b, c, e, f, g))
    d[c] = block_of(d[y], 2, (a, b, c, e, f, g))
    d[e] = block_of(d[y], 3, (a, b, c, e, f, g))
    d[f] = block_of(d[y], 4, (a, b, c, e, f, g))
    d[g] = block_of(d[y], 5, (a, b, c, e, f, g))


@tangent(linalg.block_diag)
def block_diag_tangent_rule(y, a, b=None, c=None, e=None, f=None, g=None, h=None):
    check_blocks(h)
    d[y] = block_diag_tangent((a, b, c, e, f, g), (d[a], d[b], d[c], d[e], d[f], d[g]))


def check_toeplitz(c, r):
    if np.ndim(c) != 1 or (r is not None and np.ndim(r) != 1):
        raise NonDifferentiableError(
            f"s2sad differentiates scipy.linalg.toeplitz of a 1-D c and r, not of shapes "
            f"{np.shape(c)} and {np.shape(r)}", running_derivative_line(),
            hint="call toeplitz once per matrix of the batch.")


nondifferentiable(check_toeplitz)


def diagonal_sums(g):
    """The sums along the diagonals of the (n, m) matrix g, from the bottom left corner
    (offset -(n-1)) to the top right one (offset m-1): each row of g reversed, shifted
    right by its index (a flat view of rows padded with n zeros), then summed down."""
    n, m = np.shape(g)
    padded = np.concatenate([g[:, ::-1], np.zeros((n, n), g.dtype)], axis=1)
    shifted = np.reshape(np.ravel(padded)[:n * (n + m - 1)], (n, n + m - 1))
    return np.sum(shifted, axis=0)[::-1]


def toeplitz_adjoint_c(g, c, r):
    """The sums along the diagonals on and below the main one; with r = conj(c), those
    above it too, conjugated."""
    check_toeplitz(c, r)
    n = np.shape(g)[0]
    sums = diagonal_sums(g)
    below = sums[:n][::-1]
    if r is not None:
        return below
    above = np.concatenate([np.zeros(1, sums.dtype), sums[n:]])
    return below + np.conj(above)


def toeplitz_adjoint_r(g, c, r):
    """The sums along the diagonals above the main one (r[0] is not read)."""
    check_toeplitz(c, r)
    n = np.shape(g)[0]
    return np.concatenate([np.zeros(1, g.dtype), diagonal_sums(g)[n:]])


def toeplitz_tangent(c, dc, r, dr):
    check_toeplitz(c, r)
    if r is None:
        return linalg.toeplitz(expand(dc, c))
    return linalg.toeplitz(expand(dc, c), expand(dr, r))


@adjoint(linalg.toeplitz)
def toeplitz(y, c, r=None):
    d[c] = real_if_real(toeplitz_adjoint_c(d[y], c, r), c)
    d[r] = real_if_real(toeplitz_adjoint_r(d[y], c, r), r)


@tangent(linalg.toeplitz)
def toeplitz_tangent_rule(y, c, r=None):
    d[y] = toeplitz_tangent(c, d[c], r, d[r])


def real_if_real(g, x):
    """g, or its real part when x is real: the gradient of a real variable is real."""
    return g if np.iscomplexobj(x) else np.real(g)
