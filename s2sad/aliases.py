"""Stage 3: which names may share memory, and which writes that makes unsafe.

s2sad gives every variable its own adjoint. That is only right while a write
into one variable's array cannot be seen through another name. This analysis
follows, statement by statement, the objects each name may refer to: a
parameter's caller object, or an allocation site (the statement that made a new
array or container). A name gets its operand's objects when it is a copy of it
(`y = x`), a view or element of it (`x[1:]`, `x[0]`, `x.T`, `x.reshape(...)`), a
container holding it (`[x, z]`), or the result of a call that might return it.

A write (`x[i] = v`, `lst.append(v)`, `z += v` on an array) is safe when no other
name that may refer to the same object is read afterwards; otherwise it is a
`Conflict` for the caller to refuse. Writes that may reach a caller's object make
that parameter `written`: the derivative copies it on entry, so the gradient never
changes its inputs.
"""
from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import gast
import numpy as np

from . import registry, syntax
from .normalize.anf import AUGMENTED
from .primitives import PACK

# Methods that change their receiver in place (lists, dicts, arrays).
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
    "sort", "reverse", "fill", "resize", "popitem", "itemset", "put", "__setitem__",
})
# Methods that change a list or dict, not the objects it holds.
STRUCTURE_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
    "reverse", "popitem",
})
_VIEW_ATTRIBUTES = frozenset({"T", "mT", "real", "imag", "flat"})
# s2sad's runtime helpers that always return a new object (others may return g).
_NEW_FROM_RUNTIME = frozenset({"zeros_like", "copy_of", "copy_argument", "zero_item",
                               "shape_of"})
# s2sad's helpers that return a list's adjoint as a list of their own (an AdjointList
# holding g or views of it), or else g as an array: never a list they were given.
# Generated code pops from such an adjoint (`bt = bitems.pop()`); taken for the seed
# itself, that was a write into the derivative's argument when the derivative is
# differentiated again (hvp).
_OWN_LIST_FROM_S2SAD = frozenset({"spread", "in_dtype_of", "leading_items",
                                  "trailing_items", "repeats_added", "items_adjoint",
                                  "unstack", "unconcatenate", "select_adjoints"})
# NumPy functions and methods whose result may be (a view of) an argument.
_VIEW_FUNCTIONS = frozenset({
    "reshape", "ravel", "transpose", "squeeze", "expand_dims", "asarray", "asanyarray",
    "ascontiguousarray", "asfortranarray", "atleast_1d", "atleast_2d", "atleast_3d",
    "swapaxes", "moveaxis", "rollaxis", "broadcast_to", "broadcast_arrays", "diagonal",
    "view", "real", "imag", "split", "array_split", "hsplit", "vsplit", "dsplit",
    "flip", "fliplr", "flipud", "rot90", "matrix_transpose", "permute_dims", "require",
    "einsum",  # 'ii->i' and 'ij->ji' give views
    "trim_zeros", "asarray_chkfinite", "real_if_close", "asmatrix", "getfield",
    "as_strided", "sliding_window_view", "unstack", "__array__",
    "conj", "conjugate",  # the methods: a real array itself (np.conj, a ufunc, copies)
})


@dataclass
class Conflict:
    """`stmt` writes into `written`'s object while `other`, which may share it, is
    read afterwards. `certain`: shared through copies, slices, views or container
    items; otherwise only through `x[i]` (a view when x has more dimensions than
    indices), a call that might return its argument, or `z += v` (in place on
    arrays and lists only): known at run time."""

    stmt: gast.stmt
    written: str
    other: str
    certain: bool


@dataclass
class AliasFacts:
    conflicts: list = field(default_factory=list)
    written_params: dict = field(default_factory=dict)  # {parameter whose caller object
    #                                                     is written in place: a write}
    changed_params: dict = field(default_factory=dict)  # the same, with `x += v` too
    changed_items: set = field(default_factory=set)  # parameters with an item changed
    #                                                  (`a = p[0]; a[1] = v`), not only p
    shares_written: set = field(default_factory=set)  # names that may see such a write
    # {id(`v = x[0]`): v}: bindings that may make v a view (or a plain copy) of an
    # object a write changes somewhere, where a copy keeps the function's values:
    # nothing writes through v, and no write's run-time check looks at v
    viewed_writes: dict = field(default_factory=dict)


