"""Binomial checkpointing (`checkpoints=K`): the schedule, and gradients through
checkpointed loops equal to those of the plain tape and to finite differences."""
import functools
import tracemalloc

import numpy as np
import pytest

import s2sad
from s2sad.checkpointing import Schedule, least_recomputation
from gradcheck import assert_gradients, finite_difference


# ------------------------------------------------------------------ the schedule

@functools.lru_cache(maxsize=None)
def fewest_plain_steps(steps: int, snapshots: int) -> int:
    """The optimum by exhaustive search: advance m steps, snapshot, reverse the
    rest with one snapshot less, then the first m with all of them."""
    if steps <= 1:
        return 0
    if snapshots == 1:
        return steps * (steps - 1) // 2
    return min(m + fewest_plain_steps(steps - m, snapshots - 1) + fewest_plain_steps(m, snapshots)
               for m in range(1, steps))


def run_schedule(steps: int, slots: int, online: bool) -> Schedule:
    """Drive a Schedule as generated code does, with the step number as the state:
    every reversed step must find the state it starts from."""
    schedule = Schedule(slots, None if online else steps)
    tape = []
    state = 0
    for _ in range(steps):
        if schedule.due():
            tape.append(state)
        state += 1
    for step in reversed(range(steps)):
        state = tape.pop()
        for k in schedule.advance():
            assert k == state
            if schedule.due():
                tape.append(state)
            state += 1
        assert state == step
        assert len(tape) <= slots
    assert tape == []
    return schedule


@pytest.mark.parametrize("slots", [1, 2, 3, 5])
def test_schedule_reverses_every_step_from_at_most_k_snapshots(slots):
    for steps in range(0, 40):
        for online in (False, True):
            schedule = run_schedule(steps, slots, online)
            assert schedule.peak <= slots


def test_offline_schedule_is_within_revolves_optimum():
    for slots in range(1, 6):
        for steps in range(1, 45):
            optimum = fewest_plain_steps(steps, slots)
            assert least_recomputation(steps, slots) == optimum
            offline = run_schedule(steps, slots, online=False).plain_steps
            # the primal loop runs every step once; the reversal adds at most the optimum
            assert offline <= steps + optimum, (steps, slots)
            online = run_schedule(steps, slots, online=True).plain_steps
            assert online <= 2 * steps + optimum, (steps, slots)


def test_recomputation_of_the_issue_target():
    # 2000 steps, 20 snapshots: revolve runs each step at most 4 times
    assert run_schedule(2000, 20, online=False).plain_steps <= 2000 + 4 * 2000
    assert run_schedule(2000, 20, online=False).peak <= 20


# ------------------------------------------------------------------ gradients

def scalar_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * x * i
        x = np.sin(x) + 0.1 * x
    return np.sum(s)


def heat(u, n):
    for i in range(n):
        u = u + 0.2 * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) - 0.01 * u ** 3
    return np.sum(u * u)


def halve(x):
    while x > 1.0:
        x = x / 2.0 + 0.1 * np.sin(x)
    return 3.0 * x


def stop_early(x, limit):
    s = 0.0
    for i in range(40):
        if s > limit:
            break
        s = s + np.cos(x * i) + x
    return s


def nested(x, n):
    for i in range(n):
        while x > 1.0:
            x = x / 2.0
        for j in range(3):
            x = x * 1.1 + np.sin(x * j)
    return x


def inner_loop(x):
    for k in range(7):
        x = np.tanh(x) * 1.3 + 0.01 * k
    return x


def calls_helper_with_loop(x, n):
    total = 0.0
    for i in range(n):
        x = inner_loop(x)
        total = total + np.sum(x)
    return total


def first_bound_in_body(x, n):
    for i in range(n):
        y = np.sin(x) * 2.0
        x = y + x
    return np.sum(y)


def writes_in_place(x, n):
    v = x + 0.0
    for i in range(n):
        v[i % 3] = v[i % 3] * np.cos(v[(i + 1) % 3])
    return np.sum(v * v)


def noisy(w, n, rs):
    total = 0.0
    for i in range(n):
        total = total + np.sum(np.sin(w * rs.randn(3)))
        w = w * 0.9
    return total


def over_list(x, ws):
    for w in ws:
        x = np.tanh(x * w)
    return x


CASES = [
    (scalar_loop, (0.7, 23), (0,)),
    (scalar_loop, (np.array([0.3, -1.2]), 9), (0,)),
    (heat, (np.linspace(0.0, 1.0, 12), 31), (0,)),
    (halve, (100.0,), (0,)),
    (halve, (np.array(3e4),), (0,)),
    (stop_early, (0.3, 5.0), (0,)),
    (nested, (5.0, 6), (0,)),
    (calls_helper_with_loop, (np.array([0.2, 0.5]), 5), (0,)),
    (first_bound_in_body, (np.array([0.2, 0.5, 1.0]), 11), (0,)),
    (writes_in_place, (np.array([0.2, 0.5, 1.0]), 17), (0,)),
    (over_list, (0.4, [1.0, 2.0, 0.5]), (0,)),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("k", [1, 3, 10])
def test_checkpointed_gradient_equals_the_plain_tape(f, args, wrt, k):
    plain = s2sad.grad(f, wrt=wrt)(*args)
    checkpointed = s2sad.grad(f, wrt=wrt, checkpoints=k)
    np.testing.assert_allclose(checkpointed(*args), plain, rtol=1e-12, atol=1e-12)
    assert_gradients(f, checkpointed, args, wrt)


def test_random_draws_are_replayed_from_the_snapshots():
    def value(w):
        return noisy(w, 12, np.random.RandomState(3))

    w = np.array([0.4, -0.2, 1.0])
    got = s2sad.grad(noisy, checkpoints=3)(w, 12, np.random.RandomState(3))
    plain = s2sad.grad(noisy)(w, 12, np.random.RandomState(3))
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, finite_difference(value, (w,), 0), rtol=1e-6)


