"""The `math` module: scalar in, scalar out, so no broadcasting to undo."""
import math

from ..registry import adjoint, d


@adjoint(math.sin)
def sin(y, x):
    d[x] = d[y] * math.cos(x)


@adjoint(math.cos)
def cos(y, x):
    d[x] = -d[y] * math.sin(x)


@adjoint(math.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@adjoint(math.exp)
def exp(y, x):
    d[x] = d[y] * y


@adjoint(math.log)
def log(y, x):
    d[x] = d[y] / x


@adjoint(math.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@adjoint(math.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@adjoint(math.fabs)
def fabs(y, x):
    d[x] = d[y] * math.copysign(1.0, x)


@adjoint(math.pow)
def pow_(z, x, y):
    d[x] = d[z] * y * math.pow(x, y - 1)
    d[y] = d[z] * z * math.log(x)


@adjoint(float)
def float_(y, x):
    d[x] = d[y]
