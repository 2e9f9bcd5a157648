"""Matrix decompositions (s2sad/rules/decompositions.py): closed forms, and what the
rules refuse. Finite-difference checks of every rule are in test_primitives.py."""
import linecache

import numpy as np
import pytest

import s2sad
from rulecheck import check_both_modes

RNG = np.random.default_rng(16)


def largest_eigenvalue(a):
    return np.linalg.eigh(a)[0][-1]


def nuclear_norm(a):
    return np.sum(np.linalg.svd(a, compute_uv=False))


def least_squares_fit(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x)


def test_largest_eigenvalue_has_gradient_v_vT():
    b = RNG.normal(size=(4, 4))
    a = b + b.T
    w, v = np.linalg.eigh(a)
    np.testing.assert_allclose(s2sad.grad(largest_eigenvalue)(a), np.outer(v[:, -1], v[:, -1]),
                               atol=1e-12)


def test_nuclear_norm_has_gradient_u_vT():
    a = RNG.normal(size=(5, 3))
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(s2sad.grad(nuclear_norm)(a), u @ vh, atol=1e-12)


def total_variance(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w) + np.sum(w ** 2)


def singular_values_sum(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(s)


def test_eigenvalues_alone_are_exact_at_repeated_eigenvalues():
    """sum(w) + sum(w^2) = tr(A) + |A|_F^2 has gradient I + 2A; at A = 2I all
    eigenvalues meet, where the eigenvector terms would divide by zero."""
    a = 2.0 * np.eye(3)
    np.testing.assert_allclose(s2sad.grad(total_variance)(a), 5.0 * np.eye(3), atol=1e-12)
    direction = np.array([[1.0, 0.5, 0.0], [0.5, -1.0, 0.2], [0.0, 0.2, 3.0]])
    np.testing.assert_allclose(s2sad.autodiff(total_variance, mode="forward")(a, direction),
                               np.trace(direction) + np.sum(2 * a * direction), atol=1e-12)


def test_singular_values_alone_are_exact_at_repeated_singular_values():
    """An orthogonal Q has all singular values 1; the nuclear norm's gradient is Q."""
    q = np.linalg.qr(RNG.normal(size=(3, 3)))[0]
    np.testing.assert_allclose(s2sad.grad(singular_values_sum)(q), q, atol=1e-12)


def test_least_squares_gradient_in_b_is_the_pseudo_inverse_transposed():
    a, b = RNG.normal(size=(5, 3)), RNG.normal(size=5)
    np.testing.assert_allclose(s2sad.grad(least_squares_fit, wrt=1)(a, b),
                               np.linalg.pinv(a).T @ np.ones(3), atol=1e-12)


def procrustes_misfit(x, y):
    """Squared error left after the best rotation of x onto y (orthogonal
    Procrustes: R = U Vh from the SVD of x^T y)."""
    u, s, vh = np.linalg.svd(x.T @ y, full_matrices=False)
    return np.sum((x @ (u @ vh) - y) ** 2)


def polynomial_fit_error(coefficients, t, noise):
    """Refit by least squares a cubic to samples of the cubic `coefficients` plus
    noise; the squared distance of the refit from the truth, plus its residual."""
    design = np.stack([t ** 3, t ** 2, t, np.ones_like(t)], axis=1)
    fitted, residuals, rank, s = np.linalg.lstsq(design, design @ coefficients + noise)
    return np.sum((fitted - coefficients) ** 2) + residuals[0]


def test_procrustes_alignment_through_svd():
    x = RNG.normal(size=(6, 3))
    rotation = np.linalg.qr(RNG.normal(size=(3, 3)))[0]
    y = x @ rotation + 0.3 * RNG.normal(size=(6, 3))
    check_both_modes(procrustes_misfit, [x, y])


def test_polynomial_refit_through_lstsq():
    args = [np.array([0.5, -1.0, 0.3, 2.0]), np.linspace(-1.0, 1.0, 9), 0.1 * RNG.normal(size=9)]
    check_both_modes(polynomial_fit_error, args)


def svd_full_of_tall(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u)


def svd_hermitian(a):
    return np.sum(np.linalg.svd(a, hermitian=True)[1])


def qr_of_wide(a):
    q, r = np.linalg.qr(a)
    return np.sum(r)


def qr_complete_of_tall(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum(q)


def lstsq_rank_deficient(a, b):
    x = np.linalg.lstsq(a, b)[0]
    return np.sum(x)


def pinv_hermitian(a):
    return np.sum(np.linalg.pinv(a, hermitian=True))


TALL = RNG.normal(size=(4, 3))
REFUSED = [
    (svd_full_of_tall, [TALL], "full_matrices=False", "np.linalg.svd(a)"),
    (svd_hermitian, [np.eye(3) * 2.0], "hermitian=False", "hermitian=True"),
    (qr_of_wide, [TALL.T], "at least as many rows", "np.linalg.qr(a)"),
    (qr_complete_of_tall, [TALL], "mode='reduced'", "mode="),
    (lstsq_rank_deficient, [np.ones((4, 3)), np.ones(4)], "rank 1 < 3", "lstsq(a, b)"),
    (pinv_hermitian, [np.eye(3) * 2.0], "hermitian=False", "hermitian=True"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, args, message, line", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_what_a_rule_does_not_cover_is_refused_at_the_users_line(f, args, message, line, mode):
    with pytest.raises(s2sad.NonDifferentiableError, match=message) as caught:
        if mode == "reverse":
            s2sad.grad(f, wrt=0)(*args)
        else:
            s2sad.autodiff(f, wrt=0, mode="forward")(*args, np.ones_like(args[0]))
    location = caught.value.location
    assert location.filename == __file__
    assert line in linecache.getline(location.filename, location.lineno)
    assert caught.value.hint
