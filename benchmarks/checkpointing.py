"""Binomial checkpointing (`checkpoints=K`, issue #20): peak memory and time of
the gradient of a time-stepping loop, against the plain tape.

    python -m benchmarks.checkpointing                    # 2000 steps x 20000 cells
    python -m benchmarks.checkpointing --steps 200 --cells 2000 --ks 10   # quick
    nice python -m benchmarks.checkpointing --big         # 10^5 steps x 10^5 cells, K=50
    python -m benchmarks.checkpointing --big --big-steps 10000   # a tenth of it

The model is an explicit heat-equation solver with a cubic reaction term (so the
adjoint needs each step's state): `heat` loops over `range(steps)` (offline
schedule), `heat_until` is the same solver as a `while` loop that stops on a time
condition (online schedule). Peak memory is tracemalloc's peak during one
gradient call, also in *states* (one array of the field: cells x 8 bytes). Times
are the best of `--repeat` calls without tracemalloc. With JAX installed, the
table adds `jax.checkpoint` applied by hand to each step of a `lax.scan`
(`--jax`; JAX cannot take the data-dependent `while`); its peak is XLA's count of
the compiled gradient's buffers, which tracemalloc cannot see.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import s2sad  # noqa: E402

DT = 0.2    # the explicit scheme is stable for DT <= 0.5
RATE = 0.01


def heat(u, steps):
    for i in range(steps):
        u = u + DT * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) - RATE * u * u * u
    return np.sum(u * u)


def heat_until(u, t_end):
    t = 0.0
    while t < t_end:
        u = u + DT * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1)) - RATE * u * u * u
        t = t + DT
    return np.sum(u * u)


def initial(cells: int) -> np.ndarray:
    x = np.linspace(0.0, 1.0, cells)
    return np.exp(-40.0 * (x - 0.5) ** 2) + 0.1 * np.sin(12.0 * x)


def peak_bytes(fn, *args) -> int:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def best_time(fn, *args, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def jax_gradient(steps: int):
    """The same solver in JAX, each step wrapped in jax.checkpoint by hand."""
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    @jax.checkpoint
    def step(u, _):
        return u + DT * (jnp.roll(u, 1) - 2.0 * u + jnp.roll(u, -1)) - RATE * u * u * u, None

    def loss(u):
        u, _ = jax.lax.scan(step, u, None, length=steps)
        return jnp.sum(u * u)
    gradient = jax.jit(jax.grad(loss))

    def run(u):
        return np.asarray(gradient(u).block_until_ready())
    # XLA's buffers are not Python's: tracemalloc sees none of them; XLA's own
    # account of the compiled gradient's buffers stands in for the peak
    run.peak_of = lambda u: _xla_bytes(gradient, u)
    return run


def _xla_bytes(gradient, u) -> int:
    """Arguments, outputs and temporaries of the compiled gradient, as XLA counts them."""
    stats = gradient.lower(u).compile().memory_analysis()
    return stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes


def measure(name: str, fn, args: tuple, state: int, repeat: int, reference) -> dict:
    value = fn(*args)
    error = float(np.max(np.abs(value - reference)) / np.max(np.abs(reference)))
    peak = fn.peak_of(*args) if hasattr(fn, "peak_of") else peak_bytes(fn, *args)
    seconds = best_time(fn, *args, repeat=repeat)
    return {"name": name, "peak": peak, "states": peak / state, "seconds": seconds,
            "error": error}


def table(rows: list, plain_seconds: float) -> str:
    lines = ["| gradient | peak memory | in states | time | vs plain | max rel. difference |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['peak'] / 2 ** 20:.1f} MiB | "
                     f"{row['states']:.1f} | {row['seconds']:.2f} s | "
                     f"{row['seconds'] / plain_seconds:.2f}x | {row['error']:.1e} |")
    return "\n".join(lines)


def compare(steps: int, cells: int, ks: list, repeat: int, use_jax: bool) -> str:
    u = initial(cells)
    state = u.nbytes
    out = [f"## {steps} steps x {cells} cells (one state: {state / 2 ** 20:.2f} MiB)"]
    for label, f, args in (("heat, for over range", heat, (u, steps)),
                           ("heat_until, while loop", heat_until, (u, steps * DT - DT / 2))):
        plain = s2sad.grad(f)
        reference = plain(*args)
        rows = [measure("plain tape", plain, args, state, repeat, reference)]
        for k in ks:
            rows.append(measure(f"checkpoints={k}", s2sad.grad(f, checkpoints=k), args,
                                state, repeat, reference))
        if use_jax and f is heat:
            try:
                gradient = jax_gradient(steps)
            except ImportError:
                print("(jax is not installed: no jax.checkpoint column)", file=sys.stderr)
            else:
                rows.append(measure("jax.checkpoint per step", gradient, (u,), state,
                                    repeat, reference))
        out += ["", f"### {label}", "", table(rows, rows[0]["seconds"])]
    return "\n".join(out)


def big(steps: int, cells: int, k: int) -> str:
    """The long run: only the checkpointed gradient (the plain tape would need
    steps x cells x 8 bytes)."""
    u = initial(cells)
    df = s2sad.grad(heat, checkpoints=k)
    df(u, 2)
    start = time.perf_counter()
    tracemalloc.start()
    gradient = df(u, steps)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds = time.perf_counter() - start
    one = time.perf_counter()
    heat(u, min(steps, 2000))
    step_seconds = (time.perf_counter() - one) / min(steps, 2000)
    return (f"{steps} steps x {cells} cells, checkpoints={k}: peak {peak / 2 ** 20:.0f} MiB "
            f"({peak / u.nbytes:.1f} states; the plain tape would hold "
            f"{steps * u.nbytes / 2 ** 30:.0f} GiB), {seconds:.0f} s "
            f"({seconds / (steps * step_seconds):.1f}x the {steps * step_seconds:.0f} s of "
            f"one plain sweep of f), |gradient| = {np.linalg.norm(gradient):.6g}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--cells", type=int, default=20000)
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 20, 50])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jax", action="store_true", help="add jax.checkpoint")
    parser.add_argument("--big", action="store_true",
                        help="only the 10^5 steps x 10^5 cells run with K=50")
    parser.add_argument("--big-steps", type=int, default=100_000,
                        help="the number of steps of the --big run")
    args = parser.parse_args(argv)
    print(f"# checkpointing benchmark (pid {os.getpid()}, load {os.getloadavg()[0]:.1f})\n")
    if args.big:
        print(big(args.big_steps, 100_000, 50))
    else:
        print(compare(args.steps, args.cells, args.ks, args.repeat, args.jax))


if __name__ == "__main__":
    main()
