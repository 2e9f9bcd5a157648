"""Frozen scipy.stats distributions: made in the function, `dist = stats.norm(loc,
scale); dist.logpdf(x)` differentiates in x, loc and scale (it is read as
stats.norm.logpdf(x, loc, scale)); made outside, its parameters are constants and
it differentiates in x. Checked against central differences in both modes."""
import numpy as np
import pytest

stats = pytest.importorskip("scipy.stats")

import s2sad  # noqa: E402
from rulecheck import check_both_modes  # noqa: E402

RNG = np.random.default_rng(1617)
X = RNG.uniform(0.2, 0.8, 4)


def norm_frozen(x, mu, sigma):
    dist = stats.norm(mu, sigma)
    return np.sum(dist.logpdf(x)) + np.sum(dist.cdf(x))


def norm_by_keyword(x, mu, sigma):
    return np.sum(stats.norm(loc=mu, scale=sigma).pdf(x))


def t_frozen(x, df, mu, sigma):
    return np.sum(stats.t(df, mu, sigma).logpdf(x))


def gamma_frozen(x, a, scale):
    dist = stats.gamma(a, scale=scale)
    return np.sum(dist.logpdf(x))


def beta_frozen(x, a, b):
    return np.sum(stats.beta(a, b).logpdf(x))


def others_frozen(x, mu, sigma):
    total = 0.0
    total = total + np.sum(stats.laplace(mu, sigma).logpdf(x))
    total = total + np.sum(stats.cauchy(mu, sigma).logcdf(x))
    total = total + np.sum(stats.logistic(mu, sigma).pdf(x))
    return total + np.sum(stats.expon(scale=sigma).logpdf(x))


def counts_frozen(rate, n, p):
    k = np.array([0.0, 1.0, 3.0, 4.0])
    return np.sum(stats.poisson(rate).logpmf(k)) + np.sum(stats.nbinom(n, p).logpmf(k))


def more_families_frozen(x, s, sigma):
    total = np.sum(stats.lognorm(s, scale=sigma).logpdf(x))
    total = total + np.sum(stats.weibull_min(s + 1.0, 0.1, sigma).logsf(x))
    total = total + np.sum(stats.gumbel_r(s, sigma).cdf(x))
    total = total + np.sum(stats.halfnorm(scale=sigma).logpdf(x))
    total = total + np.sum(stats.invgamma(s + 2.0, scale=sigma).pdf(x))
    return total + np.sum(stats.norm(s, sigma).ppf(x))


def binom_frozen(p):
    return np.sum(stats.binom(8, p).logpmf(np.array([0.0, 1.0, 3.0, 8.0])))


def multivariate_frozen(x, mean, scale):
    cov = scale * np.eye(2) + 0.3
    dist = stats.multivariate_normal(mean, cov)
    return dist.logpdf(x)


def multivariate_frozen_with_a_seed(x, mean):
    """The seed is the maker's alone: logpdf does not take it."""
    total = stats.multivariate_normal(mean, np.eye(2), seed=3).logpdf(x)
    return total + stats.multivariate_normal(mean, 2.0 * np.eye(2), False, 4).logpdf(x)


CASES = [
    (norm_frozen, (X, 0.3, 1.4)),
    (norm_by_keyword, (X, 0.3, 1.4)),
    (t_frozen, (X, 3.5, 0.3, 1.4)),
    (gamma_frozen, (X, 2.5, 1.3)),
    (beta_frozen, (X, 2.5, 1.7)),
    (others_frozen, (X + 0.5, 0.3, 1.4)),
    (counts_frozen, (2.5, 3.5, 0.4)),
    (more_families_frozen, (X, 0.7, 1.4)),
    (binom_frozen, (0.35,)),
    (multivariate_frozen, (np.array([0.4, -0.2]), np.array([0.1, 0.3]), 1.5)),
    (multivariate_frozen_with_a_seed, (np.array([0.4, -0.2]), np.array([0.1, 0.3]))),
]


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_made_in_the_function_differentiates_in_its_parameters(f, args):
    check_both_modes(f, args)


def test_the_derivative_reads_as_the_unfrozen_call():
    source = s2sad.source(s2sad.grad(norm_frozen, wrt=(0, 1, 2)))
    assert "stats.norm.logpdf(x, mu, sigma)" in source
    assert "stats.norm.cdf(x, mu, sigma)" in source


def rebinds_a_parameter(x, mu, sigma):
    dist = stats.norm(mu, sigma)
    mu = mu * 3.0
    return np.sum(dist.logpdf(x)) + mu


def made_in_a_loop(x, mu, sigma):
    total = 0.0
    for i in range(3):
        dist = stats.norm(mu * i, sigma)
        sigma = sigma * 1.5
        total = total + np.sum(dist.logpdf(x))
    return total


@pytest.mark.parametrize("f", [rebinds_a_parameter, made_in_a_loop])
def test_the_parameters_are_those_it_was_made_with(f):
    check_both_modes(f, (X, 0.3, 1.4))


FROZEN_OUTSIDE = stats.gamma(2.5, scale=1.3)


def global_frozen(x):
    return np.sum(FROZEN_OUTSIDE.logpdf(x) * x)


def frozen_argument(x, dist):
    return np.sum(dist.logcdf(x * x))


def test_made_outside_its_parameters_are_constants():
    check_both_modes(global_frozen, (X,))
    x, dist = X, stats.t(3.5, 0.2, 1.1)
    g = s2sad.grad(frozen_argument)(x, dist)
    eps = 1e-6
    expected = [(frozen_argument(x + eps * e, dist) - frozen_argument(x - eps * e, dist))
                / (2 * eps) for e in np.eye(4)]
    np.testing.assert_allclose(g, expected, rtol=1e-6)
    jvp = s2sad.autodiff(frozen_argument, mode="forward")(x, dist, np.ones(4))
    np.testing.assert_allclose(jvp, np.sum(expected), rtol=1e-6)


def made_in_two_places(x, mu, sigma, heavy):
    if heavy:
        dist = stats.t(3.0, mu, sigma)
    else:
        dist = stats.norm(mu, sigma)
    return np.sum(dist.logpdf(x))


def test_an_object_bound_twice_is_refused_with_a_way_out():
    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(made_in_two_places, wrt=(1, 2))
    assert "with respect to the object it is called on" in caught.value.message
    assert "assigned once" in caught.value.hint
