"""NumPy's one-argument elementwise functions: the result has x's shape."""
import numpy as np

from ..registry import adjoint, d


@adjoint(np.sin)
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@adjoint(np.cos)
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@adjoint(np.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@adjoint(np.exp)
def exp(y, x):
    d[x] = d[y] * y


@adjoint(np.log)
def log(y, x):
    d[x] = d[y] / x


@adjoint(np.sqrt)
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@adjoint(np.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@adjoint(np.abs, np.absolute, abs)
def absolute(y, x):
    d[x] = d[y] * np.sign(x)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x
