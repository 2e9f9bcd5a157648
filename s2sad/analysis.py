"""Stage 3: facts about a normalized function that the transformations need.

All analyses work on structured code (no jumps but loop exits) and are
conservative: when unsure they answer 'maybe', which costs speed, never
correctness.
"""
from __future__ import annotations

import operator
from collections import Counter
from dataclasses import replace
from typing import Callable, Iterable

import gast
import numpy as np

from . import syntax
from .aliases import MUTATING_METHODS
from .libraries import is_numpy_function
from .primitives import (BINARY, CONCAT, COPY, PACK, PRODUCTS, REPEAT, UNARY,
                         is_array_method, is_elementwise, is_full_reduction)


def assigned(stmts) -> set:
    """Names that the statements may bind (loop targets included)."""
    return syntax.names_stored(stmts)


def mutated(stmts) -> set:
    """Names whose contents the statements may change in place: `x[i] = v`,
    `lst.append(v)`, `v = lst.pop()`."""
    names = set()
    for node in syntax.statements(stmts):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript):
            names.add(node.targets[0].value.id)
        elif isinstance(node, gast.Assign) and _is_pop(node.value):
            names.add(node.value.func.value.id)
        elif isinstance(node, gast.Expr) and _is_method_on_local(node.value) \
                and node.value.func.attr == "append":
            names.add(node.value.func.value.id)
    return names


def _is_pop(value) -> bool:
    return _is_method_on_local(value) and value.func.attr == "pop"


def _flows(stmts: list, classify: Callable) -> list:
    """(source names, target name) pairs along which derivatives can flow.

    `classify(value)` returns the Primitive a right-hand side applies, or None
    for a constant. A bare call of another method (`layer.forward_pass(h, w)`, which
    a reverse sweep reruns for its random draws) stores nothing in its object: one
    that might is refused (effect_checks.check_calls_for_effects).
    """
    pairs = []
    for node in syntax.statements(stmts):
        if isinstance(node, gast.Assign):
            target = node.targets[0]
            base = target.value if isinstance(target, gast.Subscript) else target
            sources = differentiable_operands(classify(node.value))
            if isinstance(target, gast.Subscript):
                sources.add(base.id)  # the elements not overwritten flow through
            pairs.append((sources, base.id))
        elif isinstance(node, gast.For):
            pairs.append((syntax.names_loaded(node.iter), node.target.id))
        elif isinstance(node, gast.Expr) and _is_method_on_local(node.value) and \
                node.value.func.attr in MUTATING_METHODS:
            receiver = node.value.func.value.id  # lst.append(v): v flows into lst
            pairs.append((syntax.names_loaded(node.value.args), receiver))
    return pairs


def _is_method_on_local(call) -> bool:
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
        and isinstance(call.func.value, gast.Name)


def sequence_names(stmts: list, params: Iterable[str], classify: Callable) -> set:
    """Names every binding of which makes a list or tuple: a literal `[a, b]`,
    `list(...)`, `tuple(...)`, `sorted(...)`, a slice `xs[1:]` of such a name, or
    `+` and `*` on such names. For these, `+` joins and `*` repeats; parameters
    may be arrays, so they count only where the code shows it."""
    return _names_made_by(stmts, params, lambda value, known:
                          _makes_sequence(value, classify, known))


def array_names(stmts: list, params: Iterable[str], classify: Callable) -> set:
    """Names every binding of which makes a NumPy array (or number): a NumPy
    function's result, arithmetic, an index or an array method of such names or
    of parameters (which may be any object: these are checked when they run)."""
    params = set(params)
    return _names_made_by(stmts, params, lambda value, known:
                          _makes_array(value, classify, known | params))


def _names_made_by(stmts: list, params: Iterable[str], makes: Callable) -> set:
    """The largest set of names (not parameters) every binding of which `makes(value,
    set)` accepts given that set; a loop target or an augmented assignment never."""
    bindings = {}
    for node in syntax.statements(stmts):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
            bindings.setdefault(node.targets[0].id, []).append(node.value)
        elif isinstance(node, (gast.For, gast.AugAssign)):
            for name in syntax.names_stored(node.target):
                bindings.setdefault(name, []).append(None)  # not known to be one
    known = set(bindings) - set(params)
    while True:
        new = {name for name in known if all(makes(v, known) for v in bindings[name])}
        if new == known:
            return known
        known = new


