"""The `math` module and scalar builtins: scalar in, scalar out, so no broadcasting.

`math.gamma` and `math.lgamma` need the digamma function, which `math` does not
have (SciPy is not a dependency): `digamma` and `trigamma` below compute it in
plain float code, which the numba backend compiles like any helper. lgamma is
log|gamma|, so its derivative is digamma(x) for negative x too; both are
undefined (NaN) at the poles 0, -1, -2, ...
"""
import math

from ..registry import adjoint, d, tangent

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # d erf/dx at 0


def exponent_tangent(dy, z, x):
    """The tangent of x ** y along dy: dy * x ** y * log(x), never taking log(x) for dy = 0."""
    return 0.0 if dy == 0.0 else dy * z * math.log(x)


def digamma(x):
    """psi(x) = d lgamma/dx = gamma'(x) / gamma(x), to about 1e-15: reflection below
    1/2, the recurrence psi(x) = psi(x + 1) - 1/x up to 10, then the asymptotic series."""
    if x <= 0.0 and x == math.floor(x):
        return math.nan  # a pole
    shift = 0.0
    if x < 0.5:  # psi(x) = psi(1 - x) - pi / tan(pi x)
        shift = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (
        1.0 / 132 - f * 691.0 / 32760)))))
    return shift + math.log(x) - 0.5 / x - series


def trigamma(x):
    """psi'(x), the derivative of digamma: reflection below 1/2, the recurrence
    psi'(x) = psi'(x + 1) + 1/x^2 up to 10, then the asymptotic series."""
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    shift, sign = 0.0, 1.0
    if x < 0.5:  # psi'(x) = pi^2 / sin(pi x)^2 - psi'(1 - x)
        shift = (math.pi / math.sin(math.pi * x)) ** 2
        sign = -1.0
        x = 1.0 - x
    total = 0.0
    while x < 10.0:
        total += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    series = 1.0 / x + 0.5 * f + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (
        1.0 / 30 - f * 5.0 / 66))))
    return shift + sign * (total + series)


@tangent(digamma)  # math.gamma's and math.lgamma's adjoints read it (second derivatives)
def digamma_tangent(y, x):
    d[y] = d[x] * trigamma(x)


def first_share(a, b):
    """How much of max(a, b) is a's: 1 if a wins, 1/2 at a tie, 0 if b wins."""
    return 1.0 if a > b else 0.5 if a == b else 0.0


@adjoint(math.sin)
def sin(y, x):
    d[x] = d[y] * math.cos(x)


@tangent(math.sin)
def sin_tangent(y, x):
    d[y] = d[x] * math.cos(x)


@adjoint(math.cos)
def cos(y, x):
    d[x] = -d[y] * math.sin(x)


@tangent(math.cos)
def cos_tangent(y, x):
    d[y] = -d[x] * math.sin(x)


