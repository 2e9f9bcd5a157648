"""Thread settings of the numeric libraries, applied before NumPy is imported."""
import os


def pin_threads(argv) -> str:
    """One thread per library unless --threads N says otherwise (set before NumPy loads).

    On a 2-core machine the spin-waiting thread pools of OpenBLAS, PyTorch (OpenMP)
    and XLA slow each other down when their calls are interleaved, by up to 3x.
    """
    threads = "1"
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            threads = argv[k + 1]
        elif arg.startswith("--threads="):
            threads = arg.split("=", 1)[1]
    if threads != "default":
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, threads)
        if threads == "1":
            flags = os.environ.get("XLA_FLAGS", "")
            if "multi_thread_eigen" not in flags:
                os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
    return threads
