"""A small network whose parameters live in a dict, trained with s2sad gradients.

The gradient comes back as a dict with the same keys, so the update is a dict
comprehension outside the differentiated function.

    python examples/dict_params_mlp.py [--quick]
"""
import sys

import numpy as np

import s2sad


def predict(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def loss(params, x, y):
    """Mean squared error of the network on inputs x and targets y."""
    return np.mean((predict(params, x) - y) ** 2)


def init(rng, sizes=(1, 16, 1)):
    return {"W1": rng.normal(size=sizes[:2]) * 0.8, "b1": np.zeros(sizes[1]),
            "W2": rng.normal(size=sizes[1:]) * 0.3, "b2": np.zeros(sizes[2])}


def main(quick=False):
    rng = np.random.default_rng(0)
    x = np.linspace(-2.0, 2.0, 64 if quick else 200)[:, None]
    y = np.sin(2.0 * x)
    params = init(rng)
    dloss = s2sad.grad(loss)
    grads = dloss(params, x, y)
    print("gradient keys:", sorted(grads), "shapes:",
          {k: g.shape for k, g in sorted(grads.items())})

    steps, lr = (300, 0.05) if quick else (2000, 0.05)
    losses = []
    for step in range(steps + 1):
        g = dloss(params, x, y)
        if step % (steps // 5) == 0:
            losses.append(loss(params, x, y))
            print(f"step {step:5d}  loss {losses[-1]:.4f}")
        params = {k: params[k] - lr * g[k] for k in params}
    return {"losses": losses, "grads": grads, "params": params}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
