"""Stage 4, forward mode: tangent statements interleaved with the primal ones.

Each assignment `y = f(x)` is followed by `dy = <tangent rule>`. Control flow
is kept as it is, so there is no tape. A tangent may have a smaller shape than
its variable (a scalar 0.0, or the shape before broadcasting): it stands for
itself broadcast to the variable's shape, which elementwise rules respect;
rules that are not elementwise expand it first, and so does the returned value.
Lists are mirrored: `tape.append(z)` gets `dtape.append(dz)` (that is how
forward mode runs over reverse-mode code, for Hessian-vector products).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import gast

from . import registry, syntax
from .emit import Emitter, GeneratedFunction
from .errors import NonDifferentiableError
from .normalize import NormalFunction
from .templates import is_zero_derivative

_ZERO = 0.0


@dataclass
class TangentSpec:
    """What to build: the parameters with tangents, and extras."""

    wrt: tuple
    preserve_result: bool = False
    # jvp(function, wrt indices) -> generated JVP of a user function that is called
    subroutine: Callable | None = None


def forward(fn: NormalFunction, spec: TangentSpec) -> GeneratedFunction:
    """Build the Jacobian-vector-product function of `fn`."""
    return _Forward(fn, spec).build()


class _Forward(Emitter):
    def __init__(self, fn: NormalFunction, spec: TangentSpec):
        super().__init__(fn, spec.wrt, prefix="d")
        self.spec = spec

    def build(self) -> GeneratedFunction:
        fn, spec = self.fn, self.spec
        tangents = [self.derivative_name(fn.params[i]) for i in spec.wrt]
        body = self.block(self.body)
        output = self.output_tangent()
        returned = syntax.tuple_([output, syntax.name(fn.result)]) if spec.preserve_result \
            else output
        body.append(syntax.return_(returned))
        defaults = self.signature_defaults(len(tangents), _ZERO)
        node = syntax.function_def("d" + fn.parsed.name, fn.params + tangents, body, defaults)
        return GeneratedFunction(node, self.free, "tape", self.protected_names())

    def output_tangent(self) -> gast.expr:
        result = self.fn.result
        if result not in self.active:
            return syntax.call(self.helper("zeros_like"), syntax.name(result))
        return syntax.call(self.helper("expand"), syntax.name(self.derivative_name(result)),
                           syntax.name(result))

    # ------------------------------------------------------------ statements

    def block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, stmt) -> list:
        if isinstance(stmt, gast.If):
            new = syntax.if_(stmt.test, self.block(stmt.body) or [gast.Pass()],
                             self.block(stmt.orelse))
            return [syntax.copy_annos(stmt, gast.copy_location(new, stmt))]
        if isinstance(stmt, (gast.For, gast.While)):
            if isinstance(stmt, gast.For) and stmt.target.id in self.active:
                raise NonDifferentiableError(
                    f"s2sad cannot carry tangents through the iterable of this loop "
                    f"(in function '{self.fn.parsed.name}')", self.fn.parsed.location(stmt),
                    hint="loop over an array or list, enumerate(...) or zip(...) of them, "
                         "or over range(len(...)) with indexing.")
            new = syntax.clone(stmt)
            new.body = self.block(stmt.body)
            return [new]
        if isinstance(stmt, gast.Assign):
            return self.assign(stmt)
        if isinstance(stmt, gast.Expr):
            return [stmt] + self.mirrored_append(stmt)
        return [stmt]

    def assign(self, stmt: gast.Assign) -> list:
        target = stmt.targets[0]
        if isinstance(target, gast.Subscript):
            return [stmt] + self.store(target, stmt.value)
        if target.id not in self.active:
            return [stmt]
        tangent = self.derivative_name(target.id)
        if not self.has_active_operands(stmt.value):
            return [stmt, syntax.assign(tangent, self.zero_of(target.id, stmt.value))]
        primitive = self.classify(stmt.value)
        if primitive.key == ("method", "pop"):  # dx = dtape.pop()
            return [stmt, syntax.assign(tangent, syntax.call(gast.Attribute(
                value=syntax.name(self.derivative_name(primitive.args[0].id)), attr="pop",
                ctx=gast.Load())))]
        template = registry.tangent_of(primitive.key)
        if template is None and inspect.isfunction(primitive.key):
            return self.subroutine_call(primitive, stmt)
        if template is None:
            raise self.no_derivative(primitive, stmt, "forward")
        instance = self.instantiate(template, stmt, primitive)
        return [stmt] + [_drop_zero_terms(s) for s in instance.stmts]

    def zero_of(self, name: str, value: gast.expr) -> gast.expr:
        """The tangent of a value with no active operand: 0.0; [] for a list; an
        array of zeros for an array whose elements will be assigned."""
        if isinstance(value, gast.List) and not value.elts:
            return gast.List(elts=[], ctx=gast.Load())
        if name in self.mutated:
            return syntax.call(self.helper("zeros_like"), syntax.name(name))
        return syntax.constant(_ZERO)

    def store(self, target: gast.Subscript, value: gast.expr) -> list:
        """`dx[i] = dv` beside `x[i] = v` (dx is private: see check_in_place_updates)."""
        name = target.value.id
        if name not in self.active:
            return []
        item = self.derivative(value)
        tangent = syntax.name(item) if item else syntax.constant(_ZERO)
        element = gast.Subscript(value=syntax.name(self.derivative_name(name)),
                                 slice=syntax.clone(target.slice), ctx=gast.Store())
        return [syntax.assign(element, tangent)]

    def mirrored_append(self, stmt: gast.Expr) -> list:
        """`dtape.append(dz)` beside `tape.append(z)` when tape carries tangents."""
        call = stmt.value
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
                and call.func.value.id in self.active and len(call.args) == 1):
            return []
        container = self.derivative_name(call.func.value.id)
        item = self.derivative(call.args[0])
        value = syntax.name(item) if item else syntax.constant(_ZERO)
        return [syntax.expr_stmt(syntax.call(gast.Attribute(
            value=syntax.name(container), attr="append", ctx=gast.Load()), value))]

    def subroutine_call(self, primitive, stmt: gast.Assign) -> list:
        """`dy, y = dg(x, dx=dx)`: a user function's own generated JVP, which also
        returns its value."""
        active = self.bind_call(primitive, stmt)
        jvp = self.spec.subroutine(primitive.key, tuple(i for i, _ in active))
        jvp_name = self.clashes({jvp.__name__: jvp}).get(jvp.__name__, jvp.__name__)
        self.free[jvp_name] = jvp
        params = list(inspect.signature(jvp).parameters)
        tangent_params = params[len(params) - len(active):]
        keywords = dict(primitive.keywords)
        for name, (_, atom) in zip(tangent_params, active):
            keywords[name] = syntax.name(self.derivative(atom))
        target = stmt.targets[0].id
        pair = syntax.tuple_([syntax.name(self.derivative_name(target), "store"),
                              syntax.name(target, "store")], "store")
        call = syntax.call(syntax.name(jvp_name), *primitive.args, **keywords)
        return [gast.copy_location(syntax.assign(pair, call), stmt)]


def _drop_zero_terms(stmt: gast.stmt) -> gast.stmt:
    """Remove the summands of a tangent rule that hold an inactive operand's 0.0.

    Each summand of a tangent rule is linear in one operand's tangent, so a
    summand holding the literal zero tangent is zero.
    """
    if not isinstance(stmt, gast.Assign):
        return stmt
    terms = _summands(stmt.value, positive=True)
    kept = [(sign, t) for sign, t in terms if not _holds_zero(t)]
    if len(kept) == len(terms):
        return stmt
    stmt.value = _rebuild(kept)
    return stmt


def _summands(node: gast.expr, positive: bool) -> list:
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub)):
        right_sign = positive if isinstance(node.op, gast.Add) else not positive
        return _summands(node.left, positive) + _summands(node.right, right_sign)
    return [(positive, node)]


def _holds_zero(node: gast.expr) -> bool:
    return any(is_zero_derivative(n) for n in gast.walk(node))


def _rebuild(terms: list) -> gast.expr:
    if not terms:
        return syntax.constant(_ZERO)
    sign, first = terms[0]
    value = first if sign else gast.UnaryOp(op=gast.USub(), operand=first)
    for sign, term in terms[1:]:
        value = gast.BinOp(left=value, op=gast.Add() if sign else gast.Sub(), right=term)
    return value
