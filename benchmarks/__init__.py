"""The s2sad benchmark suite (issue #9): run `python -m benchmarks.run`."""
