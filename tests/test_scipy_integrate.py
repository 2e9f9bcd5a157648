"""scipy.integrate.odeint and solve_ivp with a right-hand side written in Python:
reverse mode by the adjoint method, forward mode by the sensitivity equations,
in y0, the parameters (`args`) and the times. Checked against central
differences (a step of 1e-4: the solver's adaptivity makes smaller steps noisy)
and, for linear decay, against the closed form."""
import numpy as np
import pytest

integrate = pytest.importorskip("scipy.integrate")

import s2sad  # noqa: E402
from scipy.integrate import odeint, solve_ivp  # noqa: E402



def central_difference(f, args, i, direction, eps=1e-4):
    plus = [a + eps * direction if j == i else a for j, a in enumerate(args)]
    minus = [a - eps * direction if j == i else a for j, a in enumerate(args)]
    return (f(*plus) - f(*minus)) / (2 * eps)


def check_both_modes(f, args, rtol=2e-6, atol=1e-8):
    """Reverse mode in every input, entry by entry, and forward mode along a random
    direction of each input, against central differences."""
    wrt = tuple(range(len(args)))
    gradients = s2sad.grad(f, wrt=wrt)(*args)
    rng = np.random.default_rng(0)
    for i, (arg, gradient) in enumerate(zip(args, gradients)):
        basis = np.eye(np.size(arg)).reshape((np.size(arg),) + np.shape(arg)) \
            if np.ndim(arg) else [1.0]
        expected = np.reshape([central_difference(f, args, i, e) for e in basis],
                              np.shape(arg))
        np.testing.assert_allclose(gradient, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient in input {i}")
        direction = rng.normal(size=np.shape(arg)) if np.ndim(arg) else 0.7
        tangent = s2sad.autodiff(f, wrt=(i,), mode="forward")(*args, direction)
        np.testing.assert_allclose(tangent, central_difference(f, args, i, direction),
                                   rtol=rtol, atol=atol, err_msg=f"tangent along input {i}")


# ---------------------------------------------------------------- odeint

def lotka_volterra(y, t, alpha, beta, delta, gamma):
    prey, predator = y[0], y[1]
    return np.array([alpha * prey - beta * prey * predator,
                     delta * prey * predator - gamma * predator])


def predator_prey_loss(y0, alpha, beta, horizon):
    t = np.linspace(0.0, horizon, 6)
    ys = odeint(lotka_volterra, y0, t, args=(alpha, beta, 0.3, 0.8), rtol=1e-11, atol=1e-11)
    observed = np.array([1.0, 0.6])
    return np.sum((ys[1:] - observed) ** 2)


def test_odeint_lotka_volterra_in_y0_parameters_and_time():
    check_both_modes(predator_prey_loss, (np.array([1.2, 0.5]), 0.9, 0.4, 2.0))


def forced(t, y, k, w):
    return -k * y + np.sin(w * t) * y[::-1]


def time_first_loss(y0, k, t):
    ys = odeint(forced, y0, t, args=(k, 2.0), tfirst=True, rtol=1e-11, atol=1e-11)
    return np.sum(ys * ys[:, ::-1]) + np.sum(ys[-1])


def test_odeint_time_first_array_parameter_and_every_time():
    check_both_modes(time_first_loss, (np.array([0.4, -0.3, 0.8]), np.array([0.5, 1.0, 1.5]),
                                       np.array([0.1, 0.4, 0.5, 1.1])))


def decay(y, t, k):
    return -k * y


def decay_sum(y0, k, t_end):
    t = np.array([0.0, 0.5, t_end])
    return np.sum(odeint(decay, y0, t, args=(k,), rtol=1e-11, atol=1e-11))


def test_odeint_matches_the_closed_form():
    """y(t) = y0 exp(-k t): sum over t in (0, 0.5, T)."""
    y0, k, t_end = 1.5, 0.8, 2.0
    times = np.array([0.0, 0.5, t_end])
    expected = (np.sum(np.exp(-k * times)),
                np.sum(-times * y0 * np.exp(-k * times)),
                -k * y0 * np.exp(-k * t_end))
    got = s2sad.grad(decay_sum, wrt=(0, 1, 2))(y0, k, t_end)
    np.testing.assert_allclose(got, expected, rtol=1e-8)
    tangent = s2sad.autodiff(decay_sum, wrt=(1,), mode="forward")(y0, k, t_end, 1.0)
    np.testing.assert_allclose(tangent, expected[1], rtol=1e-8)


def test_the_derivative_calls_one_adjoint_solve():
    source = s2sad.source(s2sad.grad(predator_prey_loss, wrt=(0, 1)))
    assert source.count("odeint_adjoints(") == 1


# ---------------------------------------------------------------- solve_ivp

def pendulum(t, y, damping, length):
    return np.array([y[1], -damping * y[1] - 9.81 / length * np.sin(y[0])])


def pendulum_loss(y0, damping, length, t_eval):
    solution = solve_ivp(pendulum, (0.0, 2.0), y0, t_eval=t_eval, args=(damping, length),
                         rtol=1e-11, atol=1e-11)
    return np.sum(solution.y[0] ** 2) + np.sum(solution.y[1])


def test_solve_ivp_in_y0_parameters_and_output_times():
    check_both_modes(pendulum_loss, (np.array([0.6, -0.2]), 0.3, 1.5,
                                     np.array([0.3, 0.9, 1.7])))


def ivp_decay(y0, k, t0):
    solution = solve_ivp(decay_first, (t0, 3.0), y0, method="DOP853", t_eval=[1.0, 2.5],
                         args=(k,), rtol=1e-12, atol=1e-12)
    return np.sum(solution.y)


def decay_first(t, y, k):
    return -k * y


def test_solve_ivp_in_its_start_time_matches_the_closed_form():
    """y(t) = y0 exp(-k (t - t0)) at t = 1.0, 2.5."""
    y0, k, t0 = np.array([1.5]), 0.8, 0.2
    times = np.array([1.0, 2.5])
    values = y0[0] * np.exp(-k * (times - t0))
    expected = (np.array([np.sum(values) / y0[0]]), np.sum(-(times - t0) * values),
                np.sum(k * values))
    got = s2sad.grad(ivp_decay, wrt=(0, 1, 2))(y0, k, t0)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-7)
    tangent = s2sad.autodiff(ivp_decay, wrt=(2,), mode="forward")(y0, k, t0, 1.0)
    np.testing.assert_allclose(tangent, expected[2], rtol=1e-7)


