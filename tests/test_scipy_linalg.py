"""scipy.linalg's rules against central finite differences in both modes.

Symmetric matrices are built from free ones (B B^T + c I), since cholesky and
cho_solve read one triangle only; triangular factors are passed directly, so
that the entries SciPy ignores must get a zero derivative."""
import linecache

import numpy as np
import pytest

linalg = pytest.importorskip("scipy.linalg")

import s2sad  # noqa: E402
from rulecheck import check_both_modes  # noqa: E402
from s2sad.registry import ADJOINTS, TANGENTS  # noqa: E402

RNG = np.random.default_rng(1717)
W33 = RNG.normal(size=(3, 3))
W32 = RNG.normal(size=(3, 2))
W3 = RNG.normal(size=3)


def spd(b):
    return b @ b.T + 2.0 * np.eye(3)


def cholesky_lower(b):
    return np.sum(linalg.cholesky(spd(b), lower=True) * W33)


def cholesky_upper(b):
    return np.sum(linalg.cholesky(spd(b)) * W33)


def cho_solve_lower(b, y):
    factor = linalg.cholesky(spd(b), lower=True)
    return np.sum(linalg.cho_solve((factor, True), y) * W3)


def cho_solve_upper_matrix(b, y):
    factor = linalg.cholesky(spd(b), lower=False)
    return np.sum(linalg.cho_solve((factor, False), y) * W32)


def cho_solve_raw_factor(c, y):
    return np.sum(linalg.cho_solve((c, True), y) * W3)


def triangular_lower(a, b):
    return np.sum(linalg.solve_triangular(a, b, lower=True) * W3)


def triangular_upper_matrix(a, b):
    return np.sum(linalg.solve_triangular(a, b) * W32)


def triangular_transposed(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans="T", lower=True) * W3)


def triangular_transposed_matrix(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans=1) * W32)


def triangular_unit_diagonal(a, b):
    return np.sum(linalg.solve_triangular(a, b, lower=True, unit_diagonal=True) * W3)


def general_solve(a, b):
    return np.sum(linalg.solve(a, b) * W32)


def general_solve_vector(a, b):
    return np.sum(linalg.solve(a, b, check_finite=False) * W3)


def inverse(a):
    return np.sum(linalg.inv(a) * W33)


def determinant(a):
    return linalg.det(a)


def eigh_pair(b):
    w, v = linalg.eigh(b + b.T)
    return np.sum(w * W3) + np.sum(v * W33)


def eigh_upper_triangle(b):
    w, v = linalg.eigh(b + b.T, lower=False, driver="evd")
    return np.sum(w ** 2) + np.sum(v[:, 1] * W3)


def eigh_values_only(b):
    return np.sum(linalg.eigh(b + b.T, eigvals_only=True) * W3)


def eigvalsh(b):
    return np.sum(linalg.eigvalsh(b + b.T) * W3)


def matrix_exponential(a):
    return np.sum(linalg.expm(a) * W33)


def matrix_exponential_of_stack(a):
    return np.sum(linalg.expm(a) * W33)


def lu_factor(a):
    lu, piv = linalg.lu_factor(a)
    return np.sum(lu * W33)


def lu_solve(a, b):
    return np.sum(linalg.lu_solve(linalg.lu_factor(a), b) * W3)


def lu_solve_transposed(a, b):
    return np.sum(linalg.lu_solve(linalg.lu_factor(a), b, trans=1) * W32)


def lu_solve_raw_factor(lu, b):
    """A packed factor passed directly, with pivots that swap rows."""
    return np.sum(linalg.lu_solve((lu, np.array([2, 2, 2])), b) * W3)


def block_diagonal(a, b, c):
    return np.sum(linalg.block_diag(a, b, c) * W_BLOCKS)


def block_diagonal_of_one(a):
    return np.sum(linalg.block_diag(a) * W33)


def toeplitz_column_and_row(c, r):
    return np.sum(linalg.toeplitz(c, r) * W34)


def toeplitz_symmetric(c):
    return np.sum(linalg.toeplitz(c) * W33)


W_BLOCKS = np.random.default_rng(1818).normal(size=(4, 6))  # blocks 2x2, a row of 3, 1x1
W34 = np.random.default_rng(1819).normal(size=(3, 4))


