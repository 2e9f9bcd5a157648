"""Refusals of calls that change, in place, what the reverse sweep reads: an array
f read before the call (`normalize(mask)` after `y = w * mask`), through an
alias, a view, a container, a method of its object, a function value, or a
module-level array a helper writes. The adjoints of the earlier reads would see
the new values. Forward mode follows such calls: a tangent is computed where its
operands are read."""
from __future__ import annotations

import functools
import inspect

import gast

from .. import aliases, outside, syntax
from ..errors import NonDifferentiableError, UnsupportedSyntaxError
from ..libraries import is_installed

# methods of lists and dicts (d.keys(), xs.index(v)): a user's object may have one
# of these names too, but far more often the receiver is the built-in container
_CONTAINER_METHODS = frozenset(dir(list)) | frozenset(dir(dict))

# ndarray methods that change their array (those s2sad follows are rewritten as
# index writes where they stand alone: a.sort(), a.fill(v))
_ARRAY_WRITES = frozenset({"partition", "put", "itemset", "resize", "sort", "fill",
                           "setfield", "byteswap"})


def _changed_array(call: gast.Call) -> gast.Name | None:
    """The variable a call changes in place: `a` of `a.partition(k)`, `z = a.sort()`,
    `z = rng.shuffle(a)`, `rng.shuffle(L[0])` (L), `rng.permuted(a, out=a)`; None
    for other calls."""
    func = call.func
    out = [k.value for k in call.keywords if k.arg == "out"]
    changed = out[0] if out else None
    if isinstance(func, gast.Attribute) and changed is None:
        changed = call.args[0] if func.attr == "shuffle" and call.args else \
            func.value if func.attr in _ARRAY_WRITES else None
    while isinstance(changed, (gast.Subscript, gast.Attribute)):
        changed = changed.value
    return changed if isinstance(changed, gast.Name) else None


def _known_when_run(key) -> bool:
    """A call of a function value (`fn(m)`, `OPS["s"](m)`), a partial, or an object of
    a class of the user's: which function runs is known when the call runs."""
    if isinstance(key, tuple):
        return key[0] == "call"
    if isinstance(key, functools.partial):
        return True
    call = getattr(type(key), "__call__", None)
    return not isinstance(key, type) and inspect.isfunction(call) and not is_installed(call)