# ---------------------------------------------------------------- what is refused

def with_full_output(y0):
    ys, info = odeint(decay, y0, [0.0, 1.0], args=(0.5,), full_output=True)
    return np.sum(ys)


def with_dense_output(y0):
    solution = solve_ivp(decay_first, (0.0, 1.0), y0, args=(0.5,), dense_output=True)
    return np.sum(solution.y)


def with_a_lambda(y0, k):
    ys = odeint(lambda y, t: -k * y, y0, [0.0, 1.0])
    return np.sum(ys)


def test_full_output_and_dense_output_are_refused():
    with pytest.raises(s2sad.NonDifferentiableError, match="without full_output") as caught:
        s2sad.grad(with_full_output)(np.array([1.0]))
    assert caught.value.location.lineno == with_full_output.__code__.co_firstlineno + 1
    with pytest.raises(s2sad.NonDifferentiableError, match="without dense_output"):
        s2sad.grad(with_dense_output)(np.array([1.0]))


def test_a_lambda_right_hand_side_is_refused_at_its_line():
    with pytest.raises(s2sad.UnsupportedSyntaxError, match="lambda") as caught:
        s2sad.grad(with_a_lambda)(np.array([1.0]), 0.5)
    assert "def at module level" in caught.value.hint
    assert caught.value.location.lineno == with_a_lambda.__code__.co_firstlineno + 1


def cubic_flow(y, t, A):
    return np.dot(y ** 3, A)


def cubic_flow_first(t, y, A):
    return np.dot(y ** 3, A)


FLOW = np.array([[-0.05, 1.0], [-1.0, -0.05]])


def squared_odeint(y0, A):
    return np.sum(odeint(cubic_flow, y0, np.linspace(0.0, 0.5, 4), args=(A,), rtol=1e-10,
                         atol=1e-10) ** 2)


def squared_solve_ivp(y0, A):
    solution = solve_ivp(cubic_flow_first, (0.0, 0.5), y0, t_eval=[0.25, 0.5], args=(A,),
                         rtol=1e-10, atol=1e-10)
    return np.sum(solution.y ** 2)


def layered_flow(y, t, params):
    for W, b in params:
        y = np.tanh(np.dot(y, W) + b)
    return y


