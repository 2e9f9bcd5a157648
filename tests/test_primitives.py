"""Every derivative rule in the registry, checked against central finite differences.

CASES is the one table. A row names a registry key, a function below that applies
it (written out, so the generated code can be read with s2sad.source), the shapes
of the function's inputs and the domain they are drawn from. Every function ends
in `np.sum(<output> * w)`: `w` holds fixed random weights of the output's shape,
so every entry of the output's derivative counts.

Each row runs in reverse mode (s2sad.grad, all inputs) and in forward mode
(s2sad.autodiff(mode="forward")), once per input alone, so that the others'
tangents are the inactive 0.0 the rules must cope with, and once for all inputs
together), against central differences in float64.

Shapes: "2x3" is a (2, 3) array, "()" a Python float. Domains: see DOMAINS.
"""
import linecache
import math
import operator
from dataclasses import dataclass

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients
from rulecheck import check_both_modes, directional_difference
from s2sad import analysis, syntax
from s2sad.normalize import normalize
from s2sad.parsing import parse_function
from s2sad.primitives import CONCAT, COPY, REPEAT, primitive_of
from s2sad.registry import ADJOINTS, TANGENTS
from s2sad.rules.elementwise import abs_slope
from s2sad.runtime import spread, walked, walked_adjoint, walked_tangent
from s2sad.rules.indexing import added_at, scatter
from s2sad.runtime import (as_array, broadcast_like, copy_argument, copy_of, entry_adjoint,
                           expand, item_of,
                           list_adjoint, real_where_real, structured, unbroadcast,
                           zero_item)

# ---------------------------------------------------------------- operators

def assign(x, w):
    y = x
    return np.sum(y * w)


def join_lists(x, y, w):
    t = [x * 2.0] + [y, x]
    return np.sum((t[0] * t[1] + t[2]) * w)


def repeat_list(x, y, w):
    t = [x, y] * 2
    return np.sum((t[0] * t[3] + t[2]) * w)


def added_at_indices(a, v, w):
    return np.sum(added_at(a, [0, 2, 0], v) * w)


def sorted_items(x, w):
    return np.sum(np.array(sorted(list(x * 2.0), reverse=True)) * w)


def list_of_rows(x, w):
    rows = list(x * 2.0)
    return np.sum((rows[0] * rows[1]) * w)


def tuple_of_rows(x, w):
    rows = tuple(x)
    return np.sum((rows[1] - rows[0] ** 2) * w)


def unary_plus(x, w):
    return np.sum(operator.pos(x) * w)


def np_positive(x, w):
    return np.sum(np.positive(x) * w)


def unary_minus(x, w):
    return np.sum(-x * w)


def np_negative(x, w):
    return np.sum(np.negative(x) * w)


def plus(x, y, w):
    return np.sum((x + y) * w)


def np_add(x, y, w):
    return np.sum(np.add(x, y) * w)


def minus(x, y, w):
    return np.sum((x - y) * w)


def np_subtract(x, y, w):
    return np.sum(np.subtract(x, y) * w)


def times(x, y, w):
    return np.sum(x * y * w)


def np_multiply(x, y, w):
    return np.sum(np.multiply(x, y) * w)


def divided(x, y, w):
    return np.sum(x / y * w)


def np_divide(x, y, w):
    return np.sum(np.divide(x, y) * w)


def raised(x, y, w):
    return np.sum(x ** y * w)


def cubed(x, w):
    return np.sum(x ** 3 * w)


def np_power(x, y, w):
    return np.sum(np.power(x, y) * w)


def builtin_pow(x, y, w):
    return pow(x, y) * w


def modulo(x, y, w):
    return np.sum(x % y * w)


def np_mod(x, y, w):
    return np.sum(np.mod(x, y) * w)


def np_remainder(x, y, w):
    return np.sum(np.remainder(x, y) * w)


# ---------------------------------------------------------------- elementwise

def np_sin(x, w):
    return np.sum(np.sin(x) * w)


def np_cos(x, w):
    return np.sum(np.cos(x) * w)


def np_tan(x, w):
    return np.sum(np.tan(x) * w)


def np_arcsin(x, w):
    return np.sum(np.arcsin(x) * w)


def np_arccos(x, w):
    return np.sum(np.arccos(x) * w)


def np_arctan(x, w):
    return np.sum(np.arctan(x) * w)


def np_sinh(x, w):
    return np.sum(np.sinh(x) * w)


def np_cosh(x, w):
    return np.sum(np.cosh(x) * w)


def np_tanh(x, w):
    return np.sum(np.tanh(x) * w)


def np_arcsinh(x, w):
    return np.sum(np.arcsinh(x) * w)


def np_arccosh(x, w):
    return np.sum(np.arccosh(x) * w)


def np_arctanh(x, w):
    return np.sum(np.arctanh(x) * w)


def np_exp(x, w):
    return np.sum(np.exp(x) * w)


def np_exp2(x, w):
    return np.sum(np.exp2(x) * w)


def np_expm1(x, w):
    return np.sum(np.expm1(x) * w)


def np_log(x, w):
    return np.sum(np.log(x) * w)


def np_log2(x, w):
    return np.sum(np.log2(x) * w)


def np_log10(x, w):
    return np.sum(np.log10(x) * w)


def np_log1p(x, w):
    return np.sum(np.log1p(x) * w)


def np_sqrt(x, w):
    return np.sum(np.sqrt(x) * w)


def np_cbrt(x, w):
    return np.sum(np.cbrt(x) * w)


def np_square(x, w):
    return np.sum(np.square(x) * w)


def np_reciprocal(x, w):
    return np.sum(np.reciprocal(x) * w)


def np_real(x, w):
    return np.sum(np.real(x * (1.0 + 2.0j)) * w)


def real_attribute(x, w):
    return np.sum((x * (0.5 - 1.0j)).real * w)


def np_imag(x, w):
    return np.sum(np.imag(x * (1.0 + 2.0j)) * w + np.imag(x))


def imag_attribute(x, w):
    return np.sum((x * (0.5 - 1.0j)).imag * w)


def np_conj(x, w):
    return np.sum(np.real(np.conj(x * (1.0 + 2.0j)) * (3.0 - 1.0j)) * w)


def conj_method(x, w):
    return np.sum(np.real((x * (1.0 + 2.0j)).conj() * (0.5 + 1.0j)) * w)


def conjugate_method(x, w):
    return np.sum(np.imag((x * (1.0 + 2.0j)).conjugate() * (0.5 + 1.0j)) * w)


def np_abs(x, w):
    return np.sum(np.abs(x) * w)


def builtin_abs(x, w):
    return np.sum(abs(x) * w)


def np_arctan2(x, y, w):
    return np.sum(np.arctan2(x, y) * w)


def np_hypot(x, y, w):
    return np.sum(np.hypot(x, y) * w)


def np_logaddexp(x, y, w):
    return np.sum(np.logaddexp(x, y) * w)


def np_logaddexp2(x, y, w):
    return np.sum(np.logaddexp2(x, y) * w)


def np_maximum(x, y, w):
    return np.sum(np.maximum(x, y) * w)


def np_minimum(x, y, w):
    return np.sum(np.minimum(x, y) * w)


def np_fmax(x, y, w):
    return np.sum(np.fmax(x, y) * w)


def np_fmin(x, y, w):
    return np.sum(np.fmin(x, y) * w)


def np_fabs(x, w):
    return np.sum(np.fabs(x) * w)


def np_radians(x, w):
    return np.sum(np.radians(x) * w)


def np_deg2rad(x, w):
    return np.sum(np.deg2rad(x) * w)


def np_degrees(x, w):
    return np.sum(np.degrees(x) * w)


def np_rad2deg(x, w):
    return np.sum(np.rad2deg(x) * w)


def np_copysign(x, y, w):
    return np.sum(np.copysign(x, y) * w)


def np_fmod(x, y, w):
    return np.sum(np.fmod(x, y) * w)


def np_float_power(x, y, w):
    return np.sum(np.float_power(x, y) * w)


def angle_of_real(x, w):
    return np.sum(np.angle(x) * w)


def angle_of_complex(x, y, w):
    return np.sum(np.angle(x + 1j * y) * w)


def angle_in_degrees(x, y, w):
    return np.sum(np.angle(y * np.exp(1j * x), deg=True) * w)


def clip_constants(x, w):
    return np.sum(np.clip(x, -0.5, 0.5) * w)


def clip_operands(x, lo, hi, w):
    return np.sum(np.clip(x, lo, hi) * w)


def clip_keywords(x, lo, w):
    return np.sum(np.clip(x, min=lo, max=None) * w)


def where_positive(x, y, w):
    return np.sum(np.where(x > 0, x, y) * w)


def where_constant(x, w):
    return np.sum(np.where(x > 0, np.sin(x), 2.0) * w)


# ---------------------------------------------------------------- math module, builtins

def math_sin(x, w):
    return math.sin(x) * w


def math_cos(x, w):
    return math.cos(x) * w


def math_tan(x, w):
    return math.tan(x) * w


def math_asin(x, w):
    return math.asin(x) * w


def math_acos(x, w):
    return math.acos(x) * w


def math_atan(x, w):
    return math.atan(x) * w


def math_atan2(y, x, w):
    return math.atan2(y, x) * w


def math_sinh(x, w):
    return math.sinh(x) * w


def math_cosh(x, w):
    return math.cosh(x) * w


def math_tanh(x, w):
    return math.tanh(x) * w


def math_asinh(x, w):
    return math.asinh(x) * w


def math_acosh(x, w):
    return math.acosh(x) * w


def math_atanh(x, w):
    return math.atanh(x) * w


def math_exp(x, w):
    return math.exp(x) * w


def math_exp2(x, w):
    return math.exp2(x) * w


def math_expm1(x, w):
    return math.expm1(x) * w


def math_log(x, w):
    return math.log(x) * w


def math_log_base(x, base, w):
    return math.log(x, base) * w


def math_log2(x, w):
    return math.log2(x) * w


def math_log10(x, w):
    return math.log10(x) * w


def math_log1p(x, w):
    return math.log1p(x) * w


def math_sqrt(x, w):
    return math.sqrt(x) * w


def math_cbrt(x, w):
    return math.cbrt(x) * w


def math_fabs(x, w):
    return math.fabs(x) * w


def math_copysign(x, y, w):
    return math.copysign(x, y) * w


def math_erf(x, w):
    return math.erf(x) * w


def math_erfc(x, w):
    return math.erfc(x) * w


def math_gamma(x, w):
    return math.gamma(x) * w


def math_lgamma(x, w):
    return math.lgamma(x) * w


def math_pow(x, y, w):
    return math.pow(x, y) * w


def math_hypot(x, y, w):
    return math.hypot(x, y) * w


def builtin_max(x, y, w):
    return max(x, y) * w


def builtin_min(x, y, w):
    return min(x, y) * w


def builtin_float(x, w):
    return float(x) * w


def builtin_sum(x, y, w):
    return np.sum(sum([x, y * y]) * w)


def builtin_sum_start(x, y, w):
    return sum([x, x * y], y) * w


# ---------------------------------------------------------------- reductions

def np_sum(x, w):
    return np.sum(x) * w


def sum_axis_keepdims(x, w):
    return np.sum(np.sum(x, axis=0, keepdims=True) * w)


def sum_axes(x, w):
    return np.sum(np.sum(x, axis=(0, 2)) * w)


def sum_method(x, w):
    return np.sum(x.sum(axis=-1) * w)


def np_mean(x, w):
    return np.mean(x) * w


def mean_axis(x, w):
    return np.sum(np.mean(x, axis=1, keepdims=True) * w)


def mean_method(x, w):
    return np.sum(x.mean(0) * w)


def np_prod(x, w):
    return np.prod(x) * w


def prod_axis(x, w):
    return np.sum(np.prod(x, axis=1) * w)


def prod_method(x, w):
    return np.sum(x.prod(axis=0, keepdims=True) * w)


