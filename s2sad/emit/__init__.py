"""What reverse and forward mode share: naming derivatives, binding the globals
that templates and runtime helpers need, and instantiating rules. The checks of
writes and side effects (effect_checks.py) and the handling of calls of other
functions (callees.py) are mixins of `Emitter`."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import gast

from .. import aliases, analysis, dispatch, outside, runtime, syntax
from ..draws import RandomDraws
from ..errors import NonDifferentiableError
from ..normalize import NormalFunction
from ..primitives import Primitive, is_elementwise, primitive_of
from ..templates import BindingError, Instance, instantiate
from .callees import CalleeCalls
from .effect_checks import EffectChecks


@dataclass
class GeneratedFunction:
    """A derivative function's tree and the globals it reads."""

    node: gast.FunctionDef
    free: dict = field(default_factory=dict)
    tape: str = "tape"
    protected: set = field(default_factory=set)   # names the optimizer keeps
    adjoints: frozenset = frozenset()     # the adjoint variables
    elementwise: frozenset = frozenset()  # names (adjoints too) holding numbers, or
    #                                       arrays of a parameter's shape
    callees: dict = field(default_factory=dict)  # {dotted name called: the user function
    #                                              whose derivative the code calls}
    container_outputs: frozenset = frozenset()  # positions among the gradients that
    #                                             may be lists, tuples, dicts or objects
    scalars: frozenset = frozenset()  # names (derivatives too) holding a number wherever
    #                                   they are bound
    shapes: dict = field(default_factory=dict)  # {primal name: its shape class}


_MISSING = object()