def list_in_args(y0, params):
    return np.sum(odeint(layered_flow, y0, np.linspace(0.0, 0.5, 3), (params,), rtol=1e-8))


@pytest.mark.parametrize("f, solver", [(squared_odeint, "odeint"),
                                       (squared_solve_ivp, "solve_ivp")])
def test_a_second_derivative_of_an_ode_solution_is_refused_at_the_users_line(f, solver):
    """hvp (forward over reverse) and reverse over forward mode differentiate the
    adjoint or sensitivity sweep; the refusal named s2sad's helper
    (odeint_adjoints) and said to take the derivative in the other mode."""
    y0 = np.array([1.0, 0.0])
    with pytest.raises(s2sad.NonDifferentiableError,
                       match=f"second derivatives of ODE solutions \\(scipy.integrate.{solver}"
                       ) as caught:
        s2sad.hvp(f)(y0, FLOW, np.array([1.0, 0.0]))
    assert caught.value.location.lineno == f.__code__.co_firstlineno + 1
    assert "s2sad.grad" in caught.value.hint and "odeint_adjoints" not in str(caught.value)
    over_forward = s2sad.autodiff(s2sad.autodiff(squared_odeint, mode="forward"),
                                  mode="reverse")
    with pytest.raises(s2sad.NonDifferentiableError, match="second derivatives of ODE"):
        over_forward(y0, FLOW, np.ones(2), 1.0)


def test_a_list_in_args_gets_the_first_derivatives_error_in_a_second_derivative():
    params = [(np.eye(2) * 0.5, np.zeros(2))]
    y0 = np.array([1.0, 0.5])
    for derivative in (lambda: s2sad.grad(list_in_args)(y0, params),
                       lambda: s2sad.hvp(list_in_args)(y0, params, np.ones(2))):
        with pytest.raises(s2sad.NonDifferentiableError, match="not as a list") as caught:
            derivative()
        assert caught.value.location.lineno == list_in_args.__code__.co_firstlineno + 1


def through_layers(y, t, layers, k):
    for W, b in layers:
        y = np.tanh(np.dot(y, W) + b)
    return y * k


def through_layers_first(t, y, layers, k):
    return through_layers(y, t, layers, k)


def layers_by_keyword(layers, y0):
    return np.sum(odeint(through_layers, y0, [0.0, 0.5], args=(layers, 2.0), rtol=1e-8))


def layers_by_position(layers, y0):
    ys = odeint(through_layers, y0, [0.0, 0.5], (layers, 2.0))
    return np.sum(ys)


def layers_to_solve_ivp(layers, y0):
    solution = solve_ivp(through_layers_first, (0.0, 0.5), y0, args=(layers, 2.0))
    return np.sum(solution.y)


@pytest.mark.parametrize("f", [layers_by_keyword, layers_by_position, layers_to_solve_ivp])
def test_a_list_in_args_is_refused_under_that_parameter_in_both_modes(f):
    """Forward mode's refusal pointed at the solver's call, reverse mode's at the
    args tuple (the statement its rule had been folded into): both point at the
    parameter refused."""
    layers, y0 = [(np.eye(2) * 0.5, np.zeros(2))], np.array([1.0, 0.5])
    line = f.__code__.co_firstlineno + 1
    for mode, last in [("reverse", 1.0), ("forward", [(np.eye(2), np.ones(2))])]:
        with pytest.raises(s2sad.NonDifferentiableError, match="not as a list") as caught:
            s2sad.autodiff(f, mode=mode)(layers, y0, last)
        location = caught.value.location
        assert (location.lineno, location.filename) == (line, __file__)
        text = open(__file__).read().splitlines()[line - 1]
        assert location.col == text.index("(layers, 2.0)") + 1, mode
        assert "each parameter as its own float or array" in caught.value.hint


# ---------------------------------------------------------------- simpson, cumulative_trapezoid

from rulecheck import check_both_modes as check_rule  # noqa: E402
from s2sad.registry import SOURCES  # noqa: E402

SAMPLES = np.random.default_rng(5)
W4 = SAMPLES.normal(size=4)
W23 = SAMPLES.normal(size=(2, 3))


def simpson_odd(y):
    return integrate.simpson(y ** 2)


def simpson_even_at_points(y, x):
    return integrate.simpson(np.sin(y) * y, x=x)


def simpson_in_dx(y, dx):
    return np.sum(integrate.simpson(y, dx=dx) ** 2)


