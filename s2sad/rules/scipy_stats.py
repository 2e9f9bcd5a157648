"""scipy.stats: the log-densities, densities and distribution functions of the
common distributions, in their arguments and parameters.

Registered only when SciPy imports. Rather than one template per distribution
and method, each method gets a *stand-in*: a few lines of NumPy and
scipy.special that compute the same values, registered with `source_for`.
s2sad differentiates a call such as `stats.norm.logpdf(x, loc, scale)` through
the stand-in's source, so the calculus lives in the rules of the functions the
stand-ins call (scipy.special's `gammaln`, `ndtr`, `stdtr`, ...), and reverse
and forward mode both come for free. The call itself still runs SciPy's code.

Location-scale families take `loc` and `scale` by position or keyword, as in
SciPy, after their shape parameters; `z = (x - loc) / scale` is the standardized
argument. Derivatives hold inside the support (where the log-density is finite).
The distribution functions (`cdf`, `logcdf`) of `t`, `gamma` and `beta`, and
`cdf`, `logcdf` and `sf` of `invgamma`, are differentiated in `x`, `loc` and
`scale`, not in their shape parameters (their derivative there has no closed
form: asking for it raises NonDifferentiableError). Those of `poisson` are
differentiated in `mu`: the count `k` enters through floor(k) and carries none.
The counts `k` (and `n` of `binom`) are integers: the stand-ins extend the
log-pmf to real values through gammaln, and only `mu`, `n` of `nbinom` and `p`
are parameters to differentiate in.
"""
import numpy as np
from scipy import special, stats

from ..registry import advise, freezes, source_for, unfreezes

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
LOG_2PI = np.log(2.0 * np.pi)
LOG_PI = np.log(np.pi)

# Frozen distributions. Made in the differentiated function, `dist = stats.norm(loc,
# scale)` then `dist.logpdf(x)` is read as `stats.norm.logpdf(x, loc, scale)`
# (normalize/frozen.py), so it differentiates in loc and scale too. Made outside it
# (a global, an argument), its parameters are constants: its methods are unfrozen
# when the derivative runs (dispatch.py).
DATA_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "logpmf", "pmf")
SUMMARY_METHODS = ("mean", "var", "std", "median", "entropy")
DISTRIBUTIONS = (stats.norm, stats.t, stats.gamma, stats.beta, stats.expon, stats.laplace,
                 stats.cauchy, stats.logistic, stats.poisson, stats.nbinom, stats.lognorm,
                 stats.weibull_min, stats.halfnorm, stats.invgamma, stats.gumbel_r,
                 stats.uniform, stats.binom)
FROZEN_TYPES = (type(stats.norm()), type(stats.poisson(1.0)))
MULTIVARIATE_NORMAL_FROZEN = type(stats.multivariate_normal(np.zeros(1)))

freezes({**{m: 1 for m in DATA_METHODS}, **{m: 0 for m in SUMMARY_METHODS}}, *DISTRIBUTIONS)
freezes({m: 1 for m in ("logpdf", "pdf", "cdf", "logcdf")}, stats.multivariate_normal,
        positional=3, dropped=("seed",))  # (mean, cov, allow_singular, seed)


@unfreezes
def unfrozen_method(method):
    """(stats.norm.logpdf, (loc, scale), {}) for `logpdf` of a frozen stats.norm(loc, scale)."""
    owner = method.__self__
    if isinstance(owner, FROZEN_TYPES) and method.__name__ in DATA_METHODS + SUMMARY_METHODS:
        maker = getattr(stats, owner.dist.name, None)
        if maker is not None:
            return getattr(maker, method.__name__), owner.args, owner.kwds
    if isinstance(owner, MULTIVARIATE_NORMAL_FROZEN) and method.__name__ in DATA_METHODS:
        return (getattr(stats.multivariate_normal, method.__name__), (owner.mean, owner.cov),
                {"allow_singular": owner.allow_singular})
    return None


advise("call the frozen distribution's methods (logpdf, pdf, cdf, ...) in the function "
       "that makes it, as `dist = stats.norm(loc, scale); dist.logpdf(x)`, with `dist` "
       "assigned once; or call the method with its parameters, stats.norm.logpdf(x, "
       "loc, scale); or wrap the value in s2sad.stop_gradient if it needs none.",
       *DISTRIBUTIONS, stats.multivariate_normal,
       *(("method", name) for name in DATA_METHODS + SUMMARY_METHODS))


