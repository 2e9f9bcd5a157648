"""NumPy's elementwise functions.

One-argument functions keep x's shape, so their rules are the calculus-book
derivatives. Two- and three-argument ones broadcast: adjoints are summed back
to each operand's shape with `unbroadcast`, tangents are given the result's
shape with `like`.

Conventions at kinks: `abs` uses sign(x) (0 at 0); `maximum`/`minimum` (and
`fmax`/`fmin`, `max`/`min`) split the derivative equally between tied
operands; `clip` passes it to `a` on the closed interval [a_min, a_max];
`nan_to_num` passes it where x is finite and sends it to the replacement value
(nan, posinf, neginf) elsewhere; `select` passes it to the choice each entry
was taken from (the first true condition, else the default). `fabs` is `abs`
(sign(x), 0 at 0); `copysign(x1, x2)` = |x1| with x2's sign bit has derivative
sign(x1) copysign(1, x2) in x1 (0 at x1 = 0, as `abs`) and none in x2, whose
sign only is read (math.fabs and math.copysign, in scalar_math.py, follow
Python's sign bit instead: 1 at 0.0, -1 at -0.0). `fmod(x1, x2)` = x1 - x2
trunc(x1 / x2): d/dx1 = 1, d/dx2 = -trunc(x1 / x2), as `x % y` (operators.py)
everywhere but at the jumps. `float_power` is `power` (its derivative in x2 is 0
where the result is 0). `angle` follows JAX's convention for complex z (the
adjoint of z is d/d(re z) - i d/d(im z), as for `abs`): -i g / z, 0 at z = 0; the
angle of a real number (0 or pi) has derivative 0.
"""
import math

import numpy as np

from ..errors import NonDifferentiableError, running_derivative_line
from ..registry import adjoint, d, nondifferentiable, tangent
from ..runtime import expand, gradient_dtype, is_foreign, unbroadcast
from .operators import exponent_tangent, like, power_log
from .shapes import in_dtype_of, in_form_of

LN2 = math.log(2.0)  # Python floats: they do not widen float32 arrays
LN10 = math.log(10.0)
DEGREE = math.pi / 180.0  # one degree in radians


@adjoint(np.sin)
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@tangent(np.sin)
def sin_tangent(y, x):
    d[y] = d[x] * np.cos(x)


@adjoint(np.cos)
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@tangent(np.cos)
def cos_tangent(y, x):
    d[y] = -d[x] * np.sin(x)


@adjoint(np.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(np.tan)
def tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(np.arcsin)
def arcsin(y, x):
    d[x] = d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def arcsin_tangent(y, x):
    d[y] = d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arccos)
def arccos(y, x):
    d[x] = -d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def arccos_tangent(y, x):
    d[y] = -d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arctan)
def arctan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(np.arctan)
def arctan_tangent(y, x):
    d[y] = d[x] / (1.0 + x * x)


def sinc_slope(x):
    """d sinc/dx = (cos(pi x) - sinc(x)) / x, and 0 at x = 0 (sinc is even)."""
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    return np.where(zero, 0.0, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)


@adjoint(np.sinc)
def sinc(y, x):
    d[x] = d[y] * sinc_slope(x)


@tangent(np.sinc)
def sinc_tangent(y, x):
    d[y] = d[x] * sinc_slope(x)


def finite_entries(x, copy):
    """Where np.nan_to_num keeps x; refuses copy=False, which overwrites x in place
    (the rule could then no longer see which entries were replaced)."""
    if not copy:
        raise NonDifferentiableError(
            "s2sad differentiates np.nan_to_num with copy=True only: copy=False replaces the "
            "entries in the array itself", running_derivative_line(),
            hint="drop copy=False and use the returned array.")
    return np.isfinite(x)


nondifferentiable(finite_entries)  # a mask: it carries no derivative


def replaced(x, which):
    """Where np.nan_to_num replaces x by the value of `which`: 'nan', 'posinf', 'neginf'."""
    test = {"nan": np.isnan, "posinf": np.isposinf, "neginf": np.isneginf}[which]
    return test(x)


def replacement_adjoint(g, x, which):
    """The adjoint of one of np.nan_to_num's replacement values (a number)."""
    return np.sum(np.where(replaced(x, which), g, 0.0))


