"""scipy.integrate: odeint and solve_ivp, with a right-hand side written in Python;
the sampled-data rules simpson and cumulative_trapezoid.

Registered only when SciPy imports.

`simpson` and `cumulative_trapezoid` get stand-ins (`source_for`): a few lines of
NumPy that compute what SciPy computes, Simpson's rule for uneven spacing
(with Cartwright's correction for the last interval of an even number of
samples, as SciPy) and the running trapezoid sum. s2sad differentiates them in
y, x and dx through that source, in both modes and twice. SciPy's guards
against zero-width intervals are left out: their derivative is not defined there.

The ODE solvers: The solution y(t) of dy/dt = f(y, t, p) at the
output times t_1 < ... < t_N depends on y0, on the parameters p (`args`) and on
the times. Neither rule differentiates the solver's steps: each solves another
ODE, with the same solver and tolerances, whose right-hand side calls f and its
derivative, which s2sad generates from f's source (dispatch.call_vjp/call_jvp).

Reverse mode, the adjoint method (as torchdiffeq and JAX's odeint): the adjoint
a(t) = dL/dy(t) obeys da/dt = -a f_y; solved backwards from t_N to t_1 together
with y (again, from each stored output) and with the parameters' adjoint,
dp_bar/dt = -a f_p, the adjoint of each output added as its time is passed. Then
y0_bar = a(t_0); an output time's adjoint is g_i . f(y_i, t_i), and the start
time's -a(t_0) . f(y0, t_0) (odeint's t[0] is both: the two add up).

Forward mode, the sensitivity equations: the tangent s of y obeys
ds/dt = f_y s + f_p dp, from s(t_0) = dy0 - f(y0, t_0) dt_0, solved with y; each
output gains f(y_i, t_i) dt_i.

The parameters are floats and float arrays in `args`; the right-hand side
returns an array of y0's shape. Accuracy is the solver's: ask for tight
tolerances (rtol, atol) when the derivative matters.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import integrate

from ..dispatch import jvp_function, vjp_function
from ..errors import NonDifferentiableError, argument_location, running_derivative_line
from ..registry import adjoint, d, source_for, tangent
from ..runtime import AdjointDict, AdjointList

# where odeint(func, y0, t, args) and solve_ivp(fun, t_span, y0, method, t_eval,
# dense_output, events, vectorized, args) take args positionally
ODEINT_ARGS, SOLVE_IVP_ARGS = 3, 8
ODEINT, SOLVE_IVP = "scipy.integrate.odeint", "scipy.integrate.solve_ivp"


def inactive(t):
    """The 0.0 that stands for the derivative of an operand that carries none."""
    return type(t) is float and t == 0.0


@dataclass
class RightHandSide:
    """f(y, t, *params) as the solvers call it, on flat states, and its derivatives."""

    func: Callable
    shape: tuple          # of y0
    params: tuple
    time_first: bool      # f(t, y, ...) (solve_ivp, odeint's tfirst=True)
    _vjp: Callable | None = None
    _jvp: Callable | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    def arguments(self, y, t):
        y = np.reshape(y, self.shape)
        return (t, y, *self.params) if self.time_first else (y, t, *self.params)

    @property
    def y_position(self) -> int:
        return 1 if self.time_first else 0

    @functools.cached_property
    def differentiable(self) -> list:
        """Indices of the parameters that carry a derivative: floats, float arrays."""
        return [k for k, p in enumerate(self.params)
                if isinstance(p, float) or isinstance(p, np.ndarray) and
                np.issubdtype(p.dtype, np.inexact)]

    @functools.cached_property
    def wrt(self) -> tuple:
        """Positions of y and of the differentiable parameters in f's arguments."""
        return (self.y_position,) + tuple(2 + k for k in self.differentiable)

    def value(self, y, t):
        return np.ravel(np.asarray(self.func(*self.arguments(y, t)), dtype=float))

    def vjp(self, y, t, a):
        """(a f_y, [a f_p for each differentiable p]) at (y, t), flat."""
        arguments = self.arguments(y, t)
        if self._vjp is None:  # the derivative looked up once for the whole solve
            self._vjp = vjp_function(self.func, self.wrt, *arguments)
        grads = self._vjp(np.reshape(a, self.shape), *arguments)
        return [np.ravel(g) if np.size(g) == size else np.full(size, float(np.sum(g)))
                for g, size in zip(grads, self.sizes)]

    def jvp(self, y, t, s, param_tangents):
        """f_y s + f_p dp at (y, t), flat."""
        arguments = self.arguments(y, t)
        if self._jvp is None:
            self._jvp = jvp_function(self.func, self.wrt, *arguments)
        tangents = (np.reshape(s, self.shape),) + tuple(param_tangents[k]
                                                         for k in self.differentiable)
        derivative, _ = self._jvp(tangents, *arguments)
        return np.ravel(derivative) * np.ones(self.size)

    @functools.cached_property
    def sizes(self) -> list:
        """The sizes of y and of the differentiable parameters."""
        return [self.size] + [np.size(self.params[k]) for k in self.differentiable]


