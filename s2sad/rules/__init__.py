"""Derivative rules: one template per primitive, grouped by family.

Importing this package registers every rule. Adding a primitive means adding
one template to the module of its family (or a new module imported here).
The SciPy families register when the program imports SciPy: it is not a dependency.
"""
import importlib
from typing import Callable

from . import (operators, elementwise, scalar_math, reductions, linalg,  # noqa: F401
               decompositions, shapes, indexing, constructors, nondifferentiable, signal, fft,
               random_draws)
from . import runtime_helpers  # noqa: F401,E402
from . import containers  # noqa: F401,E402
from ..registry import register_when_imported  # noqa: E402


def _scipy_family(module: str) -> Callable[[], None]:
    return lambda: importlib.import_module(f"{__name__}.{module}")


# SciPy's families register once the user's program imports their subpackage
# (importing all of SciPy with s2sad took most of a second).
for _package, _module in [("scipy.special", "scipy_special"), ("scipy.stats", "scipy_stats"),
                          ("scipy.linalg", "scipy_linalg"),
                          ("scipy.integrate", "scipy_integrate"),
                          ("scipy.signal", "scipy_signal")]:
    register_when_imported(_package, _scipy_family(_module))
