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

from . import dispatch, primitives, registry, syntax
from .emit import Emitter, GeneratedFunction
from .errors import NonDifferentiableError
from .normalize import NormalFunction
from .templates import ZERO, is_zero_derivative, zero_derivative

_ZERO = 0.0


@dataclass
class TangentSpec:
    """What to build: the parameters with tangents, and extras."""

    wrt: tuple
    preserve_result: bool = False
    # jvp(function, wrt indices) -> generated JVP of a user function that is called
    subroutine: Callable | None = None
    scalar_params: frozenset = frozenset()   # parameters known to be floats
    callee: bool = False   # a function called by the one being differentiated


def forward(fn: NormalFunction, spec: TangentSpec) -> GeneratedFunction:
    """Build the Jacobian-vector-product function of `fn`."""
    return _Forward(fn, spec).build()


def _free_tangent_keywords(fn: NormalFunction, wrt: tuple) -> dict:
    """{parameter: `d<parameter>`}, the keyword its tangent is passed by, for every
    one not itself a parameter; a local of the user's by that name (a time step
    `dt` beside a parameter `t`) is renamed so the keyword stays free."""
    keywords = {}
    for param in (fn.params[i] for i in wrt):
        keyword = "d" + param
        if keyword in fn.params:
            continue
        if keyword in syntax.names_stored(fn.node):
            renamed = fn.names.fresh(keyword)
            for node in syntax.walk(fn.node.body):
                if isinstance(node, gast.Name) and node.id == keyword:
                    node.id = renamed
        fn.names.reserve([keyword])
        keywords[param] = keyword
    return keywords