def np_max(x, w):
    return np.sum(np.max(x, axis=1) * w)


def np_amax(x, w):
    return np.sum(np.amax(x, axis=0, keepdims=True) * w)


def max_method(x, w):
    return x.max() * w


def np_min(x, w):
    return np.min(x) * w


def np_amin(x, w):
    return np.sum(np.amin(x, axis=(0, 1)) * w)


def min_method(x, w):
    return np.sum(x.min(axis=-1) * w)


def np_var(x, w):
    return np.var(x) * w


def var_axis_ddof(x, w):
    return np.sum(np.var(x, axis=0, ddof=1) * w)


def var_method(x, w):
    return np.sum(x.var(axis=1, keepdims=True) * w)


def np_std(x, w):
    return np.std(x) * w


def std_axis(x, w):
    return np.sum(np.std(x, axis=1, keepdims=True) * w)


def std_method(x, w):
    return np.sum(x.std(0, ddof=1) * w)


def norm(x, w):
    return np.linalg.norm(x) * w


def norm_axis(x, w):
    return np.sum(np.linalg.norm(x, axis=1, keepdims=True) * w)


def norm_fro(x, w):
    return np.linalg.norm(x, "fro") * w


def norm_vector_2(x, w):
    return np.sum(np.linalg.norm(x, ord=2, axis=0) * w)


def add_reduce(x, w):
    return np.sum(np.add.reduce(x) * w)


def multiply_reduce(x, w):
    return np.sum(np.multiply.reduce(x, axis=1) * w)


def maximum_reduce(x, w):
    return np.sum(np.maximum.reduce(x, axis=1) * w)


def minimum_reduce(x, w):
    return np.sum(np.minimum.reduce(x) * w)


def logaddexp_reduce(x, w):
    return np.sum(np.logaddexp.reduce(x, axis=-1) * w)


def add_accumulate(x, w):
    return np.sum(np.add.accumulate(x) * w)


def multiply_accumulate(x, w):
    return np.sum(np.multiply.accumulate(x, axis=1) * w)


def maximum_accumulate(x, w):
    return np.sum(np.maximum.accumulate(x, axis=1) * w)


def minimum_accumulate(x, w):
    return np.sum(np.minimum.accumulate(x) * w)


def np_cumprod(x, w):
    return np.sum(np.cumprod(x) * w)


def cumprod_axis(x, w):
    return np.sum(np.cumprod(x, axis=1) * w)


def cumprod_method(x, w):
    return np.sum(x.cumprod(axis=0) * w)


def np_diff(x, w):
    return np.sum(np.diff(x) * w)


def diff_twice_axis0(x, w):
    return np.sum(np.diff(x, n=2, axis=0) * w)


def diff_with_ends(x, w):
    return np.sum(np.diff(x, prepend=x[-1] * 2.0, append=0.5) * w)


def diff_with_array_ends(x, w):
    return np.sum(np.diff(x, axis=0, prepend=x[:1] * x[1:2], append=x[-2:] ** 2) * w)


def norm_1(x, w):
    return np.linalg.norm(x, 1) * w


def norm_inf(x, w):
    return np.linalg.norm(x, np.inf) * w


def norm_minus_inf_axis(x, w):
    return np.sum(np.linalg.norm(x, -np.inf, axis=1) * w)


def norm_3(x, w):
    return np.linalg.norm(x, 3) * w


def norm_matrix_1(x, w):
    return np.linalg.norm(x, 1) * w


def norm_matrix_inf(x, w):
    return np.linalg.norm(x, np.inf) * w


def norm_nuclear(x, w):
    return np.linalg.norm(x, "nuc") * w


def norm_spectral(x, w):
    return np.linalg.norm(x, 2) * w


def np_nansum(x, w):
    return np.nansum(x) * w


def nansum_axis(x, w):
    return np.sum(np.nansum(x, axis=1, keepdims=True) * w)


def np_nanmean(x, w):
    return np.nanmean(x) * w


def nanmean_axis(x, w):
    return np.sum(np.nanmean(x, axis=0) * w)


def np_gradient(x, w):
    return np.sum(np.gradient(x) * w)


def gradient_spacing_second_order(x, w):
    return np.sum(np.gradient(x, 0.5, edge_order=2) * w)


def gradient_of_a_grid(x, w):
    gx, gy = np.gradient(x, 0.5, 2.0)
    return np.sum(gx * w) + np.sum(gy * gy)


def gradient_along_axis(x, w):
    return np.sum(np.gradient(x, 0.25, axis=1, edge_order=2) * w)


def gradient_one_output_read(x, w):
    return np.sum(np.gradient(x, 0.1)[1] * w)


def np_cumsum(x, w):
    return np.sum(np.cumsum(x) * w)


def cumsum_axis(x, w):
    return np.sum(np.cumsum(x, axis=1) * w)


def cumsum_method(x, w):
    return np.sum(x.cumsum(axis=0) * w)


# ---------------------------------------------------------------- linear algebra

def matmul(a, b, w):
    return np.sum((a @ b) * w)


def np_matmul(a, b, w):
    return np.sum(np.matmul(a, b) * w)


def np_dot(a, b, w):
    return np.sum(np.dot(a, b) * w)


def dot_method(a, b, w):
    return np.sum(a.dot(b) * w)


def np_inner(a, b, w):
    return np.sum(np.inner(a, b) * w)


def np_outer(a, b, w):
    return np.sum(np.outer(a, b) * w)


def np_vdot(a, b, w):
    return np.vdot(a, b) * w


def tensordot_1(a, b, w):
    return np.sum(np.tensordot(a, b, axes=1) * w)


def tensordot_2(a, b, w):
    return np.sum(np.tensordot(a, b) * w)


def tensordot_0(a, b, w):
    return np.sum(np.tensordot(a, b, axes=0) * w)


def tensordot_pairs(a, b, w):
    return np.sum(np.tensordot(a, b, axes=([0, 2], [1, 0])) * w)


def einsum_matmul(a, b, w):
    return np.sum(np.einsum("ij,jk->ik", a, b) * w)


def einsum_rowdot(a, b, w):
    return np.sum(np.einsum("ij,ij->i", a, b) * w)


def einsum_implicit_outer(a, b, w):
    return np.sum(np.einsum("i,j", a, b) * w)


def einsum_transpose(a, w):
    return np.sum(np.einsum("ij->ji", a) * w)


def einsum_chain_of_four(a, b, c, e, w):
    return np.sum(np.einsum("ij,jk,kl,l->i", a, b, c, e) * w)


def _shaped(text, rng):
    return np.asarray(rng.normal(size=tuple(int(n) for n in text.split("x"))))


@pytest.mark.parametrize("fn", [np_dot, dot_method, np_inner, tensordot_1])
@pytest.mark.parametrize("shapes", ["2x3 3x4", "3 3x4", "2x3 3", "3 3"])
def test_products_of_vectors_and_matrices_need_no_contraction(fn, shapes, monkeypatch):
    """Operands of one or two axes, the common case, take a product each for their
    adjoints: never the general contraction, which copies a transposed operand."""
    rng = np.random.default_rng(7)
    a, b = (_shaped(text, rng) for text in shapes.split())
    if fn is np_inner:
        b = b.T  # inner contracts the last axes of both
    weights = np.asarray(rng.normal(size=np.shape(np.dot(a, b.T if fn is np_inner else b))))
    weights = float(weights) if weights.ndim == 0 else weights

    def refuse(*args):
        raise AssertionError("the general contraction ran")

    monkeypatch.setattr(s2sad.rules.linalg, "tensordot_adjoint", refuse)
    assert_gradients(fn, s2sad.grad(fn, wrt=(0, 1)), (a, b, weights), (0, 1))


def einsum_of_seven(a, w):
    return np.einsum("i,i,i,i,i,i,i->", a, a, a, a, a, a, a) * w


def einsum_with_ellipsis(a, w):
    return np.sum(np.einsum("...ij->...ji", a) * w)


def pad_mean(x):
    return np.sum(np.pad(x, 1, mode="mean"))


def assert_at_line(error, text):
    """The refusal, found when the rule runs, points at the user's line holding `text`."""
    location = error.location
    assert location.filename == __file__
    assert text in linecache.getline(location.filename, location.lineno)


def test_einsum_with_seven_operands_says_so():
    with pytest.raises(s2sad.NonDifferentiableError, match="up to six") as caught:
        s2sad.grad(einsum_of_seven)(np.ones(2), 1.0)
    assert_at_line(caught.value, "np.einsum(")
    with pytest.raises(s2sad.NonDifferentiableError, match="up to six") as caught:
        s2sad.autodiff(einsum_of_seven, mode="forward")(np.ones(2), 1.0, np.ones(2))
    assert_at_line(caught.value, "np.einsum(")


def test_einsum_with_an_ellipsis_and_pad_with_other_modes_are_refused_at_their_line():
    with pytest.raises(s2sad.NonDifferentiableError, match="explicit letters") as caught:
        s2sad.grad(einsum_with_ellipsis)(np.ones((2, 3, 3)), np.ones((2, 3, 3)))
    assert_at_line(caught.value, "np.einsum(")
    with pytest.raises(s2sad.NonDifferentiableError, match="not 'mean'") as caught:
        s2sad.grad(pad_mean)(np.ones(3))
    assert_at_line(caught.value, "np.pad(")


def cross_along_first_axis(a, b):
    return np.sum(np.cross(a, b, axis=0))


def kron_of_vectors(a, b):
    return np.sum(np.kron(a, b))


def meshgrid_of_matrices(a, b):
    ga, gb = np.meshgrid(a, b)
    return np.sum(ga * gb)


def meshgrid_sparse(a, b):
    ga, gb = np.meshgrid(a, b, sparse=True)
    return np.sum(ga * gb)


def average_returned(a, b):
    mean, total = np.average(a, weights=b, returned=True)
    return mean * total


def average_weights_of_two_axes(a, b):
    return np.sum(np.average(a, axis=(0, 1), weights=b))


def trapezoid_array_dx(a, b):
    return np.trapezoid(a, dx=b)


def meshgrid_of_seven(a, b):
    grids = np.meshgrid(a, b, a, b, a, b, a)
    return np.sum(grids[0] * grids[6])


def nan_to_num_in_place(a, b):
    return np.sum(np.nan_to_num(a * b, copy=False))


def cov_weighted(a, b):
    return np.sum(np.cov(a, aweights=b))


def insert_at_two_positions(a, b):
    return np.sum(np.insert(a, [0, 2], b))


def insert_rows(a, b):
    return np.sum(np.insert(a, 1, b, axis=0))


def gradient_at_coordinates(a, b):
    return np.sum(np.gradient(a, b) ** 2)


def gradient_in_its_spacing(a, b):
    return np.sum(np.gradient(a, b) ** 2)


REFUSED = [
    (cross_along_first_axis, "3x2 3x2", "3-vectors along the last axis", "np.cross("),
    (kron_of_vectors, "3 2", "two 2-d arrays", "np.kron("),
    (meshgrid_of_matrices, "2x2 3", "1-d arrays with sparse=False", "np.meshgrid("),
    (meshgrid_sparse, "2 3", "1-d arrays with sparse=False", "np.meshgrid("),
    (meshgrid_of_seven, "2 2", "up to six arrays", "np.meshgrid("),
    (average_returned, "3 3", "returned=False only", "np.average("),
    (average_weights_of_two_axes, "2x3x4 2x3", "1-d weights along one axis", "np.average("),
    (trapezoid_array_dx, "5 4", "a number dx", "np.trapezoid("),
    (nan_to_num_in_place, "3 3", "copy=True only", "np.nan_to_num("),
    (cov_weighted, "2x4 4", "without fweights and aweights", "np.cov("),
    (insert_at_two_positions, "4 2", "at one integer position", "np.insert("),
    (insert_rows, "2x3 3", "into a 1-d array", "np.insert("),
    (gradient_at_coordinates, "5 5", "spacing as numbers", "np.gradient("),
    (gradient_in_its_spacing, "5 ()", "in f only, not in its spacing", "np.gradient("),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, shapes, message, text", REFUSED,
                         ids=[row[0].__name__ for row in REFUSED])
