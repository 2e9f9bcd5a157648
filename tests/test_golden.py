"""The generated source of representative functions, pinned in tests/golden/.

After an intentional change to the generated code, refresh the files with
    S2SAD_REFRESH_GOLDEN=1 python -m pytest tests/test_golden.py
and read the diff before committing it.
"""
import math

import numpy as np
import pytest

import s2sad


def seed(x, y):
    return x ** 2 * y + y + 2


def scalar_loop(a: float, b: float):
    z = 0.0
    for i in range(100):
        z = a * math.cos(z + i) + z * math.sin(b - i)
    return z


def numpy_loop(a, b):
    z = 0.0
    for i in range(100):
        z = a * np.cos(z + i) + z * np.sin(b - i)
    return z


def newton_sqrt(a: float):
    x = a
    dx = 1.0
    while abs(dx) > 1e-12:
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
    return x


def piecewise(x: float):
    if x > 1.0:
        y = x * x
    elif x > 0.0:
        y = math.sin(x)
    else:
        y = -x
    return y


def helper(u, scale=2.0):
    return scale * np.tanh(u)


def calls_helper(x):
    return np.sum(helper(x) * helper(x * x, scale=0.5))


def mlp(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def rnn(Wh, Wx, xs):
    h = np.zeros(Wh.shape[0])
    for x in xs:
        h = np.tanh(Wh @ h + Wx @ x)
    return np.sum(h)


def early_exit(x: float):
    s = 0.0
    for i in range(10):
        s = s + x * i
        if s > 5.0:
            return s * x
    return s


def logistic(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


# (the seed example's gradient is pinned by test_seed_example.py)
CASES = [
    ("scalar_loop", lambda: s2sad.grad(scalar_loop, wrt=(0, 1))),
    ("numpy_loop", lambda: s2sad.grad(numpy_loop, wrt=(0, 1))),
    ("newton_sqrt", lambda: s2sad.grad(newton_sqrt)),
    ("piecewise", lambda: s2sad.grad(piecewise)),
    ("calls_helper", lambda: s2sad.grad(calls_helper)),
    ("mlp", lambda: s2sad.grad(mlp)),
    ("rnn", lambda: s2sad.grad(rnn, wrt=(0, 1))),
    ("early_exit", lambda: s2sad.grad(early_exit)),
    ("logistic", lambda: s2sad.grad(logistic)),
    ("forward_seed", lambda: s2sad.autodiff(seed, wrt=(0, 1), mode="forward")),
    ("forward_scalar_loop", lambda: s2sad.autodiff(scalar_loop, wrt=(0,), mode="forward")),
    ("forward_mlp", lambda: s2sad.autodiff(mlp, mode="forward")),
]


@pytest.mark.parametrize("name, make", CASES, ids=[c[0] for c in CASES])
def test_generated_source_is_pinned(name, make, golden):
    golden(f"{name}.py", s2sad.source(make()))
