"""NumPy calls that write into an array they are given, spelled as index writes.

`np.add(a, b, out=y)` is `y[...] = np.add(a, b)`, `np.copyto(y, x)` is
`y[...] = x`, `y.fill(v)` is `y[...] = v` and `np.add.at(y, i, v)` is
`y[...] = added_at(y, i, v)` (a function with rules: entries named twice add up;
`np.subtract.at` adds the negated values) and `np.fill_diagonal(y, v)` is
`y[diagonal_entries(y)] = v`. `np.put(a, ind, v)`, `np.putmask(a, mask, v)` and
`np.place(a, mask, v)` are `a[<entries>(a, ...)] = np.ravel(v)[<sources>(...)]`
(rules/indexing.py: a's flat entries written, and where in v each value comes
from, v repeated as NumPy repeats it), and `a.sort(axis)` on an array is
`a[...] = np.sort(a, axis)`. Spelled so, the write goes through
the alias analysis and the adjoint of an index write like any other, where the
call itself would be refused as changing its arguments in place. `z = np.add(a,
b, out=y)` also binds z to y, the array the call returns. Only NumPy's functions
are rewritten: a function of the user's own may mean something else by `out`.

Some methods of lists and dicts are spelled with the writes s2sad follows there,
to the same effect on the object: `lst.extend(xs)` appends the items of
`list(xs)` one by one in a loop, and `d.update({k: v}, k2=v2)` writes `d[k] = v`
and `d['k2'] = v2` once every key and value is computed.
"""
from __future__ import annotations

import gast
import numpy as np

from .. import syntax
from ..libraries import is_numpy_function, positional_out
from ..names import Names
from ..parsing import Namespace, ParsedFunction
from ..rules.indexing import (added_at, diagonal_entries, masked_entries, place_sources,
                              put_entries, put_sources, putmask_sources)
from ..runtime import assert_method_of, assert_shuffles_array


def write_outputs_as_index_writes(body: list, parsed: ParsedFunction, params: list,
                                  names: Names) -> None:
    """Rewrite, in place, each statement of `body` (nested ones too) that is such a call."""
    # methods are rewritten on the function's own names only (a global shadowed by
    # a parameter is the parameter)
    local = set(params) | syntax.names_stored(body)
    lists = _list_names(body, parsed.namespace)
    containers = lists | _dict_names(body, parsed.namespace)
    for stmts in syntax.statement_lists(body):
        stmts[:] = [new for stmt in stmts
                    for new in _checked(stmt, parsed, names, local, containers) +
                    _rewritten(stmt, parsed, names, local, lists)]


# methods s2sad takes for a list's, a dict's or an array's by their name alone
_CHECKED_METHODS = ("pop", "append", "fill")


def _checked(stmt: gast.stmt, parsed: ParsedFunction, names: Names, local: set,
             containers: set) -> list:
    """`assert_method_of(obj, 'pop', 'file:line')` for each `obj.pop(...)`,
    `obj.append(...)` or `obj.fill(...)` of the statement on a name the function
    does not bind to a list or dict (a parameter, an object): s2sad writes these
    calls' derivatives as a list's, a dict's or an array's, which a user's method
    of that name is not."""
    if not isinstance(stmt, (gast.Expr, gast.Assign, gast.AugAssign, gast.Return)) or \
            stmt.value is None:
        return []
    return [_method_check(call, parsed, names) for call in _calls_outside_scopes(stmt.value)
            if isinstance(call.func, gast.Attribute) and call.func.attr in _CHECKED_METHODS
            and isinstance(call.func.value, gast.Name) and call.func.value.id in local
            and call.func.value.id not in containers]


def _calls_outside_scopes(node: gast.expr):
    """The calls in `node`, outside lambdas and comprehensions (whose names are
    their own), in the order Python makes them."""
    for child in gast.iter_child_nodes(node):
        if isinstance(child, (gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp,
                              gast.GeneratorExp)):
            continue
        yield from _calls_outside_scopes(child)
    if isinstance(node, gast.Call):
        yield node


