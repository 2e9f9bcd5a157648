"""Loops, branches and jumps in reverse mode, checked against finite differences."""
import math

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients

RNG = np.random.default_rng(0)


def my_func(a, b):
    z = 0
    for i in range(100):
        z = a * np.cos(z + i) + z * np.sin(b - i)
    return z


def branch(x, y):
    if x > y:
        z = x * y
    else:
        z = x + y * y
    return z


def elif_chain(x):
    if x < -1.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = 2.0 * x - 1.0
    return y * x


def branch_in_loop(x, n):
    s = 0.0
    for i in range(n):
        if math.sin(x * i) > 0:
            s = s + x * i
        else:
            s = s - x * x
    return s


def loop_in_branch(x):
    y = x
    if x > 0:
        for i in range(3):
            y = y * x
    else:
        y = -y
    return y


def nested_loops(x, y):
    acc = 0.0
    for i in range(3):
        for j in range(4):
            acc = acc + math.sin(x * i + y * j) * acc + x
    return acc


def range_with_step(x):
    z = x
    for i in range(10, 1, -3):
        z = z * np.tanh(z + i)
    return z


def while_newton(a):
    x = a
    dx = 1.0
    while abs(dx) > 1e-12:
        dx = (x * x - a) / (2.0 * x)
        x = x - dx
    return x


def while_with_break(x):
    y = x
    k = 0
    while True:
        y = y * 0.9 + np.sin(y)
        k = k + 1
        if k > 5:
            break
    return y


def for_with_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


def for_with_break(x):
    s = x
    for i in range(100):
        s = s * 1.1
        if s > 10.0:
            break
        s = s + x
    return s


def early_return(x):
    if x > 1.0:
        return x * x
    y = x * 3.0
    return y * y


def return_in_loop(x):
    y = x
    for i in range(10):
        y = y * 1.5
        if y > 5.0:
            return y * x
    return -y


def loop_over_array(xs, w):
    s = 0.0
    for row in xs:
        s = s + np.sum(row * w) ** 2
    return s


def loop_over_enumerate(xs, w):
    s = 0.0
    for i, v in enumerate(xs):
        s = s + v * w * i
    return s


def loop_over_zip(xs, ys):
    s = 0.0
    for a, b in zip(xs, ys):
        s = s + a * b * b
    return s


def temp_defined_in_loop(x):
    s = 0.0
    for i in range(4):
        h = x * i
        s = s + h * h
    return s + h


def carried_through_two_vars(x):
    prev = x
    cur = x * 2.0
    for i in range(5):
        nxt = cur * prev + 0.1
        prev = cur
        cur = nxt
    return cur


def variable_defined_only_in_loop(x):
    for i in range(3):
        last = x * i
    return last * x


def double_negation_after_early_return(x, c):
    # the optimizer turned t3 = -(-x) into a copy that the adjoint still read
    if c > 0:
        return 0.0
    return x * 2.0 + (-(-x))


def double_negation_in_branch(x):
    y = x * 0.5
    if x > 0.0:
        y = x * 2.0 + (-(-x))
    return y * x


def array_parameter_rebound_in_branch(p, x):
    if np.sum(x) > 100.0:
        p = x * 2.0
    return np.sum(p * x)


def array_parameter_rebound_to_a_float(p, x):
    # not a float afterwards: the branch may not run
    if np.sum(x) > 100.0:
        p = 2.0
    return np.sum(p * x)


def loop_target_named_as_its_sequence(x):
    total = 0.0
    for x in x:  # the sequence is read once; x is then each item
        total = total + x ** 3
    return total


def comprehension_target_named_as_its_sequence(x):
    return sum([x * 2.0 for x in x]) + np.sum(x) * sum(np.sin(x) for x in x)


def values_of_a_dict_named_as_its_items(p):
    total = 0.0
    for p in p.values():  # p.values() is read once, then p is each value
        total = total + np.sum(p ** 2)
    return total


