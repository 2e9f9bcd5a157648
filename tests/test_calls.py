"""Calls to Python functions (issue #15, reproductions 4, 5 and 8): nested defs,
lambdas, closures, functions passed as arguments or defaults, map, partial,
enumerate(zip(...)). Every gradient against central finite differences, and forward
mode against reverse mode."""
import functools

import numpy as np
import pytest

import s2sad
from gradcheck import finite_difference

RNG = np.random.default_rng(15)


def check_both_modes(f, args, wrt=0):
    """Reverse mode against finite differences; forward mode against reverse mode."""
    gradient = s2sad.grad(f, wrt=wrt)(*args)
    expected = finite_difference(f, args, wrt)
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-8)
    tangent = RNG.normal(size=np.shape(args[wrt]))
    tangent = tangent if np.ndim(args[wrt]) else float(tangent)
    forward = s2sad.autodiff(f, wrt=wrt, mode="forward")(*args, tangent)
    np.testing.assert_allclose(forward, np.sum(gradient * tangent), rtol=1e-9, atol=1e-10)
    return gradient


# ---------------------------------------------------------------- enumerate(zip(...))


def enumerate_zip(x, w):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, w)):
        s = s + a * b * (i + 1.0)
    return s


def zip_enumerate(x, w):
    s = 0.0
    for (i, a), b in zip(enumerate(x, 1), w):
        s = s + np.sin(a) * b * i
    return s


@pytest.mark.parametrize("f", [enumerate_zip, zip_enumerate])
@pytest.mark.parametrize("wrt", [0, 1])
def test_enumerate_of_zip_sends_gradients_to_both_sequences(f, wrt):
    # old main: `len(zip)` in the generated code
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    check_both_modes(f, (x, w), wrt)


def test_enumerate_of_zip_over_lists_of_arrays():
    def f(params, x):
        h = x
        for i, (weight, bias) in enumerate(zip(params[0], params[1])):
            h = np.tanh(weight * h + bias) * (i + 1.0)
        return np.sum(h)

    weights = [RNG.normal(size=3) for _ in range(2)]
    biases = [RNG.normal(size=3) for _ in range(2)]
    x = RNG.normal(size=3)
    gradient = s2sad.grad(f, wrt=1)((weights, biases), x)
    np.testing.assert_allclose(gradient, finite_difference(
        lambda x_: f((weights, biases), x_), (x,), 0), rtol=1e-6)


# ---------------------------------------------------------------- nested defs, lambdas


def nested_def_closure(w, x):
    def scaled_square(v):
        return v * v * w
    return np.sum(scaled_square(x)) + np.sum(scaled_square(x * 2.0))


def lambda_in_loop(w, x):
    h = x
    for i in range(3):
        step = lambda v: np.tanh(v * w + 0.1 * i)
        h = step(h)
    return np.sum(h)


def nested_def_with_early_return_and_defaults(w, x):
    def inner(v, k=2.0):
        if np.sum(v) > 100.0:
            return v
        return k * v * w
    both = lambda t: inner(t) + inner(t, k=3.0)
    return np.sum(both(x))


def nested_def_with_loop(w, x):
    def power_sum(v, n):
        total = 0.0
        for k in range(n):
            total = total + np.sum(v ** (k + 1)) * w
        return total
    return power_sum(x, 3) * w


def closure_factory(w, x):
    def make(scale):
        def apply(v):
            return np.tanh(v * scale * w)
        return apply
    layer = make(2.0)
    return np.sum(layer(x))


def nested_def_reads_rebound_variable(w, x):
    shift = w
    def shifted(v):
        return np.sin(v + shift)
    shift = shift * shift           # late binding: the call reads the new value
    return np.sum(shifted(x))


def apply_twice(function, v):
    return function(function(v))


def lambda_passed_to_helper(w, x):
    return np.sum(apply_twice(lambda t: np.sin(t * w), x))


def layer(v, weights, nonlinearity=np.tanh):
    return nonlinearity(v @ weights)


def default_function_parameter(weights, x):
    return np.sum(layer(layer(x, weights), weights, nonlinearity=np.sin))


def global_function_as_value(w, x):
    act = np.tanh
    return np.sum(apply_twice(act, x * w)) + np.sum(act(x))


@pytest.mark.parametrize("f", [nested_def_closure, lambda_in_loop,
                               nested_def_with_early_return_and_defaults,
                               nested_def_with_loop, closure_factory,
                               nested_def_reads_rebound_variable, lambda_passed_to_helper,
                               global_function_as_value])
