"""Gradients with respect to dicts, lists, tuples and objects; containers built and
read inside differentiated code; comprehensions. Reverse and forward mode, every
leaf against finite differences."""
import dataclasses

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients, finite_difference

RNG = np.random.default_rng(3)


def leaves(tree):
    """(path, array) for every leaf of a nested dict/list/tuple/dataclass."""
    if isinstance(tree, dict):
        return [((k,) + p, v) for k in tree for p, v in leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [((i,) + p, v) for i, item in enumerate(tree) for p, v in leaves(item)]
    if dataclasses.is_dataclass(tree):
        return [((f.name,) + p, v) for f in dataclasses.fields(tree)
                for p, v in leaves(getattr(tree, f.name))]
    return [((), tree)]


def replace_leaf(tree, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, head: replace_leaf(tree[head], rest, value)}
    if isinstance(tree, (list, tuple)):
        items = list(tree)
        items[head] = replace_leaf(items[head], rest, value)
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return dataclasses.replace(tree, **{head: replace_leaf(getattr(tree, head), rest, value)})


def get_leaf(tree, path):
    for key in path:
        tree = getattr(tree, key) if dataclasses.is_dataclass(tree) else tree[key]
    return tree


def check_container_gradient(f, args, index=0):
    """Reverse mode returns the input's structure; every leaf matches finite
    differences; forward mode agrees with it on a random tangent."""
    gradient = s2sad.grad(f, wrt=(index,))(*args)
    tree = args[index]
    assert type(gradient) is type(tree)
    tangent = replace_leaf(tree, (), tree)
    directional = 0.0
    for path, leaf in leaves(tree):
        def along(value, path=path):
            new_args = list(args)
            new_args[index] = replace_leaf(tree, path, value)
            return f(*new_args)
        expected = finite_difference(along, (np.array(leaf, dtype=float),), 0)
        got = get_leaf(gradient, path)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
        direction = RNG.normal(size=np.shape(leaf))
        tangent = replace_leaf(tangent, path, direction)
        directional += np.sum(got * direction)
    jvp = s2sad.autodiff(f, wrt=(index,), mode="forward")(*args, tangent)
    assert jvp == pytest.approx(directional, rel=1e-9, abs=1e-12)


def mlp_loss(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def layers_loss(layers, x):
    h = x
    for layer in layers:
        h = np.tanh(h @ layer[0] + layer[1])
    return np.sum(h * h)


def rnn_states_loss(params, xs):
    h = np.zeros(3)
    states = []
    for x in xs:
        h = np.tanh(params["Wh"] @ h + params["Wx"] @ x)
        states.append(h)
    stacked = np.stack(states)
    return np.sum(stacked ** 2) + np.sum(states[-1])


def nested_loss(params, x):
    total = 0.0
    for name, block in params.items():
        total = total + np.sum(np.sin(block["w"] * x)) * block["scale"][0]
    return total + sum(np.sum(v * v) for v in params["first"]["extra"])


def comprehension_loss(ws, x):
    return sum(np.sum(w * x) ** 2 for w in ws if np.sum(w) > -100.0) + \
        np.sum(np.stack([w * 2.0 for w in ws]))


@dataclasses.dataclass
class Linear:
    weight: np.ndarray
    bias: np.ndarray

    def loss(self, x, y):
        prediction = x @ self.weight + self.bias
        return np.sum((prediction - y) ** 2)


def test_dict_of_parameters_mlp():
    params = {"W1": RNG.normal(size=(4, 5)), "b1": RNG.normal(size=5),
              "W2": RNG.normal(size=(5, 2)), "b2": RNG.normal(size=2)}
    check_container_gradient(mlp_loss, (params, RNG.normal(size=(6, 4)),
                                        RNG.normal(size=(6, 2))))


def numbered_layers_loss(params, x):
    h = x
    for i in range(len(params) // 2):
        h = np.tanh(h @ params[f"W{i}"] + params["b" + str(i)])
    label = f"{np.sum(h):.3f} after {i!r} layers"  # text: no derivative
    return np.sum(h ** 2) * (1.0 + 0.0 * len(label))


def test_dict_keys_made_with_f_strings():
    params = {"W0": RNG.normal(size=(3, 4)), "b0": RNG.normal(size=4),
              "W1": RNG.normal(size=(4, 2)), "b1": RNG.normal(size=2)}
    check_container_gradient(numbered_layers_loss, (params, RNG.normal(size=(5, 3))))
    tangent = s2sad.autodiff(numbered_layers_loss, mode="forward", wrt=(1,))
    x, dx = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    expected = np.sum(finite_difference(numbered_layers_loss, (params, x), 1) * dx)
    np.testing.assert_allclose(tangent(params, x, dx), expected, rtol=1e-6)


def test_list_of_layers_built_in_a_loop():
    layers = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)) for _ in range(3)]
    check_container_gradient(layers_loss, (layers, RNG.normal(size=(2, 3))))


def test_rnn_collecting_hidden_states_in_a_list():
    params = {"Wh": 0.5 * RNG.normal(size=(3, 3)), "Wx": RNG.normal(size=(3, 2))}
    check_container_gradient(rnn_states_loss, (params, RNG.normal(size=(4, 2))))


