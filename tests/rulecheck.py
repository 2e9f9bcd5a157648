"""Check a function of the inputs against central finite differences in both modes:
s2sad.grad for all inputs, and s2sad.autodiff(mode="forward") for each input
alone (the others' tangents are then the inactive 0.0) and for all together."""
import numpy as np

import s2sad
from gradcheck import assert_gradients


def directional_difference(f, args, wrt, tangents, eps=1e-6):
    plus, minus = list(args), list(args)
    for i, t in zip(wrt, tangents):
        plus[i] = args[i] + eps * t
        minus[i] = args[i] - eps * t
    return (f(*plus) - f(*minus)) / (2 * eps)


def check_both_modes(f, args, wrt=None, seed=0, rtol=1e-5, atol=1e-7):
    """f(*args) is a scalar; wrt, the indices of the inputs to differentiate (all)."""
    wrt = tuple(range(len(args))) if wrt is None else tuple(wrt)
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt, rtol=rtol, atol=atol)
    rng = np.random.default_rng(seed)
    for subset in [(i,) for i in wrt] + ([wrt] if len(wrt) > 1 else []):
        tangents = [rng.normal(size=np.shape(args[i])) for i in subset]
        tangents = [float(t) if np.ndim(args[i]) == 0 else t for t, i in zip(tangents, subset)]
        got = s2sad.autodiff(f, wrt=subset, mode="forward")(*args, *tangents)
        expected = directional_difference(f, args, subset, tangents)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"tangent along inputs {subset}")
