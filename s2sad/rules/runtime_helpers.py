"""Derivatives of the runtime helpers that generated code calls.

They make generated code differentiable again: grad of a gradient, forward
mode over reverse mode. Every helper here is linear in its first argument.
"""
from ..checkpointing import Schedule
from ..registry import adjoint, d, nondifferentiable, tangent
from .indexing import scatter
from ..runtime import (assert_scalar, assert_seed, assert_unshared, copy_argument, copy_of,
                       expand, gradient_dtype, index_of_max, index_of_min, item_of, list_adjoint,
                       random_state, restore_item, restore_random_state, saved_item,
                       shape_of, stop_gradient, structured, unbroadcast, zero_item, zeros_like)

nondifferentiable(zeros_like, assert_scalar, assert_seed, stop_gradient, saved_item,
                  restore_item, shape_of, index_of_max, index_of_min, gradient_dtype,
                  assert_unshared, random_state, restore_random_state, Schedule)


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


@adjoint(item_of)
def item_of_(y, g, index):
    d[g] = scatter(d[y], g, index)


@tangent(item_of)
def item_of_(y, g, index):
    d[y] = item_of(d[g], index)
