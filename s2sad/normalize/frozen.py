"""Frozen objects made in the function: their methods called in the unfrozen form.

`dist = stats.norm(loc, scale)` followed by `t = dist.logpdf(x)` becomes
`t = stats.norm.logpdf(x, loc, scale)` (for makers registered with
registry.freezes). The frozen object only carries its parameters, so the call
then differentiates in them like any other, and the derivative reads as the
user would write it unfrozen. Applies when the object's name is bound once in
the function; the calls read the parameters through copies taken when the
object was made (`dist_loc = loc`), which the optimizer removes where nothing
rebinds them in between.
"""
from __future__ import annotations

import collections

import gast

from .. import registry, syntax
from ..names import Names
from ..parsing import Namespace


def unfreeze_methods(node: gast.FunctionDef, namespace: Namespace, names: Names) -> None:
    """Rewrite, in the normalized `node`, the method calls of frozen objects it makes."""
    stores = collections.Counter(n.id for n in syntax.walk(node.body)
                                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    params = {a.id for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    makers = {}
    for stmt in syntax.statements(node.body):
        made = _made_frozen(stmt, namespace)
        if made is not None and stores[made[0]] == 1 and made[0] not in params:
            makers[made[0]] = (stmt, made[1])
    for frozen, (stmt, freezer) in makers.items():
        operands = _kept_operands(node.body, stmt, set(stores) | params, names, frozen)
        for call_stmt in syntax.statements(node.body):
            _rewrite_call(call_stmt, frozen, stmt.value, freezer, operands)


def _made_frozen(stmt: gast.stmt, namespace: Namespace) -> tuple | None:
    """(name, its registry.Freezer) for `name = maker(...)` with a registered maker."""
    if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name) or \
            not isinstance(stmt.value, gast.Call):
        return None
    freezer = registry.frozen_methods(namespace.resolve(stmt.value.func))
    return None if freezer is None else (stmt.targets[0].id, freezer)


def _kept_operands(body: list, stmt: gast.Assign, local: set, names: Names,
                   frozen: str) -> tuple:
    """The maker's operands as the method calls read them: a local name is copied
    right before the object is made (`dist_loc = loc`), so a later rebinding does
    not change the parameters the calls pass (the optimizer removes the copies
    that nothing rebinds)."""
    call = stmt.value
    copies = {}
    before = []
    for operand in list(call.args) + [k.value for k in call.keywords]:
        if isinstance(operand, gast.Name) and operand.id in local and \
                operand.id not in copies:
            copies[operand.id] = names.fresh(f"{frozen}_{operand.id}")
            before.append(syntax.assign(copies[operand.id], syntax.name(operand.id)))
    if before:
        _insert_before(body, stmt, before)

    def kept(operand):
        if isinstance(operand, gast.Name) and operand.id in copies:
            return syntax.name(copies[operand.id])
        return syntax.clone(operand)
    args = [kept(a) for a in call.args]
    keywords = [gast.keyword(arg=k.arg, value=kept(k.value)) for k in call.keywords]
    return args, keywords


def _insert_before(body: list, stmt: gast.stmt, new: list) -> None:
    """Put `new` right before `stmt` in the block of `body` that holds it."""
    for block in _blocks(body):
        for index, item in enumerate(block):
            if item is stmt:
                for added in new:
                    gast.copy_location(added, stmt)
                block[index:index] = new
                return


def _blocks(body: list):
    """`body` and every statement list nested in it."""
    yield body
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _blocks(inner)


def _rewrite_call(stmt: gast.stmt, frozen: str, maker: gast.Call, freezer: registry.Freezer,
                  operands: tuple) -> None:
    """`t = frozen.m(x)` -> `t = maker.m(x, *maker's operands)` for a frozen method m."""
    if not isinstance(stmt, gast.Assign) or not isinstance(stmt.value, gast.Call):
        return
    call = stmt.value
    func = call.func
    if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)
            and func.value.id == frozen and freezer.methods.get(func.attr) == len(call.args)):
        return
    args, keywords = operands
    args = args[:freezer.positional]
    keywords = [k for k in keywords if k.arg not in freezer.dropped]
    stmt.value = gast.Call(
        func=gast.Attribute(value=syntax.clone(maker.func), attr=func.attr, ctx=gast.Load()),
        args=list(call.args) + [syntax.clone(a) for a in args],
        keywords=[gast.keyword(arg=k.arg, value=syntax.clone(k.value)) for k in keywords]
        + list(call.keywords))
    gast.copy_location(stmt.value, call)