@adjoint(math.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(math.tan)
def tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(math.asin)
def asin(y, x):
    d[x] = d[y] / math.sqrt(1.0 - x * x)


@tangent(math.asin)
def asin_tangent(y, x):
    d[y] = d[x] / math.sqrt(1.0 - x * x)


@adjoint(math.acos)
def acos(y, x):
    d[x] = -d[y] / math.sqrt(1.0 - x * x)


@tangent(math.acos)
def acos_tangent(y, x):
    d[y] = -d[x] / math.sqrt(1.0 - x * x)


@adjoint(math.atan)
def atan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(math.atan)
def atan_tangent(y, x):
    d[y] = d[x] / (1.0 + x * x)


@adjoint(math.atan2)
def atan2(z, y, x):
    d[y] = d[z] * x / (x * x + y * y)
    d[x] = -d[z] * y / (x * x + y * y)


@tangent(math.atan2)
def atan2_tangent(z, y, x):
    d[z] = (d[y] * x - d[x] * y) / (x * x + y * y)


@adjoint(math.sinh)
def sinh(y, x):
    d[x] = d[y] * math.cosh(x)


@tangent(math.sinh)
def sinh_tangent(y, x):
    d[y] = d[x] * math.cosh(x)


@adjoint(math.cosh)
def cosh(y, x):
    d[x] = d[y] * math.sinh(x)


@tangent(math.cosh)
def cosh_tangent(y, x):
    d[y] = d[x] * math.sinh(x)


@adjoint(math.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(math.tanh)
def tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(math.asinh)
def asinh(y, x):
    d[x] = d[y] / math.sqrt(x * x + 1.0)


@tangent(math.asinh)
def asinh_tangent(y, x):
    d[y] = d[x] / math.sqrt(x * x + 1.0)


@adjoint(math.acosh)
def acosh(y, x):
    d[x] = d[y] / math.sqrt(x * x - 1.0)


@tangent(math.acosh)
def acosh_tangent(y, x):
    d[y] = d[x] / math.sqrt(x * x - 1.0)


@adjoint(math.atanh)
def atanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(math.atanh)
def atanh_tangent(y, x):
    d[y] = d[x] / (1.0 - x * x)


@adjoint(math.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(math.exp)
def exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(math.exp2)
def exp2(y, x):
    d[x] = d[y] * y * LN2


@tangent(math.exp2)
def exp2_tangent(y, x):
    d[y] = d[x] * y * LN2


@adjoint(math.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(math.expm1)
def expm1_tangent(y, x):
    d[y] = d[x] * (y + 1.0)


@adjoint(math.log)
def log(y, x, base=math.e):
    d[x] = d[y] / (x * math.log(base))
    d[base] = -d[y] * y / (base * math.log(base))


@tangent(math.log)
def log_tangent(y, x, base=math.e):
    d[y] = (d[x] / x - d[base] * y / base) / math.log(base)


@adjoint(math.log2)
def log2(y, x):
    d[x] = d[y] / (x * LN2)


@tangent(math.log2)
def log2_tangent(y, x):
    d[y] = d[x] / (x * LN2)


@adjoint(math.log10)
def log10(y, x):
    d[x] = d[y] / (x * LN10)


@tangent(math.log10)
def log10_tangent(y, x):
    d[y] = d[x] / (x * LN10)


@adjoint(math.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(math.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


@adjoint(math.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@tangent(math.sqrt)
def sqrt_tangent(y, x):
    d[y] = d[x] * 0.5 / y


@adjoint(math.cbrt)
def cbrt(y, x):
    d[x] = d[y] / (3.0 * y * y)


@tangent(math.cbrt)
def cbrt_tangent(y, x):
    d[y] = d[x] / (3.0 * y * y)


@adjoint(math.fabs)
def fabs(y, x):
    d[x] = d[y] * math.copysign(1.0, x)


@tangent(math.fabs)
def fabs_tangent(y, x):
    d[y] = d[x] * math.copysign(1.0, x)


@adjoint(math.copysign)
def copysign(z, x, y):
    d[x] = d[z] * math.copysign(1.0, x) * math.copysign(1.0, y)


@tangent(math.copysign)
def copysign_tangent(z, x, y):
    d[z] = d[x] * math.copysign(1.0, x) * math.copysign(1.0, y)


@adjoint(math.erf)
def erf(y, x):
    d[x] = d[y] * TWO_OVER_SQRT_PI * math.exp(-x * x)


@tangent(math.erf)
def erf_tangent(y, x):
    d[y] = d[x] * TWO_OVER_SQRT_PI * math.exp(-x * x)


@adjoint(math.erfc)
def erfc(y, x):
    d[x] = -d[y] * TWO_OVER_SQRT_PI * math.exp(-x * x)


@tangent(math.erfc)
def erfc_tangent(y, x):
    d[y] = -d[x] * TWO_OVER_SQRT_PI * math.exp(-x * x)


@adjoint(math.gamma)
def gamma(y, x):
    d[x] = d[y] * y * digamma(x)


@tangent(math.gamma)
def gamma_tangent(y, x):
    d[y] = d[x] * y * digamma(x)


@adjoint(math.lgamma)
def lgamma(y, x):
    d[x] = d[y] * digamma(x)


@tangent(math.lgamma)
def lgamma_tangent(y, x):
    d[y] = d[x] * digamma(x)


@adjoint(math.pow)
def pow_(z, x, y):
    d[x] = d[z] * y * math.pow(x, y - 1)
    d[y] = d[z] * z * math.log(x)


@tangent(math.pow)
def pow_tangent(z, x, y):
    d[z] = d[x] * y * math.pow(x, y - 1) + exponent_tangent(d[y], z, x)


@adjoint(math.hypot)
def hypot(z, x, y):
    d[x] = d[z] * x / z
    d[y] = d[z] * y / z


@tangent(math.hypot)
def hypot_tangent(z, x, y):
    d[z] = (d[x] * x + d[y] * y) / z


@adjoint(max)
def max_(z, a, b):
    d[a] = d[z] * first_share(a, b)
    d[b] = d[z] * first_share(b, a)


@tangent(max)
def max_tangent(z, a, b):
    d[z] = d[a] * first_share(a, b) + d[b] * first_share(b, a)


@adjoint(min)
def min_(z, a, b):
    d[a] = d[z] * first_share(b, a)
    d[b] = d[z] * first_share(a, b)


@tangent(min)
def min_tangent(z, a, b):
    d[z] = d[a] * first_share(b, a) + d[b] * first_share(a, b)


@adjoint(float)
def float_(y, x):
    d[x] = d[y]


@tangent(float)
def float_tangent(y, x):
    d[y] = d[x]