def test_new_numpy_rules_refuse_other_arguments_at_their_line(fn, shapes, message, text, mode):
    rng = np.random.default_rng(3)
    args = [rng.uniform(0.5, 1.5, parse_shape(shape)) for shape in shapes.split()]
    if mode == "forward":
        df, tangents = s2sad.autodiff(fn, wrt=(0, 1), mode=mode), [np.ones_like(x) for x in args]
    else:
        df, tangents = s2sad.grad(fn, wrt=(0, 1)), []
    with pytest.raises(s2sad.NonDifferentiableError, match=message) as caught:
        df(*args, *tangents)
    assert_at_line(caught.value, text)


def nan_to_num_replacing(x, nan, posinf, neginf, w):
    return np.sum(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf) * w)


def log_space_chain(x):
    """A forward pass in log space (HMM, CTC): states not reached yet stay at -inf."""
    alpha = np.full(4, -np.inf)
    alpha[0] = x[0]
    for t in range(1, 3):
        new = np.full(4, -np.inf)
        new[0] = alpha[0] + x[t]
        for s in range(1, 4):
            new[s] = np.logaddexp(alpha[s], alpha[s - 1]) + x[t] * s
        alpha = new
    return np.logaddexp.reduce(alpha) + np.logaddexp2(alpha[3], alpha[2]) * 0.5


def test_log_sums_of_terms_at_minus_infinity_have_finite_derivatives():
    """logaddexp(-inf, -inf) is -inf; its share rules gave NaN (-inf - -inf) to the
    tangent, the Hessian and the adjoint of the unreached entries."""
    x = np.array([0.3, -0.2, 0.5])
    with np.errstate(invalid="raise"):
        check_both_modes(log_space_chain, (x,))
        v = np.array([1.0, -0.5, 2.0])
        gradient = s2sad.grad(log_space_chain)
        expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
        np.testing.assert_allclose(s2sad.hvp(log_space_chain)(x, v), expected, rtol=1e-5,
                                   atol=1e-8)


def test_nan_to_num_sends_the_derivative_to_the_value_that_replaced_nan_or_inf():
    """A closed form: d/dx is w where x is finite, 0 elsewhere; the replacement
    values collect the weights of the entries they replaced."""
    x = np.array([1.5, np.nan, np.inf, -np.inf, -0.5, np.nan])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    bx, bnan, bposinf, bneginf = s2sad.grad(nan_to_num_replacing, wrt=(0, 1, 2, 3))(
        x, 0.25, 9.0, -9.0, w)
    np.testing.assert_array_equal(bx, [1.0, 0.0, 0.0, 0.0, 5.0, 0.0])
    assert (bnan, bposinf, bneginf) == (8.0, 3.0, 4.0)
    jvp = s2sad.autodiff(nan_to_num_replacing, wrt=(0, 1, 2, 3), mode="forward")
    tx = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    got = jvp(x, 0.25, 9.0, -9.0, w, tx, 0.1, 0.01, 0.001)
    assert got == pytest.approx(10.0 + 250.0 + 0.1 * 8.0 + 0.01 * 3.0 + 0.001 * 4.0)


def cross_twice(a):
    return np.sum(np.cross(a[:3], a[3:] * a[:3]) ** 2)


def average_twice(a):
    return np.average(a ** 3, weights=a * a)


def trapezoid_twice(a):
    return np.trapezoid(np.sin(a), np.cumsum(a * a))


def meshgrid_twice(a):
    ga, gb = np.meshgrid(a, a * a)
    return np.sum(np.sin(ga * gb))


def cov_twice(a):
    return np.sum(np.cov(np.reshape(a ** 2, (2, 3)), a[:3]) ** 2)


def corrcoef_twice(a):
    return np.sum(np.corrcoef(np.reshape(np.sin(a), (2, 3)), a[3:] ** 2) ** 3)


def insert_and_append_twice(a):
    return np.sum(np.append(np.insert(a ** 2, 1, a[0] * a[2]), np.sin(a)) ** 3)


def kron_twice(a):
    m = np.reshape(a, (2, 3))
    return np.sum(np.kron(m, m.T * m.T) ** 2)


def triangles_twice(a):
    m = np.outer(a, a)
    return np.sum(np.triu(m, 1) ** 2 + np.tril(m) ** 3)


def reorders_twice(a):
    order = np.argsort(a)
    return np.sum(np.tanh(np.sort(a * a[::-1])) ** 2) + \
        np.sum(np.take_along_axis(a ** 3, order, 0) * np.arange(6.0)) + \
        np.sum(np.take(a ** 2, [0, 1, 1, 3]) ** 2)


def pads_twice(a):
    return np.sum(np.pad(a ** 2, 2, mode="reflect") ** 2) + \
        np.sum(np.pad(a, 1, constant_values=a[0] ** 2) ** 3)


def selects_twice(a):
    return np.sum(np.select([a > 0.8, a < 0.5], [a ** 3, np.sin(a)], a[0] * a) ** 2) + \
        np.sum(np.column_stack([a, a ** 2]) ** 3)


def quantiles_twice(a):
    return np.quantile(a ** 3, 0.3) * np.median(np.sin(a)) + \
        np.percentile(a * a, [20.0, 70.0])[1] ** 2 + np.nanmedian(a ** 2) ** 3


def items_twice(a):
    return np.sum(a ** 3).item() * a.item(2) + np.reshape(a, (2, 3)).item((1, 1)) ** 3


def diff_twice(a):
    return np.sum(np.diff(a, prepend=a[-1] ** 2) ** 3) + np.sum(np.diff(a, n=2) ** 2)


def ufunc_methods_twice(a):
    m = np.reshape(a, (2, 3))
    return np.sum(np.maximum.accumulate(a ** 3) ** 2) + np.sum(np.minimum.accumulate(m, 1) ** 3) + \
        np.sum(np.multiply.accumulate(a) * a) + np.logaddexp.reduce(a * a) ** 2 + \
        np.sum(np.add.accumulate(m) ** 3) + np.multiply.reduce(a) * np.maximum.reduce(a ** 2)


def elementwise_more_twice(a):
    z = a[:3] + 1j * a[3:]
    return np.sum(np.fabs(a - 0.5) ** 3 + np.copysign(a ** 2, a - 0.6) ** 2) + \
        np.sum(np.fmod(a ** 3 * 5.0, a + 0.2) ** 2) + np.sum(np.float_power(a, a * 2.0)) + \
        np.sum(np.angle(z * z) ** 2) + np.sum(np.degrees(a) * np.radians(a ** 2))


def nan_reductions_twice(a):
    b = np.where(a > 1.0, np.nan, a)
    m = np.reshape(a, (2, 3))
    return np.nansum(b ** 3) * np.nanmean(np.sin(b)) + np.sum(np.nanmean(m ** 2, axis=0) ** 2)


def gradients_and_diagonals_twice(a):
    m = np.reshape(a, (2, 3))
    gx, gy = np.gradient(m ** 2, 0.5)
    return np.sum(np.gradient(a ** 3, edge_order=2) ** 2) + np.sum(gx * gy ** 2) + \
        np.sum(np.diagflat(a[:3] ** 2, 1) @ np.diagflat(a[3:], -1) ** 2) + \
        np.sum(m.swapaxes(0, 1) ** 3 * np.arange(6.0).reshape(3, 2)) + \
        np.sum(np.diagonal(np.outer(a, a ** 2), 1) ** 2)


def interp_and_polyval_twice(a):
    xp = np.cumsum(np.abs(a[:4]) + 0.2)
    x = np.array([-0.5, 0.3, 0.9, 1.4, 2.2, 9.0]) * a[5] + a
    return np.sum(np.interp(x, xp, np.sin(a[2:6] * 3.0)) ** 2) + \
        np.sum(np.interp(x, xp, a[:4] ** 2, left=a[0] ** 2, right=a[1] * a[2]) ** 3) + \
        np.sum(np.polyval(a[:4] ** 2, a * 0.7) ** 2) + np.polyval(a[1:3], a[0]) ** 3 + \
        np.sum(np.polynomial.polynomial.polyval(a * 0.7, a[:4] ** 2) ** 2) + \
        np.sum(np.bincount([1, 0, 1, 3, 3, 1], a ** 3, minlength=5) ** 2)


def decompositions_twice(a):
    m = np.reshape(a, (3, 2))
    x, res, rank, s = np.linalg.lstsq(np.vstack([m, a[:2] ** 2]) + np.eye(4, 2), a ** 2 @
                                      np.ones((6, 4)) / 6.0, rcond=None)
    square = np.reshape(np.concatenate([a, a[:3] * 0.5]), (3, 3))
    w, v = np.linalg.eigh(square + square.T)
    u, sv, vh = np.linalg.svd(m, full_matrices=False)
    q, r = np.linalg.qr(m)
    return np.sum(x ** 3) + res[0] ** 2 + np.sum(s ** 2 * a[:2]) + w[-1] + \
        np.sum(v[:, 0] ** 4) + np.sum(u[:, 0] ** 4) + np.sum(vh ** 3) + np.sum(q ** 3) + \
        np.sum(r ** 3)


def elementwise_twice(a):
    return np.ptp(a ** 3) ** 2 + np.sum(np.nan_to_num(a ** 3) ** 2 + np.sinc(a * a))


@pytest.mark.parametrize("fn", [cross_twice, average_twice, trapezoid_twice, meshgrid_twice,
                                cov_twice, corrcoef_twice, insert_and_append_twice, kron_twice,
                                triangles_twice, elementwise_twice, diff_twice, reorders_twice,
                                pads_twice, selects_twice, items_twice, quantiles_twice,
                                ufunc_methods_twice, elementwise_more_twice,
                                nan_reductions_twice, gradients_and_diagonals_twice,
                                interp_and_polyval_twice, decompositions_twice])
