"""s2sad: source-to-source automatic differentiation for Python and NumPy."""
from .api import autodiff, grad, source
from .checking import check_grads
from .containers import register_container
from .errors import (BackendFallbackWarning, GradientCheckError, NonDifferentiableError,
                     S2SADError, S2SADWarning, ShapeError, SourceUnavailableError,
                     UnsupportedSyntaxError, WrtError)
from .functional import hessian, hvp, jacobian, jvp, value_and_grad, vjp
from . import registry
from .registry import adjoint, d, nondifferentiable, source_for, tangent
from .runtime import insert_grad_of, stop_gradient

__all__ = [
    "grad", "autodiff", "source", "check_grads", "adjoint", "tangent", "d", "nondifferentiable",
    "source_for",
    "value_and_grad", "jvp", "vjp", "hvp", "jacobian", "hessian",
    "stop_gradient", "insert_grad_of", "register_container",
    "S2SADError", "UnsupportedSyntaxError", "NonDifferentiableError",
    "SourceUnavailableError", "WrtError", "ShapeError", "GradientCheckError",
    "S2SADWarning", "BackendFallbackWarning",
]
__version__ = "0.1.0"

registry.pending_may_load()  # rules of optional libraries the program imported, from now on