_ARITHMETIC = frozenset(BINARY.values()) | frozenset(UNARY.values()) | {operator.getitem}


def _makes_array(value, classify: Callable, known: set) -> bool:
    primitive = classify(value) if value is not None else None
    if primitive is None:
        return value is not None and syntax.is_literal(value)
    if is_numpy_function(primitive.key) and not is_array_method(primitive.key):
        return True
    operands = {a.id for a in primitive.args if isinstance(a, gast.Name)}
    return (primitive.key in _ARITHMETIC or is_array_method(primitive.key)) and \
        bool(operands & known)


def _makes_sequence(value, classify: Callable, known: set) -> bool:
    if value is None:
        return False
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
        return isinstance(value.value, gast.Name) and value.value.id in known  # xs[1:]
    primitive = classify(value)
    if primitive is None:
        return isinstance(value, (gast.List, gast.Tuple))
    if primitive.key == PACK:
        return primitive.keys is None  # not a dict literal
    if primitive.key in (list, tuple, sorted):
        return True
    operands = [a.id for a in primitive.args if isinstance(a, gast.Name)]
    return primitive.key in (operator.add, operator.mul, COPY) and bool(set(operands) & known)


def on_sequences(primitive, sequences: set):
    """The primitive, with `xs + ys` as joining and `xs * n` as repeating where xs
    is one of the `sequences` (lists or tuples)."""
    if primitive is None or primitive.key not in (operator.add, operator.mul):
        return primitive
    is_sequence = [isinstance(a, gast.Name) and a.id in sequences for a in primitive.args]
    if not any(is_sequence):
        return primitive
    if primitive.key is operator.add:
        return replace(primitive, key=CONCAT)
    args = primitive.args if is_sequence[0] else primitive.args[::-1]  # n * xs
    return replace(primitive, key=REPEAT, args=list(args))


def differentiable_operands(primitive) -> set:
    if primitive is None or primitive.nondifferentiable:
        return set()
    args = primitive.args[:1] if primitive.key is operator.getitem else primitive.args
    names = syntax.names_loaded(list(args) + list(primitive.keywords.values()))
    if isinstance(primitive.key, tuple) and primitive.key[0] == "call" and \
            primitive.key[1].isidentifier():
        names.add(primitive.key[1])  # a local function value may hold derivatives too
    return names


def indexed_names(stmts: list) -> set:
    """Names read with `x[...]`, `x.keys()` or `x.attribute`, or walked by a loop
    (`walked(x)`, normalize/anf.py): possibly containers."""
    names = set()
    for node in syntax.walk(gast.Module(body=list(stmts), type_ignores=[])):
        if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
                and isinstance(node.ctx, gast.Load):
            names.add(node.value.id)
        elif isinstance(node, gast.Call) and syntax.anno(node, "walks") and \
                node.args and isinstance(node.args[0], gast.Name):
            names.add(node.args[0].id)
        elif isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) \
                and not hasattr(np.ndarray, node.attr):  # d.keys(), model.W
            names.add(node.value.id)
    return names


def varied_names(stmts: list, inputs: Iterable[str], classify: Callable) -> set:
    """Names that depend on `inputs`."""
    return _closure(set(inputs), [(s, {t}) for s, t in _flows(stmts, classify)])


def active_names(stmts: list, inputs: Iterable[str], output: str, classify: Callable) -> set:
    """Names that depend on `inputs` and influence `output`."""
    pairs = _flows(stmts, classify)
    varied = _closure(set(inputs), [(s, {t}) for s, t in pairs])
    useful = _closure({output}, [({t}, s) for s, t in pairs])
    return varied & useful


def _closure(start: set, edges: list) -> set:
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for sources, targets in edges:
            if sources & reached and not targets <= reached:
                reached |= targets
                changed = True
    return reached


def adjoint_reads(stmts: list, active: set) -> set:
    """Names the reverse sweep may read: everything an active statement, a branch
    test or a loop header mentions (a superset: the rules read less)."""
    reads = set()
    for node in syntax.statements(stmts):
        if isinstance(node, gast.Assign) and syntax.names_stored(node.targets) & active:
            reads |= syntax.all_names(node)
        elif isinstance(node, (gast.Assign, gast.Expr)) and mutated([node]) & active:
            reads |= syntax.all_names(node)
        elif isinstance(node, gast.If):
            reads |= syntax.names_loaded(node.test)
        elif isinstance(node, gast.For):
            reads |= syntax.names_loaded(node.iter)
    return reads


