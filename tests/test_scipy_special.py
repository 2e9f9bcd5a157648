"""scipy.special's rules, each checked against central finite differences in both
modes (s2sad.grad, and forward mode along each input and all together)."""
import numpy as np
import pytest

special = pytest.importorskip("scipy.special")

import s2sad  # noqa: E402
from rulecheck import check_both_modes  # noqa: E402
from s2sad.registry import ADJOINTS, TANGENTS  # noqa: E402
from s2sad.rules.scipy_special import finite_part, log_ndtr_slope, normal_density  # noqa: E402

RNG = np.random.default_rng(16)
W3 = RNG.normal(size=3)
W23 = RNG.normal(size=(2, 3))


def uniform(low, high, shape):
    return RNG.uniform(low, high, shape)


def f_expit(x):
    return np.sum(special.expit(x) * W23)


def f_logit(x):
    return np.sum(special.logit(x) * W23)


def f_log_expit(x):
    return np.sum(special.log_expit(x) * W23)


def f_erf(x):
    return np.sum(special.erf(x) * W23)


def f_erfc(x):
    return np.sum(special.erfc(x) * W23)


def f_erfinv(x):
    return np.sum(special.erfinv(x) * W23)


def f_ndtr(x):
    return np.sum(special.ndtr(x) * W23)


def f_log_ndtr(x):
    return np.sum(special.log_ndtr(x) * W23)


def f_ndtri(x):
    return np.sum(special.ndtri(x) * W23)


def f_gammaln(x):
    return np.sum(special.gammaln(x) * W23)


def f_gamma(x):
    return np.sum(special.gamma(x) * W23)


def f_digamma(x):
    return np.sum(special.digamma(x) * W23)


def f_psi(x):
    return np.sum(special.psi(x) * W23)


def f_polygamma(x):
    return np.sum(special.polygamma(2, x) * W23)


def f_i0(x):
    return np.sum(special.i0(x) * W23)


def f_i1(x):
    return np.sum(special.i1(x) * W23)


def f_log1p(x):
    return np.sum(special.log1p(x) * W23)


def f_erfcx(x):
    return np.sum(special.erfcx(x) * W23)


def f_erfcinv(x):
    return np.sum(special.erfcinv(x) * W23)


def f_entr(x):
    return np.sum(special.entr(x) * W23)


def f_loggamma(x):
    return np.sum(special.loggamma(x) * W23)


def f_i0e(x):
    return np.sum(special.i0e(x) * W23)


def f_i1e(x):
    return np.sum(special.i1e(x) * W23)


def f_rel_entr(x, y):
    return np.sum(special.rel_entr(x, y) * W23)


def f_kl_div(x, y):
    return np.sum(special.kl_div(x, y) * W23)


def f_boxcox(x, lmbda):
    return np.sum(special.boxcox(x, lmbda) * W23)


def f_boxcox_log(x):
    """lmbda = 0: log(x), and the derivative in lmbda there is log(x)^2 / 2."""
    return np.sum(special.boxcox(x, 0.0) * W23)


def f_boxcox1p(x, lmbda):
    return np.sum(special.boxcox1p(x, lmbda) * W23)


def f_huber(delta, r):
    return np.sum(special.huber(delta, r) * W23)


def f_pseudo_huber(delta, r):
    return np.sum(special.pseudo_huber(delta, r) * W23)


def f_multigammaln(a):
    return special.multigammaln(a, 3) * 1.5


def f_multigammaln_array(a):
    return np.sum(special.multigammaln(a, 2) * W3)


def f_betaln(a, b):
    return np.sum(special.betaln(a, b) * W23)


def f_xlogy(x, y):
    return np.sum(special.xlogy(x, y) * W23)


def f_xlog1py(x, y):
    return np.sum(special.xlog1py(x, y) * W23)


def f_stdtr(t):
    return np.sum(special.stdtr(4.0, t) * W23)


def f_gammainc(x):
    return np.sum(special.gammainc(2.5, x) * W23)


def f_gammaincc(x):
    return np.sum(special.gammaincc(2.5, x) * W23)