class _Forward(Emitter):
    def __init__(self, fn: NormalFunction, spec: TangentSpec):
        keywords = _free_tangent_keywords(fn, spec.wrt)
        super().__init__(fn, spec.wrt, prefix="d", scalar_params=spec.scalar_params,
                         callee=spec.callee)
        self.spec = spec
        for param, keyword in keywords.items():
            self.derivative_names[param] = keyword
            self.primal_of[keyword] = param

    def build(self) -> GeneratedFunction:
        fn, spec = self.fn, self.spec
        tangents = [self.derivative_name(fn.params[i]) for i in spec.wrt]
        constant_params = [p for i, p in enumerate(fn.params)
                           if p in self.active and i not in spec.wrt]
        body = [syntax.assign(self.derivative_name(p), self.zero_of(p, syntax.name(p)))
                for p in constant_params]
        body += self.private_arguments(*tangents) + self.parameter_receiver_guards() + \
            self.unbound_guarded() + \
            self.block(self.body)
        output = self.output_tangent()
        returned = syntax.tuple_([output, syntax.name(fn.result)]) if spec.preserve_result \
            else output
        # at the user's `return`: the optimizer may move the last tangents into it
        body += syntax.locate([syntax.return_(returned)], fn.node.body[-1])
        node = self.derivative_function(body, [(t, None) for t in tangents])
        return GeneratedFunction(node, self.free, "tape", self.protected_names(),
                                 callees=self.callees, scalars=self.scalar_names())

    def output_tangent(self) -> gast.expr:
        result = self.fn.result
        if result not in self.active:
            return syntax.call(self.helper("zeros_like"), syntax.name(result))
        if result in self.scalars:
            return syntax.name(self.derivative_name(result))
        return syntax.call(self.helper("expand"), syntax.name(self.derivative_name(result)),
                           syntax.name(result))

    # ------------------------------------------------------------ statements

    def block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            out.extend(self.unshared_guards(stmt) + self.receiver_guards(stmt))
            out.extend(syntax.locate(self.stmt(stmt), stmt))
        return out

    def stmt(self, stmt) -> list:
        if isinstance(stmt, gast.If):
            new = syntax.if_(stmt.test, self.block(stmt.body) or [gast.Pass()],
                             self.block(stmt.orelse))
            return [syntax.copy_annos(stmt, gast.copy_location(new, stmt))]
        if isinstance(stmt, (gast.For, gast.While)):
            constant_items = isinstance(stmt, gast.For) and \
                not syntax.names_loaded(stmt.iter) & self.varied
            if isinstance(stmt, gast.For) and stmt.target.id in self.active and \
                    not constant_items:
                raise NonDifferentiableError(
                    f"s2sad cannot carry tangents through the iterable of this loop "
                    f"(in {self.fn.parsed.described})", self.fn.parsed.location(stmt),
                    hint="loop over an array or list, enumerate(...) or zip(...) of them, "
                         "or over range(len(...)) with indexing.")
            new = syntax.clone(stmt)
            new.body = self.block(stmt.body)
            if isinstance(stmt, gast.For) and stmt.target.id in self.active:
                # items that carry no tangent, as an index restored from a tape
                new.body.insert(0, syntax.assign(self.derivative_name(stmt.target.id),
                                                 syntax.constant(_ZERO)))
            return [new]
        if isinstance(stmt, gast.Assign):
            return self.assign(stmt) + self.private_tangent(stmt)
        if isinstance(stmt, gast.Expr):
            return [stmt] + self.mirrored_append(stmt)
        if isinstance(stmt, gast.With):
            return []  # a gradient hook acts in reverse mode only
        return [stmt]

    def private_tangent(self, stmt: gast.Assign) -> list:
        """`dy = copy_of(dy)` after `y = x.flatten()` where y is written into later:
        a rule may give a view of x's tangent (np.reshape(dx, -1)) for a result that
        is a copy, and the write into dy would change dx (the caller's, even)."""
        target = stmt.targets[0]
        if not (isinstance(target, gast.Name) and target.id in self.mutated and
                target.id in self.active and self.has_active_operands(stmt.value)):
            return []
        tangent = self.derivative_name(target.id)
        return [syntax.assign(tangent, syntax.call(self.helper("copy_of"),
                                                   syntax.name(tangent)))]

    def assign(self, stmt: gast.Assign) -> list:
        target = stmt.targets[0]
        if isinstance(target, gast.Subscript):
            return [stmt] + self.store(target, stmt.value)
        primitive = self.classify(stmt.value)
        if primitive is not None and primitive.key == primitives.LIST_POP \
                and primitive.args[0].id in self.active:  # dx = dtape.pop(), in step
            tangent = self.derivative_name(target.id)
            items = syntax.name(self.derivative_name(primitive.args[0].id))
            index = list(map(syntax.clone, primitive.args[1:]))
            popped = syntax.call(gast.Attribute(value=items, attr="pop", ctx=gast.Load()),
                                 *index) if self.tangent_is_a_list(primitive.args[0].id) \
                else syntax.call(self.helper("popped_tangent"), items, *index)
            return [stmt, syntax.assign(tangent, popped)]
        if target.id not in self.active:
            return [stmt]
        tangent = self.derivative_name(target.id)
        if not self.has_active_operands(stmt.value):
            return [stmt, syntax.assign(tangent, self.zero_of(target.id, stmt.value))]
        if primitive.key == primitives.PACK:  # [a, b] -> [da, zeros_like(b)]
            packed = syntax.clone(stmt.value)
            items = [self.full_tangent(a) for a in primitive.args]
            if primitive.keys is None:
                packed.elts = items
            else:
                packed.values = items
            return [stmt, syntax.assign(tangent, packed)]
        template = registry.tangent_of(primitive.key)
        if primitive.key is dispatch.call_vjp:
            return self.jvp_of_dispatched_vjp(primitive, stmt)
        self.refuse_dispatch_twice(primitive, stmt)
        if template is None and self.through_source(primitive) is not None:
            return self.subroutine_call(self.through_source(primitive), stmt)
        if template is None and self.is_dispatched(primitive):
            return self.dispatched_jvp(primitive, stmt)
        if template is None:
            raise self.no_derivative(primitive, stmt, "forward")
        instance = self.instantiate(template, stmt, primitive)
        tangents = set(self.derivative_names.values())
        return [stmt] + [_propagate_zeros(s, tangents) for s in instance.stmts]

    def full_tangent(self, atom: gast.expr) -> gast.expr:
        """The tangent of an operand with the operand's own shape (for containers,
        whose items are not broadcast)."""
        if self.is_scalar(atom):
            var = self.derivative(atom)
            return syntax.name(var) if var else syntax.constant(_ZERO)
        var = self.derivative(atom)
        if var is None:
            return syntax.call(self.helper("zeros_like"), syntax.clone(atom))
        return syntax.call(self.helper("expand"), syntax.name(var), syntax.clone(atom))

    def zero_of(self, name: str, value: gast.expr) -> gast.expr:
        """The tangent of a value with no active operand: 0.0; [] for a list; an
        array of zeros for an array whose elements will be assigned."""
        if isinstance(value, gast.List) and not value.elts:
            return gast.List(elts=[], ctx=gast.Load())
        if name in self.mutated:
            return syntax.call(self.helper("zeros_like"), syntax.name(name))
        return syntax.constant(_ZERO)

    def store(self, target: gast.Subscript, value: gast.expr) -> list:
        """`dx[i] = dv` beside `x[i] = v` (dx is private: see Emitter.private_arguments)."""
        name = target.value.id
        if name not in self.active:
            return []
        item = self.derivative(value)
        tangent = syntax.name(item) if item else syntax.constant(_ZERO)
        element = gast.Subscript(value=syntax.name(self.derivative_name(name)),
                                 slice=syntax.clone(target.slice), ctx=gast.Store())
        return [syntax.assign(element, tangent)]

    def tangent_is_a_list(self, name: str) -> bool:
        """Whether `name`'s tangent is a list wherever it is bound (a list display, or
        zeros of a list filled in place), not a number standing for zeros."""
        bindings = [s.value for s in syntax.statements(self.body) if isinstance(s, gast.Assign)
                    and isinstance(s.targets[0], gast.Name) and s.targets[0].id == name]
        return name not in self.fn.params and all(
            isinstance(v, gast.List) or name in self.mutated and not self.has_active_operands(v)
            for v in bindings)

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
        jvp = self.callee_derivative(primitive, stmt, active, "forward")
        if jvp is None:  # recursion
            return self.dispatched_jvp(primitive, stmt)
        jvp_name = self.bind_global(jvp.__name__, jvp)
        params = list(inspect.signature(jvp).parameters)
        tangent_params = params[len(params) - len(active):]
        keywords = dict(primitive.keywords)
        for name, (_, atom) in zip(tangent_params, active):
            keywords[name] = syntax.name(self.derivative(atom))
        return self.tangent_and_value(
            stmt, syntax.call(syntax.name(jvp_name), *primitive.args, **keywords))

    def tangent_and_value(self, stmt: gast.Assign, call: gast.Call) -> list:
        """`dy, y = call` for `y = ...`, where `call` returns the tangent and the value
        (a callee's JVP, call_jvp, call_vjp_jvp), drawing like the call it stands for."""
        target = stmt.targets[0].id
        pair = syntax.tuple_([syntax.name(self.derivative_name(target), "store"),
                              syntax.name(target, "store")], "store")
        return [gast.copy_location(syntax.assign(pair, self.drawing_like(call, stmt.value)),
                                   stmt)]

    def dispatched_jvp(self, primitive, stmt: gast.Assign) -> list:
        """`dy, y = call_jvp(layer.forward_pass, (0, 1), (dh, dw), h, w)`: the function
        is looked up when the derivative runs (dispatch.py)."""
        function, wrt, args, active = self.dispatched_call(primitive, stmt)
        tangents = syntax.tuple_(syntax.name(self.derivative(a)) for _, a in active)
        call = syntax.call(self.bind_dispatch("call_jvp"), function, wrt, tangents, *args,
                           **primitive.keywords)
        return self.tangent_and_value(stmt, call)

    def jvp_of_dispatched_vjp(self, primitive, stmt: gast.Assign) -> list:
        """`dg, g = call_vjp_jvp(layer.forward, (0,), ("seed", 0), (dbh, dh), bh, h)` for
        `g = call_vjp(layer.forward, (0,), bh, h)` in a derivative differentiated
        again (dispatch.py)."""
        function, wrt, seed, *args = primitive.args
        operands = [("seed", seed)] + list(enumerate(args))
        active = [(position, atom) for position, atom in operands
                  if self.derivative(atom) is not None]
        call = syntax.call(
            self.bind_dispatch("call_vjp_jvp"), function, wrt,
            syntax.tuple_(syntax.constant(position) for position, _ in active),
            syntax.tuple_(syntax.name(self.derivative(atom)) for _, atom in active),
            seed, *args, **primitive.keywords)
        return self.tangent_and_value(stmt, call)


