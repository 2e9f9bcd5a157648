"""Stage 3: which user functions change state outside themselves.

A helper that appends to a global list (`LOG.append(v)`) or writes into a global
array does it each time it runs. One that changes an object it is given
(`hist.append(x)`, `self.last = x`) changes what its caller reads next, which
the caller's derivative cannot follow (see `argument_change`). Reverse mode runs a helper again where a loop's
adjoint reruns its body and where a caller's derivative runs the helper's own
derivative; such a call there would repeat the change, so it is refused (see
reverse/function.py), and kept in its place everywhere (the optimizer reads the
EFFECT mark).
"""
from __future__ import annotations

import inspect
import types
import weakref
from typing import Callable

import gast
import numpy as np

from . import syntax
from .aliases import MUTATING_METHODS
from .errors import UnsupportedSyntaxError
from .libraries import is_installed, positional_out
from .parsing import parsed_or_none

EFFECT = "effect"  # annotation on a call of a function that changes outside state

_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def outside_change(func: Callable) -> str | None:
    """What a user function (or one it calls) changes outside itself, as words
    ("appends to LOG"), or None."""
    change = _outside_change(func)
    return change[1] if change else None


def changed_global(func: Callable) -> str | None:
    """The name of the module-level object a user function (or one it calls)
    changes, or None."""
    change = _outside_change(func)
    return change[0] if change else None


def _outside_change(func: Callable, seen: frozenset = frozenset()) -> tuple | None:
    """(the name of the object changed, the change in words), or None."""
    if func in seen or not inspect.isfunction(func) or is_installed(func) or \
            (func.__module__ or "").split(".")[0] == "s2sad":  # a library's, s2sad's own
        return None
    if func not in _cache:
        parsed = parsed_or_none(func)
        if parsed is None:
            return None
        _cache[func] = _first_change(parsed, seen | {func})
    return _cache[func]


def _first_change(parsed, seen: frozenset) -> tuple | None:
    body = parsed.node.body
    local = syntax.names_stored(parsed.node) | {a.id for a in gast.walk(parsed.node.args)
                                                if isinstance(a, gast.Name)}
    # `M = G` (a global): a change through M changes G
    held = aliases_of(body, syntax.names_loaded(body) - local)

    def outside(name: str | None) -> str | None:
        return name if name is not None and name not in local else held.get(name)

    for node in syntax.walk(body):
        changed = outside(_root(_changed_by_call(node, parsed.namespace)))
        if changed is not None:
            return changed, f"changes '{changed}' ({_called_name(node)})"
        if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) and \
                outside(_root(node.value)) is not None:
            changed = outside(_root(node.value))
            return changed, f"writes into '{changed}'"
        if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name) and \
                isinstance(parsed.namespace.lookup(held.get(node.target.id, ""), None),
                           (np.ndarray, list)):
            changed = held[node.target.id]
            return changed, f"changes '{changed}' (+=, in place)"
        if isinstance(node, gast.Call):
            callee = parsed.namespace.resolve(node.func)
            inner = _outside_change(callee, seen) if inspect.isfunction(callee) else None
            if inner is not None:
                return inner[0], f"calls '{callee.__name__}', which {inner[1]}"
    return None


_argument_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def argument_change(func: Callable) -> tuple | None:
    """(the parameter, the Location of the first write) where a user function
    changes an object it was given in place (`hist.append(x)`, `self.last = x`,
    `x[0] = v`, or a call of a helper that does); None if it does not."""
    changes = argument_changes(func)
    return next(iter(changes.items()), None)


def argument_changes(func: Callable, seen: frozenset = frozenset()) -> dict:
    """{parameter: the Location of its first write} for each object a user function
    changes in place, as argument_change."""
    if not inspect.isfunction(func) or is_installed(func) or func in seen or \
            (func.__module__ or "").split(".")[0] == "s2sad":
        return {}
    if func in _argument_cache:
        return _argument_cache[func]
    parsed = parsed_or_none(func)
    changes = {} if parsed is None else _argument_changes(parsed, seen | {func})
    if not seen:  # inside a cycle of calls the answer may lack the cycle's changes
        _argument_cache[func] = changes
    return changes


