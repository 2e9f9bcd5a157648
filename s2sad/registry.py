"""Where derivative templates and non-differentiable functions are registered.

A template is a small Python function written in the `d[x]` notation:

    @adjoint(np.sin)
    def sin(y, x):
        d[x] = d[y] * np.cos(x)

Its first parameter stands for the primitive's result, the others for the
primitive's arguments, with the primitive's own names and defaults. `d[v]` is
the adjoint (reverse mode) or tangent (forward mode) of `v`. In an adjoint
template `d[x] = e` adds `e` to the adjoint of `x`.
"""
from __future__ import annotations

import functools
import inspect
import sys
import textwrap
import threading
from dataclasses import dataclass
from typing import Any, Callable

import gast
import numpy as np

ADJOINTS: dict = {}
TANGENTS: dict = {}
NONDIFFERENTIABLE: set = set()
SOURCES: dict = {}  # a library function -> a Python function s2sad differentiates instead
STAND_INS: set = set()  # the values of SOURCES: read even where they are installed
ADVICE: dict = {}   # a primitive without a rule -> the hint of the error that refuses it
FREEZERS: dict = {}  # a maker of frozen objects (stats.norm) -> {method: its data arguments}
UNFREEZERS: list = []  # functions: a method of a frozen object -> its unfrozen call, or None
_PENDING: list = []  # (package, loader): rules of an optional library not yet registered
_ACTIVE: list = []   # loaders running now (their own registrations come back here)
_LOADING = threading.RLock()
_IMPORTED = []  # holds True once s2sad has imported: a family's module imports s2sad's own


def register_when_imported(package: str, load: Callable[[], None]) -> None:
    """Call `load` (which registers rules for `package`) once anything has imported
    `package`. A library function exists only once its package has imported, so
    every lookup of a rule first registers the rules of packages imported since."""
    _PENDING.append((package, load))


def pending_may_load() -> None:
    """Called once s2sad's own modules have all imported."""
    _IMPORTED.append(True)


def load_pending() -> None:
    """Register the rules of optional libraries imported since the last call (see
    `register_when_imported`): importing SciPy for every user took a second."""
    if not _PENDING or not _IMPORTED:
        return
    with _LOADING:  # another thread waits here until the rules are all in
        for item in list(_PENDING):
            if item not in _PENDING or item in _ACTIVE or sys.modules.get(item[0]) is None:
                continue
            _ACTIVE.append(item)
            try:
                item[1]()
            finally:
                _ACTIVE.remove(item)
                _PENDING.remove(item)


class _AdjointMarker:
    """The `d` of templates; never evaluated, only read as source."""

    def __getitem__(self, item):
        raise RuntimeError("templates are source code: d[...] is never evaluated")


d = _AdjointMarker()


class Template:
    """A parsed derivative template and the module namespace its names live in.

    Parsed on first use: reading and parsing a template's source takes longer than
    importing its module, and most programs use a few of the templates."""

    def __init__(self, func: Callable):
        self.func = func

    @functools.cached_property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.func)

    @functools.cached_property
    def body(self) -> list:
        source = textwrap.dedent(inspect.getsource(self.func))
        return gast.parse(source).body[0].body

    @functools.cached_property
    def assigned(self) -> set:
        """The names the body binds."""
        return {n.id for n in gast.walk(gast.Module(body=self.body, type_ignores=[]))
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}

    @property
    def namespace(self) -> dict:
        return self.func.__globals__

    @property
    def result_param(self) -> str:
        return next(iter(self.signature.parameters))

    def gives_derivative(self, position: int) -> bool:
        """Whether the body gives a derivative (`d[x] = ...`) to the call's argument
        at `position`."""
        params = list(self.signature.parameters)[1:]
        return position < len(params) and \
            any(derivative_target(stmt) == params[position] for stmt in self.body)


