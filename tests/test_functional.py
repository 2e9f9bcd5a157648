"""JAX-style conveniences, gradient hooks and stop_gradient."""
import collections
import functools
import dataclasses
import math

import numpy as np
import pytest

import s2sad
from gradcheck import finite_difference

try:
    from scipy.special import logsumexp
except ImportError:  # the scipy extra is optional
    logsumexp = None

RNG = np.random.default_rng(2)


def loss(w, x):
    return np.sum(np.tanh(x * w) ** 2) + np.sum(w * w * w)


def vector_map(w):
    return np.sin(w) * w[0]


def test_value_and_grad():
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    value, g = s2sad.value_and_grad(loss)(w, x)
    assert value == loss(w, x)
    np.testing.assert_allclose(g, finite_difference(loss, (w, x), 0), rtol=1e-6)


def test_jvp_and_vjp_agree_on_random_vectors():
    w = RNG.normal(size=4)
    v, u = RNG.normal(size=4), RNG.normal(size=4)
    value, jv = s2sad.jvp(vector_map, (w,), (v,))
    value2, pullback = s2sad.vjp(vector_map, w)
    np.testing.assert_allclose(value, vector_map(w))
    np.testing.assert_allclose(value2, vector_map(w))
    assert np.dot(jv, u) == pytest.approx(np.dot(v, pullback(u)), rel=1e-10)


def test_jacobian_forward_and_reverse_match_finite_differences():
    w = RNG.normal(size=4)
    expected = np.stack([finite_difference(lambda w_: vector_map(w_)[i], (w,), 0)
                         for i in range(4)])
    np.testing.assert_allclose(s2sad.jacobian(vector_map)(w), expected, rtol=1e-6, atol=1e-8)
    scalar_out = s2sad.jacobian(loss)(w, RNG.normal(size=4))
    assert scalar_out.shape == (4,)


def test_hessian_and_hvp_match_differences_of_the_gradient():
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    g = s2sad.grad(loss)
    eps = 1e-6
    columns = [(g(w + eps * e, x) - g(w - eps * e, x)) / (2 * eps) for e in np.eye(3)]
    expected = np.stack(columns, -1)
    np.testing.assert_allclose(s2sad.hessian(loss)(w, x), expected, rtol=1e-5, atol=1e-7)
    v = RNG.normal(size=3)
    np.testing.assert_allclose(s2sad.hvp(loss)(w, x, v), expected @ v, rtol=1e-5, atol=1e-7)


def two_items(t):
    return t[0] ** 3 * t[1] + t[1] ** 2


def layers_of_pairs(layers, x):
    for W, b in layers:
        x = np.tanh(W @ x + b)
    return np.sum(x ** 2)


def ragged_layers(params, x):
    for W in params:
        x = np.tanh(W @ x)
    return np.sum(x)


def _directional_difference(g, params, rest, v, eps=1e-6):
    """(g(params + eps v) - g(params - eps v)) / 2 eps, item by item of nested lists."""
    def moved(p, d, sign):
        if isinstance(p, (list, tuple)):
            return type(p)(moved(pi, di, sign) for pi, di in zip(p, d))
        return p + sign * eps * d

    def difference(a, b):
        if isinstance(a, (list, tuple)):
            return [difference(ai, bi) for ai, bi in zip(a, b)]
        return (a - b) / (2 * eps)
    return difference(g(moved(params, v, 1), *rest), g(moved(params, v, -1), *rest))


@pytest.mark.parametrize("f, params, rest, v", [
    (two_items, (1.3, -0.7), (), (0.4, 1.1)),
    (two_items, [1.3, -0.7], (), [0.4, 1.1]),
    (layers_of_pairs, [(RNG.normal(size=(3, 2)), RNG.normal(size=3)),
                       (RNG.normal(size=(2, 3)), RNG.normal(size=2))], (RNG.normal(size=2),),
     [(RNG.normal(size=(3, 2)), RNG.normal(size=3)),
      (RNG.normal(size=(2, 3)), RNG.normal(size=2))]),
    (ragged_layers, [RNG.normal(size=(3, 2)), RNG.normal(size=(1, 3))], (RNG.normal(size=2),),
     [RNG.normal(size=(3, 2)), RNG.normal(size=(1, 3))]),
], ids=["tuple", "list", "pairs", "ragged"])
def test_hvp_of_list_and_tuple_parameters_read_item_by_item(f, params, rest, v):
    """A container parameter read more than once: its tangent adjoint was turned into
    an array and then into zeros (and ragged items raised)."""
    expected = _directional_difference(s2sad.grad(f), params, rest, v)
    got = s2sad.hvp(f)(params, *rest, v)
    assert type(got) is type(params) and len(got) == len(params)
    for g_item, e_item in zip(got, expected):
        if isinstance(g_item, tuple):
            for a, b in zip(g_item, e_item):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        else:
            np.testing.assert_allclose(g_item, e_item, rtol=1e-5, atol=1e-7)