def test_new_numpy_rules_differentiate_twice(fn):
    """The Hessian (forward mode over the rules' reverse mode) against central
    differences of the gradient."""
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(fn)
    step = 1e-5
    expected = np.stack([(gradient(a + step * e) - gradient(a - step * e)) / (2 * step)
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(fn)(a), expected, rtol=1e-5, atol=1e-6)


def special_math(x):
    y = x * 0.5 - 1.1
    return math.gamma(x) * math.lgamma(y) + math.erf(x * y) ** 2 + math.erfc(x - y) * x


@pytest.mark.parametrize("x", [1.3, -0.4, 4.2, 14.5])
def test_math_special_functions_differentiate_twice(x):
    """math.gamma and math.lgamma read digamma, whose tangent is trigamma: the second
    derivative against central differences of the first."""
    gradient = s2sad.grad(special_math)
    expected = (gradient(x + 1e-5) - gradient(x - 1e-5)) / 2e-5
    assert s2sad.hvp(special_math)(x, 1.0) == pytest.approx(expected, rel=1e-6)


def test_digamma_and_trigamma_match_scipy():
    special = pytest.importorskip("scipy.special")
    from s2sad.rules.scalar_math import digamma, trigamma
    for x in [-3.7, -2.5, -0.3, 0.1, 0.5, 1.0, 2.3, 9.99, 10.0, 12.5, 1e5]:
        assert digamma(x) == pytest.approx(special.digamma(x), rel=1e-13, abs=1e-13)
        assert trigamma(x) == pytest.approx(special.polygamma(1, x), rel=1e-13, abs=1e-13)
    assert math.isnan(digamma(-2.0)) and math.isnan(trigamma(0.0))


def trapezoid_of_float32(y, x):
    return np.trapezoid(y, x) + np.trapezoid(y * x)


def cov_and_corrcoef_of_float32(y, x):
    return np.sum(np.cov(y, x) ** 2) + np.sum(np.corrcoef(y, x * x) ** 3)


@pytest.mark.parametrize("fn", [trapezoid_of_float32, cov_and_corrcoef_of_float32])
def test_new_numpy_rules_keep_float32(fn):
    """float32 in, float32 out (np.cov computes in float64, a float seed is float64),
    with float64's gradient to float32's precision."""
    y = np.array([0.3, 0.6, 0.9, 1.4], np.float32)
    x = np.array([0.5, 0.7, 1.1, 1.6], np.float32)
    got = s2sad.grad(fn, wrt=(0, 1))(y, x)
    expected = s2sad.grad(fn, wrt=(0, 1))(y.astype(float), x.astype(float))
    for g, e in zip(got, expected):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def einsum_trace(a, w):
    return np.einsum("ii", a) * w


def einsum_sum_out(a, b, w):
    return np.sum(np.einsum("ij,k->k", a, b) * w)


def einsum_three(a, b, c, w):
    return np.sum(np.einsum("ij,jk,kl->il", a, b, c) * w)


def np_trace(a, w):
    return np.trace(a) * w


def trace_offset_axes(a, w):
    return np.sum(np.trace(a, 1, 1, 2) * w)


def diag_vector(v, w):
    return np.sum(np.diag(v) * w)


def diag_vector_offset(v, w):
    return np.sum(np.diag(v, 1) * w)


def np_diagonal(a, w):
    return np.sum(np.diagonal(a) * w)


def diagonal_of_a_stack(a, w):
    return np.sum(np.diagonal(a, -1, 2, 0) * w)


def diagonal_method(a, w):
    return np.sum(a.diagonal(1) * w)


def np_diagflat(v, w):
    return np.sum(np.diagflat(v) * w)


def diagflat_offset(v, w):
    return np.sum(np.diagflat(v, -1) * w)


def diag_matrix(a, w):
    return np.sum(np.diag(a, k=-1) * w)


def inv(a, w):
    return np.sum(np.linalg.inv(a) * w)


def solve(a, b, w):
    return np.sum(np.linalg.solve(a, b) * w)


def det(a, w):
    return np.sum(np.linalg.det(a) * w)


def slogdet(a, w):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(sign * logdet * w)


def slogdet_attribute(a, w):
    return np.sum(np.linalg.slogdet(a).logabsdet * w)


def cholesky(b, w):
    """Of a symmetric positive definite matrix built from b (cholesky reads one triangle)."""
    a = b @ np.swapaxes(b, -1, -2) + 2.0 * np.eye(3)
    return np.sum(np.linalg.cholesky(a) * w)


def cholesky_upper(b, w):
    a = b @ b.T + 2.0 * np.eye(3)
    return np.sum(np.linalg.cholesky(a, upper=True) * w)


def symmetric(b):
    """A symmetric matrix built from a free one: eigh reads one triangle only."""
    return b + np.swapaxes(b, -1, -2)


def eigh(b, w):
    values, vectors = np.linalg.eigh(symmetric(b))
    return np.sum(vectors * w) + np.sum(values ** 2)


def eigh_values_by_name(b, w):
    return np.sum(np.linalg.eigh(symmetric(b)).eigenvalues * w)


def eigvalsh(b, w):
    return np.sum(np.linalg.eigvalsh(symmetric(b), UPLO="U") * w)


def svd_reduced(a, w):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * w) + np.sum(s ** 2) + np.sum(vh[..., 0, :] ** 3)


def svd_square(a, w):
    """Full matrices of a square matrix are the reduced ones."""
    u, s, vh = np.linalg.svd(a)
    return np.sum(vh * w) + np.sum(u[:, 0] ** 3) + np.sum(np.log(s))


def svd_values(a, w):
    return np.sum(np.linalg.svd(a, compute_uv=False) * w)


def qr(a, w):
    q, r = np.linalg.qr(a)
    return np.sum(q * w) + np.sum(r ** 2)


def qr_r_only(a, w):
    return np.sum(np.linalg.qr(a, mode="r") * w)


def lstsq(a, b, w):
    return np.sum(np.linalg.lstsq(a, b)[0] * w)


def lstsq_every_output(a, b, w):
    """x, the residuals and the singular values all vary; the rank does not."""
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x * w) + np.sum(residuals * np.arange(1.0, 3.0)) + np.sum(s ** 2) * rank


def pinv(a, w):
    return np.sum(np.linalg.pinv(a) * w)


def matrix_power_3(a, w):
    return np.sum(np.linalg.matrix_power(a, 3) * w)


def matrix_power_minus_2(a, w):
    return np.sum(np.linalg.matrix_power(a, -2) * w)


# ---------------------------------------------------------------- shapes

def np_reshape(x, w):
    return np.sum(np.reshape(x, (3, 2)) * w)


def reshape_fortran(x, w):
    return np.sum(np.reshape(x, -1, order="F") * w)


def reshape_method(x, w):
    return np.sum(x.reshape(3, 2) * w)


def reshape_method_tuple(x, w):
    return np.sum(x.reshape((6,)) * w)


def np_ravel(x, w):
    return np.sum(np.ravel(x) * w)


def ravel_fortran(x, w):
    return np.sum(np.ravel(x, order="F") * w)


def ravel_method(x, w):
    return np.sum(x.ravel() * w)


def flatten_method(x, w):
    return np.sum(x.flatten() * w)


def np_squeeze(x, w):
    return np.sum(np.squeeze(x) * w)


def squeeze_method(x, w):
    return np.sum(x.squeeze(axis=1) * w)


def np_expand_dims(x, w):
    return np.sum(np.expand_dims(x, (0, 2)) * w)


def np_transpose(x, w):
    return np.sum(np.transpose(x) * w)


def transpose_axes(x, w):
    return np.sum(np.transpose(x, (1, 2, 0)) * w)


def transpose_method(x, w):
    return np.sum(x.transpose() * w)


def transpose_method_tuple(x, w):
    return np.sum(x.transpose((2, 0, 1)) * w)


def transpose_method_varargs(x, w):
    return np.sum(x.transpose(1, 0) * w)


def attribute_T(x, w):
    return np.sum(x.T * w)


def np_swapaxes(x, w):
    return np.sum(np.swapaxes(x, 0, 2) * w)


def swapaxes_method(x, w):
    return np.sum(x.swapaxes(1, -1) * w)


def np_moveaxis(x, w):
    return np.sum(np.moveaxis(x, 0, -1) * w)


def broadcast_to(x, w):
    return np.sum(np.broadcast_to(x, (4, 3)) * w)


def broadcast_to_column(x, w):
    return np.sum(np.broadcast_to(x, (3, 4)) * w)


def np_atleast_1d(x, w):
    return np.sum(np.atleast_1d(x) * w)


def np_atleast_2d(x, w):
    return np.sum(np.atleast_2d(x) * w)


def np_atleast_3d(x, w):
    return np.sum(np.atleast_3d(x) * w)


def np_sort(x, w):
    return np.sum(np.sort(x) * w)


def sort_axis0(x, w):
    return np.sum(np.sort(x, axis=0) * w)


def sort_flat(x, w):
    return np.sum(np.sort(x, axis=None) * w)


def np_take(x, w):
    return np.sum(np.take(x, [0, 2, 2, -1]) * w)


def take_axis(x, w):
    return np.sum(np.take(x, np.array([[1, 0], [1, 1]]), axis=1) * w)


def take_wrap(x, w):
    return np.sum(np.take(x, [3, -5], axis=0, mode="wrap") * w)


def np_flip(x, w):
    return np.sum(np.flip(x) * w)


def flip_axis(x, w):
    return np.sum(np.flip(x, 1) * w)


def np_roll(x, w):
    return np.sum(np.roll(x, 2) * w)


def roll_axes(x, w):
    return np.sum(np.roll(x, (1, -1), axis=(0, 1)) * w)


# ---------------------------------------------------------------- constructors of values

def np_full(x, w):
    return np.sum(np.full((2, 3), x) * w)


def full_row(x, w):
    return np.sum(np.full((2, 3), x) * w)


def np_full_like(x, a, w):
    return np.sum(np.full_like(a, x) * w)


def np_linspace(a, b, w):
    return np.sum(np.linspace(a, b, 5) * w)


def linspace_arrays(a, b, w):
    return np.sum(np.linspace(a, b, 4, endpoint=False, axis=1) * w)


def np_arange(a, b, w):
    return np.sum(np.arange(a, 10.0, b) * w)


def arange_stop_only(x, w):
    return np.sum(np.arange(x) * x * w)


def np_tile(x, w):
    return np.sum(np.tile(x, 2) * w)


def tile_more_dims(x, w):
    return np.sum(np.tile(x, (2, 1, 2)) * w)


def np_repeat(x, w):
    return np.sum(np.repeat(x, 2) * w)


def repeat_axis(x, w):
    return np.sum(np.repeat(x, [1, 0, 2], axis=1) * w)


def pad_constant(x, w):
    return np.sum(np.pad(x, ((1, 2), (0, 1))) * w)


def pad_value(x, c, w):
    return np.sum(np.pad(x, 1, constant_values=c) * w)


def pad_reflect(x, w):
    return np.sum(np.pad(x, (2, 1), mode="reflect") * w)


def pad_wrap(x, w):
    return np.sum(np.pad(x, ((1, 1), (2, 0)), mode="wrap") * w)


def concatenate_rows(x, w):
    return np.sum(np.concatenate(x, axis=1) * w)


def concatenate_flat(x, w):
    return np.sum(np.concatenate(x, axis=None) * w)


def concatenate_list(a, b, w):
    return np.sum(np.concatenate([a, b]) * w)


def list_used_twice(a, b, w):
    t = [a, b]
    return np.sum(np.concatenate(t) * w) + np.sum(np.stack(t) ** 2)


def np_stack(x, w):
    return np.sum(np.stack(x, axis=1) * w)


def stack_list(a, b, w):
    return np.sum(np.stack([a, b]) * w)


def np_hstack(x, w):
    return np.sum(np.hstack(x) * w)


def hstack_tuple(a, b, w):
    return np.sum(np.hstack((a, b)) * w)


def np_vstack(x, w):
    return np.sum(np.vstack(x) * w)


def vstack_list(a, b, w):
    return np.sum(np.vstack([a, b]) * w)


def np_split(x, w):
    a, b = np.split(x, [1], axis=1)
    return np.sum(a * np.sin(b) * w)


def np_array_split(x, w):
    parts = np.array_split(x, 2)
    return np.sum(parts[1] * w)


def np_copy(x, w):
    return np.sum(np.copy(x) * w)


def copy_method(x, w):
    return np.sum(x.copy() * w)


def astype_float(x, w):
    return np.sum(x.astype(float) * w)


def np_asarray(x, w):
    return np.sum(np.asarray(x) * w)


def np_array(x, w):
    return np.sum(np.array(x, ndmin=2) * w)


def array_of_list(a, b, w):
    return np.sum(np.array([a, b]) * w)


# ---------------------------------------------------------------- indexing

def index_int(x, w):
    return x[1] * w


def index_negative(x, w):
    return np.sum(x[-1] * w)


def index_slice(x, w):
    return np.sum(x[1:3] * w)


def index_step(x, w):
    return np.sum(x[::2] * w)


def index_reversed(x, w):
    return np.sum(x[::-1] * w)


def index_tuple(x, w):
    return np.sum(x[1, 1:3] * w)


def index_ellipsis(x, w):
    return np.sum(x[..., 0] * w)


def index_none(x, w):
    return np.sum(x[None, :, 1] * w)


def index_fancy_repeated(x, w):
    return np.sum(x[[0, 2, 2]] * w)


def index_fancy_pairs(x, w):
    return np.sum(x[[0, 1, 0], [2, 2, 2]] * w)


def index_mask(x, w):
    return np.sum(x[x > 0] ** 2) * w


def index_argmax(x, w):
    return x[np.argmax(x)] * w


def index_scalar_pair(x, w):
    return x[0, 1] * w


# ---------------------------------------------------------------- runtime helpers

def rule_scatter(g, x, w):
    return np.sum(scatter(g, x, slice(1, 3)) * w)


