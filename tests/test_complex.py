"""Real functions with complex intermediates: the gradient of a real input is real
and matches central differences (JAX's convention; autograd agrees on these)."""
import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients


def abs_squared(x):
    return np.abs(x * (1 + 1j)) ** 2


def summed_abs_squared(x):
    return np.sum(np.abs(x * (1 + 1j)) ** 2)


def phase_sum(x):
    z = np.exp(1j * x) * x + x ** 2
    return np.sum(np.abs(z))


def real_complex_real_complex(x):
    z = x * (1.0 + 2.0j)
    r = np.abs(z)
    w = r * (2.0 - 1.0j) + z * z
    return np.sum(np.abs(w) ** 2)


def real_and_imaginary_parts(x):
    z = (x + 0.5j) ** 2
    return np.sum(np.real(z) * x + np.imag(z) ** 2 + z.real - z.imag)


def conjugate_product(x):
    z = x * np.exp(0.3j * x)
    return np.sum(np.real(z * np.conj(z)))


def complex_in_a_loop(x):
    z = x + 0.0j
    for i in range(3):
        z = z * (0.5 + 0.25j) + x
    return np.sum(np.abs(z))


FUNCTIONS = [summed_abs_squared, phase_sum, real_complex_real_complex, real_and_imaginary_parts,
             conjugate_product, complex_in_a_loop]


def test_issue_example_gives_a_real_two():
    g = s2sad.grad(abs_squared)(0.5)
    assert not np.iscomplexobj(g)
    assert g == pytest.approx(2.0)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.7, np.array([0.3, -1.1, 1.7])], ids=["float", "array"])
def test_gradient_is_real_and_matches_finite_differences(f, x):
    df = s2sad.grad(f)
    assert not np.iscomplexobj(df(x))
    assert_gradients(f, df, (x,), (0,))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_tangent_is_real_and_matches_finite_differences(f):
    x, t, eps = np.array([0.3, -1.1, 1.7]), np.array([1.0, -0.5, 0.25]), 1e-6
    jvp = s2sad.autodiff(f, mode="forward")(x, t)
    assert not np.iscomplexobj(jvp)
    assert jvp == pytest.approx((f(x + eps * t) - f(x - eps * t)) / (2 * eps), rel=1e-6)


def modulus(x):
    return np.abs(x * 1j + 1.0)


def modulus_of_a_spectrum(x):
    return np.sum(np.abs(np.fft.fft(x * x)) ** 1.5) + np.sum(np.abs(x * (1 + 2j)))


def _derivative_of_gradient(f, x, v, eps=1e-6):
    g = s2sad.grad(f)
    return (g(x + eps * v) - g(x - eps * v)) / (2 * eps)


def test_second_derivatives_through_the_modulus_of_a_complex_value():
    """abs's rules read abs_slope = conj(z) / |z|; differentiated from its source,
    np.sign made it constant (second derivatives 0), and the complex parameter it
    gets was taken for real (a factor of 2 in reverse over reverse mode)."""
    x = 0.7
    expected = (1 + x * x) ** -1.5  # d^2/dx^2 sqrt(1 + x^2)
    assert s2sad.hvp(modulus)(x, 1.0) == pytest.approx(expected, rel=1e-10)
    assert s2sad.grad(s2sad.grad(modulus))(x) == pytest.approx(expected, rel=1e-10)
    twice = s2sad.autodiff(s2sad.autodiff(modulus, mode="forward"), mode="forward")
    assert twice(x, 1.0, 1.0) == pytest.approx(expected, rel=1e-10)
    rng = np.random.default_rng(3)
    x, v = rng.normal(size=6), rng.normal(size=6)
    np.testing.assert_allclose(s2sad.hvp(modulus_of_a_spectrum)(x, v),
                               _derivative_of_gradient(modulus_of_a_spectrum, x, v),
                               rtol=1e-5, atol=1e-6)
