"""Run the s2sad benchmark suite (issue #9).

    python -m benchmarks.run            # full run, ~3 minutes on 2 cores
    python -m benchmarks.run --quick    # smoke run, a few seconds
    python benchmarks/run.py --help     # the same, as a script

Prints markdown tables and writes results.md, results.json and results.png
(the chart needs matplotlib) into --out (default benchmarks/results/, or
benchmarks/results/quick/ with --quick).

Peers (autograd, jax, torch) are used when installed:
    pip install -e '.[bench]'       # autograd, jax[cpu], matplotlib
    pip install torch==2.13.0       # or any CPU build of PyTorch
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import types
from pathlib import Path

if __package__ in (None, ""):            # run as a script: python benchmarks/run.py
    _here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


if __name__ == "__main__":                 # before NumPy is imported
    from benchmarks.threads import pin_threads
    pin_threads(sys.argv[1:])

import numpy as np  # noqa: E402

import s2sad  # noqa: E402
from s2sad.specialize import SCALAR_TYPES, scalar_version  # noqa: E402

from benchmarks import cases as cases_module  # noqa: E402
from benchmarks import compiled, generation, peers, report, timing  # noqa: E402

HERE = Path(__file__).resolve().parent


def fresh_copy(func):
    """A new function object with the same code: s2sad's cache (keyed by function) misses."""
    return types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)


def as_tuple(value, case):
    items = value if len(case.wrt) > 1 else (value,)
    return tuple(np.asarray(v, dtype=float) for v in items)


def compare(got: tuple, want: tuple) -> str | None:
    """None when the gradients agree (np.allclose), else a short message."""
    if len(got) != len(want):
        return f"FAIL: {len(got)} gradients, expected {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        if np.shape(g) != np.shape(w):
            return f"FAIL: gradient {k} has shape {np.shape(g)}, expected {np.shape(w)}"
        if not np.allclose(g, w):
            err = float(np.max(np.abs(np.asarray(g) - np.asarray(w))))
            return f"FAIL: gradient {k} differs from the hand-written one (max abs error {err:.3g})"
    return None


def check_hand_written(case, args, hand) -> str | None:
    """Directional central difference of the function against the hand-written gradient."""
    rng = np.random.default_rng(0)
    directions = [rng.standard_normal(np.shape(args[i])) for i in case.wrt]
    eps = 1e-6

    def shifted(step):
        moved = list(args)
        for i, v in zip(case.wrt, directions):
            moved[i] = args[i] + step * v if np.ndim(v) else args[i] + step * float(v)
        return float(case.func(*moved))

    numeric = (shifted(eps) - shifted(-eps)) / (2 * eps)
    analytic = float(sum(np.sum(g * v) for g, v in zip(hand, directions)))
    if abs(numeric - analytic) > 1e-6 + 1e-3 * abs(analytic):
        return (f"FAIL: hand-written gradient disagrees with finite differences "
                f"({analytic!r} vs {numeric!r})")
    return None


def all_floats(args) -> bool:
    """Whether a call with `args` runs s2sad's float version (s2sad/specialize.py)."""
    return all(type(a) in SCALAR_TYPES for a in args)


def generate(case, quick: bool) -> dict:
    """s2sad's gradient of the case, and its generation time on fresh copies (cache
    bypassed), counting the float version when the case's arguments are floats."""
    floats = all_floats(case.make_args(quick))
    try:
        times = []
        for _ in range(2 if quick else 5):
            copy = fresh_copy(case.func)
            start = time.perf_counter()
            df = s2sad.grad(copy, wrt=case.wrt)
            if floats:
                scalar_version(df)  # what the first call would make
            times.append(time.perf_counter() - start)
    except s2sad.S2SADError as error:
        status = f"unsupported: {type(error).__name__}: {error}".replace("\n", " ")
        return {"status": status, "df": None}
    return {"status": "ok", "df": df, "generation": float(np.median(times)),
            "source": s2sad.source(df, floats=floats)}