class ConstantChanges:
    """Mixin of EffectChecks: reads `self.body`, `self.classify`, `self.spelled`,
    `self.bound_arguments`, `self.augmented_arguments`; fills
    `self.argument_checks`, `self.kept_arguments`, `self.augment_checks`."""

    def check_constants_kept(self, stmt) -> None:
        """`normalize(mask)` or `rng_helper(idx, rng)`, a call without derivatives that
        changes in place a variable of f read before it (or in its loop): the
        adjoints of those reads would see the new values. Refused; for a method of
        an object, and a `p += g` on an array, when the call runs."""
        if self.prefix != "b" or id(stmt) in self.in_hooks:  # a tangent is computed
            return  # where its operands are read; a hook runs in the adjoint sweep
        groups = self.share_groups  # `m2 = mask; helper(m2)`: mask's
        read = {groups(name) for name in self.read_before(stmt)}

        def was_read(argument) -> bool:
            return isinstance(argument, gast.Name) and groups(argument.id) in read
        call = stmt.value
        if not any(was_read(a) for a in syntax.walk(call) if isinstance(a, gast.Name)
                   and a.id in self.local_names):
            return
        changed = _changed_array(call)
        if changed is not None and was_read(changed):
            raise NonDifferentiableError(
                f"s2sad cannot follow {syntax.dotted_name(call.func) or 'the call'}(...), "
                f"which changes '{self.spelled(changed.id)}' in "
                f"place after {self.fn.parsed.described} read it (the derivative would "
                "read it changed)", self.fn.parsed.location(stmt),
                hint="work on a copy (`a = a.copy()` first), or "
                     "write the statement on its own line (`a.sort()`, `rng.shuffle(a)`), "
                     "which s2sad follows.")
        primitive = self.classify(call)
        key = primitive.key if primitive is not None else None
        method = isinstance(key, tuple) and key[0] == "method" and \
            key[1] not in _CONTAINER_METHODS and call.func.value.id not in self.array_names
        if method or _known_when_run(key):  # obj.scale(m), OPS["s"](m), a partial
            passed = list(enumerate(call.args)) + [(k.arg, k.value) for k in call.keywords]
            if method and call.func.value.id in self.attributes_read:  # `o.buf`, then
                passed.append((None, call.func.value))  # `self.buf *= 2`
            kept = {at: a.id for at, a in passed if was_read(a)}
            if kept:
                self.argument_checks.add(id(stmt))
                self.kept_arguments[id(stmt)] = kept
            return
        function = getattr(key, "__func__", key)  # a global object's method
        for param, argument in self.bound_arguments(key, call).items():
            change = outside.argument_changes(function).get(param)
            if change is not None and was_read(argument):
                raise outside.argument_write_error(function.__name__, param, change,
                                                   caller=self.fn.parsed.described)
        augmented = [a for a in self.augmented_arguments(key, stmt)
                     if groups(a[0]) in read]
        if augmented:
            self.augment_checks[id(stmt)] = augmented

    @functools.cached_property
    def share_groups(self):
        """aliases.share_groups of the body (asked once per call checked)."""
        return aliases.share_groups(self.body)

    @functools.cached_property
    def in_hooks(self) -> set:
        """Ids of the statements of gradient hooks (`with s2sad.insert_grad_of(h)`)."""
        return {id(inner) for stmt in syntax.statements(self.body)
                if isinstance(stmt, gast.With) for inner in syntax.statements(stmt.body)}

    @functools.cached_property
    def attributes_read(self) -> set:
        """Names whose attributes f reads as values (`o.buf`, not `o.step(x)`)."""
        called = {id(n.func) for n in syntax.walk(self.body) if isinstance(n, gast.Call)}
        return {n.value.id for n in syntax.walk(self.body)
                if isinstance(n, gast.Attribute) and isinstance(n.ctx, gast.Load) and
                isinstance(n.value, gast.Name) and id(n) not in called}

    def check_global_kept(self, stmt) -> None:
        """`record(x)` writing into a module-level array G that f read before: the
        adjoints of those reads would see the new values. Refused."""
        if self.prefix != "b":
            return
        primitive = self.classify(stmt.value)
        key = primitive.key if primitive is not None else None
        changed = outside.changed_global(getattr(key, "__func__", key))
        if changed is not None and changed in self.read_before(stmt):
            raise UnsupportedSyntaxError(
                f"s2sad cannot differentiate the call to "
                f"'{getattr(key, '__name__', primitive.description)}', which "
                f"changes '{changed}', a module-level object that "
                f"{self.fn.parsed.described} read before (the derivative would read it "
                "changed)", self.fn.parsed.location(stmt),
                hint=f"read '{changed}' after the call, or have the helper return the new "
                     "values instead of storing them.")

    def read_before(self, stmt) -> set:
        """Names f reads before `stmt` runs: in the statements before it, in the
        tests of the branches around it, and anywhere in a loop around it (the next
        iteration) but in `stmt` itself."""
        inside = {id(node) for node in syntax.walk(stmt)}
        read = set()

        def visit(stmts: list) -> bool:
            for other in stmts:
                if other is stmt:
                    return True
                around = any(s is stmt for s in syntax.statements(
                    getattr(other, "body", []) + getattr(other, "orelse", [])))
                if around and isinstance(other, (gast.For, gast.While)):
                    read.update(n.id for n in syntax.walk(other) if id(n) not in inside
                                and isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load))
                    return True
                if around:  # a branch (its test) or a `with` block (its items)
                    read.update(syntax.names_loaded(getattr(other, "test", None) or
                                                    getattr(other, "items", [])))
                    return visit(other.body) or visit(getattr(other, "orelse", []))
                read.update(syntax.names_loaded(other))
            return False
        visit(self.body)
        return read
