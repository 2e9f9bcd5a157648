"""Programs with order statistics, convolutions, interpolation and Fourier
transforms (the rules themselves have rows in test_primitives.py), checked
against central differences in both modes, and what s2sad refuses there."""
import numpy as np
import pytest

import s2sad
from rulecheck import check_both_modes


def spectral_filter(x, h):
    """Smooths x by multiplying its spectrum with h: complex in between, real out."""
    spectrum = np.fft.rfft(x)
    smooth = np.fft.irfft(spectrum * h, n=x.shape[0])
    return np.sum((smooth - x) ** 2) + np.sum(np.abs(np.fft.fft(x)))


def robust_loss(residuals, scale):
    """A median absolute deviation and a trimmed range, as robust statistics use them."""
    mad = np.median(np.abs(residuals - np.median(residuals)))
    spread = np.percentile(residuals, 90.0) - np.percentile(residuals, 10.0)
    return mad * scale + spread ** 2


def smoothed_curve(signal, kernel, knots):
    smooth = np.convolve(signal, kernel / np.sum(kernel), mode="same")
    xp = np.linspace(0.0, 1.0, smooth.shape[0])
    curve = np.interp(knots, xp, smooth)
    return np.sum(curve * np.polyval(kernel, knots))


def test_spectral_filter():
    rng = np.random.default_rng(1)
    check_both_modes(spectral_filter, (rng.normal(size=8), rng.uniform(0.2, 1.0, size=5)))


def test_spectral_filter_gradient_is_real():
    rng = np.random.default_rng(2)
    g = s2sad.grad(spectral_filter)(rng.normal(size=7), rng.uniform(size=4))
    assert not np.iscomplexobj(g)


def test_robust_loss():
    rng = np.random.default_rng(3)
    check_both_modes(robust_loss, (rng.normal(size=9), 1.7))


def test_smoothed_curve():
    rng = np.random.default_rng(4)
    check_both_modes(smoothed_curve, (rng.normal(size=7), rng.uniform(0.5, 1.5, size=3),
                                      rng.uniform(-0.1, 1.1, size=5)))


def median_of_ties(x):
    return np.median(x * 1.0)


def test_ties_follow_the_permutation_as_sort_does():
    """With ties the median reads the sorted entries the stable order puts there."""
    g = s2sad.grad(median_of_ties)(np.array([2.0, 1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0.5, 0.0, 0.5, 0.0])


def test_nan_functions_skip_the_nans():
    """Against central differences in the entries that are not NaN; 0 at the NaNs
    (an all-NaN row gives NaN, with derivative 0)."""
    x = np.random.default_rng(5).normal(size=(4, 5))
    x[0, 1] = x[2, 0] = x[2, 3] = np.nan
    x[3] = np.nan
    g = s2sad.grad(nan_statistics)(x)
    eps = 1e-6
    for index in np.ndindex(x.shape):
        if np.isnan(x[index]):
            assert g[index] == 0.0
            continue
        e = np.zeros(x.shape)
        e[index] = eps
        expected = (nan_statistics(x + e) - nan_statistics(x - e)) / (2 * eps)
        assert g[index] == pytest.approx(expected, rel=1e-6, abs=1e-9)
    t = np.where(np.isnan(x), 0.0, 1.0)
    jvp = s2sad.autodiff(nan_statistics, mode="forward")(x, t)
    assert jvp == pytest.approx(np.sum(np.where(np.isnan(x), 0.0, g)))


def nan_statistics(x):
    """The NaN row's median is NaN: the objective keeps only finite statistics."""
    rows = np.nanmedian(x[:3], axis=1)
    return np.sum(rows ** 2) + np.sum(np.nanpercentile(x[:3], 30.0, axis=0))


def hazen_quantile(x):
    return np.quantile(x, 0.3, method="hazen")


def periodic_interp(x):
    return np.sum(np.interp(x, [0.0, 1.0, 2.0], [1.0, 3.0, 2.0], period=2.0))


def test_unsupported_quantile_method_is_refused():
    with pytest.raises(s2sad.NonDifferentiableError, match="method='hazen'") as caught:
        s2sad.grad(hazen_quantile)(np.arange(5.0))
    assert caught.value.location.filename == __file__
    assert caught.value.location.lineno == hazen_quantile.__code__.co_firstlineno + 1


def test_interp_with_a_period_is_refused():
    with pytest.raises(s2sad.NonDifferentiableError, match="without `period`") as caught:
        s2sad.grad(periodic_interp)(np.array([0.5, 2.5]))
    assert caught.value.location.lineno == periodic_interp.__code__.co_firstlineno + 1