def share_groups(stmts: list) -> Callable[[str], str]:
    """A representative per name, the same for names that may share memory: bound
    as copies, views, items or containers of each other (`m2 = m`, `v = m[1:]`,
    `lst = [m]`), or from a call that may return an argument (a coarse answer,
    whatever the objects: no flow, no types)."""
    parent = {}

    def root(name: str) -> str:
        while parent.get(name, name) != name:
            name = parent[name]
        return name
    for stmt in syntax.statements(stmts):
        if isinstance(stmt, gast.Assign):
            for target in syntax.names_stored(stmt.targets):
                for source in _shared_sources(stmt.value):
                    if root(source) != root(target):
                        parent[root(target)] = root(source)
    return root


def _shared_sources(value: gast.expr) -> list:
    """The names whose memory `value` may share."""
    if isinstance(value, (gast.Subscript, gast.Attribute, gast.Starred)):
        return _shared_sources(value.value)
    if isinstance(value, gast.Name):
        return [value.id]
    if isinstance(value, gast.Call):
        dotted = (syntax.dotted_name(value.func) or "").split(".")
        if dotted[0] in ("np", "numpy", "math") and dotted[-1] not in _VIEW_FUNCTIONS:
            return []  # np.array(t), np.sum(x): new objects
        receiver = [value.func.value] if isinstance(value.func, gast.Attribute) else []
        parts = receiver + value.args + [k.value for k in value.keywords]
    elif isinstance(value, (gast.List, gast.Tuple, gast.Set)):
        parts = value.elts
    elif isinstance(value, gast.Dict):
        parts = value.values
    elif isinstance(value, gast.IfExp):
        parts = [value.body, value.orelse]
    else:
        return []
    return [name for part in parts for name in _shared_sources(part)]


def analyze(stmts: list, params: Iterable[str], result: str, classify: Callable,
            scalars: set) -> AliasFacts:
    """Alias facts of a normalized body (without its final return)."""
    if not _writes_in_place(stmts, scalars):  # most losses: nothing to find
        return AliasFacts()
    live_after = {}
    _live(stmts, {result}, live_after, syntax.names_loaded)
    # after a write into entries, a read of another name for its shape only
    # (`unbroadcast(g, t)` in generated code) does not see the write
    values_after = live_after
    if any(_shape_positions(stmt, classify) for stmt in syntax.statements(stmts)):
        values_after = {}
        _live(stmts, {result}, values_after, _value_reads(classify))
    stacked = _stacked_items(stmts, classify)
    walker, certain = (_PointsTo(classify, scalars, (live_after, values_after), stacked,
                                 optimistic)
                       for optimistic in (False, True))
    for pass_ in (walker, certain):
        pass_.block(stmts, {p: _new(("param", p)) for p in params})
    facts = AliasFacts()
    # sure: the one object written is the one the other name refers to, views or
    # holds; names that may hold either of two objects (swapped in a loop, bound in
    # branches) are checked when the write runs
    sure = {(id(stmt), other) for stmt, name, objects in certain.writes
            if len(set(map(_unwrapped, objects))) == 1
            for other in certain.sharing(name, objects, stmt)
            if len(_own(certain.states[id(stmt)][other])) <= 1}
    seen = set()
    for stmt, name, objects in walker.writes:
        for obj in map(_unwrapped, objects):
            if obj[0] == "param":
                facts.changed_params.setdefault(obj[1], stmt)
                held = walker.states.get(id(stmt), {}).get(name, frozenset())
                if ("identity", obj) not in held:  # not the argument itself: its item
                    facts.changed_items.add(obj[1])
                if not syntax.anno(stmt, AUGMENTED):
                    facts.written_params.setdefault(obj[1], stmt)
        for other in sorted(walker.sharing(name, objects, stmt)):
            key = (id(stmt), other)
            if key not in seen:
                seen.add(key)
                # `z += v` is in place only on an array or list, known at run time
                certain = key in sure and not syntax.anno(stmt, AUGMENTED)
                facts.conflicts.append(Conflict(stmt, name, other, certain))
    written = set().union(*(objects for _, _, objects in walker.writes)) \
        if walker.writes else set()
    facts.shares_written = {name for name, objects in walker.ever.items()
                            if _sees(objects, written)}
    checked = {conflict.other for conflict in facts.conflicts}
    facts.viewed_writes = _views_of_written(walker, written, checked)
    return facts


