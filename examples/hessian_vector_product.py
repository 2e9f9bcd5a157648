"""Hessian-vector products of a small neural network's loss.

`s2sad.hvp(f, wrt)` is forward mode applied to the reverse-mode gradient
(forward over reverse): H @ v for the cost of about two gradients, without ever
forming H. This script

1. checks HVPs of a one-hidden-layer MLP's loss against central finite
   differences of the gradient, (g(w + eps v) - g(w - eps v)) / (2 eps), for
   each parameter array;
2. finds the largest-magnitude Hessian eigenvalue of the first layer's weights
   by power iteration, using only HVPs, and compares it with the eigenvalues of
   the full Hessian from `s2sad.hessian` (one HVP per column).

    python examples/hessian_vector_product.py [--quick]
"""
import sys

import numpy as np

import s2sad

PARAMETERS = ("W1", "b1", "w2", "b2")


def mlp_loss(W1, b1, w2, b2, X, y):
    """Mean squared error of a tanh network with one hidden layer."""
    h = np.tanh(X @ W1 + b1)
    # h @ w2, written as a product and a sum: at the time of writing, second
    # derivatives (hvp, hessian) of `@` with a 1-D operand fail in s2sad when the
    # other operand carries a derivative (first derivatives are fine).
    prediction = np.sum(h * w2, axis=1) + b2
    return np.mean((prediction - y) ** 2)


def make_problem(rng, n_in=3, n_hidden=5, n_samples=64):
    X = rng.normal(size=(n_samples, n_in))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]
    params = [rng.normal(size=(n_in, n_hidden)) * 0.7, rng.normal(size=n_hidden) * 0.1,
              rng.normal(size=n_hidden) * 0.7, 0.0]
    return params, X, y


def finite_difference_hvp(gradient, args, index, v, eps=1e-5):
    plus, minus = list(args), list(args)
    plus[index] = args[index] + eps * v
    minus[index] = args[index] - eps * v
    return (gradient(*plus) - gradient(*minus)) / (2.0 * eps)


def power_iteration(product, shape, rng, iterations):
    """The largest-magnitude eigenvalue of a symmetric operator given as v -> H v."""
    v = rng.normal(size=shape)
    v = v / np.linalg.norm(v)
    eigenvalue = 0.0
    for _ in range(iterations):
        w = product(v)
        eigenvalue = float(np.sum(v * w))
        v = w / np.linalg.norm(w)
    return eigenvalue


def main(quick=False):
    rng = np.random.default_rng(0)
    params, X, y = make_problem(rng)
    args = (*params, X, y)

    print("1. H v against finite differences of the gradient")
    errors = {}
    for index, name in enumerate(PARAMETERS):
        hvp = s2sad.hvp(mlp_loss, wrt=index)
        gradient = s2sad.grad(mlp_loss, wrt=index)
        v = rng.normal(size=np.shape(args[index]))
        if np.ndim(args[index]) == 0:
            v = float(v)
        exact = hvp(*args, v)
        approximate = finite_difference_hvp(gradient, args, index, v)
        errors[name] = float(np.max(np.abs(exact - approximate)))
        print(f"   {name}: shape {str(np.shape(args[index])):7}  "
              f"max |H v| = {np.max(np.abs(exact)):.4f}  "
              f"max difference {errors[name]:.1e}")

    print("\n2. the largest Hessian eigenvalue for W1, by power iteration on HVPs")
    hvp_W1 = s2sad.hvp(mlp_loss, wrt=0)
    iterations = 100 if quick else 300
    estimate = power_iteration(lambda v: hvp_W1(*args, v), params[0].shape, rng, iterations)
    H = s2sad.hessian(mlp_loss, wrt=0)(*args)
    n = params[0].size
    matrix = H.reshape(n, n)
    eigenvalues = np.linalg.eigvalsh(matrix)
    largest = eigenvalues[np.argmax(np.abs(eigenvalues))]
    print(f"   power iteration ({iterations} HVPs): {estimate:.8f}")
    print(f"   full Hessian ({n} HVPs, shape {H.shape}): {largest:.8f}")
    print(f"   the Hessian is symmetric to {np.max(np.abs(matrix - matrix.T)):.1e}; "
          f"eigenvalues from {eigenvalues[0]:.4f} to {eigenvalues[-1]:.4f}")
    return {"errors": errors, "estimate": estimate, "largest": largest,
            "asymmetry": float(np.max(np.abs(matrix - matrix.T)))}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
