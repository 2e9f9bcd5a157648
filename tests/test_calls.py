"""Calls to Python functions (issue #15, reproductions 4, 5 and 8): nested defs,
lambdas, closures, functions passed as arguments or defaults, map, partial,
enumerate(zip(...)). Every gradient against central finite differences, and forward
mode against reverse mode."""
import collections
import dataclasses
import functools
import math
import sys

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients, finite_difference

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


def step_then_read(x):
    y = x * 2.0
    z = step_in_place(y, x * x)
    return np.sum(z * y)  # y is z: the step changed it


def step_in_a_loop(x):
    total = 0.0
    for i in range(2):
        moved = step_in_place(x * 2.0, x)  # a new array each time, read once
        total = total + np.sum(moved)
    return total


def step_on_a_copy(x):
    return np.sum(step_in_place(x * 1.0, x) ** 2)  # the optimizer takes x * 1.0 for x


def accumulate(total, v):
    total += v
    return total


def accumulates_numbers(x):
    s = x * 0.5
    t = accumulate(s, x * x)
    return s * t  # s is a number: `total += v` rebound the helper's name only


class History:
    def __init__(self):
        self.values = [0.0]

    def record(self, v):
        kept = self.values
        kept += [v]
        return v * 2.0


class Descent:
    def __init__(self, w):
        self.w = w

    def step(self, g):
        w = self.w
        w -= 0.1 * g  # in place on self.w, an array
        return np.sum(w)


def descends(x, opt):
    s = opt.step(x * x)
    return s + np.sum(opt.w * x)


def first_plus(ps, u):
    a = ps[0]
    a += u  # in place when ps[0] is an array, a new number when it is one
    return a * ps[1]


def adds_to_the_first(x):
    ps = [x * 2.0, x * 3.0]
    t = first_plus(ps, x)
    return np.sum(t) + np.sum(ps[0])


def records(x, history):
    y = history.record(x * x)
    return y + sum(history.values)


def test_a_helper_augmenting_the_callers_array_in_place_is_refused_at_its_line():
    # old main: wrong in both modes (the caller's y changed under its derivative)
    x = RNG.normal(size=3)
    jvp = s2sad.autodiff(step_then_read, mode="forward")
    for run in (lambda: s2sad.grad(step_then_read)(x), lambda: jvp(x, np.ones(3))):
        with pytest.raises(s2sad.UnsupportedSyntaxError,
                           match="write into the argument 'p' of function 'step_in_place'") \
                as info:
            run()
        assert info.value.location.lineno == step_in_place.__code__.co_firstlineno + 2
    check_both_modes(step_in_a_loop, (x,))
    kept = x.copy()
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument 'p'"):
        s2sad.grad(step_on_a_copy)(x)  # old main: wrong, and x changed
    np.testing.assert_array_equal(x, kept)
    check_both_modes(accumulates_numbers, (0.7,))
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument 'self'") as info:
        s2sad.grad(records)(1.5, History())  # old main: 6.0, not 9.0
    assert info.value.location.lineno == History.record.__code__.co_firstlineno + 2
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument 'self'") as info:
        s2sad.grad(descends)(x[:2], Descent(np.array([1.0, 2.0])))  # old main: wrong
    assert info.value.location.lineno == Descent.step.__code__.co_firstlineno + 2
    assert "v = v - g" in info.value.hint
    check_both_modes(adds_to_the_first, (0.7,))  # numbers: rebound, nothing changes
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument 'ps'"):
        s2sad.grad(adds_to_the_first)(x)  # arrays: ps[0] changes in place


shadowed = np.zeros(3)  # a global array named as a helper's parameter below


def applies(shadowed, x):
    return shadowed(x)


def applies_sine(x):
    return np.sum(applies(np.sin, x) ** 2)


def test_a_parameter_named_as_a_global_array_is_the_parameter():
    # old main: TypeError (unhashable ndarray) while spelling out function arguments
    check_both_modes(applies_sine, (RNG.normal(size=3),))


def sorts_an_array(w):
    s = sorted(w * 2.0)
    return s[0] + 3 * s[1] + 5 * s[2] ** 2


def test_sorted_of_an_array_in_both_modes_and_twice():
    # old main: forward mode and hvp raised ValueError in expand; grad returned a list
    w = np.array([0.3, -0.5, 0.8])
    gradient = check_both_modes(sorts_an_array, (w,))
    assert isinstance(gradient, np.ndarray) and gradient.shape == w.shape
    v = np.array([0.2, -1.0, 0.5])
    df = s2sad.grad(sorts_an_array)
    h = 1e-6
    np.testing.assert_allclose(s2sad.hvp(sorts_an_array)(w, v),
                               (df(w + h * v) - df(w - h * v)) / (2 * h), rtol=1e-6)