def test_nested_dicts_and_lists():
    params = {"first": {"w": RNG.normal(size=3), "scale": [1.5],
                        "extra": [RNG.normal(size=2), RNG.normal(size=2)]},
              "second": {"w": RNG.normal(size=3), "scale": [0.5], "extra": []}}
    check_container_gradient(nested_loss, (params, RNG.normal(size=3)))


def test_comprehensions_in_sums_and_stacks():
    ws = [RNG.normal(size=3) for _ in range(4)]
    check_container_gradient(comprehension_loss, (ws, RNG.normal(size=3)))


def test_bound_method_and_gradient_with_respect_to_the_model():
    model = Linear(RNG.normal(size=(3, 2)), RNG.normal(size=2))
    x, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    dx = s2sad.grad(model.loss)(x, y)
    np.testing.assert_allclose(dx, finite_difference(model.loss, (x, y), 0), rtol=1e-6)
    gradient = s2sad.grad(model.loss, wrt="self")(x, y)
    assert isinstance(gradient, Linear)
    check_container_gradient(Linear.loss, (model, x, y))


Pair = __import__("collections").namedtuple("Pair", "a b")


def enumerate_from_one(xs):
    s = 0.0
    for i, x in enumerate(xs, 1):
        s = s + x * i
    return s


def loop_over_pairs(pairs):
    s = 0.0
    for a, b in pairs:
        s = s + a * b * b
    return s


def dict_literal(x, y):
    d = {"a": x * 2.0, "b": y}
    return np.sum(d["a"] * d["b"])


def named_tuple_fields(t):
    return t.a * np.sin(t.b)


def extends(x):
    items = [x]
    items.extend([x])
    return items[0] * items[1]


def inserts(x):
    items = [x]
    items.insert(0, 2.0 * x)
    return items[0] * items[1]


def reverses(x):
    items = [x, 2.0 * x]
    items.reverse()
    return items[0] * 3.0 + items[1]


def test_enumerate_with_start_and_tuple_targets():
    check_container_gradient(enumerate_from_one, (RNG.normal(size=4),))
    check_container_gradient(loop_over_pairs, ([(1.0, 2.0), (3.0, -1.5)],))


def test_dict_literal_and_named_tuple_fields():
    for index in (0, 1):
        check_container_gradient(dict_literal, (RNG.normal(size=3), RNG.normal(size=3)), index)
    check_container_gradient(named_tuple_fields, (Pair(1.5, 0.3),))


@pytest.mark.parametrize("f", [inserts, reverses])
def test_calls_that_write_into_arguments_are_refused(f):
    with pytest.raises(s2sad.NonDifferentiableError, match="change its arguments in place"):
        s2sad.grad(f)(1.0)


def test_list_extend_is_followed_as_appends():
    assert s2sad.grad(extends)(1.5) == pytest.approx(3.0)
    assert s2sad.autodiff(extends, mode="forward")(1.5, 1.0) == pytest.approx(3.0)


def plot(ax, values):
    ax.append(float(values[0]))
    values[0] = 0.0  # as a plotting call might: f's own arrays are not safe in it


def simulate_and_plot(x, ax=None):
    y = np.sin(x) * x
    if ax is not None:
        plot(ax, y)
    return np.sum(y * y)