_SCALAR_ANNOTATIONS = {"float", "int", "complex", "bool"}


def scalar_parameters(node: gast.FunctionDef) -> set:
    """Parameters annotated as Python scalars (`x: float`)."""
    args = node.args.posonlyargs + node.args.args
    return {a.id for a in args
            if isinstance(a.annotation, gast.Name) and a.annotation.id in _SCALAR_ANNOTATIONS}


def scalar_names(stmts: list, params: Iterable[str], scalars: set,
                 classify: Callable) -> set:
    """Names that hold a scalar wherever they are bound: literals, arithmetic on
    scalars, `math` functions, ufuncs of scalars, `range` loop variables.

    Entering the function binds the parameters too, so a parameter counts only if
    it is in `scalars` (e.g. annotated `x: float`) and every rebinding is scalar:
    one rebound to a float in a branch may still hold the caller's array."""
    assignments = [node for node in syntax.statements(stmts)
                   if isinstance(node, (gast.Assign, gast.For))]
    maybe_arrays = set(params) - set(scalars)
    known = (set(scalars) | syntax.names_stored(assignments)) - maybe_arrays
    changed = True
    while changed:
        changed = False
        for node in assignments:
            target, is_scalar = _scalar_assignment(node, known, classify)
            if target in known and not is_scalar:
                known.discard(target)
                changed = True
    return known


def _scalar_assignment(node, known: set, classify: Callable) -> tuple:
    if isinstance(node, gast.For):
        iterable = node.iter
        return node.target.id, isinstance(iterable, gast.Call) and \
            syntax.dotted_name(iterable.func) == "range"
    target = node.targets[0]
    if not isinstance(target, gast.Name):
        return None, True
    value = node.value
    operands = [value] if isinstance(value, gast.Name) else _operands(value)
    all_scalar = all(_is_scalar_atom(a, known) for a in operands)
    if isinstance(value, (gast.Name, gast.Constant, gast.Compare, gast.BoolOp)) or \
            (isinstance(value, gast.UnaryOp) and syntax.is_literal(value)):
        return target.id, isinstance(value, (gast.Compare, gast.BoolOp)) or all_scalar or \
            syntax.is_literal(value)
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        return target.id, all_scalar and not isinstance(getattr(value, "op", None),
                                                        gast.MatMult)
    if isinstance(value, gast.Call):
        primitive = classify(value)
        key = primitive.key if primitive is not None else None
        module = getattr(key, "__module__", None) or ""
        scalar_function = module == "math" or key in (float, int, len, abs, min, max, pow,
                                                       round)
        return target.id, all_scalar and (scalar_function or isinstance(key, np.ufunc)) \
            or module == "math" or key in (float, int, len)
    return target.id, False


_UNKNOWN = object()  # a name bound to values of different or unknown shapes
ZERO_DIM = "()"      # the class of names holding 0-d values (full reductions)


def shape_classes(stmts: list, params: Iterable[str], scalars: set,
                  classify: Callable) -> dict:
    """For each name that always holds an array of the shape some parameter had on
    entry, that parameter; or of the shape of a value bound once at the top level
    (a matrix product, or an elementwise operation whose operands' shapes may
    broadcast), that value's name; ZERO_DIM for 0-d values (full reductions).
    Elementwise operations (arithmetic, ufuncs, `math`) whose array operands all
    share a class keep it; scalars and 0-d values do not change it. Names of
    shapes that differ between their bindings are left out."""
    classes = {p: p for p in params if p not in scalars}
    roots = _product_roots(stmts, set(params), classify)
    classes.update(roots)
    broadcasts = _broadcast_candidates(stmts, set(params), scalars, classify)
    assignments = [node for node in syntax.statements(stmts)
                   if isinstance(node, (gast.Assign, gast.For))
                   and not (isinstance(node, gast.Assign) and
                            syntax.names_stored(node.targets) & set(roots))]
    changed = True
    while changed:
        changed = False
        for node in assignments:
            target = node.target if isinstance(node, gast.For) else node.targets[0]
            if not isinstance(target, gast.Name) or target.id in scalars:
                continue
            old = classes.get(target.id)
            if old == target.id:  # a broadcast's own shape, whatever its operands become
                continue
            shape = _UNKNOWN if isinstance(node, gast.For) else \
                _elementwise_shape(node.value, classes, scalars, classify)
            if shape is None:  # operands not reached yet
                continue
            if shape is _UNKNOWN and broadcasts.get(target.id) is node and \
                    _has_a_class(node.value, classes, scalars):
                shape = target.id
            new = shape if old is None or old == shape else _UNKNOWN
            if new is not old:
                classes[target.id] = new
                changed = True
    return {name: c for name, c in classes.items() if c is not _UNKNOWN}


