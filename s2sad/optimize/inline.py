"""Inline compiler temporaries whose value is read once: names assigned once and
read once, and bindings of a block-local name (see `block_local`) read once
before the name is bound again."""
from __future__ import annotations

import gast

from .. import syntax
from ..aliases import mutated_receiver
from .blocks import Block, NameTable, blocks, fits_one_line
from .effects import is_pure, shares_a_written_array


def inline_temporaries(node: gast.FunctionDef, protected: set,
                       table: NameTable | None = None) -> bool:
    """Substitute single-use temporaries into their use; True if anything changed."""
    table = table or NameTable()
    loads, stores = table.counts(node)
    candidates = {name for name, count in loads.items()
                  if count == 1 and stores[name] == 1 and name not in protected}
    pass_ = _Inliner(candidates, set(stores), table, block_local(node, table) - protected,
                     shares_a_written_array(node))
    pass_.block(node.body)
    return pass_.changed


class _Inliner:
    def __init__(self, candidates: set, local_names: set, table: NameTable,
                 block_local: set, shared: set):
        self.candidates = candidates
        self.block_local = block_local
        self.table = table
        self.locals = local_names
        self.shared = shared  # names that may see an in-place write through another
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
        if name not in self.candidates and name not in self.block_local or \
                not is_pure(stmt.value, self.locals):
            return False
        use = table.next_load(name, i)
        if use is None:
            return False
        target, value = table.stmts[use], stmt.value
        if name not in self.candidates:
            if not self.read_once(table, i, use):
                return False
            # a rerun in a loop's adjoint may share parts with the primal statement
            target, value = syntax.clone(target), syntax.clone(value)
        # an operand bound again or changed in place (`a[0] = v`) before the use
        # would change the value (the use itself may change one: it reads its
        # operands first)
        for operand in table.loads[i]:
            change = table.next_change(operand, i)
            if change is not None and change < use:
                return False
        # `t = v.copy()` of a view v of A moved past `A[0] = ...` would copy the new row
        if set(table.loads[i]) & self.shared and \
                any(_writes_in_place(s) for s in table.stmts[i + 1:use]):
            return False
        parts = _header(target) if hasattr(target, "body") else [target]
        if not fits_one_line(*parts, value):
            return False
        replaced = _substitute(target, name, value)
        if replaced is None:
            return False
        table.replace(use, replaced)
        return True

    def read_once(self, table: Block, i: int, use: int) -> bool:
        """Whether the block-local binding at i is read by the statement at `use`
        only, once."""
        name = table.stmts[i].targets[0].id
        rebind, later = table.next_store(name, i), table.next_load(name, use)
        return name in self.block_local \
            and table.table.reads(table.stmts[use]).count(name) == 1 \
            and (rebind is None and later is None or
                 rebind is not None and rebind >= use and (later is None or later > rebind))


def block_local(node: gast.FunctionDef, table: NameTable) -> set:
    """Names whose every read has, as the nearest statement before it in its own
    statement list that binds the name, a plain `name = ...`: the value of such
    a binding is read only in its list, before the name's next binding there."""
    seen, crossing = set(), set()
    for stmts in blocks(node.body):
        plain = {}  # name -> whether its nearest binding so far is `name = ...`
        for stmt in stmts:
            compound = hasattr(stmt, "body")
            reads = syntax.names_loaded(_header(stmt)) if compound else table.names(stmt)[0]
            crossing |= {name for name in reads if not plain.get(name)}
            if stmt.__class__ is gast.While:  # its test is read again after the body
                crossing |= reads
            bound = table.names(stmt)[1]
            seen |= bound
            simple = syntax.assigned_name(stmt) is not None
            for name in bound:
                plain[name] = simple
    return seen - crossing


def _writes_in_place(stmt) -> bool:
    """`a[i] = v`, `a += v` or `a.append(v)` (nested statements too)."""
    return any(isinstance(s, gast.AugAssign) or mutated_receiver(getattr(s, "value", None))
               is not None or isinstance(s, gast.Assign) and
               isinstance(s.targets[0], gast.Subscript) for s in syntax.statements([stmt]))


def _header(stmt) -> list:
    """The parts of a compound statement evaluated outside its bodies."""
    return [getattr(stmt, field) for field in ("test", "iter", "items")
            if getattr(stmt, field, None) is not None]


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