def _views_of_written(walker: "_PointsTo", written: frozenset, checked: set) -> dict:
    """{id(binding): name} for the bindings `v = x[0]`, `v = x.T`, `v = x` that may
    make v share an object some write changes, where v may take a copy instead:
    no write goes through v or anything made from it (the copy would take the
    write away from x), and v is no name a write's run-time check compares
    (a copy would pass it where the function reads the changed entries)."""
    feeding = _feeding_writes(walker)
    return {id(stmt): name for stmt, name, shared in walker.bindings.values()
            if name not in feeding and name not in checked and _own(shared) & written}


def _feeding_writes(walker: "_PointsTo") -> set:
    """Names a written name may be made from (itself included): through views,
    plain copies, containers holding them, loop targets over them."""
    feeding = {name for _, name, _ in walker.writes}
    while True:
        grown = set(feeding)
        for name, operands in walker.derived:
            if name in grown:
                grown |= operands
        if grown == feeding:
            return feeding
        feeding = grown


def _writes_in_place(stmts: list, scalars: set) -> bool:
    """Whether a statement may write into an object: what `_PointsTo.write` records."""
    for stmt in syntax.statements(stmts):
        if stmt.__class__ is gast.Expr and _is_mutating_call(stmt.value):
            return True
        if stmt.__class__ is gast.Assign:
            target = stmt.targets[0]
            if target.__class__ is not gast.Name or _is_mutating_call(stmt.value) or \
                    syntax.anno(stmt, AUGMENTED) and target.id not in scalars:
                return True
    return False


