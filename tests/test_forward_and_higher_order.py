"""Forward mode, and derivatives of derivatives, checked against finite differences
and against reverse mode through the dot-product identity <J v, u> = <v, J^T u>."""
import inspect

import numpy as np
import pytest

import s2sad
from gradcheck import finite_difference
from test_control_flow import CASES, SUBROUTINE_CASES, my_func, while_newton

RNG = np.random.default_rng(1)
FORWARD_CASES = CASES + SUBROUTINE_CASES


def _random_like(x):
    return RNG.normal(size=np.shape(x)) if np.ndim(x) else float(RNG.normal())


@pytest.mark.parametrize("f, args, wrt", FORWARD_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_jvp_matches_finite_differences_and_reverse_mode(f, args, wrt):
    jvp = s2sad.autodiff(f, wrt=wrt, mode="forward")
    grads = s2sad.grad(f, wrt=wrt)(*args)
    grads = grads if len(wrt) > 1 else (grads,)
    for index, grad in zip(wrt, grads):
        tangents = [0.0 * np.asarray(args[i], dtype=float) for i in wrt]
        tangent = _random_like(args[index])
        tangents[wrt.index(index)] = tangent
        value = jvp(*args, *tangents)
        expected = np.sum(finite_difference(f, args, index) * tangent)
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(value, np.sum(grad * tangent), rtol=1e-9, atol=1e-12)


def test_forward_preserve_result_returns_value_too():
    jvp = s2sad.autodiff(my_func, wrt=(0,), mode="forward", preserve_result=True)
    tangent, value = jvp(0.3, 0.4, 1.0)
    assert value == my_func(0.3, 0.4)
    assert tangent == pytest.approx(s2sad.grad(my_func)(0.3, 0.4), rel=1e-12)


def _second_derivative_by_differences(f, args, index, eps=1e-5):
    g = s2sad.grad(f, wrt=(index,))
    plus, minus = list(args), list(args)
    plus[index] += eps
    minus[index] -= eps
    return (g(*plus) - g(*minus)) / (2 * eps)


SECOND_ORDER = [(my_func, (0.3, 0.4), 0), (my_func, (0.3, 0.4), 1), (while_newton, (2.0,), 0)] \
    + [(f, args, wrt[0]) for f, args, wrt in CASES
       if all(isinstance(a, float) for a in args)][:12]


@pytest.mark.parametrize("f, args, index", SECOND_ORDER, ids=lambda v: getattr(v, "__name__", ""))
def test_reverse_over_reverse(f, args, index):
    second = s2sad.grad(s2sad.grad(f, wrt=(index,)), wrt=(index,))
    expected = _second_derivative_by_differences(f, args, index)
    np.testing.assert_allclose(second(*args), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, args, index", SECOND_ORDER, ids=lambda v: getattr(v, "__name__", ""))
def test_forward_over_reverse(f, args, index):
    grad = s2sad.grad(f, wrt=(index,))
    hvp = s2sad.autodiff(grad, wrt=(index,), mode="forward")
    expected = _second_derivative_by_differences(f, args, index)
    tangent = "d" + list(inspect.signature(f).parameters)[index]
    # the tangent follows the seed's default value, so it is keyword-only
    np.testing.assert_allclose(hvp(*args, **{tangent: 1.0}), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, args, index", SECOND_ORDER, ids=lambda v: getattr(v, "__name__", ""))
def test_reverse_over_forward(f, args, index):
    jvp = s2sad.autodiff(f, wrt=(index,), mode="forward")
    second = s2sad.grad(jvp, wrt=(index,))
    expected = _second_derivative_by_differences(f, args, index)
    np.testing.assert_allclose(second(*args, 1.0), expected, rtol=1e-5, atol=1e-6)


def writes_into_a_constant_parameter(x, w):
    x[0] = x[0] * w
    return np.sum(x ** 2)


def test_tangent_of_a_parameter_written_into_that_carries_none():
    """Its zero tangent was a float, and the write into it raised TypeError."""
    x = np.array([1.0, 2.0])
    jvp = s2sad.autodiff(writes_into_a_constant_parameter, wrt=(1,), mode="forward")
    expected = finite_difference(lambda w: writes_into_a_constant_parameter(x.copy(), w),
                                 (3.0,), 0)
    assert jvp(x, 3.0, 1.0) == pytest.approx(expected, rel=1e-6)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def steps_in_time(t, k=2.0):
    dt = 0.01
    y = 1.0
    for i in range(10):
        y = y - dt * k * y * t
    return y


def differences_on_a_grid(x, u):
    dx = 0.1
    du = np.diff(u) / dx
    return np.sum(du ** 2 * x)


def test_a_tangent_keyword_is_d_and_the_parameter_even_beside_a_local_of_that_name():
    """A time step `dt` beside a parameter `t` took the keyword, and the tangent was
    renamed `dt2`, so `df(t, dt=v)` raised TypeError; the local is renamed instead."""
    eps = 1e-6
    df = s2sad.autodiff(steps_in_time, mode="forward")
    assert str(inspect.signature(df)) == "(t, k=2.0, *, dt)"
    expected = (steps_in_time(0.5 + eps) - steps_in_time(0.5 - eps)) / (2 * eps)
    assert df(0.5, dt=1.0) == pytest.approx(expected, rel=1e-7)
    both = s2sad.autodiff(steps_in_time, mode="forward", wrt=(0, 1))
    expected_k = (steps_in_time(0.5, 2.0 + eps) - steps_in_time(0.5, 2.0 - eps)) / (2 * eps)
    assert both(0.5, dt=1.0, dk=0.5) == pytest.approx(expected + 0.5 * expected_k, rel=1e-7)
    u, v = np.array([0.1, 0.5, 0.2]), np.array([1.0, -2.0, 0.5])
    dgrid = s2sad.autodiff(differences_on_a_grid, mode="forward", wrt=(0, 1))
    expected = (differences_on_a_grid(1.5 + eps * 0.3, u + eps * v) -
                differences_on_a_grid(1.5 - eps * 0.3, u - eps * v)) / (2 * eps)
    assert dgrid(1.5, u, dx=0.3, du=v) == pytest.approx(expected, rel=1e-7)


def solve_by_elimination(a, b):
    m, r = a.copy(), b.copy()
    n = m.shape[0]
    for k in range(n):
        for i in range(k + 1, n):
            f = m[i, k] / m[k, k]
            m[i, k:] = m[i, k:] - f * m[k, k:]
            r[i] = r[i] - f * r[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):  # back substitution: x[i + 1:] is a slice to the end
        x[i] = (r[i] - np.dot(m[i, i + 1:], x[i + 1:])) / m[i, i]
    return np.sum(x ** 2)


def test_hessian_vector_product_of_gaussian_elimination_by_hand():
    """The gradient's code builds `slice(i + 1, None)`, which forward mode over it
    refused as a call without a tangent rule."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(3, 3)) + 3.0 * np.eye(3), rng.normal(size=3)
    v = rng.normal(size=(3, 3))
    gradient = s2sad.grad(solve_by_elimination)
    expected = (gradient(a + 1e-5 * v, b) - gradient(a - 1e-5 * v, b)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(solve_by_elimination)(a, b, v), expected,
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gradient(a, b), finite_difference(solve_by_elimination, (a, b), 0),
                               rtol=1e-6, atol=1e-9)


def grid_between(a, b):
    t = np.linspace(a, b, 5)
    return np.sum(np.sin(t) * a)


def ignores_its_second(x, y):
    return np.sum(x ** 3)


def test_second_derivatives_through_linspace_and_of_an_unused_parameter():
    """The gradient's code calls linspace's weights and zero_gradient, which raise
    for retstep=True and for integers: forward mode over it refused them."""
    gradient = s2sad.grad(grid_between)
    expected = (gradient(0.3 + 1e-5, 1.2) - gradient(0.3 - 1e-5, 1.2)) / 2e-5
    assert s2sad.hvp(grid_between)(0.3, 1.2, 1.0) == pytest.approx(expected, rel=1e-6)
    np.testing.assert_array_equal(
        s2sad.hvp(ignores_its_second, wrt=1)(np.ones(2), np.ones(2), np.ones(2)), 0.0)


# A helper's VJP pops from the list adjoint of np.stack, np.concatenate or np.select
# of a list: forward mode over it (hvp) took the pops for writes into its seed.
def stacked_multiples(x):
    return np.stack([x * k for k in range(1, 3)])


def joined_multiples(x):
    return np.concatenate([x * k for k in range(1, 3)])


def selected(x):
    return np.select([x > 0.0, x <= 0.0], [x * x, np.sin(x)])


@pytest.mark.parametrize("helper", [stacked_multiples, joined_multiples, selected])
def test_hvp_through_a_helper_popping_its_list_adjoint(helper):
    def f(x):
        return np.sum(helper(x) ** 3)
    x, v = np.array([0.3, -1.1]), np.array([0.7, -0.2])
    gradient = s2sad.grad(f)
    step = 1e-5
    expected = (gradient(x + step * v) - gradient(x - step * v)) / (2 * step)
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-6, atol=1e-8)
