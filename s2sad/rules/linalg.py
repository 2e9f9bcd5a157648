"""Products of arrays."""
import operator

import numpy as np

from ..registry import adjoint, d
from ..runtime import unbroadcast


def matmul_adjoints(g, a, b):
    """Adjoints of `a @ b` for the adjoint `g` of its result (any ndim >= 1)."""
    a2 = a if np.ndim(a) > 1 else np.reshape(a, (1, -1))
    b2 = b if np.ndim(b) > 1 else np.reshape(b, (-1, 1))
    g2 = g
    if np.ndim(a) == 1:
        g2 = np.expand_dims(g2, -2)
    if np.ndim(b) == 1:
        g2 = np.expand_dims(g2, -1)
    da = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2)
    db = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2)
    return np.reshape(da, np.shape(a)), np.reshape(db, np.shape(b))


def matmul_adjoint_a(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return matmul_adjoints(g, a, b)[0]


def matmul_adjoint_b(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return matmul_adjoints(g, a, b)[1]


@adjoint(operator.matmul, np.matmul, np.dot)
def dot(z, a, b):
    d[a] = matmul_adjoint_a(d[z], a, b)
    d[b] = matmul_adjoint_b(d[z], a, b)
