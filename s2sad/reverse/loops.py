"""Loops in reverse mode: a checkpoint per iteration in the primal sweep; in
the adjoint, iterations backwards: restore the checkpoint, rerun the body
recording, run the body's adjoint."""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .. import analysis, primitives, runtime, syntax
from ..draws import changes_state
from ..errors import NonDifferentiableError
from .revolve import CheckpointedLoops
from .tape import AdjointState

COUNTER = "counter"  # on a recorded loop and its reverse: the name counting iterations
RERUN = "rerun"  # on a primal `for`: its adjoint reruns each iteration, inner loops whole


class LoopAdjoints(CheckpointedLoops):
    """Uses `self.plans` (id(loop) -> LoopPlan), `self.reruns` (the plans of the
    loops whose rerun is being written, innermost last) and
    `self.elementwise_copies`; `primal_block` and `adjoint_block` come from the
    function's sweep."""

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
        plan = self.loop_plan(loop, defined, rerun)
        schedule = [self.start_schedule(loop, plan)] if plan.checkpointed else []
        body = [self.take_snapshot(loop, plan)] if plan.checkpointed else \
            self.checkpoint_pushes(loop, plan)
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
        out += schedule
        new = syntax.clone(loop)
        new.body = body
        plan.primal_body = body
        plan.primal_loop = new
        plan.unbound = set()
        if plan.counter and not plan.reversed_range and not plan.checkpointed:
            syntax.set_anno(new, COUNTER, plan.counter)
        if not rerun and isinstance(loop, gast.For):
            syntax.set_anno(new, RERUN, True)
        out.append(new)
        if plan.counter:
            out.append(self.push(syntax.name(plan.counter), (id(loop), plan.counter)))
        return out

    def checkpoint_pushes(self, loop, plan: "LoopPlan") -> list:
        """The pushes at the start of each iteration of a recorded loop."""
        body = [self.push(self.copy_of(syntax.name(v)) if v in self.mutated else syntax.name(v),
                          (id(loop), v)) for v in plan.checkpoint]
        if plan.generators:  # the rerun in the adjoint draws the same numbers
            body.append(self.push(self.random_state(plan.generators), (id(loop), "random")))
        return body

    def loop_plan(self, loop, defined: set, rerun: bool = False) -> "LoopPlan":
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
        plan = LoopPlan(sorted(checkpoint), counter, 1 if has_exit else 0, target,
                         reversed_range, set(defined), self.draws.sources_on_entry(body),
                         self.is_checkpointed(loop, reversed_range, rerun))
        self.plans[id(loop)] = plan
        return plan

    def last_bindings(self, body: list, plan: "LoopPlan") -> dict:
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

    def shapes_only(self, body: list, plan: "LoopPlan", stmts: list, known: dict) -> tuple:
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

    def shape_reads(self, stmt) -> set:
        """Ids of the names read as the shape argument of `unbroadcast(g, x)`."""
        return {id(node.args[1]) for node in syntax.walk(stmt)
                if isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
                and self.free.get(node.func.id) is runtime.unbroadcast
                and len(node.args) == 2 and isinstance(node.args[1], gast.Name)}

    def keep_shapes(self, shaped: list, loop, plan: "LoopPlan") -> list:
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

    def adjoint_loop(self, loop, state: AdjointState) -> list:
        """Iterations backwards: restore checkpoint, rerun with recording, adjoint."""
        plan = self.plans[id(loop)]
        dropped = self.target_without_derivative(loop)
        if isinstance(loop, gast.For) and loop.target.id in self.active and not dropped:
            raise NonDifferentiableError(
                f"s2sad cannot send derivatives back through the iterable of this loop "
                f"(in {self.fn.parsed.described})", self.fn.parsed.location(loop),
                hint="loop over an array or list directly, over enumerate(...) or zip(...) "
                     "of them, or over range(len(...)) with indexing.")
        body = loop.body[:-1] if plan.exit_len else loop.body
        restore = [] if plan.checkpointed else \
            [self.pop(v, (id(loop), v)) for v in reversed(plan.checkpoint)]
        if plan.generators and not plan.checkpointed:
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
        self.reruns.append(plan)
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
        self.reruns.pop()
        restore += self.restore_shapes(loop, plan)  # pushed first: popped last
        # a checkpointed loop keeps nothing per iteration: it computes the shapes again
        unneeded, shaped = ([], []) if plan.checkpointed else \
            self.shapes_only(body, plan, rerun + adjoint, known)
        skipped = {id(s) for s in unneeded + shaped}
        rerun = [stmt for stmt in rerun if id(stmt) not in skipped]
        restore = self.keep_shapes(shaped, loop, plan) + restore
        out = [self.zero(v) for v in sorted(entry.defined - state.defined)]
        # live on entry but consumed by the body: zero again for the next turn
        shapes, reset = self.reset_adjoints(sorted(entry.defined - exit_state.defined),
                                            loop, plan)
        if plan.checkpointed:
            restore = self.restore_and_advance(loop, plan, body) + restore + shapes
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
            if not plan.checkpointed:
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

    def reset_adjoints(self, adjoints: list, loop, plan: "LoopPlan") -> tuple:
        """Zero adjoints the body consumed, for the iteration before: of the shape
        their variable had when that iteration ended, which may differ from this
        one's (layers of different sizes). A variable first bound in the body is
        not restored by the rerun: the primal sweep keeps its shape at the start
        of each iteration, and the reset takes it back, last. Returns (pushes to
        run before the rerun, the reset); a checkpointed loop pushes the shapes
        there, the others in the primal sweep."""
        unbound = [self.primal_of[var] for var in adjoints
                   if self.primal_of[var] not in plan.defined
                   and self.primal_of[var] not in self.scalars]
        if plan.checkpointed:
            pushes, pops = self.snapshot_shapes(loop, plan, unbound)
            return pushes, pops + [self.zero(var) for var in adjoints]
        pops = self.shapes_on_entry(loop, plan, unbound, "start shape")
        return [], pops + [self.zero(var) for var in adjoints]

    def shapes_on_entry(self, loop, plan: "LoopPlan", names: list, kind: str) -> list:
        """Push the shapes of `names` at the start of each iteration of the recording
        sweep; returns the pops that take them back, in that order."""
        pops = []
        for name in names:
            save = (id(loop), kind, name)
            plan.primal_body.insert(0, self.push(
                syntax.call(self.helper("shape_of"), syntax.name(name)), save))
            self.bind_on_entry(plan, name)
            pops.append(self.pop(name, save))
        return pops

    def bind_on_entry(self, plan: "LoopPlan", name: str) -> None:
        """Give `name`, which the loop reads for its shape on entry, a value there.
        Inside an enclosing loop's rerun it holds what the enclosing iteration
        before left: that loop restores its shape (`restore_shapes`). Elsewhere
        the loop is the first to bind it: `name = None` before the loop."""
        enclosing = self.reruns[-1] if self.reruns else None
        if enclosing and name not in enclosing.defined | set(enclosing.checkpoint):
            enclosing.carried.add(name)
        else:
            plan.unbound.add(name)

    def restore_shapes(self, loop, plan: "LoopPlan") -> list:
        """The pops that restore, before each rerun, the shapes of the names inner
        loops read on entry (`bind_on_entry`); their pushes go at the start of
        each iteration of the recording sweep, or into the snapshots."""
        names = sorted(plan.carried)
        if plan.checkpointed:  # restore_and_advance pops them, the advance rebinds
            self.snapshot_shapes(loop, plan, names)
            return []
        return self.shapes_on_entry(loop, plan, names, "entry shape")


