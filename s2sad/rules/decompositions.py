"""Matrix decompositions and the functions of np.linalg built on them.

Each rule works on stacks of matrices (`...` leading axes) where NumPy does.
Conventions (those of JAX and autograd):
- `eigh` and `eigvalsh` read one triangle of a symmetric matrix: the adjoint
  of A is symmetric, the derivative taken along symmetric changes of A. The
  eigenvector terms divide by the gaps w_j - w_i between eigenvalues: they are
  exact for distinct eigenvalues and blow up as two meet (the eigenvectors of
  a repeated eigenvalue are not unique); the eigenvalues alone stay exact.
- `svd` likewise divides by s_j^2 - s_i^2 and by the singular values: exact
  for distinct, nonzero singular values; the singular values alone stay exact.
- `qr` (m >= n) and `lstsq` need full column rank, `pinv` a rank that does not
  change nearby (a singular value crossing the cutoff jumps).

- Complex matrices follow JAX's convention (the adjoint of A is d/d(re A) -
  i d/d(im A)): `eigh` and `eigvalsh` of a Hermitian matrix (derivative along
  Hermitian changes), the singular values of `svd` (its singular vectors in
  forward mode only), `pinv`, and `det`, `slogdet`, `inv`, `solve`, `cholesky`,
  `matrix_power` (linalg.py). `qr`, `lstsq` and the singular vectors of `svd` in
  reverse mode refuse complex operands.

Results that are tuples (eigh's (w, V), svd's (U, S, Vh), qr's (Q, R), lstsq's
(x, residuals, rank, s)) get the adjoint of the items read, by index or name.
"""
import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand
from .linalg import hermitian_part, inactive, mH, mT


def refuse(message: str, hint: str):
    """Refuse, at the user's line, what a rule sees only once it has the values."""
    raise NonDifferentiableError(message, running_derivative_line(), hint=hint)


def field_names(y):
    """The names of the fields of a named tuple `y` (None for a plain tuple)."""
    return getattr(y, "_fields", None)


nondifferentiable(field_names)  # names: the adjoint helpers read them (hvp)


def items_read(g, y, fields=None):
    """The adjoints of the items of a tuple result `y`, read by index (a list of
    adjoints) or by name (a dict); 0.0 for an item not read."""
    fields = fields or field_names(y)
    if isinstance(g, dict):
        return [g[name] if name in g else 0.0 for name in fields]  # read again by hvp
    return list(g) if isinstance(g, (list, tuple)) else [g] * len(y)


def item_adjoints(g, y, fields=None):
    """items_read as arrays of the items' shapes."""
    return [expand(gi, yi) for gi, yi in zip(items_read(g, y, fields), y)]


def is_zero(g) -> bool:
    """Does the adjoint g of an item hold nothing: unread (0.0, or the zeros the
    adjoint of a tuple has for items not read) or zero? Then a term that divides by
    the gaps between eigenvalues contributes nothing, and is not computed."""
    return inactive(g) or not np.any(g)


def like_result(y, items):
    """A tuple of `y`'s type (a named tuple or a plain one) holding `items`."""
    return type(y)(*items) if hasattr(y, "_fields") else type(y)(items)


def inverse_gaps(w):
    """F[..., i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    gaps = w[..., None, :] - w[..., :, None]
    eye = np.eye(np.shape(w)[-1], dtype=bool)
    return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gaps))


def diagonal_of(x):
    return np.diagonal(x, axis1=-2, axis2=-1)


def on_diagonal(v):
    """The (stack of) diagonal matrices with `v` on the diagonal."""
    return v[..., None, :] * np.eye(np.shape(v)[-1])


def times_inverse(x, r):
    """x R^-1 for square R (x @ inv(r) without forming the inverse)."""
    return mT(np.linalg.solve(mT(r), mT(x)))


def times_inverse_transpose(x, r):
    """x R^-T."""
    return mT(np.linalg.solve(r, mT(x)))


# ---------------------------------------------------------------- symmetric eigenproblem

def eigh_adjoint(gw, gv, w, v):
    """herm(conj(V) (diag(Re gw) + F o (V^T gv)) V^T), the transpose of eigh_tangent
    (for real V, sym(V (diag(gw) + F o (V^T gv)) V^T)); gv None: eigenvalues only."""
    inner = on_diagonal(np.real(gw))
    if gv is not None:
        inner = inner + inverse_gaps(w) * (mT(v) @ gv)
    return hermitian_part(np.conj(v) @ inner @ mT(v))


def in_eigenbasis(v, a, da):
    """V^H dA V, with dA's Hermitian part (symmetric part of a real dA)."""
    return mH(v) @ hermitian_part(expand(da, a)) @ v


