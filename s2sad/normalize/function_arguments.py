"""Builtins that take a function, spelled as loops that call it.

`max(xs, key=f)` and `min(xs, key=f)` pick an item by comparing `f` of each
(`max(a, b, key=f)` picks from `(a, b)`; `default=d` is the value of no items);
`functools.reduce(f, xs, start)` folds `f` over the items. s2sad inlines a lambda
or nested function only where it is called, and a library's loop over one cannot
be followed, so these calls are written out as the loops they run, calling `f`
in the function's own code:

    items = list(xs)                      items = list(xs)
    best = 0                              total = items[0]      (or start)
    for i in range(1, len(items)):        for i in range(1, len(items)):
        if f(items[i]) > f(items[best]):      total = f(total, items[i])
            best = i                      y = total
    y = items[best]

The first of equal keys wins, as in Python; the key carries no derivative (it
only compares), the item picked does. `sorted(xs, key=f, reverse=r)` calls `f`
on each item and indexes the items by the order of the keys, which
runtime.sorted_order finds with Python's own (stable) sort:

    items = list(xs)
    key = f
    keys = [key(item) for item in items]
    order = sorted_order(keys, reverse=r)
    y = [items[i] for i in order]
"""
from __future__ import annotations

import functools

import gast

from .. import runtime, syntax
from ..names import Names
from ..parsing import Namespace

_PICKS = {max: gast.Gt, min: gast.Lt}


def spell_out_function_arguments(body: list, namespace: Namespace, names: Names) -> None:
    """Rewrite, in place, each `max(xs, key=f)`, `min(...)` and
    `functools.reduce(f, xs[, start])` in a simple statement of `body` (nested
    blocks too): the loop computing it comes first, then the statement reads
    its result."""
    for stmts in syntax.statement_lists(body):
        stmts[:] = [new for stmt in stmts for new in _rewritten(stmt, namespace, names)]


def _rewritten(stmt: gast.stmt, namespace: Namespace, names: Names) -> list:
    if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Return, gast.Expr)):
        return [stmt]  # a loop's or a branch's test runs each time: not moved out
    loops = []
    _replace_calls(stmt, namespace, names, loops)
    if not loops:
        return [stmt]
    new = [line for loop in loops for line in _rewritten(loop, namespace, names)] + [stmt]
    for node in new:
        for inner in gast.walk(node):
            if isinstance(inner, (gast.stmt, gast.expr)) and getattr(inner, "lineno", None) \
                    is None:
                gast.copy_location(inner, stmt)
    return new


def _replace_calls(node: gast.AST, namespace: Namespace, names: Names, loops: list) -> None:
    """Replace each such call inside `node` (not inside a lambda or comprehension,
    which run later or repeatedly) by the name of its result, and add the
    statements computing it to `loops`, in the order Python evaluates them."""
    for field in syntax.child_fields(node.__class__):
        value = getattr(node, field, None)
        children = value if isinstance(value, list) else [value]
        for k, child in enumerate(children):
            if not isinstance(child, gast.expr) or \
                    isinstance(child, (gast.Lambda, gast.ListComp, gast.GeneratorExp,
                                       gast.DictComp, gast.SetComp)):
                continue
            _replace_calls(child, namespace, names, loops)
            spelled = _spelled(child, namespace, names) if isinstance(child, gast.Call) \
                else None
            if spelled is None:
                continue
            result, statements = spelled
            loops.extend(statements)
            if isinstance(value, list):
                value[k] = result
            else:
                setattr(node, field, result)


def _spelled(call: gast.Call, namespace: Namespace, names: Names):
    """(the name of its result, the statements computing it) for such a call."""
    function = namespace.resolve(call.func)
    keywords = {k.arg: k.value for k in call.keywords}
    if function is sorted and len(call.args) == 1 and "key" in keywords and \
            set(keywords) <= {"key", "reverse"} and not _is_none(keywords["key"]):
        target = names.fresh("ordered")
        return syntax.name(target), _sort(syntax.name(target, "store"), call.args[0],
                                          keywords, namespace, names)
    picks = any(function is pick for pick in _PICKS)  # (an array's == is no answer)
    target = names.fresh("picked" if picks else "folded")
    several = len(call.args) > 1 and "default" not in keywords  # max(a, b, key=f)
    if picks and call.args and keywords and set(keywords) <= {"key", "default"} and \
            (len(call.args) == 1 or several):
        sequence = gast.Tuple(elts=list(call.args), ctx=gast.Load()) if several \
            else call.args[0]
        new = _pick(syntax.name(target, "store"), sequence, keywords.get("key"),
                    _PICKS[function](), namespace, names, keywords.get("default"))
    elif function is functools.reduce and 2 <= len(call.args) <= 3 and not keywords:
        new = _fold(syntax.name(target, "store"), *call.args, namespace=namespace, names=names)
    else:
        return None
    return syntax.name(target), new


