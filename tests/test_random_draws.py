"""Random draws whose distribution's parameters carry derivatives: the pathwise
derivative (y = loc + scale * z, z drawn apart), checked against finite
differences that draw the same numbers (each function seeds its generator), in
both modes, for np.random's functions and the methods of RandomState and
Generator. Families without a rule are refused at their line, not given a zero."""
import numpy as np
import pytest

import s2sad
from gradcheck import assert_gradients, finite_difference
from s2sad.registry import ADJOINTS


def module_normal(mu, sigma):
    np.random.seed(1)
    return np.mean(np.random.normal(mu, sigma, size=200) ** 2)


def module_uniform_and_exponential(low, scale):
    np.random.seed(2)
    u = np.random.uniform(low, 2.0, size=50)
    e = np.random.exponential(scale, size=50)
    return np.sum(u * e)


def generator_location_scale(mu, sigma):
    rng = np.random.default_rng(3)
    x = rng.normal(mu, sigma, size=100)
    y = rng.laplace(mu, sigma, size=100)
    z = rng.lognormal(mu, 0.5 * sigma, size=100)
    return np.mean(np.tanh(x) * y) + np.mean(np.sqrt(z))


def random_state_in_a_loop(mu, sigma):
    rs = np.random.RandomState(4)
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(rs.normal(mu * i, sigma, size=10)))
    return s


def vector_parameters(mu, sigma):
    rng = np.random.default_rng(5)
    return np.sum(rng.normal(mu, sigma) ** 3)


def seeded_in_each_iteration(mu, sigma):
    total = 0.0  # common random numbers: each arm sees the same noise
    for arm in range(2):
        np.random.seed(0)
        z = np.random.randn(5) * sigma + np.random.sample(5)
        total = total + (arm + 1) * np.mean((mu * arm + z) ** 2)
    return total


CASES = [
    (module_normal, (0.4, 1.5)),
    (seeded_in_each_iteration, (0.3, 0.8)),  # the loop's rerun skipped np.random.seed
    (module_uniform_and_exponential, (0.3, 0.7)),
    (generator_location_scale, (0.2, 0.9)),
    (random_state_in_a_loop, (0.1, 1.2)),
    (vector_parameters, (np.array([0.1, -0.2, 0.3]), np.array([1.0, 0.5, 2.0]))),
]


@pytest.mark.parametrize("f, args", CASES)
def test_pathwise_gradient_matches_finite_differences_of_the_same_draws(f, args):
    assert_gradients(f, s2sad.grad(f, wrt=(0, 1)), args, (0, 1))


@pytest.mark.parametrize("f, args", CASES)
def test_pathwise_tangent_matches_finite_differences_of_the_same_draws(f, args):
    directions = tuple(np.ones_like(a) * v for a, v in zip(args, (0.7, -0.4)))
    tangent = s2sad.autodiff(f, wrt=(0, 1), mode="forward")(*args, *directions)
    expected = sum(np.sum(finite_difference(f, args, i) * directions[i]) for i in (0, 1))
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)


def draws_from_a_passed_generator(mu, rng):
    return np.sum(rng.normal(mu, 2.0, size=5) ** 2)


def test_a_passed_generator_ends_where_f_leaves_it():
    """The VJP draws again from the restored state, then the state f left is back."""
    after_f = np.random.default_rng(6)
    draws_from_a_passed_generator(0.5, after_f)
    rng = np.random.default_rng(6)
    gradient = s2sad.grad(draws_from_a_passed_generator)(0.5, rng)
    assert rng.bit_generator.state == after_f.bit_generator.state
    x = np.random.default_rng(6).normal(0.5, 2.0, size=5)
    assert gradient == pytest.approx(np.sum(2 * x), rel=1e-12)


MODULE_RS = np.random.RandomState(0)
MODULE_RNG = np.random.default_rng(0)


class Noisy:
    def __init__(self, rs):
        self.rs = rs

    def scaled(self, w):
        return w * self.rs.randn(2)


MODULE_NOISY = Noisy(np.random.RandomState(0))


def module_random_state_in_a_loop(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * MODULE_RS.randn(2))
    return total


def module_generator_in_a_loop(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * MODULE_RNG.normal(size=2))
    return total


