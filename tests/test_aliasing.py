"""Issue 17: writes that another name could see, arithmetic copies, and
arguments written in place. Gradients against central finite differences."""
import functools
import random

import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients, finite_difference


def copy_by_adding_zero(x):
    y = x + 0.0
    y[0] = y[0] * 4.0
    return np.sum(y * x)


def copy_by_multiplying_by_one(x):
    y = 1.0 * x
    y[0] = y[0] * 4.0
    return np.sum(y * x)


def copy_by_dividing_by_one(x):
    y = x / 1.0
    y[1] = y[0] * 3.0
    return np.sum(y * x)


def copy_in_loop(x):
    s = 0.0
    for i in range(3):
        y = x - 0.0
        y[0] = y[0] * 2.0
        s = s + np.sum(y * x)
    return s


@pytest.mark.parametrize("f", [copy_by_adding_zero, copy_by_multiplying_by_one,
                               copy_by_dividing_by_one, copy_in_loop])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_arithmetic_copy_stays_a_copy(f, mode):
    x = np.array([1.0, 2.0])
    if mode == "reverse":
        df = s2sad.grad(f)
        assert_gradients(f, df, (x,), (0,))
        g, value = s2sad.grad(f, preserve_result=True)(x)
        assert value == pytest.approx(f(np.array([1.0, 2.0])))
    else:
        df = s2sad.autodiff(f, mode="forward")
        for e in np.eye(2):
            eps = 1e-6
            fd = (f(x + eps * e) - f(x - eps * e)) / (2 * eps)
            assert df(x, e) == pytest.approx(fd, rel=1e-6)
    assert np.array_equal(x, [1.0, 2.0])


def copy_by_adding_zero_reference(x):
    return np.sum(x * x) + 3.0 * x[0] ** 2


def test_the_copy_gives_the_closed_form():
    assert np.allclose(s2sad.grad(copy_by_adding_zero)(np.array([1.0, 2.0])), [8.0, 4.0])


def view_then_write(x):
    z = np.zeros(3)
    w = z[1:]
    z[1] = x[1]
    return np.sum(w)


def transpose_then_write(x):
    m = np.zeros((2, 2))
    t = m.T
    m[0, 1] = x[0]
    return np.sum(t * x[1])


def list_holding_then_write(x):
    z = np.zeros(2)
    held = [z, x]
    z[0] = x[0]
    return np.sum(held[0]) * x[1]


def write_into_view(x):
    z = x * 2.0
    w = z[:1]
    w[0] = 5.0
    return np.sum(z * x)