def sorts_by_length(w):
    parts = [w[:2], w, w[:1]]
    s = sorted(parts, key=len)
    return np.sum(s[0]) + np.sum(s[1] ** 2) * 2.0 + np.sum(s[2] ** 3) * 3.0


def test_hvp_through_a_sort_keyed_by_a_builtin():
    # old main: "no forward-mode derivative is registered for len"
    w, v = np.array([0.3, -0.5, 0.8]), np.ones(3)
    expected = np.array([4 + 18 * w[0], 4 + 18 * w[1], 18 * w[2]])  # closed form
    np.testing.assert_allclose(s2sad.hvp(sorts_by_length)(w, v), expected, rtol=1e-12)


def comprehension_then_indexed(w, x):
    squashed = [np.tanh(v) for v in x * w]
    return squashed[0] + squashed[2] * w


def test_a_comprehension_bound_to_a_name_is_a_list_of_its_own():
    # old main: refused, "element assignment into 'items': it is shared"
    check_both_modes(comprehension_then_indexed, (0.7, RNG.normal(size=3)))


# ---------------------------------------------------------------- objects (reproduction 6)


class Scaled:
    def __init__(self, scale):
        self.scale = scale

    def forward_pass(self, inputs, w, shift=0.0):
        return np.tanh(inputs * w * self.scale + shift)

    @property
    def doubled(self):
        return self.scale * 2.0


class Mixing(Scaled):
    def forward_pass(self, inputs, w, shift=0.0):
        return np.sin(inputs @ MIX * w) + shift


MIX = np.linspace(-0.6, 0.6, 9).reshape(3, 3)


def through_layer_objects(w, x, layers):
    h = x
    for layer in layers:
        h = layer.forward_pass(h, w, shift=w * 0.1) * layer.doubled
    return np.sum(h)


def test_methods_of_a_list_of_layer_objects():
    # old main: no derivative registered for the method .forward_pass()
    check_both_modes(through_layer_objects, (0.7, RNG.normal(size=3),
                                             [Scaled(1.0), Mixing(0.5), Scaled(-0.3)]))


def through_a_property(layer, x):
    return layer.doubled * np.sum(x) + layer.scale * layer.scale


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_property_sends_gradients_to_the_attributes_its_getter_reads(mode):
    # old main: {'scale': 3.0, 'doubled': 2.0}, a gradient for the property's name
    layer, x = Scaled(1.5), np.array([1.0, 1.0])
    exact = 2.0 * 2.0 + 2.0 * 1.5
    if mode == "reverse":
        assert s2sad.grad(through_a_property)(layer, x)["scale"] == pytest.approx(exact)
    else:
        forward = s2sad.autodiff(through_a_property, mode="forward")
        assert forward(layer, x, {"scale": 1.0}) == pytest.approx(exact)


def with_activation(w, x, activation):
    return np.sum(activation(x * w))


def swish(z):
    return z * np.tanh(z)


def through_stored_functions(w, x, functions):
    return np.sum(functions[0](x * w)) + np.sum(functions[1](x * w * w))


@pytest.mark.parametrize("activation", [np.tanh, swish, functools.partial(np.multiply, 2.0),
                                        Scaled(0.5).forward_pass])
def test_a_function_passed_as_an_argument(activation):
    # old main: no derivative registered for activation
    if isinstance(activation, functools.partial) or activation is np.tanh or \
            activation is swish:
        check_both_modes(with_activation, (0.7, RNG.normal(size=3), activation))
    else:
        check_both_modes(lambda w, x: np.sum(activation(x, w)), (0.7, RNG.normal(size=3)))


def test_functions_stored_in_a_list():
    check_both_modes(through_stored_functions, (0.7, RNG.normal(size=3), [np.sin, swish]))


def test_a_function_value_without_a_derivative_is_named():
    with pytest.raises(s2sad.NonDifferentiableError, match="numpy.i0"):
        s2sad.grad(with_activation)(0.7, RNG.normal(size=3), np.i0)


def test_a_method_differentiated_with_respect_to_its_object_is_refused_at_the_call():
    def loss(layer, x):
        return np.sum(layer.forward_pass(x, 1.0))

    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(loss)
    assert "layer.forward_pass(x, 1.0)" in caught.value.location.excerpt()


Pair = collections.namedtuple("Pair", "a b")


def named_tuple_by_index_and_attribute(p, x):
    return np.sum(p[0] * x) + np.sum(p.b * x * p.a)