def derivative_target(stmt: gast.stmt) -> str | None:
    """'x' for a template's statement `d[x] = ...`."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1:
        return derivative_of(stmt.targets[0])
    return None


def derivative_of(node: gast.expr) -> str | None:
    """'x' for `d[x]` in a template."""
    if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
            and node.value.id == "d" and isinstance(node.slice, gast.Name):
        return node.slice.id
    return None


_GENERATOR_CLASSES = (np.random.Generator, np.random.RandomState)


def _key(primitive: Any):
    """The rule's key: a random generator's method shares one rule with the same
    method of every other generator of its class (`rng.normal`, `np.random.normal`)."""
    owner = getattr(primitive, "__self__", None)
    if isinstance(owner, _GENERATOR_CLASSES):
        return getattr(type(owner), primitive.__name__, primitive)
    return primitive


def adjoint(*primitives: Any) -> Callable:
    """Register the decorated template as the reverse-mode rule of `primitives`."""
    return _register(ADJOINTS, primitives)


def tangent(*primitives: Any) -> Callable:
    """Register the decorated template as the forward-mode rule of `primitives`."""
    return _register(TANGENTS, primitives)


def _register(table: dict, primitives) -> Callable:
    load_pending()
    def decorate(func: Callable) -> Callable:
        template = Template(func)
        for primitive in primitives:
            table[_key(primitive)] = template
        return func
    return decorate


def fits_its_seed(helper: Callable) -> Callable:
    """Mark an adjoint helper `helper(g, ...)` that sums an adjoint `g` broadcast
    beyond its primitive's result down to the result's shape first: a template
    passing it `d[z]` accepts such a seed (templates.fits_seed)."""
    helper.__s2sad_fits_seed__ = True
    return helper


def reads_shape_of(function: Callable, *positions: int) -> None:
    """Declare that `function` reads its arguments at `positions` for their shape,
    type and dtype only: a write into their entries changes nothing it computes
    (the alias analysis then lets such a read follow a write)."""
    function.__s2sad_shape_args__ = positions


def shape_arguments(function: Any) -> tuple:
    """The positions `reads_shape_of` declared for `function` (none: ())."""
    return getattr(function, "__s2sad_shape_args__", ())


def source_for(*functions: Any) -> Callable:
    """Register the decorated Python function as a *stand-in* for `functions`: s2sad
    differentiates calls to them through the stand-in's source, in both modes.

    For functions of installed libraries, which s2sad does not read, and for
    built-ins: the stand-in computes the same values, with the same parameters
    (names and defaults), from functions s2sad differentiates. The calls in your
    code still run the original; forward-mode derivatives also compute the value
    with the stand-in. Example: `@s2sad.source_for(scipy.stats.norm.sf)` on
    `def norm_sf(x, loc=0.0, scale=1.0): return scipy.special.ndtr((loc - x) / scale)`.
    """
    load_pending()
    def decorate(stand_in: Callable) -> Callable:
        for function in functions:
            SOURCES[function] = stand_in
        STAND_INS.add(stand_in)
        return stand_in
    return decorate


def is_stand_in(function: Any) -> bool:
    load_pending()
    try:
        return function in STAND_INS
    except TypeError:
        return False


def source_for_of(function: Any) -> Callable | None:
    load_pending()
    try:
        return SOURCES.get(function)
    except TypeError:
        return None


def advise(text: str, *primitives: Any) -> None:
    """Give the error refusing a call of `primitives` (which have no rule) `text` as
    its hint: what to call instead."""
    load_pending()
    for primitive in primitives:
        ADVICE[primitive] = text


def advice_for(primitive: Any) -> str | None:
    load_pending()
    try:
        return ADVICE.get(primitive)
    except TypeError:
        return None


@dataclass
class Freezer:
    """How a frozen object's methods take the parameters its maker was called with."""

    methods: dict              # method name -> how many positional arguments it takes
    positional: int | None     # how many of the maker's positional arguments they take
    dropped: tuple             # the maker's keywords they do not take


def freezes(methods: dict, *makers: Any, positional: int | None = None,
            dropped: tuple = ()) -> None:
    """Declare that `maker(*params)` (as `stats.norm(loc, scale)`) returns a frozen
    object whose method `m` called with `methods[m]` positional arguments is the
    maker's own method given the parameters after them: `stats.norm(loc,
    scale).logpdf(x)` is `stats.norm.logpdf(x, loc, scale)`. Parameters only the
    maker takes (a random seed) are left out: the first `positional` positional
    ones are passed on, and no keyword in `dropped`. The normalizer writes such
    calls in the unfrozen form (normalize/frozen.py), so they differentiate in the
    parameters too."""
    load_pending()
    for maker in makers:
        FREEZERS[maker] = Freezer(dict(methods), positional, tuple(dropped))


def frozen_methods(maker: Any) -> Freezer | None:
    load_pending()
    try:
        return FREEZERS.get(maker)
    except TypeError:
        return None


def unfreezes(function: Callable) -> Callable:
    """Register `function(method)`, which maps a method of a frozen object made
    outside the differentiated code (`dist.logpdf` for a global `dist`) to
    (the unfrozen function, parameters to pass after the call's arguments, keyword
    parameters), or returns None. Its parameters are constants then."""
    load_pending()
    UNFREEZERS.append(function)
    return function


def unfrozen(method: Any) -> tuple | None:
    """(unfrozen function, extra arguments, extra keywords) for a method of a frozen
    object, or None."""
    load_pending()
    for function in UNFREEZERS:
        found = function(method)
        if found is not None:
            return found
    return None


def nondifferentiable(*functions: Any) -> None:
    """Declare functions whose results carry no derivative (shapes, integers)."""
    load_pending()
    NONDIFFERENTIABLE.update(functions)


def is_nondifferentiable(function: Any) -> bool:
    load_pending()
    try:
        return function in NONDIFFERENTIABLE
    except TypeError:  # unhashable callables
        return False


def adjoint_of(function: Any) -> Template | None:
    load_pending()
    try:
        return ADJOINTS.get(_key(function))
    except TypeError:
        return None


def tangent_of(function: Any) -> Template | None:
    load_pending()
    try:
        return TANGENTS.get(_key(function))
    except TypeError:
        return None
