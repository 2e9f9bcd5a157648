"""Checkpointed loops (`checkpoints=K`): at most K snapshots of a loop's state
on the tape, the steps between recomputed from them by a binomial schedule
(s2sad/checkpointing.py decides when; this module writes the code that does).

Primal sweep::

    schedule = Schedule(K, len(range(n)))      # Schedule(K) when the count is unknown
    for i in range(n):
        if schedule.due():
            tape.append(x)                     # a snapshot: the loop's checkpoint
        ...body...

Each reversed iteration pops the latest snapshot, runs the body plainly from
there up to the step it reverses (taking the snapshots the schedule asks for,
the popped one again when still needed), then reruns and reverses that step as
an ordinary loop does::

        x = tape.pop()
        for i2 in schedule.advance(range(n)):
            if schedule.due():
                tape.append(x)
            ...body, plainly...
        ...rerun of step i, recording; its adjoint...

A loop nested in a checkpointed loop's body is an ordinary loop there: while one
outer step is reversed, the tape holds the inner loop's checkpoints of that step.
"""
from __future__ import annotations

import gast

from .. import syntax
from ..checkpointing import Schedule
from ..errors import UnsupportedSyntaxError
from .draws import RandomReplay

SNAPSHOT = "snapshot"  # in save keys: (id(loop), SNAPSHOT, name)
SCHEDULE = "schedule"  # annotation on `schedule = Schedule(...)`


class CheckpointedLoops(RandomReplay):
    """Uses `self.spec.checkpoints` and the loop plans of LoopAdjoints."""

    def is_checkpointed(self, loop, reversed_range: bool, rerun: bool) -> bool:
        """Whether `loop` keeps K snapshots instead of one per iteration: a loop of
        the function's own sweep (one nested in a loop reruns as usual), `while`
        or `for` over `range`; a `for` over another iterable keeps its tape."""
        if self.spec.checkpoints is None or rerun:
            return False
        return isinstance(loop, gast.While) or reversed_range

    def start_schedule(self, loop, plan) -> gast.stmt:
        """`schedule = Schedule(K, len(range(n)))`; without the count when the loop
        may stop early."""
        plan.schedule = self.names.fresh("schedule")
        self.kept.add(plan.schedule)
        args = [syntax.constant(self.spec.checkpoints)]
        if plan.counter is None:  # a range walked to its end: the count is known
            args.append(syntax.call(self.bind_global("len", len), syntax.clone(loop.iter)))
        start = syntax.assign(plan.schedule, syntax.call(
            syntax.name(self.bind_global("Schedule", Schedule)), *args))
        syntax.set_anno(start, SCHEDULE, True)  # the optimizer may move a test past it
        return start

    def take_snapshot(self, loop, plan) -> gast.If:
        """`if schedule.due(): tape.append(x) ...`; a loop's adjoint adds to it the
        shapes of the names first bound in its body (see `snapshot_shapes`)."""
        pushes = []
        if plan.generators:  # the advance and the rerun draw the same numbers
            pushes.append(self.push(self.random_state(plan.generators),
                                    (id(loop), SNAPSHOT, "random")))
        pushes += [self.push(self.copy_of(syntax.name(v)) if v in self.mutated
                             else syntax.name(v), (id(loop), SNAPSHOT, v))
                   for v in plan.checkpoint]
        pushes += [self.push(syntax.call(self.helper("shape_of"), syntax.name(v)),
                             (id(loop), SNAPSHOT, "shape", v)) for v in sorted(plan.unbound)]
        test = syntax.call(gast.Attribute(value=syntax.name(plan.schedule), attr="due",
                                          ctx=gast.Load()))
        take = syntax.if_(test, pushes or [gast.Pass()])
        plan.snapshots.append(take)
        return take

    def snapshot_shapes(self, loop, plan, names: list) -> tuple:
        """For names first bound in the body whose adjoint is reset to their shape
        at each step's start: (the pushes of their shapes before the rerun, the
        pops that take them back for the reset). The snapshots keep the shapes
        too, so a step restored from one finds them."""
        pushes, pops = [], []
        names = sorted(names)
        for name in names:
            save = (id(loop), "start shape", name)
            pushes.append(self.push(syntax.call(self.helper("shape_of"), syntax.name(name)),
                                    save))
            pops.insert(0, self.pop(name, save))
        new = [v for v in names if v not in plan.unbound]
        plan.unbound |= set(names)
        for take in plan.snapshots:
            take.body = [s for s in take.body if not isinstance(s, gast.Pass)] + [
                self.push(syntax.call(self.helper("shape_of"), syntax.name(v)),
                          (id(loop), SNAPSHOT, "shape", v)) for v in new]
        return pushes, pops

    def restore_and_advance(self, loop, plan, body: list) -> list:
        """Pop the latest snapshot and run the steps from it to the one being
        reversed: `x = tape.pop(); for i2 in schedule.advance(range(n)): ...`."""
        restore = [self.pop(v, (id(loop), SNAPSHOT, "shape", v))
                   for v in sorted(plan.unbound, reverse=True)]
        restore += [self.pop(v, (id(loop), SNAPSHOT, v)) for v in reversed(plan.checkpoint)]
        if plan.generators:
            restore += self.replay((id(loop), SNAPSHOT, "random"))
        steps = self.primal_block(body, plan.defined | set(plan.checkpoint), record=False,
                                  rerun=True)
        advance = gast.Attribute(value=syntax.name(plan.schedule), attr="advance",
                                 ctx=gast.Load())
        if isinstance(loop, gast.For) and loop.target.id in syntax.names_loaded(body):
            # the reversed loop's index is that of the step being reversed
            index = self.names.fresh(loop.target.id)
            steps = syntax.substitute(steps, {loop.target.id: index})
            iterable = syntax.call(advance, syntax.clone(loop.iter))
        else:
            index, iterable = self.names.fresh("step"), syntax.call(advance)
        take = self.take_snapshot(loop, plan)
        return restore + [syntax.for_(index, iterable, [take] + steps)]


def refuse_differentiating_schedules(fn) -> None:
    """Reverse mode of a derivative made with `checkpoints=`: its schedule decides
    as its loops run, and a rerun would ask it again out of turn."""
    for stmt in syntax.statements(fn.node.body):
        for node in syntax.walk(stmt):
            if isinstance(node, gast.Call) and \
                    fn.parsed.namespace.resolve(node.func) is Schedule:
                raise UnsupportedSyntaxError(
                    f"s2sad cannot differentiate '{fn.parsed.name}' in reverse mode: it is "
                    "a derivative made with checkpoints=, whose loops follow a schedule "
                    "that a rerun would disturb", fn.parsed.location(stmt),
                    hint="differentiate it in forward mode (s2sad.autodiff(df, "
                         "mode='forward'), as hvp and hessian do), or make the inner "
                         "derivative without checkpoints.")