def test_named_tuple_read_by_index_and_by_attribute():
    # old main: AttributeError 'AdjointList' object has no attribute 'items'
    x = RNG.normal(size=3)
    p = Pair(RNG.normal(size=3), RNG.normal(size=3))
    gradient = s2sad.grad(named_tuple_by_index_and_attribute)(p, x)
    assert isinstance(gradient, Pair)
    for field in (0, 1):
        expected = finite_difference(
            lambda leaf: named_tuple_by_index_and_attribute(
                Pair(*[leaf if i == field else p[i] for i in (0, 1)]), x), (p[field],), 0)
        np.testing.assert_allclose(gradient[field], expected, rtol=1e-6)


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


def dataclass_parameters(x, params):
    return np.sum(np.tanh(params.w * x + params.b))


def test_dataclass_holding_parameters_read_inside():
    params = Params(RNG.normal(size=3), 0.3)
    check_both_modes(dataclass_parameters, (RNG.normal(size=3), params))


def required_keyword_only(x, *, scale):
    return np.sum(x * scale)


def calls_keyword_only(x):
    return required_keyword_only(x, scale=2.0) + required_keyword_only(x * x, scale=0.5)


def test_required_keyword_only_parameters():
    # old main: internal AttributeError in syntax.py
    x = RNG.normal(size=3)
    check_both_modes(calls_keyword_only, (x,))
    np.testing.assert_allclose(s2sad.grad(required_keyword_only)(x, scale=3.0), 3.0)


def mixed_outputs(x):
    return x * 2.0, np.sum(x)


def test_tuple_output_of_mixed_shapes_with_a_wrong_seed_is_a_shape_error():
    vjp = s2sad.autodiff(mixed_outputs)
    np.testing.assert_allclose(vjp(np.ones(3), (np.ones(3), 1.0)), 3.0)
    with pytest.raises(s2sad.ShapeError):
        vjp(np.ones(3), (np.ones(3), np.ones(2)))


# ---------------------------------------------------------------- reproduction 5, the rest


def unpack_layers(weights, sizes):
    start = 0
    for size in sizes:
        yield weights[start:start + size], weights[start + size]
        start = start + size + 1


def loop_over_generator(weights, x):
    h = x
    for w, b in unpack_layers(weights, [2, 2]):
        h = np.tanh(np.sum(w * h) + b) + h
    return np.sum(h)


def loop_over_nested_generator(w, x):
    def pairs(v):
        for i in range(len(v) - 1):
            if v[i] > -10.0:
                yield v[i], v[i + 1]
    s = 0.0
    for a, b in pairs(x * w):
        if a > b:
            continue
        s = s + a * b
    return s


def sum_of_generator_expression(w, x):
    return sum(np.sin(v * w) for v in x) + sum((v * v for v in x), w)


def builtin_max_and_min(w, x):
    a, b = np.sum(x * w), np.sum(x * x * w)
    return max(a, b, 0.1 * w) + min(a * 2.0, b, w) + max([x[0] * w, x[1], x[2] * 2.0]) + \
        min(x * w)


def starred_shape(w, x):
    noise = np.ones(*x.shape) * 0.5
    return np.sum(x * w * noise)


def zip_of_starred(w, params):
    s = 0.0
    for weight, bias in zip(*params):
        s = s + np.sum(np.tanh(weight * w + bias))
    return s


@pytest.mark.parametrize("f", [loop_over_generator])
def test_a_generator_walked_by_a_for_loop_is_inlined(f):
    # old main: yield refused
    check_both_modes(f, (RNG.normal(size=6), RNG.normal(size=2)))


@pytest.mark.parametrize("f", [loop_over_nested_generator, sum_of_generator_expression,
                               builtin_max_and_min, starred_shape])
def test_generators_sums_max_min_and_starred_arguments(f):
    # old main: yield, max of three and max of a list, *args refused or without a rule
    check_both_modes(f, (0.7, RNG.normal(size=3)))


def test_zip_of_a_starred_list_of_sequences():
    params = ([RNG.normal(size=2), RNG.normal(size=2)], [0.5, -0.2])
    check_both_modes(zip_of_starred, (0.7, params))


def test_a_starred_argument_to_a_differentiated_primitive_is_refused_at_its_line():
    def f(x, pair):
        return np.sum(np.multiply(*pair) * x)

    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(f, wrt=(0, 1))
    assert "np.multiply(*pair)" in caught.value.location.excerpt()


def test_a_tuple_display_unpacked_into_a_primitive_is_its_items():
    def f(x):
        pair = (x, x)
        return np.sum(np.multiply(*pair))
    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(s2sad.grad(f)(x), 2.0 * x, rtol=1e-12)