def run_case(case, quick: bool, peer_names, slow: bool, settings, log, shared,
             generated: dict, numba_columns: bool = False) -> dict:
    args = case.make_args(quick)
    title = case.title if not quick else f"{case.name} (--quick: small inputs)"
    row = {"name": case.name, "title": title, "kind": case.kind,
           "times": {}, "status": {}, "spread": {}, "peers_same_as": None}
    columns = {"function": lambda: case.func(*args), "hand": lambda: case.hand(*args)}
    row["status"]["function"] = row["status"]["hand"] = "ok"
    hand = as_tuple(case.hand(*args), case)
    problem = check_hand_written(case, args, hand)
    if problem:
        row["status"]["hand"] = problem

    # s2sad: checked against the hand-written gradient before it is timed.
    row["status"]["s2sad"] = generated["status"]
    df = generated["df"]
    if df is not None:
        row["generation"] = generated["generation"]
        row["source"] = generated["source"]
        try:
            problem = compare(as_tuple(df(*args), case), hand)
        except s2sad.S2SADError as error:
            problem = f"unsupported: {type(error).__name__}: {error}".replace("\n", " ")
        except Exception as error:  # noqa: BLE001  (a crash of generated code: a bug to report)
            problem = f"error: {type(error).__name__}: {error}".replace("\n", " ")
        row["status"]["s2sad"] = problem or "ok"
        if not problem:
            columns["s2sad"] = lambda: df(*args)

    # The numba backend and a numba-compiled hand-written gradient (float cases).
    if numba_columns:
        calls, statuses, extra = compiled.columns(case, args, quick)
        row.update(extra)
        for column, call in calls.items():
            try:
                problem = compare(as_tuple(call(), case), hand)
            except Exception as error:  # noqa: BLE001
                problem = f"error: {type(error).__name__}: {error}".replace("\n", " ")
            statuses[column] = problem or "ok"
            if not problem:
                columns[column] = call
        row["status"].update(statuses)

    # Peers: the same code with np/math rebound; checked before they are timed.
    first_calls = {}
    if case.peers_same_as and case.peers_same_as in shared:
        row["peers_same_as"] = case.peers_same_as
    else:
        for name in peer_names:
            try:
                built = peers.FACTORIES[name](case, args, slow=slow, quick=quick)
            except Exception as error:  # noqa: BLE001
                row["status"][name] = f"error: {type(error).__name__}: {error}".replace("\n", " ")
                continue
            for column, call, to_numpy, extra in built:
                if call is None:
                    row["status"][column] = "n/a: " + extra.get("skipped", "")
                    continue
                try:
                    start = time.perf_counter()
                    value = call()
                    first_calls[column] = time.perf_counter() - start
                    problem = compare(to_numpy(value), hand)
                except Exception as error:  # noqa: BLE001
                    problem = f"error: {type(error).__name__}: {error}".splitlines()[0]
                row["status"][column] = problem or "ok"
                if not problem:
                    columns[column] = call
                if "compile" in extra:
                    row["jit_compile"] = extra["compile"]

    log(f"  timing {case.name}: {', '.join(columns)}")
    measured = timing.measure(columns, settings, first_calls)
    for column, m in measured.items():
        row["times"][column] = m.median
        row["spread"][column] = list(m.spread) + [len(m.samples), m.inner]

    if row["peers_same_as"]:
        base = shared[case.peers_same_as]
        for column in report.PEER_COLUMNS:
            if column in base["status"]:
                row["status"][column] = base["status"][column]
                if column in base["times"]:
                    row["times"][column] = base["times"][column]
        if "jit_compile" in base:
            row["jit_compile"] = base["jit_compile"]
    return row