# ---------------------------------------------------------------- norm

@source_for(stats.norm.logpdf)
def norm_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -0.5 * z * z - np.log(scale) - LOG_SQRT_2PI


@source_for(stats.norm.pdf)
def norm_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.norm.logpdf(x, loc, scale))


@source_for(stats.norm.cdf)
def norm_cdf(x, loc=0.0, scale=1.0):
    return special.ndtr((x - loc) / scale)


@source_for(stats.norm.logcdf)
def norm_logcdf(x, loc=0.0, scale=1.0):
    return special.log_ndtr((x - loc) / scale)


@source_for(stats.norm.sf)
def norm_sf(x, loc=0.0, scale=1.0):
    return special.ndtr((loc - x) / scale)


@source_for(stats.norm.logsf)
def norm_logsf(x, loc=0.0, scale=1.0):
    return special.log_ndtr((loc - x) / scale)


@source_for(stats.norm.ppf)
def norm_ppf(q, loc=0.0, scale=1.0):
    """The quantile: its derivative in q is 1 / pdf(ppf(q)) (ndtri's rule)."""
    return loc + scale * special.ndtri(q)


@source_for(stats.norm.isf)
def norm_isf(q, loc=0.0, scale=1.0):
    return loc - scale * special.ndtri(q)


# ---------------------------------------------------------------- t

@source_for(stats.t.logpdf)
def t_logpdf(x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return special.gammaln(0.5 * (df + 1.0)) - special.gammaln(0.5 * df) \
        - 0.5 * (np.log(df) + LOG_PI) - np.log(scale) \
        - 0.5 * (df + 1.0) * np.log1p(z * z / df)


@source_for(stats.t.pdf)
def t_pdf(x, df, loc=0.0, scale=1.0):
    return np.exp(stats.t.logpdf(x, df, loc, scale))


@source_for(stats.t.cdf)
def t_cdf(x, df, loc=0.0, scale=1.0):
    return special.stdtr(df, (x - loc) / scale)


@source_for(stats.t.logcdf)
def t_logcdf(x, df, loc=0.0, scale=1.0):
    return np.log(stats.t.cdf(x, df, loc, scale))


# ---------------------------------------------------------------- gamma

@source_for(stats.gamma.logpdf)
def gamma_logpdf(x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return special.xlogy(a - 1.0, z) - z - special.gammaln(a) - np.log(scale)


@source_for(stats.gamma.pdf)
def gamma_pdf(x, a, loc=0.0, scale=1.0):
    return np.exp(stats.gamma.logpdf(x, a, loc, scale))


@source_for(stats.gamma.cdf)
def gamma_cdf(x, a, loc=0.0, scale=1.0):
    return special.gammainc(a, (x - loc) / scale)


@source_for(stats.gamma.logcdf)
def gamma_logcdf(x, a, loc=0.0, scale=1.0):
    return np.log(stats.gamma.cdf(x, a, loc, scale))


# ---------------------------------------------------------------- beta

@source_for(stats.beta.logpdf)
def beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return special.xlogy(a - 1.0, z) + special.xlog1py(b - 1.0, -z) \
        - special.betaln(a, b) - np.log(scale)


@source_for(stats.beta.pdf)
def beta_pdf(x, a, b, loc=0.0, scale=1.0):
    return np.exp(stats.beta.logpdf(x, a, b, loc, scale))


@source_for(stats.beta.cdf)
def beta_cdf(x, a, b, loc=0.0, scale=1.0):
    return special.betainc(a, b, (x - loc) / scale)


@source_for(stats.beta.logcdf)
def beta_logcdf(x, a, b, loc=0.0, scale=1.0):
    return np.log(stats.beta.cdf(x, a, b, loc, scale))


# ---------------------------------------------------------------- expon

@source_for(stats.expon.logpdf)
def expon_logpdf(x, loc=0.0, scale=1.0):
    return -(x - loc) / scale - np.log(scale)


@source_for(stats.expon.pdf)
def expon_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.expon.logpdf(x, loc, scale))


@source_for(stats.expon.cdf)
def expon_cdf(x, loc=0.0, scale=1.0):
    return -np.expm1(-(x - loc) / scale)


@source_for(stats.expon.logcdf)
def expon_logcdf(x, loc=0.0, scale=1.0):
    return np.log(stats.expon.cdf(x, loc, scale))


@source_for(stats.expon.sf)
def expon_sf(x, loc=0.0, scale=1.0):
    return np.exp(-(x - loc) / scale)


@source_for(stats.expon.logsf)
def expon_logsf(x, loc=0.0, scale=1.0):
    return -(x - loc) / scale


@source_for(stats.expon.ppf)
def expon_ppf(q, loc=0.0, scale=1.0):
    return loc - scale * np.log1p(-q)


# ---------------------------------------------------------------- laplace

@source_for(stats.laplace.logpdf)
def laplace_logpdf(x, loc=0.0, scale=1.0):
    return -np.abs(x - loc) / scale - np.log(2.0 * scale)


@source_for(stats.laplace.pdf)
def laplace_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.laplace.logpdf(x, loc, scale))