@pytest.mark.parametrize("f, written, other", [
    (view_then_write, "z", "w"), (transpose_then_write, "m", "t"),
    (list_holding_then_write, "z", "held"), (write_into_view, "w", "z")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_another_live_name_sees_is_refused_at_its_line(f, written, other, mode):
    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.autodiff(f, mode=mode)
    message = str(info.value)
    assert f"'{written}'" in message and f"'{other}'" in message
    lines = f.__code__.co_firstlineno
    source = open(__file__).read().splitlines()
    assert f"[" in source[info.value.location.lineno - 1] and \
        "= " in source[info.value.location.lineno - 1]
    assert info.value.location.lineno > lines


def row_then_write(m):
    row = m[0]
    m[0, 1] = 5.0
    return np.sum(row * m)


def element_then_write(x):
    old = x[0]
    x[0] = 5.0 * x[1]
    return old * np.sum(x)


def test_a_write_through_an_integer_index_is_checked_when_it_runs():
    df = s2sad.grad(row_then_write)
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory") as info:
        df(np.ones((2, 2)))
    assert info.value.location.lineno == row_then_write.__code__.co_firstlineno + 2
    x = np.array([2.0, 3.0])
    assert_gradients(element_then_write, s2sad.grad(element_then_write), (x,), (0,))
    assert np.array_equal(x, [2.0, 3.0])  # a 1-d array's x[0] is a number: no view


def on_a_copy(f):
    """f for finite differences: f itself writes into its first argument."""
    return lambda x, *rest: f(x.copy(), *rest)


def writes_argument(x, a, b):
    x[0] = a * b
    return np.sum(x * x)


def augments_alias_of_argument(x, y):
    z = x
    z += y
    return np.sum(z * z)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_arguments_written_in_place_are_not_changed_by_the_derivative(mode):
    x = np.array([1.0, 2.0, 3.0])
    args = (x, 1.5, -2.0)
    if mode == "reverse":
        assert_gradients(on_a_copy(writes_argument),
                         s2sad.grad(writes_argument, wrt=(0, 1, 2)), args, (0, 1, 2))
    else:
        dx = np.array([0.1, 0.2, 0.3])
        tangent = s2sad.autodiff(writes_argument, mode="forward")(x, 1.5, -2.0, dx)
        eps = 1e-6
        fd = (writes_argument(x + eps * dx, 1.5, -2.0) -  # new arrays: f may write
              writes_argument(x - eps * dx, 1.5, -2.0)) / (2 * eps)
        assert tangent == pytest.approx(fd)
        assert np.array_equal(dx, [0.1, 0.2, 0.3])
    assert np.array_equal(x, [1.0, 2.0, 3.0])


def test_augmented_assignment_on_an_alias_nothing_reads_again_rebinds():
    x, y = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    df = s2sad.grad(augments_alias_of_argument, wrt=(0, 1))
    assert_gradients(on_a_copy(augments_alias_of_argument), df, (x, y), (0, 1))
    assert np.array_equal(x, [1.0, 2.0])


def appends_to_a_list_and_reads_an_item(x):
    hs = [x]
    for i in range(3):
        h = hs[-1]
        hs.append(np.tanh(h) * 2.0)
        h = h + hs[-1]
    return np.sum(h)


def test_appending_to_a_list_does_not_change_the_items_it_holds():
    x = np.array([0.3, -0.2])
    f = appends_to_a_list_and_reads_an_item
    assert_gradients(f, s2sad.grad(f), (x,), (0,))


# ---------------------------------------------------------------- list.pop(i), repeated writes


def pops_the_front(x):
    xs = [x[0], x[1], x[2]]
    a = xs.pop(0)
    b = xs.pop(-2)
    return a * 2.0 + b * 3.0 + xs[0] * 5.0


def queue(x):
    q = [x[0], x[1], x[2]]
    s = 0.0
    while q:
        v = q.pop(0)
        s = s * 2.0 + v
    return s


@pytest.mark.parametrize("f", [pops_the_front, queue])
def test_pop_at_an_index_sends_the_gradient_to_that_item(f):
    x = np.array([1.0, 2.0, 3.0])
    assert_gradients(f, s2sad.grad(f), (x,), (0,))
    df = s2sad.autodiff(f, mode="forward")
    for e in np.eye(3):
        assert df(x, e) == pytest.approx((f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6)


def repeated_index_write(x):
    y = np.zeros(3)
    y[[0, 0, 2]] = x
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


def test_a_repeated_index_keeps_the_last_write_only():
    x = np.array([1.0, 2.0, 4.0])
    g = s2sad.grad(repeated_index_write)(x)
    assert np.allclose(g, [0.0, 1.0, 3.0])  # y[0] = x[1] (the later write), y[2] = x[2]
    assert_gradients(repeated_index_write, s2sad.grad(repeated_index_write), (x,), (0,))


# ---------------------------------------------------------------- random draws


def draws_in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x * np.random.randn(2))
    return s


def noisy_sample(w, rs):
    return w * rs.randn(3)


def helper_draws(w, rs):
    return np.sum(noisy_sample(w, rs) ** 2)


def helper_draws_in_a_loop(w, rs):
    total = 0.0
    for i in range(2):
        total = total + np.sum(noisy_sample(w, rs) ** 2)
    return total


def generator_and_python_random(w, rng):
    s = 0.0
    k = 0
    while k < 3:
        s = s + np.sum(w * rng.normal(size=3)) * random.gauss(0.0, 1.0)
        k = k + 1
    return s


def reseeded(kind):
    """A fresh generator of the kind the function takes, and the global ones seeded."""
    np.random.seed(5)
    random.seed(5)
    return {"legacy": lambda: np.random.RandomState(7),
            "generator": lambda: np.random.default_rng(7)}[kind]()


@pytest.mark.parametrize("f, kind", [(helper_draws, "legacy"), (helper_draws_in_a_loop, "legacy"),
                                     (generator_and_python_random, "generator"),
                                     (draws_in_a_loop, None)])
def test_random_draws_are_replayed_not_drawn_again(f, kind):
    w = np.array([0.5, -1.0, 2.0])[:2 if f is draws_in_a_loop else 3]
    args = (w,) if kind is None else (w, None)

    def value(w):
        rs = reseeded(kind or "legacy")
        return f(w, rs) if kind else f(w)

    eps = 1e-6
    fd = np.array([(value(w + eps * e) - value(w - eps * e)) / (2 * eps)
                   for e in np.eye(len(w))])
    rs = reseeded(kind or "legacy")
    g = s2sad.grad(f)(w, rs) if kind else s2sad.grad(f)(w)
    after = (np.random.randn(), random.random(), rs.normal() if kind else None)
    rs = reseeded(kind or "legacy")
    value_of_f = f(w, rs) if kind else f(w)
    assert np.allclose(g, fd, rtol=1e-6, atol=1e-8)
    # the generators end where f leaves them
    assert after == (np.random.randn(), random.random(), rs.normal() if kind else None)
    assert np.isfinite(value_of_f)


def unused_draw_in_a_loop(x):
    y = x
    for i in range(3):
        a = np.random.randn()    # its value is not needed by the derivative: still drawn
        b = np.random.randn()
        y = y * b + a
    return np.sum(y)


MIX = np.array([[0.5, -0.2, 0.1], [0.3, 0.4, -0.6], [-0.1, 0.2, 0.7]])


def unused_draw_beside_a_product_the_rerun_skips(x):
    """The rerun skips `w = np.tanh(w @ MIX)` (w's derivative is not needed) and
    the statements only it reads: the draw between them must still run."""
    w = x * 0.5
    for i in range(3):
        w = np.tanh(w @ MIX)
        a = np.random.rand()
        y = np.tanh(x) * (0.75 + 0.5 * np.random.rand(3))
    return np.sum(y) + np.sum(np.sin(w)) * 0.0


def draw_in_a_binding_the_rerun_takes_from_the_end(x):
    """y's last binding draws: the rerun may not take y from where the iteration
    ended, or the draw after it shifts."""
    y = x
    for i in range(3):
        y = np.sin(y) * (0.5 + np.random.rand())
        z = np.cos(y) * np.random.rand(3)
    return np.sum(z)


def noisy(x):
    return x * np.random.randn(2)


def helper_draws_then_f_draws(x):
    return np.sum(noisy(x) * x) * 2.0 + np.random.randn() * x[0]


SHARED = np.random.RandomState(3)


def sample_from(mean, rs):
    return rs.randn(*mean.shape) + mean


def two_levels_down(w, rs):
    z = sample_from(w, rs)
    return np.sum(z * z * w)


def passes_a_global_generator(w):
    return two_levels_down(w, SHARED)


class Dropout:
    def __init__(self, rate, rng):
        self.rate, self.rng = rate, rng

    def forward(self, h):
        keep = self.rng.random(h.shape) > self.rate
        return h * keep / (1.0 - self.rate)


LAYER_RNG = np.random.default_rng(4)
DROPOUTS = [Dropout(0.3, LAYER_RNG), Dropout(0.5, np.random.default_rng(5))]


def dropout_layers(x):
    h = x
    for layer in DROPOUTS:
        h = np.tanh(layer.forward(h) * 1.5)
    return np.sum(h * h)


def dropout_twice(x):
    h = np.sin(DROPOUTS[0].forward(x))
    return np.sum(h * h) + np.sum(np.cos(DROPOUTS[1].forward(x * 2.0)))


GENERATORS = [SHARED, LAYER_RNG, DROPOUTS[1].rng, np.random.mtrand._rand, random._inst]


def states():
    return [g.bit_generator.state if isinstance(g, np.random.Generator) else
            g.get_state() if isinstance(g, np.random.RandomState) else g.getstate()
            for g in GENERATORS]


def set_states(saved):
    for g, state in zip(GENERATORS, saved):
        if isinstance(g, np.random.Generator):
            g.bit_generator.state = state
        elif isinstance(g, np.random.RandomState):
            g.set_state(state)
        else:
            g.setstate(state)


def next_draws():
    return [g.random() if not isinstance(g, np.random.RandomState) else g.rand()
            for g in GENERATORS]


@pytest.mark.parametrize("f", [unused_draw_in_a_loop, helper_draws_then_f_draws,
                               passes_a_global_generator, dropout_layers, dropout_twice,
                               unused_draw_beside_a_product_the_rerun_skips,
                               draw_in_a_binding_the_rerun_takes_from_the_end])
def test_draws_the_optimizer_must_keep_in_place_and_generators_found_at_run_time(f):
    x = np.array([0.7, -0.4, 0.2]) if f is not helper_draws_then_f_draws else \
        np.array([0.5, -1.0])
    start = states()
    expected = np.zeros_like(x)
    for i, e in enumerate(np.eye(len(x)) * 1e-6):
        set_states(start)
        up = f(x + e)
        set_states(start)
        expected[i] = (up - f(x - e)) / 2e-6
    set_states(start)
    f(x)
    after_f = next_draws()
    set_states(start)
    g = s2sad.grad(f)(x)
    assert next_draws() == after_f  # every generator ends where f leaves it
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- state outside f

LOG = []


def logs_its_partial_sums(x):
    s = 0.0
    for i in range(2):
        s = s + x * x
        LOG.append(s)
    return s


def reads_the_log_back(x):
    LOG.append(x * 2.0)
    return LOG[-1] * x


def test_appending_to_a_global_list_happens_as_in_f():
    del LOG[:]
    logs_its_partial_sums(3.0)
    expected = list(LOG)
    del LOG[:]
    assert s2sad.grad(logs_its_partial_sums)(3.0) == pytest.approx(12.0)
    assert LOG == expected  # the derivative appends what f appends, once
    del LOG[:]
    x = np.array([0.5, 2.0])
    s2sad.grad(lambda v: np.sum(logs_its_partial_sums(v)))(x)
    assert len(LOG) == 2


def logs_and_doubles(x):
    LOG.append(1)
    return x * 2.0


def logs_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + logs_and_doubles(x) * x
    return s


def logs_once_unused(x):
    y = logs_and_doubles(x)
    return x * x


def through_a_helper_that_logs(x):
    return logs_and_doubles(x) * x


def calls_a_helper_that_logs(x):
    return through_a_helper_that_logs(x) + x


def test_a_helper_changing_outside_state_runs_as_in_f_or_is_refused_where_it_would_rerun():
    del LOG[:]
    assert s2sad.grad(logs_once_unused)(1.5) == pytest.approx(3.0)
    assert LOG == [1]  # old main: [] (the unused call was dropped)
    del LOG[:]
    assert s2sad.autodiff(logs_in_a_loop, mode="forward")(1.5, 3, 1.0) == pytest.approx(18.0)
    assert LOG == [1, 1, 1]
    for f, line in ((logs_in_a_loop, 3), (calls_a_helper_that_logs, None)):
        with pytest.raises(s2sad.UnsupportedSyntaxError, match="changes 'LOG'") as info:
            s2sad.grad(f)(1.5, 3) if f is logs_in_a_loop else s2sad.grad(f)(1.5)
        if line:  # old main: 6 entries in LOG for 3 iterations
            assert info.value.location.lineno == f.__code__.co_firstlineno + line
        else:
            assert info.value.location.lineno == \
                through_a_helper_that_logs.__code__.co_firstlineno + 1


def ranked(x):
    return np.sum(np.sort(x) * np.arange(3.0)) + np.sum(np.append(x, 1.0) ** 2)


def ranks_in_a_loop(x):
    total = 0.0
    for i in range(2):
        total = total + ranked(x * (i + 1.0))
    return total


OFFSETS = np.zeros(3)


def puts_an_offset(x):
    np.put(OFFSETS, [0], x[0])
    return np.sum(x * x)


def puts_in_a_loop(x):
    total = 0.0
    for i in range(2):
        total = total + puts_an_offset(x)
    return total


def test_numpy_functions_named_like_mutating_methods_change_their_argument_or_nothing():
    # np.sort and np.append make new arrays: the helper was refused in a loop as one
    # that "changes 'np' (sort)"; np.put writes into its first argument, a global here
    x = np.array([0.3, -0.2, 0.9])
    assert_gradients(ranks_in_a_loop, s2sad.grad(ranks_in_a_loop), (x,), (0,))
    tangent = s2sad.autodiff(ranks_in_a_loop, mode="forward")(x, np.array([1.0, 0.0, 0.0]))
    assert tangent == pytest.approx(finite_difference(ranks_in_a_loop, (x,), 0)[0], rel=1e-6)
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="changes 'OFFSETS' \\(put\\)"):
        s2sad.grad(puts_in_a_loop)(x)


GRID = np.eye(3)


def scales_the_grid(x):
    M = GRID  # the global itself, under a local name
    np.multiply(M, x[0], out=M)
    return np.sum(M)


def scales_once(x):
    return scales_the_grid(x)


def scales_twice(x):
    total = 0.0
    for i in range(2):
        total = total + scales_the_grid(x)
    return total


def test_a_helper_changing_a_global_through_a_local_name_is_refused():
    # old main: [0.9, 0, 0] for 3 * x[0] (the VJP reran the write on the changed GRID)
    x = np.array([0.3, -0.5, 0.8])
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="'M'") as info:
        s2sad.grad(scales_once)(x)  # at the write, in the helper
    assert info.value.location.lineno == scales_the_grid.__code__.co_firstlineno + 2
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="changes 'GRID'") as info:
        s2sad.grad(scales_twice)(x)  # at the call its loop's reverse would run again
    assert info.value.location.lineno == scales_twice.__code__.co_firstlineno + 3


