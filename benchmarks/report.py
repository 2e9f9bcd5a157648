"""Markdown tables and the PNG bar chart of a benchmark run."""
from __future__ import annotations

from pathlib import Path

PEER_COLUMNS = ("autograd", "jax", "jax.jit", "torch")
NUMBA_COLUMNS = ("s2sad numba", "hand numba")


def fmt_time(seconds) -> str:
    if seconds is None:
        return ""
    if seconds >= 0.9995:  # what would print as 1e+03 ms
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fmt_ratio(value) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:.0f}x"
    if value >= 10:
        return f"{value:.1f}x"
    if value >= 0.01:
        return f"{value:.2f}x"
    return f"{value:.4f}x"


def cell(row: dict, column: str) -> str:
    """A time, or a short word for why there is none (details go in the notes)."""
    status = row["status"].get(column)
    if status is None:
        return "—"
    if status == "ok":
        text = fmt_time(row["times"].get(column))
        if column == "jax.jit" and row.get("jit_compile") is not None:
            text += f" (+{fmt_time(row['jit_compile'])} compile)"
        if column in PEER_COLUMNS and row.get("peers_same_as"):
            text += " ¹"
        return text
    return status.split(":")[0]


def ratio(row: dict, top: str, bottom: str):
    times = row["times"]
    if row["status"].get(top) != "ok" or row["status"].get(bottom) != "ok":
        return None
    if not times.get(bottom):
        return None
    return times[top] / times[bottom]


def ratio_cell(row, top, bottom) -> str:
    value = ratio(row, top, bottom)
    if value is None:
        other = row["status"].get(bottom if row["status"].get(top) == "ok" else top)
        return "" if other is None else other.split(":")[0]
    return fmt_ratio(value)


def peer_columns(rows) -> list:
    """The peer columns that at least one row has a status for (i.e. installed)."""
    return [c for c in PEER_COLUMNS if any(c in r["status"] for r in rows)]


def numba_columns(rows) -> list:
    """The numba columns, when at least one row has a time in them."""
    return [c for c in NUMBA_COLUMNS if any(r["status"].get(c) == "ok" for r in rows)]


