"""Python containers and objects: summing a list, walking a dict's keys, reading
an attribute, sorting a list (the derivative follows the items, as `sorted`
orders them: ties keep their order)."""
import numpy as np

from ..primitives import CONCAT, REPEAT
from ..registry import adjoint, advise, d, nondifferentiable, tangent
from ..runtime import (AdjointList, attribute_adjoint, attribute_tangent, expand, field_adjoint,
                       gradient_dtype, items_adjoint, items_tangent, joined_tangents, leading_items,
                       repeated_tangent, repeats_added, sorted_order, spread, trailing_items,
                       walked, walked_adjoint, walked_tangent, zeros_like)

nondifferentiable(("method", "keys"))
advise("index the dict instead: `d[key]`, or `d[key] if key in d else default`",
       ("method", "get"), dict.get)
# as values they would carry their items' derivatives; in a loop's header s2sad
# follows them (the loop walks indices)
advise("use it in a for loop's header (`for x, y in zip(xs, ys):`), which s2sad "
       "follows, or index the items (`[p[0] for p in pairs]`).", zip, enumerate)


@adjoint(sum)
def sum_(y, iterable, start=0):
    d[iterable] = spread(d[y], iterable)
    d[start] = d[y]


@tangent(sum)
def sum_(y, iterable, start=0):
    d[y] = sum(d[iterable]) + d[start]


# spread is linear in g, and its transpose adds the items' adjoints back up
@adjoint(spread)
def spread_adjoint(y, g, items):
    d[g] = spread_back(d[y], g)


@tangent(spread)
def spread_tangent(y, g, items):
    d[y] = spread(d[g], items)


def spread_back(adjoints, g):
    """The adjoint of g in spread(g, items): the items' adjoints broadcast to g's
    shape and added (none: 0)."""
    if isinstance(adjoints, np.ndarray) and np.ndim(adjoints) > np.ndim(g):
        return np.reshape(np.sum(adjoints, axis=0), np.shape(g))  # an array's rows
    if not isinstance(adjoints, list):
        return 0.0 * g
    return sum(np.broadcast_to(a, np.shape(g)) for a in adjoints)


@adjoint(getattr)
def getattr_(y, obj, name):
    d[obj] = attribute_adjoint(d[y], obj, name)


@tangent(getattr)
def getattr_(y, obj, name):
    d[y] = attribute_tangent(d[obj], obj, name)


@tangent(attribute_adjoint)
def attribute_adjoint_tangent(y, g, obj, name):
    d[y] = field_adjoint(d[g], obj, name)  # linear in g; of obj's form only


@adjoint(CONCAT)
def concatenate(z, x, y):
    d[x] = leading_items(d[z], x)
    d[y] = trailing_items(d[z], y)


@tangent(CONCAT)
def concatenate_tangent(z, x, y):
    d[z] = joined_tangents(d[x], x, d[y], y)


# the adjoints' pieces are linear in the joined adjoint g (second derivatives)
@tangent(leading_items)
def leading_items_tangent(z, g, x):
    d[z] = leading_items(expand(d[g], g), x)


@tangent(trailing_items)
def trailing_items_tangent(z, g, y):
    d[z] = trailing_items(expand(d[g], g), y)


@adjoint(REPEAT)
def repeat(z, x, n):
    d[x] = repeats_added(d[z], x)


@tangent(REPEAT)
def repeat_tangent(z, x, n):
    d[z] = repeated_tangent(d[x], x, n)


@tangent(repeats_added)
def repeats_added_tangent(z, g, x):
    d[z] = repeats_added(expand(d[g], g), x)


@adjoint(list, tuple)
def sequence_of(y, x):
    d[x] = items_adjoint(d[y], x)


@tangent(list, tuple)
def sequence_of_tangent(y, x):
    d[y] = items_tangent(d[x], x, y)


nondifferentiable(sorted_order)  # an order: no derivative


def unsorted_items(g, iterable, key, reverse):
    """The adjoint of `sorted(iterable)`: each item's adjoint back where the item
    was; a dict's keys (what sorted walks) carry none."""
    if isinstance(iterable, dict) or not isinstance(g, list):
        return zeros_like(iterable)
    out = [None] * len(g)
    for position, i in enumerate(sorted_order(iterable, key, reverse)):
        out[i] = g[position]
    if isinstance(iterable, np.ndarray):  # an array's adjoint is an array of its shape
        return np.reshape(np.array([expand(0.0 if item is None else item, row)
                                    for item, row in zip(out, iterable)],
                                   dtype=gradient_dtype(iterable)), np.shape(iterable))
    return AdjointList(out)


def sorted_tangents(t, iterable, key, reverse):
    """The tangent of `sorted(iterable)`: the items' tangents in the sorted order."""
    if isinstance(iterable, dict):
        return 0.0  # keys
    # an array's tangent is indexed as the array is iterated (its first axis)
    t = expand(t, iterable if isinstance(iterable, np.ndarray) else list(iterable))
    return [t[i] for i in sorted_order(iterable, key, reverse)]


@adjoint(sorted)
def sorted_(y, iterable, key=None, reverse=False):
    d[iterable] = unsorted_items(d[y], iterable, key, reverse)


@tangent(sorted)
def sorted_tangent(y, iterable, key=None, reverse=False):
    d[y] = sorted_tangents(d[iterable], iterable, key, reverse)


@tangent(unsorted_items)  # linear in g; the items only set the order
def unsorted_items_tangent(z, g, iterable, key, reverse):
    d[z] = unsorted_items(expand(d[g], g), iterable, key, reverse)


# walked(xs) is xs itself, or a dict's keys, which carry no derivative; its
# adjoint and tangent helpers are linear in their first argument and are their
# own transposes (the second derivatives of a loop over a sequence)
@adjoint(walked)
def walked_(y, iterable):
    d[iterable] = walked_adjoint(d[y], iterable)


@tangent(walked)
def walked_tangent_(y, iterable):
    d[y] = walked_tangent(d[iterable], iterable)


@adjoint(walked_adjoint)
def walked_adjoint_adjoint(z, g, iterable):
    d[g] = walked_tangent(d[z], iterable)


@tangent(walked_adjoint)
def walked_adjoint_tangent(z, g, iterable):
    d[z] = walked_adjoint(expand(d[g], g), iterable)


@adjoint(walked_tangent)
def walked_tangent_adjoint(z, t, iterable):
    d[t] = walked_tangent(d[z], iterable)


@tangent(walked_tangent)
def walked_tangent_tangent(z, t, iterable):
    d[z] = walked_tangent(expand(d[t], t), iterable)