def test_reading_a_changed_global_list_back_is_refused_at_its_line():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="'LOG'") as info:
        s2sad.grad(reads_the_log_back)
    assert info.value.location.lineno == reads_the_log_back.__code__.co_firstlineno + 2


def identity(x):
    return x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_derivative_of_the_identity_is_a_new_array(mode):
    x, seed = np.zeros(2), np.ones(2)
    out = s2sad.autodiff(identity, mode=mode)(x, seed)
    assert out is not seed and np.array_equal(out, seed)
    out[0] = 5.0
    assert np.array_equal(seed, [1.0, 1.0])


def appends_to_its_argument(xs, v):
    xs.append(v * 2.0)
    return v * 3.0


def calls_a_helper_that_appends(x):
    xs = []
    y = appends_to_its_argument(xs, x)
    return y + xs[0]


def test_a_helper_changing_its_list_argument_is_refused_at_the_change():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument 'xs'") as info:
        s2sad.grad(calls_a_helper_that_appends)
    assert info.value.location.lineno == appends_to_its_argument.__code__.co_firstlineno + 1


def records(history, x):
    history.append(x)
    return x


def result_kept_but_not_read(k):
    h = []
    y = records(h, 2.0 * k)  # y is never read: its derivative was never made
    return sum(h)


class Integrator:
    def __init__(self):
        self.last = 0.0

    def step(self, x):
        self.last = x
        return x


def method_keeps_its_argument(k):
    integrator = Integrator()
    y = integrator.step(3.0 * k)
    return integrator.last


class History:
    def __init__(self):
        self.values = []

    def record(self, v):
        kept = self.values  # a name for the object's list: the change is the object's
        kept.append(v)
        return v * 1.0


def method_changes_its_object_through_a_name(k):
    history = History()
    y = history.record(2.0 * k)
    return history.values[-1] * y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_call_changing_its_argument_is_refused_even_when_its_result_is_unused(mode):
    """`y = records(h, x)` then `sum(h)`: the change to h was dropped (a derivative
    of 0), where the call made as a statement was refused. A method of an object is
    checked when it runs."""
    for f, function, line in ((result_kept_but_not_read, records, 1),
                              (method_keeps_its_argument, Integrator.step, 1),
                              (method_changes_its_object_through_a_name, History.record, 2)):
        with pytest.raises(s2sad.UnsupportedSyntaxError, match="argument '(history|self)'") \
                as info:
            s2sad.autodiff(f, mode=mode)(1.5, 1.0)
        assert info.value.location.lineno == function.__code__.co_firstlineno + line


def leapfrog(x):
    prev = x.copy()
    cur = x * 1.5
    for t in range(3):
        nxt = 2.0 * cur - prev + 0.1 * cur ** 2   # a new array each step
        nxt[0] = 0.0                             # then a boundary condition
        prev, cur = cur, nxt
    return np.sum(cur * prev)


def tuple_state(x):
    state = (x, 1.0)
    for _ in range(3):
        state = tuple(s * 1.1 + 0.2 * x for s in state)
    return np.sum(state[0] * state[1])


def stale_alias(x):
    keep = x.copy()
    for t in range(2):
        y = x * 2.0
        if t == 0:
            keep = y  # the first step's array: the write below changes it too
        y[0] = 5.0
    return np.sum(keep * x)


@pytest.mark.parametrize("f", [leapfrog, tuple_state])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_new_array_each_iteration_shares_nothing_with_the_last_ones(f, mode):
    """`nxt` is made anew in each step; the names holding earlier steps' arrays do not
    see a write into it (it was refused as shared with `cur`)."""
    x = np.array([0.3, -0.2, 0.5])
    assert_matches_differences(f, x, mode)
    assert np.array_equal(x, [0.3, -0.2, 0.5])