def f_betainc(x):
    return np.sum(special.betainc(2.0, 3.0, x) * W23)


def f_logsumexp(a):
    return special.logsumexp(a)


def f_logsumexp_axis(a):
    return np.sum(special.logsumexp(a, axis=1) * np.array([1.0, -2.0]))


def f_logsumexp_keepdims(a):
    return np.sum(special.logsumexp(a, axis=0, keepdims=True) * W3)


def f_logsumexp_b(a, b):
    return np.sum(special.logsumexp(a, axis=-1, b=b) * np.array([0.5, -1.5]))


def f_logsumexp_b_broadcast(a, b):
    return special.logsumexp(a, b=b)


def f_softmax(x):
    return np.sum(special.softmax(x) * W23)


def f_softmax_axis(x):
    return np.sum(special.softmax(x, axis=1) * W23)


def f_log_softmax(x):
    return np.sum(special.log_softmax(x, axis=-1) * W23)


def f_log_softmax_all(x):
    return np.sum(special.log_softmax(x) * W3)


def f_finite_part(x):
    return np.sum(finite_part(x) ** 2 * x)


def f_normal_density(x):
    return np.sum(normal_density(x) * x)


def f_log_ndtr_slope(x):
    return np.sum(log_ndtr_slope(x, special.log_ndtr(x)) * x)


CASES = [
    (special.expit, f_expit, [uniform(-3, 3, (2, 3))]),
    (special.logit, f_logit, [uniform(0.1, 0.9, (2, 3))]),
    (special.log_expit, f_log_expit, [uniform(-3, 3, (2, 3))]),
    (special.erf, f_erf, [uniform(-2, 2, (2, 3))]),
    (special.erfc, f_erfc, [uniform(-2, 2, (2, 3))]),
    (special.erfinv, f_erfinv, [uniform(-0.9, 0.9, (2, 3))]),
    (special.ndtr, f_ndtr, [uniform(-2, 2, (2, 3))]),
    (special.log_ndtr, f_log_ndtr, [uniform(-4, 2, (2, 3))]),
    (special.ndtri, f_ndtri, [uniform(0.1, 0.9, (2, 3))]),
    (special.gammaln, f_gammaln, [uniform(0.5, 4, (2, 3))]),
    (special.gamma, f_gamma, [uniform(0.5, 4, (2, 3))]),
    (special.digamma, f_digamma, [uniform(0.5, 4, (2, 3))]),
    (special.psi, f_psi, [uniform(0.5, 4, (2, 3))]),
    (special.polygamma, f_polygamma, [uniform(0.5, 4, (2, 3))]),
    (special.i0, f_i0, [uniform(-2, 2, (2, 3))]),
    (special.i1, f_i1, [uniform(-2, 2, (2, 3))]),
    (special.log1p, f_log1p, [uniform(-0.5, 2, (2, 3))]),
    (special.erfcx, f_erfcx, [uniform(-1.5, 3, (2, 3))]),
    (special.erfcinv, f_erfcinv, [uniform(0.1, 1.9, (2, 3))]),
    (special.entr, f_entr, [uniform(0.1, 2, (2, 3))]),
    (special.loggamma, f_loggamma, [uniform(0.5, 4, (2, 3))]),
    (special.i0e, f_i0e, [uniform(-2, 2, (2, 3))]),
    (special.i1e, f_i1e, [uniform(-2, 2, (2, 3))]),
    (special.rel_entr, f_rel_entr, [uniform(0.2, 2, (2, 3)), uniform(0.2, 2, 3)]),
    (special.kl_div, f_kl_div, [uniform(0.2, 2, (2, 3)), uniform(0.2, 2, 3)]),
    (special.boxcox, f_boxcox, [uniform(0.3, 3, (2, 3)), np.array([-0.7, 1e-5, 0.4])]),
    (special.boxcox, f_boxcox_log, [uniform(0.3, 3, (2, 3))]),
    (special.boxcox1p, f_boxcox1p, [uniform(-0.5, 2, (2, 3)), np.array([0.5, -1e-4, 1.3])]),
    (special.huber, f_huber, [np.array([0.5, 1.0, 1.5]), uniform(-3, 3, (2, 3))]),
    (special.pseudo_huber, f_pseudo_huber, [np.array([0.5, 1.0, 1.5]), uniform(-3, 3, (2, 3))]),
    (special.multigammaln, f_multigammaln, [2.7]),
    (special.multigammaln, f_multigammaln_array, [uniform(1.5, 4, 3)]),
    (special.betaln, f_betaln, [uniform(0.5, 3, (2, 3)), uniform(0.5, 3, 3)]),
    (special.xlogy, f_xlogy, [np.array([[0.0, 1.0, 2.0], [0.5, -1.0, 3.0]]),
                              uniform(0.5, 2, 3)]),
    (special.xlog1py, f_xlog1py, [np.array([[0.0, 1.0, 2.0], [0.5, -1.0, 3.0]]),
                                  uniform(-0.5, 2, 3)]),
    (special.stdtr, f_stdtr, [uniform(-2, 2, (2, 3))]),
    (special.gammainc, f_gammainc, [uniform(0.5, 4, (2, 3))]),
    (special.gammaincc, f_gammaincc, [uniform(0.5, 4, (2, 3))]),
    (special.betainc, f_betainc, [uniform(0.1, 0.9, (2, 3))]),
    (special.logsumexp, f_logsumexp, [uniform(-2, 2, (2, 3))]),
    (special.logsumexp, f_logsumexp_axis, [uniform(-2, 2, (2, 3))]),
    (special.logsumexp, f_logsumexp_keepdims, [uniform(-2, 2, (2, 3))]),
    (special.logsumexp, f_logsumexp_b, [uniform(-2, 2, (2, 3)), uniform(0.5, 2, (2, 3))]),
    (special.logsumexp, f_logsumexp_b_broadcast, [uniform(-2, 2, (2, 3)), uniform(0.5, 2, 3)]),
    (special.softmax, f_softmax, [uniform(-2, 2, (2, 3))]),
    (special.softmax, f_softmax_axis, [uniform(-2, 2, (2, 3))]),
    (special.log_softmax, f_log_softmax, [uniform(-2, 2, (2, 3))]),
    (special.log_softmax, f_log_softmax_all, [uniform(-2, 2, 3)]),
    (finite_part, f_finite_part, [uniform(-2, 2, 3)]),
    (normal_density, f_normal_density, [uniform(-2, 2, 3)]),
    (log_ndtr_slope, f_log_ndtr_slope, [uniform(-2, 2, 3)]),
]


