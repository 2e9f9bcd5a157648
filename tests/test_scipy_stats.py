"""scipy.stats: every distribution method s2sad differentiates, in its argument and
its parameters, against central finite differences in both modes; and each
stand-in s2sad differentiates through computes what SciPy computes."""
import numpy as np
import pytest

stats = pytest.importorskip("scipy.stats")

import s2sad  # noqa: E402
from rulecheck import check_both_modes  # noqa: E402
from s2sad.registry import SOURCES  # noqa: E402

RNG = np.random.default_rng(1616)
W = RNG.normal(size=4)


def between(low, high):
    return RNG.uniform(low, high, 4)


# (method, arguments by position, which of them are differentiated)
CASES = [
    (stats.norm.logpdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.pdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.cdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.logcdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.sf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.logsf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.ppf, [between(0.05, 0.95), 0.3, 1.4], (0, 1, 2)),
    (stats.norm.isf, [between(0.05, 0.95), 0.3, 1.4], (0, 1, 2)),
    (stats.t.logpdf, [between(-2, 2), 3.5, 0.3, 1.4], (0, 1, 2, 3)),
    (stats.t.pdf, [between(-2, 2), 3.5, 0.3, 1.4], (0, 1, 2, 3)),
    (stats.t.cdf, [between(-2, 2), 3.5, 0.3, 1.4], (0, 2, 3)),
    (stats.t.logcdf, [between(-2, 2), 3.5, 0.3, 1.4], (0, 2, 3)),
    (stats.gamma.logpdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.gamma.pdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.gamma.cdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 2, 3)),
    (stats.gamma.logcdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 2, 3)),
    (stats.beta.logpdf, [between(0.2, 0.8), 2.5, 1.7, -0.1, 1.2], (0, 1, 2, 3, 4)),
    (stats.beta.pdf, [between(0.2, 0.8), 2.5, 1.7, -0.1, 1.2], (0, 1, 2, 3, 4)),
    (stats.beta.cdf, [between(0.2, 0.8), 2.5, 1.7, -0.1, 1.2], (0, 3, 4)),
    (stats.beta.logcdf, [between(0.2, 0.8), 2.5, 1.7, -0.1, 1.2], (0, 3, 4)),
    (stats.expon.logpdf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.pdf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.cdf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.logcdf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.sf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.logsf, [between(0.5, 3), 0.2, 1.5], (0, 1, 2)),
    (stats.expon.ppf, [between(0.05, 0.95), 0.2, 1.5], (0, 1, 2)),
    (stats.laplace.logpdf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.laplace.pdf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.laplace.cdf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.laplace.logcdf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.laplace.sf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.laplace.logsf, [between(-2, 2), 0.1, 1.5], (0, 1, 2)),
    (stats.cauchy.logpdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.cauchy.pdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.cauchy.cdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.cauchy.logcdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.logpdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.pdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.cdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.logcdf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.sf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.logistic.logsf, [between(-2, 2), 0.3, 0.8], (0, 1, 2)),
    (stats.lognorm.logpdf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.lognorm.pdf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.lognorm.cdf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.lognorm.logcdf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.lognorm.sf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.lognorm.logsf, [between(0.5, 3), 0.7, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.logpdf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.pdf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.cdf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.logcdf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.sf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.weibull_min.logsf, [between(0.5, 3), 1.8, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.halfnorm.logpdf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.halfnorm.pdf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.halfnorm.cdf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.halfnorm.logcdf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.halfnorm.sf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.halfnorm.logsf, [between(0.5, 3), 0.1, 1.3], (0, 1, 2)),
    (stats.invgamma.logpdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.invgamma.pdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 1, 2, 3)),
    (stats.invgamma.cdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 2, 3)),
    (stats.invgamma.logcdf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 2, 3)),
    (stats.invgamma.sf, [between(0.5, 3), 2.5, 0.1, 1.3], (0, 2, 3)),
    (stats.gumbel_r.logpdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.gumbel_r.pdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.gumbel_r.cdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.gumbel_r.logcdf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.gumbel_r.sf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.gumbel_r.logsf, [between(-2, 2), 0.3, 1.4], (0, 1, 2)),
    (stats.uniform.logpdf, [between(0.3, 1.2), 0.2, 1.1], (0, 1, 2)),
    (stats.uniform.pdf, [between(0.3, 1.2), 0.2, 1.1], (0, 1, 2)),
    (stats.uniform.cdf, [between(0.3, 1.2), 0.2, 1.1], (0, 1, 2)),
    (stats.uniform.logcdf, [between(0.3, 1.2), 0.2, 1.1], (0, 1, 2)),
    (stats.poisson.logpmf, [np.array([0.0, 1.0, 3.0, 7.0]), between(0.5, 4)], (1,)),
    (stats.poisson.pmf, [np.array([0.0, 1.0, 3.0, 7.0]), 2.5], (1,)),
    (stats.poisson.cdf, [np.array([0.0, 1.0, 3.0, 7.0]), between(0.5, 4)], (1,)),
    (stats.poisson.logcdf, [np.array([0.0, 1.0, 3.0, 7.0]), between(0.5, 4)], (1,)),
    (stats.poisson.sf, [np.array([0.0, 1.0, 3.0, 7.0]), between(0.5, 4)], (1,)),
    (stats.poisson.logsf, [np.array([0.0, 1.0, 3.0, 7.0]), between(0.5, 4)], (1,)),
    (stats.binom.logpmf, [np.array([0.0, 1.0, 3.0, 7.0]), 9, between(0.2, 0.8)], (2,)),
    (stats.binom.pmf, [np.array([0.0, 2.0, 3.0, 9.0]), 9, 0.35], (2,)),
    (stats.nbinom.logpmf, [np.array([0.0, 1.0, 3.0, 7.0]), 3.5, between(0.2, 0.8)], (1, 2)),
    (stats.nbinom.pmf, [np.array([0.0, 1.0, 3.0, 7.0]), between(1, 4), 0.4], (1, 2)),
]