def assert_matches_differences(f, x, mode):
    """The gradient (reverse) or each column's tangent (forward) of f at the vector x,
    against central differences."""
    if mode == "reverse":
        assert_gradients(f, s2sad.grad(f), (x,), (0,))
        return
    df = s2sad.autodiff(f, mode="forward")
    for e in np.eye(len(x)):
        fd = (f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6
        assert df(x, e) == pytest.approx(fd, rel=1e-6)


def copy_written_through_a_reshaped_view(x):
    y = x * 1
    v = np.reshape(y, (2, 2))
    v[0, 0] = 3.0 * x[2]
    return np.sum(v ** 2) + x[0] ** 2


def copy_written_through_astype_without_copy(x):
    y = x * 1.0
    z = y.astype(np.float64, copy=False)  # y itself
    z[0] = 0.0
    return np.sum(y * np.arange(4.0))


def diagonal_view_of_einsum_written(a):
    b = a + 1.0
    d = np.einsum("ii->i", b)  # a view of b's diagonal
    d[0] = 100.0 * a[0, 1]
    return np.sum(b * a)


def test_an_arithmetic_copy_written_through_a_view_a_call_returns_stays_a_copy():
    """`y = x * 1` folded to `y = x` made the write through `np.reshape(y)` change
    the caller's x: a wrong gradient in both modes. A call's result may be a view of
    its operands (also `astype(copy=False)` and `einsum`): refused where the base is
    read after the write, the caller's array never changed."""
    x = np.array([0.3, -0.5, 1.2, 0.7])
    for mode in ("reverse", "forward"):
        assert_matches_differences(copy_written_through_a_reshaped_view, x, mode)
        for f, arg in ((copy_written_through_astype_without_copy, x),
                       (diagonal_view_of_einsum_written, x.reshape(2, 2))):
            with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory"):
                df = s2sad.autodiff(f, mode=mode)
                df(arg, 1.0 if mode == "reverse" else np.ones_like(arg))
    assert np.array_equal(x, [0.3, -0.5, 1.2, 0.7])


def test_an_earlier_iterations_array_kept_under_another_name_still_counts():
    # keep holds the copy or the first step's array: the write's check tells which
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory") as info:
        s2sad.grad(stale_alias)(np.array([0.3, -0.2]))
    assert "y[0] = 5.0" in str(info.value)


def ping_pong(u0, k):
    a = u0.copy()
    b = u0.copy()
    for step in range(3):
        b[1:-1] = a[1:-1] + k * (a[2:] - 2 * a[1:-1] + a[:-2])
        a, b = b, a
    return np.sum(a ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_two_buffers_swapped_each_step_are_told_apart_when_written(mode):
    """a and b each may hold either copy, but never the same one: the write is
    checked when it runs (it was refused)."""
    u0, k = np.array([0.0, 1.0, 0.5, 2.0, 0.0]), 0.3
    if mode == "reverse":
        assert_gradients(ping_pong, s2sad.grad(ping_pong, wrt=(0, 1)), (u0, k), (0, 1))
    else:
        fd = (ping_pong(u0, k + 1e-6) - ping_pong(u0, k - 1e-6)) / 2e-6
        df = s2sad.autodiff(ping_pong, wrt=(1,), mode="forward")
        assert df(u0, k, 1.0) == pytest.approx(fd, rel=1e-6)


class Scale:
    def __init__(self, c):
        self.c = c

    def __call__(self, x):
        return self.c * x ** 2


TRIPLE = Scale(3.0)


def calls_a_global_object(x):
    return np.sum(TRIPLE(x) * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_global_object_of_a_users_class_is_called_through_its_method(mode):
    x = np.array([0.3, -0.2])
    if mode == "reverse":
        assert_gradients(calls_a_global_object, s2sad.grad(calls_a_global_object), (x,), (0,))
    else:
        df = s2sad.autodiff(calls_a_global_object, mode="forward")
        np.testing.assert_allclose(df(x, np.array([1.0, 0.0])), 9.0 * 0.3 ** 2, rtol=1e-12)


def last_of(items):
    return items[-1]


def same(a):
    return a


def pick(pair):
    first, second = pair
    return second


def item_of_a_helper(x):
    a = x * 2.0
    z = last_of([x, a])  # z is a
    z[0] = 1.0
    return np.sum(a * x)


def unpacked_by_a_helper(x):
    a = x * 2.0
    z = pick((x, a))
    z[0] = 1.0
    return np.sum(a * x) + np.sum(z)


def identity_helper(x):
    a = x * 2.0
    z = same(a)
    z[0] = 1.0
    return np.sum(a * x) + np.sum(z)


def fresh_from_a_helper(x):
    a = x * 2.0
    z = same(a * 1.5)  # a new array: writing into it changes nothing else
    z[0] = 1.0
    return np.sum(a * x) + np.sum(z * x)


@pytest.mark.parametrize("f", [item_of_a_helper, unpacked_by_a_helper, identity_helper])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_into_what_a_helper_returned_of_its_arguments_is_refused(f, mode):
    """A helper may return one of its arguments or an item of one: the write then
    changes that array too. Both modes gave numbers that missed it (forward mode's
    derivative of the helper returned a copy of its argument)."""
    x = np.array([0.3, -0.7, 1.2])
    df = s2sad.grad(f) if mode == "reverse" else \
        functools.partial(s2sad.autodiff(f, mode="forward"), dx=np.ones(3))
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory") as info:
        df(x)
    assert "z[0] = 1.0" in str(info.value)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_into_a_new_array_a_helper_returned_is_followed(mode):
    assert_matches_differences(fresh_from_a_helper, np.array([0.3, -0.7, 1.2]), mode)


def row_bound_after_the_write(x):
    y = x * 1.0
    s = 0.0
    for i in range(2):
        y[0] = y[0] * 0.5
        if i > 0:
            s = s + np.sum(row)
        row = y[1]  # a view of a 2-d y, a number of a 1-d one
    return s + np.sum(y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_checked_against_a_name_bound_later_in_the_loop(mode):
    """The check before the write read `row` before the loop had bound it
    (UnboundLocalError in forward mode)."""
    df = s2sad.grad(row_bound_after_the_write) if mode == "reverse" else \
        functools.partial(s2sad.autodiff(row_bound_after_the_write, mode="forward"))
    x = np.array([0.5, 1.5, -1.0])
    if mode == "reverse":
        assert_gradients(row_bound_after_the_write, df, (x,), (0,))
    else:
        assert df(x, np.array([1.0, 0.0, 0.0])) == pytest.approx(0.25)
    # 2-d: `row` views row 1, which the write into row 0 does not reach
    m = np.array([[0.5, 1.5, -1.0], [2.0, 0.3, 0.7]])
    if mode == "reverse":
        assert_gradients(row_bound_after_the_write, df, (m,), (0,))
    else:
        assert df(m, np.ones((2, 3))) == pytest.approx(0.25 * 3 + 2.0 * 3)


# ------------------------------------------- NumPy calls that write into an array given

def product_into_a_buffer(x):
    y = np.empty_like(x)
    np.multiply(x, x, out=y)
    return np.sum(y * x)


def copyto_a_buffer(x):
    y = np.zeros(3)
    np.copyto(y, np.sin(x))
    return np.sum(y * x)


def ufunc_into_its_own_operand(x):
    y = np.exp(x)
    np.add(y, x[0], out=y)
    np.sqrt(y, out=(y,))
    return np.sum(y ** 3)


def fill_then_write(x):
    y = x.copy()
    y.fill(2.0)
    y[0] = x[1] ** 2
    return np.sum(y * x)


def result_of_an_out_call(x):
    buffer = np.zeros((3, 3))
    z = np.dot(np.outer(x, x), np.diag(x), out=buffer)
    return np.sum(z * buffer)


def accumulates_into_a_buffer(x):
    total = np.zeros_like(x)
    for i in range(3):
        np.add(total, np.cos(x * i), out=total)
        np.multiply(total, x, out=total)
    return np.sum(total)


def scales_its_argument(x):
    np.multiply(x, 3.0, out=x)
    return np.sum(np.sin(x) * x)


def adds_at_repeated_indices(x):
    table = np.zeros((4, 3))
    np.add.at(table, [0, 2, 0], np.outer(x, x))
    for e in range(2):
        np.add.at(table, (np.array([e, e + 1]), 1), x[e] * np.array([1.0, -1.0]))
    return np.sum(table ** 2) + np.sum(np.tanh(table) * x)


def subtracts_at_repeated_indices(x):
    table = np.ones((3, 2))
    np.subtract.at(table, [2, 0, 2], np.outer(x, x[:2]))
    np.subtract.at(table, ([0, 1], 1), [x[1], x[2]])  # a list of values
    return np.sum(table ** 3)


def fills_a_diagonal(x):
    gram = np.outer(x, x) + 1.0
    np.fill_diagonal(gram, np.diag(gram) * x + 0.5)  # a ridge, scaled
    wide = np.ones((2, 3)) * x
    np.fill_diagonal(wide, x[0] ** 2)  # not square: the first min(shape) entries
    return np.sum(np.linalg.solve(gram, x) ** 2) + np.sum(wide ** 2 * x)


def puts_at_flat_indices(x):
    a = np.ones(6) * x[0]
    np.put(a, [4, 0, 4, -1], x * 2)  # 4 named twice: the last value; x cut short
    np.put(a, np.array([[1], [2]]), x[1] ** 2, mode="raise")  # one value, a 2-d index
    table = np.zeros((2, 3))
    np.put(table, [5, 1, 2], [x[2], np.sin(x[0])])  # two values for three: repeated
    return np.sum(a ** 2 * np.arange(6)) + np.sum(np.sin(table) * x[1])


def puts_where_a_mask_holds(x):
    gram = np.outer(x, x)
    np.putmask(gram, gram > 0.4, np.cos(gram))  # values of gram's shape
    table = np.ones((2, 3))
    np.putmask(table, np.array([[1, 0, 1], [1, 1, 0]]), x * x[1])  # 3 values, repeated
    flipped = table[::-1].copy()
    np.putmask(flipped, np.eye(2, 3) > 0, 2.0 * x[2])
    np.putmask(table, table > 10.0, x[0])  # nowhere
    return np.sum(gram ** 2) + np.sum(table ** 3 * np.arange(6).reshape(2, 3)) + \
        np.sum(flipped * table)


def places_where_a_mask_holds(x):
    gram = np.outer(x, x)
    np.place(gram, gram < 0.4, x[::-1] * 3)  # values in order, repeated
    row = x * 1
    np.place(row, [False, True, False], [x[0] ** 2, 7.0])  # only the first used
    return np.sum(gram ** 2 * x[0]) + np.sum(row ** 2)


def sorts_in_place(x):
    pair = np.stack([x, x[::-1] ** 2])
    pair.sort()
    pair.sort(axis=0)
    scaled = x * np.array([3.0, -1.0, 0.5])
    scaled.sort(kind="stable")
    return np.sum(pair * np.arange(6).reshape(2, 3)) + np.sum(scaled * np.arange(3) ** 2)


def sorts_its_argument(x):
    x.sort()
    return np.sum(x * np.arange(3.0)) + x[0] ** 2


def scales_in_place_by_position(x):
    h = x * np.array([1.0, -2.0, 0.5])
    np.multiply(h, x, h)  # a ufunc's output given by position
    return np.sum(h ** 2 * x)


def copies_into_a_slice(x):
    buffer = np.zeros(5)
    np.copyto(buffer[1:-1], np.sin(x))  # a write into a slice, not into an item of one
    return np.sum(buffer * np.arange(5.0)) + np.sum(buffer ** 2)


def multiplies_into_a_slice(x):
    buffer = np.ones(5)
    np.multiply(x, x, out=buffer[1:-1])
    return np.sum(np.tanh(buffer) * buffer)


@pytest.mark.parametrize("f", [product_into_a_buffer, copyto_a_buffer,
                               ufunc_into_its_own_operand, fill_then_write,
                               result_of_an_out_call, accumulates_into_a_buffer,
                               scales_its_argument, adds_at_repeated_indices,
                               subtracts_at_repeated_indices, fills_a_diagonal,
                               puts_at_flat_indices, puts_where_a_mask_holds,
                               places_where_a_mask_holds, sorts_in_place,
                               sorts_its_argument, scales_in_place_by_position,
                               copies_into_a_slice, multiplies_into_a_slice])
def test_numpy_calls_writing_into_an_array_are_followed_as_index_writes(f):
    """`np.add(a, b, out=y)`, `np.copyto(y, v)`, `y.fill(v)`, `np.add.at(y, i, v)`,
    `np.subtract.at`, `np.fill_diagonal`, `np.put`, `np.putmask`, `np.place` and
    `y.sort()` are index writes (`y[...] = ...`): both modes and the
    Hessian-vector product against central differences, and the caller's array
    unchanged."""
    x = np.array([0.3, 1.2, 0.5])
    assert_both_modes_and_hvp(f, x)
    assert np.array_equal(x, [0.3, 1.2, 0.5])


def assert_both_modes_and_hvp(f, x):
    """Both modes against central differences, the Hessian-vector product against
    differences of the gradient."""
    for mode in ("reverse", "forward"):
        assert_matches_differences(f, x, mode)
    v = np.array([0.7, -0.4, 1.1])
    gradient = s2sad.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-7)


def test_flat_writes_take_the_values_numpy_takes():
    """The values the rewritten np.put, np.putmask, np.place and .sort() leave are
    NumPy's own: the derivative's kept result equals f's."""
    x = np.array([0.3, 1.2, 0.5])
    for f in (puts_at_flat_indices, puts_where_a_mask_holds, places_where_a_mask_holds,
              sorts_in_place, sorts_its_argument):
        _, value = s2sad.grad(f, preserve_result=True)(x.copy())
        assert value == pytest.approx(f(x.copy()), rel=1e-12)


def extends_a_list(x):
    items = [x[0]]
    items.extend([x[1] * 2, x[2]])
    items.extend(x[:2] ** 2)  # an array's items
    items.extend(v * x[1] for v in x)  # any iterable
    return sum(v * (i + 1) for i, v in enumerate(items)) * items[-1]


def updates_a_dict(x):
    state = {"a": x[0], "b": x[1]}
    state.update({"a": state["b"] * 2, "b": state["a"]}, c=x[2] ** 2)  # swapped
    state.update(a=state["a"] * state["c"])
    state.update()
    return state["a"] * state["b"] + state["c"] * len(state)


@pytest.mark.parametrize("f", [extends_a_list, updates_a_dict])
def test_list_extend_and_dict_update_are_followed_as_appends_and_item_writes(f):
    """`lst.extend(xs)` is a loop of `lst.append(item)` over `list(xs)`, and
    `d.update({k: v}, k2=v2)` is `d[k] = v; d['k2'] = v2` once all are computed."""
    x = np.array([0.3, 1.2, 0.5])
    assert_both_modes_and_hvp(f, x)
    _, value = s2sad.grad(f, preserve_result=True)(x)
    assert value == pytest.approx(f(x), rel=1e-12)


def puts_into_an_alias(x):
    a = np.ones(3) * x
    b = a
    np.put(a, [0], x[1] ** 2)
    return np.sum(b * x)


def puts_into_a_view(x):
    a = np.ones(4) * x[0]
    v = a[1:]
    np.put(v, [0, 2], x[1:] ** 2)
    return np.sum(a * x[2])


def putmask_into_an_aliased_argument(x):
    b = x
    np.putmask(x, x > 0.4, x ** 2)
    return np.sum(b * x)


def places_into_a_list_item(x):
    arrays = [np.ones(3) * x[0], np.zeros(3)]
    a = arrays[0]
    np.place(a, [True, False, True], x[1:])
    return np.sum(arrays[0] * x)


def sorts_under_a_reversed_view(x):
    a = x * 2
    b = a[::-1]
    a.sort()
    return np.sum(b * np.arange(3.0)) + np.sum(a)


def extends_an_alias(x):
    items = [x[0]]
    same = items
    items.extend([x[1], x[2]])
    return sum(v * (i + 1) for i, v in enumerate(same))


def extends_a_list_by_itself(x):
    items = [x[0], x[1]]
    items.extend(items)
    return items[0] * items[3]


def updates_an_alias(x):
    state = {"a": x[0]}
    same = state
    state.update(a=x[1] ** 2)
    return same["a"] * x[2]


@pytest.mark.parametrize("f", [puts_into_an_alias, puts_into_a_view,
                               putmask_into_an_aliased_argument, places_into_a_list_item,
                               sorts_under_a_reversed_view, extends_an_alias,
                               extends_a_list_by_itself, updates_an_alias])
def test_flat_writes_and_container_methods_seen_through_another_name_are_refused(f):
    """The rewritten calls are writes the alias analysis sees: another name that
    holds the array, list or dict (or a view of it) and is read afterwards is
    refused, never a wrong gradient."""
    x = np.array([0.3, 1.2, 0.5])
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="share"):
        s2sad.grad(f)(x)


def sorts_a_list_it_makes(x):
    items = [x[1], x[0]]
    items.sort()
    return items[0] * 2.0 + items[1]


def sorts_a_list_it_unpacks(x):
    items, others = [x[1], x[0]], []
    items.sort()
    return items[0] * 2.0 + items[1]


def sorts_a_list_by_key(x):
    items = [x[1], x[0]]
    items.sort(key=abs, reverse=True)
    return items[0] * 2.0 + items[1]


def sorts_its_first_argument(xs, x):
    xs.sort()
    return xs[0] * x[0]


class Settings:
    def update(self, **values):
        self.values = values

    def sort(self):
        pass


def updates_a_settings_object(box, x):
    box.update(a=x[0])
    return x[0] * 2.0


def puts_with_clipped_indices(x):
    a = x * 1.0
    np.put(a, [5], x[0], mode="clip")
    return np.sum(a)


def puts_out_of_bounds(x):
    a = x * 1.0
    np.put(a, [3], x[0])
    return np.sum(a)


def putmask_of_another_size(x):
    a = x * 1.0
    np.putmask(a, [True, False], x[0])
    return np.sum(a)


def test_sort_extend_update_and_put_keep_their_meaning_or_are_refused():
    """list.sort (on a list the function makes, or with key= and reverse=) and
    np.put's other modes stay refused; .sort() and .update() on an argument that
    turns out a list or another object are refused when they run; np.put and
    np.putmask raise on bad indices and masks as NumPy does."""
    x = np.array([0.3, 1.2, 0.5])
    for f in (sorts_a_list_it_makes, sorts_a_list_it_unpacks, sorts_a_list_by_key,
              puts_with_clipped_indices):
        with pytest.raises(s2sad.NonDifferentiableError, match="change its arguments"):
            s2sad.grad(f)(x)
    with pytest.raises(s2sad.NonDifferentiableError, match=r"\.sort\(\.\.\.\) of a NumPy array"
                                                            r" only.*a list object"):
        s2sad.grad(sorts_its_first_argument, wrt=(1,))([0.5, 0.2], x)
    assert s2sad.grad(sorts_its_first_argument, wrt=(1,))(np.array([0.5, 0.2]), x) == \
        pytest.approx([0.2, 0.0, 0.0])
    with pytest.raises(s2sad.NonDifferentiableError, match="of a dict only.*Settings"):
        s2sad.grad(updates_a_settings_object, wrt=(1,))(Settings(), x)
    with pytest.raises(IndexError, match="out of bounds"):
        s2sad.grad(puts_out_of_bounds)(x)
    with pytest.raises(ValueError, match="mask and data must be the same size"):
        s2sad.grad(putmask_of_another_size)(x)


def out_result_kept_while_written(x):
    y = np.zeros(2)
    z = np.add(x, 1.0, out=y)
    y[0] = 5.0
    return np.sum(z * x)


def own_function_with_out(a, out):
    out[0] = a[0]
    return out


def calls_own_function_with_out(x):
    y = np.zeros(2)
    own_function_with_out(x, out=y)
    return np.sum(y * x)


def test_a_call_writing_into_an_array_keeps_its_aliases_and_only_numpy_is_rewritten():
    x = np.array([0.3, 1.2])
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="'z' may share its memory"):
        s2sad.grad(out_result_kept_while_written)(x)
    with pytest.raises(s2sad.NonDifferentiableError, match="change its arguments in place"):
        s2sad.grad(calls_own_function_with_out)(x)


def row_read_then_other_row_written(x):
    a = np.zeros((2, 2))
    a[0] = x
    a[1, 0] = np.sum(a[0] * x)
    return np.sum(a)


def entries_written_in_a_loop(x):
    table = np.zeros((3, 2))
    table[0] = x
    for t in range(1, 3):
        table[t, 0] = table[t - 1, 0] * x[1]
        table[t, 1] = np.sum(table[t - 1] ** 2)
    return np.sum(table ** 2)


def dict_filled_in_a_loop(x):
    adapted = {}
    for k in range(2):
        adapted[k] = x[k] * 0.8
    return adapted[0] ** 3 + adapted[1] ** 3


def heat_steps_in_place(x):
    u = np.concatenate([x, x[::-1] ** 2])
    for n in range(3):
        u[1:-1] += 0.3 * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u ** 2)


