"""Programs written the way autograd and JAX users write them (issue 15): loops over
layers of different shapes, container parameters read by several calls, second
derivatives through loops that break. Every leaf against finite differences, in
reverse mode and (on a random tangent) in forward mode."""
import collections
import dataclasses

import numpy as np
import pytest

import s2sad
from test_containers import check_container_gradient

RNG = np.random.default_rng(15)


# ------------------------------------------------------------ shapes change per iteration

def predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs


def mlp_loss(params, inputs, targets):
    return np.sum((predict(params, inputs) - targets) ** 2)


def sum_after_the_loop(params, x):
    for W, b in params:
        h = np.tanh(x * W + b)
        x = h
    return np.sum(h)


def while_over_layers(Ws, x):
    i = 0
    while i < len(Ws):
        h = np.dot(x, Ws[i])
        x = np.tanh(h)
        i += 1
    return np.sum(h * h)


def layers_repeated(Ws, x):
    s = 0.0
    for rep in range(2):
        z = x
        for W in Ws:
            h = np.dot(z, W)
            z = np.sin(h)
        s = s + np.sum(h) * (rep + 1.0)
    return s


def layers_until_large(Ws, x):
    for W in Ws:
        h = np.dot(x, W)
        x = np.tanh(h)
        if np.sum(h) > 100.0:
            break
    return np.sum(h ** 2)


def layers_collected(Ws, x):
    hs = []
    for W in Ws:
        h = np.dot(x, W)
        hs.append(h)
        x = np.tanh(h)
    return np.sum(hs[0]) + np.sum(hs[-1] ** 2)


def layer_in_a_branch(Ws, x):
    for W in Ws:
        if np.sum(x) > 0:
            h = np.dot(x, W)
        else:
            h = np.dot(x * 2.0, W)
        x = np.cos(h)
    return np.sum(h)


def two_locals_read_after(params, x):
    for i, (W, b) in enumerate(params):
        a = np.dot(x, W) * (i + 1.0)
        h = a + b
        x = np.tanh(h)
    return np.sum(a) + np.sum(h ** 2)


LAYERS = [(RNG.normal(size=(3, 4)), RNG.normal(size=4)),
          (RNG.normal(size=(4, 2)), RNG.normal(size=2))]
WEIGHTS = [RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=(2, 5))]
BATCH = RNG.normal(size=(5, 3))
# the shapes broadcast against each other: a wrongly shaped zero went unnoticed
BROADCASTING = [(RNG.normal(size=3), 0.5), (RNG.normal(size=(2, 3)), RNG.normal(size=3))]


