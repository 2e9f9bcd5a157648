"""The tape of reverse mode: pushes and the pops paired with them, and the
adjoint variables' bookkeeping that every kind of statement shares."""
from __future__ import annotations

import functools
from collections import Counter

import gast

from .. import analysis, syntax
from ..emit import Emitter

TAPE = "tape"
SAVE = "save"  # annotation pairing a push with the pops that take it back
FRESH = "fresh"  # annotation on `bx = zeros_like(x)`: a new array only bx holds


class AdjointState:
    """Which adjoint variables hold a (possibly nonzero) value at this point."""

    def __init__(self, defined=()):
        self.defined = set(defined)

    def copy(self):
        return AdjointState(self.defined)


class Recorder(Emitter):
    """Statements that write and read the tape, and adjoint accumulation.

    Subclasses set `self.tape` (the tape's name), `self.uses_tape` and
    `self.pushed` (ids of assignments that save the old value)."""

    def copy_of(self, value: gast.expr) -> gast.expr:
        return syntax.call(self.helper("copy_of"), value)

    def push(self, value: gast.expr, save) -> gast.stmt:
        """`tape.append(value)`; `save` names it for the pop that takes it back."""
        self.uses_tape = True
        stmt = syntax.expr_stmt(syntax.call(
            gast.Attribute(value=syntax.name(self.tape), attr="append", ctx=gast.Load()),
            value))
        syntax.set_anno(stmt, SAVE, save)
        return stmt

    def pop(self, target: str, save) -> gast.stmt:
        stmt = syntax.assign(target, self.pop_value())
        syntax.set_anno(stmt, SAVE, save)
        return stmt

    def pop_value(self) -> gast.expr:
        self.uses_tape = True
        return syntax.call(gast.Attribute(value=syntax.name(self.tape), attr="pop",
                                          ctx=gast.Load()))

    def zero(self, var: str) -> gast.stmt:
        """`bx = zeros_like(x)`, or `bx = 0.0` for a scalar x."""
        primal = self.primal_of[var]
        if primal in self.scalars:
            return syntax.assign(var, syntax.constant(0.0))
        stmt = syntax.assign(var, syntax.call(self.helper("zeros_like"), syntax.name(primal)))
        syntax.set_anno(stmt, FRESH, True)
        return stmt

    def accumulate(self, stmt: gast.Assign, state: AdjointState) -> gast.Assign:
        var = stmt.targets[0].id
        if var in state.defined:
            value = gast.BinOp(left=syntax.name(var), op=gast.Add(), right=stmt.value)
            stmt = syntax.assign(var, value)
        state.defined.add(var)
        return stmt

    def method(self, receiver: str, method: str, *args) -> gast.Call:
        return syntax.call(gast.Attribute(value=syntax.name(receiver), attr=method,
                                          ctx=gast.Load()), *args)

    @functools.cached_property
    def bindings(self) -> Counter:
        """How many statements of the function bind each name."""
        return analysis.binding_counts(self.body)