def pairwise_forces(p):
    a = np.zeros_like(p)
    for i in range(p.shape[0]):
        for j in range(i + 1, p.shape[0]):
            d = p[j] - p[i]
            inv_r3 = (d @ d + 0.01) ** -1.5
            a[i] = a[i] + d * inv_r3
            a[j] = a[j] - 2.0 * d * inv_r3
    return np.sum(a ** 2)


@pytest.mark.parametrize("f", [row_read_then_other_row_written, entries_written_in_a_loop,
                               dict_filled_in_a_loop, heat_steps_in_place, pairwise_forces])
def test_hessians_of_writes_into_entries_a_kept_row_does_not_see(f):
    """The gradient keeps `t = a[0]` (a view) while it writes and restores `a[1, 0]`:
    the run-time check refused that write as shared, for the whole array; it now
    asks whether the entries written are ones the view sees. A loop body's rerun
    wrote `u[1:-1]` and restored it before anything read u, while its views of u
    were live: the optimizer drops such undone writes. A row kept for its shape
    only (`unbroadcast(g, t)`) does not see a write either."""
    x = np.array([0.5, -0.3]) if f is not pairwise_forces else \
        np.array([[0.5, -0.3], [1.2, 0.4], [-0.6, 0.9]])
    v = np.array([1.0, 2.0]) if f is not pairwise_forces else \
        np.array([[1.0, 2.0], [-0.5, 0.3], [0.7, -1.1]])
    gradient = s2sad.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-7)


def row_kept_while_its_entry_is_written(x, i):
    a = np.zeros((2, 2))
    a[0] = x
    row = a[i]
    a[i, 1] = 3.0
    return np.sum(row * x)


def test_a_write_into_an_entry_a_kept_row_sees_is_still_refused_when_it_runs():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="shares its memory") as info:
        s2sad.grad(row_kept_while_its_entry_is_written)(np.array([0.5, -0.3]), 0)
    assert info.value.location.lineno == row_kept_while_its_entry_is_written.__code__.co_firstlineno + 4


# ------------------------------------------- arguments that share memory with each other

