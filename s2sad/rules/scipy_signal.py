"""scipy.signal: one-dimensional convolutions and linear filters.

Registered only when SciPy imports. Conventions:
- `convolve`, `correlate`, `fftconvolve` and `oaconvolve` take 1-D operands (any
  `method`; `axes` left out or 0). Each mode is a window of the full convolution
  of `in1` with `in2` (with `conj(in2[::-1])` for a correlation): from 0 for
  'full', from (len(in2) - 1) // 2 with len(in1) entries for 'same', from
  min(n, m) - 1 for 'valid'. The adjoint of one operand places the result's
  adjoint back in the full length and slides it along the other operand (as
  np.convolve's rules do, signal.py); the tangent follows the product rule.
- `lfilter(b, a, x)` is y = B(z) / A(z) x along `axis`, without `zi`. It is linear
  in x: the adjoint of x is the filter run backwards, lfilter(b, a, g reversed)
  reversed. In b and a (for a 1-D x): dy = (dB x - dA y) / A, so the adjoint of
  b[k] is sum_n g[n] u[n - k] with u = lfilter([1], a, x), and that of a[k] the
  same with -lfilter([1], a, y).
"""
import numpy as np
from scipy import signal

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand, gradient_dtype
from .linalg import inactive, product_rule
from .signal import real_like, slide_back


# ---------------------------------------------------------------- convolutions

def check_one_dimensional(function, in1, in2, axes=None):
    """Refuses operands other than 1-D arrays."""
    if np.ndim(in1) != 1 or np.ndim(in2) != 1 or axes not in (None, 0, -1, (0,), [0]):
        raise NonDifferentiableError(
            f"s2sad differentiates scipy.signal.{function} of 1-D operands, not of shapes "
            f"{np.shape(in1)} and {np.shape(in2)}", running_derivative_line(),
            hint="convolve each row with a 1-D call, or use np.convolve.")


nondifferentiable(check_one_dimensional)


def window_start(n, m, mode):
    """Where the output of scipy.signal.convolve (operands of lengths n and m)
    starts in the full convolution."""
    if mode == "full":
        return 0
    if mode == "same":
        return (m - 1) // 2
    return min(n, m) - 1


def placed_in_full(g, in1, in2, mode):
    """The adjoint `g` of the output placed in the full convolution's length."""
    n, m = np.size(in1), np.size(in2)
    start = window_start(n, m, mode)
    before = np.zeros(start, gradient_dtype(g, in1, in2))
    after = np.zeros(n + m - 1 - start - np.size(g), gradient_dtype(g, in1, in2))
    return np.concatenate([before, g, after])


def convolve_adjoint(g, which, in1, in2, mode, function="convolve", axes=None):
    """The adjoint of in1 (which = 0) or in2 (which = 1) of in1 * in2."""
    check_one_dimensional(function, in1, in2, axes)
    full = placed_in_full(g, in1, in2, mode)
    if which == 0:
        return real_like(slide_back(full, in2), in1)
    return real_like(slide_back(full, in1), in2)


def correlate_adjoint(g, which, in1, in2, mode):
    """in2 enters as conj(in2[::-1]): its adjoint, conjugated and reversed."""
    check_one_dimensional("correlate", in1, in2)
    full = placed_in_full(g, in1, in2, mode)
    if which == 0:
        return real_like(slide_back(full, np.conj(np.asarray(in2))[::-1]), in1)
    return real_like(np.conj(slide_back(full, in1))[::-1], in2)


@adjoint(signal.convolve)
def convolve(y, in1, in2, mode="full", method="auto"):
    d[in1] = convolve_adjoint(d[y], 0, in1, in2, mode)
    d[in2] = convolve_adjoint(d[y], 1, in1, in2, mode)


@tangent(signal.convolve)
def convolve_tangent(y, in1, in2, mode="full", method="auto"):
    d[y] = product_rule(y, signal.convolve, in1, d[in1], in2, d[in2], mode)


@adjoint(signal.correlate)
def correlate(y, in1, in2, mode="full", method="auto"):
    d[in1] = correlate_adjoint(d[y], 0, in1, in2, mode)
    d[in2] = correlate_adjoint(d[y], 1, in1, in2, mode)