def test_a_generator_differentiated_itself_is_refused_at_its_yield():
    def f(x):
        yield x * 2.0

    with pytest.raises(s2sad.UnsupportedSyntaxError) as caught:
        s2sad.grad(f)
    assert "yield x * 2.0" in caught.value.location.excerpt()


def test_a_second_derivative_through_a_function_value_is_refused_clearly():
    with pytest.raises(s2sad.NonDifferentiableError, match="known only at run time"):
        s2sad.grad(s2sad.grad(with_activation))(0.7, RNG.normal(size=3), swish)


def test_second_derivative_through_inlined_closures():
    def f(w, x):
        squash = lambda v: np.tanh(v * w)
        return np.sum(squash(squash(x)))

    x = RNG.normal(size=3)
    second = s2sad.grad(s2sad.grad(f))(0.7, x)
    first = s2sad.grad(f)
    expected = (first(0.7 + 1e-6, x) - first(0.7 - 1e-6, x)) / 2e-6
    assert second == pytest.approx(expected, rel=1e-6)


def closure_outlives_the_rebinding(w, x):
    def make(scale):
        def apply(v):
            return np.tanh(v * scale)
        return apply
    s = w
    layer = make(s)
    s = s * 3.0            # the closure keeps the scale bound when make ran
    return np.sum(layer(x)) + s


def defaults_bound_at_definition(w, x):
    total = 0.0
    functions = 0.0
    k = w
    scaled = lambda v, k=k: v * k     # k as it is now
    k = k * 10.0
    return np.sum(scaled(x)) + k * 0.01 + total + functions


@pytest.mark.parametrize("f", [closure_outlives_the_rebinding, defaults_bound_at_definition])
def test_closures_and_defaults_see_the_values_python_gives_them(f):
    x = RNG.normal(size=3)
    assert s2sad.grad(f, preserve_result=True)(0.7, x)[1] == pytest.approx(f(0.7, x))
    check_both_modes(f, (0.7, x))


def apply_n_times(function, v, n):
    if n == 0:
        return v
    return apply_n_times(function, function(v), n - 1)


def recursion_through_a_function_argument(w, x):
    return np.sum(apply_n_times(lambda t: t * w, x, 2))


def test_recursion_of_an_inlined_module_function_is_refused():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="recursive call"):
        s2sad.grad(recursion_through_a_function_argument)


def test_dict_get_is_still_refused_where_it_is_written():
    def f(d):
        return d.get("a") * 2.0

    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(f)
    assert 'd.get("a")' in caught.value.location.excerpt()


# ------------------------------------------------------------ helpers taking *args

def concat_and_multiply(weights, *args):
    """As autograd's RNN example writes it."""
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_step_loss(w_change, w_predict, inputs, hiddens):
    hiddens = np.tanh(concat_and_multiply(w_change, inputs, hiddens))
    return np.sum(concat_and_multiply(w_predict, hiddens) ** 2)


def test_a_helper_taking_star_args_is_differentiated_for_each_number_of_arguments():
    args = (RNG.normal(size=(6, 3)), RNG.normal(size=(4, 2)), RNG.normal(size=(5, 2)),
            RNG.normal(size=(5, 3)))
    for wrt in range(4):
        check_both_modes(rnn_step_loss, args, wrt)
    text = s2sad.source(s2sad.grad(rnn_step_loss, wrt=(0, 1, 2, 3)))
    assert "dconcat_and_multiply(" in text


def euler_step(f, y, *args):
    return y + f(y, *args)


def decay(y, b):
    return -b * y


def euler_loss(b, y):
    return np.sum(euler_step(decay, y, b))


def rk4(f, y, t, dt, *args):
    """The usual integrator: *args passed on to the right-hand side."""
    k1 = f(y, t, *args)
    k2 = f(y + dt / 2 * k1, t + dt / 2, *args)
    k3 = f(y + dt / 2 * k2, t + dt / 2, *args)
    k4 = f(y + dt * k3, t + dt, *args)
    return y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def predator_prey(y, t, a, b):
    return np.array([a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - y[1]]) * \
        (1.0 + 0.1 * np.sin(t))


def rk4_loss(a, y0, b):
    y = y0
    for i in range(8):
        y = rk4(predator_prey, y, i * 0.1, 0.1, a, b)
    return np.sum(y ** 2)


def rk4_lambda_loss(a, y0, b):
    y = y0
    for i in range(3):
        y = rk4(lambda u, t, c: -c * u * a, y, i * 0.1, 0.1, b)
    return np.sum(y ** 2)


def star_args_read_otherwise(f, y, *args):
    return f(y, *args) * len(args) + args[0]