def writes_one_reads_the_other(a, b, x):
    a[0] = x[0] ** 2  # b[0] too, when the caller passes one array twice
    return np.sum(b * x)


def scales_one_in_place(a, b, x):
    a *= x[0]
    return np.sum(b * x)


def writes_an_item_of_a_pair(pair, x):
    a, b = pair
    a[2] = x[2] * 3.0
    return np.sum(b * x)


class TiedWeights:
    def __init__(self, w):
        self.w = w
        self.w_tied = w  # the same array


def writes_through_an_attribute(p, x):
    v = p.w
    v[0] = x[0] ** 2
    return np.sum(p.w_tied * x) + np.sum(p.w * x)


def test_an_argument_written_in_place_must_not_share_memory_with_another():
    """f(W, W, x), f(w, w[1:], x), a pair holding w twice, an object holding w under
    two attributes: f's write changes what the other holds, which its derivative
    did not follow (a wrong gradient in both modes, no refusal). Refused where f
    writes; separate arrays are differentiated as before."""
    x = np.array([0.3, 0.7, -0.4])
    w = np.array([0.5, -1.0, 2.0])
    cases = [(writes_one_reads_the_other, lambda: (lambda v: (v, v))(w.copy()), 1),
             (writes_one_reads_the_other, lambda: (lambda v: (v, v[:]))(w.copy()), 1),
             (scales_one_in_place, lambda: (lambda v: (v, v))(w.copy()), 1),
             (writes_an_item_of_a_pair, lambda: ((lambda v: (v, v))(w.copy()),), 2),
             (writes_an_item_of_a_pair, lambda: ((lambda v: [v, v])(w.copy()),), 2),
             (writes_through_an_attribute, lambda: (TiedWeights(w.copy()),), 2)]
    for f, shared, line in cases:
        k = len(shared())
        for mode, seed in (("reverse", 1.0), ("forward", np.ones(3))):
            with pytest.raises(s2sad.UnsupportedSyntaxError, match="share|holds") as info:
                s2sad.autodiff(f, wrt=(k,), mode=mode)(*shared(), x, seed)
            assert info.value.location.lineno == f.__code__.co_firstlineno + line
    apart = (w.copy(), w.copy(), x)  # b keeps its values: the gradient is b
    np.testing.assert_allclose(s2sad.grad(writes_one_reads_the_other, wrt=2)(*apart), w)


def copies_an_item_then_writes(d, x):
    w = d["w"] * 1.0  # an arithmetic copy of an item: not the item itself
    w[0] = w[0] * x
    return np.sum(w) * x + np.sum(d["w"]) * x


def flattens_then_writes(x):
    v = x.flatten()  # a copy; its tangent must not be a view of x's
    v[1] = v[1] * 3.0
    return np.sum(v * v) + np.sum(x ** 2)


def test_copies_stay_copies_in_both_modes():
    """`w = d['w'] * 1.0` was folded to `w = d['w']` (the write then changed the
    caller's dict and what f read of it); the tangent of x.flatten() was a view of
    the caller's tangent, which the write changed."""
    for make in (lambda: {"w": np.array([1.0, 2.0, 3.0])},):
        for mode, seed in (("reverse", 1.0), ("forward", 1.0)):
            d = make()
            assert s2sad.autodiff(copies_an_item_then_writes, wrt=1, mode=mode)(d, 1.5, seed) \
                == pytest.approx(2 * 1.5 + 11)  # (x + 5) x + 6 x
            np.testing.assert_array_equal(d["w"], [1.0, 2.0, 3.0])
    x, dx = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.ones((2, 3))
    assert s2sad.autodiff(flattens_then_writes, mode="forward")(x, dx) == pytest.approx(116.0)
    np.testing.assert_array_equal(dx, np.ones((2, 3)))


def scales_the_first(w, s):
    w[0] = 3.0 * w[0]
    return np.sum(w ** 2) + np.sum(s)


def replaces_an_entry(d, x):
    r = np.sum(d["b"] * d["c"])  # b and c may be one array: f never writes into them
    d["w"] = d["w"] * x
    return np.sum(d["w"]) * x + r


def replaces_in_one_reads_the_other(d, e, x):
    d["w"] = d["w"] * x  # e["w"] too, when the caller passes one dict twice
    return e["w"] * x


def test_views_of_every_kind_are_found_and_containers_written_only_in_themselves_pass():
    """Views made by sliding_window_view, as_strided and np.frombuffer (whose base is
    not an array) and a dict passed twice escaped the check; an argument holding
    one array twice was refused though f wrote only into the dict itself."""
    windows = np.lib.stride_tricks.sliding_window_view
    for view in (lambda w: windows(w, 3), lambda w: np.frombuffer(w.data)):
        w = np.array([1.0, -2.0, 0.5, 0.3, 2.0])
        with pytest.raises(s2sad.UnsupportedSyntaxError, match="hold the same array"):
            s2sad.grad(scales_the_first)(w, view(w))
    d = {"w": 2.0}
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="hold the same array"):
        s2sad.grad(replaces_in_one_reads_the_other, wrt=2)(d, d, 1.5)
    c = np.array([1.0, 2.0, 3.0])
    tied = {"w": c.copy(), "b": c, "c": c}
    assert s2sad.grad(replaces_an_entry, wrt=1)(tied, 1.5) == pytest.approx(2 * 1.5 * 6.0)


# A call that carries no derivative but changes, in place, an array f read before it:
# the adjoints of those reads would see the new values. Refused, never a wrong number.
def scale_in_place(m, c):
    m *= c


def zero_first(m):
    m[0] = 0.0


def zero_first_through_a_helper(m):
    zero_first(m)


def shuffle_with(idx, rng):
    rng.shuffle(idx)


def summed(m):
    return np.sum(m)


class Scaler:
    def __init__(self):
        self.k = 4.0
        self.seen = []

    def apply(self, m):
        m *= self.k

    def clear(self, m):
        m[:] = 0.5

    def log(self, m):
        self.seen.append(m)


SCALER = Scaler()
WEIGHTS = np.array([0.3, 0.7, 1.1])