def simpson_two_samples(y, x):
    return integrate.simpson(y * y, x=x)


def simpson_along_axis(y, x):
    return np.sum(integrate.simpson(y, x=x, axis=0) * W4)


def simpson_with_points_of_ys_shape(y, x):
    return np.sum(integrate.simpson(y ** 3, x=x) * W23[:, 0])


def trapezoids_running(y):
    return np.sum(integrate.cumulative_trapezoid(y) * W4)


def trapezoids_at_points_from_zero(y, x):
    return np.sum(integrate.cumulative_trapezoid(y ** 2, x, initial=0) ** 2)


def trapezoids_in_dx_along_axis(y, dx):
    return np.sum(integrate.cumulative_trapezoid(y, dx=dx, axis=0) * W23)


def increasing(n, rng=SAMPLES):
    return np.cumsum(rng.uniform(0.3, 1.0, n))


QUADRATURE = [
    (integrate.simpson, simpson_odd, [SAMPLES.normal(size=7)]),
    (integrate.simpson, simpson_even_at_points, [SAMPLES.normal(size=6), increasing(6)]),
    (integrate.simpson, simpson_in_dx, [SAMPLES.normal(size=(2, 4)), 0.3]),
    (integrate.simpson, simpson_two_samples, [SAMPLES.normal(size=2), increasing(2)]),
    (integrate.simpson, simpson_along_axis, [SAMPLES.normal(size=(5, 4)), increasing(5)]),
    (integrate.simpson, simpson_with_points_of_ys_shape,
     [SAMPLES.normal(size=(2, 4)), np.stack([increasing(4), increasing(4)])]),
    (integrate.cumulative_trapezoid, trapezoids_running, [SAMPLES.normal(size=5)]),
    (integrate.cumulative_trapezoid, trapezoids_at_points_from_zero,
     [SAMPLES.normal(size=5), increasing(5)]),
    (integrate.cumulative_trapezoid, trapezoids_in_dx_along_axis,
     [SAMPLES.normal(size=(3, 3)), 0.7]),
]


@pytest.mark.parametrize("key, f, args", QUADRATURE, ids=[c[1].__name__ for c in QUADRATURE])
def test_quadrature_rule_matches_finite_differences(key, f, args):
    check_rule(f, args)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_quadrature_stand_ins_compute_what_scipy_computes(n):
    rng = np.random.default_rng(n)
    y, x = rng.normal(size=(3, n)), increasing(n, rng)
    for key, options in [(integrate.simpson, {}), (integrate.simpson, {"x": x}),
                         (integrate.simpson, {"dx": 0.4}),
                         (integrate.simpson, {"x": x + rng.uniform(0, 0.2, (3, 1))}),
                         (integrate.cumulative_trapezoid, {"x": x}),
                         (integrate.cumulative_trapezoid, {"dx": 0.4, "initial": 0})]:
        np.testing.assert_allclose(SOURCES[key](y, **options), key(y, **options),
                                   rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(SOURCES[key](y.T, axis=0, **{
            k: v.T if np.ndim(v) == 2 else v for k, v in options.items()}),
            key(y.T, axis=0, **{k: v.T if np.ndim(v) == 2 else v for k, v in options.items()}),
            rtol=1e-13, atol=1e-14)


def test_every_quadrature_stand_in_has_a_case():
    tested = {key for key, _, _ in QUADRATURE}
    registered = {k for k, f in SOURCES.items() if f.__module__ == "s2sad.rules.scipy_integrate"}
    assert registered == tested


def quadratures_twice(a):
    x = np.cumsum(a * a + 0.3)
    return integrate.simpson(np.sin(a) * a, x=x) ** 2 + \
        np.sum(integrate.cumulative_trapezoid(a ** 3, x, initial=0) ** 2) + \
        integrate.simpson(a ** 2, dx=a[0])


def test_quadrature_rules_differentiate_twice():
    a = np.array([0.3, 0.55, 0.7, 0.9, 1.2, 0.4])
    gradient = s2sad.grad(quadratures_twice)
    expected = np.stack([(gradient(a + 1e-5 * e) - gradient(a - 1e-5 * e)) / 2e-5
                         for e in np.eye(len(a))])
    np.testing.assert_allclose(s2sad.hessian(quadratures_twice)(a), expected, rtol=1e-5,
                               atol=1e-6)
