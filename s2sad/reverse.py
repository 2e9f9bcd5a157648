"""Stage 4: reverse mode. A primal sweep that records, then adjoints in reverse.

The invariant every rule keeps: when the adjoint of a statement starts, every
variable holds the value it had just after that statement ran in the primal
sweep; when it ends, the value it had just before.

- An assignment that overwrites a value pushes the old value on the tape; its
  adjoint pops it back after propagating the derivative.
- A loop pushes, at the start of each iteration, the variables its body
  changes (a checkpoint). Its adjoint walks the iterations backwards: restore
  the checkpoint, rerun the body with recording, run the body's adjoint.
  The tape thus holds one checkpoint per iteration, not every intermediate.
- An `if` needs nothing on the tape: its test is a name the branches do not
  assign, so the adjoint reads the branch taken from it.
"""
from __future__ import annotations

import functools
import inspect
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import gast
import numpy as np

from . import analysis, primitives, registry, runtime, syntax
from .draws import GLOBAL_GENERATORS, RandomDraws
from .emit import Emitter, GeneratedFunction
from .errors import NonDifferentiableError
from .normalize import NormalFunction
from .templates import ACCUMULATE, Instance

TAPE = "tape"
SAVE = "save"  # annotation pairing a push with the pops that take it back
COUNTER = "counter"  # on a recorded loop and its reverse: the name counting iterations
FRESH = "fresh"  # annotation on `bx = zeros_like(x)`: a new array only bx holds


@dataclass
class GradientSpec:
    """What to build: which parameters, which extras."""

    wrt: tuple
    seed_default: float | None = 1.0   # None: the seed is a required argument
    preserve_result: bool = False
    # 'scalar' output (grad), 'seed' shape (autodiff), 'broadcast' (autodiff without
    # check_dims: an array seed of a scalar output multiplies each gradient), None
    check: str | None = "scalar"
    # vjp(function, wrt indices) -> generated VJP of a user function that is called
    subroutine: Callable | None = None
    scalar_params: frozenset = frozenset()   # parameters known to be floats
    # a function called by the one being differentiated; its gradients go to the
    # caller's VJP: containers' as AdjointList and AdjointDict, which the caller adds
    # item by item (the user's types only where the user gets them), and an int
    # argument no derivative reaches is refused only where the user passed it
    callee: bool = False


def reverse(fn: NormalFunction, spec: GradientSpec) -> GeneratedFunction:
    """Build the vector-Jacobian-product function of `fn`."""
    return _Reverse(fn, spec).build()


class _AdjointState:
    """Which adjoint variables hold a (possibly nonzero) value at this point."""

    def __init__(self, defined=()):
        self.defined = set(defined)

    def copy(self):
        return _AdjointState(self.defined)