def array_items(x, w):
    m = np.reshape(x, (2, 3))
    return (np.sum(x ** 2).item() + m.item(4) ** 2 + m.item((1, 0)) * x.item(2)) * w


def rule_abs_slope(x, w):
    return np.sum(np.real(abs_slope(x * (1.0 + 2.0j) + 0.5) * (1.0 - 1.0j)) * w) + \
        np.sum(abs_slope(x) * w)


def walked_rows(x, w):
    rows = walked(x * 2.0)
    return np.sum((rows[0] * rows[1]) * w)


def rule_walked_adjoint(g, x, w):
    return np.sum(walked_adjoint(g * g, x) * w)


def rule_walked_tangent(t, x, w):
    return np.sum(walked_tangent(t * t, x) * w)


def rule_spread(g, x, w):
    whole, first = spread(g, [x, x[0]])
    return np.sum((whole * first + whole) * w)


def rule_scatter_fancy(g, x, w):
    return np.sum(scatter(g, x, [0, 2, 0]) * w)


def runtime_unbroadcast(g, x, w):
    return np.sum(unbroadcast(g, x) * w)


def runtime_expand(t, x, w):
    return np.sum(expand(t, x) * w)


def runtime_as_array(x, w):
    return np.sum(as_array(x) * w)


def runtime_broadcast_like(value, x, w):
    return np.sum(broadcast_like(value, x, np.float64) * w)


def runtime_copy_of(x, w):
    return np.sum(copy_of(x) * w)


def runtime_copy_argument(x, w):
    return np.sum(copy_argument(x) * w)


def runtime_list_adjoint(x, w):
    return np.sum(list_adjoint(x, w) * w)


def runtime_real_where_real(g, w):
    """The adjoint of a real variable from a complex value: its real part."""
    return np.sum(real_where_real(g * (1.0 + 2.0j), w) * w)


def runtime_zero_item(g, w):
    return np.sum(zero_item(g, 1) * w)


def runtime_item_of(g, w):
    return np.sum(item_of(g, 1) * w)


def runtime_entry_adjoint(g, w):
    return np.sum(entry_adjoint({"a": g}, "a", w) * w) + np.sum(entry_adjoint({}, "b", w))


def runtime_structured(g, w):
    return np.sum(structured(g, w) * w)


# ---------------------------------------------------------------- order statistics

def np_median(x, w):
    return np.sum(np.median(x) * w)


def median_axis_keepdims(x, w):
    return np.sum(np.median(x, axis=1, keepdims=True) * w)


def median_axes(x, w):
    return np.sum(np.median(x, axis=(0, 2)) * w)


def np_quantile(x, w):
    return np.sum(np.quantile(x, 0.3) * w)


def quantile_of_q(x, q, w):
    return np.sum(np.quantile(x, q, axis=0) * w)


def quantiles_axis(x, w):
    return np.sum(np.quantile(x, [0.1, 0.5, 0.9], axis=1) * w)


def np_percentile(x, w):
    return np.sum(np.percentile(x, [25.0, 60.0], axis=0, keepdims=True) * w)


def percentile_of_q(x, q, w):
    return np.sum(np.percentile(x, 100.0 * q) * w)


def percentile_methods(x, w):
    return np.sum((np.percentile(x, 30.0, method="lower") + np.percentile(x, 30.0, method="higher")
                   + np.percentile(x, 30.0, method="midpoint")
                   + np.percentile(x, 30.0, method="nearest")) * w)


def np_nanmedian(x, w):
    return np.sum(np.nanmedian(x, axis=0) * w)


def np_nanquantile(x, q, w):
    return np.sum(np.nanquantile(x, q, axis=1, keepdims=True) * w)


def np_nanpercentile(x, w):
    return np.sum(np.nanpercentile(x, [20.0, 70.0]) * w)


# ---------------------------------------------------------------- signals and curves

def np_convolve(a, v, w):
    return np.sum(np.convolve(a, v) * w)


def convolve_same(a, v, w):
    return np.sum(np.convolve(a, v, mode="same") * w)


def convolve_valid(a, v, w):
    return np.sum(np.convolve(a, v, "valid") * w)


def np_correlate(a, v, w):
    return np.sum(np.correlate(a, v) * w)


def correlate_same(a, v, w):
    return np.sum(np.correlate(a, v, "same") * w)


def correlate_full(a, v, w):
    return np.sum(np.correlate(a, v, mode="full") * w)


def np_interp(x, gaps, fp, w):
    xp = np.cumsum(gaps)
    return np.sum(np.interp(x, xp, fp) * w)


def interp_left_right(x, fp, left, right, w):
    return np.sum(np.interp(x, [0.0, 1.0, 2.5, 4.0], fp, left, right) * w)


def np_polyval(p, x, w):
    return np.sum(np.polyval(p, x) * w)


def series_polyval(x, c, w):
    return np.sum(np.polynomial.polynomial.polyval(x, c) * w)


def series_polyval_constant(x, w):
    return np.sum(np.polynomial.polynomial.polyval(x, [0.5, -2.0, 1.0]) * w)


def bincount_weights(v, w):
    return np.sum(np.bincount(np.array([3, 0, 3, 1]), weights=v, minlength=6) * w)


def bincount_of_rows(v, w):
    return np.sum(np.bincount([2, 0, 2, 2, 1, 0], v.ravel() ** 2) * w)


def polyval_constant_coefficients(x, w):
    return np.sum(np.polyval([1.0, -2.0, 0.5], x) * w)


# ---------------------------------------------------------------- Fourier transforms
# each counts the real and the imaginary part of the transform

def np_fft(x, w):
    z = np.fft.fft(x)
    return np.sum((z.real + 2.0 * z.imag) * w)


def fft_n_axis_norm(x, w):
    z = np.fft.fft(x, 6, axis=0, norm="ortho")
    return np.sum((z.real + 2.0 * z.imag) * w)


def fft_cut(x, w):
    z = np.fft.fft(x, n=3)
    return np.sum((z.real + 2.0 * z.imag) * w)


def np_ifft(x, w):
    z = np.fft.ifft(x * (1.0 - 0.5j), norm="forward")
    return np.sum((z.real + 2.0 * z.imag) * w)


def np_fft2(x, w):
    z = np.fft.fft2(x)
    return np.sum((z.real + 2.0 * z.imag) * w)


def fft2_shape(x, w):
    z = np.fft.fft2(x, s=(4, 2), norm="ortho")
    return np.sum((z.real + 2.0 * z.imag) * w)


def np_ifft2(x, w):
    z = np.fft.ifft2(x + 0.5j * x * x)
    return np.sum((z.real + 2.0 * z.imag) * w)


def fftn_axes(x, w):
    z = np.fft.fftn(x, axes=(0, 2))
    return np.sum((z.real + 2.0 * z.imag) * w)


def ifftn_shape(x, w):
    z = np.fft.ifftn(x * (2.0 + 1.0j), s=(3, 5), axes=(0, 1))
    return np.sum((z.real + 2.0 * z.imag) * w)


def np_rfft(x, w):
    z = np.fft.rfft(x)
    return np.sum((z.real + 2.0 * z.imag) * w)


def rfft_n_axis(x, w):
    z = np.fft.rfft(x, n=7, axis=0, norm="forward")
    return np.sum((z.real + 2.0 * z.imag) * w)


def np_irfft(x, w):
    return np.sum(np.fft.irfft(x * (1.0 + 0.5j)) * w)


def irfft_odd_n(x, w):
    return np.sum(np.fft.irfft(x * (0.5 - 1.0j), 7, norm="ortho") * w)


def irfft_cut_axis(x, w):
    return np.sum(np.fft.irfft(x * (1.0 + 2.0j), n=4, axis=0) * w)


# ---------------------------------------------------------------- more NumPy functions

def np_triu(x, w):
    return np.sum(np.triu(x) * w)


def triu_above(x, w):
    return np.sum(np.triu(x, k=1) * w)


def np_tril(x, w):
    return np.sum(np.tril(x, -1) * w)


def clip_method(x, w):
    return np.sum(x.clip(-0.5, 0.5) * w)


def clip_method_keywords(x, lo, w):
    return np.sum(x.clip(min=lo) * w)


def repeat_method(x, w):
    return np.sum(x.repeat(2, axis=1) * w)


def np_column_stack(x, y, w):
    return np.sum(np.column_stack((x, y)) * w)


SORTED_PICKS = np.array([[2, 0, 0], [1, 1, 2]])


def np_take_along_axis(x, w):
    return np.sum(np.take_along_axis(x, SORTED_PICKS, axis=1) * w)


def take_along_axis_flat(x, w):
    return np.sum(np.take_along_axis(x, np.array([3, 0, 3]), axis=None) * w)


def take_along_axis_broadcast(x, w):
    return np.sum(np.take_along_axis(x, np.array([[1], [0]]), axis=1) * w)


def np_nan_to_num(x, w):
    return np.sum(np.nan_to_num(x * 2.0) * w)


def np_ptp(x, w):
    return np.ptp(x) * w


def ptp_axis(x, w):
    return np.sum(np.ptp(x, axis=0) * w)


def np_average(x, w):
    return np.average(x) * w


def average_weighted(x, v, w):
    return np.sum(np.average(x, axis=0, weights=v) * w)


def average_weights_along_axis(x, v, w):
    return np.sum(np.average(x, axis=1, weights=v, keepdims=True) * w)


def np_sinc(x, w):
    return np.sum(np.sinc(x) * w)


def np_append(x, y, w):
    return np.sum(np.append(x, y) * w)


def append_rows(x, y, w):
    return np.sum(np.append(x, y, axis=0) * w)


def np_cross(a, b, w):
    return np.sum(np.cross(a, b) * w)


def np_kron(a, b, w):
    return np.sum(np.kron(a, b) * w)


def np_meshgrid(x, y, w):
    gx, gy = np.meshgrid(x, y)
    return np.sum((gx * gy + gx) * w)


def meshgrid_ij(x, y, z, w):
    gx, gy, gz = np.meshgrid(x, y, z, indexing="ij")
    return np.sum((gx * gz - gy) * w)


def meshgrid_of_four(x, y, z, v, w):
    gx, gy, gz, gv = np.meshgrid(x, y, z, v)
    return np.sum((gx * gy - gz * gv) * w)


def np_trapezoid(y, w):
    return np.trapezoid(y) * w


def trapezoid_x(y, x, w):
    return np.sum(np.trapezoid(y, x) * w)


def trapezoid_x_axis(y, x, w):
    return np.sum(np.trapezoid(y, x, axis=0) * w)


def trapezoid_dx(y, h, w):
    return np.trapezoid(y, dx=h) * w


def np_select(x, y, w):
    return np.sum(np.select([x < -0.3, x > 0.3], [x * x, np.sin(y)], default=y) * w)


def select_without_default(x, y, w):
    return np.sum(np.select([x > 0.0], [x * y]) * w)


def np_cov(x, w):
    return np.sum(np.cov(x) * w)


def cov_of_two(x, y, w):
    return np.sum(np.cov(x, y, bias=True) * w)


def cov_columns(x, y, w):
    return np.sum(np.cov(x, y, rowvar=False, ddof=2) * w)


def cov_of_a_vector(x, w):
    return np.cov(x) * w


def np_corrcoef(x, w):
    return np.sum(np.corrcoef(x) * w)


def corrcoef_of_two(x, y, w):
    return np.sum(np.corrcoef(x, y) * w)


def corrcoef_columns(x, w):
    return np.sum(np.corrcoef(x, rowvar=False) * w)


def np_insert(x, v, w):
    return np.sum(np.insert(x, 2, v) * w)


def insert_negative(x, v, w):
    return np.sum(np.insert(x, -1, v) * w)


def insert_flat(x, v, w):
    return np.sum(np.insert(x, 6, v) * w)


# ---------------------------------------------------------------- the table

@dataclass
class Case:
    key: object
    fn: object
    shapes: str
    domain: object = "real"
    skip: str = ""

    @property
    def id(self):
        return f"{self.fn.__name__}[{self.shapes}]"