@tangent(signal.correlate)
def correlate_tangent(y, in1, in2, mode="full", method="auto"):
    d[y] = product_rule(y, signal.correlate, in1, d[in1], in2, d[in2], mode)


@adjoint(signal.fftconvolve, signal.oaconvolve)
def fftconvolve(y, in1, in2, mode="full", axes=None):
    d[in1] = convolve_adjoint(d[y], 0, in1, in2, mode, "fftconvolve", axes)
    d[in2] = convolve_adjoint(d[y], 1, in1, in2, mode, "fftconvolve", axes)


@tangent(signal.fftconvolve, signal.oaconvolve)
def fftconvolve_tangent(y, in1, in2, mode="full", axes=None):
    check_one_dimensional("fftconvolve", in1, in2, axes)
    d[y] = product_rule(y, signal.convolve, in1, d[in1], in2, d[in2], mode)


# ---------------------------------------------------------------- lfilter

def check_lfilter(zi):
    if zi is not None:
        raise NonDifferentiableError(
            "s2sad differentiates scipy.signal.lfilter without zi", running_derivative_line(),
            hint="prepend the samples the initial state stands for to x, or filter "
                 "from rest (zi=None).")


nondifferentiable(check_lfilter)


def check_coefficients_of(x, axis):
    """The derivative in b or a is for a 1-D signal (asked for only when needed)."""
    if np.ndim(x) != 1:
        raise NonDifferentiableError(
            f"s2sad differentiates scipy.signal.lfilter in its coefficients b and a for a "
            f"1-D x, not one of shape {np.shape(x)}", running_derivative_line(),
            hint="filter each signal with a call of its own, or hold b and a fixed with "
                 "s2sad.stop_gradient.")


nondifferentiable(check_coefficients_of)


def filtered_backwards(g, b, a, axis, zi):
    """The adjoint of x: the filter applied to g in reverse time."""
    check_lfilter(zi)
    return np.flip(signal.lfilter(b, a, np.flip(g, axis), axis=axis), axis)


def lagged_products(g, u, count):
    """sum_n g[n] u[n - k] for k < count (u is 0 before its start)."""
    n = np.size(g)
    c = np.convolve(g[::-1], u)[n - 1::-1]
    return np.concatenate([c, np.zeros(max(count - n, 0), c.dtype)])[:count]


def lfilter_adjoint_b(g, b, a, x, axis, zi):
    check_lfilter(zi)
    check_coefficients_of(x, axis)
    return lagged_products(g, signal.lfilter([1.0], a, x), np.size(b))


def lfilter_adjoint_a(g, y, a, axis, zi):
    check_lfilter(zi)
    check_coefficients_of(y, axis)
    return -lagged_products(g, signal.lfilter([1.0], a, y), np.size(a))


def lfilter_tangent(y, b, db, a, da, x, dx, axis, zi):
    """dy = lfilter(b, a, dx) + lfilter(db, a, x) - lfilter(da, a, y)."""
    check_lfilter(zi)
    out = 0.0
    if not inactive(dx):
        out = out + signal.lfilter(b, a, expand(dx, x), axis=axis)
    if not inactive(db):
        check_coefficients_of(x, axis)
        out = out + signal.lfilter(expand(db, b), a, x, axis=axis)
    if not inactive(da):
        check_coefficients_of(x, axis)
        out = out - signal.lfilter(expand(da, a), a, y, axis=axis)
    return out + np.zeros(np.shape(y))


@adjoint(signal.lfilter)
def lfilter(y, b, a, x, axis=-1, zi=None):
    d[x] = filtered_backwards(d[y], b, a, axis, zi)
    d[b] = lfilter_adjoint_b(d[y], b, a, x, axis, zi)
    d[a] = lfilter_adjoint_a(d[y], y, a, axis, zi)


@tangent(signal.lfilter)
def lfilter_tangent_rule(y, b, a, x, axis=-1, zi=None):
    d[y] = lfilter_tangent(y, b, d[b], a, d[a], x, d[x], axis, zi)