class _PointsTo:
    """Forward walk: for each name, the objects it may refer to.

    An object is `("site", id, kind)` (made at a statement; kind 'array' for NumPy
    values, 'container' for a list, tuple or dict display) or `("param", name)`,
    and stands for the object's contents. `("identity", obj)` is the object itself,
    which only plain copies of a name share (a list's append changes that), and
    `("held", obj)` an object held as an item or field.
    """

    def __init__(self, classify: Callable, scalars: set, live_after: tuple, stacked: dict,
                 optimistic: bool = False):
        self.optimistic = optimistic  # `x[i]` and calls of unknown effect make new objects
        self.stacked = stacked  # {stack list: ids of the sites only it ever holds}
        self.classify = classify
        self.scalars = scalars
        # {id(write): names read after it}: any read, and reads of values (not of
        # shapes only), for writes that change a container's length and the others
        self.live_after, self.values_after = live_after
        self.writes = []   # (stmt, name written into, the objects written)
        self.ever = {}     # name -> every object it may refer to anywhere
        self.states = {}   # id(write) -> {name: objects} just before it
        # id(stmt) -> (stmt, v, objects): `v = ...` binds v to objects it did not make
        self.bindings = {}
        self.derived = set()  # (name, names it may refer into or hold the objects of)

    def block(self, stmts: list, state: dict) -> dict:
        for stmt in stmts:
            state = self.stmt(stmt, state)
        return state

    def stmt(self, stmt, state: dict) -> dict:
        if isinstance(stmt, gast.If):
            return _join(self.block(stmt.body, dict(state)),
                         self.block(stmt.orelse, dict(state)))
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt, state)
        if isinstance(stmt, gast.Assign):
            return self.assign(stmt, dict(state))
        if isinstance(stmt, gast.Expr) and _is_mutating_call(stmt.value):
            state = dict(state)
            call = stmt.value
            self.write(stmt, call.func.value.id, state, call.func.attr)
            self.hold(state, call.func.value.id, syntax.names_loaded(call.args))
        return state

    def loop(self, loop, state: dict) -> dict:
        """Run the body until the objects names may hold stop growing."""
        entry = dict(state)
        if isinstance(loop, gast.For):
            self.bind(entry, loop.target.id, _items(_union(entry, syntax.names_loaded(
                loop.iter))))
            self.derived.add((loop.target.id, frozenset(syntax.names_loaded(loop.iter))))
        while True:
            after = self.block(loop.body, dict(entry))
            joined = _join(entry, after)
            if joined == entry:
                return _join(state, after)
            entry = joined

    def assign(self, stmt: gast.Assign, state: dict) -> dict:
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, gast.Subscript):
            base = target.value.id
            self.write(stmt, base, state)
            if not self.holds_values_only(state.get(base, frozenset())):
                self.hold(state, base, syntax.names_loaded(value))
            return state
        name = target.id
        if syntax.anno(stmt, AUGMENTED) and name not in self.scalars:
            self.write(stmt, name, state)  # `z += v` changes z's array in place
        if _is_mutating_call(value):  # v = lst.pop()
            self.write(stmt, value.func.value.id, state, value.func.attr)
        if name in self.scalars:
            self.bind(state, name, frozenset())
        else:
            if not isinstance(value, (gast.Name, gast.Subscript, gast.Attribute)) and \
                    not _is_mutating_call(value):  # the statement may make a new object
                _age(state, id(stmt))  # first: the value may be one made here before
            objects = self.objects_of(stmt, value, state)
            self.bind(state, name, objects)
            self.note_binding(stmt, name, objects)
        return state

    def note_binding(self, stmt: gast.Assign, name: str, objects: frozenset) -> None:
        """Keep what `name = value` may refer to besides the objects made there."""
        made = {("site", id(stmt), kind) for kind in ("array", "container", "other")}
        shared = frozenset(o for o in objects if _unwrapped(o) not in made)
        if not shared:
            return
        self.derived.add((name, frozenset(syntax.names_loaded(stmt.value))))
        known = self.bindings.get(id(stmt), (stmt, name, frozenset()))[2]
        self.bindings[id(stmt)] = (stmt, name, known | shared)

    def objects_of(self, stmt: gast.Assign, value: gast.expr, state: dict) -> frozenset:
        """What `value` may refer to: its operands' objects, or a new one."""
        if isinstance(value, gast.Name):
            return state.get(value.id, frozenset())  # the same object
        if isinstance(value, (gast.Subscript, gast.Attribute)) or _is_mutating_call(value):
            base = value.value if not isinstance(value, gast.Call) else value.func.value
            view = _has_slice(value.slice) if isinstance(value, gast.Subscript) else \
                isinstance(value, gast.Attribute) and value.attr in _VIEW_ATTRIBUTES
            items = _items(_union(state, syntax.names_loaded(base)),
                           views=view or not self.optimistic)
            if isinstance(value, gast.Call) and value.func.attr == "pop":
                return _moved(items, self.stacked.get(base.id, frozenset()))
            return items
        primitive = self.classify(value)
        if primitive is not None and primitive.key in (PACK, list, tuple, dict):
            return _new(("site", id(stmt), "container")) | _held(_union(
                state, syntax.names_loaded(value)))
        if primitive is not None and _makes_new_object(primitive):
            return _new(("site", id(stmt), "array"))
        if primitive is not None and primitive.key is sum:
            # 0 + items[0] + ...: a new number or array (a list joining the items'
            # items), never an item itself. Taken for one, `sum([f(w, d) ...])` made
            # w an object the tape holds, and `items = tape.pop(); items.append(t)`
            # in generated code a write into w
            return _new(("site", id(stmt), "other")) | _held(
                _union(state, syntax.names_loaded(value)))
        if primitive is not None and _returns_own_list(primitive):
            # a list of its own holding the operands or views of them, or (for an
            # array) a view of g
            operands = _union(state, syntax.names_loaded(value))
            return _new(("site", id(stmt), "container")) | _held(operands) | _own(operands)
        site = _new(("site", id(stmt), "other"))
        if self.optimistic and not _is_view_function(primitive):
            return site
        # a view, or a call that may return (or hold) its operands, or their items
        operands = _union(state, syntax.names_loaded(value))
        return site | operands | _items(operands, views=False)

    def holds_values_only(self, objects: frozenset) -> bool:
        """Writing into NumPy arrays copies the value: no reference is kept."""
        own = _own(objects)
        return bool(own) and all(obj[0] == "site" and obj[2] == "array" for obj in own)

    def hold(self, state: dict, name: str, items: Iterable[str]) -> None:
        items = frozenset(items)
        self.derived.add((name, items))
        self.bind(state, name, state.get(name, frozenset()) | _held(_union(state, items)))

    def write(self, stmt, name: str, state: dict, method: str = "") -> None:
        """Record a write into `name`'s elements, or with a list or dict `method`
        (append, pop, ...) into the container itself: names holding its items do
        not see that."""
        objects = state.get(name, frozenset())
        written = frozenset(o for o in objects if o[0] == "identity") \
            if method in STRUCTURE_METHODS else _own(objects)
        self.writes.append((stmt, name, written))
        self.states[id(stmt)] = _join(self.states.get(id(stmt), {}), state)

    def bind(self, state: dict, name: str, objects: frozenset) -> None:
        state[name] = objects
        self.ever[name] = self.ever.get(name, frozenset()) | objects

    def sharing(self, name: str, objects: frozenset, stmt) -> set:
        """Names other than `name` that may see a write into `objects` and are read
        after `stmt`."""
        state = self.states.get(id(stmt), {})
        reads = self.live_after if _changes_length(stmt) else self.values_after
        live = reads.get(id(stmt), set()) - syntax.names_stored(stmt)
        return {other for other, held in state.items()
                if other != name and other in live and other not in self.scalars
                and _sees(held, objects)}