CASES = [
    (my_func, (0.3, 0.4), (0, 1)),
    (comprehension_target_named_as_its_sequence, (RNG.normal(size=3),), (0,)),
    (loop_target_named_as_its_sequence, (RNG.normal(size=3),), (0,)),
    (branch, (1.5, 0.5), (0, 1)),
    (branch, (0.5, 1.5), (0, 1)),
    (elif_chain, (-2.0,), (0,)),
    (elif_chain, (0.3,), (0,)),
    (elif_chain, (3.0,), (0,)),
    (branch_in_loop, (0.7, 9), (0,)),
    (loop_in_branch, (1.3,), (0,)),
    (loop_in_branch, (-1.3,), (0,)),
    (nested_loops, (0.3, 0.2), (0, 1)),
    (range_with_step, (0.5,), (0,)),
    (while_newton, (2.0,), (0,)),
    (while_with_break, (0.5,), (0,)),
    (for_with_continue, (1.3,), (0,)),
    (for_with_break, (1.2,), (0,)),
    (early_return, (2.0,), (0,)),
    (early_return, (0.5,), (0,)),
    (return_in_loop, (0.5,), (0,)),
    (return_in_loop, (0.001,), (0,)),
    (loop_over_array, (RNG.normal(size=(4, 3)), RNG.normal(size=3)), (0, 1)),
    (loop_over_enumerate, (RNG.normal(size=5), 0.7), (0, 1)),
    (loop_over_zip, (RNG.normal(size=4), RNG.normal(size=4)), (0, 1)),
    (temp_defined_in_loop, (0.8,), (0,)),
    (carried_through_two_vars, (0.4,), (0,)),
    (variable_defined_only_in_loop, (0.9,), (0,)),
    (double_negation_after_early_return, (1.5, -1.0), (0,)),
    (double_negation_after_early_return, (1.5, 1.0), (0,)),
    (double_negation_in_branch, (1.5,), (0,)),
    (double_negation_in_branch, (-1.5,), (0,)),
    (array_parameter_rebound_in_branch, (RNG.normal(size=3), RNG.normal(size=3)), (0, 1)),
    (array_parameter_rebound_in_branch, (RNG.normal(size=3), 50.0 + RNG.normal(size=3)),
     (0, 1)),
    (array_parameter_rebound_to_a_float, (RNG.normal(size=3), RNG.normal(size=3)), (0, 1)),
    (array_parameter_rebound_to_a_float, (RNG.normal(size=3), 50.0 + RNG.normal(size=3)),
     (0, 1)),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_matches_finite_differences(f, args, wrt):
    df = s2sad.grad(f, wrt=wrt)
    assert_gradients(f, df, args, wrt)


def test_a_loop_over_the_values_of_a_dict_named_as_the_loop_target():
    """`for p in p.values()` overwrote the dict with its first value: IndexError."""
    p = {"a": np.array([0.3, -1.2]), "b": np.array([0.5, 2.0, 1.0])}
    gradient = s2sad.grad(values_of_a_dict_named_as_its_items)(p)
    for key in p:
        np.testing.assert_allclose(gradient[key], 2 * p[key])
    tangent = s2sad.autodiff(values_of_a_dict_named_as_its_items, mode="forward")(
        p, {"a": np.ones(2), "b": np.ones(3)})
    assert tangent == pytest.approx(2 * sum(np.sum(v) for v in p.values()))


def test_newton_gradient_is_closed_form():
    # x = sqrt(a): dx/da = 1 / (2 sqrt(a))
    assert s2sad.grad(while_newton)(2.0) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-9)


def test_my_func_source_restores_z_from_the_tape_in_a_reversed_loop():
    text = s2sad.source(s2sad.grad(my_func, wrt=(0, 1)))
    assert "tape.append(z)" in text
    assert "z = tape.pop()" in text
    assert "for i in reversed(range(100)):" in text


def poly(x, c=2.0, power=3):
    return c * x ** power + x


def uses_poly(x, y):
    a = poly(x)
    b = poly(y, c=0.5)
    return poly(a * b, 1.5, power=2)


def inner_helper(u):
    return np.sin(u) * u


def middle_helper(u, v):
    return inner_helper(u * v) + v


def helpers_calling_helpers(x, y):
    s = 0.0
    for i in range(3):
        s = s + middle_helper(x + i, y)
    return s


square_plus = lambda t: t * t + 1.0  # noqa: E731


def calls_lambda(x):
    return square_plus(x) * square_plus(2.0 * x)


def make_scaled(k):
    def scaled(x):
        return k * np.exp(x) + x * x
    return scaled


def recursive(x, n):
    if n == 0:
        return x
    return recursive(x * x, n - 1)


def calls_recursive(x):
    return recursive(x, 3)


SUBROUTINE_CASES = [
    (uses_poly, (0.7, 1.1), (0, 1)),
    (helpers_calling_helpers, (0.3, 0.8), (0, 1)),
    (calls_lambda, (0.6,), (0,)),
    (make_scaled(3.0), (0.4,), (0,)),
]


@pytest.mark.parametrize("f, args, wrt", SUBROUTINE_CASES,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_subroutines_match_finite_differences(f, args, wrt):
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt)


def test_each_helper_gets_its_own_generated_function():
    text = s2sad.source(s2sad.grad(uses_poly, wrt=(0, 1)))
    assert "dpoly(" in text


def tree_sum(w, data):
    """Recursion on the structure of the data, as autograd's HMM example writes it."""
    if isinstance(data, list):
        return sum(tree_sum(w, item) for item in data)
    return np.sum(np.tanh(w * data))