class _Reverse(Emitter):
    def __init__(self, fn: NormalFunction, spec: GradientSpec):
        super().__init__(fn, spec.wrt, prefix="b", scalar_params=spec.scalar_params,
                         callee=spec.callee)
        self.spec = spec
        self.pushed = set()       # ids of assignments that save the old value
        self.plans = {}           # id(loop) -> _LoopPlan
        self.tape = self.names.fresh(TAPE)
        self.uses_tape = False
        self.adjoint_reads = analysis.adjoint_reads(self.body, self.active)
        self.containers = analysis.indexed_names(self.body) - self.scalars
        self.dicts = {s.targets[0].id for s in syntax.statements(self.body)
                      if isinstance(s, gast.Assign) and isinstance(s.value, gast.Dict)}
        # numbers, or arrays of a parameter's shape: + and * act item by item
        self.elementwise = self.scalars | (set(self.shapes) - self.containers)
        self.elementwise_copies = set()  # a loop's `x_end`, `x_next` of such an x
        self.draws = RandomDraws(self.namespace, self.local_names)
        self.drawing_calls = {}   # id(stmt) -> generators a helper called there may use
        self.generators = []      # every generator whose state the tape keeps
        self.kept = set()         # names the optimizer must not inline
        self.complex = analysis.complex_names(self.body, self.classify)
        self.from_containers = set()  # names a called VJP may return a container for

    # ------------------------------------------------------------ entry point

    def build(self) -> GeneratedFunction:
        fn, spec = self.fn, self.spec
        seed = self.derivative_name(fn.result)
        primal = self.private_arguments() + \
            self.primal_block(self.body, set(fn.params), record=True)
        replayed = self.generators_after(primal)
        user_function = syntax.name(self.bind_global(fn.parsed.name, fn.parsed.func))
        if spec.check == "scalar" and fn.result not in self.scalars:
            primal.append(syntax.expr_stmt(syntax.call(
                self.helper("assert_scalar"), syntax.name(fn.result), user_function)))
        elif spec.check == "seed":
            primal.append(syntax.expr_stmt(syntax.call(
                self.helper("assert_seed"), syntax.name(seed), syntax.name(fn.result),
                user_function)))
        scale = self.names.fresh("seed_scale") if spec.check == "broadcast" else None
        if scale:
            primal.append(syntax.assign(
                syntax.tuple_([syntax.name(seed, "store"), syntax.name(scale, "store")],
                              "store"),
                syntax.call(self.helper("broadcast_seed"), syntax.name(seed),
                            syntax.name(fn.result))))
        state = _AdjointState({seed} if fn.result in self.active or
                              fn.result in fn.params else ())
        adjoint = self.adjoint_block(self.body, state)
        outputs = [self.gradient_of(fn.params[i], state) for i in spec.wrt]
        if scale:
            outputs = [syntax.call(self.helper("scaled"), output, syntax.name(scale))
                       for output in outputs]
        containers = frozenset(k for k, i in enumerate(spec.wrt)
                               if self.may_be_container(fn.params[i]))
        if spec.preserve_result:  # the adjoint sweep may restore the result's variable
            value = self.names.fresh("value")
            primal.append(syntax.assign(value, syntax.name(fn.result)))
            outputs.append(syntax.name(value))
        returned = outputs[0] if len(outputs) == 1 else syntax.tuple_(outputs)
        prelude = [syntax.assign(self.tape, gast.List(elts=[], ctx=gast.Load()))] \
            if self.uses_tape else []
        body = prelude + primal + adjoint + replayed + [syntax.return_(returned)]
        body = _bind_before(body, {id(plan.primal_loop): plan.unbound
                                   for plan in self.plans.values() if plan.unbound})
        node = self.derivative_function(body, [(seed, spec.seed_default)])
        elementwise = self.elementwise | self.elementwise_copies | \
            {d for d, v in self.primal_of.items() if v in self.elementwise}
        return GeneratedFunction(node, self.free, self.tape,
                                 self.protected_names() | {seed, self.tape} | self.kept,
                                 frozenset(self.primal_of), frozenset(elementwise),
                                 self.callees, containers)

    def generators_after(self, primal: list) -> list:
        """Reruns draw again: the generators end as the primal sweep left them.
        Appends the saving to `primal`, returns the restoring."""
        if not self.generators:
            return []
        saved = self.names.fresh("random_after")
        self.kept.add(saved)  # read the state here, not where it is restored
        primal.append(syntax.assign(saved, self.random_state(self.generators)))
        return [syntax.expr_stmt(syntax.call(self.helper("restore_random_state"),
                                             syntax.name(saved)))]

    def random_state(self, sources: list) -> gast.Call:
        """`random_state(rs, numpy_random)`: generators as names in generated code."""
        for source in sources:
            if not any(source is known for known in self.generators):
                self.generators.append(source)
        names = {id(GLOBAL_GENERATORS[0]): "numpy_random", id(GLOBAL_GENERATORS[1]):
                 "python_random"}
        args = [syntax.name(s) if isinstance(s, str) else
                syntax.name(self.bind_global(names.get(id(s), "generator"), s))
                for s in sources]
        return syntax.call(self.helper("random_state"), *args)

    def replay(self, save) -> list:
        """Set the generators back to the state the tape saved under `save`."""
        state = self.names.fresh("random_before")
        return [self.pop(state, save), syntax.expr_stmt(syntax.call(
            self.helper("restore_random_state"), syntax.name(state)))]

    def gradient_of(self, param: str, state: _AdjointState) -> gast.expr:
        var = self.derivative_names.get(param)
        if (var is None or var not in state.defined) and not self.spec.callee:
            # no derivative reaches it: refuse an int (a count, an index), as JAX does
            user_function = self.bind_global(self.fn.parsed.name, self.fn.parsed.func)
            gradient = syntax.call(self.helper("zero_gradient"), syntax.name(param),
                                   syntax.constant(param), syntax.name(user_function))
        elif var is None or var not in state.defined:
            gradient = syntax.call(self.helper("zeros_like"), syntax.name(param))
        else:
            gradient = syntax.name(var)
        if self.may_be_container(param) and not self.spec.callee:
            # same dict keys, list and tuple types as the input
            return syntax.call(self.helper("structured"), gradient, syntax.name(param))
        return gradient

    def may_be_container(self, param: str) -> bool:
        return param in self.containers or param in self.from_containers

    def copy_of(self, value: gast.expr) -> gast.expr:
        return syntax.call(self.helper("copy_of"), value)

    def push(self, value: gast.expr, save) -> gast.stmt:
        """`tape.append(value)`; `save` names it for the pop that takes it back."""
        self.uses_tape = True
        stmt = syntax.expr_stmt(syntax.call(
            gast.Attribute(value=syntax.name(self.tape), attr="append", ctx=gast.Load()),
            value))
        syntax.set_anno(stmt, SAVE, save)
        return stmt

    def pop(self, target: str, save) -> gast.stmt:
        stmt = syntax.assign(target, self.pop_value())
        syntax.set_anno(stmt, SAVE, save)
        return stmt

    def pop_value(self) -> gast.expr:
        self.uses_tape = True
        return syntax.call(gast.Attribute(value=syntax.name(self.tape), attr="pop",
                                          ctx=gast.Load()))

    # ------------------------------------------------------------ primal sweep

    def primal_block(self, stmts: list, defined: set, record: bool, rerun: bool = False,
                     known: dict | None = None) -> list:
        """The statements of a forward sweep; `defined` is updated in place.

        With `record`, overwritten values are pushed for the adjoint to pop;
        without, the block runs as the user wrote it (loop checkpoints aside).
        A `rerun` (inside a loop's adjoint) leaves out side effects such as print.
        `known` maps ids of assignments to names already holding their value.
        """
        out = []
        for stmt in stmts:
            if not rerun:  # a rerun writes what the first sweep checked
                out.extend(self.unshared_guards(stmt))
            if known and id(stmt) in known:
                made = self.primal_assign(stmt, defined, record, known[id(stmt)])
            else:
                made = self.primal_stmt(stmt, defined, record, rerun)
            out.extend(syntax.locate(made, stmt))
        return out

    def primal_stmt(self, stmt, defined: set, record: bool, rerun: bool) -> list:
        if isinstance(stmt, gast.If):
            body_defined, else_defined = set(defined), set(defined)
            body = self.primal_block(stmt.body, body_defined, record, rerun)
            orelse = self.primal_block(stmt.orelse, else_defined, record, rerun)
            if rerun:  # defined on both paths, an earlier sweep's value is visibly dead
                body += [syntax.assign(v, syntax.constant(None))
                         for v in sorted(else_defined - body_defined)]
                orelse += [syntax.assign(v, syntax.constant(None))
                           for v in sorted(body_defined - else_defined)]
            defined |= body_defined | else_defined
            new = syntax.if_(stmt.test, body or [gast.Pass()], orelse)
            return [syntax.copy_annos(stmt, gast.copy_location(new, stmt))]
        if isinstance(stmt, (gast.For, gast.While)):
            return self.primal_loop(stmt, defined, record, rerun)
        if isinstance(stmt, gast.Assign):
            return self.primal_assign(stmt, defined, record)
        if isinstance(stmt, gast.With):
            return []  # a gradient hook runs in the adjoint sweep only
        # the helper's own call in the caller's primal sweep did the side effects
        again = rerun or self.spec.callee
        if isinstance(stmt, gast.Expr) and again and (self.is_outside_effect(stmt) or not (
                primitives.list_append(stmt) or self.draws.sources([stmt]))):
            return []  # a side effect such as print; local list appends and draws are data
        return [stmt]

    def primal_assign(self, stmt: gast.Assign, defined: set, record: bool,
                      known: str | None = None) -> list:
        target = stmt.targets[0]
        if isinstance(target, gast.Subscript):  # save the elements about to change
            if not record:
                return [stmt]
            self.pushed.add(id(stmt))
            if target.value.id in self.dicts:  # the key may be new
                saved = syntax.call(self.helper("saved_item"), syntax.name(target.value.id),
                                    primitives.index_value(target.slice))
            else:
                saved = self.copy_of(syntax.as_load(target))
            return [self.push(saved, id(stmt)), stmt]
        out = []
        if record and target.id in defined:
            self.pushed.add(id(stmt))
            out.append(self.push(syntax.name(target.id), id(stmt)))
        drawing = self.helper_draws(stmt) if record else []
        if drawing:  # its derivative runs the helper again: on the same numbers
            self.drawing_calls[id(stmt)] = drawing
            out.append(self.push(self.random_state(drawing), (id(stmt), "random")))
        out.append(stmt if known is None else
                   syntax.copy_annos(stmt, syntax.assign(target.id, syntax.name(known))))
        defined.add(target.id)
        return out

    def is_outside_effect(self, stmt) -> bool:
        """`LOG.append(v)` on a list from outside f: done once, never undone."""
        append = primitives.list_append(stmt)
        return bool(append) and append[0] in self.outside

    def helper_draws(self, stmt: gast.Assign) -> list:
        """The generators a user function called by `stmt` may draw from."""
        primitive = self.classify(stmt.value)
        if primitive is None or not inspect.isfunction(primitive.key) or \
                registry.adjoint_of(primitive.key) is not None:
            return []
        return [s for s in self.draws.call_sources(stmt.value)
                if not isinstance(s, str) or s not in self.active]  # w is no generator

    def primal_loop(self, loop, defined: set, record: bool, rerun: bool) -> list:
        """A loop's forward sweep: plain body, a checkpoint per iteration.

        Inside the plain body of an enclosing loop nothing is recorded: the
        enclosing loop's adjoint reruns this loop, recording, when it needs it.
        """
        if not record:
            new = syntax.clone(loop)
            new.body = self.primal_block(loop.body, set(defined), record=False, rerun=rerun)
            defined |= analysis.assigned(loop.body) | analysis.assigned(loop.target) \
                if isinstance(loop, gast.For) else analysis.assigned(loop.body)
            return [new]
        plan = self.loop_plan(loop, defined)
        body = [self.push(self.copy_of(syntax.name(v)) if v in self.mutated else syntax.name(v),
                          (id(loop), v)) for v in plan.checkpoint]
        if plan.generators:  # the rerun in the adjoint draws the same numbers
            body.append(self.push(self.random_state(plan.generators), (id(loop), "random")))
        body += self.primal_block(loop.body, set(defined), record=False, rerun=rerun)
        defined |= analysis.assigned(loop.body) | plan.target
        # a checkpointed name the first iteration may find unbound
        out = [syntax.assign(v, syntax.constant(None))
               for v in plan.checkpoint if v not in plan.defined]
        if plan.counter:
            increment = gast.BinOp(left=syntax.name(plan.counter), op=gast.Add(),
                                   right=syntax.constant(1))
            body.insert(len(body) - plan.exit_len, syntax.assign(plan.counter, increment))
            out.append(syntax.assign(plan.counter, syntax.constant(0)))
        new = syntax.clone(loop)
        new.body = body
        plan.primal_body = body
        plan.primal_loop = new
        plan.unbound = set()
        if plan.counter and not plan.reversed_range:
            syntax.set_anno(new, COUNTER, plan.counter)
        out.append(new)
        if plan.counter:
            out.append(self.push(syntax.name(plan.counter), (id(loop), plan.counter)))
        return out

    # ------------------------------------------------------------ loops

    def loop_plan(self, loop, defined: set) -> "_LoopPlan":
        """What a loop saves per iteration; fixed the first time it is asked."""
        if id(loop) in self.plans:
            return self.plans[id(loop)]
        body = loop.body
        has_exit = bool(body) and bool(syntax.anno(body[-1], "loop_exit"))
        target = {loop.target.id} if isinstance(loop, gast.For) else set()
        over_range = isinstance(loop, gast.For) and self.is_range(loop.iter) and \
            not (target & defined) and \
            not (syntax.names_loaded(loop.iter) & analysis.assigned(body))
        # after a break, the iterations that ran are the range's first n: walking
        # range(...)[:n] backwards gives the index without the tape, where a second
        # derivative would take it for a differentiable value
        reversed_range = over_range and (not has_exit or bool(target & syntax.names_loaded(body)))
        changed = analysis.assigned(body) | (analysis.mutated(body) - self.outside)
        needed = (defined & self.adjoint_reads) | analysis.upward_exposed(body)
        checkpoint = (changed & needed) | (set() if reversed_range else target)
        counter = self.names.fresh("n") if has_exit or not reversed_range else None
        plan = _LoopPlan(sorted(checkpoint), counter, 1 if has_exit else 0, target,
                         reversed_range, set(defined), self.draws.sources(body))
        self.plans[id(loop)] = plan
        return plan

    def last_bindings(self, body: list, plan: "_LoopPlan") -> dict:
        """Checkpointed names whose last binding in the body is a plain `v = ...` at
        its top level: {v: that statement}. Such a v ends iteration k with the value
        iteration k + 1 is restored to (the last one: the value after the loop), so
        the rerun can take it instead of computing it again. Only names the body
        reads before binding them: their restored value is needed anyway."""
        last = {}
        exposed = analysis.upward_exposed(body)
        for v in plan.checkpoint:
            if v not in exposed or v in self.mutated:
                continue
            binding = [stmt for stmt in body if v in syntax.names_stored(stmt)]
            if binding and _plain_assignment(binding[-1]):
                last[v] = binding[-1]
        return last

    def shapes_only(self, body: list, plan: "_LoopPlan", stmts: list, known: dict) -> tuple:
        """Top-level assignments of the body whose value the iteration's adjoint
        `stmts` never needs: (those read by nothing else, those whose shape
        `unbroadcast(g, t)` reads), following reads in each other's definitions.
        Computing a matrix product again only to learn its shape costs as much as
        the step itself; the primal sweep keeps the shape instead. Nothing when
        no product is among them: a shape costs more than an elementwise step."""
        in_sweeps = {id(s) for s in stmts} & {id(s) for s in plan.primal_body}
        candidates = {stmt.targets[0].id: stmt for stmt in body
                      if _plain_assignment(stmt) and id(stmt) in in_sweeps
                      and id(stmt) not in known}
        for name in list(candidates):
            if self.bindings[name] != 1 or name in plan.checkpoint or \
                    name in plan.defined or name in self.mutated:
                del candidates[name]
        reads = {name: [] for name in candidates}  # per read: 'shape', 'value' or a definer
        owners = {id(stmt): name for name, stmt in candidates.items()}
        for stmt in stmts:
            shape_reads = self.shape_reads(stmt)
            for node in syntax.walk(stmt):
                if isinstance(node, gast.Name) and node.id in reads and \
                        isinstance(node.ctx, gast.Load):
                    reads[node.id].append("shape" if id(node) in shape_reads else
                                          owners.get(id(stmt), "value"))
        only = set(candidates)
        while True:
            spoiled = {n for n in only if any(r == "value" or r != "shape" and r not in only
                                              for r in reads[n])}
            if not spoiled:
                break
            only -= spoiled
        chosen = {id(candidates[n]) for n in only}
        kept = [stmt for stmt in body if id(stmt) in chosen]
        if not any(getattr(self.classify(stmt.value), "key", None) in primitives.PRODUCTS
                   for stmt in kept):
            return [], []  # cheaper to compute again than to keep shapes
        shaped = [stmt for stmt in kept if "shape" in reads[stmt.targets[0].id]]
        return [stmt for stmt in kept if stmt not in shaped], shaped

    @functools.cached_property
    def bindings(self) -> Counter:
        """How many statements of the function bind each name."""
        return Counter(n for stmt in syntax.statements(self.body) for n in
                       syntax.names_stored(getattr(stmt, "targets", None) or
                                           getattr(stmt, "target", None) or []))

    def shape_reads(self, stmt) -> set:
        """Ids of the names read as the shape argument of `unbroadcast(g, x)`."""
        return {id(node.args[1]) for node in syntax.walk(stmt)
                if isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
                and self.free.get(node.func.id) is runtime.unbroadcast
                and len(node.args) == 2 and isinstance(node.args[1], gast.Name)}

    def keep_shapes(self, shaped: list, loop, plan: "_LoopPlan") -> list:
        """Push each shape in the recording sweep after its statement; the pops that
        take them back, last first, to run before the checkpoint's."""
        pops = []
        for stmt in shaped:
            name = stmt.targets[0].id
            save = (id(loop), "shape", name)
            at = next(i for i, s in enumerate(plan.primal_body) if s is stmt)
            plan.primal_body.insert(at + 1, self.push(
                syntax.call(self.helper("shape_of"), syntax.name(name)), save))
            pops.insert(0, self.pop(name, save))
        return pops

    def is_range(self, node: gast.expr) -> bool:
        return isinstance(node, gast.Call) and self.namespace.resolve(node.func) is range

    def adjoint_loop(self, loop, state: _AdjointState) -> list:
        """Iterations backwards: restore checkpoint, rerun with recording, adjoint."""
        plan = self.plans[id(loop)]
        dropped = self.target_without_derivative(loop)
        if isinstance(loop, gast.For) and loop.target.id in self.active and not dropped:
            raise NonDifferentiableError(
                f"s2sad cannot send derivatives back through the iterable of this loop "
                f"(in function '{self.fn.parsed.name}')", self.fn.parsed.location(loop),
                hint="loop over an array or list directly, over enumerate(...) or zip(...) "
                     "of them, or over range(len(...)) with indexing.")
        body = loop.body[:-1] if plan.exit_len else loop.body
        restore = [self.pop(v, (id(loop), v)) for v in reversed(plan.checkpoint)]
        if plan.generators:
            restore = self.replay((id(loop), "random")) + restore
        # the values an iteration ends with are those the one after it started with
        last = self.last_bindings(body, plan)
        ends = {v: self.names.fresh(f"{v}_end") for v in last}
        starts = {v: self.names.fresh(f"{v}_next") for v in last}
        self.elementwise_copies |= {copies[v] for copies in (ends, starts) for v in last
                                    if v in self.elementwise}
        known = {id(stmt): ends[v] for v, stmt in last.items()}
        restore += [syntax.assign(ends[v], syntax.name(starts[v])) for v in last] + \
            [syntax.assign(starts[v], syntax.name(v)) for v in last]
        entry = state.copy()
        while True:  # adjoints accumulated across iterations must exist on entry
            exit_state = entry.copy()
            # the checkpoint restores its names: they hold a value in the rerun
            rerun = self.primal_block(body, plan.defined | set(plan.checkpoint), record=True,
                                      rerun=True, known=known)
            adjoint = self.adjoint_block(body, exit_state)
            exit_state.defined.discard(dropped)  # the items carry no derivative
            missing = exit_state.defined - entry.defined
            if not missing:
                break
            entry.defined |= missing
        unneeded, shaped = self.shapes_only(body, plan, rerun + adjoint, known)
        skipped = {id(s) for s in unneeded + shaped}
        rerun = [stmt for stmt in rerun if id(stmt) not in skipped]
        restore = self.keep_shapes(shaped, loop, plan) + restore
        out = [self.zero(v) for v in sorted(entry.defined - state.defined)]
        # live on entry but consumed by the body: zero again for the next turn
        reset = self.reset_adjoints(sorted(entry.defined - exit_state.defined), loop, plan)
        new_body = restore + rerun + adjoint + reset
        out += [syntax.assign(starts[v], syntax.name(v)) for v in last]
        if plan.reversed_range:
            iterable = syntax.clone(loop.iter)
            if plan.counter:  # the iterations before a break: range(...)[:n]
                out.append(self.pop(plan.counter, (id(loop), plan.counter)))
                iterable = gast.Subscript(value=iterable, slice=gast.Slice(
                    lower=None, upper=syntax.name(plan.counter), step=None), ctx=gast.Load())
            iterable = syntax.call(self.bind_global("reversed", reversed), iterable)
            out.append(syntax.for_(syntax.clone(loop.target), iterable, new_body))
        else:
            out.append(self.pop(plan.counter, (id(loop), plan.counter)))
            out.append(syntax.for_(self.names.fresh("_"), syntax.call(
                self.bind_global("range", range), syntax.name(plan.counter)), new_body))
            syntax.set_anno(out[-1], COUNTER, plan.counter)
        state.defined = set(entry.defined)
        return out

    def target_without_derivative(self, loop) -> str | None:
        """The adjoint of a `for` loop's target when the items carry no derivative
        (`range(...)`, constants): the target may still look active, as an index
        restored from the tape does in a second derivative."""
        if isinstance(loop, gast.For) and loop.target.id in self.active and \
                not syntax.names_loaded(loop.iter) & self.varied:
            return self.derivative_name(loop.target.id)
        return None

    def reset_adjoints(self, adjoints: list, loop, plan: "_LoopPlan") -> list:
        """Zero adjoints the body consumed, for the iteration before: of the shape
        their variable had when that iteration ended, which may differ from this
        one's (layers of different sizes). A variable first bound in the body is
        not restored by the rerun: the primal sweep keeps its shape at the start
        of each iteration, and the reset takes it back, last."""
        pops = []
        for var in adjoints:
            primal = self.primal_of[var]
            if primal not in plan.defined and primal not in self.scalars:
                save = (id(loop), "start shape", primal)
                plan.primal_body.insert(0, self.push(
                    syntax.call(self.helper("shape_of"), syntax.name(primal)), save))
                plan.unbound.add(primal)
                pops.append(self.pop(primal, save))
        return pops + [self.zero(var) for var in adjoints]

    def zero(self, var: str) -> gast.stmt:
        """`bx = zeros_like(x)`, or `bx = 0.0` for a scalar x."""
        primal = self.primal_of[var]
        if primal in self.scalars:
            return syntax.assign(var, syntax.constant(0.0))
        stmt = syntax.assign(var, syntax.call(self.helper("zeros_like"), syntax.name(primal)))
        syntax.set_anno(stmt, FRESH, True)
        return stmt

    # ------------------------------------------------------------ adjoint sweep

    def adjoint_block(self, stmts: list, state: _AdjointState) -> list:
        out = []
        origin = None
        for stmt in reversed(stmts):
            produced = syntax.locate(self.adjoint_stmt(stmt, state), stmt)
            text = syntax.anno(stmt, "origin") if not isinstance(stmt, gast.If) else None
            if produced and text and text != origin and _has_code(produced):
                out.append(syntax.comment(f"Grad of: {text}"))
                origin = text
            out.extend(produced)
        return out

    def adjoint_stmt(self, stmt, state: _AdjointState) -> list:
        if isinstance(stmt, gast.If):
            return self.adjoint_if(stmt, state)
        if isinstance(stmt, (gast.For, gast.While)):
            return self.adjoint_loop(stmt, state)
        if isinstance(stmt, gast.Assign):
            return self.adjoint_assign(stmt, state)
        if primitives.list_append(stmt) and not self.is_outside_effect(stmt):
            return self.adjoint_append(stmt, state)
        if isinstance(stmt, gast.With):
            return self.gradient_hook(stmt, state)
        return []

    def gradient_hook(self, stmt: gast.With, state: _AdjointState) -> list:
        """The user's `insert_grad_of(x) as g` body, run on the adjoint of x."""
        name, alias = syntax.anno(stmt, "grad_hook")
        var = self.derivative_names.get(name)
        if name not in self.active or var not in state.defined:
            return []
        return [syntax.assign(alias, syntax.name(var))] + syntax.clone(stmt.body) + \
            [syntax.assign(var, syntax.name(alias))]

    def adjoint_if(self, stmt: gast.If, state: _AdjointState) -> list:
        then_state, else_state = state.copy(), state.copy()
        body = self.adjoint_block(stmt.body, then_state)
        orelse = self.adjoint_block(stmt.orelse, else_state)
        joined = then_state.defined | else_state.defined
        for branch, branch_state in ((body, then_state), (orelse, else_state)):
            branch.extend(self.zero(v) for v in sorted(joined - branch_state.defined))
        state.defined = joined
        if not _has_code(body) and not _has_code(orelse):
            return []
        return [syntax.if_(syntax.clone(stmt.test), body or [gast.Pass()], orelse)]

    def adjoint_assign(self, stmt: gast.Assign, state: _AdjointState) -> list:
        if isinstance(stmt.targets[0], gast.Subscript):
            return self.adjoint_store(stmt, state)
        target = stmt.targets[0].id
        out = self.replay((id(stmt), "random")) if id(stmt) in self.drawing_calls else []
        var = self.derivative_names.get(target)
        if self.classify(stmt.value) is not None and \
                self.classify(stmt.value).key == primitives.LIST_POP:
            out.extend(self.adjoint_pop(stmt, state))
        elif target in self.active and var in state.defined and \
                self.has_active_operands(stmt.value):
            out.extend(self.contributions(stmt, state))
        state.defined.discard(var)  # the value before this assignment starts at zero
        if id(stmt) in self.pushed:
            out.append(self.pop(target, id(stmt)))
        return out

    def adjoint_append(self, stmt: gast.Expr, state: _AdjointState) -> list:
        """`lst.append(v)`: v receives the adjoint on top of blst; the item goes."""
        name, item = primitives.list_append(stmt)
        out = []
        var = self.derivative_names.get(name)
        contribution = self.derivative(item)
        if var in state.defined and contribution is not None:
            out.append(self.accumulate(syntax.assign(contribution, self.method(var, "pop")),
                                       state))
        elif var in state.defined:
            out.append(syntax.expr_stmt(self.method(var, "pop")))
        out.append(syntax.expr_stmt(self.method(name, "pop")))
        return out

    def adjoint_pop(self, stmt: gast.Assign, state: _AdjointState) -> list:
        """`v = lst.pop(i)`: bv goes back into blst, and v into lst, where they were
        (`append` for the last item, `unpop(lst, i, v)` for another)."""
        name, target = stmt.value.func.value.id, stmt.targets[0].id
        index = stmt.value.args[0] if stmt.value.args else None
        out = []
        if name in self.active:
            var = self.derivative_name(name)
            if var not in state.defined:
                out.append(self.zero(var))
                state.defined.add(var)
            adjoint = self.derivative_names.get(target)
            value = syntax.name(adjoint) if adjoint in state.defined else syntax.constant(0.0)
            out.append(self.put_back(var, index, value))
        out.append(self.put_back(name, index, syntax.name(target)))
        return out

    def put_back(self, name: str, index: gast.expr | None, item: gast.expr) -> gast.stmt:
        if index is None or syntax.is_literal(index) and syntax.constant_value(index) == -1:
            return syntax.expr_stmt(self.method(name, "append", item))
        return syntax.expr_stmt(syntax.call(self.helper("unpop"), syntax.name(name),
                                            syntax.clone(index), item))

    def method(self, receiver: str, method: str, *args) -> gast.Call:
        return syntax.call(gast.Attribute(value=syntax.name(receiver), attr=method,
                                          ctx=gast.Load()), *args)

    def adjoint_store(self, stmt: gast.Assign, state: _AdjointState) -> list:
        """`x[i] = v`: v receives bx[i], the old x[i] had no influence after, and
        the old elements come back from the tape."""
        target = stmt.targets[0]
        name, index = target.value.id, target.slice
        out = []
        var = self.derivative_names.get(name)
        if name in self.active and var in state.defined:
            element = syntax.call(self.helper("item_of"), syntax.name(var),
                                  primitives.index_value(index))
            contribution = self.derivative(stmt.value)
            if contribution is not None:
                add = syntax.assign(contribution, syntax.call(
                    self.helper("unbroadcast"), element, syntax.clone(stmt.value)))
                out.append(self.accumulate(self.real_where_real(add, name), state))
            out.append(syntax.assign(var, syntax.call(
                self.helper("zero_item"), syntax.name(var),
                primitives.index_value(index))))
        if id(stmt) in self.pushed:
            if name in self.dicts:
                restore = syntax.expr_stmt(syntax.call(
                    self.helper("restore_item"), syntax.name(name),
                    primitives.index_value(index), self.pop_value()))
            else:
                restore = syntax.assign(syntax.clone(target), self.pop_value())
            syntax.set_anno(restore, SAVE, id(stmt))
            out.append(restore)
        return out

    def contributions(self, stmt: gast.Assign, state: _AdjointState) -> list:
        primitive = self.classify(stmt.value)
        if primitive.key == primitives.PACK:
            return self.unpack_adjoint(stmt, primitive, state)
        instance = self.instantiate_rule(stmt)
        out = []
        for new in instance.stmts:
            if syntax.anno(new, ACCUMULATE):
                new = self.accumulate(self.real_where_real(new, stmt.targets[0].id), state)
            out.append(new)
        return out

    def unpack_adjoint(self, stmt: gast.Assign, primitive, state: _AdjointState) -> list:
        """`t = [a, b]`: a receives bt[0], b receives bt[1]."""
        container = syntax.name(self.derivative_name(stmt.targets[0].id))
        out = []
        for i, item in enumerate(primitive.args):
            var = self.derivative(item)
            if var is None:
                continue
            if primitive.keys is None:
                element = gast.Subscript(value=syntax.clone(container),
                                         slice=syntax.constant(i), ctx=gast.Load())
            else:  # a dict adjoint may lack keys that received nothing
                element = syntax.call(gast.Attribute(value=syntax.clone(container),
                                                     attr="get", ctx=gast.Load()),
                                      syntax.clone(primitive.keys[i]), syntax.constant(0.0))
            out.append(self.accumulate(syntax.assign(var, element), state))
        return out

    def real_where_real(self, add: gast.Assign, source: str) -> gast.Assign:
        """A contribution `bx = g` from a complex value `source` to a real x takes the
        real part of g: the gradient of a real variable is real (JAX's convention, in
        which the other rules need no conjugates but abs's)."""
        if source not in self.complex or self.primal_of[add.targets[0].id] in self.complex:
            return add
        real = gast.Attribute(value=syntax.name(self.bind_global("np", np)), attr="real",
                              ctx=gast.Load())
        return syntax.copy_annos(add, syntax.assign(add.targets[0].id,
                                                    syntax.call(real, add.value)))

    def accumulate(self, stmt: gast.Assign, state: _AdjointState) -> gast.Assign:
        var = stmt.targets[0].id
        if var in state.defined:
            value = gast.BinOp(left=syntax.name(var), op=gast.Add(), right=stmt.value)
            stmt = syntax.assign(var, value)
        state.defined.add(var)
        return stmt

    # ------------------------------------------------------------ rules

    def instantiate_rule(self, stmt: gast.Assign) -> Instance:
        primitive = self.classify(stmt.value)
        template = registry.adjoint_of(primitive.key)
        self.refuse_dispatch_twice(primitive, stmt)
        if template is None and self.through_source(primitive) is not None:
            return self.subroutine_call(self.through_source(primitive), stmt)
        if template is None and self.is_dispatched(primitive):
            return self.dispatched_vjp(primitive, stmt)
        if template is None:
            raise self.no_derivative(primitive, stmt, "reverse")
        return self.instantiate(template, stmt, primitive)

    def subroutine_call(self, primitive, stmt: gast.Assign) -> Instance:
        """The adjoint of `y = g(...)` for a user function g: a call to g's own
        generated VJP, `bx2, by2 = dg(x, y, bresult=by)`, then accumulation."""
        active = self.bind_call(primitive, stmt)
        vjp = self.callee_derivative(primitive, stmt, active, "reverse")
        containers = getattr(vjp, "__s2sad_containers__", frozenset())
        self.from_containers |= {atom.id for k, (_, atom) in enumerate(active)
                                 if k in containers}
        seed_param = list(inspect.signature(vjp).parameters)[-1]
        vjp_name = self.bind_global(vjp.__name__, vjp)
        keywords = dict(primitive.keywords)
        keywords[seed_param] = syntax.name(self.derivative_name(stmt.targets[0].id))
        call = syntax.call(syntax.name(vjp_name), *primitive.args, **keywords)
        return self.received(call, active, bare=len(active) == 1)

    def dispatched_vjp(self, primitive, stmt: gast.Assign) -> Instance:
        """`bh2, bw2 = call_vjp(layer.forward_pass, (0, 1), by, h, w)`: the function
        is looked up when the derivative runs (dispatch.py)."""
        function, wrt, args, active = self.dispatched_call(primitive, stmt)
        seed = syntax.name(self.derivative_name(stmt.targets[0].id))
        call = syntax.call(self.bind_dispatch("call_vjp"), function, wrt, seed, *args,
                           **primitive.keywords)
        return self.received(call, active, bare=False)

    def received(self, call: gast.Call, active: list, bare: bool) -> Instance:
        """`bx2, by2 = call`, then each added to its operand's adjoint; `bare`: the
        call returns the one gradient itself, not a tuple."""
        results = [self.names.fresh(self.derivative(atom)) for _, atom in active]
        target = results[0] if bare else \
            syntax.tuple_((syntax.name(r, "store") for r in results), "store")
        stmts = [syntax.assign(target, call)]
        for (_, atom), result in zip(active, results):
            add = syntax.assign(self.derivative(atom), syntax.name(result))
            syntax.set_anno(add, ACCUMULATE, True)
            stmts.append(add)
        return Instance(stmts)


