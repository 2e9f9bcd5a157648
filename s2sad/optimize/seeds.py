"""A full reduction's adjoint stays a scalar where an array of the reduced value's
shape multiplies it.

`np.sum(x)`'s rule spreads the scalar adjoint `s` over x's shape,
`unreduce(s, x, None, False)`; multiplying that by an array `e` of x's shape (one
shape class, analysis.shape_classes) is `s * e`, without the spread array, which
costs a pass over memory in NumPy and a task per chunk on Dask. The same holds
for `spread / e` and for `e * spread`; a constant factor or a negation moves into
the seed first (`unreduce(s, x) * 2 * t` is `s * 2 * t`), and a seed fitted
twice to the reduction's result is fitted once.

Arguments read for their shape only (`count(x)`, `unbroadcast(g, x)`) need no
expression computed for them: an elementwise one of one shape class (inlined
there once its other reads went) becomes its operand of that class.
"""
from __future__ import annotations

import gast

from .. import syntax
from .blocks import NameTable
from .factor import elementwise_function


def keep_seeds_scalar(node: gast.FunctionDef, shapes: dict, helpers: dict,
                      scalars: frozenset, modules: dict, table: NameTable) -> bool:
    """Rewrite spread seeds that meet an array of their shape; True if any did.
    `shapes`: {name: shape class}; `helpers`: the names of `unreduce`, `count`
    (which returns a number) and `unbroadcast` ({"count": names, ...}); `modules`
    maps names to NumPy or `math`, whose ufuncs keep a shape class."""
    if not helpers.get("unreduce") or not shapes:
        return False
    rewriter = _Seeds(shapes, helpers, scalars, modules)
    for stmt in syntax.statements(node.body):
        if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)) and \
                stmt.value is not None:
            value = rewriter.visit(stmt.value)
            if rewriter.changed_now:
                stmt.value = value
                table.forget(stmt)
                rewriter.changed_now = False
    return rewriter.changed | _bound_seeds(node, rewriter, table)


