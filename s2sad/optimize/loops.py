"""Put a `while` loop's test back in its header: the normal form computes it into
a variable before the loop and again at the end of the body."""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import NameTable, blocks
from .effects import is_pure


def refold_while_tests(node: gast.FunctionDef, table: NameTable) -> bool:
    """`c = E; while c: ...; c = E` becomes `while E: ...` where nothing else reads
    c; True if anything changed."""
    loads, stores = table.counts(node)
    local_names = set(stores)
    changed = False
    for stmts in blocks(node.body):
        for k in range(len(stmts) - 1, 0, -1):
            loop = stmts[k]
            test = _test_name(loop)
            if test is None or loads[test] != 1 or stores[test] != 2:
                continue
            first, last = _first_binding(stmts[:k], test), _last_binding(loop.body, test)
            if first is not None and last is not None and \
                    syntax.same(first.value, last.value) and \
                    is_pure(first.value, local_names):
                loop.test = first.value
                loop.body.remove(last)
                stmts.remove(first)
                changed = True
    return changed


def _test_name(loop) -> str | None:
    is_while = loop.__class__ is gast.While and not loop.orelse
    return loop.test.id if is_while and loop.test.__class__ is gast.Name else None


SCHEDULE = "schedule"  # set by reverse mode on a checkpointed loop's `schedule = ...`


def _first_binding(before: list, name: str):
    """The `name = E` before the loop, past constants bound in between (a counter's
    `n = 0`, a checkpointed loop's schedule) that leave E's operands alone."""
    return _binding_past(before, name, lambda stmt: stmt.__class__ is gast.Assign and
                         (syntax.is_literal(stmt.value) or syntax.anno(stmt, SCHEDULE)))


def _last_binding(body: list, name: str):
    """The body's `name = E` after which only loop exits (`if stop: break`) and
    counters follow that leave E's operands alone: E is what the test would read."""
    return _binding_past(body, name, lambda stmt: name not in syntax.names_loaded(stmt)
                         and _exit_or_count(stmt))


def _binding_past(stmts: list, name: str, passable) -> gast.Assign | None:
    """The last `name = E` in `stmts` when every statement after it is `passable`
    and binds none of E's operands, else None."""
    passed = []
    for stmt in reversed(stmts):
        if syntax.assigned_name(stmt) == name:
            operands = syntax.names_loaded(stmt.value)
            return None if any(syntax.names_stored(s) & operands for s in passed) else stmt
        if not passable(stmt):
            return None
        passed.append(stmt)
    return None


def _exit_or_count(stmt) -> bool:
    """`if flag: break` or `n = n + 1`: statements a test may be moved past."""
    if stmt.__class__ is gast.If:
        return all(s.__class__ is gast.Break for s in stmt.body) and not stmt.orelse
    value = getattr(stmt, "value", None)
    return value.__class__ is gast.BinOp and value.left.__class__ is gast.Name and \
        syntax.assigned_name(stmt) == value.left.id
