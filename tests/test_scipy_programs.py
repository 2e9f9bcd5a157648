"""Whole statistical programs that call SciPy, differentiated in both modes and
checked against central finite differences: a Gaussian-process marginal
likelihood, a Gaussian-mixture negative log-likelihood, a negative-binomial
regression, a black-box variational objective, a linear ODE fitted through its
matrix-exponential propagator and a PCA reconstruction loss through eigh."""
import numpy as np
import pytest

import s2sad

pytest.importorskip("scipy")
from scipy import linalg, special, stats  # noqa: E402

from rulecheck import check_both_modes  # noqa: E402

RNG = np.random.default_rng(2026)
LOG_2PI = np.log(2.0 * np.pi)


# ---------------------------------------------------------------- Gaussian process

def squared_distances(x):
    diff = x[:, None] - x[None, :]
    return diff * diff


def gp_nll_cho_solve(log_length, log_signal, log_noise, x, y):
    """-log N(y | 0, K + noise I), with K the squared-exponential kernel."""
    k = np.exp(2.0 * log_signal) * np.exp(-0.5 * squared_distances(x) / np.exp(2.0 * log_length))
    k = k + np.exp(2.0 * log_noise) * np.eye(len(x))
    factor = linalg.cholesky(k, lower=True)
    alpha = linalg.cho_solve((factor, True), y)
    logdet = 2.0 * np.sum(np.log(np.diag(factor)))
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(x) * LOG_2PI


def gp_nll_triangular(log_length, log_signal, log_noise, x, y):
    """The same with two triangular solves and np.linalg.cholesky."""
    k = np.exp(2.0 * log_signal) * np.exp(-0.5 * squared_distances(x) / np.exp(2.0 * log_length))
    k = k + np.exp(2.0 * log_noise) * np.eye(len(x))
    factor = np.linalg.cholesky(k)
    white = linalg.solve_triangular(factor, y, lower=True)
    return 0.5 * np.sum(white ** 2) + np.sum(np.log(np.diag(factor))) + 0.5 * len(x) * LOG_2PI


def gp_data():
    x = np.sort(RNG.uniform(-3.0, 3.0, 12))
    y = np.sin(x) + 0.1 * RNG.normal(size=12)
    return x, y


@pytest.mark.parametrize("nll", [gp_nll_cho_solve, gp_nll_triangular])
def test_gaussian_process_marginal_likelihood(nll):
    x, y = gp_data()
    args = [np.log(1.2), np.log(0.9), np.log(0.2), x, y]
    reference = -stats.multivariate_normal.logpdf(
        y, np.zeros(12), 0.81 * np.exp(-0.5 * squared_distances(x) / 1.44) + 0.04 * np.eye(12))
    np.testing.assert_allclose(nll(*args), reference, rtol=1e-10)
    check_both_modes(nll, args, wrt=(0, 1, 2, 4))


# ---------------------------------------------------------------- Gaussian mixture

def gmm_nll(means, log_scales, logits, x):
    """-sum_i log sum_k pi_k N(x_i | mean_k, scale_k^2 I)."""
    log_weights = special.log_softmax(logits)
    scales = np.exp(log_scales)
    offsets = x[:, None, :] - means[None, :, :]
    squared = np.sum(offsets ** 2, axis=-1) / scales ** 2
    dim = x.shape[1]
    log_components = -0.5 * squared - dim * log_scales - 0.5 * dim * LOG_2PI
    return -np.sum(special.logsumexp(log_weights + log_components, axis=1))


def test_gaussian_mixture_negative_log_likelihood():
    x = np.concatenate([RNG.normal(-2.0, 0.5, (10, 2)), RNG.normal(1.5, 0.8, (8, 2))])
    args = [RNG.normal(size=(3, 2)), RNG.normal(0.0, 0.3, 3), RNG.normal(size=3), x]
    weights = special.softmax(args[2])
    density = sum(weights[k] * stats.multivariate_normal.pdf(x, args[0][k],
                                                           np.exp(2 * args[1][k]) * np.eye(2))
                  for k in range(3))
    np.testing.assert_allclose(gmm_nll(*args), -np.sum(np.log(density)), rtol=1e-10)
    check_both_modes(gmm_nll, args, wrt=(0, 1, 2))


