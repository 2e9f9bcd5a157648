"""Straight-line constructs of issue #2, on several random inputs, scalars and
broadcasting arrays, checked against finite differences."""
import math

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients, finite_difference

RNG = np.random.default_rng(4)
SCALE = 1.7          # a module-level global read by the functions below
OFFSETS = np.array([0.5, -0.25, 1.0, 2.0])


def arithmetic(x, y):
    return np.sum((x + y) * (x - y) / (1.5 + y * y) - -x ** 3 + 2.0 ** y)


def floor_div_and_mod(x, y):
    # // is piecewise constant (derivative 0); x % y = x - y * floor(x / y)
    return x * (x // y) + (x % y) * y


def globals_and_constants(x):
    return SCALE * np.sum(x * OFFSETS) + math.pi * np.sum(x)


def overwrite_and_reuse(x, y):
    z = x * y
    z = z * z + x
    w = z * x
    z = w - z * y
    return np.sum(z * w)


def augmented(x, y):
    s = x + 0.0 * y  # the broadcast shape, so that += keeps it
    s += y
    s *= x
    s -= 0.5 * y
    s /= 1.0 + y * y
    s **= 2
    return np.sum(s)


def tuples(x, y):
    a, b = x * 2.0, y + x
    a, b = b, a
    pair = (a, b)
    c, d = pair
    return np.sum(c * d - a)


def chained_targets(x):
    a = b = x * 3.0
    a = a + 1.0
    return np.sum(a * b)


def math_functions(x: float, y: float):
    return (math.sin(x) * math.cos(y) + math.tan(x * 0.3) + math.exp(y) * math.log(2.0 + x)
            + math.sqrt(3.0 + y) + math.tanh(x) + abs(x - y) + math.pow(1.5 + x * x, y))


def numpy_elementwise(x, y):
    return np.sum(np.sin(x) * np.cos(y) + np.tan(x * 0.3) + np.exp(y) * np.log(2.0 + x * x)
                  + np.sqrt(3.0 + y * y) + np.tanh(x) + np.abs(x - y)
                  + np.power(1.5 + x * x, y))


def products(a, b):
    return np.sum(np.dot(a, b) ** 2) + np.sum((a @ b) * 0.5)


def float_parameter_rebound_to_an_array(x: float, a, b):
    # the annotation holds on entry only: x * a is then an array product
    x = b * x
    return np.sum(x * a)


SHAPES = [((), ()), ((4,), (4,)), ((3, 1), (4,)), ((4,), ()), ((2, 3), (1, 3))]


def _draw(shape, positive=False):
    value = RNG.uniform(0.5, 1.5, size=shape) if positive else RNG.normal(size=shape)
    return float(value) if shape == () else value


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("f", [arithmetic, overwrite_and_reuse, augmented, tuples,
                               numpy_elementwise])
def test_broadcasting_pairs(f, shapes):
    for _ in range(3):
        args = tuple(_draw(s, positive=True) for s in shapes)
        assert_gradients(f, s2sad.grad(f, wrt=(0, 1), check_dims=False), args, (0, 1))


def test_floor_division_and_modulo_conventions():
    for x, y in [(3.7, 1.3), (-2.2, 0.9), (5.1, 2.0)]:
        assert_gradients(floor_div_and_mod, s2sad.grad(floor_div_and_mod, wrt=(0, 1)),
                         (x, y), (0, 1))


@pytest.mark.parametrize("f, shape", [(globals_and_constants, (4,)),
                                      (chained_targets, (3,)), (chained_targets, ())])
def test_single_argument_constructs(f, shape):
    for _ in range(3):
        args = (_draw(shape),)
        assert_gradients(f, s2sad.grad(f), args, (0,))


def test_a_float_annotation_does_not_outlive_rebinding_to_an_array():
    args = (_draw(()), _draw((3,)), _draw((2, 3)))
    f = float_parameter_rebound_to_an_array
    assert_gradients(f, s2sad.grad(f, wrt=(0, 1)), args, (0, 1))


def test_math_functions_on_scalars():
    for _ in range(3):
        args = (_draw((), positive=True), _draw((), positive=True))
        assert_gradients(math_functions, s2sad.grad(math_functions, wrt=(0, 1)), args, (0, 1))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((3,), (3, 2))], ids=str)