@dataclass
class LoopPlan:
    checkpoint: list
    counter: str | None
    exit_len: int
    target: set
    reversed_range: bool
    defined: set          # names that may hold a value before the loop
    generators: list      # random number generators the body may draw from
    checkpointed: bool = False  # K snapshots and a schedule (see revolve.py)
    schedule: str | None = None  # the name of a checkpointed loop's Schedule
    snapshots: list = field(default_factory=list)  # its `if schedule.due(): ...`
    primal_body: list = field(default_factory=list)  # the recording sweep's, last made
    primal_loop: gast.stmt | None = None  # the recording sweep's loop, last made
    unbound: set = field(default_factory=set)  # first bound in the body, shape pushed
    carried: set = field(default_factory=set)  # bound by an inner loop: shape restored


def _plain_assignment(stmt) -> bool:
    """`v = expr` with one name as target, changing no container in place and no
    state: a rerun may leave it out, and a draw left out shifts the next ones."""
    return isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
        isinstance(stmt.targets[0], gast.Name) and not analysis.mutated([stmt]) and \
        not changes_state(stmt.value)


def bind_before(stmts: list, unbound: dict) -> list:
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
                setattr(stmt, field_name, bind_before(getattr(stmt, field_name), unbound))
        out.append(stmt)
    return out