def right_hand_side(func, y0, args, time_first, args_position: int) -> RightHandSide:
    """The right-hand side; `args_position`, where the solver takes args
    positionally, to point a refusal at the parameter refused."""
    params = () if args is None else tuple(args) if isinstance(args, (tuple, list)) \
        else (args,)
    for k, p in enumerate(params):
        if isinstance(p, (dict, list, tuple)) or hasattr(p, "__dict__") and \
                not isinstance(p, np.ndarray):
            raise NonDifferentiableError(
                "s2sad differentiates ODE solutions in parameters passed in `args` as "
                f"floats or arrays, not as a {type(p).__name__}",
                argument_location(running_derivative_line(), args_position, "args", k),
                hint="pass each parameter as its own float or array in args=(...).")
    return RightHandSide(func, np.shape(y0), params, time_first)


# ---------------------------------------------------------------- the two sweeps

class Solver:
    """Solves dz/dt = rhs(z, t) from z0 at times[0] to the other times, as the
    user's call did: odeint, or solve_ivp with its method and options."""

    def __init__(self, ivp_method=None, **options):
        self.ivp_method = ivp_method
        self.options = {k: v for k, v in options.items() if v is not None}

    def __call__(self, rhs, z0, times):
        if self.ivp_method is None:
            return integrate.odeint(rhs, z0, times, **self.options)
        solution = integrate.solve_ivp(lambda t, z: rhs(z, t), (times[0], times[-1]), z0,
                                       method=self.ivp_method, t_eval=times, **self.options)
        if not solution.success:
            raise NonDifferentiableError(f"the ODE solver failed in the derivative: "
                                         f"{solution.message}")
        return solution.y.T


def adjoint_sweep(f: RightHandSide, solve: Solver, ys, times, t0, y0, g):
    """(y0_bar, times_bar, t0_bar, [p_bar]) for the outputs ys (N, size) at `times`
    of the solution from y(t0) = y0, whose adjoint is g (N, size)."""
    n = f.size
    sizes = [np.size(f.params[k]) for k in f.differentiable]

    def augmented(z, t):
        y, a = z[:n], z[n:2 * n]
        return np.concatenate([f.value(y, t)] + [-grad for grad in f.vjp(y, t, a)])

    def backwards(y, a, p_bar, start, stop):
        """The adjoints at `stop`, from those at `start` (where y is the solution)."""
        z = solve(augmented, np.concatenate([y, a, p_bar]), [start, stop])[-1]
        return z[n:2 * n], z[2 * n:]

    times_bar = np.array([g[i] @ f.value(ys[i], times[i]) for i in range(len(times))])
    a, p_bar = g[-1].copy(), np.zeros(sum(sizes))
    for i in range(len(times) - 1, 0, -1):
        a, p_bar = backwards(ys[i], a, p_bar, times[i], times[i - 1])
        a = a + g[i - 1]
    if times[0] != t0:
        a, p_bar = backwards(ys[0], a, p_bar, times[0], t0)
    t0_bar = -a @ f.value(y0, t0)  # a later start shifts every output back
    return a, times_bar, t0_bar, np.split(p_bar, np.cumsum(sizes)[:-1]) if sizes else []