def _rewritten(stmt: gast.stmt, parsed: ParsedFunction, names: Names, local: set,
               lists: set) -> list:
    call = getattr(stmt, "value", None)
    single_target = isinstance(stmt, gast.Expr) or \
        (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1)
    if not (isinstance(call, gast.Call) and single_target):
        return [stmt]
    namespace = parsed.namespace
    method = call.func
    local_method = isinstance(stmt, gast.Expr) and isinstance(method, gast.Attribute) and \
        isinstance(method.value, gast.Name) and method.value.id in local
    new = None
    if local_method:
        new = _container_writes(stmt, parsed, names) or \
            _array_sort(stmt, parsed, names, lists)
    if new is None:
        new = _flat_write(stmt, namespace, names) or _shuffle(stmt, parsed, names)
    if new is None:
        write = _as_index_write(call, namespace, names, isinstance(stmt, gast.Expr))
        if write is None:
            return [stmt]
        array, index, value = write
        new = [_index_write(array, index, value)]
        if isinstance(stmt, gast.Assign):  # the call returns the array it wrote
            new.append(syntax.assign(stmt.targets[0], syntax.clone(array)))
    for node in new:
        for inner in [node, *syntax.walk(node)]:  # the operands keep their own places
            if isinstance(inner, (gast.stmt, gast.expr)) and \
                    getattr(inner, "lineno", None) is None:
                gast.copy_location(inner, stmt)
    return new


def _index_write(array: gast.expr, index: gast.expr, value: gast.expr) -> gast.Assign:
    """`array[index] = value`; `y[1:-1] = value` for the whole of `y[1:-1]` (an
    `out=` or np.copyto into a slice), not a write into an item of an item."""
    if isinstance(array, gast.Subscript) and isinstance(index, gast.Constant) and \
            index.value is Ellipsis:
        array, index = array.value, array.slice
    return syntax.assign(gast.Subscript(value=syntax.clone(array), slice=syntax.clone(index),
                                        ctx=gast.Store()), value)


def _flat_write(stmt: gast.stmt, namespace: Namespace, names: Names) -> list | None:
    """`np.put(a, ind, v)`, `np.putmask(a, mask, v)`, `np.place(a, mask, v)` (whose
    result, None, is dropped) as `t = v; a[<entries>] = np.ravel(t)[<sources>]`;
    None for other statements. The operands are computed once, before the
    write, as the call computes them."""
    call = stmt.value
    function = namespace.resolve(call.func)
    if not isinstance(stmt, gast.Expr) or len(call.args) != 3 or \
            function not in (np.put, np.putmask, np.place) or \
            not isinstance(call.args[0], gast.Name):
        return None  # np.put(p.w, ...): the write would go through an attribute
    raising = [k for k in call.keywords if k.arg == "mode" and
               isinstance(k.value, gast.Constant) and k.value.value == "raise"]
    if call.keywords != raising or function is not np.put and raising:
        return None  # mode='wrap' or 'clip': other indices, refused
    array, where, values = call.args
    prelude = []
    operands = []
    for operand in (where, values):  # the index, then the values: as the call
        if isinstance(operand, gast.Name):
            operands.append(operand)
            continue
        temporary = names.fresh("put_operand")
        prelude.append(syntax.assign(temporary, operand))
        operands.append(syntax.name(temporary))
    where, values = operands
    bound = lambda helper: _bound(namespace, names, helper.__name__, helper)
    if function is np.put:
        entries = syntax.call(bound(put_entries), syntax.clone(array), where, values)
        sources = syntax.call(bound(put_sources), syntax.clone(where), syntax.clone(values))
    else:
        entries = syntax.call(bound(masked_entries), syntax.clone(array), where, values,
                              syntax.constant(f"np.{function.__name__}"))
        take = putmask_sources if function is np.putmask else place_sources
        sources = syntax.call(bound(take), syntax.clone(where), syntax.clone(values))
    flat = syntax.call(_bound(namespace, names, "ravel", np.ravel), syntax.clone(values))
    taken = gast.Subscript(value=flat, slice=sources, ctx=gast.Load())
    return prelude + [_index_write(array, entries, taken)]