def test_recursion_matches_finite_differences_in_both_modes():
    # x -> x ** 8 through three calls of itself: 8 x ** 7
    assert s2sad.grad(calls_recursive)(0.9) == pytest.approx(8 * 0.9 ** 7, rel=1e-12)
    assert s2sad.grad(recursive)(0.9, 3) == pytest.approx(8 * 0.9 ** 7, rel=1e-12)
    jvp = s2sad.autodiff(calls_recursive, mode="forward")
    assert jvp(0.9, 2.0) == pytest.approx(16 * 0.9 ** 7, rel=1e-12)
    w = np.array([0.3, -0.7])
    data = [np.array([1.0, 2.0]), [np.array([0.5, -1.0]), np.array([2.0, 0.1])]]
    assert_gradients(tree_sum, s2sad.grad(tree_sum), (w, data), (0,))
    jvp = s2sad.autodiff(tree_sum, mode="forward")(w, data, np.array([1.0, -2.0]))
    assert jvp == pytest.approx(np.dot(s2sad.grad(tree_sum)(w, data), [1.0, -2.0]))


def test_a_second_derivative_through_recursion_in_forward_over_reverse_mode():
    """grad of grad is refused (the recursive call's VJP is found when it runs);
    hvp differentiates that VJP when it is found: 56 x ** 6."""
    with pytest.raises(s2sad.NonDifferentiableError, match="run time"):
        s2sad.grad(s2sad.grad(calls_recursive))
    assert s2sad.hvp(calls_recursive)(0.9, 1.0) == pytest.approx(56 * 0.9 ** 6, rel=1e-12)


def fill_in_loop(x, n):
    out = np.zeros(n)
    for i in range(n):
        out[i] = x * i + math.sin(x)
    return np.sum(out * out)


def running_update(x):
    v = x.copy()
    for i in range(1, len(v)):
        v[i] += v[i - 1] * 0.5
        v[i - 1] = v[i - 1] * v[i]
    return np.sum(v)


def overwrite_slice(x):
    y = x * 2.0
    y[1:3] = x[0] * x[1:3]
    return np.sum(y ** 2)


def mutate_argument(x):
    x[0] = 1.0
    return np.sum(x)


def mutate_alias(x):
    y = np.zeros(3)
    z = y
    z[0] = x
    return np.sum(y)


IN_PLACE_CASES = [
    (fill_in_loop, (0.7, 5), (0,)),
    (running_update, (RNG.normal(size=5),), (0,)),
    (overwrite_slice, (RNG.normal(size=4),), (0,)),
]


@pytest.mark.parametrize("f, args, wrt", IN_PLACE_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_in_place_updates_match_finite_differences(f, args, wrt):
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt)


def test_writing_into_an_argument_leaves_the_callers_array_alone():
    x = np.array([3.0, 4.0, 5.0])
    assert_gradients(mutate_argument, s2sad.grad(mutate_argument), (x,), (0,))
    assert np.array_equal(x, [3.0, 4.0, 5.0])


@pytest.mark.parametrize("f", [mutate_alias])
def test_in_place_update_of_shared_array_is_rejected(f):
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="copy"):
        s2sad.grad(f)


def concatenated(a, b):
    t = np.concatenate([a, b * 2.0])
    return np.sum(t * t * np.arange(5.0))


def packed_and_unpacked(x):
    a, b = np.sin(x), x * x
    p = (a, b)
    u, v = p
    return np.sum(u * v)