def _stacked_items(stmts: list, classify: Callable) -> dict:
    """{lst: ids of sites}: lists used as stacks only (append, pop, len, tests), and
    the sites whose objects each one alone ever holds: made for one `lst.append(t)`
    (t bound once, to a new object, and read there only). Popping such an object
    moves it out: a write into it is not seen through the list (a tape of copies)."""
    loaded, stored = syntax.name_occurrences(stmts)
    reads, binds = Counter(loaded), Counter(stored)
    stack_reads = Counter()
    bindings, appended = {}, {}
    for node in syntax.walk(stmts):
        receiver = mutated_receiver(node)
        if receiver is not None and node.func.attr in ("append", "pop"):
            stack_reads[receiver] += 1
        elif isinstance(node, gast.Call) and syntax.dotted_name(node.func) == "len" and \
                len(node.args) == 1 and isinstance(node.args[0], gast.Name):
            stack_reads[node.args[0].id] += 1
    for stmt in syntax.statements(stmts):
        if isinstance(stmt, (gast.While, gast.If)) and isinstance(stmt.test, gast.Name):
            stack_reads[stmt.test.id] += 1
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            bindings[stmt.targets[0].id] = stmt
        call = getattr(stmt, "value", None) if isinstance(stmt, gast.Expr) else None
        if mutated_receiver(call) is not None and call.func.attr == "append" and \
                len(call.args) == 1 and isinstance(call.args[0], gast.Name):
            appended[call.args[0].id] = call.func.value.id
    stacked = {}
    for item, lst in appended.items():
        binding = bindings.get(item)
        primitive = classify(binding.value) if binding is not None else None
        if reads[lst] == stack_reads[lst] and binds[item] == 1 and reads[item] == 1 and \
                primitive is not None and _makes_new_object(primitive):
            stacked.setdefault(lst, set()).add(id(binding))
    return {lst: frozenset(sites) for lst, sites in stacked.items()}


