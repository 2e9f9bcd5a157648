"""Stage 4: reverse mode. A primal sweep that records, then adjoints in reverse.

The invariant every rule keeps: when the adjoint of a statement starts, every
variable holds the value it had just after that statement ran in the primal
sweep; when it ends, the value it had just before.

- An assignment that overwrites a value pushes the old value on the tape; its
  adjoint pops it back after propagating the derivative.
- A loop pushes, at the start of each iteration, the variables its body
  changes (a checkpoint). Its adjoint walks the iterations backwards: restore
  the checkpoint, rerun the body with recording, run the body's adjoint.
  The tape thus holds one checkpoint per iteration, not every intermediate.
- An `if` needs nothing on the tape: its test is a name the branches do not
  assign, so the adjoint reads the branch taken from it.
"""
from __future__ import annotations

from ..emit import GeneratedFunction
from ..normalize import NormalFunction
from .function import FunctionAdjoint, GradientSpec

__all__ = ["GradientSpec", "reverse"]


def reverse(fn: NormalFunction, spec: GradientSpec) -> GeneratedFunction:
    """Build the vector-Jacobian-product function of `fn`."""
    return FunctionAdjoint(fn, spec).build()
