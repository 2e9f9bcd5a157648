"""Real functions with complex intermediates: the gradient of a real input is real
and matches central differences (JAX's convention; autograd agrees on these)."""
import linecache

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


def unwrapped_phase(x):
    z = (x + 2.0 + 0.5j) * np.exp(0.7j * x)
    return np.sum(np.angle(z) * x) + np.sum(np.angle(z * z, deg=True))


FUNCTIONS = [summed_abs_squared, phase_sum, real_complex_real_complex, real_and_imaginary_parts,
             conjugate_product, complex_in_a_loop, unwrapped_phase]


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


# ---------------------------------------------------------------- the imaginary unit in a variable

I_UNIT = 1j


def exp_with_unit_in_a_variable(v0):
    i = 1j
    d = i * 2.0 + 4.0
    return np.real(np.exp(d * v0))


def exp_with_unit_in_a_global(v0):
    d = I_UNIT * 2.0 + 4.0
    return np.real(np.exp(d * v0))


def modulus_of_a_nested_list_matrix(r):
    a = np.array([[r, 1j], [2.0, 1.0]])
    return np.abs(a @ np.array([1.0, 2.0])).sum()


def modulus_of_a_list(r):
    return np.abs(np.array([r, 1j])).sum() + np.abs(np.array([r * 2.0, 1.0 + 0.5j])).sum()


@pytest.mark.parametrize("f", [exp_with_unit_in_a_variable, exp_with_unit_in_a_global,
                               modulus_of_a_nested_list_matrix, modulus_of_a_list],
                         ids=lambda f: f.__name__)
def test_gradient_of_a_real_input_is_real_wherever_the_complex_values_come_from(f):
    """`i = 1j` (or a global) was not taken for complex, nor were list items, so the
    real part of their adjoint was not taken: the gradient came out complex
    (4.49+2.71j for the first, 0.02-1.00j for the nested list)."""
    x, eps = 0.04, 1e-6
    g = s2sad.grad(f)(x)
    assert not np.iscomplexobj(g)
    assert g == pytest.approx((f(x + eps) - f(x - eps)) / (2 * eps), rel=1e-6)


def shifted_then_turned(z):
    x = z + 1.0
    y = x * 1j
    return np.real(y * np.conj(y)) + np.real(y)


def test_complex_argument_keeps_the_imaginary_part_of_its_gradient():
    """A value computed from a complex argument and met by a complex literal: the
    real part is taken only of a real variable's adjoint (here it lost 0.2j)."""
    z = 0.3 + 0.4j
    g = s2sad.grad(shifted_then_turned)(z)
    assert g == pytest.approx(2.6 + 0.2j)
    assert g == pytest.approx(_complex_finite_difference(shifted_then_turned, z))


# ---------------------------------------------------------------- complex linear algebra

def _complex_finite_difference(f, z, eps=1e-6):
    """JAX's gradient of real f at complex z: d/d(re z) - i d/d(im z), entrywise."""
    z = np.asarray(z, dtype=complex)
    g = np.zeros(z.shape, complex)
    for i in np.ndindex(z.shape):
        step = np.zeros(z.shape)
        step[i] = eps
        g[i] = (f(z + step) - f(z - step)) / (2 * eps) - \
            1j * (f(z + 1j * step) - f(z - 1j * step)) / (2 * eps)
    return g if z.ndim else g[()]


RNG = np.random.default_rng(11)
A0 = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3)) + 3 * np.eye(3)
B0 = RNG.normal(size=(3, 2)) + 1j * RNG.normal(size=(3, 2))
WEIGHTS = RNG.normal(size=(3, 3))
W2 = RNG.normal(size=(3, 2))
W3 = RNG.normal(size=3)


def hermitian(a):
    return a + np.conj(a.T)


def positive_definite(a):
    return a @ np.conj(a.T) + np.eye(3)


def eigh_of_hermitian(a):
    w, v = np.linalg.eigh(hermitian(a))
    return np.sum(W3 * w) + np.sum(WEIGHTS * np.abs(v) ** 2)


def eigvalsh_of_hermitian(a):
    return np.sum(W3 * np.linalg.eigvalsh(hermitian(a)))


def scipy_eigh_of_hermitian(a):
    w, v = scipy_linalg().eigh(hermitian(a))
    return np.sum(W3 * w) + np.sum(WEIGHTS * np.abs(v) ** 2)


