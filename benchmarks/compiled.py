"""The numba columns: s2sad's `backend="numba"` against a numba-compiled
hand-written gradient, on the cases whose arguments are all floats.

- "s2sad numba": `s2sad.grad(f, backend="numba")`, built and compiled in a cache
  folder of its own (so the first call compiles rather than loads);
- "hand numba": the case's hand-written gradient (plain loops over floats and
  lists, which numba compiles as they are) under `numba.njit(error_model='numpy')`;
- build + first call time of both; and, in a new process, with numba and s2sad
  imported: numba's start-up (the first function it compiles in a process), s2sad
  generating the gradient, and its first call, which loads the compiled code from
  numba's disk cache (medians of three processes).
"""
from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("s2sad numba", "hand numba")

_LOAD_SCRIPT = """
import sys, time
import numba, s2sad
from benchmarks import cases
case = cases.BY_NAME[sys.argv[1]]
args = case.make_args(sys.argv[2] == "quick")
start = time.perf_counter()
numba.njit(lambda x: x)(1.0)  # numba's start-up, once per process, for any function
warm = time.perf_counter()
df = s2sad.grad(case.func, wrt=case.wrt, backend="numba")
s2sad.specialize.scalar_version(df)  # generates the float version, imports its module
made = time.perf_counter()
df(*args)  # numba loads the compiled code from its cache
print(warm - start, made - warm, time.perf_counter() - made)
"""


def available() -> bool:
    return importlib.util.find_spec("numba") is not None


def fresh_copy(func):
    return types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)


def columns(case, args, quick: bool) -> tuple:
    """({column: call}, {column: status}, {measure: seconds}) for one case."""
    if not all(type(a) in (float, int) for a in args):
        reason = "n/a: the arguments are arrays (backend='numba' compiles float calls)"
        return {}, {c: reason for c in COLUMNS}, {}
    calls, status, extra = {}, {}, {}
    _start_numba()
    folder = tempfile.mkdtemp(prefix="s2sad_bench_cache_")
    calls["s2sad numba"], status["s2sad numba"], extra["numba_compile"] = \
        _s2sad_numba(case, args, folder)
    calls["hand numba"], status["hand numba"], extra["hand_numba_compile"] = \
        _hand_numba(case, args)
    if status["s2sad numba"] == "ok":
        extra["numba_startup"], extra["cached_generation"], extra["numba_cache_load"] = \
            _cache_load(case, folder, quick)
    return {c: f for c, f in calls.items() if f is not None}, status, extra


def _start_numba() -> None:
    """numba's start-up (a second or so, once per process) before any compile is
    timed, so that it does not count against the first case."""
    import numba
    numba.njit(lambda x: x)(1.0)


def _s2sad_numba(case, args, folder: str) -> tuple:
    import s2sad
    old = os.environ.get("S2SAD_CACHE")
    os.environ["S2SAD_CACHE"] = folder
    try:
        start = time.perf_counter()
        df = s2sad.grad(fresh_copy(case.func), wrt=case.wrt, backend="numba")
        with warnings.catch_warnings():
            warnings.simplefilter("error", s2sad.BackendFallbackWarning)
            df(*args)
        elapsed = time.perf_counter() - start
    except s2sad.BackendFallbackWarning as warning:
        return None, "fallback: " + str(warning).replace("\n", " "), None
    finally:
        if old is None:
            del os.environ["S2SAD_CACHE"]
        else:
            os.environ["S2SAD_CACHE"] = old
    return (lambda: df(*args)), "ok", elapsed


def _hand_numba(case, args) -> tuple:
    import numba
    start = time.perf_counter()
    try:
        compiled = numba.njit(error_model="numpy")(case.hand)
        compiled(*args)
    except Exception as error:  # noqa: BLE001  (numba cannot compile it)
        return None, f"error: {type(error).__name__}".replace("\n", " "), None
    return (lambda: compiled(*args)), "ok", time.perf_counter() - start


def _cache_load(case, folder: str, quick: bool) -> tuple:
    """(numba's start-up, s2sad generating the gradient, the first call loading the
    compiled code from the disk cache): medians over three new processes."""
    environment = dict(os.environ, S2SAD_CACHE=folder,
                       PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    times = []
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT, case.name,
                              "quick" if quick else "full"], env=environment, cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
        if run.returncode != 0:
            return None, None, None
        times.append([float(t) for t in run.stdout.split()[-3:]])
    return tuple(statistics.median(column) for column in zip(*times))
