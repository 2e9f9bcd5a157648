"""Python containers and objects: summing a list, walking a dict's keys, reading
an attribute."""
from ..registry import adjoint, advise, d, nondifferentiable, tangent
from ..runtime import attribute_adjoint, attribute_tangent, spread

nondifferentiable(("method", "keys"))
advise("index the dict instead: `d[key]`, or `d[key] if key in d else default`",
       ("method", "get"), dict.get)


@adjoint(sum)
def sum_(y, iterable, start=0):
    d[iterable] = spread(d[y], iterable)
    d[start] = d[y]


@tangent(sum)
def sum_(y, iterable, start=0):
    d[y] = sum(d[iterable]) + d[start]


@adjoint(getattr)
def getattr_(y, obj, name):
    d[obj] = attribute_adjoint(d[y], obj, name)


@tangent(getattr)
def getattr_(y, obj, name):
    d[y] = attribute_tangent(d[obj], obj, name)
