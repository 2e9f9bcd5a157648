"""One-dimensional signals and curves: np.convolve, np.correlate, np.interp, np.polyval,
np.polynomial.polynomial.polyval.

Convolution is bilinear: the adjoint of one operand slides the result's adjoint,
placed back in the full-length output, along the other operand (a `valid`
convolution with it reversed), and the tangent follows the product rule. The
correlation is the convolution with the reversed conjugate of `v`.

np.interp is piecewise linear: between the knots xp[i] <= x < xp[i+1], the value
is (1 - s) fp[i] + s fp[i+1] with s = (x - xp[i]) / (xp[i+1] - xp[i]). Its
derivative in x is the segment's slope (at a knot: the slope of the segment to
its right, at the last knot the one to its left; 0 outside [xp[0], xp[-1]]),
in fp the weights (1 - s, s), in xp minus the slope times those weights, and in
`left`/`right` 1 outside the knots. `period` is refused.

np.polynomial.polynomial.polyval(x, c) is np.polyval(c[::-1], x): its rules are
those of np.polyval with the coefficients reversed (a 1-D c only).
"""
import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand, gradient_dtype
from .linalg import inactive, product_rule


# ---------------------------------------------------------------- convolve, correlate

def window_start(n, m, mode, correlation):
    """Where the output of np.convolve / np.correlate (lengths n and m) starts in
    the full convolution of the operands (`v` reversed for a correlation)."""
    shorter = min(n, m)
    if mode == "full":
        return 0
    if mode == "valid":
        return shorter - 1
    if correlation and n < m:  # NumPy swaps the operands and reverses the result
        return shorter - 1 - (shorter - 1) // 2
    return (shorter - 1) // 2


def full_adjoint(g, a, v, mode, correlation):
    """The adjoint `g` of the output placed in the full convolution's length."""
    full = np.zeros(np.size(a) + np.size(v) - 1, gradient_dtype(g, a, v))
    start = window_start(np.size(a), np.size(v), mode, correlation)
    full[start:start + np.size(g)] = g
    return full


def slide_back(full, other):
    """The adjoint of one operand of a full convolution with `other`: no conjugate
    (the adjoint of a complex z is d/d(re z) - i d/d(im z), as for the other rules)."""
    return np.convolve(full, np.asarray(other)[::-1], "valid")


def real_like(g, x):
    """g, or its real part when x is real: the gradient of a real variable is real."""
    return g if np.iscomplexobj(x) else np.real(g)


def convolve_adjoint_a(g, a, v, mode):
    return real_like(slide_back(full_adjoint(g, a, v, mode, False), v), a)


def convolve_adjoint_v(g, a, v, mode):
    return real_like(slide_back(full_adjoint(g, a, v, mode, False), a), v)


def correlate_adjoint_a(g, a, v, mode):
    return real_like(slide_back(full_adjoint(g, a, v, mode, True), np.conj(v)[::-1]), a)


def correlate_adjoint_v(g, a, v, mode):
    """v enters as conj(v[::-1]): the adjoint of that operand, conjugated and reversed."""
    reversed_v = slide_back(full_adjoint(g, a, v, mode, True), a)
    return real_like(np.conj(reversed_v)[::-1], v)


@adjoint(np.convolve)
def convolve(y, a, v, mode="full"):
    d[a] = convolve_adjoint_a(d[y], a, v, mode)
    d[v] = convolve_adjoint_v(d[y], a, v, mode)


@tangent(np.convolve)
def convolve_tangent(y, a, v, mode="full"):
    d[y] = product_rule(y, np.convolve, a, d[a], v, d[v], mode)


@adjoint(np.correlate)
def correlate(y, a, v, mode="valid"):
    d[a] = correlate_adjoint_a(d[y], a, v, mode)
    d[v] = correlate_adjoint_v(d[y], a, v, mode)


@tangent(np.correlate)
def correlate_tangent(y, a, v, mode="valid"):
    d[y] = product_rule(y, np.correlate, a, d[a], v, d[v], mode)


# ---------------------------------------------------------------- interp

