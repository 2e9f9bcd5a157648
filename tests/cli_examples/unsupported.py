"""Code outside the subset s2sad differentiates."""


def guarded(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y