def times_table(rows) -> str:
    peers = peer_columns(rows)
    compiled = numba_columns(rows)
    head = ["case", "function", "s2sad grad", "hand-written grad"] + compiled + peers + \
        ["s2sad generation"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["title"], cell(row, "function"), cell(row, "s2sad"), cell(row, "hand")]
        cells += [cell(row, c) if row["status"].get(c) == "ok" else "n/a" for c in compiled]
        cells += [cell(row, p) for p in peers]
        gen = row.get("generation")
        cells.append(fmt_time(gen) if gen is not None
                     else row["status"].get("s2sad", "").split(":")[0])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratios_table(rows) -> str:
    peers = peer_columns(rows)
    head = ["case", "s2sad grad / function", "hand grad / function", "s2sad / hand"]
    head += [f"s2sad / {p}" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["title"], ratio_cell(row, "s2sad", "function"),
                 ratio_cell(row, "hand", "function"), ratio_cell(row, "s2sad", "hand")]
        cells += [ratio_cell(row, "s2sad", p) for p in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compiled_table(rows) -> str:
    """The numba backend against a numba-compiled hand-written gradient and jax.jit,
    with compile and disk-cache load times apart."""
    head = ["case", "s2sad numba", "hand numba", "s2sad numba / hand numba", "jax.jit",
            "s2sad numba / jax.jit", "s2sad Python / s2sad numba",
            "s2sad build + first call", "hand numba first call", "jax.jit compile",
            "new process: numba start-up", "new process: s2sad generation",
            "new process: first call (from the disk cache)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if row["status"].get("s2sad numba") is None or \
                row["status"]["s2sad numba"].startswith("n/a"):
            continue
        jit = fmt_time(row["times"].get("jax.jit")) if row["status"].get("jax.jit") == "ok" \
            else (row["status"].get("jax.jit") or "—").split(":")[0]
        cells = [row["title"], cell(row, "s2sad numba"), cell(row, "hand numba"),
                 ratio_cell(row, "s2sad numba", "hand numba"), jit,
                 ratio_cell(row, "s2sad numba", "jax.jit"),
                 ratio_cell(row, "s2sad", "s2sad numba"),
                 fmt_time(row.get("numba_compile")), fmt_time(row.get("hand_numba_compile")),
                 fmt_time(row.get("jit_compile")), fmt_time(row.get("numba_startup")),
                 fmt_time(row.get("cached_generation")), fmt_time(row.get("numba_cache_load"))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def generation_table(results) -> str:
    lines = ["| straight-line function | s2sad.grad (median) | generated lines | samples |",
             "|---|---|---|---|"]
    for r in results:
        if r.get("status") != "ok":
            lines.append(f"| {r['statements']} lines | {r['status']} | | |")
            continue
        lines.append(f"| {r['statements']} lines | {fmt_time(r['median'])} | "
                     f"{r['generated_lines']} | {len(r['samples'])} |")
    return "\n".join(lines)


def notes(rows) -> str:
    out = []
    if any(r.get("peers_same_as") for r in rows):
        out.append("¹ the peers' numbers of the row named in the notes below: the same "
                   "program (peers have no `math` spelling, since `math.sin` cannot take "
                   "their arrays, and ignore annotations), timed once there.")
        for row in rows:
            if row.get("peers_same_as"):
                out.append(f"- {row['name']}: peers as in {row['peers_same_as']}")
    for row in rows:
        for column, status in row["status"].items():
            if column in NUMBA_COLUMNS and status.startswith("n/a"):
                continue  # the array cases: said once in the compiled table's title
            if status != "ok" and ":" in status:
                out.append(f"- {row['name']} / {column}: {status}")
    return "\n".join(out)


def markdown(result: dict) -> str:
    rows = result["rows"]
    parts = [f"## s2sad benchmarks{' (--quick)' if result['quick'] else ''}", "",
             "Median time per call (all columns sampled in turn, in one process).", "",
             times_table(rows), "", "Ratios (below 1: s2sad is faster).", "",
             ratios_table(rows)]
    if any(c in r["status"] for r in rows for c in NUMBA_COLUMNS):
        parts += ["", "Compiled: `backend=\"numba\"` on the float cases (steady-state medians; "
                  "compile and cache-load times apart).", "", compiled_table(rows)]
    if result.get("generation"):
        parts += ["", "Gradient generation time (`s2sad.grad`, cache bypassed).", "",
                  generation_table(result["generation"])]
    text = notes(rows)
    if text:
        parts += ["", text]
    parts += ["", "Machine: " + result["machine"]]
    if "s2sad_revision" in result:
        start, end = result["load_average"]
        parts += [f"s2sad commit {result['s2sad_revision']}; load average (1, 5, 15 min) "
                  f"{start} at the start, {end} at the end; total {result['wall']:.0f} s."]
    return "\n".join(parts) + "\n"


def chart(result: dict, path: Path) -> str | None:
    """Write the PNG bar chart; a message instead when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no chart (pip install matplotlib)"
    rows = result["rows"]
    columns = ["s2sad", "hand"] + peer_columns(rows)
    labels = {"s2sad": "s2sad", "hand": "hand-written", "jax": "JAX eager",
              "jax.jit": "JAX jit", "torch": "PyTorch eager", "autograd": "autograd"}
    fig, ax = plt.subplots(figsize=(12, 5.5))
    width = 0.8 / len(columns)
    for k, column in enumerate(columns):
        xs, ys = [], []
        for i, row in enumerate(rows):
            value = ratio(row, column, "function")
            if value is not None:
                xs.append(i + (k - (len(columns) - 1) / 2) * width)
                ys.append(value)
        ax.bar(xs, ys, width, label=labels.get(column, column))
    ax.set_yscale("log")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r["name"] for r in rows], rotation=20, ha="right")
    ax.set_ylabel("gradient time / function time (log scale, lower is better)")
    ax.set_title("s2sad benchmarks: gradient cost relative to the function itself")
    ax.legend(fontsize="small", ncol=3)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