def check_interp(xp, period):
    """Refuses what np.interp's rules do not cover: `period`, fewer than two knots (a
    call, not a `raise` in the helpers, whose source is differentiated again)."""
    if period is not None:
        raise NonDifferentiableError(
            "s2sad differentiates np.interp without `period`", running_derivative_line(),
            hint="map x into one period yourself (x % period, with xp and fp extended "
                 "by one period each side) and call np.interp without it.")
    if np.size(xp) < 2:
        raise NonDifferentiableError("s2sad differentiates np.interp with two knots or more",
                                     running_derivative_line())


nondifferentiable(check_interp)


def interp_pieces(x, xp, fp, period):
    """For each x: the segment i (xp[i] <= x <= xp[i+1]), the weight s of fp[i+1],
    the segment's slope, and the masks of the points below and above the knots."""
    check_interp(xp, period)
    x, xp, fp = np.asarray(x, float), np.asarray(xp, float), np.asarray(fp)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    width = xp[i + 1] - xp[i]
    s = (x - xp[i]) / width
    slope = (fp[i + 1] - fp[i]) / width
    return i, s, slope, x < xp[0], x > xp[-1]


def scatter_to_knots(values_at_i, values_at_next, i, xp):
    """Sums per knot of values that belong to the knots i and i + 1."""
    out = np.zeros(np.size(xp), gradient_dtype(values_at_i, values_at_next))
    np.add.at(out, np.ravel(i), np.ravel(values_at_i))
    np.add.at(out, np.ravel(i) + 1, np.ravel(values_at_next))
    return out


# scatter_to_knots is linear in the values, the knots i only place them (second
# derivatives, through the adjoint helpers' source)
@tangent(scatter_to_knots)
def scatter_to_knots_tangent(y, values_at_i, values_at_next, i, xp):
    d[y] = scatter_to_knots(expand(d[values_at_i], values_at_i),
                            expand(d[values_at_next], values_at_next), i, xp)


def interp_adjoint_x(g, x, xp, fp, period):
    i, s, slope, below, above = interp_pieces(x, xp, fp, period)
    return np.where(below | above, 0.0, g * slope)


def ends_to_knots(low, high, xp):
    """`low` on the first knot and `high` on the last, 0 on the others."""
    return np.concatenate([[low], np.zeros(np.size(xp) - 2), [high]])


def interp_adjoint_fp(g, x, xp, fp, left, right, period):
    i, s, slope, below, above = interp_pieces(x, xp, fp, period)
    inside = ~(below | above)
    out = scatter_to_knots(g * (1.0 - s) * inside, g * s * inside, i, xp)
    # no writes into out: this helper's source is differentiated again (hvp)
    low = np.sum(g * below) if left is None else 0.0
    high = np.sum(g * above) if right is None else 0.0
    return out + ends_to_knots(low, high, xp)


def interp_adjoint_xp(g, x, xp, fp, period):
    i, s, slope, below, above = interp_pieces(x, xp, fp, period)
    moved = -g * slope * ~(below | above)
    return scatter_to_knots(moved * (1.0 - s), moved * s, i, xp)


def interp_adjoint_outside(g, x, xp, fp, period, side):
    """The adjoint of `left` (side 0) or `right` (side 1): the points beyond that end."""
    i, s, slope, below, above = interp_pieces(x, xp, fp, period)
    return np.sum(g * (above if side else below))


def interp_tangent(x, dx, xp, dxp, fp, dfp, left, dleft, right, dright, period):
    i, s, slope, below, above = interp_pieces(x, xp, fp, period)
    out = 0.0
    if not inactive(dx):
        out = out + slope * dx
    if not inactive(dfp):
        dfp = expand(dfp, fp)
        out = out + (1.0 - s) * dfp[i] + s * dfp[i + 1]
    if not inactive(dxp):
        dxp = expand(dxp, xp)
        out = out - slope * ((1.0 - s) * dxp[i] + s * dxp[i + 1])
    out = np.where(below | above, 0.0, out)
    low = dleft if left is not None else dfp[0] if not inactive(dfp) else 0.0
    high = dright if right is not None else dfp[-1] if not inactive(dfp) else 0.0
    return np.where(below, low, np.where(above, high, out)) + np.zeros(np.shape(x))