def rank_deciding_name(stmts: list, name: str, scalars: set, shapes: dict,
                       classify: Callable) -> str | None:
    """The name whose value is 0-d exactly when `name`'s is: `name` itself, or an
    operand of its one top-level binding, an elementwise operation whose other
    operands are 0-d (numbers, literals, full reductions), followed down. None
    when `name` is 0-d whatever the inputs."""
    bound = binding_counts(stmts)
    top = {s.targets[0].id: (i, s) for i, s in enumerate(stmts) if isinstance(s, gast.Assign)
           and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)}

    def zero_dim(atom: gast.expr) -> bool:
        if isinstance(atom, gast.Name):
            return atom.id in scalars or shapes.get(atom.id) == ZERO_DIM
        return syntax.is_literal(atom)

    while not zero_dim(syntax.name(name)):
        position, stmt = top.get(name, (None, None))
        if stmt is None or bound[name] != 1 or not _is_elementwise(stmt.value, classify):
            return name
        rest = [a for a in _operands(stmt.value) if not zero_dim(a)]
        # an operand never rebound, or bound once before: the check reads it at the
        # end (a parameter rebound later would hold another value there)
        if len(rest) != 1 or not isinstance(rest[0], gast.Name) or \
                bound[rest[0].id] > int(top.get(rest[0].id, (len(stmts),))[0] < position):
            return name
        name = rest[0].id
    return None


def _has_a_class(value: gast.expr, classes: dict, scalars: set) -> bool:
    return any(isinstance(a, gast.Name) and a.id not in scalars and
               classes.get(a.id, _UNKNOWN) is not _UNKNOWN for a in _operands(value))


def _broadcast_candidates(stmts: list, params: set, scalars: set,
                          classify: Callable) -> dict:
    """{r: its assignment} for names bound once, at the block's top level, to an
    elementwise operation on names and literals (`r = t - y`): when the operands'
    classes differ, the broadcast shape is r's own."""
    bound = binding_counts(stmts)
    found = {}
    for stmt in stmts:
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and
                isinstance(stmt.targets[0], gast.Name)):
            continue
        name = stmt.targets[0].id
        if name not in params and name not in scalars and bound[name] == 1 and \
                _is_elementwise(stmt.value, classify) and \
                all(isinstance(a, gast.Name) or syntax.is_literal(a)
                    for a in _operands(stmt.value)):
            found[name] = stmt
    return found


def dict_names(stmts: list, makes_dict: Callable = lambda call: False) -> set:
    """Names that may hold dicts, whose writes may add a key: bound to a dict literal
    or comprehension, to a call `makes_dict` accepts (`dict()`), to another such
    name, or to such an item of a tuple (`xs, hs = {}, {}` is normalized into
    `t = {}; ...; xs = t` and `pair = {}, {}; xs, hs = pair` into `xs = pair[0]`), or
    written at a string key (`d["k"] = v`, into a dict the caller passed)."""
    found, bindings, tuples = set(), [], {}
    for stmt in syntax.statements(stmts):
        if not isinstance(stmt, gast.Assign):
            continue
        target = stmt.targets[0]
        if isinstance(target, gast.Name):
            bindings.append((target.id, stmt.value))
            if isinstance(stmt.value, gast.Tuple):
                tuples[target.id] = stmt.value
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) and \
                isinstance(target.slice, gast.Constant) and isinstance(target.slice.value, str):
            found.add(target.value.id)
    grown = True
    while grown:  # a copy of a copy of a dict is one too
        new = {name for name, value in bindings if name not in found and
               _makes_dict(value, found, tuples, makes_dict)}
        found |= new
        grown = bool(new)
    return found


