"""Functions for tests/test_cli.py to differentiate from the command line."""
import numpy as np

from example_helpers import SCALE


def f(x, y):
    return x ** 2 * y + y + 2


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * x
        x = np.sin(x)
    return s


def halve_until_small(x):
    while x > 1.0:
        x = x / 2.0
    return SCALE * x


def energy(w, x):
    return np.sum(np.tanh(w * x) ** 2)


def vector(x):
    return np.sin(x)


def not_a_function_value():
    return 0.0


NOT_CALLABLE = 3.0

if __name__ == "__main__":
    raise SystemExit("the CLI imports this file as a module: this line must not run")