def eigh_tangent(w, v, a, da):
    """(dw, dV) = (Re diag(V^H dA V), V (F o (V^H dA V))): dV keeps each
    eigenvector's phase (v_i^H dv_i = 0)."""
    rotated = in_eigenbasis(v, a, da)
    return np.real(diagonal_of(rotated)), v @ (inverse_gaps(w) * rotated)


def eigenvalues_tangent(v, a, da):
    """dw = Re diag(V^H dA V): no gaps divide, repeated eigenvalues too."""
    return np.real(diagonal_of(in_eigenbasis(v, a, da)))


def eigvalsh_tangent(a, da):
    return eigenvalues_tangent(np.linalg.eigh(a)[1], a, da)


def eigh_result_adjoint(g, y):
    """With the eigenvectors not read, the rule of the eigenvalues alone, which
    holds for repeated eigenvalues too."""
    gw, gv = items_read(g, y, ("eigenvalues", "eigenvectors"))
    w, v = y
    return eigh_adjoint(expand(gw, w), None if is_zero(gv) else expand(gv, v), w, v)


def eigvalsh_adjoint(g, a):
    w, v = np.linalg.eigh(a)
    return eigh_adjoint(expand(g, w), None, w, v)


@adjoint(np.linalg.eigh)
def eigh(y, a, UPLO="L"):
    """Symmetric adjoint. The eigenvectors' part divides by w_j - w_i: exact for
    distinct eigenvalues, unbounded as two meet (the eigenvectors of a repeated
    eigenvalue are not unique); with the eigenvectors unread, exact for any."""
    d[a] = eigh_result_adjoint(d[y], y)


@tangent(np.linalg.eigh)
def eigh_tangent_rule(y, a, UPLO="L"):
    d[y] = like_result(y, eigh_tangent(y[0], y[1], a, d[a]))


@adjoint(np.linalg.eigvalsh)
def eigvalsh(y, a, UPLO="L"):
    d[a] = eigvalsh_adjoint(d[y], a)


@tangent(np.linalg.eigvalsh)
def eigvalsh_tangent_rule(y, a, UPLO="L"):
    d[y] = eigvalsh_tangent(a, d[a])


# ---------------------------------------------------------------- singular values

def svd_covered(a, full_matrices, compute_uv, hermitian):
    """Refuse what the rule of svd does not cover."""
    if hermitian:
        refuse("s2sad differentiates np.linalg.svd with hermitian=False",
               hint="leave hermitian out; for a symmetric matrix, np.linalg.eigh gives "
                    "the decomposition with a derivative.")
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        refuse(f"s2sad differentiates np.linalg.svd of a {m}x{n} matrix with "
               f"full_matrices=False (the extra columns of full U or Vh are not unique)",
               hint="pass full_matrices=False, or compute_uv=False for the singular "
                    "values alone.")


def svd_adjoint(gu, gs, gvh, u, s, vh):
    """U (J S + diag(gs) + S K) V^T plus the parts of gU, gV outside U's and V's
    columns (for a rectangular matrix), with J = F o (U^T gU - gU^T U) and
    K = F o (V^T gV - gV^T V), F[i, j] = 1 / (s_j^2 - s_i^2)."""
    v, gv = mT(vh), mT(gvh)
    f = inverse_gaps(s ** 2)
    ut_gu, vt_gv = mT(u) @ gu, mT(v) @ gv
    j = f * (ut_gu - mT(ut_gu))
    k = f * (vt_gv - mT(vt_gv))
    core = j * s[..., None, :] + on_diagonal(gs) + s[..., :, None] * k
    ga = u @ core @ vh
    ga = ga + ((gu - u @ ut_gu) / s[..., None, :]) @ vh
    return ga + u @ ((gvh - mT(vt_gv) @ vh) / s[..., :, None])


