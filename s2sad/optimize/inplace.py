"""In-place accumulation: `v = v + g` becomes `v += g` where v owns its array.

A new large array costs more than the addition itself (fresh pages), so adjoints
that collect contributions in a loop should add into one array. That is safe only
while nothing else can see the array: v *owns* it from a zero initialization
(`bx = zeros_like(x)`, marked FRESH by reverse mode: a new float64 array, or 0.0,
so every contribution fits it in shape and type) until v is read other than as an
operand of arithmetic (a call may return or keep its argument; `w = v`, `v[i]`
and `v.T` share it) or bound to anything but a sum into itself.
"""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import sum_into_itself

FRESH = "fresh"  # set by reverse mode on zero initializations of adjoints

# Operators whose result is a new value, never one of their operands.
_ARITHMETIC = (gast.BinOp, gast.UnaryOp, gast.Compare)


def accumulate_in_place(node: gast.FunctionDef) -> bool:
    """Rewrite sums into owned arrays as `+=`; True if anything changed."""
    pass_ = _InPlace()
    pass_.block(node.body, frozenset(), rewrite=True)
    return pass_.changed


class _InPlace:
    changed = False

    def block(self, stmts: list, owned: frozenset, rewrite: bool) -> frozenset:
        """The names owning their arrays after `stmts`, given `owned` before them."""
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, gast.If):
                owned = owned - _escaping(stmt.test)
                owned = self.block(stmt.body, owned, rewrite) & \
                    self.block(stmt.orelse, owned, rewrite)
            elif isinstance(stmt, (gast.For, gast.While)):
                owned = self.loop(stmt, owned, rewrite)
            else:
                owned = self.simple(stmts, i, owned, rewrite)
        return owned

    def loop(self, stmt, owned: frozenset, rewrite: bool) -> frozenset:
        """Ownership at the start of every iteration, which is also after the loop."""
        header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
        bound = syntax.names_stored(stmt.target) if isinstance(stmt, gast.For) else set()
        entry = owned - _escaping(header) - bound
        if not entry and not any(syntax.anno(s, FRESH) for s in syntax.statements(stmt.body)):
            return entry  # nothing owned before or made inside: nothing to find
        while True:
            after = self.block(stmt.body, entry, rewrite=False) - _escaping(header) - bound
            if entry <= after:
                break
            entry = entry & after
        self.block(stmt.body, entry, rewrite)
        return entry

    def simple(self, stmts: list, i: int, owned: frozenset, rewrite: bool) -> frozenset:
        stmt = stmts[i]
        var, added = _sum_into_itself(stmt)
        if var in owned and var not in _escaping(added):
            if rewrite and isinstance(stmt, gast.Assign):
                stmts[i] = syntax.copy_annos(stmt, gast.copy_location(gast.AugAssign(
                    target=syntax.name(var, "store"), op=gast.Add(), value=added), stmt))
                self.changed = True
            return owned - _escaping(added)
        if owned:
            owned = owned - _escaping(stmt) - syntax.names_stored(stmt)
        if syntax.anno(stmt, FRESH):
            owned = owned | {stmt.targets[0].id}
        return owned


def _sum_into_itself(stmt) -> tuple:
    """(v, g) for `v = v + g` or `v += g`, else (None, None)."""
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add) and \
            isinstance(stmt.target, gast.Name):
        return stmt.target.id, stmt.value
    return sum_into_itself(stmt)


def _escaping(node) -> set:
    """Names read in `node` other than as operands of arithmetic or comparison."""
    if isinstance(node, gast.Name):
        return {node.id}
    found = set()
    for parent in syntax.walk(node):
        if isinstance(parent, _ARITHMETIC):
            continue
        for field in syntax.child_fields(parent.__class__):
            value = getattr(parent, field, None)
            for child in value if value.__class__ is list else (value,):
                if child.__class__ is gast.Name and child.ctx.__class__ is gast.Load:
                    found.add(child.id)
    return found
