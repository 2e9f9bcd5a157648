"""scipy.special: the special functions statistical code calls.

Registered only when SciPy imports (see rules/__init__.py). The rules are
written with SciPy's own functions: the derivative of gammaln is digamma, that
of digamma is polygamma(1, .), and so on. Elementwise functions broadcast like
NumPy's; `logsumexp`, `softmax` and `log_softmax` reduce over `axis`.

`loggamma`, `i0e` and `i1e` are differentiated for real arguments; `entr`,
`rel_entr`, `kl_div` and `boxcox` inside their domains (x > 0; the derivatives
of x log x are -inf at x = 0); `huber` and `pseudo_huber` for delta > 0.

Integer orders (`polygamma`'s n, `multigammaln`'s dimension) carry no
derivative. Incomplete-function parameters whose derivative has no closed
form (the degrees of freedom of `stdtr`, the shape `a` of `gammainc`, `a` and
`b` of `betainc`) raise NonDifferentiableError when a derivative is asked for.
"""
import numpy as np
from scipy import special

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand, unbroadcast
from .elementwise import log_share
from .operators import like
from .reductions import unreduce

TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)
SQRT_PI_OVER_TWO = np.sqrt(np.pi) / 2.0
INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def no_closed_form(function, parameter):
    """Refuse the derivative of `function` in `parameter` (only met when it is asked for)."""
    raise NonDifferentiableError(
        f"s2sad has no derivative of scipy.special.{function} in its parameter "
        f"{parameter!r} (no closed form)", running_derivative_line(),
        hint=f"hold {parameter!r} fixed with s2sad.stop_gradient, or register a rule of "
             f"your own for scipy.special.{function} (docs/custom_derivatives.md).")


# ---------------------------------------------------------------- one operand

@adjoint(special.expit)
def expit(y, x):
    d[x] = d[y] * y * (1.0 - y)


@tangent(special.expit)
def expit_tangent(y, x):
    d[y] = d[x] * y * (1.0 - y)


@adjoint(special.logit)
def logit(y, x):
    d[x] = d[y] / (x * (1.0 - x))


@tangent(special.logit)
def logit_tangent(y, x):
    d[y] = d[x] / (x * (1.0 - x))


@adjoint(special.log_expit)
def log_expit(y, x):
    d[x] = d[y] * special.expit(-x)


@tangent(special.log_expit)
def log_expit_tangent(y, x):
    d[y] = d[x] * special.expit(-x)


@adjoint(special.erf)
def erf(y, x):
    d[x] = d[y] * TWO_OVER_SQRT_PI * np.exp(-x * x)


@tangent(special.erf)
def erf_tangent(y, x):
    d[y] = d[x] * TWO_OVER_SQRT_PI * np.exp(-x * x)


@adjoint(special.erfc)
def erfc(y, x):
    d[x] = -d[y] * TWO_OVER_SQRT_PI * np.exp(-x * x)


@tangent(special.erfc)
def erfc_tangent(y, x):
    d[y] = -d[x] * TWO_OVER_SQRT_PI * np.exp(-x * x)


@adjoint(special.erfinv)
def erfinv(y, x):
    d[x] = d[y] * SQRT_PI_OVER_TWO * np.exp(y * y)


@tangent(special.erfinv)
def erfinv_tangent(y, x):
    d[y] = d[x] * SQRT_PI_OVER_TWO * np.exp(y * y)


# The normal CDF's slopes vanish at +inf (an ordinal model's open-ended cut point);
# their own derivatives, -x times the slope, must vanish there too, not be inf * 0.

def finite_part(x):
    """x where it is finite, 0 at +-inf (and nan)."""
    return np.where(np.isfinite(x), x, 0.0)


@adjoint(finite_part)
def finite_part_adjoint(y, x):
    d[x] = np.where(np.isfinite(x), d[y], 0.0)


@tangent(finite_part)
def finite_part_tangent(y, x):
    d[y] = np.where(np.isfinite(x), d[x], 0.0)


def normal_density(x):
    """The standard normal density, ndtr's derivative."""
    return INV_SQRT_2PI * np.exp(-0.5 * x * x)


