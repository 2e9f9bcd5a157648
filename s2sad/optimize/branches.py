"""Join two `if` statements in a row that test the same name: in a loop's adjoint
the rerun of a branch is followed by the adjoint of the same branch."""
from __future__ import annotations

import gast

from .. import syntax


def merge_branches(node: gast.FunctionDef) -> bool:
    """`if c: A1 else: B1` then `if c: A2 else: B2` becomes `if c: A1; A2 else:
    B1; B2` when A1 and B1 leave c alone; True if anything changed."""
    return _merge(node.body)


def _merge(stmts: list) -> bool:
    changed = False
    k = 0
    while k + 1 < len(stmts):
        first, second = stmts[k], stmts[k + 1]
        if _same_test(first, second):
            first.body = _joined(first.body, second.body)
            first.orelse = _joined(first.orelse, second.orelse)
            del stmts[k + 1]
            changed = True
        else:
            k += 1
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                changed |= _merge(inner)
    return changed


def _same_test(first, second) -> bool:
    return first.__class__ is gast.If and second.__class__ is gast.If \
        and first.test.__class__ is gast.Name and syntax.same(first.test, second.test) \
        and first.test.id not in syntax.names_stored(first.body + first.orelse)


def _joined(first: list, second: list) -> list:
    return [s for s in first + second if s.__class__ is not gast.Pass]