def svd_tangent(u, s, vh, a, da):
    """(dU, ds, dVh) from dP = U^H dA V (JAX's); for complex A, dU also turns each
    u_i by i Im(dP_ii) / s_i, and dV keeps v_i's phase."""
    da = expand(da, a)
    v = mH(vh)
    dp = mH(u) @ da @ v
    f = inverse_gaps(s ** 2)
    scaled_right, scaled_left = dp * s[..., None, :], s[..., :, None] * dp
    du = u @ (f * (scaled_right + mH(scaled_right))) + (da @ v - u @ dp) / s[..., None, :]
    if np.iscomplexobj(dp):
        du = du + u @ on_diagonal(1j * np.imag(diagonal_of(dp)) / s)
    dv = v @ (f * (scaled_left + mH(scaled_left))) + \
        (mH(da) @ u - v @ mH(dp)) / s[..., None, :]
    return du, np.real(diagonal_of(dp)), mH(dv)


def singular_values_adjoint(gs, u, vh):
    """conj(U diag(Re gs) Vh): ds = Re diag(U^H dA V) (U diag(gs) Vh for real A)."""
    return np.conj(u @ on_diagonal(np.real(gs)) @ vh)


def singular_values_tangent(u, vh, a, da):
    """ds = Re diag(U^H dA V): no gaps divide."""
    return np.real(diagonal_of(mH(u) @ expand(da, a) @ mH(vh)))


def real_singular_vectors(a):
    """Refuse the singular vectors of a complex matrix (their phases are not unique,
    and the rule is written for real ones); the singular values alone are covered."""
    if np.iscomplexobj(a):
        refuse("s2sad differentiates the singular vectors of np.linalg.svd for a real "
               "matrix only, not a complex one (the singular values alone are covered)",
               hint="read only the singular values (compute_uv=False), or split the "
                    "matrix into real and imaginary parts: the SVD of [[Re A, -Im A], "
                    "[Im A, Re A]] holds A's singular values, each twice.")


def svd_result_adjoint(g, y, a, full_matrices, compute_uv, hermitian):
    svd_covered(a, full_matrices, compute_uv, hermitian)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return singular_values_adjoint(expand(g, s), u, vh)
    gu, gs, gvh = items_read(g, y, ("U", "S", "Vh"))
    u, s, vh = y
    if is_zero(gu) and is_zero(gvh):  # the singular values alone: no gaps divide
        return singular_values_adjoint(expand(gs, s), u, vh)
    real_singular_vectors(a)
    return svd_adjoint(expand(gu, u), expand(gs, s), expand(gvh, vh), u, s, vh)


def svd_result_tangent(y, a, da, full_matrices, compute_uv, hermitian):
    svd_covered(a, full_matrices, compute_uv, hermitian)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return singular_values_tangent(u, vh, a, da)
    return like_result(y, svd_tangent(*y, a, da))