@pytest.mark.parametrize("f, args", [
    (mlp_loss, (LAYERS, BATCH, RNG.normal(size=(5, 2)))),
    (sum_after_the_loop, (BROADCASTING, np.array([0.3]))),
    (while_over_layers, (WEIGHTS, BATCH)),
    (layers_repeated, (WEIGHTS, BATCH)),
    (layers_until_large, (WEIGHTS, BATCH)),
    (layers_collected, (WEIGHTS, BATCH)),
    (layer_in_a_branch, (WEIGHTS, BATCH)),
    (two_locals_read_after, (LAYERS, BATCH)),
], ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("index", [0, 1])
def test_loops_whose_variables_change_shape(f, args, index):
    check_container_gradient(f, args, index)


def squares_after_layers(x, Ws):
    for W in Ws:
        h = np.tanh(x @ W)
        x = h
    return np.sum(h ** 2)


def test_hessian_vector_products_through_layers_of_different_shapes():
    x, v = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    gradient = s2sad.grad(squares_after_layers)
    step = 1e-6
    expected = (gradient(x + step * v, WEIGHTS[:2]) - gradient(x - step * v, WEIGHTS[:2])) \
        / (2 * step)
    forward_over_reverse = s2sad.autodiff(gradient, mode="forward")(x, WEIGHTS[:2], dx=v)
    reverse_over_reverse = s2sad.autodiff(gradient, mode="reverse")(x, WEIGHTS[:2], bbx=v)
    for value in (forward_over_reverse, reverse_over_reverse):
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------ containers read twice

def layer_sum(params, x):
    for W in params:
        x = np.tanh(np.dot(x, W))
    return np.sum(x)


def layers_twice(params, x):
    return layer_sum(params, x) + layer_sum(params, 2.0 * x)


def dict_layer(p, x):
    return np.sum(np.tanh(x @ p["W"] + p["b"]))


def dict_twice(p, x):
    return dict_layer(p, x) * dict_layer(p, -x)


def tuple_layer(p, x):
    W, b = p
    return np.sum(np.sin(x @ W + b))


def tuple_twice(p, x):
    return tuple_layer(p, x) + tuple_layer(p, x * 3.0)


def nested_layer(p, x):
    return np.sum(np.tanh(x @ p["layers"][0][0] + p["layers"][0][1])) * p["scale"]


def nested_twice(p, x):
    return nested_layer(p, x) + nested_layer(p, x + 1.0)


Pair = collections.namedtuple("Pair", "W b")


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray


def affine(p, x):
    return np.sum(np.tanh(x @ p.W + p.b))


def object_twice(p, x):
    return affine(p, x) + affine(p, x * x)


def reads_b(p, x):
    return np.sum(p["b"] * x[0, :2])


def reads_W(p, x):
    return np.sum(x @ p["W"])


def keys_read_apart(p, x):
    return reads_b(p, x) * reads_W(p, x) + reads_W(p, -x)


def first_two(params, x):
    return np.sum(np.dot(x, params[0]) ** 2) + np.sum(params[1])


def twice_more(params, x):
    return first_two(params, x) + first_two(params, x * 0.5)


def helpers_of_helpers(params, x):
    return twice_more(params, x) * twice_more(params, -x)


def through_a_copy(params, x):
    same = params
    return first_two(same, x) + first_two(params, x)


def called_in_a_loop(params, x):
    s = 0.0
    for k in range(3):
        s = s + first_two(params, x * (k + 1.0))
    return s


def read_here_and_there(params, x):
    return first_two(params, x) + np.sum(params[0] * 2.0) + first_two(params, x + 1.0)


def pair_by_index(p, x):
    return np.sum(np.sin(x @ p[0]) * p[1])


def by_name_and_by_index(p, x):
    return affine(p, x) + pair_by_index(p, x)


def by_name_and_by_index_here(p, x):
    return np.sum(p.W) * np.sum(p[0] * x[0, :, None])


PAIR_OF_ARRAYS = [RNG.normal(size=(3, 2)), RNG.normal(size=2)]


@pytest.mark.parametrize("f, tree", [
    (layers_twice, [RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=(2, 2))]),
    (dict_twice, {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}),
    (tuple_twice, tuple(PAIR_OF_ARRAYS)),
    (nested_twice, {"layers": [tuple(PAIR_OF_ARRAYS)], "scale": 1.5}),
    (object_twice, Pair(*PAIR_OF_ARRAYS)),
    (object_twice, Layer(*PAIR_OF_ARRAYS)),
    (keys_read_apart, {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2),
                       "unused": RNG.normal(size=2)}),
    (helpers_of_helpers, PAIR_OF_ARRAYS),
    (helpers_of_helpers, tuple(PAIR_OF_ARRAYS)),
    (through_a_copy, PAIR_OF_ARRAYS),
    (called_in_a_loop, PAIR_OF_ARRAYS),
    (read_here_and_there, PAIR_OF_ARRAYS),
    (by_name_and_by_index, Pair(*PAIR_OF_ARRAYS)),
    (by_name_and_by_index_here, Pair(*PAIR_OF_ARRAYS)),
], ids=lambda v: getattr(v, "__name__", type(v).__name__))
def test_gradients_of_a_container_read_twice_add_item_by_item(f, tree):
    check_container_gradient(f, (tree, RNG.normal(size=(4, 3))))


# ------------------------------------------------------------ second derivatives, break

def layers_of_sines(x):
    y = x
    for i in range(5):
        y = y * np.sin(x + i)
        if i > 2:
            break
    return y


def sum_until_large(x):
    s = 0.0
    for i in range(10):
        s = s + x * i
        if s > 5.0:
            break
    return s * x


