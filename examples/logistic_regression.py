"""Logistic regression trained by gradient descent on s2sad gradients.

The loss is written once, as plain NumPy; s2sad writes its gradient (printed
below). Synthetic data come from a known linear model, so we can compare the
fitted weights with the true ones and the accuracy with that of the true model.

    python examples/logistic_regression.py [--quick]
"""
import sys

import numpy as np

import s2sad


def log_sigmoid(z):
    """log(1 / (1 + exp(-z))), without overflow for large |z|."""
    return -np.logaddexp(0.0, -z)


def loss(w, b, X, y):
    """Mean negative log-likelihood of the labels y (0 or 1) under weights w, bias b."""
    z = X @ w + b
    return -np.mean(y * log_sigmoid(z) + (1.0 - y) * log_sigmoid(-z))


def accuracy(w, b, X, y):
    return float(np.mean((X @ w + b > 0.0) == (y > 0.5)))


def make_data(n, rng):
    w_true = np.array([3.0, -2.0, 1.0])
    b_true = 0.5
    X = rng.normal(size=(n, w_true.size))
    p = 1.0 / (1.0 + np.exp(-(X @ w_true + b_true)))
    y = (rng.random(n) < p).astype(float)
    return X, y, w_true, b_true


def main(quick=False):
    rng = np.random.default_rng(0)
    X, y, w_true, b_true = make_data(300 if quick else 2000, rng)
    steps = 150 if quick else 400

    dloss = s2sad.grad(loss, wrt=("w", "b"), verbose=1)
    s2sad.check_grads(loss, rng.normal(size=3), 0.1, X, y, wrt=(0, 1))
    print("gradient checked against finite differences: OK\n")

    w, b = np.zeros(3), 0.0
    losses = []
    print(" step      loss   accuracy")
    for step in range(steps + 1):
        gw, gb = dloss(w, b, X, y)
        if step % (steps // 5) == 0:
            losses.append(loss(w, b, X, y))
            print(f"{step:5d}  {losses[-1]:8.4f}   {accuracy(w, b, X, y):8.3f}")
        w = w - 1.0 * gw
        b = b - 1.0 * gb

    print(f"\nfitted weights {np.round(w, 2)}, bias {b:.2f}")
    print(f"true weights   {w_true}, bias {b_true:.2f}")
    print(f"accuracy {accuracy(w, b, X, y):.3f} (the true model: "
          f"{accuracy(w_true, b_true, X, y):.3f})")
    return {"losses": losses, "w": w, "b": b, "w_true": w_true, "b_true": b_true,
            "accuracy": accuracy(w, b, X, y), "true_accuracy": accuracy(w_true, b_true, X, y)}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
