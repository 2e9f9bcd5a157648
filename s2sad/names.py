"""Fresh, readable identifiers that never collide with the user's."""
from __future__ import annotations

from typing import Iterable


class Names:
    """Hands out identifiers not yet taken in one generated function."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)

    def reserve(self, identifiers: Iterable[str]) -> None:
        self.taken.update(identifiers)

    def fresh(self, stem: str) -> str:
        """`stem` itself if free, else `stem2`, `stem3`, ..."""
        stem = stem.lstrip("_") or "t"
        candidate, n = stem, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{stem}{n}" if not stem[-1].isdigit() else f"{stem}_{n}"
        self.taken.add(candidate)
        return candidate

    def temp(self) -> str:
        return self.fresh("t")
