"""scipy.linalg: factorizations and solves of dense linear algebra.

Registered only when SciPy imports. Conventions:
- `cholesky` and `cho_solve` take the factored matrix as symmetric: the adjoint
  of A is symmetric, the derivative along symmetric changes of A (as in JAX and
  autograd). Only the triangle a factor is read from gets an adjoint in
  `cho_solve` and `solve_triangular` (SciPy ignores the other one).
- `solve` differentiates x = A^-1 b for the whole matrix A, whatever `assume_a`
  says (for symmetric A parametrized symmetrically, the same derivative).
- The flags `overwrite_*` must be False (s2sad keeps the operands).
"""
import numpy as np
from scipy import linalg

from ..errors import NonDifferentiableError
from ..registry import adjoint, d, tangent
from ..runtime import AdjointList, expand, unbroadcast
from .linalg import (cholesky_adjoint, cholesky_tangent, det_adjoint, inactive, log_det_tangent,
                     mT, solve_adjoint_a, solve_adjoint_b, solve_tangent)


def no_overwrite(function, *flags):
    """Refuse overwrite_a=True and the like: the adjoint needs the operands."""
    if any(flags):
        raise NonDifferentiableError(
            f"s2sad differentiates scipy.linalg.{function} with overwrite_a and "
            f"overwrite_b left False", hint="drop the overwrite_ flags.")


def outer_of(u, v):
    """u v^T for vectors, u @ v^T for matrices (columns of right-hand sides)."""
    return np.outer(u, v) if np.ndim(u) == 1 else u @ mT(v)


# ---------------------------------------------------------------- triangular solves

def is_transposed(trans):
    return trans in (1, 2, "T", "C")


def triangle(a, lower, unit_diagonal):
    """The entries of a that solve_triangular reads: a mask of a's shape."""
    n = np.shape(a)[-1]
    mask = np.tril(np.ones((n, n))) if lower else np.triu(np.ones((n, n)))
    return mask - np.eye(n) if unit_diagonal else mask


def solve_triangular_b(g, a, trans, lower, unit_diagonal):
    """op(T)^-T g: the adjoint of b."""
    return linalg.solve_triangular(a, g, trans=0 if is_transposed(trans) else 1,
                                   lower=lower, unit_diagonal=unit_diagonal)


def solve_triangular_a(g, x, a, trans, lower, unit_diagonal, overwrite_b):
    """-(op(T)^-T g) x^T, transposed back when op is a transpose, on T's triangle."""
    no_overwrite("solve_triangular", overwrite_b)
    gb = solve_triangular_b(g, a, trans, lower, unit_diagonal)
    ga = -outer_of(x, gb) if is_transposed(trans) else -outer_of(gb, x)
    return ga * triangle(a, lower, unit_diagonal)


def solve_triangular_tangent(x, a, da, b, db, trans, lower, unit_diagonal):
    """dx = op(T)^-1 (db - op(dT) x)."""
    rhs = 0.0 if inactive(db) else db
    if not inactive(da):
        dt = expand(da, a) * triangle(a, lower, unit_diagonal)
        rhs = rhs - (mT(dt) if is_transposed(trans) else dt) @ x
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


def cho_solve_factor(g, x, c_and_lower, b, overwrite_b):
    """The adjoint of the pair (c, lower): with A = L L^T (or U^T U) and
    Abar = -(A^-1 g) x^T, the factor's is (Abar + Abar^T) L (or U (...)) on its
    triangle; the flag gets none."""
    no_overwrite("cho_solve", overwrite_b)
    c, lower = c_and_lower
    gb = linalg.cho_solve(c_and_lower, g)
    abar = -outer_of(gb, x)
    sym = abar + mT(abar)
    gc = np.tril(sym @ np.tril(c)) if lower else np.triu(np.triu(c) @ sym)
    return AdjointList([gc, 0.0])


def cho_solve_tangent(x, c_and_lower, dc_and_lower, b, db):
    """dx = A^-1 (db - dA x), dA = dL L^T + L dL^T on the factor's triangle."""
    rhs = 0.0 if inactive(db) else db
    dc = 0.0 if inactive(dc_and_lower) else dc_and_lower[0]
    if not inactive(dc):
        c, lower = c_and_lower
        dc = expand(dc, c)
        dl, l_ = (np.tril(dc), np.tril(c)) if lower else (mT(np.triu(dc)), mT(np.triu(c)))
        da = dl @ mT(l_) + l_ @ mT(dl)
        rhs = rhs - da @ x
    return linalg.cho_solve(c_and_lower, np.broadcast_to(rhs, np.shape(x)))


@adjoint(linalg.cho_solve)
def cho_solve(x, c_and_lower, b, overwrite_b=False, check_finite=True):
    d[c_and_lower] = cho_solve_factor(d[x], x, c_and_lower, b, overwrite_b)
    d[b] = unbroadcast(linalg.cho_solve(c_and_lower, d[x]), b)


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
            hint="solve with the transpose: scipy.linalg.solve(a.T, b).")


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