def test_a_call_that_may_write_is_refused_only_on_the_branch_that_runs_it():
    x = RNG.normal(size=3)
    df = s2sad.grad(simulate_and_plot)
    expected = 2.0 * np.sin(x) * x * (np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(df(x), expected)
    forward = s2sad.autodiff(simulate_and_plot, mode="forward")
    np.testing.assert_allclose(forward(x, dx=np.ones(3)), np.sum(expected))
    ax = []
    with pytest.raises(s2sad.NonDifferentiableError, match="call to plot") as error:
        df(x, ax)
    assert ax == []  # refused before the call: nothing plotted, nothing written
    assert error.value.location.filename == __file__
    assert error.value.location.lineno == simulate_and_plot.__code__.co_firstlineno + 3
    with pytest.raises(s2sad.NonDifferentiableError, match="call to plot"):
        forward(x, ax, dx=np.ones(3))
    assert ax == []


def fills_a_dict(x):
    d = {}
    d["a"] = x * 2.0
    d["b"] = d["a"] * x
    return d["b"] + d["a"]


def returns_a_pair(x):
    return x * 2.0, np.sum(x)


def test_a_dict_filled_inside_the_function():
    for mode_check in (0,):
        check_container_gradient(fills_a_dict, (1.3,), mode_check)


def test_tuple_outputs_in_both_modes():
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    tangent, total = s2sad.autodiff(returns_a_pair, mode="forward")(x, v)
    np.testing.assert_allclose(tangent, 2.0 * v)
    assert total == pytest.approx(np.sum(v))
    seed = (RNG.normal(size=3), 0.7)
    np.testing.assert_allclose(s2sad.autodiff(returns_a_pair)(x, seed), 2.0 * seed[0] + 0.7)
    with pytest.raises(s2sad.ShapeError):
        s2sad.autodiff(returns_a_pair)(x, (np.ones(2), 0.7))


def loops_over_keys(params, x):
    s = 0.0
    for name in params:
        s = s + np.sum(params[name] * x)
    return s


def test_loop_over_a_dicts_keys():
    params = {"a": RNG.normal(size=3), "b": RNG.normal(size=3)}
    check_container_gradient(loops_over_keys, (params, RNG.normal(size=3)))


def counts_positive_keys(d):
    n = 0
    for k in d:  # the keys 0, 1, 2, never read as d[k]
        if k > 0:
            n = n + k
    return d[0] * n


def test_a_loop_over_a_dict_walks_its_keys_not_its_items_by_position():
    """`for k in d` with int keys bound k to d[0], d[1], ... (value 20, gradient
    {0: 12, 1: 2, 2: 2}); the keys carry no derivative."""
    d = {0: 2.0, 1: 3.0, 2: 5.0}
    value, gradient = s2sad.value_and_grad(counts_positive_keys)(d)
    assert value == 6.0
    assert gradient == {0: 3.0, 1: 0.0, 2: 0.0}
    check_container_gradient(counts_positive_keys, (d,))


def counts_weight_keys(params):
    n = len([k for k in params if k.startswith("W")])
    return np.sum(params["W0"]) * n


def test_a_comprehension_over_a_dict_walks_its_keys():
    params = {"W0": RNG.normal(size=2), "W1": RNG.normal(size=2), "b": RNG.normal(size=2)}
    gradient = s2sad.grad(counts_weight_keys)(params)
    np.testing.assert_allclose(gradient["W0"], [2.0, 2.0])
    np.testing.assert_allclose(gradient["W1"], [0.0, 0.0])
    check_container_gradient(counts_weight_keys, (params,))


def enumerates_float_keys(d, x):
    s = 0.0
    for i, k in enumerate(d):
        s = s + (i + 1.0) * k * x * d[k]
    return s


def zips_keys_with_a_list(d, xs):
    s = 0.0
    for k, x in zip(d, xs):
        s = s + k * x * d[k]
    return s + sum(k * d[k] for k in d)


def loops_over_a_nested_dict(params, x):
    s = 0.0
    for name in params["layers"]:
        s = s + np.sum(params["layers"][name] * x) * params["scale"]
    return s


@pytest.mark.parametrize("f, args", [
    (enumerates_float_keys, ({1.5: 2.0, 3.0: 4.0}, 0.5)),
    (zips_keys_with_a_list, ({1.5: 2.0, 3.0: 4.0}, [0.5, 0.25])),
    (loops_over_a_nested_dict, ({"layers": {"a": RNG.normal(size=2), "b": RNG.normal(size=2)},
                                 "scale": 1.5}, RNG.normal(size=2))),
], ids=["enumerate", "zip", "nested"])
def test_keys_walked_by_enumerate_zip_or_from_a_nested_dict(f, args):
    """The keys, float ones too, carry no derivative; each argument's gradient
    against finite differences, forward mode along a random tangent."""
    for index in range(len(args)):
        check_container_gradient(f, args, index)


def sums_items_indexed_by_a_permutation(x, perm):
    s = 0.0
    for j in perm:  # reads perm[j]: taken for a dict's keys before, a list here
        s = s + x[perm[j]] * (j + 1.0)
    return s


def test_a_list_indexed_by_its_own_items_is_walked_as_a_list():
    x = RNG.normal(size=3)
    assert_gradients(sums_items_indexed_by_a_permutation,
                     s2sad.grad(sums_items_indexed_by_a_permutation), (x, [2, 0, 1]), (0,))
    jvp = s2sad.autodiff(sums_items_indexed_by_a_permutation, mode="forward")
    assert jvp(x, [2, 0, 1], np.array([1.0, 0.0, 0.0])) == pytest.approx(2.0)


def squares_walked_items(xs):
    s = 0.0
    for x in xs:
        s = s + x * x
    return s


@pytest.mark.parametrize("xs", [[1.0, 2.0, 3.0], (0.5, -1.0), np.array([1.0, 2.0]),
                                {1.0: 7.0, 2.0: 9.0}], ids=["list", "tuple", "array", "dict"])
def test_one_derivative_walks_lists_tuples_arrays_and_dicts(xs):
    """The same loop, over a sequence its items' derivatives, over a dict none
    (its keys are walked); second derivatives too."""
    expected = {k: 0.0 for k in xs} if isinstance(xs, dict) else 2.0 * np.asarray(xs)
    gradient = s2sad.grad(squares_walked_items)(xs)
    if isinstance(xs, dict):
        assert gradient == expected
        return
    assert type(gradient) is type(xs)
    np.testing.assert_allclose(np.asarray(gradient, dtype=float), expected)
    v = np.ones(2) if isinstance(xs, np.ndarray) else type(xs)(np.ones(len(xs)))
    hvp = s2sad.hvp(squares_walked_items)(xs, v)
    np.testing.assert_allclose(np.asarray(hvp, dtype=float), 2.0 * np.ones(len(xs)))
    value, tangent = s2sad.jvp(squares_walked_items, (xs,), (v,))
    assert tangent == pytest.approx(2.0 * np.sum(np.asarray(xs)))


# ---------------------------------------------------------------- lists given to NumPy


def sum_of_a_comprehension(x):
    return np.sum([np.sin(v) for v in x])


def trajectory_as_an_array(x):
    traj = []
    for i in range(3):
        traj.append(x * (i + 1.0))
    return np.sum(np.array(traj) ** 2)


def reductions_of_a_list(x):
    parts = [x[0], x[1] * 2.0, x[0] * x[1]]
    return np.std(parts) + np.var(parts) + np.linalg.norm(parts) + np.max(parts) + \
        np.min(parts) + np.prod(parts)


def stacked_states(x):
    hs = []
    for i in range(3):
        hs.append(np.tanh(x * i))
    return np.sum(np.sum(hs, axis=0) ** 2) + np.mean(np.stack(hs))


def spring(k, x0):
    x, v = x0, 0.1
    positions = []
    for i in range(20):
        v = v + 0.05 * (-k * x - 0.1 * v)
        x = x + 0.05 * v
        positions.append(x)
    return np.sum(np.array(positions) ** 2)


@pytest.mark.parametrize("f, args", [
    (sum_of_a_comprehension, (np.array([0.1, 0.2, -0.4]),)),
    (trajectory_as_an_array, (np.array([0.3, -0.5]),)),
    (reductions_of_a_list, (np.array([0.3, 0.7]),)),
    (stacked_states, (np.array([0.3, -0.5]),)),
    (spring, (1.3, 0.5))], ids=lambda v: getattr(v, "__name__", ""))
def test_a_list_given_to_a_numpy_function_gets_a_list_adjoint(f, args):
    wrt = tuple(range(len(args)))
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt)


