"""Dead-code elimination by liveness over structured code."""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import NameTable
from .effects import is_pure

RERUN = "rerun"  # set by reverse mode on a primal `for` whose adjoint reruns its
                 # iterations, the `while` loops in them whole: they end as these do


def eliminate_dead_code(node: gast.FunctionDef, table: NameTable | None = None) -> bool:
    """Drop assignments nobody reads, `x = x`, and loops that only bind names
    nobody reads after them; True if anything changed."""
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
        if not syntax.names_stored(stmt) & live and self.only_computes(stmt) and \
                (syntax.anno(stmt, RERUN) or not _has_while(stmt)):
            # a loop nothing reads after does nothing but spend time; a `while`
            # in it must end, unless the reverse sweep runs it again anyway
            self.changed = True
            return [], live
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

    def only_computes(self, loop) -> bool:
        """Whether the loop only binds local names, with no call that may change
        state (`tape.append`, a draw from a generator object, `print`): then, with
        none of those names read after it, it can go."""
        for stmt in syntax.statements([loop]):
            if syntax.is_comment(stmt) or stmt.__class__ in _JUMPS_AND_PASS:
                continue
            if stmt.__class__ in (gast.If, gast.While):
                expression = stmt.test
            elif stmt.__class__ is gast.For:
                expression = stmt.iter
            elif _assigned_names(stmt) is not None:
                expression = stmt.value
            else:
                return False
            if not is_pure(expression, self.locals):
                return False
        return True

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


_JUMPS_AND_PASS = (gast.Break, gast.Continue, gast.Pass)


def _has_while(loop) -> bool:
    return any(stmt.__class__ is gast.While for stmt in syntax.statements([loop]))


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