def C(key, fn, shapes, domain="real", skip=""):
    return Case(key, fn, shapes, domain, skip)


CASES = [
    # operators
    C(COPY, assign, "2x3"),
    C(CONCAT, join_lists, "3 3"),
    C(REPEAT, repeat_list, "2x3 2x3"),
    C(list, list_of_rows, "2x3"),
    C(sorted, sorted_items, "4"),
    C(added_at, added_at_indices, "4 3"),
    C(added_at, added_at_indices, "4 ()"),
    C(tuple, tuple_of_rows, "3x2"),
    C(operator.pos, unary_plus, "3"),
    C(np.positive, np_positive, "3"),
    C(operator.neg, unary_minus, "2x3"),
    C(operator.neg, unary_minus, "()"),
    C(np.negative, np_negative, "3"),
    C(operator.add, plus, "2x3 2x3"),
    C(operator.add, plus, "3x1 4"),
    C(operator.add, plus, "() 3"),
    C(np.add, np_add, "3 2x3"),
    C(operator.sub, minus, "3x1 4"),
    C(operator.sub, minus, "() ()"),
    C(np.subtract, np_subtract, "2x1 3"),
    C(operator.mul, times, "3x1 4"),
    C(operator.mul, times, "2x3 ()"),
    C(np.multiply, np_multiply, "3 2x3"),
    C(operator.truediv, divided, "3x1 4", ("real", "pos")),
    C(operator.truediv, divided, "() 3", ("real", "pos")),
    C(np.divide, np_divide, "2x3 3", ("real", "pos")),
    C(operator.pow, raised, "3x1 4", ("pos", "real")),
    C(operator.pow, cubed, "2x3"),
    C(np.power, np_power, "3 2x3", ("pos", "real")),
    C(pow, builtin_pow, "() ()", ("pos", "real")),
    C(operator.mod, modulo, "3x1 4", ("pos", "pos")),
    C(np.mod, np_mod, "3 3", ("pos", "pos")),
    C(np.remainder, np_remainder, "2x3 ()", ("pos", "pos")),
    # elementwise, one operand
    C(np.sin, np_sin, "2x3"),
    C(np.sin, np_sin, "()"),
    C(np.cos, np_cos, "2x3"),
    C(np.tan, np_tan, "2x3"),
    C(np.arcsin, np_arcsin, "2x3", "unit"),
    C(np.arccos, np_arccos, "2x3", "unit"),
    C(np.arctan, np_arctan, "2x3"),
    C(np.sinh, np_sinh, "2x3"),
    C(np.cosh, np_cosh, "2x3"),
    C(np.tanh, np_tanh, "2x3"),
    C(np.arcsinh, np_arcsinh, "2x3"),
    C(np.arccosh, np_arccosh, "2x3", "big"),
    C(np.arctanh, np_arctanh, "2x3", "unit"),
    C(np.exp, np_exp, "2x3"),
    C(np.exp, np_exp, "()"),
    C(np.exp2, np_exp2, "2x3"),
    C(np.expm1, np_expm1, "2x3"),
    C(np.log, np_log, "2x3", "pos"),
    C(np.log2, np_log2, "2x3", "pos"),
    C(np.log10, np_log10, "2x3", "pos"),
    C(np.log1p, np_log1p, "2x3", "pos"),
    C(np.sqrt, np_sqrt, "2x3", "pos"),
    C(np.cbrt, np_cbrt, "2x3"),
    C(np.square, np_square, "2x3"),
    C(np.reciprocal, np_reciprocal, "2x3", "pos"),
    C(np.abs, np_abs, "2x3"),
    C(np.real, np_real, "2x3"),
    C(np.ndarray.real, real_attribute, "2x3"),
    C(np.imag, np_imag, "2x3"),
    C(np.ndarray.imag, imag_attribute, "2x3"),
    C(np.conj, np_conj, "2x3"),
    C(np.ndarray.conj, conj_method, "2x3"),
    C(np.ndarray.conjugate, conjugate_method, "2x3"),
    C(abs, builtin_abs, "2x3"),
    C(abs, builtin_abs, "()"),
    C(np.fabs, np_fabs, "2x3"),
    C(np.radians, np_radians, "2x3"),
    C(np.deg2rad, np_deg2rad, "()"),
    C(np.degrees, np_degrees, "2x3"),
    C(np.rad2deg, np_rad2deg, "3"),
    C(np.angle, angle_of_real, "2x3"),
    C(np.angle, angle_of_complex, "2x3 3"),
    C(np.angle, angle_in_degrees, "3 3", ("real", "pos")),
    # elementwise, several operands
    C(np.arctan2, np_arctan2, "3x1 4"),
    C(np.hypot, np_hypot, "3 2x3"),
    C(np.logaddexp, np_logaddexp, "3x1 4"),
    C(np.logaddexp2, np_logaddexp2, "2x3 3"),
    C(np.maximum, np_maximum, "3x1 4"),
    C(np.minimum, np_minimum, "3x1 4"),
    C(np.fmax, np_fmax, "2x3 3"),
    C(np.fmin, np_fmin, "2x3 3"),
    C(np.copysign, np_copysign, "2x3 3"),
    C(np.copysign, np_copysign, "() 2x3"),
    C(np.fmod, np_fmod, "3x4 4", ("spread", "pos")),
    C(np.fmod, np_fmod, "2x3 ()", ("spread", "pos")),
    C(np.float_power, np_float_power, "3 2x3", ("pos", "real")),
    C(np.clip, clip_constants, "2x3"),
    C(np.clip, clip_operands, "2x3 3 2x1", ("real", "low", "high")),
    C(np.clip, clip_keywords, "2x3 3", ("real", "low")),
    C(np.where, where_positive, "3x1 4"),
    C(np.where, where_constant, "2x3"),
    # math module and builtins
    C(math.sin, math_sin, "()"),
    C(math.cos, math_cos, "()"),
    C(math.tan, math_tan, "()"),
    C(math.asin, math_asin, "()", "unit"),
    C(math.acos, math_acos, "()", "unit"),
    C(math.atan, math_atan, "()"),
    C(math.atan2, math_atan2, "() ()"),
    C(math.sinh, math_sinh, "()"),
    C(math.cosh, math_cosh, "()"),
    C(math.tanh, math_tanh, "()"),
    C(math.asinh, math_asinh, "()"),
    C(math.acosh, math_acosh, "()", "big"),
    C(math.atanh, math_atanh, "()", "unit"),
    C(math.exp, math_exp, "()"),
    C(math.exp2, math_exp2, "()"),
    C(math.expm1, math_expm1, "()"),
    C(math.log, math_log, "()", "pos"),
    C(math.log, math_log_base, "() ()", ("pos", "big")),
    C(math.log2, math_log2, "()", "pos"),
    C(math.log10, math_log10, "()", "pos"),
    C(math.log1p, math_log1p, "()", "pos"),
    C(math.sqrt, math_sqrt, "()", "pos"),
    C(math.cbrt, math_cbrt, "()", "pos"),
    C(math.fabs, math_fabs, "()"),
    C(math.copysign, math_copysign, "() ()"),
    C(math.pow, math_pow, "() ()", ("pos", "real")),
    C(math.erf, math_erf, "()"),
    C(math.erfc, math_erfc, "()"),
    C(math.gamma, math_gamma, "()", "big"),
    C(math.gamma, math_gamma, "()", "low"),
    C(math.lgamma, math_lgamma, "()", "pos"),
    C(math.lgamma, math_lgamma, "()", "low"),
    C(math.hypot, math_hypot, "() ()"),
    C(max, builtin_max, "() ()"),
    C(min, builtin_min, "() ()"),
    C(float, builtin_float, "()"),
    C(sum, builtin_sum, "3x1 4"),
    C(sum, builtin_sum_start, "() ()"),
    # reductions
    C(np.sum, np_sum, "2x3"),
    C(np.sum, np_sum, "()"),
    C(np.sum, sum_axis_keepdims, "2x3"),
    C(np.sum, sum_axes, "2x3x4"),
    C(np.ndarray.sum, sum_method, "2x3"),
    C(np.mean, np_mean, "2x3"),
    C(np.mean, mean_axis, "2x3"),
    C(np.ndarray.mean, mean_method, "4x3"),
    C(np.prod, np_prod, "2x3"),
    C(np.prod, np_prod, "2x3", "zero first"),
    C(np.prod, prod_axis, "3x4", "zero first"),
    C(np.ndarray.prod, prod_method, "3x2"),
    C(np.max, np_max, "3x4"),
    C(np.amax, np_amax, "3x4"),
    C(np.ndarray.max, max_method, "3x4"),
    C(np.min, np_min, "3x4"),
    C(np.amin, np_amin, "2x3x2"),
    C(np.ndarray.min, min_method, "3x4"),
    C(np.var, np_var, "2x3"),
    C(np.var, var_axis_ddof, "3x4"),
    C(np.ndarray.var, var_method, "3x4"),
    C(np.std, np_std, "2x3"),
    C(np.std, std_axis, "3x4"),
    C(np.ndarray.std, std_method, "3x4"),
    C(np.linalg.norm, norm, "4"),
    C(np.linalg.norm, norm, "2x3"),
    C(np.linalg.norm, norm_axis, "2x3"),
    C(np.linalg.norm, norm_fro, "3x3"),
    C(np.linalg.norm, norm_vector_2, "3x2"),
    C(np.linalg.norm, norm_1, "4"),
    C(np.linalg.norm, norm_inf, "4"),
    C(np.linalg.norm, norm_minus_inf_axis, "2x3"),
    C(np.linalg.norm, norm_3, "4"),
    C(np.linalg.norm, norm_matrix_1, "3x3"),
    C(np.linalg.norm, norm_matrix_inf, "2x3"),
    C(np.linalg.norm, norm_nuclear, "3x2"),
    C(np.linalg.norm, norm_spectral, "3x3"),
    C(np.add.reduce, add_reduce, "3x4"),
    C(np.multiply.reduce, multiply_reduce, "3x4"),
    C(np.maximum.reduce, maximum_reduce, "3x4"),
    C(np.minimum.reduce, minimum_reduce, "3x4"),
    C(np.logaddexp.reduce, logaddexp_reduce, "3x4"),
    C(np.add.accumulate, add_accumulate, "3x4"),
    C(np.multiply.accumulate, multiply_accumulate, "3x4"),
    C(np.multiply.accumulate, multiply_accumulate, "2x4", "zero first"),
    C(np.maximum.accumulate, maximum_accumulate, "3x6"),
    C(np.minimum.accumulate, minimum_accumulate, "6x2"),
    C(np.cumprod, np_cumprod, "2x3"),
    C(np.cumprod, np_cumprod, "2x3", "zero first"),
    C(np.cumprod, cumprod_axis, "2x4"),
    C(np.cumprod, cumprod_axis, "2x4", "zero first"),
    C(np.ndarray.cumprod, cumprod_method, "3x2"),
    C(np.diff, np_diff, "5"),
    C(np.diff, diff_twice_axis0, "4x3"),
    C(np.diff, diff_with_ends, "5"),
    C(np.diff, diff_with_array_ends, "4x3"),
    C(np.atleast_1d, np_atleast_1d, "()"),
    C(np.atleast_1d, np_atleast_1d, "3"),
    C(np.atleast_2d, np_atleast_2d, "3"),
    C(np.atleast_3d, np_atleast_3d, "2x3"),
    C(np.sort, np_sort, "2x4"),
    C(np.sort, sort_axis0, "3x2"),
    C(np.sort, sort_flat, "2x3"),
    C(np.take, np_take, "2x3"),
    C(np.take, take_axis, "2x3x2"),
    C(np.take, take_wrap, "4x2"),
    C(np.cumsum, np_cumsum, "2x3"),
    C(np.cumsum, cumsum_axis, "2x3"),
    C(np.ndarray.cumsum, cumsum_method, "3x2"),
    C(np.nansum, np_nansum, "2x3", "nan first"),
    C(np.nansum, nansum_axis, "3x4", "nan first"),
    C(np.nanmean, np_nanmean, "2x3", "nan first"),
    C(np.nanmean, nanmean_axis, "3x4", "nan first"),
    C(np.nanmean, nanmean_axis, "2x3"),
    C(np.gradient, np_gradient, "5"),
    C(np.gradient, gradient_spacing_second_order, "6"),
    C(np.gradient, gradient_of_a_grid, "4x3"),
    C(np.gradient, gradient_along_axis, "2x4x3"),
    C(np.gradient, gradient_one_output_read, "3x3"),
    # order statistics
    C(np.median, np_median, "5"),
    C(np.median, np_median, "2x3"),
    C(np.median, median_axis_keepdims, "2x4"),
    C(np.median, median_axes, "2x3x3"),
    C(np.quantile, np_quantile, "7"),
    C(np.quantile, quantile_of_q, "5x2 ()", ("real", "high")),
    C(np.quantile, quantile_of_q, "4 3", ("real", "high")),
    C(np.quantile, quantiles_axis, "3x5"),
    C(np.percentile, np_percentile, "6x2"),
    C(np.percentile, percentile_of_q, "6 2", ("real", "high")),
    C(np.percentile, percentile_methods, "7"),
    C(np.nanmedian, np_nanmedian, "4x3"),
    C(np.nanquantile, np_nanquantile, "2x5 ()", ("real", "high")),
    C(np.nanpercentile, np_nanpercentile, "6"),
    # signals and curves
    C(np.convolve, np_convolve, "5 3"),
    C(np.convolve, convolve_same, "3 5"),
    C(np.convolve, convolve_same, "6 4"),
    C(np.convolve, convolve_valid, "6 2"),
    C(np.correlate, np_correlate, "5 3"),
    C(np.correlate, correlate_same, "2 5"),
    C(np.correlate, correlate_same, "5 4"),
    C(np.correlate, correlate_full, "3 4"),
    C(np.interp, np_interp, "9 4 4", ("spread", "pos", "real")),
    C(np.interp, np_interp, "() 3 3", ("spread", "pos", "real")),
    C(np.interp, interp_left_right, "2x5 4 () ()", ("spread", "real", "real", "real")),
    C(np.polyval, np_polyval, "4 2x3"),
    C(np.polyval, np_polyval, "1 3"),
    C(np.polyval, np_polyval, "3 ()"),
    C(np.polyval, polyval_constant_coefficients, "3"),
    C(np.polynomial.polynomial.polyval, series_polyval, "2x3 4"),
    C(np.polynomial.polynomial.polyval, series_polyval, "() 1"),
    C(np.polynomial.polynomial.polyval, series_polyval, "3 3"),
    C(np.polynomial.polynomial.polyval, series_polyval_constant, "3"),
    C(np.bincount, bincount_weights, "4"),
    C(np.bincount, bincount_of_rows, "2x3"),
    # Fourier transforms
    C(np.fft.fft, np_fft, "5"),
    C(np.fft.fft, fft_n_axis_norm, "4x3"),
    C(np.fft.fft, fft_cut, "2x5"),
    C(np.fft.ifft, np_ifft, "6"),
    C(np.fft.fft2, np_fft2, "2x3x4"),
    C(np.fft.fft2, fft2_shape, "3x3"),
    C(np.fft.ifft2, np_ifft2, "3x4"),
    C(np.fft.fftn, fftn_axes, "2x3x2"),
    C(np.fft.ifftn, ifftn_shape, "2x4"),
    C(np.fft.rfft, np_rfft, "6"),
    C(np.fft.rfft, np_rfft, "2x5"),
    C(np.fft.rfft, rfft_n_axis, "5x2"),
    C(np.fft.irfft, np_irfft, "5"),
    C(np.fft.irfft, irfft_odd_n, "4"),
    C(np.fft.irfft, irfft_cut_axis, "5x2"),
    # linear algebra
    C(operator.matmul, matmul, "2x3 3x4"),
    C(operator.matmul, matmul, "3 3x2"),
    C(operator.matmul, matmul, "2x3 3"),
    C(operator.matmul, matmul, "3 3"),
    C(operator.matmul, matmul, "4x2x3 3x2"),
    C(np.matmul, np_matmul, "2x2x3 1x3x2"),
    C(np.dot, np_dot, "2x3 3x4"),
    C(np.dot, np_dot, "3 3"),
    C(np.dot, np_dot, "() 3"),
    C(np.dot, np_dot, "2x3x4 4"),
    C(np.dot, np_dot, "2x3x4 2x4x3"),
    C(np.dot, np_dot, "3 3x4"),
    C(np.dot, np_dot, "2x3 3"),
    C(np.dot, np_dot, "2x3 ()"),
    C(np.dot, np_dot, "2 4x2x3"),
    C(np.ndarray.dot, dot_method, "2x3 3x2"),
    C(np.ndarray.dot, dot_method, "3 3x2"),
    C(np.ndarray.dot, dot_method, "2x3 3"),
    C(np.ndarray.dot, dot_method, "3 3"),
    C(np.inner, np_inner, "2x3 4x3"),
    C(np.inner, np_inner, "3 3"),
    C(np.inner, np_inner, "3 4x3"),
    C(np.inner, np_inner, "2x3 3"),
    C(np.inner, np_inner, "2x4x3 3"),
    C(np.inner, np_inner, "() 2x3"),
    C(np.outer, np_outer, "3 2x2"),
    C(np.vdot, np_vdot, "2x3 3x2"),
    C(np.tensordot, tensordot_1, "2x3 3x4"),
    C(np.tensordot, tensordot_0, "3 4"),
    C(np.tensordot, tensordot_1, "3 3x4"),
    C(np.tensordot, tensordot_1, "2x3 3"),
    C(np.tensordot, tensordot_1, "3 3"),
    C(np.tensordot, tensordot_1, "2x3x2 2x4"),
    C(np.tensordot, tensordot_2, "2x3 2x3"),
    C(np.tensordot, tensordot_2, "2x3x4 3x4x2"),
    C(np.tensordot, tensordot_pairs, "3x2x4 4x3x2"),
    C(np.einsum, einsum_matmul, "2x3 3x4"),
    C(np.einsum, einsum_chain_of_four, "2x3 3x2 2x2 2"),
    C(np.einsum, einsum_rowdot, "2x3 2x3"),
    C(np.einsum, einsum_implicit_outer, "3 2"),
    C(np.einsum, einsum_transpose, "2x3"),
    C(np.einsum, einsum_trace, "3x3"),
    C(np.einsum, einsum_sum_out, "2x3 4"),
    C(np.einsum, einsum_three, "2x3 3x4 4x2"),
    C(np.trace, np_trace, "3x3"),
    C(np.trace, trace_offset_axes, "2x3x4"),
    C(np.diag, diag_vector, "3"),
    C(np.diag, diag_vector_offset, "3"),
    C(np.diag, diag_matrix, "3x4"),
    C(np.diagonal, np_diagonal, "3x4"),
    C(np.diagonal, diagonal_of_a_stack, "3x2x4"),
    C(np.ndarray.diagonal, diagonal_method, "4x3"),
    C(np.diagflat, np_diagflat, "3"),
    C(np.diagflat, diagflat_offset, "2x2"),
    C(np.linalg.inv, inv, "3x3", "matrix"),
    C(np.linalg.inv, inv, "2x3x3", "matrix"),
    C(np.linalg.solve, solve, "3x3 3", ("matrix", "real")),
    C(np.linalg.solve, solve, "3x3 3x2", ("matrix", "real")),
    C(np.linalg.solve, solve, "2x3x3 3x2", ("matrix", "real")),
    C(np.linalg.det, det, "3x3", "matrix"),
    C(np.linalg.det, det, "2x3x3", "matrix"),
    C(np.linalg.slogdet, slogdet, "3x3", "matrix"),
    C(np.linalg.slogdet, slogdet, "2x3x3", "matrix"),
    C(np.linalg.cholesky, cholesky, "3x3"),
    C(np.linalg.cholesky, cholesky, "2x3x3"),
    C(np.linalg.cholesky, cholesky_upper, "3x3",
      skip="" if np.__version__ >= "2" else "np.linalg.cholesky has `upper` from NumPy 2"),
    C(getattr, slogdet_attribute, "2x3x3", "matrix"),
    C(np.linalg.eigh, eigh, "3x3"),
    C(np.linalg.eigh, eigh, "2x3x3"),
    C(np.linalg.eigh, eigh_values_by_name, "3x3"),
    C(np.linalg.eigvalsh, eigvalsh, "2x3x3"),
    C(np.linalg.svd, svd_reduced, "4x3"),
    C(np.linalg.svd, svd_reduced, "2x3x4"),
    C(np.linalg.svd, svd_square, "3x3", "matrix"),
    C(np.linalg.svd, svd_values, "2x4x3"),
    C(np.linalg.qr, qr, "4x3"),
    C(np.linalg.qr, qr, "2x3x3"),
    C(np.linalg.qr, qr_r_only, "4x3"),
    C(np.linalg.lstsq, lstsq, "4x3 4"),
    C(np.linalg.lstsq, lstsq, "3x3 3x2", ("matrix", "real")),
    C(np.linalg.lstsq, lstsq_every_output, "5x3 5x2"),
    C(np.linalg.pinv, pinv, "4x3"),
    C(np.linalg.pinv, pinv, "2x3x4"),
    C(np.linalg.matrix_power, matrix_power_3, "3x3"),
    C(np.linalg.matrix_power, matrix_power_minus_2, "2x3x3", "matrix"),
    # shapes
    C(np.reshape, np_reshape, "2x3"),
    C(np.reshape, reshape_fortran, "2x3"),
    C(np.ndarray.reshape, reshape_method, "2x3"),
    C(np.ndarray.reshape, reshape_method_tuple, "3x2"),
    C(np.ravel, np_ravel, "2x3"),
    C(np.ravel, ravel_fortran, "2x3"),
    C(np.ndarray.ravel, ravel_method, "2x3"),
    C(np.ndarray.flatten, flatten_method, "2x3"),
    C(np.squeeze, np_squeeze, "3x1"),
    C(np.ndarray.squeeze, squeeze_method, "3x1x2"),
    C(np.expand_dims, np_expand_dims, "3"),
    C(np.transpose, np_transpose, "2x3"),
    C(np.transpose, transpose_axes, "2x3x4"),
    C(np.ndarray.transpose, transpose_method, "2x3"),
    C(np.ndarray.transpose, transpose_method_tuple, "2x3x4"),
    C(np.ndarray.transpose, transpose_method_varargs, "2x3"),
    C(np.ndarray.T, attribute_T, "2x3"),
    C(np.swapaxes, np_swapaxes, "2x3x4"),
    C(np.ndarray.swapaxes, swapaxes_method, "2x3x4"),
    C(np.moveaxis, np_moveaxis, "2x3x4"),
    C(np.broadcast_to, broadcast_to, "3"),
    C(np.broadcast_to, broadcast_to_column, "3x1"),
    C(np.flip, np_flip, "2x3"),
    C(np.flip, flip_axis, "2x3"),
    C(np.roll, np_roll, "5"),
    C(np.roll, roll_axes, "2x3"),
    C(np.full, np_full, "()"),
    C(np.full, full_row, "3"),
    C(np.full_like, np_full_like, "() 2x3"),
    C(np.linspace, np_linspace, "() ()"),
    C(np.linspace, linspace_arrays, "3 2x1"),
    C(np.arange, np_arange, "() ()", ("real", "pos")),
    C(np.arange, arange_stop_only, "()", "pos"),
    C(np.tile, np_tile, "3"),
    C(np.tile, tile_more_dims, "2x3"),
    C(np.repeat, np_repeat, "2x3"),
    C(np.repeat, repeat_axis, "2x3"),
    C(np.pad, pad_constant, "2x3"),
    C(np.pad, pad_value, "2x3 ()"),
    C(np.pad, pad_reflect, "4"),
    C(np.pad, pad_wrap, "2x3"),
    C(np.concatenate, concatenate_rows, "2x3x4"),
    C(np.concatenate, concatenate_flat, "2x3"),
    C(np.concatenate, concatenate_list, "2 3"),
    C(np.concatenate, list_used_twice, "3 3"),
    C(np.stack, np_stack, "2x3x4"),
    C(np.stack, stack_list, "3 3"),
    C(np.hstack, np_hstack, "2x3"),
    C(np.hstack, np_hstack, "2x3x4"),
    C(np.hstack, hstack_tuple, "2 3"),
    C(np.vstack, np_vstack, "2x3"),
    C(np.vstack, vstack_list, "3 3"),
    C(np.split, np_split, "3x4"),
    C(np.array_split, np_array_split, "5"),
    C(np.copy, np_copy, "2x3"),
    C(np.ndarray.copy, copy_method, "2x3"),
    C(np.ndarray.astype, astype_float, "2x3"),
    C(np.asarray, np_asarray, "2x3"),
    C(np.array, np_array, "()"),
    C(np.array, np_array, "3"),
    C(np.array, array_of_list, "3 3"),
    # indexing
    C(operator.getitem, index_int, "4"),
    C(operator.getitem, index_negative, "3x4"),
    C(operator.getitem, index_slice, "4x2"),
    C(operator.getitem, index_step, "5"),
    C(operator.getitem, index_reversed, "4"),
    C(operator.getitem, index_tuple, "3x4"),
    C(operator.getitem, index_ellipsis, "2x3x2"),
    C(operator.getitem, index_none, "3x4"),
    C(operator.getitem, index_fancy_repeated, "3x2"),
    C(operator.getitem, index_fancy_pairs, "2x3"),
    C(operator.getitem, index_mask, "3x4"),
    C(operator.getitem, index_argmax, "5"),
    C(operator.getitem, index_scalar_pair, "2x3"),
    # what generated code calls: these rules give derivatives of derivatives
    C(np.ndarray.item, array_items, "6"),
    C(abs_slope, rule_abs_slope, "2x3"),
    C(spread, rule_spread, "3 3"),
    C(walked, walked_rows, "2x3"),
    C(walked_adjoint, rule_walked_adjoint, "2x3 2x3"),
    C(walked_tangent, rule_walked_tangent, "2x3 2x3"),
    C(scatter, rule_scatter, "2x3 4x3"),
    C(scatter, rule_scatter_fancy, "3 4"),
    C(unbroadcast, runtime_unbroadcast, "3x4 4"),
    C(unbroadcast, runtime_unbroadcast, "2x3 2x1"),
    C(expand, runtime_expand, "4 3x4"),
    C(copy_of, runtime_copy_of, "2x3"),
    C(as_array, runtime_as_array, "2x3"),
    C(broadcast_like, runtime_broadcast_like, "3 2x3"),
    C(broadcast_like, runtime_broadcast_like, "() 2x3"),
    C(copy_argument, runtime_copy_argument, "2x3"),
    C(list_adjoint, runtime_list_adjoint, "2x3"),
    C(real_where_real, runtime_real_where_real, "2x3"),
    C(zero_item, runtime_zero_item, "3"),
    C(structured, runtime_structured, "3"),
    C(item_of, runtime_item_of, "3x2"),
    C(entry_adjoint, runtime_entry_adjoint, "3"),
    # more NumPy functions
    C(np.triu, np_triu, "3x4"),
    C(np.triu, triu_above, "2x3x3"),
    C(np.tril, np_tril, "4x3"),
    C(np.ndarray.clip, clip_method, "2x3"),
    C(np.ndarray.clip, clip_method_keywords, "2x3 ()"),
    C(np.ndarray.repeat, repeat_method, "2x3"),
    C(np.column_stack, np_column_stack, "3 3x2"),
    C(np.take_along_axis, np_take_along_axis, "2x3"),
    C(np.take_along_axis, take_along_axis_flat, "2x2"),
    C(np.take_along_axis, take_along_axis_broadcast, "2x3"),
    C(np.nan_to_num, np_nan_to_num, "2x3"),
    C(np.ptp, np_ptp, "2x3"),
    C(np.ptp, ptp_axis, "3x2"),
    C(np.average, np_average, "2x3"),
    C(np.average, average_weighted, "2x3 2x3", ("real", "pos")),
    C(np.average, average_weights_along_axis, "2x3 3", ("real", "pos")),
    C(np.sinc, np_sinc, "2x3", "zero first"),
    C(np.sinc, np_sinc, "2x3", "spread"),
    C(np.append, np_append, "2x3 4"),
    C(np.append, append_rows, "2x3 1x3"),
    C(np.cross, np_cross, "3 3"),
    C(np.cross, np_cross, "4x3 3"),
    C(np.kron, np_kron, "2x3 3x2"),
    C(np.meshgrid, np_meshgrid, "3 4"),
    C(np.meshgrid, meshgrid_ij, "2 3 4"),
    C(np.meshgrid, meshgrid_of_four, "2 3 2 2"),
    C(np.trapezoid, np_trapezoid, "5"),
    C(np.trapezoid, trapezoid_x, "2x5 5"),
    C(np.trapezoid, trapezoid_x_axis, "4x3 4x3"),
    C(np.trapezoid, trapezoid_dx, "5 ()", ("real", "pos")),
    C(np.select, np_select, "2x3 2x3"),
    C(np.select, select_without_default, "3 3"),
    C(np.cov, np_cov, "3x5"),
    C(np.cov, cov_of_two, "2x4 4"),
    C(np.cov, cov_columns, "5x2 5"),
    C(np.cov, cov_of_a_vector, "4"),
    C(np.corrcoef, np_corrcoef, "3x5"),
    C(np.corrcoef, corrcoef_of_two, "5 5"),
    C(np.corrcoef, corrcoef_columns, "6x3"),
    C(np.insert, np_insert, "4 3"),
    C(np.insert, np_insert, "4 ()"),
    C(np.insert, insert_negative, "3 2"),
    C(np.insert, insert_flat, "2x3 2"),
]