def singular_values(a):
    return np.sum(W3 * np.linalg.svd(a, compute_uv=False))


def singular_values_of_the_triple(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(W3 * s)


def norms(a):
    return np.linalg.norm(a) + np.linalg.norm(a, "nuc") + np.linalg.norm(a, 2) + \
        np.linalg.norm(a, -2) + np.linalg.norm(a, 1) + np.linalg.norm(a, np.inf) + \
        np.sum(W3 * np.linalg.norm(a, axis=0))


def vector_norms(a):
    v = a[0]
    return np.linalg.norm(v) + np.linalg.norm(v, 1) + np.linalg.norm(v, 3) + \
        np.linalg.norm(v, np.inf)


def cholesky_lower(a):
    factor = np.linalg.cholesky(positive_definite(a))
    return np.sum(WEIGHTS * np.abs(factor) ** 2) + np.sum(WEIGHTS * np.imag(factor))


def cholesky_upper(a):
    factor = np.linalg.cholesky(positive_definite(a), upper=True)
    return np.sum(WEIGHTS * np.abs(factor) ** 2) + np.sum(WEIGHTS * np.real(factor))


def log_determinant_and_phase(a):
    sign, logdet = np.linalg.slogdet(a)
    return 2.0 * np.real(sign) + np.imag(sign) + logdet


def vdot_both_sides(a):
    return np.real(np.vdot(a, WEIGHTS + 1j * WEIGHTS.T)) + np.imag(np.vdot(WEIGHTS - 1j, a))


def pseudo_inverse_of_a_tall_matrix(a):
    return np.sum(np.abs(np.linalg.pinv(np.vstack([a, a[:1] * 0.5j]))) ** 3)


def solve_conjugate_transposed_triangle(a):
    return np.sum(W2 * np.abs(scipy_linalg().solve_triangular(a, B0, trans="C")) ** 2)


def lu_solve_conjugate_transposed(a):
    return np.sum(W2 * np.abs(scipy_linalg().lu_solve(scipy_linalg().lu_factor(a), B0,
                                                       trans=2)) ** 2)


def cho_solve_with_a_factor(a):
    factor = np.linalg.cholesky(positive_definite(a))
    return np.sum(W2 * np.abs(scipy_linalg().cho_solve((factor, True), B0)) ** 2)


def cho_solve_with_an_upper_factor(a):
    factor = np.linalg.cholesky(positive_definite(a), upper=True)
    return np.sum(W2 * np.abs(scipy_linalg().cho_solve((factor, False), B0)) ** 2)


def angles(a):
    return np.sum(WEIGHTS * np.angle(a)) + np.sum(W3 * np.angle(a[0] * a[1], deg=True))


def scipy_linalg():
    return pytest.importorskip("scipy.linalg")


COMPLEX_MATRIX_FUNCTIONS = [
    eigh_of_hermitian, eigvalsh_of_hermitian, scipy_eigh_of_hermitian, singular_values,
    singular_values_of_the_triple, norms, vector_norms, cholesky_lower, cholesky_upper,
    log_determinant_and_phase, vdot_both_sides, pseudo_inverse_of_a_tall_matrix,
    solve_conjugate_transposed_triangle, lu_solve_conjugate_transposed,
    cho_solve_with_a_factor, cho_solve_with_an_upper_factor, angles]


@pytest.mark.parametrize("f", COMPLEX_MATRIX_FUNCTIONS, ids=lambda f: f.__name__)
def test_gradient_in_a_complex_matrix_matches_finite_differences(f):
    """JAX's convention, d/d(re A) - i d/d(im A), from central differences along the
    real and the imaginary direction of each entry."""
    np.testing.assert_allclose(s2sad.grad(f)(A0), _complex_finite_difference(f, A0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", COMPLEX_MATRIX_FUNCTIONS, ids=lambda f: f.__name__)
def test_tangent_along_a_complex_direction_matches_finite_differences(f):
    eps = 1e-6
    for direction in (RNG.normal(size=(3, 3)), 1j * RNG.normal(size=(3, 3))):
        jvp = s2sad.autodiff(f, mode="forward")(A0, direction)
        assert not np.iscomplexobj(jvp)
        assert jvp == pytest.approx((f(A0 + eps * direction) - f(A0 - eps * direction)) /
                                    (2 * eps), rel=1e-5, abs=1e-6)


def singular_vectors_invariants(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(WEIGHTS * np.abs(u) ** 2) + np.sum(WEIGHTS.T * np.abs(vh) ** 2) + \
        np.sum(np.abs(u @ vh) ** 3)


def test_tangent_of_complex_singular_vectors_matches_finite_differences():
    """dU turns each u_i by i Im(u_i^H dA v_i) / s_i (JAX's rule): functions of U and
    Vh that do not depend on the vectors' phases."""
    eps = 1e-6
    f = singular_vectors_invariants
    for direction in (RNG.normal(size=(3, 3)), 1j * RNG.normal(size=(3, 3))):
        jvp = s2sad.autodiff(f, mode="forward")(A0, direction)
        assert jvp == pytest.approx((f(A0 + eps * direction) - f(A0 - eps * direction)) /
                                    (2 * eps), rel=1e-5)


def lowest_level(t):
    h = np.array([[0.1, -t * 1j], [t * 1j, 0.5]])
    return np.linalg.eigvalsh(h)[0] + np.linalg.eigh(h)[0][0]


def complex_frobenius_norm(r):
    return np.linalg.norm(np.array([[r, 1j], [2.0, r * 1j]])) + \
        np.linalg.norm(r * np.array([1.0 + 1j, 2.0]))


def top_singular_value(r):
    return np.linalg.svd(np.array([[r, 1j], [2.0, r * 1j]]), compute_uv=False)[0]


def cholesky_entry(r):
    a = np.array([[2.0 + r, 0.5j * r], [-0.5j * r, 3.0]])
    return np.real(np.linalg.cholesky(a)[1, 1])


@pytest.mark.parametrize("f, expected", [
    (lowest_level, lambda t: -2 * t / np.sqrt(0.04 + t * t)),
    (complex_frobenius_norm, lambda r: 2 * r / np.sqrt(2 * r * r + 5) + np.sqrt(6)),
    (top_singular_value, None), (cholesky_entry, None)], ids=lambda f: getattr(f, "__name__", ""))
def test_real_parameter_of_a_complex_matrix(f, expected):
    """The reports: eigvalsh of a Hermitian matrix gave 0 (read V^T dH V), norm gave 0
    and 1.633 for sqrt(6) (z / |z| for conj(z) / |z|), the top singular value ~0 for
    0.814, a Cholesky entry -0.0049 for -0.0328 (transposes for conjugate transposes)."""
    x, eps = 0.7, 1e-6
    want = expected(x) if expected else (f(x + eps) - f(x - eps)) / (2 * eps)
    g = s2sad.grad(f)(x)
    jvp = s2sad.autodiff(f, mode="forward")(x, 1.0)
    assert not np.iscomplexobj(g) and not np.iscomplexobj(jvp)
    assert g == pytest.approx(want, rel=1e-6)
    assert jvp == pytest.approx(want, rel=1e-6)


def qr_of_complex(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.abs(r) ** 2 * WEIGHTS)


def lstsq_of_complex(a):
    return np.sum(np.abs(np.linalg.lstsq(a, np.ones(3) + 1j, rcond=None)[0]) ** 2)


def singular_vectors_of_complex(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(np.abs(u) ** 2 * WEIGHTS)


@pytest.mark.parametrize("f, line, modes", [
    (qr_of_complex, "q, r = np.linalg.qr(a)", ("reverse", "forward")),
    (lstsq_of_complex, "np.linalg.lstsq(a", ("reverse", "forward")),
    (singular_vectors_of_complex, "u, s, vh = np.linalg.svd(a)", ("reverse",))],
    ids=["qr", "lstsq", "svd-vectors"])
def test_complex_matrices_without_a_rule_are_refused_at_the_users_line(f, line, modes):
    for mode in modes:
        df = s2sad.autodiff(f, mode=mode)
        with pytest.raises(s2sad.NonDifferentiableError, match="complex") as caught:
            df(A0, 1.0) if mode == "reverse" else df(A0, np.ones((3, 3)))
        location = caught.value.location
        assert location.filename == __file__
        assert line in linecache.getline(location.filename, location.lineno)
        assert caught.value.hint
