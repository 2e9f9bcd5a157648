"""Replace `return`, `break` and `continue` by flags and guarded blocks.

After this pass a function has exactly one `return`, at its end, and the only
jump left in a loop is its last statement, `if <stop>: break`, annotated
`loop_exit`. Reverse mode needs this: the adjoint of a loop body must know which
of its statements ran, and that is what the flags record.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .. import syntax
from ..names import Names

JUMPS = (gast.Return, gast.Break, gast.Continue)


@dataclass
class _Loop:
    skip: str | None = None   # set: skip the rest of this iteration
    stop: str | None = None   # set: leave the loop after this iteration
    needs_skip: bool = False
    needs_stop: bool = False


@dataclass
class _Function:
    names: Names
    result: str
    returned: str
    loops: list = field(default_factory=list)
    lowering_returns: bool = True
    used_returned: bool = False


def lower_jumps(node: gast.FunctionDef, names: Names) -> gast.FunctionDef:
    """Rewrite `node` in place so it has a single trailing return."""
    body = node.body
    if not _has_early_return(body):
        ctx = _Function(names, result="", returned="", lowering_returns=False)
        node.body = _block(body, ctx)
        return node
    ctx = _Function(names, result=names.fresh("result"), returned=names.fresh("returned"))
    new_body = _block(body, ctx)
    prelude = [syntax.assign(ctx.result, syntax.constant(None))]
    if ctx.used_returned:
        prelude.append(syntax.assign(ctx.returned, syntax.constant(False)))
    node.body = prelude + new_body + [syntax.return_(syntax.name(ctx.result))]
    return node


def _has_early_return(body: list) -> bool:
    """False when the only return is the last top-level statement."""
    for i, stmt in enumerate(body):
        if isinstance(stmt, gast.Return) and i == len(body) - 1:
            continue
        if any(isinstance(n, gast.Return) for n in syntax.statements([stmt])):
            return True
    return False


def _may_jump(stmt: gast.stmt) -> bool:
    """Can executing `stmt` skip the statements after it in its block?"""
    if isinstance(stmt, JUMPS):
        return True
    if isinstance(stmt, (gast.For, gast.While)):
        return any(isinstance(n, gast.Return) for n in syntax.statements([stmt]))
    if isinstance(stmt, gast.If):
        return any(_may_jump(s) for s in stmt.body + stmt.orelse)
    return False


def _skip_flag(ctx: _Function) -> str:
    if ctx.loops:
        loop = ctx.loops[-1]
        loop.needs_skip = True
        return loop.skip
    ctx.used_returned = True
    return ctx.returned


def _block(stmts: list, ctx: _Function) -> list:
    out = []
    for i, stmt in enumerate(stmts):
        jumps = _may_jump(stmt)
        out.extend(_stmt(stmt, ctx))
        rest = stmts[i + 1:]
        if rest and jumps:
            guard = syntax.if_(gast.UnaryOp(op=gast.Not(), operand=syntax.name(_skip_flag(ctx))),
                               _block(rest, ctx))
            out.append(guard)  # no location: a guard is ours, not a user statement
            break
    return out


def _stmt(stmt: gast.stmt, ctx: _Function) -> list:
    if isinstance(stmt, gast.Return) and not ctx.lowering_returns:
        return [stmt]
    if isinstance(stmt, gast.Return):
        return _return(stmt, ctx)
    if isinstance(stmt, (gast.Break, gast.Continue)):
        return _break_or_continue(stmt, ctx)
    if isinstance(stmt, gast.If):
        stmt.body = _block(stmt.body, ctx)
        stmt.orelse = _block(stmt.orelse, ctx)
        return [stmt]
    if isinstance(stmt, (gast.For, gast.While)):
        return _loop(stmt, ctx)
    return [stmt]


def _return(stmt: gast.Return, ctx: _Function) -> list:
    value = stmt.value if stmt.value is not None else syntax.constant(None)
    out = [gast.copy_location(syntax.assign(ctx.result, value), stmt)]
    ctx.used_returned = True
    out.append(syntax.assign(ctx.returned, syntax.constant(True)))
    for loop in ctx.loops:
        loop.needs_skip = loop.needs_stop = True
        out.append(syntax.assign(loop.skip, syntax.constant(True)))
        out.append(syntax.assign(loop.stop, syntax.constant(True)))
    return out


def _break_or_continue(stmt: gast.stmt, ctx: _Function) -> list:
    loop = ctx.loops[-1]
    loop.needs_skip = True
    out = [syntax.assign(loop.skip, syntax.constant(True))]
    if isinstance(stmt, gast.Break):
        loop.needs_stop = True
        out.append(syntax.assign(loop.stop, syntax.constant(True)))
    return [gast.copy_location(s, stmt) for s in out]


def _loop(stmt, ctx: _Function) -> list:
    loop = _Loop(skip=ctx.names.fresh("skip"), stop=ctx.names.fresh("stop"))
    ctx.loops.append(loop)
    body = _block(stmt.body, ctx)
    ctx.loops.pop()
    before = []
    if loop.needs_skip:
        body.insert(0, syntax.assign(loop.skip, syntax.constant(False)))
    if loop.needs_stop:
        before.append(syntax.assign(loop.stop, syntax.constant(False)))
        exit_check = syntax.if_(syntax.name(loop.stop), [gast.Break()])
        syntax.set_anno(exit_check, "loop_exit", True)
        body.append(exit_check)
    stmt.body = body
    return before + [stmt]

