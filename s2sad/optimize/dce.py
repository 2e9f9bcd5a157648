"""Dead-code elimination by liveness over structured code."""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import NameTable
from .effects import is_pure


def eliminate_dead_code(node: gast.FunctionDef, table: NameTable | None = None) -> bool:
    """Drop assignments nobody reads and `x = x`; True if anything changed."""
    table = table or NameTable()
    pass_ = _DeadCode(set(table.counts(node)[1]), table)
    node.body, _ = pass_.block(node.body, set())
    return pass_.changed


class _DeadCode:
    def __init__(self, local_names: set, table: NameTable):
        self.locals = local_names
        self.table = table
        self.changed = False

    def block(self, stmts: list, live: set) -> tuple:
        """(kept statements, names live before them) given `live` after them."""
        kept = []
        live = set(live)  # simple statements update it in place
        for stmt in reversed(stmts):
            new, live = self.stmt(stmt, live)
            kept.extend(reversed(new))
        kept.reverse()
        return kept, live

    def stmt(self, stmt, live: set) -> tuple:
        if isinstance(stmt, gast.If):
            return self.if_(stmt, live)
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt, live)
        targets = _assigned_names(stmt)
        if targets is not None and _is_self_copy(stmt):
            self.changed = True
            return [], live
        if targets is not None:
            if not targets & live:
                self.changed = True
                if is_pure(stmt.value, self.locals):
                    return [], live
                stmt = syntax.copy_annos(stmt, gast.copy_location(
                    syntax.expr_stmt(stmt.value), stmt))
            else:
                live -= targets
        live |= self.table.names(stmt)[0]
        return [stmt], live

    def if_(self, stmt: gast.If, live: set) -> tuple:
        body, live_body = self.block(stmt.body, live)
        orelse, live_else = self.block(stmt.orelse, live)
        if not _has_code(body) and not _has_code(orelse):
            self.changed = True
            if is_pure(stmt.test, self.locals):
                return [], live
            # the test may change state (`if stack.pop() > 0:`): keep it
            test = gast.copy_location(syntax.expr_stmt(stmt.test), stmt)
            return [test], live | syntax.names_loaded(stmt.test)
        stmt.body, stmt.orelse = body or [gast.Pass()], orelse
        return [stmt], live_body | live_else | syntax.names_loaded(stmt.test)

    def loop(self, stmt, live: set) -> tuple:
        header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
        live_out = self.loop_live(stmt, live)
        stmt.body, _ = self.block(stmt.body, live_out)
        # an empty `for` goes unless its target is read after it (it keeps the
        # last item, or the value from before the loop when there is none)
        if not _has_code(stmt.body) and isinstance(stmt, gast.For) and \
                is_pure(header, self.locals) and not _loop_target(stmt) & live:
            self.changed = True
            return [], live
        stmt.body = stmt.body or [gast.Pass()]
        return [stmt], live | live_out | syntax.names_loaded(header)

    def loop_live(self, stmt, live: set) -> set:
        """Names live at the end of a loop body: after the loop, or at the body's start."""
        header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
        target = _loop_target(stmt)
        live_out = set(live)
        while True:
            entry = (self.live_in(stmt.body, live_out) - target) | syntax.names_loaded(header)
            if entry <= live_out:
                return live_out
            live_out |= entry

    def live_in(self, stmts: list, live: set) -> set:
        """Names live before `stmts`, as `block` would leave them, without rewriting."""
        live = set(live)
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.If):
                live = self.live_in(stmt.body, live) | self.live_in(stmt.orelse, live) | \
                    syntax.names_loaded(stmt.test)
            elif isinstance(stmt, (gast.For, gast.While)):
                header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
                live = live | self.loop_live(stmt, live) | syntax.names_loaded(header)
            else:
                targets = _assigned_names(stmt)
                if targets is None:
                    live = live | self.table.names(stmt)[0]
                elif targets & live or not is_pure(stmt.value, self.locals):
                    live = (live - targets) | self.table.names(stmt)[0]
        return live


def _assigned_names(stmt) -> set | None:
    """The names `a = ...` or `a = b = ...` binds; None for any other statement,
    an assignment to an item or attribute among them."""
    if stmt.__class__ is gast.Assign and \
            all(target.__class__ is gast.Name for target in stmt.targets):
        return {target.id for target in stmt.targets}
    return None


def _is_self_copy(stmt: gast.Assign) -> bool:
    """`x = x`, left behind when a saved value is propagated back into its name."""
    value = stmt.value
    return value.__class__ is gast.Name and \
        all(target.id == value.id for target in stmt.targets)


def _loop_target(stmt) -> set:
    """The names a `for` loop binds in its header; none for `while`."""
    if isinstance(stmt, gast.For):
        return syntax.names_stored(stmt.target)
    return set()


def _has_code(stmts: list) -> bool:
    return any(not syntax.is_comment(s) and not isinstance(s, gast.Pass) for s in stmts)
