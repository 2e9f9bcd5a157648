"""What operation a normalized right-hand side performs, as a registry key.

Both modes ask the same question of each statement `y = <operation>`: which
registered primitive is this, applied to which operands? Operators map to the
`operator` module, `x.sum()` to `np.ndarray.sum` with `x` as first operand,
`x.T` to `np.ndarray.T`, `x[i]` to `operator.getitem`.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

import gast
import numpy as np

from . import registry, syntax
from .libraries import public_name
from .parsing import Namespace

BINARY = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.Mod: operator.mod,
    gast.MatMult: operator.matmul, gast.FloorDiv: operator.floordiv,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
         gast.Invert: operator.invert}
COMPARE = {
    gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
    gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Is: operator.is_,
    gast.IsNot: operator.is_not, gast.In: operator.contains, gast.NotIn: operator.contains,
}

COPY = "copy"
LIST_POP = ("method", "pop")
PACK = "pack"  # [a, b] or (a, b): the adjoint of item i is the container adjoint's [i]
CONCAT = "concatenate"  # xs + ys on lists or tuples (analysis.py tells it from addition)
REPEAT = "repeat"       # xs * n on a list or tuple
# Costlier than a pass over their result: worth keeping a shape not to compute again.
PRODUCTS = frozenset({operator.matmul, np.matmul, np.dot, np.tensordot, np.einsum,
                      np.inner, np.linalg.solve, np.linalg.inv})


# Reductions of every axis by default: called with the array alone, they give a 0-d value.
FULL_REDUCTIONS = frozenset({
    np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var,
    np.median, np.nansum, np.nanmean, np.nanprod, np.nanmax, np.nanmin, np.nanstd,
    np.nanvar, np.linalg.norm, np.ndarray.sum, np.ndarray.mean, np.ndarray.prod,
    np.ndarray.max, np.ndarray.min, np.ndarray.std, np.ndarray.var})


def is_full_reduction(primitive: "Primitive | None") -> bool:
    """Whether `primitive` reduces its one operand over every axis, to a 0-d value."""
    return primitive is not None and primitive.key in FULL_REDUCTIONS and \
        len(primitive.args) == 1 and not isinstance(primitive.args[0], gast.Starred) and \
        set(primitive.keywords) <= {"ddof", "dtype"}


def is_elementwise(function) -> bool:
    """Whether `function` maps its arguments item by item to one result of their
    broadcast shape: a NumPy ufunc of one output (not a generalized one such as
    np.matmul, whose signature mixes shapes) or a `math` function."""
    if isinstance(function, np.ufunc):
        return function.nout == 1 and function.signature is None
    return callable(function) and getattr(function, "__module__", None) == "math"


def list_append(stmt: gast.stmt):
    """(list name, item) for a statement `lst.append(item)`, else None."""
    call = getattr(stmt, "value", None) if isinstance(stmt, gast.Expr) else None
    if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name) \
            and len(call.args) == 1 and not call.keywords:
        return call.func.value.id, call.args[0]
    return None


@dataclass
class Primitive:
    """A registry key and the operands it is applied to."""

    key: object
    args: list
    keywords: dict = field(default_factory=dict)
    description: str = ""
    keys: list | None = None   # for a dict literal: its keys, beside `args`, its values

    @property
    def nondifferentiable(self) -> bool:
        return registry.is_nondifferentiable(self.key)


def primitive_of(value: gast.expr, namespace: Namespace, local_names: set) -> Primitive | None:
    """The primitive `value` applies, or None for a constant (literal, global)."""
    if isinstance(value, gast.Name):
        if value.id not in local_names:
            return None
        return Primitive(COPY, [value], description="assignment")
    if syntax.is_literal(value):
        return None
    if isinstance(value, gast.BinOp):
        op = BINARY[type(value.op)]
        return Primitive(op, [value.left, value.right], description=f"operator.{op.__name__}")
    if isinstance(value, gast.UnaryOp):
        op = UNARY[type(value.op)]
        return Primitive(op, [value.operand], description=f"operator.{op.__name__}")
    if isinstance(value, (gast.Compare, gast.BoolOp)):
        return Primitive(operator.lt, [], description="comparison")
    if isinstance(value, gast.Call):
        return _call(value, namespace, local_names)
    if isinstance(value, gast.Attribute):
        if not _rooted_in(value, local_names):
            return None
        key = _ndarray_attribute(value.attr)
        if key is None:  # an attribute of an object: model.W
            return Primitive(getattr, [value.value, syntax.constant(value.attr)],
                             description=f"reading the attribute .{value.attr}")
        return Primitive(key, [value.value], description=f"np.ndarray.{value.attr}")
    if isinstance(value, gast.Subscript):
        return Primitive(operator.getitem, [value.value, index_value(value.slice)],
                         description="operator.getitem")
    if isinstance(value, (gast.List, gast.Tuple)):
        return Primitive(PACK, list(value.elts), description="a list or tuple literal")
    if isinstance(value, gast.Dict):  # the keys ride along as keywords' names
        return Primitive(PACK, list(value.values), description="a dict literal",
                         keys=list(value.keys))
    kind = type(value).__name__
    return Primitive((kind,), [], description=f"a {kind.lower()} literal")


def _call(call: gast.Call, namespace: Namespace, local_names: set) -> Primitive:
    keywords = {k.arg: k.value for k in call.keywords}
    func = call.func
    if isinstance(func, gast.Attribute) and _rooted_in(func, local_names):
        owner = namespace.receivers.get(func.value.id) \
            if isinstance(func.value, gast.Name) else None
        key = _ndarray_attribute(func.attr) if not _defines(owner, func.attr) else None
        what = f"np.ndarray.{func.attr}" if key is not None else f"the method .{func.attr}()"
        args = list(call.args)
        if key is np.ndarray.transpose and len(args) > 1:
            args = [syntax.tuple_(args)]  # x.transpose(1, 0) means x.transpose((1, 0))
        return Primitive(key if key is not None else ("method", func.attr),
                         [func.value] + args, keywords, description=what)
    obj = namespace.resolve(func) if not _rooted_in(func, local_names) else None
    if _is_sparse_dot(obj) and isinstance(func, gast.Attribute):  # A.dot(x), A global
        return Primitive(np.ndarray.dot, [func.value] + list(call.args), keywords,
                         description="np.ndarray.dot")
    what = public_name(obj) if obj is not None else (syntax.dotted_name(func) or "a call")
    return Primitive(obj if obj is not None else ("call", what), list(call.args), keywords,
                     description=what)


def _is_sparse_dot(obj) -> bool:
    """The `dot` of a SciPy sparse matrix: a product the rules of np.dot follow (with
    the matrix's own `@`), where the matrix is a constant."""
    return getattr(obj, "__name__", None) == "dot" and \
        type(getattr(obj, "__self__", None)).__module__.startswith("scipy.sparse")


# an array's own attributes, not those of its class's class (`type.__call__`)
_NDARRAY_NAMES = frozenset(dir(np.ndarray))


def is_array_method(key) -> bool:
    """Is `key` a method of NumPy arrays (np.ndarray.sum), as `x.sum()` on a local
    is classified?"""
    name = getattr(key, "__name__", None)
    return name in _NDARRAY_NAMES and getattr(np.ndarray, name) is key


def _ndarray_attribute(name: str):
    """`np.ndarray.<name>`, when arrays have that attribute."""
    return getattr(np.ndarray, name) if name in _NDARRAY_NAMES else None


def _defines(cls, name: str) -> bool:
    """Does the user's class `cls` (or a base of it but object) define `name`?"""
    return cls is not None and any(name in vars(base) for base in cls.__mro__
                                   if base is not object)


def _rooted_in(node: gast.expr, local_names: set) -> bool:
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name) and node.id in local_names


def index_value(index: gast.expr) -> gast.expr:
    """The index of a subscript as an ordinary expression (slices as slice(...))."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else syntax.constant(None)
                 for p in (index.lower, index.upper, index.step)]
        return syntax.call(syntax.name("slice"), *parts)
    if isinstance(index, gast.Tuple):
        return syntax.tuple_(index_value(e) for e in index.elts)
    return syntax.clone(index)
