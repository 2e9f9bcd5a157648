"""Derivative rules: one template per primitive, grouped by family.

Importing this package registers every rule. Adding a primitive means adding
one template to the module of its family (or a new module imported here).
The SciPy families register only when SciPy imports: it is not a dependency.
"""
from . import (operators, elementwise, scalar_math, reductions, linalg,  # noqa: F401
               decompositions, shapes, indexing, constructors, nondifferentiable, signal, fft,
               random_draws)
from . import runtime_helpers  # noqa: F401,E402
from . import containers  # noqa: F401,E402

try:
    import scipy  # noqa: F401
except ImportError:  # pragma: no cover  (SciPy is optional)
    pass
else:
    from . import (scipy_special, scipy_stats, scipy_linalg, scipy_integrate,  # noqa: F401
                   scipy_signal)
