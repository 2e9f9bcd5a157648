"""Copy propagation and merging of an adjoint's first two contributions.

`bt = bz; ... f(bt)` becomes `f(bz)` when bz does not change in between, and
`by = a` followed by `by = by + b` becomes `by = a + b`.
"""
from __future__ import annotations

from collections import Counter

import gast

from .. import syntax
from .blocks import Block, blocks


def propagate_copies(node: gast.FunctionDef, protected: set) -> bool:
    """Replace reads of a once-assigned copy `x = y` by `y`; True if anything changed."""
    stores = Counter(n.id for n in syntax.walk(node)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    changed = False
    for stmts in blocks(node.body):
        block = Block(stmts)
        i = 0
        while i < len(block.stmts):
            stmt = block.stmts[i]
            if _is_copy(stmt) and stmt.targets[0].id not in protected \
                    and stores[stmt.targets[0].id] == 1 and _replace_reads(block, i):
                block.delete(i)
                changed = True
            else:
                i += 1
    return changed


def merge_contributions(node: gast.FunctionDef) -> bool:
    """`v = a; ...; v = v + b` with v untouched between becomes `v = a + b`."""
    changed = False
    for stmts in blocks(node.body):
        block = Block(stmts)
        i = 0
        while i < len(block.stmts):
            j = _next_accumulation(block, i)
            if j is None:
                i += 1
                continue
            first, second = block.stmts[i], block.stmts[j]
            first.value = gast.BinOp(left=first.value, op=gast.Add(), right=second.value.right)
            block.delete(j)
            block.replace(i, first)
            changed = True
    return changed


def _is_copy(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        and isinstance(stmt.value, gast.Name)


def _replace_reads(block: Block, i: int) -> bool:
    """Rewrite the reads of the copy at i after it; False (and nothing changed) if
    the source changes before a read, or a read sits in a loop."""
    target, source = block.stmts[i].targets[0].id, block.stmts[i].value.id
    uses = [k for k in range(i + 1, len(block.stmts)) if target in block.loads[k]]
    if not uses:
        return False
    last = uses[-1]
    for k in range(i + 1, last + 1):
        stmt = block.stmts[k]
        reads_target = target in block.loads[k]
        if reads_target and isinstance(stmt, (gast.For, gast.While)):
            return False
        # the source may change only in the last use itself (its value is read first)
        if source in block.stores[k] and not (k == last and reads_target and
                                              isinstance(stmt, gast.Assign)):
            return False
    for k in uses:
        block.replace(k, syntax.copy_annos(block.stmts[k],
                                           syntax.substitute(block.stmts[k], {target: source})))
    return True


def _next_accumulation(block: Block, i: int):
    """j such that block[j] is `v = v + b` adding to block[i]'s `v = a`, or None."""
    stmt = block.stmts[i]
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
        return None
    var = stmt.targets[0].id
    stored_between = set()
    for j in range(i + 1, len(block.stmts)):
        later = block.stmts[j]
        if isinstance(later, gast.Assign) and isinstance(later.targets[0], gast.Name) \
                and later.targets[0].id == var:
            value = later.value
            if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) and \
                    isinstance(value.left, gast.Name) and value.left.id == var:
                added = syntax.names_loaded(value.right)
                if var not in added and not added & stored_between:
                    return j
            return None
        if var in block.loads[j] or var in block.stores[j]:
            return None
        stored_between |= block.stores[j]
    return None