# ------------------------------------------------------------ + and * on lists and tuples

def joins_tuples(x, y):
    a = (x,)
    t = a + (y,)          # joined, not added: t[1] is y
    return t[0] * 2.0 + t[1] * 3.0


def joins_a_list_with_itself(x, y):
    a = [x, y]
    a = a + a
    return a[0] * a[3]


def repeats_a_list(x):
    t = [x] * 3
    return t[0] * 2.0 + t[2]


def lists_of_rows(m):
    rows = list(m)
    return rows[0] @ rows[1] + np.sum(tuple(m * 2.0)[1])


def test_plus_and_times_on_lists_and_tuples_join_and_repeat():
    # old main: (5, 5) for joins_tuples, 2.0 for repeats_a_list
    assert s2sad.grad(joins_tuples, wrt=(0, 1))(1.5, 2.0) == pytest.approx((2.0, 3.0))
    assert s2sad.grad(joins_a_list_with_itself, wrt=(0, 1))(1.5, 2.0) == \
        pytest.approx((2.0, 1.5))
    assert s2sad.grad(repeats_a_list)(1.5) == pytest.approx(3.0)
    for f, args in ((joins_tuples, (1.5, 2.0)), (joins_a_list_with_itself, (1.5, 2.0)),
                    (repeats_a_list, (1.5,)), (lists_of_rows, (RNG.normal(size=(2, 3)),))):
        for index in range(len(args)):
            check_container_gradient(f, args, index)


def rotates_a_list(x):
    items = [x[0], x[1], x[2]]
    items = items[1:] + items[:1]
    return items[0] * 2.0 + items[2] * items[1] ** 2


def slides_a_window(x):
    window = [x[0] * 1.0, x[1] * 1.0]
    total = 0.0
    for i in range(2, 5):
        window = window[1:] + [x[i] ** 2]
        total = total + window[0] * window[1]
    return total


def reverses_and_trims_a_tuple(x):
    pair = (x[0], x[1])
    for k in range(3):
        pair = (pair[::-1] + (pair[0] * x[2],))[1:]
    return pair[0] + pair[1] * np.sin(x[3]) + sum([x[4]] * 3) ** 2


@pytest.mark.parametrize("f", [rotates_a_list, slides_a_window, reverses_and_trims_a_tuple])
def test_slices_of_lists_join_in_both_modes_and_twice(f):
    """`xs[1:] + xs[:1]`: a slice of a list made in the function is a list (it was
    taken for arithmetic and refused); the Hessian-vector product goes through the
    join's and the repeat's adjoints."""
    x = np.array([0.3, 1.2, -0.5, 0.8, 1.5])
    check_container_gradient(f, (x,))
    v = np.array([0.5, -1.0, 2.0, 0.3, 1.1])
    gradient = s2sad.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-7)


def joins_two_parameters(xs, ys):
    t = xs + ys
    return t[0] * t[2]


def test_joining_lists_s2sad_cannot_see_is_refused_at_the_users_line():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="joined or repeated") as caught:
        s2sad.grad(joins_two_parameters)([1.0, 2.0], [3.0])
    assert caught.value.location.lineno == joins_two_parameters.__code__.co_firstlineno + 1


def reads_one_entry(ps, u):
    unused = ps["w"]
    return np.sum(ps["b"])


def dict_entry_without_gradient(p):
    c = {"w": p @ np.eye(3), "b": -p}
    return reads_one_entry(c, 1.0) + reads_one_entry(c, 2.0)


