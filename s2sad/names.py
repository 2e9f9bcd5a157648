"""Fresh, readable identifiers that never collide with the user's."""
from __future__ import annotations

from typing import Iterable


class Names:
    """Hands out identifiers not yet taken in one generated function."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)
        self.last = {}  # stem -> the last number tried: later searches start there

    def reserve(self, identifiers: Iterable[str]) -> None:
        self.taken.update(identifiers)

    def fresh(self, stem: str) -> str:
        """`stem` itself if free, else `stem2`, `stem3`, ..."""
        stem = stem.lstrip("_") or "t"
        n = self.last.get(stem, 1)
        candidate = stem if n == 1 else self._numbered(stem, n)
        while candidate in self.taken:
            n += 1
            candidate = self._numbered(stem, n)
        self.last[stem] = n
        self.taken.add(candidate)
        return candidate

    @staticmethod
    def _numbered(stem: str, n: int) -> str:
        return f"{stem}{n}" if not stem[-1].isdigit() else f"{stem}_{n}"

    def temp(self) -> str:
        return self.fresh("t")
