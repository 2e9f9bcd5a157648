"""Adapters for the optional peers: autograd, JAX (eager and jit), PyTorch eager.

Each peer runs the case's own code object with the globals `np` and `math`
rebound to the peer's array namespace, so every framework executes the same
program. Inputs are converted once, outside the timed region; the timed call
returns when the gradient is computed (JAX results are blocked on).
"""
from __future__ import annotations

import importlib.util
import time
import types

import numpy as np

PEERS = ("autograd", "jax", "torch")
_MODULE = {"autograd": "autograd", "jax": "jax", "torch": "torch"}


def available(name: str) -> bool:
    return importlib.util.find_spec(_MODULE[name]) is not None


def rebind(func, namespace):
    """`func`'s code with `np` and `math` bound to `namespace` (same defaults, closure)."""
    scope = dict(func.__globals__)
    scope["np"] = namespace
    scope["math"] = namespace
    clone = types.FunctionType(func.__code__, scope, func.__name__, func.__defaults__,
                               func.__closure__)
    return clone


class Unavailable(Exception):
    """A peer cannot run this case; the message goes into the table."""


# Each factory returns a list of (column, grad_call, to_numpy, extra) where
# grad_call() computes the gradient and to_numpy(result) returns a tuple of
# NumPy arrays in wrt order. `extra` holds e.g. the jit compile time.

def autograd_columns(case, args, slow=False, quick=False):
    import autograd
    import autograd.numpy as anp

    f = rebind(case.peer_func or case.func, anp)
    g = autograd.grad(f, argnum=case.wrt if len(case.wrt) > 1 else case.wrt[0])

    def call():
        return g(*args)

    return [("autograd", call, _as_tuple_numpy(case), {})]


def jax_columns(case, args, slow=False, quick=False):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    f = rebind(case.peer_func or case.func, jnp)
    jargs = tuple(a if i in case.static else jnp.asarray(a) for i, a in enumerate(args))
    argnums = case.wrt if len(case.wrt) > 1 else case.wrt[0]
    g = jax.grad(f, argnums=argnums)

    def eager():
        return jax.block_until_ready(g(*jargs))

    columns = [("jax", eager, _as_tuple_numpy(case), {})]
    if quick:
        columns.append(("jax.jit", None, None, {"skipped": "not run in --quick"}))
        return columns
    if case.jit_heavy and not slow:
        columns.append(("jax.jit", None, None, {"skipped": f"{case.jit_heavy} (run with --slow)"}))
        return columns
    jitted = jax.jit(g, static_argnums=case.static)

    def jit_call():
        return jax.block_until_ready(jitted(*jargs))

    start = time.perf_counter()
    try:
        jit_call()   # trace + compile + one run
    except Exception as error:  # noqa: BLE001  (a tracer error: data-dependent control flow)
        reason = type(error).__name__
        columns.append(("jax.jit", None, None,
                        {"skipped": f"cannot trace: {reason} (Python control flow on a "
                                    f"traced value)"}))
        return columns
    compile_time = time.perf_counter() - start
    columns.append(("jax.jit", jit_call, _as_tuple_numpy(case), {"compile": compile_time}))
    return columns


class _TorchNamespace:
    """The NumPy / math names the cases use, as torch functions (float64)."""

    def __init__(self, torch):
        self._torch = torch
        for name in ("sin", "cos", "exp", "log", "tanh", "sqrt", "sum", "abs"):
            setattr(self, name, self._wrap(getattr(torch, name)))

    def _wrap(self, fn):
        torch = self._torch
        tensor = torch.Tensor

        def call(x, *rest, **kw):
            if not isinstance(x, tensor):    # a Python float (e.g. the first z = 0.5)
                x = torch.tensor(x, dtype=torch.float64)
            return fn(x, *rest, **kw)
        call.__name__ = fn.__name__
        return call


def torch_columns(case, args, slow=False, quick=False):
    import torch

    f = rebind(case.peer_func or case.func, _TorchNamespace(torch))
    targs = []
    for i, a in enumerate(args):
        if i in case.static:
            targs.append(a)
            continue
        t = torch.tensor(np.asarray(a, dtype=np.float64))
        if i in case.wrt:
            t.requires_grad_(True)
        targs.append(t)
    inputs = [targs[i] for i in case.wrt]

    def call():
        return torch.autograd.grad(f(*targs), inputs)

    def to_numpy(result):
        return tuple(r.detach().numpy() for r in result)

    return [("torch", call, to_numpy, {})]


FACTORIES = {"autograd": autograd_columns, "jax": jax_columns, "torch": torch_columns}


def _as_tuple_numpy(case):
    def convert(result):
        items = result if len(case.wrt) > 1 else (result,)
        return tuple(np.asarray(r) for r in items)
    return convert


def versions(names) -> dict:
    from importlib import metadata
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out