# ---------------------------------------------------------------- negative binomial

def negative_binomial_nll(beta, log_dispersion, features, counts):
    """Counts with mean exp(features @ beta) and dispersion r = exp(log_dispersion)."""
    mean = np.exp(features @ beta)
    r = np.exp(log_dispersion)
    log_lik = special.gammaln(counts + r) - special.gammaln(r) - special.gammaln(counts + 1.0) \
        + r * np.log(r / (r + mean)) + counts * np.log(mean / (r + mean))
    return -np.sum(log_lik)


def negative_binomial_nll_stats(beta, log_dispersion, features, counts):
    """The same through scipy.stats.nbinom (success probability r / (r + mean))."""
    mean = np.exp(features @ beta)
    r = np.exp(log_dispersion)
    return -np.sum(stats.nbinom.logpmf(counts, r, r / (r + mean)))


def test_negative_binomial_regression():
    features = np.column_stack([np.ones(15), RNG.normal(size=(15, 2))])
    counts = RNG.poisson(np.exp(features @ np.array([0.5, 0.3, -0.2]))).astype(float)
    args = [np.array([0.4, 0.2, -0.1]), np.log(2.0), features, counts]
    np.testing.assert_allclose(negative_binomial_nll(*args), negative_binomial_nll_stats(*args),
                               rtol=1e-10)
    check_both_modes(negative_binomial_nll, args, wrt=(0, 1))
    check_both_modes(negative_binomial_nll_stats, args, wrt=(0, 1))


# ---------------------------------------------------------------- variational inference

def negative_elbo(mean, log_scale, noise, data):
    """Monte Carlo estimate of -ELBO for q(z) = N(mean, exp(log_scale)^2) over the mean
    z of data ~ N(z, 1), prior z ~ N(0, 10^2), reparametrized by fixed noise draws."""
    scale = np.exp(log_scale)
    z = mean + scale * noise
    log_lik = np.sum(stats.norm.logpdf(data[None, :], z[:, None], 1.0), axis=1)
    log_prior = stats.norm.logpdf(z, 0.0, 10.0)
    log_q = stats.norm.logpdf(z, mean, scale)
    return -np.mean(log_lik + log_prior - log_q)


def test_black_box_variational_objective():
    data = RNG.normal(1.3, 1.0, 20)
    args = [0.4, np.log(0.5), RNG.normal(size=16), data]
    check_both_modes(negative_elbo, args, wrt=(0, 1))


# ---------------------------------------------------------------- linear ODE through expm

STIFFNESS = np.array([[0.0, 0.0], [-1.0, 0.0]])
DAMPING = np.array([[0.0, 0.0], [0.0, -1.0]])
COUPLING = np.array([[0.0, 1.0], [0.0, 0.0]])


def oscillator_fit_loss(log_k, log_c, x0, times, observed):
    """Squared error of a damped oscillator x' = A x, x(t) = expm(A t) x0, against
    noisy observations: the propagator's derivative in A is expm's Frechet one."""
    a = COUPLING + np.exp(log_k) * STIFFNESS + np.exp(log_c) * DAMPING
    loss = 0.0
    for i in range(len(times)):
        predicted = linalg.expm(a * times[i]) @ x0
        loss = loss + np.sum((predicted - observed[i]) ** 2)
    return loss


def oscillator_data():
    times = np.linspace(0.3, 3.0, 6)
    a = COUPLING + 2.0 * STIFFNESS + 0.3 * DAMPING
    x0 = np.array([1.0, 0.0])
    clean = np.array([linalg.expm(a * t) @ x0 for t in times])
    return times, clean + 0.05 * RNG.normal(size=clean.shape)


def test_linear_ode_fit_through_the_matrix_exponential():
    times, observed = oscillator_data()
    args = [np.log(1.5), np.log(0.5), np.array([0.9, 0.1]), times, observed]
    check_both_modes(oscillator_fit_loss, args, wrt=(0, 1, 2))


# ---------------------------------------------------------------- PCA through eigh

def pca_reconstruction_loss(scales, data):
    """Mean squared error of rebuilding scaled, centred data from its top two
    principal directions (eigenvectors of the covariance), plus the variance they
    leave out (the smallest eigenvalue)."""
    x = data * scales
    x = x - np.mean(x, axis=0)
    covariance = x.T @ x / len(x)
    variances, directions = linalg.eigh(covariance)
    top = directions[:, 1:]
    rebuilt = x @ top @ top.T
    return np.mean((x - rebuilt) ** 2) + variances[0]


