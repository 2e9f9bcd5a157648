"""NumPy calls that write into an array they are given, spelled as index writes.

`np.add(a, b, out=y)` is `y[...] = np.add(a, b)`, `np.copyto(y, x)` is
`y[...] = x`, `y.fill(v)` is `y[...] = v` and `np.add.at(y, i, v)` is
`y[...] = added_at(y, i, v)` (a function with rules: entries named twice add up;
`np.subtract.at` adds the negated values) and `np.fill_diagonal(y, v)` is
`y[diagonal_entries(y)] = v`. Spelled so, the write goes through
the alias analysis and the adjoint of an index write like any other, where the
call itself would be refused as changing its arguments in place. `z = np.add(a,
b, out=y)` also binds z to y, the array the call returns. Only NumPy's functions
are rewritten: a function of the user's own may mean something else by `out`.
"""
from __future__ import annotations

import gast
import numpy as np

from .. import syntax
from ..libraries import is_numpy_function
from ..names import Names
from ..parsing import Namespace
from ..rules.indexing import added_at, diagonal_entries


def write_outputs_as_index_writes(body: list, namespace: Namespace, names: Names) -> None:
    """Rewrite, in place, each statement of `body` (nested ones too) that is such a call."""
    for stmts in syntax.statement_lists(body):
        stmts[:] = [new for stmt in stmts for new in _rewritten(stmt, namespace, names)]


def _rewritten(stmt: gast.stmt, namespace: Namespace, names: Names) -> list:
    call = getattr(stmt, "value", None)
    single_target = isinstance(stmt, gast.Expr) or \
        (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1)
    if not (isinstance(call, gast.Call) and single_target):
        return [stmt]
    write = _as_index_write(call, namespace, names, isinstance(stmt, gast.Expr))
    if write is None:
        return [stmt]
    array, index, value = write
    new = [syntax.assign(gast.Subscript(value=array, slice=index, ctx=gast.Store()), value)]
    if isinstance(stmt, gast.Assign):  # the call returns the array it wrote
        new.append(syntax.assign(stmt.targets[0], syntax.clone(array)))
    for node in new:
        gast.copy_location(node, stmt)
    return new


def _as_index_write(call: gast.Call, namespace: Namespace, names: Names, dropped: bool):
    """(the array written, the index, the value written there), or None for other
    calls."""
    whole = syntax.constant(Ellipsis)
    function = namespace.resolve(call.func)
    plain = not call.keywords
    if dropped and plain and len(call.args) == 3 and function in (np.add.at, np.subtract.at):
        array, indices, values = call.args
        if function == np.subtract.at:
            values = syntax.call(_bound(namespace, names, "negative", np.negative), values)
        added = syntax.call(_bound(namespace, names, "added_at", added_at),
                            array, indices, values)
        return syntax.clone(array), whole, added
    out = [k for k in call.keywords if k.arg == "out"]
    if out and is_numpy_function(function):
        array = _single_array(out[0].value)
        if array is not None:
            call.keywords = [k for k in call.keywords if k.arg != "out"]
            return array, whole, call
    if dropped and plain and function is np.copyto and len(call.args) == 2:
        return call.args[0], whole, call.args[1]
    if dropped and plain and function is np.fill_diagonal and len(call.args) == 2:
        array, value = call.args
        entries = syntax.call(_bound(namespace, names, "diagonal_entries", diagonal_entries),
                              syntax.clone(array))
        return array, entries, value
    if dropped and plain and isinstance(call.func, gast.Attribute) and \
            call.func.attr == "fill" and function is None and len(call.args) == 1:
        return call.func.value, whole, call.args[0]  # taken for ndarray.fill, NumPy's own
    return None


def _bound(namespace: Namespace, names: Names, name: str, function) -> gast.Name:
    """A fresh name the derivative's closure binds to `function`."""
    fresh = names.fresh(name)
    namespace.closure[fresh] = function
    return syntax.name(fresh)


def _single_array(node: gast.expr) -> gast.expr | None:
    """`y` for `out=y` or `out=(y,)`; None for a call's several outputs."""
    if isinstance(node, gast.Tuple):
        return node.elts[0] if len(node.elts) == 1 else None
    return None if isinstance(node, gast.Constant) else node  # out=None writes nothing