# ---------------------------------------------------------------- inputs

RNG_SEED = 20240601

DOMAINS = {
    "real": lambda rng, shape: rng.uniform(-1.0, 1.0, shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.8, 0.8, shape),
    "big": lambda rng, shape: rng.uniform(1.5, 3.0, shape),
    "low": lambda rng, shape: rng.uniform(-0.8, -0.2, shape),
    "high": lambda rng, shape: rng.uniform(0.2, 0.8, shape),
    "spread": lambda rng, shape: rng.uniform(-1.0, 7.0, shape),
    # an exact zero entry: the derivative of prod there is the product of the others
    "zero first": lambda rng, shape: np.where(np.arange(np.prod(shape)).reshape(shape) == 0,
                                              0.0, rng.uniform(0.5, 1.5, shape)),
    # a NaN first: np.nansum and np.nanmean skip it, and its derivative is 0
    "nan first": lambda rng, shape: np.where(np.arange(np.prod(shape)).reshape(shape) == 0,
                                             np.nan, rng.uniform(-1.0, 1.0, shape)),
    # well-conditioned square matrices (a stack of them for 3 dimensions)
    "matrix": lambda rng, shape: rng.normal(size=shape) + 3.0 * np.eye(shape[-1]),
}


def parse_shape(text):
    return () if text == "()" else tuple(int(n) for n in text.split("x"))


