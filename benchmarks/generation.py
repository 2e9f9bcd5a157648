"""Gradient generation (compile) time for long straight-line functions.

The source of a function with N statements is generated, written to a file in a
temporary directory and imported; `s2sad.grad` is then timed on a freshly
imported module for every repetition (its own file and module), so the cache of
s2sad (keyed by the function object) and Python's `linecache` never help.
"""
from __future__ import annotations

import importlib.util
import itertools
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import s2sad

# Each template keeps values bounded whatever the inputs, so the generated
# function stays finite and its gradient can be checked.
TEMPLATES = [
    "np.sin({a} + {b})",
    "np.tanh({a} * {b})",
    "np.cos({a}) * {b}",
    "0.5 * ({a} + {b})",
    "{a} * np.exp(-{b} * {b})",
    "{a} / (1.0 + {b} * {b})",
    "np.sqrt({a} * {a} + 1.0) * np.sin({b})",
    "{a} * {b} - np.sin({a})",
    "np.tanh({a}) * {b} + 0.1",
]

_counter = itertools.count()


def make_source(statements: int, seed: int = 0) -> str:
    """A function `f(x, y)` of `statements` lines: assignments, then a return.

    Each assignment uses the previous value and one earlier value, so every
    statement contributes to the result (nothing is dead code).
    """
    rng = random.Random(seed)
    names = ["x", "y"]
    body = []
    for k in range(statements - 1):
        a = names[-1]
        b = rng.choice(names[:-1]) if len(names) > 1 else "x"
        target = f"v{k}"
        body.append(f"    {target} = " + rng.choice(TEMPLATES).format(a=a, b=b))
        names.append(target)
    body.append(f"    return {names[-1]} + {names[-2]}")
    return "import numpy as np\n\n\ndef f(x, y):\n" + "\n".join(body) + "\n"


def _import_fresh(path: Path):
    name = f"_s2sad_bench_gen_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, name


def time_generation(statements: int, repeats: int, directory: Path, warmup: bool = True) -> dict:
    """Median time of `s2sad.grad(f, wrt=(0, 1))` on fresh copies of an N-line f.

    With `warmup`, one extra untimed first run (s2sad's own first-use costs); the
    gradient of the first run is checked against central differences (untimed).
    """
    source = make_source(statements)
    paths = []
    for rep in range(repeats + int(warmup)):
        path = directory / f"straight_{statements}_{rep}.py"
        path.write_text(source)
        paths.append(path)
    times = []
    check = None
    for rep, path in enumerate(paths):
        module, name = _import_fresh(path)
        start = time.perf_counter()
        try:
            df = s2sad.grad(module.f, wrt=(0, 1))
        except s2sad.S2SADError as error:
            return {"statements": statements, "status": f"unsupported: {error}"}
        elapsed = time.perf_counter() - start
        if rep == 0:
            check = _check(module.f, df)
        if rep > 0 or not warmup:
            times.append(elapsed)
        sys.modules.pop(name, None)
    return {"statements": statements, "status": "ok" if check is None else check,
            "median": statistics.median(times), "samples": times,
            "generated_lines": len(s2sad.source(df).splitlines())}


def _check(f, df):
    """None when df agrees with central differences at (0.3, 0.7), else a message."""
    x, y = 0.3, 0.7
    gx, gy = df(x, y)
    eps = 1e-6
    fx = (f(x + eps, y) - f(x - eps, y)) / (2 * eps)
    fy = (f(x, y + eps) - f(x, y - eps)) / (2 * eps)
    for name, got, want in (("x", gx, fx), ("y", gy, fy)):
        if not (math.isfinite(got) and abs(got - want) <= 1e-5 + 1e-4 * abs(want)):
            return f"FAIL: d/d{name} = {got!r}, finite differences {want!r}"
    return None


def run(sizes=(30, 300), repeats=(30, 7)) -> list:
    """One result per size; only the first size gets an untimed warm-up run."""
    results = []
    with tempfile.TemporaryDirectory(prefix="s2sad_bench_gen_") as tmp:
        for k, (statements, count) in enumerate(zip(sizes, repeats)):
            results.append(time_generation(statements, count, Path(tmp), warmup=k == 0))
    return results