def _array_sort(stmt: gast.Expr, parsed: ParsedFunction, names: Names,
                lists: set) -> list | None:
    """`a.sort()`, `a.sort(axis)` or `a.sort(axis=k, kind=...)` as `a[...] = np.sort(a,
    axis)`, after a check that a is an array when it runs: list.sort (key=,
    reverse=) stays refused, and so does `lst.sort()` on a name the function binds
    to a list. None for other statements."""
    call = stmt.value
    func = call.func
    if func.attr != "sort":
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    if len(call.args) > 2 or len(keywords) != len(call.keywords) or \
            set(keywords) - {"axis", "kind", "stable"} or \
            set(keywords) & set(("axis", "kind")[:len(call.args)]):
        return None  # order= (fields of a structured array), key=, reverse=
    axis = call.args[0] if call.args else keywords.get("axis", syntax.constant(-1))
    if func.value.id in lists:
        return None
    # the kind of sort (stable or not) changes the order of equal values only
    namespace = parsed.namespace
    sort = syntax.call(_bound(namespace, names, "sort", np.sort), syntax.clone(func.value),
                       axis)
    check = _method_check(stmt, parsed, names)
    return [check, _index_write(func.value, syntax.constant(Ellipsis), sort)]


def _shuffle(stmt: gast.stmt, parsed: ParsedFunction, names: Names) -> list | None:
    """`rng.shuffle(a)` (or `np.random.shuffle(a)`, `rng.shuffle(a, axis=1)`) as
    `a[...] = rng.permutation(a)` (with the axis), after a check that rng is NumPy's
    generator and a an array when it runs; None for other statements."""
    call = stmt.value
    func = call.func
    if not (isinstance(stmt, gast.Expr) and isinstance(func, gast.Attribute) and
            func.attr == "shuffle" and 1 <= len(call.args) <= 2 and
            {k.arg for k in call.keywords} <= {"axis"} and
            isinstance(call.args[0], gast.Name)):  # a Name: L[0][...] = ... rebinds L[0]
        return None
    prelude = []
    generator, array = func.value, call.args[0]
    if syntax.dotted_name(generator) is None:  # np.random.default_rng(0).shuffle(a)
        prelude.append(syntax.assign(names.fresh("generator"), generator))
        generator = syntax.name(prelude[-1].targets[0].id)
    where = parsed.location(stmt)
    check = syntax.call(_bound(parsed.namespace, names, "assert_shuffles_array",
                               assert_shuffles_array),
                        syntax.clone(generator), syntax.clone(array),
                        syntax.constant(f"{where.filename}:{where.lineno}"))
    permuted = gast.Call(func=gast.Attribute(value=syntax.clone(generator), attr="permutation",
                                             ctx=gast.Load()),
                         args=[syntax.clone(a) for a in call.args],  # and its axis
                         keywords=[syntax.clone(k) for k in call.keywords])
    return prelude + [syntax.expr_stmt(check),
                      _index_write(array, syntax.constant(Ellipsis), permuted)]


def _method_check(node: gast.Expr | gast.Call, parsed: ParsedFunction,
                  names: Names) -> gast.Expr:
    """`assert_method_of(obj, 'sort', 'file:line')` for `obj.sort(...)` (a statement
    or the call): where obj turns out to be another object (a list, a user's
    class), whose method may mean something else, the derivative refuses it when
    it runs."""
    call = node.value if isinstance(node, gast.Expr) else node
    method = call.func
    where = parsed.location(node)
    return syntax.expr_stmt(syntax.call(
        _bound(parsed.namespace, names, "assert_method_of", assert_method_of),
        syntax.clone(method.value), syntax.constant(method.attr),
        syntax.constant(f"{where.filename}:{where.lineno}")))


