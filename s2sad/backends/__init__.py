"""Backends: other ways to run a derivative s2sad generated.

The default backend is Python: the generated function itself. `numba.py`
compiles the float version of a derivative with numba (`backend="numba"`).
"""
from __future__ import annotations

BACKENDS = ("python", "numba")