def test_a_dict_entry_that_receives_no_gradient_has_zeros_of_its_shape():
    # old main: 0.0 went into matmul's adjoint (ValueError), or came back as the gradient
    p = RNG.normal(size=(2, 3))
    assert np.allclose(s2sad.grad(dict_entry_without_gradient)(p), -2.0)
    check_container_gradient(dict_entry_without_gradient, (p,))


def adds_a_key(x, d):
    d["k"] = x * 2.0
    return d["k"] ** 2 + x


def caches_in_a_default(x, cache={}):
    if "k" not in cache:
        cache["k"] = x * 2.0
    return cache["k"] ** 2 + x


def test_a_write_adding_a_key_to_a_dict_the_caller_passed():
    """The reverse sweep saved `d['k']` before the write made it (KeyError)."""
    given = {}
    assert s2sad.grad(adds_a_key)(1.5, given) == pytest.approx(8 * 1.5 + 1)
    assert given == {}  # the derivative leaves the caller's dict alone
    assert s2sad.grad(adds_a_key)(0.7, {}) == pytest.approx(
        finite_difference(lambda x: adds_a_key(x, {}), (0.7,), 0), rel=1e-6)
    assert s2sad.grad(caches_in_a_default)(1.5) == pytest.approx(8 * 1.5 + 1)
    assert s2sad.hvp(caches_in_a_default)(1.5, 1.0) == pytest.approx(8.0)


def updates_a_copy_of_the_dict(params):
    p = params.copy()
    p["W"] = p["W"] * 3.0
    return np.sum(p["W"] ** 2) + np.sum(params["W"] ** 2) * params["b"]


def test_a_copy_of_a_dict_parameter_is_its_own_dict_in_forward_mode():
    """The tangent of `params.copy()` was the caller's tangent dict itself: the write
    into the copy's tangent changed it, and the jvp and hvp counted it twice."""
    params = {"W": np.array([1.0, 2.0]), "b": 0.5}
    check_container_gradient(updates_a_copy_of_the_dict, (params,))
    tangent = {"W": np.array([0.3, -1.0]), "b": 2.0}
    jvp = s2sad.autodiff(updates_a_copy_of_the_dict, mode="forward")(params, tangent)
    W, b = params["W"], params["b"]
    assert jvp == pytest.approx(np.sum((18.0 + 2.0 * b) * W * tangent["W"]) +
                                np.sum(W ** 2) * tangent["b"])
    assert np.array_equal(tangent["W"], [0.3, -1.0]) and tangent["b"] == 2.0
    hvp = s2sad.hvp(updates_a_copy_of_the_dict)(params, tangent)
    assert hvp["W"] == pytest.approx((18.0 + 2.0 * b) * tangent["W"] + 2.0 * W * tangent["b"])
    assert hvp["b"] == pytest.approx(np.sum(2.0 * W * tangent["W"]))


def mean_of_appended_losses(w):
    losses = []
    for i in range(3):
        losses.append((w[i] - 1.0) ** 2)
    return np.mean(losses) + np.std(losses)


def products_of_lists(w):
    xs = [w[0], w[1] * 2.0, w[2]]
    return np.dot(xs, [1.0, 3.0, 2.0]) * np.inner(xs, xs) + np.matmul([w[2], w[0]], [2.0, 1.0])


def elementwise_on_lists(w):
    xs = [w[0], w[1] * 2.0, w[2]]
    return np.sum(np.maximum(xs, 0.5) ** 2 + np.clip(xs, 0.0, 1.0) ** 3) + \
        np.sum(np.multiply(xs, 2) * np.square(xs) + np.negative(xs) / np.add(xs, xs)) + \
        np.sum(np.sort(xs) * np.arange(3.0))


@pytest.mark.parametrize("f", [mean_of_appended_losses, products_of_lists,
                               elementwise_on_lists])