def steps_until_large(x):
    y = x
    for t in np.linspace(0.5, 1.5, 5):  # not range: the first derivative keeps t
        y = y * np.sin(t * x)
        if y > 2.0:
            break
    return y


def repeated_breaks(x):
    y = x
    for j in range(3):
        for i in range(4):
            y = y + np.sin(x * i * j)
            if y > 3.0:
                break
    return y


def second_difference(f, x, h=1e-4):
    return (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h)


@pytest.mark.parametrize("f, x", [(layers_of_sines, 0.3), (sum_until_large, 0.7),
                                  (steps_until_large, 0.7), (steps_until_large, 1.3),
                                  (repeated_breaks, 0.4)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_second_derivatives_through_a_loop_that_breaks_and_reads_its_index(f, x):
    expected = second_difference(f, x)
    first = s2sad.grad(f)
    reverse_over_reverse = s2sad.grad(first)(x)
    forward_over_reverse = s2sad.autodiff(first, mode="forward")(x, dx=1.0)
    reverse_over_forward = s2sad.grad(s2sad.autodiff(f, mode="forward"))(x, 1.0)
    for value in (reverse_over_reverse, forward_over_reverse, reverse_over_forward):
        assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)


class Layer:
    def __init__(self, A):
        self.A = A

    def apply(self, x):
        return np.tanh(self.A @ x)


def through_a_method(x, layer):
    y = layer.apply(x)
    return np.sum(y ** 2)


def test_an_error_in_a_second_derivative_points_at_the_users_line():
    first = s2sad.grad(through_a_method)  # reverse over reverse: refused through a method
    with pytest.raises(s2sad.S2SADError) as info:
        s2sad.autodiff(first, mode="reverse")
    location = info.value.location
    assert location.filename == __file__
    assert location.lineno == through_a_method.__code__.co_firstlineno + 1
    assert "y = layer.apply(x)" in str(info.value)


# ------------------------------------------------------------ tangent's calls

def straight_line(x):
    a = x * x * x
    b = a * x ** 2.0
    return np.sum(b)


def cube(a):
    return a * a * a


def call_tree(x):
    a = cube(x)
    b = a * x ** 2.0
    return np.sum(b)


@pytest.mark.parametrize("f", [straight_line, call_tree])
@pytest.mark.parametrize("first, second", [("reverse", "forward"), ("reverse", "reverse"),
                                           ("forward", "reverse")])
def test_tangents_hessian_vector_product_calls(f, first, second):
    """tangent's HVP tests: the seed, then the tangent (or the second seed), by
    position; the Hessian of these sums of x ** 5 is diagonal: 20 x ** 3."""
    a, v = RNG.normal(size=30), RNG.normal(size=30)
    df = s2sad.autodiff(f, mode=first, motion="joint", check_dims=False)
    ddf = s2sad.autodiff(df, mode=second, motion="joint", check_dims=False)
    np.testing.assert_allclose(ddf(a, 1, v), 20 * a ** 3 * v, rtol=1e-10)


def test_forward_over_reverse_takes_the_tangent_by_name_or_position():
    a, v = RNG.normal(size=4), RNG.normal(size=4)
    ddf = s2sad.autodiff(s2sad.autodiff(straight_line, mode="reverse"), mode="forward")
    np.testing.assert_allclose(ddf(a, 1.0, v), 20 * a ** 3 * v, rtol=1e-10)
    np.testing.assert_allclose(ddf(a, 1.0, dx=v), 20 * a ** 3 * v, rtol=1e-10)
    hvp = s2sad.autodiff(s2sad.grad(straight_line), mode="forward")
    np.testing.assert_allclose(hvp(a, dx=v), 20 * a ** 3 * v, rtol=1e-10)


def value_and_double(x):
    return np.sum(x * x), x * 2.0


def test_check_dims_off_keeps_tuple_seeds():
    x = RNG.normal(size=3)
    df = s2sad.autodiff(value_and_double, check_dims=False)
    np.testing.assert_allclose(df(x, (1.0, np.ones(3))), 2 * x + 2.0, rtol=1e-12)


def test_motion_is_joint_only():
    with pytest.raises(s2sad.S2SADError, match="motion must be 'joint'"):
        s2sad.autodiff(straight_line, motion="split")


def test_a_seed_of_the_wrong_shape_is_refused_with_check_dims():
    df = s2sad.autodiff(straight_line, mode="reverse")
    with pytest.raises(s2sad.ShapeError):
        df(np.ones(3), np.ones(3))


def repeat(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * x
    return s


def power(x, n):
    return x ** n


def test_an_int_argument_no_derivative_reaches_is_refused_at_the_users_function():
    df = s2sad.grad(repeat, wrt=(1,))
    for n in (3, np.int64(3)):
        with pytest.raises(s2sad.WrtError, match="'n' is the integer 3") as info:
            df(0.5, n)
        assert info.value.location.filename == __file__
        assert info.value.location.lineno == repeat.__code__.co_firstlineno
    assert s2sad.grad(repeat, wrt=(1,))(0.5, 3.0) == 0.0  # a float: zero, as before
    # an int used as a number gets its gradient as a float would
    assert s2sad.grad(power, wrt=(1,))(2.0, 3) == pytest.approx(8.0 * np.log(2.0))
    assert s2sad.grad(power)(3, 2.0) == pytest.approx(6.0)


def test_verbose_prints_the_code_also_from_the_cache(capsys):
    def shifted_cube(x):
        return (x + 1.0) ** 3

    first = s2sad.grad(shifted_cube, verbose=1)
    printed = capsys.readouterr().out
    assert "def dshifted_cube" in printed
    again = s2sad.grad(shifted_cube, verbose=1)
    assert again is first
    assert capsys.readouterr().out == printed


# ------------------------------------------------------------ a flat weight vector, cut by an object

class Slices:
    """Named pieces of one flat vector, as autograd's convnet example keeps its weights."""

    def __init__(self):
        self.where = {}
        self.size = 0

    def add(self, name, shape):
        count = int(np.prod(shape))
        self.where[name] = (slice(self.size, self.size + count), shape)
        self.size += count

    def get(self, vector, name):  # the name of dict.get: still a method of this class
        piece, shape = self.where[name]
        return np.reshape(vector[piece], shape)


class Dense:
    def __init__(self, n_in, n_out):
        self.pieces = Slices()
        self.pieces.add("weights", (n_in, n_out))
        self.pieces.add("bias", (n_out,))

    def forward(self, inputs, vector):
        weights = self.pieces.get(vector, "weights")
        bias = self.pieces.get(vector, "bias")
        if inputs.ndim > 2:
            inputs = inputs.reshape((inputs.shape[0], int(np.prod(inputs.shape[1:]))))
        return np.tanh(inputs @ weights + bias)


class Pool:
    def forward(self, inputs, vector):
        shape = inputs.shape[:2]
        for axis in [0, 1]:
            shape += (inputs.shape[axis + 2] // 2, 2)
        return np.max(np.max(inputs.reshape(shape), axis=3), axis=4)


POOLED_NET = [Pool(), Dense(8, 5), Dense(5, 3)]
NET_PIECES = Slices()
for layer in POOLED_NET:
    NET_PIECES.add(layer, (getattr(layer, "pieces", Slices()).size,))


def pooled_net_loss(vector, images, targets):
    units = images
    for layer in POOLED_NET:
        units = layer.forward(units, NET_PIECES.get(vector, layer))
    return np.sum((units - targets) ** 2) + 0.1 * np.dot(vector, vector)


def test_methods_named_like_dict_methods_on_objects_and_pooling_by_reshape():
    images, targets = RNG.normal(size=(4, 2, 4, 4)), RNG.normal(size=(4, 3))
    check_container_gradient(pooled_net_loss, (RNG.normal(size=NET_PIECES.size), images,
                                               targets))


def default_from_a_cache(x, cache):
    return cache.get("k", x) * 2.0


def test_dict_get_found_at_run_time_is_refused_at_the_users_line():
    with pytest.raises(s2sad.NonDifferentiableError, match="dict.get") as caught:
        s2sad.grad(default_from_a_cache)(1.5, {})
    assert caught.value.location.lineno == default_from_a_cache.__code__.co_firstlineno + 1
    assert "d[key]" in caught.value.hint