def _argument_changes(parsed, seen: frozenset) -> dict:
    params = {a.id for a in parsed.node.args.args + parsed.node.args.kwonlyargs}
    kept = params - syntax.names_stored(parsed.node.body)  # a rebound one may hold a copy
    aliases = aliases_of(parsed.node.body, kept)
    found = {}
    for node in syntax.walk(parsed.node.body):
        changed = [_changed_by_call(node, parsed.namespace) or
                   (node.value if isinstance(node, (gast.Subscript, gast.Attribute)) and
                    isinstance(node.ctx, gast.Store) else None) or
                   _augmented_part(node, aliases, parsed.node.body)]
        changed += _changed_by_helper(node, parsed.namespace, seen)
        for root in [_root(c) for c in changed if c is not None]:
            if root in kept | set(aliases):
                found.setdefault(aliases.get(root, root), parsed.location(node))
    return found


def _changed_by_helper(node: gast.AST, namespace, seen: frozenset) -> list:
    """The arguments of a call of a user function that changes them in place."""
    if not isinstance(node, gast.Call):
        return []
    callee = namespace.resolve(node.func)
    changes = argument_changes(callee, seen) if inspect.isfunction(callee) else {}
    if not changes:
        return []
    try:
        bound = inspect.signature(callee).bind(
            *node.args, **{k.arg: k.value for k in node.keywords if k.arg})
    except (TypeError, ValueError):
        return []
    return [bound.arguments[param] for param in changes if param in bound.arguments]


# NumPy's functions that write into their first argument (np.sort, np.append and
# np.resize make new arrays, though the methods of those names change theirs)
_IN_PLACE_FUNCTIONS = frozenset({"put", "putmask", "place", "copyto", "fill_diagonal"})


def _changed_by_call(node: gast.AST, namespace) -> gast.expr | None:
    """What a call changes in place: the receiver of `lst.append(v)`, the first
    argument of `np.put(a, i, v)`, the `out=` of a ufunc; None for other nodes."""
    if not isinstance(node, gast.Call):
        return None
    out = next((k.value for k in node.keywords if k.arg == "out"), None)
    function = namespace.resolve(node.func)
    if out is None and node.args and isinstance(getattr(function, "__self__", None), np.ufunc):
        return node.args[0]  # np.add.at(m, i, v), np.maximum.at(...)
    at = positional_out(function)
    if out is None and at is not None and len(node.args) > at:
        return node.args[at]  # np.negative(m, m), np.clip(a, lo, hi, a)
    func = node.func
    if out is not None or not isinstance(func, gast.Attribute):
        return out
    if func.attr == "shuffle" and node.args:  # rng.shuffle(a), np.random.shuffle(a)
        return node.args[0]
    receiver = func.value
    if isinstance(receiver, gast.Name) and \
            isinstance(namespace.lookup(receiver.id, None), types.ModuleType):
        return node.args[0] if func.attr in _IN_PLACE_FUNCTIONS and node.args else None
    return receiver if func.attr in MUTATING_METHODS else None


def _called_name(call: gast.Call) -> str:
    """`append` for `lst.append(v)`, `put` for `np.put(...)`."""
    func = call.func
    return func.attr if isinstance(func, gast.Attribute) else \
        getattr(func, "id", None) or "a call"


def _augmented_part(node: gast.AST, aliases: dict, body: list) -> gast.Name | None:
    """`w` in `w -= g` where w is a part of an argument reached otherwise than by
    attributes and constant indices (`w = p[i]`), which the check when the call
    runs cannot find: in place on an array or a list, whose owner the caller reads
    (a number is rebound, but s2sad cannot tell which it is: `w = w - g` says so)."""
    if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name) and \
            node.target.id in aliases and \
            _part_of(body, node.target.id, set(aliases.values())) is None:
        return node.target
    return None


_augmented_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def augmented_parameters(func: Callable) -> list:
    """[(parameter, path, the Location of the `+=`)] for each part of a parameter a
    user function augments by name: `p += g`, `q = p; q -= g` (path ()), `w = p.w;
    w -= g` (path (("attr", "w"),)), `a = ps[0]; a += u` ((("item", 0),)). In place
    when that part is an array or a list (the caller's object changes), a new value
    when it is a number: known only at run time (dispatch.assert_kept_in_place)."""
    if not inspect.isfunction(func) or is_installed(func) or \
            (func.__module__ or "").split(".")[0] == "s2sad":
        return []
    if func not in _augmented_cache:
        parsed = parsed_or_none(func)
        _augmented_cache[func] = [] if parsed is None else _augmented(parsed)
    return _augmented_cache[func]