@source_for(stats.laplace.cdf)
def laplace_cdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    tail = 0.5 * np.exp(-np.abs(z))
    return np.where(z < 0.0, tail, 1.0 - tail)


@source_for(stats.laplace.logcdf)
def laplace_logcdf(x, loc=0.0, scale=1.0):
    return np.log(stats.laplace.cdf(x, loc, scale))


@source_for(stats.laplace.sf)
def laplace_sf(x, loc=0.0, scale=1.0):
    return stats.laplace.cdf(-x, -loc, scale)


@source_for(stats.laplace.logsf)
def laplace_logsf(x, loc=0.0, scale=1.0):
    return np.log(stats.laplace.sf(x, loc, scale))


# ---------------------------------------------------------------- cauchy

@source_for(stats.cauchy.logpdf)
def cauchy_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -np.log1p(z * z) - np.log(scale) - LOG_PI


@source_for(stats.cauchy.pdf)
def cauchy_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.cauchy.logpdf(x, loc, scale))


@source_for(stats.cauchy.cdf)
def cauchy_cdf(x, loc=0.0, scale=1.0):
    return 0.5 + np.arctan((x - loc) / scale) / np.pi


@source_for(stats.cauchy.logcdf)
def cauchy_logcdf(x, loc=0.0, scale=1.0):
    return np.log(stats.cauchy.cdf(x, loc, scale))


# ---------------------------------------------------------------- logistic

@source_for(stats.logistic.logpdf)
def logistic_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return special.log_expit(z) + special.log_expit(-z) - np.log(scale)


@source_for(stats.logistic.pdf)
def logistic_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.logistic.logpdf(x, loc, scale))


@source_for(stats.logistic.cdf)
def logistic_cdf(x, loc=0.0, scale=1.0):
    return special.expit((x - loc) / scale)


@source_for(stats.logistic.logcdf)
def logistic_logcdf(x, loc=0.0, scale=1.0):
    return special.log_expit((x - loc) / scale)


@source_for(stats.logistic.sf)
def logistic_sf(x, loc=0.0, scale=1.0):
    return special.expit((loc - x) / scale)


@source_for(stats.logistic.logsf)
def logistic_logsf(x, loc=0.0, scale=1.0):
    return special.log_expit((loc - x) / scale)


# ---------------------------------------------------------------- lognorm

@source_for(stats.lognorm.logpdf)
def lognorm_logpdf(x, s, loc=0.0, scale=1.0):
    log_z = np.log((x - loc) / scale)
    return -0.5 * (log_z / s) ** 2 - log_z - np.log(s) - LOG_SQRT_2PI - np.log(scale)


@source_for(stats.lognorm.pdf)
def lognorm_pdf(x, s, loc=0.0, scale=1.0):
    return np.exp(stats.lognorm.logpdf(x, s, loc, scale))


@source_for(stats.lognorm.cdf)
def lognorm_cdf(x, s, loc=0.0, scale=1.0):
    return special.ndtr(np.log((x - loc) / scale) / s)


@source_for(stats.lognorm.logcdf)
def lognorm_logcdf(x, s, loc=0.0, scale=1.0):
    return special.log_ndtr(np.log((x - loc) / scale) / s)


@source_for(stats.lognorm.sf)
def lognorm_sf(x, s, loc=0.0, scale=1.0):
    return special.ndtr(-np.log((x - loc) / scale) / s)