@pytest.mark.parametrize("key, f, args", CASES, ids=[c[1].__name__ for c in CASES])
def test_rule_matches_finite_differences(key, f, args):
    check_both_modes(f, args)


def scipy_keys(table, module):
    return {k for k, t in table.items() if t.func.__module__ == module}


def test_every_scipy_special_rule_has_a_case_and_a_tangent():
    tested = {key for key, _, _ in CASES}
    assert scipy_keys(ADJOINTS, "s2sad.rules.scipy_special") == tested
    assert scipy_keys(TANGENTS, "s2sad.rules.scipy_special") == tested


def lse_with_sign(a):
    value, sign = special.logsumexp(a, b=np.array([1.0, -0.5]), return_sign=True)
    return value


def test_logsumexp_with_return_sign_is_refused_clearly():
    with pytest.raises(s2sad.NonDifferentiableError, match="without return_sign=True") \
            as caught:
        s2sad.grad(lse_with_sign)(np.array([0.3, 0.1]))
    location = caught.value.location  # found when the rule runs, placed at the call
    assert location.filename == __file__
    assert location.lineno == lse_with_sign.__code__.co_firstlineno + 1


def t_cdf_in_df(df):
    return special.stdtr(df, 0.7)


def t_cdf_in_both(df, t):
    return special.stdtr(df, t)


