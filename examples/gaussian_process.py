"""Gaussian-process regression: fit the kernel's hyperparameters by maximizing
the marginal likelihood, with gradients s2sad writes through SciPy's Cholesky.

The negative log marginal likelihood of targets y under a zero-mean GP with a
squared-exponential kernel is

    0.5 y^T K^-1 y + 0.5 log det K + n/2 log 2 pi,    K = k(x, x) + noise^2 I.

It is computed the standard way, with a Cholesky factor (scipy.linalg.cholesky),
a solve with it (scipy.linalg.cho_solve) and the log-determinant from its
diagonal. s2sad differentiates all three (the rules are in s2sad/rules/). The
hyperparameters are optimized in log space by gradient descent with a
backtracking step, from data drawn with known ones. Needs SciPy.

    python examples/gaussian_process.py [--quick]
"""
import sys

import numpy as np
from scipy import linalg

import s2sad

LOG_2PI = np.log(2.0 * np.pi)


def kernel(log_length, log_signal, x):
    diff = x[:, None] - x[None, :]
    return np.exp(2.0 * log_signal) * np.exp(-0.5 * diff * diff / np.exp(2.0 * log_length))


def nll(params, x, y):
    """Negative log marginal likelihood; params = (log length, log signal, log noise)."""
    k = kernel(params[0], params[1], x) + np.exp(2.0 * params[2]) * np.eye(len(x))
    factor = linalg.cholesky(k, lower=True)
    alpha = linalg.cho_solve((factor, True), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(factor))) + 0.5 * len(x) * LOG_2PI


def make_data(n, rng, truth):
    x = np.sort(rng.uniform(-5.0, 5.0, n))
    k = kernel(truth[0], truth[1], x) + np.exp(2.0 * truth[2]) * np.eye(n)
    y = np.linalg.cholesky(k) @ rng.normal(size=n)
    return x, y


def descend(dnll, params, x, y, steps):
    """Gradient descent, halving the step until the objective goes down."""
    step, history = 0.05, []
    value = nll(params, x, y)
    for _ in range(steps):
        gradient = dnll(params, x, y)
        history.append((value, float(np.linalg.norm(gradient))))
        while step > 1e-10:
            candidate = params - step * gradient
            new_value = nll(candidate, x, y)
            if new_value < value:
                params, value, step = candidate, new_value, step * 1.5
                break
            step *= 0.5
    return params, history


def main(quick=False):
    rng = np.random.default_rng(3)
    truth = np.log(np.array([1.0, 1.5, 0.1]))   # length scale, signal, noise
    x, y = make_data(40 if quick else 120, rng, truth)

    dnll = s2sad.grad(nll, verbose=1)
    start = np.log(np.array([3.0, 0.5, 0.5]))
    s2sad.check_grads(nll, start, x, y)
    print("gradient checked against finite differences: OK\n")

    params, history = descend(dnll, start, x, y, 150 if quick else 400)
    print(" step       nll   |gradient|")
    for i in range(0, len(history), max(len(history) // 6, 1)):
        print(f"{i:5d}  {history[i][0]:8.3f}   {history[i][1]:9.2e}")
    fitted = np.exp(params)
    print(f"\nfitted length {fitted[0]:.2f}, signal {fitted[1]:.2f}, noise {fitted[2]:.3f}")
    print(f"true   length {np.exp(truth[0]):.2f}, signal {np.exp(truth[1]):.2f}, "
          f"noise {np.exp(truth[2]):.3f}")
    return {"history": history, "params": params, "truth": truth,
            "final_gradient": dnll(params, x, y), "x": x, "y": y}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