def test_numpy_functions_read_a_list_the_function_builds_as_an_array(f):
    """`np.mean(losses)`, `np.dot(xs, c)`, `np.maximum(xs, 0.5)` on lists: the rules
    met the list itself (TypeError in generated code, `*` taken for repetition in
    forward mode); both modes and the Hessian-vector product."""
    w = np.array([0.3, 0.45, 0.7])
    check_container_gradient(f, (w,))
    v = np.array([0.5, -1.0, 2.0])
    gradient = s2sad.grad(f)
    expected = (gradient(w + 1e-5 * v) - gradient(w - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(w, v), expected, rtol=1e-5, atol=1e-7)


def squares_summed(w):
    return sum([v * v * v for v in w])


def appended_then_summed(w):
    out = []
    for v in w:
        out.append(np.sin(v) * v)
    return sum(out)


def comprehension_as_an_array(w):
    return np.array([np.sin(v) * v for v in w])


def appended_as_an_array(w):
    out = []
    for v in w:
        out.append(v * v * w[0])
    return np.array(out)


def through_a_summing_helper(w):
    return squares_summed(w) * np.sum(w) + appended_then_summed(w)


def through_an_array_helper(w):
    return np.sum(comprehension_as_an_array(w) ** 2) + np.sum(np.cos(appended_as_an_array(w)))


def nested_sum(w, data):
    if isinstance(data, list):
        return sum([nested_sum(w, d) for d in data])
    return np.sum(np.tanh(w * data))


@pytest.mark.parametrize("f, extra", [(through_a_summing_helper, ()),
                                      (through_an_array_helper, ()),
                                      (nested_sum, ([np.array([1.0, 2.0]),
                                                     [np.array([0.5, 1.0])]],))])
def test_hessian_vector_product_through_a_helper_that_builds_a_list(f, extra):
    """A helper summing a list it builds (comprehension, or appends in a loop) or
    making an array of it, and recursion in a comprehension: the helper's VJP pops
    its seed's list adjoint (`bitems = spread(bresult, items)`; `bitems.pop()`),
    which forward mode over it took for a write into the argument 'bresult'."""
    w, v = np.array([0.3, -0.5]), np.array([1.0, 0.3])
    gradient = s2sad.grad(f)
    expected = (gradient(w + 1e-5 * v, *extra) - gradient(w - 1e-5 * v, *extra)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(w, *extra, v), expected, rtol=1e-6, atol=1e-8)


def sgd_step_by_comprehension(params, grads):
    new = {k: v - 0.1 * grads[k] * v for k, v in params.items()}
    moments = {k: np.zeros_like(v) for k, v in new.items() if k != "b"}
    return np.sum(new["W"] ** 2 + moments["W"]) + new["b"] ** 3


def test_dict_comprehensions_become_loops_in_both_modes_and_twice():
    """`{k: v - lr * g[k] for k, v in params.items()}` (optimizer and MAML code)
    was refused; it is a loop writing into a new dict."""
    params = {"W": np.array([1.0, 2.0]), "b": 0.5}
    grads = {"W": np.array([0.1, 0.2]), "b": 1.0}
    check_container_gradient(sgd_step_by_comprehension, (params, grads))
    check_container_gradient(sgd_step_by_comprehension, (params, grads), index=1)
    v = {"W": np.array([0.3, -1.0]), "b": 2.0}
    hvp = s2sad.hvp(sgd_step_by_comprehension)(params, grads, v)
    gradient = s2sad.grad(sgd_step_by_comprehension)
    plus = {k: params[k] + 1e-5 * v[k] for k in params}
    minus = {k: params[k] - 1e-5 * v[k] for k in params}
    for k in params:
        expected = (gradient(plus, grads)[k] - gradient(minus, grads)[k]) / 2e-5
        np.testing.assert_allclose(hvp[k], expected, rtol=1e-5, atol=1e-7)


def repeats_a_list_parameter(ps):
    return np.sum(np.array(ps * 2) ** 2)


def joins_a_parameter_to_itself(ps):
    return np.sum(np.array(ps + ps) ** 2)


def repeats_a_sequence_parameter_n_times(ps, n):
    return np.sum(np.asarray(ps * n) ** 2)


def loops_over_a_repeated_tuple(ws):
    total = 0.0
    for w in ws * 3:
        total = total + np.sum(w ** 2)
    return total


def doubles_an_array_both_ways(x):
    return np.sum(2 * x + x * 3) + np.sum((x + x) ** 2)


def test_repeating_or_joining_a_sequence_parameter_is_refused_not_repeated_in_the_gradient():
    """`ps * 2` on a list parameter was taken for arithmetic and the shape check of
    its adjoint left out (an int times x keeps x's shape for arrays): the gradient
    came back repeated. The check stays: refused at the user's line."""
    for f, arg, line in ((repeats_a_list_parameter, [0.3, 0.5], 1),
                         (joins_a_parameter_to_itself, [0.3, 0.5], 1),
                         (loops_over_a_repeated_tuple, (np.ones(2), np.ones(1)), 2)):
        with pytest.raises(s2sad.UnsupportedSyntaxError, match="joined or repeated") as info:
            s2sad.grad(f)(arg)
        assert info.value.location.lineno == f.__code__.co_firstlineno + line
    for ps in ([0.3, 0.5], (0.3, 0.5)):  # a tuple's adjoint array raised ValueError
        with pytest.raises(s2sad.UnsupportedSyntaxError, match="joined or repeated"):
            s2sad.grad(repeats_a_sequence_parameter_n_times)(ps, 3)
    x = np.array([0.3, 0.5])
    np.testing.assert_allclose(s2sad.grad(repeats_a_sequence_parameter_n_times)(x, 3), 18 * x)
    np.testing.assert_allclose(s2sad.grad(doubles_an_array_both_ways)(x), 5.0 + 8.0 * x)


def gram_by_loops(x):
    m = []
    for i in range(3):
        row = []
        for j in range(3):
            row.append(x[i] * x[j] * (j + 1.0))
        m.append(row)
    return np.sum(np.array(m) ** 2)


def gram_by_comprehension(x):
    m = [[x[i] * x[j] * (j + 1.0) for j in range(3)] for i in range(3)]
    return np.sum(np.asarray(m) ** 2)


@pytest.mark.parametrize("f", [gram_by_loops, gram_by_comprehension])
def test_a_nested_list_made_an_array_gives_each_row_a_list_adjoint(f):
    """np.array of a list of lists: the adjoint of the outer list held arrays for
    its rows, whose adjoint the rows' appends then popped (AttributeError)."""
    x = np.array([0.3, 0.5, 0.7])
    check_container_gradient(f, (x,))


def test_hessian_and_jacobian_in_a_dict_say_what_to_use():
    with pytest.raises(s2sad.WrtError, match="not in a dict"):
        s2sad.hessian(lambda p: np.sum(p["w"] ** 2))({"w": np.ones(2)})
    with pytest.raises(s2sad.WrtError, match="not in a list"):
        s2sad.jacobian(lambda ps: np.array(ps) * 2.0)([1.0, 2.0])


def sorts_a_list(x):
    xs = [x[0] * 2.0, x[1], x[2] ** 2]
    ys = sorted(xs)
    zs = sorted(xs, key=abs, reverse=True)
    return ys[0] * 3.0 + ys[2] + zs[0] * zs[1] ** 2


def walks_sorted_keys(params):
    total = 0.0
    for name in sorted(params):
        total = total + np.sum(params[name] ** 3)
    return total


def test_sorted_sends_each_items_derivative_back_and_sorted_keys_carry_none():
    """`sorted(xs)` of values had no rule; `for k in sorted(d)` worked to first
    order but its Hessian refused the loop's iterable."""
    x = np.array([0.3, -0.5, 0.7])
    check_container_gradient(sorts_a_list, (x,))
    v = np.array([1.0, 2.0, -1.0])
    gradient = s2sad.grad(sorts_a_list)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(sorts_a_list)(x, v), expected, rtol=1e-5, atol=1e-7)
    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    check_container_gradient(walks_sorted_keys, (params,))
    hvp = s2sad.hvp(walks_sorted_keys)(params, {"w": np.ones(2), "b": 1.0})
    np.testing.assert_allclose(hvp["w"], 6.0 * params["w"])
    assert hvp["b"] == pytest.approx(6.0 * params["b"])