class _ZeroPropagation(gast.NodeTransformer):
    """Simplify a tangent rule given that some operands' tangents are zero.

    A tangent rule is linear in the tangents, so a product, quotient, index or
    call applied to a zero tangent (and to no other tangent) is zero, and a zero
    summand drops out. Zeros left where that reasoning stops become 0.0.
    """

    def __init__(self, tangents: set):
        self.tangents = tangents

    def visit(self, node):
        if is_zero_derivative(node):
            return node
        return super().visit(node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = is_zero_derivative(node.left), is_zero_derivative(node.right)
        if isinstance(node.op, (gast.Add, gast.Sub)):
            if left and right:
                return zero_derivative()
            if right:
                return node.left
            if left:
                return node.right if isinstance(node.op, gast.Add) else \
                    gast.UnaryOp(op=gast.USub(), operand=node.right)
        elif isinstance(node.op, (gast.Mult, gast.MatMult)) and (left or right):
            return zero_derivative()
        elif isinstance(node.op, gast.Div) and left:
            return zero_derivative()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return node.operand if is_zero_derivative(node.operand) else node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        return node.value if is_zero_derivative(node.value) else node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        return node.value if is_zero_derivative(node.value) else node

    def visit_Call(self, node):
        self.generic_visit(node)
        operands = node.args + [k.value for k in node.keywords]
        if isinstance(node.func, gast.Attribute):
            operands.append(node.func.value)
        if any(is_zero_derivative(a) for a in operands) and \
                not syntax.names_loaded(operands) & self.tangents:
            return zero_derivative()
        return node


def _propagate_zeros(stmt: gast.stmt, tangents: set) -> gast.stmt:
    """`stmt` with zero tangents simplified away (see _ZeroPropagation)."""
    if isinstance(stmt, gast.Assign):
        stmt.value = _ZeroPropagation(tangents).visit(stmt.value)
    for node in syntax.walk(stmt):  # what is left is an ordinary zero
        if is_zero_derivative(node):
            syntax.set_anno(node, ZERO, False)
    return stmt