def pca_reconstruction_loss_numpy(scales, data):
    """The same with np.linalg.eigh, its result read by name."""
    x = data * scales
    x = x - np.mean(x, axis=0)
    decomposition = np.linalg.eigh(x.T @ x / len(x))
    top = decomposition.eigenvectors[:, 1:]
    rebuilt = x @ top @ top.T
    return np.mean((x - rebuilt) ** 2) + decomposition.eigenvalues[0]


@pytest.mark.parametrize("loss", [pca_reconstruction_loss, pca_reconstruction_loss_numpy])
def test_pca_reconstruction_loss_through_eigh(loss):
    data = RNG.normal(size=(30, 3)) @ np.array([[2.0, 0.3, 0.0], [0.0, 1.0, 0.2], [0.0, 0.0, 0.4]])
    args = [np.array([1.0, 0.8, 1.2]), data]
    np.testing.assert_allclose(loss(*args), pca_reconstruction_loss(*args), rtol=1e-12)
    check_both_modes(loss, args)


# ---------------------------------------------------------------- sparse matrices

def dirichlet_energy(u, laplacian, f):
    """A discrete Poisson problem's energy: 1/2 u'Lu - f'u, L a sparse Laplacian."""
    return 0.5 * u @ (laplacian @ u) - np.sum(f * u)


def sparse_least_squares(x, a, y):
    """Regression with a sparse design matrix, also read transposed with .dot."""
    residual = a @ x - y
    return np.sum(residual ** 2) + np.sum(np.tanh(a.T.dot(residual)) * x)


def test_a_sparse_matrix_times_a_dense_vector_in_both_modes_and_twice():
    """NumPy takes a sparse matrix for a 0-d object: the product rules took it for a
    scalar (an object array of sparse matrices as the gradient; crashes in forward
    mode). Its own `@` multiplies now."""
    sparse = pytest.importorskip("scipy.sparse")
    laplacian = sparse.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(6, 6)).tocsr()
    global SPARSE_STIFFNESS
    SPARSE_STIFFNESS = laplacian + sparse.random(6, 6, density=0.3, format="csr", random_state=2)
    a = sparse.random(5, 4, density=0.5, format="csr", random_state=1)
    for f, args in ((dirichlet_energy, [RNG.normal(size=6), laplacian, RNG.normal(size=6)]),
                    (sparse_least_squares, [RNG.normal(size=4), a, RNG.normal(size=5)]),
                    (sparse_least_squares, [RNG.normal(size=4), sparse.csc_array(a),
                                            RNG.normal(size=5)])):
        check_both_modes(f, args, wrt=(0,))
        v = RNG.normal(size=np.shape(args[0]))
        gradient = s2sad.grad(f)
        plus, minus = [args[0] + 1e-5 * v] + args[1:], [args[0] - 1e-5 * v] + args[1:]
        np.testing.assert_allclose(s2sad.hvp(f)(*args, v),
                                   (gradient(*plus) - gradient(*minus)) / 2e-5,
                                   rtol=1e-5, atol=1e-7)
    x = RNG.normal(size=6)  # the matrix carrying a derivative: its `*` is a product
    with pytest.raises(s2sad.NonDifferentiableError, match="sparse matrix held constant"):
        s2sad.grad(dirichlet_energy, wrt=1)(x, laplacian, x)
    with pytest.raises(s2sad.NonDifferentiableError, match="sparse matrix held constant"):
        s2sad.grad(scaled_stiffness)(x)  # (c * A) @ x was a wrong gradient
    check_both_modes(quadratic_form_by_dot, [x], wrt=(0,))  # A.dot(x), A a global


SPARSE_STIFFNESS = None


def scaled_stiffness(u):
    c = np.sum(u)
    return np.sum(((c * SPARSE_STIFFNESS) @ u) ** 2)


def quadratic_form_by_dot(u):
    return u.dot(SPARSE_STIFFNESS.dot(u)) + np.sum(np.sin(SPARSE_STIFFNESS.dot(u)))
