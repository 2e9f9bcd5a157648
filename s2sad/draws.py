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
from .errors import S2SADError
from .parsing import parse_function
from .runtime import GENERATORS, restore_random_state

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


class RandomDraws:
    """Answers 'which generators may this code draw from?' for one function."""

    def __init__(self, namespace, local_names: set):
        self.namespace = namespace
        self.local_names = local_names

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

    def call_sources(self, call: gast.Call) -> list:
        func = call.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
                func.value.id in self.local_names:
            return [func.value.id] if func.attr in RANDOM_METHODS else []
        target = _resolve(self.namespace, func)
        if target is restore_random_state:  # generated code: sets what the next draw is
            return list(GLOBAL_GENERATORS)
        owner = getattr(target, "__self__", None)
        if isinstance(owner, GENERATORS):
            return [owner]
        if inspect.isfunction(target) and user_function_draws(target):
            names = [a.id for a in list(call.args) + [k.value for k in call.keywords]
                     if isinstance(a, gast.Name) and a.id in self.local_names]
            return list(GLOBAL_GENERATORS) + names
        return []


_draws_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def user_function_draws(func: Callable, seen: frozenset = frozenset()) -> bool:
    """Whether a user function (or one it calls) may draw random numbers."""
    if func in seen:
        return False
    if func not in _draws_cache:
        try:
            parsed = parse_function(func)
        except S2SADError:  # no source: s2sad will say so where it matters
            return False
        found = False
        for node in syntax.walk(parsed.node):
            if not isinstance(node, gast.Call):
                continue
            func_node = node.func
            if isinstance(func_node, gast.Attribute) and func_node.attr in RANDOM_METHODS:
                found = True
                break
            target = _resolve(parsed.namespace, func_node)
            if isinstance(getattr(target, "__self__", None), GENERATORS) or \
                    inspect.isfunction(target) and target is not func and \
                    user_function_draws(target, seen | {func}):
                found = True
                break
        _draws_cache[func] = found
    return _draws_cache[func]


def _resolve(namespace, node: gast.expr):
    """The global object a call's dotted name denotes, None for a local's."""
    try:
        return namespace.resolve(node)
    except KeyError:
        return None
