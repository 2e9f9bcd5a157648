"""A vanilla tanh RNN, with gradient clipping inserted into the backward pass.

The task: read a stream of random numbers and output, at each step, the number
seen DELAY steps earlier. The loss is a plain loop over time steps; s2sad
differentiates it (backpropagation through time).

Inside the loop, `with s2sad.insert_grad_of(h) as g:` holds code that runs in
the *backward* pass: there `g` is the adjoint of the hidden state `h` at that
time step (the derivative of the loss with respect to it), and what the block
leaves in `g` replaces it. Here the block clips the adjoint's norm, the classic
remedy for exploding gradients in RNNs. Called as plain Python the block does
nothing, so `rnn_loss` is still just the loss.

The recurrent weights start as twice an orthogonal matrix, which makes the
gradient explode: it grows exponentially with the length of the sequence,
unless the hidden state's adjoint is clipped.

    python examples/rnn_gradient_clipping.py [--quick]
"""
import sys

import numpy as np

import s2sad

HIDDEN = 16
DELAY = 2
MAX_NORM = 0.1        # the largest norm the hidden state's adjoint may have
LEARNING_RATE = 0.1


def clip_by_norm(g, max_norm, norms):
    """`g` scaled down to norm `max_norm` if it is longer; records its norm."""
    norm = np.sqrt(np.sum(g * g))
    norms.append(norm)
    if norm > max_norm:
        g = g * (max_norm / norm)
    return g


def rnn_loss(Wx, Wh, b, Wy, c, xs, ys, max_norm, norms):
    """Mean squared error of the RNN's predictions of ys from the inputs xs."""
    h = np.zeros(b.shape[0])
    total = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(Wx * xs[t] + Wh @ h + b)
        with s2sad.insert_grad_of(h) as g:
            g = clip_by_norm(g, max_norm, norms)
        error = np.sum(Wy * h) + c - ys[t]
        total = total + error * error
    return total / xs.shape[0]


def initial_parameters(rng):
    orthogonal, _ = np.linalg.qr(rng.normal(size=(HIDDEN, HIDDEN)))
    return [rng.normal(size=HIDDEN) * 0.1, 2.0 * orthogonal, np.zeros(HIDDEN),
            rng.normal(size=HIDDEN) * 0.3, 0.0]


def sequence(rng, length):
    xs = rng.normal(size=length)
    ys = np.zeros(length)
    ys[DELAY:] = xs[:-DELAY]
    return xs, ys


def train(max_norm, steps, length):
    """Gradient descent, a fresh random sequence each step, from a fixed start.
    Returns the losses and the norms of the gradients of Wh."""
    rng = np.random.default_rng(0)
    params = initial_parameters(rng)
    dloss = s2sad.grad(rnn_loss, wrt=(0, 1, 2, 3, 4))
    losses, gradient_norms = [], []
    for step in range(steps):
        xs, ys = sequence(rng, length)
        grads = dloss(*params, xs, ys, max_norm, [])
        losses.append(rnn_loss(*params, xs, ys, max_norm, []))
        gradient_norms.append(np.linalg.norm(grads[1]))
        params = [p - LEARNING_RATE * g for p, g in zip(params, grads)]
    return losses, gradient_norms


def main(quick=False):
    # 1. The block sits in the generated backward pass, on the adjoint bh of h.
    dloss = s2sad.grad(rnn_loss, wrt=(0, 1, 2, 3, 4))
    lines = s2sad.source(dloss).splitlines()
    hook = next(i for i, line in enumerate(lines) if "insert_grad_of" in line)
    print("from the generated gradient:\n" + "\n".join(lines[hook - 2:hook + 5]) + "\n")

    # 2. With an infinite threshold the block changes nothing: the gradient is the
    #    true one, which finite differences confirm.
    rng = np.random.default_rng(0)
    params = initial_parameters(rng)
    xs, ys = sequence(rng, 8)
    s2sad.check_grads(rnn_loss, *params, xs, ys, np.inf, [], wrt=(0, 1, 2, 3, 4))
    print("with max_norm=inf the gradient matches finite differences\n")

    # 3. The gradient of the recurrent weights explodes with the sequence length.
    dWh = s2sad.grad(rnn_loss, wrt="Wh")
    explosion = {}
    print("length   |dloss/dWh| unclipped   clipped")
    for length in (10, 40, 80):
        xs, ys = sequence(rng, length)
        explosion[length] = (np.linalg.norm(dWh(*params, xs, ys, np.inf, [])),
                             np.linalg.norm(dWh(*params, xs, ys, MAX_NORM, [])))
        print(f"{length:6d}   {explosion[length][0]:20.1f}   {explosion[length][1]:7.2f}")

    # 4. Training from the same start, with the same learning rate.
    steps, length = (150, 30) if quick else (300, 40)
    chunk = steps // 6
    runs = {}
    print(f"\ntraining, {steps} steps; mean loss per {chunk} steps, largest |dloss/dWh|:")
    for max_norm in (np.inf, MAX_NORM):
        losses, norms = train(max_norm, steps, length)
        runs[max_norm] = (losses, norms)
        means = [np.mean(losses[i:i + chunk]) for i in range(0, steps, chunk)]
        label = "unclipped " if max_norm == np.inf else f"clip {max_norm:<5}"
        print(f"{label}  " + " ".join(f"{m:.3f}" for m in means)
              + f"   max gradient {max(norms):.1f}")
    return {"explosion": explosion, "runs": runs, "chunk": chunk}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
