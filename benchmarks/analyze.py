"""Where does s2sad's time go? What-if variants of the generated code, and a profile
of gradient generation.

    python -m benchmarks.analyze            # all cases, ~1 minute
    python -m benchmarks.analyze --quick    # small inputs, a few seconds

For each case the generated source (`s2sad.source(df)`) is recompiled with the
same bindings, then

- the runtime helpers it calls (unbroadcast, zeros_like, unreduce, the matmul
  adjoints, ...) are counted for one gradient call;
- variants are timed against the hand-written gradient, in turn:
  *no unbroadcast*: every `unbroadcast(g, x)` replaced by `g` (only valid where
  nothing is broadcast; the variant is checked against the hand-written gradient
  and dropped when it disagrees), and *one product per matmul adjoint*:
  `matmul_adjoint_a/b` computing only the adjoint they return.

Finally `s2sad.grad` on a generated 300-line function is profiled, and the time
is split by s2sad stage (parse, normalize, reverse, optimize, codegen).
"""
from __future__ import annotations

import argparse
import ast
import cProfile
import inspect
import collections
import os
import pstats
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):            # run as a script: python benchmarks/analyze.py
    _here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if __name__ == "__main__":                 # the same thread settings as benchmarks.run
    from benchmarks.threads import pin_threads
    pin_threads(sys.argv[1:])

import numpy as np  # noqa: E402

import s2sad  # noqa: E402
from s2sad.specialize import scalar_version  # noqa: E402

from benchmarks import cases as cases_module  # noqa: E402
from benchmarks import generation, report, timing  # noqa: E402
from benchmarks.run import all_floats, as_tuple, compare  # noqa: E402

HELPERS = ("unbroadcast", "zeros_like", "unreduce", "assert_scalar", "matmul_adjoint_a",
           "matmul_adjoint_b")


def bindings(df) -> dict:
    """The free names of a generated function (its runtime helpers) and their values."""
    cells = df.__closure__ or ()
    return {name: cell.cell_contents for name, cell in zip(df.__code__.co_freevars, cells)}