def spread_spectrum(shape=(3, 3)):
    """b with b + b^T's eigenvalues far apart: the eigenvectors' derivative divides
    by their gaps."""
    return np.diag([1.0, 2.5, 4.0]) + 0.3 * RNG.normal(size=shape)


def well_conditioned(shape=(3, 3)):
    return RNG.normal(size=shape) + 3.0 * np.eye(3)


def lower_factor():
    return np.tril(RNG.normal(size=(3, 3))) + 2.0 * np.eye(3) + np.triu(RNG.normal(size=(3, 3)), 1)


CASES = [
    (linalg.cholesky, cholesky_lower, [RNG.normal(size=(3, 3))]),
    (linalg.cholesky, cholesky_upper, [RNG.normal(size=(3, 3))]),
    (linalg.cho_solve, cho_solve_lower, [RNG.normal(size=(3, 3)), RNG.normal(size=3)]),
    (linalg.cho_solve, cho_solve_upper_matrix, [RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))]),
    (linalg.cho_solve, cho_solve_raw_factor, [lower_factor(), RNG.normal(size=3)]),
    (linalg.solve_triangular, triangular_lower, [lower_factor(), RNG.normal(size=3)]),
    (linalg.solve_triangular, triangular_upper_matrix, [lower_factor().T, RNG.normal(size=(3, 2))]),
    (linalg.solve_triangular, triangular_transposed, [lower_factor(), RNG.normal(size=3)]),
    (linalg.solve_triangular, triangular_transposed_matrix,
     [lower_factor().T, RNG.normal(size=(3, 2))]),
    (linalg.solve_triangular, triangular_unit_diagonal, [lower_factor(), RNG.normal(size=3)]),
    (linalg.solve, general_solve, [well_conditioned(), RNG.normal(size=(3, 2))]),
    (linalg.solve, general_solve_vector, [well_conditioned(), RNG.normal(size=3)]),
    (linalg.inv, inverse, [well_conditioned()]),
    (linalg.det, determinant, [well_conditioned()]),
    (linalg.eigh, eigh_pair, [spread_spectrum()]),
    (linalg.eigh, eigh_upper_triangle, [spread_spectrum()]),
    (linalg.eigh, eigh_values_only, [spread_spectrum()]),
    (linalg.eigvalsh, eigvalsh, [spread_spectrum()]),
    (linalg.lu_factor, lu_factor, [RNG.normal(size=(3, 3))]),
    (linalg.lu_factor, lu_factor, [RNG.normal(size=(2, 3, 3))]),
    (linalg.lu_solve, lu_solve, [RNG.normal(size=(3, 3)), RNG.normal(size=3)]),
    (linalg.lu_solve, lu_solve_transposed, [RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))]),
    (linalg.lu_solve, lu_solve_raw_factor, [well_conditioned(), RNG.normal(size=3)]),
    (linalg.block_diag, block_diagonal, [RNG.normal(size=(2, 2)), RNG.normal(size=3), 0.7]),
    (linalg.block_diag, block_diagonal_of_one, [RNG.normal(size=(3, 3))]),
    (linalg.toeplitz, toeplitz_column_and_row, [RNG.normal(size=3), RNG.normal(size=4)]),
    (linalg.toeplitz, toeplitz_symmetric, [RNG.normal(size=3)]),
    (linalg.expm, matrix_exponential, [RNG.normal(size=(3, 3))]),
    (linalg.expm, matrix_exponential_of_stack, [RNG.normal(size=(2, 3, 3))]),
]


@pytest.mark.parametrize("key, f, args", CASES, ids=[c[1].__name__ for c in CASES])
def test_rule_matches_finite_differences(key, f, args):
    check_both_modes(f, args)


def test_every_scipy_linalg_rule_has_a_case_and_a_tangent():
    tested = {key for key, _, _ in CASES}
    for table in (ADJOINTS, TANGENTS):
        assert {k for k, t in table.items()
                if t.func.__module__ == "s2sad.rules.scipy_linalg"} == tested


def solve_transposed(a, b):
    return np.sum(linalg.solve(a, b, transposed=True))


