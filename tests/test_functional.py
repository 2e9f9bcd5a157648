"""JAX-style conveniences, gradient hooks and stop_gradient."""
import numpy as np
import pytest

import s2sad
from gradcheck import finite_difference

RNG = np.random.default_rng(2)


def loss(w, x):
    return np.sum(np.tanh(x * w) ** 2) + np.sum(w * w * w)


def vector_map(w):
    return np.sin(w) * w[0]


def test_value_and_grad():
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    value, g = s2sad.value_and_grad(loss)(w, x)
    assert value == loss(w, x)
    np.testing.assert_allclose(g, finite_difference(loss, (w, x), 0), rtol=1e-6)


def test_jvp_and_vjp_agree_on_random_vectors():
    w = RNG.normal(size=4)
    v, u = RNG.normal(size=4), RNG.normal(size=4)
    value, jv = s2sad.jvp(vector_map, (w,), (v,))
    value2, pullback = s2sad.vjp(vector_map, w)
    np.testing.assert_allclose(value, vector_map(w))
    np.testing.assert_allclose(value2, vector_map(w))
    assert np.dot(jv, u) == pytest.approx(np.dot(v, pullback(u)), rel=1e-10)


def test_jacobian_forward_and_reverse_match_finite_differences():
    w = RNG.normal(size=4)
    expected = np.stack([finite_difference(lambda w_: vector_map(w_)[i], (w,), 0)
                         for i in range(4)])
    np.testing.assert_allclose(s2sad.jacobian(vector_map)(w), expected, rtol=1e-6, atol=1e-8)
    scalar_out = s2sad.jacobian(loss)(w, RNG.normal(size=4))
    assert scalar_out.shape == (4,)


def test_hessian_and_hvp_match_differences_of_the_gradient():
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    g = s2sad.grad(loss)
    eps = 1e-6
    columns = [(g(w + eps * e, x) - g(w - eps * e, x)) / (2 * eps) for e in np.eye(3)]
    expected = np.stack(columns, -1)
    np.testing.assert_allclose(s2sad.hessian(loss)(w, x), expected, rtol=1e-5, atol=1e-7)
    v = RNG.normal(size=3)
    np.testing.assert_allclose(s2sad.hvp(loss)(w, x, v), expected @ v, rtol=1e-5, atol=1e-7)


def norms(W, x):
    return np.linalg.norm(W @ x) + np.sum(np.linalg.norm(W, axis=1) ** 3) + \
        np.linalg.norm(W, ord=1)


def test_hessian_through_norms():
    """The partials of np.linalg.norm are differentiated again (their refusals of
    unsupported norms are calls, not `raise` statements)."""
    W, x = RNG.uniform(0.5, 1.5, size=(2, 3)), RNG.normal(size=3)
    g = s2sad.grad(norms)
    eps = 1e-6
    columns = [(g(W + eps * E, x) - g(W - eps * E, x)) / (2 * eps)
               for E in np.eye(6).reshape(6, 2, 3)]
    expected = np.stack(columns, -1).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(s2sad.hessian(norms)(W, x), expected, rtol=1e-5, atol=1e-6)


def clipped(x, w):
    h = x * w
    with s2sad.insert_grad_of(h) as g:
        g = np.clip(g, -0.5, 0.5)
    return np.sum(h * h)


def stopped(x):
    y = s2sad.stop_gradient(x * x)
    return y * x


def test_insert_grad_of_clips_the_adjoint_in_the_backward_pass():
    x, w = np.array([3.0, 0.1, -2.0]), 1.0
    gx = s2sad.grad(clipped)(x, w)
    np.testing.assert_allclose(gx, np.clip(2 * x * w, -0.5, 0.5) * w)
    assert clipped(x, w) == np.sum((x * w) ** 2)  # the plain function is unchanged


def test_stop_gradient_blocks_the_derivative():
    assert s2sad.grad(stopped)(3.0) == 9.0  # d/dx (const * x) with const = x*x