def s2sad_revision() -> str:
    """The git commit of the s2sad being measured, and whether s2sad/ had local edits."""
    import subprocess
    root = Path(s2sad.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "s2sad"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = dirty = ""
    if not commit:   # e.g. an exported tree (git archive): say which commit it was
        return os.environ.get("S2SAD_BENCH_REVISION", "unknown")
    return commit + (" + uncommitted edits in s2sad/" if dirty else "")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = ""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001
        pass
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in
                        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
    if "torch" in sys.modules:
        threads += f", torch threads={sys.modules['torch'].get_num_threads()}"
    versions = peers.versions([p for p in peers.PEERS if peers.available(p)] +
                              (["numba"] if compiled.available() else []))
    extra = ", ".join(f"{k} {v}" for k, v in versions.items())
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, NumPy {np.__version__}"
            f"{' (' + blas + ')' if blas else ''}, s2sad {s2sad.__version__}"
            f"{'; ' + extra if extra else ''}; threads: {threads}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description="s2sad benchmark suite (issue #9)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small inputs, few samples (a few seconds)")
    parser.add_argument("--cases", default="all",
                        help="comma-separated case names (%s)" % ", ".join(cases_module.BY_NAME))
    parser.add_argument("--peers", default=None,
                        help="comma-separated peers among autograd,jax,torch, 'all' or 'none' "
                             "(default: all installed ones; none with --quick)")
    parser.add_argument("--slow", action="store_true",
                        help="also jax.jit the 1000-step scalar loops (about a minute of "
                             "XLA compilation each)")
    parser.add_argument("--numba", choices=("yes", "no"), default=None,
                        help="the numba columns: backend='numba' and a numba-compiled "
                             "hand-written gradient, on the float cases (default: yes when "
                             "numba is installed, no with --quick)")
    parser.add_argument("--no-generation", action="store_true",
                        help="skip the 30/300-line generation benchmark")
    parser.add_argument("--out", default=None,
                        help="directory for results.md/.json/.png "
                             "(default benchmarks/results, or benchmarks/results/quick)")
    parser.add_argument("--no-chart", action="store_true", help="do not write the PNG")
    parser.add_argument("--threads", default="1",
                        help="threads per library (OpenBLAS, PyTorch, XLA); 'default' leaves "
                             "them alone. Only honoured when run as a program (set before "
                             "NumPy is imported)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    options = parser.parse_args(argv)

    def log(message):
        if not options.quiet:
            print(message, file=sys.stderr, flush=True)

    names = list(cases_module.BY_NAME) if options.cases == "all" else options.cases.split(",")
    unknown = [n for n in names if n not in cases_module.BY_NAME]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    if options.peers is None:
        options.peers = "none" if options.quick else "all"
    if options.peers == "none":
        wanted = []
    elif options.peers == "all":
        wanted = list(peers.PEERS)
    else:
        wanted = options.peers.split(",")
        bad = [p for p in wanted if p not in peers.PEERS]
        if bad:
            parser.error(f"unknown peer(s): {', '.join(bad)}")
    installed = [p for p in wanted if peers.available(p)]
    for p in wanted:
        if p not in installed:
            log(f"peer {p} is not installed: its columns are left out")

    if options.numba is None:
        options.numba = "no" if options.quick else "yes"
    numba_columns = options.numba == "yes" and compiled.available()
    if options.numba == "yes" and not numba_columns:
        log("numba is not installed: its columns are left out")
    settings = timing.QUICK if options.quick else timing.FULL
    revision, load_at_start = s2sad_revision(), load_average()
    started = time.perf_counter()
    # Phase 1, before any peer is imported: s2sad's generation times.
    log("generating s2sad gradients ...")
    generated = {name: generate(cases_module.BY_NAME[name], options.quick) for name in names}
    generation_results = []
    if not options.no_generation:
        log("generation time for 30- and 300-line functions ...")
        if options.quick:
            generation_results = generation.run(sizes=(30,), repeats=(2,))
        else:
            generation_results = generation.run(sizes=(30, 300), repeats=(30, 7))

    # Phase 2: the gradients, case by case, every column sampled in turn.
    rows, shared = [], {}
    for name in names:
        case = cases_module.BY_NAME[name]
        log(f"case {name} ...")
        t0 = time.perf_counter()
        row = run_case(case, options.quick, installed, options.slow, settings, log, shared,
                       generated[name], numba_columns)
        row["wall"] = time.perf_counter() - t0
        rows.append(row)
        shared[name] = row

    result = {"quick": options.quick, "machine": machine(), "rows": rows,
              "s2sad_revision": revision, "load_average": [load_at_start, load_average()],
              "generation": generation_results, "peers": installed,
              "command": "python -m benchmarks.run" + (" --quick" if options.quick else ""),
              "wall": time.perf_counter() - started}
    text = report.markdown(result)
    print(text)

    out = Path(options.out) if options.out else (
        HERE / "results" / "quick" if options.quick else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text)
    serializable = {**result, "rows": [{k: v for k, v in r.items() if k != "source"}
                                       for r in rows]}
    (out / "results.json").write_text(json.dumps(serializable, indent=1, default=str))
    for row in rows:
        if row.get("source"):
            (out / "generated").mkdir(exist_ok=True)
            (out / "generated" / f"{row['name']}.py").write_text(row["source"])
    if not options.no_chart:
        message = report.chart(result, out / "results.png")
        log(message or f"chart written to {out / 'results.png'}")
    log(f"results in {out} (total {result['wall']:.1f} s)")
    return result


if __name__ == "__main__":
    main()
