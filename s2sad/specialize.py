"""Scalar specialization: all-float calls run a derivative written for floats.

Without annotations s2sad cannot know that `x` is a float, so the derivative it
writes fits every adjoint back to its operand's shape (`unbroadcast`) and checks
the output, at the price of a helper call per operation. A dispatcher in front
of that general derivative sends calls whose arguments are all Python floats
(or ints, such as a step count) to a second derivative, generated on the first
such call with every parameter known to be a scalar (as if annotated `x: float`).
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Callable

from .names import Names

# Argument types a call must have, all of them, to run the scalar version.
SCALAR_TYPES = frozenset({float, int})

# s2sad's helpers whose calls the scalar version can leave out.
_SHAPE_HELPERS = frozenset({"unbroadcast", "assert_scalar", "like", "expand"})


def dispatch_on_floats(general: Callable, generate_scalar: Callable[[], Callable]) -> Callable:
    """`general`, or a dispatcher that sends calls with float and int arguments
    only to `generate_scalar()` (made on first use) when that can save something."""
    parameters = list(inspect.signature(general).parameters.values())
    plain = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)
    if not plain or not _calls_shape_helpers(general):
        return general
    names = [p.name for p in parameters]
    taken = Names(names)  # the dispatcher's own globals step aside for its parameters
    types = sorted(SCALAR_TYPES, key=lambda t: t is not float)  # floats are tested first
    own = {stem: taken.fresh(stem) for stem in ["general", "scalar", "type"] +
           [t.__name__ for t in types]}
    # `type(x) is float or ...` costs half of `type(x) in SCALAR_TYPES`
    test = " and ".join(
        "(" + " or ".join(f"{own['type']}({n}) is {own[t.__name__]}" for t in types) + ")"
        for n in names)
    arguments = ", ".join(names)
    text = (f"def {general.__name__}({arguments}):\n"
            f"    if {test}:\n"
            f"        return {own['scalar']}({arguments})\n"
            f"    return {own['general']}({arguments})\n")
    scope = {own["general"]: general, own["type"]: type}
    scope.update({own[t.__name__]: t for t in types})
    scope[own["scalar"]] = _FirstCall(generate_scalar, scope, own["scalar"])
    exec(compile(text, f"<s2sad {general.__name__} dispatch>", "exec"), scope)
    dispatcher = functools.wraps(general)(scope[general.__name__])
    dispatcher.__defaults__ = general.__defaults__
    dispatcher.__s2sad_scalar__ = scope[own["scalar"]]
    dispatcher.__s2sad_forwards__ = True  # to a derivative that computes the same
    return dispatcher



def _calls_shape_helpers(function: Callable) -> bool:
    """Whether generated code reads one of the shape helpers (they reach it as
    closure variables, under their own name or a renamed one)."""
    return any(getattr(cell.cell_contents, "__name__", None) in _SHAPE_HELPERS and
               getattr(cell.cell_contents, "__module__", "").startswith("s2sad.")
               for cell in function.__closure__ or ())


def scalar_version(df: Callable) -> Callable | None:
    """The float-specialized derivative behind a dispatcher (made now if need be),
    or None when `df` has none."""
    scalar = getattr(df, "__s2sad_scalar__", None)
    return scalar.make() if hasattr(scalar, "make") else scalar  # a _FirstCall or alike


class _FirstCall:
    """Stands in for the scalar derivative until its first call, which makes it
    and puts it in the dispatcher's globals in place of this object."""

    def __init__(self, make: Callable[[], Callable], scope: dict, name: str):
        self._make = make
        self._scope = scope
        self._name = name
        self._lock = threading.Lock()
        self.function: Callable | None = None

    def make(self) -> Callable:
        with self._lock:
            if self.function is None:
                self.function = self._make()
                self._scope[self._name] = self.function
        return self.function

    def __call__(self, *args):
        return self.make()(*args)
