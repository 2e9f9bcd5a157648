"""Constant folding and algebraic identities that cannot change a shape.

`x * 1`, `x + 0`, `x ** 1` have x's shape whatever x is, so they fold to `x`;
`0 * x` does not (it keeps x's shape), so it stays.
"""
from __future__ import annotations

import math
import operator

import gast

from .. import syntax
from .effects import shares_a_written_array

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
         gast.Div: operator.truediv, gast.Pow: operator.pow}


def simplify(node: gast.FunctionDef) -> bool:
    """Fold constants and drop neutral elements in place; True if anything changed."""
    pass_ = _Simplify(node)
    pass_.block(node.body)
    return pass_.changed


def _fold(op, left, right):
    """`op(left, right)` when it is a real number, else None: an error (`1 / 0`,
    `0.0 ** -1`) must happen at run time, and `(-8.0) ** 0.5` is complex."""
    try:
        value = op(left, right)
    except ArithmeticError:
        return None
    return value if value.__class__ is int or value.__class__ is float else None


class _Simplify:
    """Rewrites expressions bottom-up, in place."""

    changed = False

    def __init__(self, function: gast.FunctionDef):
        self.function = function
        self.written = None  # names sharing an array written in place, found on demand

    def block(self, stmts: list) -> None:
        for i, stmt in enumerate(stmts):
            if stmt.__class__ is gast.Assign and stmt.value.__class__ is gast.BinOp:
                stmt.value = self.assigned_binop(stmt)
            else:
                self.children(stmt)
            if stmt.__class__ is gast.If:
                stmts[i] = self.if_(stmt)

    def assigned_binop(self, stmt: gast.Assign) -> gast.expr:
        """`y = x + 0.0` makes a new array: it stays one where y or x is written
        into in place (`y = x` would make the write change both)."""
        value = stmt.value
        self.children(value)
        changed, folded = self.changed, self.binop(value)
        if not isinstance(folded, (gast.Name, gast.Subscript, gast.Attribute)):
            return folded  # a new value (`d['w'] * 1.0` folds to d['w'], an existing one)
        if self.written is None:
            self.written = shares_a_written_array(self.function)
        if self.written & (syntax.names_loaded(folded) | syntax.names_stored(stmt.targets[0])):
            self.changed = changed  # the fold is undone
            return value
        return folded

    def children(self, node: gast.AST) -> None:
        for field in syntax.child_fields(node.__class__):
            value = getattr(node, field, None)
            if value.__class__ is list:
                if value and isinstance(value[0], gast.stmt):
                    self.block(value)
                else:
                    value[:] = [self.expr(v) for v in value]
            elif value is not None:
                setattr(node, field, self.expr(value))

    def expr(self, node):
        cls = node.__class__
        if cls is gast.Name or cls is gast.Constant or node is None:
            return node
        self.children(node)
        if cls is gast.BinOp:
            return self.binop(node)
        if cls is gast.UnaryOp:
            return self.unary(node)
        return node

    def binop(self, node: gast.BinOp) -> gast.expr:
        left, right = syntax.number_value(node.left), syntax.number_value(node.right)
        op = type(node.op)
        if left is not None and right is not None and op in _FOLD and \
                not (op is gast.Pow and abs(right) > 8):
            value = _fold(_FOLD[op], left, right)
            if value is not None:
                return self.done(syntax.number(value))
        if op is gast.Mult and _power_of_two(left):
            folded = _scale_chain(left, node.right)
            if folded is not None:
                return self.done(folded)
        if op is gast.Mult and right == 1 or op is gast.Div and right == 1 \
                or op is gast.Pow and right == 1:
            return self.done(node.left)
        if op is gast.Mult and left == 1:
            return self.done(node.right)
        if op in (gast.Add, gast.Sub) and right == 0:
            return self.done(node.left)
        if op is gast.Add and left == 0:
            return self.done(node.right)
        if op is gast.Sub and left == 0:
            return self.done(gast.UnaryOp(op=gast.USub(), operand=node.right))
        if op is gast.Mult and right == -1:
            return self.done(gast.UnaryOp(op=gast.USub(), operand=node.left))
        if op is gast.Sub:
            folded = _sigmoid_complement(node)
            if folded is not None:
                return self.done(folded)
        if op in (gast.Add, gast.Sub) and _is_negation(node.right):
            flipped = gast.Sub() if op is gast.Add else gast.Add()
            return self.done(gast.BinOp(left=node.left, op=flipped, right=node.right.operand))
        if op in (gast.Mult, gast.Div) and _is_negation(node.left) \
                and not syntax.is_literal(node.left):
            inner = gast.BinOp(left=node.left.operand, op=node.op, right=node.right)
            return self.done(gast.UnaryOp(op=gast.USub(), operand=inner))
        if op is gast.Mult and _is_negation(node.right) and not syntax.is_literal(node.right):
            inner = gast.BinOp(left=node.left, op=node.op, right=node.right.operand)
            return self.done(gast.UnaryOp(op=gast.USub(), operand=inner))
        return node

    def if_(self, node: gast.If) -> gast.If:
        """`if c: pass else: B` reads better as `if not c: B`."""
        if node.orelse and all(isinstance(s, gast.Pass) for s in node.body):
            self.changed = True
            return gast.copy_location(syntax.if_(
                gast.UnaryOp(op=gast.Not(), operand=node.test), node.orelse), node)
        return node

    def unary(self, node: gast.UnaryOp) -> gast.expr:
        if isinstance(node.op, gast.USub) and _is_negation(node.operand):
            return self.done(node.operand.operand)
        return node

    def done(self, node):
        self.changed = True
        return node


