"""Which expressions may be moved or dropped: the optimizer's one question."""
from __future__ import annotations

import gast

from .. import syntax
from ..aliases import MUTATING_METHODS


def is_pure(node: gast.AST, local_names: set) -> bool:
    """No call here can change state: method calls on locals (tape.pop) can."""
    for sub in syntax.walk(node):
        if isinstance(sub, gast.Call):
            func = sub.func
            while isinstance(func, gast.Attribute):
                func = func.value
            if isinstance(sub.func, gast.Attribute) and isinstance(func, gast.Name) \
                    and func.id in local_names:
                return False
    return True


def shares_a_written_array(node: gast.FunctionDef) -> set:
    """Names that may refer to an array or list something writes into in place
    (`x[i] = v`, `x += v`, `x.append(v)`), through copies `a = b` and views
    `a = b[...]`: an expression must not become a copy of these."""
    links, written = {}, set()

    def root(name):
        while links.get(name, name) != name:
            name = links[name]
        return name

    for stmt in syntax.statements(node.body):
        if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name):
            written.add(stmt.target.id)
        call = getattr(stmt, "value", None)
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
                isinstance(call.func.value, gast.Name) and call.func.attr in MUTATING_METHODS:
            written.add(call.func.value.id)
        if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            written.add(target.value.id)
        while isinstance(value, (gast.Subscript, gast.Attribute)):
            value = value.value
        if isinstance(target, gast.Name) and isinstance(value, gast.Name):
            links[root(target.id)] = root(value.id)
    roots = {root(name) for name in written}
    return {name for name in set(links) | set(links.values()) | written
            if root(name) in roots}