def _augmented(parsed) -> list:
    body = parsed.node.body
    kept = _kept_parameters(parsed)
    found = {}
    for stmt in syntax.statements(body):
        if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name):
            part = _part_of(body, stmt.target.id, kept)
            if part is not None:
                found.setdefault(part, parsed.location(stmt))
    return [(param, path, where) for (param, path), where in found.items()]


def _kept_parameters(parsed) -> set:
    """Parameters no statement but an augmented assignment binds again."""
    body = parsed.node.body
    params = {a.id for a in parsed.node.args.args + parsed.node.args.kwonlyargs}
    return params - {name for stmt in syntax.statements(body)
                     if not isinstance(stmt, gast.AugAssign)
                     for name in syntax.names_stored(getattr(stmt, "targets", None) or
                                                     getattr(stmt, "target", None) or [])}


def _part_of(body: list, name: str, kept: set) -> tuple | None:
    """(parameter, path) when `name` is a kept parameter, or is bound once, to the
    parameter itself or to a part reached by attributes and constant indices."""
    if name in kept:
        return name, ()
    values = [stmt.value for stmt in syntax.statements(body) if isinstance(stmt, gast.Assign)
              and any(isinstance(t, gast.Name) and t.id == name for t in stmt.targets)]
    if len(values) != 1:
        return None
    path, node = [], values[0]
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        if isinstance(node, gast.Attribute):
            path.append(("attr", node.attr))
        elif isinstance(node.slice, gast.Constant) and type(node.slice.value) in (int, str):
            path.append(("item", node.slice.value))
        else:
            return None
        node = node.value
    if isinstance(node, gast.Name) and node.id in kept and not _reads_a_number(values[0]):
        return node.id, tuple(reversed(path))
    return None


def aliases_of(body: list, params: set) -> dict:
    """{name: parameter} for each name every binding of which is a part of that
    parameter, or of another such name (`h = self.hist`): a change through it is a
    change of the argument."""
    bindings = {}
    for stmt in syntax.statements(body):
        if isinstance(stmt, gast.AugAssign):
            continue  # `h += [v]` on a list changes what h holds, in place
        for target in getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]:
            if isinstance(target, gast.Name):
                bindings.setdefault(target.id, []).append(
                    stmt.value if isinstance(stmt, gast.Assign) else None)
    aliases = {}
    grown = True
    while grown:
        grown = False
        for name, values in bindings.items():
            roots = {_root(v) if isinstance(v, (gast.Name, gast.Attribute, gast.Subscript))
                     and not _reads_a_number(v) else None for v in values}
            if name not in aliases and name not in params and len(roots) == 1 and \
                    next(iter(roots)) in params | set(aliases):
                root = next(iter(roots))
                aliases[name] = aliases.get(root, root)
                grown = True
    return aliases


# an array's attributes that are numbers or tuples, never a part of it to write into
_VALUE_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "strides", "itemsize",
                               "nbytes"})


def _reads_a_number(node: gast.expr) -> bool:
    """`x.shape[:2]`, `x.ndim`: a value, not a part of x (`shape += (2,)` rebinds)."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        if isinstance(node, gast.Attribute) and node.attr in _VALUE_ATTRIBUTES:
            return True
        node = node.value
    return False


def _root(node: gast.expr) -> str | None:
    """`p` for `p`, `p.w`, `p[i].w`."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def argument_write_error(function: str, param: str, where, caller: str) -> UnsupportedSyntaxError:
    """The refusal of a write into the argument `param` of `function`, called from
    `caller`: the caller reads the changed object afterwards, and its derivative
    would not see the change."""
    return UnsupportedSyntaxError(
        f"s2sad cannot differentiate a write into the argument '{param}' of function "
        f"'{function}', which is called from {caller}: the write would change the "
        "caller's array or object, which its derivative would not see", where,
        hint=("keep the state in variables of the function you differentiate, or have the "
              "method return the new values (`v = opt.step(v, g)`) instead of storing "
              "them on the object" if param == "self" else
              f"write into a copy: {param} = {param}.copy() (or list({param})) first, or "
              "return the new values instead of storing them in an argument") +
             "; for `v -= g` on a part of it (v = self.w), write `v = v - g`.")
