"""Derivatives that notice a rebound callee.

The derivative of `f` calls the derivative of each user function `g` that `f`
calls, made from the `g` that the name held when the derivative was generated.
The primal code reads the name `g` live, as `f` does. When the name is rebound
later (`module.g = other`), the two would disagree; so a derivative that calls
others is wrapped in a guard that compares, on every call, what each such name
holds now with the function the derivative was made from (an identity check per
name), and on a mismatch generates the derivative again before running it.
"""
from __future__ import annotations

import functools
import threading
from typing import Callable

from .decorators import FORWARDS, undecorated


def guarded(df: Callable, callees: dict, func: Callable,
            rebuild: Callable[[], Callable]) -> Callable:
    """`df`, behind a guard that calls `rebuild()` for a new derivative whenever a
    name in `callees` ({dotted name: function}, names read by `func`) no longer
    holds the function `df` was made from."""
    readers, scope = _readers(callees, undecorated(func))
    if not readers:
        return df
    name = df.__name__
    tests = " or ".join(f"{reader} is not built{i}" for i, reader in enumerate(readers))
    text = (f"def {name}(*args, **kwargs):\n"
            f"    if {tests}:\n"
            f"        return rebuilt(*args, **kwargs)\n"
            f"    return current(*args, **kwargs)\n")
    scope.update({f"built{i}": callees[dotted] for i, dotted in enumerate(readers.values())})
    scope["current"] = df
    exec(compile(text, f"<s2sad {name} guard>", "exec"), scope)
    guard = functools.wraps(df)(scope[name])
    setattr(guard, FORWARDS, True)
    lock = threading.Lock()

    def rebuilt(*args, **kwargs):
        with lock:
            new = rebuild()
            for i, reader in enumerate(readers):
                scope[f"built{i}"] = eval(reader, scope)
            scope["current"] = new
            guard.__dict__.update(new.__dict__)
            guard.__wrapped__ = new
        return new(*args, **kwargs)

    scope["rebuilt"] = rebuilt
    return guard


def _readers(callees: dict, func: Callable) -> tuple:
    """({expression reading a callee now: its dotted name}, the names they use):
    for a name of `func`'s closure or of its module's globals."""
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    scope = {"namespace": func.__globals__}
    readers = {}
    for i, dotted in enumerate(sorted(callees)):
        head, *attributes = dotted.split(".")
        if head in cells:
            scope[f"cell{i}"] = cells[head]
            reader = f"cell{i}.cell_contents"
        elif head in func.__globals__:
            reader = f"namespace.get({head!r})"
        else:  # a builtin: not rebound by user code
            continue
        for attribute in attributes:
            reader = f"getattr({reader}, {attribute!r}, None)"
        readers[reader] = dotted
    return readers, scope
