"""scipy.linalg's rules against central finite differences in both modes.

Symmetric matrices are built from free ones (B B^T + c I), since cholesky and
cho_solve read one triangle only; triangular factors are passed directly, so
that the entries SciPy ignores must get a zero derivative."""
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