class _DropUnbroadcast(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "unbroadcast":
            return node.args[0]
        return node


def running_version(df, args):
    """The generated function a call with `args` runs: the float version behind
    s2sad's dispatcher for float arguments, else the general one."""
    return (scalar_version(df) or df) if all_floats(args) else inspect.unwrap(df)


def recompile(df, overrides=None, drop_unbroadcast=False):
    tree = ast.parse(s2sad.source(df))
    if drop_unbroadcast:
        tree = ast.fix_missing_locations(_DropUnbroadcast().visit(tree))
    scope = dict(df.__globals__)
    scope.update(bindings(df))
    scope.update(overrides or {})
    exec(compile(tree, f"<variant of {df.__name__}>", "exec"), scope)
    return scope[tree.body[0].name]


def count_helpers(df, args) -> dict:
    counts = collections.Counter()
    originals = bindings(df)
    overrides = {}
    for name in HELPERS:
        if name in originals:
            def counting(*a, _name=name, _fn=originals[name], **k):
                counts[_name] += 1
                return _fn(*a, **k)
            overrides[name] = counting
    recompile(df, overrides)(*args)
    return dict(counts)


def single_product_matmul(df) -> dict:
    """matmul_adjoint_a/b that compute only the adjoint they return (2-D cases)."""
    free = bindings(df)
    if "matmul_adjoint_a" not in free and "matmul_adjoint_b" not in free:
        return {}
    original_a, original_b = free.get("matmul_adjoint_a"), free.get("matmul_adjoint_b")

    def adjoint_a(g, a, b):
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            return g @ b.T
        return original_a(g, a, b)

    def adjoint_b(g, a, b):
        if np.ndim(a) == 2 and np.ndim(b) in (1, 2):
            return a.T @ g
        return original_b(g, a, b)

    return {"matmul_adjoint_a": adjoint_a, "matmul_adjoint_b": adjoint_b}


def analyze_case(case, quick, settings):
    args = case.make_args(quick)
    df = running_version(s2sad.grad(case.func, wrt=case.wrt), args)
    hand = as_tuple(case.hand(*args), case)
    columns = {"hand": lambda: case.hand(*args), "s2sad": lambda: df(*args)}
    notes = []
    variants = {"no unbroadcast": recompile(df, drop_unbroadcast=True)}
    overrides = single_product_matmul(df)
    if overrides:
        variants["one product per matmul adjoint"] = recompile(df, overrides)
        variants["both"] = recompile(df, overrides, drop_unbroadcast=True)
    for name, variant in variants.items():
        try:
            problem = compare(as_tuple(variant(*args), case), hand)
        except Exception as error:  # noqa: BLE001
            problem = f"{type(error).__name__}: {error}"
        if problem:
            notes.append(f"{name}: not valid here ({problem.split(':')[0]})")
            continue
        columns[name] = (lambda v: lambda: v(*args))(variant)
    measured = timing.measure(columns, settings)
    hand_time = measured["hand"].median
    return {"name": case.name, "helpers": count_helpers(df, args),
            "times": {k: m.median for k, m in measured.items()},
            "vs_hand": {k: m.median / hand_time for k, m in measured.items()},
            "notes": notes}


STAGES = (("parse", "parse_function"), ("normalize", "normalize"), ("reverse", "reverse"),
          ("optimize", "optimize"), ("codegen", "compile_function"))


def profile_generation(statements: int) -> tuple:
    source = generation.make_source(statements)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"straight_{statements}.py"
        path.write_text(source)
        module, name = generation._import_fresh(path)
        profile = cProfile.Profile()
        profile.enable()
        s2sad.grad(module.f, wrt=(0, 1))
        profile.disable()
        sys.modules.pop(name, None)
    stats = pstats.Stats(profile)
    total = max(v[3] for v in stats.stats.values())
    stages = {}
    for label, function in STAGES:
        found = [v[3] for (file, _, fn), v in stats.stats.items()
                 if fn == function and "s2sad" in file]
        if found:
            stages[label] = max(found)
    skip = {"grad", "_derivative", "<module>"} | {fn for _, fn in STAGES}
    hot = sorted(((v[3], v[1], f"{Path(file).parent.name}/{Path(file).name}:{fn}")
                  for (file, _, fn), v in stats.stats.items()
                  if fn not in skip and not fn.startswith("<") and "builtins" not in file
                  and file != "~"),
                 reverse=True)[:12]
    return total, stages, hot


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analyze")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", default="all")
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--threads", default="1",
                        help="as for benchmarks.run (one thread per library by default)")
    options = parser.parse_args(argv)
    names = list(cases_module.BY_NAME) if options.cases == "all" else options.cases.split(",")
    settings = timing.QUICK if options.quick else timing.Settings(budget=3.0, max_rounds=25)

    print("| case | runtime helper calls per gradient | s2sad / hand | no unbroadcast | "
          "one product per matmul adjoint | both |")
    print("|---|---|---|---|---|---|")
    notes = []
    for name in names:
        result = analyze_case(cases_module.BY_NAME[name], options.quick, settings)
        helpers = ", ".join(f"{k} {v}" for k, v in sorted(result["helpers"].items()))
        ratio = result["vs_hand"]
        cells = [report.fmt_ratio(ratio[k]) if k in ratio else "" for k in
                 ("s2sad", "no unbroadcast", "one product per matmul adjoint", "both")]
        print(f"| {name} | {helpers} | " + " | ".join(cells) + " |", flush=True)
        notes += [f"- {name}: {n}" for n in result["notes"]]
    if notes:
        print("\n" + "\n".join(notes))

    total, stages, hot = profile_generation(options.statements)
    print(f"\nProfile of s2sad.grad on a {options.statements}-line function "
          f"(under cProfile, which slows it): {report.fmt_time(total)}")
    print("| stage | cumulative | share |\n|---|---|---|")
    for label, seconds in stages.items():
        print(f"| {label} | {report.fmt_time(seconds)} | {100 * seconds / total:.0f}% |")
    print("\nMost cumulative time (function: time, calls):")
    for seconds, calls, where in hot:
        print(f"- {where}: {report.fmt_time(seconds)}, {calls} calls")


if __name__ == "__main__":
    main()