def star_args_read_otherwise_loss(b, y):
    return np.sum(star_args_read_otherwise(decay, y, b))


def forwards_star_args(y, *args):
    return y + decay(y, *args)


def forwards_star_args_loss(b, y):
    return np.sum(forwards_star_args(y, b) ** 2)


def test_a_helper_taking_a_function_and_star_args_passes_them_on():
    """`step(rhs, y, b)` with `def step(f, y, *args): return y + f(y, *args)` was
    refused (a helper given a function is inlined, and inlining refused *args);
    it is inlined as its version for the arguments passed, `f(y, *args)` as
    `rhs(y, b)`."""
    assert s2sad.grad(euler_loss)(0.5, np.array([1.0, 2.0])) == -3.0
    cases = [(euler_loss, (0.5, np.array([1.0, 2.0]))),
             (rk4_loss, (1.3, np.array([1.0, 0.5]), 0.7)),
             (rk4_lambda_loss, (0.9, np.array([1.0, -0.5]), 1.1)),
             (star_args_read_otherwise_loss, (0.5, np.array([1.0, 2.0]))),
             (forwards_star_args_loss, (0.5, np.array([1.0, 2.0])))]
    for f, args in cases:
        for wrt in range(len(args)):
            check_both_modes(f, args, wrt)
    text = s2sad.source(s2sad.grad(rk4_loss))
    code = [line for line in text.splitlines() if not line.strip().startswith("#")]
    assert "predator_prey(y, t, a, b)" in text and not any("*args" in c for c in code)


def test_hessian_vector_products_through_a_helper_passing_star_args_on():
    args = (1.3, np.array([1.0, 0.5]), 0.7)
    for wrt in (0, 1):
        gradient = s2sad.grad(rk4_loss, wrt=wrt)
        v = RNG.normal(size=np.shape(args[wrt]))
        v = v if np.ndim(v) else float(v)
        plus, minus = list(args), list(args)
        plus[wrt], minus[wrt] = args[wrt] + 1e-5 * v, args[wrt] - 1e-5 * v
        expected = (gradient(*plus) - gradient(*minus)) / 2e-5
        np.testing.assert_allclose(s2sad.hvp(rk4_loss, wrt=wrt)(*args, v), expected,
                                   rtol=1e-5, atol=1e-8)


def takes_star_args(*xs):
    return xs[0] * xs[1]


def test_the_differentiated_function_itself_may_not_take_star_args():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=r"\*args"):
        s2sad.grad(takes_star_args)