def _makes_dict(value: gast.expr, known: set, tuples: dict, makes_dict: Callable) -> bool:
    """Does `value` evaluate to a dict, given the names `known` to hold one and the
    tuple displays `tuples` bound to names?"""
    if isinstance(value, (gast.Dict, gast.DictComp)):
        return True
    if isinstance(value, gast.Name):
        return value.id in known
    if isinstance(value, gast.Call):
        return bool(makes_dict(value))
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) and \
            value.value.id in tuples and isinstance(value.slice, gast.Constant) and \
            type(value.slice.value) is int:
        items = tuples[value.value.id].elts
        index = value.slice.value
        return -len(items) <= index < len(items) and \
            _makes_dict(items[index], known, tuples, makes_dict)
    return False


def binding_counts(stmts: list) -> Counter:
    """How many statements of the block, nested ones included, bind each name."""
    return Counter(n for stmt in syntax.statements(stmts) for n in syntax.names_stored(
        getattr(stmt, "targets", None) or getattr(stmt, "target", None) or []))


def single_use_temporaries(stmts: list, user_names: set) -> dict:
    """{t: the assignment binding it} for names the normal form made (not in
    `user_names`) that one assignment binds and one later statement of the same
    block reads, once: an operand computed for one use."""
    loaded, stored = syntax.name_occurrences(stmts)
    reads, binds = Counter(loaded), Counter(stored)
    found = {}
    blocks = [stmts] + [getattr(s, field) for s in syntax.statements(stmts)
                        for field in ("body", "orelse") if getattr(s, field, None)]
    for block in blocks:
        pending = {}
        for stmt in block:
            simple = not hasattr(stmt, "body")  # a loop's body may read it many times
            for name in syntax.names_loaded(stmt) & set(pending):
                if simple:
                    found[name] = pending[name]
                del pending[name]
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
                    isinstance(stmt.targets[0], gast.Name):
                name = stmt.targets[0].id
                if name not in user_names and binds[name] == 1 and reads[name] == 1:
                    pending[name] = stmt
    return found


def _product_roots(stmts: list, params: set, classify: Callable) -> dict:
    """{v: v} for each `v = a @ b` (or another matrix product) at the block's top
    level that is v's only binding: v holds one value, so one shape, in a loop's
    body it could hold one per iteration."""
    bound = binding_counts(stmts)
    roots = {}
    for stmt in stmts:
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], gast.Name) and \
                getattr(classify(stmt.value), "key", None) in PRODUCTS:
            name = stmt.targets[0].id
            if name not in params and bound[name] == 1:
                roots[name] = name
    return roots


def _elementwise_shape(value: gast.expr, classes: dict, scalars: set, classify: Callable):
    """The class of an elementwise value: its array operands' common class;
    ZERO_DIM for a full reduction; `_UNKNOWN` for anything else; None while an
    operand has no class yet."""
    if isinstance(value, gast.Call) and is_full_reduction(classify(value)):
        return ZERO_DIM
    operands = [value] if isinstance(value, gast.Name) else _operands(value)
    if not (_is_elementwise(value, classify) or isinstance(value, gast.Name)) or \
            not all(isinstance(a, gast.Name) or syntax.is_literal(a) for a in operands):
        return _UNKNOWN
    shapes = {classes.get(a.id) for a in operands
              if isinstance(a, gast.Name) and a.id not in scalars}
    if None in shapes:
        return None
    if len(shapes) > 1:
        shapes.discard(ZERO_DIM)  # broadcast against an array, a 0-d value takes its shape
    return shapes.pop() if len(shapes) == 1 else _UNKNOWN


def _is_elementwise(value: gast.expr, classify: Callable) -> bool:
    if isinstance(value, gast.Call):
        return not value.keywords and is_elementwise(getattr(classify(value), "key", None))
    return isinstance(value, gast.UnaryOp) or \
        isinstance(value, gast.BinOp) and not isinstance(value.op, gast.MatMult) and \
        not may_join_sequences(value)


def may_join_sequences(value: gast.BinOp) -> bool:
    """`xs * 2` and `xs + xs` repeat and join a list or tuple parameter, keeping no
    shape (the adjoint's check of its length must stay); arrays are rarely written
    so."""
    if isinstance(value.op, gast.Mult):
        return any(isinstance(a, gast.Constant) and type(a.value) is int
                   for a in (value.left, value.right))
    return isinstance(value.op, gast.Add) and syntax.same(value.left, value.right)


