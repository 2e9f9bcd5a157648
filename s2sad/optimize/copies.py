"""Copy propagation and merging of an adjoint's first two contributions.

`bt = bz; ... f(bt)` becomes `f(bz)` when bz does not change in between, and
`by = a` followed by `by = by + b` becomes `by = a + b`.
"""
from __future__ import annotations

from collections import Counter

import gast

from .. import syntax


def propagate_copies(node: gast.FunctionDef, protected: set) -> bool:
    """Replace reads of a once-assigned copy `x = y` by `y`; True if anything changed."""
    stores = Counter(n.id for n in gast.walk(node)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    changed = False
    for block in _blocks(node.body):
        i = 0
        while i < len(block):
            stmt = block[i]
            if _is_copy(stmt) and stmt.targets[0].id not in protected \
                    and stores[stmt.targets[0].id] == 1 and _replace_reads(block, i):
                del block[i]
                changed = True
            else:
                i += 1
    return changed


def merge_contributions(node: gast.FunctionDef) -> bool:
    """`v = a; ...; v = v + b` with v untouched between becomes `v = a + b`."""
    changed = False
    for block in _blocks(node.body):
        names = [syntax.all_names(stmt) for stmt in block]
        i = 0
        while i < len(block):
            j = _next_accumulation(block, i, names)
            if j is None:
                i += 1
                continue
            first, second = block[i], block[j]
            first.value = gast.BinOp(left=first.value, op=gast.Add(), right=second.value.right)
            del block[j]
            del names[j]
            names[i] = syntax.all_names(first)
            changed = True
    return changed


def _blocks(stmts: list):
    yield stmts
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from _blocks(inner)


def _is_copy(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        and isinstance(stmt.value, gast.Name)


def _replace_reads(block: list, i: int) -> bool:
    """Rewrite the reads of block[i]'s target after it; False (and nothing changed)
    if the source changes before a read, or a read is outside this block's tail."""
    target, source = block[i].targets[0].id, block[i].value.id
    rest = block[i + 1:]
    last_use = max((k for k, s in enumerate(rest) if target in syntax.names_loaded(s)),
                   default=None)
    if last_use is None:
        return False
    for stmt in rest[:last_use + 1]:
        reads_target = target in syntax.names_loaded(stmt)
        if source in syntax.names_stored(stmt) and \
                (not isinstance(stmt, gast.Assign) or stmt is not rest[last_use] or
                 isinstance(stmt, (gast.For, gast.While, gast.If)) or not reads_target):
            return False
        if reads_target and isinstance(stmt, (gast.For, gast.While)):
            return False
    for k in range(last_use + 1):
        rest[k] = syntax.copy_annos(rest[k], syntax.substitute(rest[k], {target: source}))
    block[i + 1:] = rest
    return True


def _next_accumulation(block: list, i: int, names: list):
    stmt = block[i]
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
        return None
    var = stmt.targets[0].id
    for j in range(i + 1, len(block)):
        later = block[j]
        if isinstance(later, gast.Assign) and isinstance(later.targets[0], gast.Name) \
                and later.targets[0].id == var:
            value = later.value
            if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) and \
                    isinstance(value.left, gast.Name) and value.left.id == var and \
                    var not in syntax.names_loaded(value.right) and \
                    not (syntax.names_loaded(value.right) &
                         _stored_between(block, i, j)):
                return j
            return None
        if var in names[j]:
            return None
    return None


def _stored_between(block: list, i: int, j: int) -> set:
    return syntax.names_stored(block[i + 1:j])
