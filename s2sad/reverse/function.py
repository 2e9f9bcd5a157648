"""A function's reverse mode: the primal sweep and the adjoint sweep of its
statements, joined by the tape; loops, containers, calls and random draws each
have a module of their own."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import gast
import numpy as np

from .. import aliases, analysis, primitives, registry, syntax
from ..emit import GeneratedFunction
from ..errors import UnsupportedSyntaxError
from ..normalize import NormalFunction
from ..templates import ACCUMULATE, fits_seed
from .calls import CallAdjoints
from .containers import ContainerAdjoints
from .loops import LoopAdjoints, bind_before
from .revolve import refuse_differentiating_schedules
from .tape import TAPE, AdjointState


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
    floats: bool = False   # the float version: every argument, the seed too, is a float
    # a function called by the one being differentiated; its gradients go to the
    # caller's VJP: containers' as AdjointList and AdjointDict, which the caller adds
    # item by item (the user's types only where the user gets them), and an int
    # argument no derivative reaches is refused only where the user passed it
    callee: bool = False
    # K: every loop keeps at most K snapshots, reversed by a binomial schedule
    # (reverse/revolve.py); None: a checkpoint per iteration
    checkpoints: int | None = None


class FunctionAdjoint(LoopAdjoints, ContainerAdjoints, CallAdjoints):
    """The reverse mode of one function; builds its VJP's tree."""

    def __init__(self, fn: NormalFunction, spec: GradientSpec):
        super().__init__(fn, spec.wrt, prefix="b", scalar_params=spec.scalar_params,
                         callee=spec.callee)
        refuse_differentiating_schedules(fn)
        self.spec = spec
        self.pushed = set()       # ids of assignments that save the old value
        self.plans = {}           # id(loop) -> LoopPlan
        self.reruns = []          # the plans of the loops whose rerun is being written
        self.tape = self.names.fresh(TAPE)
        self.uses_tape = False
        self.adjoint_reads = analysis.adjoint_reads(self.body, self.active)
        # the adjoint reads these views after the write: restoring the entries does
        # not reach them where a loop's adjoint rebinds the array to its checkpoint
        self.copied_views = {key for key, name in self.aliases.viewed_writes.items()
                             if name in self.adjoint_reads}
        self.view_copies = []     # (`v = copy_of(x[0])`, v): made by copied_view
        self.primal_made = set()  # ids of the statements primal_block returned
        self.rank_decider = None
        if spec.check == "scalar":
            self.rank_decider = self.checked_value()  # read before the classes change
            self.output_made_zero_dim()
        self.containers = analysis.indexed_names(self.body) - self.scalars
        self.dicts = analysis.dict_names(self.body, self.makes_dict)
        # numbers, or arrays of a parameter's shape: + and * act item by item
        self.elementwise = self.scalars | (set(self.shapes) - self.containers)
        self.elementwise_copies = set()  # a loop's `x_end`, `x_next` of such an x
        self.drawing_calls = {}   # id(stmt) -> generators a helper called there may use
        self.generators = []      # every generator whose state the tape keeps
        self.kept = set()         # names the optimizer must not inline
        self.complex = analysis.complex_names(self.body, self.classify, self.is_complex_global)
        # names complex when a parameter is: their real part is taken only if they are real
        self.maybe_complex = set() if spec.floats or not self.complex else \
            analysis.varied_names(self.body, fn.params, self.classify)
        self.fitting_their_seed = self.temporaries_fitting_their_seed()
        self.from_containers = set()  # names a called VJP may return a container for
        self.refuse_repeated_effects()

    def makes_dict(self, call: gast.Call) -> bool:
        """Does the call build a dict: `dict(...)`, `collections.OrderedDict()`?"""
        made = self.namespace.resolve(call.func)
        return isinstance(made, type) and issubclass(made, dict)

    def is_complex_global(self, name: str) -> bool:
        """Does `name` read a global (or closure) holding a complex number or array?"""
        if name in self.local_names:
            return False
        value = self.namespace.lookup(name, None)
        return isinstance(value, (complex, np.complexfloating)) or \
            isinstance(value, np.ndarray) and np.iscomplexobj(value)

    def checked_value(self) -> str | None:
        """For grad: the name whose value the output check reads (the output, or an
        operand deciding its rank), None when the output is 0-d whatever the inputs."""
        result = self.fn.result
        decider = analysis.rank_deciding_name(self.body, result, self.scalars, self.shapes,
                                              self.classify)
        return result if decider in self.sequences else decider

    def output_made_zero_dim(self) -> None:
        """The adjoint sweep runs after grad's check: there the output's shape class
        (or the output alone, bound once) is 0-d."""
        result = self.fn.result
        result_class = self.shapes.get(result)
        if result_class is not None:
            for name, shape in list(self.shapes.items()):
                if shape == result_class:
                    self.shapes[name] = analysis.ZERO_DIM
        elif analysis.binding_counts(self.body)[result] <= 1:
            self.shapes[result] = analysis.ZERO_DIM

    def temporaries_fitting_their_seed(self) -> frozenset:
        """Temporaries read once whose rule sums an adjoint broadcast beyond their
        shape down to their operands' (templates.fits_seed): the statement reading
        them may leave their adjoint unfitted, and the tape need not keep their
        shape for it."""
        fitting = set()
        for name, stmt in analysis.single_use_temporaries(self.body, self.user_locals).items():
            if name in self.scalars or name in self.complex:
                continue
            primitive = self.classify(stmt.value)
            template = registry.adjoint_of(primitive.key) if primitive is not None else None
            if template is not None and fits_seed(template):
                fitting.add(name)
        return frozenset(fitting)

    def adjoint_fits(self, result: str) -> bool:
        """The output's, when its seed is checked to fit it; then a 0-d value's too:
        rules fit the adjoints they give operands (or know them to fit already)."""
        return self.spec.check in ("scalar", "seed") and \
            (result == self.fn.result or self.shapes.get(result) == analysis.ZERO_DIM)

    def may_stay_unfitted(self, primitive) -> set:
        return {a.id for a in primitive.args
                if isinstance(a, gast.Name) and a.id in self.fitting_their_seed}

    def refuse_repeated_effects(self) -> None:
        """A call of a helper that changes state outside itself, where the derivative
        runs it again: in a loop (whose adjoint reruns the body) or in a helper
        (whose derivative runs its primal again inside the caller's)."""
        looped = {id(s) for loop in syntax.statements(self.body)
                  if isinstance(loop, (gast.For, gast.While)) for s in syntax.statements(loop.body)}
        for stmt in syntax.statements(self.body):
            if id(stmt) not in self.effects or not (id(stmt) in looped or self.spec.callee):
                continue
            called, change = self.effects[id(stmt)]
            again = "to reverse the loop" if id(stmt) in looped else \
                f"inside the derivative of '{self.fn.parsed.name}', which its caller needs"
            raise UnsupportedSyntaxError(
                f"s2sad cannot differentiate this call of {called}, which {change}: the "
                f"derivative runs it again {again}, and it would do that again",
                self.fn.parsed.location(stmt),
                hint="keep changes to outside state (logging into a global list, counters) "
                     "out of the functions you differentiate: return the values instead, "
                     "or make the call in the differentiated function itself, outside "
                     "loops.")

    def build(self) -> GeneratedFunction:
        fn, spec = self.fn, self.spec
        seed = self.derivative_name(fn.result)
        primal = self.private_arguments() + self.parameter_receiver_guards() + \
            self.primal_block(self.body, set(fn.params), record=True)
        replayed = self.generators_after(primal)
        user_function = syntax.name(self.bind_global(fn.parsed.name, fn.parsed.func))
        if spec.check == "scalar":
            primal.extend(self.scalar_checks(seed, user_function))
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
        state = AdjointState({seed} if fn.result in self.active or
                              fn.result in fn.params else ())
        adjoint = self.adjoint_block(self.body, state)
        self.keep_views_read_for_shape(adjoint)
        if any(aliases.mutated_receiver(node) == seed for node in syntax.walk(adjoint)):
            # a list's adjoint popped item by item: never the caller's seed itself
            adjoint.insert(0, syntax.assign(seed, syntax.call(self.helper("copy_of"),
                                                              syntax.name(seed))))
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
        prelude = ([syntax.assign(self.tape, gast.List(elts=[], ctx=gast.Load()))]
                   if self.uses_tape else []) + self.unbound_guarded()
        body = prelude + primal + adjoint + replayed + [syntax.return_(returned)]
        body = bind_before(body, {id(plan.primal_loop): plan.unbound
                                   for plan in self.plans.values() if plan.unbound})
        node = self.derivative_function(body, [(seed, spec.seed_default)])
        # an adjoint left unfitted may outgrow its variable's shape class
        shaped = self.elementwise - self.unfitted
        elementwise = shaped | self.elementwise_copies | \
            {d for d, v in self.primal_of.items() if v in shaped}
        not_arrays = self.containers | self.sequences
        return GeneratedFunction(node, self.free, self.tape,
                                 self.protected_names() | {seed, self.tape} | self.kept,
                                 frozenset(self.primal_of), frozenset(elementwise),
                                 self.callees, containers, self.scalar_names(),
                                 {name: c for name, c in self.shapes.items()
                                  if not {name, c} & not_arrays})

    def scalar_checks(self, seed: str, user_function: gast.Name) -> list:
        """grad's checks: the output is 0-d, and so is the seed (the float version's
        dispatcher passes only floats). A number's derivatives take any seed
        broadcast, as tangent's did."""
        if self.fn.result in self.scalars:
            return []
        seed_too = not self.spec.floats
        if self.rank_decider is None:
            return [syntax.expr_stmt(syntax.call(self.helper("assert_scalar_seed"),
                                                 syntax.name(seed), user_function))] \
                if seed_too else []
        arguments = [syntax.name(self.rank_decider), user_function] + \
            ([syntax.name(seed)] if seed_too else [])
        return [syntax.expr_stmt(syntax.call(self.helper("assert_scalar"), *arguments))]

    def gradient_of(self, param: str, state: AdjointState) -> gast.expr:
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
                out.extend(self.unshared_guards(stmt) + self.receiver_guards(stmt))
            if known and id(stmt) in known:
                made = self.primal_assign(stmt, defined, record, known[id(stmt)])
            else:
                made = self.primal_stmt(stmt, defined, record, rerun)
            out.extend(syntax.locate(made, stmt))
        self.primal_made.update(map(id, out))
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
        if known is not None:
            stmt = syntax.copy_annos(stmt, syntax.assign(target.id, syntax.name(known)))
        elif id(stmt) in self.copied_views:
            stmt = self.copied_view(stmt)
        out.append(stmt)
        defined.add(target.id)
        return out

    def copied_view(self, stmt: gast.Assign) -> gast.Assign:
        """`v = copy_of(x[0])` for `v = x[0]`: the value v has when bound, which a
        later write into x would change under the adjoint that reads it."""
        copied = syntax.assign(stmt.targets[0].id, self.copy_of(stmt.value))
        self.view_copies.append((copied, stmt.targets[0].id))
        return syntax.copy_annos(stmt, gast.copy_location(copied, stmt))

    def keep_views_read_for_shape(self, adjoint: list) -> None:
        """Take back the copy of `v = copy_of(x[0])` where the adjoint's own
        statements read v for its shape only (`unbroadcast(g, v)`): a view keeps
        its shape, and the primal statements loops' adjoints rerun read v where
        the function did, which the alias analysis checks."""
        read = self.adjoint_value_reads(adjoint)
        for copied, name in self.view_copies:
            if name not in read:
                copied.value = copied.value.args[0]

    def adjoint_value_reads(self, stmts: list) -> set:
        """Names the adjoint's own statements in `stmts` read for their value: not in
        the reruns of primal statements, nor as arguments read for their shape."""
        reads = set()
        for stmt in stmts:
            if id(stmt) in self.primal_made:
                continue
            if isinstance(stmt, (gast.For, gast.While, gast.If)):
                reads |= syntax.names_loaded(stmt.iter if isinstance(stmt, gast.For)
                                             else stmt.test)
                reads |= self.adjoint_value_reads(stmt.body + stmt.orelse)
                continue
            shaped = self.shape_only_arguments(stmt)
            reads |= {node.id for node in syntax.walk(stmt) if isinstance(node, gast.Name)
                      and isinstance(node.ctx, gast.Load) and id(node) not in shaped}
        return reads

    def shape_only_arguments(self, stmt) -> set:
        """Ids of the names passed where a runtime helper reads only the shape
        (registry.reads_shape_of: `unbroadcast(g, x)`, `zeros_like(x)`)."""
        ids = set()
        for node in syntax.walk(stmt):
            if isinstance(node, gast.Call) and isinstance(node.func, gast.Name):
                positions = registry.shape_arguments(self.free.get(node.func.id))
                ids |= {id(node.args[i]) for i in positions if i < len(node.args)
                        and isinstance(node.args[i], gast.Name)}
        return ids

    def is_outside_effect(self, stmt) -> bool:
        """`LOG.append(v)` on a list from outside f: done once, never undone."""
        append = primitives.list_append(stmt)
        return bool(append) and append[0] in self.outside

    def adjoint_block(self, stmts: list, state: AdjointState) -> list:
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

    def adjoint_stmt(self, stmt, state: AdjointState) -> list:
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

    def gradient_hook(self, stmt: gast.With, state: AdjointState) -> list:
        """The user's `insert_grad_of(x) as g` body, run on the adjoint of x."""
        name, alias = syntax.anno(stmt, "grad_hook")
        var = self.derivative_names.get(name)
        if name not in self.active or var not in state.defined:
            return []
        return [syntax.assign(alias, syntax.name(var))] + syntax.clone(stmt.body) + \
            [syntax.assign(var, syntax.name(alias))]

    def adjoint_if(self, stmt: gast.If, state: AdjointState) -> list:
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

    def adjoint_assign(self, stmt: gast.Assign, state: AdjointState) -> list:
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

    def contributions(self, stmt: gast.Assign, state: AdjointState) -> list:
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

    def real_where_real(self, add: gast.Assign, source: str) -> gast.Assign:
        """A contribution `bx = g` from a complex value `source` to a real x takes the
        real part of g: the gradient of a real variable is real (JAX's convention, in
        which the other rules need no conjugates but abs's)."""
        primal = self.primal_of[add.targets[0].id]
        if source not in self.complex or primal in self.complex:
            return add
        if primal in self.maybe_complex:  # a complex argument's adjoint stays complex
            value = syntax.call(self.helper("real_where_real"), add.value, syntax.name(primal))
        else:
            real = gast.Attribute(value=syntax.name(self.bind_global("np", np)), attr="real",
                                  ctx=gast.Load())
            value = syntax.call(real, add.value)
        return syntax.copy_annos(add, syntax.assign(add.targets[0].id, value))


def _has_code(stmts: list) -> bool:
    return any(not syntax.is_comment(s) for s in stmts)