@dataclass
class _LoopPlan:
    checkpoint: list
    counter: str | None
    exit_len: int
    target: set
    reversed_range: bool
    defined: set          # names that may hold a value before the loop
    generators: list      # random number generators the body may draw from
    primal_body: list = field(default_factory=list)  # the recording sweep's, last made
    primal_loop: gast.stmt | None = None  # the recording sweep's loop, last made
    unbound: set = field(default_factory=set)  # first bound in the body, shape pushed


def _plain_assignment(stmt) -> bool:
    """`v = expr` with one name as target, changing no container in place."""
    return isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
        isinstance(stmt.targets[0], gast.Name) and not analysis.mutated([stmt])


def _bind_before(stmts: list, unbound: dict) -> list:
    """`v = None` before each loop whose id `unbound` maps to names v: a recording
    loop keeps the shape of a v first bound in its body, which the first iteration
    finds unbound."""
    if not unbound:
        return stmts
    out = []
    for stmt in stmts:
        out += [syntax.assign(v, syntax.constant(None))
                for v in sorted(unbound.get(id(stmt), ()))]
        for field_name in ("body", "orelse"):
            if isinstance(getattr(stmt, field_name, None), list):
                setattr(stmt, field_name, _bind_before(getattr(stmt, field_name), unbound))
        out.append(stmt)
    return out


def _has_code(stmts: list) -> bool:
    return any(not syntax.is_comment(s) for s in stmts)
