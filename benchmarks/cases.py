"""The benchmark cases: each function, its hand-written gradient, and its inputs.

Every function here is ordinary NumPy / `math` code that s2sad differentiates from
its source. The peers (autograd, JAX, PyTorch) run the very same code object with
`np` and `math` rebound to their own array namespace (see `peers.py`), so all
frameworks execute the same program.

Each hand-written gradient calls the same functions as the function itself (the
`math` variant uses `math`, the NumPy variant `np`), keeps what it needs in
Python lists where the function loops, and returns the gradients in `wrt` order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


# --------------------------------------------------------------------------
# Scalar recurrence (the seed example of issue #9), in NumPy and in math.
# --------------------------------------------------------------------------

def recurrence_np(a, b, n):
    z = 0.5
    for i in range(n):
        z = a * np.cos(z + i) + z * np.sin(b - i)
    return z


def recurrence_np_grad(a, b, n):
    zs = []
    z = 0.5
    for i in range(n):
        zs.append(z)
        z = a * np.cos(z + i) + z * np.sin(b - i)
    ba = 0.0
    bb = 0.0
    bz = 1.0
    for i in range(n - 1, -1, -1):
        z = zs[i]
        ba = ba + bz * np.cos(z + i)
        bb = bb + bz * z * np.cos(b - i)
        bz = bz * (np.sin(b - i) - a * np.sin(z + i))
    return ba, bb


def recurrence_math(a, b, n):
    z = 0.5
    for i in range(n):
        z = a * math.cos(z + i) + z * math.sin(b - i)
    return z


def recurrence_math_grad(a, b, n):
    zs = []
    z = 0.5
    for i in range(n):
        zs.append(z)
        z = a * math.cos(z + i) + z * math.sin(b - i)
    ba = 0.0
    bb = 0.0
    bz = 1.0
    for i in range(n - 1, -1, -1):
        z = zs[i]
        ba = ba + bz * math.cos(z + i)
        bb = bb + bz * z * math.cos(b - i)
        bz = bz * (math.sin(b - i) - a * math.sin(z + i))
    return ba, bb


# --------------------------------------------------------------------------
# Newton's method in a while loop: the real root of x**3 + a*x - b (a > 0).
# --------------------------------------------------------------------------

def newton(a, b):
    x = 1.0
    r = x * x * x + a * x - b
    while abs(r) > 1e-12:
        x = x - r / (3.0 * x * x + a)
        r = x * x * x + a * x - b
    return x * x


def newton_grad(a, b):
    # Reverse sweep through the iterations (the same program s2sad differentiates),
    # not the implicit-function shortcut dx/da = -x / (3x^2 + a).
    xs = []
    x = 1.0
    r = x * x * x + a * x - b
    while abs(r) > 1e-12:
        xs.append(x)
        x = x - r / (3.0 * x * x + a)
        r = x * x * x + a * x - b
    bx = 2.0 * x
    ba = 0.0
    bb = 0.0
    for k in range(len(xs) - 1, -1, -1):
        x = xs[k]
        r = x * x * x + a * x - b
        d = 3.0 * x * x + a
        # x_next = x - r / d with r = x^3 + a x - b, d = 3 x^2 + a
        ba = ba + bx * (r / (d * d) - x / d)
        bb = bb + bx / d
        bx = bx * 6.0 * x * r / (d * d)
    return ba, bb


# --------------------------------------------------------------------------
# A Newton solve inside an outer loop: one root per step, summed.
# --------------------------------------------------------------------------

def newton_outer(a, b, n):
    s = 0.0
    for i in range(n):
        c = b + 0.1 * i
        x = 1.0
        r = x * x * x + a * x - c
        while abs(r) > 1e-12:
            x = x - r / (3.0 * x * x + a)
            r = x * x * x + a * x - c
        s = s + x * x
    return s


def newton_outer_grad(a, b, n):
    # Each solve once, forward then backward through its iterations (as newton_grad).
    ba = 0.0
    bb = 0.0
    for i in range(n):
        c = b + 0.1 * i
        xs = []
        x = 1.0
        r = x * x * x + a * x - c
        while abs(r) > 1e-12:
            xs.append(x)
            x = x - r / (3.0 * x * x + a)
            r = x * x * x + a * x - c
        bx = 2.0 * x
        # r = x^3 + a x - c at the solution: its adjoint is 0 there, as in s2sad's sweep
        for k in range(len(xs) - 1, -1, -1):
            x = xs[k]
            r = x * x * x + a * x - c
            d = 3.0 * x * x + a
            ba = ba + bx * (r / (d * d) - x / d)
            bb = bb + bx / d
            bx = bx * 6.0 * x * r / (d * d)
    return ba, bb


# --------------------------------------------------------------------------
# A piecewise function: three branches chosen inside a loop.
# --------------------------------------------------------------------------

def piecewise(x, y, n):
    s = 0.0
    for i in range(n):
        t = x * (i % 7) - y * 0.01 * i
        if t > 1.0:
            s = s + math.log(t)
        elif t > -1.0:
            s = s + 0.5 * t * t
        else:
            s = s - t - 0.5
    return s


def piecewise_grad(x, y, n):
    bx = 0.0
    by = 0.0
    for i in range(n):
        t = x * (i % 7) - y * 0.01 * i
        if t > 1.0:
            bt = 1.0 / t
        elif t > -1.0:
            bt = t
        else:
            bt = -1.0
        bx = bx + bt * (i % 7)
        by = by - bt * 0.01 * i
    return bx, by


# --------------------------------------------------------------------------
# The scalar cases again, with `float` annotations: they tell s2sad the
# arguments are scalars, so it can leave out unbroadcast and the output check.
# --------------------------------------------------------------------------

def recurrence_math_typed(a: float, b: float, n: int):
    z = 0.5
    for i in range(n):
        z = a * math.cos(z + i) + z * math.sin(b - i)
    return z


def newton_typed(a: float, b: float):
    x = 1.0
    r = x * x * x + a * x - b
    while abs(r) > 1e-12:
        x = x - r / (3.0 * x * x + a)
        r = x * x * x + a * x - b
    return x * x


def piecewise_typed(x: float, y: float, n: int):
    s = 0.0
    for i in range(n):
        t = x * (i % 7) - y * 0.01 * i
        if t > 1.0:
            s = s + math.log(t)
        elif t > -1.0:
            s = s + 0.5 * t * t
        else:
            s = s - t - 0.5
    return s


# --------------------------------------------------------------------------
# Logistic regression loss, 20000 x 100.
# --------------------------------------------------------------------------

def logreg(w, X, y):
    z = X @ w
    return np.sum(np.log(1.0 + np.exp(-y * z))) / X.shape[0]


def logreg_grad(w, X, y):
    z = X @ w
    e = np.exp(-y * z)
    return X.T @ (-y * e / (1.0 + e)) / X.shape[0]


# --------------------------------------------------------------------------
# Two-layer tanh MLP with squared loss.
# --------------------------------------------------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    r = h @ W2 + b2 - Y
    return np.sum(r * r) / X.shape[0]


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    r = h @ W2 + b2 - Y
    br = 2.0 * r / X.shape[0]
    bW2 = h.T @ br
    bb2 = np.sum(br, axis=0)
    bpre = (br @ W2.T) * (1.0 - h * h)
    bW1 = X.T @ bpre
    bb1 = np.sum(bpre, axis=0)
    return bW1, bb1, bW2, bb2


# --------------------------------------------------------------------------
# Vanilla RNN over the time steps of xs, loss = sum(h_T ** 2).
# --------------------------------------------------------------------------

def rnn(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def rnn_grad(Wx, Wh, b, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    bWx = np.zeros_like(Wx)
    bWh = np.zeros_like(Wh)
    bb = np.zeros_like(b)
    bh = 2.0 * h
    for t in range(xs.shape[0] - 1, -1, -1):
        bpre = bh * (1.0 - hs[t + 1] * hs[t + 1])
        bWx += xs[t].T @ bpre
        bWh += hs[t].T @ bpre
        bb += np.sum(bpre, axis=0)
        bh = bpre @ Wh.T
    return bWx, bWh, bb


# --------------------------------------------------------------------------
# Logistic regression and the RNN again, written with np.dot.
# --------------------------------------------------------------------------

def logreg_dot(w, X, y):
    z = np.dot(X, w)
    return np.sum(np.log(1.0 + np.exp(-y * z))) / X.shape[0]


def logreg_dot_grad(w, X, y):
    z = np.dot(X, w)
    e = np.exp(-y * z)
    return np.dot(X.T, -y * e / (1.0 + e)) / X.shape[0]


def rnn_dot(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.dot(xs[t], Wx) + np.dot(h, Wh) + b)
    return np.sum(h * h)


def rnn_dot_grad(Wx, Wh, b, xs, h0):
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.dot(xs[t], Wx) + np.dot(h, Wh) + b)
        hs.append(h)
    bWx = np.zeros_like(Wx)
    bWh = np.zeros_like(Wh)
    bb = np.zeros_like(b)
    bh = 2.0 * h
    for t in range(xs.shape[0] - 1, -1, -1):
        bpre = bh * (1.0 - hs[t + 1] * hs[t + 1])
        bWx += np.dot(xs[t].T, bpre)
        bWh += np.dot(hs[t].T, bpre)
        bb += np.sum(bpre, axis=0)
        bh = np.dot(bpre, Wh.T)
    return bWx, bWh, bb


# --------------------------------------------------------------------------
# Elementwise chain on 10**6 values.
# --------------------------------------------------------------------------

def chain(x):
    y = np.sin(x) * np.exp(-x * x) + np.tanh(x) ** 2
    return np.sum(np.sqrt(y * y + 1.0))


def chain_grad(x):
    s = np.sin(x)
    e = np.exp(-x * x)
    th = np.tanh(x)
    y = s * e + th ** 2
    by = y / np.sqrt(y * y + 1.0)
    return by * (np.cos(x) * e - 2.0 * x * s * e + 2.0 * th * (1.0 - th * th))


# --------------------------------------------------------------------------
# The table of cases.
# --------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    title: str
    func: Callable               # what s2sad differentiates (and the "function" column)
    hand: Callable               # hand-written gradient, same arguments, wrt order
    wrt: tuple
    make_args: Callable          # make_args(quick) -> tuple of NumPy / float arguments
    kind: str                    # "scalar" or "array": which targets apply
    static: tuple = ()           # indices of integer arguments (static under jax.jit)
    peer_func: Callable | None = None   # code the peers run (default: func)
    peers_same_as: str | None = None    # reuse the peer timings of another case
    jit_heavy: str | None = None        # why jax.jit is only run with --slow
    notes: list = field(default_factory=list)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _recurrence_args(quick):
    return (0.7, 0.3, 20 if quick else 1000)


def _newton_args(quick):
    return (2.0, 5.0)


def _piecewise_args(quick):
    return (0.9, 0.4, 30 if quick else 1000)


def _logreg_args(quick):
    n, d = (2000, 20) if quick else (20000, 100)
    rng = _rng(1)
    X = rng.standard_normal((n, d))
    w = 0.1 * rng.standard_normal(d)
    y = np.where(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return (w, X, y)


def _mlp_args(quick):
    batch, d_in, hidden, d_out = (32, 16, 32, 4) if quick else (256, 784, 512, 10)
    rng = _rng(2)
    W1 = rng.standard_normal((d_in, hidden)) / np.sqrt(d_in)
    b1 = 0.1 * rng.standard_normal(hidden)
    W2 = rng.standard_normal((hidden, d_out)) / np.sqrt(hidden)
    b2 = 0.1 * rng.standard_normal(d_out)
    X = rng.standard_normal((batch, d_in))
    Y = rng.standard_normal((batch, d_out))
    return (W1, b1, W2, b2, X, Y)


def _rnn_inputs(seed, steps, batch, d_in, hidden):
    """(Wx, Wh, b, xs, h0) of a vanilla RNN, weights scaled by 1/sqrt(fan-in)."""
    rng = _rng(seed)
    Wx = rng.standard_normal((d_in, hidden)) / np.sqrt(d_in)
    Wh = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    b = 0.1 * rng.standard_normal(hidden)
    xs = rng.standard_normal((steps, batch, d_in))
    h0 = np.zeros((batch, hidden))
    return (Wx, Wh, b, xs, h0)


def _rnn_args(quick):
    return _rnn_inputs(3, *((5, 4, 8, 16) if quick else (50, 32, 32, 128)))


def _newton_outer_args(quick):
    return (2.0, 5.0, 3 if quick else 20)


def _rnn_dot_args(quick):
    return _rnn_inputs(5, *((5, 4, 8, 16) if quick else (50, 16, 32, 64)))


def _chain_args(quick):
    return (_rng(4).standard_normal(10_000 if quick else 1_000_000),)


CASES = [
    Case("recurrence_np", "scalar recurrence, 1000 steps (np.sin/np.cos)",
         recurrence_np, recurrence_np_grad, (0, 1), _recurrence_args, "scalar", static=(2,),
         jit_heavy="jax.jit unrolls the 1000 Python iterations: 1-2 min of XLA compilation"),
    Case("recurrence_math", "scalar recurrence, 1000 steps (math.sin/math.cos)",
         recurrence_math, recurrence_math_grad, (0, 1), _recurrence_args, "scalar", static=(2,),
         peer_func=recurrence_np, peers_same_as="recurrence_np",
         jit_heavy="jax.jit unrolls the 1000 Python iterations: 1-2 min of XLA compilation"),
    Case("newton", "Newton solve, while loop (scalar)",
         newton, newton_grad, (0, 1), _newton_args, "scalar"),
    Case("newton_outer", "Newton solves inside a 20-step loop (scalar)",
         newton_outer, newton_outer_grad, (0, 1), _newton_outer_args, "scalar", static=(2,)),
    Case("piecewise", "piecewise branches in a 1000-step loop (scalar)",
         piecewise, piecewise_grad, (0, 1), _piecewise_args, "scalar", static=(2,)),
    Case("recurrence_math_typed", "scalar recurrence, 1000 steps (math, `float` annotations)",
         recurrence_math_typed, recurrence_math_grad, (0, 1), _recurrence_args, "scalar",
         static=(2,), peer_func=recurrence_np, peers_same_as="recurrence_np",
         jit_heavy="jax.jit unrolls the 1000 Python iterations: 1-2 min of XLA compilation"),
    Case("newton_typed", "Newton solve, while loop (`float` annotations)",
         newton_typed, newton_grad, (0, 1), _newton_args, "scalar",
         peer_func=newton, peers_same_as="newton"),
    Case("piecewise_typed", "piecewise branches in a 1000-step loop (`float` annotations)",
         piecewise_typed, piecewise_grad, (0, 1), _piecewise_args, "scalar", static=(2,),
         peer_func=piecewise, peers_same_as="piecewise"),
    Case("logreg", "logistic regression, 20000x100",
         logreg, logreg_grad, (0,), _logreg_args, "array"),
    Case("mlp", "two-layer tanh MLP, batch 256, 784-512-10",
         mlp, mlp_grad, (0, 1, 2, 3), _mlp_args, "array"),
    Case("rnn", "vanilla RNN, 50 steps, batch 32, 32-128",
         rnn, rnn_grad, (0, 1, 2), _rnn_args, "array"),
    Case("logreg_dot", "logistic regression with np.dot, 20000x100",
         logreg_dot, logreg_dot_grad, (0,), _logreg_args, "array"),
    Case("rnn_dot", "vanilla RNN with np.dot, 50 steps, batch 16, 32-64",
         rnn_dot, rnn_dot_grad, (0, 1, 2), _rnn_dot_args, "array"),
    Case("chain", "elementwise chain, 10^6 values",
         chain, chain_grad, (0,), _chain_args, "array"),
]

BY_NAME = {case.name: case for case in CASES}
