"""JAX-style conveniences built on `grad` and `autodiff`.

| here                               | JAX                        | tangent                                  |
|------------------------------------|----------------------------|------------------------------------------|
| value_and_grad(f, wrt)(*args)      | jax.value_and_grad         | grad(f, wrt, preserve_result=True)       |
| jvp(f, primals, tangents, wrt)     | jax.jvp                    | autodiff(f, wrt, mode='forward')         |
| vjp(f, *primals, wrt)              | jax.vjp                    | autodiff(f, wrt, mode='reverse')         |
| hvp(f, wrt)(*args, v)              | jvp of grad                | autodiff(grad(f), mode='forward')        |
| jacobian(f, wrt)(*args)            | jax.jacfwd / jax.jacrev    | a loop of JVPs or VJPs                   |
| hessian(f, wrt)(*args)             | jax.hessian                | a loop of HVPs                           |
"""
from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from . import draws, runtime
from .api import autodiff, grad
from .decorators import undecorated
from .errors import WrtError


def value_and_grad(f: Callable, wrt=(0,), checkpoints: int | None = None,
                   backend: str = "python") -> Callable:
    """`g(*args) -> (f(*args), gradient)`; the gradient as `grad` returns it (with
    `checkpoints=K`, loops keep at most K snapshots, as in `grad`; `backend` as for
    `grad`)."""
    df = grad(f, wrt=wrt, preserve_result=True, checkpoints=checkpoints, backend=backend)

    def value_and_gradient(*args):
        *grads, value = df(*args)
        return value, grads[0] if len(grads) == 1 else tuple(grads)
    return value_and_gradient


def jvp(f: Callable, primals: tuple, tangents: tuple, wrt=None,
        backend: str = "python") -> tuple:
    """`(f(*primals), J @ tangents)`: one forward sweep, one tangent per `wrt` argument
    (all arguments by default; `backend` as for `grad`)."""
    wrt = tuple(range(len(primals))) if wrt is None else _as_tuple(wrt)
    df = autodiff(f, wrt=wrt, mode="forward", preserve_result=True, backend=backend)
    tangent, value = _call(df, primals, tangents)
    return value, tangent


def vjp(f: Callable, *primals, wrt=None, checkpoints: int | None = None,
        backend: str = "python") -> tuple:
    """`(f(*primals), pullback)` where `pullback(seed)` is the vector-Jacobian product
    (with `checkpoints=K`, loops keep at most K snapshots, as in `grad`; `backend` as
    for `grad`)."""
    wrt = tuple(range(len(primals))) if wrt is None else _as_tuple(wrt)
    df = autodiff(f, wrt=wrt, mode="reverse", checkpoints=checkpoints, backend=backend)
    same_draws = _same_draws(f, primals)
    return same_draws(lambda: f(*primals)), \
        lambda seed: same_draws(lambda: _call(df, primals, (seed,)))


def hvp(f: Callable, wrt: int = 0, checkpoints: int | None = None,
        backend: str = "python") -> Callable:
    """`h(*args, v)`: the Hessian of scalar `f` in argument `wrt` times `v`
    (forward mode over reverse mode; with `checkpoints=K`, over a gradient whose
    loops keep at most K snapshots; `backend` as for `grad`, for the product)."""
    second = autodiff(grad(f, wrt=(wrt,), checkpoints=checkpoints), wrt=(wrt,),
                      mode="forward", backend=backend)

    def hessian_vector_product(*args):
        *primals, v = args
        return _call(second, primals, (1.0, v))
    return hessian_vector_product


def jacobian(f: Callable, wrt: int = 0, backend: str = "python") -> Callable:
    """`J(*args)` with shape `f's output shape + argument's shape`; forward mode when
    the argument has fewer entries than the output, reverse mode otherwise
    (`backend` as for `grad`)."""
    def jacobian_of(*args):
        x = _array_argument(args[wrt], "jacobian")
        same_draws = _same_draws(f, args)
        out_shape = np.shape(same_draws(lambda: f(*args)))
        if x.size <= int(np.prod(out_shape)):
            df = autodiff(f, wrt=(wrt,), mode="forward", backend=backend)
            columns = [same_draws(lambda: _call(df, args, (_basis(x.shape, i),)))
                       for i in range(x.size)]
            return np.moveaxis(np.reshape(columns, x.shape + out_shape),
                               list(range(x.ndim)), list(range(-x.ndim, 0))) \
                if x.ndim else np.reshape(columns, out_shape)
        df = autodiff(f, wrt=(wrt,), mode="reverse", backend=backend)
        rows = [same_draws(lambda: _call(df, args, (_basis(out_shape, i),)))
                for i in range(int(np.prod(out_shape)))]
        return np.reshape(rows, out_shape + x.shape)
    return jacobian_of


def hessian(f: Callable, wrt: int = 0, checkpoints: int | None = None,
            backend: str = "python") -> Callable:
    """`H(*args)`: second derivatives of scalar `f` in argument `wrt`, one HVP a column
    (`checkpoints` and `backend` as in `hvp`)."""
    product = hvp(f, wrt, checkpoints, backend)

    def hessian_of(*args):
        x = _array_argument(args[wrt], "hessian")
        same_draws = _same_draws(f, args)
        columns = [same_draws(lambda: product(*args, _basis(x.shape, i)))
                   for i in range(x.size)]
        return np.reshape(np.stack([np.asarray(c, dtype=float) for c in columns], -1)
                          if x.ndim else columns, x.shape + x.shape)
    return hessian_of


def _same_draws(f: Callable, args: tuple) -> Callable[[Callable], object]:
    """`run(call)`: `call()` with every generator f may draw from (NumPy's and
    Python's, its module's, those among `args`) set back to where it was before the
    first run: each of several sweeps of f's derivatives sees the numbers one call of
    f draws, and the generators end where that call leaves them."""
    function = undecorated(f)
    reached = draws.reached_generators(function) if inspect.isfunction(function) else None
    if reached is None:  # f never draws
        return lambda call: call()
    start = runtime.random_state(*draws.GLOBAL_GENERATORS, *reached, *args)

    def run(call):
        runtime.restore_random_state(start)
        return call()
    return run


def _array_argument(value, what: str) -> np.ndarray:
    """The argument a Jacobian or Hessian is taken in, as a float array; a number or
    an array only (a matrix has no shape for a dict's or list's entries)."""
    if isinstance(value, (dict, list, tuple)) or not isinstance(
            value, (np.ndarray, np.generic, int, float)):
        raise WrtError(
            f"s2sad.{what} takes its derivative in a number or an array, not in a "
            f"{type(value).__name__}",
            hint="stack the entries into one array argument, or use s2sad.hvp / s2sad.jvp "
                 "(s2sad.vjp), which take dicts, lists and tuples.")
    return np.asarray(value, dtype=float)


def _call(df: Callable, args: tuple, extra: tuple):
    """df(*args, *extra), passing `extra` (seed, tangents: the last parameters of df)
    by name, since after parameters with defaults they are keyword-only."""
    names = list(inspect.signature(df).parameters)[-len(extra):]
    return df(*args, **dict(zip(names, extra)))


def _basis(shape: tuple, i: int):
    e = np.zeros(int(np.prod(shape)))
    e[i] = 1.0
    return e.reshape(shape) if shape else 1.0


def _as_tuple(wrt) -> tuple:
    return (wrt,) if isinstance(wrt, (int, str)) else tuple(wrt)