def _age(state: dict, site: int) -> None:
    """Before the statement `site` makes a new object: the objects it made earlier
    (in a loop's previous iterations) are others, which names may still hold."""
    def aged(obj: tuple) -> tuple:
        if obj[0] in ("identity", "held"):
            return obj[0], aged(obj[1])
        if obj[0] == "site" and obj[1] == site:
            return "site", ("earlier", site), obj[2]
        return obj
    made = [("site", site, kind) for kind in ("array", "container", "other")]
    made += [("identity", m) for m in made]
    made = frozenset(made + [("held", m) for m in made])
    for name, objects in state.items():
        if not objects.isdisjoint(made):
            state[name] = frozenset(map(aged, objects))


def _site_ids(obj: tuple) -> tuple:
    """(the id of the statement that made the object,), or () for a parameter's."""
    while obj[0] in ("identity", "held"):
        obj = obj[1]
    if obj[0] != "site":
        return ()
    made = obj[1]
    while isinstance(made, tuple):  # ("earlier", id), ("moved", id)
        made = made[1]
    return (made,)


def _moved(objects: frozenset, sites: frozenset) -> frozenset:
    """The objects a pop returns: those of `sites` as objects of their own, no
    longer in the list."""
    def moved(obj: tuple) -> tuple:
        if obj[0] == "identity":
            return "identity", moved(obj[1])
        if obj[0] == "site" and _site_ids(obj)[0] in sites and \
                not (isinstance(obj[1], tuple) and obj[1][0] == "moved"):
            return "site", ("moved", obj[1]), obj[2]
        return obj
    return frozenset(map(moved, objects))


def _makes_new_object(primitive) -> bool:
    """Arithmetic, ufuncs and NumPy functions other than views return new memory."""
    key = primitive.key
    if primitive.nondifferentiable and getattr(key, "__module__", "") in ("builtins",):
        return True  # len, range, isinstance: no arrays of the caller come back
    if key is operator.getitem:
        return False
    if isinstance(key, np.ufunc) or isinstance(getattr(key, "__self__", None), np.ufunc) or \
            getattr(key, "__module__", None) == "_operator":
        return True
    module = _module(key)
    name = getattr(key, "__name__", "")
    if module.startswith("numpy"):
        return name not in _VIEW_FUNCTIONS and name != "__getitem__" and \
            not _may_return_its_operand(primitive)
    if module == "s2sad.runtime":
        return name in _NEW_FROM_RUNTIME
    return module == "math"


def _returns_own_list(primitive) -> bool:
    """A helper of _OWN_LIST_FROM_S2SAD: appending to or popping from its result
    changes none of its operands."""
    return _module(primitive.key).startswith("s2sad.") and \
        getattr(primitive.key, "__name__", "") in _OWN_LIST_FROM_S2SAD


def _new(obj: tuple) -> frozenset:
    """A new object: its contents and its identity."""
    return frozenset({obj, ("identity", obj)})


def _unwrapped(obj: tuple) -> tuple:
    return obj[1] if obj[0] in ("identity", "held") else obj


def _own(objects: frozenset) -> frozenset:
    """The objects whose contents a name refers to directly."""
    return frozenset(o for o in objects if o[0] in ("site", "param"))


def _held(objects: frozenset) -> frozenset:
    """What a container holding `objects` holds (one level: nesting is merged)."""
    return frozenset(o if o[0] == "held" else ("held", o) for o in objects)


def _items(objects: frozenset, views: bool = True) -> frozenset:
    """What `x[i]` or `x.field` may refer to: a held object, or (`views`) a view
    of x's own contents (not of a list's or dict's: their items are other objects)."""
    items = frozenset(o[1] for o in objects if o[0] == "held")
    if not views:
        return items
    return items | frozenset(o for o in _own(objects) if not (o[0] == "site" and
                                                              o[2] == "container"))


def _has_slice(index: gast.expr) -> bool:
    return any(isinstance(node, gast.Slice) for node in syntax.walk(index))


def _is_view_function(primitive) -> bool:
    return primitive is not None and _module(primitive.key).startswith("numpy") and (
        getattr(primitive.key, "__name__", "") in _VIEW_FUNCTIONS or
        _may_return_its_operand(primitive))


