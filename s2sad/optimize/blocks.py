"""Statement lists with the names each statement reads and binds, kept current,
so that passes scanning ahead do not walk the same statements again and again.

A statement *changes* a name when it binds it or changes its value in place
without binding it: an item or attribute target (`a[0] = v`, `a.b += v`,
`del a[k]`) changes `a`, as does `del a`. Such a statement reads `a` rather than
binding it, so a pass that moves an expression reading `a` past it must ask
`next_change`, not `next_store`."""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict

import gast

from .. import syntax

_BODIES = ("body", "orelse", "finalbody")

# Joining expressions stops at about one readable line (counted in nodes: a
# 90-character statement holds about 30).
_LINE_NODES = 30


def sum_into_itself(stmt) -> tuple:
    """(v, g) for `v = v + g`, else (None, None)."""
    if stmt.__class__ is gast.Assign and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
        if target.__class__ is gast.Name and value.__class__ is gast.BinOp and \
                value.op.__class__ is gast.Add and value.left.__class__ is gast.Name and \
                value.left.id == target.id:
            return target.id, value.right
    return None, None


def fits_one_line(*parts: gast.AST) -> bool:
    """Whether a statement made of `parts` stays about one line long."""
    count = 0
    for part in parts:
        for _ in syntax.walk(part):
            count += 1
            if count > _LINE_NODES:
                return False
    return True


class NameTable:
    """The names each statement reads, binds and changes in place, remembered
    across passes.

    Simple statements are remembered by identity, so a pass that changes one in
    place must `forget` it (simplify never changes which names a statement uses);
    compound statements are summed from their parts each time.
    """

    def __init__(self):
        # id -> (stmt, loaded, bound, reads list, binds list, changed in place)
        self._simple: dict = {}

    def names(self, stmt: gast.stmt) -> tuple:
        """(names read, names bound) by `stmt`."""
        entry = self._entry(stmt)
        return entry[1], entry[2]

    def uses(self, stmt: gast.stmt) -> tuple:
        """(names read, names bound, names whose value `stmt` changes in place
        without binding them, as `a` in `a[0] = v`)."""
        entry = self._entry(stmt)
        return entry[1], entry[2], entry[5]

    def reads(self, stmt: gast.stmt) -> list:
        """The names `stmt` reads, one entry per occurrence."""
        return self._entry(stmt)[3]

    def counts(self, node: gast.FunctionDef) -> tuple:
        """(Counter of reads, Counter of bindings) of each name in the function;
        parameters count as bindings."""
        loads, stores = map(Counter, syntax.name_occurrences(node.args))
        for stmt in node.body:
            entry = self._entry(stmt)
            loads.update(entry[3])
            stores.update(entry[4])
        return loads, stores

    def forget(self, stmt: gast.stmt) -> None:
        self._simple.pop(id(stmt), None)

    def _entry(self, stmt: gast.stmt) -> tuple:
        entry = self._simple.get(id(stmt))
        if entry is not None and entry[0] is stmt:
            return entry
        if hasattr(stmt, "body"):
            loaded, stored, changed = self._compound(stmt)
            return stmt, set(loaded), set(stored), loaded, stored, changed
        loaded, stored = syntax.name_occurrences(stmt)
        changed = set()
        for target in _targets(stmt):
            _changed_by_target(target, changed)
        entry = self._simple[id(stmt)] = \
            stmt, set(loaded), set(stored), loaded, stored, changed
        return entry

    def _compound(self, stmt: gast.stmt) -> tuple:
        loaded, stored, changed = [], [], set()
        for field in syntax.child_fields(stmt.__class__):
            value = getattr(stmt, field, None)
            if field in _BODIES:
                for inner in value or ():
                    entry = self._entry(inner)
                    loaded += entry[3]
                    stored += entry[4]
                    changed |= entry[5]
            elif value is not None:
                reads, binds = syntax.name_occurrences(value)
                loaded += reads
                stored += binds
        for target in _targets(stmt):
            _changed_by_target(target, changed)
        return loaded, stored, changed