@source_for(stats.lognorm.logsf)
def lognorm_logsf(x, s, loc=0.0, scale=1.0):
    return special.log_ndtr(-np.log((x - loc) / scale) / s)


# ---------------------------------------------------------------- weibull_min

@source_for(stats.weibull_min.logpdf)
def weibull_min_logpdf(x, c, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return np.log(c) + special.xlogy(c - 1.0, z) - z ** c - np.log(scale)


@source_for(stats.weibull_min.pdf)
def weibull_min_pdf(x, c, loc=0.0, scale=1.0):
    return np.exp(stats.weibull_min.logpdf(x, c, loc, scale))


@source_for(stats.weibull_min.cdf)
def weibull_min_cdf(x, c, loc=0.0, scale=1.0):
    return -np.expm1(-((x - loc) / scale) ** c)


@source_for(stats.weibull_min.logcdf)
def weibull_min_logcdf(x, c, loc=0.0, scale=1.0):
    return np.log(stats.weibull_min.cdf(x, c, loc, scale))


@source_for(stats.weibull_min.sf)
def weibull_min_sf(x, c, loc=0.0, scale=1.0):
    return np.exp(-((x - loc) / scale) ** c)


@source_for(stats.weibull_min.logsf)
def weibull_min_logsf(x, c, loc=0.0, scale=1.0):
    return -((x - loc) / scale) ** c


# ---------------------------------------------------------------- halfnorm

@source_for(stats.halfnorm.logpdf)
def halfnorm_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return 0.5 * np.log(2.0 / np.pi) - 0.5 * z * z - np.log(scale)


@source_for(stats.halfnorm.pdf)
def halfnorm_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.halfnorm.logpdf(x, loc, scale))


@source_for(stats.halfnorm.cdf)
def halfnorm_cdf(x, loc=0.0, scale=1.0):
    return special.erf((x - loc) / scale / np.sqrt(2.0))


@source_for(stats.halfnorm.logcdf)
def halfnorm_logcdf(x, loc=0.0, scale=1.0):
    return np.log(stats.halfnorm.cdf(x, loc, scale))


@source_for(stats.halfnorm.sf)
def halfnorm_sf(x, loc=0.0, scale=1.0):
    return 2.0 * special.ndtr((loc - x) / scale)


@source_for(stats.halfnorm.logsf)
def halfnorm_logsf(x, loc=0.0, scale=1.0):
    return np.log(2.0) + special.log_ndtr((loc - x) / scale)


# ---------------------------------------------------------------- invgamma

@source_for(stats.invgamma.logpdf)
def invgamma_logpdf(x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -(a + 1.0) * np.log(z) - special.gammaln(a) - 1.0 / z - np.log(scale)


@source_for(stats.invgamma.pdf)
def invgamma_pdf(x, a, loc=0.0, scale=1.0):
    return np.exp(stats.invgamma.logpdf(x, a, loc, scale))


@source_for(stats.invgamma.cdf)
def invgamma_cdf(x, a, loc=0.0, scale=1.0):
    return special.gammaincc(a, scale / (x - loc))


@source_for(stats.invgamma.logcdf)
def invgamma_logcdf(x, a, loc=0.0, scale=1.0):
    return np.log(stats.invgamma.cdf(x, a, loc, scale))


@source_for(stats.invgamma.sf)
def invgamma_sf(x, a, loc=0.0, scale=1.0):
    return special.gammainc(a, scale / (x - loc))


# ---------------------------------------------------------------- gumbel_r

@source_for(stats.gumbel_r.logpdf)
def gumbel_r_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -z - np.exp(-z) - np.log(scale)


@source_for(stats.gumbel_r.pdf)
def gumbel_r_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.gumbel_r.logpdf(x, loc, scale))


@source_for(stats.gumbel_r.cdf)
def gumbel_r_cdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.gumbel_r.logcdf(x, loc, scale))


@source_for(stats.gumbel_r.logcdf)
def gumbel_r_logcdf(x, loc=0.0, scale=1.0):
    return -np.exp((loc - x) / scale)


@source_for(stats.gumbel_r.sf)
def gumbel_r_sf(x, loc=0.0, scale=1.0):
    return -np.expm1(stats.gumbel_r.logcdf(x, loc, scale))


@source_for(stats.gumbel_r.logsf)
def gumbel_r_logsf(x, loc=0.0, scale=1.0):
    return np.log(stats.gumbel_r.sf(x, loc, scale))


