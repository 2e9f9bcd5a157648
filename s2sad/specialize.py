"""Scalar specialization: all-float calls run a derivative written for floats.

Without annotations s2sad cannot know that `x` is a float, so the derivative it
writes fits every adjoint back to its operand's shape (`unbroadcast`) and checks
the output, at the price of a helper call per operation. A dispatcher in front
of that general derivative sends calls whose arguments are all Python floats
(or ints, such as a step count) to a second derivative, generated on the first
such call with every parameter known to be a scalar (as if annotated `x: float`).

That float version calls `math.exp` where the general one calls `np.exp` on a
number (`use_math`): a twentieth of the cost. `math` raises where NumPy returns
inf or nan (`math.log(0.0)`), and so does float arithmetic (`1.0 / 0.0`); the
dispatcher then runs the general derivative, so results are NumPy's.
"""
from __future__ import annotations

import functools
import inspect
import math
import threading
from typing import Callable

import gast
import numpy as np

from . import syntax
from .names import Names
from .runtime import is_foreign

# Argument types a call must have, all of them, to run the scalar version.
SCALAR_TYPES = frozenset({float, int})

# s2sad's helpers whose calls the scalar version can leave out.
_SHAPE_HELPERS = frozenset({"unbroadcast", "assert_scalar", "like", "expand"})


def dispatch_on_arguments(general: Callable, generate_scalar: Callable[[], Callable],
                          generate_foreign: Callable[[], Callable] | None = None) -> Callable:
    """`general`, or a dispatcher in front of it: calls with float and int arguments
    only go to `generate_scalar()` (made on first use) when that can save
    something; calls with another library's array (a Dask array) among the
    arguments to `generate_foreign()`, when given: `general` adds into NumPy
    arrays in place, which such an array cannot join."""
    parameters = list(inspect.signature(general).parameters.values())
    plain = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)
    floats = plain and _calls_shape_helpers(general)
    if not plain and generate_foreign is not None:
        return _dispatch_on_foreign(general, generate_foreign)
    if not floats and generate_foreign is None:
        return general
    names = [p.name for p in parameters]
    taken = Names(names)  # the dispatcher's own globals step aside for its parameters
    types = sorted(SCALAR_TYPES, key=lambda t: t is not float)  # floats are tested first
    own = {stem: taken.fresh(stem) for stem in ["general", "scalar", "type", "float_errors",
                                                "foreign", "ndarray", "is_foreign"]
           + [t.__name__ for t in types]}
    arguments = ", ".join(names)
    text = f"def {general.__name__}({arguments}):\n"
    if floats:
        # `type(x) is float or ...` costs half of `type(x) in SCALAR_TYPES`
        test = " and ".join(
            "(" + " or ".join(f"{own['type']}({n}) is {own[t.__name__]}" for t in types) + ")"
            for n in names)
        text += (f"    if {test}:\n"
                 f"        try:\n"
                 f"            return {own['scalar']}({arguments})\n"
                 f"        except {own['float_errors']}:  # NumPy gives inf or nan there\n"
                 f"            pass\n")
    if generate_foreign is not None:
        test = " or ".join(f"{own['type']}({n}) is not {own['ndarray']} and "
                           f"{own['is_foreign']}({n})" for n in names)
        text += f"    if {test}:\n        return {own['foreign']}({arguments})\n"
    text += f"    return {own['general']}({arguments})\n"
    scope = {own["general"]: general, own["type"]: type, own["float_errors"]: FLOAT_ERRORS,
             own["ndarray"]: np.ndarray, own["is_foreign"]: is_foreign}
    scope.update({own[t.__name__]: t for t in types})
    scope[own["scalar"]] = _FirstCall(generate_scalar, scope, own["scalar"])
    if generate_foreign is not None:
        scope[own["foreign"]] = _FirstCall(generate_foreign, scope, own["foreign"])
    exec(compile(text, f"<s2sad {general.__name__} dispatch>", "exec"), scope)
    dispatcher = functools.wraps(general)(scope[general.__name__])
    dispatcher.__defaults__ = general.__defaults__
    if floats:
        dispatcher.__s2sad_scalar__ = scope[own["scalar"]]
    dispatcher.__s2sad_forwards__ = True  # to a derivative that computes the same
    return dispatcher