def mlp_with_a_starred_split(params, x):
    *hidden, last = params
    for W, b in hidden:
        x = np.tanh(W @ x + b)
    W, b = last
    return np.sum(W @ x + b)


def unpacks_around_a_starred_name(x):
    a, *rest, z = [x[0], x[1] * 2.0, x[2], x[3] ** 2]
    return a * z + sum(rest) * rest[1]


def test_starred_unpacking_in_an_assignment_binds_a_list_of_the_items_between():
    """`*hidden, last = params` (JAX's MLP idiom) was refused."""
    layers = [(RNG.normal(size=(3, 2)), RNG.normal(size=3)),
              (RNG.normal(size=(1, 3)), RNG.normal(size=1))]
    check_container_gradient(mlp_with_a_starred_split, (layers, np.array([0.3, -0.4])))
    check_container_gradient(mlp_with_a_starred_split, (layers, np.array([0.3, -0.4])), 1)
    y = np.array([0.3, -0.4, 0.5, 0.7])
    check_container_gradient(unpacks_around_a_starred_name, (y,))
    v = np.array([1.0, 0.5, -1.0, 2.0])
    np.testing.assert_allclose(s2sad.hvp(unpacks_around_a_starred_name)(y, v),
                               [2 * y[3] * v[3], 2 * v[2], 2 * v[1] + 2 * v[2],
                                2 * y[3] * v[0] + 2 * y[0] * v[3]])


def writes_a_slice_of_a_list(x):
    items = [x, 2.0 * x, 3.0 * x]
    items[0:2] = [x ** 2, x ** 3]
    return items[0] + items[1] * items[2]


def test_a_slice_of_a_list_written_in_both_modes():
    """`lst[i:j] = [...]`: the adjoint's zeroed slice raised TypeError (a list takes
    an iterable there)."""
    x = 1.5
    expected = 2 * x + 4 * 3.0 * x ** 3  # x**2 + 3 x**4
    for mode in ("reverse", "forward"):
        assert s2sad.autodiff(writes_a_slice_of_a_list, mode=mode)(x, 1.0) == \
            pytest.approx(expected, rel=1e-12)


EDGE_WEIGHTS = {(0, 1): 0.5, (1, 2): -1.5, (0, 2): 2.0}


def graph_energy(x):
    total = 0.0
    for (a, b), w in EDGE_WEIGHTS.items():  # a tuple key, unpacked in the target
        total = total + w * (x[a] - x[b]) ** 2
    return total


def test_items_with_a_tuple_key_unpacked_in_the_loop_target():
    """`for (a, b), w in d.items()` was refused as iterating without unpacking."""
    x = np.array([0.3, -0.7, 1.1])
    expected = np.zeros(3)
    for (a, b), w in EDGE_WEIGHTS.items():
        expected[a] += 2 * w * (x[a] - x[b])
        expected[b] -= 2 * w * (x[a] - x[b])
    np.testing.assert_allclose(s2sad.grad(graph_energy)(x), expected)
    np.testing.assert_allclose(s2sad.autodiff(graph_energy, mode="forward")(x, np.ones(3)),
                               0.0, atol=1e-12)  # a shift of every x changes no difference