@adjoint(np.linalg.svd)
def svd(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    """The singular vectors' part divides by s_j^2 - s_i^2 and by s: distinct,
    nonzero singular values."""
    d[a] = svd_result_adjoint(d[y], y, a, full_matrices, compute_uv, hermitian)


@tangent(np.linalg.svd)
def svd_tangent_rule(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    d[y] = svd_result_tangent(y, a, d[a], full_matrices, compute_uv, hermitian)


# ---------------------------------------------------------------- QR

def qr_covered(a, mode):
    """Refuse what the rule of qr does not cover: complex matrices too."""
    m, n = np.shape(a)[-2:]
    if np.iscomplexobj(a):
        refuse("s2sad differentiates np.linalg.qr of a real matrix only, not of a complex "
               "one", hint="factor a real matrix, or write the derivative you need with "
                           "np.linalg.solve or np.linalg.cholesky (R is cholesky(A^H A)^H).")
    if m < n:
        refuse(f"s2sad differentiates np.linalg.qr of a matrix with at least as many rows "
               f"as columns, not of a {m}x{n} one (R's last columns are not determined "
               f"smoothly)", hint="factor the transpose, or split A = [X, Y] and factor X.")
    if mode not in ("reduced", "r") and not (mode == "complete" and m == n):
        refuse(f"s2sad differentiates np.linalg.qr with mode='reduced' or 'r', not "
               f"mode={mode!r} of a {m}x{n} matrix",
               hint="use mode='reduced' (the default).")


def qr_adjoint(gq, gr, q, r):
    """(gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q, copyltu(M) the symmetric
    matrix with M's lower triangle."""
    m = r @ mT(gr) - mT(gq) @ q
    lower = np.tril(m, -1)
    return times_inverse_transpose(gq + q @ (lower + mT(lower) + on_diagonal(diagonal_of(m))), r)


def qr_tangent(q, r, a, da):
    """With C = Q^T dA R^-1 and Omega = Q^T dQ, antisymmetric, from C's strict
    lower triangle: dR = (C - Omega) R, dQ = Q Omega + dA R^-1 - Q C."""
    da_r = times_inverse(expand(da, a), r)
    c = mT(q) @ da_r
    lower = np.tril(c, -1)
    omega = lower - mT(lower)
    return q @ omega + da_r - q @ c, (c - omega) @ r


def qr_result_adjoint(g, y, a, mode):
    qr_covered(a, mode)
    if mode == "r":
        q, r = np.linalg.qr(a)
        return qr_adjoint(np.zeros(np.shape(q)), expand(g, r), q, r)
    gq, gr = item_adjoints(g, y, ("Q", "R"))
    return qr_adjoint(gq, gr, y[0], y[1])


def qr_result_tangent(y, a, da, mode):
    qr_covered(a, mode)
    if mode == "r":
        return qr_tangent(*np.linalg.qr(a), a, da)[1]
    return like_result(y, qr_tangent(y[0], y[1], a, da))


@adjoint(np.linalg.qr)
def qr(y, a, mode="reduced"):
    d[a] = qr_result_adjoint(d[y], y, a, mode)


@tangent(np.linalg.qr)
def qr_tangent_rule(y, a, mode="reduced"):
    d[y] = qr_result_tangent(y, a, d[a], mode)


# ---------------------------------------------------------------- least squares

def outer_of(u, v):
    """u v^T for vectors, u @ v^T for matrices (columns of right-hand sides)."""
    return np.outer(u, v) if np.ndim(u) == 1 else u @ mT(v)


def lstsq_covered(y, a, b):
    """Refuse a rank-deficient problem (its solution jumps with the rank) and complex
    operands."""
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        refuse("s2sad differentiates np.linalg.lstsq of real operands only, not complex ones",
               hint="solve the normal equations: np.linalg.solve(A.conj().T @ A, "
                    "A.conj().T @ b).")
    rank, n = y[2], np.shape(a)[-1]
    if rank < n:
        refuse(f"s2sad differentiates np.linalg.lstsq for a matrix of full column rank, "
               f"but this one has rank {rank} < {n} columns",
               hint="drop dependent columns, or regularize: solve (A^T A + lam I) x = "
                    "A^T b with np.linalg.solve.")


def lstsq_pieces(g, y, a, b):
    """(r, z, gres, gs): with x solving the normal equations A^T A x = A^T b, the
    residual r = b - A x and z = (A^T A)^-1 gx."""
    lstsq_covered(y, a, b)
    gx, gres, _, gs = item_adjoints(g, y)
    r = b - a @ y[0]
    z = np.linalg.solve(mT(a) @ a, gx)
    return r, z, (gres if np.size(y[1]) else 0.0), gs


def lstsq_adjoint_b(g, y, a, b):
    """A z, plus 2 r gres: the residuals |r|^2 at the optimum vary as
    2 r^T (db - dA x)."""
    r, z, gres, _ = lstsq_pieces(g, y, a, b)
    return a @ z + 2 * r * gres


def lstsq_adjoint_a(g, y, a, b):
    """r z^T - (A z + 2 r gres) x^T, plus the singular values' U diag(gs) V^T;
    the rank gets none."""
    r, z, gres, gs = lstsq_pieces(g, y, a, b)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return outer_of(r, z) - outer_of(a @ z + 2 * r * gres, y[0]) + u @ on_diagonal(gs) @ vh


def lstsq_tangent(y, a, da, b, db):
    """The tangent of (x, residuals, rank, s)."""
    lstsq_covered(y, a, b)
    x, residuals, rank, s = y
    da, db = expand(da, a), expand(db, b)
    r = b - a @ x
    change = db - da @ x
    dx = np.linalg.solve(mT(a) @ a, mT(da) @ r + mT(a) @ change)
    dres = np.reshape(2 * np.sum(r * change, axis=0), np.shape(residuals)) \
        if np.size(residuals) else np.zeros(np.shape(residuals))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    ds = diagonal_of(u.T @ da @ vh.T)
    return like_result(y, (dx, dres, 0.0, ds))


@adjoint(np.linalg.lstsq)
def lstsq(y, a, b, rcond=None):
    d[a] = lstsq_adjoint_a(d[y], y, a, b)
    d[b] = lstsq_adjoint_b(d[y], y, a, b)


@tangent(np.linalg.lstsq)
def lstsq_tangent_rule(y, a, b, rcond=None):
    d[y] = lstsq_tangent(y, a, d[a], b, d[b])


# ---------------------------------------------------------------- pseudo-inverse

def pinv_covered(hermitian):
    if hermitian:
        refuse("s2sad differentiates np.linalg.pinv with hermitian=False",
               hint="leave hermitian out (the pseudo-inverse is the same).")


def pinv_adjoint(g, y, a, hermitian):
    """The adjoint of -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P,
    P = pinv(A), the derivative where the rank is constant (Golub and Pereyra):
    -P^T g P^T + conj((g^T - A P g^T) P P^H + P^H P (g^T - g^T P A))."""
    pinv_covered(hermitian)
    p, ph, gt = y, mH(y), mT(g)
    return -mT(p) @ g @ mT(p) + np.conj((gt - a @ (p @ gt)) @ (p @ ph) +
                                        (ph @ p) @ (gt - (gt @ p) @ a))


def pinv_tangent(y, a, da, hermitian):
    pinv_covered(hermitian)
    p, ph, dah = y, mH(y), mH(expand(da, a))
    return -p @ expand(da, a) @ p + (p @ ph) @ (dah - (dah @ a) @ p) + \
        (dah - p @ (a @ dah)) @ (ph @ p)


@adjoint(np.linalg.pinv)
def pinv(y, a, rcond=None, hermitian=False, rtol=None):
    d[a] = pinv_adjoint(d[y], y, a, hermitian)


@tangent(np.linalg.pinv)
def pinv_tangent_rule(y, a, rcond=None, hermitian=False, rtol=None):
    d[y] = pinv_tangent(y, a, d[a], hermitian)


# ---------------------------------------------------------------- matrix powers

def powers(a, n):
    """[I, A, A^2, ..., A^n]."""
    out = [np.broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a))]
    for _ in range(n):
        out.append(out[-1] @ a)
    return out


