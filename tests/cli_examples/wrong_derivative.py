"""A custom derivative with a deliberate mistake, for `s2sad check` to catch."""
import s2sad
from s2sad.registry import d


def cube(x):
    return x * x * x


@s2sad.adjoint(cube)
def _cube_adjoint(y, x):
    d[x] = d[y] * 2.0 * x      # wrong on purpose: the derivative is 3 * x ** 2


def uses_cube(x):
    return cube(x) + x