def test_a_container_gradient_never_becomes_zeros_silently():
    from s2sad.runtime import structured
    assert structured(np.array([1.0, 2.0]), (0.5, 0.5)) == (1.0, 2.0)
    assert structured(0.0, [np.ones(2), 1.0])[1] == 0.0
    with pytest.raises(s2sad.S2SADError, match="internal"):
        structured(np.ones(3), (0.5, 0.5))


def norms(W, x):
    return np.linalg.norm(W @ x) + np.sum(np.linalg.norm(W, axis=1) ** 3) + \
        np.linalg.norm(W, ord=1)


def test_hessian_through_norms():
    """The partials of np.linalg.norm are differentiated again (their refusals of
    unsupported norms are calls, not `raise` statements)."""
    W, x = RNG.uniform(0.5, 1.5, size=(2, 3)), RNG.normal(size=3)
    g = s2sad.grad(norms)
    eps = 1e-6
    columns = [(g(W + eps * E, x) - g(W - eps * E, x)) / (2 * eps)
               for E in np.eye(6).reshape(6, 2, 3)]
    expected = np.stack(columns, -1).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(s2sad.hessian(norms)(W, x), expected, rtol=1e-5, atol=1e-6)


def clipped(x, w):
    h = x * w
    with s2sad.insert_grad_of(h) as g:
        g = np.clip(g, -0.5, 0.5)
    return np.sum(h * h)


def stopped(x):
    y = s2sad.stop_gradient(x * x)
    return y * x


def test_insert_grad_of_clips_the_adjoint_in_the_backward_pass():
    x, w = np.array([3.0, 0.1, -2.0]), 1.0
    gx = s2sad.grad(clipped)(x, w)
    np.testing.assert_allclose(gx, np.clip(2 * x * w, -0.5, 0.5) * w)
    assert clipped(x, w) == np.sum((x * w) ** 2)  # the plain function is unchanged


def test_stop_gradient_blocks_the_derivative():
    assert s2sad.grad(stopped)(3.0) == 9.0  # d/dx (const * x) with const = x*x


def writes_elements_in_a_loop(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] ** 3 * x[(i + 1) % 3]
    return np.sum(out ** 2)


def test_hvp_through_element_writes_in_a_loop():
    """The gradient restores `out` from its tape of copies; forward mode took a popped
    copy for one the tape still held, and refused the write into it."""
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    g, eps = s2sad.grad(writes_elements_in_a_loop), 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(writes_elements_in_a_loop)(x, v), expected,
                               rtol=1e-5, atol=1e-7)


def method_reduction(x):
    return (x ** 3).sum() + x.mean() ** 2


def test_a_dead_array_method_call_is_dropped_and_its_hvp_follows():
    """With nothing reading the output, `(x ** 3).sum()` stayed as a statement (a method
    call was taken to change its receiver), which forward mode then refused."""
    text = s2sad.source(s2sad.grad(method_reduction))
    assert ".sum()" not in text.replace("# Grad of: return (x ** 3).sum()", "")
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    g, eps = s2sad.grad(method_reduction), 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(method_reduction)(x, v), expected, rtol=1e-5,
                               atol=1e-7)


Pair = collections.namedtuple("Pair", ["a", "b"])


@dataclasses.dataclass
class Weights:
    a: np.ndarray
    b: float


def reads_fields(p):
    return np.sum(p.a ** 3) * p.b + p.b ** 2


@pytest.mark.parametrize("kind", [Pair, Weights])
def test_hvp_through_fields_of_a_named_tuple_or_dataclass(kind):
    """The adjoint of `p.a` puts g at the field: linear in g, of p's form only (its
    second derivative differentiated the helper's source, which imports)."""
    p, v = kind(RNG.normal(size=2), 0.7), kind(RNG.normal(size=2), -0.4)
    g, eps = s2sad.grad(reads_fields), 1e-6

    def moved(sign):
        return g(kind(p.a + sign * eps * v.a, p.b + sign * eps * v.b))
    plus, minus = moved(1), moved(-1)
    got = s2sad.hvp(reads_fields)(p, v)
    assert type(got) is kind
    np.testing.assert_allclose(got.a, (plus.a - minus.a) / (2 * eps), rtol=1e-5, atol=1e-7)
    assert got.b == pytest.approx((plus.b - minus.b) / (2 * eps), rel=1e-5)


def shifted_diagonal(x):
    K = np.outer(x, x)
    K[np.diag_indices_from(K)] += 1.0
    return np.sum(K ** 2)