class Surrogate:
    """A model whose methods share names with NumPy arrays' (mean, var)."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def mean(self, x):
        return np.exp(-(self.X - x) ** 2) @ self.y

    def var(self, x):
        return 1.0 - np.sum(np.exp(-2 * (self.X - x) ** 2)) * 0.1

    def acquisition(self, x):
        return self.mean(x) + 2.0 * np.sqrt(self.var(x))


def sums_through_a_module_variable(x, xp=np):
    return xp.sum(np.sin(x))


class Ops:
    def sum(self, v):
        return np.sum(v ** 2)


def sums_through_an_object(x):
    ops = Ops()
    return ops.sum(x)


def sums_through_an_object_given(x, ops):
    return ops.sum(x)


def test_a_method_named_like_an_array_method_is_not_taken_for_numpys():
    """`self.mean(x)` was differentiated with ndarray.mean's rule (x as its axis):
    a silent 0. A method of the function's own class, or of an object f makes of a
    class of the user's, is now its method; other objects (a module in a variable,
    an object passed in) are refused when they run."""
    gp = Surrogate(np.array([0.0, 0.5, 1.0]), np.array([1.0, -1.0, 2.0]))
    eps = 1e-6
    expected = (gp.acquisition(0.3 + eps) - gp.acquisition(0.3 - eps)) / (2 * eps)
    assert s2sad.grad(gp.acquisition)(0.3) == pytest.approx(expected, rel=1e-7)
    assert s2sad.autodiff(gp.acquisition, mode="forward")(0.3, 1.0) == \
        pytest.approx(expected, rel=1e-7)
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(s2sad.grad(sums_through_an_object)(x), 2 * x, rtol=1e-12)
    np.testing.assert_allclose(s2sad.autodiff(sums_through_an_object, mode="forward")(
        x, dx=np.ones(3)), 2 * np.sum(x), rtol=1e-12)
    for f, more, what in ((sums_through_a_module_variable, (), "the module numpy"),
                          (sums_through_an_object_given, (Ops(),), "a Ops object")):
        for call in (lambda: s2sad.grad(f)(x, *more),
                     lambda: s2sad.autodiff(f, mode="forward")(x, *more, dx=np.ones(3))):
            with pytest.raises(s2sad.NonDifferentiableError, match=what) as info:
                call()
            assert info.value.location.lineno == f.__code__.co_firstlineno + 1


class SGD:
    """An optimizer as numpy-ml and CS231n write one: its step is named update."""

    def __init__(self, lr):
        self.lr = lr

    def update(self, p, g):
        return p - self.lr * g

    def extend(self, p):
        return p * 2.0


def trains_two_steps(w):
    opt = SGD(0.1)
    for _ in range(2):
        w = opt.update(w, w * w)
    return np.sum(opt.extend(w) ** 2)


def test_a_method_of_an_object_f_makes_is_its_own_whatever_its_name():
    """`opt.update(w, g)` was refused as dict.update, `opt.extend(w)` as list.extend."""
    w = np.array([0.5, -1.2])
    assert_gradients(trains_two_steps, s2sad.grad(trains_two_steps), (w,), (0,))
    _, tangent = s2sad.jvp(trains_two_steps, (w,), (np.ones(2),))
    assert float(tangent) == pytest.approx(finite_difference(trains_two_steps, (w,), 0).sum(),
                                           rel=1e-6)


class Stack:
    def __init__(self, k):
        self.k = k

    def pop(self, x):
        return self.k * x


def pops_through_the_class(x):
    s = Stack(3.0)
    return np.sum(Stack.pop(s, x) ** 2)


def test_a_method_called_through_its_class_is_no_container_write():
    """`Stack.pop(s, x)` was refused as a pop from a global container named Stack."""
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(s2sad.grad(pops_through_the_class)(x), 18.0 * x, rtol=1e-12)


def kepler_residual(E, M, e):
    return E - e * math.sin(E) - M


def solved_scipy_style(f, x, args=(), iterations=30):
    """scipy.optimize's convention: extra arguments as a tuple, `f(x, *args)`."""
    for _ in range(iterations):
        fx = f(x, *args)
        x = x - fx / (1.0 - args[1] * math.cos(x))
    return x


def eccentric_anomaly(M, e):
    return solved_scipy_style(kepler_residual, M, args=(M, e))


def unpacks_its_own_tuple(M, e):
    extra = (M, e)
    return kepler_residual(0.5, *extra) * 2.0


@pytest.mark.parametrize("f", [eccentric_anomaly, unpacks_its_own_tuple])
def test_a_tuple_unpacked_into_a_call_of_a_users_function(f):
    """`f(x, *args)` with args a tuple display was refused as a starred argument."""
    for wrt in (0, 1):
        check_both_modes(f, (0.7, 0.3), wrt)


SCALE = 2.0


def scaled_by_a_default(x, s=SCALE, *, a=SCALE):
    return np.sum(x * s) * a


def calls_a_helper_with_a_default(x):
    return np.sum(scaled_by_a_default(x) ** 2)


def make_capturing(k):
    def f(x, k=k):
        return np.sum(np.sin(x) * k)
    return f


class WithClassConstant:
    FACTOR = 3.0

    def loss(self, x, s=FACTOR):
        return np.sum(x * x) * s


def test_defaults_are_the_values_python_bound_when_f_was_defined(monkeypatch):
    """The derivative's signature evaluated the defaults' source text again: a global
    rebound since (`s=SCALE`) gave a wrong gradient, a name of a class body or an
    enclosing function (`k=k`) a NameError."""
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 5.0)
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(s2sad.grad(scaled_by_a_default)(x), 4.0 * np.ones(3))
    assert s2sad.autodiff(scaled_by_a_default, mode="forward")(x, dx=np.ones(3)) == \
        pytest.approx(12.0)
    np.testing.assert_allclose(s2sad.grad(calls_a_helper_with_a_default)(x),
                               2.0 * np.sum(4.0 * x) * 4.0 * np.ones(3))
    np.testing.assert_allclose(s2sad.grad(make_capturing(3.0))(x), 3.0 * np.cos(x))
    np.testing.assert_allclose(s2sad.grad(WithClassConstant().loss)(x), 6.0 * x)


class PrivateWeights:
    def __init__(self, w):
        self.__w = w

    def loss(self, x):
        return np.sum(self.__w * x ** 2)


