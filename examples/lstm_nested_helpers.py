"""An LSTM written the autograd way: helpers nested in the loss, closing over its
parameters, and a generator that walks the sequence. s2sad inlines the nested
functions and the generator into the loss (see docs/supported_python.md, "Calls to
Python functions"), so their derivatives flow into the parameters they read.

The network learns to predict the next value of a noisy sine wave.

    python examples/lstm_nested_helpers.py [--quick]
"""
import sys

import numpy as np

import s2sad

GATES = ("change", "forget", "ingate", "outgate")


def init_params(rng, inputs=1, hidden=8, outputs=1, scale=0.3):
    params = {gate: rng.normal(size=(inputs + hidden + 1, hidden)) * scale for gate in GATES}
    params["predict"] = rng.normal(size=(hidden + 1, outputs)) * scale
    params["init_hiddens"] = rng.normal(size=(1, hidden)) * scale
    params["init_cells"] = rng.normal(size=(1, hidden)) * scale
    return params


def lstm_loss(params, inputs, targets):
    """Mean squared error of the next-step predictions; inputs and targets have
    shape (time, batch, 1)."""
    batch = inputs.shape[1]
    ones = np.ones((batch, 1))

    def sigmoid(z):
        return 0.5 * (np.tanh(z) + 1.0)

    def gate(weights, x, hiddens):
        return np.concatenate([x, hiddens, ones], axis=1) @ weights

    def update_lstm(x, hiddens, cells):
        change = np.tanh(gate(params["change"], x, hiddens))
        forget = sigmoid(gate(params["forget"], x, hiddens))
        ingate = sigmoid(gate(params["ingate"], x, hiddens))
        outgate = sigmoid(gate(params["outgate"], x, hiddens))
        cells = cells * forget + ingate * change
        return outgate * np.tanh(cells), cells

    def predict(hiddens):
        return np.concatenate([hiddens, ones], axis=1) @ params["predict"]

    def steps(sequence, expected):
        for t in range(sequence.shape[0]):
            yield sequence[t], expected[t]

    hiddens = np.repeat(params["init_hiddens"], batch, axis=0)
    cells = np.repeat(params["init_cells"], batch, axis=0)
    total = 0.0
    for x, target in steps(inputs, targets):
        hiddens, cells = update_lstm(x, hiddens, cells)
        total = total + np.mean((predict(hiddens) - target) ** 2)
    return total / inputs.shape[0]


def sine_batches(rng, time, batch):
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(1, batch, 1))
    t = np.arange(time + 1)[:, None, None] * 0.4
    wave = np.sin(t + phase) + 0.05 * rng.normal(size=(time + 1, batch, 1))
    return wave[:-1], wave[1:]


def main(quick=False):
    rng = np.random.default_rng(1)
    params = init_params(rng, hidden=4 if quick else 8)
    inputs, targets = sine_batches(rng, 10 if quick else 25, 8 if quick else 32)
    dloss = s2sad.grad(lstm_loss)
    steps, rate = (60, 0.5) if quick else (400, 0.5)
    losses = []
    for step in range(steps + 1):
        if step % (steps // 4) == 0:
            losses.append(lstm_loss(params, inputs, targets))
            print(f"step {step:4d}  loss {losses[-1]:.4f}")
        grads = dloss(params, inputs, targets)
        params = {key: params[key] - rate * grads[key] for key in params}
    return {"losses": losses, "params": params, "inputs": inputs, "targets": targets,
            "dloss": dloss}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