def _container_writes(stmt: gast.Expr, parsed: ParsedFunction, names: Names) -> list | None:
    """`lst.extend(xs)` as `t = list(xs)` and a loop of `lst.append(item)` (a copy
    first, as extend takes lst.extend(lst)); `d.update({k: v, ...}, k2=v2)` as
    `d[k] = v; d['k2'] = v2` once all keys and values are computed, in the order
    update computes and writes them. None for other calls: `d.update(other)`,
    whose items s2sad would have to take from a dict or from pairs, is left as
    it is (refused). Both are checked to run on a list or dict."""
    call, namespace = stmt.value, parsed.namespace
    func = call.func
    receiver = func.value
    if func.attr == "extend" and len(call.args) == 1 and not call.keywords:
        items, item = names.fresh("extended"), names.fresh("item")
        append = syntax.call(gast.Attribute(value=syntax.clone(receiver), attr="append",
                                            ctx=gast.Load()), syntax.name(item))
        listed = syntax.call(_bound(namespace, names, "list", list), call.args[0])
        loop = syntax.for_(item, syntax.name(items), [syntax.expr_stmt(append)])
        syntax.set_anno(loop, "walks_a_list", True)  # no dict: anf.py need not check
        return [_method_check(stmt, parsed, names), syntax.assign(items, listed), loop]
    if func.attr != "update" or len(call.args) > 1 or \
            call.args and not isinstance(call.args[0], gast.Dict) or \
            any(k.arg is None for k in call.keywords) or \
            call.args and any(key is None for key in call.args[0].keys):
        return None  # d.update(other), d.update(**other), {**other}: refused
    pairs = list(zip(call.args[0].keys, call.args[0].values)) if call.args else []
    pairs += [(syntax.constant(k.arg), k.value) for k in call.keywords]
    computed, writes = [], []
    for key, value in pairs:
        operands = []
        for operand in (key, value):
            if syntax.is_literal(operand):
                operands.append(operand)
                continue
            temporary = names.fresh("update_item")
            computed.append(syntax.assign(temporary, operand))
            operands.append(syntax.name(temporary))
        writes.append(_index_write(receiver, *operands))
    return [_method_check(stmt, parsed, names)] + computed + writes


def _list_names(body: list, namespace: Namespace) -> set:
    """Names the function binds to a list somewhere (a display, a comprehension,
    list(...) or sorted(...)), also by unpacking a display (`xs, hs = [], []`):
    `lst.sort()` on one is list.sort."""
    return _names_bound(body, namespace, _makes_list)


def _dict_names(body: list, namespace: Namespace) -> set:
    """Names the function binds to a dict somewhere (a display, a comprehension,
    dict(...)), also by unpacking a display."""
    return _names_bound(body, namespace, _makes_dict)


def _names_bound(body: list, namespace: Namespace, makes) -> set:
    """Names some assignment of `body` binds to a value `makes` accepts."""
    return {name for stmt in syntax.statements(body) if isinstance(stmt, gast.Assign)
            for target in stmt.targets
            for name in _bound_to(target, stmt.value, namespace, makes)}


def _makes_list(value: gast.expr, namespace: Namespace) -> bool:
    return isinstance(value, (gast.List, gast.ListComp)) or \
        isinstance(value, gast.Call) and namespace.resolve(value.func) in (list, sorted)


def _makes_dict(value: gast.expr, namespace: Namespace) -> bool:
    return isinstance(value, (gast.Dict, gast.DictComp)) or \
        isinstance(value, gast.Call) and namespace.resolve(value.func) is dict


def _bound_to(target: gast.expr, value: gast.expr, namespace: Namespace, makes) -> set:
    """The names of `target = value` that get a value `makes` accepts."""
    if makes(value, namespace):
        return syntax.names_stored(target) if isinstance(target, gast.Name) else set()
    if isinstance(target, (gast.Tuple, gast.List)) and \
            isinstance(value, (gast.Tuple, gast.List)) and len(target.elts) == len(value.elts) \
            and not any(isinstance(e, gast.Starred) for e in target.elts + value.elts):
        return {name for t, v in zip(target.elts, value.elts)
                for name in _bound_to(t, v, namespace, makes)}
    return set()


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
    out = [k.value for k in call.keywords if k.arg == "out"]
    at = positional_out(function)
    if at is not None and len(call.args) == at + 1:
        out = [call.args[-1]]  # np.maximum(h, 0, h), np.clip(a, lo, hi, a): out by position
    if out and is_numpy_function(function):
        array = _single_array(out[0])
        if array is not None:
            call.keywords = [k for k in call.keywords if k.arg != "out"]
            call.args = call.args[:at] if at is not None and len(call.args) > at \
                else call.args
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

