"""Turn a registered template into statements about a concrete call.

Instantiating `def sin(y, x): d[x] = d[y] * np.cos(x)` for `t2 = np.sin(t1)`
gives `bt1 = bt2 * np.cos(t1)`, marked as a contribution to `bt1`.
"""
from __future__ import annotations

import builtins
import math
from dataclasses import dataclass, field
from typing import Callable

import gast

from . import syntax
from .names import Names
from .parsing import Namespace
from .registry import Template, derivative_of, derivative_target

ACCUMULATE = "accumulate"  # annotation on `b<x> = <contribution>` statements
ZERO = "zero_derivative"


def zero_derivative() -> gast.Constant:
    """The literal standing for the derivative of an operand that carries none."""
    node = syntax.constant(0.0)
    syntax.set_anno(node, ZERO, True)
    return node


def is_zero_derivative(node: gast.AST) -> bool:
    return bool(syntax.anno(node, ZERO))


class BindingError(Exception):
    """The call's arguments do not fit the template's parameters."""


@dataclass
class Instance:
    """Statements of one instantiated template and the globals they read."""

    stmts: list
    free: dict = field(default_factory=dict)
    left_unfitted: set = field(default_factory=set)  # operands whose unbroadcast it left out


_POSITIONS = frozenset({"lineno", "col_offset", "end_lineno", "end_col_offset"})


def instantiate(template: Template, result: gast.expr, args: list, keywords: dict,
                derivative: Callable[[gast.expr], str | None], names: Names,
                same_shape: set = frozenset(), scalar_result: bool = False,
                unfitted: set = frozenset(), zero_dim_result: bool = False) -> Instance:
    """Template statements for `result = primitive(*args, **keywords)`.

    `derivative(atom)` names the adjoint (or tangent) variable of an operand, or
    returns None when the operand carries no derivative. For operands named in
    `same_shape` (known to have the result's shape) `unbroadcast(g, x)` is `g`; for a
    result known to be a scalar, `like(t, result)` and `expand(t, result)` are `t`;
    for one known to be 0-d, `count(x, result)` is `count(x)`.
    For operands named in `unfitted` (whose own rule fits its seed) it is `g` too,
    and the instance lists them in `left_unfitted`.
    """
    bound = _bind(template, result, args, keywords)
    local_names = template.assigned - set(bound)
    rename = {n: names.fresh(n) for n in sorted(local_names)}
    rewriter = _Rewriter(template, bound, rename, derivative, same_shape, scalar_result,
                         zero_dim_result)
    left_unfitted = set()
    stmts = []
    for stmt in template.body:
        target = derivative_target(stmt)
        if target is not None:
            var = derivative(bound[target]) if target in bound else None
            if var is None:
                continue
            value = stmt.value
            operand = bound.get(target)
            if _fits_to(value, target) and isinstance(operand, gast.Name) and \
                    operand.id in unfitted:
                left_unfitted.add(operand.id)
                value = value.args[0]
            value = rewriter.copy(value)
            if _is_twin(stmts, var, value):
                # `x * x` gives bx the same contribution twice: add twice it once
                # (inside unbroadcast, where the 2 may meet other constant factors)
                last = stmts[-1].value
                inside = _calls_unbroadcast(stmt.value) and isinstance(last, gast.Call)
                scaled = last.args[0] if inside else last
                doubled = gast.BinOp(left=syntax.constant(2), op=gast.Mult(), right=scaled)
                if inside:
                    last.args[0] = doubled
                else:
                    stmts[-1].value = doubled
                continue
            new = syntax.assign(var, value)
            syntax.set_anno(new, ACCUMULATE, True)
            stmts.append(new)
        elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
            continue  # docstring
        else:
            stmts.append(rewriter.copy(stmt))
    return Instance(stmts, rewriter.free, left_unfitted)


def _bind(template: Template, result, args, keywords) -> dict:
    try:
        bound = template.signature.bind(result, *args, **keywords)
    except TypeError as exc:
        raise BindingError(str(exc)) from None
    bound.apply_defaults()
    return {k: v if isinstance(v, gast.AST) else syntax.constant(v)
            for k, v in bound.arguments.items()}


def _is_twin(stmts: list, var: str, value: gast.expr) -> bool:
    """Whether the last statement so far adds the same `value` to `var`."""
    if not stmts or not syntax.anno(stmts[-1], ACCUMULATE):
        return False
    last = stmts[-1]
    return last.targets[0].id == var and var not in syntax.names_loaded(value) and \
        syntax.same(last.value, value)


_FITTING = {}  # id(template) -> (template, whether it fits its seed)


def fits_seed(template: Template) -> bool:
    """Whether an adjoint template gives its operands their adjoints even when the
    result's adjoint `d[z]` comes broadcast beyond z's shape: `d[z]` reaches only
    `unbroadcast(e, x)` through products, quotients and negations, which commute
    with the sums over the broadcast axes, or helpers marked
    `registry.fits_its_seed`. Then the unbroadcast to z's shape may be left out."""
    known = _FITTING.get(id(template))
    if known is None or known[0] is not template:
        known = _FITTING[id(template)] = template, _fits_seed(template)
    return known[1]