def min_char_rnn_loss(Wxh, Whh, Why, bh, by, hprev, inputs, targets):
    """Karpathy's min-char-rnn lossFun, the one-hot inputs given: its dicts are
    bound by one tuple assignment, and hs[-1] is a new int key."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = inputs[t]
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss


def unpacks_dicts_from_a_tuple(h0):
    pair = ({}, dict())
    xs, hs = pair
    (ys, zs), n = ({}, {}), 3.0
    hs[-1] = h0 * n
    zs[-2] = hs[-1] * h0
    return np.sum(zs[-2])


def test_dicts_bound_by_unpacking_save_a_new_key_as_missing():
    """`xs, hs = {}, {}` then `hs[-1] = v`: the reverse sweep saved `hs[-1]` before
    the write made the key (KeyError), as it knew only `hs = {}` for a dict."""
    vocab, hidden = 4, 3
    args = [RNG.normal(size=(hidden, vocab)) * 0.5, RNG.normal(size=(hidden, hidden)) * 0.5,
            RNG.normal(size=(vocab, hidden)) * 0.5, RNG.normal(size=(hidden, 1)),
            RNG.normal(size=(vocab, 1)), RNG.normal(size=(hidden, 1)),
            [np.eye(vocab)[:, [i]] for i in (0, 2, 1)], [2, 1, 3]]
    wrt = (0, 1, 2, 3, 4, 5)
    assert_gradients(min_char_rnn_loss, s2sad.grad(min_char_rnn_loss, wrt=wrt), args, wrt)
    h0 = RNG.normal(size=2)
    assert_gradients(unpacks_dicts_from_a_tuple, s2sad.grad(unpacks_dicts_from_a_tuple),
                     (h0,), (0,))


def clipped_then_summed(x):
    r = x.copy()
    r[np.abs(r) > 1.0] = 1.0
    return sum(r)


def rows_summed(X):
    return np.sum(sum(X) ** 2) + sum(X[0]) * 3.0


@pytest.mark.parametrize("f, x", [(clipped_then_summed, np.array([0.5, 2.0, -0.3, 1.5, 0.2])),
                                  (rows_summed, np.arange(6.0).reshape(3, 2) / 7.0)])
def test_builtin_sum_of_an_array_has_an_array_gradient(f, x):
    """sum(x) of an array gave a list as its adjoint: a list gradient, or a TypeError
    where an index write scattered into it."""
    gradient = s2sad.grad(f)(x)
    assert isinstance(gradient, np.ndarray) and gradient.shape == x.shape
    np.testing.assert_allclose(gradient, finite_difference(f, (x,), 0), rtol=1e-6, atol=1e-8)
    tangent = np.linspace(0.1, 1.0, x.size).reshape(x.shape)
    _, forward = s2sad.jvp(f, (x,), (tangent,))
    assert float(forward) == pytest.approx(np.sum(gradient * tangent), rel=1e-9)
    v = tangent[::-1].copy()
    hvp = s2sad.hvp(f)(x, v)
    grad = s2sad.grad(f)
    np.testing.assert_allclose(hvp, (grad(x + 1e-5 * v) - grad(x - 1e-5 * v)) / 2e-5,
                               rtol=1e-5, atol=1e-7)


def squares_a_defaultdicts_item(d):
    return np.sum(d["a"] ** 2) + d["b"]


def test_a_defaultdict_parameter_gets_a_defaultdict_gradient():
    """The gradient was rebuilt as type(d)(pairs): a TypeError for a defaultdict."""
    import collections
    d = collections.defaultdict(float, {"a": np.array([1.0, 2.0]), "b": 0.5})
    gradient = s2sad.grad(squares_a_defaultdicts_item)(d)
    assert type(gradient) is collections.defaultdict and gradient.default_factory is float
    np.testing.assert_allclose(gradient["a"], 2.0 * d["a"])
    assert gradient["b"] == 1.0


class GatedCell:
    def step(self, p, x, h):
        z = 1.0 / (1.0 + np.exp(-(p["Wz"] @ x + p["Uz"] @ h)))
        return (1.0 - z) * h + z * np.tanh(p["Wh"] @ x)

    def loss(self, p, xs):
        h = np.zeros(3)
        for x in xs:
            h = self.step(p, x, h)
        return np.sum(h)


def test_a_dict_passed_to_a_method_gets_its_gradient_in_its_own_key_order():
    """The gradient of a dict reaching only a method call came back in the reverse
    sweep's order (Wh, Uz, Wz): zipping p.values() with its values mismatched them."""
    rng = np.random.default_rng(0)
    p = {k: rng.normal(size=(3, 2 if k[0] == "W" else 3)) for k in ["Wz", "Uz", "Wh"]}
    xs = rng.normal(size=(4, 2))
    cell = GatedCell()
    gradient = s2sad.grad(cell.loss)(p, xs)
    assert list(gradient) == list(p)
    for key in p:
        def along(v, key=key):
            return cell.loss({**p, key: v}, xs)
        np.testing.assert_allclose(gradient[key], finite_difference(along, (p[key],), 0),
                                   rtol=1e-6, atol=1e-8)
