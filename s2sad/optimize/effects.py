"""Which expressions may be moved or dropped: the optimizer's one question."""
from __future__ import annotations

import gast
import numpy as np

from .. import syntax
from ..aliases import MUTATING_METHODS, mutated_receiver
from ..draws import DRAWS, changes_state


def draws(node: gast.AST) -> bool:
    """Whether a call in `node` may draw random numbers (or set a generator)."""
    return any(isinstance(sub, gast.Call) and syntax.anno(sub, DRAWS)
               for sub in syntax.walk(node))


# Methods of arrays, lists and dicts that change nothing (x.sum(), d.get(k)); the
# others, and methods of other objects, may change their receiver.
_READING_METHODS = frozenset(
    name for kind in (np.ndarray, list, dict) for name in dir(kind)
    if not name.startswith("_")) - MUTATING_METHODS - {
        "partition", "setfield", "setflags", "byteswap", "dump", "tofile"}


def is_pure(node: gast.AST, local_names: set) -> bool:
    """No call here can change state: method calls on locals (tape.pop, but not
    t.sum()) and random draws can."""
    if changes_state(node):
        return False
    for sub in syntax.walk(node):
        if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Attribute) and \
                sub.func.attr not in _READING_METHODS:
            func = sub.func
            while isinstance(func, gast.Attribute):
                func = func.value
            if isinstance(func, gast.Name) and func.id in local_names:
                return False
    return True


def shares_a_written_array(node: gast.FunctionDef) -> set:
    """Names that may refer to an array or list something writes into in place
    (`x[i] = v`, `x += v`, `x.append(v)`), through copies `a = b`, views
    `a = b[...]` and calls that may return a view of an argument (`b.reshape(2, 2)`,
    `np.asarray(b)`): an expression must not become a copy of these."""
    links, written = {}, set()

    def root(name):
        while links.get(name, name) != name:
            name = links[name]
        return name

    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name):
            written.add(stmt.target.id)
        receiver = mutated_receiver(getattr(stmt, "value", None))
        if receiver is not None:
            written.add(receiver)
        if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            written.add(target.value.id)
        if isinstance(target, gast.Name):
            for source in _viewed_names(value):
                links[root(target.id)] = root(source)
    roots = {root(name) for name in written}
    return {name for name in set(links) | set(links.values()) | written
            if root(name) in roots}


def _viewed_names(value: gast.expr) -> list:
    """The names whose memory `value` may share: `b` for `b`, `b[i]`, `b.T`, and
    for a call, its receiver's and its arguments' (the call may return a view)."""
    if isinstance(value, gast.Call):
        operands = [value.func] + value.args + [k.value for k in value.keywords]
        return [name for operand in operands for name in _viewed_names(operand)]
    while isinstance(value, (gast.Subscript, gast.Attribute)):
        value = value.value
    return [value.id] if isinstance(value, gast.Name) else []


def copy_returned_arguments(node: gast.FunctionDef, copy: str,
                            passing: frozenset = frozenset(),
                            keep_value: bool = False) -> bool:
    """`return copy(bresult)` where a returned name may be an argument itself (the
    gradient of the identity is the seed), also through a call of a `passing`
    helper that may return its first argument (`expand(dx, x)`): the caller must get
    an object of its own. With `keep_value`, the last item returned is the primal
    value, which a calling derivative must get as the function returns it (the
    argument itself: a write into it is seen through the argument)."""
    last = node.body[-1] if node.body else None
    if not isinstance(last, gast.Return) or last.value is None:
        return False
    # arguments the body never rebinds (one rebound in a loop that may not run is
    # taken as rebound: a rare case, and harmless for the numbers it mostly is)
    params = {a.id for a in node.args.args + node.args.kwonlyargs} - \
        syntax.names_stored(node.body)
    copies = {}
    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                isinstance(stmt.value, gast.Name):
            copies.setdefault(stmt.targets[0].id, set()).add(stmt.value.id)

    def reaches_argument(name, seen=()):
        return name in params or any(reaches_argument(source, seen + (name,))
                                     for source in copies.get(name, ()) if source not in seen)

    items = last.value.elts if isinstance(last.value, gast.Tuple) else [last.value]
    def first_argument(item):
        if isinstance(item, gast.Call) and isinstance(item.func, gast.Name) and \
                item.func.id in passing and item.args:
            return item.args[0]
        return item

    wrapped = [i for i, item in enumerate(items) if isinstance(first_argument(item), gast.Name)
               and reaches_argument(first_argument(item).id)
               and not (keep_value and i == len(items) - 1)]
    for i in wrapped:
        items[i] = syntax.call(syntax.name(copy), items[i])
    if not isinstance(last.value, gast.Tuple):
        last.value = items[0]
    return bool(wrapped)
