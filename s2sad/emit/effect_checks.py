"""Refusals decided while a derivative is built: writes another name could see,
writes into state outside the function, calls that may change their arguments,
calls of helpers that change state outside themselves (calls that change what
the reverse sweep reads of f's own arrays: constant_changes.py)."""
from __future__ import annotations

import ast
import inspect

import gast

from .. import aliases, outside, primitives, syntax
from ..draws import DRAWS
from ..errors import NonDifferentiableError, UnsupportedSyntaxError
from .constant_changes import _CONTAINER_METHODS, ConstantChanges


def _folds_to_an_operand(value: gast.expr) -> bool:
    """`x * 1.0`, `x + 0.0`, `+x`: a copy the optimizer takes for x itself (a write
    hidden in a call would then reach x)."""
    if isinstance(value, gast.UnaryOp):
        return isinstance(value.op, gast.UAdd)
    numbers = {syntax.number_value(value.left), syntax.number_value(value.right)}
    return bool(numbers & {0, 1}) or isinstance(value.op, gast.Pow)


class EffectChecks(ConstantChanges):
    """Mixin of Emitter: reads `self.aliases`, `self.body`, `self.outside`."""

    def check_writes(self, callee: bool) -> None:
        """Refuse a write another name could see (see aliases.py), and one into a
        caller's object from a helper: its derivative reruns it after the write."""
        self.unshared_checks = {}  # id(write) -> [(written, other)] known at run time only
        self.argument_checks = set()  # ids of method calls checked when they run
        self.kept_arguments = {}  # id(call) -> {position: name} of the arguments checked
        self.augment_checks = {}  # id(call) -> [(argument, function, parameter, write)]
        for conflict in self.aliases.conflicts:
            if conflict.certain:
                raise self.shared_write(conflict)
            self.unshared_checks.setdefault(id(conflict.stmt), []).append(
                (conflict.written, conflict.other))
        if callee and self.aliases.written_params:
            name = sorted(self.aliases.written_params)[0]
            stmt = self.aliases.written_params[name]
            raise outside.argument_write_error(
                self.fn.parsed.name, name, self.fn.parsed.location(stmt),
                caller="the function being differentiated")

    def unshared_guards(self, stmt) -> list:
        """`assert_unshared(x, row, 'file:line', i)` for a write `x[i] = v` that may
        reach another live name, to run before it: it raises if the entries written
        are ones the other name sees."""
        target = stmt.targets[0] if isinstance(stmt, gast.Assign) else None
        index = [primitives.index_value(target.slice)] \
            if isinstance(target, gast.Subscript) else []
        return [syntax.expr_stmt(syntax.call(
            self.helper("assert_unshared"), syntax.name(written), syntax.name(other),
            self.place_of(stmt), *map(syntax.clone, index)))
            for written, other in self.unshared_checks.get(id(stmt), ())]

    def receiver_guards(self, stmt) -> list:
        """`assert_array_method(obj, 'mean', 'file:line')` before `t = obj.mean(x)`
        that carries derivatives and that s2sad takes for NumPy's ndarray.mean
        (it cannot tell from the source): on a user's object (`ops = Ops()`) the
        array's rule would give a wrong derivative. Not where obj is surely an
        array; a parameter is checked once, on entry (parameter_receiver_guards)."""
        receiver = self.array_method_receiver(stmt)
        if receiver is None or receiver in self.array_names or receiver in self.fn.params:
            return self.argument_guards(stmt)
        return [self.receiver_guard(stmt)]

    def parameter_receiver_guards(self) -> list:
        """The check of receiver_guards for each parameter, at the first such call."""
        first = {}
        for stmt in syntax.statements(self.body):
            receiver = self.array_method_receiver(stmt)
            if receiver in self.fn.params:
                first.setdefault(receiver, stmt)
        return [self.receiver_guard(stmt) for stmt in first.values()]

    def array_method_receiver(self, stmt) -> str | None:
        """`obj` for `t = obj.mean(...)` classified as ndarray.mean, with derivatives."""
        call = getattr(stmt, "value", None)
        if not isinstance(stmt, gast.Assign) or not isinstance(call, gast.Call) or \
                not isinstance(call.func, gast.Attribute) or \
                not isinstance(call.func.value, gast.Name) or \
                not syntax.names_loaded(call) & self.active:
            return None
        primitive = self.classify(call)
        if primitive is None or not primitives.is_array_method(primitive.key):
            return None
        return call.func.value.id

    def receiver_guard(self, stmt) -> gast.Expr:
        method = stmt.value.func
        return syntax.expr_stmt(syntax.call(
            self.helper("assert_array_method"), syntax.name(method.value.id),
            syntax.constant(method.attr), self.place_of(stmt)))

    def unbound_guarded(self) -> list:
        """`t = None` for each name a write's check reads that may be unbound there
        (bound later in a loop's body, or in a branch): unbound, it shares nothing."""
        top_of, first_binding = {}, {}
        for i, stmt in enumerate(self.body):
            for inner in syntax.statements([stmt]):
                top_of[id(inner)] = i
            if not hasattr(stmt, "body"):
                for name in syntax.names_stored(stmt):
                    first_binding.setdefault(name, i)
        names = {other for write, pairs in self.unshared_checks.items() for _, other in pairs
                 if other not in self.fn.params and
                 first_binding.get(other, len(self.body)) >= top_of.get(write, 0)}
        return [syntax.assign(name, syntax.constant(None)) for name in sorted(names)]

    def private_arguments(self, *tangents: str) -> list:
        """`x = copy_argument(x)` for each parameter the function writes into (and
        for its tangent): the derivative never changes what the caller passed.
        First, the check that no other argument sees those writes."""
        out = self.separate_arguments_guard()
        for name in sorted(self.aliases.written_params):
            copies = [name] + [self.derivative_name(name) for _ in tangents[:1]
                               if name in self.active and self.derivative_name(name) in tangents]
            out += [syntax.assign(v, syntax.call(self.helper("copy_argument"), syntax.name(v)))
                    for v in copies]
        return out

    def separate_arguments_guard(self) -> list:
        """`assert_separate_arguments(...)` where f writes into an argument in place:
        f's write would change another argument holding the same array (f(W, W),
        f(w, w[1:]), a tuple holding w twice), which its derivative does not see."""
        changed = self.aliases.changed_params
        if not changed:
            return []
        params = self.fn.params
        first = min(changed.values(), key=lambda stmt: getattr(stmt, "lineno", 0) or 0)
        return [syntax.expr_stmt(syntax.call(
            self.helper("assert_separate_arguments"), self.place_of(first),
            syntax.constant(tuple(params)),
            gast.Tuple(elts=[syntax.name(p) for p in params], ctx=gast.Load()),
            syntax.constant(tuple(p for p in params if p in changed)),
            syntax.constant(tuple(p for p in params if p in self.aliases.changed_items))))]

    def spelled(self, name: str) -> str:
        """`name`, or for a temporary of the normal form the expression it holds, as
        the user wrote it (`traj['a']`)."""
        temporaries = {s.targets[0].id: s.value for s in syntax.statements(self.body)
                       if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                       and s.targets[0].id not in self.user_locals}
        if name not in temporaries:
            return name
        value = temporaries[name]
        for _ in range(3):  # operands that are temporaries too
            value = syntax.substitute(value, {n: temporaries[n] for n in
                                              syntax.names_loaded(value) & set(temporaries)})
        return ast.unparse(gast.gast_to_ast(value))

    def shared_write(self, conflict) -> UnsupportedSyntaxError:
        written, other = map(self.spelled, (conflict.written, conflict.other))
        what = f"an augmented assignment to '{written}', which changes its array in " \
            "place" if syntax.anno(conflict.stmt, aliases.AUGMENTED) else \
            f"a write into '{written}'"
        return UnsupportedSyntaxError(
            f"s2sad cannot differentiate {what}: '{other}' may share its memory (a copy, "
            f"view, element or container of it) and is read afterwards, so the write "
            f"would change '{other}' too (in {self.fn.parsed.described})",
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
            if not isinstance(call, gast.Call) or primitives.list_append(stmt) or \
                    isinstance(stmt, gast.Expr) and self.is_rerun_for_draws(call):
                continue
            operands = list(call.args) + [k.value for k in call.keywords]
            if isinstance(call.func, gast.Attribute) and isinstance(call.func.value, gast.Name) \
                    and call.func.value.id in self.local_names:
                operands.append(call.func.value)
            self.check_global_kept(stmt)
            if not syntax.names_loaded(operands) & self.varied:
                self.check_constants_kept(stmt)
                continue
            writes_out = any(k.arg == "out" for k in call.keywords)
            if isinstance(stmt, gast.Assign) and not writes_out:
                self.check_kept_arguments(stmt)
                continue
            if isinstance(stmt, gast.Expr) and id(stmt) in branched and \
                    not self.is_harmless(call):
                stmt.value = self.refusal_when_run(call, stmt)
            elif writes_out or (isinstance(stmt, gast.Expr) and not self.is_harmless(call)):
                raise NonDifferentiableError(
                    f"s2sad cannot follow a call that may change its arguments in place "
                    f"(in {self.fn.parsed.described})", self.fn.parsed.location(stmt),
                    hint="assign the result instead (y = np.add(y, v), lst = lst + [v]); "
                         "in-place writes s2sad follows are x[i] = v and lst.append(v).")

    def is_rerun_for_draws(self, call: gast.Call) -> bool:
        """In a derivative s2sad made, a bare call that may draw random numbers
        (`act(w)`, `layer.forward_pass(h, w)`) is the reverse sweep's rerun of a
        loop body's call whose result it no longer needs, kept for the numbers it
        draws. The user's code assigned its result; it was checked when first
        differentiated (a bare call there is refused)."""
        return self.fn.parsed.generated and bool(self.draws.call_sources(call))

    def check_kept_arguments(self, stmt: gast.Assign) -> None:
        """`y = record(hist, x)` where record appends x to hist: what the caller reads
        of hist next depends on x, and s2sad does not see it (a derivative of 0).
        Refused; for a method of an object, when the call runs and the method is
        known (argument_guards)."""
        primitive = self.classify(stmt.value)
        key = primitive.key if primitive is not None else None
        if isinstance(key, tuple) and key[0] == "method" and key[1] not in _CONTAINER_METHODS \
                and stmt.value.func.value.id not in self.array_names:
            self.argument_checks.add(id(stmt))
            return
        change = outside.argument_change(key)
        if change is not None:
            raise outside.argument_write_error(key.__name__, *change,
                                               caller=self.fn.parsed.described)
        augmented = self.augmented_arguments(key, stmt)
        if augmented:
            self.augment_checks[id(stmt)] = augmented

    def bound_arguments(self, function, call: gast.Call) -> dict:
        """{parameter: argument node} of a call of a user function, or {}."""
        if not (inspect.isfunction(function) or inspect.ismethod(function)):
            return {}
        try:
            return dict(inspect.signature(function).bind(
                *call.args, **{k.arg: k.value for k in call.keywords if k.arg}).arguments)
        except (TypeError, ValueError):
            return {}

    def augmented_arguments(self, function, stmt: gast.Assign) -> list:
        """[(argument, function's name, parameter, 'file:line' of the write, path)] for
        the arguments of `call` that `function` augments by name (`p += g`, or a part of
        them: outside.augmented_parameters), unless the
        argument is a temporary only this call reads: in place on an array, that
        changes what the caller reads next (checked when the call runs)."""
        augmented = outside.augmented_parameters(getattr(function, "__func__", function))
        if not augmented:
            return []
        bound = self.bound_arguments(function, stmt.value)
        return [(argument.id, function.__name__, param, f"{write.filename}:{write.lineno}",
                 path) for param, path, write in augmented
                for argument in [bound.get(param)]
                if isinstance(argument, gast.Name) and
                not self.is_temporary_of(argument.id, stmt)]

    def is_temporary_of(self, name: str, stmt: gast.Assign) -> bool:
        """`t = x * 2.0` before `stmt` in its statement list, and read by it only: a
        new array nothing else sees (made again in each iteration of a loop)."""
        bindings = [s for s in syntax.statements(self.body)
                    if isinstance(s, gast.Assign) and name in syntax.names_stored(s.targets)]
        block = next(stmts for stmts in syntax.statement_lists(self.body)
                     if any(s is stmt for s in stmts))
        return len(bindings) == 1 and isinstance(bindings[0].value, (gast.BinOp, gast.UnaryOp)) \
            and not _folds_to_an_operand(bindings[0].value) and \
            any(s is bindings[0] for s in block[:block.index(stmt)]) and \
            syntax.name_occurrences(self.body)[0].count(name) == 1

    def argument_guards(self, stmt) -> list:
        """`assert_keeps_arguments(obj.method, 'file:line')` before a method call
        whose function is known when it runs, `assert_kept_in_place(y, ...)` before a
        call that augments its argument y by name (check_kept_arguments)."""
        guards = [syntax.expr_stmt(syntax.call(
            self.bind_dispatch("assert_kept_in_place"), syntax.name(argument),
            syntax.constant(function), syntax.constant(param), syntax.constant(write),
            self.place_of(stmt), *[syntax.constant(path)] if path else []))
            for argument, function, param, write, path in self.augment_checks.get(id(stmt), ())]
        if id(stmt) not in self.argument_checks:
            return guards
        kept = self.kept_arguments.get(id(stmt))
        watched = [] if kept is None else [gast.Dict(keys=[syntax.constant(at) for at in kept],
                                                     values=[syntax.name(n)
                                                             for n in kept.values()])]
        return guards + [syntax.expr_stmt(syntax.call(
            self.bind_dispatch("assert_keeps_arguments"), syntax.clone(stmt.value.func),
            self.place_of(stmt), *watched))]

    def refusal_when_run(self, call: gast.Call, stmt) -> gast.Call:
        """`refuse_effect('plot', 'file.py:12')` in place of the call."""
        called = syntax.dotted_name(call.func) or "this call"
        return syntax.call(self.helper("refuse_effect"), syntax.constant(called),
                           self.place_of(stmt))

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

    def calls_changing_outside(self) -> dict:
        """{id(stmt): (called name, what it changes)} for `y = helper(x)` where the
        helper changes state outside itself; each such call is marked EFFECT, and so
        is one of a helper that changes an argument (`z = fill(buf)`, z unused: the
        call stays)."""
        found = {}
        for stmt in syntax.statements(self.body):
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call)):
                continue
            primitive = self.classify(stmt.value)
            key = primitive.key if primitive is not None else None
            change = outside.outside_change(key) if primitive is not None else None
            if change is not None:
                found[id(stmt)] = (primitive.description, change)
            function = getattr(key, "__func__", key)
            if change is not None or outside.argument_changes(function) or \
                    outside.augmented_parameters(function):
                syntax.set_anno(stmt.value, outside.EFFECT, True)
        return found
