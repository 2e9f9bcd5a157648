"""Random draws whose distribution's parameters carry derivatives: the pathwise
(reparameterization) derivative, the one finite differences see when they draw
the same numbers. A location-scale draw is `loc + scale * z`, z drawn apart from
them: d/d loc = 1, d/d scale = z = (y - loc) / scale. `uniform(low, high)` is
`low + (high - low) * u`, `exponential(scale)` is `scale * e`, `lognormal(mean,
sigma)` is `exp(mean + sigma * z)`.

The rules serve np.random's functions and the methods of every RandomState and
Generator (registry.py keys a generator's method by its class). Draws of other
families with differentiable parameters (gamma's shape, beta, choice or
permutation of an array) have no rule, so s2sad refuses them at their line;
integer draws are piecewise constant in their parameters (nondifferentiable.py).
"""
import numpy as np

from ..registry import adjoint, advise, d, tangent
from ..runtime import expand, unbroadcast

_GENERATORS = (np.random.RandomState, np.random.Generator)


def methods(name: str) -> tuple:
    """np.random's function `name` and the methods of that name of both generators."""
    return tuple(getattr(kind, name) for kind in _GENERATORS)


def standardized(y, loc, scale):
    """z with y = loc + scale * z (nan where scale is 0: z is not in y there)."""
    return (y - loc) / scale


@adjoint(*methods("normal"), *methods("laplace"), *methods("logistic"), *methods("gumbel"))
def location_scale(y, loc=0.0, scale=1.0, size=None):
    d[loc] = unbroadcast(d[y], loc)
    d[scale] = unbroadcast(d[y] * standardized(y, loc, scale), scale)


@tangent(*methods("normal"), *methods("laplace"), *methods("logistic"), *methods("gumbel"))
def location_scale_tangent(y, loc=0.0, scale=1.0, size=None):
    d[y] = expand(d[loc] + d[scale] * standardized(y, loc, scale), y)


@adjoint(*methods("uniform"))
def uniform(y, low=0.0, high=1.0, size=None):
    u = standardized(y, low, high - low)
    d[low] = unbroadcast(d[y] * (1.0 - u), low)
    d[high] = unbroadcast(d[y] * u, high)


@tangent(*methods("uniform"))
def uniform_tangent(y, low=0.0, high=1.0, size=None):
    u = standardized(y, low, high - low)
    d[y] = expand(d[low] * (1.0 - u) + d[high] * u, y)


@adjoint(*methods("exponential"))
def exponential(y, scale=1.0, size=None):
    d[scale] = unbroadcast(d[y] * y / scale, scale)


@tangent(*methods("exponential"))
def exponential_tangent(y, scale=1.0, size=None):
    d[y] = expand(d[scale] * y / scale, y)


@adjoint(*methods("lognormal"))
def lognormal(y, mean=0.0, sigma=1.0, size=None):
    d[mean] = unbroadcast(d[y] * y, mean)
    d[sigma] = unbroadcast(d[y] * y * standardized(np.log(y), mean, sigma), sigma)


@tangent(*methods("lognormal"))
def lognormal_tangent(y, mean=0.0, sigma=1.0, size=None):
    d[y] = expand(y * (d[mean] + d[sigma] * standardized(np.log(y), mean, sigma)), y)


# a permutation of an array that carries derivatives (rng.permutation(w), or
# rng.shuffle(w), which s2sad spells with it) has no rule: say what does
advise("permute positions instead, which indexing differentiates: "
       "`order = rng.permutation(len(w)); w = w[order]`.",
       ("method", "permutation"), *methods("permutation"))