def test_private_attributes_of_a_method_are_read_under_their_mangled_name():
    """`self.__w` in class PrivateWeights is `self._PrivateWeights__w`; the generated
    code, compiled outside the class, read `self.__w` (AttributeError)."""
    model = PrivateWeights(np.array([1.0, 2.0]))
    x = np.array([0.5, -0.3])
    np.testing.assert_allclose(s2sad.grad(model.loss)(x), 2.0 * np.array([1.0, 2.0]) * x)
    assert s2sad.autodiff(model.loss, mode="forward")(x, dx=np.ones(2)) == \
        pytest.approx(np.sum(2.0 * np.array([1.0, 2.0]) * x))


class Layer:
    def __init__(self, weights, bias):
        self.weights, self.bias = weights, bias

    def forward(self, x):
        return np.tanh(x @ self.weights + self.bias)

    def loss(self, x, y):
        return np.mean((self.forward(x) - y) ** 2)


def through_methods(x, layer, y):
    return np.sum(layer.forward(x) ** 2) + layer.loss(x, y)


def test_hessian_vector_products_through_methods_recursion_and_function_values():
    """Forward mode over a derivative that calls call_vjp (a method's, a recursive
    call's, a function value's derivative, found when it runs) was refused; it
    differentiates the VJP found then, as it does any generated function."""
    layer = Layer(RNG.normal(size=(3, 2)), RNG.normal(size=2))
    cases = [(through_methods, (RNG.normal(size=(4, 3)), layer, RNG.normal(size=(4, 2)))),
             (with_activation, (0.7, RNG.normal(size=3), swish))]
    for f, args in cases:
        gradient = s2sad.grad(f)
        v = RNG.normal(size=np.shape(args[0]))
        plus, minus = (args[0] + 1e-5 * v,) + args[1:], (args[0] - 1e-5 * v,) + args[1:]
        expected = (gradient(*plus) - gradient(*minus)) / 2e-5
        np.testing.assert_allclose(s2sad.hvp(f)(*args, v), expected, rtol=1e-5, atol=1e-8)
    x, y, v = cases[0][1][0], cases[0][1][2], RNG.normal(size=(4, 3))
    hessian = s2sad.hessian(through_methods)(x, layer, y)
    np.testing.assert_allclose(np.tensordot(hessian, v, 2),
                               s2sad.hvp(through_methods)(x, layer, y, v), rtol=1e-10)


class Damped:
    def __init__(self, scale):
        self.scale = scale

    def forward_pass(self, h, w):
        return np.tanh(h * w * self.scale)


STACK = [Damped(1.0), Damped(0.5)]


def method_in_a_loop(w, x, layer):
    h = x
    for _ in range(2):
        h = layer.forward_pass(h, w)
    return np.sum(h ** 2)


def methods_of_a_list_in_a_loop(w, x):
    h = x
    for layer in STACK:
        h = layer.forward_pass(h, w)
    return np.sum(h ** 2)


def function_value_in_a_loop(w, act):
    for _ in range(2):
        w = act(w)
    return np.sum(w)


def test_hessian_vector_products_through_calls_in_a_loop():
    """The reverse sweep reruns a loop's body; a method's or function value's call,
    whose result it no longer needs, stays there as a bare call (it may draw random
    numbers). Forward mode over that derivative took it for a call changing its
    arguments in place (and the layer for a variable the call stored into)."""
    w, x, v = np.array([0.3, 0.5]), np.array([1.0, 2.0]), np.array([1.0, -0.4])
    cases = [(method_in_a_loop, (x, Damped(1.0))), (methods_of_a_list_in_a_loop, (x,)),
             (function_value_in_a_loop, (np.tanh,)), (function_value_in_a_loop, (swish,))]
    for f, extra in cases:
        gradient = s2sad.grad(f)
        expected = (gradient(w + 1e-5 * v, *extra) - gradient(w - 1e-5 * v, *extra)) / 2e-5
        np.testing.assert_allclose(s2sad.hvp(f)(w, *extra, v), expected, rtol=1e-6,
                                   atol=1e-8)


def closest_candidate(x):
    candidates = [x * 0.5, x ** 2, np.sin(x)]
    return min(candidates, key=lambda c: np.sum((c - 1.0) ** 2)) @ np.arange(1.0, 4.0)


def total_of(c):
    return float(np.sum(c))


def largest_by_a_function(x):
    return np.sum(max([x, 2.0 * x, -x], key=total_of) ** 2)


def sorted_by_distance(x, w):
    """Ties: the keys are floors, so 0.3 and 0.4 (and 1.2, 1.6) compare equal."""
    xs = [x[0] * 2.0, x[1], x[2] ** 2, x[3], x[4] + w]
    ys = sorted(xs, key=lambda v: np.floor(v - w))
    zs = sorted(xs, key=lambda v: np.floor(v - w), reverse=True)
    weights = [1.0, 2.0, 3.0, 4.0, 5.0]
    return sum(weights[i] * ys[i] ** 2 + i * zs[i] for i in range(len(xs)))


