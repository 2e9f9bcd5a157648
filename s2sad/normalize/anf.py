"""One operation per statement (administrative normal form).

Every operand in the output is an atom: a name or a literal. Augmented
assignment, tuple unpacking, chained targets, `and`/`or` and conditional
expressions are spelled out with plain assignments and `if` statements.
The test of an `if` or `while` is a name that its body does not assign, so the
adjoint can read the branch taken after the branch has run.
"""
from __future__ import annotations

import functools
import inspect
from collections import Counter
import linecache
import textwrap

import gast

from .. import runtime, syntax
from ..errors import Location, UnsupportedSyntaxError
from ..names import Names
from ..parsing import ParsedFunction
from .calls import Inliner, LocalFunction, Partial, has_user_source, lambda_as_def

AUGMENTED = "augmented"  # on `z = z + v` that the user wrote as `z += v`
WALKS = "walks"  # on `walked(xs)`, what a loop over xs of unknown type walks

_UNSUPPORTED_EXPRESSIONS = {
    gast.SetComp: "a set comprehension",
    gast.NamedExpr: "an assignment expression (:=)",
    gast.Await: "await",
    gast.Yield: "yield outside a generator looped over by a for statement",
    gast.YieldFrom: "yield from",
    gast.Set: "a set literal",
}

# builtins returning an iterator, which unpacks but cannot be indexed
_ITERATORS = (zip, map, filter, reversed, iter, enumerate)

_UNSUPPORTED_STATEMENTS = {
    gast.Global: ("a global statement", "pass values in as arguments and return results."),
    gast.Nonlocal: ("a nonlocal statement", "pass values in as arguments and return results."),
    gast.Delete: ("del", "let the variable go out of scope instead."),
    gast.Try: ("try/except", "move error handling outside the differentiated function."),
    gast.AsyncWith: ("async with", "differentiate synchronous code."),
    gast.AsyncFor: ("async for", "differentiate synchronous code."),
    gast.ClassDef: ("a class definition", "define classes at module level."),
    gast.AsyncFunctionDef: ("a nested async function", "define helpers at module level."),
    gast.Import: ("an import inside the function", "import at module level."),
    gast.ImportFrom: ("an import inside the function", "import at module level."),
    gast.Raise: ("raise", "check inputs before calling the differentiated function."),
}


