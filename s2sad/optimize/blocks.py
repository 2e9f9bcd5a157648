"""Statement lists with the names each statement reads and binds, kept current,
so that passes scanning ahead do not walk the same statements again and again."""
from __future__ import annotations

from .. import syntax


class Block:
    """A list of statements with the names each one reads and binds, kept current."""

    def __init__(self, stmts: list):
        self.stmts = stmts
        names = [syntax.names_read_and_bound(s) for s in stmts]
        self.loads = [loaded for loaded, _ in names]
        self.stores = [stored for _, stored in names]

    def replace(self, k: int, stmt) -> None:
        self.stmts[k] = stmt
        self.loads[k], self.stores[k] = syntax.names_read_and_bound(stmt)

    def delete(self, k: int) -> None:
        del self.stmts[k], self.loads[k], self.stores[k]


def blocks(stmts: list):
    """`stmts` and every statement list nested in it."""
    yield stmts
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from blocks(inner)