def test_what_the_rules_do_not_cover_is_refused():
    a, b = well_conditioned(), RNG.normal(size=3)
    with pytest.raises(s2sad.NonDifferentiableError, match="transposed=False"):
        s2sad.grad(solve_transposed)(a, b)


def generalized_eigh(a, b):
    return np.sum(linalg.eigh(a, b)[0])


def eigh_subset(a):
    w, v = linalg.eigh(a, subset_by_index=[1, 2])
    return np.sum(w)


def eigh_overwriting(a):
    return np.sum(linalg.eigvalsh(a, overwrite_a=True))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, args, message, line", [
    (generalized_eigh, (3.0 * np.eye(3), np.eye(3)), "without b", "linalg.eigh(a, b)"),
    (eigh_subset, (np.diag([1.0, 2.0, 3.0]),), "without subset_by_index", "subset_by_index"),
    (eigh_overwriting, (np.diag([1.0, 2.0, 3.0]),), "overwrite_a", "overwrite_a=True"),
], ids=["b", "subset", "overwrite"])
def test_eigh_refuses_what_it_does_not_cover_at_the_users_line(f, args, message, line, mode):
    """The refusal comes when the rule sees the values, and still names the line."""
    with pytest.raises(s2sad.NonDifferentiableError, match=message) as caught:
        if mode == "reverse":
            s2sad.grad(f)(*args)
        else:
            s2sad.autodiff(f, mode="forward")(*args, np.ones((3, 3)))
    location = caught.value.location
    assert location.filename == __file__
    assert line in linecache.getline(location.filename, location.lineno)


def exponential(a):
    return linalg.expm(a)


def test_expm_derivative_is_scipys_frechet_derivative():
    """An independent closed form: scipy.linalg.expm_frechet, both ways."""
    a, e, g = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3))
    forward = s2sad.autodiff(exponential, mode="forward")(a, e)
    np.testing.assert_allclose(forward, linalg.expm_frechet(a, e, compute_expm=False),
                               rtol=1e-10, atol=1e-12)
    reverse = s2sad.autodiff(exponential)(a, g)
    np.testing.assert_allclose(reverse, linalg.expm_frechet(a.T, g, compute_expm=False),
                               rtol=1e-10, atol=1e-12)


def trace_through_eigh(a):
    w, v = linalg.eigh(a)
    return np.sum(w)


def test_eigenvalues_alone_are_exact_at_repeated_eigenvalues():
    """The gradient of tr(A) = sum(w) is I, also at A = 2I where all eigenvalues meet."""
    np.testing.assert_allclose(s2sad.grad(trace_through_eigh)(2.0 * np.eye(3)), np.eye(3),
                               atol=1e-12)


def scaled_kernel_quadratic_form(a, y):
    kernel = np.array([[2.0, 0.3], [0.3, 1.0]]) * a
    factor = linalg.cholesky(kernel, lower=True)
    return y @ linalg.cho_solve((factor, True), y)


def cho_solve_of_both(a):
    b = np.reshape(a, (3, 2))
    factor = linalg.cholesky(b @ b.T + 2.0 * np.eye(3), lower=True)
    upper = linalg.cholesky(spd(b) * a[5])
    y = np.sin(a[3:6])
    return y @ linalg.cho_solve((factor, True), y) + \
        np.sum(linalg.cho_solve((upper, False), np.outer(a[:3], a[4:6])) ** 2)