class _Seeds:
    def __init__(self, shapes: dict, helpers: dict, scalars: frozenset, modules: dict):
        self.shapes = shapes
        self.modules = modules
        self.spreads = helpers["unreduce"]
        self.counts = helpers.get("count", frozenset())
        self.fittings = helpers.get("unbroadcast", frozenset())
        self.scalars = scalars
        self.changed = self.changed_now = False

    def visit(self, node: gast.expr) -> gast.expr:
        """`node` with its spread seeds rewritten, bottom-up."""
        for field in syntax.child_fields(node.__class__):
            value = getattr(node, field, None)
            if isinstance(value, list):
                value[:] = [self.visit(v) if isinstance(v, gast.expr) else v for v in value]
            elif isinstance(value, gast.expr):
                setattr(node, field, self.visit(value))
        new = self.rewritten(node)
        if new is not node:
            self.changed = self.changed_now = True
        return new

    def rewritten(self, node: gast.expr) -> gast.expr:
        if self.refitted(node):  # `unbroadcast(unbroadcast(g, y), y)`: fitted once
            return node.args[0]
        if isinstance(node, gast.Call):
            return self.narrowed(node)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and \
                self.spread(node.operand) is not None:
            return self.with_seed(node.operand, gast.UnaryOp(op=gast.USub(),
                                                             operand=node.operand.args[0]))
        if not isinstance(node, gast.BinOp) or not isinstance(node.op, (gast.Mult, gast.Div)):
            return node
        sides = [(node.left, node.right)]
        if isinstance(node.op, gast.Mult):
            sides.append((node.right, node.left))
        for spread, other in sides:
            shape = self.spread(spread)
            if shape is None:
                continue
            seed = spread.args[0]
            if self.is_scalar(other):  # a number joins the seed
                return self.with_seed(spread, gast.BinOp(left=seed, op=node.op, right=other))
            if self.has_shape(other, shape):
                return gast.BinOp(left=seed, op=node.op, right=other) \
                    if spread is node.left else gast.BinOp(left=other, op=node.op, right=seed)
        return node

    def narrowed(self, call: gast.Call) -> gast.Call:
        """`count(t ** 2)` is `count(t)`, `unbroadcast(g, -y)` is `unbroadcast(g, y)`:
        of an argument read for its shape only, an elementwise expression of one
        shape class is its first operand of that class."""
        if not isinstance(call.func, gast.Name):
            return call
        position = 0 if call.func.id in self.counts else \
            1 if call.func.id in self.fittings else None
        if position is None or len(call.args) <= position or \
                isinstance(call.args[position], gast.Name):
            return call
        shape = self.class_of(call.args[position])
        operand = next((n for n in syntax.walk(call.args[position])
                        if isinstance(n, gast.Name) and self.shapes.get(n.id) == shape), None)
        if shape is None or operand is None:
            return call
        args = call.args[:position] + [syntax.name(operand.id)] + call.args[position + 1:]
        return gast.Call(func=call.func, args=args, keywords=call.keywords)

    def refitted(self, node: gast.expr) -> bool:
        inner = node.args[0] if self.fits(node) else None
        return inner is not None and self.fits(inner) and syntax.same(inner.args[1],
                                                                      node.args[1])

    def fits(self, node: gast.expr) -> bool:
        """Whether `node` is `unbroadcast(g, y)` for a name y."""
        return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
            node.func.id in self.fittings and len(node.args) == 2 and \
            not node.keywords and isinstance(node.args[1], gast.Name)

    def spread(self, node: gast.expr):
        """The shape class of x for `unreduce(s, x, None, False)`, else None."""
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and
                node.func.id in self.spreads and 2 <= len(node.args) <= 4 and
                not node.keywords):
            return None
        rest = [syntax.constant_value(a) if syntax.is_literal(a) else a for a in node.args[2:]]
        if rest[:1] not in ([], [None]) or rest[1:] not in ([], [False]):
            return None  # a reduction over some axes: its adjoint is not uniform
        return self.class_of(node.args[1])

    @staticmethod
    def with_seed(spread: gast.Call, seed: gast.expr) -> gast.Call:
        return gast.Call(func=spread.func, args=[seed] + spread.args[1:], keywords=[])

    def has_shape(self, node: gast.expr, shape) -> bool:
        """Whether `node` holds an array of the shape class `shape`."""
        return self.class_of(node) == shape

    def class_of(self, node: gast.expr):
        """The shape class of an array made by elementwise operations on arrays of
        one class and scalars, else None."""
        if isinstance(node, gast.Name):
            return self.shapes.get(node.id)
        if isinstance(node, gast.UnaryOp):
            return self.class_of(node.operand)
        if isinstance(node, gast.BinOp) and not isinstance(node.op, gast.MatMult):
            if self.is_scalar(node.right):
                return self.class_of(node.left)
            if self.is_scalar(node.left):
                return self.class_of(node.right)
            left = self.class_of(node.left)
            return left if left == self.class_of(node.right) else None
        if isinstance(node, gast.Call) and len(node.args) == 1 and not node.keywords and \
                elementwise_function(node.func, self.modules):
            return self.class_of(node.args[0])
        return None

    def is_scalar(self, node: gast.expr) -> bool:
        return syntax.number_value(node) is not None or \
            isinstance(node, gast.Name) and node.id in self.scalars or \
            isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
            node.func.id in self.counts


def _bound_seeds(node: gast.FunctionDef, rewriter: _Seeds, table: NameTable) -> bool:
    """`g = unreduce(s, x, None, False)` bound once, every read of g multiplied or
    divided by an array of x's shape: g is `s`."""
    _, stores = table.counts(node)
    spreads = {}  # g -> (its binding, x's shape class)
    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                stores[stmt.targets[0].id] == 1:
            shape = rewriter.spread(stmt.value)
            if shape is not None:
                spreads[stmt.targets[0].id] = stmt, shape
    if not spreads:
        return False
    reads = {name: [] for name in spreads}  # g -> [(the node reading it, the Name)]
    for parent in syntax.walk(node):
        for field in syntax.child_fields(parent.__class__):
            value = getattr(parent, field, None)
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, gast.Name) and isinstance(child.ctx, gast.Load) and \
                        child.id in reads:
                    reads[child.id].append((parent, child))
    changed = False
    for name, (stmt, shape) in spreads.items():
        if reads[name] and all(_scales(parent, child, shape, rewriter)
                               for parent, child in reads[name]):
            stmt.value = stmt.value.args[0]
            table.forget(stmt)
            changed = True
    return changed


def _scales(parent: gast.AST, child: gast.Name, shape, rewriter: _Seeds) -> bool:
    """Whether `parent` multiplies `child` by an array of the shape class `shape`
    (or divides it by one)."""
    if not isinstance(parent, gast.BinOp):
        return False
    if isinstance(parent.op, gast.Mult):
        other = parent.right if parent.left is child else parent.left
        return rewriter.has_shape(other, shape)
    return isinstance(parent.op, gast.Div) and parent.left is child and \
        rewriter.has_shape(parent.right, shape)