# ---------------------------------------------------------------- uniform

@source_for(stats.uniform.logpdf)
def uniform_logpdf(x, loc=0.0, scale=1.0):
    """-log(scale) on [loc, loc + scale], -inf outside (its derivative there: 0)."""
    z = (x - loc) / scale
    return np.where((z >= 0.0) & (z <= 1.0), -np.log(scale), -np.inf)


@source_for(stats.uniform.pdf)
def uniform_pdf(x, loc=0.0, scale=1.0):
    return np.exp(stats.uniform.logpdf(x, loc, scale))


@source_for(stats.uniform.cdf)
def uniform_cdf(x, loc=0.0, scale=1.0):
    return np.clip((x - loc) / scale, 0.0, 1.0)


@source_for(stats.uniform.logcdf)
def uniform_logcdf(x, loc=0.0, scale=1.0):
    return np.log(stats.uniform.cdf(x, loc, scale))


# ---------------------------------------------------------------- counts

@source_for(stats.poisson.logpmf)
def poisson_logpmf(k, mu, loc=0):
    n = k - loc
    return special.xlogy(n, mu) - special.gammaln(n + 1.0) - mu


@source_for(stats.poisson.pmf)
def poisson_pmf(k, mu, loc=0):
    return np.exp(stats.poisson.logpmf(k, mu, loc))


@source_for(stats.poisson.cdf)
def poisson_cdf(k, mu, loc=0):
    """pdtr(floor(k), mu) = gammaincc(floor(k) + 1, mu): differentiated in mu."""
    return special.gammaincc(np.floor(k - loc) + 1.0, mu)


@source_for(stats.poisson.logcdf)
def poisson_logcdf(k, mu, loc=0):
    return np.log(stats.poisson.cdf(k, mu, loc))


@source_for(stats.poisson.sf)
def poisson_sf(k, mu, loc=0):
    return special.gammainc(np.floor(k - loc) + 1.0, mu)


@source_for(stats.poisson.logsf)
def poisson_logsf(k, mu, loc=0):
    return np.log(stats.poisson.sf(k, mu, loc))


@source_for(stats.binom.logpmf)
def binom_logpmf(k, n, p, loc=0):
    m = k - loc
    return special.gammaln(n + 1.0) - special.gammaln(m + 1.0) - special.gammaln(n - m + 1.0) \
        + special.xlogy(m, p) + special.xlog1py(n - m, -p)


@source_for(stats.binom.pmf)
def binom_pmf(k, n, p, loc=0):
    return np.exp(stats.binom.logpmf(k, n, p, loc))


@source_for(stats.nbinom.logpmf)
def nbinom_logpmf(k, n, p, loc=0):
    m = k - loc
    return special.gammaln(m + n) - special.gammaln(n) - special.gammaln(m + 1.0) \
        + special.xlogy(n, p) + special.xlog1py(m, -p)


@source_for(stats.nbinom.pmf)
def nbinom_pmf(k, n, p, loc=0):
    return np.exp(stats.nbinom.logpmf(k, n, p, loc))


# ---------------------------------------------------------------- multivariate normal

@source_for(stats.multivariate_normal.logpdf)
def multivariate_normal_logpdf(x, mean, cov=1, allow_singular=False):
    """mean (k,), which gives the dimension k (SciPy's default, None, guesses it:
    not taken here); x one point (k,) or points (n, k), or for k = 1 any array of
    points; cov a (k, k) matrix, its diagonal (k,), or a number times the identity."""
    k = np.size(mean)
    if k == 1 and np.shape(x)[-1:] != (1,):
        x = np.expand_dims(x, -1)  # each entry a point, as SciPy takes them
    if np.ndim(cov) == 0:
        cov = cov * np.eye(k)
    elif np.ndim(cov) == 1:
        cov = np.diag(cov)
    r = x - mean
    solved = np.linalg.solve(cov, r.T).T
    squared_distance = np.sum(r * solved, axis=-1)
    sign, logdet = np.linalg.slogdet(cov)
    return -0.5 * (squared_distance + logdet + np.shape(cov)[-1] * LOG_2PI)


@source_for(stats.multivariate_normal.pdf)
def multivariate_normal_pdf(x, mean, cov=1, allow_singular=False):
    return np.exp(stats.multivariate_normal.logpdf(x, mean, cov))
