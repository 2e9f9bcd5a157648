"""Black-box variational inference with scipy.stats, and the exact answer to
compare with.

Model: data x_i ~ N(z, 1), prior z ~ N(0, 10^2). The approximation
q(z) = N(m, s^2) is fitted by maximizing the evidence lower bound

    ELBO(m, s) = E_q[ log p(x | z) + log p(z) - log q(z) ],

estimated by Monte Carlo with the reparametrization z = m + s * eps. Every log
density is a `scipy.stats.norm.logpdf` call; s2sad differentiates them through
stand-ins written with NumPy (s2sad/rules/scipy_stats.py). The model is
conjugate, so the exact posterior is Gaussian, and the fitted q should find it.
Needs SciPy.

    python examples/variational_inference.py [--quick]
"""
import sys

import numpy as np
from scipy import stats

import s2sad

PRIOR_SCALE = 10.0


def negative_elbo(mean, log_scale, noise, data):
    """-ELBO estimated with the standard normal draws `noise` (one per row of z)."""
    scale = np.exp(log_scale)
    z = mean + scale * noise
    log_lik = np.sum(stats.norm.logpdf(data[None, :], z[:, None], 1.0), axis=1)
    log_prior = stats.norm.logpdf(z, 0.0, PRIOR_SCALE)
    log_q = stats.norm.logpdf(z, mean, scale)
    return -np.mean(log_lik + log_prior - log_q)


def exact_posterior(data):
    variance = 1.0 / (1.0 / PRIOR_SCALE ** 2 + len(data))
    return variance * np.sum(data), np.sqrt(variance)


def main(quick=False):
    rng = np.random.default_rng(7)
    data = rng.normal(2.0, 1.0, 30)
    samples, steps = (64, 300) if quick else (256, 1500)

    grad = s2sad.grad(negative_elbo, wrt=("mean", "log_scale"), verbose=1)
    s2sad.check_grads(negative_elbo, 0.0, 0.0, rng.normal(size=samples), data, wrt=(0, 1))
    print("gradient checked against finite differences: OK\n")

    mean, log_scale = 0.0, 0.0
    learning_rate = 0.02
    trace = []
    for step in range(steps + 1):
        noise = rng.normal(size=samples)        # fresh draws each step
        g_mean, g_log_scale = grad(mean, log_scale, noise, data)
        mean -= learning_rate * g_mean
        log_scale -= learning_rate * g_log_scale
        if step % (steps // 5) == 0:
            trace.append((step, mean, float(np.exp(log_scale))))
            print(f"step {step:5d}: q = N({mean:.3f}, {np.exp(log_scale):.3f}^2)")

    exact_mean, exact_scale = exact_posterior(data)
    print(f"\nfitted posterior N({mean:.3f}, {np.exp(log_scale):.3f}^2)")
    print(f"exact posterior  N({exact_mean:.3f}, {exact_scale:.3f}^2)")
    return {"mean": mean, "scale": float(np.exp(log_scale)), "exact_mean": exact_mean,
            "exact_scale": exact_scale, "trace": trace}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
