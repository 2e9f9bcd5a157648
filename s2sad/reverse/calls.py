"""Calls in reverse mode: a registered template, or the generated VJP of a
user function, called by name or looked up when the derivative runs."""
from __future__ import annotations

import inspect

import gast

from .. import registry, syntax
from ..templates import ACCUMULATE, Instance
from .tape import Recorder


class CallAdjoints(Recorder):
    """Uses `self.from_containers`: names a called VJP may return a container for."""

    def instantiate_rule(self, stmt: gast.Assign) -> Instance:
        primitive = self.classify(stmt.value)
        template = registry.adjoint_of(primitive.key)
        self.refuse_dispatch_twice(primitive, stmt)
        if template is None and self.through_source(primitive) is not None:
            return self.subroutine_call(self.through_source(primitive), stmt)
        if template is None and self.is_dispatched(primitive):
            return self.dispatched_vjp(primitive, stmt)
        if template is None:
            raise self.no_derivative(primitive, stmt, "reverse")
        return self.instantiate(template, stmt, primitive)

    def subroutine_call(self, primitive, stmt: gast.Assign) -> Instance:
        """The adjoint of `y = g(...)` for a user function g: a call to g's own
        generated VJP, `bx2, by2 = dg(x, y, bresult=by)`, then accumulation."""
        active = self.bind_call(primitive, stmt)
        vjp = self.callee_derivative(primitive, stmt, active, "reverse")
        if vjp is None:  # recursion
            return self.dispatched_vjp(primitive, stmt)
        containers = getattr(vjp, "__s2sad_containers__", frozenset())
        self.from_containers |= {atom.id for k, (_, atom) in enumerate(active)
                                 if k in containers}
        seed_param = list(inspect.signature(vjp).parameters)[-1]
        vjp_name = self.bind_global(vjp.__name__, vjp)
        keywords = dict(primitive.keywords)
        keywords[seed_param] = syntax.name(self.derivative_name(stmt.targets[0].id))
        call = syntax.call(syntax.name(vjp_name), *primitive.args, **keywords)
        return self.received(self.drawing_like(call, stmt.value), active,
                             bare=len(active) == 1)

    def dispatched_vjp(self, primitive, stmt: gast.Assign) -> Instance:
        """`bh2, bw2 = call_vjp(layer.forward_pass, (0, 1), by, h, w)`: the function
        is looked up when the derivative runs (dispatch.py)."""
        function, wrt, args, active = self.dispatched_call(primitive, stmt)
        # known when it runs: any gradient may be a dict or list, whose order and
        # form structured() gives back as the argument's
        self.from_containers |= {atom.id for _, atom in active if isinstance(atom, gast.Name)}
        seed = syntax.name(self.derivative_name(stmt.targets[0].id))
        call = syntax.call(self.bind_dispatch("call_vjp"), function, wrt, seed, *args,
                           **primitive.keywords)
        return self.received(self.drawing_like(call, stmt.value), active, bare=False)

    def received(self, call: gast.Call, active: list, bare: bool) -> Instance:
        """`bx2, by2 = call`, then each added to its operand's adjoint; `bare`: the
        call returns the one gradient itself, not a tuple."""
        results = [self.names.fresh(self.derivative(atom)) for _, atom in active]
        target = results[0] if bare else \
            syntax.tuple_((syntax.name(r, "store") for r in results), "store")
        stmts = [syntax.assign(target, call)]
        for (_, atom), result in zip(active, results):
            add = syntax.assign(self.derivative(atom), syntax.name(result))
            syntax.set_anno(add, ACCUMULATE, True)
            stmts.append(add)
        return Instance(stmts)
