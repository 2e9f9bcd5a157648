"""Programs written the way autograd and JAX users write them (issue 15): loops over
layers of different shapes, container parameters read by several calls, second
derivatives through loops that break. Every leaf against finite differences, in
reverse mode and (on a random tangent) in forward mode."""
import numpy as np
import pytest

from test_containers import check_container_gradient

RNG = np.random.default_rng(15)


# ------------------------------------------------------------ shapes change per iteration

def predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def mlp_loss(params, inputs, targets):
    return np.sum((predict(params, inputs) - targets) ** 2)


def sum_after_the_loop(params, x):
    for W, b in params:
        h = np.tanh(x * W + b)
        x = h
    return np.sum(h)


def while_over_layers(Ws, x):
    i = 0
    while i < len(Ws):
        h = np.dot(x, Ws[i])
        x = np.tanh(h)
        i += 1
    return np.sum(h * h)


def layers_repeated(Ws, x):
    s = 0.0
    for rep in range(2):
        z = x
        for W in Ws:
            h = np.dot(z, W)
            z = np.sin(h)
        s = s + np.sum(h) * (rep + 1.0)
    return s


def layers_until_large(Ws, x):
    for W in Ws:
        h = np.dot(x, W)
        x = np.tanh(h)
        if np.sum(h) > 100.0:
            break
    return np.sum(h ** 2)


def layers_collected(Ws, x):
    hs = []
    for W in Ws:
        h = np.dot(x, W)
        hs.append(h)
        x = np.tanh(h)
    return np.sum(hs[0]) + np.sum(hs[-1] ** 2)


def layer_in_a_branch(Ws, x):
    for W in Ws:
        if np.sum(x) > 0:
            h = np.dot(x, W)
        else:
            h = np.dot(x * 2.0, W)
        x = np.cos(h)
    return np.sum(h)


def two_locals_read_after(params, x):
    for i, (W, b) in enumerate(params):
        a = np.dot(x, W) * (i + 1.0)
        h = a + b
        x = np.tanh(h)
    return np.sum(a) + np.sum(h ** 2)


LAYERS = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)),
          (RNG.normal(size=(4, 2)), RNG.normal(size=2))]
WEIGHTS = [RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=(2, 5))]
BATCH = RNG.normal(size=(5, 3))
# the shapes broadcast against each other: a wrongly shaped zero went unnoticed
BROADCASTING = [(RNG.normal(size=3), 0.5), (RNG.normal(size=(2, 3)), RNG.normal(size=3))]


@pytest.mark.parametrize("f, args", [
    (mlp_loss, (LAYERS, BATCH, RNG.normal(size=(5, 2)))),
    (sum_after_the_loop, (BROADCASTING, np.array([0.3]))),
    (while_over_layers, (WEIGHTS, BATCH)),
    (layers_repeated, (WEIGHTS, BATCH)),
    (layers_until_large, (WEIGHTS, BATCH)),
    (layers_collected, (WEIGHTS, BATCH)),
    (layer_in_a_branch, (WEIGHTS, BATCH)),
    (two_locals_read_after, (LAYERS, BATCH)),
], ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("index", [0, 1])
def test_loops_whose_variables_change_shape(f, args, index):
    check_container_gradient(f, args, index)