def parameter_adjoints(f: RightHandSide, p_bars) -> AdjointList:
    """The adjoint of the `args` tuple: one entry a parameter (0.0 for the others)."""
    out = [0.0] * len(f.params)
    for k, p_bar in zip(f.differentiable, p_bars):
        p = f.params[k]
        out[k] = float(p_bar[0]) if np.ndim(p) == 0 else np.reshape(p_bar, np.shape(p))
    return AdjointList(out)


def sensitivity_sweep(f: RightHandSide, solve: Solver, y0, dy0, times, t0, dt, dt0, dparams):
    """The tangents of the outputs at `times` (N, size), started from y(t0)."""
    n = f.size
    param_tangents = [0.0 if inactive(dparams) else dparams[k] for k in range(len(f.params))]
    param_tangents = [np.zeros(np.shape(p)) if inactive(t) else t
                      for p, t in zip(f.params, param_tangents)]

    def augmented(z, t):
        y, s = z[:n], z[n:]
        return np.concatenate([f.value(y, t), f.jvp(y, t, s, param_tangents)])

    y0 = np.ravel(y0).astype(float)
    s0 = (np.zeros(n) if inactive(dy0) else np.ravel(dy0) * np.ones(n)) \
        - f.value(y0, t0) * (0.0 if inactive(dt0) else dt0)
    stops = list(times) if times[0] == t0 else [t0] + list(times)
    z = solve(augmented, np.concatenate([y0, s0]), stops)
    z = z if times[0] == t0 else z[1:]
    ys, tangents = z[:, :n], z[:, n:]
    if not inactive(dt):
        dt = np.broadcast_to(dt, np.shape(times))
        tangents = tangents + np.array([f.value(y, t) for y, t in zip(ys, times)]) \
            * dt[:, None]
    return tangents


# ---------------------------------------------------------------- odeint

def odeint_solver(rtol, atol, full_output, others):
    if full_output:
        raise NonDifferentiableError("s2sad differentiates odeint without full_output",
                                     running_derivative_line(),
                                     hint="call odeint without full_output=True.")
    return Solver(None, rtol=rtol, atol=atol, **others)


def odeint_adjoints(g, ys, func, y0, t, args, rtol, atol, tfirst, full_output, mxstep):
    """[y0_bar, t_bar, args_bar] for ys = odeint(func, y0, t, args)."""
    f = right_hand_side(func, y0, args, tfirst, ODEINT_ARGS)
    solve = odeint_solver(rtol, atol, full_output, {"mxstep": mxstep})
    times = np.asarray(t, dtype=float)
    g = np.reshape(np.broadcast_to(g, np.shape(ys)), (len(times), f.size))
    ys = np.reshape(ys, (len(times), f.size))
    y0_bar, times_bar, t0_bar, p_bars = adjoint_sweep(f, solve, ys, times, times[0],
                                                      np.ravel(y0), g)
    times_bar[0] += t0_bar
    return [np.reshape(y0_bar, f.shape) if np.ndim(y0) else float(y0_bar[0]),
            np.reshape(times_bar, np.shape(t)), parameter_adjoints(f, p_bars)]


def odeint_tangent(ys, func, y0, dy0, t, dt, args, dargs, rtol, atol, tfirst, full_output,
                   mxstep):
    f = right_hand_side(func, y0, args, tfirst, ODEINT_ARGS)
    solve = odeint_solver(rtol, atol, full_output, {"mxstep": mxstep})
    times = np.asarray(t, dtype=float)
    dt0 = dt if inactive(dt) else np.ravel(dt)[0]
    tangents = sensitivity_sweep(f, solve, y0, dy0, times, times[0], dt, dt0, dargs)
    return np.reshape(tangents, np.shape(ys))


@adjoint(integrate.odeint)
def odeint(ys, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None,
           rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0,
           mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False):
    adjoints = odeint_adjoints(d[ys], ys, func, y0, t, args, rtol, atol, tfirst, full_output,
                               mxstep)
    d[y0] = adjoints[0]
    d[t] = adjoints[1]
    d[args] = adjoints[2]


@tangent(integrate.odeint)
def odeint_tangent_rule(ys, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0,
                        ml=None, mu=None, rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0,
                        hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5,
                        printmessg=0, tfirst=False):
    d[ys] = odeint_tangent(ys, func, y0, d[y0], t, d[t], args, d[args], rtol, atol, tfirst,
                           full_output, mxstep)