def _fits_seed(template: Template) -> bool:
    seed = template.result_param
    namespace = Namespace(template.namespace)
    for stmt in template.body:
        reads = [n for n in gast.walk(stmt) if derivative_of(n) == seed]
        if not reads:
            continue
        if derivative_target(stmt) is None or len(reads) != 1:
            return False
        value = stmt.value
        if not isinstance(value, gast.Call) or not value.args:
            return False
        if _calls_unbroadcast(value) and len(value.args) == 2:
            if not _linear_in_seed(value.args[0], seed):
                return False
        elif not (getattr(namespace.resolve(value.func), "__s2sad_fits_seed__", False)
                  and derivative_of(value.args[0]) == seed):
            return False
    return True


def _linear_in_seed(node: gast.expr, seed: str) -> bool:
    """`node` is `d[seed]` times or divided by factors, perhaps negated."""
    if derivative_of(node) == seed:
        return True
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        return _linear_in_seed(node.operand, seed)
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        in_left = any(derivative_of(n) == seed for n in gast.walk(node.left))
        if in_left:
            return _linear_in_seed(node.left, seed)
        return isinstance(node.op, gast.Mult) and _linear_in_seed(node.right, seed)
    return False


def _fits_to(template_value: gast.expr, operand: str) -> bool:
    """Whether a template's right-hand side is `unbroadcast(e, operand)`."""
    return _calls_unbroadcast(template_value) and len(template_value.args) == 2 and \
        isinstance(template_value.args[1], gast.Name) and template_value.args[1].id == operand


def _calls_unbroadcast(template_value: gast.expr) -> bool:
    """Whether a template's right-hand side is `unbroadcast(g, x)`, which instances
    keep as a call (a scalar instance drops it)."""
    return isinstance(template_value, gast.Call) and \
        isinstance(template_value.func, gast.Name) and template_value.func.id == "unbroadcast"


class _Rewriter:
    """Copies template code, putting the call's operands, fresh local names and
    derivative variables in place of the template's parameters and `d[...]`."""

    def __init__(self, template, bound, rename, derivative, same_shape, scalar_result,
                 zero_dim_result):
        self.template = template
        self.bound = bound
        self.rename = rename
        self.derivative = derivative
        self.same_shape = same_shape
        self.scalar_result = scalar_result
        self.zero_dim_result = zero_dim_result
        self.free = {}

    def copy(self, node: gast.AST) -> gast.AST:
        cls = node.__class__
        if cls is gast.Name:
            return self.name(node)
        if cls is gast.Subscript and derivative_of(node) is not None:
            return self.derivative_variable(derivative_of(node))
        if cls is gast.Call:
            fitted = self.unneeded_fitting(node)
            if fitted is not None:
                return self.copy(fitted)
        if not cls._fields:  # Load, Add, ...: never changed in place, so shared
            return node
        new = cls.__new__(cls)
        for key, value in node.__dict__.items():
            if key in _POSITIONS:  # the template's own lines: locate() gives the user's
                continue
            if value.__class__ is list:
                value = [self.copy(v) if isinstance(v, gast.AST) else v for v in value]
            elif isinstance(value, gast.AST):
                value = self.copy(value)
            new.__dict__[key] = value
        return self.folded(new) if cls is gast.Call else new

    def folded(self, call: gast.Call) -> gast.expr:
        """`math.log(2.718281828459045)` (a default bound as a literal) becomes 1.0:
        a `math` function of numeric literals is evaluated now."""
        function = Namespace(self.template.namespace).resolve(call.func)
        if getattr(function, "__module__", None) != "math" or call.keywords or \
                any(syntax.number_value(a) is None for a in call.args):
            return call
        try:
            value = function(*(syntax.constant_value(a) for a in call.args))
        except (ValueError, OverflowError):  # left to fail, or not, at run time
            return call
        if not isinstance(value, float) or not math.isfinite(value):
            return call
        return syntax.number(value)

    def unneeded_fitting(self, node: gast.Call) -> gast.expr | None:
        """The argument of a shape fitting (`unbroadcast(g, x)`, `like(t, z)`) that
        known shapes make unnecessary, else None."""
        if isinstance(node.func, gast.Name) and len(node.args) == 2 and \
                isinstance(node.args[1], gast.Name) and node.args[1].id in self.bound:
            fitted = self.bound[node.args[1].id]
            same = isinstance(fitted, gast.Name) and fitted.id in self.same_shape
            is_result = node.args[1].id == self.template.result_param
            if node.func.id == "unbroadcast" and same or \
                    node.func.id in ("like", "expand") and is_result and self.scalar_result:
                return node.args[0]
            if node.func.id == "count" and is_result and self.zero_dim_result:
                return gast.Call(func=node.func, args=node.args[:1], keywords=[])
        return None

    def derivative_variable(self, param: str) -> gast.expr:
        var = self.derivative(self.bound[param]) if param in self.bound else None
        return syntax.name(var) if var is not None else zero_derivative()

    def name(self, node: gast.Name) -> gast.expr:
        if node.id in self.bound:
            return syntax.clone(self.bound[node.id])
        if node.id in self.rename:
            return gast.Name(id=self.rename[node.id], ctx=node.ctx, annotation=None,
                             type_comment=None)
        namespace = self.template.namespace
        if node.id in namespace:
            self.free[node.id] = namespace[node.id]
        elif hasattr(builtins, node.id):
            self.free[node.id] = getattr(builtins, node.id)
        return gast.Name(id=node.id, ctx=node.ctx, annotation=None, type_comment=None)
