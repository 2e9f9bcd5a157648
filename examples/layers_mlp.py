"""An autograd-style network: parameters are a list of (W, b) pairs, one per layer,
and the forward pass loops over them, so `inputs` and `outputs` change shape from
one layer to the next. The objective passes the same list to two functions (the
prediction and an L2 penalty); their gradients add up layer by layer.

    python examples/layers_mlp.py [--quick]
"""
import sys

import numpy as np

import s2sad


def init_random_params(scale, layer_sizes, rs):
    """[(weights, biases)] for each pair of consecutive layer sizes."""
    return [(scale * rs.randn(m, n), scale * rs.randn(n))
            for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def l2_norm(params):
    total = 0.0
    for W, b in params:
        total = total + np.sum(W ** 2) + np.sum(b ** 2)
    return total


def objective(params, inputs, targets, l2):
    residual = neural_net_predict(params, inputs) - targets
    return np.mean(residual ** 2) + l2 * l2_norm(params)


def main(quick=False):
    rs = np.random.RandomState(0)
    inputs = np.linspace(-2.0, 2.0, 40 if quick else 120)[:, None]
    targets = np.sin(2.0 * inputs) * np.exp(-0.2 * inputs ** 2)
    params = init_random_params(0.5, [1, 12, 8, 1], rs)
    gradient = s2sad.grad(objective)
    print(s2sad.source(gradient))
    first = gradient(params, inputs, targets, 1e-4)
    print("gradient shapes:", [(np.shape(gW), np.shape(gb)) for gW, gb in first])

    steps, rate = (400, 0.1) if quick else (3000, 0.1)
    losses = []
    for step in range(steps + 1):
        if step % (steps // 4) == 0:
            losses.append(objective(params, inputs, targets, 1e-4))
            print(f"step {step:5d}  objective {losses[-1]:.5f}")
        grads = gradient(params, inputs, targets, 1e-4)
        params = [(W - rate * gW, b - rate * gb) for (W, b), (gW, gb) in zip(params, grads)]
    return {"losses": losses, "first_gradient": first}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