@pytest.mark.parametrize("f, args, wrt", [
    (concatenated, (RNG.normal(size=2), RNG.normal(size=3)), (0, 1)),
    (packed_and_unpacked, (RNG.normal(size=3),), (0,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_list_and_tuple_literals_carry_derivatives(f, args, wrt):
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt)
    tangents = [RNG.normal(size=np.shape(args[i])) for i in wrt]
    jvp = s2sad.autodiff(f, wrt=wrt, mode="forward")(*args, *tangents)
    grads = s2sad.grad(f, wrt=wrt)(*args)
    grads = grads if len(wrt) > 1 else (grads,)
    assert jvp == pytest.approx(sum(np.sum(g * t) for g, t in zip(grads, tangents)), rel=1e-10)


# ---------------------------------------------------------------- loops over matrix products
# The reverse loop takes `h` at the end of a step from the next step's checkpoint, and
# the primal sweep keeps the shapes of the products that unbroadcast needs (instead of
# the rerun computing them again). Shapes that change from one step to the next (h0 of
# shape (1, 4) broadcast to the batch) make the kept shapes matter.

def rnn_steps(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def rnn_until(Wx, Wh, b, xs, h0):
    h = h0
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        t = t + 1
    return np.sum(h * h)


def nested_products(W, U, x, c, n):
    s = 0.0
    for k in range(n):
        h = x
        for t in range(3):
            h = np.tanh(h @ W + c * k)
        s = s + np.sum((h @ U) ** 2)
    return s


def rnn_arrays():
    return (RNG.normal(size=(3, 4)) * 0.5, RNG.normal(size=(4, 4)) * 0.5,
            RNG.normal(size=4) * 0.1, RNG.normal(size=(5, 2, 3)), RNG.normal(size=(1, 4)))


@pytest.mark.parametrize("f", [rnn_steps, rnn_until])
def test_loop_of_matrix_products_keeps_neither_their_values_nor_shapes(f):
    # h0 has one row, xs[t] two: the first step's `h @ Wh` broadcasts in the sum,
    # and its adjoint is summed back to one row inside matmul_adjoint_a
    df = s2sad.grad(f, wrt=(0, 1, 2, 4))
    assert "shape_of(" not in s2sad.source(df)
    assert_gradients(f, df, rnn_arrays(), (0, 1, 2, 4))


def test_nested_loops_of_matrix_products():
    W, U, x = RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=(3, 2)), RNG.normal(size=(2, 3))
    c = RNG.normal(size=(1, 3)) * 0.1
    df = s2sad.grad(nested_products, wrt=(0, 1, 2, 3))
    assert "shape_of(" not in s2sad.source(df)
    assert_gradients(nested_products, df, (W, U, x, c, 3), (0, 1, 2, 3))


def test_second_derivative_through_kept_shapes():
    Wx, Wh, b, xs, h0 = rnn_arrays()
    first = s2sad.grad(rnn_steps, wrt=(2,))
    v = RNG.normal(size=4)
    hvp = s2sad.grad(lambda b: np.sum(first(Wx, Wh, b, xs, h0) * v), wrt=(0,))
    assert_gradients(lambda b: np.sum(first(Wx, Wh, b, xs, h0) * v), hvp, (b,), (0,))


def tanh_of_sum(u):
    return np.tanh(np.sum(u))


def rebinds_in_nested_loops(p):
    for i in range(2):
        for j in range(2):
            v = np.tanh(p)
            v = v + tanh_of_sum(p)
    return np.sum(v * v)


def test_merged_sums_leave_the_rerun_of_a_loop_alone():
    # found by a long random-program run: merging `v = a; v = v + b` in the primal
    # sweep changed the node the outer loop's rerun shares, which then added b twice
    p = np.array([0.1, -0.3, 0.2])
    assert_gradients(rebinds_in_nested_loops, s2sad.grad(rebinds_in_nested_loops), (p,), (0,))


MIX = np.array([[0.5, 0.2], [0.1, 0.3]])


def bound_in_inner_loop(p0):
    for i in range(2):
        for j in range(2):
            v = np.sin(p0) @ MIX
    return np.sum(v * p0)


def bound_three_loops_down(p0):
    for i in range(2):
        for j in range(2):
            for k in range(2):
                v = np.sin(p0) @ MIX
    return np.sum(v * p0)


def bound_two_loops_down_and_read(p0, n):
    for i in range(n):
        for j in range(2):
            for k in range(2):
                v = np.cos(p0 * (j + k)) @ MIX
            p0 = p0 + 0.1 * v
    return np.sum(v * p0)


def bound_in_inner_while(p0):
    for i in range(3):
        k = 0
        while k < 2:
            v = p0 @ MIX
            k += 1
        p0 = np.tanh(v)
    return np.sum(v)


def bound_in_inner_loop_beside_a_carried_value(p0):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(p0 * s))
        for j in range(2):
            v = np.tanh(p0 @ MIX)
    return np.sum(v) * s


def two_bound_in_inner_loop(p0):
    for i in range(3):
        for j in range(2):
            w = np.sum(np.sin(p0))
            v = p0 @ MIX * w
    return np.sum(v) + w


@pytest.mark.parametrize("f, args", [
    (bound_in_inner_loop, (RNG.normal(size=(1, 2)),)),
    (two_bound_in_inner_loop, (RNG.normal(size=(3, 2)),)),
    (bound_in_inner_loop_beside_a_carried_value, (RNG.normal(size=(2, 2)),)),
    (bound_three_loops_down, (RNG.normal(size=(1, 2)),)),
    (bound_two_loops_down_and_read, (RNG.normal(size=(3, 2)), 3)),
    (bound_in_inner_while, (RNG.normal(size=(2, 2)),)),
])
@pytest.mark.parametrize("checkpoints", [None, 2])
def test_variable_first_bound_in_an_inner_loop(f, args, checkpoints):
    """Its adjoint, reset at each inner step, takes the shape the value had on
    entry: in the outer iterations after the first, the one the last left."""
    df = s2sad.grad(f, wrt=(0,), checkpoints=checkpoints)
    assert_gradients(f, df, args, (0,))