def test_a_parameter_without_closed_form_derivative_is_refused_in_both_modes():
    with pytest.raises(s2sad.NonDifferentiableError, match="stdtr in its parameter 'df'"):
        s2sad.grad(t_cdf_in_df)(3.0)
    with pytest.raises(s2sad.NonDifferentiableError, match="stdtr in its parameter 'df'") \
            as caught:
        s2sad.autodiff(t_cdf_in_df, mode="forward")(3.0, 1.0)
    location = caught.value.location
    assert location.filename == __file__
    assert location.lineno == t_cdf_in_df.__code__.co_firstlineno + 1
    # with df held fixed, the derivative in t is the density
    dt = s2sad.autodiff(t_cdf_in_both, wrt=1, mode="forward")(3.0, 0.7, 1.0)
    np.testing.assert_allclose(dt, __import__("scipy.stats").stats.t.pdf(0.7, 3.0))


def test_the_generated_code_reads_like_the_calculus():
    source = s2sad.source(s2sad.grad(f_gammaln))
    assert "special.digamma(x)" in source


def ordered_probit(b):
    upper = np.array([np.inf, 1.0, 0.2]) - b  # open-ended cut points at +-inf
    lower = np.array([0.0, -np.inf, -1.0]) - b
    return np.sum(np.log(special.ndtr(upper) - special.ndtr(lower))) + \
        np.sum(special.log_ndtr(upper))


def test_second_derivatives_at_infinite_cut_points_are_finite():
    """The slope of ndtr (and log_ndtr) is 0 at +inf; its derivative -x * slope was
    inf * 0 = nan there, so the Hessian of an ordinal model was nan."""
    b, gradient = 0.3, s2sad.grad(ordered_probit)
    expected = (gradient(b + 1e-5) - gradient(b - 1e-5)) / 2e-5
    assert s2sad.hvp(ordered_probit)(b, 1.0) == pytest.approx(expected, rel=1e-6)
    assert gradient(b) == pytest.approx((ordered_probit(b + 1e-6) - ordered_probit(b - 1e-6))
                                        / 2e-6, rel=1e-6)


def new_special_rules_twice(a):
    x, y = a[:3], a[3:]
    return np.sum(special.log1p(x * y) ** 2) + np.sum(special.erfcx(x - y) * y) \
        + np.sum(special.erfcinv(x / 1.3) ** 2) + np.sum(special.entr(y) * x) \
        + np.sum(special.loggamma(y + x) * x) + np.sum(special.i0e(x - 0.6) * y) \
        + np.sum(special.i1e(y - x) * x) + np.sum(special.rel_entr(x, y) * y) \
        + np.sum(special.kl_div(y, x) * x) + np.sum(special.boxcox(y, x - 0.5) * x) \
        + np.sum(special.boxcox1p(x, y) ** 2) + np.sum(special.boxcox(y, 0.0) * x) \
        + np.sum(special.huber(y, 2.0 * x - 0.6) ** 2) \
        + np.sum(special.pseudo_huber(y, x - 0.5) * x)


def test_new_rules_differentiate_twice():
    """The Hessian (forward mode over reverse) against central differences of the
    gradient: the rules' helpers have tangents of their own."""
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(new_special_rules_twice)
    expected = np.stack([(gradient(a + 1e-5 * e) - gradient(a - 1e-5 * e)) / 2e-5
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(new_special_rules_twice)(a), expected,
                               rtol=1e-5, atol=1e-6)


def test_rules_at_the_edges():
    """i1e's slope at 0 is 1/2; boxcox's slope in lmbda at 0 is log(x)^2 / 2."""
    assert s2sad.grad(lambda_free_i1e)(0.0) == pytest.approx(0.5, rel=1e-14)
    x = np.array([0.3, 2.0, 10.0])
    np.testing.assert_allclose(s2sad.grad(boxcox_in_lmbda, wrt=1)(x, 0.0),
                               np.sum(np.log(x) ** 2 / 2), rtol=1e-14)


def lambda_free_i1e(x):
    return special.i1e(x)


def boxcox_in_lmbda(x, lmbda):
    return np.sum(special.boxcox(x, lmbda))
