"""Containers in reverse mode: element writes, list appends and pops, and
literals `[a, b]` whose adjoints go back item by item."""
from __future__ import annotations

import gast

from .. import primitives, syntax
from .tape import SAVE, AdjointState, Recorder


class ContainerAdjoints(Recorder):
    """Uses `self.dicts` (names bound to dict literals) and `real_where_real`."""

    def adjoint_append(self, stmt: gast.Expr, state: AdjointState) -> list:
        """`lst.append(v)`: v receives the adjoint on top of blst; the item goes."""
        name, item = primitives.list_append(stmt)
        out = []
        var = self.derivative_names.get(name)
        contribution = self.derivative(item)
        if var in state.defined and contribution is not None:
            out.append(self.accumulate(syntax.assign(contribution, self.method(var, "pop")),
                                       state))
        elif var in state.defined:
            out.append(syntax.expr_stmt(self.method(var, "pop")))
        out.append(syntax.expr_stmt(self.method(name, "pop")))
        return out

    def adjoint_pop(self, stmt: gast.Assign, state: AdjointState) -> list:
        """`v = lst.pop(i)`: bv goes back into blst, and v into lst, where they were
        (`append` for the last item, `unpop(lst, i, v)` for another)."""
        name, target = stmt.value.func.value.id, stmt.targets[0].id
        index = stmt.value.args[0] if stmt.value.args else None
        out = []
        if name in self.active:
            var = self.derivative_name(name)
            if var not in state.defined:
                out.append(self.zero(var))
                state.defined.add(var)
            adjoint = self.derivative_names.get(target)
            value = syntax.name(adjoint) if adjoint in state.defined else syntax.constant(0.0)
            out.append(self.put_back(var, index, value))
        out.append(self.put_back(name, index, syntax.name(target)))
        return out

    def put_back(self, name: str, index: gast.expr | None, item: gast.expr) -> gast.stmt:
        if index is None or syntax.is_literal(index) and syntax.constant_value(index) == -1:
            return syntax.expr_stmt(self.method(name, "append", item))
        return syntax.expr_stmt(syntax.call(self.helper("unpop"), syntax.name(name),
                                            syntax.clone(index), item))

    def adjoint_store(self, stmt: gast.Assign, state: AdjointState) -> list:
        """`x[i] = v`: v receives bx[i], the old x[i] had no influence after, and
        the old elements come back from the tape."""
        target = stmt.targets[0]
        name, index = target.value.id, target.slice
        out = []
        var = self.derivative_names.get(name)
        if name in self.active and var in state.defined:
            element = syntax.call(self.helper("item_of"), syntax.name(var),
                                  primitives.index_value(index))
            contribution = self.derivative(stmt.value)
            if contribution is not None:
                add = syntax.assign(contribution, syntax.call(
                    self.helper("unbroadcast"), element, syntax.clone(stmt.value)))
                out.append(self.accumulate(self.real_where_real(add, name), state))
            out.append(syntax.assign(var, syntax.call(
                self.helper("zero_item"), syntax.name(var),
                primitives.index_value(index))))
        if id(stmt) in self.pushed:
            if name in self.dicts:
                restore = syntax.expr_stmt(syntax.call(
                    self.helper("restore_item"), syntax.name(name),
                    primitives.index_value(index), self.pop_value()))
            else:
                restore = syntax.assign(syntax.clone(target), self.pop_value())
            syntax.set_anno(restore, SAVE, id(stmt))
            out.append(restore)
        return out

    def unpack_adjoint(self, stmt: gast.Assign, primitive, state: AdjointState) -> list:
        """`t = [a, b]`: a receives bt[0], b receives bt[1]."""
        container = syntax.name(self.derivative_name(stmt.targets[0].id))
        out = []
        for i, item in enumerate(primitive.args):
            var = self.derivative(item)
            if var is None:
                continue
            if primitive.keys is None:
                element = gast.Subscript(value=syntax.clone(container),
                                         slice=syntax.constant(i), ctx=gast.Load())
            elif self.is_scalar(item):  # a dict adjoint may lack keys that received nothing
                element = syntax.call(gast.Attribute(value=syntax.clone(container),
                                                     attr="get", ctx=gast.Load()),
                                      syntax.clone(primitive.keys[i]), syntax.constant(0.0))
            else:  # ... and then the item's are zeros of its shape
                element = syntax.call(self.helper("entry_adjoint"), syntax.clone(container),
                                      syntax.clone(primitive.keys[i]), syntax.clone(item))
            add = self.real_where_real(syntax.assign(var, element), stmt.targets[0].id)
            out.append(self.accumulate(add, state))
        return out
