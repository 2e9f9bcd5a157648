"""Interleaved timing: every column is sampled in turn, in one process.

One *round* takes one sample of every column, in an order rotated from round to
round; a sample times `inner` back-to-back calls (enough to last a few
milliseconds) and divides. The reported time of a column is the median of its
samples. Columns whose single call is slow (over `slow_call` seconds, e.g. JAX
eager on a 1000-step Python loop) take part only in the first `slow_samples`
rounds, so they do not eat the whole time budget.
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Settings:
    budget: float = 5.0          # seconds of sampling per case (slow columns excluded)
    min_rounds: int = 7
    max_rounds: int = 40
    target_sample: float = 0.005  # seconds one sample should last
    warmup_calls: int = 2
    slow_call: float = 0.5
    slow_samples: int = 3


FULL = Settings(budget=4.0)
QUICK = Settings(budget=0.1, min_rounds=3, max_rounds=3, target_sample=0.001,
                 warmup_calls=1, slow_call=0.2, slow_samples=1)


@dataclass
class Measurement:
    median: float
    samples: list
    inner: int

    @property
    def spread(self) -> tuple:
        return (min(self.samples), max(self.samples))


def _time_calls(fn: Callable, count: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(count):
            fn()
        return (time.perf_counter() - start) / count
    finally:
        if enabled:
            gc.enable()


def measure(columns: dict, settings: Settings = FULL, first_calls: dict | None = None) -> dict:
    """Median time per call of each callable in `columns` (name -> Measurement).

    `first_calls` holds the duration of a call already made (the gradient check):
    a column for which that call was slow gets no further warm-up call.
    """
    names = list(columns)
    if not names:
        return {}
    first_calls = first_calls or {}
    estimate = {}
    for name in names:                       # warm-up, and a per-call estimate
        fn = columns[name]
        if first_calls.get(name, 0.0) > settings.slow_call:
            estimate[name] = first_calls[name]
            continue
        times = [_time_calls(fn, 1)]
        while len(times) < settings.warmup_calls and times[-1] < settings.slow_call:
            times.append(_time_calls(fn, 1))
        estimate[name] = min(times)
    slow = {n for n in names if estimate[n] > settings.slow_call}
    inner = {n: max(1, round(settings.target_sample / max(estimate[n], 1e-9))) for n in names}
    round_cost = sum(inner[n] * estimate[n] for n in names if n not in slow)
    rounds = int(settings.budget / round_cost) if round_cost > 0 else settings.max_rounds
    rounds = max(settings.min_rounds, min(settings.max_rounds, rounds))
    if len(slow) == len(names):
        rounds = settings.slow_samples
    samples = {n: [] for n in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if name in slow and len(samples[name]) >= settings.slow_samples:
                continue
            samples[name].append(_time_calls(columns[name], inner[name]))
    return {n: Measurement(statistics.median(samples[n]), samples[n], inner[n]) for n in names}


def median_of(fn: Callable, repeats: int) -> tuple:
    """Median and all times of `repeats` single calls of `fn` (each with a fresh input)."""
    times = [fn() for _ in range(repeats)]
    return statistics.median(times), times
