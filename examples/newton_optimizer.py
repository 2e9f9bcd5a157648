"""Newton's method with s2sad Hessians, on the Rosenbrock function.

Rosenbrock's banana-shaped valley, f(x) = sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,
has its minimum f = 0 at x = (1, ..., 1) and is notoriously slow for gradient
descent. Newton's method uses the Hessian: each step solves H p = -g, with g
from `s2sad.grad` and H from `s2sad.hessian` (forward mode over the reverse-mode
gradient, one Hessian-vector product per column). A backtracking line search
keeps every step downhill.

The Hessian is checked against the hand-derived one (scipy.optimize.rosen_hess
gives the same), and the gradient against finite differences.

    python examples/newton_optimizer.py [--quick]
"""
import sys

import numpy as np

import s2sad


def rosenbrock(x):
    """Rosenbrock's function of the vector x."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    """The Hessian by hand, for the check."""
    n = x.size
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i + 1, i + 1] += 200.0
        H[i, i + 1] -= 400.0 * x[i]
        H[i + 1, i] -= 400.0 * x[i]
    return H


def newton(x, tolerance=1e-10, max_steps=100, verbose=True):
    gradient = s2sad.grad(rosenbrock)
    hessian = s2sad.hessian(rosenbrock)
    history = [rosenbrock(x)]
    for step in range(max_steps):
        g = gradient(x)
        if np.linalg.norm(g) < tolerance:
            break
        H = hessian(x)
        p = np.linalg.solve(H, -g)
        if g @ p >= 0.0:        # H not positive definite here: go downhill instead
            p = -g
        t, f = 1.0, history[-1]
        while rosenbrock(x + t * p) > f + 1e-4 * t * (g @ p):
            t = t / 2.0
        x = x + t * p
        history.append(rosenbrock(x))
        if verbose:
            print(f"{step:4d}   f = {history[-1]:.3e}   |g| = {np.linalg.norm(g):.2e}   "
                  f"step length {t:g}")
    return x, history


def gradient_descent_steps(x, target, learning_rate=1e-3, max_steps=100000):
    """How many fixed-step gradient descent steps it takes to get f below target."""
    gradient = s2sad.grad(rosenbrock)
    for step in range(max_steps):
        if rosenbrock(x) < target:
            return step
        x = x - learning_rate * gradient(x)
    return max_steps


def main(quick=False):
    start = np.array([-1.2, 1.0])

    H = s2sad.hessian(rosenbrock)(start)
    print(f"s2sad Hessian at {start}:\n{H}")
    print(f"differs from the hand-derived one by {np.max(np.abs(H - rosenbrock_hessian(start))):.1e}")
    s2sad.check_grads(rosenbrock, start)
    print("gradient checked against finite differences: OK\n")

    print(f"Newton's method from {start}:")
    x, history = newton(start)
    print(f"minimum found at {x}, f = {history[-1]:.2e}, after {len(history) - 1} steps\n")

    budget = 2000 if quick else 20000
    steps = gradient_descent_steps(start, 1e-4, max_steps=budget)
    print(f"gradient descent (step 1e-3) needs {'more than ' if steps == budget else ''}"
          f"{steps} steps just to get f below 1e-4")

    # In 4 dimensions Rosenbrock's function has a second, local minimum; which one
    # Newton's method finds depends on where it starts.
    hessian4 = s2sad.hessian(rosenbrock)
    found = []
    for start4 in (np.zeros(4), np.array([-1.2, 1.0, 1.0, 1.0])):
        x4, history4 = newton(start4, verbose=False)
        eigenvalues = np.linalg.eigvalsh(hessian4(x4))
        found.append((x4, history4[-1], eigenvalues))
        print(f"\n4 dimensions, from {start4}: {len(history4) - 1} Newton steps to\n"
              f"   x = {np.round(x4, 6)}, f = {history4[-1]:.6g}\n"
              f"   Hessian eigenvalues {', '.join(f'{e:.4g}' for e in eigenvalues)} "
              + ("(all positive: a minimum)" if np.all(eigenvalues > 0.0) else
                 "(not all positive: not a minimum)"))
    return {"x": x, "history": history, "gd_steps": steps, "budget": budget, "found4": found,
            "hessian_error": float(np.max(np.abs(H - rosenbrock_hessian(start))))}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