def _dispatch_on_foreign(general: Callable, generate_foreign: Callable[[], Callable]):
    """The dispatcher for a signature with keyword-only parameters: foreign arrays
    only (the float version takes positional parameters)."""
    foreign = _FirstCall(generate_foreign, {}, "foreign")

    @functools.wraps(general)
    def dispatcher(*args, **kwargs):
        if any(map(is_foreign, args)) or any(map(is_foreign, kwargs.values())):
            return foreign(*args, **kwargs)
        return general(*args, **kwargs)
    dispatcher.__s2sad_forwards__ = True
    return dispatcher


# What `math` functions and float arithmetic raise where NumPy gives inf or nan
# (TypeError: a `math` function given a complex number).
FLOAT_ERRORS = (ValueError, OverflowError, ZeroDivisionError, TypeError)

# NumPy functions whose `math` namesake computes the same function of a float
# (sin, cos and sqrt to the bit; the others within an ulp: NumPy has loops of its own).
MATH_NAMES = {np.sin: "sin", np.cos: "cos", np.tan: "tan", np.arcsin: "asin",
              np.arccos: "acos", np.arctan: "atan", np.arctan2: "atan2", np.sinh: "sinh",
              np.cosh: "cosh", np.tanh: "tanh", np.arcsinh: "asinh", np.arccosh: "acosh",
              np.arctanh: "atanh", np.exp: "exp", np.expm1: "expm1", np.log: "log",
              np.log1p: "log1p", np.log2: "log2", np.log10: "log10", np.sqrt: "sqrt",
              np.hypot: "hypot"}


def use_math(node: gast.FunctionDef, scalars: frozenset, free: dict, namespace,
             names: Names) -> None:
    """Call `math.f` for each `np.f` of numbers only in the float version `node`
    (in place); `free` gets the name `math` is read by."""
    math_name = None
    for call in [n for n in gast.walk(node) if isinstance(n, gast.Call)]:
        attribute = MATH_NAMES.get(_resolved(call.func, free, namespace))
        if attribute is None or call.keywords or \
                not all(_is_number(a, scalars) for a in call.args):
            continue
        if math_name is None:
            math_name = _math_name(free, namespace, names)
        call.func = gast.Attribute(value=syntax.name(math_name), attr=attribute,
                                   ctx=gast.Load())


def _resolved(func: gast.expr, free: dict, namespace):
    """The object a (dotted) name in generated code denotes, or None."""
    dotted = syntax.dotted_name(func)
    if dotted is None:
        return None
    head, *attributes = dotted.split(".")
    value = free[head] if head in free else namespace.lookup(head, None)
    for attribute in attributes:
        value = getattr(value, attribute, None)
    try:
        hash(value)
    except TypeError:
        return None
    return value


def _is_number(node: gast.expr, scalars: frozenset) -> bool:
    """An expression of scalars and numeric literals (powers may be complex)."""
    if isinstance(node, gast.Name):
        return node.id in scalars
    if isinstance(node, gast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, (gast.USub, gast.UAdd)) and _is_number(node.operand, scalars)
    if isinstance(node, gast.BinOp):
        return isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div)) and \
            _is_number(node.left, scalars) and _is_number(node.right, scalars)
    return False


def _math_name(free: dict, namespace, names: Names) -> str:
    """The name generated code reads `math` by: the one it has, else a new one."""
    for name, value in free.items():
        if value is math:
            return name
    name = "math" if namespace.lookup("math", None) in (None, math) and \
        "math" not in names.taken else names.fresh("math_")
    free[name] = math
    names.reserve([name])
    return name


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

    def __call__(self, *args, **kwargs):
        return self.make()(*args, **kwargs)