def mask_scaled_after_use(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    scale_in_place(mask, 3.0)
    return np.sum(y * mask * w)


def mask_zeroed_through_two_helpers(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    zero_first_through_a_helper(mask)
    return np.sum(y * mask * w)


def index_shuffled_by_a_helper(w):
    rng = np.random.default_rng(0)
    idx = np.arange(3)
    total = 0.0
    for epoch in range(2):
        shuffle_with(idx, rng)
        total = total + np.sum(np.sin(w[idx[:2]]))
    return total


def mask_cleared_by_a_global_objects_method(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    SCALER.clear(mask)
    return np.sum(y * mask * w)


def mask_scaled_by_a_local_objects_method(w):
    scaler = Scaler()
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    scaler.apply(mask)
    return np.sum(y * mask * w)


@pytest.mark.parametrize("f, helper", [
    (mask_scaled_after_use, "scale_in_place"),
    (mask_zeroed_through_two_helpers, "zero_first_through_a_helper"),
    (index_shuffled_by_a_helper, "shuffle_with"),
    (mask_cleared_by_a_global_objects_method, "clear"),
    (mask_scaled_by_a_local_objects_method, "apply")])
def test_a_helper_changing_an_array_read_before_is_refused(f, helper):
    with pytest.raises(s2sad.UnsupportedSyntaxError,
                       match=f"write into the argument '(m|idx)' of function '{helper}'"):
        s2sad.grad(f)(WEIGHTS.copy())


def buffer_filled_before_use(w):
    mask = np.array([1.0, 2.0, 3.0])
    scale_in_place(mask, 3.0)
    return np.sum(w * mask * w)


def reads_and_logs_the_mask(w):
    logger = Scaler()
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    logger.log(mask)
    return np.sum(y * mask * w) * summed(mask)


@pytest.mark.parametrize("f", [buffer_filled_before_use, reads_and_logs_the_mask])
def test_a_helper_that_changes_no_array_read_before_it_is_followed(f):
    assert_gradients(f, s2sad.grad(f), (WEIGHTS.copy(),), (0,))


def test_forward_mode_follows_a_constant_changed_after_use():
    _, tangent = s2sad.jvp(mask_scaled_after_use, (WEIGHTS.copy(),), (np.ones(3),))
    expected = finite_difference(mask_scaled_after_use, (WEIGHTS.copy(),), 0).sum()
    assert float(tangent) == pytest.approx(expected, rel=1e-6)


class Stack:
    """A user's class whose methods share their names with a list's and an array's."""

    def __init__(self, k):
        self.k = k

    def pop(self, x):
        return self.k * x

    def append(self, x):
        return self.k * x

    def fill(self, x):
        self.last = x


def pops_from_an_object(x, s):
    return np.sum(s.pop(x))


def appends_to_an_object(x, s):
    s.append(x)
    return np.sum(x * s.k)


def fills_an_object(x, s):
    s.fill(x)
    return np.sum(x * s.k)


def pops_from_a_list_it_is_given(x, items):
    last = items.pop()
    return np.sum(last * x) + np.sum(items[0] * x)


def test_pop_append_fill_on_a_users_object_are_refused_naming_the_line():
    """`s.pop(x)` on an object of the user's was differentiated as list.pop (unpop:
    ValueError, or AttributeError 'insert'); `s.append(x)` and `s.fill(x)` as a
    list's append and an array's fill (TypeError). Each is now checked when it
    runs; a list given for the same name still gets its derivative."""
    x = np.array([1.0, 2.0])
    for f, method, line in ((pops_from_an_object, "pop", 1),
                            (appends_to_an_object, "append", 1),
                            (fills_an_object, "fill", 1)):
        with pytest.raises(s2sad.NonDifferentiableError,
                           match=rf"\.{method}\(\.\.\.\) of .* only.*a Stack object") as info:
            s2sad.grad(f)(x, Stack(3.0))
        assert info.value.location.lineno == f.__code__.co_firstlineno + line
        assert info.value.location.filename == __file__
    items = [np.array([0.5, 0.2]), np.array([1.5, -0.3])]
    np.testing.assert_allclose(s2sad.grad(pops_from_a_list_it_is_given)(x, list(items)),
                               items[1] + items[0])


# A view the adjoint reads, of an array a loop writes into later. The loop's adjoint
# restores the array by rebinding it to the copy it saved, and the restores of the
# writes before the loop then go into that copy: a view of the first array kept the
# value a later write gave it (d/dc was 18 where 6 is right).
def row_view_then_loop(p, c):
    a = np.zeros((2, 2))
    a[0] = p
    a[0] *= c
    for t in range(1, 2):
        a[t] = a[t - 1] * 2.0
    return np.sum(a[1])


def row_view_then_while(p, c):
    a = np.zeros((3, 2))
    a[0] = p
    a[0] = a[0] * c
    t = 1
    while t < 3:
        a[t] = np.sin(a[t - 1]) * c
        t += 1
    return np.sum(a[2] ** 2)


def scaled_recursion(p, c):
    """A scaled forward pass (Rabiner's HMM): scale the first row, then fill the rest."""
    a = np.zeros((6, 2))
    a[0] = p
    a[0] *= c
    for t in range(1, 6):
        a[t] = np.tanh(a[t - 1]) * c + a[t - 1] * 0.5
    return np.sum(a[-1] ** 2) + np.sum(a[0])


def transposed_then_loop(m, c):
    a = m * 1.0
    a[0] *= c
    s = np.sum(a.T[0] * c)  # a view of a through its transpose
    for t in range(1, 3):
        a[t] = a[t - 1] * a[0]
    return s + np.sum(a[2])


VIEWED_THEN_LOOPED = [
    (row_view_then_loop, (np.array([1.0, 2.0]), 3.0)),
    (row_view_then_while, (np.array([0.5, -0.3]), 1.2)),
    (scaled_recursion, (np.array([0.4, -0.7]), 0.9)),
    (transposed_then_loop, (np.array([[0.5, 1.5], [0.2, -0.4], [1.1, 0.3]]), 1.3)),
]


@pytest.mark.parametrize("checkpoints", [None, 2])
@pytest.mark.parametrize("f, args", VIEWED_THEN_LOOPED)
def test_a_view_the_adjoint_reads_keeps_its_value_through_a_later_loop(f, args, checkpoints):
    assert_gradients(f, s2sad.grad(f, wrt=(0, 1), checkpoints=checkpoints), args, (0, 1))


def test_the_row_view_repro_gives_the_closed_form():
    p = np.array([1.0, 2.0])
    dp, dc = s2sad.grad(row_view_then_loop, wrt=(0, 1))(p, 3.0)
    assert np.allclose(dp, [6.0, 6.0]) and dc == pytest.approx(6.0)


@pytest.mark.parametrize("f, args", VIEWED_THEN_LOOPED)
def test_a_view_then_a_loop_in_forward_mode(f, args):
    df = s2sad.autodiff(f, wrt=1, mode="forward")
    expected = finite_difference(f, args, 1)
    assert df(*args, 1.0) == pytest.approx(float(expected), rel=1e-6)


def scales_a_row_then_reads_it(p, c):
    a = np.zeros((2, 2))
    a[0] = p
    a[0] = a[0] * c
    a[1] = a[0] * 2.0
    return np.sum(a[1] ** 2)


def test_the_gradient_reads_no_view_after_a_write_so_its_derivative_is_not_refused():
    """The gradient read `t = a[0]` after restoring a[0]: a view read after a write,
    which differentiating the gradient (hvp) refused."""
    p, c = np.array([1.0, 2.0]), 3.0
    assert s2sad.hvp(scales_a_row_then_reads_it, wrt=1)(p, c, 1.0) == \
        pytest.approx(8 * p @ p)
    grad_c = s2sad.grad(row_view_then_while, wrt=1)
    x = np.array([0.5, -0.3])
    expected = finite_difference(grad_c, (x, 1.2), 1)
    assert s2sad.hvp(row_view_then_while, wrt=1)(x, 1.2, 1.0) == \
        pytest.approx(float(expected), rel=1e-5)


def test_a_view_the_adjoint_reads_for_its_shape_only_stays_a_view():
    """The copy is for values the adjoint reads: `unbroadcast(g, a[t - 1] * 2.0)`
    in the loop's adjoint needs a shape, and the loop's primal sweep copies no row."""
    text = s2sad.source(s2sad.grad(row_view_then_loop, wrt=1))
    assert text.count("copy_of(a[0])") == 3  # two saves for the writes, one view
    assert "copy_of(a[t - 1])" not in text


def fill_buffer(b):
    b[:] = np.array([1.0, 2.0, 3.0])
    return b


def scaled_and_told(m, c):
    m *= c
    return 0


def buffer_filled_by_a_call_whose_result_is_unused(w):
    buf = np.zeros(3)
    unused = fill_buffer(buf)
    return np.sum(w * w * buf)


def mask_scaled_by_a_call_whose_result_is_unused(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    unused = scaled_and_told(mask, 3.0)
    return y + np.sum(w * mask)


def test_a_call_changing_its_argument_stays_when_its_result_is_unused():
    """The optimizer dropped `unused = fill_buffer(buf)`: a gradient of 0, and in
    forward mode a wrong value."""
    w = WEIGHTS.copy()
    f = buffer_filled_by_a_call_whose_result_is_unused
    assert_gradients(f, s2sad.grad(f), (w,), (0,))
    for f in (f, mask_scaled_by_a_call_whose_result_is_unused):
        value, tangent = s2sad.jvp(f, (w,), (np.ones(3),))
        assert float(value) == pytest.approx(f(w.copy()), rel=1e-12)
        assert float(tangent) == pytest.approx(finite_difference(f, (w,), 0).sum(), rel=1e-6)


def rows_swapped(A):
    A = A.copy()
    A[0], A[2] = A[2].copy(), A[0].copy()
    return np.sum(A[2] ** 2) + np.sum(A[0] * A[1])


def solved_with_partial_pivoting(A, b):
    A, b = A.copy(), b.copy()
    n = len(b)
    for k in range(n - 1):
        p = k + int(np.argmax(np.abs(A[k:, k])))
        A[k], A[p] = A[p].copy(), A[k].copy()
        b[k], b[p] = b[p], b[k]
        for i in range(k + 1, n):
            m = A[i, k] / A[k, k]
            A[i, k:] = A[i, k:] - m * A[k, k:]
            b[i] = b[i] - m * b[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - np.dot(A[i, i + 1:], x[i + 1:])) / A[i, i]
    return np.sum(x ** 2)


@pytest.mark.parametrize("f, args", [
    (rows_swapped, (np.arange(9.0).reshape(3, 3),)),
    (solved_with_partial_pivoting, (np.array([[1.0, 2.0, 0.5], [4.0, 1.0, 2.0],
                                              [2.0, 5.0, 3.0]]), np.array([1.0, -2.0, 0.5])))])
def test_forward_mode_copies_a_row_before_another_row_is_written(f, args):
    """`A[0], A[2] = A[2].copy(), A[0].copy()`: the optimizer moved `A[0].copy()` past
    the write into A[0] (jvp gave 149 for 5, and NaN in the elimination)."""
    tangents = tuple(np.ones_like(a) for a in args)
    value, tangent = s2sad.jvp(f, args, tangents)
    assert float(value) == pytest.approx(f(*args), rel=1e-12)
    expected = sum(np.sum(finite_difference(f, args, i) * t) for i, t in enumerate(tangents))
    assert float(tangent) == pytest.approx(expected, rel=1e-6)
    assert_gradients(f, s2sad.grad(f, wrt=tuple(range(len(args)))), args,
                     tuple(range(len(args))))


G_TABLE = np.array([1.0, 2.0, 3.0])


def bump_the_table():
    G_TABLE[0] += 1.0


class Buffered:
    def __init__(self):
        self.buf = np.array([1.0, 2.0, 3.0])

    def scale(self, a):
        a *= 3.0

    def double_own(self):
        self.buf *= 2.0


def mask_scaled_through_an_alias(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    alias = mask
    scale_in_place(alias, 3.0)
    return y + np.sum(w * mask)


def mask_scaled_through_a_view(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    scale_in_place(mask[1:], 3.0)
    return y + np.sum(w * mask)


def mask_scaled_by_keyword(w, obj):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    obj.scale(a=mask)
    return y + np.sum(w * mask)


def own_buffer_doubled_after_use(w, obj):
    y = np.sum(w * w * obj.buf)
    obj.double_own()
    return y + np.sum(w * obj.buf)


def global_bumped_after_use(w):
    y = np.sum(w * w * G_TABLE)
    bump_the_table()
    return y + np.sum(w * G_TABLE)


@pytest.mark.parametrize("f, more, what", [
    (mask_scaled_through_an_alias, (), "argument 'm' of function 'scale_in_place'"),
    (mask_scaled_through_a_view, (), "argument 'm' of function 'scale_in_place'"),
    (mask_scaled_by_keyword, (Buffered(),), "argument 'a' of function 'scale'"),
    (own_buffer_doubled_after_use, (Buffered(),), "argument 'self' of function 'double_own'"),
    (global_bumped_after_use, (), "'bump_the_table', which changes 'G_TABLE'")])
def test_a_change_reaching_an_array_read_before_is_refused(f, more, what):
    """Through an alias, a view, a keyword, the object's own attribute or a
    module-level array: each gave a wrong gradient."""
    with pytest.raises(s2sad.UnsupportedSyntaxError, match=what):
        s2sad.grad(f)(WEIGHTS.copy(), *more)


def adds_at_first(m):
    np.add.at(m, [0], 2.0)
    return 0


def negates_in_place(m):
    np.negative(m, m)
    return 0


def mask_changed_by_np_add_at_in_a_helper(w):
    mask = np.array([3.0, 2.0, 1.0])
    y = np.sum(w * w * mask)
    adds_at_first(mask)
    return y + np.sum(w * mask)


def mask_negated_in_a_helper(w):
    mask = np.array([3.0, 2.0, 1.0])
    y = np.sum(w * w * mask)
    negates_in_place(mask)
    return y + np.sum(w * mask)


def mask_clipped_into_itself(w):
    mask = np.array([3.0, 2.0, 1.0])
    y = np.sum(w * w * mask)
    np.clip(mask, 0.0, 2.0, mask)
    return y + np.sum(w * mask)


@pytest.mark.parametrize("f", [mask_changed_by_np_add_at_in_a_helper, mask_negated_in_a_helper])
def test_numpy_writes_by_position_in_a_helper_are_seen(f):
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="write into the argument 'm'"):
        s2sad.grad(f)(WEIGHTS.copy())


def test_a_positional_out_of_a_numpy_function_is_followed():
    """np.clip(mask, lo, hi, mask): its fourth argument is `out` (was a wrong gradient)."""
    f = mask_clipped_into_itself
    assert_gradients(f, s2sad.grad(f), (WEIGHTS.copy(),), (0,))


def mask_partitioned_after_use(w):
    mask = np.array([3.0, 1.0, 2.0])
    y = np.sum(w * w * mask)
    mask.partition(1)
    return y + np.sum(w * mask)


def mask_sorted_into_a_name_after_use(w):
    mask = np.array([3.0, 1.0, 2.0])
    y = np.sum(w * w * mask)
    nothing = mask.sort()
    return y + np.sum(w * mask)


def mask_shuffled_into_a_name_after_use(w):
    mask = np.array([3.0, 1.0, 2.0])
    y = np.sum(w * w * mask)
    nothing = np.random.default_rng(0).shuffle(mask)
    return y + np.sum(w * mask)


@pytest.mark.parametrize("f, method", [(mask_partitioned_after_use, "partition"),
                                       (mask_sorted_into_a_name_after_use, "sort"),
                                       (mask_shuffled_into_a_name_after_use, "shuffle")])
def test_an_array_method_changing_an_array_read_before_is_refused(f, method):
    with pytest.raises(s2sad.NonDifferentiableError,
                       match=rf"\.{method}\(\.\.\.\), which changes 'mask' in place"):
        s2sad.grad(f)(WEIGHTS.copy())


SCALERS = {"scale": scale_in_place}
SCALE_BY_THREE = functools.partial(scale_in_place, c=3.0)


class CalledScaler:
    def __call__(self, m, c):
        m *= c
        return 0


CALLED_SCALER = CalledScaler()


def mask_scaled_through_a_dict(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    SCALERS["scale"](mask, 3.0)
    return y + np.sum(w * mask)


def mask_scaled_through_a_partial(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    SCALE_BY_THREE(mask)
    return y + np.sum(w * mask)


def mask_scaled_through_a_parameter(w, scale):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    scale(mask, 3.0)
    return y + np.sum(w * mask)


def mask_scaled_by_a_called_object(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    CALLED_SCALER(mask, 3.0)
    return y + np.sum(w * mask)


@pytest.mark.parametrize("f, more", [(mask_scaled_through_a_dict, ()),
                                     (mask_scaled_through_a_partial, ()),
                                     (mask_scaled_through_a_parameter, (scale_in_place,)),
                                     (mask_scaled_by_a_called_object, ())])
def test_a_function_value_changing_an_array_read_before_is_refused_when_it_runs(f, more):
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="write into the argument 'm'"):
        s2sad.grad(f)(WEIGHTS.copy(), *more)


def writes_at_the_bottom(m, n):
    if n > 0:
        writes_through_the_other(m, n - 1)
    else:
        m[0] = 5.0
    return 0


def writes_through_the_other(m, n):
    return writes_at_the_bottom(m, n)


def mask_written_by_mutual_recursion(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = np.sum(w * w * mask)
    writes_through_the_other(mask, 1)
    return y + np.sum(w * mask)


def test_a_change_found_through_mutual_recursion_is_not_forgotten():
    """Analysed first from the other end of the cycle, the second helper was cached
    as changing nothing (a wrong gradient afterwards)."""
    from s2sad import outside
    assert outside.argument_changes(writes_at_the_bottom)  # the other end first
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="write into the argument 'm'"):
        s2sad.grad(mask_written_by_mutual_recursion)(WEIGHTS.copy())


def columns_shuffled(w):
    rng = np.random.default_rng(2)
    A = np.arange(6.0).reshape(2, 3)
    total = 0.0
    for step in range(2):
        total = total + np.sum(np.sin(A @ w))
        rng.shuffle(A, axis=1)
    return total


def permuted_into_itself(w):
    rng = np.random.default_rng(2)
    A = np.arange(6.0).reshape(2, 3)
    y = np.sum(np.sin(A @ w))
    rng.permuted(A, axis=1, out=A)
    return y + np.sum(A @ w)


def item_of_a_list_shuffled(w):
    rng = np.random.default_rng(2)
    idx = np.arange(3)
    held = [idx]
    total = 0.0
    for step in range(2):
        total = total + np.sum(np.sin(w[idx]) * np.arange(3.0))
        rng.shuffle(held[0])
    return total


def test_a_shuffle_along_an_axis_is_followed():
    assert_gradients(columns_shuffled, s2sad.grad(columns_shuffled), (WEIGHTS.copy(),), (0,))


@pytest.mark.parametrize("f, spelled", [(permuted_into_itself, r"rng.permuted\(...\), which "
                                                               r"changes 'A'"),
                                        (item_of_a_list_shuffled, r"changes 'held\[0\]'")])
def test_a_generator_writing_into_an_array_read_before_is_refused(f, spelled):
    with pytest.raises(s2sad.NonDifferentiableError, match=spelled):
        s2sad.grad(f)(WEIGHTS.copy())


def test_a_method_changing_its_object_is_told_to_return_the_state():
    with pytest.raises(s2sad.UnsupportedSyntaxError) as caught:
        s2sad.grad(own_buffer_doubled_after_use)(WEIGHTS.copy(), Buffered())
    assert "have the method return the new values" in caught.value.hint
    assert "self = self.copy()" not in caught.value.hint


def same_product_after_a_write_through_a_view(p):
    c = p * 1.0
    w = c.reshape(-1)
    w[0] = w[0] * 0.5
    z = p * 1.0
    z[-1] = np.tanh(z[0])
    return np.sum(z * z) + np.sum(w * p)


def test_a_value_changed_through_a_view_is_not_reused():
    """The optimizer read c for the second `p * 1.0` though a write through its view
    w had changed c (found by the random programs: a wrong value in both modes)."""
    f = same_product_after_a_write_through_a_view
    p = np.array([1.0, 0.3])
    value, gradient = s2sad.value_and_grad(f)(p)
    assert float(value) == pytest.approx(f(p.copy()), rel=1e-12)
    np.testing.assert_allclose(gradient, finite_difference(f, (p,), 0), rtol=1e-6, atol=1e-8)
    forward_value, tangent = s2sad.jvp(f, (p,), (np.ones(2),))
    assert float(forward_value) == pytest.approx(f(p.copy()), rel=1e-12)
    assert float(tangent) == pytest.approx(float(np.sum(gradient)), rel=1e-9)