def _may_return_its_operand(primitive) -> bool:
    """`x.astype(t, copy=False)`, `np.array(x, copy=False)`, `np.nan_to_num(x,
    copy=False)`: NumPy returns x itself where it needs no copy (copy=None too)."""
    copy = primitive.keywords.get("copy")
    return copy is not None and not (isinstance(copy, gast.Constant) and copy.value is True)


def _module(key) -> str:
    module = getattr(key, "__module__", None) or ""
    objclass = getattr(key, "__objclass__", None)
    return module or getattr(objclass, "__module__", "")


def _sees(objects: frozenset, written: frozenset) -> bool:
    """Does a name referring to `objects` see a write into `written`?"""
    return bool(objects & written) or any(o[0] == "held" and o[1] in written
                                          for o in objects)


def mutated_receiver(value) -> str | None:
    """`lst` for a call `lst.append(v)`, `lst.pop()` (a method that changes its
    receiver), else None."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and \
            isinstance(value.func.value, gast.Name) and value.func.attr in MUTATING_METHODS:
        return value.func.value.id
    return None


def _is_mutating_call(value) -> bool:
    return mutated_receiver(value) is not None


def _union(state: dict, names: Iterable[str]) -> frozenset:
    out = frozenset()
    for name in names:
        out |= state.get(name, frozenset())
    return out


def _join(a: dict, b: dict) -> dict:
    out = dict(a)
    for name, objects in b.items():
        out[name] = out.get(name, frozenset()) | objects
    return out


def _shape_positions(stmt, classify: Callable) -> tuple:
    """The positions of the arguments the call `stmt` assigns reads for their shape
    only (registry.reads_shape_of); () for other statements."""
    call = getattr(stmt, "value", None)
    if not isinstance(stmt, gast.Assign) or not isinstance(call, gast.Call):
        return ()
    primitive = classify(call)
    return registry.shape_arguments(primitive.key) if primitive is not None else ()


def _value_reads(classify: Callable) -> Callable:
    """names_loaded, but for names a statement's call reads for their shape only."""
    def reads(stmt) -> set:
        loaded = syntax.names_loaded(stmt)
        positions = _shape_positions(stmt, classify)
        if not positions:
            return loaded
        call = stmt.value
        shaped = [a for i, a in enumerate(call.args) if i in positions]
        others = [a for i, a in enumerate(call.args) if i not in positions]
        return loaded - (syntax.names_loaded(shaped) -
                         syntax.names_loaded(others + [k.value for k in call.keywords] +
                                             [call.func, stmt.targets[0]]))
    return reads


def _changes_length(stmt) -> bool:
    """`lst.append(v)`, `v = lst.pop()`: a write that changes a container's shape."""
    call = getattr(stmt, "value", None)
    return mutated_receiver(call) is not None and call.func.attr in STRUCTURE_METHODS


def _live(stmts: list, live_out: set, live_after: dict, reads: Callable) -> set:
    """Names live before `stmts` given those live after (a statement reading
    `reads(stmt)`); records, for every statement that may write in place, the
    names live just after it."""
    live = set(live_out)
    for stmt in reversed(stmts):
        if isinstance(stmt, gast.If):
            live = syntax.names_loaded(stmt.test) | \
                _live(stmt.body, live, live_after, reads) | \
                _live(stmt.orelse, live, live_after, reads)
        elif isinstance(stmt, (gast.For, gast.While)):
            header = syntax.names_loaded(stmt.iter if isinstance(stmt, gast.For)
                                         else stmt.test)
            target = {stmt.target.id} if isinstance(stmt, gast.For) else set()
            head = live | header
            while True:
                inner = (_live(stmt.body, head, live_after, reads) - target) | head
                if inner == head:
                    break
                head = inner
            live = head
        else:
            previous = live_after.get(id(stmt), set())
            live_after[id(stmt)] = previous | live
            live = (live - syntax.names_stored(stmt)) | reads(stmt)
    return live
