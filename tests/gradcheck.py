"""Central finite differences, written independently of s2sad.check_grads."""
import numpy as np


def finite_difference(f, args, index, eps=1e-6):
    args = list(args)
    x = np.array(args[index], dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        args[index] = plus if x.ndim else float(plus)
        f_plus = f(*args)
        args[index] = minus if x.ndim else float(minus)
        f_minus = f(*args)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def assert_gradients(f, df, args, wrt, rtol=1e-5, atol=1e-7):
    """df(*args) must match finite differences of f for every index in wrt."""
    got = df(*args)
    got = got if len(wrt) > 1 else (got,)
    assert len(got) == len(wrt)
    for value, index in zip(got, wrt):
        expected = finite_difference(f, args, index)
        assert np.shape(value) == np.shape(args[index]), (np.shape(value), index)
        np.testing.assert_allclose(value, expected, rtol=rtol, atol=atol)