def test_cho_solve_differentiates_twice():
    """cho_solve's adjoint helpers build the adjoint of the (c, lower) pair as an
    AdjointList, which has a tangent rule: y^T (a K)^-1 y = c / a has second
    derivative 2 c / a^3, and a Hessian in the factor's entries matches differences
    of the gradient."""
    y = np.array([1.0, -0.5])
    c = y @ np.linalg.solve(np.array([[2.0, 0.3], [0.3, 1.0]]), y)
    assert s2sad.hvp(scaled_kernel_quadratic_form)(1.5, y, 1.0) == \
        pytest.approx(2 * c / 1.5 ** 3, rel=1e-12)
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(cho_solve_of_both)
    expected = np.stack([(gradient(a + 1e-6 * e) - gradient(a - 1e-6 * e)) / 2e-6
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(cho_solve_of_both)(a), expected, rtol=1e-5,
                               atol=1e-6)


def cho_factor_solve(b, y):
    return np.sum(linalg.cho_solve(linalg.cho_factor(spd(b)), y) * W3)


def cho_factor_lower(b, y):
    c, lower = linalg.cho_factor(spd(b), lower=True)
    return np.sum(linalg.cho_solve((c, lower), y) * W32) + np.sum(c * W33)


def singular_values(a):
    return np.sum(linalg.svdvals(a) * np.array([1.0, -0.5]))


@pytest.mark.parametrize("f, args", [
    (cho_factor_solve, [RNG.normal(size=(3, 3)), RNG.normal(size=3)]),
    (cho_factor_lower, [RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))]),
    (singular_values, [RNG.normal(size=(2, 4))]),
    (singular_values, [RNG.normal(size=(3, 2))]),
], ids=["cho_factor", "cho_factor_lower", "svdvals_wide", "svdvals_tall"])
def test_stand_ins_match_finite_differences(f, args):
    check_both_modes(f, args)


def test_stand_ins_compute_what_scipy_computes():
    from s2sad.registry import SOURCES
    a = spd(RNG.normal(size=(3, 3)))
    for lower in (False, True):
        c, flag = SOURCES[linalg.cho_factor](a, lower=lower)
        expected, expected_flag = linalg.cho_factor(a, lower=lower)
        np.testing.assert_allclose(c, expected, rtol=1e-13)
        assert flag == expected_flag
    m = RNG.normal(size=(3, 5))
    np.testing.assert_allclose(SOURCES[linalg.svdvals](m), linalg.svdvals(m), rtol=1e-13)
    registered = {k for k, f in SOURCES.items() if f.__module__ == "s2sad.rules.scipy_linalg"}
    assert registered == {linalg.cho_factor, linalg.svdvals}


def structured_twice(a):
    blocks = linalg.block_diag(a[:2] * a[2], np.reshape(a[2:6], (2, 2)), a[5])
    t = linalg.toeplitz(a[:3] ** 2, a[2:6])
    c, lower = linalg.cho_factor(spd(np.reshape(a[:6], (3, 2)) @ np.ones((2, 3))))
    return np.sum(blocks ** 3) + np.sum(np.sin(t) * W34) + np.sum(linalg.toeplitz(a[3:]) ** 3) \
        + np.sum(linalg.cho_solve((c, lower), a[3:]) ** 2) + np.sum(linalg.svdvals(t) ** 3)


def test_new_rules_differentiate_twice():
    """The Hessian (forward mode over the rules' reverse mode) against central
    differences of the gradient."""
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(structured_twice)
    expected = np.stack([(gradient(a + 1e-5 * e) - gradient(a - 1e-5 * e)) / 2e-5
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(structured_twice)(a), expected, rtol=1e-5,
                               atol=1e-6)


def seven_blocks(a):
    return np.sum(linalg.block_diag(a, a, a, a, a, a, a))


def toeplitz_of_a_matrix(a):
    return np.sum(linalg.toeplitz(a))


def test_structured_matrices_refuse_what_they_do_not_cover():
    with pytest.raises(s2sad.NonDifferentiableError, match="up to six blocks"):
        s2sad.grad(seven_blocks)(np.ones(2))
    with pytest.raises(s2sad.NonDifferentiableError, match="1-D c and r"):
        s2sad.grad(toeplitz_of_a_matrix)(np.ones((2, 2)))


def cho_factor_overwriting(b, y):
    m = spd(b)
    return np.sum(linalg.cho_solve(linalg.cho_factor(m, overwrite_a=True), y) * W3)


def test_cho_factor_overwriting_its_operand_has_the_same_derivative():
    """The stand-in's derivative reads cholesky's factor, not the matrix SciPy may
    overwrite."""
    args = [RNG.normal(size=(3, 3)), RNG.normal(size=3)]
    check_both_modes(cho_factor_overwriting, args)
    np.testing.assert_allclose(s2sad.grad(cho_factor_overwriting)(*args)[0],
                               s2sad.grad(cho_factor_solve)(*args)[0], rtol=1e-12)