def test_index_functions_of_an_array_carry_no_derivative():
    x, v = np.array([1.0, 2.0]), np.array([1.0, 1.0])
    # H = 4 ((|x|^2 + 1) I + 2 x x^T)
    expected = 4 * ((x @ x + 1) * v + 2 * x * (x @ v))
    np.testing.assert_allclose(s2sad.hvp(shifted_diagonal)(x, v), expected, rtol=1e-12)
    assert s2sad.autodiff(shifted_diagonal, mode="forward")(x, v) == pytest.approx(72.0)


def stacked(x):
    return np.sum(np.stack([x ** 2, np.sin(x)], axis=1) ** 2)


def joined(x):
    return np.sum(np.concatenate([x ** 3, x[:2] * x[1:3]]) ** 2) + \
        np.sum(np.vstack([x, x ** 2]) ** 3) + np.sum(np.hstack([x, x[:1]]) ** 4)


def mixture(x):
    logits = np.outer(x, np.array([1.0, -0.5, 2.0])) - x[::-1, None] ** 2
    return np.sum(logsumexp(logits, axis=1)) + logsumexp(x * x, b=np.arange(1.0, 5.0))


def log_determinants(x):
    A = np.reshape(x, (2, 2)) + 3.0 * np.eye(2)
    sign, logdet = np.linalg.slogdet(A @ A.T)
    return logdet * x[0] + np.linalg.slogdet(A).logabsdet ** 2


def contractions(x):
    A, B = np.reshape(x, (2, 2)), np.outer(x[:2], x[2:])
    return np.sum(np.einsum("ij,jk->ik", A, B) ** 2) + np.einsum("ii", A * B) ** 2


def sums_of_lists(x):
    return np.sum([x[0] * x[1], x[2] ** 3]) + sum([x[3] ** 2, x[0] * x[2]]) + \
        sum(v * v for v in x)


@pytest.mark.parametrize("f", [stacked, joined, mixture, log_determinants, contractions,
                               sums_of_lists])
def test_hvp_through_the_adjoint_helpers_of_joins_and_logsumexp(f):
    """Their adjoints' helpers are linear in the adjoint (stack, concatenate), or
    differentiable once the check of return_sign stands apart (logsumexp), or have
    a tangent rule (slogdet's, which reads a pair's adjoint by index or name;
    einsum's, linear in each operand; a sum of a list's, which spreads a zero
    tangent over the items)."""
    if f is mixture and logsumexp is None:
        pytest.skip("needs scipy")
    x, v = RNG.normal(size=4), RNG.normal(size=4)
    g, eps = s2sad.grad(f), 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2sad.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-7)


def test_reverse_over_reverse_through_a_sum_of_a_list():
    """H u from reverse mode over the gradient, with the cotangent u as its seed."""
    x, u = np.array([0.5, 0.8, -0.3, 1.1]), np.array([0.3, -1.0, 0.6, 0.2])
    g, eps = s2sad.grad(sums_of_lists), 1e-6
    expected = (g(x + eps * u) - g(x - eps * u)) / (2 * eps)
    _, pullback = s2sad.vjp(g, x)
    np.testing.assert_allclose(pullback(u), expected, rtol=1e-5, atol=1e-7)


def summed_in_a_branch(p0):
    # found by the random programs' Hessian property: the list a sum's adjoint
    # spreads into was popped with a tangent that was a number
    v0 = 0.5 - math.cos(p0)
    for i in range(1, 4):
        v0 += 0.3 * np.tanh(-np.sin(0.1 * i))
        v2 = np.sin((1.5 + np.cos(math.exp(math.sin(p0)))) ** 1.5)
    v2 *= np.cos(v0) / 3.0
    v3 = sum(v0 for j in range(1))
    if math.sin(p0) > -0.3:
        v5 = np.tanh(-0.5)
    else:
        v5 = math.sin(-1.5)
        v10 = sum(math.log(2.0 + math.cos(v0)) for j in range(1))
    return np.sin(v2) ** 3 + v3 + v5


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_hvp_pops_a_list_whose_tangent_is_zero(x):
    g, eps = s2sad.grad(summed_in_a_branch), 1e-6
    expected = (g(x + eps) - g(x - eps)) / (2 * eps)
    assert s2sad.hvp(summed_in_a_branch)(x, 1.0) == pytest.approx(expected, rel=1e-6)


def quantile_at_a_moving_level(x):
    return np.quantile(x ** 2, 0.5 / (1.0 + np.exp(-x[0]))) * x[1]