@adjoint(normal_density)
def normal_density_adjoint(y, x):
    d[x] = -d[y] * finite_part(x) * y


@tangent(normal_density)
def normal_density_tangent(y, x):
    d[y] = -d[x] * finite_part(x) * y


def log_ndtr_slope(x, y):
    """log_ndtr's derivative at x, where y = log_ndtr(x): density / cdf."""
    return INV_SQRT_2PI * np.exp(-0.5 * x * x - y)


@adjoint(log_ndtr_slope)
def log_ndtr_slope_adjoint(s, x, y):
    d[x] = -d[s] * finite_part(x) * s
    d[y] = -d[s] * s


@tangent(log_ndtr_slope)
def log_ndtr_slope_tangent(s, x, y):
    d[s] = -(finite_part(x) * d[x] + d[y]) * s


@adjoint(special.ndtr)
def ndtr(y, x):
    d[x] = d[y] * normal_density(x)


@tangent(special.ndtr)
def ndtr_tangent(y, x):
    d[y] = d[x] * normal_density(x)


@adjoint(special.log_ndtr)
def log_ndtr(y, x):
    d[x] = d[y] * log_ndtr_slope(x, y)


@tangent(special.log_ndtr)
def log_ndtr_tangent(y, x):
    d[y] = d[x] * log_ndtr_slope(x, y)


@adjoint(special.ndtri)
def ndtri(y, x):
    d[x] = d[y] / (INV_SQRT_2PI * np.exp(-0.5 * y * y))


@tangent(special.ndtri)
def ndtri_tangent(y, x):
    d[y] = d[x] / (INV_SQRT_2PI * np.exp(-0.5 * y * y))


@adjoint(special.gammaln)
def gammaln(y, x):
    d[x] = d[y] * special.digamma(x)


@tangent(special.gammaln)
def gammaln_tangent(y, x):
    d[y] = d[x] * special.digamma(x)


@adjoint(special.gamma)
def gamma(y, x):
    d[x] = d[y] * y * special.digamma(x)


@tangent(special.gamma)
def gamma_tangent(y, x):
    d[y] = d[x] * y * special.digamma(x)


@adjoint(special.digamma, special.psi)
def digamma(y, x):
    d[x] = d[y] * special.polygamma(1, x)


@tangent(special.digamma, special.psi)
def digamma_tangent(y, x):
    d[y] = d[x] * special.polygamma(1, x)


@adjoint(special.polygamma)
def polygamma(y, n, x):
    d[x] = unbroadcast(d[y] * special.polygamma(n + 1, x), x)


@tangent(special.polygamma)
def polygamma_tangent(y, n, x):
    d[y] = like(d[x] * special.polygamma(n + 1, x), y)


@adjoint(special.i0)
def i0(y, x):
    d[x] = d[y] * special.i1(x)


@tangent(special.i0)
def i0_tangent(y, x):
    d[y] = d[x] * special.i1(x)


@adjoint(special.i1)
def i1(y, x):
    d[x] = d[y] * 0.5 * (special.i0(x) + special.iv(2, x))


@tangent(special.i1)
def i1_tangent(y, x):
    d[y] = d[x] * 0.5 * (special.i0(x) + special.iv(2, x))