def sorted_by_a_nested_def(x):
    def size(v):
        return abs(v)
    ranked = sorted([x[0], -x[1], 2.0 * x[2]], key=size, reverse=len(x) > 2)
    return ranked[0] * 3.0 + ranked[1] * ranked[2]


def sorted_rows_by_a_function(x):
    rows = sorted(list(x), key=total_of)
    return np.sum(rows[0] ** 2) + 2.0 * np.sum(rows[-1])


def sorted_constant_columns(weights):
    """As autograd's examples/ica.py sorts its latent samples."""
    latents = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, 0.2]])
    latents = np.array(sorted(latents.T, key=lambda a_entry: a_entry[0])).T
    return np.sum(np.dot(weights, latents) ** 2)


def rank_by(f, xs):
    return sorted(xs, key=lambda v: f(v)), max(xs, key=f)


def ranked_through_a_helper(x):
    """The helper is inlined (it is given a function): its sorted and max with a
    key are written out as the function's own are."""
    ys, largest = rank_by(abs, [x[0], -2.0 * x[1], x[2]])
    return ys[0] + 2.0 * ys[1] + 3.0 * ys[2] + largest ** 2


def test_sorted_with_a_key_orders_the_items_which_carry_the_derivative():
    """`sorted(xs, key=lambda ...)` was refused as a lambda used as a value; it is
    written out as the keys, their order (Python's stable sort, ties kept in their
    order with reverse=True too) and the items indexed by it."""
    x = np.array([0.3, 0.4, 1.2, -0.5, 1.6])
    for f, args in [(sorted_by_distance, (x, 0.05)),
                    (sorted_by_a_nested_def, (np.array([0.4, 0.9, -0.3]),)),
                    (sorted_rows_by_a_function, (RNG.normal(size=(4, 3)),)),
                    (sorted_constant_columns, (RNG.normal(size=(3, 2)),)),
                    (ranked_through_a_helper, (np.array([0.5, 0.1, -0.9]),))]:
        for wrt in range(len(args)):
            check_both_modes(f, args, wrt)
    gradient = s2sad.grad(sorted_by_distance)
    v = RNG.normal(size=5)
    np.testing.assert_allclose(s2sad.hvp(sorted_by_distance)(x, 0.05, v),
                               (gradient(x + 1e-5 * v, 0.05) - gradient(x - 1e-5 * v, 0.05))
                               / 2e-5, rtol=1e-5, atol=1e-8)


def largest_of_several_by_size(x, y):
    return max(x * y, y, -x, key=abs) * 2.0 + min(x, y, key=lambda v: (v - 0.2) ** 2)


def largest_or_a_default(x, y):
    nothing = []
    return max([x, y * y], default=0.0) * 3.0 + min(nothing, default=x * y) + \
        max([x, -y], key=abs, default=y)


def test_max_min_of_several_values_with_a_key_or_a_default():
    """`max(a, b, key=f)` and `max(xs, default=d)` were refused (the rule of max
    takes two values and nothing else)."""
    for args in [(1.5, -2.0), (-0.5, 0.25), (0.7, 0.9)]:
        for f in (largest_of_several_by_size, largest_or_a_default):
            for wrt in (0, 1):
                check_both_modes(f, args, wrt)


def folded(x, w1, w2):
    discounted = functools.reduce(lambda acc, v: acc * 0.5 + v ** 2, x, 1.0)
    return discounted * np.sum(functools.reduce(np.dot, [w1, w2, w1.T]))


def test_max_min_with_a_key_and_reduce_are_followed_as_the_loops_they_run():
    """A lambda or function passed to max, min or functools.reduce was refused (s2sad
    inlines lambdas where they are called); these are written out as loops that
    call it."""
    x = np.array([0.4, -0.3, 1.1])
    for f in (closest_candidate, largest_by_a_function):
        assert_gradients(f, s2sad.grad(f), (x,), (0,))
        assert s2sad.autodiff(f, mode="forward")(x, np.ones(3)) == \
            pytest.approx(np.sum(s2sad.grad(f)(x)), rel=1e-10)
    args = (x, RNG.normal(size=(2, 2)), RNG.normal(size=(2, 2)))
    assert_gradients(folded, s2sad.grad(folded, wrt=(0, 1, 2)), args, (0, 1, 2))
    gradient = s2sad.grad(closest_candidate)
    v = np.array([0.3, 1.0, -0.5])
    np.testing.assert_allclose(s2sad.hvp(closest_candidate)(x, v),
                               (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5,
                               rtol=1e-5, atol=1e-8)
