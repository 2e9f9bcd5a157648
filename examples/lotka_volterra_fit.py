"""Fit the four rates of a Lotka-Volterra predator-prey model to noisy counts,
with gradients through scipy.integrate.odeint by the adjoint method.

The model, for prey u and predators v:

    du/dt = alpha u - beta u v,        dv/dt = delta u v - gamma v.

The loss is the squared error of the log counts at the observation times. The
rates are fitted in log space with scipy.optimize.minimize (L-BFGS-B), whose
gradient s2sad writes: the derivative solves the adjoint ODE backwards in
time, and the right-hand side's own derivative is generated from its source
(s2sad/rules/scipy_integrate.py). The data are drawn from known rates, which
the fit should recover. Needs SciPy.

    python examples/lotka_volterra_fit.py [--quick]
"""
import sys

import numpy as np
from scipy.integrate import odeint
from scipy.optimize import minimize

import s2sad

TRUE_RATES = np.array([1.0, 0.1, 0.075, 1.5])   # alpha, beta, delta, gamma
START = np.array([10.0, 5.0])                    # prey, predators at t = 0


def predator_prey(y, t, rates):
    prey, predators = y[0], y[1]
    alpha, beta, delta, gamma = rates[0], rates[1], rates[2], rates[3]
    return np.array([alpha * prey - beta * prey * predators,
                     delta * prey * predators - gamma * predators])


def loss(log_rates, times, log_counts):
    """Squared error of the log counts the model predicts at `times`."""
    rates = np.exp(log_rates)
    ys = odeint(predator_prey, START, times, args=(rates,), rtol=1e-9, atol=1e-9)
    return np.sum((np.log(ys[1:]) - log_counts) ** 2)


def synthetic_data(rng, count, noise=0.05):
    times = np.linspace(0.0, 8.0, count + 1)
    counts = odeint(predator_prey, START, times, args=(TRUE_RATES,), rtol=1e-10, atol=1e-10)
    return times, np.log(counts[1:]) + noise * rng.normal(size=(count, 2))


def main(quick=False):
    rng = np.random.default_rng(16)
    times, log_counts = synthetic_data(rng, 20 if quick else 60)
    grad = s2sad.grad(loss)
    print(s2sad.source(grad))

    guess = np.log(TRUE_RATES * np.array([1.15, 0.9, 1.1, 0.9]))
    # finite differences with a step the solver's own error (1e-9) does not swamp
    s2sad.check_grads(loss, guess, times, log_counts, wrt=(0,), rtol=1e-4, eps=1e-4)
    print("gradient checked against finite differences: OK\n")

    fit = minimize(loss, guess, args=(times, log_counts), jac=grad, method="L-BFGS-B")
    rates = np.exp(fit.x)
    for name, found, true in zip(("alpha", "beta", "delta", "gamma"), rates, TRUE_RATES):
        print(f"{name:>5}: fitted {found:.4f}, true {true:.4f}")
    print(f"loss {loss(guess, times, log_counts):.4f} -> {fit.fun:.4f} "
          f"in {fit.nit} iterations")
    return {"rates": rates, "true_rates": TRUE_RATES, "loss": fit.fun,
            "start_loss": loss(guess, times, log_counts)}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