def _sigmoid_complement(node: gast.BinOp):
    """`a - a / (1 + e) * e` as `a / (1 + e)` (also after `x + a`): one step
    instead of three, and no cancellation where e is large. Softplus meets its
    argument this way in the logistic loss `x + log1p(exp(-x))`. None otherwise."""
    left, right = node.left, node.right
    if not (right.__class__ is gast.BinOp and right.op.__class__ is gast.Mult and
            right.left.__class__ is gast.BinOp and right.left.op.__class__ is gast.Div):
        return None
    a, denominator, e = right.left.left, right.left.right, right.right
    if not (denominator.__class__ is gast.BinOp and denominator.op.__class__ is gast.Add and
            {syntax.number_value(denominator.left), syntax.number_value(denominator.right)}
            & {1} and any(syntax.same(side, e) for side in
                          (denominator.left, denominator.right))):
        return None
    quotient = gast.BinOp(left=a, op=gast.Div(), right=denominator)
    if syntax.same(left, a):
        return quotient
    if left.__class__ is gast.BinOp and left.op.__class__ is gast.Add and \
            syntax.same(left.right, a):
        return gast.BinOp(left=left.left, op=gast.Add(), right=quotient)
    return None


def _power_of_two(value) -> bool:
    """Scaling by such a number is exact in binary floating point."""
    return value is not None and value != 0 and math.frexp(abs(value))[0] == 0.5


def _scale_chain(scale, chain: gast.expr):
    """`scale * chain` as one expression, when `chain` is a product that divides
    somewhere (so its value is a float whatever its operands) with a power-of-two
    literal factor: `2 * (g * 0.5 / t)` is `g / t`, exactly. None otherwise."""
    spine = _product_spine(chain)
    if not any(link.op.__class__ is gast.Div for link in spine):
        return None
    k = next((k for k, link in enumerate(spine)
              if _power_of_two(syntax.number_value(link.right))), None)
    if k is None:
        return None
    chain = syntax.clone(chain)  # changed below: another statement may share it
    spine = _product_spine(chain)
    link = spine[k]
    factor = syntax.number_value(link.right)
    factor = scale * factor if link.op.__class__ is gast.Mult else scale / factor
    if factor != 1:
        link.op, link.right = gast.Mult(), syntax.number(factor)
    elif k == 0:
        return link.left
    else:
        spine[k - 1].left = link.left
    return chain


def _product_spine(chain: gast.expr) -> list:
    """The `*` and `/` nodes down the left of a product, outermost first."""
    spine = []
    while chain.__class__ is gast.BinOp and chain.op.__class__ in (gast.Mult, gast.Div):
        spine.append(chain)
        chain = chain.left
    return spine


def _is_negation(node) -> bool:
    return isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub)