@adjoint(np.nan_to_num)
def nan_to_num(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = d[y] * finite_entries(x, copy)
    d[nan] = replacement_adjoint(d[y], x, "nan")
    d[posinf] = replacement_adjoint(d[y], x, "posinf")
    d[neginf] = replacement_adjoint(d[y], x, "neginf")


@tangent(np.nan_to_num)
def nan_to_num_tangent(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[y] = like(d[x] * finite_entries(x, copy) + d[nan] * replaced(x, "nan")
                + d[posinf] * replaced(x, "posinf") + d[neginf] * replaced(x, "neginf"), y)


@adjoint(np.sinh)
def sinh(y, x):
    d[x] = d[y] * np.cosh(x)


@tangent(np.sinh)
def sinh_tangent(y, x):
    d[y] = d[x] * np.cosh(x)


@adjoint(np.cosh)
def cosh(y, x):
    d[x] = d[y] * np.sinh(x)


@tangent(np.cosh)
def cosh_tangent(y, x):
    d[y] = d[x] * np.sinh(x)


@adjoint(np.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(np.tanh)
def tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(np.arcsinh)
def arcsinh(y, x):
    d[x] = d[y] / np.sqrt(x * x + 1.0)


@tangent(np.arcsinh)
def arcsinh_tangent(y, x):
    d[y] = d[x] / np.sqrt(x * x + 1.0)


@adjoint(np.arccosh)
def arccosh(y, x):
    d[x] = d[y] / np.sqrt(x * x - 1.0)


@tangent(np.arccosh)
def arccosh_tangent(y, x):
    d[y] = d[x] / np.sqrt(x * x - 1.0)


@adjoint(np.arctanh)
def arctanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(np.arctanh)
def arctanh_tangent(y, x):
    d[y] = d[x] / (1.0 - x * x)


@adjoint(np.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(np.exp)
def exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(np.exp2)
def exp2(y, x):
    d[x] = d[y] * y * LN2


@tangent(np.exp2)
def exp2_tangent(y, x):
    d[y] = d[x] * y * LN2


@adjoint(np.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(np.expm1)
def expm1_tangent(y, x):
    d[y] = d[x] * (y + 1.0)


@adjoint(np.log)
def log(y, x):
    d[x] = d[y] / x


@tangent(np.log)
def log_tangent(y, x):
    d[y] = d[x] / x


@adjoint(np.log2)
def log2(y, x):
    d[x] = d[y] / (x * LN2)


@tangent(np.log2)
def log2_tangent(y, x):
    d[y] = d[x] / (x * LN2)


@adjoint(np.log10)
def log10(y, x):
    d[x] = d[y] / (x * LN10)


@tangent(np.log10)
def log10_tangent(y, x):
    d[y] = d[x] / (x * LN10)


@adjoint(np.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(np.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


@adjoint(np.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@tangent(np.sqrt)
def sqrt_tangent(y, x):
    d[y] = d[x] * 0.5 / y


@adjoint(np.cbrt)
def cbrt(y, x):
    d[x] = d[y] / (3.0 * y * y)


@tangent(np.cbrt)
def cbrt_tangent(y, x):
    d[y] = d[x] / (3.0 * y * y)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(np.square)
def square_tangent(y, x):
    d[y] = d[x] * 2.0 * x


@adjoint(np.reciprocal)
def reciprocal(y, x):
    d[x] = -d[y] * y * y


@tangent(np.reciprocal)
def reciprocal_tangent(y, x):
    d[y] = -d[x] * y * y


def abs_slope(x):
    """sign(x); for complex x its conjugate, conj(x) / |x| (0 at 0): in JAX's
    convention the adjoint of x is d/d(re x) - i d/d(im x). Written with conj and
    abs, which second derivatives follow: np.sign is piecewise constant for real x
    only."""
    if not np.iscomplexobj(x):
        return np.sign(x)
    size = np.abs(x)
    return np.where(size == 0, 0.0, np.conj(x) / np.where(size == 0, 1.0, size))


def abs_slope_derivative(t, x):
    """The derivative of abs_slope along t: 0 for real x (a sign); for complex x,
    d(conj(x) / |x|) = conj(t) / 2|x| - conj(x)^2 t / 2|x|^3 (0 at 0). In JAX's
    convention (the adjoint of x is g dw/dx + conj(g dw/dconj(x))) this map is its
    own adjoint: the tangent and the adjoint rule share it."""
    if not np.iscomplexobj(x):
        return 0.0 * np.real(t)
    size = np.abs(x)
    safe = np.where(size == 0, 1.0, size)
    return np.where(size == 0, 0.0, np.conj(t) / (2 * safe) -
                    np.conj(x) ** 2 * t / (2 * safe ** 3))


# abs's own rules read abs_slope: these make them differentiable again
@adjoint(abs_slope)
def abs_slope_rule(y, x):
    d[x] = abs_slope_derivative(d[y], x)


@tangent(abs_slope)
def abs_slope_tangent_rule(y, x):
    d[y] = abs_slope_derivative(d[x], x)


@adjoint(np.abs, np.absolute, abs)
def absolute(y, x):
    d[x] = d[y] * abs_slope(x)


@tangent(np.abs, np.absolute, abs)
def absolute_tangent(y, x):
    d[y] = np.real(d[x] * abs_slope(x))


@adjoint(np.fabs)
def fabs(y, x):
    d[x] = d[y] * np.sign(x)


@tangent(np.fabs)
def fabs_tangent(y, x):
    d[y] = d[x] * np.sign(x)


@adjoint(np.radians, np.deg2rad)
def radians(y, x):
    d[x] = d[y] * DEGREE


@tangent(np.radians, np.deg2rad)
def radians_tangent(y, x):
    d[y] = d[x] * DEGREE


@adjoint(np.degrees, np.rad2deg)
def degrees(y, x):
    d[x] = d[y] / DEGREE


@tangent(np.degrees, np.rad2deg)
def degrees_tangent(y, x):
    d[y] = d[x] / DEGREE


def angle_slope(z, deg):
    """d angle/dz in JAX's convention: -i / z (so d angle = Im(dz / z)), 0 at 0, in
    degrees for deg=True; 0 for real z, whose angle (0 or pi) is piecewise constant."""
    unit = 1.0 / DEGREE if deg else 1.0
    if not np.iscomplexobj(z):
        return 0.0 * np.real(z)
    zero = z == 0
    return np.where(zero, 0.0, -1j * unit / np.where(zero, 1.0, z))


@adjoint(np.angle)
def angle(y, z, deg=False):
    d[z] = d[y] * angle_slope(z, deg)


@tangent(np.angle)
def angle_tangent(y, z, deg=False):
    d[y] = np.real(d[z] * angle_slope(z, deg))


@adjoint(np.real, np.ndarray.real)
def real(y, val):
    d[val] = d[y]


@tangent(np.real, np.ndarray.real)
def real_tangent(y, val):
    d[y] = np.real(d[val])


def imag_adjoint(g, x):
    """Im z = -Re(i z): its adjoint is -i g for complex z, nothing for a real one."""
    return -1j * g if np.iscomplexobj(x) else 0.0 * g


@adjoint(np.imag, np.ndarray.imag)
def imag(y, val):
    d[val] = imag_adjoint(d[y], val)


@tangent(np.imag, np.ndarray.imag)
def imag_tangent(y, val):
    d[y] = np.imag(d[val])


@adjoint(np.conj, np.conjugate, np.ndarray.conj, np.ndarray.conjugate)
def conjugate(y, x):
    d[x] = np.conj(d[y])


@tangent(np.conj, np.conjugate, np.ndarray.conj, np.ndarray.conjugate)
def conjugate_tangent(y, x):
    d[y] = np.conj(d[x])


# ---------------------------------------------------------------- two operands

def share(a, b):
    """How much of max(a, b) is a's: 1 where a wins, 1/2 at a tie, 0 where b wins."""
    shares = (a > b) + 0.5 * (a == b)
    return shares if type(shares) is float else shares.astype(gradient_dtype(a, b), copy=False)


def share_ignoring_nan(a, b):
    """`share` for fmax: a NaN operand never wins."""
    return np.where(np.isnan(b), 1.0, np.where(np.isnan(a), 0.0, share(a, b)))


@adjoint(np.arctan2)
def arctan2(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2 / (x1 * x1 + x2 * x2), x1)
    d[x2] = unbroadcast(-d[z] * x1 / (x1 * x1 + x2 * x2), x2)


@tangent(np.arctan2)
def arctan2_tangent(z, x1, x2):
    d[z] = like((d[x1] * x2 - d[x2] * x1) / (x1 * x1 + x2 * x2), z)


@adjoint(np.hypot)
def hypot(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x1 / z, x1)
    d[x2] = unbroadcast(d[z] * x2 / z, x2)


@tangent(np.hypot)
def hypot_tangent(z, x1, x2):
    d[z] = like((d[x1] * x1 + d[x2] * x2) / z, z)


def log_share(x, z):
    """exp(x - z): the share of the term x in the log-sum z, 0 where x is -inf (even
    where z is too: a term at -inf stays there under any finite change, where
    -inf - -inf would give NaN)."""
    if np.ndim(z) or is_foreign(z):
        return np.exp(x - np.where(z == -np.inf, 0.0, z))
    if z == -np.inf:
        return np.zeros_like(x) if np.ndim(x) else 0.0
    return np.exp(x - z)


@adjoint(np.logaddexp)
def logaddexp(z, x1, x2):
    d[x1] = unbroadcast(d[z] * log_share(x1, z), x1)
    d[x2] = unbroadcast(d[z] * log_share(x2, z), x2)


@tangent(np.logaddexp)
def logaddexp_tangent(z, x1, x2):
    d[z] = like(d[x1] * log_share(x1, z) + d[x2] * log_share(x2, z), z)


@adjoint(np.logaddexp2)
def logaddexp2(z, x1, x2):
    d[x1] = unbroadcast(d[z] * log_share(x1 * LN2, z * LN2), x1)
    d[x2] = unbroadcast(d[z] * log_share(x2 * LN2, z * LN2), x2)


@tangent(np.logaddexp2)
def logaddexp2_tangent(z, x1, x2):
    d[z] = like(d[x1] * log_share(x1 * LN2, z * LN2) + d[x2] * log_share(x2 * LN2, z * LN2), z)


def fmod_quotient(z, x1, x2):
    """trunc(x1 / x2) for z = np.fmod(x1, x2): the whole number of x2's taken from
    x1, read back from z itself so that it agrees with z at the jumps."""
    return np.round((x1 - z) / x2)


nondifferentiable(fmod_quotient)  # piecewise constant


@adjoint(np.fmod)
def fmod(z, x1, x2):
    d[x1] = unbroadcast(d[z], x1)
    d[x2] = unbroadcast(-d[z] * fmod_quotient(z, x1, x2), x2)


@tangent(np.fmod)
def fmod_tangent(z, x1, x2):
    d[z] = like(d[x1] - d[x2] * fmod_quotient(z, x1, x2), z)


@adjoint(np.copysign)
def copysign(z, x1, x2):
    d[x1] = unbroadcast(d[z] * np.sign(x1) * np.copysign(1.0, x2), x1)
    # none for x2: only its sign is read


@tangent(np.copysign)
def copysign_tangent(z, x1, x2):
    d[z] = like(d[x1] * np.sign(x1) * np.copysign(1.0, x2), z)


# float_power computes in float64 (or complex128): the adjoints go back to the
# operands' own float type
@adjoint(np.float_power)
def float_power(z, x1, x2):
    d[x1] = in_dtype_of(unbroadcast(d[z] * x2 * np.float_power(x1, x2 - 1), x1), x1)
    d[x2] = in_dtype_of(unbroadcast(d[z] * power_log(z, x1), x2), x2)


@tangent(np.float_power)
def float_power_tangent(z, x1, x2):
    d[z] = like(d[x1] * x2 * np.float_power(x1, x2 - 1) + exponent_tangent(d[x2], z, x1), z)


@adjoint(np.maximum)
def maximum(z, x1, x2):
    d[x1] = unbroadcast(d[z] * share(x1, x2), x1)
    d[x2] = unbroadcast(d[z] * share(x2, x1), x2)


@tangent(np.maximum)
def maximum_tangent(z, x1, x2):
    d[z] = like(d[x1] * share(x1, x2) + d[x2] * share(x2, x1), z)


@adjoint(np.minimum)
def minimum(z, x1, x2):
    d[x1] = unbroadcast(d[z] * share(x2, x1), x1)
    d[x2] = unbroadcast(d[z] * share(x1, x2), x2)


@tangent(np.minimum)
def minimum_tangent(z, x1, x2):
    d[z] = like(d[x1] * share(x2, x1) + d[x2] * share(x1, x2), z)


@adjoint(np.fmax)
def fmax(z, x1, x2):
    d[x1] = unbroadcast(d[z] * share_ignoring_nan(x1, x2), x1)
    d[x2] = unbroadcast(d[z] * share_ignoring_nan(x2, x1), x2)


@tangent(np.fmax)
def fmax_tangent(z, x1, x2):
    d[z] = like(d[x1] * share_ignoring_nan(x1, x2) + d[x2] * share_ignoring_nan(x2, x1), z)


@adjoint(np.fmin)
def fmin(z, x1, x2):
    d[x1] = unbroadcast(d[z] * share_ignoring_nan(-x1, -x2), x1)
    d[x2] = unbroadcast(d[z] * share_ignoring_nan(-x2, -x1), x2)


@tangent(np.fmin)
def fmin_tangent(z, x1, x2):
    d[z] = like(d[x1] * share_ignoring_nan(-x1, -x2) + d[x2] * share_ignoring_nan(-x2, -x1), z)


# ---------------------------------------------------------------- three operands

def below(a, bound):
    """Where a < bound (nowhere if there is no bound)."""
    return np.zeros_like(a, dtype=bool) if bound is None else a < bound


def above(a, bound):
    """Where a > bound (nowhere if there is no bound)."""
    return np.zeros_like(a, dtype=bool) if bound is None else a > bound


def lower(a_min, min):
    """The lower bound of np.clip, however it was passed."""
    return a_min if a_min is not None else min


def upper(a_max, max):
    """The upper bound of np.clip, however it was passed."""
    return a_max if a_max is not None else max


@adjoint(np.clip, np.ndarray.clip)
def clip(y, a, a_min=None, a_max=None, out=None, min=None, max=None):
    lo = lower(a_min, min)
    hi = upper(a_max, max)
    inside = ~(below(a, lo) | above(a, hi))
    d[a] = unbroadcast(d[y] * inside, a)
    d[a_min] = unbroadcast(d[y] * below(a, lo), a_min)
    d[min] = unbroadcast(d[y] * below(a, lo), min)
    d[a_max] = unbroadcast(d[y] * above(a, hi), a_max)
    d[max] = unbroadcast(d[y] * above(a, hi), max)


@tangent(np.clip, np.ndarray.clip)
def clip_tangent(y, a, a_min=None, a_max=None, out=None, min=None, max=None):
    lo = lower(a_min, min)
    hi = upper(a_max, max)
    inside = ~(below(a, lo) | above(a, hi))
    d[y] = like(d[a] * inside + (d[a_min] + d[min]) * below(a, lo)
                + (d[a_max] + d[max]) * above(a, hi), y)


@adjoint(np.where)
def where(z, condition, x, y):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


@tangent(np.where)
def where_tangent(z, condition, x, y):
    d[z] = like(np.where(condition, d[x], d[y]), z)


def chosen(condlist, count):
    """For np.select: per choice (and the default last), where its value was taken."""
    taken = np.zeros(np.broadcast_shapes(*(np.shape(c) for c in condlist)), bool)
    masks = []
    for condition in condlist[:count]:
        masks.append(np.asarray(condition) & ~taken)
        taken = taken | condition
    return masks + [~taken]


def select_adjoints(g, condlist, choicelist):
    """The adjoint of each choice of np.select: g where it was taken, 0 elsewhere."""
    masks = chosen(condlist, len(choicelist))
    pieces = [unbroadcast(np.where(m, g, 0.0), c) for m, c in zip(masks, choicelist)]
    return in_form_of(pieces, choicelist)


def select_default_adjoint(g, condlist, default):
    """The adjoint of np.select's default: g where no condition holds."""
    return unbroadcast(np.where(chosen(condlist, len(condlist))[-1], g, 0.0), default)


def select_tangent(y, condlist, choicelist, tangents, default_tangent):
    """np.select of the choices' tangents (0.0 for a choice that carries none)."""
    if not isinstance(tangents, (list, tuple)):
        tangents = [tangents] * len(choicelist)
    return like(np.select(condlist, [expand(t, c) for t, c in zip(tangents, choicelist)],
                          default_tangent), y)


@adjoint(np.select)
def select(y, condlist, choicelist, default=0):
    d[choicelist] = select_adjoints(d[y], condlist, choicelist)
    d[default] = select_default_adjoint(d[y], condlist, default)


# linear in g; the conditions only choose (second derivatives)
@tangent(select_adjoints)
def select_adjoints_tangent(y, g, condlist, choicelist):
    d[y] = select_adjoints(expand(d[g], g), condlist, choicelist)


@tangent(select_default_adjoint)
def select_default_adjoint_tangent(y, g, condlist, default):
    d[y] = select_default_adjoint(expand(d[g], g), condlist, default)


@tangent(np.select)
def select_tangent_rule(y, condlist, choicelist, default=0):
    d[y] = select_tangent(y, condlist, choicelist, d[choicelist], d[default])
