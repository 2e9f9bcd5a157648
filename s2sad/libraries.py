"""The library boundary: which called functions s2sad reads the source of.

A call to a Python function of the user's project (any module outside the
installation directories) is differentiated through that function's source, or
inlined when it takes function values (normalize/calls.py). Functions of
installed libraries (site-packages, dist-packages, the standard library) are
primitives, like compiled code: they need a registered derivative,
or a Python function registered with `source_for` that computes the same thing.
The same holds for function values only known at run time (dispatch.py).
"""
from __future__ import annotations

import functools
import inspect
import os
import site
import sys
import sysconfig
from typing import Any, Callable

import numpy as np

from . import registry
from .decorators import undecorated
from .parsing import describe

_INSTALL_DIRECTORIES = ("site-packages", "dist-packages")
_S2SAD = os.path.dirname(os.path.realpath(__file__))


def source_to_differentiate(function: Any) -> Callable | None:
    """The Python function whose source s2sad differentiates for a call to `function`
    (a registered `source_for` stand-in, or the function itself when it belongs to
    the user's code), or None when the call needs a derivative rule."""
    stand_in = registry.source_for_of(function)
    if stand_in is not None:
        return stand_in
    if registry.is_stand_in(function):  # called as itself (dispatch.py)
        return function
    if inspect.isfunction(undecorated(function)) and not is_installed(undecorated(function)):
        return function
    return None


def is_numpy_function(function: Any) -> bool:
    """A function of NumPy's: a ufunc, a ufunc's method (`np.add.at`) or a function
    of a numpy module."""
    if isinstance(function, np.ufunc) or isinstance(getattr(function, "__self__", None),
                                                    np.ufunc):
        return True
    return (getattr(function, "__module__", None) or "").split(".")[0] == "numpy"


def is_installed(function: Callable) -> bool:
    """Whether a Python function (or a method of one) is defined in an installed library."""
    function = getattr(function, "__func__", function)
    return inspect.isfunction(function) and _is_installed_file(function.__code__.co_filename)


@functools.lru_cache(maxsize=None)
def _is_installed_file(filename: str) -> bool:
    if filename.startswith("<frozen "):  # the standard library's frozen modules
        return True
    if filename.startswith("<"):  # exec(), generated code, notebooks
        return False
    path = os.path.realpath(filename)
    if path.startswith(_S2SAD + os.sep):  # its rules' helpers: derivatives of derivatives
        return False                      # differentiate generated code that calls them
    parts = path.split(os.sep)
    if any(part in _INSTALL_DIRECTORIES for part in parts):
        return True
    return any(path.startswith(root + os.sep) for root in installation_roots())


@functools.lru_cache(maxsize=None)
def installation_roots() -> tuple:
    """Directories that hold installed code: the standard library's and the
    interpreter's site directories."""
    paths = sysconfig.get_paths()
    roots = [paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    roots += getattr(site, "getsitepackages", lambda: [])()
    roots.append(getattr(site, "getusersitepackages", lambda: None)())
    return tuple(sorted({os.path.realpath(r) for r in roots if r}))


def public_name(value: Any) -> str:
    """The dotted name a user reaches `value` by: `scipy.special.logsumexp` rather than
    `scipy.special._logsumexp.logsumexp`, `scipy.stats.norm.logpdf` for the method of
    the `norm` object rather than `rv_continuous.logpdf`."""
    owner = getattr(value, "__self__", None)
    if inspect.ismethod(value) and not inspect.isclass(owner) \
            and not inspect.ismodule(owner):
        return f"{public_name(owner)}.{value.__name__}"
    module_name = getattr(value, "__module__", None) or \
        getattr(type(value), "__module__", None)
    if isinstance(module_name, str) and module_name != "builtins":
        name = _name_in_public_module(value, module_name)
        if name is not None:
            return name
    return describe(value)


def _name_in_public_module(value: Any, module_name: str) -> str | None:
    """`package.name` for the shallowest public package along `module_name` that
    holds `value` under a public name."""
    parts = module_name.split(".")
    public = [p for p in parts if not p.startswith("_")] if parts[0] else []
    for depth in range(1, len(public) + 1):
        module = sys.modules.get(".".join(public[:depth]))
        if module is None:
            continue
        own = getattr(value, "__name__", None)
        if isinstance(own, str) and getattr(module, own, None) is value:
            return f"{module.__name__}.{own}"
        for attr, item in vars(module).items():
            if item is value and not attr.startswith("_"):
                return f"{module.__name__}.{attr}"
    return None


def positional_out(function) -> int | None:
    """Where a NumPy function takes `out` among its positional arguments: after a
    ufunc's inputs, at `out`'s place in another's signature; None otherwise."""
    if isinstance(function, np.ufunc):
        return function.nin
    if not (callable(function) and (getattr(function, "__module__", "") or "")
            .startswith("numpy")):
        return None
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    names = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    return names.index("out") if "out" in names else None
