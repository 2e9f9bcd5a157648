"""Stage 3: which statements draw random numbers, and from which generators.

The reverse sweep runs a loop's body again, and a helper's derivative runs the
helper again. Both must see the numbers the first run drew: reverse mode saves
the state of every generator a body may draw from before it runs, and sets it
back before the rerun (see reverse/draws.py). This module finds those generators:
NumPy's and Python's global ones (`np.random.randn`, `random.gauss`), a
generator object the function holds (`rs.randn(3)`, `rng.normal()`), and, for a
call to a user function that draws, the generators it could reach.
"""
from __future__ import annotations

import inspect
import random
import weakref
from typing import Callable

import gast
import numpy as np

from . import syntax
from .outside import EFFECT
from .parsing import parsed_or_none
from .runtime import GENERATORS, NOT_HOLDING_GENERATORS, restore_random_state

# Methods of np.random.RandomState, np.random.Generator and random.Random that draw.
RANDOM_METHODS = frozenset({
    "rand", "randn", "random", "random_sample", "ranf", "sample", "randint", "integers",
    "random_integers", "normal", "standard_normal", "uniform", "choice", "permutation",
    "permuted", "shuffle", "binomial", "poisson", "exponential", "standard_exponential",
    "gamma", "standard_gamma", "beta", "multivariate_normal", "standard_cauchy",
    "laplace", "logistic", "lognormal", "gumbel", "dirichlet", "multinomial",
    "geometric", "standard_t", "chisquare", "triangular", "vonmises", "weibull",
    "rayleigh", "pareto", "power", "hypergeometric", "negative_binomial", "wald", "zipf",
    "bytes", "gauss", "normalvariate", "gammavariate", "betavariate", "expovariate",
    "lognormvariate", "paretovariate", "weibullvariate", "randrange", "choices",
    "getrandbits",
})
GLOBAL_GENERATORS = (np.random.mtrand._rand, random._inst)
# np.random's functions that are not methods of its global RandomState, but seed
# it or draw from it
_GLOBAL_NUMPY_FUNCTIONS = tuple(getattr(np.random, name) for name in
                                ("seed", "ranf", "sample", "set_bit_generator")
                                if hasattr(np.random, name))
# Annotation on a call that draws, or reads or sets a generator's state: the
# optimizer neither drops it nor moves other draws across it.
DRAWS = "draws"


def changes_state(node: gast.AST) -> bool:
    """Whether a call in `node` draws random numbers or changes state outside the
    function (annotated DRAWS, or outside.EFFECT): it may be neither left out nor
    run twice."""
    return any(isinstance(sub, gast.Call) and (syntax.anno(sub, DRAWS) or
                                               syntax.anno(sub, EFFECT))
               for sub in syntax.walk(node))


class RandomDraws:
    """Answers 'which generators may this code draw from?' for one function."""

    def __init__(self, namespace, local_names: set,
                 known_at_run_time: Callable[[gast.Call], bool] = lambda call: False):
        self.namespace = namespace
        self.local_names = local_names
        self.known_at_run_time = known_at_run_time  # layer.forward(h): see dispatch.py

    def sources(self, stmts) -> list:
        """The generators `stmts` may draw from: objects (global generators), or
        names of the function's variables that hold one; no duplicates."""
        found = []
        for node in syntax.walk(gast.Module(body=list(stmts), type_ignores=[])):
            if isinstance(node, gast.Call):
                for source in self.call_sources(node):
                    if not any(source is seen for seen in found):
                        found.append(source)
        return found

    def mark(self, stmts: list) -> None:
        """Annotate each call in `stmts` that may draw with DRAWS."""
        for node in syntax.walk(gast.Module(body=list(stmts), type_ignores=[])):
            if isinstance(node, gast.Call) and self.call_sources(node):
                syntax.set_anno(node, DRAWS, True)

    def sources_on_entry(self, body: list) -> list:
        """The generators `body` may draw from, with each name the body binds
        replaced by the names its binding reads (`m = self.mods[i]`: self, i), so
        that they can be looked for before it runs."""
        bound = {}
        for stmt in syntax.statements(body):
            for name in syntax.names_stored(getattr(stmt, "targets", None) or
                                            getattr(stmt, "target", None) or []):
                bound.setdefault(name, set()).update(_holders(stmt))
        out, todo, seen = [], list(self.sources(body)), set()
        while todo:
            source = todo.pop(0)
            if not isinstance(source, str):
                out.append(source)
            elif source not in seen:
                seen.add(source)
                if source in bound:
                    todo += sorted(n for n in bound[source] if self.may_hold_generators(n))
                else:
                    out.append(source)
        return out

    def may_hold_generators(self, name: str) -> bool:
        """A variable, or a global or closure value other than a module, function or
        class (a list of layers, a callable model may hold generators)."""
        if name in self.local_names:
            return True
        value = self.namespace.lookup(name, None)
        return value is not None and not isinstance(value, NOT_HOLDING_GENERATORS)

    def call_sources(self, call: gast.Call) -> list:
        func = call.func
        if is_generator_draw(call, self.local_names):
            return [func.value.id]
        if self.known_at_run_time(call):
            # a method of an object, a function value: it may draw from the global
            # generators, from one its object or arguments hold (`MODEL.rng`: MODEL),
            # or, where it is known now, from its module's or its defaults'
            operands = [func.value if isinstance(func, gast.Attribute) else func] + \
                _operands(call)
            names = [name for name in map(_root_name, operands) if name is not None]
            known = _resolve(self.namespace, func)
            owner = getattr(known, "__self__", None)
            function = getattr(known, "__func__", known)
            reached = reached_generators(function) if inspect.isfunction(function) else None
            return list(GLOBAL_GENERATORS) + \
                [name for name in names if name in self.local_names] + \
                [self.namespace.lookup(name) for name in names
                 if name not in self.local_names and self.may_hold_generators(name)] + \
                ([owner] if isinstance(owner, GENERATORS) else []) + (reached or [])
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
                func.value.id in self.local_names:
            return []  # x.sum(), lst.copy()
        target = _resolve(self.namespace, func)
        if target is restore_random_state:  # generated code: sets what the next draw is
            return list(GLOBAL_GENERATORS)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, GENERATORS):
            return [owner]
        if any(target is f for f in _GLOBAL_NUMPY_FUNCTIONS):
            return [np.random.mtrand._rand]
        reached = reached_generators(target) if inspect.isfunction(target) else None
        if reached is None:
            return []
        # generators passed in: variables (which may hold one in a container or an
        # object's attribute, found when the state is taken) and global generators
        operands = [a for a in _operands(call) if isinstance(a, gast.Name)]
        passed = [a.id for a in operands if a.id in self.local_names]
        passed += [self.namespace.lookup(a.id) for a in operands
                   if a.id not in self.local_names and self.may_hold_generators(a.id)]
        return list(GLOBAL_GENERATORS) + reached + passed