def test_a_second_derivative_of_a_quantile_in_q_is_refused_at_the_users_line():
    """The rule follows the array's tangent only: q's would move the weights."""
    x = np.array([0.3, -0.9, 1.2, 0.6, 0.1])
    with pytest.raises(s2sad.NonDifferentiableError, match="not in q") as info:
        s2sad.hvp(quantile_at_a_moving_level)(x, np.ones(5))
    assert "return np.quantile(x ** 2" in str(info.value)


def rotates_buffers_over_elements(p0, p1, p2):
    # found by the random programs' Hessian property: a write's adjoint read an item
    # of a tangent that was a number (zero)
    for e1 in p0:
        if np.sin(e1) > (e1 + e1):
            break
        if np.sin(p2[0]) > 0.5:
            p1 = np.tanh(e1 + e1)
        n4 = np.tanh(p0)
        n4[0] = n4[0] * 0.5
        p0, p2 = p2, n4
    return np.sum(p0 * p0 + p1)


def test_hvp_reads_items_of_a_zero_tangent():
    args = [np.array([0.3, -0.5, 0.2]), 0.4, np.array([0.1, 0.7, -0.2])]
    v, eps = np.array([1.0, -0.5, 2.0]), 1e-6
    g = s2sad.grad(rotates_buffers_over_elements)
    expected = (g(args[0] + eps * v, *args[1:]) - g(args[0] - eps * v, *args[1:])) / (2 * eps)
    got = s2sad.hvp(rotates_buffers_over_elements)(*args, v)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        s2sad.hvp(rotates_buffers_over_elements)(np.zeros(3), 0.0, np.zeros(3), v), 0.0)


def doubles_into_a_list(x):
    out = []
    for i in range(3):
        out.append(x[i] * 2.0)
    return out


def scales_each(items, c):
    return [item * c for item in items]


def test_a_list_seed_is_not_emptied_by_the_pullback():
    """The adjoint of a list built by append is popped item by item: it popped the
    caller's seed list itself (emptied after the first call)."""
    x = np.array([0.3, 0.5, 0.7])
    seed = [1.0, 2.0, 3.0]
    _, pullback = s2sad.vjp(doubles_into_a_list, x)
    np.testing.assert_allclose(pullback(seed), [2.0, 4.0, 6.0])
    np.testing.assert_allclose(pullback(seed), [2.0, 4.0, 6.0])
    assert seed == [1.0, 2.0, 3.0]
    arrays = [np.ones(2), 2.0 * np.ones(2)]
    _, pullback = s2sad.vjp(scales_each, [np.ones(2), np.ones(2)], 0.5, wrt=0)
    got = pullback(arrays)
    np.testing.assert_allclose(got[0], 0.5 * np.ones(2))
    np.testing.assert_allclose(got[1], np.ones(2))
    assert len(arrays) == 2


def loss_of_scaled_pair(w):
    a, b = scales_each([w, w ** 2], 0.5)
    return np.sum(a * b)


def test_hvp_through_a_helper_returning_a_list_comprehension():
    """The helper's derivative popped its seed, a write into an argument, so its
    derivative was refused as a callee of the Hessian's."""
    w = np.array([1.0, 2.0])
    v = np.array([0.5, -1.0])
    np.testing.assert_allclose(s2sad.hvp(loss_of_scaled_pair)(w, v), 1.5 * w * v)


def squared_residuals(w, X, y):
    return np.sum((X @ w - y) ** 2)


def total_of_named_losses(x):
    losses = {"fit": np.sum(x ** 2), "prior": np.sum(np.sin(x))}
    return sum(losses.values()) + np.sum(list(losses.values())) * 0.5


def test_functools_partial_of_a_loss_and_the_sum_of_a_dicts_values():
    """`grad(partial(loss, X=X, y=y))` (JAX's idiom) raised SourceUnavailableError;
    `sum(losses.values())` was refused as a method call on an object."""
    X = np.arange(6.0).reshape(3, 2)
    y = np.array([1.0, 2.0, 0.5])
    w = np.array([0.3, -0.2])
    bound = functools.partial(squared_residuals, X=X, y=y)
    np.testing.assert_allclose(s2sad.grad(bound)(w), 2 * X.T @ (X @ w - y))
    np.testing.assert_allclose(s2sad.hvp(bound)(w, np.ones(2)), 2 * X.T @ X @ np.ones(2))
    assert s2sad.autodiff(bound, mode="forward")(w, dw=np.ones(2)) == \
        pytest.approx(np.sum(2 * X.T @ (X @ w - y)))
    first_bound = functools.partial(squared_residuals, w)
    np.testing.assert_allclose(s2sad.grad(first_bound, wrt=0)(X, y),
                               2 * np.outer(X @ w - y, w))
    x = np.array([0.5, -0.3])
    np.testing.assert_allclose(s2sad.grad(total_of_named_losses)(x), 1.5 * (2 * x + np.cos(x)))