def _id(case):
    method = case[0]
    return f"{method.__self__.name}.{method.__name__}"


@pytest.mark.parametrize("method, args, wrt", CASES, ids=[_id(c) for c in CASES])
def test_stand_in_computes_what_scipy_computes(method, args, wrt):
    np.testing.assert_allclose(SOURCES[method](*args), method(*args), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method, args, wrt", CASES, ids=[_id(c) for c in CASES])
def test_method_matches_finite_differences(method, args, wrt):
    params = ", ".join(f"a{i}" for i in range(len(args)))
    source = (f"def objective({params}):\n"
              f"    return np.sum(stats.{method.__self__.name}.{method.__name__}({params}) * W)\n")
    check_both_modes(_compile(source), args, wrt)


_KEEP = []


def _compile(source):
    """A function from source s2sad can read (registered with linecache)."""
    import linecache
    filename = f"<test_scipy_stats {len(_KEEP)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "stats": stats, "W": W}
    exec(compile(source, filename, "exec"), namespace)
    _KEEP.append(namespace)
    return namespace["objective"]


def norm_by_keyword(x, mu, sigma):
    return np.sum(stats.norm.logpdf(x, loc=mu, scale=sigma) * W)


def t_by_keyword(x, nu, sigma):
    return np.sum(stats.t.logpdf(x, df=nu, scale=sigma) * W)


def gamma_in_shape_only(a):
    return np.sum(stats.gamma.logpdf(np.array([0.5, 1.0, 2.0, 4.0]), a) * W)


def test_parameters_by_keyword_and_defaults():
    check_both_modes(norm_by_keyword, [between(-2, 2), 0.2, 1.3])
    check_both_modes(t_by_keyword, [between(-2, 2), 4.0, 1.3])
    check_both_modes(gamma_in_shape_only, [1.7])


def mvn_logpdf(x, mean, root):
    cov = root @ root.T + 0.5 * np.eye(3)
    return np.sum(stats.multivariate_normal.logpdf(x, mean, cov) * W)


def mvn_pdf_one_point(x, mean, root):
    cov = root @ root.T + 0.5 * np.eye(3)
    return stats.multivariate_normal.pdf(x, mean, cov)


def test_multivariate_normal_in_points_mean_and_covariance():
    root = RNG.normal(size=(3, 3))
    mean = RNG.normal(size=3)
    check_both_modes(mvn_logpdf, [RNG.normal(size=(4, 3)), mean, root])
    check_both_modes(mvn_pdf_one_point, [RNG.normal(size=3), mean, root])
    x = RNG.normal(size=(4, 3))
    cov = root @ root.T + 0.5 * np.eye(3)
    np.testing.assert_allclose(SOURCES[stats.multivariate_normal.logpdf](x, mean, cov),
                               stats.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12)


def mvn_default_covariance(x, mean):
    return np.sum(stats.multivariate_normal.logpdf(x, mean=mean) * W)


def mvn_diagonal_covariance(x, diagonal):
    return np.sum(stats.multivariate_normal.logpdf(x, np.ones(3), diagonal) * W)


def mvn_one_dimensional(x, mean, variance):
    """k = 1: each entry of x is a point, as SciPy takes them."""
    return np.sum(stats.multivariate_normal.pdf(x, mean, variance) * W)


def test_multivariate_normal_takes_scipys_forms_of_the_covariance():
    check_both_modes(mvn_default_covariance, [RNG.normal(size=(4, 3)), RNG.normal(size=3)])
    check_both_modes(mvn_diagonal_covariance, [RNG.normal(size=(4, 3)),
                                               RNG.uniform(0.5, 2.0, 3)])
    check_both_modes(mvn_one_dimensional, [RNG.normal(size=4), 0.3, 1.7])


def test_every_stand_in_has_a_case():
    tested = {case[0] for case in CASES} | {stats.multivariate_normal.logpdf,
                                             stats.multivariate_normal.pdf}
    registered = {k for k, f in SOURCES.items() if f.__module__ == "s2sad.rules.scipy_stats"}
    assert registered == tested


def t_cdf_in_df(x, df):
    return np.sum(stats.t.cdf(x, df))


def test_cdf_in_a_shape_parameter_is_refused():
    with pytest.raises(s2sad.NonDifferentiableError, match="stdtr in its parameter 'df'"):
        s2sad.grad(t_cdf_in_df, wrt=1)(np.array([0.2, 1.0]), 3.0)


def t_logsf(x):
    return np.sum(stats.t.logsf(x, 3.0))


def test_a_method_without_a_rule_is_named_publicly():
    with pytest.raises(s2sad.NonDifferentiableError,
                       match=r"for scipy\.stats\.t\.logsf \(in function 't_logsf'\)"):
        s2sad.grad(t_logsf)


def test_a_derivative_through_a_stand_in_is_generated_once(monkeypatch):
    """`stats.norm.logpdf` reads a new bound method each time: the guard against
    rebound helpers (rebinding.py) must not take that for a rebinding."""
    import s2sad.api as api
    args = [between(-2, 2), 0.2, 1.3]
    df = s2sad.grad(norm_by_keyword, wrt=(0, 1, 2))
    df(*args)
    generated = []
    pipeline = api._pipeline
    monkeypatch.setattr(api, "_pipeline", lambda *a, **k: generated.append(a) or pipeline(*a, **k))
    df(*args)
    df(*args)
    assert not generated


def new_stand_ins_twice(a):
    """Stand-ins added together, in their data and parameters."""
    q = 0.1 + 0.8 * a[:3] / 1.3
    k = np.array([0.0, 2.0, 5.0])
    return np.sum(stats.norm.ppf(q, a[3], a[4]) ** 2) + np.sum(stats.norm.logsf(a[:3], a[5])) \
        + np.sum(stats.lognorm.logpdf(a[:3], a[4], scale=a[5])) \
        + np.sum(stats.lognorm.cdf(a[3:], a[0])) \
        + np.sum(stats.weibull_min.logpdf(a[3:], a[1] + 1.0, scale=a[2])) \
        + np.sum(stats.invgamma.logpdf(a[3:], a[0] + 1.0, scale=a[1])) \
        + np.sum(stats.invgamma.cdf(a[:3] + 1.0, 2.5, scale=a[5])) \
        + np.sum(stats.gumbel_r.logpdf(a[:3], a[3], a[4])) \
        + np.sum(stats.halfnorm.logsf(a[3:], 0.1, a[0])) \
        + np.sum(stats.binom.logpmf(k, 6, a[3:] / 1.5)) \
        + np.sum(stats.poisson.logcdf(k, a[3:] * 2.0)) \
        + np.sum(stats.expon.ppf(q, a[0], a[1]) * stats.uniform.cdf(a[3:], 0.1, 1.3))


def test_new_stand_ins_differentiate_twice():
    """The Hessian (forward mode over reverse) against central differences of the
    gradient: the rules the stand-ins call have tangents of their own."""
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(new_stand_ins_twice)
    expected = np.stack([(gradient(a + 1e-5 * e) - gradient(a - 1e-5 * e)) / 2e-5
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(new_stand_ins_twice)(a), expected, rtol=1e-5,
                               atol=1e-6)
    check_both_modes(new_stand_ins_twice, [a])