@adjoint(np.interp)
def interp(y, x, xp, fp, left=None, right=None, period=None):
    d[x] = interp_adjoint_x(d[y], x, xp, fp, period)
    d[xp] = interp_adjoint_xp(d[y], x, xp, fp, period)
    d[fp] = interp_adjoint_fp(d[y], x, xp, fp, left, right, period)
    d[left] = interp_adjoint_outside(d[y], x, xp, fp, period, 0)
    d[right] = interp_adjoint_outside(d[y], x, xp, fp, period, 1)


@tangent(np.interp)
def interp_tangent_rule(y, x, xp, fp, left=None, right=None, period=None):
    d[y] = interp_tangent(x, d[x], xp, d[xp], fp, d[fp], left, d[left], right, d[right], period)


# ---------------------------------------------------------------- polyval

def check_coefficients(p):
    """Refuses coefficients other than one 1-D array (a call, not a `raise` in
    `powers`, whose source is differentiated again)."""
    if np.ndim(p) != 1:
        raise NonDifferentiableError(
            f"s2sad differentiates np.polyval with a 1-D array of coefficients, not one of "
            f"shape {np.shape(p)}", running_derivative_line(),
            hint="call np.polyval once per polynomial.")


nondifferentiable(check_coefficients)


def powers(p, x):
    """x ** (n-1), ..., x ** 0 along a last axis, for the n coefficients of p."""
    check_coefficients(p)
    return np.asarray(x)[..., None] ** np.arange(np.size(p) - 1, -1, -1)


def polyval_adjoint_p(g, p, x):
    g = np.broadcast_to(g, np.shape(x))
    return np.tensordot(g, powers(p, x), axes=np.ndim(g))


def slope_of_polynomial(p, x):
    return np.polyval(np.polyder(p), x) if np.size(p) > 1 else np.zeros(np.shape(x))


# the slope is linear in p, and its own slope in x is the second derivative
# (second derivatives of np.polyval)
@tangent(slope_of_polynomial)
def slope_of_polynomial_tangent(y, p, x):
    d[y] = slope_of_polynomial(expand(d[p], p), x) + d[x] * slope_of_polynomial(np.polyder(p), x)


def polyval_tangent(y, p, dp, x, dx):
    out = 0.0
    if not inactive(dp):
        out = out + powers(p, x) @ expand(dp, p)
    if not inactive(dx):
        out = out + slope_of_polynomial(p, x) * dx
    return out + np.zeros(np.shape(y))


@adjoint(np.polyval)
def polyval(y, p, x):
    d[p] = polyval_adjoint_p(d[y], p, x)
    d[x] = d[y] * slope_of_polynomial(p, x)


@tangent(np.polyval)
def polyval_tangent_rule(y, p, x):
    d[y] = polyval_tangent(y, p, d[p], x, d[x])


# ---------------------------------------------------------------- np.polynomial.polynomial.polyval

def check_series(c):
    """Refuses coefficients other than one 1-D array (with tensor=True SciPy's
    N-D c evaluates several polynomials)."""
    if np.ndim(c) != 1:
        raise NonDifferentiableError(
            f"s2sad differentiates np.polynomial.polynomial.polyval with a 1-D array of "
            f"coefficients, not one of shape {np.shape(c)}", running_derivative_line(),
            hint="evaluate one polynomial per call.")


nondifferentiable(check_series)


def lowest_first(c):
    """The coefficients, highest power first, of the series c (lowest first)."""
    check_series(c)
    return np.asarray(c)[::-1]


def series_adjoint_c(g, x, c):
    return polyval_adjoint_p(g, lowest_first(c), x)[::-1]


def series_tangent(y, x, dx, c, dc):
    dp = dc if inactive(dc) else expand(dc, c)[::-1]
    return polyval_tangent(y, lowest_first(c), dp, x, dx)


@adjoint(np.polynomial.polynomial.polyval)
def series_polyval(y, x, c, tensor=True):
    d[x] = d[y] * slope_of_polynomial(lowest_first(c), x)
    d[c] = series_adjoint_c(d[y], x, c)


@tangent(np.polynomial.polynomial.polyval)
def series_polyval_tangent(y, x, c, tensor=True):
    d[y] = series_tangent(y, x, d[x], c, d[c])