@adjoint(special.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(special.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


@adjoint(special.erfcx)
def erfcx(y, x):
    d[x] = d[y] * (2.0 * x * y - TWO_OVER_SQRT_PI)


@tangent(special.erfcx)
def erfcx_tangent(y, x):
    d[y] = d[x] * (2.0 * x * y - TWO_OVER_SQRT_PI)


@adjoint(special.erfcinv)
def erfcinv(y, x):
    d[x] = -d[y] * SQRT_PI_OVER_TWO * np.exp(y * y)


@tangent(special.erfcinv)
def erfcinv_tangent(y, x):
    d[y] = -d[x] * SQRT_PI_OVER_TWO * np.exp(y * y)


@adjoint(special.entr)
def entr(y, x):
    d[x] = -d[y] * (np.log(x) + 1.0)


@tangent(special.entr)
def entr_tangent(y, x):
    d[y] = -d[x] * (np.log(x) + 1.0)


@adjoint(special.loggamma)
def loggamma(y, x):
    d[x] = d[y] * special.digamma(x)


@tangent(special.loggamma)
def loggamma_tangent(y, x):
    d[y] = d[x] * special.digamma(x)


@adjoint(special.i0e)
def i0e(y, x):
    d[x] = d[y] * (special.i1e(x) - np.sign(x) * y)


@tangent(special.i0e)
def i0e_tangent(y, x):
    d[y] = d[x] * (special.i1e(x) - np.sign(x) * y)


def i1e_slope(x, y):
    """d i1e(x) / dx for y = i1e(x): i0e(x) - i1e(x) / x - sign(x) i1e(x), with
    i1e(x) / x = 1/2 at 0 (from i1'(x) = i0(x) - i1(x) / x); written with i0e and
    i1e only, whose rules give it a derivative (second derivatives)."""
    nonzero = x != 0
    over_x = np.where(nonzero, y / np.where(nonzero, x, 1.0), 0.5)
    return special.i0e(x) - over_x - np.sign(x) * y


@adjoint(special.i1e)
def i1e(y, x):
    d[x] = d[y] * i1e_slope(x, y)


@tangent(special.i1e)
def i1e_tangent(y, x):
    d[y] = d[x] * i1e_slope(x, y)


def multidigamma(a, dimension):
    """d multigammaln(a, dimension) / d a: the sum of digamma(a - j/2), j < dimension."""
    halves = np.arange(dimension) / 2.0
    return np.sum(special.digamma(np.expand_dims(a, -1) - halves), axis=-1)


@adjoint(special.multigammaln)
def multigammaln(y, a, dimension):
    d[a] = d[y] * multidigamma(a, dimension)


@tangent(special.multigammaln)
def multigammaln_tangent(y, a, dimension):
    d[y] = d[a] * multidigamma(a, dimension)


# ---------------------------------------------------------------- two operands

def safe_ratio(x, y):
    """x / y, with 0 where x is 0 (the convention of xlogy: 0 log 0 = 0)."""
    return np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y))


@adjoint(special.betaln)
def betaln(z, a, b):
    d[a] = unbroadcast(d[z] * (special.digamma(a) - special.digamma(a + b)), a)
    d[b] = unbroadcast(d[z] * (special.digamma(b) - special.digamma(a + b)), b)


@tangent(special.betaln)
def betaln_tangent(z, a, b):
    d[z] = like(d[a] * special.digamma(a) + d[b] * special.digamma(b)
                - (d[a] + d[b]) * special.digamma(a + b), z)


@adjoint(special.xlogy)
def xlogy(z, x, y):
    d[x] = unbroadcast(d[z] * np.log(y), x)
    d[y] = unbroadcast(d[z] * safe_ratio(x, y), y)


@tangent(special.xlogy)
def xlogy_tangent(z, x, y):
    d[z] = like(d[x] * np.log(y) + d[y] * safe_ratio(x, y), z)


@adjoint(special.xlog1py)
def xlog1py(z, x, y):
    d[x] = unbroadcast(d[z] * np.log1p(y), x)
    d[y] = unbroadcast(d[z] * safe_ratio(x, 1.0 + y), y)


@tangent(special.xlog1py)
def xlog1py_tangent(z, x, y):
    d[z] = like(d[x] * np.log1p(y) + d[y] * safe_ratio(x, 1.0 + y), z)


@adjoint(special.rel_entr)
def rel_entr(z, x, y):
    d[x] = unbroadcast(d[z] * (np.log(x / y) + 1.0), x)
    d[y] = unbroadcast(-d[z] * x / y, y)


@tangent(special.rel_entr)
def rel_entr_tangent(z, x, y):
    d[z] = like(d[x] * (np.log(x / y) + 1.0) - d[y] * x / y, z)


@adjoint(special.kl_div)
def kl_div(z, x, y):
    d[x] = unbroadcast(d[z] * np.log(x / y), x)
    d[y] = unbroadcast(d[z] * (1.0 - x / y), y)