class ANF:
    """Flattens one parsed function into administrative normal form."""

    def __init__(self, parsed: ParsedFunction, names: Names):
        self.parsed = parsed
        self.names = names
        self.locals = syntax.names_stored(parsed.node)
        self.filename = parsed.filename   # of the function being inlined, if one is
        self.inliner = Inliner(self)
        self.inlined = {}   # {dotted name called: module-level function inlined there}
        self.result_stem = "result"      # of an inlined function: its name + _result
        stores = [n.id for n in syntax.walk(parsed.node)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param))]
        self.rebound = {n for n, count in Counter(stores).items() if count > 1}
        self.tuples = {}  # {name bound once to a tuple display: its length}
        # bound once, to a list or tuple display: a loop over one walks its items
        self.displays = {s.targets[0].id for s in syntax.walk(parsed.node.body)
                         if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                         and s.targets[0].id not in self.rebound and _surely_sequence(s.value)}

    # ------------------------------------------------------------ statements

    def block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            produced = self.stmt(stmt)
            _mark_origin(produced, stmt, syntax.anno(stmt, "filename") or self.filename)
            out.extend(produced)
        return out

    def check_supported(self, body: list, generator: bool = False) -> None:
        """Refuse the first construct outside the subset, in source order, before
        anything else is said about the function. `yield` statements are fine in a
        nested function, or in `body` itself when it is a `generator`'s: calls.py
        inlines generators that a `for` loop walks."""
        nodes = [n for n in syntax.walk(body) if getattr(n, "lineno", None) is not None]
        yields = {id(s.value) for s in syntax.walk(body)
                  if isinstance(s, gast.Expr) and isinstance(s.value, gast.Yield)}
        nested = {id(n) for d in syntax.walk(body) if isinstance(d, gast.FunctionDef)
                  for n in syntax.walk(d.body)}
        calls = [n for n in syntax.walk(body) if isinstance(n, gast.Call)]
        arguments = {id(a) for c in calls for a in c.args}
        # `*hidden, last = layers`: one starred name in an assignment's target
        unpacked = {id(e) for s in syntax.walk(body) if isinstance(s, gast.Assign)
                    for t in s.targets if isinstance(t, (gast.Tuple, gast.List)) and
                    sum(isinstance(e, gast.Starred) for e in t.elts) == 1
                    for e in t.elts if isinstance(e, gast.Starred) and
                    isinstance(e.value, gast.Name)}
        for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
            if isinstance(node, gast.stmt):
                self.refuse_statement(node)
            if isinstance(node, gast.Starred) and isinstance(node.ctx, gast.Store) and \
                    id(node) not in unpacked:
                raise self.unsupported(node, "starred unpacking",
                                       "unpack a fixed number of items.")
            if isinstance(node, gast.Starred) and id(node) not in arguments | unpacked:
                raise self.unsupported(node, "a starred expression",
                                       "list the items one by one.")
            if isinstance(node, gast.Yield) and id(node) in yields and \
                    (generator or id(node) in nested):
                continue
            for kind, what in _UNSUPPORTED_EXPRESSIONS.items():
                if isinstance(node, kind):
                    raise self.unsupported(node, what, _expression_hint(kind))

    def check_supported_in(self, body: list, parsed: ParsedFunction) -> None:
        """check_supported for the body of a function about to be inlined."""
        saved = self.filename
        self.filename = parsed.filename
        try:
            self.check_supported(body, generator=inspect.isgeneratorfunction(parsed.func))
        finally:
            self.filename = saved

    def refuse_statement(self, node: gast.stmt) -> None:
        for kind, (what, hint) in _UNSUPPORTED_STATEMENTS.items():
            if isinstance(node, kind):
                raise self.unsupported(node, what, hint)
        if getattr(self, "visit_" + type(node).__name__, None) is None:
            raise self.unsupported(node, f"the statement {type(node).__name__}",
                                   "rewrite it with assignments, if, for and while.")

    def stmt(self, node: gast.stmt) -> list:
        self.refuse_statement(node)
        return getattr(self, "visit_" + type(node).__name__)(node)

    def visit_Pass(self, node):
        return []

    def visit_FunctionDef(self, node):
        """A nested def runs nowhere by itself: its calls are inlined (calls.py)."""
        if node.name in self.rebound:
            raise self.unsupported(node, f"a nested function '{node.name}' whose name is "
                                         "bound more than once",
                                   "give each function a name of its own.")
        out = []
        self.inliner.define(node.name, node, out)
        return out

    def visit_Expr(self, node):
        if isinstance(node.value, gast.Constant):  # docstring or stray literal
            return []
        out = []
        value = self.operation(node.value, out)
        if _is_pop(value):  # the popped value is data, even if unused
            self.temp(value, out, stem="popped")
        elif isinstance(value, gast.Call):
            out.append(gast.copy_location(syntax.expr_stmt(value), node))
        return out

    def visit_Assign(self, node):
        out = []
        first, *others = node.targets
        if not others and isinstance(first, gast.Name):
            self.assign_name(first.id, node.value, out)
            return out
        if not others and isinstance(first, (gast.Tuple, gast.List)) \
                and isinstance(node.value, (gast.Tuple, gast.List)) \
                and len(first.elts) == len(node.value.elts) \
                and not any(isinstance(e, gast.Starred) for e in first.elts):
            self.assign_parallel(first.elts, node.value.elts, out)
            return out
        value = node.value
        if any(isinstance(t, (gast.Tuple, gast.List)) for t in node.targets) and \
                self.makes_an_iterator(value):  # `xs, ys = zip(*pairs)`: index a tuple
            value = gast.copy_location(syntax.call(self.builtin_reference(tuple), value), value)
        value = self.atom(value, out)
        for target in node.targets:
            self.assign_from(target, value, out)
        return out

    def makes_an_iterator(self, value: gast.expr) -> bool:
        """A call of zip, map, enumerate and the like, or of a dict's items(),
        keys() or values(): what it returns unpacks, but has no items to index."""
        if not isinstance(value, gast.Call):
            return False
        if isinstance(value.func, gast.Attribute) and \
                value.func.attr in ("items", "keys", "values") and not value.args:
            return True
        return self.is_global_reference(value.func) and \
            self.parsed.namespace.resolve(value.func) in _ITERATORS

    def visit_AnnAssign(self, node):
        if node.value is None:
            return []
        return self.visit_Assign(gast.copy_location(syntax.assign(node.target, node.value), node))

    def visit_AugAssign(self, node):
        out = []
        target = node.target
        if isinstance(target, gast.Name):
            value = gast.BinOp(left=syntax.name(target.id), op=node.op, right=node.value)
            self.assign_name(target.id, value, out)
            # an array changes in place: aliases.py checks no other name sees it
            syntax.set_anno(out[-1], AUGMENTED, True)
            return out
        if isinstance(target, gast.Subscript):
            base, index = self.subscript_parts(target, out)
            old = self.temp(gast.Subscript(value=base, slice=index, ctx=gast.Load()), out)
            new = self.temp(gast.BinOp(left=old, op=node.op, right=self.atom(node.value, out)),
                            out)
            out.append(syntax.assign(gast.Subscript(value=base, slice=syntax.clone(index),
                                                    ctx=gast.Store()), new))
            return out
        raise self.unsupported(target, "augmented assignment to an attribute",
                               "assign to a local variable instead.")

    def visit_Return(self, node):
        out = []
        value = self.operation(node.value if node.value is not None else syntax.constant(None),
                               out)
        if not isinstance(value, gast.Name):
            value = self.temp(value, out, stem=self.result_stem)
        out.append(syntax.return_(value))
        return out

    def visit_If(self, node):
        out = []
        body, orelse = self.block(node.body), self.block(node.orelse)
        test = self.branch_test(node.test, body + orelse, out)
        out.append(_annotated(syntax.if_(test, body, orelse), node))
        return out

    def visit_For(self, node):
        """Loops over sequences become loops over indices, so that the adjoint can
        send each element's derivative back to its place in the sequence."""
        self.reject_else(node)
        out = []
        generator = self.inliner.generator(node.iter)
        if generator is not None:
            self.inliner.inline_generator(node, *generator, out)
            return out
        indexed = self.indexed_iteration(node, out)
        if indexed is not None:
            index, head = indexed
            iterable = self.range_of_lengths(head, out)
            target = syntax.name(index, "store")
        else:
            iterable = self.loop_iterable(node.iter, out)
            head, target = [], node.target
        body = self.block(node.body)
        if not isinstance(target, gast.Name):
            item = self.names.fresh("item")
            head = [(target, syntax.name(item))]
            target = syntax.name(item, "store")
        unpack = []
        for element_target, value in head:
            if isinstance(element_target, gast.Name):
                unpack.append(syntax.assign(element_target.id, value))
            else:
                self.assign_from(element_target, value, unpack)
        _mark_origin(unpack, node, self.filename)
        out.append(_annotated(syntax.for_(target, iterable, unpack + body), node))
        return out

    def indexed_iteration(self, node, out):
        """For `for v in xs`, `for i, v in enumerate(xs)` and `for a, b in zip(xs, ys)`:
        the index name and the (target, xs[index]) pairs; None for other loops."""
        iterable, target = node.iter, node.target
        call = self.parsed.namespace.resolve(iterable.func) \
            if isinstance(iterable, gast.Call) and self.is_global_reference(iterable.func) \
            else None
        if call is range:
            return None
        if call is sorted and iterable.args and _indexes_itself(node, iterable.args[0]):
            # `for k in sorted(d): ... d[k]`: sorted keys, which carry no derivative
            iterable.args[0] = gast.Call(func=gast.Attribute(
                value=iterable.args[0], attr="keys", ctx=gast.Load()), args=[], keywords=[])
            return None
        if call in (enumerate, zip):
            pairs = self.zipped_items(iterable, target, node, out, self.names.fresh("i"))
            if pairs is not None:
                return pairs
        if call is zip or call is enumerate:
            return None
        if _is_mapping_view(iterable):
            return self.mapping_iteration(iterable, target, out)
        if isinstance(iterable, gast.Call):
            return None
        index = self.names.fresh("i")
        return index, [(target, _item(self.fixed_sequence(iterable, node, out), index))]

    def zipped_items(self, iterable: gast.expr, target, loop, out: list, index: str):
        """(index, [(target, value)]) for `enumerate(...)` and `zip(...)`, nested in
        each other as deep as the target unpacks them (`for i, (a, b) in
        enumerate(zip(xs, ys))`): every sequence is read at the one shared index.
        None when the target does not unpack the pairs."""
        pairs = self.item_pairs(iterable, target, loop, out, index)
        return None if pairs is None else (index, pairs)

    def item_pairs(self, iterable: gast.expr, target, loop, out: list, index: str):
        call = self.parsed.namespace.resolve(iterable.func) \
            if isinstance(iterable, gast.Call) and self.is_global_reference(iterable.func) \
            else None
        unpacks = isinstance(target, (gast.Tuple, gast.List)) and \
            not any(isinstance(e, gast.Starred) for e in target.elts)
        if call is enumerate and unpacks and len(target.elts) == 2 and iterable.args:
            start = iterable.args[1] if len(iterable.args) > 1 else \
                next((k.value for k in iterable.keywords if k.arg == "start"), None)
            counter = syntax.name(index) if start is None else \
                gast.BinOp(left=syntax.name(index), op=gast.Add(), right=self.atom(start, out))
            inner = self.item_pairs(iterable.args[0], target.elts[1], loop, out, index)
            return None if inner is None else [(target.elts[0], counter)] + inner
        sequences = iterable.args if call is zip else []
        if call is zip and unpacks and len(sequences) == 1 and \
                isinstance(sequences[0], gast.Starred):
            sequences = self.unstarred(sequences[0].value, len(target.elts), out)
        if call is zip and sequences and not iterable.keywords and unpacks \
                and len(target.elts) == len(sequences):
            pairs = []
            for element_target, sequence in zip(target.elts, sequences):
                inner = self.item_pairs(sequence, element_target, loop, out, index)
                if inner is None:
                    return None
                pairs += inner
            return pairs
        if call in (enumerate, zip):
            return None
        return [(target, _item(self.fixed_sequence(iterable, loop, out), index))]

    def unstarred(self, value: gast.expr, count: int, out: list) -> list:
        """`zip(*xs)` unpacked into `count` names is `zip(xs[0], ..., xs[count - 1])`
        when xs has `count` items, which an assert checks (Python would fail to
        unpack otherwise)."""
        sequences = self.atom(value, out)
        length = self.temp(syntax.call(syntax.name("len"), sequences), out)
        same = self.temp(gast.Compare(left=length, ops=[gast.Eq()],
                                      comparators=[syntax.constant(count)]), out)
        out.append(gast.Assert(test=same, msg=None))
        return [gast.Subscript(value=syntax.clone(sequences), slice=syntax.constant(i),
                               ctx=gast.Load()) for i in range(count)]

    def fixed_sequence(self, iterable: gast.expr, loop, out: list) -> gast.expr:
        """The sequence a loop walks, held apart if the body or the loop's target
        (`for x in x`) rebinds its name: Python keeps iterating over the original
        object. One that may be a dict is `walked(xs)`: its keys if it is one."""
        sequence = self.atom(iterable, out)
        surely = _surely_sequence(iterable) or \
            isinstance(iterable, gast.Name) and iterable.id in self.displays
        if not (surely or syntax.anno(loop, "walks_a_list")):
            # a dict walks its keys, not d[0], d[1], ...: which one it is shows
            # when the loop runs
            walk = syntax.call(self.helper(runtime.walked), sequence)
            syntax.set_anno(walk, WALKS, True)
            sequence = self.temp(walk, out, stem="items")
        elif isinstance(sequence, gast.Name) and \
                sequence.id in syntax.names_stored([loop.target] + loop.body):
            sequence = self.temp(sequence, out, stem="items")
        return sequence

    def helper(self, function) -> gast.Name:
        """A name the generated code calls `function` (a runtime helper) by."""
        name = self.names.fresh(function.__name__)
        self.parsed.namespace.closure[name] = function
        return syntax.name(name)

    def mapping_iteration(self, view: gast.Call, target, out):
        """`for k, v in d.items()` as: keys = list(d.keys()); k = keys[i]; v = d[k]
        (d held apart where the target rebinds its name: `for p in p.values()`)."""
        mapping = self.atom(view.func.value, out)
        if isinstance(mapping, gast.Name) and mapping.id in syntax.names_stored(target):
            mapping = self.temp(mapping, out, stem="mapping")
        keys_view = self.temp(syntax.call(gast.Attribute(value=syntax.clone(mapping),
                                                         attr="keys", ctx=gast.Load())), out)
        keys = self.temp(syntax.call(syntax.name("list"), keys_view), out, stem="keys")
        index = self.names.fresh("i")
        kind = view.func.attr
        if kind == "keys":
            return index, [(target, _item(keys, index))]
        unpacked = []  # `for (a, b), v in d.items()`: the key is a tuple, unpacked
        if kind == "items" and isinstance(target, gast.Tuple) and len(target.elts) == 2:
            key, value_target = target.elts
            if not isinstance(key, gast.Name):
                unpacked = [(key, syntax.name(self.names.fresh("key")))]
                key = unpacked[0][1]
        else:
            key, value_target = syntax.name(self.names.fresh("key")), target
            if kind == "items":
                raise self.unsupported(view, "iterating over .items() without unpacking",
                                       "write `for key, value in d.items():`.")
        return index, [(key, _item(keys, index))] + unpacked + \
            [(value_target, _item(mapping, key.id))]

    def range_of_lengths(self, head: list, out: list) -> gast.Call:
        """range(len(xs)), or range(min(len(xs), len(ys))) for several sequences."""
        sequences = [item.value for _, item in head if isinstance(item, gast.Subscript)
                     and isinstance(item.slice, gast.Name)
                     and item.slice.id not in syntax.names_stored([t for t, _ in head])]
        lengths = [self.temp(syntax.call(syntax.name("len"), s), out) for s in sequences]
        count = lengths[0] if len(lengths) == 1 else \
            self.temp(syntax.call(syntax.name("min"), *lengths), out)
        return syntax.call(syntax.name("range"), count)

    def visit_While(self, node):
        self.reject_else(node)
        out = []
        body = self.block(node.body)
        test_stmts = []
        test = self.branch_test(node.test, body, test_stmts)
        _mark_origin(test_stmts, node, self.filename)
        recompute = syntax.clone(test_stmts)
        if body and syntax.anno(body[-1], "loop_exit"):
            body[-1:-1] = recompute
        else:
            body.extend(recompute)
        out.extend(test_stmts)
        out.append(_annotated(syntax.while_(test, body), node))
        return out

    def visit_With(self, node):
        """`with s2sad.insert_grad_of(x) as g:` keeps its body for the backward pass."""
        item = node.items[0] if len(node.items) == 1 else None
        call = item.context_expr if item else None
        if not (isinstance(call, gast.Call) and
                self.parsed.namespace.resolve(call.func) is runtime.insert_grad_of and
                len(call.args) == 1 and isinstance(call.args[0], gast.Name) and
                isinstance(item.optional_vars, gast.Name)):
            raise self.unsupported(node, "a with block",
                                   "move the with block outside the differentiated function "
                                   "(only `with s2sad.insert_grad_of(x) as g:` is understood).")
        hook = gast.With(items=[gast.withitem(context_expr=syntax.clone(call),
                                              optional_vars=syntax.clone(item.optional_vars))],
                         body=self.block(node.body), type_comment=None)
        syntax.set_anno(hook, "grad_hook", (call.args[0].id, item.optional_vars.id))
        return [gast.copy_location(hook, node)]

    def visit_Break(self, node):
        return [node]

    def visit_Assert(self, node):
        out = []
        test = self.atom(node.test, out)
        out.append(gast.copy_location(gast.Assert(test=test, msg=None), node))
        return out

    def visit_Continue(self, node):
        raise self.unsupported(node, "continue", "internal: jumps should be lowered first.")

    # ------------------------------------------------------------ assignment helpers

    def assign_name(self, target: str, value: gast.expr, out: list) -> None:
        """`target = value`, with value flattened to one operation."""
        value = self.map_as_comprehension(value)
        if isinstance(value, (gast.ListComp, gast.GeneratorExp, gast.DictComp)) and \
                target not in syntax.names_loaded(value):
            # filled under its own name: a list or dict nobody else refers to
            filled = self.expr_DictComp if isinstance(value, gast.DictComp) else \
                self.expr_ListComp
            filled(value, out, target)
            return
        rhs = self.operation(value, out)
        if isinstance(rhs, gast.Name) and rhs.id == target:
            return  # `x = x` does nothing
        if target not in self.rebound:
            self.note_tuple(target, rhs)
        if self.bind_function(target, rhs, value):
            return
        if target in syntax.names_loaded(rhs) and not isinstance(rhs, gast.Name):
            rhs = self.temp(rhs, out)
        out.append(gast.copy_location(syntax.assign(target, rhs), value))

    def bind_function(self, target: str, rhs: gast.expr, value: gast.expr) -> bool:
        """`f = lambda ...`, `act = np.tanh`: calls of `target` go to that function.
        True when nothing is left to run (a function that exists only inlined)."""
        known = self.inliner.functions.get(rhs.id) if isinstance(rhs, gast.Name) else \
            self.inliner.global_function(rhs)
        if known is None:
            return False
        local = not isinstance(known, gast.expr)
        if target in self.rebound:
            if local:
                raise self.unsupported(value, f"a function bound to '{target}', which is "
                                              "bound more than once",
                                       "give each function a name of its own.")
            return False
        self.inliner.functions[target] = known
        return local

    def assign_parallel(self, targets: list, values: list, out: list) -> None:
        """`a, b = x, y`: evaluate every value before binding any target."""
        stored = syntax.names_stored(targets)
        atoms = []
        for value in values:
            atom = self.atom(value, out)
            if isinstance(atom, gast.Name) and atom.id in stored:
                atom = self.temp(atom, out)
            atoms.append(atom)
        for target, atom in zip(targets, atoms):
            self.assign_from(target, atom, out)

    def assign_from(self, target: gast.expr, value: gast.expr, out: list) -> None:
        """Bind `target` (name, subscript or nested tuple) to the atom `value`."""
        if isinstance(target, gast.Name):
            out.append(syntax.assign(target.id, syntax.clone(value)))
        elif isinstance(target, (gast.Tuple, gast.List)):
            if not syntax.is_atom(value):  # pairs[i] -> t = pairs[i]; a = t[0]; ...
                value = self.temp(value, out)
            for i, elt in enumerate(target.elts):
                item = self.unpacked_item(value, target.elts, i, out)
                elt = elt.value if isinstance(elt, gast.Starred) else elt
                if isinstance(elt, gast.Name):
                    out.append(syntax.assign(elt.id, item))
                else:
                    self.assign_from(elt, self.temp(item, out), out)
        elif isinstance(target, gast.Subscript):
            base, index = self.subscript_parts(target, out)
            out.append(syntax.assign(gast.Subscript(value=base, slice=index, ctx=gast.Store()),
                                     syntax.clone(value)))
        else:
            raise self.unsupported(target, "assignment to an attribute",
                                   "assign to a local variable; s2sad does not write into "
                                   "objects.")

    def unpacked_item(self, value: gast.expr, elts: list, i: int, out: list) -> gast.expr:
        """What unpacking `value` into `elts` binds to the i-th: `value[i]`, or after a
        starred target `value[i - len(elts)]`; the starred one, `*rest`, the list of
        the items between (`list(value[1:-1])`)."""
        starred = next((k for k, e in enumerate(elts) if isinstance(e, gast.Starred)), None)
        if starred is None or i < starred:
            index = syntax.constant(i)
        elif i > starred:
            index = syntax.constant(i - len(elts))
        else:
            after = len(elts) - i - 1
            part = gast.Subscript(value=syntax.clone(value), ctx=gast.Load(), slice=gast.Slice(
                lower=syntax.constant(i) if i else None,
                upper=syntax.constant(-after) if after else None, step=None))
            return syntax.call(self.builtin_reference(list), self.temp(part, out))
        return gast.Subscript(value=syntax.clone(value), slice=index, ctx=gast.Load())

    def subscript_parts(self, node: gast.Subscript, out: list):
        base = node.value
        if isinstance(base, gast.Subscript):
            raise self.unsupported(node, "assignment into an item of an item "
                                   "(`a[i][j] = v`)",
                                   "for a NumPy array write a[i, j] = v; for a list or "
                                   "dict of arrays or lists, fill the item before storing "
                                   "it (row = np.zeros(n); row[j] = v; a[i] = row), or "
                                   "change a copy and put it back: row = list(a[i]); "
                                   "row[j] = v; a[i] = row.")
        if not isinstance(base, gast.Name):
            raise self.unsupported(node, "assignment through a view made in the "
                                   "assignment (`x.flat[i] = v`, `x.reshape(...)[i] = v`)",
                                   "index the array itself: x[np.unravel_index(i, x.shape)]"
                                   " = v, or x[i] = v on an array of the view's shape.")
        if base.id not in self.locals:
            raise self.unsupported(node, "assignment into a non-local container",
                                   "copy the array into a local variable first.")
        return syntax.name(base.id), self.index(node.slice, out)

    # ------------------------------------------------------------ expressions

    def temp(self, value: gast.expr, out: list, stem: str = "t") -> gast.Name:
        identifier = self.names.fresh(stem)
        out.append(gast.copy_location(syntax.assign(identifier, value), value))
        self.note_tuple(identifier, value)
        return syntax.name(identifier)

    def note_tuple(self, name: str, value: gast.expr) -> None:
        """Remember a name bound once to a tuple display (a temporary, an inlined
        helper's `args=(M, e)`): a call may unpack it, `f(x, *args)`."""
        if isinstance(value, gast.Tuple) and \
                not any(isinstance(e, gast.Starred) for e in value.elts):
            self.tuples[name] = len(value.elts)
        elif isinstance(value, gast.Name) and value.id in self.tuples:
            self.tuples[name] = self.tuples[value.id]

    def tuple_items(self, arg: gast.expr, out: list) -> list:
        """`*args` of such a tuple as its items, `args[0], args[1]` (scipy's
        `f(x, *args)` convention); any other argument as it is."""
        if not (isinstance(arg, gast.Starred) and isinstance(arg.value, gast.Name) and
                arg.value.id in self.tuples):
            return [arg]
        return [self.temp(gast.Subscript(value=syntax.name(arg.value.id),
                                         slice=syntax.constant(i), ctx=gast.Load()), out)
                for i in range(self.tuples[arg.value.id])]

    def atom(self, node: gast.expr, out: list) -> gast.expr:
        """A name or literal holding the value of `node`."""
        if syntax.is_atom(node):
            return syntax.clone(node)
        value = self.operation(node, out)
        if syntax.is_atom(value):
            return value
        return self.temp(value, out)

    def operation(self, node: gast.expr, out: list) -> gast.expr:
        """An expression with one operation whose operands are atoms."""
        for kind, what in _UNSUPPORTED_EXPRESSIONS.items():
            if isinstance(node, kind):
                raise self.unsupported(node, what, _expression_hint(kind))
        if syntax.is_atom(node):
            return syntax.clone(node)
        node = self.map_as_comprehension(node)
        handler = getattr(self, "expr_" + type(node).__name__, None)
        if handler is None:
            raise self.unsupported(node, f"the expression {type(node).__name__}",
                                   "rewrite it with simpler operations.")
        return gast.copy_location(handler(node, out), node)

    def expr_BinOp(self, node, out):
        return gast.BinOp(left=self.atom(node.left, out), op=node.op,
                          right=self.atom(node.right, out))

    def expr_JoinedStr(self, node, out):
        """f"W{i}" as "W" + str(i): a string, which carries no derivative."""
        if len(node.values) == 1 and isinstance(node.values[0], gast.FormattedValue):
            return self.formatted(node.values[0], out)
        parts = [syntax.constant(value.value) if isinstance(value, gast.Constant)
                 else self.temp(self.formatted(value, out), out) for value in node.values]
        text = parts[0] if parts else syntax.constant("")
        for k, part in enumerate(parts[1:], 2):
            joined = gast.BinOp(left=text, op=gast.Add(), right=part)
            text = joined if k == len(parts) else self.temp(joined, out)
        return text

    def formatted(self, node: gast.FormattedValue, out: list) -> gast.Call:
        """`{x!r:>8}` as format(repr(x), '>8'): one call, on an atom."""
        value = self.atom(node.value, out)
        conversion = {ord("r"): repr, ord("a"): ascii, ord("s"): str}.get(node.conversion)
        spec = node.format_spec
        if spec is not None and not all(isinstance(v, gast.Constant) for v in spec.values):
            raise self.unsupported(node, "a format spec with a replacement field in an "
                                   "f-string", "format the value in a separate step.")
        if conversion is not None and spec is not None:
            value = self.temp(syntax.call(self.builtin_reference(conversion), value), out)
        if spec is not None:
            text = "".join(v.value for v in spec.values)
            return syntax.call(self.builtin_reference(format), value, syntax.constant(text))
        return syntax.call(self.builtin_reference(conversion or str), value)

    def expr_UnaryOp(self, node, out):
        if isinstance(node.op, gast.UAdd):
            return self.atom(node.operand, out)
        return gast.UnaryOp(op=node.op, operand=self.atom(node.operand, out))

    def expr_Compare(self, node, out):
        operands = [self.atom(e, out) for e in [node.left] + node.comparators]
        pairs = [gast.Compare(left=a, ops=[op], comparators=[b])
                 for a, op, b in zip(operands, node.ops, operands[1:])]
        if len(pairs) == 1:
            return pairs[0]
        return self.expr_BoolOp(gast.BoolOp(op=gast.And(), values=pairs), out)

    def expr_BoolOp(self, node, out):
        """`a and b` as: left = a; if left: result = b else: result = left."""
        result = self.names.fresh("t")
        self._short_circuit(node.op, node.values, result, out)
        return syntax.name(result)

    def _short_circuit(self, op, values: list, result: str, out: list) -> None:
        first, rest = values[0], values[1:]
        if not rest:
            self.assign_name(result, first, out)
            return
        left = self.atom(first, out)
        if isinstance(left, gast.Name) and left.id == result:
            left = self.temp(left, out)
        evaluate_rest = []
        self._short_circuit(op, rest, result, evaluate_rest)
        keep_left = [syntax.assign(result, syntax.clone(left))]
        if isinstance(op, gast.And):
            out.append(syntax.if_(left, evaluate_rest, keep_left))
        else:
            out.append(syntax.if_(left, keep_left, evaluate_rest))

    def expr_IfExp(self, node, out):
        result = self.names.fresh("t")
        body, orelse = [], []
        self.assign_name(result, node.body, body)
        self.assign_name(result, node.orelse, orelse)
        test = self.branch_test(node.test, body + orelse, out)
        out.append(syntax.if_(test, body, orelse))
        return syntax.name(result)

    def expr_ListComp(self, node, out, items: str | None = None):
        """`[f(x) for x in xs if c(x)]` as a loop appending to a fresh list (named
        `items` when given: the comprehension's target, which it does not read)."""
        items = items or self.names.fresh("items")
        out.append(syntax.assign(items, gast.List(elts=[], ctx=gast.Load())))
        renamed = self.comprehension_targets(node, items)
        append = syntax.expr_stmt(syntax.call(
            gast.Attribute(value=syntax.name(items), attr="append", ctx=gast.Load()),
            syntax.substitute(node.elt, renamed)))
        return self.comprehension_loops(node, append, renamed, items, out)

    expr_GeneratorExp = expr_ListComp

    def expr_DictComp(self, node, out, entries: str | None = None):
        """`{k: f(v) for k, v in d.items()}` as a loop writing into a fresh dict
        (named `entries` when given: the comprehension's target)."""
        entries = entries or self.names.fresh("entries")
        out.append(syntax.assign(entries, gast.Dict(keys=[], values=[])))
        renamed = self.comprehension_targets(node, entries)
        entry = gast.Subscript(value=syntax.name(entries),
                               slice=syntax.substitute(node.key, renamed), ctx=gast.Store())
        write = syntax.assign(entry, syntax.substitute(node.value, renamed))
        return self.comprehension_loops(node, write, renamed, entries, out)

    def comprehension_targets(self, node, made: str) -> dict:
        """{target: fresh name}: a comprehension's variables do not leak into the
        function's, as in Python 3."""
        renamed = {}
        for generator in node.generators:
            for target in syntax.names_stored(generator.target):
                renamed[target] = self.names.fresh(target)
        self.locals |= set(renamed.values()) | {made}
        return renamed

    def comprehension_loops(self, node, innermost: gast.stmt, renamed: dict, made: str,
                            out: list) -> gast.Name:
        """The loops (and ifs) of a comprehension's generators around `innermost`."""
        body = [gast.copy_location(innermost, node)]
        for k in reversed(range(len(node.generators))):
            generator = node.generators[k]
            for condition in reversed(generator.ifs):
                body = [gast.copy_location(
                    syntax.if_(syntax.substitute(condition, renamed), body), node)]
            # an iterable sees the targets of the generators before it only: the
            # first is read in the function's scope (`[x * 2 for x in x]`)
            before = {name: renamed[name] for earlier in node.generators[:k]
                      for name in syntax.names_stored(earlier.target)}
            loop = syntax.for_(syntax.substitute(generator.target, renamed),
                               syntax.substitute(generator.iter, before), body)
            body = [gast.copy_location(loop, node)]
        out.extend(self.block(body))
        return syntax.name(made)

    def expr_Lambda(self, node, out):
        name = self.names.fresh("lambda_")
        self.inliner.define(name, lambda_as_def(node, name), out)
        return syntax.name(name)

    def expr_Call(self, node, out):
        if any(k.arg is None for k in node.keywords):
            raise self.unsupported(node, "**kwargs in a call", "pass keywords explicitly.")
        func = node.func
        if not self.is_global_reference(func):
            func = self.atom(func, out) if not isinstance(func, gast.Attribute) else \
                gast.Attribute(value=self.atom(func.value, out), attr=func.attr, ctx=gast.Load())
        args = [gast.Starred(value=self.atom(a.value, out), ctx=gast.Load())
                if isinstance(a, gast.Starred) else self.inliner.operand(a, out)
                for a in node.args]
        keywords = {k.arg: self.inliner.operand(k.value, out) for k in node.keywords}
        return self.call(func, args, keywords, node, out)

    def call(self, func: gast.expr, args: list, keywords: dict, node, out: list):
        """A call with atoms as operands; inlined where calls.py says so."""
        args = [item for arg in args for item in self.tuple_items(arg, out)]
        callee = self.inliner.callee(func)
        if any(isinstance(a, gast.Starred) for a in args) and \
                (callee is not None or self.calls_user_function(func)):
            raise self.unsupported(node, "a starred argument (*args) in a call of a "
                                         "function s2sad differentiates through",
                                   "pass the arguments one by one.")
        if isinstance(callee, Partial):
            return self.call(callee.target, callee.args + args,
                             {**callee.keywords, **keywords}, node, out)
        if isinstance(callee, LocalFunction):
            return self.inliner.inline(callee, args, keywords, node, out)
        if callee is not None:  # a name bound to a global function
            func = callee
        value = self.parsed.namespace.resolve(func) if self.is_global_reference(func) else None
        if value is functools.partial and args:
            return self.partial(args, keywords, node)
        if value in (max, min) and args and not keywords and \
                not any(isinstance(a, gast.Starred) for a in args):
            return self.extremum(value, func, args, out)
        if value is not None and self.inliner.should_inline(value, args, keywords):
            return self.inliner.inline(self.inliner.module_function(value, func), args,
                                       keywords, node, out)
        return gast.Call(func=syntax.clone(func), args=args,
                         keywords=[gast.keyword(arg=k, value=v) for k, v in keywords.items()])

    def extremum(self, which, func: gast.expr, args: list, out: list) -> gast.expr:
        """The builtin max or min of several values as pairs, `max(max(a, b), c)`,
        whose rule is registered; of one sequence, its item at the index of the
        largest (smallest) one, which indexing differentiates."""
        if len(args) == 1:
            helper = runtime.index_of_max if which is max else runtime.index_of_min
            name = self.names.fresh(helper.__name__)
            self.parsed.namespace.closure[name] = helper
            index = self.temp(syntax.call(syntax.name(name), args[0]), out)
            return gast.Subscript(value=args[0], slice=index, ctx=gast.Load())
        value = args[0]
        for arg in args[1:-1]:
            value = self.temp(syntax.call(syntax.clone(func), value, arg), out)
        return syntax.call(syntax.clone(func), value, args[-1])

    def calls_user_function(self, func: gast.expr) -> bool:
        if not self.is_global_reference(func):
            return False
        return has_user_source(self.parsed.namespace.resolve(func))

    def partial(self, args: list, keywords: dict, node) -> gast.Name:
        """`functools.partial(f, a)`: a function value that calls f with a first."""
        target = args[0]
        known = self.inliner.callee(target) if isinstance(target, gast.Name) else None
        name = self.names.fresh("partial")
        self.inliner.functions[name] = Partial(known if known is not None else target,
                                               args[1:], keywords)
        return syntax.name(name)

    def map_as_comprehension(self, node: gast.expr) -> gast.expr:
        """`map(f, xs, ys)` and `list(map(...))` as `[f(x, y) for x, y in zip(xs, ys)]`,
        a dict's `d.values()` as a value (`sum(d.values())`) as `[v for v in
        d.values()]`, which a loop walks; any other expression as it is."""
        if _is_mapping_view(node) and node.func.attr in ("values", "items"):
            item = syntax.name(self.names.fresh("item"), "store")
            comprehension = gast.ListComp(elt=syntax.as_load(item), generators=[
                gast.comprehension(target=item, iter=node, ifs=[], is_async=0)])
            return gast.copy_location(comprehension, node)
        if not (isinstance(node, gast.Call) and not node.keywords and node.args and
                self.is_global_reference(node.func)):
            return node
        called = self.parsed.namespace.resolve(node.func)
        if called is list and len(node.args) == 1:
            inner = self.map_as_comprehension(node.args[0])
            return inner if isinstance(inner, gast.ListComp) else node
        if called is not map or len(node.args) < 2 or \
                any(isinstance(a, gast.Starred) for a in node.args):
            return node
        items = [syntax.name(self.names.fresh("item"), "store") for _ in node.args[1:]]
        target = items[0] if len(items) == 1 else syntax.tuple_(items, "store")
        iterable = node.args[1] if len(node.args) == 2 else \
            syntax.call(self.builtin_reference(zip), *node.args[1:])
        elt = syntax.call(node.args[0], *[syntax.as_load(i) for i in items])
        comprehension = gast.ListComp(elt=elt, generators=[gast.comprehension(
            target=target, iter=iterable, ifs=[], is_async=0)])
        return gast.copy_location(comprehension, node)

    def builtin_reference(self, builtin) -> gast.Name:
        """A name for a builtin (zip, tuple) in the normal form: its own name, unless
        the function's code or globals use that name for something else."""
        name = builtin.__name__
        if self.parsed.namespace.lookup(name, None) is builtin and name not in self.locals:
            return syntax.name(name)
        fresh = self.names.fresh(name + "_")
        self.parsed.namespace.closure[fresh] = builtin
        return syntax.name(fresh)

    def expr_Attribute(self, node, out):
        if self.is_global_reference(node):
            return syntax.clone(node)
        return gast.Attribute(value=self.atom(node.value, out), attr=node.attr, ctx=gast.Load())

    def expr_Subscript(self, node, out):
        return gast.Subscript(value=self.atom(node.value, out), slice=self.index(node.slice, out),
                              ctx=gast.Load())

    def expr_Tuple(self, node, out):
        return syntax.tuple_(self.atom(e, out) for e in node.elts)

    def expr_List(self, node, out):
        return gast.List(elts=[self.atom(e, out) for e in node.elts], ctx=gast.Load())

    def expr_Dict(self, node, out):
        if any(k is None for k in node.keys):
            raise self.unsupported(node, "** unpacking in a dict", "list the keys explicitly.")
        return gast.Dict(keys=[self.atom(k, out) for k in node.keys],
                         values=[self.atom(v, out) for v in node.values])

    def index(self, node: gast.expr, out: list) -> gast.expr:
        """A subscript's index with every part an atom (slices kept as slices)."""
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return syntax.tuple_(self.index(e, out) for e in node.elts)
        return self.atom(node, out)

    # ------------------------------------------------------------ control-flow helpers

    def branch_test(self, test: gast.expr, body: list, out: list) -> gast.Name:
        """A name for the test that the branches do not reassign."""
        value = self.operation(test, out)
        if isinstance(value, gast.Name) and value.id not in syntax.names_stored(body):
            return value
        return self.temp(value, out, stem="cond")

    def loop_iterable(self, node: gast.expr, out: list) -> gast.expr:
        if isinstance(node, gast.Call) and self.parsed.namespace.resolve(node.func) is range \
                and not node.keywords:
            return gast.Call(func=syntax.clone(node.func),
                             args=[self.atom(a, out) for a in node.args], keywords=[])
        return self.atom(node, out)

    def is_global_reference(self, node: gast.expr) -> bool:
        """`np.sin`, `math.pi`, `helper`: a dotted name not rooted in a local."""
        dotted = syntax.dotted_name(node)
        return dotted is not None and dotted.split(".")[0] not in self.locals

    def reject_else(self, node):
        if node.orelse:
            raise self.unsupported(node, f"an else clause on a {type(node).__name__.lower()} loop",
                                   "use a flag variable set before break instead.")

    def unsupported(self, node, what: str, hint: str) -> UnsupportedSyntaxError:
        lineno = getattr(node, "lineno", None) or self.parsed.node.lineno
        return UnsupportedSyntaxError(
            f"s2sad cannot differentiate {what} (in {self.parsed.described})",
            Location(self.filename, lineno, getattr(node, "col_offset", 0) or 0), hint=hint)


