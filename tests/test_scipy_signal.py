"""scipy.signal's rules (1-D convolutions and lfilter) against central finite
differences in both modes, and their second derivatives."""
import numpy as np
import pytest

signal = pytest.importorskip("scipy.signal")

import s2sad  # noqa: E402
from rulecheck import check_both_modes  # noqa: E402
from s2sad.registry import ADJOINTS, TANGENTS  # noqa: E402

RNG = np.random.default_rng(1919)
W = RNG.normal(size=12)
B = np.array([0.2, 0.5, -0.1])
A = np.array([1.0, -0.6, 0.2])


def weighted(y):
    return np.sum(y * W[:np.size(y)])


def convolve_full(a, v):
    return weighted(signal.convolve(a, v))


def convolve_same(a, v):
    return weighted(signal.convolve(a, v, mode="same", method="direct"))


def convolve_valid(a, v):
    return weighted(signal.convolve(a, v, "valid"))


def correlate_full(a, v):
    return weighted(signal.correlate(a, v))


def correlate_same(a, v):
    return weighted(signal.correlate(a, v, mode="same"))


def correlate_valid(a, v):
    return weighted(signal.correlate(a, v, mode="valid", method="fft"))


def fft_same(a, v):
    return weighted(signal.fftconvolve(a, v, mode="same"))


def fft_valid(a, v):
    return weighted(signal.fftconvolve(a, v, "valid"))


def overlap_add(a, v):
    return weighted(signal.oaconvolve(a, v, mode="full"))


def filtered(x):
    return weighted(signal.lfilter(B, A, x))


def filtered_in_coefficients(b, a, x):
    return weighted(signal.lfilter(b, a, x))


def filtered_along_rows(x):
    return np.sum(signal.lfilter(B, A, x, axis=0) * np.reshape(W, (6, 2)))


def filtered_along_last(x):
    return np.sum(signal.lfilter([0.5, 0.5], [2.0, -0.4], x) * np.reshape(W, (2, 6)))


def pair(n, m):
    return [RNG.normal(size=n), RNG.normal(size=m)]


CASES = [(signal.convolve, f, pair(n, m)) for f in (convolve_full, convolve_same, convolve_valid)
         for n, m in ((6, 3), (3, 5), (4, 4))] + \
    [(signal.correlate, f, pair(n, m)) for f in (correlate_full, correlate_same, correlate_valid)
     for n, m in ((6, 3), (3, 5), (4, 4))] + [
    (signal.fftconvolve, fft_same, pair(5, 4)),
    (signal.fftconvolve, fft_valid, pair(3, 6)),
    (signal.oaconvolve, overlap_add, pair(6, 2)),
    (signal.lfilter, filtered, [RNG.normal(size=8)]),
    (signal.lfilter, filtered_in_coefficients, [B, A + np.array([0.5, 0.0, 0.0]),
                                                RNG.normal(size=7)]),
    (signal.lfilter, filtered_in_coefficients, [np.array([0.3, 0.2, 0.1, 0.05, 0.2]),
                                                np.array([1.0, 0.3]), RNG.normal(size=3)]),
    (signal.lfilter, filtered_along_rows, [RNG.normal(size=(6, 2))]),
    (signal.lfilter, filtered_along_last, [RNG.normal(size=(2, 6))]),
]


@pytest.mark.parametrize("key, f, args", CASES,
                         ids=[f"{c[1].__name__}-{np.shape(c[2][-1])}" for c in CASES])
def test_rule_matches_finite_differences(key, f, args):
    check_both_modes(f, args)


def test_every_scipy_signal_rule_has_a_case_and_a_tangent():
    tested = {key for key, _, _ in CASES}
    for table in (ADJOINTS, TANGENTS):
        assert {k for k, t in table.items()
                if t.func.__module__ == "s2sad.rules.scipy_signal"} == tested


def signals_twice(p):
    smooth = signal.convolve(p ** 2, p[:3], mode="same")
    echo = signal.correlate(np.sin(p), p[2:] * p[0], mode="valid")
    fast = signal.fftconvolve(p, np.exp(p[:2]))
    out = signal.lfilter(p[:2] * 0.5, np.array([1.0, -0.5 * p[1]]), p ** 3)
    return np.sum(smooth ** 2) + np.sum(echo ** 3) + np.sum(fast * np.arange(7.0)) + \
        np.sum(out ** 2 * W[:6])


def test_second_derivatives():
    """The Hessian (forward mode over the rules' reverse mode) against central
    differences of the gradient."""
    p = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(signals_twice)
    expected = np.stack([(gradient(p + 1e-5 * e) - gradient(p - 1e-5 * e)) / 2e-5
                         for e in np.eye(len(p))])
    np.testing.assert_allclose(s2sad.hessian(signals_twice)(p), expected, rtol=1e-5, atol=1e-6)


def convolve_images(a):
    return np.sum(signal.convolve(a, np.ones((2, 2))))


def filter_with_state(x):
    y, zf = signal.lfilter(B, A, x, zi=np.zeros(2))
    return np.sum(y)


def filter_rows_in_a(a, x):
    return np.sum(signal.lfilter(B, a, x))


def test_what_the_rules_do_not_cover_is_refused():
    with pytest.raises(s2sad.NonDifferentiableError, match="1-D operands"):
        s2sad.grad(convolve_images)(np.ones((3, 3)))
    with pytest.raises(s2sad.NonDifferentiableError, match="without zi"):
        s2sad.grad(filter_with_state)(np.ones(4))
    with pytest.raises(s2sad.NonDifferentiableError, match="for a 1-D x"):
        s2sad.grad(filter_rows_in_a)(A, np.ones((2, 4)))
    # the same filter of rows, differentiated in x only, is fine
    check_both_modes(filter_rows_in_a, [A, RNG.normal(size=(2, 4))], wrt=(1,))
