"""s2sad: source-to-source automatic differentiation for Python and NumPy."""
from .api import autodiff, grad, source
from .checking import check_grads
from .errors import (GradientCheckError, NonDifferentiableError, S2SADError, ShapeError,
                     SourceUnavailableError, UnsupportedSyntaxError, WrtError)
from .registry import adjoint, nondifferentiable, tangent

__all__ = [
    "grad", "autodiff", "source", "check_grads", "adjoint", "tangent", "nondifferentiable",
    "S2SADError", "UnsupportedSyntaxError", "NonDifferentiableError",
    "SourceUnavailableError", "WrtError", "ShapeError", "GradientCheckError",
]
__version__ = "0.1.0"