def _is_pop(value: gast.expr) -> bool:
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
        and value.func.attr == "pop" and isinstance(value.func.value, gast.Name)



def _indexes_itself(loop: gast.For, walked: gast.expr | None = None) -> bool:
    """Does the body read `xs[v]` where the loop walks `walked`, made from xs
    (`for v in sorted(xs)`)? Then xs is taken for a dict."""
    walked = loop.iter if walked is None else walked
    if not (isinstance(walked, gast.Name) and isinstance(loop.target, gast.Name)):
        return False
    return any(isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
               and n.value.id == walked.id and isinstance(n.slice, gast.Name)
               and n.slice.id == loop.target.id for n in syntax.walk(loop.body))


def _surely_sequence(node: gast.expr) -> bool:
    """Is `node` a list, tuple or string whatever the values (a display, a
    comprehension, a literal, such joined by +)? Other iterables may be dicts."""
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Add):
        return _surely_sequence(node.left) or _surely_sequence(node.right)
    return isinstance(node, (gast.List, gast.Tuple, gast.ListComp, gast.GeneratorExp)) or \
        isinstance(node, gast.Constant) and isinstance(node.value, str)


def _is_mapping_view(node: gast.expr) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr in ("items", "values", "keys") and not node.args


def _item(sequence: gast.expr, index: str) -> gast.Subscript:
    return gast.Subscript(value=syntax.clone(sequence), slice=syntax.name(index), ctx=gast.Load())