def _targets(stmt: gast.stmt) -> list:
    """The assignment, loop, `with ... as` and `del` targets of `stmt` itself."""
    cls = stmt.__class__
    if cls is gast.Assign or cls is gast.Delete:
        return stmt.targets
    if cls is gast.AugAssign or cls is gast.AnnAssign or cls is gast.For \
            or cls is gast.AsyncFor:
        return [stmt.target]
    if cls is gast.With or cls is gast.AsyncWith:
        return [item.optional_vars for item in stmt.items if item.optional_vars]
    return []


def _changed_by_target(target: gast.expr, changed: set) -> None:
    """Add the names that assigning to (or deleting) `target` changes without
    binding them: the base of an item or attribute target, a deleted name."""
    cls = target.__class__
    if cls is gast.Tuple or cls is gast.List:
        for elt in target.elts:
            _changed_by_target(elt, changed)
    elif cls is gast.Starred:
        _changed_by_target(target.value, changed)
    elif cls is gast.Subscript or cls is gast.Attribute:
        base = target.value
        while base.__class__ is gast.Subscript or base.__class__ is gast.Attribute:
            base = base.value
        if base.__class__ is gast.Name:
            changed.add(base.id)
    elif cls is gast.Name and target.ctx.__class__ is gast.Del:
        changed.add(target.id)


class Block:
    """A list of statements, the names each one reads, binds and changes in place,
    and for each name the positions of the statements that read, bind or change
    it in place.

    Statements are dropped by marking them (positions stay valid during a sweep)
    and removed from the list by `compact`.
    """

    def __init__(self, stmts: list, table: NameTable | None = None):
        self.stmts = stmts
        self.table = table or NameTable()
        self.loads: list = []
        self.stores: list = []
        self.in_place: list = []             # names changed without being bound
        self.loaded_at = defaultdict(list)   # name -> sorted positions
        self.stored_at = defaultdict(list)
        self.in_place_at = defaultdict(list)
        self.dropped: set = set()
        for k, stmt in enumerate(stmts):
            loaded, stored, in_place = self.table.uses(stmt)
            self.loads.append(loaded)
            self.stores.append(stored)
            self.in_place.append(in_place)
            for name in loaded:
                self.loaded_at[name].append(k)
            for name in stored:
                self.stored_at[name].append(k)
            for name in in_place:
                self.in_place_at[name].append(k)

    def next_load(self, name: str, after: int) -> int | None:
        """Position of the first statement after `after` that reads `name`."""
        return _next(self.loaded_at.get(name, ()), after)

    def next_store(self, name: str, after: int) -> int | None:
        """Position of the first statement after `after` that binds `name`."""
        return _next(self.stored_at.get(name, ()), after)

    def next_change(self, name: str, after: int) -> int | None:
        """Position of the first statement after `after` that binds `name` or
        changes its value in place."""
        store = _next(self.stored_at.get(name, ()), after)
        in_place = _next(self.in_place_at.get(name, ()), after)
        if store is None or in_place is not None and in_place < store:
            return in_place
        return store

    def replace(self, k: int, stmt) -> None:
        self._unindex(k)
        self.stmts[k] = stmt
        self.table.forget(stmt)  # it may have been changed in place
        self.loads[k], self.stores[k], self.in_place[k] = self.table.uses(stmt)
        for name in self.loads[k]:
            bisect.insort(self.loaded_at[name], k)
        for name in self.stores[k]:
            bisect.insort(self.stored_at[name], k)
        for name in self.in_place[k]:
            bisect.insort(self.in_place_at[name], k)

    def drop(self, k: int) -> None:
        self._unindex(k)
        self.loads[k], self.stores[k], self.in_place[k] = set(), set(), set()
        self.dropped.add(k)

    def compact(self) -> bool:
        """Remove the dropped statements from the list; True if there were any."""
        for k in sorted(self.dropped, reverse=True):
            del self.stmts[k]
        return bool(self.dropped)

    def _unindex(self, k: int) -> None:
        for name in self.loads[k]:
            self.loaded_at[name].remove(k)
        for name in self.stores[k]:
            self.stored_at[name].remove(k)
        for name in self.in_place[k]:
            self.in_place_at[name].remove(k)


def _next(positions, after: int) -> int | None:
    i = bisect.bisect_right(positions, after)
    return positions[i] if i < len(positions) else None


def blocks(stmts: list):
    """`stmts` and every statement list nested in it."""
    yield stmts
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from blocks(inner)