def inputs(case):
    rng = np.random.default_rng(RNG_SEED)
    shapes = [parse_shape(s) for s in case.shapes.split()]
    domains = case.domain if isinstance(case.domain, tuple) else (case.domain,) * len(shapes)
    values = [DOMAINS[dom](rng, shape) for dom, shape in zip(domains, shapes)]
    return [float(v) if shape == () else v for v, shape in zip(values, shapes)], rng


class _OutputShape:
    """Stands in for the weights once, to learn the shape of what they multiply."""

    __array_ufunc__ = None  # make ndarray * self call self.__rmul__
    shape = None

    def __mul__(self, other):
        self.shape = np.shape(other)
        return 0.0

    __rmul__ = __mul__


def arguments(case):
    """The case's inputs followed by fixed random weights of its output's shape."""
    values, rng = inputs(case)
    probe = _OutputShape()
    case.fn(*values, probe)
    weights = rng.normal(size=probe.shape)
    return values + [float(weights) if probe.shape == () else weights]


def keys_applied(fn):
    """The registry keys of the operations in fn's normal form."""
    parsed = parse_function(fn)
    normal = normalize(parsed)
    local_names = set(normal.params) | syntax.names_stored(normal.node)

    def classify(value):
        return primitive_of(value, parsed.namespace, local_names)

    sequences = analysis.sequence_names(normal.node.body, normal.params, classify)
    keys = []
    for stmt in normal.node.body:
        if isinstance(stmt, syntax.gast.Assign):
            primitive = analysis.on_sequences(classify(stmt.value), sequences)
            if primitive is not None:
                keys.append(primitive.key)
    return keys


def _ids(case):
    return case.id


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_adjoint_matches_finite_differences(case):
    if case.skip:
        pytest.skip(case.skip)
    assert any(case.key is k or case.key == k for k in keys_applied(case.fn)), \
        f"{case.fn.__name__} does not apply {case.key!r}"
    args = arguments(case)
    wrt = tuple(range(len(args) - 1))
    assert_gradients(case.fn, s2sad.grad(case.fn, wrt=wrt), args, wrt)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_tangent_matches_finite_differences(case):
    if case.skip:
        pytest.skip(case.skip)
    args = arguments(case)
    rng = np.random.default_rng(RNG_SEED + 1)
    inputs_ = tuple(range(len(args) - 1))
    directions = [(i,) for i in inputs_] + ([inputs_] if len(inputs_) > 1 else [])
    for wrt in directions:
        tangents = [rng.normal(size=np.shape(args[i])) for i in wrt]
        tangents = [float(t) if np.ndim(args[i]) == 0 else t for t, i in zip(tangents, wrt)]
        jvp = s2sad.autodiff(case.fn, wrt=wrt, mode="forward")
        got = jvp(*args, *tangents)
        expected = directional_difference(case.fn, args, wrt, tangents)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7,
                                   err_msg=f"tangent along inputs {wrt}")


def _name(key):
    return getattr(key, "__qualname__", None) or repr(key)


def library_keys(table):
    """The keys of rules that s2sad itself defines (tests may register their own), but
    for SciPy's and the random draws': tests/test_scipy_*.py and
    tests/test_random_draws.py have tables of their own."""
    return [k for k, template in table.items()
            if template.func.__module__.startswith("s2sad.rules.")
            and not template.func.__module__.startswith(("s2sad.rules.scipy_",
                                                          "s2sad.rules.random_draws"))]


def test_every_adjoint_has_a_case():
    tested = {case.key for case in CASES}
    missing = sorted(_name(k) for k in library_keys(ADJOINTS) if k not in tested)
    assert not missing, f"registered adjoints without a row in CASES: {missing}"


def test_every_case_names_a_registered_adjoint():
    unknown = [case.id for case in CASES if case.key not in ADJOINTS]
    assert not unknown, f"rows whose key has no adjoint: {unknown}"


def test_every_adjoint_has_a_tangent():
    missing = sorted(_name(k) for k in library_keys(ADJOINTS) if k not in TANGENTS)
    assert not missing, f"adjoints without a tangent rule: {missing}"


def test_a_matrix_norm_of_a_stack_says_what_is_supported():
    df = s2sad.grad(_norm_nuclear_of_stack)
    with pytest.raises(s2sad.NonDifferentiableError, match="ord='nuc' for a 2-D array") \
            as caught:
        df(np.ones((2, 2, 2)) + np.eye(2))
    assert_at_line(caught.value, "np.linalg.norm(")


def _norm_nuclear_of_stack(x):
    return np.sum(np.linalg.norm(x, "nuc", axis=(1, 2)))
