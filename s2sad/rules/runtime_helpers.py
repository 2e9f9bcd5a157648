"""Derivatives of the runtime helpers that generated code calls.

They make generated code differentiable again: grad of a gradient, forward
mode over reverse mode. Every helper here is linear in its first argument.
"""
import numpy as np

from ..checkpointing import Schedule
from ..registry import adjoint, d, nondifferentiable, reads_shape_of, tangent
from .indexing import scatter
from .shapes import cast_adjoint, cast_tangent, in_dtype_of
from ..runtime import (AdjointDict, AdjointList, as_array, assert_array_method, assert_method_of,
                       assert_scalar, assert_scalar_seed, assert_seed, assert_separate_arguments,
                       assert_shuffles_array, assert_unshared, broadcast_like,
                       copy_argument, copy_of, entry_adjoint, expand, gradient_dtype,
                       index_of_max, index_of_min, is_foreign, item_of,
                       list_adjoint, numpy_only, random_state, real_where_real, restore_item,
                       restore_random_state, saved_item, shape_of, stop_gradient, structured,
                       unbroadcast, zero_gradient, zero_item, zeros_like)

nondifferentiable(zeros_like, assert_scalar, assert_scalar_seed, assert_seed, stop_gradient,
                  saved_item, restore_item, shape_of, index_of_max, index_of_min, gradient_dtype,
                  assert_unshared, random_state, restore_random_state, is_foreign, numpy_only,
                  assert_array_method, assert_method_of, assert_separate_arguments, Schedule,
                  zero_gradient, assert_shuffles_array)  # zeros, whatever its argument


@adjoint(as_array)
def as_array_(y, x, dtype=None):
    d[x] = in_dtype_of(np.reshape(cast_adjoint(d[y], dtype), np.shape(x)), x)


@tangent(as_array)
def as_array_(y, x, dtype=None):
    d[y] = cast_tangent(expand(d[x], x), y, dtype)


@adjoint(broadcast_like)
def broadcast_like_(y, value, x, dtype):
    d[value] = unbroadcast(d[y], value)


@tangent(broadcast_like)
def broadcast_like_(y, value, x, dtype):
    d[y] = broadcast_like(d[value], x, dtype)


@adjoint(unbroadcast)
def unbroadcast_(y, g, x):
    d[g] = expand(d[y], g)


@tangent(unbroadcast)
def unbroadcast_(y, g, x):
    d[y] = unbroadcast(d[g], x)


@adjoint(expand)
def expand_(y, t, x):
    d[t] = unbroadcast(d[y], t)


@tangent(expand)
def expand_(y, t, x):
    d[y] = expand(d[t], x)


@adjoint(copy_of)
def copy_of_(y, value):
    d[value] = d[y]


@tangent(copy_of)
def copy_of_(y, value):
    d[y] = copy_of(d[value])


reads_shape_of(unbroadcast, 1)
reads_shape_of(expand, 1)
reads_shape_of(zeros_like, 0)


@adjoint(real_where_real)
def real_where_real_(y, g, x):
    d[g] = d[y]


@tangent(real_where_real)
def real_where_real_(y, g, x):
    d[y] = real_where_real(d[g], x)


@adjoint(list_adjoint)
def list_adjoint_(y, g, x):
    d[g] = d[y]


@tangent(list_adjoint)
def list_adjoint_(y, g, x):
    d[y] = list_adjoint(d[g], x)


@adjoint(copy_argument)
def copy_argument_(y, value):
    d[value] = d[y]


@tangent(copy_argument)
def copy_argument_(y, value):
    d[y] = copy_argument(d[value])


@adjoint(zero_item)
def zero_item_(y, g, index):
    d[g] = zero_item(d[y], index)


@tangent(zero_item)
def zero_item_(y, g, index):
    d[y] = zero_item(d[g], index)


@adjoint(structured)
def structured_(y, g, x):
    d[g] = d[y]


@tangent(structured)
def structured_(y, g, x):
    d[y] = structured(d[g], x)


def adjoint_list_tangent(t, items):
    """The tangent of AdjointList(items): the items' tangents (t, a list, or a number
    standing for zeros), as an AdjointList."""
    if isinstance(t, (list, tuple)):
        return AdjointList(t)
    return AdjointList([t] * len(items))


# rules' helpers build the adjoint of a sequence argument as an AdjointList
# (cho_solve's of its (c, lower) pair): differentiating them again (hvp) meets it
@tangent(AdjointList)
def adjoint_list_(y, items):
    d[y] = adjoint_list_tangent(d[items], items)


@adjoint(item_of)
def item_of_(y, g, index):
    d[g] = scatter(d[y], g, index)


@tangent(item_of)
def item_of_(y, g, index):
    d[y] = item_of(d[g], index)


@adjoint(entry_adjoint)
def entry_adjoint_(y, g, key, item):
    d[g] = AdjointDict({key: d[y]})


@tangent(entry_adjoint)
def entry_adjoint_(y, g, key, item):
    d[y] = entry_adjoint(d[g], key, item)
