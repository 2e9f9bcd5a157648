"""Statement lists with the names each statement reads and binds, kept current,
so that passes scanning ahead do not walk the same statements again and again."""
from __future__ import annotations

import bisect
from collections import defaultdict

from .. import syntax


class Block:
    """A list of statements, the names each one reads and binds, and for each name
    the positions of the statements that read or bind it.

    Statements are dropped by marking them (positions stay valid during a sweep)
    and removed from the list by `compact`.
    """

    def __init__(self, stmts: list):
        self.stmts = stmts
        self.loads: list = []
        self.stores: list = []
        self.loaded_at = defaultdict(list)   # name -> sorted positions
        self.stored_at = defaultdict(list)
        self.dropped: set = set()
        for k, stmt in enumerate(stmts):
            loaded, stored = syntax.names_read_and_bound(stmt)
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
        self.loads[k], self.stores[k] = syntax.names_read_and_bound(stmt)
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
