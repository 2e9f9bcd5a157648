"""Discrete Fourier transforms: np.fft.fft, ifft, fft2, ifft2, fftn, ifftn, rfft, irfft.

Each transform is linear, so its tangent is the same transform of the tangent.
Its adjoint is the transpose (not the conjugate transpose: the adjoint of a
complex z is d/d(re z) - i d/d(im z), the convention of the other rules, JAX's),
and the DFT matrix is symmetric, so the adjoint of fft is fft again (with the same
`norm`, a scalar factor), that of ifft is ifft; `n` (or `s`) pads or cuts the
input, and the adjoint cuts or pads back. The adjoint of a real input is the real
part.

rfft keeps the first n//2 + 1 outputs of the fft of a real input: its adjoint pads
the result's adjoint with zeros to n and takes the fft. irfft reads the half
spectrum, each entry but the first (and, for even n, the last) standing for
itself and its mirror image: its adjoint is ifft of the result's adjoint, times 2
on those entries.
"""
import numpy as np

from ..registry import adjoint, d, tangent
from ..runtime import expand


def fitted(g, a, axes):
    """g cut or padded with zeros along `axes` to the lengths of a there (undoing
    the transform's `n` or `s`), real when a is real."""
    g = g if np.iscomplexobj(a) else np.real(g)
    for axis in axes:
        g = length_along(g, np.shape(a)[axis], axis)
    return g


def length_along(g, length, axis):
    """g cut to, or padded with zeros to, `length` entries along `axis`."""
    have = np.shape(g)[axis]
    if have >= length:
        return np.take(g, np.arange(length), axis=axis)
    pad = [(0, 0)] * np.ndim(g)
    pad[axis] = (0, length - have)
    return np.pad(g, pad)


def transform_axes(a, s, axes):
    """The axes fftn transforms: `axes`; else the last len(s); else all of them."""
    if axes is not None:
        return tuple(axes)
    if s is not None:
        return tuple(range(np.ndim(a) - len(s), np.ndim(a)))
    return tuple(range(np.ndim(a)))


def rfft_adjoint(g, a, n, axis, norm):
    n = np.shape(a)[axis] if n is None else n
    return fitted(np.fft.fft(length_along(g, n, axis), axis=axis, norm=norm), a, (axis,))


def irfft_adjoint(g, a, n, axis, norm):
    n = 2 * (np.shape(a)[axis] - 1) if n is None else n
    half = length_along(np.fft.ifft(g, axis=axis, norm=norm), n // 2 + 1, axis)
    mirrored = np.full(n // 2 + 1, 2.0)
    mirrored[0] = 1.0
    if n % 2 == 0:
        mirrored[-1] = 1.0
    shape = [1] * np.ndim(half)
    shape[axis] = n // 2 + 1
    return fitted(half * mirrored.reshape(shape), a, (axis,))


@adjoint(np.fft.fft)
def fft(y, a, n=None, axis=-1, norm=None, out=None):
    d[a] = fitted(np.fft.fft(d[y], axis=axis, norm=norm), a, (axis,))


@tangent(np.fft.fft)
def fft_tangent(y, a, n=None, axis=-1, norm=None, out=None):
    d[y] = np.fft.fft(expand(d[a], a), n, axis, norm)


@adjoint(np.fft.ifft)
def ifft(y, a, n=None, axis=-1, norm=None, out=None):
    d[a] = fitted(np.fft.ifft(d[y], axis=axis, norm=norm), a, (axis,))


@tangent(np.fft.ifft)
def ifft_tangent(y, a, n=None, axis=-1, norm=None, out=None):
    d[y] = np.fft.ifft(expand(d[a], a), n, axis, norm)


@adjoint(np.fft.fftn)
def fftn(y, a, s=None, axes=None, norm=None, out=None):
    d[a] = fitted(np.fft.fftn(d[y], axes=transform_axes(a, s, axes), norm=norm), a,
                  transform_axes(a, s, axes))


@tangent(np.fft.fftn)
def fftn_tangent(y, a, s=None, axes=None, norm=None, out=None):
    d[y] = np.fft.fftn(expand(d[a], a), s, transform_axes(a, s, axes), norm)


@adjoint(np.fft.ifftn)
def ifftn(y, a, s=None, axes=None, norm=None, out=None):
    d[a] = fitted(np.fft.ifftn(d[y], axes=transform_axes(a, s, axes), norm=norm), a,
                  transform_axes(a, s, axes))


@tangent(np.fft.ifftn)
def ifftn_tangent(y, a, s=None, axes=None, norm=None, out=None):
    d[y] = np.fft.ifftn(expand(d[a], a), s, transform_axes(a, s, axes), norm)


@adjoint(np.fft.fft2)
def fft2(y, a, s=None, axes=(-2, -1), norm=None, out=None):
    d[a] = fitted(np.fft.fftn(d[y], axes=axes, norm=norm), a, axes)


@tangent(np.fft.fft2)
def fft2_tangent(y, a, s=None, axes=(-2, -1), norm=None, out=None):
    d[y] = np.fft.fft2(expand(d[a], a), s, axes, norm)


@adjoint(np.fft.ifft2)
def ifft2(y, a, s=None, axes=(-2, -1), norm=None, out=None):
    d[a] = fitted(np.fft.ifftn(d[y], axes=axes, norm=norm), a, axes)


@tangent(np.fft.ifft2)
def ifft2_tangent(y, a, s=None, axes=(-2, -1), norm=None, out=None):
    d[y] = np.fft.ifft2(expand(d[a], a), s, axes, norm)


@adjoint(np.fft.rfft)
def rfft(y, a, n=None, axis=-1, norm=None, out=None):
    d[a] = rfft_adjoint(d[y], a, n, axis, norm)


@tangent(np.fft.rfft)
def rfft_tangent(y, a, n=None, axis=-1, norm=None, out=None):
    d[y] = np.fft.rfft(expand(d[a], a), n, axis, norm)


@adjoint(np.fft.irfft)
def irfft(y, a, n=None, axis=-1, norm=None, out=None):
    d[a] = irfft_adjoint(d[y], a, n, axis, norm)


@tangent(np.fft.irfft)
def irfft_tangent(y, a, n=None, axis=-1, norm=None, out=None):
    d[y] = np.fft.irfft(expand(d[a], a), n, axis, norm)