_draws_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def reached_generators(func: Callable, seen: frozenset = frozenset()) -> list | None:
    """None when a user function (and every one it calls) never draws; else the
    generator objects of its modules it may draw from (besides the global ones and
    those passed to it as arguments)."""
    if func in seen:
        return None
    if func not in _draws_cache:
        parsed = parsed_or_none(func)
        if parsed is None:
            return None
        draws, reached = False, []
        for node in syntax.walk(parsed.node):
            if not isinstance(node, gast.Call):
                continue
            target = _resolve(parsed.namespace, node.func)
            owner = getattr(target, "__self__", None)
            inner = reached_generators(target, seen | {func}) \
                if inspect.isfunction(target) and target is not func else None
            if isinstance(owner, GENERATORS) and owner not in GLOBAL_GENERATORS:
                reached.append(owner)
            draws = draws or isinstance(owner, GENERATORS) or inner is not None or \
                isinstance(node.func, gast.Attribute) and (
                    node.func.attr in RANDOM_METHODS or
                    target is None and _may_be_users_method(node.func.attr))
            reached += inner or []
        reached += [value for value in (func.__defaults__ or ()) + tuple(
            (func.__kwdefaults__ or {}).values()) if isinstance(value, GENERATORS)]
        unique = list({id(g): g for g in reached}.values())
        _draws_cache[func] = unique if draws else None
    return _draws_cache[func]


def _may_be_users_method(name: str) -> bool:
    """`layer.forward` on an object known only when it runs may draw (a dropout
    layer's); NumPy's, a list's or a dict's method of that name does not."""
    return not any(hasattr(kind, name) for kind in (np.ndarray, list, dict, tuple, set, str))


def _root_name(node: gast.expr) -> str | None:
    """`MODEL` for `MODEL`, `MODEL.rng`, `CFG['rng']`."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def is_generator_draw(call: gast.Call, local_names: set) -> bool:
    """`rs.randn(3)`, `rng.normal()` on a variable: a draw, not a helper's call."""
    func = getattr(call, "func", None)
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
        func.value.id in local_names and func.attr in RANDOM_METHODS


def _operands(call: gast.Call) -> list:
    return list(call.args) + [k.value for k in call.keywords]


def _holders(stmt) -> set:
    """Names a statement reads, but for indices: `layer = layers[i]` reads layers."""
    indices = {id(n) for node in syntax.walk(stmt) if isinstance(node, gast.Subscript)
               for n in syntax.walk(node.slice) if isinstance(n, gast.Name)}
    return {n.id for n in syntax.walk(stmt) if isinstance(n, gast.Name) and
            isinstance(n.ctx, gast.Load) and id(n) not in indices}


def _resolve(namespace, node: gast.expr):
    """The global object a call's dotted name denotes, None for a local's."""
    try:
        return namespace.resolve(node)
    except KeyError:
        return None
