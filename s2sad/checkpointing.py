"""Binomial checkpointing at run time: at which steps a checkpointed loop keeps a
snapshot of its state, and from which snapshot the adjoint recomputes each step.

A loop differentiated with `checkpoints=K` (see s2sad/reverse/revolve.py) runs
with a `Schedule`. The snapshots themselves are on the derivative's tape; the
schedule only decides, and keeps the steps they belong to:

- `due()` is called at the start of every step a forward sweep runs (the primal
  loop, and each advance in the adjoint): True when the sweep should push a
  snapshot of the state there.
- `advance(items)` is called by each reversed iteration right after it popped
  the latest snapshot: it returns the steps (or the items of `items` at those
  steps) to run plainly from that snapshot up to the step being reversed, and
  plans where that advance takes snapshots again.

The schedule is Griewank's binomial one (the `revolve` algorithm), built by
recursive splitting: to reverse `l` steps holding `s` snapshots (the one at the
start included) with the fewest recomputed steps, advance `m` steps, take a
snapshot, reverse the last `l - m` steps with `s - 1` snapshots, then the first
`m` with `s`. With `r` the smallest integer such that `binom(s + r, r) >= l`, any
`m` with `m <= binom(s + r - 1, r - 1)` and `l - m <= binom(s + r - 1, r)` is
optimal; we take the largest `l - m`. Every step then runs plainly at most `r`
times in the reversal.

When the number of steps is known at the loop's entry (`for` over `range`), the
primal loop already takes the snapshots of the first split chain (offline
schedule). When it is not (`while`, `break`), the primal loop keeps a snapshot of
its first step only and counts its steps; the reversal then follows the offline
schedule for the count. This online schedule costs at most one sweep more than
the offline one, and never more than `K` snapshots.
"""
from __future__ import annotations

from math import comb
from typing import Iterable

__all__ = ["Schedule", "repetitions", "split", "least_recomputation"]


def repetitions(steps: int, snapshots: int) -> int:
    """The smallest `r` with `binom(snapshots + r, r) >= steps`: how many times the
    binomial schedule may run a step plainly while reversing `steps` steps."""
    r = 0
    while comb(snapshots + r, r) < steps:
        r += 1
    return r


def split(steps: int, snapshots: int) -> int:
    """How many steps to advance before the next snapshot, to reverse `steps`
    steps (more than one) holding `snapshots` (more than one, the start's among them)."""
    r = repetitions(steps, snapshots)
    return steps - min(comb(snapshots - 1 + r, r), steps - 1)


def least_recomputation(steps: int, snapshots: int) -> int:
    """The fewest plain steps any schedule needs to reverse `steps` steps holding
    `snapshots` snapshots (the start's among them): Griewank's closed form
    `r * steps - binom(snapshots + r, r - 1)`, with `r = repetitions(...)`."""
    if steps <= 1:
        return 0
    r = repetitions(steps, snapshots)
    return r * steps - comb(snapshots + r, r - 1)


class Schedule:
    """When one run of a checkpointed loop takes snapshots; at most `slots` at once.

    `steps` is the loop's trip count when known at its entry, None when the
    primal loop counts it (online)."""

    def __init__(self, slots: int, steps: int | None = None):
        if not isinstance(slots, int) or slots < 1:
            raise ValueError(f"checkpoints must be a positive int, not {slots!r}")
        self.slots = slots
        self.steps = steps
        self.held = []       # the steps of the snapshots on the tape, oldest first
        self.position = 0    # the step the next `due()` starts
        self.reversing = None  # the step being reversed, once the reversal started
        self.planned = set(self._positions(0, steps - 1, slots)) if steps else {0}
        self.plain_steps = 0  # steps run plainly, the primal loop's included
        self.peak = 0         # the most snapshots held at once

    def due(self) -> bool:
        """At the start of a step run plainly: whether to push a snapshot now."""
        step = self.position
        self.position += 1
        self.plain_steps += 1
        if step not in self.planned:
            return False
        self.held.append(step)
        self.peak = max(self.peak, len(self.held))
        return True

    def advance(self, items: Iterable | None = None) -> Iterable:
        """After the latest snapshot was popped, the steps to run from it to the
        step being reversed (the items of `items` at those steps, if given)."""
        if self.reversing is None:  # the first reversed step: the loop's last
            self.steps = self.position
            self.reversing = self.steps
        self.reversing -= 1
        start = self.held.pop()
        free = self.slots - len(self.held)  # the start's snapshot among them
        self.planned = set(self._positions(start, self.reversing, free)) \
            if start < self.reversing else set()
        self.position = start
        if items is None:
            return range(start, self.reversing)
        return items[start:self.reversing]

    @staticmethod
    def _positions(start: int, end: int, snapshots: int) -> list:
        """The steps at which a sweep from `start` keeps snapshots, to reverse the
        steps from `start` to `end` (included)."""
        positions = [start]
        remaining = end + 1 - start
        while remaining > 1 and snapshots > 1:
            advanced = split(remaining, snapshots)
            start += advanced
            remaining -= advanced
            snapshots -= 1
            positions.append(start)
        return positions