def _operands(value: gast.expr) -> list:
    if isinstance(value, gast.BinOp):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return [value.operand]
    if isinstance(value, gast.Call):
        return list(value.args) + [k.value for k in value.keywords]
    return []


def _is_scalar_atom(node: gast.expr, known: set) -> bool:
    if isinstance(node, gast.Name):
        return node.id in known
    return syntax.is_literal(node) and isinstance(syntax.constant_value(node),
                                                  (int, float, complex, bool))


def upward_exposed(stmts: list) -> set:
    """Names a block may read before it assigns them (live on entry)."""
    exposed, defined = set(), set()
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            reads = syntax.names_loaded(stmt.test)
            inner = upward_exposed(stmt.body) | upward_exposed(stmt.orelse)
            exposed |= (reads | inner) - defined
            defined |= definitely_assigned(stmt.body) & definitely_assigned(stmt.orelse)
        elif isinstance(stmt, (gast.For, gast.While)):
            header = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            target = {stmt.target.id} if isinstance(stmt, gast.For) else set()
            exposed |= (syntax.names_loaded(header) |
                        (upward_exposed(stmt.body) - target)) - defined
        else:
            exposed |= syntax.names_loaded(stmt) - defined
            defined |= syntax.names_stored(stmt)
    return exposed


def definitely_assigned(stmts: list) -> set:
    """Names every path through the block assigns."""
    defined = set()
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            defined |= definitely_assigned(stmt.body) & definitely_assigned(stmt.orelse)
        elif not isinstance(stmt, (gast.For, gast.While)):
            defined |= syntax.names_stored(stmt)
    return defined


# Functions whose result is real even for complex operands.
_REAL_RESULTS = (abs, np.abs, np.real, np.imag, np.angle, np.ndarray.real, np.ndarray.imag,
                 np.linalg.norm, np.isreal, np.iscomplex, np.fft.irfft, np.fft.irfft2,
                 np.fft.irfftn)
# Functions that make complex values from real operands.
_COMPLEX_SOURCES = (complex, np.fft.fft, np.fft.ifft, np.fft.fft2, np.fft.ifft2, np.fft.fftn,
                    np.fft.ifftn, np.fft.rfft, np.fft.rfft2, np.fft.rfftn, np.emath.sqrt,
                    np.emath.log, np.emath.power)


def complex_names(stmts: list, classify: Callable, is_complex_global: Callable = None) -> set:
    """Names that may hold complex values: computed from a complex literal (`1j`,
    `i = 1j` too), from a global holding a complex number or array
    (`is_complex_global(name)`), by a function that makes complex values from real
    ones (complex, np.fft), or from such names by anything but abs, real, imag and
    the like. Parameters count as real."""
    edges = []
    seeds = set()
    complex_global = is_complex_global or (lambda name: False)
    for node in syntax.statements(stmts):
        if isinstance(node, gast.For):
            edges.append((syntax.names_loaded(node.iter), {node.target.id}))
            continue
        if isinstance(node, gast.Expr) and _is_method_on_local(node.value):
            edges.append((syntax.names_loaded(node.value.args), {node.value.func.value.id}))
            continue
        if not isinstance(node, gast.Assign):
            continue
        target = node.targets[0]
        base = (target.value if isinstance(target, gast.Subscript) else target).id
        primitive = classify(node.value)
        if primitive is None:  # a literal or a global: `i = 1j`, `i = J`
            if _names_complex(node.value, complex_global):
                seeds.add(base)
            continue
        if primitive.nondifferentiable or any(primitive.key is f for f in _REAL_RESULTS):
            continue
        operands = list(primitive.args) + list(primitive.keywords.values())
        if any(primitive.key is f for f in _COMPLEX_SOURCES) or \
                any(_names_complex(atom, complex_global) for atom in operands):
            seeds.add(base)
        edges.append((syntax.names_loaded(operands), {base}))
    return _closure(seeds, edges)


def _names_complex(node: gast.expr, complex_global: Callable) -> bool:
    """A complex literal, a global holding complex values, or `complex` named as a
    dtype."""
    for sub in gast.walk(node):
        if isinstance(sub, gast.Constant) and isinstance(sub.value, complex):
            return True
        if isinstance(sub, gast.Name) and complex_global(sub.id):
            return True
        if isinstance(sub, gast.Name) and sub.id == "complex" or \
                isinstance(sub, gast.Attribute) and sub.attr.startswith("complex"):
            return True
    return False
