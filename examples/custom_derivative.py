"""Registering your own derivatives: an adjoint and a tangent template.

A template is a small function in `d[...]` notation (see docs/custom_derivatives.md):
its first parameter stands for the result, the others for the arguments;
`d[v]` is the adjoint of v in reverse mode, its tangent in forward mode.

1. `logsumexp` sums with `math.fsum`, which has no derivative rule, so
   s2sad refuses to differentiate it and says how to fix that. Registering an
   adjoint (reverse mode) and a tangent (forward mode) for `logsumexp` itself
   fixes it; both are checked against finite differences, at inputs where the
   naive log(sum(exp(x))) would overflow.

2. `softplus` has a source s2sad can differentiate, but its default gradient
   is NaN for large inputs: the `np.where` trap, where the branch that is not
   taken still contributes 0 * inf to the adjoint (forward mode, which selects
   tangents, is not affected). A registered template overrides the default:
   s2sad then uses it at every call of `softplus` instead of differentiating
   the body.

    python examples/custom_derivative.py
"""
import math
import sys

import numpy as np

import s2sad
from s2sad import d


# ------------------------------------------------------------------ 1. logsumexp

def logsumexp(x):
    """log(sum(exp(x))), computed without overflow, with a correctly rounded sum."""
    shift = np.max(x)
    return shift + np.log(math.fsum(np.exp(x - shift)))


def cross_entropy(logits, label):
    """-log softmax(logits)[label], with label given as a one-hot vector."""
    return logsumexp(logits) - np.sum(logits * label)


def register_logsumexp():
    @s2sad.adjoint(logsumexp)
    def logsumexp_adjoint(y, x):
        d[x] = d[y] * np.exp(x - y)          # softmax(x), scaled by the result's adjoint

    @s2sad.tangent(logsumexp)
    def logsumexp_tangent(y, x):
        d[y] = np.sum(d[x] * np.exp(x - y))


# ------------------------------------------------------------------ 2. softplus

def softplus(x):
    """log(1 + exp(x)); x itself where exp(x) would overflow."""
    return np.where(x > 30.0, x, np.log1p(np.exp(x)))


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus_loss_default(x):
    return np.sum(softplus(x))


def softplus_loss(x):
    return np.sum(softplus(x))


def register_softplus():
    @s2sad.adjoint(softplus)
    def softplus_adjoint(y, x):
        d[x] = d[y] * sigmoid(x)

    @s2sad.tangent(softplus)
    def softplus_tangent(y, x):
        d[y] = d[x] * sigmoid(x)


def forward_check(f, x, *rest, eps=1e-6):
    """Forward mode's derivative of f(x, *rest) along a random direction, against
    central differences: their difference."""
    direction = np.random.default_rng(0).normal(size=x.shape)
    jvp = s2sad.autodiff(f, mode="forward")(x, *rest, direction)
    approx = (f(x + eps * direction, *rest) - f(x - eps * direction, *rest)) / (2.0 * eps)
    return abs(jvp - approx)


def main(quick=False):
    logits = np.array([1000.0, 1001.5, 999.0])
    label = np.array([0.0, 1.0, 0.0])
    with np.errstate(over="ignore"):
        naive = np.log(np.sum(np.exp(logits)))
    print(f"log(sum(exp(logits))) naively: {naive}; logsumexp: {logsumexp(logits):.6f}\n")

    try:
        s2sad.grad(cross_entropy)
    except s2sad.NonDifferentiableError as error:
        print("before registering a derivative:")
        print(f"   {error.message}\n   Hint: {error.hint}\n")

    register_logsumexp()
    dcross = s2sad.grad(cross_entropy, verbose=1)
    g = dcross(logits, label)
    softmax = np.exp(logits - logsumexp(logits))
    print(f"gradient {g}\n(softmax - label: {softmax - label})")
    s2sad.check_grads(cross_entropy, logits, label)
    print("reverse mode checked against finite differences: OK")
    lse_error = forward_check(cross_entropy, logits, label)
    print(f"forward mode differs from finite differences by {lse_error:.1e}\n")

    x = np.array([-5.0, 0.0, 5.0, 800.0])
    with np.errstate(over="ignore", invalid="ignore"):
        default = s2sad.grad(softplus_loss_default)(x)
        default_forward = s2sad.autodiff(softplus_loss_default, mode="forward")(x, np.ones(4))
    print(f"softplus'(x) at x = {x}, exactly sigmoid(x) = {sigmoid(x)}")
    print(f"   default derivative:     {default} (forward mode: sum {default_forward})")

    register_softplus()
    with np.errstate(over="ignore"):
        dsoftplus = s2sad.grad(softplus_loss)
        overridden = dsoftplus(x)
        overridden_forward = s2sad.autodiff(softplus_loss, mode="forward")(x, np.ones(4))
        s2sad.check_grads(softplus_loss, x)
        softplus_error = forward_check(softplus_loss, x)
    print(f"   registered derivative:  {overridden} (forward mode: sum {overridden_forward})")
    print("   both modes checked against finite differences: OK\n")
    print("the gradient now uses the template instead of differentiating softplus's body:")
    print(s2sad.source(dsoftplus))
    return {"gradient": g, "softmax_minus_label": softmax - label,
            "logsumexp_forward_error": lse_error, "default": default,
            "default_forward": default_forward, "overridden": overridden,
            "overridden_forward": overridden_forward, "sigmoid": sigmoid(x),
            "softplus_forward_error": softplus_error}


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
