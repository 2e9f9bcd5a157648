"""Inline compiler temporaries that are assigned once and read once."""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import Block, NameTable, fits_one_line
from .effects import is_pure


def inline_temporaries(node: gast.FunctionDef, protected: set,
                       table: NameTable | None = None) -> bool:
    """Substitute single-use temporaries into their use; True if anything changed."""
    table = table or NameTable()
    loads, stores = table.counts(node)
    candidates = {name for name, count in loads.items()
                  if count == 1 and stores[name] == 1 and name not in protected}
    pass_ = _Inliner(candidates, set(stores), table)
    pass_.block(node.body)
    return pass_.changed


class _Inliner:
    def __init__(self, candidates: set, local_names: set, table: NameTable):
        self.candidates = candidates
        self.table = table
        self.locals = local_names
        self.changed = False

    def block(self, stmts: list) -> None:
        for stmt in stmts:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    self.block(inner)
        table = Block(stmts, self.table)
        for i in range(len(stmts)):
            if self.try_inline(table, i):
                table.drop(i)
        self.changed |= table.compact()

    def try_inline(self, table: Block, i: int) -> bool:
        stmt = table.stmts[i]
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            return False
        name = stmt.targets[0].id
        if name not in self.candidates or not is_pure(stmt.value, self.locals):
            return False
        use = table.next_load(name, i)
        if use is None:
            return False
        # an operand bound again or changed in place (`a[0] = v`) before the use
        # would change the value (the use itself may change one: it reads its
        # operands first)
        for operand in table.loads[i]:
            change = table.next_change(operand, i)
            if change is not None and change < use:
                return False
        if not fits_one_line(table.stmts[use], stmt.value):
            return False
        replaced = _substitute(table.stmts[use], name, stmt.value)
        if replaced is None:
            return False
        table.replace(use, replaced)
        return True


def _substitute(stmt, name: str, value: gast.expr):
    """`stmt` with `value` in place of its one read of `name` (changed in place);
    None if that read sits where the value would be computed more than once, or
    not at all."""
    if isinstance(stmt, gast.While):
        return None
    header = stmt.iter if isinstance(stmt, gast.For) else \
        stmt.test if isinstance(stmt, gast.If) else None
    if header is not None and name not in syntax.names_loaded(header):
        return None
    if isinstance(stmt, gast.Assign) and name in syntax.names_loaded(stmt.targets[0]):
        return None
    return stmt if syntax.replace_read(stmt, name, value) else None
