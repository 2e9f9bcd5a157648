"""Logistic regression on ten million rows, on a Dask cluster, with an s2sad gradient.

The loss is dask-glm's logistic loss written with plain `np` calls. s2sad writes its
gradient once; called on Dask arrays, NumPy dispatches every call of the generated
code to dask.array, so the gradient is a lazy Dask array that the cluster computes
chunk by chunk. The data are generated on the workers, chunk by chunk, and never
held whole anywhere: each worker's peak memory stays a few chunks.

    python examples/dask_logistic_regression.py [--rows 10000000] [--steps 10]

Needs Dask and distributed (pip install -e '.[dask]'); shows a progress bar when
tqdm is installed.
"""
import argparse
import sys
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import s2sad

TRUE_BETA = np.array([1.5, -2.0, 0.5, 1.0, 0.0, -0.5, 2.0, -1.0])


def logistic_loss(beta, X, y):
    """The negative log-likelihood of labels y (0 or 1): dask-glm's Logistic loss."""
    Xbeta = X @ beta
    return np.sum(Xbeta + np.log1p(np.exp(-Xbeta))) - np.dot(y, Xbeta)


def make_data(rows, chunk_rows, seed=0):
    """Features and labels of the model TRUE_BETA, as lazy Dask arrays made on the workers."""
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(rows, TRUE_BETA.size), chunks=(chunk_rows, TRUE_BETA.size))
    p = 1.0 / (1.0 + np.exp(-(X @ TRUE_BETA)))
    y = (rng.random(rows, chunks=chunk_rows) < p).astype(float)
    return X, y


def peak_memory() -> int:
    """This process's peak resident memory in bytes (Linux's VmHWM)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def progress_bar(steps, quiet):
    """The steps with a progress bar (tqdm's, when installed) and its way to print."""
    try:
        from tqdm import tqdm
    except ImportError:
        return range(steps), print
    return tqdm(range(steps), desc="gradient descent", disable=quiet, file=sys.stdout), \
        tqdm.write


def main(rows=10_000_000, chunk_rows=500_000, steps=10, learning_rate=2.0, quiet=False,
         processes=True):
    """Fit by gradient descent on a LocalCluster of 2 workers (with processes=False,
    threads of this process: quicker to start, but then the peak memory is this
    process's); return the losses, the fit and the workers' peak memory."""
    say = (lambda *args: None) if quiet else print
    gradient = s2sad.grad(logistic_loss, verbose=0 if quiet else 1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        X, y = make_data(rows, chunk_rows)
        say(f"\n{rows:,} rows x {X.shape[1]} features in chunks of {chunk_rows:,} rows "
            f"({X.nbytes / 2**20:,.0f} MiB of features, never held whole); "
            f"2 workers at start: {peak_memory_mib(client)} MiB peak each")
        beta, losses = np.zeros(TRUE_BETA.size), []
        start = time.perf_counter()
        bar, write = progress_bar(steps, quiet)
        for step in bar:
            loss, g = dask.compute(logistic_loss(beta, X, y), gradient(beta, X, y))
            losses.append(float(loss) / rows)
            if not quiet:
                write(f"  step {step}: loss {losses[-1]:.5f}")
            beta = beta - learning_rate * g / rows
        seconds = time.perf_counter() - start
        peaks = sorted(client.run(peak_memory).values())
    say(f"{steps} steps in {seconds:.1f} s; fitted beta {np.round(beta, 2)}")
    say(f"true beta {TRUE_BETA}")
    say("peak memory per worker: " + ", ".join(f"{p / 2**20:.0f} MiB" for p in peaks))
    return {"losses": losses, "beta": beta, "peak_memory": peaks, "seconds": seconds}


def peak_memory_mib(client) -> str:
    return ", ".join(f"{p / 2**20:.0f}" for p in sorted(client.run(peak_memory).values()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", action="store_true",
                        help="workers as threads of this process, not processes")
    args = parser.parse_args()
    main(args.rows, args.chunk_rows, args.steps, processes=not args.threads)
