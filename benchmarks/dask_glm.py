"""s2sad gradients on Dask arrays against dask-glm's hand-written ones (issue 19).

    python -m benchmarks.dask_glm             # ~2 minutes on 2 cores
    python -m benchmarks.dask_glm --quick     # smaller data, fewer repeats
    python -m benchmarks.dask_glm --repeats 31   # tighter medians

Measures, on the same chunked data and scheduler, compute included:
- logistic regression: s2sad.grad of dask-glm's logistic loss (plain np calls) against
  dask_glm.families.Logistic.pointwise_gradient, and both on in-memory NumPy arrays;
- a one-hidden-layer MLP: s2sad.grad against a hand-written gradient;
- the graph sizes (tasks) of each gradient;
- the peak memory of each worker of a 2-worker LocalCluster computing the gradient on
  data generated chunk by chunk on the workers (never held whole).

Times are medians of repeated runs, the contestants interleaved. Needs dask,
distributed and dask-glm (the peer; s2sad's tests never need it).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

if __name__ == "__main__":                 # before NumPy is imported (workers inherit it)
    from benchmarks.threads import pin_threads
    pin_threads(sys.argv[1:])

import dask
import dask.array as da
import numpy as np

import s2sad


def logistic_loss(beta, X, y):
    """dask-glm's Logistic.pointwise_loss with plain np calls."""
    Xbeta = X @ beta
    return np.sum(Xbeta + np.log1p(np.exp(-Xbeta))) - np.dot(y, Xbeta)


def mlp_loss(W1, b1, W2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    return np.sum((hidden @ W2 - y) ** 2)


def mlp_gradient_by_hand(W1, b1, W2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    residual = 2.0 * (hidden @ W2 - y)
    back = np.outer(residual, W2) * (1.0 - hidden ** 2)
    return X.T @ back, np.sum(back, axis=0), hidden.T @ residual


def median_seconds(thunks: dict, repeats: int) -> dict:
    """{name: median seconds of thunk()} with the thunks run in turn, `repeats` rounds."""
    times = {name: [] for name in thunks}
    for _ in range(repeats):
        for name, thunk in thunks.items():
            start = time.perf_counter()
            thunk()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def tasks(*values) -> int:
    """The number of tasks in the merged graph of Dask values (after dask's optimizations)."""
    merged = {}
    for value in dask.optimize(*values):
        merged.update(dict(value.__dask_graph__()))
    return len(merged)


def data(rows, cols, chunk_rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-X @ rng.normal(size=cols)))).astype(float)
    return X, y, da.from_array(X, chunks=(chunk_rows, cols)), da.from_array(y, chunks=chunk_rows)


def logistic(rows, cols, chunk_rows, repeats) -> dict:
    from dask_glm.families import Logistic
    X, y, Xd, yd = data(rows, cols, chunk_rows)
    beta = np.random.default_rng(1).normal(size=cols) * 0.1
    gradient = s2sad.grad(logistic_loss)
    ours, theirs = gradient(beta, Xd, yd), Logistic.pointwise_gradient(beta, Xd, yd)
    got, want = dask.compute(ours, theirs)
    error = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
    with dask.config.set(scheduler="threads", num_workers=2):
        times = median_seconds({
            "s2sad on dask": lambda: gradient(beta, Xd, yd).compute(),
            "dask-glm on dask": lambda: Logistic.pointwise_gradient(beta, Xd, yd).compute(),
            "s2sad on numpy": lambda: gradient(beta, X, y),
            "dask-glm formula on numpy": lambda: Logistic.pointwise_gradient(beta, X, y),
        }, repeats)
    return {"times": times, "tasks": {"s2sad": tasks(ours), "dask-glm": tasks(theirs)},
            "relative difference": error}


def mlp(rows, cols, hidden, chunk_rows, repeats) -> dict:
    X, y, Xd, yd = data(rows, cols, chunk_rows)
    rng = np.random.default_rng(2)
    params = (rng.normal(size=(cols, hidden)) * 0.3, rng.normal(size=hidden) * 0.1,
              rng.normal(size=hidden) * 0.3)
    gradient = s2sad.grad(mlp_loss, wrt=(0, 1, 2))
    ours, theirs = gradient(*params, Xd, yd), mlp_gradient_by_hand(*params, Xd, yd)
    got, want = dask.compute(ours, theirs)
    error = max(float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in zip(got, want))
    with dask.config.set(scheduler="threads", num_workers=2):
        times = median_seconds({
            "s2sad on dask": lambda: dask.compute(*gradient(*params, Xd, yd)),
            "by hand on dask": lambda: dask.compute(*mlp_gradient_by_hand(*params, Xd, yd)),
            "s2sad on numpy": lambda: gradient(*params, X, y),
            "by hand on numpy": lambda: mlp_gradient_by_hand(*params, X, y),
        }, repeats)
    return {"times": times, "tasks": {"s2sad": tasks(*ours), "by hand": tasks(*theirs)},
            "relative difference": error}


def reset_peak_memory() -> None:
    """Count this process's peak memory afresh from now (Linux: /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_memory() -> int:
    """This process's peak resident memory since the last reset, in bytes (VmHWM)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def cluster_peak_memory(rows, cols, chunk_rows) -> dict:
    """Peak memory of each of 2 worker processes computing one gradient of data made
    chunk by chunk on the workers, counted from just before the computation; a fresh
    cluster per contestant."""
    from dask.distributed import Client, LocalCluster
    from dask_glm.families import Logistic
    beta = np.random.default_rng(1).normal(size=cols) * 0.1
    gradient = s2sad.grad(logistic_loss)
    out = {}
    for name, grad in [("s2sad", gradient), ("dask-glm", Logistic.pointwise_gradient)]:
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(reset_peak_memory)
            before = sorted(client.run(peak_memory).values())
            rng = da.random.default_rng(0)
            X = rng.normal(size=(rows, cols), chunks=(chunk_rows, cols))
            y = (rng.random(rows, chunks=chunk_rows) < 0.5).astype(float)
            start = time.perf_counter()
            grad(beta, X, y).compute()
            seconds = time.perf_counter() - start
            after = sorted(client.run(peak_memory).values())
        out[name] = {"seconds": round(seconds, 1),
                     "MiB at start": [round(b / 2**20) for b in before],
                     "peak MiB": [round(a / 2**20) for a in after]}
    out["data MiB"] = rows * cols * 8 / 2**20
    out["chunk MiB"] = chunk_rows * cols * 8 / 2**20
    return out


def main(quick=False, repeats=None):
    scale = 10 if quick else 1
    repeats = repeats or (3 if quick else 7)
    results = {
        "logistic 400000x50, chunks of 50000 rows": logistic(400_000 // scale, 50, 50_000 // scale,
                                                              repeats),
        "mlp 200000x20, 32 hidden, chunks of 25000 rows": mlp(200_000 // scale, 20, 32,
                                                               25_000 // scale, repeats),
        "cluster": cluster_peak_memory(4_000_000 // scale, 50, 100_000 // scale),
    }
    for name, result in results.items():
        print(f"\n## {name}")
        for key, value in result.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v * 1e3:.1f} ms" if isinstance(v, float) and
                                  key == "times" else f"{k}: {v}" for k, v in value.items())
            print(f"- {key}: {value}")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, help="timed rounds (default 7, 3 with --quick)")
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    arguments = parser.parse_args()
    main(arguments.quick, arguments.repeats)