def refuse_second_derivative(solver: str, func, y0, args, tfirst, args_position: int):
    """Where a derivative made through `solver` is differentiated again (hvp): the
    adjoint and sensitivity sweeps have no derivative of their own yet. The
    parameters are checked first, for the error first derivatives give."""
    right_hand_side(func, y0, args, tfirst, args_position)
    raise NonDifferentiableError(
        f"s2sad does not take second derivatives of ODE solutions ({solver}) yet: the "
        "derivative of this line solves another ODE, which s2sad cannot differentiate "
        "again", running_derivative_line(),
        hint="for a Hessian-vector product, take central differences of s2sad.grad: "
             "(g(x + eps * v) - g(x - eps * v)) / (2 * eps) with g = s2sad.grad(f), "
             "eps about 1e-5 and tight rtol/atol.")


@tangent(odeint_adjoints)
def odeint_adjoints_tangent(adjoints, g, ys, func, y0, t, args, rtol, atol, tfirst,
                            full_output, mxstep):
    d[adjoints] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)


@adjoint(odeint_tangent)
def odeint_tangent_adjoint(tangents, ys, func, y0, dy0, t, dt, args, dargs, rtol, atol, tfirst,
                           full_output, mxstep):
    # each operand's line refuses: only those carrying a derivative are kept
    d[y0] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)
    d[dy0] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)
    d[t] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)
    d[dt] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)
    d[args] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)
    d[dargs] = refuse_second_derivative(ODEINT, func, y0, args, tfirst, ODEINT_ARGS)


# ---------------------------------------------------------------- solve_ivp

def ivp_solver(method, dense_output, events, rtol, atol, max_step, first_step):
    if dense_output or events is not None:
        raise NonDifferentiableError(
            "s2sad differentiates solve_ivp without dense_output and events",
            running_derivative_line(),
            hint="ask for the solution at fixed times with t_eval=... instead.")
    return Solver(method, rtol=rtol, atol=atol, max_step=max_step, first_step=first_step)


def ivp_adjoints(g, solution, fun, t_span, y0, method, t_eval, dense_output, events, args,
                 rtol, atol, max_step, first_step):
    """[t_span_bar, y0_bar, t_eval_bar, args_bar] for solution = solve_ivp(...)."""
    f = right_hand_side(fun, y0, args, True, SOLVE_IVP_ARGS)
    solve = ivp_solver(method, dense_output, events, rtol, atol, max_step, first_step)
    g_y = g.get("y", 0.0) if isinstance(g, dict) else 0.0
    times = np.asarray(solution.t, dtype=float)
    ys = np.reshape(np.transpose(solution.y), (len(times), f.size))
    g_y = np.reshape(np.transpose(np.broadcast_to(g_y, np.shape(solution.y))), ys.shape)
    y0_bar, times_bar, t0_bar, p_bars = adjoint_sweep(f, solve, ys, times, t_span[0],
                                                      np.ravel(y0), g_y)
    span_bar = AdjointList([t0_bar, 0.0 if t_eval is not None else times_bar[-1]])
    if t_eval is None:
        span_bar[0] += times_bar[0]  # the first output is at the start
    return [span_bar, np.reshape(y0_bar, np.shape(y0)),
            None if t_eval is None else np.reshape(times_bar, np.shape(t_eval)),
            parameter_adjoints(f, p_bars)]


def ivp_tangent(solution, fun, t_span, dt_span, y0, dy0, method, t_eval, dt_eval,
                dense_output, events, args, dargs, rtol, atol, max_step, first_step):
    f = right_hand_side(fun, y0, args, True, SOLVE_IVP_ARGS)
    solve = ivp_solver(method, dense_output, events, rtol, atol, max_step, first_step)
    times = np.asarray(solution.t, dtype=float)
    dt0 = 0.0 if inactive(dt_span) else dt_span[0]
    dt = dt_eval
    if t_eval is None and not inactive(dt_span):  # outputs at the solver's own steps
        dt = np.zeros(len(times))
        dt[0], dt[-1] = dt_span[0], dt_span[-1]
    tangents = sensitivity_sweep(f, solve, y0, dy0, times, t_span[0], dt, dt0, dargs)
    return AdjointDict({"y": np.transpose(tangents).reshape(np.shape(solution.y))})


