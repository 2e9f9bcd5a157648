"""Gradients keep the input's precision: float32 in, float32 out (as JAX and autograd).

Each function runs on float32 arrays; its gradient (reverse) and its
Jacobian-vector product (forward) must be float32 and match central differences
taken in float64, to float32's precision.
"""
import numpy as np
import pytest

import s2sad
from gradcheck import finite_difference


def elementwise(x, w):
    return np.sum(np.sin(x) * x + np.exp(-x * x) / (1.0 + x * x))


def broadcast_bias(x, w):
    return np.sum(np.tanh(w @ x + 0.5) ** 2)


def means_and_max(x, w):
    return np.mean(x * w) + np.max(x, axis=0).sum() + np.std(x)


def loop_and_writes(x, w):
    z = np.zeros_like(x[0])
    for i in range(3):
        z[i] = x[i, 0] * 2.0 + z[i - 1]
    s = 0.0
    for i in range(2):
        s = s + np.sum(x[i] * x[i]) * 0.5
    return s + np.sum(z * z)


def indexing_and_where(x, w):
    y = x[1:, ::2] * 3.0
    return np.sum(np.where(x > 0.0, x, 0.1 * x)) + np.sum(y * y) + x[0, 1]


def prod_and_einsum(x, w):
    return np.prod(x[0]) + np.einsum("ij,ij->", x, w) + np.trace(w.T @ x)


FUNCTIONS = [elementwise, broadcast_bias, means_and_max, loop_and_writes,
             indexing_and_where, prod_and_einsum]


def arguments():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.0, 1.0, (3, 3)).astype(np.float32)
    w = rng.uniform(-1.0, 1.0, (3, 3)).astype(np.float32)
    return x, w


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_float32_gradient_is_float32(f):
    x, w = arguments()
    gx, gw = s2sad.grad(f, wrt=(0, 1))(x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32, (gx.dtype, gw.dtype)
    as64 = (x.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(gx, finite_difference(f, as64, 0), rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(gw, finite_difference(f, as64, 1), rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_float32_tangent_is_float32(f):
    x, w = arguments()
    t = np.linspace(-1.0, 1.0, 9, dtype=np.float32).reshape(3, 3)
    jvp = s2sad.autodiff(f, wrt=0, mode="forward")(x, w, t)
    assert np.result_type(jvp) == np.float32, np.result_type(jvp)
    x64, w64, eps = x.astype(np.float64), w.astype(np.float64), 1e-6
    expected = (f(x64 + eps * t, w64) - f(x64 - eps * t, w64)) / (2 * eps)
    np.testing.assert_allclose(jvp, expected, rtol=2e-3, atol=2e-4)


def test_vjp_with_float32_seed_is_float32():
    x, w = arguments()
    vjp = s2sad.autodiff(lambda x: np.sin(x) * 2.0)
    g = vjp(x, np.ones_like(x))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2.0 * np.cos(x.astype(np.float64)), rtol=1e-6)


def test_float64_stays_float64():
    x, w = arguments()
    gx = s2sad.grad(means_and_max)(x.astype(np.float64), w.astype(np.float64))
    assert gx.dtype == np.float64