def module_object_drawing_in_a_loop(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(MODULE_NOISY.scaled(w))
    return total


class Model:
    def __init__(self):
        self.rng = np.random.RandomState(1)


MODEL = Model()
ALIAS_RS = np.random.RandomState(2)
randn_alias = ALIAS_RS.randn  # a bound method under a name of its own


class Sampler:
    def __init__(self):
        self.rng = np.random.RandomState(3)

    def __call__(self, n):
        return self.rng.randn(n)


SAMPLER = Sampler()
DEFAULT_RS = np.random.RandomState(4)
AUGMENT_RS = np.random.RandomState(5)


class Augment:
    def apply(self, w):
        return w * AUGMENT_RS.randn(2)


AUGMENT = Augment()


def draws_with_a_default(n, rng=DEFAULT_RS):
    return rng.randn(n)


def through_an_attribute(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * MODEL.rng.randn(2))
    return total


def through_a_bound_method(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * randn_alias(2))
    return total


def through_a_callable_object(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * SAMPLER(2))
    return total


def through_a_default_argument(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(w * draws_with_a_default(2))
    return total


def through_a_method_drawing_from_its_module(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(AUGMENT.apply(w))
    return total


def forward_of(layer, w):
    return layer.scaled(w)


def through_a_helper_calling_a_method(w):
    total = 0.0
    for i in range(2):
        total = total + np.sum(forward_of(MODULE_NOISY, w))
    return total


def closure_generator():
    rs = np.random.RandomState(0)

    def f(w):
        total = 0.0
        for i in range(2):
            total = total + np.sum(w * rs.randn(2))
        return total
    return f, rs


@pytest.mark.parametrize("f, generator", [
    (module_random_state_in_a_loop, MODULE_RS), (module_generator_in_a_loop, MODULE_RNG),
    (module_object_drawing_in_a_loop, MODULE_NOISY.rs), closure_generator(),
    (through_an_attribute, MODEL.rng), (through_a_bound_method, ALIAS_RS),
    (through_a_callable_object, SAMPLER.rng), (through_a_default_argument, DEFAULT_RS),
    (through_a_method_drawing_from_its_module, AUGMENT_RS),
    (through_a_helper_calling_a_method, MODULE_NOISY.rs)])
def test_a_loop_drawing_from_a_generator_f_does_not_hold(f, generator):
    """A module's or closure's generator: the loop's rerun in the reverse sweep drew new
    numbers from it (the tape kept only the global generators' state)."""
    def state():
        if hasattr(generator, "bit_generator"):
            return generator.bit_generator.state
        name, keys, position, has_gauss, gauss = generator.get_state()
        return name, keys.tolist(), position, has_gauss, gauss

    def draw_twice():
        draw = (lambda: generator.normal(size=2)) if hasattr(generator, "bit_generator") \
            else (lambda: generator.randn(2))
        return draw() + draw()

    start = state()
    expected = draw_twice()  # f's gradient: the two draws' sum
    after_f = state()
    if hasattr(generator, "bit_generator"):
        generator.bit_generator.state = start
    else:
        generator.set_state((start[0], np.array(start[1], dtype=np.uint32), *start[2:]))
    gradient = s2sad.grad(f)(np.array([0.5, -1.0]))
    np.testing.assert_allclose(gradient, expected, rtol=1e-12)
    assert state() == after_f  # the generator ends where f leaves it


def gamma_shape(k):
    rng = np.random.default_rng(7)
    return np.sum(rng.gamma(k, 1.0, size=3))


def choice_of_parameters(w):
    rng = np.random.default_rng(8)
    return np.sum(rng.choice(w, size=2))


def module_permutation(w):
    np.random.seed(9)
    return np.sum(np.random.permutation(w) * np.arange(3.0))


@pytest.mark.parametrize("f, arg", [(gamma_shape, 2.0), (choice_of_parameters, np.ones(3)),
                                    (module_permutation, np.ones(3))])
def test_draws_without_a_rule_are_refused_not_zero(f, arg):
    with pytest.raises(s2sad.NonDifferentiableError) as info:
        s2sad.grad(f)(arg)
    assert "test_random_draws.py" in str(info.value)


TWO_PARAMETERS = ["normal", "laplace", "logistic", "gumbel", "uniform", "lognormal"]
GENERATORS = {"RandomState": np.random.RandomState, "Generator": np.random.default_rng}


def family(name, make):
    """f(a, b) summing a function of draws of family `name` from a generator that
    `make(11)` makes in f; f(a) for the one-parameter exponential."""
    if name == "exponential":
        def f(a):
            rng = make(11)
            return np.sum(np.tanh(rng.exponential(a, size=4)))
        return f

    def f(a, b):
        rng = make(11)
        return np.sum(np.tanh(getattr(rng, name)(a, a + b, size=4)))
    return f


TABLE = [(name, kind) for name in TWO_PARAMETERS + ["exponential"] for kind in GENERATORS]


@pytest.mark.parametrize("name, kind", TABLE)
def test_every_family_of_both_generators(name, kind):
    f = family(name, GENERATORS[kind])
    args = (0.4,) if name == "exponential" else (0.3, 0.8)
    wrt = tuple(range(len(args)))
    assert_gradients(f, s2sad.grad(f, wrt=wrt), args, wrt)
    directions = (0.7, -0.4)[:len(args)]
    tangent = s2sad.autodiff(f, wrt=wrt, mode="forward")(*args, *directions)
    expected = sum(finite_difference(f, args, i) * directions[i] for i in wrt)
    assert tangent == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_the_table_covers_every_rule():
    registered = {key for key, template in ADJOINTS.items()
                  if template.func.__module__ == "s2sad.rules.random_draws"}
    covered = {getattr(kind, name) for name, kind_name in TABLE
               for kind in (np.random.RandomState, np.random.Generator)
               if kind.__name__ == kind_name}
    assert registered == covered


FUNCTIONAL_RS = np.random.RandomState(12)


def noisy_sines(w):
    return np.sum(np.sin(w) * FUNCTIONAL_RS.randn(3))


def noisy_vector(w):
    return np.sin(w) * FUNCTIONAL_RS.randn(3)


def test_vjp_jacobian_and_hessian_see_the_draws_of_one_call():
    """They run f's derivatives several times: each run draws what one call of f
    draws (old main: the pullback and each column drew new numbers)."""
    w = np.array([0.3, -0.5, 0.8])
    FUNCTIONAL_RS.seed(0)
    noise = FUNCTIONAL_RS.randn(3)
    after_f = FUNCTIONAL_RS.randn()

    def starts_at_0(run):
        FUNCTIONAL_RS.seed(0)
        value = run()
        assert FUNCTIONAL_RS.randn() == after_f  # the generator ends where f leaves it
        return value

    value, pullback = starts_at_0(lambda: s2sad.vjp(noisy_sines, w))
    assert value == pytest.approx(np.sum(np.sin(w) * noise), rel=1e-12)
    for _ in range(2):
        gradient = starts_at_0(lambda: pullback(1.0))
        np.testing.assert_allclose(gradient, np.cos(w) * noise, rtol=1e-12)
    hessian = starts_at_0(lambda: s2sad.hessian(noisy_sines)(w))
    np.testing.assert_allclose(hessian, np.diag(-np.sin(w) * noise), rtol=1e-12, atol=1e-15)
    jacobian = starts_at_0(lambda: s2sad.jacobian(noisy_vector)(w))
    np.testing.assert_allclose(jacobian, np.diag(np.cos(w) * noise), rtol=1e-12, atol=1e-15)


# rng.shuffle(idx) changes idx in place; minibatches taken as views of idx before
# the next shuffle must be read, in the reverse sweep, as they were.
X_SHUFFLED = np.random.default_rng(11).normal(size=(8, 3))
Y_SHUFFLED = X_SHUFFLED @ np.array([1.0, -2.0, 0.5])
GLOBAL_STATE = np.random.RandomState(4)


def minibatch_epochs(w):
    rng = np.random.default_rng(0)
    idx = np.arange(8)
    total = 0.0
    for epoch in range(2):
        rng.shuffle(idx)
        for b in range(2):
            batch = idx[b * 4:(b + 1) * 4]
            r = X_SHUFFLED[batch] @ w - Y_SHUFFLED[batch]
            total = total + np.sum(r * r) * (epoch + 1) * (b + 1)
    return total


def shuffles_until_large(w):
    rng = np.random.default_rng(0)
    idx = np.arange(8)
    total = 0.0
    while total < 50.0:
        rng.shuffle(idx)
        r = X_SHUFFLED[idx[:4]] @ w - Y_SHUFFLED[idx[:4]]
        total = total + np.sum(r * r) + 1.0
    return total


def shuffles_with_numpys_global_generator(w):
    np.random.seed(2)
    idx = np.arange(8)
    total = 0.0
    for epoch in range(3):
        np.random.shuffle(idx)
        total = total + np.sum(np.sin(X_SHUFFLED[idx[:3]] @ w))
    return total


def shuffles_a_throwaway_generator(w):
    mask = np.array([1.0, 2.0, 3.0])
    y = w * mask
    np.random.default_rng(0).shuffle(mask)
    return np.sum(y * w * mask)


@pytest.mark.parametrize("f", [minibatch_epochs, shuffles_until_large,
                               shuffles_with_numpys_global_generator,
                               shuffles_a_throwaway_generator])
@pytest.mark.parametrize("checkpoints", [None, 2])
def test_a_shuffled_index_array_is_read_as_it_was_when_used(f, checkpoints):
    assert_gradients(f, s2sad.grad(f, checkpoints=checkpoints), (np.array([0.1, 0.2, 0.3]),),
                     (0,))


def test_shuffling_a_list_is_refused_at_its_line():
    def picks(w):
        order = [0, 1, 2]
        np.random.default_rng(0).shuffle(order)
        return w[order[0]] * 2.0
    with pytest.raises(s2sad.NonDifferentiableError, match=r"shuffle\(a\) of NumPy's random "
                       r"generators on an array.*a list(.|\n)*test_random_draws.py"):
        s2sad.grad(picks)(np.array([0.1, 0.2, 0.3]))


def shuffles_a_differentiable_array(w):
    rng = np.random.default_rng(0)
    c = w * 2.0
    rng.shuffle(c)
    return np.sum(c * np.arange(3.0))


def permutes_a_differentiable_array(w):
    rng = np.random.default_rng(0)
    return np.sum(rng.permutation(w * 2.0) * np.arange(3.0))


@pytest.mark.parametrize("f", [shuffles_a_differentiable_array, permutes_a_differentiable_array])
def test_permuting_an_array_with_derivatives_says_to_permute_positions(f):
    with pytest.raises(s2sad.NonDifferentiableError) as caught:
        s2sad.grad(f)(np.array([0.1, 0.2, 0.3]))
    assert "w = w[order]" in caught.value.hint