def matrix_power_tangent(a, da, n):
    """sum_k A^k dA A^(n-1-k); for n < 0, the same for inv(A) with d inv(A) =
    -inv(A) dA inv(A)."""
    da = expand(da, a)
    if n < 0:
        a = np.linalg.inv(a)
        da, n = -a @ da @ a, -n
    p = powers(a, n - 1) if n else []
    return sum((p[k] @ da @ p[n - 1 - k] for k in range(n)), np.zeros(np.shape(a)))


def matrix_power_adjoint(g, a, n):
    """sum_k (A^T)^k g (A^T)^(n-1-k), through inv(A) for n < 0."""
    base = np.linalg.inv(a) if n < 0 else a
    m = abs(n)
    p = powers(mT(base), m - 1) if m else []
    gb = sum((p[k] @ g @ p[m - 1 - k] for k in range(m)), np.zeros(np.shape(a)))
    return -mT(base) @ gb @ mT(base) if n < 0 else gb


@adjoint(np.linalg.matrix_power)
def matrix_power(y, a, n):
    d[a] = matrix_power_adjoint(d[y], a, n)


@tangent(np.linalg.matrix_power)
def matrix_power_tangent_rule(y, a, n):
    d[y] = matrix_power_tangent(a, d[a], n)


# the checks return nothing: the adjoint helpers that call them are differentiated
# again from their source (hvp), and pass no derivative through them
nondifferentiable(svd_covered, real_singular_vectors, qr_covered, lstsq_covered, pinv_covered)