def test_nested_functions_and_lambdas(f):
    # old main: UnsupportedSyntaxError (nested def, lambda, functions as arguments)
    check_both_modes(f, (0.7, RNG.normal(size=3)))


def test_function_default_parameter_and_keyword_function():
    weights = RNG.normal(size=(3, 3)) * 0.5
    check_both_modes(default_function_parameter, (weights, RNG.normal(size=3)))


square = lambda x: x * x                         # noqa: E731
quartic = lambda x: square(square(x)) + 1.0      # noqa: E731


def test_module_lambda_calling_another():
    # old main: endless recursion (both derivatives were named dlambda_)
    assert s2sad.grad(quartic)(1.5) == pytest.approx(4 * 1.5 ** 3)
    assert s2sad.autodiff(quartic, mode="forward")(1.5, 1.0) == pytest.approx(4 * 1.5 ** 3)


# ---------------------------------------------------------------- map, partial, sum


def sum_of_map_with_lambda(w, x):
    return sum(map(lambda t: t * w * t, x))


def list_of_map(w, x):
    squashed = list(map(np.tanh, x * w))
    return squashed[0] + squashed[2] * w


def map_of_two_sequences(w, x):
    return sum(map(lambda a, b: a * b * w, x, x * 2.0))


def partial_of_helper(w, x):
    scaled = functools.partial(layer, weights=w)
    return np.sum(scaled(x))


def partial_of_numpy(w, x):
    times_w = functools.partial(np.multiply, w)
    return np.sum(times_w(x) ** 2)


@pytest.mark.parametrize("f", [sum_of_map_with_lambda, list_of_map, map_of_two_sequences,
                               partial_of_numpy])
def test_map_and_partial(f):
    # old main: no derivative for map / functools.partial, refused lambdas
    check_both_modes(f, (0.7, RNG.normal(size=3)))


def test_partial_of_a_helper_with_a_keyword():
    weights = RNG.normal(size=(3, 3)) * 0.5
    check_both_modes(partial_of_helper, (weights, RNG.normal(size=3)))


# ---------------------------------------------------------------- refusals


def lambda_to_library(x):
    return np.sum(np.vectorize(lambda v: v * v)(x))


def function_chosen_by_branch(x, flag):
    if flag:
        act = lambda v: v * 2.0
    else:
        act = lambda v: v * 3.0
    return act(x)


def recursive_lambda(x):
    f = lambda t: f(t * 0.5)
    return f(x)


@pytest.mark.parametrize("f, line, words", [
    (lambda_to_library, "np.vectorize(lambda v: v * v)", "a lambda used as a value"),
    (function_chosen_by_branch, "act = lambda v: v * 2.0", "bound more than once"),
    (recursive_lambda, "f = lambda t: f(t * 0.5)", "recursive call"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_function_values_s2sad_cannot_follow_are_refused_at_their_line(f, line, words, mode):
    with pytest.raises(s2sad.UnsupportedSyntaxError) as caught:
        s2sad.autodiff(f, mode=mode)
    assert words in caught.value.message
    assert line in caught.value.location.excerpt()


# ---------------------------------------------------------------- over-strict refusals


def fill_then_scale(v):
    smoke = np.zeros(4)
    smoke[1:3] = 1.0
    smoke = smoke * v
    return np.sum(smoke * smoke)


def test_element_writes_into_a_fresh_array_then_rebinding_it():
    # old main: refused, "may share memory with the value assigned here"
    check_both_modes(fill_then_scale, (np.array([1.0, 2.0, 3.0, 4.0]),))


def step_in_place(p, g):
    q = p
    q -= 0.1 * g
    return q


def calls_step_in_place(x):
    return np.sum(step_in_place(x * 2.0, x) ** 2)


def test_augmented_assignment_in_a_helper():
    # the helper updates a fresh array of the caller's in place: nothing else sees it
    check_both_modes(calls_step_in_place, (RNG.normal(size=3),))


def comprehension_then_indexed(w, x):
    squashed = [np.tanh(v) for v in x * w]
    return squashed[0] + squashed[2] * w


def test_a_comprehension_bound_to_a_name_is_a_list_of_its_own():
    # old main: refused, "element assignment into 'items': it is shared"
    check_both_modes(comprehension_then_indexed, (0.7, RNG.normal(size=3)))