def test_dot_and_matmul(shapes):
    args = tuple(_draw(s) for s in shapes)
    assert_gradients(products, s2sad.grad(products, wrt=(0, 1)), args, (0, 1))


def product_into_a_larger_sum(h, W, X):
    return np.sum(np.tanh(np.dot(h, W) + X) ** 2)


def stacked_product_into_a_larger_sum(A, B, C):
    return np.sum(np.sin(A @ B + C))


def elementwise_rows_into_a_matrix(a, b, C):
    return np.sum(np.cos(a * b + C) + (a / b - C) ** 2 + (a ** 3) * C)


def vector_product_into_a_larger_product(v, W, X):
    return np.sum(np.exp(-(v @ W) * X))


def rows_growing_in_a_loop(h, W, X):
    for t in range(3):
        h = np.tanh(np.dot(h, W) * X[t] + h)
    return np.sum(h * h)


# The adjoint of `np.dot(h, W)`, `a * b`, ... reaches their rules broadcast to the
# shape of the larger operand they meet (templates.fits_seed): each rule must sum
# it back, including over axes of length one.
@pytest.mark.parametrize("f, shapes", [
    (product_into_a_larger_sum, ((1, 3), (3, 4), (5, 4))),
    (product_into_a_larger_sum, ((3,), (3, 4), (2, 5, 4))),
    (product_into_a_larger_sum, ((2, 3), (3, 1), (2, 4))),
    (stacked_product_into_a_larger_sum, ((2, 1, 3, 4), (4, 5), (2, 6, 3, 5))),
    (stacked_product_into_a_larger_sum, ((3, 4), (4,), (2, 3))),
    (elementwise_rows_into_a_matrix, ((3,), (3,), (4, 3))),
    (elementwise_rows_into_a_matrix, ((1, 3), (2, 1), (4, 2, 3))),
    (vector_product_into_a_larger_product, ((3,), (3, 4), (5, 4))),
    (rows_growing_in_a_loop, ((1, 3), (3, 3), (3, 2, 3))),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_adjoints_broadcast_beyond_a_temporary_are_summed_by_its_rule(f, shapes):
    args = tuple(_draw(s, positive=True) for s in shapes)
    assert_gradients(f, s2sad.grad(f, wrt=(0, 1, 2)), args, (0, 1, 2))


def test_hessian_vector_product_through_a_product_broadcast_in_a_loop():
    h, W, X, v = _draw((1, 3)), _draw((3, 3)), _draw((3, 2, 3)), _draw((3, 3))
    hvp = s2sad.hvp(rows_growing_in_a_loop, wrt=1)
    first = s2sad.grad(rows_growing_in_a_loop, wrt=(1,))
    expected = finite_difference(lambda W: np.sum(first(h, W, X) * v), (W,), 0)
    np.testing.assert_allclose(hvp(h, W, X, v), expected, rtol=1e-5, atol=1e-7)


def test_generated_code_never_modifies_the_users_module():
    before = dict(globals())
    s2sad.grad(globals_and_constants)(np.ones(4))
    assert set(globals()) == set(before)


def augmented_alias(x, y):
    s = x
    s += y  # with arrays this would change x too
    return np.sum(s * x)


def test_augmented_assignment_to_a_shared_array_is_rejected_when_it_is_one():
    df = s2sad.grad(augmented_alias, wrt=(0, 1))
    assert df(2.0, 3.0) == pytest.approx((2 * 2.0 + 3.0, 2.0))  # floats rebind s
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory"):
        df(np.ones(2), np.ones(2))


def reassigned_result(x):
    y = x * 2.0
    y = y * y
    return y


def self_assignment(x):
    y = x * 2.0
    y = y  # noqa: PLW0127 (a no-op s2sad must not trip over)
    return y * x


def rebinds_its_sequence(xs):
    s = 0.0
    for x in xs:
        s = s + x * x
        xs = xs * 2.0
    return s + np.sum(xs)


def shared_by_copy(v):
    u = v
    v += 1.0
    return np.sum(u * v)


def test_preserve_result_returns_the_value_not_the_restored_variable():
    assert s2sad.grad(reassigned_result, preserve_result=True)(3.0) == (24.0, 36.0)


def test_self_assignment_and_rebinding_the_iterated_sequence():
    assert s2sad.grad(self_assignment)(3.0) == 12.0
    xs = np.array([1.0, 2.0, 0.5])
    assert_gradients(rebinds_its_sequence, s2sad.grad(rebinds_its_sequence), (xs,), (0,))


def test_augmented_assignment_to_an_array_copied_elsewhere_is_rejected_when_run():
    df = s2sad.grad(shared_by_copy)
    assert df(3.0) == pytest.approx(2 * 3.0 + 1.0)  # floats: `v += 1.0` rebinds v
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory") as info:
        df(np.array([1.0, 2.0]))
    assert info.value.location.lineno == shared_by_copy.__code__.co_firstlineno + 2


def rebinds_while_enumerating(xs, ys):
    s = 0.0
    for i, x in enumerate(xs):
        s = s + x * i
        xs = xs * 2.0
    for a, b in zip(xs, ys):
        s = s + a * b
        ys = ys + 1.0
    return s + np.sum(ys)


def test_enumerate_and_zip_keep_the_sequences_they_started_with():
    args = (np.array([1.0, 2.0, 0.5]), np.array([0.3, -1.0, 2.0]))
    assert_gradients(rebinds_while_enumerating, s2sad.grad(rebinds_while_enumerating,
                                                           wrt=(0, 1)), args, (0, 1))


def log_base_two(x):
    return math.log(x, 2.0)


def test_math_of_literals_in_a_rule_is_evaluated_when_the_rule_is_applied():
    # the rule reads `math.log(base)`; with base the literal 2.0 that is a number
    for df in (s2sad.grad(log_base_two), s2sad.autodiff(log_base_two, mode="forward")):
        assert "math.log(2.0)" not in s2sad.source(df)
    for x in RNG.uniform(0.5, 4.0, size=3):
        expected = 1.0 / (x * math.log(2.0))
        assert s2sad.grad(log_base_two)(x) == pytest.approx(expected, rel=1e-12)
        assert s2sad.autodiff(log_base_two, mode="forward")(x, 1.0) == \
            pytest.approx(expected, rel=1e-12)


def square_by_product(x, y):
    z = x * x
    return np.sum(z * y)


def test_a_product_of_a_variable_with_itself_contributes_twice_once():
    df = s2sad.grad(square_by_product, wrt=(0, 1))
    text = s2sad.source(df)
    assert text.count("2 * ") == 1 and "bx = 2 * (bz * x)" in text  # z has x's shape
    for x, y in [(0.7, -1.3), (RNG.normal(size=(3, 1)), RNG.normal(size=4))]:
        assert_gradients(square_by_product, df, (x, y), (0, 1))
        gx = df(x, y)[0]
        np.testing.assert_allclose(gx, np.sum(2 * x * y, axis=-1, keepdims=np.ndim(x) == 2),
                                   rtol=1e-12)


def collector_probe(x):
    return x * x + 1.0


@pytest.mark.parametrize("enabled", [True, False])
def test_generation_leaves_the_garbage_collector_as_it_found_it(enabled):
    # generation pauses the cyclic collector (s2sad/api.py) and must restore it
    import gc
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        df = s2sad.grad(lambda x: collector_probe(x) * 2.0)
        assert gc.isenabled() is enabled
        assert df(3.0) == pytest.approx(12.0, rel=1e-12)   # d/dx 2(x^2 + 1) = 4x
    finally:
        gc.enable() if was else gc.disable()