@tangent(special.kl_div)
def kl_div_tangent(z, x, y):
    d[z] = like(d[x] * np.log(x / y) + d[y] * (1.0 - x / y), z)


def boxcox_slope_lmbda(t, lmbda):
    """d/d lmbda of (exp(lmbda t) - 1) / lmbda, t = log(x): (u e^u - expm1(u)) / lmbda^2
    with u = lmbda t, and near u = 0 (lmbda = 0: t^2 / 2) its series, which the
    cancellation in that form would spoil."""
    u = lmbda * t
    small = np.abs(u) < 1e-3
    safe = np.where(small, 1.0, lmbda)
    exact = (u * np.exp(u) - np.expm1(u)) / (safe * safe)
    series = t * t * (0.5 + u * (1.0 / 3.0 + u * (0.125 + u / 30.0)))
    return np.where(small, series, exact)


@adjoint(special.boxcox)
def boxcox(y, x, lmbda):
    d[x] = unbroadcast(d[y] * x ** (lmbda - 1.0), x)
    d[lmbda] = unbroadcast(d[y] * boxcox_slope_lmbda(np.log(x), lmbda), lmbda)


@tangent(special.boxcox)
def boxcox_tangent(y, x, lmbda):
    d[y] = like(d[x] * x ** (lmbda - 1.0) + d[lmbda] * boxcox_slope_lmbda(np.log(x), lmbda), y)


@adjoint(special.boxcox1p)
def boxcox1p(y, x, lmbda):
    d[x] = unbroadcast(d[y] * (1.0 + x) ** (lmbda - 1.0), x)
    d[lmbda] = unbroadcast(d[y] * boxcox_slope_lmbda(np.log1p(x), lmbda), lmbda)


@tangent(special.boxcox1p)
def boxcox1p_tangent(y, x, lmbda):
    d[y] = like(d[x] * (1.0 + x) ** (lmbda - 1.0)
                + d[lmbda] * boxcox_slope_lmbda(np.log1p(x), lmbda), y)


@adjoint(special.huber)
def huber(y, delta, r):
    d[r] = unbroadcast(d[y] * np.clip(r, -delta, delta), r)
    d[delta] = unbroadcast(d[y] * np.maximum(np.abs(r) - delta, 0.0), delta)


@tangent(special.huber)
def huber_tangent(y, delta, r):
    d[y] = like(d[r] * np.clip(r, -delta, delta)
                + d[delta] * np.maximum(np.abs(r) - delta, 0.0), y)


def pseudo_huber_root(delta, r):
    """sqrt(1 + (r / delta)^2)."""
    return np.sqrt(1.0 + (r / delta) ** 2)


@adjoint(special.pseudo_huber)
def pseudo_huber(y, delta, r):
    root = pseudo_huber_root(delta, r)
    d[r] = unbroadcast(d[y] * r / root, r)
    d[delta] = unbroadcast(d[y] * (2.0 * y / delta - r * r / (delta * root)), delta)


@tangent(special.pseudo_huber)
def pseudo_huber_tangent(y, delta, r):
    root = pseudo_huber_root(delta, r)
    d[y] = like(d[r] * r / root + d[delta] * (2.0 * y / delta - r * r / (delta * root)), y)


def student_t_density(df, t):
    """d stdtr(df, t) / d t: the density of Student's t with df degrees of freedom."""
    return np.exp(special.gammaln((df + 1.0) / 2.0) - special.gammaln(df / 2.0)
                  - 0.5 * np.log(df * np.pi) - (df + 1.0) / 2.0 * np.log1p(t * t / df))


@adjoint(special.stdtr)
def stdtr(p, df, t):
    d[t] = unbroadcast(d[p] * student_t_density(df, t), t)
    d[df] = no_closed_form("stdtr", "df")


@tangent(special.stdtr)
def stdtr_tangent(p, df, t):
    d[p] = like(d[t] * student_t_density(df, t) + d[df] * no_closed_form("stdtr", "df"), p)


def gamma_density(a, x):
    """d gammainc(a, x) / d x: x^(a-1) e^(-x) / Gamma(a)."""
    return np.exp(special.xlogy(a - 1.0, x) - x - special.gammaln(a))