def test_the_generated_code_shows_the_schedule():
    text = s2sad.source(s2sad.grad(scalar_loop, checkpoints=4))
    assert "schedule = Schedule(4, len(range(n)))" in text
    assert "for i2 in schedule.advance(range(n)):" in text
    assert "Schedule(" not in s2sad.source(s2sad.grad(scalar_loop))
    while_text = s2sad.source(s2sad.grad(halve, checkpoints=4))
    assert "schedule = Schedule(4)\n    while x > 1.0:" in while_text


def test_checkpoints_are_part_of_the_cache_key():
    assert s2sad.grad(scalar_loop) is s2sad.grad(scalar_loop)
    assert s2sad.grad(scalar_loop, checkpoints=4) is not s2sad.grad(scalar_loop)
    assert s2sad.grad(scalar_loop, checkpoints=4) is not s2sad.grad(scalar_loop, checkpoints=5)


def test_helpers_get_the_same_k():
    df = s2sad.grad(calls_helper_with_loop, checkpoints=2)
    df(np.array([0.2]), 3)
    made = [vjp for key, vjp in s2sad.api._cache[inner_loop].items() if key[-1] == 2]
    assert len(made) == 1
    assert "Schedule(2, len(range(7)))" in s2sad.source(made[0])


def test_value_and_grad_vjp_and_autodiff_take_checkpoints():
    x = np.array([0.3, 0.8])
    value, gradient = s2sad.value_and_grad(scalar_loop, checkpoints=3)(x, 8)
    assert value == pytest.approx(scalar_loop(x, 8), rel=1e-12)
    np.testing.assert_allclose(gradient, s2sad.grad(scalar_loop)(x, 8), rtol=1e-12)
    seed = np.array([1.0, -2.0])
    _, pullback = s2sad.vjp(lambda_free_map, x, 9, wrt=0, checkpoints=2)
    expected = s2sad.autodiff(lambda_free_map)(x, 9, seed)
    np.testing.assert_allclose(pullback(seed), expected, rtol=1e-12)
    np.testing.assert_allclose(
        s2sad.autodiff(lambda_free_map, checkpoints=2)(x, 9, seed), expected, rtol=1e-12)


def lambda_free_map(x, n):
    for i in range(n):
        x = np.sin(x) * 1.2
    return x


def test_second_derivative_through_a_checkpointed_loop():
    x, v = np.array([0.3, -0.4]), np.array([1.0, 0.5])
    product = s2sad.hvp(scalar_loop, checkpoints=3)(x, 9, v)
    plain = s2sad.hvp(scalar_loop)(x, 9, v)
    np.testing.assert_allclose(product, plain, rtol=1e-12, atol=1e-12)
    gradient = s2sad.grad(scalar_loop)
    expected = finite_difference(lambda t: np.dot(gradient(t, 9), v), (x,), 0)
    np.testing.assert_allclose(product, expected, rtol=1e-6)
    hessian = s2sad.hessian(halve, checkpoints=2)(np.array(50.0))
    expected = finite_difference(s2sad.grad(halve), (50.0,), 0)
    np.testing.assert_allclose(hessian, expected, rtol=1e-6)


def test_reverse_mode_over_a_checkpointed_derivative_is_refused():
    df = s2sad.grad(scalar_loop, checkpoints=3)
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="checkpoints=") as error:
        s2sad.grad(df)(0.3, 4)
    assert "forward mode" in error.value.hint


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_checkpoints_must_be_a_positive_int(k):
    with pytest.raises(s2sad.S2SADError, match="checkpoints must be a positive int"):
        s2sad.grad(scalar_loop, checkpoints=k)


# ------------------------------------------------------------------ memory

def diffusion(u, n):
    for i in range(n):
        u = u + 0.2 * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) - 0.01 * u * u * u
    return np.sum(u)


def peak_bytes(df, *args) -> int:
    tracemalloc.start()
    try:
        df(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_holds_k_snapshots_however_long_the_loop():
    cells, k = 20_000, 5
    state = cells * 8
    u = np.linspace(0.0, 1.0, cells)
    checkpointed = s2sad.grad(diffusion, checkpoints=k)
    plain = s2sad.grad(diffusion)
    checkpointed(u, 3)  # generated before measuring
    plain(u, 3)
    one_step = peak_bytes(checkpointed, u, 1)  # a step's adjoint and its temporaries
    short, long = peak_bytes(checkpointed, u, 100), peak_bytes(checkpointed, u, 400)
    # K snapshots on top of one step's needs, never a state per step
    assert long <= one_step + (k + 2) * state, (one_step / state, long / state)
    assert long <= short + 2 * state, (short / state, long / state)
    assert peak_bytes(plain, u, 400) >= 350 * state  # what the plain tape holds
    np.testing.assert_allclose(checkpointed(u, 40), plain(u, 40), rtol=1e-12)
