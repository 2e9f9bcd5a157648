"""Lists given to NumPy functions, made arrays first, as NumPy makes them.

`np.dot(xs, w)` on a list `xs` the function builds computes `np.dot(asarray(xs),
w)`. Spelled so, the list's derivative goes through np.asarray's rule (the
derivatives of its items) and the function's own rule meets an array, which its
helpers expect (they failed on lists, or took `*` for repetition). Functions that
take a sequence of arrays as such (`np.stack`, `np.concatenate`, `np.einsum`) keep
it, and so does `np.sum`, whose rule adds a list item by item.
"""
from __future__ import annotations

import gast
import numpy as np

from .. import analysis, registry, syntax
from ..libraries import is_numpy_function
from ..names import Names
from ..parsing import Namespace
from ..primitives import primitive_of

SEQUENCE_TAKERS = frozenset({
    np.concatenate, np.stack, np.hstack, np.vstack, np.dstack, np.column_stack, np.block,
    np.einsum, np.meshgrid, np.broadcast_arrays, np.select, np.piecewise, np.array,
    np.asarray, np.asanyarray, np.ascontiguousarray, np.linalg.multi_dot, np.sum,
})


def convert_list_operands(node: gast.FunctionDef, params: list, namespace: Namespace,
                          names: Names) -> None:
    """Rewrite, in the normalized `node`, NumPy calls on the lists it builds."""
    local = set(params) | syntax.names_stored(node)
    def classify(value):
        return primitive_of(value, namespace, local)
    sequences = analysis.sequence_names(node.body, params, classify)
    if not sequences:
        return
    converter = None
    for stmts in syntax.statement_lists(node.body):
        new = []
        converted = {}  # list name -> its array, while the statements only read it
        for stmt in stmts:
            positions = _list_operands(stmt, sequences, namespace)
            if not positions:
                for name in syntax.all_names(stmt) & set(converted):
                    del converted[name]
            for position in positions:
                listed = stmt.value.args[position].id
                if listed not in converted:
                    if converter is None:
                        converter = names.fresh("asarray")
                        namespace.closure[converter] = np.asarray
                    converted[listed] = names.fresh(listed)
                    conversion = syntax.assign(converted[listed], syntax.call(
                        syntax.name(converter), syntax.name(listed)))
                    new.append(gast.copy_location(conversion, stmt))
                stmt.value.args[position] = syntax.name(converted[listed])
            new.append(stmt)
            for name in syntax.names_stored(stmt) & set(converted):  # xs = np.sort(xs)
                del converted[name]
        stmts[:] = new


def _list_operands(stmt: gast.stmt, sequences: set, namespace: Namespace) -> list:
    """The positions of the list arguments of `stmt`'s call to a NumPy function
    whose rule differentiates in them (not an `axis=(0, 2)`)."""
    call = getattr(stmt, "value", None)
    if not isinstance(stmt, gast.Assign) or not isinstance(call, gast.Call):
        return []
    function = namespace.resolve(call.func)
    if not is_numpy_function(function) or function in SEQUENCE_TAKERS:
        return []
    rule = registry.adjoint_of(function)
    return [i for i, arg in enumerate(call.args) if isinstance(arg, gast.Name) and
            arg.id in sequences and rule is not None and rule.gives_derivative(i)]

