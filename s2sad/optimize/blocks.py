"""Statement lists with the names each statement reads and binds, kept current,
so that passes scanning ahead do not walk the same statements again and again."""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict

import gast

from .. import syntax

_BODIES = ("body", "orelse", "finalbody")


class NameTable:
    """The names each statement reads and binds, remembered across passes.

    Simple statements are remembered by identity, so a pass that changes one in
    place must `forget` it (simplify never changes which names a statement uses);
    compound statements are summed from their parts each time.
    """

    def __init__(self):
        self._simple: dict = {}  # id -> (stmt, loaded, bound, reads list, binds list)

    def names(self, stmt: gast.stmt) -> tuple:
        """(names read, names bound) by `stmt`."""
        entry = self._entry(stmt)
        return entry[1], entry[2]

    def counts(self, node: gast.FunctionDef) -> tuple:
        """(Counter of reads, Counter of bindings) of each name in the function;
        parameters count as bindings."""
        loads, stores = map(Counter, syntax.name_occurrences(node.args))
        for stmt in node.body:
            entry = self._entry(stmt)
            loads.update(entry[3])
            stores.update(entry[4])
        return loads, stores

    def forget(self, stmt: gast.stmt) -> None:
        self._simple.pop(id(stmt), None)

    def _entry(self, stmt: gast.stmt) -> tuple:
        entry = self._simple.get(id(stmt))
        if entry is not None and entry[0] is stmt:
            return entry
        if hasattr(stmt, "body"):
            loaded, stored = self._compound(stmt)
            return stmt, set(loaded), set(stored), loaded, stored
        loaded, stored = syntax.name_occurrences(stmt)
        entry = self._simple[id(stmt)] = stmt, set(loaded), set(stored), loaded, stored
        return entry

    def _compound(self, stmt: gast.stmt) -> tuple:
        loaded, stored = [], []
        for field in syntax.child_fields(stmt.__class__):
            value = getattr(stmt, field, None)
            if field in _BODIES:
                for inner in value or ():
                    entry = self._entry(inner)
                    loaded += entry[3]
                    stored += entry[4]
            elif value is not None:
                reads, binds = syntax.name_occurrences(value)
                loaded += reads
                stored += binds
        return loaded, stored


class Block:
    """A list of statements, the names each one reads and binds, and for each name
    the positions of the statements that read or bind it.

    Statements are dropped by marking them (positions stay valid during a sweep)
    and removed from the list by `compact`.
    """

    def __init__(self, stmts: list, table: NameTable | None = None):
        self.stmts = stmts
        self.table = table or NameTable()
        self.loads: list = []
        self.stores: list = []
        self.loaded_at = defaultdict(list)   # name -> sorted positions
        self.stored_at = defaultdict(list)
        self.dropped: set = set()
        for k, stmt in enumerate(stmts):
            loaded, stored = self.table.names(stmt)
            self.loads.append(loaded)
            self.stores.append(stored)
            for name in loaded:
                self.loaded_at[name].append(k)
            for name in stored:
                self.stored_at[name].append(k)

    def next_load(self, name: str, after: int) -> int | None:
        """Position of the first statement after `after` that reads `name`."""
        return _next(self.loaded_at.get(name, ()), after)

    def next_store(self, name: str, after: int) -> int | None:
        """Position of the first statement after `after` that binds `name`."""
        return _next(self.stored_at.get(name, ()), after)

    def replace(self, k: int, stmt) -> None:
        self._unindex(k)
        self.stmts[k] = stmt
        self.table.forget(stmt)  # it may have been changed in place
        self.loads[k], self.stores[k] = self.table.names(stmt)
        for name in self.loads[k]:
            bisect.insort(self.loaded_at[name], k)
        for name in self.stores[k]:
            bisect.insort(self.stored_at[name], k)

    def drop(self, k: int) -> None:
        self._unindex(k)
        self.loads[k], self.stores[k] = set(), set()
        self.dropped.add(k)

    def compact(self) -> bool:
        """Remove the dropped statements from the list; True if there were any."""
        for k in sorted(self.dropped, reverse=True):
            del self.stmts[k]
        return bool(self.dropped)

    def _unindex(self, k: int) -> None:
        for name in self.loads[k]:
            self.loaded_at[name].remove(k)
        for name in self.stores[k]:
            self.stored_at[name].remove(k)


def _next(positions, after: int) -> int | None:
    i = bisect.bisect_right(positions, after)
    return positions[i] if i < len(positions) else None


def blocks(stmts: list):
    """`stmts` and every statement list nested in it."""
    yield stmts
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from blocks(inner)
