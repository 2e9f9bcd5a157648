"""Reuse a value a statement just computed: after `v = a / b`, a later `a / b`
in the same block (a, b and v unchanged) reads v instead. The division rule's
two contributions share `g / y` this way, and `1.0 - t * t` in the adjoint of
`tanh` reads the `t ** 2` a user computed."""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import NameTable, blocks
from .effects import shares_a_written_array


def reuse_values(node: gast.FunctionDef, table: NameTable) -> bool:
    """Replace repeated `a op b` (names and numbers) by the name holding it; True
    if anything changed."""
    changed = False
    shared = shares_a_written_array(node)  # `c8 = p * 1.0; w = c8.reshape(-1); w[0] = v`
    for stmts in blocks(node.body):
        held = {}     # key of `a op b` -> the name bound to it
        readers = {}  # name -> the keys in `held` that go stale when it changes
        for k, stmt in enumerate(stmts):
            if held and stmt.__class__ is gast.Assign and \
                    _may_read(table.names(stmt)[0], readers, held) and \
                    _reads_held(stmt.value, held):
                # a copy: a loop adjoint's rerun may share nodes with the primal
                stmt = stmts[k] = syntax.clone(stmt)
                _replace(stmt, held)
                changed = True
            _, bound, in_place = table.uses(stmt)
            for name in bound | in_place if readers else ():
                for key in readers.pop(name, ()):
                    held.pop(key, None)
            key = _holds(stmt)
            if key is not None and key not in held and \
                    syntax.assigned_name(stmt) not in shared:  # changed through a view
                held[key] = syntax.assigned_name(stmt)
                for name in _operand_names(key) | {held[key]}:
                    readers.setdefault(name, []).append(key)
    return changed


def _holds(stmt):
    """The key of `v = a op b` when v is neither operand."""
    name = syntax.assigned_name(stmt)
    key = _key(stmt.value) if name is not None else None
    return key if key is not None and name not in _operand_names(key) else None


def _key(expr):
    if expr.__class__ is not gast.BinOp:
        return None
    left, right = _operand(expr.left), _operand(expr.right)
    if left is None or right is None:
        return None
    if expr.op.__class__ is gast.Pow and right == ("number", "2"):
        return left, gast.Mult, left  # a ** 2 squares, as a * a does: the same value
    return left, expr.op.__class__, right


def _operand(expr):
    if expr.__class__ is gast.Name:
        return ("name", expr.id)
    value = syntax.number_value(expr)
    return None if value is None else ("number", repr(value))  # repr: 0.0 is not -0.0


def _operand_names(key) -> set:
    return {part[1] for part in (key[0], key[2]) if part[0] == "name"}


def _may_read(reads: set, readers: dict, held: dict) -> bool:
    """Whether a statement reading `reads` reads every operand of a held key."""
    return any(key in held and _operand_names(key) <= reads
               for name in reads for key in readers.get(name, ()))


def _reads_held(expr, held: dict) -> bool:
    return any(_key(node) in held for node in syntax.walk(expr))


def _replace(stmt: gast.Assign, held: dict) -> None:
    """Put the held names in place of their expressions in `stmt`'s value."""
    for node in syntax.walk(stmt):
        for field in syntax.child_fields(node.__class__):
            if node is stmt and field != "value":
                continue
            child = getattr(node, field, None)
            children = child if child.__class__ is list else [child]
            for k, item in enumerate(children):
                key = _key(item)
                if key is not None and key in held:
                    children[k] = syntax.name(held[key])
            if child.__class__ is not list and children[0] is not child:
                setattr(node, field, children[0])