@tangent(ivp_adjoints)
def ivp_adjoints_tangent(adjoints, g, solution, fun, t_span, y0, method, t_eval, dense_output,
                         events, args, rtol, atol, max_step, first_step):
    d[adjoints] = refuse_second_derivative(SOLVE_IVP, fun, y0, args, True,
                                              SOLVE_IVP_ARGS)


@adjoint(integrate.solve_ivp)
def solve_ivp(solution, fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
              events=None, vectorized=False, args=None, rtol=None, atol=None, max_step=None,
              first_step=None):
    adjoints = ivp_adjoints(d[solution], solution, fun, t_span, y0, method, t_eval,
                            dense_output, events, args, rtol, atol, max_step, first_step)
    d[t_span] = adjoints[0]
    d[y0] = adjoints[1]
    d[t_eval] = adjoints[2]
    d[args] = adjoints[3]


@tangent(integrate.solve_ivp)
def solve_ivp_tangent(solution, fun, t_span, y0, method="RK45", t_eval=None,
                      dense_output=False, events=None, vectorized=False, args=None, rtol=None,
                      atol=None, max_step=None, first_step=None):
    d[solution] = ivp_tangent(solution, fun, t_span, d[t_span], y0, d[y0], method, t_eval,
                              d[t_eval], dense_output, events, args, d[args], rtol, atol,
                              max_step, first_step)


# ---------------------------------------------------------------- simpson, cumulative_trapezoid

def spacings_along_last(y, x, dx, axis):
    """The widths of the intervals between samples, along the last axis (y's `axis`
    moved there): np.diff of x (1-d, or of y's shape), or dx repeated."""
    count = np.shape(y)[axis] - 1
    if x is None:
        return dx * np.ones(count)
    if np.ndim(x) == 1:
        return np.diff(x)
    return np.diff(np.moveaxis(x, axis, -1), axis=-1)


def simpson_pairs(y, h, stop):
    """Simpson's rule over the pairs of intervals of the samples y[..., :stop + 1]
    (stop even), with uneven widths h (SciPy's _basic_simpson)."""
    h0 = h[..., 0:stop:2]
    h1 = h[..., 1:stop:2]
    hsum = h0 + h1
    terms = hsum / 6.0 * (y[..., 0:stop - 1:2] * (2.0 - h1 / h0) +
                          y[..., 1:stop:2] * (hsum * hsum / (h0 * h1)) +
                          y[..., 2:stop + 1:2] * (2.0 - h0 / h1))
    return np.sum(terms, axis=-1)


@source_for(integrate.simpson)
def simpson(y, x=None, *, dx=1.0, axis=-1):
    h = spacings_along_last(y, x, dx, axis)
    y = np.moveaxis(np.asarray(y), axis, -1)
    n = np.shape(y)[-1]
    if n == 2:
        return 0.5 * h[..., -1] * (y[..., -1] + y[..., -2])
    if n % 2 == 1:
        return simpson_pairs(y, h, n - 1)
    # an odd number of intervals: Simpson's rule on all but the last, which gets
    # Cartwright's correction from the last three samples
    first = h[..., -2]
    last = h[..., -1]
    alpha = (2.0 * last * last + 3.0 * first * last) / (6.0 * (first + last))
    beta = (last * last + 3.0 * first * last) / (6.0 * first)
    eta = last * last * last / (6.0 * first * (first + last))
    return simpson_pairs(y, h, n - 2) + alpha * y[..., -1] + beta * y[..., -2] - \
        eta * y[..., -3]


@source_for(integrate.cumulative_trapezoid)
def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    h = spacings_along_last(y, x, dx, axis)
    y = np.moveaxis(np.asarray(y), axis, -1)
    areas = np.cumsum(h * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)
    if initial is not None:
        start = initial * np.ones(np.shape(areas)[:-1] + (1,))
        areas = np.concatenate([start, areas], axis=-1)
    return np.moveaxis(areas, -1, axis)