class Emitter(EffectChecks, CalleeCalls):
    """Base of the mode transformers; `prefix` is 'b' (adjoints) or 'd' (tangents)."""

    def __init__(self, fn: NormalFunction, wrt: tuple, prefix: str,
                 scalar_params: frozenset = frozenset(), callee: bool = False):
        self.fn = fn
        self.names = fn.names
        self.namespace = fn.parsed.namespace
        self.prefix = prefix
        self.free = {}
        self.callees = dict(fn.inlined)  # {dotted name: user function its code follows}
        self.classified = {}      # id(value) -> (value, its Primitive)
        self.derivative_names = {}
        self.primal_of = {}       # derivative variable -> primal variable
        self.body = fn.node.body[:-1]  # all but the final `return result`
        self.local_names = set(fn.params) | syntax.names_stored(fn.node)
        self.user_locals = syntax.names_stored(fn.parsed.node)
        self.sequences = analysis.sequence_names(
            self.body, fn.params, lambda value: primitive_of(value, self.namespace,
                                                             self.local_names))
        wrt_names = [fn.params[i] for i in wrt]
        self.active = analysis.active_names(self.body, wrt_names, fn.result, self.classify)
        self.varied = analysis.varied_names(self.body, wrt_names, self.classify)
        # a parameter known to be a float on entry, or annotated as one, stays a
        # scalar where every rebinding keeps it one
        self.scalars = analysis.scalar_names(
            self.body, fn.params, analysis.scalar_parameters(fn.parsed.node) | scalar_params,
            self.classify)
        # names known to have the shape a parameter had on entry: {name: parameter}
        self.shapes = analysis.shape_classes(self.body, fn.params, self.scalars,
                                             self.classify)
        self.array_names = analysis.array_names(self.body, fn.params, self.classify)
        self.aliases = aliases.analyze(self.body, fn.params, fn.result, self.classify,
                                       self.scalars)
        self.check_writes(callee)
        # a loop checkpoints such names by copy: a write through another name changes them
        changed = analysis.mutated(self.body)
        self.mutated = changed | self.aliases.shares_written
        # containers of the caller's module changed by f (also through `M = G`): a
        # side effect, done once
        held = outside.aliases_of(self.body, syntax.names_loaded(self.body) - self.local_names)
        # `Stack.pop(s, x)` calls a class's function: it changes no container Stack
        self.outside = {name for name in changed if (name not in self.local_names or
                                                     name in held) and
                        not isinstance(self.namespace.lookup(name, None), type)}
        self.check_outside_writes()
        self.draws = RandomDraws(self.namespace, self.local_names, self.is_dispatched_call)
        self.check_calls_for_effects()
        self.draws.mark(self.body)
        self.effects = self.calls_changing_outside()
        self.unfitted = set()  # names whose adjoint a rule left broadcast beyond them

    # ------------------------------------------------------------ names

    def derivative_name(self, var: str) -> str:
        """`bx` or `dx`: the derivative variable of `var`."""
        if var not in self.derivative_names:
            self.derivative_names[var] = self.names.fresh(self.prefix + var)
            self.primal_of[self.derivative_names[var]] = var
        return self.derivative_names[var]

    def derivative(self, atom: gast.expr) -> str | None:
        """The derivative variable of an operand, None if it carries none."""
        if isinstance(atom, gast.Name) and atom.id in self.active:
            return self.derivative_name(atom.id)
        return None

    def protected_names(self) -> set:
        """Derivatives of the user's own variables keep their names in the output."""
        user_names = syntax.all_names(self.fn.parsed.node)
        return {d for v, d in self.derivative_names.items() if v in user_names}

    def scalar_names(self) -> frozenset:
        """The scalars, and the derivatives of scalars (numbers too)."""
        return frozenset(self.scalars | {d for d, v in self.primal_of.items()
                                         if v in self.scalars})

    def helper(self, identifier: str) -> gast.Name:
        """A name for the runtime helper `identifier` in generated code."""
        return syntax.name(self.bind_global(identifier, getattr(runtime, identifier)))

    def place_of(self, stmt, column: bool = False) -> gast.Constant:
        """'file:line' (with ':column') of `stmt` in the user's source: where a
        runtime helper that refuses it points (Location.parse reads it)."""
        where = self.fn.parsed.location(stmt)
        place = f"{where.filename}:{where.lineno}" + (f":{where.col}" if column else "")
        return syntax.constant(place)

    def bind_dispatch(self, identifier: str) -> gast.Name:
        """A name for call_vjp or call_jvp (dispatch.py) in generated code."""
        return syntax.name(self.bind_global(identifier, getattr(dispatch, identifier)))

    def bind_global(self, identifier: str, value) -> str:
        """Make `value` visible to generated code, as `identifier` unless taken."""
        local = self.clashes({identifier: value}).get(identifier, identifier)
        self.free[local] = value
        self.names.reserve([local])
        return local

    def clashes(self, free: dict) -> dict:
        """New names for globals of ours that the user's code means otherwise."""
        renamed = {}
        for identifier, value in free.items():
            mine = self.namespace.lookup(identifier, None)
            ours = self.free.get(identifier, value)
            if identifier in self.user_locals or ours is not value or \
                    identifier == "d" + self.fn.parsed.name or \
                    (mine is not None and mine is not value):
                renamed[identifier] = self.fresh_global(identifier, value)
        return renamed

    def fresh_global(self, identifier: str, value) -> str:
        """A name for `value` in generated code: the one it already has, or a new one."""
        for name, bound in self.free.items():
            if bound is value:
                return name
        return self.names.fresh(identifier + "_")

    def bind_free_names(self, instance: Instance) -> Instance:
        """Record the globals a template reads, renamed where they would clash."""
        clashes = self.clashes(instance.free)
        if clashes:
            instance.stmts = [syntax.copy_annos(s, syntax.substitute(s, clashes))
                              for s in instance.stmts]
            instance.free = {clashes.get(k, k): v for k, v in instance.free.items()}
        for identifier, value in instance.free.items():
            self.free[identifier] = value
            self.names.reserve([identifier])
        return instance

    # ------------------------------------------------------------ rules

    def classify(self, value: gast.expr) -> Primitive | None:
        """The primitive a right-hand side applies (asked many times per statement)."""
        known = self.classified.get(id(value))
        if known is None or known[0] is not value:
            known = self.classified[id(value)] = \
                value, analysis.on_sequences(
                    primitive_of(value, self.namespace, self.local_names), self.sequences)
        return known[1]

    def has_active_operands(self, value: gast.expr) -> bool:
        return bool(analysis.differentiable_operands(self.classify(value)) & self.active)

    def instantiate(self, template, stmt: gast.Assign, primitive: Primitive) -> Instance:
        if any(isinstance(a, gast.Starred) for a in primitive.args):
            raise NonDifferentiableError(
                f"s2sad cannot differentiate {primitive.description} called with a starred "
                f"argument (*args) (in {self.fn.parsed.described})",
                self.fn.parsed.location(stmt), hint="pass the arguments one by one.")
        result = stmt.targets[0].id
        # an adjoint left unfitted by the statement reading it: no operand is fitted
        # by the shapes known
        same_shape = set() if result in self.unfitted else \
            self.same_shape_operands(stmt, primitive) | \
            ({result} if self.adjoint_fits(result) else set())
        try:
            instance = instantiate(template, syntax.name(result), primitive.args,
                                   primitive.keywords, self.derivative, self.names,
                                   same_shape=same_shape,
                                   unfitted=self.may_stay_unfitted(primitive) - same_shape,
                                   scalar_result=result in self.scalars,
                                   zero_dim_result=self.shapes.get(result) == analysis.ZERO_DIM)
        except BindingError as exc:
            raise NonDifferentiableError(
                f"the derivative rule of {primitive.description} does not accept these "
                f"arguments: {exc}", self.fn.parsed.location(stmt),
                hint="call it with the arguments its rule names "
                     "(see docs/primitives.md).") from None
        self.unfitted |= instance.left_unfitted
        return self.bind_free_names(instance)

    def adjoint_fits(self, result: str) -> bool:
        """Whether the adjoint of `result` is known to have its shape: then
        `unbroadcast(d[y], y)` in its rule is `d[y]` (reverse mode)."""
        return False

    def may_stay_unfitted(self, primitive: Primitive) -> set:
        """Operands whose adjoint the rule may leave broadcast beyond their shape
        (reverse mode: see reverse/function.py)."""
        return set()

    def same_shape_operands(self, stmt: gast.Assign, primitive: Primitive) -> set:
        """Operands of an elementwise primitive known to have the result's shape:
        then `unbroadcast(g, x)` in its rule is just `g`."""
        if not (isinstance(stmt.value, (gast.BinOp, gast.UnaryOp)) or
                is_elementwise(primitive.key)) or \
                isinstance(getattr(stmt.value, "op", None), gast.MatMult) or \
                isinstance(stmt.value, gast.BinOp) and analysis.may_join_sequences(stmt.value):
            return set()
        names = [a.id for a in primitive.args if isinstance(a, gast.Name)]
        result = stmt.targets[0].id
        result_scalar = result in self.scalars
        same = set()
        for i, arg in enumerate(primitive.args):
            if not isinstance(arg, gast.Name):
                continue
            others = primitive.args[:i] + primitive.args[i + 1:]
            others_scalar = all(self.is_scalar(o) for o in others)
            shape = self.shapes.get(result)
            if others_scalar or (result_scalar and arg.id in self.scalars) or \
                    shape is not None and self.shapes.get(arg.id) == shape:
                same.add(arg.id)
        return same if names else set()

    def is_scalar(self, atom: gast.expr) -> bool:
        if isinstance(atom, gast.Name):
            return atom.id in self.scalars
        return syntax.is_literal(atom)

    def default_value(self, param: str, written: gast.expr) -> gast.expr:
        """The default of `param` as Python bound it when f was defined: as written
        when it is a literal or still names that value, else a global holding it
        (`s=SCALE` with SCALE rebound since, `k=k` in a class body, a generator)."""
        bound = inspect.signature(self.fn.parsed.func).parameters.get(param)
        value = _MISSING if bound is None else bound.default
        if value is _MISSING or value is inspect.Parameter.empty or \
                isinstance(written, gast.Constant) or \
                self.namespace.resolve(written, _MISSING) is value:
            return syntax.clone(written)
        return syntax.name(self.bind_global(f"{param}_default", value))

    def derivative_function(self, body: list, extra: list) -> gast.FunctionDef:
        """`def d<f>(params..., extra...)`: `extra` holds (name, default or None) for
        the seed or tangents. After parameters with defaults or keyword-only ones they
        are keyword-only, so that a call leaving a default out cannot pass a tangent
        in its place."""
        args = self.fn.parsed.node.args
        positional = [a.id for a in args.posonlyargs + args.args]
        keyword_only = [(a.id, None if d is None else self.default_value(a.id, d))
                        for a, d in zip(args.kwonlyargs, args.kw_defaults)]  # None: required
        defaults = [self.default_value(a, d) for a, d in
                    zip(positional[len(positional) - len(args.defaults):], args.defaults)]
        name = "d" + self.fn.parsed.name
        if args.defaults or keyword_only:
            extras = [(n, None if d is None else syntax.constant(d)) for n, d in extra]
            return syntax.function_def(name, positional, body, defaults, keyword_only + extras)
        trailing = [syntax.constant(d) for _, d in extra] \
            if all(d is not None for _, d in extra) else []
        return syntax.function_def(name, positional + [n for n, _ in extra], body, trailing)

