"""Random draws in reverse mode: the tape keeps the generators' state where a
rerun or a helper's VJP would draw again, so they draw the same numbers, and the
generators end where the primal sweep left them."""
from __future__ import annotations

import inspect

import gast

from .. import registry, syntax
from ..draws import DRAWS, GLOBAL_GENERATORS, is_generator_draw
from .tape import Recorder


class RandomReplay(Recorder):
    """Uses `self.generators` (every generator whose state the tape keeps),
    `self.draws` (a RandomDraws analysis) and `self.kept`."""

    def generators_after(self, primal: list) -> list:
        """Reruns draw again: the generators end as the primal sweep left them.
        Appends the saving to `primal`, returns the restoring."""
        if not self.generators:
            return []
        saved = self.names.fresh("random_after")
        self.kept.add(saved)  # read the state here, not where it is restored
        # a variable bound again (a loop's `layer`) may have held others, and one
        # bound in a loop or branch may be unbound here: every generator met in a
        # rerun's or a helper's saving is on the tape
        bound = set(self.fn.params) | {s.targets[0].id for s in self.body
                                       if isinstance(s, gast.Assign) and
                                       isinstance(s.targets[0], gast.Name)}
        sure = [g for g in self.generators if not isinstance(g, str) or
                g in bound and self.bindings[g] <= 1]
        met = [self.tape] if self.uses_tape and len(sure) < len(self.generators) else []
        primal.append(syntax.assign(saved, self.random_state(sure + met)))
        return [syntax.expr_stmt(self.restore_random_state(saved))]

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
        return _drawing(syntax.call(self.helper("random_state"), *args))

    def restore_random_state(self, saved: str) -> gast.Call:
        return _drawing(syntax.call(self.helper("restore_random_state"), syntax.name(saved)))

    def replay(self, save) -> list:
        """Set the generators back to the state the tape saved under `save`."""
        state = self.names.fresh("random_before")
        return [self.pop(state, save), syntax.expr_stmt(self.restore_random_state(state))]

    def helper_draws(self, stmt: gast.Assign) -> list:
        """The generators a user function called by `stmt` may draw from."""
        primitive = self.classify(stmt.value)
        # a draw from a generator is drawn again only by the VJP of one whose
        # distribution's parameters carry derivatives (rng.normal(mu, sigma))
        if primitive is None or is_generator_draw(stmt.value, self.local_names) and \
                not self.has_active_operands(stmt.value) or \
                not self.is_dispatched(primitive) and (
                not inspect.isfunction(primitive.key) or
                registry.adjoint_of(primitive.key) is not None):
            return []
        return [s for s in self.draws.call_sources(stmt.value)
                if not isinstance(s, str) or s not in self.active]  # w is no generator


def _drawing(call: gast.Call) -> gast.Call:
    """A call that reads or sets a generator's state: kept in its place."""
    syntax.set_anno(call, DRAWS, True)
    return call