@adjoint(special.gammainc)
def gammainc(p, a, x):
    d[x] = unbroadcast(d[p] * gamma_density(a, x), x)
    d[a] = no_closed_form("gammainc", "a")


@tangent(special.gammainc)
def gammainc_tangent(p, a, x):
    d[p] = like(d[x] * gamma_density(a, x) + d[a] * no_closed_form("gammainc", "a"), p)


@adjoint(special.gammaincc)
def gammaincc(p, a, x):
    d[x] = unbroadcast(-d[p] * gamma_density(a, x), x)
    d[a] = no_closed_form("gammaincc", "a")


@tangent(special.gammaincc)
def gammaincc_tangent(p, a, x):
    d[p] = like(-d[x] * gamma_density(a, x) + d[a] * no_closed_form("gammaincc", "a"), p)


def beta_density(a, b, x):
    """d betainc(a, b, x) / d x: x^(a-1) (1-x)^(b-1) / B(a, b)."""
    return np.exp(special.xlogy(a - 1.0, x) + special.xlog1py(b - 1.0, -x)
                  - special.betaln(a, b))


@adjoint(special.betainc)
def betainc(p, a, b, x):
    d[x] = unbroadcast(d[p] * beta_density(a, b, x), x)
    d[a] = no_closed_form("betainc", "a")
    d[b] = no_closed_form("betainc", "b")


@tangent(special.betainc)
def betainc_tangent(p, a, b, x):
    d[p] = like(d[x] * beta_density(a, b, x) + d[a] * no_closed_form("betainc", "a")
                + d[b] * no_closed_form("betainc", "b"), p)


# ---------------------------------------------------------------- over an axis

def refuse_sign(return_sign):
    """Refuses logsumexp's return_sign=True, which its rules do not cover."""
    if return_sign:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.special.logsumexp without return_sign=True",
            running_derivative_line(),
            hint="with positive weights b, leave return_sign out; otherwise compute the "
                 "sign apart, under s2sad.stop_gradient.")


nondifferentiable(refuse_sign)  # returns nothing: calling it passes no derivative


def logsumexp_weights(a, y, axis, b, keepdims):
    """exp(a - y) with y spread back over the reduced axes, in the shape of a
    broadcast with b: d logsumexp / d b, and times b, d logsumexp / d a (a
    function differentiated again for second derivatives)."""
    shape = np.shape(a) if b is None else np.broadcast_shapes(np.shape(a), np.shape(b))
    full = np.broadcast_to(a, shape)
    return log_share(full, unreduce(y, full, axis, keepdims))


def weighted(g, b):
    """g times the weights b of logsumexp (none: 1)."""
    return g if b is None else g * b


@adjoint(special.logsumexp)
def logsumexp(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    refuse_sign(return_sign)
    w = logsumexp_weights(a, y, axis, b, keepdims)
    g = unreduce(d[y], w, axis, keepdims)
    d[a] = unbroadcast(weighted(g * w, b), a)
    d[b] = unbroadcast(g * w, b)


@tangent(special.logsumexp)
def logsumexp_tangent(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    refuse_sign(return_sign)
    w = logsumexp_weights(a, y, axis, b, keepdims)
    d[y] = np.sum(w * (weighted(d[a], b) + d[b]), axis=axis, keepdims=keepdims)


@adjoint(special.softmax)
def softmax(y, x, axis=None):
    d[x] = y * (d[y] - np.sum(d[y] * y, axis=axis, keepdims=True))


@tangent(special.softmax)
def softmax_tangent(y, x, axis=None):
    d[y] = y * (d[x] - np.sum(d[x] * y, axis=axis, keepdims=True))


@adjoint(special.log_softmax)
def log_softmax(y, x, axis=None):
    d[x] = d[y] - np.exp(y) * np.sum(d[y], axis=axis, keepdims=True)


@tangent(special.log_softmax)
def log_softmax_tangent(y, x, axis=None):
    d[y] = like(d[x] - np.sum(np.exp(y) * expand(d[x], x), axis=axis, keepdims=True), y)