def _expression_hint(kind) -> str:
    if kind in (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp):
        return "write the comprehension as a for loop."
    if kind is gast.Lambda:
        return "define the function at module level and call it."
    return "rewrite the expression with plain assignments."


def _annotated(new: gast.stmt, original: gast.stmt) -> gast.stmt:
    syntax.copy_annos(original, new)
    return gast.copy_location(new, original)


def _mark_origin(produced: list, original: gast.stmt, filename: str) -> None:
    """Record on each produced statement the user statement it came from."""
    text = _source_text(original, filename)
    for node in syntax.statements(produced):
        if not hasattr(node, syntax.ANNO_PREFIX + "origin"):
            syntax.set_anno(node, "origin", text)
            if getattr(node, "lineno", None) is None and getattr(original, "lineno", None):
                gast.copy_location(node, original)


def _source_text(node: gast.stmt, filename: str) -> str | None:
    """The user's own text of a simple statement, or its first line for a compound one."""
    lineno = getattr(node, "lineno", None)
    if lineno is None:
        return None
    last = getattr(node, "end_lineno", lineno) or lineno
    if isinstance(node, (gast.If, gast.For, gast.While)):
        last = lineno
    lines = [linecache.getline(filename, i) for i in range(lineno, last + 1)]
    text = textwrap.dedent("".join(lines)).strip()
    return " ".join(line.strip() for line in text.splitlines()) or None

