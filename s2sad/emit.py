"""What reverse and forward mode share: naming derivatives, binding the globals
that templates and runtime helpers need, and instantiating rules."""
from __future__ import annotations

import functools
import inspect
import os
from dataclasses import dataclass, field, replace

import gast

from . import (aliases, analysis, dispatch, libraries, outside, primitives, registry, runtime,
               syntax, varargs)
from .decorators import signature_of, undecorated
from .draws import DRAWS, RandomDraws
from .errors import (Location, NonDifferentiableError, RecursiveCall, S2SADError,
                     SourceUnavailableError, UnsupportedSyntaxError)
from .normalize import NormalFunction
from .primitives import Primitive, is_elementwise, primitive_of
from .templates import BindingError, Instance, instantiate


# methods of these are never dispatched at run time (a method of the same name on
# a user class then needs its own function: call it through one)
_BUILTIN_CONTAINERS = (dict, list, tuple, str, set, int, float)


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


class Emitter:
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
        self.aliases = aliases.analyze(self.body, fn.params, fn.result, self.classify,
                                       self.scalars)
        self.check_writes(callee)
        # a loop checkpoints such names by copy: a write through another name changes them
        changed = analysis.mutated(self.body)
        self.mutated = changed | self.aliases.shares_written
        # containers of the caller's module changed by f: a side effect, done once
        self.outside = {name for name in changed if name not in self.local_names}
        self.check_outside_writes()
        self.check_calls_for_effects()
        self.draws = RandomDraws(self.namespace, self.local_names, self.is_dispatched_call)
        self.draws.mark(self.body)
        self.effects = self.calls_changing_outside()

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

    def check_writes(self, callee: bool) -> None:
        """Refuse a write another name could see (see aliases.py), and one into a
        caller's object from a helper: its derivative reruns it after the write."""
        self.unshared_checks = {}  # id(write) -> [(written, other)] known at run time only
        for conflict in self.aliases.conflicts:
            if conflict.certain:
                raise self.shared_write(conflict)
            self.unshared_checks.setdefault(id(conflict.stmt), []).append(
                (conflict.written, conflict.other))
        if callee and self.aliases.written_params:
            name = sorted(self.aliases.written_params)[0]
            stmt = self.aliases.written_params[name]
            raise UnsupportedSyntaxError(
                f"s2sad cannot differentiate a write into the argument '{name}' of "
                f"function '{self.fn.parsed.name}', which is called from the function "
                "being differentiated: the write would change the caller's array",
                self.fn.parsed.location(stmt),
                hint=f"write into a copy: {name} = {name}.copy() first, or return the "
                     "new values instead.")

    def unshared_guards(self, stmt) -> list:
        """`assert_unshared(x, row, 'file:line')` for a write that may reach another
        live name, to run before it: it raises if the write would."""
        where = self.fn.parsed.location(stmt)
        checks = [syntax.expr_stmt(syntax.call(
            self.helper("assert_unshared"), syntax.name(written), syntax.name(other),
            syntax.constant(f"{where.filename}:{where.lineno}")))
            for written, other in self.unshared_checks.get(id(stmt), ())]
        return checks

    def private_arguments(self, *tangents: str) -> list:
        """`x = copy_argument(x)` for each parameter the function writes into (and
        for its tangent): the derivative never changes what the caller passed."""
        out = []
        for name in sorted(self.aliases.written_params):
            copies = [name] + [self.derivative_name(name) for _ in tangents[:1]
                               if name in self.active and self.derivative_name(name) in tangents]
            out += [syntax.assign(v, syntax.call(self.helper("copy_argument"), syntax.name(v)))
                    for v in copies]
        return out

    def shared_write(self, conflict) -> UnsupportedSyntaxError:
        written, other = conflict.written, conflict.other
        what = f"an augmented assignment to '{written}', which changes its array in " \
            "place" if syntax.anno(conflict.stmt, aliases.AUGMENTED) else \
            f"a write into '{written}'"
        return UnsupportedSyntaxError(
            f"s2sad cannot differentiate {what}: '{other}' may share its memory (a copy, "
            f"view, element or container of it) and is read afterwards, so the write "
            f"would change '{other}' too (in function '{self.fn.parsed.name}')",
            self.fn.parsed.location(conflict.stmt),
            hint=f"make the two independent: take a copy where '{other}' or '{written}' "
                 f"is made (`.copy()`, `np.array(...)`, `list(...)`), or write "
                 f"`{written} = <new value>` instead of changing it in place.")

    def check_outside_writes(self) -> None:
        """`LOG.append(v)` on a global list is a side effect the derivative does
        once, as f does; f may not read the list back, nor write into a global array."""
        for stmt in syntax.statements(self.body):
            receiver = aliases.mutated_receiver(getattr(stmt, "value", None))
            header = getattr(stmt, "iter", getattr(stmt, "test", None))
            reads = syntax.names_loaded(header if hasattr(stmt, "body") else stmt) - \
                ({receiver} if receiver else set())
            written = stmt.targets[0].value.id if isinstance(stmt, gast.Assign) and \
                isinstance(stmt.targets[0], gast.Subscript) else None
            for name in sorted((reads | {written}) & self.outside):
                raise UnsupportedSyntaxError(
                    f"s2sad cannot differentiate {'a write into' if name == written else 'a read of'}"
                    f" '{name}', a container from outside function '{self.fn.parsed.name}' "
                    "that it changes", self.fn.parsed.location(stmt),
                    hint=f"work on a local copy (`{name}_local = list({name})`) and return "
                         f"it; appending to '{name}' without reading it back is fine.")

    def check_calls_for_effects(self) -> None:
        """A call whose result is dropped, or that takes `out=`, may write into a
        differentiable argument (np.add.at, lst.extend): s2sad cannot follow that.
        Under a branch (`if ax: plot(ax, x)`) the refusal waits for the branch to
        run: the derivative raises there, before the call, and not at all if the
        branch is never taken."""
        branched = {id(inner) for branch in syntax.statements(self.body)
                    if isinstance(branch, gast.If)
                    for inner in syntax.statements(branch.body + branch.orelse)}
        for stmt in syntax.statements(self.body):
            call = getattr(stmt, "value", None)
            if not isinstance(call, gast.Call) or primitives.list_append(stmt):
                continue
            operands = list(call.args) + [k.value for k in call.keywords]
            if isinstance(call.func, gast.Attribute) and isinstance(call.func.value, gast.Name) \
                    and call.func.value.id in self.local_names:
                operands.append(call.func.value)
            if not syntax.names_loaded(operands) & self.varied:
                continue
            writes_out = any(k.arg == "out" for k in call.keywords)
            if isinstance(stmt, gast.Expr) and id(stmt) in branched and \
                    not self.is_harmless(call):
                stmt.value = self.refusal_when_run(call, stmt)
            elif writes_out or (isinstance(stmt, gast.Expr) and not self.is_harmless(call)):
                raise NonDifferentiableError(
                    f"s2sad cannot follow a call that may change its arguments in place "
                    f"(in function '{self.fn.parsed.name}')", self.fn.parsed.location(stmt),
                    hint="assign the result instead (y = np.add(y, v), lst = lst + [v]); "
                         "in-place writes s2sad follows are x[i] = v and lst.append(v).")

    def refusal_when_run(self, call: gast.Call, stmt) -> gast.Call:
        """`refuse_effect('plot', 'file.py:12')` in place of the call."""
        where = self.fn.parsed.location(stmt)
        called = syntax.dotted_name(call.func) or "this call"
        return syntax.call(self.helper("refuse_effect"), syntax.constant(called),
                           syntax.constant(f"{where.filename}:{where.lineno}"))

    @staticmethod
    def drawing_like(call: gast.Call, primal: gast.expr) -> gast.Call:
        """`call`, marked as drawing random numbers if the primal call it stands for
        is (a helper's derivative runs the helper again)."""
        if syntax.anno(primal, DRAWS):
            syntax.set_anno(call, DRAWS, True)
        return call

    def is_harmless(self, call: gast.Call) -> bool:
        """print and the like: registered as non-differentiable, so they only read."""
        primitive = self.classify(call)
        return primitive is not None and primitive.nondifferentiable

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
                f"argument (*args) (in function '{self.fn.parsed.name}')",
                self.fn.parsed.location(stmt), hint="pass the arguments one by one.")
        try:
            instance = instantiate(template, syntax.name(stmt.targets[0].id), primitive.args,
                                   primitive.keywords, self.derivative, self.names,
                                   same_shape=self.same_shape_operands(stmt, primitive),
                                   scalar_result=stmt.targets[0].id in self.scalars)
        except BindingError as exc:
            raise NonDifferentiableError(
                f"the derivative rule of {primitive.description} does not accept these "
                f"arguments: {exc}", self.fn.parsed.location(stmt),
                hint="call it with the arguments its rule names "
                     "(see docs/primitives.md).") from None
        return self.bind_free_names(instance)

    def same_shape_operands(self, stmt: gast.Assign, primitive: Primitive) -> set:
        """Operands of an elementwise primitive known to have the result's shape:
        then `unbroadcast(g, x)` in its rule is just `g`."""
        if not (isinstance(stmt.value, (gast.BinOp, gast.UnaryOp)) or
                is_elementwise(primitive.key)) or \
                isinstance(getattr(stmt.value, "op", None), gast.MatMult):
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

    def bind_call(self, primitive: Primitive, stmt) -> list:
        """(parameter index, operand) of the active arguments of a user function call."""
        signature = signature_of(primitive.key)
        try:
            bound = signature.bind(*primitive.args, **primitive.keywords)
        except TypeError as exc:
            raise UnsupportedSyntaxError(
                f"call to {primitive.description} does not match its signature: {exc}",
                self.fn.parsed.location(stmt), hint="fix the call's arguments.") from None
        params = list(signature.parameters)
        return [(params.index(p), atom) for p, atom in bound.arguments.items()
                if self.derivative(atom) is not None]

    def callee_derivative(self, primitive: Primitive, stmt, active: list, mode: str):
        """The generated VJP (or JVP) of the user function called at `stmt`, for its
        `active` arguments; None for a call of a function whose derivative is being
        made (recursion), which the derivative looks up when it runs. When s2sad
        cannot read that function's source, the error points at this call: the
        user's line that needs the derivative."""
        called = syntax.dotted_name(stmt.value.func) if isinstance(stmt.value, gast.Call) \
            else None
        if called is not None and not registry.is_stand_in(primitive.key):
            # may be rebound later: rebinding.py
            self.callees[called] = getattr(primitive.key, "__s2sad_varargs_of__",
                                           primitive.key)
        try:
            return self.spec.subroutine(primitive.key, tuple(i for i, _ in active))
        except RecursiveCall:
            return None  # the derivative being made: found when it runs (dispatch.py)
        except SourceUnavailableError as exc:
            if exc.location is not None:  # from a call further down, placed there
                raise
            name = primitive.key.__name__
            decorator = "adjoint" if mode == "reverse" else "tangent"
            raise SourceUnavailableError(
                f"{exc.message}; it is called in function '{self.fn.parsed.name}'",
                self.fn.parsed.location(stmt),
                hint=f"s2sad reads source code: define '{name}' with `def` in a file, a "
                     f"notebook cell or IPython (not with exec() or in a plain REPL), or "
                     f"register its derivative with @s2sad.{decorator}({name}).") from None
        except S2SADError as exc:
            if not _inside_s2sad(exc.location) or _inside_s2sad(self.fn.parsed.location()):
                raise
            # s2sad's own helper, called by a derivative being differentiated again
            raise type(exc)(
                f"s2sad cannot differentiate the derivative of this line again: it calls "
                f"s2sad's helper '{primitive.key.__name__}' ({exc.message})",
                self.fn.parsed.location(stmt),
                hint="this line has no derivative of this order in s2sad (see Higher "
                     "order in docs/supported_python.md): write it with operations "
                     "that have one, or take this derivative in the other mode.") from None

    def refuse_dispatch_twice(self, primitive: Primitive, stmt) -> None:
        """A derivative that calls call_vjp or call_jvp (dispatch.py) is not
        differentiated again: the function it differentiates is only known then."""
        if primitive.key in (dispatch.call_vjp, dispatch.call_jvp):
            raise NonDifferentiableError(
                "s2sad cannot differentiate again a derivative through a method call, a "
                "recursive call or a function value known only at run time (in function "
                f"'{self.fn.parsed.name}')",
                self.fn.parsed.location(stmt),
                hint="for second derivatives, call module-level functions, or nested "
                     "functions and lambdas, which s2sad inlines.")

    def calls_changing_outside(self) -> dict:
        """{id(stmt): (called name, what it changes)} for `y = helper(x)` where the
        helper changes state outside itself; each such call is marked EFFECT."""
        found = {}
        for stmt in syntax.statements(self.body):
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call)):
                continue
            primitive = self.classify(stmt.value)
            change = outside.outside_change(primitive.key) if primitive is not None else None
            if change is not None:
                syntax.set_anno(stmt.value, outside.EFFECT, True)
                found[id(stmt)] = (primitive.description, change)
        return found

    def is_dispatched_call(self, call: gast.Call) -> bool:
        primitive = self.classify(call)
        return primitive is not None and self.is_dispatched(primitive)

    def is_dispatched(self, primitive: Primitive) -> bool:
        """A call of a function value only known at run time: a method of an object
        (`layer.forward_pass(h)`, not an ndarray or list method with a rule) or a
        local variable (`activation(z)`); see dispatch.py."""
        key = primitive.key
        if inspect.ismethod(key) and registry.unfrozen(key) is not None:
            return True   # a frozen distribution made outside: unfrozen at run time
        if libraries.is_installed(key):
            return False  # a library's method, as stats.norm.sf: needs a rule
        if inspect.ismethod(key) or isinstance(key, functools.partial):
            return True   # a global or closure variable holding one
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "method" and \
                key[1] in aliases.MUTATING_METHODS and \
                any(hasattr(kind, key[1]) for kind in _BUILTIN_CONTAINERS):
            return False  # lst.extend(v), d.update(e): refused where they are written
        return isinstance(key, tuple) and len(key) == 2 and key[0] in ("method", "call") \
            and not primitive.nondifferentiable

    def dispatched_call(self, primitive: Primitive, stmt) -> tuple:
        """(the function value, its operands, {keyword: operand}, active positions or
        keywords with their operands) of a dispatched call."""
        call = stmt.value
        method = isinstance(primitive.key, tuple) and primitive.key[0] == "method"
        if method:
            function = gast.Attribute(value=syntax.clone(primitive.args[0]),
                                      attr=primitive.key[1], ctx=gast.Load())
            args = primitive.args[1:]
        else:
            function, args = syntax.clone(call.func), primitive.args
        if any(isinstance(a, gast.Starred) for a in args):
            raise NonDifferentiableError(
                f"s2sad cannot differentiate a call with *arguments to {primitive.description} "
                f"(in function '{self.fn.parsed.name}')", self.fn.parsed.location(stmt),
                hint="pass the arguments one by one.")
        active = [(i, a) for i, a in enumerate(args) if self.derivative(a) is not None]
        active += [(k, a) for k, a in primitive.keywords.items()
                   if self.derivative(a) is not None]
        if method and self.derivative(primitive.args[0]) is not None:
            raise NonDifferentiableError(
                f"s2sad cannot differentiate a call of {primitive.description} with respect "
                f"to the object it is called on (in function "
                f"'{self.fn.parsed.name}')", self.fn.parsed.location(stmt),
                hint=registry.advice_for(primitive.key) or
                "pass the parameters the method reads as arguments, or call a "
                "module-level function with the object as an argument.")
        wrt = syntax.tuple_(syntax.constant(i) for i, _ in active)
        return function, wrt, args, active

    def through_source(self, primitive: Primitive) -> Primitive | None:
        """The call as a call to the Python function whose source s2sad differentiates
        for it (the user's own function, or a registered stand-in), or None when it
        needs a derivative rule (a library function, a built-in). A function taking
        `*args` is taken in its version for this call's number of arguments."""
        source = libraries.source_to_differentiate(primitive.key)
        if source is not None and varargs.takes_varargs(source) and \
                not any(isinstance(a, gast.Starred) for a in primitive.args):
            source = varargs.with_arity(source, len(primitive.args))
        return None if source is None else replace(primitive, key=source)

    def no_derivative(self, primitive: Primitive, stmt, mode: str) -> NonDifferentiableError:
        what = primitive.description
        decorator = "adjoint" if mode == "reverse" else "tangent"
        library = libraries.is_installed(undecorated(primitive.key))
        why = "s2sad does not read the source of installed libraries; " if library else ""
        hint = f"{why}register one with @s2sad.{decorator}({what}) (see " \
            "docs/custom_derivatives.md), or wrap the value in s2sad.stop_gradient " \
            "if it needs none."
        hint = registry.advice_for(primitive.key) or hint
        return NonDifferentiableError(
            f"no {mode}-mode derivative is registered for {what} (in function "
            f"'{self.fn.parsed.name}')", self.fn.parsed.location(stmt), hint=hint)

    def derivative_function(self, body: list, extra: list) -> gast.FunctionDef:
        """`def d<f>(params..., extra...)`: `extra` holds (name, default or None) for
        the seed or tangents. After parameters with defaults or keyword-only ones they
        are keyword-only, so that a call leaving a default out cannot pass a tangent
        in its place."""
        args = self.fn.parsed.node.args
        positional = [a.id for a in args.posonlyargs + args.args]
        keyword_only = [(a.id, None if d is None else syntax.clone(d))   # None: required
                        for a, d in zip(args.kwonlyargs, args.kw_defaults)]
        name = "d" + self.fn.parsed.name
        if args.defaults or keyword_only:
            extras = [(n, None if d is None else syntax.constant(d)) for n, d in extra]
            return syntax.function_def(name, positional, body, syntax.clone(args.defaults),
                                       keyword_only + extras)
        trailing = [syntax.constant(d) for _, d in extra] \
            if all(d is not None for _, d in extra) else []
        return syntax.function_def(name, positional + [n for n, _ in extra], body, trailing)


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _inside_s2sad(location: Location | None) -> bool:
    """Whether an error points into s2sad's own files (a runtime helper)."""
    return location is not None and \
        os.path.abspath(location.filename).startswith(_PACKAGE + os.sep)