def _pick(target, sequence: gast.expr, key: gast.expr | None, comparison: gast.cmpop,
          namespace: Namespace, names: Names, default: gast.expr | None = None) -> list:
    """The loop of `max(xs, key=f)`; without a key it compares the items, with a
    `default` it is the value for no items."""
    items, best, i, key_name = (names.fresh(stem) for stem in ("items", "best", "i", "key"))
    keyed = key is not None and not _is_none(key)

    def key_of(index):
        item = gast.Subscript(value=syntax.name(items), slice=syntax.name(index),
                              ctx=gast.Load())
        return syntax.call(syntax.name(key_name), item) if keyed else item
    better = gast.Compare(left=key_of(i), ops=[comparison], comparators=[key_of(best)])
    loop = syntax.for_(i, _later_positions(items, namespace, names),
                       [syntax.if_(better, [syntax.assign(best, syntax.name(i))])])
    picked = syntax.assign(target, gast.Subscript(value=syntax.name(items),
                                                  slice=syntax.name(best), ctx=gast.Load()))
    if default is not None:  # max([], default=d) is d
        empty = gast.Compare(left=syntax.call(_builtin(namespace, names, len),
                                              syntax.name(items)),
                             ops=[gast.Eq()], comparators=[syntax.constant(0)])
        picked = syntax.if_(empty, [syntax.assign(syntax.name(target.id, "store"), default)],
                            [picked])
    return [syntax.assign(key_name, key)] * keyed + [
        _listed(items, sequence, namespace, names), syntax.assign(best, syntax.constant(0)),
        loop, picked]


def _sort(target, sequence: gast.expr, keywords: dict, namespace: Namespace,
          names: Names) -> list:
    items, key_name, keys, order = (names.fresh(s) for s in ("items", "key", "keys", "order"))
    item, i = syntax.name(names.fresh("item"), "store"), syntax.name(names.fresh("i"), "store")
    helper = names.fresh("sorted_order")
    namespace.closure[helper] = runtime.sorted_order
    reverse = {"reverse": keywords["reverse"]} if "reverse" in keywords else {}
    return [_listed(items, sequence, namespace, names),
            syntax.assign(key_name, keywords["key"]),
            syntax.assign(keys, _comprehension(
                syntax.call(syntax.name(key_name), syntax.as_load(item)), item, items)),
            syntax.assign(order, syntax.call(syntax.name(helper), syntax.name(keys), **reverse)),
            syntax.assign(target, _comprehension(
                gast.Subscript(value=syntax.name(items), slice=syntax.as_load(i),
                               ctx=gast.Load()), i, order))]


def _comprehension(element: gast.expr, target: gast.Name, sequence: str) -> gast.ListComp:
    """[element for target in sequence]."""
    return gast.ListComp(elt=element, generators=[gast.comprehension(
        target=target, iter=syntax.name(sequence), ifs=[], is_async=0)])


def _is_none(node: gast.expr) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def _fold(target, function: gast.expr, sequence: gast.expr, start: gast.expr | None = None,
          *, namespace: Namespace, names: Names) -> list:
    items, total, i, step = (names.fresh(stem) for stem in ("items", "total", "i", "step"))
    first = start if start is not None else \
        gast.Subscript(value=syntax.name(items), slice=syntax.constant(0), ctx=gast.Load())
    item = gast.Subscript(value=syntax.name(items), slice=syntax.name(i), ctx=gast.Load())
    positions = _later_positions(items, namespace, names) if start is None else \
        syntax.call(_builtin(namespace, names, range),
                    syntax.call(_builtin(namespace, names, len), syntax.name(items)))
    loop = syntax.for_(i, positions, [syntax.assign(
        total, syntax.call(syntax.name(step), syntax.name(total), item))])
    return [syntax.assign(step, function), _listed(items, sequence, namespace, names),
            syntax.assign(total, first), loop, syntax.assign(target, syntax.name(total))]


def _listed(items: str, sequence: gast.expr, namespace: Namespace, names: Names) -> gast.stmt:
    return syntax.assign(items, syntax.call(_builtin(namespace, names, list), sequence))


def _later_positions(items: str, namespace: Namespace, names: Names) -> gast.Call:
    """range(1, len(items))."""
    return syntax.call(_builtin(namespace, names, range), syntax.constant(1),
                       syntax.call(_builtin(namespace, names, len), syntax.name(items)))


def _builtin(namespace: Namespace, names: Names, function) -> gast.Name:
    """A fresh name the derivative's closure binds to a builtin (the user's code may
    use `list` or `len` for something else)."""
    fresh = names.fresh(function.__name__)
    namespace.closure[fresh] = function
    return syntax.name(fresh)
